/*
 * rbtree.h - an intrusive red-black tree kept in order by a `less`
 * function: the ready queue of the policies that always run the task with
 * the smallest key (sjf, srt, stride, fair: Linux's CFS keeps its tasks the
 * same way), and the timer queue of tasks waiting for a tick.
 *
 * Costs, in the worst case and not only on average: the smallest node O(1)
 * (it is cached); insert, remove and pop O(log n) - the tree's height is
 * at most 2 log2(n + 1), 28 levels for 10,000 tasks, and a removal makes no
 * comparison at all. (A pairing heap, here before, inserted in O(1) but
 * paid later: its first pop after n inserts walked all n, interrupts off.)
 * Like the lists it allocates nothing: a task embeds a `struct rb_node`.
 * Nodes that compare equal stay in the order they came (insert puts a node
 * after every node it is not less than), so the result is deterministic:
 * the policies break their ties by arrival, then name, then id; the timer
 * queue leaves equal ticks in the order the tasks went to sleep.
 *
 * The rules that bound the height: every node is red or black, the root is
 * black, a red node has no red child, and every path from a node down to a
 * missing child passes the same number of black nodes.
 *
 * A tree may also keep, in each node, a summary of its subtree (lottery:
 * the tickets held below it, to find the drawn ticket's holder in
 * O(log n)): rbtree_init_summed with a function that recomputes one node's
 * summary from its children's. The tree calls it wherever a subtree
 * changes - after a rotation, and from a changed place up to the root.
 */
#ifndef KERNEL_RBTREE_H
#define KERNEL_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

struct rb_node {
    struct rb_node *left, *right; /* NULL where there is no child */
    struct rb_node *parent;       /* NULL for the root */
    bool red;
};

typedef bool (*rb_less_t)(const struct rb_node *a, const struct rb_node *b);
typedef void (*rb_summary_t)(struct rb_node *n);

struct rbtree {
    struct rb_node *root;
    struct rb_node *first; /* the smallest node (the leftmost), NULL when empty */
    rb_less_t less;
    rb_summary_t summarize; /* NULL: no summaries */
    size_t size;
};

void rbtree_init(struct rbtree *t, rb_less_t less);
/* The same, with summaries: summarize(n) recomputes n's from its children's
 * (which are up to date when it is called). */
void rbtree_init_summed(struct rbtree *t, rb_less_t less, rb_summary_t summarize);
/* Put n in its place: after every node it is not less than. */
void rbtree_insert(struct rbtree *t, struct rb_node *n);
/* Put n after every node, comparing nothing: for a tree kept in the order
 * its nodes came (lottery's row), which needs no `less` (NULL). */
void rbtree_insert_last(struct rbtree *t, struct rb_node *n);
/* The smallest node, or NULL. */
static inline struct rb_node *rbtree_first(const struct rbtree *t) { return t->first; }
/* The node after n in order, or NULL. O(log n) at worst, O(1) on average
 * over a walk. */
struct rb_node *rbtree_next(const struct rb_node *n);
/* Remove n, which must be in t. */
void rbtree_remove(struct rbtree *t, struct rb_node *n);
/* Remove and return the smallest node, or NULL. */
struct rb_node *rbtree_pop_first(struct rbtree *t);

#endif /* KERNEL_RBTREE_H */
