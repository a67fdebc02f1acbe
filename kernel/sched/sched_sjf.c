/*
 * sched_sjf.c - shortest job first, non-preemptive: the course's SJF.
 *
 * When the CPU is free, run the ready task with the smallest declared burst
 * (ties: earlier arrival, then name). A task without a declared burst counts
 * as the longest. Once running, a task keeps the CPU until it finishes or
 * blocks.
 *
 * A yield does not change who is shortest: the yielder runs again (use
 * sleep or block to let a longer job in).
 *
 * Per-task state: tree_node. Cost: enqueue and pick_next O(log n) in the
 * worst case (a red-black tree).
 */
#include "lib/rbtree.h"
#include "sched/sched.h"
#include "sched/task.h"

struct sjf_rq {
    struct rbtree tree; /* READY tasks by declared burst, through tree_node */
};
#define SJF(rq) (&SCHED_RQ_AREA(rq, struct sjf_rq)->tree)

static uint32_t sjf_key(const struct task *t) { return t->burst ? t->burst : UINT32_MAX; }

static bool sjf_less(const struct rb_node *a, const struct rb_node *b)
{
    const struct task *x = list_entry(a, struct task, tree_node), *y = list_entry(b, struct task, tree_node);
    if (sjf_key(x) != sjf_key(y))
        return sjf_key(x) < sjf_key(y);
    return sched_tie_break(x, y) < 0;
}

static void sjf_init(struct sched_rq *rq) { rbtree_init(SJF(rq), sjf_less); }

static void sjf_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;
    rbtree_insert(SJF(rq), &t->tree_node);
}

static void sjf_dequeue(struct sched_rq *rq, struct task *t) { rbtree_remove(SJF(rq), &t->tree_node); }

static struct task *sjf_pick_next(struct sched_rq *rq)
{
    struct rb_node *n = rbtree_pop_first(SJF(rq));
    return n ? list_entry(n, struct task, tree_node) : NULL;
}

static bool sjf_tick(struct sched_rq *rq, struct task *curr)
{
    (void)rq;
    (void)curr;
    return false; /* non-preemptive */
}

static void sjf_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    sched_tree_for_each(SJF(rq), fn, ctx);
}

const struct sched_policy sched_sjf = {
    .name = "sjf",
    .description = "shortest job first by declared burst, non-preemptive",
    .params = "",
    .init = sjf_init,
    .enqueue = sjf_enqueue,
    .dequeue = sjf_dequeue,
    .pick_next = sjf_pick_next,
    .tick = sjf_tick,
    .preempts = NULL,
    .for_each_ready = sjf_for_each_ready,
};
