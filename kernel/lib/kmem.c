/*
 * kmem.c - the kernel heap: best fit from a tree of free blocks, with
 * boundary tags.
 *
 * Every block, free or used, starts with a header that gives its size and
 * the size of the block just below it in memory, so a block finds both of
 * its neighbours in O(1): a freed block merges with a free neighbour on
 * either side without looking for it. The free blocks are kept in a
 * red-black tree by size (then address), its node in the free block's own
 * payload, so kmalloc takes the smallest block that is big enough (best
 * fit, which fragments least among the simple rules) in O(log n). Every
 * operation is O(log n) in the number of free blocks, with the lock held:
 * the first-fit list here before was walked from its head at every kmalloc
 * and kfree, interrupts off.
 */
#include "lib/kmem.h"

#include <arch/arch.h>

#include "lib/fail_nth.h"
#include "lib/panic.h"
#include "lib/rbtree.h"
#include "sync/klock.h"

#define ALIGN 16u
#define MAGIC_USED 0x4b4d5553u /* "KMUS" */
#define MAGIC_FREE 0x4b4d4652u /* "KMFR" */

struct block {
    size_t size;      /* whole block, header included; a multiple of ALIGN */
    size_t prev_size; /* the size of the block just below this one; 0 for the first */
    uint32_t magic;   /* MAGIC_USED or MAGIC_FREE */
} __attribute__((aligned(ALIGN)));
#define MIN_BLOCK (2 * sizeof(struct block)) /* a header and room for a free block's tree node */
_Static_assert(sizeof(struct block) % ALIGN == 0, "header keeps payloads aligned");
_Static_assert(sizeof(struct rb_node) <= sizeof(struct block), "a free block's payload holds its tree node");

static struct klock heap_lock; /* guards the tree and every block header */
static struct rbtree free_blocks; /* by size, then address */
static size_t heap_total;
static struct fail_nth failing; /* kmem_fail_nth: a test's */
static uintptr_t heap_lo, heap_hi;

static struct rb_node *node_of(struct block *b) { return (struct rb_node *)(b + 1); }
static struct block *block_of(const struct rb_node *n) { return (struct block *)n - 1; }

static bool smaller(const struct rb_node *a, const struct rb_node *b)
{
    const struct block *x = block_of(a), *y = block_of(b);
    return x->size != y->size ? x->size < y->size : x < y;
}

/* The block just above b in memory, or NULL at the top. */
static struct block *above(struct block *b)
{
    uintptr_t a = (uintptr_t)b + b->size;
    return a < heap_hi ? (struct block *)a : NULL;
}

/* The block just below b in memory, or NULL at the bottom. */
static struct block *below(struct block *b)
{
    return b->prev_size ? (struct block *)((uintptr_t)b - b->prev_size) : NULL;
}

/* b's size is now `size`: tell the block above it. */
static void set_size(struct block *b, size_t size)
{
    b->size = size;
    struct block *a = above(b);
    if (a)
        a->prev_size = size;
}

static void make_free(struct block *b)
{
    b->magic = MAGIC_FREE;
    rbtree_insert(&free_blocks, node_of(b));
}

