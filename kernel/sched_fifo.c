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
#include "sched.h"
#include "task.h"

static struct list fifo_queue;

static void fifo_init(void) { list_init(&fifo_queue); }

static void fifo_enqueue(struct task *t, enum sched_why why)
{
    (void)why;
    list_push_back(&fifo_queue, &t->run_node);
}

static void fifo_dequeue(struct task *t) { list_remove(&t->run_node); }

static struct task *fifo_pick_next(void)
{
    struct list_node *n = list_pop_front(&fifo_queue);
    return n ? list_entry(n, struct task, run_node) : NULL;
}

static bool fifo_tick(struct task *curr)
{
    (void)curr;
    return false; /* non-preemptive */
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
};
