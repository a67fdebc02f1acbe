/*
 * cond.c - condition variables (Mesa semantics) and barriers.
 *
 * cond_wait must release the mutex and go to sleep as one step: if a
 * cond_signal could come between the two, it would find nobody waiting and
 * be lost - the course's lost wakeup again. Under the condition's own lock,
 * we join its queue, release the mutex (which may hand it to a waiter, who
 * cannot run before we are asleep), and block, handing the lock over in
 * sched_block. Mesa semantics: the signaller
 * keeps running; the woken task must take the mutex again and re-check its
 * condition, because by then it may no longer hold.
 */
#include "sync/sync_internal.h"
#include "lib/lang.h"

static const char cond_wait_tag[] = "condition";
static const char barrier_wait_tag[] = "barrier";

void cond_init(struct cond *c, const char *name)
{
    SYNC_REFUSE_NULL("cond_init", c);
    klock_init(&c->lock);
    c->name = name;
    list_init(&c->waiters);
    c->magic = SYNC_MAGIC;
}

/* cond_wait, and cond_wait_timeout until tick `deadline` (0: none). */
static int wait(struct cond *c, struct mutex *m, const char *op, uint64_t deadline)
{
    arch_irqstate_t s = klock_irqsave(&c->lock);
    struct task *self = task_current();
    if (m->owner != self) { /* (only self could make it self, or change it from self) */
        klock_irqrestore(&c->lock, s);
        sync_misuse(op, c->name, TR("the caller does not hold mutex '%s'; refused",
                                    "l'appelant ne tient pas le mutex '%s' ; refusé"), m->name);
        return SYNC_MISUSE;
    }
    if (!sync_may_block(op, c->name)) {
        klock_irqrestore(&c->lock, s);
        return SYNC_MISUSE;
    }
    /* On the queue first, then the mutex goes: a signaller needs c->lock to
     * find us, and we hold it until sched_block has made us BLOCKED. */
    /* LAB(sync) BEGIN: join the queue, let go of m, sleep: atomically, for a signaller */
    list_push_back(&c->waiters, &self->wait_node);
    self->wait_name = c->name;
    klock_take(&sched_klock); /* which guards the mutex */
    mutex_release(m);
    klock_drop(&sched_klock);
    bool timed_out = sched_block_until(c, cond_wait_tag, &c->lock, deadline);
    waitq_exit_if_killed(&c->lock);
    /* LAB(sync) STUB
    // TODO(lab): join c->waiters (self->wait_node), release m (mutex_release, under
    // sched_klock), then sleep handing c->lock over (sched_block_until: true on a timeout)
    bool timed_out = deadline != 0;
    (void)cond_wait_tag;
    LAB(sync) END */
    klock_irqrestore(&c->lock, s);
    int rc = mutex_lock(m); /* (timed out or not: the caller holds m again, as POSIX says) */
    return rc == SYNC_OK && timed_out ? SYNC_TIMEOUT : rc;
}

int cond_wait(struct cond *c, struct mutex *m)
{
    SYNC_REFUSE_BAD("cond_wait", c, SYNC_MISUSE);
    SYNC_REFUSE_BAD("cond_wait", m, SYNC_MISUSE);
    return wait(c, m, "cond_wait", 0);
}

int cond_wait_timeout(struct cond *c, struct mutex *m, uint32_t ticks)
{
    SYNC_REFUSE_BAD("cond_wait_timeout", c, SYNC_MISUSE);
    SYNC_REFUSE_BAD("cond_wait_timeout", m, SYNC_MISUSE);
    if (ticks == 0)
        return mutex_held_by_me(m) ? SYNC_TIMEOUT : wait(c, m, "cond_wait_timeout", 0); /* (the refusal) */
    return wait(c, m, "cond_wait_timeout", sync_deadline("cond_wait_timeout", c->name, ticks));
}

