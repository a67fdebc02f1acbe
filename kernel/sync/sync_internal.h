/*
 * sync_internal.h - what the synchronization files share: misuse reports
 * and wait queues. Not for users of sync.h.
 */
#ifndef KERNEL_SYNC_INTERNAL_H
#define KERNEL_SYNC_INTERNAL_H

#include "lib/list.h"
#include "sync/lockdep.h"
#include "sched/sched.h"
#include "sync/sync.h"
#include "sched/task.h"

/* Print one misuse line, "op(object): ..." plus the task, and count it. */
__attribute__((format(printf, 3, 4))) void sync_misuse(const char *op, const char *object, const char *fmt, ...);

/* At every public call: a NULL object pointer is reported and the call
 * refused, returning the rest of the arguments (nothing, for a void call).
 * Without paging address 0 is writable, so going on would corrupt memory
 * far from the mistake (sem_up(NULL) used to end in an unrelated
 * assertion in schedule()). */
/* ...and, past its _init, an object never initialised or already
 * destroyed (its magic is not SYNC_MAGIC): also refused. */
#define SYNC_REFUSE_BAD(op, obj, ...)                                                                    \
    do {                                                                                                 \
        SYNC_REFUSE_NULL(op, obj, __VA_ARGS__);                                                          \
        if ((obj)->magic != SYNC_MAGIC) {                                                                \
            sync_refuse_uninitialised(op, (obj));                                                        \
            return __VA_ARGS__;                                                                          \
        }                                                                                                \
    } while (0)

#define SYNC_REFUSE_NULL(op, obj, ...)                                                                   \
    do {                                                                                                 \
        if (!(obj)) {                                                                                    \
            sync_refuse_null(op);                                                                        \
            return __VA_ARGS__;                                                                          \
        }                                                                                                \
    } while (0)

/* Their reports, out of line: the calls on the fast path stay as short as
 * they were before the reports had two languages. */
void sync_refuse_uninitialised(const char *op, const void *obj);
void sync_refuse_null(const char *op);

/* May the running task sleep in op(object)? If not (an interrupt handler,
 * or a spinlock held), report it and return false. Interrupts off. */
bool sync_refuse_block(const char *op, const char *object);
static inline bool sync_can_block(void)
{
    /* Not in an interrupt handler, no spinlock held: both counts 0, one test. */
    return (sched_this_cpu()->irq_depth | task_current()->spinlocks_held) == 0;
}
static inline bool sync_may_block(const char *op, const char *object)
{
    return sync_can_block() || sync_refuse_block(op, object);
}

/* The names of the tasks waiting in q, "'B', 'C'", for a report. */
void sync_name_waiters(const struct list *q, char *buf, size_t size);

/* Release m without switching (cond_wait, task_exit). The scheduler lock,
 * which guards every mutex, is held. */
void mutex_release(struct mutex *m);

/* t, BLOCKED on a mutex, was just taken off its queue without getting it
 * (task_kill): the owner no longer borrows t's priority (as when a wait
 * times out). Scheduler lock held; anything else t waits on is ignored. */
void mutex_wait_abandoned(struct task *t);

/* The lock-order validator's calls (kernel/sync/lockdep.h), inline: a task that
 * holds no lock pays a test, and each lock a push and a pop. The list of
 * held locks is kept even with lockdep=off (testing the flag would cost
 * about as much); only the orders are not checked. */
static inline void lockdep_check(const void *lock, const char *name, const void *caller)
{
    if (task_current()->nr_locks_held && lockdep_enabled)
        lockdep_check_held(lock, name, caller);
}

static inline void lockdep_acquired(const void *lock, const char *name)
{
    struct task *self = task_current();
    unsigned n = self->nr_locks_held++; /* (past the array's end: counted, not followed) */
    if (n < LOCKDEP_HELD_MAX) {
        self->locks_held[n] = lock;
        self->lock_names[n] = name;
    }
}

static inline void lockdep_released(const void *lock)
{
    struct task *self = task_current();
    unsigned n = self->nr_locks_held;
    if (n && n <= LOCKDEP_HELD_MAX && self->locks_held[n - 1] == lock)
        self->nr_locks_held = n - 1; /* the last one taken: the usual case */
    else
        lockdep_released_other(lock);
}

/* Count a deadlock report (mutex.c prints it), a lock-order report
 * (lockdep.c prints it). */
void sync_count_deadlock(void);
void sync_count_lock_order(void);

/*
 * Wait queues. Each one is guarded by its object's lock `lk` (a semaphore's
 * own klock; for the mutexes, the scheduler lock), which the caller holds.
 * These are inline so that the `lk != &sched_klock` tests fold away.
 */

