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
 * Per-task state: tree_node, pass, slice.
 * Cost: enqueue and pick_next O(log n) in the worst case (a red-black tree).
 */
#include "lib/rbtree.h"
#include "sched/sched.h"
#include "sched/task.h"

#define STRIDE1 (1u << 20)

struct stride_rq {
    struct rbtree tree;   /* READY tasks by pass, through tree_node */
    uint64_t global_pass; /* the least pass among the running task and the queue */
};
#define STRIDE(rq) SCHED_RQ_AREA(rq, struct stride_rq)

static bool stride_less(const struct rb_node *a, const struct rb_node *b)
{
    const struct task *x = list_entry(a, struct task, tree_node), *y = list_entry(b, struct task, tree_node);
    if (x->pass != y->pass)
        return x->pass < y->pass;
    return sched_tie_break(x, y) < 0;
}

static void stride_init(struct sched_rq *rq)
{
    rbtree_init(&STRIDE(rq)->tree, stride_less);
    STRIDE(rq)->global_pass = 0;
}

static void stride_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    struct stride_rq *q = STRIDE(rq);
    if (why == SCHED_NEW || why == SCHED_MIGRATE || (why == SCHED_WAKEUP && t->pass < q->global_pass))
        t->pass = q->global_pass;
    if (why == SCHED_YIELD && rbtree_first(&q->tree)) {
        /* Yielding: go behind the task that would run next. */
        uint64_t next = list_entry(rbtree_first(&q->tree), struct task, tree_node)->pass;
        if (t->pass <= next)
            t->pass = next + 1;
    }
    t->slice = 0;
    rbtree_insert(&q->tree, &t->tree_node);
}

static void stride_dequeue(struct sched_rq *rq, struct task *t) { rbtree_remove(&STRIDE(rq)->tree, &t->tree_node); }

static struct task *stride_pick_next(struct sched_rq *rq)
{
    struct stride_rq *q = STRIDE(rq);
    struct rb_node *n = rbtree_pop_first(&q->tree);
    if (!n)
        return NULL;
    struct task *t = list_entry(n, struct task, tree_node);
    if (t->pass > q->global_pass)
        q->global_pass = t->pass;
    return t;
}

static bool stride_tick(struct sched_rq *rq, struct task *curr)
{
    struct stride_rq *q = STRIDE(rq);
    curr->pass += STRIDE1 / (curr->tickets ? curr->tickets : 1);
    /* The global pass follows the least pass in play, never going back, so
     * a newcomer starts level with the others rather than behind them. */
    uint64_t least = curr->pass;
    struct rb_node *m = rbtree_first(&q->tree);
    if (m && list_entry(m, struct task, tree_node)->pass < least)
        least = list_entry(m, struct task, tree_node)->pass;
    if (least > q->global_pass)
        q->global_pass = least;
    if (++curr->slice < sched_config.quantum)
        return false;
    curr->slice = 0;
    struct rb_node *n = rbtree_first(&q->tree);
    return n && stride_less(n, &curr->tree_node);
}

static void stride_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    sched_tree_for_each(&STRIDE(rq)->tree, fn, ctx);
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
    .for_each_ready = stride_for_each_ready,
};
