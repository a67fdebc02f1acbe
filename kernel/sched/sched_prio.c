/*
 * sched_prio.c - static priorities, preemptive, round robin among equals,
 * with aging so that nothing starves.
 *
 * Eight FIFO queues, one per level (0 is the most urgent), and a bitmap of
 * the non-empty ones: the next task is the head of the lowest set bit.
 * A task enters at its own priority. For every `aging=` ticks it waits, it
 * is raised one level (aging=0 turns this off); once it runs, it drops back
 * to its own priority the next time it is queued. A task that becomes
 * ready at a more urgent level than the running task preempts it; among
 * equals, `quantum=` ticks each, as round robin. A task that holds a mutex
 * an urgent task waits for runs at the waiter's level (priority inheritance,
 * pi=on: kernel/sync/mutex.c).
 *
 * Per-task state: run_node, level (effective), enqueued_at, slice.
 * Cost: enqueue and pick_next O(1) (a bitmap of lists); aging looks at the
 * head of each busy level once per tick, O(levels) plus each raise.
 */
#include "sched/sched.h"
#include "sched/task.h"

struct prio_rq {
    struct list levels[TASK_PRIORITIES]; /* READY tasks per level, through run_node */
    uint32_t busy;                       /* bit L set: levels[L] is not empty */
    uint64_t aged_at;                    /* the tick of the last aging pass (+1: none yet) */
};
#define PRIO(rq) SCHED_RQ_AREA(rq, struct prio_rq)

static void prio_init(struct sched_rq *rq)
{
    struct prio_rq *q = PRIO(rq);
    for (unsigned l = 0; l < TASK_PRIORITIES; l++)
        list_init(&q->levels[l]);
    q->busy = 0;
    q->aged_at = ~0ull;
}

static void put(struct prio_rq *q, struct task *t, unsigned level)
{
    t->level = level;
    t->enqueued_at = sched_ticks_locked();
    list_push_back(&q->levels[level], &t->run_node);
    q->busy |= 1u << level;
}

static unsigned base_level(const struct task *t)
{
    uint32_t p = task_priority(t);
    return p < TASK_PRIORITIES ? p : TASK_PRIORITIES - 1;
}

static void prio_enqueue(struct sched_rq *rq, struct task *t, enum sched_why why)
{
    (void)why;
    t->slice = 0;
    put(PRIO(rq), t, base_level(t));
}

static void take_out(struct prio_rq *q, struct task *t)
{
    list_remove(&t->run_node);
    if (list_empty(&q->levels[t->level]))
        q->busy &= ~(1u << t->level);
}

static void prio_dequeue(struct sched_rq *rq, struct task *t) { take_out(PRIO(rq), t); }

static int best_level(const struct prio_rq *q) { return q->busy ? __builtin_ctz(q->busy) : -1; }

/* Raise one level every task that has waited `aging` ticks at its level.
 * Once per tick: the tick and the pick that follows it both ask, and a
 * second pass in the same tick would raise nobody (whoever is queued or
 * raised meanwhile starts its wait at this tick). Only the busy levels are
 * looked at, from the most urgent down, as before. */
static void age(struct prio_rq *q)
{
    uint64_t now = sched_ticks_locked();
    if (q->aged_at == now)
        return;
    q->aged_at = now;
    for (uint32_t busy = q->busy & ~1u; busy; busy &= busy - 1) {
        unsigned l = (unsigned)__builtin_ctz(busy);
        while (!list_empty(&q->levels[l])) {
            struct task *t = list_entry(list_first(&q->levels[l]), struct task, run_node);
            if (now - t->enqueued_at < sched_config.aging)
                break;
            take_out(q, t);
            put(q, t, l - 1);
        }
    }
}

static struct task *prio_pick_next(struct sched_rq *rq)
{
    struct prio_rq *q = PRIO(rq);
    if (sched_config.aging)
        age(q); /* also when the running task just finished or blocked */
    int l = best_level(q);
    if (l < 0)
        return NULL;
    struct task *t = list_entry(list_take_first(&q->levels[l]), struct task, run_node); /* (busy: not empty) */
    if (list_empty(&q->levels[l]))
        q->busy &= ~(1u << l);
    return t;
}

static bool prio_tick(struct sched_rq *rq, struct task *curr)
{
    struct prio_rq *q = PRIO(rq);
    if (sched_config.aging)
        age(q);
    int l = best_level(q);
    if (l >= 0 && (unsigned)l < curr->level)
        return true; /* someone more urgent (raised by aging) */
    if (++curr->slice < sched_config.quantum)
        return false;
    curr->slice = 0;
    return l >= 0 && (unsigned)l == curr->level; /* round robin among equals */
}

static bool prio_preempts(struct sched_rq *rq, const struct task *curr, const struct task *t)
{
    (void)rq;
    return t->level < curr->level;
}

static void prio_reprioritize(struct sched_rq *rq, struct task *t)
{
    if (t->state == TASK_READY) {
        take_out(PRIO(rq), t);
        put(PRIO(rq), t, base_level(t));
    } else {
        t->level = base_level(t);
    }
}

static void prio_for_each_ready(struct sched_rq *rq, void (*fn)(struct task *, void *), void *ctx)
{
    for (unsigned l = 0; l < TASK_PRIORITIES; l++)
        list_for_each(n, &PRIO(rq)->levels[l]) fn(list_entry(n, struct task, run_node), ctx);
}

const struct sched_policy sched_prio = {
    .name = "prio",
    .description = "static priority (0 most urgent), preemptive, round robin among equals, aging",
    .params = "quantum aging",
    .init = prio_init,
    .enqueue = prio_enqueue,
    .dequeue = prio_dequeue,
    .pick_next = prio_pick_next,
    .tick = prio_tick,
    .preempts = prio_preempts,
    .reprioritize = prio_reprioritize,
    .for_each_ready = prio_for_each_ready,
};
