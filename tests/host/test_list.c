/*
 * test_list.c - one test per list operation, before/after shapes in comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/list.h"

struct item {
    int v;
    struct list_node node;
};

static int value_at(struct list *l, size_t i)
{
    list_for_each(n, l) {
        if (i-- == 0)
            return list_entry(n, struct item, node)->v;
    }
    return -1;
}

static void test_init_is_empty(void **state)
{
    (void)state;
    struct list l;
    list_init(&l); /* [] */
    assert_true(list_empty(&l));
    assert_null(list_first(&l));
    assert_null(list_last(&l));
    assert_int_equal(list_size(&l), 0);
}

static void test_push_back(void **state)
{
    (void)state;
    struct list l;
    struct item a = {.v = 1}, b = {.v = 2};
    list_init(&l);
    list_push_back(&l, &a.node); /* [] -> [1] */
    list_push_back(&l, &b.node); /* [1] -> [1 2] */
    assert_int_equal(list_size(&l), 2);
    assert_int_equal(value_at(&l, 0), 1);
    assert_int_equal(value_at(&l, 1), 2);
    assert_ptr_equal(list_last(&l), &b.node);
}

static void test_push_front(void **state)
{
    (void)state;
    struct list l;
    struct item a = {.v = 1}, b = {.v = 2};
    list_init(&l);
    list_push_front(&l, &a.node); /* [] -> [1] */
    list_push_front(&l, &b.node); /* [1] -> [2 1] */
    assert_int_equal(value_at(&l, 0), 2);
    assert_int_equal(value_at(&l, 1), 1);
}

/* The three ways to take the first element: the node, or NULL once the
 * list is empty; the entry that holds it (its node is not at its start),
 * or NULL; and the node of a list known not to be empty. */
static void test_pop_front(void **state)
{
    (void)state;
    struct list l;
    struct item a = {.v = 1}, b = {.v = 2}, c = {.v = 3};
    list_init(&l);
    list_push_back(&l, &a.node);
    list_push_back(&l, &b.node);
    list_push_back(&l, &c.node);
    assert_ptr_equal(list_pop_front(&l), &a.node); /* [1 2 3] -> [2 3] */
    assert_false(list_node_linked(&a.node));
    assert_ptr_equal(list_pop_front_entry(&l, struct item, node), &b); /* [2 3] -> [3] */
    assert_false(list_node_linked(&b.node));
    assert_ptr_equal(list_entry(list_take_first(&l), struct item, node), &c); /* [3] -> [] */
    assert_null(list_pop_front(&l));                         /* [] -> [] */
    assert_null(list_pop_front_entry(&l, struct item, node)); /* [] -> [] */
    assert_true(list_empty(&l));
}

static void test_remove_middle(void **state)
{
    (void)state;
    struct list l;
    struct item a = {.v = 1}, b = {.v = 2}, c = {.v = 3};
    list_init(&l);
    list_push_back(&l, &a.node);
    list_push_back(&l, &b.node);
    list_push_back(&l, &c.node);
    list_remove(&b.node); /* [1 2 3] -> [1 3] */
    assert_int_equal(list_size(&l), 2);
    assert_int_equal(value_at(&l, 0), 1);
    assert_int_equal(value_at(&l, 1), 3);
    assert_false(list_node_linked(&b.node));
    assert_true(list_node_linked(&a.node));
}

static void test_insert_before(void **state)
{
    (void)state;
    struct list l;
    struct item a = {.v = 1}, b = {.v = 2}, c = {.v = 3};
    list_init(&l);
    list_push_back(&l, &a.node);
    list_push_back(&l, &c.node);
    list_insert_before(&c.node, &b.node); /* [1 3] -> [1 2 3] */
    assert_int_equal(value_at(&l, 1), 2);
    struct item d = {.v = 4};
    list_insert_before(&l.head, &d.node); /* before the sentinel: [1 2 3] -> [1 2 3 4] */
    assert_ptr_equal(list_last(&l), &d.node);
}

static void test_for_each_safe_removes(void **state)
{
    (void)state;
    struct list l;
    struct item it[4] = {{.v = 0}, {.v = 1}, {.v = 2}, {.v = 3}};
    list_init(&l);
    for (int i = 0; i < 4; i++)
        list_push_back(&l, &it[i].node);
    list_for_each_safe(n, &l) { /* [0 1 2 3] -> [1 3]: drop the even ones */
        if (list_entry(n, struct item, node)->v % 2 == 0)
            list_remove(n);
    }
    assert_int_equal(list_size(&l), 2);
    assert_int_equal(value_at(&l, 0), 1);
    assert_int_equal(value_at(&l, 1), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_is_empty),  cmocka_unit_test(test_push_back),
        cmocka_unit_test(test_push_front),     cmocka_unit_test(test_pop_front),
        cmocka_unit_test(test_remove_middle),  cmocka_unit_test(test_insert_before),
        cmocka_unit_test(test_for_each_safe_removes),
    };
    return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
