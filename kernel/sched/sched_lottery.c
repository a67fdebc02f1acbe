/*
 * sched_lottery.c - lottery scheduling (Waldspurger and Weihl, 1994).
 *
 * Each ready task holds `tickets`. At each decision we draw a ticket number
 * at random among all the tickets held and run its holder for `quantum=`
 * ticks. Over time a task's share of the CPU is proportional to its tickets;
 * in the short run, anything can happen. The draw uses the kernel's seeded
 * generator (`seed=`), reset when the policy is installed, so a run is
 * reproducible and the simulator agrees with the kernel.
 *
 * Per-task state: run_node, slice.
 * Cost: enqueue O(1); pick_next O(n): it walks the list to find the holder
 * of the drawn ticket. (A tree of partial sums would make it O(log n).)
 */
#include "sched/sched.h"
#include "sched/task.h"
#include "sched/workload.h"

struct lottery_rq {
    struct list pool;       /* READY tasks, through run_node (order matters only to the draw) */
    uint32_t total_tickets; /* sum of their tickets */
    uint32_t rng;           /* the draw's generator state, from seed= */
};
#define LOTTERY(rq) SCHED_RQ_AREA(rq, struct lottery_rq)

static void lottery_init(struct sched_rq *rq)
{
    struct lottery_rq *q = LOTTERY(rq);
    list_init(&q->pool);
    q->total_tickets = 0;
    q->rng = sched_config.seed;
}

static void lottery_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;
    t->slice = 0;
    list_push_back(&LOTTERY(rq)->pool, &t->run_node);
    LOTTERY(rq)->total_tickets += t->tickets;
}

static void lottery_dequeue(struct sched_rq *rq, struct task *t)
{
    list_remove(&t->run_node);
    LOTTERY(rq)->total_tickets -= t->tickets;
}

static struct task *lottery_pick_next(struct sched_rq *rq)
{
    struct lottery_rq *q = LOTTERY(rq);
    if (list_empty(&q->pool))
        return NULL;
    uint32_t winner = prng_next(&q->rng) % q->total_tickets;
    list_for_each(n, &q->pool) {
        struct task *t = list_entry(n, struct task, run_node);
        if (winner < t->tickets) {
            lottery_dequeue(rq, t);
            return t;
        }
        winner -= t->tickets;
    }
    return NULL; /* not reached: the tickets add up to total_tickets */
}

static bool lottery_tick(struct sched_rq *rq, struct task *curr)
{
    if (++curr->slice < sched_config.quantum)
        return false;
    curr->slice = 0;
    return !list_empty(&LOTTERY(rq)->pool); /* a new draw, in which curr takes part */
}

static void lottery_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    list_for_each(n, &LOTTERY(rq)->pool) fn(list_entry(n, struct task, run_node), ctx);
}

const struct sched_policy sched_lottery = {
    .name = "lottery",
    .description = "lottery: a random ticket draw every quantum, share proportional to tickets",
    .params = "quantum seed",
    .init = lottery_init,
    .enqueue = lottery_enqueue,
    .dequeue = lottery_dequeue,
    .pick_next = lottery_pick_next,
    .tick = lottery_tick,
    .preempts = NULL,
    .for_each_ready = lottery_for_each_ready,
};
