/*
 * cond.c - condition variables (Mesa semantics) and barriers.
 *
 * cond_wait must release the mutex and go to sleep as one step: if a
 * cond_signal could come between the two, it would find nobody waiting and
 * be lost - the course's lost wakeup again. With interrupts off, we join the
 * condition's queue, release the mutex (which may hand it to a waiter, who
 * cannot run before we are asleep), and block. Mesa semantics: the signaller
 * keeps running; the woken task must take the mutex again and re-check its
 * condition, because by then it may no longer hold.
 */
#include "sync_internal.h"

static const char cond_wait_tag[] = "condition";
static const char barrier_wait_tag[] = "barrier";

void cond_init(struct cond *c, const char *name)
{
    c->name = name;
    list_init(&c->waiters);
}

int cond_wait(struct cond *c, struct mutex *m)
{
    arch_irqstate_t s = arch_irq_save();
    struct task *self = task_current();
    if (m->owner != self) {
        sync_misuse("cond_wait", c->name, "the caller does not hold mutex '%s'; refused", m->name);
        arch_irq_restore(s);
        return SYNC_MISUSE;
    }
    if (!sync_may_block("cond_wait", c->name)) {
        arch_irq_restore(s);
        return SYNC_MISUSE;
    }
    list_push_back(&c->waiters, &self->wait_node);
    self->wait_name = c->name;
    mutex_release(m);
    sched_block(c, cond_wait_tag);
    arch_irq_restore(s);
    return mutex_lock(m);
}

void cond_signal(struct cond *c)
{
    arch_irqstate_t s = arch_irq_save();
    waitq_wake_one(&c->waiters);
    sched_preempt_point();
    arch_irq_restore(s);
}

void cond_broadcast(struct cond *c)
{
    arch_irqstate_t s = arch_irq_save();
    waitq_wake_all(&c->waiters);
    sched_preempt_point();
    arch_irq_restore(s);
}

void barrier_init(struct barrier *b, const char *name, unsigned parties)
{
    b->parties = parties ? parties : 1;
    b->arrived = 0;
    b->phase = 0;
    b->name = name;
    list_init(&b->waiters);
}

int barrier_wait(struct barrier *b)
{
    arch_irqstate_t s = arch_irq_save();
    unsigned phase = b->phase;
    if (++b->arrived == b->parties) {
        /* The last to arrive opens the barrier for everyone. */
        b->arrived = 0;
        b->phase++;
        waitq_wake_all(&b->waiters);
        sched_preempt_point();
    } else {
        if (!sync_may_block("barrier_wait", b->name)) {
            b->arrived--;
            arch_irq_restore(s);
            return SYNC_MISUSE;
        }
        while (b->phase == phase)
            waitq_block(&b->waiters, b, barrier_wait_tag, b->name);
    }
    arch_irq_restore(s);
    return (int)phase;
}
