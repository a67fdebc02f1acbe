/*
 * arch/contract.h - the arch contract, once, for every arch.h to be held to.
 *
 * Two arch.h files implement the contract: the x86 one
 * (arch/x86/include/arch/arch.h) and the host's fake (tests/host/fake/arch/
 * arch.h), on which the host tests and the simulator run the same portable
 * code. Each includes this file at its end, after its own definitions. A
 * function the arch defines out of line is declared here, so a declaration
 * that drifts from it fails that build ("conflicting types"); a function
 * the arch may define inline (the fast ones) has its type checked here. So
 * the two cannot drift apart without one of the builds saying so.
 * Portable code includes <arch/arch.h>, never this file.
 */
#ifndef ARCH_CONTRACT_H
#define ARCH_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arch_context;
struct arch_cpu_counts;
struct arch_space;

/* ---- Out of line in every arch ---------------------------------------- */

void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size,
                       void (*start)(struct arch_context *last));
struct arch_context *arch_switch(struct arch_context *from, struct arch_context *to);
void arch_timer_start(unsigned hz, unsigned every);
void arch_timer_jitter(unsigned percent, uint32_t seed);
void arch_input_start(void);
void arch_input_resume(void);
__attribute__((noreturn)) void arch_exit(int code);
__attribute__((noreturn)) void arch_halt(void);
void arch_cpu_set_local(void *local);
unsigned arch_cpus_probe(void);
bool arch_cpu_start(unsigned cpu, void *local, void *stack, size_t size, void (*entry)(void));
void arch_send_resched(unsigned cpu);
void arch_stop_others(void);
void arch_cpu_counts(unsigned cpu, struct arch_cpu_counts *out);
void arch_space_switch(struct arch_space *s, uintptr_t kstack_top);
void *arch_stack_alloc(size_t size);
void arch_stack_free(void *stack, size_t size);

/* ---- Inline where an arch likes: their types ---------------------------- */

#define ARCH_CONTRACT_TYPE(fn, type) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&(fn)), type), #fn " has not the contract's type " #type)

ARCH_CONTRACT_TYPE(arch_irq_save, arch_irqstate_t (*)(void));
ARCH_CONTRACT_TYPE(arch_irq_restore, void (*)(arch_irqstate_t));
ARCH_CONTRACT_TYPE(arch_irq_enable, void (*)(void));
ARCH_CONTRACT_TYPE(arch_irq_disable, void (*)(void));
ARCH_CONTRACT_TYPE(arch_irq_enabled, bool (*)(void));
ARCH_CONTRACT_TYPE(arch_idle, void (*)(void));
ARCH_CONTRACT_TYPE(arch_xchg, uint32_t (*)(volatile uint32_t *, uint32_t));
ARCH_CONTRACT_TYPE(arch_test_and_set, bool (*)(volatile uint32_t *));
ARCH_CONTRACT_TYPE(arch_cycles, uint64_t (*)(void));
ARCH_CONTRACT_TYPE(arch_this_cpu, void *(*)(void));
ARCH_CONTRACT_TYPE(arch_cpu_id, unsigned (*)(void));
ARCH_CONTRACT_TYPE(arch_cpu_current, void *(*)(void));
ARCH_CONTRACT_TYPE(arch_cpu_set_current, void (*)(void *));
ARCH_CONTRACT_TYPE(arch_cpu_relax, void (*)(void));

_Static_assert(ARCH_MAX_CPUS >= 1 && ARCH_MAX_CPUS <= 32, "ARCH_MAX_CPUS: 1..32 (affinity masks are 32 bits)");

#endif /* ARCH_CONTRACT_H */
