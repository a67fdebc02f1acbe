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

/* A ticket lock: first come, first served. A plain test-and-set lock can
 * starve a CPU for good - the holder releases and retakes it before the
 * waiter looks (QEMU's round robin between vCPUs makes that the rule, not
 * the exception) - and the scheduler lock is taken on every wakeup. */
struct klock {
    volatile uint16_t owner;  /* the ticket being served */
    volatile uint16_t next;   /* the next ticket to hand out */
    volatile uint32_t holder; /* 1 + the CPU that holds it, 0 when free: for reports */
};

#define KLOCK_INIT {0, 0, 0}

static inline void klock_init(struct klock *l) { *l = (struct klock)KLOCK_INIT; }

/* True once a second CPU may run (sched_cpu_prepare sets it, before that CPU
 * starts, while no klock is held): until then a klock is interrupts off
 * alone, and the word is never touched. */
extern bool klock_smp;

/* The contended path: spin (reading, with PAUSE) until our ticket is
 * served; a CPU that already holds l is told so in a panic, not left to
 * spin forever. (kernel/sched.c) */
void klock_spin(struct klock *l, uint16_t ticket);

/* Take l with interrupts already off (a nested lock). */
static inline void klock_take(struct klock *l)
{
    if (!klock_smp)
        return;
    uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE); /* LOCK XADD */
    if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
        klock_spin(l, ticket);
    l->holder = arch_cpu_id() + 1;
}

/* Release l, leaving interrupts off. */
static inline void klock_drop(struct klock *l)
{
    if (!klock_smp)
        return;
    l->holder = 0;
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE); /* the next ticket */
}

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
