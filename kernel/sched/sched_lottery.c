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
 * Per-task state: tree_node, tickets_below, slice.
 * Cost: enqueue and pick_next O(log n) in the worst case. The ready tasks
 * stand in a row, in the order they joined it, and the drawn number counts
 * tickets along the row: the first task's tickets are 0 .. t1 - 1, the
 * next one's t1 .. t1 + t2 - 1, and so on. The row is a red-black tree in
 * that order (a task joins at its end: rbtree_insert_last), in which each
 * task also holds the sum of the tickets below it, so the holder is found
 * going down one path, skipping whole subtrees
 * (a walk along a list, before: O(n), 45,707 instructions at 10,000 ready
 * tasks). The same number finds the same task as the walk did.
 */
#include "lib/rbtree.h"
#include "sched/sched.h"
#include "sched/task.h"
#include "sched/workload.h"

struct lottery_rq {
    struct rbtree row; /* READY tasks in the order they joined, through tree_node, summed by tickets_below */
    uint32_t rng;      /* the draw's generator state, from seed= */
};
#define LOTTERY(rq) SCHED_RQ_AREA(rq, struct lottery_rq)
#define TASK(n) list_entry(n, struct task, tree_node)

static uint32_t tickets_under(const struct rb_node *n) { return n ? TASK(n)->tickets_below : 0; }

static void sum_tickets(struct rb_node *n)
{
    TASK(n)->tickets_below = TASK(n)->tickets + tickets_under(n->left) + tickets_under(n->right);
}

static void lottery_init(struct sched_rq *rq)
{
    struct lottery_rq *q = LOTTERY(rq);
    rbtree_init_summed(&q->row, NULL, sum_tickets); /* (no order to compare: tasks join at the end) */
    q->rng = sched_config.seed;
}

static void lottery_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;
    t->slice = 0;
    rbtree_insert_last(&LOTTERY(rq)->row, &t->tree_node); /* the end of the row */
}

static void lottery_dequeue(struct sched_rq *rq, struct task *t) { rbtree_remove(&LOTTERY(rq)->row, &t->tree_node); }

static struct task *lottery_pick_next(struct sched_rq *rq)
{
    struct lottery_rq *q = LOTTERY(rq);
    struct rb_node *n = q->row.root;
    if (!n)
        return NULL;
    uint32_t winner = prng_next(&q->rng) % tickets_under(n); /* the root holds them all */
    for (;;) {
        uint32_t left = tickets_under(n->left);
        if (winner < left) {
            n = n->left; /* in the tasks before this one */
            continue;
        }
        winner -= left;
        if (winner < TASK(n)->tickets)
            break; /* this one's */
        winner -= TASK(n)->tickets;
        n = n->right; /* in the tasks after it (they hold the rest: n->right is there) */
    }
    lottery_dequeue(rq, TASK(n));
    return TASK(n);
}

static bool lottery_tick(struct sched_rq *rq, struct task *curr)
{
    if (++curr->slice < sched_config.quantum)
        return false;
    curr->slice = 0;
    return LOTTERY(rq)->row.root != NULL; /* a new draw, in which curr takes part */
}

static void lottery_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    sched_tree_for_each(&LOTTERY(rq)->row, fn, ctx);
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
