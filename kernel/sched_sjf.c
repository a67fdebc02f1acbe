/*
 * sched_sjf.c - shortest job first, non-preemptive: the course's SJF.
 *
 * When the CPU is free, run the ready task with the smallest declared burst
 * (ties: earlier arrival, then name). A task without a declared burst counts
 * as the longest. Once running, a task keeps the CPU until it finishes or
 * blocks.
 *
 * A yield does not change who is shortest: the yielder runs again (use
 * sleep or block to let a longer job in).
 *
 * Per-task state: heap_node. Cost: enqueue O(1), pick_next O(log n)
 * amortized (pairing heap).
 */
#include "pheap.h"
#include "sched.h"
#include "task.h"

static struct pheap sjf_heap;

static uint32_t sjf_key(const struct task *t) { return t->burst ? t->burst : UINT32_MAX; }

static bool sjf_less(const struct pheap_node *a, const struct pheap_node *b)
{
    const struct task *x = list_entry(a, struct task, heap_node), *y = list_entry(b, struct task, heap_node);
    if (sjf_key(x) != sjf_key(y))
        return sjf_key(x) < sjf_key(y);
    return sched_tie_break(x, y) < 0;
}

static void sjf_init(void) { pheap_init(&sjf_heap, sjf_less); }

static void sjf_enqueue(struct task *t, enum sched_why why)
{
    (void)why;
    pheap_insert(&sjf_heap, &t->heap_node);
}

static void sjf_dequeue(struct task *t) { pheap_remove(&sjf_heap, &t->heap_node); }

static struct task *sjf_pick_next(void)
{
    struct pheap_node *n = pheap_pop(&sjf_heap);
    return n ? list_entry(n, struct task, heap_node) : NULL;
}

static bool sjf_tick(struct task *curr)
{
    (void)curr;
    return false; /* non-preemptive */
}

const struct sched_policy sched_sjf = {
    .name = "sjf",
    .description = "shortest job first by declared burst, non-preemptive",
    .params = "",
    .init = sjf_init,
    .enqueue = sjf_enqueue,
    .dequeue = sjf_dequeue,
    .pick_next = sjf_pick_next,
    .tick = sjf_tick,
    .preempts = NULL,
};
