/*
 * rwlock.c - readers-writers lock: many readers at once, or one writer.
 *
 * A writer that is waiting holds back readers that arrive after it, so a
 * steady stream of readers cannot starve writers - the other way round, a
 * steady stream of writers can keep readers waiting (writer preference).
 * Every release wakes all waiters, who re-check: simple, and fair enough for
 * a teaching kernel.
 */
#include "sync/sync_internal.h"
#include "lib/lang.h"

static const char read_tag[] = "rwlock (to read)";
static const char write_tag[] = "rwlock (to write)";

void rw_init(struct rwlock *rw, const char *name)
{
    SYNC_REFUSE_NULL("rw_init", rw);
    klock_init(&rw->lock);
    rw->readers = 0;
    rw->writer = NULL;
    rw->writers_waiting = 0;
    rw->name = name;
    list_init(&rw->waiters);
    rw->magic = SYNC_MAGIC;
}

int rw_read_lock(struct rwlock *rw)
{
    SYNC_REFUSE_BAD("rw_read_lock", rw, SYNC_MISUSE);
    arch_irqstate_t s = klock_irqsave(&rw->lock);
    while (rw->writer || rw->writers_waiting) {
        if (rw->writer == task_current()) {
            sync_misuse("rw_read_lock", rw->name, TR("the caller holds it to write; refused",
                                                     "l'appelant le tient en écriture ; refusé"));
            klock_irqrestore(&rw->lock, s);
            return SYNC_MISUSE;
        }
        if (!sync_may_block("rw_read_lock", rw->name)) {
            klock_irqrestore(&rw->lock, s);
            return SYNC_MISUSE;
        }
        waitq_block(&rw->waiters, rw, read_tag, rw->name, &rw->lock);
    }
    rw->readers++;
    klock_irqrestore(&rw->lock, s);
    return SYNC_OK;
}

void rw_read_unlock(struct rwlock *rw)
{
    SYNC_REFUSE_BAD("rw_read_unlock", rw);
    arch_irqstate_t s = klock_irqsave(&rw->lock);
    if (rw->readers == 0) {
        sync_misuse("rw_read_unlock", rw->name, TR("nobody holds it to read; ignored",
                                                   "personne ne le tient en lecture ; ignoré"));
    } else if (--rw->readers == 0) {
        waitq_wake_all(&rw->waiters);
    }
    sched_unlock_preempt(&rw->lock, s);
}

int rw_write_lock(struct rwlock *rw)
{
    SYNC_REFUSE_BAD("rw_write_lock", rw, SYNC_MISUSE);
    arch_irqstate_t s = klock_irqsave(&rw->lock);
    struct task *self = task_current();
    if (rw->writer == self) {
        sync_misuse("rw_write_lock", rw->name, TR("the caller already holds it to write; refused",
                                                  "l'appelant le tient déjà en écriture ; refusé"));
        klock_irqrestore(&rw->lock, s);
        return SYNC_MISUSE;
    }
    rw->writers_waiting++;
    while (rw->writer || rw->readers) {
        if (!sync_may_block("rw_write_lock", rw->name)) {
            rw->writers_waiting--;
            klock_irqrestore(&rw->lock, s);
            return SYNC_MISUSE;
        }
        waitq_sleep(&rw->waiters, rw, write_tag, rw->name, &rw->lock, 0);
        if (task_marked_killed()) { /* it no longer waits to write: the readers it held back may go */
            rw->writers_waiting--;
            waitq_wake_all(&rw->waiters);
            waitq_die_killed(&rw->lock);
        }
    }
    rw->writers_waiting--;
    rw->writer = self;
    klock_irqrestore(&rw->lock, s);
    return SYNC_OK;
}

void rw_write_unlock(struct rwlock *rw)
{
    SYNC_REFUSE_BAD("rw_write_unlock", rw);
    arch_irqstate_t s = klock_irqsave(&rw->lock);
    if (rw->writer != task_current()) {
        sync_misuse("rw_write_unlock", rw->name, rw->writer ? TR("it is held by another task; ignored",
                                                                 "une autre tâche le tient ; ignoré")
                                                            : TR("nobody holds it to write; ignored",
                                                                 "personne ne le tient en écriture ; ignoré"));
    } else {
        rw->writer = NULL;
        waitq_wake_all(&rw->waiters);
    }
    sched_unlock_preempt(&rw->lock, s);
}
