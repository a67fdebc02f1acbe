/*
 * sched_mlfq.c - multi-level feedback queue.
 *
 * Four FIFO queues; level L's quantum is quantum << L (1, 2, 4, 8 ticks with
 * quantum=1). A new task starts at the top. A task that uses up its quantum
 * drops one level; one that blocks or yields first keeps its level, so
 * interactive tasks stay on top while CPU-bound ones sink. Every `boost=`
 * ticks every task goes back to the top (boost=0: never), so the sunk ones
 * do not starve. A task that becomes ready above the running task's level
 * preempts it.
 *
 * Per-task state: run_node, level, slice.
 * Cost: enqueue and pick_next O(1) (a bitmap of lists); a boost is O(n),
 * once per boost period.
 */
#include "sched.h"
#include "task.h"

#define MLFQ_LEVELS 4

static struct list queues[MLFQ_LEVELS];
static uint32_t busy;          /* bit L set: queues[L] is not empty */
static uint32_t until_boost;   /* ticks left before the next boost */

static uint32_t quantum_of(unsigned level) { return sched_config.quantum << level; }

static void mlfq_init(void)
{
    for (unsigned l = 0; l < MLFQ_LEVELS; l++)
        list_init(&queues[l]);
    busy = 0;
    until_boost = sched_config.boost;
}

static void mlfq_enqueue(struct task *t, enum sched_why why)
{
    if (why == SCHED_NEW || why == SCHED_MIGRATE)
        t->level = 0;
    else if (why == SCHED_PREEMPTED && t->slice >= quantum_of(t->level) && t->level + 1 < MLFQ_LEVELS)
        t->level++; /* used its whole quantum: CPU-bound, one level down */
    if (t->level >= MLFQ_LEVELS)
        t->level = MLFQ_LEVELS - 1;
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
    if (!busy)
        return NULL;
    unsigned l = (unsigned)__builtin_ctz(busy);
    struct task *t = list_entry(list_pop_front(&queues[l]), struct task, run_node);
    if (list_empty(&queues[l]))
        busy &= ~(1u << l);
    return t;
}

static void boost(struct task *curr)
{
    for (unsigned l = 1; l < MLFQ_LEVELS; l++) {
        for (struct list_node *n; (n = list_pop_front(&queues[l])) != NULL;) {
            struct task *t = list_entry(n, struct task, run_node);
            t->level = 0;
            list_push_back(&queues[0], n);
        }
    }
    busy = list_empty(&queues[0]) ? 0 : 1;
    curr->level = 0;
    curr->slice = 0;
}

static bool mlfq_tick(struct task *curr)
{
    if (sched_config.boost && --until_boost == 0) {
        until_boost = sched_config.boost;
        boost(curr);
    }
    if (busy && (unsigned)__builtin_ctz(busy) < curr->level)
        return true; /* a task above us is ready */
    if (++curr->slice < quantum_of(curr->level))
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
