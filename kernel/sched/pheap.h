/*
 * pheap.h - an intrusive pairing heap: the ready queue of the policies that
 * always run the task with the smallest key (sjf, srt, stride, fair).
 *
 * Costs: insert and min O(1); pop and remove O(log n) amortized. Like the
 * lists, it allocates nothing: a task embeds a `struct pheap_node`. The order
 * is given by a `less` function; with a total order (the policies break
 * ties by arrival, then name, then id) the result is deterministic.
 */
#ifndef KERNEL_PHEAP_H
#define KERNEL_PHEAP_H

#include <stdbool.h>
#include <stddef.h>

struct pheap_node {
    struct pheap_node *child; /* leftmost child */
    struct pheap_node *next;  /* right sibling */
    struct pheap_node *prev;  /* left sibling, or the parent for a leftmost child; NULL for the root */
};

typedef bool (*pheap_less_t)(const struct pheap_node *a, const struct pheap_node *b);

struct pheap {
    struct pheap_node *root;
    pheap_less_t less;
    size_t size;
};

void pheap_init(struct pheap *h, pheap_less_t less);
void pheap_insert(struct pheap *h, struct pheap_node *n);
/* The smallest node, or NULL. */
static inline struct pheap_node *pheap_min(const struct pheap *h) { return h->root; }
/* Remove and return the smallest node, or NULL. */
struct pheap_node *pheap_pop(struct pheap *h);
/* Remove n, which must be in h. */
void pheap_remove(struct pheap *h, struct pheap_node *n);
/* Call fn(n, ctx) for every node, smallest first, changing nothing. O(n^2):
 * for tools (the shell, GDB, tests), never for a hot path. */
void pheap_for_each_sorted(const struct pheap *h, void (*fn)(struct pheap_node *n, void *ctx), void *ctx);

#endif /* KERNEL_PHEAP_H */
