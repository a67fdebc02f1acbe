/*
 * kmem.c - a first-fit heap with an address-ordered free list.
 *
 * Every block, free or used, starts with a 16-byte header. Free blocks are
 * kept on a singly linked list in address order, which makes merging a
 * freed block with its neighbours a matter of looking at the list entries
 * before and after it.
 */
#include "lib/kmem.h"

#include <arch/arch.h>

#include "sync/klock.h"

#include "lib/panic.h"

#define ALIGN 16u
#define MAGIC_USED 0x4b4d5553u /* "KMUS" */
#define MAGIC_FREE 0x4b4d4652u /* "KMFR" */

struct block {
    size_t size;        /* whole block, header included; a multiple of ALIGN */
    uint32_t magic;     /* MAGIC_USED or MAGIC_FREE */
    struct block *next; /* next free block by address (free blocks only) */
    uint32_t pad;
};
_Static_assert(sizeof(struct block) % ALIGN == 0, "header keeps payloads aligned");

static struct klock heap_lock; /* guards free_list and every block header */
static struct block *free_list;
static size_t heap_total;
static uintptr_t heap_lo, heap_hi;

void kmem_init(void *base, size_t size)
{
    uintptr_t lo = ((uintptr_t)base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
    uintptr_t hi = ((uintptr_t)base + size) & ~(uintptr_t)(ALIGN - 1);
    KASSERT(hi > lo + 2 * sizeof(struct block));
    free_list = (struct block *)lo;
    free_list->size = hi - lo;
    free_list->magic = MAGIC_FREE;
    free_list->next = NULL;
    heap_total = hi - lo;
    heap_lo = lo;
    heap_hi = hi;
}

/* The first block on the free list that can hold `need` bytes (header
 * included) with its payload at a multiple of align; *link is where it is
 * on the list, *lead how many bytes of it come before the new block's
 * header (0, or enough for a free block of their own). */
static struct block *first_fit(size_t need, size_t align, struct block ***link, size_t *lead)
{
    for (struct block **l = &free_list; *l; l = &(*l)->next) {
        size_t before = 0; /* (every block's payload is ALIGN-aligned already) */
        if (align > ALIGN) {
            uintptr_t b = (uintptr_t)*l;
            uintptr_t p = (b + sizeof(struct block) + align - 1) & ~(uintptr_t)(align - 1);
            while (p - sizeof(struct block) != b && p - sizeof(struct block) - b < 2 * sizeof(struct block))
                p += align; /* too little room before it for a free block: the next aligned place */
            before = p - sizeof(struct block) - b;
        }
        if (before + need <= (*l)->size) {
            *link = l;
            *lead = before;
            return *l;
        }
    }
    return NULL;
}

void *kmalloc_aligned(size_t size, size_t align)
{
    KASSERT(align >= ALIGN && !(align & (align - 1)));
    if (size == 0 || size > heap_total)
        return NULL;
    size_t need = sizeof(struct block) + ((size + ALIGN - 1) & ~(size_t)(ALIGN - 1));

    arch_irqstate_t s = klock_irqsave(&heap_lock);
    struct block **link;
    size_t lead;
    struct block *b = first_fit(need, align, &link, &lead);
    if (!b) {
        klock_irqrestore(&heap_lock, s);
        return NULL;
    }
    if (lead) {
        /* The bytes before the aligned block stay free, in b's place on
         * the list; the new block starts after them. */
        struct block *a = (struct block *)((char *)b + lead);
        a->size = b->size - lead;
        a->next = b->next;
        b->size = lead;
        b->next = a;
        link = &b->next;
        b = a;
    }
    if (b->size - need >= 2 * sizeof(struct block)) {
        /* Split: the tail stays free, in b's place on the list. */
        struct block *rest = (struct block *)((char *)b + need);
        rest->size = b->size - need;
        rest->magic = MAGIC_FREE;
        rest->next = b->next;
        *link = rest;
        b->size = need;
    } else {
        *link = b->next;
    }
    b->magic = MAGIC_USED;
    b->next = NULL;
    klock_irqrestore(&heap_lock, s);
    return b + 1;
}

void *kmalloc(size_t size) { return kmalloc_aligned(size, ALIGN); }

void *kzalloc(size_t size)
{
    char *p = kmalloc(size);
    if (p)
        for (size_t i = 0; i < size; i++)
            p[i] = 0;
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct block *b = (struct block *)p - 1;
    if ((uintptr_t)b < heap_lo || (uintptr_t)b >= heap_hi || ((uintptr_t)p & (ALIGN - 1)))
        panic("kfree(%p): not a pointer from kmalloc (the heap is [%p, %p))", p, (void *)heap_lo,
              (void *)heap_hi);
    if (b->magic == MAGIC_FREE)
        panic("kfree(%p): block freed twice", p);
    if (b->magic != MAGIC_USED)
        panic("kfree(%p): not a pointer from kmalloc, or its header was overwritten", p);

    arch_irqstate_t s = klock_irqsave(&heap_lock);
    b->magic = MAGIC_FREE;
    struct block *prev = NULL, *next = free_list;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }
    b->next = next;
    if (next && (char *)b + b->size == (char *)next) { /* merge with the next */
        b->size += next->size;
        b->next = next->next;
        next->magic = 0;
    }
    if (prev && (char *)prev + prev->size == (char *)b) { /* merge into the previous */
        prev->size += b->size;
        prev->next = b->next;
        b->magic = 0;
    } else if (prev) {
        prev->next = b;
    } else {
        free_list = b;
    }
    klock_irqrestore(&heap_lock, s);
}

void kmem_get_stats(struct kmem_stats *out)
{
    arch_irqstate_t s = klock_irqsave(&heap_lock);
    *out = (struct kmem_stats){.total = heap_total};
    size_t free_bytes = 0;
    for (struct block *b = free_list; b; b = b->next) {
        free_bytes += b->size;
        out->free_blocks++;
    }
    out->free = free_bytes;
    /* Walk every block by size to count the used ones. */
    for (uintptr_t a = heap_lo; a < heap_hi; a += ((struct block *)a)->size)
        if (((struct block *)a)->magic == MAGIC_USED)
            out->used_blocks++;
    klock_irqrestore(&heap_lock, s);
}
