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
 * These are not the course's spinlocks (kernel/sync/sync.h): those are for
 * demos and students, count their spins, and report misuse. A klock has no
 * owner to report and no statistics: it sits under every sleep and wakeup.
 */
#ifndef KERNEL_KLOCK_H
#define KERNEL_KLOCK_H

#include <arch/arch.h>

/* A test-and-test-and-set lock, and not a ticket lock, although tickets are
 * fair. Under QEMU each vCPU is a thread of the host, and a host with fewer
 * free cores than vCPUs preempts them. A ticket lock hands the lock to the
 * next waiter in line whether its vCPU runs or not, so each release to a
 * preempted waiter stalls every other CPU for a host time slice: prodcons on
 * 4 CPUs beside two busy host loops took 14 s with tickets and 0.4 s with
 * this lock (and over 120 s on a loaded CI machine). Linux, as a guest
 * without paravirtual spinlocks, falls back to test-and-set for the same
 * reason (virt_spin_lock). Test-and-set's own weakness is that a holder can
 * release and retake the lock before a waiter looks; under -icount QEMU runs
 * the vCPUs in turns, and that could be every time. So waiters say they wait
 * (`waiting`), and a release that sees one executes PAUSE: a hint on
 * hardware, the end of the holder's turn under QEMU, where the waiter runs
 * next. */
struct klock {
    volatile uint32_t locked;  /* 1 while held: taken with XCHG */
    volatile uint32_t waiting; /* CPUs spinning in klock_spin */
    volatile uint32_t holder;  /* 1 + the CPU that holds it, 0 when free: for reports */
    uint32_t contended;        /* takes that found it held and spun (klock_spin): `stats`, make bench */
};

#define KLOCK_INIT {0, 0, 0, 0}

static inline void klock_init(struct klock *l) { *l = (struct klock)KLOCK_INIT; }

/* True once a second CPU may run (sched_cpu_prepare sets it, before that CPU
 * starts, while no klock is held): until then a klock is interrupts off
 * alone, and the word is never touched. */
extern bool klock_smp;

/* The contended path: spin (reading, with PAUSE) until l looks free, then
 * try XCHG again; a CPU that already holds l is told so in a panic, not
 * left to spin forever. (kernel/sched/sched.c) */
void klock_spin(struct klock *l);

/* Take l with interrupts already off (a nested lock). */
static inline void klock_take(struct klock *l)
{
    if (!klock_smp)
        return;
    if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) /* XCHG */
        klock_spin(l);
    l->holder = arch_cpu_id() + 1;
}

/* Take l if it is free, with interrupts already off: true if taken. For
 * a caller that holds a lock that must come after l (the clock's tick,
 * timing a waiter out, holds the scheduler lock): trying cannot deadlock. */
static inline bool klock_try_take(struct klock *l)
{
    if (!klock_smp)
        return true;
    if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        return false;
    l->holder = arch_cpu_id() + 1;
    return true;
}

/* A CPU lets go of a lock it does not hold: a panic that says so (a
 * release too many would let two CPUs in). (kernel/sched/sched.c) */
__attribute__((noreturn)) void klock_bad_drop(struct klock *l);

/* Release l, leaving interrupts off. */
static inline void klock_drop(struct klock *l)
{
    if (!klock_smp)
        return;
    if (__builtin_expect(l->holder != arch_cpu_id() + 1, 0))
        klock_bad_drop(l);
    l->holder = 0;
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
    if (l->waiting)
        arch_cpu_relax(); /* let a waiter in before we could retake it */
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
