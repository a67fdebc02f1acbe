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
#include "sched.h"
#include "task.h"
#include "workload.h"

static struct list pool;
static uint32_t total_tickets;
static uint32_t rng;

static void lottery_init(void)
{
    list_init(&pool);
    total_tickets = 0;
    rng = sched_config.seed;
}

static void lottery_enqueue(struct task *t, enum sched_why why)
{
    (void)why;
    t->slice = 0;
    list_push_back(&pool, &t->run_node);
    total_tickets += t->tickets;
}

static void lottery_dequeue(struct task *t)
{
    list_remove(&t->run_node);
    total_tickets -= t->tickets;
}

static struct task *lottery_pick_next(void)
{
    if (list_empty(&pool))
        return NULL;
    uint32_t winner = prng_next(&rng) % total_tickets;
    list_for_each(n, &pool) {
        struct task *t = list_entry(n, struct task, run_node);
        if (winner < t->tickets) {
            lottery_dequeue(t);
            return t;
        }
        winner -= t->tickets;
    }
    return NULL; /* not reached: the tickets add up to total_tickets */
}

static bool lottery_tick(struct task *curr)
{
    if (++curr->slice < sched_config.quantum)
        return false;
    curr->slice = 0;
    return !list_empty(&pool); /* a new draw, in which curr takes part */
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
};
