/*
 * pheap.c - pairing heap (Fredman, Sedgewick, Sleator, Tarjan 1986).
 *
 * A heap-ordered multiway tree. Insert melds a one-node tree with the root.
 * Pop removes the root and melds its children in two passes (left to right
 * in pairs, then right to left into one tree), which is what makes the
 * amortized cost logarithmic. Remove cuts a node's subtree out, pops the
 * node from it, and melds the rest back with the root.
 */
#include "sched/pheap.h"

void pheap_init(struct pheap *h, pheap_less_t less)
{
    h->root = NULL;
    h->less = less;
    h->size = 0;
}

/* Meld two heap-ordered trees (roots with no siblings); return the root. */
static struct pheap_node *meld(struct pheap *h, struct pheap_node *a, struct pheap_node *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (h->less(b, a)) {
        struct pheap_node *t = a;
        a = b;
        b = t;
    }
    /* b becomes a's leftmost child. */
    b->next = a->child;
    if (a->child)
        a->child->prev = b;
    b->prev = a;
    a->child = b;
    a->next = a->prev = NULL;
    return a;
}

/* Meld a list of siblings into one tree: the two-pass rule. */
static struct pheap_node *merge_siblings(struct pheap *h, struct pheap_node *first)
{
    if (!first)
        return NULL;
    /* Pass 1: meld pairs left to right, and chain the results through
     * `prev` (reused as a stack link) so pass 2 can walk back. */
    struct pheap_node *stack = NULL;
    while (first) {
        struct pheap_node *a = first, *b = first->next;
        first = b ? b->next : NULL;
        a->next = a->prev = NULL;
        if (b)
            b->next = b->prev = NULL;
        struct pheap_node *m = meld(h, a, b);
        m->prev = stack;
        stack = m;
    }
    /* Pass 2: meld right to left. */
    struct pheap_node *result = stack;
    stack = stack->prev;
    result->prev = NULL;
    while (stack) {
        struct pheap_node *next = stack->prev;
        stack->prev = NULL;
        result = meld(h, stack, result);
        stack = next;
    }
    return result;
}

void pheap_insert(struct pheap *h, struct pheap_node *n)
{
    n->child = n->next = n->prev = NULL;
    h->root = meld(h, h->root, n);
    h->size++;
}

struct pheap_node *pheap_pop(struct pheap *h)
{
    struct pheap_node *r = h->root;
    if (r) {
        h->root = merge_siblings(h, r->child);
        r->child = r->next = r->prev = NULL;
        h->size--;
    }
    return r;
}

void pheap_remove(struct pheap *h, struct pheap_node *n)
{
    if (n == h->root) {
        pheap_pop(h);
        return;
    }
    /* Unlink n (and its subtree) from its parent's child list. */
    if (n->prev->child == n)
        n->prev->child = n->next;
    else
        n->prev->next = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->next = n->prev = NULL;
    struct pheap_node *rest = merge_siblings(h, n->child);
    n->child = NULL;
    h->root = meld(h, h->root, rest);
    h->size--;
}

/* The smallest node of the tree under `n` (n and its right siblings, and
 * their subtrees) that comes after `after` (NULL: any). */
static struct pheap_node *least_after(const struct pheap *h, struct pheap_node *n, const struct pheap_node *after)
{
    struct pheap_node *best = NULL;
    for (; n; n = n->next) {
        /* Heap order: if n itself comes after `after`, nothing below it can beat it. */
        struct pheap_node *cand = !after || h->less(after, n) ? n : least_after(h, n->child, after);
        if (cand && (!best || h->less(cand, best)))
            best = cand;
    }
    return best;
}

void pheap_for_each_sorted(const struct pheap *h, void (*fn)(struct pheap_node *n, void *ctx), void *ctx)
{
    for (struct pheap_node *n = least_after(h, h->root, NULL); n; n = least_after(h, h->root, n))
        fn(n, ctx);
}
