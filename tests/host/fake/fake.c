/*
 * fake.c - the host's stand-ins for the CPU and panic(), shared by the
 * cmocka tests and the simulator.
 *
 * panic() and KASSERT both end in cmocka's mock_assert (the simulator
 * provides one that prints and exits), so a test can expect_assert_failure()
 * on a call that must panic.
 *
 * Time: with fake_tick_while_blocked set, a switch away from a task that
 * blocks or sleeps by itself (not one a tick put to sleep) delivers ticks - as the hardware would while the CPU runs
 * other tasks - until that task is running again. That is how the
 * simulator and the host tests run a workload with the kernel's own code:
 * workload_run() blocks its caller until the last task completes.
 *
 * Several CPUs (fake_start_cpus): a tick of time is then CPU 0's timer
 * interrupt followed by an interrupt tail on every other CPU, in order -
 * where each carries out what CPU 0's lockstep decision chose for it (the
 * reschedule IPI the kernel would send). The waiting task resumes as
 * whichever CPU it was placed on.
 */
#include "fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot.h"
#include "lib/kmem.h"
#include "lib/panic.h"
#include "sched/sched.h"
#include "sched/task.h"

bool fake_irq_enabled = true;
unsigned fake_switches;
unsigned fake_input_resumes;
unsigned fake_cpu;
void *fake_cpu_local[ARCH_MAX_CPUS];
unsigned fake_resched_ipis[ARCH_MAX_CPUS];
void *fake_cpu_current[ARCH_MAX_CPUS];
struct arch_context *fake_switch_from, *fake_switch_to;
unsigned fake_timer_hz;
uint64_t fake_cycles;
char fake_panic_message[512];
bool fake_tick_while_blocked;
unsigned long fake_relax_turns;

void fake_reset(void)
{
    fake_irq_enabled = true;
    fake_switches = 0;
    fake_input_resumes = 0;
    fake_cpu = 0;
    for (unsigned i = 0; i < ARCH_MAX_CPUS; i++)
        fake_resched_ipis[i] = 0;
    sched_early_init();
    fake_switch_from = fake_switch_to = NULL;
    fake_panic_message[0] = '\0';
    fake_relax_turns = 0;
    fake_switch_hook = fake_relax_hook = NULL;
    fake_console_reset();
}

static bool in_tick; /* a switch made by a tick is not a task waiting */

void fake_tick(void)
{
    in_tick = true;
    arch_irqstate_t s = arch_irq_save();
    sched_irq_enter();
    sched_tick();
    sched_irq_exit();
    arch_irq_restore(s);
    in_tick = false;
}

void fake_interrupt_tail(void)
{
    in_tick = true;
    arch_irqstate_t s = arch_irq_save();
    sched_irq_enter();
    sched_irq_exit();
    arch_irq_restore(s);
    in_tick = false;
}

/* One tick of the whole machine (see the top of this file). */
static void fake_tick_machine(void)
{
    unsigned n = sched_ncpus();
    fake_cpu = 0;
    fake_tick();
    for (unsigned k = 1; k < n; k++) {
        fake_cpu = k;
        fake_interrupt_tail();
    }
    fake_cpu = 0;
}

void fake_start_cpus(unsigned n)
{
    for (unsigned id = 1; id < n && id < ARCH_MAX_CPUS; id++) {
        struct task *idle = task_new_idle(id);
        if (!idle) {
            fprintf(stderr, "fake arch: no memory for CPU %u's idle task\n", id);
            abort();
        }
        void *local = sched_cpu_prepare(id, idle);
        unsigned was = fake_cpu;
        fake_cpu = id;
        arch_cpu_set_local(local);
        sched_cpu_online();
        fake_cpu = was;
    }
}

/* What a waiting task's switch "returns" on several CPUs: the task that
 * left its CPU for it may already run elsewhere, so hand the core a task
 * that is nowhere instead (sched_finish_switch only marks it off the CPU). */
