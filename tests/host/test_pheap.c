/*
 * test_pheap.c - the pairing heap against a sorted reference, under random
 * inserts, pops and removals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sched/pheap.h"

struct item {
    int key, id;
    struct pheap_node node;
    int in; /* in the heap */
};

static bool less(const struct pheap_node *a, const struct pheap_node *b)
{
    const struct item *x = (const struct item *)((const char *)a - offsetof(struct item, node));
    const struct item *y = (const struct item *)((const char *)b - offsetof(struct item, node));
    return x->key != y->key ? x->key < y->key : x->id < y->id;
}

#define ITEM(n) ((struct item *)((char *)(n) - offsetof(struct item, node)))

static void test_empty(void **state)
{
    (void)state;
    struct pheap h;
    pheap_init(&h, less);
    assert_null(pheap_min(&h));
    assert_null(pheap_pop(&h));
    assert_int_equal(h.size, 0);
}

static void test_pops_in_order(void **state)
{
    (void)state;
    struct pheap h;
    static const int keys[8] = {5, 3, 9, 3, 1, 7, 5, 0};
    struct item it[8];
    for (int i = 0; i < 8; i++)
        it[i] = (struct item){.key = keys[i], .id = i};
    pheap_init(&h, less);
    for (int i = 0; i < 8; i++)
        pheap_insert(&h, &it[i].node);
    int expect[8] = {7, 4, 1, 3, 0, 6, 5, 2}; /* by key, ties by id */
    for (int i = 0; i < 8; i++)
        assert_int_equal(ITEM(pheap_pop(&h))->id, expect[i]);
    assert_null(pheap_pop(&h));
}

static void test_remove_root_leaf_and_inner(void **state)
{
    (void)state;
    struct pheap h;
    struct item it[6];
    pheap_init(&h, less);
    for (int i = 0; i < 6; i++) {
        it[i] = (struct item){.key = i, .id = i};
        pheap_insert(&h, &it[i].node);
    }
    pheap_pop(&h); /* restructure so there are inner nodes */
    pheap_remove(&h, &it[3].node);
    pheap_remove(&h, &it[1].node); /* the root */
    pheap_remove(&h, &it[5].node);
    assert_int_equal(h.size, 2);
    assert_int_equal(ITEM(pheap_pop(&h))->id, 2);
    assert_int_equal(ITEM(pheap_pop(&h))->id, 4);
}

/* Random operations, checked against a linear scan for the minimum. */
static void test_random_against_reference(void **state)
{
    (void)state;
    enum { N = 300 };
    static struct item it[N];
    struct pheap h;
    pheap_init(&h, less);
    srand(12345);
    for (int i = 0; i < N; i++)
        it[i] = (struct item){.key = rand() % 50, .id = i};
    for (int step = 0; step < 20000; step++) {
        int i = rand() % N, op = rand() % 3;
        if (op == 0 && !it[i].in) {
            it[i].key = rand() % 50;
            pheap_insert(&h, &it[i].node);
            it[i].in = 1;
        } else if (op == 1 && it[i].in) {
            pheap_remove(&h, &it[i].node);
            it[i].in = 0;
        } else if (op == 2) {
            struct item *best = NULL;
            for (int k = 0; k < N; k++)
                if (it[k].in && (!best || less(&it[k].node, &best->node)))
                    best = &it[k];
            struct pheap_node *m = pheap_pop(&h);
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
        assert_int_equal(h.size, count);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_pops_in_order),
        cmocka_unit_test(test_remove_root_leaf_and_inner),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests_name("pheap", tests, NULL, NULL);
}
