/*
 * test_kmem.c - the heap: alignment, reuse, merging, best fit, exhaustion,
 * misuse, and random use against the bytes each block holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "lib/kmem.h"

static _Alignas(16) uint8_t heap[64 * 1024];

static int setup(void **state)
{
    (void)state;
    fake_reset();
    kmem_init(heap, sizeof heap);
    return 0;
}

static void test_alignment_and_zeroing(void **state)
{
    (void)state;
    for (size_t n = 1; n < 100; n += 7) {
        void *p = kmalloc(n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
    }
    uint8_t *z = kzalloc(256);
    for (int i = 0; i < 256; i++)
        assert_int_equal(z[i], 0);
}

static void test_distinct_blocks(void **state)
{
    (void)state;
    char *a = kmalloc(100), *b = kmalloc(100);
    memset(a, 'a', 100);
    memset(b, 'b', 100);
    assert_true(a + 100 <= b || b + 100 <= a);
    assert_int_equal(a[99], 'a');
}

static void test_free_merges_back_to_one_block(void **state)
{
    (void)state;
    struct kmem_stats s0, s1;
    kmem_get_stats(&s0);
    void *p[10];
    for (int i = 0; i < 10; i++)
        p[i] = kmalloc(1000);
    /* Free in an order that needs merging on both sides. */
    int order[10] = {1, 3, 5, 7, 9, 0, 2, 4, 6, 8};
    for (int i = 0; i < 10; i++)
        kfree(p[order[i]]);
    kmem_get_stats(&s1);
    assert_int_equal(s1.free, s0.free);
    assert_int_equal(s1.free_blocks, 1);
    assert_int_equal(s1.used_blocks, 0);
}

/* Page-aligned blocks among odd-sized ones (kernel stacks' pages): each
 * aligned, apart, and the gaps they leave before them merge back. */
static void test_aligned_blocks(void **state)
{
    (void)state;
    struct kmem_stats s0, s1;
    kmem_get_stats(&s0);
    void *p[12];
    for (int i = 0; i < 12; i++) {
        p[i] = i % 2 ? kmalloc_aligned(4096, 4096) : kmalloc(24 + 40 * (size_t)i);
        assert_non_null(p[i]);
        if (i % 2)
            assert_int_equal((uintptr_t)p[i] % 4096, 0);
        memset(p[i], i, i % 2 ? 4096 : 24 + 40 * (size_t)i);
    }
    for (int i = 0; i < 12; i++)
        assert_int_equal(((uint8_t *)p[i])[0], i);
    for (int i = 11; i >= 0; i -= 2)
        kfree(p[i]);
    for (int i = 0; i < 12; i += 2)
        kfree(p[i]);
    kmem_get_stats(&s1);
    assert_int_equal(s1.free, s0.free);
    assert_int_equal(s1.free_blocks, 1);
    assert_int_equal(s1.used_blocks, 0);
    assert_null(kmalloc_aligned(sizeof heap, 4096));
}

static void test_exhaustion_returns_null(void **state)
{
    (void)state;
    assert_null(kmalloc(sizeof heap));
    assert_null(kmalloc(0));
    void *big = kmalloc(sizeof heap / 2);
    assert_non_null(big);
    assert_null(kmalloc(sizeof heap / 2));
    kfree(big);
    assert_non_null(kmalloc(sizeof heap / 2));
}

static void test_reuse_after_free(void **state)
{
    (void)state;
    void *a = kmalloc(500);
    kfree(a);
    assert_ptr_equal(kmalloc(500), a); /* merged back into the free tail, and taken from its start */
}

/* Best fit: of the free holes big enough, the smallest is taken, wherever
 * it is (first fit would take the first one by address). */
static void test_best_fit(void **state)
{
    (void)state;
    void *hole1000 = kmalloc(1000), *k1 = kmalloc(16), *hole300 = kmalloc(300), *k2 = kmalloc(16),
         *hole600 = kmalloc(600), *k3 = kmalloc(16);
    assert_true(k1 && k2 && k3);
    kfree(hole1000);
    kfree(hole300);
    kfree(hole600);
    assert_ptr_equal(kmalloc(250), hole300);
    assert_ptr_equal(kmalloc(500), hole600);
    assert_ptr_equal(kmalloc(900), hole1000);
}

