/*
 * test_smp.c - test=smp: every CPU the firmware lists is started and works.
 *
 * The test asks the arch layer how many CPUs there are and starts each
 * other one (an AP) on a small stack of its own with ap_main, which records
 * what it sees of itself (arch_cpu_id, arch_this_cpu), adds to a shared
 * counter with LOCK XADD while the other CPUs do the same, starts its timer,
 * waits until it has taken a few ticks, and parks in HLT with interrupts on;
 * the boot CPU then sends each AP a reschedule IPI and waits for it to be
 * counted. It checks that every CPU reached its entry with the right number
 * and pointer, that no increment was lost, that each AP's timer ticked,
 * that each AP took its IPI, and that a task that went to wait while one
 * CPU ran comes back right once the locks are real (the lock it waited
 * under taken again, the run-queue lock its switch held let go). Each AP gets the scheduler core's per-CPU data
 * (sched_cpu_prepare), as the kernel's own start-up gives it, so that its
 * interrupts go through the core; but it is never brought online: the
 * core places no task on it, and its entry is the test's.
 *
 * It prints its checks as a KTAP subtest (indented), so that with one CPU
 * it can say "# SKIP" there. It is `solo`: the machine stays on the APICs
 * with the APs parked, so it does not run in test=all.
 */
#include "input.h"
#include "ktest.h"
#include "ktests.h"
#include "tourniquet.h"
#include "sync/sync.h"

#define SMP_INCREMENTS 10000
#define SMP_AP_TICKS 3

struct smp_local {
    unsigned cpu;               /* what the test started it as */
    void *local;                /* the per-CPU pointer it was started with */
    volatile unsigned seen_id;  /* arch_cpu_id() on the AP */
    void *volatile seen_local;  /* arch_this_cpu() on the AP */
    volatile bool counted;      /* its increments are done */
    volatile bool ticked;       /* its timer has ticked SMP_AP_TICKS times */
};

static struct smp_local locals[ARCH_MAX_CPUS];
static volatile uint32_t counter;
static volatile uint32_t xadd_sum; /* the old values XADD returned, added up: checks they were all distinct */

static void add_many(void)
{
    for (unsigned i = 0; i < SMP_INCREMENTS; i++) {
        uint32_t old = __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST); /* LOCK XADD */
        __atomic_fetch_add(&xadd_sum, old, __ATOMIC_RELAXED);
    }
}

static void ap_main(void)
{
    struct smp_local *me = &locals[arch_cpu_id()];
    me->seen_local = arch_this_cpu();
    me->seen_id = arch_cpu_id();
    add_many();
    me->counted = true;
    arch_timer_start(kconfig.hz, 1); /* (test=smp counts the timer's interrupts: each one a tick) */
    for (;;) {
        arch_idle(); /* STI; HLT: returns after an interrupt */
        struct arch_cpu_counts n;
        arch_cpu_counts(arch_cpu_id(), &n);
        if (n.timer_ticks >= SMP_AP_TICKS)
            me->ticked = true;
    }
}

/* Wait until the next interrupt of CPU 0. Halting rather than spinning
 * matters under QEMU -icount: its round robin between vCPUs may not give a
 * halted AP its timer interrupt while the boot CPU spins. */
static void pause_a_tick(void)
{
    arch_irqstate_t s = arch_irq_save();
    arch_idle(); /* STI; HLT */
    arch_irq_restore(s);
}

/* Wait (in timer ticks of CPU 0) until *flag, at most `ticks`. */
static bool wait_for(volatile bool *flag, uint64_t ticks)
{
    uint64_t end = ticks_now() + ticks;
    while (!*flag && ticks_now() < end)
        pause_a_tick();
    return *flag;
}

/* Start CPU `cpu` with `entry`, on its own idle task's stack, with the
 * core's per-CPU data for it. */
static bool start_ap(unsigned cpu, void (*entry)(void))
{
    struct task *idle = task_new_idle(cpu);
    KT_EXPECT(idle != NULL);
    if (!idle)
        return false;
    locals[cpu].local = sched_cpu_prepare(cpu, idle);
    /* Interrupts off while the machine moves to the APICs, as kernel_main
     * does: an interrupt in the middle of the move was seen to arrive as a
     * #GP once in a dozen boots. */
    arch_irqstate_t s = arch_irq_save();
    bool ok = arch_cpu_start(cpu, locals[cpu].local, idle->stack, idle->stack_size, entry);
    arch_irq_restore(s);
    return ok;
}

/* A task that waits on a semaphore from before the APs start to after. */
static struct semaphore across;
static int wait_across(void *arg)
{
    (void)arg;
    return sem_down(&across) == SYNC_OK ? 7 : 1;
}

