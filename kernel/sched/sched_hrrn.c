/*
 * sched_hrrn.c - highest response ratio next, non-preemptive (Brinch
 * Hansen, 1971): shortest job first without its starvation.
 *
 * When the CPU is free, run the ready task whose response ratio
 *
 *     (waiting + burst) / burst
 *
 * is the highest, where `waiting` is the ticks it has spent in the ready
 * queue since it last entered it and `burst` its declared CPU need (a task
 * without one counts as the longest). A short job starts with a high ratio,
 * as under SJF; a long one's ratio grows while it waits, so it is never
 * passed over for ever. Ties: the tie rule (earlier arrival, then name).
 * Once running, a task keeps the CPU until it finishes or blocks.
 *
 * The ratios change every tick, so there is no order to keep: the queue is
 * a list, and pick_next compares every ready task, with cross-multiplied
 * integers, not divisions.
 *
 * Per-task state: run_node, enqueued_at. Cost: enqueue O(1), pick_next O(n).
 */
#include "sched/sched.h"
#include "sched/task.h"

struct hrrn_rq {
    struct list queue; /* READY tasks, through run_node, in the order they came */
};
#define HRRN(rq) SCHED_RQ_AREA(rq, struct hrrn_rq)

/* A task's burst for the ratio: its declared one, and for a task without
 * one (0: unknown, a kernel task) the longest there can be, HRRN_LONGEST.
 * That is 2^31, not UINT32_MAX: with bursts up to 2^31 and waits below
 * 2^32, the cross-multiplied ratios stay below 2^64 (3 * 2^62). With
 * UINT32_MAX they wrapped as soon as two tasks without a burst had waited
 * two ticks, and the one that had waited longest looked the least urgent:
 * it starved (the conformance suite's yields_and_wakeups_without_a_burst). */
#define HRRN_LONGEST (1ull << 31)
static uint64_t hrrn_burst(const struct task *t)
{
    return t->burst && t->burst < HRRN_LONGEST ? t->burst : HRRN_LONGEST;
}

/* Is a's response ratio higher than b's at tick `now` (ties: the tie rule)? */
static bool hrrn_before(const struct task *a, const struct task *b, uint64_t now)
{
    /* LAB(policy) BEGIN: compare (wa + sa) / sa with (wb + sb) / sb, without dividing */
    uint64_t sa = hrrn_burst(a), sb = hrrn_burst(b);
    uint64_t wa = now - a->enqueued_at, wb = now - b->enqueued_at;
    uint64_t ra = (wa + sa) * sb, rb = (wb + sb) * sa; /* (< 2^64: waits < 2^32, bursts <= 2^31) */
    if (ra != rb)
        return ra > rb;
    return sched_tie_break(a, b) < 0;
    /* LAB(policy) STUB
    (void)now, (void)hrrn_burst; // TODO(lab): the highest response ratio first; ties: sched_tie_break
    return sched_tie_break(a, b) < 0;
    LAB(policy) END */
}

static void hrrn_init(struct sched_rq *rq) { list_init(&HRRN(rq)->queue); }

static void hrrn_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;
    t->enqueued_at = sched_ticks_locked(); /* its wait starts now */
    list_push_back(&HRRN(rq)->queue, &t->run_node);
}

static void hrrn_dequeue(struct sched_rq *rq, struct task *t)
{
    (void)rq;
    list_remove(&t->run_node);
}

static struct task *hrrn_pick_next(struct sched_rq *rq)
{
    uint64_t now = sched_ticks_locked();
    struct task *best = NULL;
    list_for_each(n, &HRRN(rq)->queue) {
        struct task *t = list_entry(n, struct task, run_node);
        if (!best || hrrn_before(t, best, now))
            best = t;
    }
    if (best)
        list_remove(&best->run_node);
    return best;
}

static bool hrrn_tick(struct sched_rq *rq, struct task *curr)
{
    (void)rq;
    (void)curr;
    return false; /* non-preemptive */
}

/* Highest ratio first: each round, the best of those after the last one
 * given (O(n^2): for the shell and GDB, on a handful of tasks). */
static void hrrn_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    uint64_t now = sched_ticks_locked();
    struct task *last = NULL;
    for (;;) {
        struct task *best = NULL;
        list_for_each(n, &HRRN(rq)->queue) {
            struct task *t = list_entry(n, struct task, run_node);
            if ((!last || hrrn_before(last, t, now)) && (!best || hrrn_before(t, best, now)))
                best = t;
        }
        if (!best)
            return;
        fn(best, ctx);
        last = best;
    }
}

const struct sched_policy sched_hrrn = {
    .name = "hrrn",
    .description = "highest response ratio next: (waiting + burst) / burst, non-preemptive",
    .params = "",
    .init = hrrn_init,
    .enqueue = hrrn_enqueue,
    .dequeue = hrrn_dequeue,
    .pick_next = hrrn_pick_next,
    .tick = hrrn_tick,
    .preempts = NULL,
    .for_each_ready = hrrn_for_each_ready,
};
