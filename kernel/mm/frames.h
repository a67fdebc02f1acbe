/*
 * frames.h - page frames: the physical memory that user processes are made of.
 *
 * The kernel lives in one identity-mapped window (arch/x86/paging.c), so a
 * frame's physical address is also where the kernel reads and writes it.
 * The kernel heap (lib/kmem.h) holds the kernel's own objects; the frames
 * hold what a process can see: its text, data, stack, page tables, shared
 * segments. Keeping the two apart means that a process that eats every
 * frame leaves the kernel able to say so and go on.
 *
 * Each frame has a reference count: a frame mapped in two address spaces
 * (a shared-memory segment) is freed when the last one lets go.
 */
#ifndef KERNEL_FRAMES_H
#define KERNEL_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_SIZE 4096u

/* Hand the allocator the bytes [base, base + size): the whole frames in it,
 * less the few that hold the reference counts. Called once at boot. */
void frames_init(void *base, size_t size);

/* A zeroed frame with one reference, or 0 when none is left. Any context
 * but an interrupt handler. */
uintptr_t frame_alloc(void);

/* For tests (test=nomem): the n-th frame_alloc from now (1: the next)
 * returns 0, as if none were left; 0 sets none. Returns what
 * fail_nth_set does (kernel/lib/fail_nth.h): 0 if the last one set
 * failed, so that a caller knows whether it happened. */
unsigned frames_fail_nth(unsigned n);

/* One more reference to frame f (from frame_alloc). */
void frame_get(uintptr_t f);

/* One reference less; the last one frees the frame. An address that is not
 * an allocated frame panics with a message (a kernel bug). */
void frame_put(uintptr_t f);

/* The references to f (0: free). */
unsigned frame_refs(uintptr_t f);

struct frames_stats {
    size_t total; /* frames managed */
    size_t free;  /* frames on the free list */
};
void frames_get_stats(struct frames_stats *out);

#endif /* KERNEL_FRAMES_H */
