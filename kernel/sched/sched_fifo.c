/*
 * sched_fifo.c - first come, first served ("premier arrivé, premier servi",
 * PAPS), non-preemptive: the course's section 4.1.
 *
 * One FIFO queue. A task runs until it finishes or blocks; the timer never
 * takes the CPU from it. Tasks that arrive at the same tick reach the queue
 * in the order the core releases them: by arrival, then name (the tie rule).
 *
 * Per-task state: run_node. Cost: O(1) for every hook.
 */
#include "sched/sched.h"
#include "sched/task.h"

struct fifo_rq {
    struct list queue; /* READY tasks in arrival order, through run_node */
};
#define FIFO(rq) SCHED_RQ_AREA(rq, struct fifo_rq)

static void fifo_init(struct sched_rq *rq) { list_init(&FIFO(rq)->queue); }

static void fifo_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;
    list_push_back(&FIFO(rq)->queue, &t->run_node);
}

static void fifo_dequeue(struct sched_rq *rq, struct task *t)
{
    (void)rq;
    list_remove(&t->run_node);
}

static struct task *fifo_pick_next(struct sched_rq *rq)
{
    return list_pop_front_entry(&FIFO(rq)->queue, struct task, run_node);
}

static bool fifo_tick(struct sched_rq *rq, struct task *curr)
{
    (void)rq;
    (void)curr;
    return false; /* non-preemptive */
}

static void fifo_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    list_for_each(n, &FIFO(rq)->queue) fn(list_entry(n, struct task, run_node), ctx);
}

const struct sched_policy sched_fifo = {
    .name = "fifo",
    .description = "first come, first served (PAPS), non-preemptive",
    .params = "",
    .init = fifo_init,
    .enqueue = fifo_enqueue,
    .dequeue = fifo_dequeue,
    .pick_next = fifo_pick_next,
    .tick = fifo_tick,
    .preempts = NULL,
    .for_each_ready = fifo_for_each_ready,
};