static void subtest(unsigned n, bool ok, const char *name)
{
    kprintf("    %s %u %s\n", ok ? "ok" : "not ok", n, name);
    if (!ok)
        ktest_fail(__FILE__, __LINE__, "%s", name);
}

void ktest_smp(void)
{
    unsigned n = arch_cpus_probe();
    kprintf("    KTAP version 1\n    1..5\n");
    if (n < 2) {
        const char *why = "only one CPU (boot with -smp 2 or more)";
        kprintf("    ok 1 cpus-start # SKIP %s\n    ok 2 xadd-counter # SKIP %s\n"
                "    ok 3 ap-timers # SKIP %s\n    ok 4 resched-ipi # SKIP %s\n"
                "    ok 5 wait-across-start # SKIP %s\n", why, why, why, why, why);
        kprintf("# smp: SKIP: %s\n", why);
        return;
    }
    /* 5 (checked at the end): a task blocks while the locks are still only
     * "interrupts off", so that it leaves the CPU through the scheduler's
     * one-CPU copy of the wait, and is woken once they are real. */
    sem_init(&across, "across", 0);
    struct task *waiter = task_create("across", wait_across, NULL);
    KT_EXPECT(waiter != NULL);
    while (waiter && __atomic_load_n(&waiter->state, __ATOMIC_ACQUIRE) != TASK_BLOCKED)
        task_yield();
    counter = 0;
    xadd_sum = 0;
    uint64_t t0 = ticks_now();
    bool all_started = true;
    for (unsigned cpu = 1; cpu < n; cpu++) {
        locals[cpu] = (struct smp_local){.cpu = cpu, .seen_id = ~0u};
        bool ok = start_ap(cpu, ap_main);
        KT_EXPECT(ok, "cpu %u did not start", cpu);
        all_started &= ok;
    }
    add_many(); /* the boot CPU joins the race too */

    /* 1: every AP reached its entry and saw its own number and pointer. */
    bool ids_ok = all_started;
    for (unsigned cpu = 1; cpu < n; cpu++) {
        wait_for(&locals[cpu].counted, 1000);
        if (locals[cpu].seen_id != cpu || locals[cpu].seen_local != locals[cpu].local) {
            ids_ok = false;
            ktest_fail(__FILE__, __LINE__, "cpu %u saw arch_cpu_id()=%u arch_this_cpu()=%p (expected %p)", cpu,
                       locals[cpu].seen_id, locals[cpu].seen_local, locals[cpu].local);
        }
    }
    subtest(1, ids_ok, "cpus-start");

    /* 2: nothing lost, and XADD handed out each old value once (0..N-1). */
    bool all_counted = true;
    for (unsigned cpu = 1; cpu < n; cpu++)
        all_counted &= locals[cpu].counted;
    uint32_t total = SMP_INCREMENTS * n;
    uint32_t want_sum = (uint32_t)((uint64_t)total * (total - 1) / 2);
    kprintf("# cpus=%u counter=%u expected=%u\n", n, (unsigned)counter, (unsigned)total);
    subtest(2, all_counted && counter == total && xadd_sum == want_sum, "xadd-counter");

    /* 3: each AP's own timer ticked. */
    bool ticked = true;
    for (unsigned cpu = 1; cpu < n; cpu++)
        if (!wait_for(&locals[cpu].ticked, 1000)) {
            ticked = false;
            ktest_fail(__FILE__, __LINE__, "cpu %u: its timer did not tick %u times", cpu, SMP_AP_TICKS);
        }
    subtest(3, ticked, "ap-timers");

    /* 4: each AP takes a reschedule IPI. */
    bool ipis = true;
    for (unsigned cpu = 1; cpu < n; cpu++) {
        struct arch_cpu_counts before, after;
        arch_cpu_counts(cpu, &before);
        arch_send_resched(cpu);
        uint64_t end = ticks_now() + 1000;
        for (;;) {
            arch_cpu_counts(cpu, &after);
            if (after.resched_ipis != before.resched_ipis || ticks_now() >= end)
                break;
            pause_a_tick();
        }
        if (after.resched_ipis != before.resched_ipis + 1) {
            ipis = false;
            ktest_fail(__FILE__, __LINE__, "cpu %u: %u reschedule IPI(s) taken, expected 1", cpu,
                       (unsigned)(after.resched_ipis - before.resched_ipis));
        }
    }
    subtest(4, ipis, "resched-ipi");

    /* 5: it resumes in the code it left by, which must now let go of the
     * run-queue lock the switch to it held and take the semaphore's lock
     * again: else sem_down's unlock panics ("lets go of a lock nobody
     * holds") or CPU 0's queue stays locked. */
    bool across_ok = false;
    if (waiter) {
        sem_up(&across);
        int code = task_join(waiter);
        across_ok = code == 7;
        if (!across_ok)
            ktest_fail(__FILE__, __LINE__, "the task that waited across the start ended with %d, expected 7", code);
    }
    subtest(5, across_ok, "wait-across-start");

    for (unsigned cpu = 0; cpu < n; cpu++) {
        struct arch_cpu_counts c;
        arch_cpu_counts(cpu, &c);
        kprintf("# cpu%u timer_ticks=%u resched_ipis=%u\n", cpu, (unsigned)c.timer_ticks,
                (unsigned)c.resched_ipis);
    }
    kprintf("# ticks_during_test=%u\n", (unsigned)(ticks_now() - t0));

    /* CPU 0's LAPIC timer against the cycle counter (under -icount, one per
     * nanosecond of guest time: the tests compare it with 10^9 / hz). */
    uint64_t tick = ticks_now();
    while (ticks_now() == tick)
        pause_a_tick();
    uint64_t c0 = arch_cycles(), from = ticks_now();
    while (ticks_now() < from + 20)
        pause_a_tick();
    kprintf("# hz=%u lapic_cycles_per_tick=%u\n", (unsigned)kconfig.hz,
            (unsigned)(uint32_t)(arch_cycles() - c0) / (unsigned)(ticks_now() - from));
}

