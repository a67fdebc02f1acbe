/*
 * sched_fair.c - a fair scheduler in the spirit of Linux's CFS.
 *
 * Every task accumulates virtual runtime: each tick it runs adds
 * NICE0_WEIGHT * VTICK / weight, so a task with twice the weight ages half as
 * fast and gets twice the CPU. The ready task with the least virtual runtime
 * runs next (ties: earlier arrival, then name). The running task gives way
 * once it has run at least `quantum=` ticks and is no longer the least. A
 * new or migrated task starts at min_vruntime, the queue's floor; a waking
 * one at most one quantum below it, so sleeping earns a little credit but
 * not a monopoly. A waking task preempts if it is a quantum or more behind.
 * A yielding task goes just behind the task that runs next.
 *
 * Weight: the task's `tickets` (100 is the default, like nice 0's 1024 in Linux).
 * Per-task state: tree_node, vruntime, slice.
 * Cost: enqueue and pick_next O(log n) in the worst case (a red-black tree).
 */
#include "lib/rbtree.h"
#include "sched/sched.h"
#include "sched/task.h"

#define NICE0_WEIGHT 100u
/* The virtual runtime of one tick at weight NICE0_WEIGHT. A tick at weight
 * w adds NICE0_WEIGHT * VTICK / w, cut to a whole number: with 2^20 the cut
 * is under 0.1% at the largest weight (tickets=100000: 1048 for 1048.6).
 * (It was 1024: every weight from 51,201 up then aged by 1, the same.) */
#define VTICK (1u << 20)
_Static_assert((uint64_t)NICE0_WEIGHT * VTICK <= UINT32_MAX, "a tick's virtual runtime fits in 32 bits");

struct fair_rq {
    struct rbtree tree;    /* READY tasks by vruntime, through tree_node */
    uint64_t min_vruntime; /* the queue's floor: never goes back */
};
#define FAIR(rq) SCHED_RQ_AREA(rq, struct fair_rq)

static bool fair_less(const struct rb_node *a, const struct rb_node *b)
{
    const struct task *x = list_entry(a, struct task, tree_node), *y = list_entry(b, struct task, tree_node);
    if (x->vruntime != y->vruntime)
        return x->vruntime < y->vruntime;
    return sched_tie_break(x, y) < 0;
}

static void fair_init(struct sched_rq *rq)
{
    rbtree_init(&FAIR(rq)->tree, fair_less);
    FAIR(rq)->min_vruntime = 0;
}

static uint64_t credit(void) { return (uint64_t)sched_config.quantum * VTICK; }

static void fair_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    struct fair_rq *q = FAIR(rq);
    if (why == SCHED_NEW || why == SCHED_MIGRATE)
        t->vruntime = q->min_vruntime;
    else if (why == SCHED_WAKEUP && t->vruntime + credit() < q->min_vruntime)
        t->vruntime = q->min_vruntime - credit();
    else if (why == SCHED_YIELD && rbtree_first(&q->tree)) {
        /* Yielding: go behind the task that would run next, or the yield
         * would pick the yielder straight back. */
        uint64_t next = list_entry(rbtree_first(&q->tree), struct task, tree_node)->vruntime;
        if (t->vruntime <= next)
            t->vruntime = next + 1;
    }
    t->slice = 0;
    rbtree_insert(&q->tree, &t->tree_node);
}

static void fair_dequeue(struct sched_rq *rq, struct task *t) { rbtree_remove(&FAIR(rq)->tree, &t->tree_node); }

static struct task *fair_pick_next(struct sched_rq *rq)
{
    struct fair_rq *q = FAIR(rq);
    struct rb_node *n = rbtree_pop_first(&q->tree);
    if (!n)
        return NULL;
    struct task *t = list_entry(n, struct task, tree_node);
    if (t->vruntime > q->min_vruntime)
        q->min_vruntime = t->vruntime;
    return t;
}

/* min_vruntime follows the least virtual runtime among the running task and
 * the queue, never going back: a newcomer starts there, not at some old
 * value that would hand it credit for time it was not around. */
static void update_floor(struct fair_rq *q, const struct task *curr)
{
    uint64_t least = curr->vruntime;
    struct rb_node *n = rbtree_first(&q->tree);
    if (n && list_entry(n, struct task, tree_node)->vruntime < least)
        least = list_entry(n, struct task, tree_node)->vruntime;
    if (least > q->min_vruntime)
        q->min_vruntime = least;
}

static bool fair_tick(struct sched_rq *rq, struct task *curr)
{
    struct fair_rq *q = FAIR(rq);
    curr->vruntime += NICE0_WEIGHT * VTICK / (curr->tickets ? curr->tickets : 1);
    update_floor(q, curr);
    if (++curr->slice < sched_config.quantum)
        return false;
    struct rb_node *n = rbtree_first(&q->tree);
    if (n && fair_less(n, &curr->tree_node)) {
        curr->slice = 0;
        return true;
    }
    return false;
}

static bool fair_preempts(struct sched_rq *rq, const struct task *curr, const struct task *t)
{
    (void)rq;
    return t->vruntime + credit() <= curr->vruntime;
}

static void fair_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    sched_tree_for_each(&FAIR(rq)->tree, fn, ctx);
}

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
    .for_each_ready = fair_for_each_ready,
};
