/*
 * arch/arch.h, host edition - the arch contract with no CPU behind it.
 *
 * The host build (cmocka tests, and the simulator to come) puts this
 * directory on the include path where the kernel build puts
 * arch/x86/include, so portable code compiles unchanged. Interrupts are a
 * flag; arch_switch records the switch and returns at once (no stacks are
 * swapped: the caller simply carries on as the "new" task); the cycle counter
 * counts calls. tests/host/fake/fake.c holds the state.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t arch_irqstate_t;

extern bool fake_irq_enabled;
extern unsigned fake_switches;
extern unsigned fake_input_resumes; /* arch_input_resume calls: the serial line let go again */
extern struct arch_context *fake_switch_from, *fake_switch_to;
extern unsigned fake_timer_hz;
extern uint64_t fake_cycles;

static inline arch_irqstate_t arch_irq_save(void)
{
    arch_irqstate_t s = fake_irq_enabled;
    fake_irq_enabled = false;
    return s;
}
static inline void arch_irq_restore(arch_irqstate_t s) { fake_irq_enabled = s != 0; }
static inline void arch_irq_enable(void) { fake_irq_enabled = true; }
static inline void arch_irq_disable(void) { fake_irq_enabled = false; }
static inline bool arch_irq_enabled(void) { return fake_irq_enabled; }
static inline void arch_idle(void) { fake_irq_enabled = true; }

struct arch_context {
    void (*start)(struct arch_context *last); /* what arch_context_init was given */
    void *stack_base;
};

void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size,
                       void (*start)(struct arch_context *last));
/* Returns at once, as if `to` had run and switched back: the caller carries
 * on as the new task, and `from` is the context it came from. */
struct arch_context *arch_switch(struct arch_context *from, struct arch_context *to);

static inline uint32_t arch_xchg(volatile uint32_t *p, uint32_t v)
{
    uint32_t old = *p;
    *p = v;
    return old;
}

static inline bool arch_test_and_set(volatile uint32_t *p)
{
    bool old = *p & 1;
    *p |= 1;
    return old;
}

static inline uint64_t arch_cycles(void) { return fake_cycles++; }

void arch_timer_start(unsigned hz, unsigned every);
void arch_input_start(void);
void arch_input_resume(void);

/* CPUs: simulated, one at a time. fake_cpu is the CPU "we" are: a host
 * test sets it to act as another CPU (its per-CPU pointer, its id); a
 * reschedule IPI is only counted, per CPU. */
#define ARCH_MAX_CPUS 8
extern unsigned fake_cpu;
extern void *fake_cpu_local[ARCH_MAX_CPUS];
extern unsigned fake_resched_ipis[ARCH_MAX_CPUS];
void arch_cpu_set_local(void *local);
static inline void *arch_this_cpu(void) { return fake_cpu_local[fake_cpu]; }
static inline unsigned arch_cpu_id(void) { return fake_cpu; }
void arch_send_resched(unsigned cpu); /* counted: fake_resched_ipis */
/* A spin loop's pause. On the host nothing runs beside us, so a wait
 * that spins waits for ever: after a million turns the fake says so and
 * stops (fake.c) instead of hanging the test. */
void arch_cpu_relax(void);
extern void *fake_cpu_current[ARCH_MAX_CPUS];
static inline void *arch_cpu_current(void) { return fake_cpu_current[fake_cpu]; }
static inline void arch_cpu_set_current(void *t) { fake_cpu_current[fake_cpu] = t; }
void arch_stop_others(void);
__attribute__((noreturn)) void arch_exit(int code);
__attribute__((noreturn)) void arch_halt(void);

/* Address spaces: the host has none, and no host task has one, so the
 * switch tail never calls this (fake.c fails the test if it does). */
struct arch_space;
void arch_space_switch(struct arch_space *s, uintptr_t kstack_top);

/* Kernel stacks: blocks of the kernel heap, as the real one's pages are
 * (the host cannot unmap a guard page under them). */
#define ARCH_STACK_MAX 12288u
void *arch_stack_alloc(size_t size);
void arch_stack_free(void *stack, size_t size);

#include <arch/contract.h> /* held to the same contract as the real one */

#endif /* ARCH_ARCH_H */
