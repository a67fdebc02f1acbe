/*
 * spinlock.c - the course's spinlocks (the misuse reports every primitive
 * shares are in sync_report.c).
 *
 * On one CPU a spinlock is, first of all, "interrupts off": while it is held
 * no timer can take the CPU, so no other task can run, let alone reach the
 * lock; the loop never spins. On several CPUs, interrupts off on one CPU
 * stops nothing on the others: the loop on the lock word (XCHG, TSL, TTAS
 * or a ticket) is what keeps them out, and it really spins - each lock
 * counts the iterations its takers waited. On one CPU a lock found held
 * means its holder went to sleep holding it, and spinning with interrupts
 * off would hang the CPU: we report that instead.
 */
#include "sync/sync_internal.h"
#include "lib/lang.h"

void spin_init(struct spinlock *l, const char *name, enum spin_kind kind)
{
    SYNC_REFUSE_NULL("spin_init", l);
    *l = (struct spinlock){.kind = kind, .name = name};
    lockdep_forget(l); /* a new lock, even at an old address */
    l->magic = SYNC_MAGIC;
}

/* Wait for the lock word, the way `kind` says; returns the iterations spent
 * waiting (0 when it was free: always, on one CPU). */
static uint64_t take_word(struct spinlock *l)
{
    uint64_t spins = 0;
    switch (l->kind) {
    case SPIN_XCHG: /* the slides' enter_region: swap 1 in until a 0 comes out */
        while (arch_xchg(&l->locked, 1) != 0)
            spins++;
        break;
    case SPIN_TSL:
        while (arch_test_and_set(&l->locked))
            spins++;
        break;
    case SPIN_TTAS: /* read while it is held (no bus lock), then try once */
        for (;;) {
            while (l->locked) {
                arch_cpu_relax();
                spins++;
            }
            if (arch_xchg(&l->locked, 1) == 0)
                break;
        }
        break;
    case SPIN_TICKET: { /* the bakery's tickets: served in the order taken */
        /* LAB(spinlock) BEGIN: take the next ticket, then wait (counting spins) until it is served */
        uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);
        while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket) {
            arch_cpu_relax();
            spins++;
        }
        /* LAB(spinlock) STUB
        // TODO(lab): take a ticket (l->next) atomically, then spin until l->serving is yours
        LAB(spinlock) END */
        break;
    }
    }
    return spins;
}

static void release_word(struct spinlock *l)
{
    if (l->kind == SPIN_TICKET) {
        /* LAB(spinlock) BEGIN: serve the next ticket */
        __atomic_store_n(&l->serving, (uint16_t)(l->serving + 1), __ATOMIC_RELEASE);
        /* LAB(spinlock) STUB
        // TODO(lab): let the holder of the next ticket in
        LAB(spinlock) END */
        return;
    }
    arch_xchg(&l->locked, 0); /* leave_region: a 0 in the lock (XCHG: also a barrier) */
}

static bool word_held(const struct spinlock *l)
{
    if (l->kind == SPIN_TICKET) {
        /* LAB(spinlock) BEGIN: held while a ticket taken is not yet served through */
        return l->next != l->serving;
        /* LAB(spinlock) STUB
        return l->owner != NULL; // TODO(lab): say it from the tickets, not from the owner
        LAB(spinlock) END */
    }
    return l->locked != 0;
}

int spin_lock(struct spinlock *l)
{
    SYNC_REFUSE_BAD("spin_lock", l, SYNC_MISUSE);
    lockdep_check(l, l->name, __builtin_return_address(0)); /* before it may spin */
    arch_irqstate_t s = arch_irq_save();
    struct task *self = task_current();
    struct task *owner = l->owner;
    /* Taking it again would spin forever (only we make the owner us). On
     * one CPU, a lock held by someone else means its holder went to sleep
     * holding it: nothing would release it, and spinning with interrupts
     * off would hang. On several CPUs the holder runs elsewhere and
     * releases it soon: we spin. (Reading `owner` there is racy - the lock
     * may change hands meanwhile - so it decides nothing but a report; and
     * a holder cannot sleep: sync_may_block refuses it.) */
    if (word_held(l) && (owner == self || sched_ncpus() == 1)) {
        if (owner == self)
            sync_misuse("spin_lock", l->name, TR("already holds it; taking it again would spin forever; refused",
                                                 "le tient déjà ; le reprendre tournerait indéfiniment ; refusé"));
        else
            sync_misuse("spin_lock", l->name,
                        TR("held by '%s', which is not running (it slept holding it): spinning would hang; refused",
                           "tenu par '%s', qui ne s'exécute pas (il s'est endormi en le tenant) : tourner bloquerait tout ; refusé"),
                        owner ? owner->name : "?");
        arch_irq_restore(s);
        return SYNC_MISUSE;
    }
    uint64_t spins = take_word(l);
    l->owner = self;
    l->acquisitions++;
    l->spins += spins;
    if (self->spinlocks_held++ == 0)
        self->irq_before_spin = s; /* the outermost lock remembers */
    lockdep_acquired(l, l->name);
    return SYNC_OK;
}

int spin_unlock(struct spinlock *l)
{
    SYNC_REFUSE_BAD("spin_unlock", l, SYNC_MISUSE);
    struct task *self = task_current();
    /* `owner` is read once: on several CPUs another may change it between
     * two reads, and a NULL read second would print the name at address 0. */
    struct task *owner = l->owner;
    if (!word_held(l) || owner != self) {
        if (!word_held(l))
            sync_misuse("spin_unlock", l->name, TR("it is not held; ignored", "il n'est pas tenu ; ignoré"));
        else
            sync_misuse("spin_unlock", l->name, TR("it is held by '%s', not by the caller; ignored",
                                                   "il est tenu par '%s', pas par l'appelant ; ignoré"),
                        owner ? owner->name : "?");
        return SYNC_MISUSE;
    }
    l->owner = NULL;
    release_word(l);
    lockdep_released(l);
    if (--self->spinlocks_held == 0) {
        arch_irq_restore(self->irq_before_spin); /* the last one out: as before the first */
        /* A wakeup made under the lock that should run before us waited
         * for its release (sched_preempt_now): now, if we may switch. (A
         * hint read with interrupts on: sched_preempt_point reads it again.) */
        if (__builtin_expect(sched_this_cpu()->need_resched, 0) && arch_irq_enabled())
            sched_preempt_point();
    }
    return SYNC_OK;
}
