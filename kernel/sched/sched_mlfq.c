/*
 * sched_mlfq.c - multi-level feedback queue.
 *
 * Four FIFO queues; level L's quantum is quantum << L (1, 2, 4, 8 ticks with
 * quantum=1). A new task starts at the top. A task that uses up its quantum
 * drops one level; one that blocks or yields first keeps its level, so
 * interactive tasks stay on top while CPU-bound ones sink. Every `boost=`
 * ticks of the clock every task goes back to the top (boost=0: never) -
 * queued, running, or asleep (it finds out when it wakes) - so the sunk ones
 * do not starve. A task that becomes ready above the running task's level
 * preempts it.
 *
 * A task's slice restarts when it blocks: a task that always blocks just
 * before its quantum ends stays on top (the classic way to game MLFQ; a
 * real one carries the allotment across blocks).
 *
 * Per-task state: run_node, level, slice, boost_epoch (the last boost it saw).
 * Cost: enqueue and pick_next O(1) (a bitmap of lists); a boost is O(n),
 * once per boost period.
 */
#include "sched/sched.h"
#include "sched/task.h"

#define MLFQ_LEVELS 4

struct mlfq_rq {
    struct list queues[MLFQ_LEVELS]; /* READY tasks per level, through run_node */
    uint32_t busy;                   /* bit L set: queues[L] is not empty */
    uint64_t next_boost;             /* the tick of the next boost */
    uint64_t epoch;                  /* boosts so far; a task remembers the last it saw (boost_epoch) */
};
#define MLFQ(rq) SCHED_RQ_AREA(rq, struct mlfq_rq)

static uint32_t quantum_of(unsigned level) { return sched_config.quantum << level; }

static void mlfq_init(struct sched_rq *rq)
{
    struct mlfq_rq *q = MLFQ(rq);
    for (unsigned l = 0; l < MLFQ_LEVELS; l++)
        list_init(&q->queues[l]);
    q->busy = 0;
    /* Counted from the first whole tick after the policy is installed (a
     * workload installs it the tick before its time 0): with boost=5 the
     * boosts come at the start of times 5, 10, 15... */
    q->next_boost = sched_ticks_locked() + 1 + sched_config.boost;
    q->epoch = 0;
}

/* Move every queued task to the top level, in level order. */
static void boost_queued(struct mlfq_rq *q)
{
    for (unsigned l = 1; l < MLFQ_LEVELS; l++) {
        for (struct list_node *n; (n = list_pop_front(&q->queues[l])) != NULL;) {
            struct task *t = list_entry(n, struct task, run_node);
            t->level = 0;
            t->boost_epoch = q->epoch;
            list_push_back(&q->queues[0], n);
        }
    }
    q->busy = list_empty(&q->queues[0]) ? 0 : 1;
}

/* Boost on time, whoever happens to call: every `boost` ticks of the clock,
 * idle or not. Tasks asleep at a boost catch up when they wake (epoch). */
static void maybe_boost(struct mlfq_rq *q)
{
    if (!sched_config.boost)
        return;
    uint64_t now = sched_ticks_locked();
    if (now < q->next_boost)
        return;
    while (q->next_boost <= now)
        q->next_boost += sched_config.boost;
    q->epoch++;
    boost_queued(q);
}

static void mlfq_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    struct mlfq_rq *q = MLFQ(rq);
    maybe_boost(q);
    if (why == SCHED_NEW || why == SCHED_MIGRATE || t->boost_epoch != q->epoch)
        t->level = 0; /* new, or a boost happened since it last queued */
    else if (why == SCHED_PREEMPTED && t->slice >= quantum_of(t->level) && t->level + 1 < MLFQ_LEVELS)
        t->level++; /* used its whole quantum: CPU-bound, one level down */
    if (t->level >= MLFQ_LEVELS)
        t->level = MLFQ_LEVELS - 1;
    t->boost_epoch = q->epoch;
    t->slice = 0;
    list_push_back(&q->queues[t->level], &t->run_node);
    q->busy |= 1u << t->level;
}

static void mlfq_dequeue(struct sched_rq *rq, struct task *t)
{
    struct mlfq_rq *q = MLFQ(rq);
    list_remove(&t->run_node);
    if (list_empty(&q->queues[t->level]))
        q->busy &= ~(1u << t->level);
}

static struct task *mlfq_pick_next(struct sched_rq *rq)
{
    struct mlfq_rq *q = MLFQ(rq);
    maybe_boost(q);
    if (!q->busy)
        return NULL;
    unsigned l = (unsigned)__builtin_ctz(q->busy);
    struct task *t = list_entry(list_take_first(&q->queues[l]), struct task, run_node); /* (busy: not empty) */
    if (list_empty(&q->queues[l]))
        q->busy &= ~(1u << l);
    return t;
}

static bool mlfq_tick(struct sched_rq *rq, struct task *curr)
{
    struct mlfq_rq *q = MLFQ(rq);
    /* Count the tick first, at the level it ran at: a task that has used up
     * its quantum is demoted (in enqueue) even when it is a higher task's
     * arrival that stops it. */
    bool used_up = ++curr->slice >= quantum_of(curr->level);
    maybe_boost(q);
    if (curr->boost_epoch != q->epoch) { /* a boost: the running task goes to the top too, a whole quantum */
        curr->boost_epoch = q->epoch;
        curr->level = 0;
        curr->slice = 0;
        used_up = false;
    }
    if (q->busy && (unsigned)__builtin_ctz(q->busy) < curr->level)
        return true; /* a task above us is ready */
    if (!used_up)
        return false;
    if (q->busy & ((2u << curr->level) - 1))
        return true; /* quantum used up and someone at our level or above waits */
    /* Nobody to give way to: go down a level in place and carry on. */
    if (curr->level + 1 < MLFQ_LEVELS)
        curr->level++;
    curr->slice = 0;
    return false;
}

static bool mlfq_preempts(struct sched_rq *rq, const struct task *curr, const struct task *t)
{
    (void)rq;
    return t->level < curr->level;
}

static void mlfq_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    for (unsigned l = 0; l < MLFQ_LEVELS; l++)
        list_for_each(n, &MLFQ(rq)->queues[l]) fn(list_entry(n, struct task, run_node), ctx);
}

const struct sched_policy sched_mlfq = {
    .name = "mlfq",
    .description = "multi-level feedback queue: 4 levels, quantum doubles per level, periodic boost",
    .params = "quantum boost",
    .init = mlfq_init,
    .enqueue = mlfq_enqueue,
    .dequeue = mlfq_dequeue,
    .pick_next = mlfq_pick_next,
    .tick = mlfq_tick,
    .preempts = mlfq_preempts,
    .for_each_ready = mlfq_for_each_ready,
};
