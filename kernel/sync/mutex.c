/*
 * mutex.c - mutexes: a lock with an owner, the wait-for graph that finds
 * deadlocks, priority inheritance, and the slides' TSL + yield mutex.
 *
 * Ownership is handed over: mutex_unlock makes the longest waiter the owner
 * before waking it, so nobody can overtake it between the wakeup and the
 * moment it runs. Waiters are served in FIFO order, even under prio (a
 * real-time mutex would serve the most urgent first; inheritance still
 * lends the owner the most urgent waiter's priority).
 *
 * The wait-for graph. A task blocked in mutex_lock waits for the mutex's
 * owner; that owner may itself wait for another mutex, and so on. Before
 * blocking we follow that chain; if it leads back to us, no task in it can
 * ever proceed, and we print the cycle:
 *   DEADLOCK: P0 waits fork1 held by P1 -> P1 waits fork2 held by P2 -> ... -> P0
 * (then block all the same: that is what the program asked for).
 *
 * Priority inheritance (pi=on, for the prio policy). When a task blocks on
 * a mutex whose owner has a less urgent priority, the owner borrows the
 * waiter's priority - along the chain, if the owner waits in turn - until it
 * unlocks; then it keeps the most urgent priority of the waiters on the
 * mutexes it still holds. Without it, a medium-priority task can keep the
 * owner off the CPU while the urgent waiter waits: priority inversion
 * (demos/inversion.c shows both).
 */
#include "lib/kprintf.h"
#include "lib/lang.h"
#include "sync/sync_internal.h"
#include "sched/trace.h"

bool sync_priority_inheritance = true;

static const char mutex_wait[] = "mutex";

void mutex_init(struct mutex *m, const char *name)
{
    SYNC_REFUSE_NULL("mutex_init", m);
    m->owner = NULL;
    m->name = name;
    list_init(&m->waiters);
    list_node_init(&m->held_node);
    lockdep_forget(m); /* a new mutex, even at an old address */
    m->magic = SYNC_MAGIC;
}

/* The mutex t is blocked on, or NULL. */
static struct mutex *waits_for(const struct task *t)
{
    return t->state == TASK_BLOCKED && t->wait_what == mutex_wait ? (struct mutex *)t->wait_obj : NULL;
}

/* Would the running task, waiting for m, close a cycle? Then report it. */
static void check_deadlock(struct mutex *m)
{
    struct task *self = task_current();
    unsigned depth = 0;
    struct mutex *x = m;
    while (x && x->owner && x->owner != self && ++depth <= 64)
        x = waits_for(x->owner);
    if (!x || x->owner != self)
        return; /* the chain ends at a task that can still run: no cycle */
    kprintf("DEADLOCK: ");
    struct task *t = self;
    x = m;
    do {
        kprintf(TR("%s waits %s held by %s -> ", "%s attend %s tenu par %s -> "), t->name, x->name, x->owner->name);
        t = x->owner;
        x = waits_for(t);
    } while (t != self);
    kprintf("%s\n", self->name);
    sync_count_deadlock();
}

/* Lend the running task's priority down the chain of owners. */
static void lend_priority(struct mutex *m)
{
    uint32_t p = task_priority(task_current());
    for (unsigned depth = 0; m && m->owner && depth < 16; depth++) {
        struct task *o = m->owner;
        if (p >= task_priority(o))
            return;
        o->lent_priority = p;
        sched_priority_changed(o);
        m = waits_for(o);
    }
}

/* t's borrowed priority: the most urgent waiter on any mutex it holds.
 * If it changed and t waits for a mutex in turn, what t lends that one's
 * owner has changed too: down the chain, as lend_priority goes. */
static void recompute_lent_priority(struct task *t)
{
    for (unsigned depth = 0; t && depth < 16; depth++) {
        uint32_t b = TASK_PRIORITIES;
        if (sync_priority_inheritance) {
            list_for_each(n, &t->held_mutexes) {
                struct mutex *m = list_entry(n, struct mutex, held_node);
                list_for_each(w, &m->waiters) {
                    uint32_t p = task_priority(list_entry(w, struct task, wait_node));
                    if (p < b)
                        b = p;
                }
            }
        }
        if (b == t->lent_priority)
            return;
        t->lent_priority = b;
        sched_priority_changed(t);
        struct mutex *next = waits_for(t);
        t = next ? next->owner : NULL;
    }
}

void mutex_wait_abandoned(struct task *t)
{
    struct mutex *m = waits_for(t);
    if (m && m->owner) /* (t is off m's queue already: its priority no longer counts) */
        recompute_lent_priority(m->owner);
}

/* A mutex belongs to a task: an interrupt handler, which borrows whatever
 * task it interrupted, may not take or release one. */
