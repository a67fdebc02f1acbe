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
 * Per-task state: run_node, level, slice, vkey (the boost epoch it saw).
 * Cost: enqueue and pick_next O(1) (a bitmap of lists); a boost is O(n),
 * once per boost period.
 */
#include "sched.h"
#include "task.h"

#define MLFQ_LEVELS 4

static struct list queues[MLFQ_LEVELS];
static uint32_t busy;          /* bit L set: queues[L] is not empty */
static uint64_t next_boost;    /* the tick of the next boost */
static uint64_t epoch;         /* boosts so far; a task remembers the last it saw in vkey */

static uint32_t quantum_of(unsigned level) { return sched_config.quantum << level; }

static void mlfq_init(void)
{
    for (unsigned l = 0; l < MLFQ_LEVELS; l++)
        list_init(&queues[l]);
    busy = 0;
    next_boost = sched_ticks() + sched_config.boost;
    epoch = 0;
}

static void boost_queued(void);

/* Boost on time, whoever happens to call: every `boost` ticks of the clock,
 * idle or not. Tasks asleep at a boost catch up when they wake (epoch). */
static void maybe_boost(void)
{
    if (!sched_config.boost)
        return;
    uint64_t now = sched_ticks();
    if (now < next_boost)
        return;
    while (next_boost <= now)
        next_boost += sched_config.boost;
    epoch++;
    boost_queued();
}

static void mlfq_enqueue(struct task *t, enum sched_why why)
{
    maybe_boost();
    if (why == SCHED_NEW || why == SCHED_MIGRATE || t->vkey != epoch)
        t->level = 0; /* new, or a boost happened since it last queued */
    else if (why == SCHED_PREEMPTED && t->slice >= quantum_of(t->level) && t->level + 1 < MLFQ_LEVELS)
        t->level++; /* used its whole quantum: CPU-bound, one level down */
    if (t->level >= MLFQ_LEVELS)
        t->level = MLFQ_LEVELS - 1;
    t->vkey = epoch;
    t->slice = 0;
    list_push_back(&queues[t->level], &t->run_node);
    busy |= 1u << t->level;
}

static void mlfq_dequeue(struct task *t)
{
    list_remove(&t->run_node);
    if (list_empty(&queues[t->level]))
        busy &= ~(1u << t->level);
}

static struct task *mlfq_pick_next(void)
{
    maybe_boost();
    if (!busy)
        return NULL;
    unsigned l = (unsigned)__builtin_ctz(busy);
    struct task *t = list_entry(list_pop_front(&queues[l]), struct task, run_node);
    if (list_empty(&queues[l]))
        busy &= ~(1u << l);
    return t;
}

/* Move every queued task to the top level, in level order. */
static void boost_queued(void)
{
    for (unsigned l = 1; l < MLFQ_LEVELS; l++) {
        for (struct list_node *n; (n = list_pop_front(&queues[l])) != NULL;) {
            struct task *t = list_entry(n, struct task, run_node);
            t->level = 0;
            t->vkey = epoch;
            list_push_back(&queues[0], n);
        }
    }
    busy = list_empty(&queues[0]) ? 0 : 1;
}

static bool mlfq_tick(struct task *curr)
{
    maybe_boost();
    if (curr->vkey != epoch) { /* a boost: the running task goes to the top too */
        curr->vkey = epoch;
        curr->level = 0;
        curr->slice = 0;
    }
    /* Count the tick first: a task that has used up its quantum is demoted
     * (in enqueue) even when it is a higher task's arrival that stops it. */
    bool used_up = ++curr->slice >= quantum_of(curr->level);
    if (busy && (unsigned)__builtin_ctz(busy) < curr->level)
        return true; /* a task above us is ready */
    if (!used_up)
        return false;
    if (busy & ((2u << curr->level) - 1))
        return true; /* quantum used up and someone at our level or above waits */
    /* Nobody to give way to: go down a level in place and carry on. */
    if (curr->level + 1 < MLFQ_LEVELS)
        curr->level++;
    curr->slice = 0;
    return false;
}

static bool mlfq_preempts(const struct task *curr, const struct task *t) { return t->level < curr->level; }

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
};