/* The smallest free block of at least `need` bytes, or NULL: down one path. */
static struct block *best_fit(size_t need)
{
    struct block *best = NULL;
    for (struct rb_node *n = free_blocks.root; n;) {
        if (block_of(n)->size >= need) {
            best = block_of(n); /* big enough: is there a smaller one that is? */
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

void kmem_init(void *base, size_t size)
{
    uintptr_t lo = ((uintptr_t)base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
    uintptr_t hi = ((uintptr_t)base + size) & ~(uintptr_t)(ALIGN - 1);
    KASSERT(hi > lo + 2 * MIN_BLOCK);
    rbtree_init(&free_blocks, smaller);
    heap_total = hi - lo;
    heap_lo = lo;
    heap_hi = hi;
    struct block *all = (struct block *)lo;
    *all = (struct block){.size = hi - lo};
    make_free(all);
}

/* Where in b an aligned payload can start: the bytes of b before its new
 * header (0, or enough for a free block of their own). */
static size_t lead_in(const struct block *b, size_t align)
{
    uintptr_t at = (uintptr_t)b;
    uintptr_t p = (at + sizeof(struct block) + align - 1) & ~(uintptr_t)(align - 1);
    while (p - sizeof(struct block) != at && p - sizeof(struct block) - at < MIN_BLOCK)
        p += align; /* too little room before it for a free block: the next aligned place */
    return p - sizeof(struct block) - at;
}

void *kmalloc_aligned(size_t size, size_t align)
{
    KASSERT(align >= ALIGN && !(align & (align - 1)));
    if (size == 0 || size > heap_total)
        return NULL;
    size_t need = sizeof(struct block) + ((size + ALIGN - 1) & ~(size_t)(ALIGN - 1));
    if (need < MIN_BLOCK)
        need = MIN_BLOCK; /* once freed, it must hold its tree node (on a 64-bit host, more than 16 bytes) */

    arch_irqstate_t s = klock_irqsave(&heap_lock);
    if (fail_nth_now(&failing)) {
        klock_irqrestore(&heap_lock, s);
        return NULL;
    }
    /* Every block's payload is ALIGN-aligned: for more, a block with room
     * for any lead-in (need + align + MIN_BLOCK), else the largest one if
     * its own lead-in happens to leave room. */
    struct block *b = best_fit(align > ALIGN ? need + align + MIN_BLOCK : need);
    if (!b && align > ALIGN && free_blocks.root) {
        struct rb_node *n = free_blocks.root;
        while (n->right)
            n = n->right;
        b = block_of(n);
        if (lead_in(b, align) + need > b->size)
            b = NULL;
    }
    if (!b) {
        klock_irqrestore(&heap_lock, s);
        return NULL;
    }
    rbtree_remove(&free_blocks, node_of(b));
    size_t lead = align > ALIGN ? lead_in(b, align) : 0;
    if (lead) {
        /* The bytes before the aligned block stay free; the new block starts after them. */
        struct block *a = (struct block *)((char *)b + lead);
        a->prev_size = lead;
        set_size(a, b->size - lead);
        b->size = lead;
        make_free(b);
        b = a;
    }
    if (b->size - need >= MIN_BLOCK) {
        /* Split: the tail stays free. */
        struct block *rest = (struct block *)((char *)b + need);
        rest->prev_size = need;
        set_size(rest, b->size - need);
        b->size = need;
        make_free(rest);
    }
    b->magic = MAGIC_USED;
    klock_irqrestore(&heap_lock, s);
    return b + 1;
}

unsigned kmem_fail_nth(unsigned n)
{
    arch_irqstate_t s = klock_irqsave(&heap_lock);
    unsigned left = fail_nth_set(&failing, n);
    klock_irqrestore(&heap_lock, s);
    return left;
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
    arch_irqstate_t s = klock_irqsave(&heap_lock);
    /* The header is read under the lock: two CPUs freeing the same block
     * at once must not both find it in use (each would put it in the tree). */
    if (b->magic == MAGIC_FREE)
        panic("kfree(%p): block freed twice", p);
    if (b->magic != MAGIC_USED)
        panic("kfree(%p): not a pointer from kmalloc, or its header was overwritten", p);
    struct block *a = above(b), *u = below(b);
    if (a && a->magic == MAGIC_FREE) { /* merge with the block above */
        rbtree_remove(&free_blocks, node_of(a));
        a->magic = 0;
        set_size(b, b->size + a->size);
    }
    if (u && u->magic == MAGIC_FREE) { /* merge into the block below */
        rbtree_remove(&free_blocks, node_of(u));
        b->magic = 0;
        set_size(u, u->size + b->size);
        b = u;
    }
    make_free(b);
    klock_irqrestore(&heap_lock, s);
}

void kmem_get_stats(struct kmem_stats *out)
{
    arch_irqstate_t s = klock_irqsave(&heap_lock);
    *out = (struct kmem_stats){.total = heap_total, .free_blocks = free_blocks.size};
    for (struct rb_node *n = rbtree_first(&free_blocks); n; n = rbtree_next(n))
        out->free += block_of(n)->size;
    /* Walk every block by size to count the used ones. */
    for (uintptr_t a = heap_lo; a < heap_hi; a += ((struct block *)a)->size)
        if (((struct block *)a)->magic == MAGIC_USED)
            out->used_blocks++;
    klock_irqrestore(&heap_lock, s);
}
