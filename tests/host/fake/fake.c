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
 */
#include "fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "panic.h"
#include "sched.h"
#include "task.h"

bool fake_irq_enabled = true;
unsigned fake_switches;
unsigned fake_cpu;
void *fake_cpu_local[ARCH_MAX_CPUS];
unsigned fake_resched_ipis[ARCH_MAX_CPUS];
void *fake_cpu_current[ARCH_MAX_CPUS];
struct arch_context *fake_switch_from, *fake_switch_to;
unsigned fake_timer_hz;
uint64_t fake_cycles;
char fake_panic_message[512];
bool fake_tick_while_blocked;

void fake_reset(void)
{
    fake_irq_enabled = true;
    fake_switches = 0;
    fake_cpu = 0;
    for (unsigned i = 0; i < ARCH_MAX_CPUS; i++)
        fake_resched_ipis[i] = 0;
    sched_early_init();
    fake_switch_from = fake_switch_to = NULL;
    fake_panic_message[0] = '\0';
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

void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size,
                       void (*start)(struct arch_context *last))
{
    (void)size;
    ctx->start = start;
    ctx->stack_base = stack_base;
}

struct arch_context *arch_switch(struct arch_context *from, struct arch_context *to)
{
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
    for (unsigned long n = 0; task_current() != self; n++) {
        if (n == 10000000) {
            fprintf(stderr, "fake arch: task '%s' waited 10,000,000 ticks for '%s'; giving up\n",
                    self->name, self->wait_what ? self->wait_what : "its wakeup");
            abort();
        }
        fake_tick();
    }
    return fake_switch_from; /* the switch that gave `self` the CPU again came from there */
}

void arch_timer_start(unsigned hz) { fake_timer_hz = hz; }
void arch_timer_jitter(unsigned percent, uint32_t seed) { (void)percent, (void)seed; }
void arch_input_start(void) {}

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
