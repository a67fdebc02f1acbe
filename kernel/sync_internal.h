/*
 * sync_internal.h - what the synchronization files share: misuse reports
 * and wait queues. Not for users of sync.h.
 */
#ifndef KERNEL_SYNC_INTERNAL_H
#define KERNEL_SYNC_INTERNAL_H

#include "list.h"
#include "sched.h"
#include "sync.h"
#include "task.h"

/* Print one misuse line, "op(object): ..." plus the task, and count it. */
__attribute__((format(printf, 3, 4))) void sync_misuse(const char *op, const char *object, const char *fmt, ...);

/* May the running task sleep in op(object)? If not (an interrupt handler,
 * or a spinlock held), report it and return false. Interrupts off. */
bool sync_refuse_block(const char *op, const char *object);
static inline bool sync_may_block(const char *op, const char *object)
{
    if (!sched_in_irq() && task_current()->spinlocks_held == 0)
        return true;
    return sync_refuse_block(op, object);
}

/* The names of the tasks waiting in q, "'B', 'C'", for a report. */
void sync_name_waiters(const struct list *q, char *buf, size_t size);

/* Release m with interrupts off and without switching (cond_wait). */
void mutex_release(struct mutex *m);

/* Count a deadlock report (mutex.c prints it). */
void sync_count_deadlock(void);

/* Put the running task at the back of q and block it on obj. Interrupts off. */
static inline void waitq_block(struct list *q, const void *obj, const char *what, const char *name)
{
    struct task *self = task_current();
    list_push_back(q, &self->wait_node);
    self->wait_name = name;
    sched_block(obj, what);
}

/* Wake the task at the front of q, if any; return it. Interrupts off. */
static inline struct task *waitq_wake_one(struct list *q)
{
    struct list_node *n = list_pop_front(q);
    if (!n)
        return NULL;
    struct task *t = list_entry(n, struct task, wait_node);
    sched_make_ready(t, SCHED_WAKEUP);
    return t;
}

static inline void waitq_wake_all(struct list *q)
{
    while (waitq_wake_one(q))
        ;
}

#endif /* KERNEL_SYNC_INTERNAL_H */
