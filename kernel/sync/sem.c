/*
 * sem.c - Dijkstra's semaphores: a count and a queue of sleepers.
 *
 * down (P): if the count is 0, sleep; then take a unit. up (V): give a unit
 * back; if tasks sleep on it, wake the one that has waited longest. Testing
 * the count and going to sleep happen under the semaphore's lock, handed
 * over in sched_block only once the task is BLOCKED, so an up cannot slip
 * in between: this is exactly the lost wakeup that the course's
 * sleep/wakeup suffers from (demos/prodcons.c shows it), and why Dijkstra
 * made down and up atomic.
 *
 * A woken task re-checks the count (a loop, not an if): another task may
 * have taken the unit between the wakeup and the moment it runs.
 */
#include "sync/sync_internal.h"
#include "lib/lang.h"

#include <limits.h>

static const char sem_wait[] = "semaphore";

void sem_init(struct semaphore *s, const char *name, int value)
{
    SYNC_REFUSE_NULL("sem_init", s);
    if (value < 0) {
        sync_misuse("sem_init", name, TR("a semaphore cannot start at %d; starting at 0",
                                         "un sémaphore ne peut pas commencer à %d ; il commence à 0"), value);
        value = 0;
    }
    klock_init(&s->lock);
    s->count = value;
    s->name = name;
    list_init(&s->waiters);
    s->magic = SYNC_MAGIC;
}

/* sem_down, and sem_down_timeout until tick `deadline` (0: none). */
static inline __attribute__((always_inline)) int down(struct semaphore *s, const char *op, uint64_t deadline)
{
    arch_irqstate_t st = klock_irqsave(&s->lock);
    while (s->count == 0) {
        /* LAB(sync) BEGIN: no unit: sleep on the semaphore's queue until an up (or the deadline) */
        if (!sync_may_block(op, s->name)) {
            klock_irqrestore(&s->lock, st);
            return SYNC_MISUSE;
        }
        if (waitq_block_until(&s->waiters, s, sem_wait, s->name, &s->lock, deadline)) {
            klock_irqrestore(&s->lock, st);
            return SYNC_TIMEOUT;
        }
        /* LAB(sync) STUB
        // TODO(lab): may this task sleep here (sync_may_block)? Then sleep on s->waiters,
        // handing s->lock over (waitq_block_until); it returns true if the deadline passed
        (void)op, (void)deadline, (void)sem_wait;
        break;
        LAB(sync) END */
    }
    s->count--;
    klock_irqrestore(&s->lock, st);
    return SYNC_OK;
}

int sem_down(struct semaphore *s)
{
    SYNC_REFUSE_BAD("sem_down", s, SYNC_MISUSE);
    return down(s, "sem_down", 0);
}

int sem_down_timeout(struct semaphore *s, uint32_t ticks)
{
    SYNC_REFUSE_BAD("sem_down_timeout", s, SYNC_MISUSE);
    if (ticks == 0)
        return sem_try_down(s) == SYNC_OK ? SYNC_OK : SYNC_TIMEOUT;
    return down(s, "sem_down_timeout", sync_deadline("sem_down_timeout", s->name, ticks));
}

int sem_try_down(struct semaphore *s)
{
    SYNC_REFUSE_BAD("sem_try_down", s, SYNC_MISUSE);
    arch_irqstate_t st = klock_irqsave(&s->lock);
    int rc = SYNC_WOULD_BLOCK;
    if (s->count > 0) {
        s->count--;
        rc = SYNC_OK;
    }
    klock_irqrestore(&s->lock, st);
    return rc;
}

int sem_up(struct semaphore *s)
{
    SYNC_REFUSE_BAD("sem_up", s, SYNC_MISUSE);
    arch_irqstate_t st = klock_irqsave(&s->lock);
    if (s->count == INT_MAX) { /* one more would wrap to a negative count */
        klock_irqrestore(&s->lock, st);
        sync_misuse("sem_up", s->name, TR("the count is at its maximum (%d); refused",
                                          "le compteur est à son maximum (%d) ; refusé"), INT_MAX);
        return SYNC_MISUSE;
    }
    s->count++;
    /* LAB(sync) BEGIN: wake the task that has waited longest, if any */
    waitq_wake_one(&s->waiters);
    /* LAB(sync) STUB
    // TODO(lab): wake the longest waiter of s->waiters, if there is one (waitq_wake_one)
    LAB(sync) END */
    sched_unlock_preempt(&s->lock, st);
    return SYNC_OK;
}

int sem_destroy(struct semaphore *s)
{
    SYNC_REFUSE_BAD("sem_destroy", s, SYNC_MISUSE);
    arch_irqstate_t st = klock_irqsave(&s->lock);
    if (!list_empty(&s->waiters)) {
        char who[96];
        sync_name_waiters(&s->waiters, who, sizeof who);
        sync_misuse("sem_destroy", s->name, TR("%u task(s) still wait on it (%s); not destroyed",
                                               "%u tâche(s) l'attendent encore (%s) ; non détruit"),
                    (unsigned)list_size(&s->waiters), who);
        klock_irqrestore(&s->lock, st);
        return SYNC_MISUSE;
    }
    s->count = 0;
    s->magic = 0; /* destroyed: any later call is refused */
    klock_irqrestore(&s->lock, st);
    return SYNC_OK;
}
