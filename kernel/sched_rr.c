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
#include "sched.h"
#include "task.h"

static struct list rr_queue;

static void rr_init(void) { list_init(&rr_queue); }

static void rr_enqueue(struct task *t, enum sched_why why)
{
    (void)why;
    t->slice = 0;
    list_push_back(&rr_queue, &t->run_node);
}

static void rr_dequeue(struct task *t) { list_remove(&t->run_node); }

static struct task *rr_pick_next(void)
{
    struct list_node *n = list_pop_front(&rr_queue);
    return n ? list_entry(n, struct task, run_node) : NULL;
}

static bool rr_tick(struct task *curr)
{
    if (++curr->slice < sched_config.quantum)
        return false;
    /* Quantum used up. With nobody waiting, keep going on a fresh one
     * rather than switching to ourselves. */
    if (list_empty(&rr_queue)) {
        curr->slice = 0;
        return false;
    }
    return true;
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
};
