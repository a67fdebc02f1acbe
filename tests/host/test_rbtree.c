/*
 * test_rbtree.c - the red-black tree against a sorted reference, under
 * random inserts, pops and removals; its rules after every step (order,
 * links, colours, black heights, the cached first node); and its worst
 * case, counted in comparisons and levels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/rbtree.h"

struct item {
    int key, id;
    struct rb_node node;
    int in;            /* in the tree */
    unsigned weight;   /* for the summed tree: like a task's tickets */
    unsigned below;    /* ...and the weight in its subtree, kept by the tree */
};

#define ITEM(n) ((struct item *)((char *)(n) - offsetof(struct item, node)))

static unsigned long compares; /* calls of a less function, for the worst-case checks */

static bool less(const struct rb_node *a, const struct rb_node *b)
{
    compares++;
    const struct item *x = ITEM(a), *y = ITEM(b);
    return x->key != y->key ? x->key < y->key : x->id < y->id;
}

/* By key alone: equal keys must come out first in, first out. */
static bool key_less(const struct rb_node *a, const struct rb_node *b)
{
    compares++;
    return ITEM(a)->key < ITEM(b)->key;
}

/* Check the subtree under n: links, order (against the tree's own less),
 * no red under red; return its black height, count its nodes and its
 * height. */
static int check_subtree(const struct rbtree *t, const struct rb_node *n, const struct rb_node *parent,
                         size_t *count, unsigned *height)
{
    if (!n) {
        *height = 0;
        return 1;
    }
    assert_ptr_equal(n->parent, parent);
    if (n->left && t->less)
        assert_false(t->less(n, n->left));
    if (n->right && t->less)
        assert_false(t->less(n->right, n));
    if (n->red)
        assert_true(!(n->left && n->left->red) && !(n->right && n->right->red));
    unsigned hl, hr;
    int bl = check_subtree(t, n->left, n, count, &hl), br = check_subtree(t, n->right, n, count, &hr);
    assert_int_equal(bl, br); /* every path passes the same number of black nodes */
    ++*count;
    *height = 1 + (hl > hr ? hl : hr);
    return bl + !n->red;
}

static unsigned floor_log2(size_t n)
{
    unsigned d = 0;
    while (n >> d > 1)
        d++;
    return d;
}

/* All the rules; returns the height. */
static unsigned check_tree(const struct rbtree *t)
{
    unsigned long before = compares;
    size_t count = 0;
    unsigned height;
    check_subtree(t, t->root, NULL, &count, &height);
    assert_int_equal(count, t->size);
    if (t->root) {
        assert_false(t->root->red);
        const struct rb_node *m = t->root;
        while (m->left)
            m = m->left;
        assert_ptr_equal(t->first, m);
        /* In order, every node is after the one before it. */
        size_t walked = 1;
        for (const struct rb_node *p = t->first, *n = rbtree_next(p); n; p = n, n = rbtree_next(n), walked++)
            assert_true(t->less ? !t->less(n, p) : ITEM(n)->key > ITEM(p)->key); /* (no less: keys count arrivals) */
        assert_int_equal(walked, t->size);
    } else {
        assert_null(t->first);
        assert_int_equal(t->size, 0);
    }
    assert_true(height <= 2 * (floor_log2(t->size + 1) + 1)); /* at most 2 log2(n + 1) */
    compares = before;
    return height;
}

static void test_empty(void **state)
{
    (void)state;
    struct rbtree t;
    rbtree_init(&t, less);
    assert_null(rbtree_first(&t));
    assert_null(rbtree_pop_first(&t));
    check_tree(&t);
}

static void test_pops_in_order(void **state)
{
    (void)state;
    struct rbtree t;
    static const int keys[8] = {5, 3, 9, 3, 1, 7, 5, 0};
    struct item it[8];
    for (int i = 0; i < 8; i++)
        it[i] = (struct item){.key = keys[i], .id = i};
    rbtree_init(&t, less);
    for (int i = 0; i < 8; i++) {
        rbtree_insert(&t, &it[i].node);
        check_tree(&t);
    }
    int expect[8] = {7, 4, 1, 3, 0, 6, 5, 2}; /* by key, ties by id */
    for (int i = 0; i < 8; i++) {
        assert_int_equal(ITEM(rbtree_pop_first(&t))->id, expect[i]);
        check_tree(&t);
    }
    assert_null(rbtree_pop_first(&t));
}

