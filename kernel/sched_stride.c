/*
 * sched_stride.c - stride scheduling (Waldspurger, 1995): lottery's
 * proportional share without the randomness.
 *
 * A task's stride is STRIDE1 / tickets; its pass grows by its stride for
 * every tick it runs. The next task is the ready one with the smallest pass
 * (ties: earlier arrival, then name), for `quantum=` ticks. A task that
 * arrives or wakes starts no lower than the global pass (the least pass in
 * play), so it can neither hoard credit while away nor be starved on return.
 * A yielding task goes just behind the task that runs next.
 *
 * Per-task state: heap_node, vkey (the pass), slice.
 * Cost: enqueue O(1), pick_next O(log n) amortized (pairing heap).
 */
#include "pheap.h"
#include "sched.h"
#include "task.h"

#define STRIDE1 (1u << 20)

static struct pheap stride_heap;
static uint64_t global_pass; /* the least pass among the running task and the queue */

static bool stride_less(const struct pheap_node *a, const struct pheap_node *b)
{
    const struct task *x = list_entry(a, struct task, heap_node), *y = list_entry(b, struct task, heap_node);
    if (x->vkey != y->vkey)
        return x->vkey < y->vkey;
    return sched_tie_break(x, y) < 0;
}

static void stride_init(void)
{
    pheap_init(&stride_heap, stride_less);
    global_pass = 0;
}

static void stride_enqueue(struct task *t, enum sched_why why)
{
    if (why == SCHED_NEW || why == SCHED_MIGRATE || (why == SCHED_WAKEUP && t->vkey < global_pass))
        t->vkey = global_pass;
    if (why == SCHED_YIELD && pheap_min(&stride_heap)) {
        /* Yielding: go behind the task that would run next. */
        uint64_t next = list_entry(pheap_min(&stride_heap), struct task, heap_node)->vkey;
        if (t->vkey <= next)
            t->vkey = next + 1;
    }
    t->slice = 0;
    pheap_insert(&stride_heap, &t->heap_node);
}

static void stride_dequeue(struct task *t) { pheap_remove(&stride_heap, &t->heap_node); }

static struct task *stride_pick_next(void)
{
    struct pheap_node *n = pheap_pop(&stride_heap);
    if (!n)
        return NULL;
    struct task *t = list_entry(n, struct task, heap_node);
    if (t->vkey > global_pass)
        global_pass = t->vkey;
    return t;
}

static bool stride_tick(struct task *curr)
{
    curr->vkey += STRIDE1 / (curr->tickets ? curr->tickets : 1);
    /* The global pass follows the least pass in play, never going back, so
     * a newcomer starts level with the others rather than behind them. */
    uint64_t least = curr->vkey;
    struct pheap_node *m = pheap_min(&stride_heap);
    if (m && list_entry(m, struct task, heap_node)->vkey < least)
        least = list_entry(m, struct task, heap_node)->vkey;
    if (least > global_pass)
        global_pass = least;
    if (++curr->slice < sched_config.quantum)
        return false;
    curr->slice = 0;
    struct pheap_node *n = pheap_min(&stride_heap);
    return n && stride_less(n, &curr->heap_node);
}

const struct sched_policy sched_stride = {
    .name = "stride",
    .description = "stride: deterministic proportional share (smallest pass runs)",
    .params = "quantum",
    .init = stride_init,
    .enqueue = stride_enqueue,
    .dequeue = stride_dequeue,
    .pick_next = stride_pick_next,
    .tick = stride_tick,
    .preempts = NULL,
};