void cond_signal(struct cond *c)
{
    SYNC_REFUSE_BAD("cond_signal", c);
    arch_irqstate_t s = klock_irqsave(&c->lock);
    /* LAB(sync) BEGIN: wake one waiter */
    waitq_wake_one(&c->waiters);
    /* LAB(sync) STUB
    // TODO(lab): wake the longest waiter, if any
    LAB(sync) END */
    sched_unlock_preempt(&c->lock, s);
}

void cond_broadcast(struct cond *c)
{
    SYNC_REFUSE_BAD("cond_broadcast", c);
    arch_irqstate_t s = klock_irqsave(&c->lock);
    /* LAB(sync) BEGIN: wake them all */
    waitq_wake_all(&c->waiters);
    /* LAB(sync) STUB
    // TODO(lab): wake every waiter
    LAB(sync) END */
    sched_unlock_preempt(&c->lock, s);
}

void barrier_init(struct barrier *b, const char *name, unsigned parties)
{
    SYNC_REFUSE_NULL("barrier_init", b);
    klock_init(&b->lock);
    b->parties = parties ? parties : 1;
    b->arrived = 0;
    b->phase = 0;
    b->name = name;
    list_init(&b->waiters);
    b->magic = SYNC_MAGIC;
}

/* Sleep once on the barrier (b->lock held) as a task that has arrived in
 * `phase`. A task killed meanwhile did not get through: if its phase has
 * not ended, its arrival is taken back before it ends, so that the phase
 * still waits for `parties` live tasks (left counted, it would let the
 * others through one short, and every later phase with them). */
static void barrier_sleep(struct barrier *b, unsigned phase)
{
    waitq_sleep(&b->waiters, b, barrier_wait_tag, b->name, &b->lock, 0);
    if (task_marked_killed()) {
        if (b->phase == phase)
            b->arrived--;
        waitq_die_killed(&b->lock);
    }
}

/* barrier_wait and barrier_wait_serial: the phase completed, and whether
 * the caller was the last to arrive. */
static int arrive(struct barrier *b, const char *op, bool *last)
{
    arch_irqstate_t s = klock_irqsave(&b->lock);
    unsigned phase = b->phase;
    *last = false;
    /* LAB(sync) BEGIN: the last to arrive opens the barrier for everyone; the others sleep until it does */
    if (++b->arrived == b->parties) {
        *last = true;
        /* The last to arrive opens the barrier for everyone. */
        b->arrived = 0;
        b->phase++;
        waitq_wake_all(&b->waiters);
    } else {
        if (!sync_may_block(op, b->name)) {
            b->arrived--;
            klock_irqrestore(&b->lock, s);
            return SYNC_MISUSE;
        }
        while (b->phase == phase)
            barrier_sleep(b, phase);
    }
    /* LAB(sync) STUB
    // TODO(lab): count the arrival; the last (arrived == parties) sets *last, starts the next
    // phase (arrived back to 0, phase + 1) and wakes every waiter (waitq_wake_all); any other
    // checks it may sleep (sync_may_block: if not, take its arrival back, unlock, SYNC_MISUSE)
    // and sleeps (barrier_sleep(b, phase), which also takes back the arrival of a task killed
    // while it waits) until the phase has moved on
    (void)op, (void)barrier_sleep;
    LAB(sync) END */
    sched_unlock_preempt(&b->lock, s);
    return (int)phase;
}

int barrier_wait(struct barrier *b)
{
    SYNC_REFUSE_BAD("barrier_wait", b, SYNC_MISUSE);
    bool last;
    return arrive(b, "barrier_wait", &last);
}

int barrier_wait_serial(struct barrier *b)
{
    SYNC_REFUSE_BAD("barrier_wait_serial", b, SYNC_MISUSE);
    bool last;
    int rc = arrive(b, "barrier_wait_serial", &last);
    return rc < 0 ? rc : last ? SYNC_BARRIER_SERIAL : 0;
}
