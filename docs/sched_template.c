/*
 * sched_template.c - a policy to start from. Copy it to kernel/sched/sched_NAME.c,
 * rename `template` everywhere, add X(NAME) to kernel/sched/policies.c, and make it
 * yours. docs/lab-policy.md walks through the lab.
 *
 * As it stands this is first come, first served with a time limit: one FIFO
 * queue, and a task that has run `quantum=` ticks in a row goes to the back.
 * (That is round robin. Your job is to make it something else.)
 *
 * What the core promises every hook (kernel/sched/sched.h):
 *   - each hook gets the run queue it works on (`rq`); your queue lives in
 *     rq's area (struct template_rq below), never in a file-scope variable,
 *     so the same policy can serve one run queue per CPU;
 *   - the run queue's lock is held (interrupts are off): nothing else
 *     touches rq while a hook runs; hooks must not block, sleep or print;
 *   - the core owns task states, the idle task, sleeping, arrivals and all
 *     accounting (t->ticks, t->remaining...); a policy owns its ready queue
 *     and the per-task fields it says it uses;
 *   - a task is in one queue from enqueue until pick_next or dequeue
 *     returns it, and in no other.
 *
 * Fields of struct task you may read (kernel/sched/task.h): arrival, burst,
 * remaining, priority, tickets, ticks, name, and the policy-private ones you
 * may also write: run_node (a list link), tree_node (a red-black tree link), slice,
 * level, enqueued_at, pass, vruntime.
 */
#include "sched/sched.h"
#include "sched/task.h"

/* The ready queue, in the run queue's area. A list gives O(1) enqueue and
 * pick; for "smallest key first" policies use a struct rbtree
 * (kernel/lib/rbtree.h), as sched_srt.c does. */
struct template_rq {
    struct list queue; /* READY tasks, head first, through run_node */
};
#define TEMPLATE(rq) SCHED_RQ_AREA(rq, struct template_rq)

/* Called when the policy is installed on rq (at boot, or by
 * sched_set_policy, or at the start of each workload run): start empty. */
static void template_init(struct sched_rq *rq) { list_init(&TEMPLATE(rq)->queue); }

/* t became READY: it arrived or was created (SCHED_NEW), woke up
 * (SCHED_WAKEUP), was preempted (SCHED_PREEMPTED), yielded (SCHED_YIELD), or
 * comes from the previous policy or another CPU (SCHED_MIGRATE). Put it in
 * the queue. */
static void template_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;    /* try: treat SCHED_PREEMPTED differently */
    t->slice = 0; /* a fresh time slice */
    list_push_back(&TEMPLATE(rq)->queue, &t->run_node);
}

/* Take t out of the queue without running it (the core moves it to another
 * run queue). */
static void template_dequeue(struct sched_rq *rq, struct task *t)
{
    (void)rq;
    list_remove(&t->run_node);
}

/* The CPU is free: remove and return the task to run, or NULL if the queue
 * is empty (the core then runs the idle task). */
static struct task *template_pick_next(struct sched_rq *rq)
{
    return list_pop_front_entry(&TEMPLATE(rq)->queue, struct task, run_node); /* (NULL if empty) */
}

/* A tick was charged to curr, the running task. Return true to take the CPU
 * from it now (the core then enqueues it with SCHED_PREEMPTED and calls
 * pick_next). Tasks that arrived or woke at this tick are already queued. */
static bool template_tick(struct sched_rq *rq, struct task *curr)
{
    if (++curr->slice < sched_config.quantum)
        return false;
    curr->slice = 0;
    return !list_empty(&TEMPLATE(rq)->queue);
}

/* t just became READY while curr runs: should t take the CPU at once?
 * (Leave the hook NULL for "never".) */
static bool template_preempts(struct sched_rq *rq, const struct task *curr, const struct task *t)
{
    (void)rq;
    (void)curr;
    (void)t;
    return false;
}

/* Show the queue, next to run first, changing nothing (GDB's tq-ready and
 * the conformance tests call it). */
static void template_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    list_for_each(n, &TEMPLATE(rq)->queue) fn(list_entry(n, struct task, run_node), ctx);
}

const struct sched_policy sched_template = {
    .name = "template",
    .description = "the lab's starting point: FIFO with a quantum",
    .params = "quantum", /* the sched_config keys printed in RESULT lines */
    .init = template_init,
    .enqueue = template_enqueue,
    .dequeue = template_dequeue,
    .pick_next = template_pick_next,
    .tick = template_tick,
    .preempts = template_preempts,
    .reprioritize = NULL, /* priorities do not matter to this policy */
    .for_each_ready = template_for_each_ready,
};
