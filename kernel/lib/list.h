/*
 * list.h - intrusive, circular, doubly linked lists (as in Linux and Pintos).
 *
 * A struct that can be on a list embeds a `struct list_node`; the list itself
 * is a sentinel `struct list` whose node points at the first and last
 * elements. Every operation is O(1) except list_size. list_entry() gets back
 * from a node to the struct that contains it. A node that is on no list has
 * both pointers NULL (list_node_init), which list_node_linked() checks.
 */
#ifndef KERNEL_LIST_H
#define KERNEL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
    struct list_node *prev, *next;
};

struct list {
    struct list_node head; /* sentinel: head.next is the first element */
};

#define list_entry(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))

static inline void list_init(struct list *l) { l->head.prev = l->head.next = &l->head; }
static inline void list_node_init(struct list_node *n) { n->prev = n->next = NULL; }
static inline bool list_node_linked(const struct list_node *n) { return n->next != NULL; }
static inline bool list_empty(const struct list *l) { return l->head.next == &l->head; }
static inline struct list_node *list_first(const struct list *l) { return list_empty(l) ? NULL : l->head.next; }
static inline struct list_node *list_last(const struct list *l) { return list_empty(l) ? NULL : l->head.prev; }

/* Put n between a and b (which are adjacent). */
static inline void list_insert_between(struct list_node *n, struct list_node *a, struct list_node *b)
{
    n->prev = a;
    n->next = b;
    a->next = n;
    b->prev = n;
}

/* Insert n just before `pos` (pos may be the sentinel: then at the back). */
static inline void list_insert_before(struct list_node *pos, struct list_node *n) { list_insert_between(n, pos->prev, pos); }
static inline void list_push_back(struct list *l, struct list_node *n) { list_insert_between(n, l->head.prev, &l->head); }
static inline void list_push_front(struct list *l, struct list_node *n) { list_insert_between(n, &l->head, l->head.next); }

/* Unlink n from whatever list it is on, and mark it unlinked. */
static inline void list_remove(struct list_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_node_init(n);
}

/* Remove and return the first element of l, which is not empty. */
static inline struct list_node *list_take_first(struct list *l)
{
    struct list_node *n = l->head.next;
    list_remove(n);
    return n;
}

/* Remove and return the first element, or NULL if the list is empty. */
static inline struct list_node *list_pop_front(struct list *l) { return list_empty(l) ? NULL : list_take_first(l); }

/* The same as the entry that holds it (list_entry), or NULL: one test, of
 * the list (a caller's own NULL test of the node, as the compiler cannot
 * know a linked node's address is not 0, would be a second). */
#define list_pop_front_entry(l, type, member)                                              \
    ({                                                                                     \
        struct list *list_pop_l_ = (l);                                                    \
        list_empty(list_pop_l_) ? NULL : list_entry(list_take_first(list_pop_l_), type, member); \
    })

/* Number of elements: O(n), for tests and reports. */
static inline size_t list_size(const struct list *l)
{
    size_t k = 0;
    for (const struct list_node *n = l->head.next; n != &l->head; n = n->next)
        k++;
    return k;
}

/* Iterate: for (node = first; node != sentinel; node = node->next). The body
 * must not remove `n`; use list_for_each_safe for that. */
#define list_for_each(n, l) for (struct list_node *n = (l)->head.next; n != &(l)->head; n = n->next)
#define list_for_each_safe(n, l)                                                                              \
    for (struct list_node *n = (l)->head.next, *n##_next = n->next; n != &(l)->head; n = n##_next, n##_next = n->next)

#endif /* KERNEL_LIST_H */
