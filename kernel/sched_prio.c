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
 * pi=on: kernel/mutex.c).
 *
 * Per-task state: run_node, level (effective), enqueued_at, slice.
 * Cost: enqueue and pick_next O(1) (a bitmap of lists); aging looks at the
 * head of each level on each tick, O(levels) plus each raise.
 */
#include "sched.h"
#include "task.h"

static struct list levels[TASK_PRIORITIES];
static uint32_t busy; /* bit L set: levels[L] is not empty */

static void prio_init(void)
{
    for (unsigned l = 0; l < TASK_PRIORITIES; l++)
        list_init(&levels[l]);
    busy = 0;
}

static void put(struct task *t, unsigned level)
{
    t->level = level;
    t->enqueued_at = sched_ticks();
    list_push_back(&levels[level], &t->run_node);
    busy |= 1u << level;
}

/* A task's level when it is queued: its own priority, or the one a mutex
 * waiter lends it (task_priority). */
static unsigned base_level(const struct task *t)
{
    uint32_t p = task_priority(t);
    return p < TASK_PRIORITIES ? p : TASK_PRIORITIES - 1;
}

static void prio_enqueue(struct task *t, enum sched_why why)
{
    (void)why;
    t->slice = 0;
    put(t, base_level(t));
}

static void prio_dequeue(struct task *t)
{
    list_remove(&t->run_node);
    if (list_empty(&levels[t->level]))
        busy &= ~(1u << t->level);
}

static int best_level(void) { return busy ? __builtin_ctz(busy) : -1; }

static void age(void);

static struct task *prio_pick_next(void)
{
    if (sched_config.aging)
        age(); /* also when the running task just finished or blocked */
    int l = best_level();
    if (l < 0)
        return NULL;
    struct task *t = list_entry(list_pop_front(&levels[l]), struct task, run_node);
    if (list_empty(&levels[l]))
        busy &= ~(1u << l);
    return t;
}

/* Raise every task that has waited `aging` ticks at its level. The head of
 * a level has waited longest, so we stop at the first that has not. */
static void age(void)
{
    uint64_t now = sched_ticks();
    for (unsigned l = 1; l < TASK_PRIORITIES; l++) {
        while (!list_empty(&levels[l])) {
            struct task *t = list_entry(list_first(&levels[l]), struct task, run_node);
            if (now - t->enqueued_at < sched_config.aging)
                break;
            prio_dequeue(t);
            put(t, l - 1);
        }
    }
}

static bool prio_tick(struct task *curr)
{
    if (sched_config.aging)
        age();
    int l = best_level();
    if (l >= 0 && (unsigned)l < curr->level)
        return true; /* someone more urgent (raised by aging) */
    if (++curr->slice < sched_config.quantum)
        return false;
    curr->slice = 0;
    return l >= 0 && (unsigned)l == curr->level; /* round robin among equals */
}

static bool prio_preempts(const struct task *curr, const struct task *t) { return t->level < curr->level; }

/* Priority inheritance lent t a priority, or took it back. */
static void prio_reprioritize(struct task *t)
{
    if (t->state == TASK_READY) {
        prio_dequeue(t);
        put(t, base_level(t));
    } else {
        t->level = base_level(t);
    }
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
};