static void test_equal_keys_first_in_first_out(void **state)
{
    (void)state;
    struct rbtree t;
    struct item it[50];
    rbtree_init(&t, key_less);
    for (int i = 0; i < 50; i++) {
        it[i] = (struct item){.key = i % 3, .id = i};
        rbtree_insert(&t, &it[i].node);
    }
    check_tree(&t);
    for (int key = 0; key < 3; key++)
        for (int i = key; i < 50; i += 3)
            assert_int_equal(ITEM(rbtree_pop_first(&t))->id, i);
}

/* Removals of every kind: a leaf, a node with one child, a node with two
 * whose successor is its right child, one whose successor is deeper, and
 * the root; each with the rules checked after. */
static void test_remove_each_kind_of_node(void **state)
{
    (void)state;
    struct rbtree t;
    enum { N = 15 };
    struct item it[N];
    rbtree_init(&t, less);
    for (int i = 0; i < N; i++) { /* keys 0..14 */
        it[i] = (struct item){.key = i, .id = i, .in = 1};
        rbtree_insert(&t, &it[i].node);
    }
    check_tree(&t);
    for (int kind = 0; kind < 5; kind++) {
        struct rb_node *pick = NULL;
        for (int i = 0; i < N && !pick; i++) {
            struct rb_node *n = &it[i].node;
            bool two = n->left && n->right;
            if (it[i].in && ((kind == 0 && !n->left && !n->right) || (kind == 1 && !two && (n->left || n->right)) ||
                             (kind == 2 && two && !n->right->left) || (kind == 3 && two && n->right->left) ||
                             (kind == 4 && n == t.root)))
                pick = n;
        }
        assert_non_null(pick); /* 15 nodes have every kind */
        rbtree_remove(&t, pick);
        ITEM(pick)->in = 0;
        assert_true(!pick->left && !pick->right && !pick->parent); /* no stale link */
        check_tree(&t);
    }
    assert_int_equal(t.size, N - 5);
    int last = -1;
    for (struct rb_node *n; (n = rbtree_pop_first(&t)) != NULL; last = ITEM(n)->key)
        assert_true(ITEM(n)->key > last);
}

/* Random operations, checked against a linear scan for the minimum. */
static void test_random_against_reference(void **state)
{
    (void)state;
    enum { N = 300 };
    static struct item it[N];
    struct rbtree t;
    rbtree_init(&t, less);
    srand(12345);
    for (int i = 0; i < N; i++)
        it[i] = (struct item){.key = rand() % 50, .id = i};
    for (int step = 0; step < 20000; step++) {
        int i = rand() % N, op = rand() % 3;
        if (op == 0 && !it[i].in) {
            it[i].key = rand() % 50;
            rbtree_insert(&t, &it[i].node);
            it[i].in = 1;
        } else if (op == 1 && it[i].in) {
            rbtree_remove(&t, &it[i].node);
            it[i].in = 0;
        } else if (op == 2) {
            struct item *best = NULL;
            for (int k = 0; k < N; k++)
                if (it[k].in && (!best || less(&it[k].node, &best->node)))
                    best = &it[k];
            struct rb_node *m = rbtree_pop_first(&t);
            if (!best) {
                assert_null(m);
            } else {
                assert_ptr_equal(ITEM(m), best);
                best->in = 0;
            }
        }
        size_t count = 0;
        for (int k = 0; k < N; k++)
            count += it[k].in;
        assert_int_equal(t.size, count);
        if (step % 53 == 0)
            check_tree(&t);
    }
    check_tree(&t);
}

/* The worst case: an insert compares once per level, at most 2 log2(n + 1)
 * times; a removal and a pop compare never. The case that cost the
 * pairing heap here before O(n) - the first pop after n inserts of rising
 * keys - is as cheap as any other. Keys rising, falling, and alternating
 * (each new one at either end). */
