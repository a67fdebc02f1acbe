/*
 * sched_srt.c - shortest remaining time: SJF made preemptive, the course's
 * section 4.2 ("plus petit temps de séjour").
 *
 * Run the ready task with the least CPU time left (ties: earlier arrival,
 * then name). A task that becomes ready with strictly less time left than
 * the running task preempts it at once; on a tie the running task goes on.
 *
 * Per-task state: tree_node; the core keeps `remaining`. Cost: enqueue and
 * pick_next O(log n) in the worst case (a red-black tree).
 */
#include "lib/rbtree.h"
#include "sched/sched.h"
#include "sched/task.h"

struct srt_rq {
    struct rbtree tree; /* READY tasks by remaining time, through tree_node */
};
#define SRT(rq) (&SCHED_RQ_AREA(rq, struct srt_rq)->tree)

static uint32_t srt_key(const struct task *t) { return t->burst ? t->remaining : UINT32_MAX; }

static bool srt_less(const struct rb_node *a, const struct rb_node *b)
{
    const struct task *x = list_entry(a, struct task, tree_node), *y = list_entry(b, struct task, tree_node);
    if (srt_key(x) != srt_key(y))
        return srt_key(x) < srt_key(y);
    return sched_tie_break(x, y) < 0;
}

static void srt_init(struct sched_rq *rq) { rbtree_init(SRT(rq), srt_less); }

static void srt_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;
    rbtree_insert(SRT(rq), &t->tree_node);
}

static void srt_dequeue(struct sched_rq *rq, struct task *t) { rbtree_remove(SRT(rq), &t->tree_node); }

static struct task *srt_pick_next(struct sched_rq *rq)
{
    struct rb_node *n = rbtree_pop_first(SRT(rq));
    return n ? list_entry(n, struct task, tree_node) : NULL;
}

static bool srt_tick(struct sched_rq *rq, struct task *curr)
{
    /* Only an arrival or a wakeup can make another task shorter than curr
     * (curr only gets shorter by running): srt_preempts handles those. After
     * a policy switch, though, the queue may hold a shorter task already. */
    struct rb_node *n = rbtree_first(SRT(rq));
    return n && srt_key(list_entry(n, struct task, tree_node)) < srt_key(curr);
}

static bool srt_preempts(struct sched_rq *rq, const struct task *curr, const struct task *t)
{
    (void)rq;
    return srt_key(t) < srt_key(curr);
}

static void srt_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    sched_tree_for_each(SRT(rq), fn, ctx);
}

const struct sched_policy sched_srt = {
    .name = "srt",
    .description = "shortest remaining time: preemptive SJF",
    .params = "",
    .init = srt_init,
    .enqueue = srt_enqueue,
    .dequeue = srt_dequeue,
    .pick_next = srt_pick_next,
    .tick = srt_tick,
    .preempts = srt_preempts,
    .for_each_ready = srt_for_each_ready,
};
