/*
 * arch/arch.h - everything the portable kernel knows about the CPU.
 *
 * kernel/ and demos/ include this file and nothing else from arch/. The kernel
 * build finds it in arch/x86/include; the host build (cmocka tests and the
 * simulator) finds a fake with the same contract in tests/host/fake. If
 * portable code reaches past this header for something x86, the host build
 * breaks: that is the layering check.
 *
 * The contract, in five groups:
 *   interrupts   arch_irq_save/restore/enable/disable/enabled, arch_idle
 *   context      struct arch_context, arch_context_init, arch_switch
 *   atomics      arch_xchg, arch_test_and_set
 *   time         arch_cycles, arch_timer_start
 *   leaving      arch_exit, arch_halt
 * Each function says what the core may expect of it.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Interrupts ------------------------------------------------------- */

/* Saved interrupt state, as returned by arch_irq_save (the EFLAGS image). */
typedef uint32_t arch_irqstate_t;

/* Disable interrupts and return the previous state, for arch_irq_restore.
 * Nests: save/save/restore/restore leaves interrupts as they were. */
/* (The .cfi lines tell GDB about the push: a timer interrupt can land
 * between pushfl and popl, and `bt` must still unwind from there.) */
#define ARCH_READ_EFLAGS(var) \
    __asm__ volatile("pushfl\n\t.cfi_adjust_cfa_offset 4\n\tpopl %0\n\t.cfi_adjust_cfa_offset -4" : "=r"(var))

static inline arch_irqstate_t arch_irq_save(void)
{
    arch_irqstate_t flags;
    ARCH_READ_EFLAGS(flags);
    __asm__ volatile("cli" : : : "memory");
    return flags;
}

/* Put the interrupt flag back as arch_irq_save found it. */
static inline void arch_irq_restore(arch_irqstate_t flags)
{
    if (flags & (1u << 9))
        __asm__ volatile("sti" : : : "memory");
}

static inline void arch_irq_enable(void) { __asm__ volatile("sti" : : : "memory"); }
static inline void arch_irq_disable(void) { __asm__ volatile("cli" : : : "memory"); }

/* True when interrupts are enabled on this CPU. */
static inline bool arch_irq_enabled(void)
{
    uint32_t flags;
    ARCH_READ_EFLAGS(flags);
    return flags & (1u << 9);
}

/* Enable interrupts and halt until the next one, atomically: an interrupt
 * that arrives between the two cannot be missed (STI takes effect after the
 * next instruction). Called by the idle task with interrupts off. Returns
 * with interrupts enabled, after the interrupt has been handled. */
static inline void arch_idle(void) { __asm__ volatile("sti; hlt" : : : "memory"); }

/* ---- Execution contexts ----------------------------------------------- */

/* What a task that is not running keeps of its CPU state: the kernel stack
 * pointer. Everything else (callee-saved registers, the return address, and
 * for a preempted task the whole trap frame) lives on that stack. */
struct arch_context {
    uint32_t esp; /* offset 0: arch/x86/switch.S relies on it */
};

/* Prepare a new context that, when first switched to, calls start(last) on
 * the stack [stack_base, stack_base + size) with interrupts still disabled;
 * `last` is the context that was switched away from to get there (as
 * arch_switch returns it). start() must never return. */
void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size,
                       void (*start)(struct arch_context *last));

/* Save the current CPU state into *from and resume *to. Returns when some
 * later arch_switch resumes *from, and returns the context *that* switch
 * came from: not `to`, which ran long ago, but whoever ran last on this CPU
 * (Linux's switch_to(prev, next, last)). Interrupts must be disabled; they
 * stay disabled across the switch. One routine serves voluntary and
 * preemptive switches alike (arch/x86/switch.S). */
struct arch_context *arch_switch(struct arch_context *from, struct arch_context *to);

/* ---- Atomics ---------------------------------------------------------- */

/* Atomically store v in *p and return the old value (x86 XCHG). */
static inline uint32_t arch_xchg(volatile uint32_t *p, uint32_t v)
{
    __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}

/* Atomically set bit 0 of *p and return its old value (LOCK BTS): the x86
 * spelling of the slides' TSL instruction. */
static inline bool arch_test_and_set(volatile uint32_t *p)
{
    bool old;
    __asm__ volatile("lock btsl $0, %1\n\tsetc %0" : "=q"(old), "+m"(*p) : : "memory", "cc");
    return old;
}

/* ---- Time ------------------------------------------------------------- */

/* A free-running cycle counter (RDTSC). Under QEMU -icount shift=0 it
 * advances by exactly one per executed instruction. */
static inline uint64_t arch_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* ---- The timer ------------------------------------------------------ */

/* Start the periodic timer at `hz` interrupts per second. From then on,
 * each tick runs, in interrupt context: sched_irq_enter(), sched_tick(),
 * the end-of-interrupt, sched_irq_exit() (kernel/sched.h). The caller
 * enables interrupts when it is ready for them. */
void arch_timer_start(unsigned hz);

/* Make each timer period vary at random by up to `percent` % around 1/hz,
 * from a seeded generator: different interleavings, each one replayable.
 * 0 turns it off. */
void arch_timer_jitter(unsigned percent, uint32_t seed);

/* Start delivering typed characters (serial line, keyboard) to the kernel's
 * input buffer (kernel/input.h), from their interrupt handlers. */
void arch_input_start(void);

/* ---- Leaving ---------------------------------------------------------- */

/* Leave the machine with a status: under QEMU with the isa-debug-exit
 * device, QEMU exits with (code << 1) | 1. Without it, halts forever.
 * See kernel/panic.h for the codes. */
__attribute__((noreturn)) void arch_exit(int code);

/* Stop this CPU for good (interrupts off, HLT in a loop). */
__attribute__((noreturn)) void arch_halt(void);

#endif /* ARCH_ARCH_H */