static struct task fake_nobody;

void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size,
                       void (*start)(struct arch_context *last))
{
    (void)size;
    ctx->start = start;
    ctx->stack_base = stack_base;
}

void (*fake_switch_hook)(void);
void (*fake_relax_hook)(void);

struct arch_context *arch_switch(struct arch_context *from, struct arch_context *to)
{
    if (fake_switch_hook)
        fake_switch_hook(); /* the moment of the switch: `from` is still on the CPU */
    fake_switches++;
    fake_switch_from = from;
    fake_switch_to = to;
    struct task *self = (struct task *)((char *)from - offsetof(struct task, ctx));
    if (!fake_tick_while_blocked || in_tick || (self->state != TASK_BLOCKED && self->state != TASK_SLEEPING))
        return from; /* the caller carries on as `to`, which `from` just left */
    /* `self` waits: let time pass until it runs again. The switch away from
     * it is complete as far as the core can tell (the next task would have
     * run sched_finish_switch for it): it is off the CPU. */
    self->on_cpu = false;
    bool smp = sched_ncpus() > 1;
    if (smp)
        klock_drop(sched_switch_lock()); /* as the next task would: the ticks need it */
    for (unsigned long n = 0; smp ? !self->on_cpu : task_current() != self; n++) {
        if (n == 10000000) {
            fprintf(stderr, "fake arch: task '%s' waited 10,000,000 ticks for '%s'; giving up\n",
                    self->name, self->wait_what ? self->wait_what : "its wakeup");
            abort();
        }
        if (smp)
            fake_tick_machine();
        else
            fake_tick();
    }
    if (smp) {
        fake_cpu = self->cpu; /* we carry on as the CPU it runs on */
        klock_take(sched_switch_lock()); /* as the task that switched back to us would hold it */
        return &fake_nobody.ctx;
    }
    return fake_switch_from; /* the switch that gave `self` the CPU again came from there */
}

void arch_cpu_relax(void)
{
    if (fake_relax_hook)
        fake_relax_hook(); /* as another CPU would act meanwhile */
    if (++fake_relax_turns == 1000000) {
        fprintf(stderr, "fake arch: a spin loop turned a million times; on the host no other CPU runs "
                        "to end it (a lock never released, a decision never carried out)\n");
        abort();
    }
}

void arch_timer_start(unsigned hz, unsigned every) { fake_timer_hz = hz, (void)every; }
void arch_timer_jitter(unsigned percent, uint32_t seed) { (void)percent, (void)seed; }
void arch_cpu_set_local(void *local) { fake_cpu_local[fake_cpu] = local; }
void arch_send_resched(unsigned cpu) { fake_resched_ipis[cpu]++; }
void arch_stop_others(void) {}

/* No boot loader on the host: no modules, no user programs. */
const struct boot_info *boot_info(void) { return NULL; }
void arch_space_switch(struct arch_space *s, uintptr_t kstack_top)
{
    (void)s, (void)kstack_top;
    fprintf(stderr, "fake: arch_space_switch called, but no host task has an address space\n");
    abort();
}
void *arch_stack_alloc(size_t size) { return kmalloc_aligned(size, 16); }
void arch_stack_free(void *stack, size_t size) { (void)size, kfree(stack); }
void arch_input_start(void) {}
void arch_input_resume(void) { fake_input_resumes++; }

void arch_halt(void) { abort(); }

void arch_exit(int code)
{
    char msg[64];
    snprintf(msg, sizeof msg, "arch_exit(%d)", code);
    mock_assert(0, msg, __FILE__, __LINE__);
    abort();
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake_panic_message, sizeof fake_panic_message, fmt, ap);
    va_end(ap);
    mock_assert(0, fake_panic_message, __FILE__, __LINE__);
    abort();
}

void kernel_exit(enum kexit code) { arch_exit(code); }