static bool in_irq(const char *op, const struct mutex *m)
{
    if (!sched_in_irq())
        return false;
    sync_misuse(op, m->name, TR("called from an interrupt handler, which cannot own a mutex; refused",
                                "appelé depuis un gestionnaire d'interruption, qui ne peut pas posséder de mutex ; refusé"));
    return true;
}

/* m is free: self takes it (lock, trylock). Scheduler lock held. */
static void take_free(struct mutex *m, struct task *self)
{
    /* LAB(sync) BEGIN: free: it is ours (the owner, and on our list of held mutexes) */
    m->owner = self;
    list_push_back(&self->held_mutexes, &m->held_node);
    /* LAB(sync) STUB
    // TODO(lab): record the owner, and put m on self->held_mutexes (through m->held_node)
    (void)m, (void)self;
    LAB(sync) END */
}

/* Sleep once on m's queue (the scheduler lock held); true if the deadline
 * passed. A task killed meanwhile ends here, its priority no longer lent
 * to m's owner (the kill may have found it running, before its wait, or
 * timed out: not in the wait, where wake_to_die sees to it). */
static bool mutex_sleep(struct mutex *m, uint64_t deadline)
{
    bool late = waitq_sleep(&m->waiters, m, mutex_wait, m->name, &sched_klock, deadline);
    if (task_marked_killed()) {
        if (m->owner && m->owner != task_current())
            recompute_lent_priority(m->owner);
        waitq_die_killed(&sched_klock);
    }
    return late;
}

/* mutex_lock, and mutex_lock_timeout until tick `deadline` (0: none). */
static inline __attribute__((always_inline)) int lock(struct mutex *m, const char *op, uint64_t deadline,
                                                      const void *caller)
{
    lockdep_check(m, m->name, caller); /* before it may wait: an ABBA is told first */
    arch_irqstate_t s = sched_lock();
    struct task *self = task_current();
    if (in_irq(op, m)) {
        sched_unlock(s);
        return SYNC_MISUSE;
    }
    if (m->owner == self) {
        sync_misuse(op, m->name, TR("already holds it: locking it again would wait forever; refused",
                                    "le tient déjà : le reprendre attendrait indéfiniment ; refusé"));
        sched_unlock(s);
        return SYNC_MISUSE;
    }
    if (m->owner) {
        if (!sync_may_block(op, m->name)) {
            sched_unlock(s);
            return SYNC_MISUSE;
        }
        trace_event(TRACE_CONTEND, self->id, m->owner->id, 0, m->name);
        check_deadlock(m);
        if (sync_priority_inheritance)
            lend_priority(m);
        /* LAB(sync) BEGIN: taken: sleep on its queue until mutex_unlock makes us the owner (or the deadline) */
        while (m->owner != self) { /* mutex_unlock hands it over */
            if (mutex_sleep(m, deadline)) {
                if (m->owner) /* we no longer wait: our priority is no longer lent */
                    recompute_lent_priority(m->owner);
                sched_unlock_preempt(&sched_klock, s);
                return SYNC_TIMEOUT;
            }
        }
        /* LAB(sync) STUB
        // TODO(lab): until m->owner is self, sleep on m->waiters, handing sched_klock over
        // (mutex_sleep); when it says the deadline passed: stop lending
        // our priority to the owner (recompute_lent_priority), sched_unlock_preempt, SYNC_TIMEOUT
        (void)deadline, (void)mutex_sleep, (void)recompute_lent_priority;
        LAB(sync) END */
    } else {
        take_free(m, self);
    }
    lockdep_acquired(m, m->name);
    sched_unlock(s);
    return SYNC_OK;
}

int mutex_lock(struct mutex *m)
{
    SYNC_REFUSE_BAD("mutex_lock", m, SYNC_MISUSE);
    return lock(m, "mutex_lock", 0, __builtin_return_address(0));
}

int mutex_lock_timeout(struct mutex *m, uint32_t ticks)
{
    SYNC_REFUSE_BAD("mutex_lock_timeout", m, SYNC_MISUSE);
    if (ticks == 0) {
        int rc = mutex_trylock(m);
        return rc == SYNC_WOULD_BLOCK ? SYNC_TIMEOUT : rc;
    }
    uint64_t deadline = sync_deadline("mutex_lock_timeout", m->name, ticks); /* (before the lock: it reads the clock) */
    return lock(m, "mutex_lock_timeout", deadline, __builtin_return_address(0));
}

