/*
 * test_frames.c - page frames: all handed out once, zeroed, counted, given
 * back by their last reference; misuse panics with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "mm/frames.h"

static _Alignas(4096) uint8_t region[64 * 4096 + 100]; /* (a ragged end: only whole frames count) */

static int setup(void **state)
{
    (void)state;
    fake_reset();
    frames_init(region, sizeof region);
    return 0;
}

static void test_every_frame_once_then_none(void **state)
{
    (void)state;
    struct frames_stats st;
    frames_get_stats(&st);
    assert_true(st.total >= 60 && st.total < 64); /* 64 frames, less the one that holds the counts */
    assert_int_equal(st.free, st.total);
    static uintptr_t got[64];
    for (size_t i = 0; i < st.total; i++) {
        got[i] = frame_alloc();
        assert_int_not_equal(got[i], 0);
        assert_int_equal(got[i] % FRAME_SIZE, 0);
        assert_true(got[i] >= (uintptr_t)region && got[i] + FRAME_SIZE <= (uintptr_t)region + sizeof region);
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(got[i], got[j]);
        memset((void *)got[i], 0xab, FRAME_SIZE); /* dirty it: the next owner must not see this */
    }
    assert_int_equal(frame_alloc(), 0);
    frames_get_stats(&st);
    assert_int_equal(st.free, 0);
    for (size_t i = 0; i < st.total; i++)
        frame_put(got[i]);
    frames_get_stats(&st);
    assert_int_equal(st.free, st.total);
    uintptr_t f = frame_alloc();
    for (size_t i = 0; i < FRAME_SIZE; i++)
        assert_int_equal(((uint8_t *)f)[i], 0);
}

static void test_last_reference_frees(void **state)
{
    (void)state;
    struct frames_stats before, st;
    frames_get_stats(&before);
    uintptr_t f = frame_alloc();
    frame_get(f); /* mapped in a second address space */
    assert_int_equal(frame_refs(f), 2);
    frame_put(f);
    frames_get_stats(&st);
    assert_int_equal(st.free, before.free - 1);
    frame_put(f);
    assert_int_equal(frame_refs(f), 0);
    frames_get_stats(&st);
    assert_int_equal(st.free, before.free);
}

static void test_put_of_a_free_frame_panics(void **state)
{
    (void)state;
    uintptr_t f = frame_alloc();
    frame_put(f);
    expect_assert_failure(frame_put(f));
    assert_non_null(strstr(fake_panic_message, "already free"));
}

static void test_foreign_address_panics(void **state)
{
    (void)state;
    static int elsewhere;
    expect_assert_failure(frame_put((uintptr_t)&elsewhere));
    assert_non_null(strstr(fake_panic_message, "not a page frame"));
    expect_assert_failure(frame_get(frame_alloc() + 8));
    assert_non_null(strstr(fake_panic_message, "not a page frame"));
}

/* frames_fail_nth(3): the first two allocations work, the third says none
 * is left (and takes none), the fourth works again; the count of what was
 * still to come says whether the failure happened. */
static void test_fail_nth(void **state)
{
    (void)state;
    struct frames_stats before, st;
    frames_get_stats(&before);
    assert_int_equal(frames_fail_nth(3), 0);
    uintptr_t a = frame_alloc(), b = frame_alloc();
    assert_true(a && b);
    assert_int_equal(frame_alloc(), 0);
    frames_get_stats(&st);
    assert_int_equal(st.free, before.free - 2);
    uintptr_t c = frame_alloc();
    assert_int_not_equal(c, 0);
    assert_int_equal(frames_fail_nth(5), 0); /* (it failed: nothing was still to come) */
    frame_put(a);
    assert_int_equal(frames_fail_nth(0), 5); /* (a put is no allocation) */
    frame_put(b);
    frame_put(c);
    frames_get_stats(&st);
    assert_int_equal(st.free, before.free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_every_frame_once_then_none, setup),
        cmocka_unit_test_setup(test_last_reference_frees, setup),
        cmocka_unit_test_setup(test_put_of_a_free_frame_panics, setup),
        cmocka_unit_test_setup(test_foreign_address_panics, setup),
        cmocka_unit_test_setup(test_fail_nth, setup),
    };
    return cmocka_run_group_tests_name("frames", tests, NULL, NULL);
}
