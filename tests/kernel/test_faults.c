/*
 * test_faults.c - things that must stop the kernel, readably.
 *
 * These are `solo` tests: the harness boots each one alone and expects the
 * report on the serial console and QEMU's exit status 37 (35 for the
 * livelock, which is a failure, not a panic).
 */
#include "ktest.h"
#include "ktests.h"
#include "tourniquet.h"

/* Divide by zero with known values in the registers, so the harness can
 * check that the dump shows each register's own value. */
void ktest_divzero(void)
{
    kprintf("# dividing 1 by zero in task '%s'; EBX=bbbb0001 ESI=5e5e0002 EDI=d1d10003\n",
            task_current()->name);
    __asm__ volatile("mov $0xbbbb0001, %%ebx\n\t"
                     "mov $0x5e5e0002, %%esi\n\t"
                     "mov $0xd1d10003, %%edi\n\t"
                     "mov $1, %%eax\n\t"
                     "xor %%edx, %%edx\n\t"
                     "xor %%ecx, %%ecx\n\t"
                     "div %%ecx"
                     :
                     :
                     : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory");
    ktest_fail(__FILE__, __LINE__, "the divide error did not stop the kernel");
}

/* A fault while delivering a fault: shrink the IDT so that INT 0x30 lies
 * beyond its limit (#GP), and the #GP's own gate too (#DF). The double
 * fault's task gate (entry 8) is still inside the limit and runs on its own
 * stack: the report must come out, and QEMU must not reset. */
void ktest_doublefault(void)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr;
    kprintf("# shrinking the IDT to 10 gates, then INT 0x30\n");
    __asm__ volatile("sidt %0" : "=m"(idtr));
    idtr.limit = 10 * 8 - 1;
    __asm__ volatile("lidt %0\n\tint $0x30" : : "m"(idtr) : "memory");
    ktest_fail(__FILE__, __LINE__, "no double fault");
}

/* Dig down the stack 16 bytes at a time until a frame lies on the canary
 * zone. The work after the recursive call keeps the compiler from turning
 * the recursion into a loop. */
static unsigned __attribute__((noinline)) dig(uintptr_t floor_)
{
    volatile uint8_t pad[16];
    for (unsigned i = 0; i < sizeof pad; i++)
        pad[i] = (uint8_t)i;
    unsigned depth = 0;
    if ((uintptr_t)pad > floor_)
        depth = dig(floor_) + 1;
    pad[1] = pad[0];
    return depth;
}

static volatile bool spin_forever = true;

static int overflow(void *arg)
{
    (void)arg;
    struct task *self = task_current();
    uintptr_t floor_ = (uintptr_t)self->stack + TASK_CANARY_ZONE - 8;
    unsigned depth = dig(floor_);
    kprintf("# overflow: %u frames deep, down to the canary zone; waiting for a switch\n", depth);
    while (spin_forever)
        ; /* the next preemption checks our canary */
    return 0;
}

static int neighbour(void *arg)
{
    (void)arg;
    while (spin_forever)
        ;
    return 0;
}

void ktest_canary(void)
{
    task_create("neighbour", neighbour, NULL);
    struct task *t = task_create("overflow", overflow, NULL);
    task_join(t);
    ktest_fail(__FILE__, __LINE__, "the overflow went unnoticed");
}

/* Dig on past the bottom of the stack: the guard page under it stops the
 * task at its first write there (a double fault, since the CPU cannot push
 * the page fault's frame either), before the heap below is touched. */
static int runaway(void *arg)
{
    (void)arg;
    struct task *self = task_current();
    kprintf("# runaway: digging below the bottom of its stack [%p, %p)\n", (void *)self->stack,
            (void *)(self->stack + self->stack_size));
    dig((uintptr_t)self->stack - 2 * 4096);
    return 0;
}

void ktest_guard(void)
{
    struct task *t = task_create("runaway", runaway, NULL);
    task_join(t);
    ktest_fail(__FILE__, __LINE__, "the task ran off its stack unnoticed");
}

/* Two tasks wait for each other's flag by yielding, and neither ever sets
 * its own: they run for ever and nothing changes. The livelock watch must
 * say so, naming both, and (exit=1) end the run with status 35. */
static volatile int never_set;

static int polite(void *arg)
{
    (void)arg;
    while (!never_set)
        task_yield(); /* "after you" */
    return 0;
}

void ktest_livelock(void)
{
    kprintf("# two tasks yield to each other for ever; expect a LIVELOCK report after %u ticks\n",
            SCHED_LIVELOCK_TICKS);
    struct task *a = task_create("after-you", polite, NULL);
    struct task *b = task_create("no-after-you", polite, NULL);
    task_join(a);
    task_join(b);
    ktest_fail(__FILE__, __LINE__, "the livelock was not reported");
}

/* test=NAME (kernel/ktest.h), in the order test=all runs them */
KTEST_SUITE("faults", NULL, NULL, {"divzero", ktest_divzero, true, "a divide error prints the CPU state and panics (status 37)"},
            {"canary", ktest_canary, true, "a task that overflows its stack is caught at the next switch"},
            {"guard", ktest_guard, true, "a task that runs off the bottom of its stack hits the guard page under it"},
            {"doublefault", ktest_doublefault, true, "a fault while delivering a fault is reported, not a reset"},
            {"livelock", ktest_livelock, true, "tasks that yield for ever and change nothing get a LIVELOCK report (status 35)"});
