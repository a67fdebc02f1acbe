/*
 * sched_srt.c - shortest remaining time: SJF made preemptive, the course's
 * section 4.2 ("plus petit temps de séjour").
 *
 * Run the ready task with the least CPU time left (ties: earlier arrival,
 * then name). A task that becomes ready with strictly less time left than
 * the running task preempts it at once; on a tie the running task goes on.
 *
 * Per-task state: heap_node; the core keeps `remaining`. Cost: enqueue O(1),
 * pick_next O(log n) amortized (pairing heap).
 */
#include "pheap.h"
#include "sched.h"
#include "task.h"

static struct pheap srt_heap;

static uint32_t srt_key(const struct task *t) { return t->burst ? t->remaining : UINT32_MAX; }

static bool srt_less(const struct pheap_node *a, const struct pheap_node *b)
{
    const struct task *x = list_entry(a, struct task, heap_node), *y = list_entry(b, struct task, heap_node);
    if (srt_key(x) != srt_key(y))
        return srt_key(x) < srt_key(y);
    return sched_tie_break(x, y) < 0;
}

static void srt_init(void) { pheap_init(&srt_heap, srt_less); }

static void srt_enqueue(struct task *t, enum sched_why why)
{
    (void)why;
    pheap_insert(&srt_heap, &t->heap_node);
}

static void srt_dequeue(struct task *t) { pheap_remove(&srt_heap, &t->heap_node); }

static struct task *srt_pick_next(void)
{
    struct pheap_node *n = pheap_pop(&srt_heap);
    return n ? list_entry(n, struct task, heap_node) : NULL;
}

static bool srt_tick(struct task *curr)
{
    /* Only an arrival or a wakeup can make another task shorter than curr
     * (curr only gets shorter by running): srt_preempts handles those. After
     * a policy switch, though, the queue may hold a shorter task already. */
    struct pheap_node *n = pheap_min(&srt_heap);
    return n && srt_key(list_entry(n, struct task, heap_node)) < srt_key(curr);
}

static bool srt_preempts(const struct task *curr, const struct task *t) { return srt_key(t) < srt_key(curr); }

const struct sched_policy sched_srt = {
    .name = "srt",
    .description = "shortest remaining time: preemptive SJF",
    .params = "",
    .init = srt_init,
    .enqueue = srt_enqueue,
    .dequeue = srt_dequeue,
    .pick_next = srt_pick_next,
    .tick = srt_tick,
    .preempts = srt_preempts,
};
