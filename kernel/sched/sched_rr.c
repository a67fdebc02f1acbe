/*
 * sched_rr.c - round robin ("l'algorithme du tourniquet"), the course's
 * section 4.2 and the policy Tourniquet is named after.
 *
 * One FIFO queue of ready tasks. The task at the head runs for at most
 * `quantum=` ticks; if it has not finished by then it goes to the tail.
 * Tasks that arrive, wake up or yield also go to the tail, and every
 * enqueue starts a fresh quantum.
 *
 * The core calls enqueue for tasks that arrive or wake at tick t before it
 * calls tick() for the running task, and re-queues a preempted task only
 * after that: so tasks arriving at tick t are ahead of the task preempted at
 * tick t, as in the course's worked example.
 *
 * Per-task state: run_node (the queue link), slice (ticks used of the
 * current quantum). Cost: O(1) for every hook.
 */
#include "sched/sched.h"
#include "sched/task.h"

struct rr_rq {
    struct list queue; /* READY tasks, head first, through run_node */
};
#define RR(rq) SCHED_RQ_AREA(rq, struct rr_rq)

static void rr_init(struct sched_rq *rq) { list_init(&RR(rq)->queue); }

static void rr_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;
    t->slice = 0;
    list_push_back(&RR(rq)->queue, &t->run_node);
}

static void rr_dequeue(struct sched_rq *rq, struct task *t)
{
    (void)rq;
    list_remove(&t->run_node);
}

static struct task *rr_pick_next(struct sched_rq *rq)
{
    return list_pop_front_entry(&RR(rq)->queue, struct task, run_node);
}

static bool rr_tick(struct sched_rq *rq, struct task *curr)
{
    if (++curr->slice < sched_config.quantum)
        return false;
    /* Quantum used up. With nobody waiting, keep going on a fresh one
     * rather than switching to ourselves. */
    if (list_empty(&RR(rq)->queue)) {
        curr->slice = 0;
        return false;
    }
    return true;
}

static void rr_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    list_for_each(n, &RR(rq)->queue) fn(list_entry(n, struct task, run_node), ctx);
}

const struct sched_policy sched_rr = {
    .name = "rr",
    .description = "round robin: FIFO ready queue, preempt after quantum= ticks",
    .params = "quantum",
    .init = rr_init,
    .enqueue = rr_enqueue,
    .dequeue = rr_dequeue,
    .pick_next = rr_pick_next,
    .tick = rr_tick,
    .preempts = NULL,
    .for_each_ready = rr_for_each_ready,
};
