/*
 * kmem.h - the kernel heap: kmalloc and kfree.
 *
 * A best-fit allocator over one region of free memory (after the kernel
 * image, as the Multiboot memory map allows): kmalloc and kfree are
 * O(log n) in the number of free blocks, in the worst case (kmem.c says
 * how). Blocks carry a header with a magic number, so freeing a bad pointer
 * or freeing twice is reported. Adjacent free blocks are merged on kfree (a
 * block freed twice after such a merge is reported as not coming from
 * kmalloc).
 */
#ifndef KERNEL_KMEM_H
#define KERNEL_KMEM_H

#include <stddef.h>
#include <stdint.h>

/* Hand the heap the bytes [base, base + size). Called once at boot. */
void kmem_init(void *base, size_t size);

/* Allocate size bytes, 16-byte aligned, or NULL if there is no room.
 * Callable with interrupts on or off; not from an interrupt handler. */
void *kmalloc(size_t size);

/* Like kmalloc, with the block at a multiple of `align` (a power of two,
 * 16 or more): for memory the paging hardware maps, such as the pages of a
 * kernel stack. kfree takes it back as any other block. */
void *kmalloc_aligned(size_t size, size_t align);

/* For tests (test=nomem): the n-th kmalloc from now (1: the next) returns
 * NULL, as if the heap were full; 0 sets none. Returns what fail_nth_set
 * does (kernel/lib/fail_nth.h): 0 if the last one set failed. */
unsigned kmem_fail_nth(unsigned n);

/* Like kmalloc, and the bytes are zeroed. */
void *kzalloc(size_t size);

/* Give back a block from kmalloc (NULL is ignored). A pointer that kmalloc
 * did not return, or a block freed twice, panics with a message. */
void kfree(void *p);

struct kmem_stats {
    size_t total;      /* bytes managed, headers included */
    size_t free;       /* bytes in free blocks, headers included */
    size_t used_blocks;/* blocks handed out and not yet freed */
    size_t free_blocks;/* free blocks (fragments) */
};
void kmem_get_stats(struct kmem_stats *out);

#endif /* KERNEL_KMEM_H */
