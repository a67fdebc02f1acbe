/*
 * frames.c - a stack of free page frames, and a reference count for each.
 *
 * The counts sit in the first frames of the region; the freed frames form
 * a singly linked stack through their own first word (the kernel sees
 * every frame at its physical address), and the frames never handed out
 * yet are simply those past `fresh`, so an allocation or a free is a few
 * instructions under the lock, whatever the number of frames, and the
 * boot builds no list. A frame is
 * zeroed as it is handed out: nothing of a dead process leaks to the next.
 */
#include "mm/frames.h"

#include "lib/fail_nth.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "sync/klock.h"

static struct klock frames_lock; /* guards free_top, nr_free and refs[] */
static uintptr_t first, limit;   /* managed frames: [first, limit), FRAME_SIZE-aligned */
static uint16_t *refs;           /* refs[(f - first) / FRAME_SIZE] */
static uintptr_t free_top;       /* the first freed frame, 0 if none; each holds the next */
static uintptr_t fresh;          /* [fresh, limit): never handed out yet (so boot builds no list) */
static size_t nr_total, nr_free;
static struct fail_nth failing; /* frames_fail_nth: a test's */

void frames_init(void *base, size_t size)
{
    uintptr_t lo = ((uintptr_t)base + FRAME_SIZE - 1) & ~(uintptr_t)(FRAME_SIZE - 1);
    uintptr_t hi = ((uintptr_t)base + size) & ~(uintptr_t)(FRAME_SIZE - 1);
    KASSERT(hi > lo + 2 * FRAME_SIZE);
    size_t n = (hi - lo) / FRAME_SIZE;
    /* k frames of counts cover the n - k frames after them. */
    size_t k = (n * sizeof *refs + FRAME_SIZE + sizeof *refs - 1) / (FRAME_SIZE + sizeof *refs);
    refs = (uint16_t *)lo;
    first = lo + k * FRAME_SIZE;
    limit = hi;
    nr_total = nr_free = n - k;
    __builtin_memset(refs, 0, nr_total * sizeof *refs);
    free_top = 0;
    fresh = first;
}

/* f's slot in refs[], or a panic that says what f was. */
static uint16_t *ref_of(uintptr_t f, const char *what)
{
    if (f < first || f >= limit || (f & (FRAME_SIZE - 1)))
        panic("frames: %s(%p): not a page frame (frames are %p..%p, %u bytes each)", what, (void *)f,
              (void *)first, (void *)limit, FRAME_SIZE);
    return &refs[(f - first) / FRAME_SIZE];
}

unsigned frames_fail_nth(unsigned n)
{
    arch_irqstate_t s = klock_irqsave(&frames_lock);
    unsigned left = fail_nth_set(&failing, n);
    klock_irqrestore(&frames_lock, s);
    return left;
}

uintptr_t frame_alloc(void)
{
    arch_irqstate_t s = klock_irqsave(&frames_lock);
    if (fail_nth_now(&failing)) {
        klock_irqrestore(&frames_lock, s);
        return 0;
    }
    uintptr_t f = free_top;
    if (f)
        free_top = *(uintptr_t *)f;
    else if (fresh < limit)
        f = fresh, fresh += FRAME_SIZE;
    if (f) {
        nr_free--;
        *ref_of(f, "frame_alloc") = 1;
    }
    klock_irqrestore(&frames_lock, s);
    if (f)
        __builtin_memset((void *)f, 0, FRAME_SIZE);
    return f;
}

void frame_get(uintptr_t f)
{
    arch_irqstate_t s = klock_irqsave(&frames_lock);
    uint16_t *r = ref_of(f, "frame_get");
    if (*r == 0 || *r == UINT16_MAX) {
        klock_irqrestore(&frames_lock, s);
        panic("frames: frame_get(%p): the frame is %s", (void *)f, *r ? "referenced 65535 times" : "free");
    }
    (*r)++;
    klock_irqrestore(&frames_lock, s);
}

void frame_put(uintptr_t f)
{
    arch_irqstate_t s = klock_irqsave(&frames_lock);
    uint16_t *r = ref_of(f, "frame_put");
    if (*r == 0) {
        klock_irqrestore(&frames_lock, s);
        panic("frames: frame_put(%p): the frame is already free (put once too often)", (void *)f);
    }
    if (--*r == 0) {
        *(uintptr_t *)f = free_top;
        free_top = f;
        nr_free++;
    }
    klock_irqrestore(&frames_lock, s);
}

unsigned frame_refs(uintptr_t f)
{
    arch_irqstate_t s = klock_irqsave(&frames_lock);
    unsigned n = *ref_of(f, "frame_refs");
    klock_irqrestore(&frames_lock, s);
    return n;
}

void frames_get_stats(struct frames_stats *out)
{
    arch_irqstate_t s = klock_irqsave(&frames_lock);
    out->total = nr_total;
    out->free = nr_free;
    klock_irqrestore(&frames_lock, s);
}