/* On the way out of a wait on a queue (lk, which guards it, held): a task
 * that task_kill marked ends here. A waker may have chosen it off the queue
 * before the kill (woken_from: a unit of a semaphore, a signal, a message
 * for it): ending with that wakeup would leave the next waiter asleep
 * beside a free unit, so it is passed on to the next waiter of that queue,
 * which re-tests its condition as every waiter does.
 * (kernel/sync/sync_report.c) */
__attribute__((noreturn, cold)) void waitq_die_killed(struct klock *lk);
static inline void waitq_exit_if_killed(struct klock *lk)
{
    if (__builtin_expect(task_marked_killed(), 0))
        waitq_die_killed(lk);
}

/* Put the running task at the back of q and block it on obj; returns, with
 * lk held again, once it was woken (see sched_block: the hand-off of lk).
 * With a deadline (0: none), true if it timed out, and then it is no
 * longer in q. A task killed meanwhile returns too: the caller that must
 * undo its waiting before it ends tests task_marked_killed, then ends
 * through waitq_die_killed. */
static inline bool waitq_sleep(struct list *q, const void *obj, const char *what, const char *name,
                               struct klock *lk, uint64_t deadline)
{
    struct task *self = task_current();
    list_push_back(q, &self->wait_node);
    self->wait_name = name;
    return deadline ? sched_block_until(obj, what, lk, deadline) /* (0 folds away: the untimed path) */
                    : (sched_block(obj, what, lk), false);
}

/* The same, for a waiter with nothing to undo: a killed task ends here. */
static inline bool waitq_block_until(struct list *q, const void *obj, const char *what, const char *name,
                                     struct klock *lk, uint64_t deadline)
{
    bool timed_out = waitq_sleep(q, obj, what, name, lk, deadline);
    waitq_exit_if_killed(lk); /* task_kill: this wait is where it ends */
    return timed_out;
}

static inline void waitq_block(struct list *q, const void *obj, const char *what, const char *name,
                               struct klock *lk)
{
    waitq_block_until(q, obj, what, name, lk, 0);
}

/* The deadline of a timed call: now + ticks; a "negative" count (above
 * INT32_MAX) is reported and taken as 0 ticks. */
uint64_t sync_deadline(const char *op, const char *object, uint32_t ticks);

/* Wake the task at the front of q, if any, and return it. The caller holds
 * the scheduler lock (the mutexes, whose lock it is). */
static inline struct task *waitq_wake_one_locked(struct list *q)
{
    struct task *t = list_pop_front_entry(q, struct task, wait_node);
    if (!t)
        return NULL;
    t->woken_from = NULL; /* (a hand-off or one of all: no wakeup to pass on) */
    sched_make_ready(t, SCHED_WAKEUP);
    return t;
}

/* Under a policy that schedules by priority (prio: it has a reprioritize
 * hook), with priority inheritance on, semaphores, condition variables and
 * the other wait queues of objects wake their most urgent waiter first
 * (FIFO among equals), as Pintos' priority-sema and priority-condvar
 * expect; otherwise the longest waiter. Mutexes keep FIFO hand-off, and
 * lend the new owner the remaining waiters' priority instead. Priorities
 * are read at the wakeup: a waiter's may have changed while it waited. */
static inline bool waitq_urgent_first(void)
{
    return sched_policy_has_priorities && sync_priority_inheritance; /* (the policy first: under most, one test) */
}

static inline struct task *waitq_most_urgent(struct list *q)
{
    struct task *best = NULL;
    list_for_each(n, q) {
        struct task *t = list_entry(n, struct task, wait_node);
        if (!best || task_priority(t) < task_priority(best))
            best = t;
    }
    return best;
}

/* The same for a q guarded by an object's own lock, which the caller
 * holds: the scheduler lock is taken for the wakeup. */
static inline struct task *waitq_wake_one(struct list *q)
{
    if (list_empty(q))
        return NULL;
    klock_take(&sched_klock);
    struct task *t;
    /* (q is not empty: take the one chosen straight off it) */
    t = waitq_urgent_first() ? waitq_most_urgent(q) : list_entry(list_first(q), struct task, wait_node);
    list_remove(&t->wait_node);
    t->woken_from = q; /* (passed on if it is killed before it runs: waitq_exit_if_killed) */
    sched_make_ready(t, SCHED_WAKEUP);
    klock_drop(&sched_klock);
    return t;
}

static inline void waitq_wake_all(struct list *q)
{
    klock_take(&sched_klock);
    while (waitq_wake_one_locked(q))
        ;
    klock_drop(&sched_klock);
}

#endif /* KERNEL_SYNC_INTERNAL_H */
