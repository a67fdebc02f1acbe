/*
 * sched_fair.c - a fair scheduler in the spirit of Linux's CFS.
 *
 * Every task accumulates virtual runtime: each tick it runs adds
 * NICE0_WEIGHT * 1024 / weight, so a task with twice the weight ages half as
 * fast and gets twice the CPU. The ready task with the least virtual runtime
 * runs next (ties: earlier arrival, then name). The running task gives way
 * once it has run at least `quantum=` ticks and is no longer the least. A
 * new or migrated task starts at min_vruntime, the queue's floor; a waking
 * one at most one quantum below it, so sleeping earns a little credit but
 * not a monopoly. A waking task preempts if it is a quantum or more behind.
 * A yielding task goes just behind the task that runs next.
 *
 * Weight: the task's `tickets` (100 is the default, like nice 0's 1024).
 * Per-task state: heap_node, vkey (the virtual runtime), slice.
 * Cost: enqueue O(1), pick_next O(log n) amortized (pairing heap).
 */
#include "pheap.h"
#include "sched.h"
#include "task.h"

#define NICE0_WEIGHT 100u
#define VTICK 1024u /* virtual runtime of one tick at weight NICE0_WEIGHT */

static struct pheap fair_heap;
static uint64_t min_vruntime;

static bool fair_less(const struct pheap_node *a, const struct pheap_node *b)
{
    const struct task *x = list_entry(a, struct task, heap_node), *y = list_entry(b, struct task, heap_node);
    if (x->vkey != y->vkey)
        return x->vkey < y->vkey;
    return sched_tie_break(x, y) < 0;
}

static void fair_init(void)
{
    pheap_init(&fair_heap, fair_less);
    min_vruntime = 0;
}

static uint64_t credit(void) { return (uint64_t)sched_config.quantum * VTICK; }

static void fair_enqueue(struct task *t, enum sched_why why)
{
    if (why == SCHED_NEW || why == SCHED_MIGRATE)
        t->vkey = min_vruntime;
    else if (why == SCHED_WAKEUP && t->vkey + credit() < min_vruntime)
        t->vkey = min_vruntime - credit();
    else if (why == SCHED_YIELD && pheap_min(&fair_heap)) {
        /* Yielding: go behind the task that would run next, or the yield
         * would pick the yielder straight back. */
        uint64_t next = list_entry(pheap_min(&fair_heap), struct task, heap_node)->vkey;
        if (t->vkey <= next)
            t->vkey = next + 1;
    }
    t->slice = 0;
    pheap_insert(&fair_heap, &t->heap_node);
}

static void fair_dequeue(struct task *t) { pheap_remove(&fair_heap, &t->heap_node); }

static struct task *fair_pick_next(void)
{
    struct pheap_node *n = pheap_pop(&fair_heap);
    if (!n)
        return NULL;
    struct task *t = list_entry(n, struct task, heap_node);
    if (t->vkey > min_vruntime)
        min_vruntime = t->vkey;
    return t;
}

/* min_vruntime follows the least virtual runtime among the running task and
 * the queue, never going back: a newcomer starts there, not at some old
 * value that would hand it credit for time it was not around. */
static void update_floor(const struct task *curr)
{
    uint64_t least = curr->vkey;
    struct pheap_node *n = pheap_min(&fair_heap);
    if (n && list_entry(n, struct task, heap_node)->vkey < least)
        least = list_entry(n, struct task, heap_node)->vkey;
    if (least > min_vruntime)
        min_vruntime = least;
}

static bool fair_tick(struct task *curr)
{
    curr->vkey += NICE0_WEIGHT * VTICK / (curr->tickets ? curr->tickets : 1);
    update_floor(curr);
    if (++curr->slice < sched_config.quantum)
        return false;
    struct pheap_node *n = pheap_min(&fair_heap);
    if (n && fair_less(n, &curr->heap_node)) {
        curr->slice = 0;
        return true;
    }
    return false;
}

static bool fair_preempts(const struct task *curr, const struct task *t) { return t->vkey + credit() <= curr->vkey; }

const struct sched_policy sched_fair = {
    .name = "fair",
    .description = "fair share by virtual runtime and weight (tickets), in the spirit of CFS",
    .params = "quantum",
    .init = fair_init,
    .enqueue = fair_enqueue,
    .dequeue = fair_dequeue,
    .pick_next = fair_pick_next,
    .tick = fair_tick,
    .preempts = fair_preempts,
};