int mutex_trylock(struct mutex *m)
{
    SYNC_REFUSE_BAD("mutex_trylock", m, SYNC_MISUSE);
    arch_irqstate_t s = sched_lock();
    struct task *self = task_current();
    int rc = SYNC_WOULD_BLOCK;
    if (in_irq("mutex_trylock", m)) {
        rc = SYNC_MISUSE;
    } else if (m->owner == self) {
        sync_misuse("mutex_trylock", m->name, TR("already holds it; refused", "le tient déjà ; refusé"));
        rc = SYNC_MISUSE;
    } else if (!m->owner) {
        take_free(m, self);
        lockdep_acquired(m, m->name); /* (a trylock cannot wait: no order to check) */
        rc = SYNC_OK;
    }
    sched_unlock(s);
    return rc;
}

/* Release m, handing it to the longest waiter - already on its list of held
 * mutexes and lent the remaining waiters' priority, before it even runs (or
 * a medium task could run ahead of it meanwhile). Interrupts off. */
void mutex_release(struct mutex *m)
{
    struct task *self = task_current();
    list_remove(&m->held_node);
    lockdep_released(m);
    /* LAB(sync) BEGIN: hand m to the longest waiter (the owner now, m on its list), or leave it free */
    struct task *next = waitq_wake_one_locked(&m->waiters);
    m->owner = next;
    if (next) {
        list_push_back(&next->held_mutexes, &m->held_node);
        if (sync_priority_inheritance && !list_empty(&m->waiters))
            recompute_lent_priority(next);
    }
    /* LAB(sync) STUB
    // TODO(lab): wake the longest waiter (waitq_wake_one_locked: the task, or NULL) and make it
    // the owner, with m on its held_mutexes; under inheritance, if others still wait, lend it
    // their priority (recompute_lent_priority)
    m->owner = NULL;
    LAB(sync) END */
    if (self->lent_priority != TASK_PRIORITIES)
        recompute_lent_priority(self);
}

int mutex_unlock(struct mutex *m)
{
    SYNC_REFUSE_BAD("mutex_unlock", m, SYNC_MISUSE);
    arch_irqstate_t s = sched_lock();
    struct task *self = task_current();
    if (in_irq("mutex_unlock", m)) {
        sched_unlock(s);
        return SYNC_MISUSE;
    }
    /* LAB(sync) BEGIN: only the owner may unlock: anyone else gets a MISUSE line, and nothing changes */
    if (m->owner != self) {
        if (m->owner)
            sync_misuse("mutex_unlock", m->name, TR("it is owned by '%s'; only the owner may unlock it; ignored",
                                                    "il appartient à '%s' ; seul son propriétaire peut le déverrouiller ; ignoré"),
                        m->owner->name);
        else
            sync_misuse("mutex_unlock", m->name, TR("it is not locked; ignored", "il n'est pas verrouillé ; ignoré"));
        sched_unlock(s);
        return SYNC_MISUSE;
    }
    /* LAB(sync) STUB
    // TODO(lab): if the caller is not m's owner, say so (sync_misuse, naming the owner, or
    // saying it is not locked), sched_unlock and return SYNC_MISUSE
    (void)self;
    if (!m->owner) {
        sched_unlock(s);
        return SYNC_OK;
    }
    LAB(sync) END */
    mutex_release(m);
    sched_unlock_preempt(&sched_klock, s);
    return SYNC_OK;
}

bool mutex_held_by_me(struct mutex *m)
{
    SYNC_REFUSE_BAD("mutex_held_by_me", m, false);
    /* Only the caller makes the owner itself, or changes it from itself:
     * no lock is needed to compare it with the caller. */
    return __atomic_load_n(&m->owner, __ATOMIC_ACQUIRE) == task_current();
}

int mutex_destroy(struct mutex *m)
{
    SYNC_REFUSE_BAD("mutex_destroy", m, SYNC_MISUSE);
    arch_irqstate_t s = sched_lock();
    int rc = SYNC_OK;
    if (!list_empty(&m->waiters)) {
        char who[96];
        sync_name_waiters(&m->waiters, who, sizeof who);
        sync_misuse("mutex_destroy", m->name, TR("%u task(s) still wait on it (%s); not destroyed",
                                                 "%u tâche(s) l'attendent encore (%s) ; non détruit"),
                    (unsigned)list_size(&m->waiters), who);
        rc = SYNC_MISUSE;
    } else if (m->owner) {
        sync_misuse("mutex_destroy", m->name, TR("it is still locked by '%s'; not destroyed",
                                                 "il est encore verrouillé par '%s' ; non détruit"), m->owner->name);
        rc = SYNC_MISUSE;
    } else {
        m->magic = 0; /* destroyed: any later call is refused */
        lockdep_forget(m);
    }
    sched_unlock(s);
    return rc;
}

/* The slides' mutex_lock: TSL; if it was taken, thread_yield and retry. */
void yield_mutex_lock(struct yield_mutex *m)
{
    while (arch_test_and_set(&m->flag))
        task_yield();
}

void yield_mutex_unlock(struct yield_mutex *m) { arch_xchg(&m->flag, 0); }
