/*
 * timerq.h - a queue of tasks waiting for a tick: asleep, yet to arrive,
 * or in a timed wait. By the tick each wakes at, first in, first out
 * among equal ticks; a red-black tree (lib/rbtree.h), so that a sleeper
 * goes in, an early wakeup leaves and the clock takes the first in
 * O(log n) at worst, however many there are. (A sorted list, before, was
 * walked up to every sleeper at each insert, interrupts off.)
 *
 * The scheduler keeps one for all CPUs (sched.c: CPU 0's clock looks at
 * its head once per tick); make bench measures a private one.
 */
#ifndef KERNEL_SCHED_TIMERQ_H
#define KERNEL_SCHED_TIMERQ_H

#include "lib/rbtree.h"
#include "sched/task.h"

struct timerq {
    struct rbtree tree; /* through timer_node, by wake_tick (the tree puts equals in arrival order) */
};

static inline bool timerq_before(const struct rb_node *a, const struct rb_node *b)
{
    return list_entry(a, struct task, timer_node)->wake_tick < list_entry(b, struct task, timer_node)->wake_tick;
}

static inline void timerq_init(struct timerq *q) { rbtree_init(&q->tree, timerq_before); }

/* t waits in q until tick `tick`, after those already there for it. */
static inline void timerq_insert(struct timerq *q, struct task *t, uint64_t tick)
{
    t->wake_tick = tick;
    t->timer_queued = true;
    rbtree_insert(&q->tree, &t->timer_node);
}

/* t, which is in q, leaves it. */
static inline void timerq_remove(struct timerq *q, struct task *t)
{
    rbtree_remove(&q->tree, &t->timer_node);
    t->timer_queued = false;
}

/* The task that wakes first, or NULL. */
static inline struct task *timerq_first(const struct timerq *q)
{
    struct rb_node *n = rbtree_first(&q->tree);
    return n ? list_entry(n, struct task, timer_node) : NULL;
}

#endif /* KERNEL_SCHED_TIMERQ_H */