/* ---- smpfault, smpdoublefault: an AP's exceptions ----------------------- */

static void ap_divide(void)
{
    __asm__ volatile("mov $0xa9a90001, %%ebx\n\t"
                     "mov $1, %%eax\n\t"
                     "xor %%edx, %%edx\n\t"
                     "xor %%ecx, %%ecx\n\t"
                     "div %%ecx"
                     :
                     :
                     : "eax", "ebx", "ecx", "edx", "memory");
    for (;;)
        arch_idle();
}

static void ap_double_fault(void)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    idtr.limit = 10 * 8 - 1; /* this CPU only: its IDTR */
    __asm__ volatile("lidt %0\n\tint $0x30" : : "m"(idtr) : "memory");
    for (;;)
        arch_idle();
}

/* Start CPU 1 with `entry`, which faults; the kernel must report it on
 * cpu 1 and panic (status 37) with the boot CPU stopped. */
static void fault_on_ap(void (*entry)(void), const char *what)
{
    if (arch_cpus_probe() < 2) {
        kprintf("# %s: SKIP: only one CPU\n", what);
        return;
    }
    kprintf("# cpu 1 will %s\n", what);
    KT_EXPECT(start_ap(1, entry));
    for (unsigned i = 0; i < 1000; i++)
        pause_a_tick();
    ktest_fail(__FILE__, __LINE__, "cpu 1 did not stop the kernel");
}

void ktest_smpfault(void) { fault_on_ap(ap_divide, "divide by zero"); }
void ktest_smpdoublefault(void) { fault_on_ap(ap_double_fault, "take a fault while delivering one"); }

/* ---- smpinput: the devices through the I/O APIC ------------------------- */

static void ap_park(void)
{
    for (;;)
        arch_idle();
}

/* Start CPU 1 (which moves the devices to the I/O APIC), then read a line
 * typed on the serial port or the keyboard (the test runner types it). */
void ktest_smpinput(void)
{
    if (arch_cpus_probe() < 2) {
        kprintf("# smpinput: SKIP: only one CPU\n");
        return;
    }
    KT_EXPECT(start_ap(1, ap_park));
    kprintf("# smpinput: the keyboard and COM1 now come through the I/O APIC; type a line\n");
    char line[32];
    unsigned n = 0;
    for (char c; (c = input_getc()) != '\n';)
        if (n + 1 < sizeof line)
            line[n++] = c;
    line[n] = '\0';
    kprintf("# smpinput: got '%s'\n", line);
}

/* test=NAME (kernel/ktest.h), in the order test=all runs them */
KTEST_SUITE("smp", NULL, NULL, {"smp", ktest_smp, true, "every CPU starts, counts with LOCK XADD, takes its timer ticks and an IPI"},
            {"smpfault", ktest_smpfault, true, "a divide error on CPU 1 is reported from there and panics"},
            {"smpdoublefault", ktest_smpdoublefault, true, "a double fault on CPU 1 runs on its own TSS and panics"},
            {"smpinput", ktest_smpinput, true, "with CPU 1 started, typed lines arrive through the I/O APIC"});
