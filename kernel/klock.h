/*
 * klock.h - the kernel's own locks (Linux's raw_spinlock_t): each guards
 * named data, and says so where it is declared.
 *
 * A klock is "interrupts off on this CPU", plus, once several CPUs run,
 * a word that the other CPUs spin on. Interrupts go off first: a holder
 * must never be interrupted by a handler that wants the same lock, and on
 * one CPU that alone is the whole lock. So on one CPU these calls compile to
 * exactly the instructions the kernel used before it had names for its
 * locks: a pushfl/cli and a conditional sti.
 *
 * Two forms:
 *   s = klock_irqsave(&l); ... klock_irqrestore(&l, s);   outermost: saves the interrupt state
 *   klock_take(&l); ... klock_drop(&l);                   nested: interrupts are already off
 *
 * These are not the course's spinlocks (kernel/sync.h): those are for
 * demos and students, count their spins, and report misuse. A klock has no
 * owner to report and no statistics: it sits under every sleep and wakeup.
 */
#ifndef KERNEL_KLOCK_H
#define KERNEL_KLOCK_H

#include <arch/arch.h>

struct klock {
    volatile uint32_t held; /* 0 free, 1 taken: what other CPUs spin on */
};

#define KLOCK_INIT {0}

static inline void klock_init(struct klock *l) { l->held = 0; }

/* Take l with interrupts already off (a nested lock). */
static inline void klock_take(struct klock *l) { (void)l; }

/* Release l, leaving interrupts off. */
static inline void klock_drop(struct klock *l) { (void)l; }

/* Turn interrupts off, take l, and return the interrupt state to restore. */
static inline arch_irqstate_t klock_irqsave(struct klock *l)
{
    arch_irqstate_t s = arch_irq_save();
    klock_take(l);
    return s;
}

/* Release l and put interrupts back as klock_irqsave found them. */
static inline void klock_irqrestore(struct klock *l, arch_irqstate_t s)
{
    klock_drop(l);
    arch_irq_restore(s);
}

#endif /* KERNEL_KLOCK_H */