/* Random kmalloc, kmalloc_aligned and kfree: every live block keeps its
 * bytes (no two overlap), the figures add up, and all of it freed is one
 * block again. */
static void test_random_use(void **state)
{
    (void)state;
    enum { SLOTS = 64 };
    struct {
        uint8_t *p;
        size_t n;
    } live[SLOTS] = {{0}};
    struct kmem_stats s0, s1;
    kmem_get_stats(&s0);
    srand(2026);
    for (int step = 0; step < 20000; step++) {
        int i = rand() % SLOTS;
        if (live[i].p) {
            for (size_t k = 0; k < live[i].n; k++)
                assert_int_equal(live[i].p[k], (uint8_t)(i * 7 + k));
            kfree(live[i].p);
            live[i].p = NULL;
            continue;
        }
        size_t n = 1 + (size_t)rand() % 700;
        bool aligned = rand() % 8 == 0;
        uint8_t *p = aligned ? kmalloc_aligned(n, 256) : kmalloc(n);
        if (!p)
            continue; /* full for now */
        if (aligned)
            assert_int_equal((uintptr_t)p % 256, 0);
        for (size_t k = 0; k < n; k++)
            p[k] = (uint8_t)(i * 7 + k);
        live[i].p = p;
        live[i].n = n;
        if (step % 101 == 0) {
            kmem_get_stats(&s1);
            assert_true(s1.free < s0.free);
            assert_true(s1.free_blocks >= 1);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        kfree(live[i].p);
    kmem_get_stats(&s1);
    assert_int_equal(s1.free, s0.free);
    assert_int_equal(s1.free_blocks, 1);
    assert_int_equal(s1.used_blocks, 0);
}

static void test_double_free_panics(void **state)
{
    (void)state;
    void *a = kmalloc(64);
    kmalloc(64); /* keep a from merging with the free tail */
    kfree(a);
    expect_assert_failure(kfree(a));
    assert_non_null(strstr(fake_panic_message, "freed twice"));
}

static void test_foreign_pointer_panics(void **state)
{
    (void)state;
    static int not_heap;
    expect_assert_failure(kfree(&not_heap));
    assert_non_null(strstr(fake_panic_message, "not a pointer from kmalloc"));
}

/* kmem_fail_nth(2): the first kmalloc works, the second says the heap is
 * full (and takes nothing), the third works again; kzalloc and the
 * aligned kind count as kmallocs too. */
static void test_fail_nth(void **state)
{
    (void)state;
    struct kmem_stats before, st;
    kmem_get_stats(&before);
    assert_int_equal(kmem_fail_nth(2), 0);
    void *a = kmalloc(100);
    assert_non_null(a);
    assert_null(kzalloc(100));
    kmem_get_stats(&st);
    assert_int_equal(st.used_blocks, before.used_blocks + 1);
    void *b = kmalloc_aligned(100, 64);
    assert_non_null(b);
    assert_int_equal(kmem_fail_nth(1), 0);
    assert_null(kmalloc_aligned(100, 64));
    assert_int_equal(kmem_fail_nth(3), 0); /* (it failed: nothing was still to come) */
    kfree(a);
    assert_int_equal(kmem_fail_nth(0), 3); /* (a kfree is no allocation) */
    kfree(b);
    kmem_get_stats(&st);
    assert_int_equal(st.used_blocks, before.used_blocks);
    assert_int_equal(st.free, before.free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_alignment_and_zeroing, setup),
        cmocka_unit_test_setup(test_distinct_blocks, setup),
        cmocka_unit_test_setup(test_free_merges_back_to_one_block, setup),
        cmocka_unit_test_setup(test_aligned_blocks, setup),
        cmocka_unit_test_setup(test_exhaustion_returns_null, setup),
        cmocka_unit_test_setup(test_reuse_after_free, setup),
        cmocka_unit_test_setup(test_best_fit, setup),
        cmocka_unit_test_setup(test_random_use, setup),
        cmocka_unit_test_setup(test_double_free_panics, setup),
        cmocka_unit_test_setup(test_foreign_pointer_panics, setup),
        cmocka_unit_test_setup(test_fail_nth, setup),
    };
    return cmocka_run_group_tests_name("kmem", tests, NULL, NULL);
}