static void test_worst_case_is_logarithmic(void **state)
{
    (void)state;
    enum { N = 10000 };
    static struct item it[N];
    static const char *const orders[] = {"rising", "falling", "alternating"};
    for (int order = 0; order < 3; order++) {
        struct rbtree t;
        rbtree_init(&t, less);
        unsigned long worst_insert = 0;
        for (int i = 0; i < N; i++) {
            int key = order == 0 ? i : order == 1 ? N - i : i % 2 ? i : -i;
            it[i] = (struct item){.key = key, .id = i};
            compares = 0;
            rbtree_insert(&t, &it[i].node);
            if (compares > worst_insert)
                worst_insert = compares;
            assert_true(compares <= 2 * (floor_log2(t.size) + 1));
        }
        unsigned height = check_tree(&t);
        compares = 0;
        rbtree_pop_first(&t); /* the first pop after N inserts */
        for (int i = 1; i < N / 2; i += 7)
            if (it[i].node.parent || t.root == &it[i].node)
                rbtree_remove(&t, &it[i].node);
        while (t.size)
            rbtree_pop_first(&t);
        assert_int_equal(compares, 0);
        print_message("%s keys, %d nodes: height %u (bound %u), worst insert %lu compares\n", orders[order], N,
                      height, 2 * (floor_log2(N + 1) + 1), worst_insert);
    }
}

/* A summed tree kept in arrival order (the lottery's row: rbtree_insert_last,
 * no less function): each node's `below` is the weight of its subtree,
 * whatever inserts, removals and rotations did; the nodes stay in the order
 * they came; and a number 0 .. total - 1 counted along the nodes in order
 * finds the same node as a walk along them would. */
static unsigned below(const struct rb_node *n) { return n ? ITEM(n)->below : 0; }

static void sum_weights(struct rb_node *n) { ITEM(n)->below = ITEM(n)->weight + below(n->left) + below(n->right); }

static unsigned check_sums(const struct rb_node *n)
{
    if (!n)
        return 0;
    unsigned sum = ITEM(n)->weight + check_sums(n->left) + check_sums(n->right);
    assert_int_equal(ITEM(n)->below, sum);
    return sum;
}

static struct rb_node *find_by_sum(const struct rbtree *t, unsigned x)
{
    const struct rb_node *n = t->root;
    while (n) {
        if (x < below(n->left)) {
            n = n->left;
            continue;
        }
        x -= below(n->left);
        if (x < ITEM(n)->weight)
            return (struct rb_node *)n;
        x -= ITEM(n)->weight;
        n = n->right;
    }
    return NULL;
}

static void test_summed_tree(void **state)
{
    (void)state;
    enum { N = 200 };
    static struct item it[N];
    struct rbtree t;
    rbtree_init_summed(&t, NULL, sum_weights);
    srand(99);
    int next_key = 0;
    for (int i = 0; i < N; i++)
        it[i] = (struct item){.id = i, .weight = 1 + (unsigned)rand() % 200};
    for (int step = 0; step < 6000; step++) {
        int i = rand() % N;
        if (!it[i].in) {
            it[i].key = next_key++; /* (only for the check: the tree compares nothing) */
            rbtree_insert_last(&t, &it[i].node);
            it[i].in = 1;
        } else {
            rbtree_remove(&t, &it[i].node);
            it[i].in = 0;
        }
        unsigned total = check_sums(t.root);
        if (step % 97 == 0)
            check_tree(&t); /* the colours and heights too, and the arrival order */
        if (!total || step % 11)
            continue;
        unsigned x = (unsigned)rand() % total;
        unsigned walk = x;
        struct rb_node *want = NULL;
        for (struct rb_node *n = rbtree_first(&t); n && !want; n = rbtree_next(n)) {
            if (walk < ITEM(n)->weight)
                want = n;
            else
                walk -= ITEM(n)->weight;
        }
        assert_ptr_equal(find_by_sum(&t, x), want);
    }
    check_tree(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_pops_in_order),
        cmocka_unit_test(test_equal_keys_first_in_first_out),
        cmocka_unit_test(test_remove_each_kind_of_node),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_worst_case_is_logarithmic),
        cmocka_unit_test(test_summed_tree),
    };
    return cmocka_run_group_tests_name("rbtree", tests, NULL, NULL);
}
