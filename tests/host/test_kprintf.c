/*
 * test_kprintf.c - the formatter, against what C's printf would print.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "lib/kprintf.h"

#define CHECK(expected, ...)                                   \
    do {                                                       \
        char buf[128];                                         \
        int n = ksnprintf(buf, sizeof buf, __VA_ARGS__);       \
        assert_string_equal(buf, expected);                    \
        assert_int_equal(n, (int)strlen(expected));            \
    } while (0)

/* For formats the compiler rightly rejects: no format attribute here. */
static void check_unchecked(const char *expected, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_string_equal(buf, expected);
}

static void test_integers(void **state)
{
    (void)state;
    CHECK("0", "%d", 0);
    CHECK("-42 42", "%d %i", -42, 42);
    CHECK("-2147483648", "%d", INT32_MIN);
    CHECK("4294967295", "%u", 4294967295u);
    CHECK("ff FF 17", "%x %X %o", 255, 255, 15);
    CHECK("+5 -5  5", "%+d %+d % d", 5, -5, 5);
    CHECK("-1 255", "%hhd %hhu", (signed char)-1, (unsigned char)255);
    CHECK("-1", "%hd", (short)-1);
    CHECK("1234567", "%ld", 1234567L);
    CHECK("%", "%%");
}

static void test_64_bit(void **state)
{
    (void)state;
    CHECK("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    CHECK("-9223372036854775808", "%lld", (long long)INT64_MIN);
    CHECK("123456789abcdef0", "%llx", 0x123456789abcdef0ull);
    CHECK("10000000000", "%llu", 10000000000ull);
    CHECK("42", "%zu", (size_t)42);
}

static void test_width_and_flags(void **state)
{
    (void)state;
    CHECK("   42", "%5d", 42);
    CHECK("42   |", "%-5d|", 42);
    CHECK("00042", "%05d", 42);
    CHECK("-0042", "%05d", -42);
    CHECK("0000beef", "%08x", 0xbeef);
    CHECK("  007", "%5.3d", 7);
    CHECK("   ab", "%*s", 5, "ab");
    CHECK("ab   |", "%-*s|", 5, "ab");
    CHECK("ab   |", "%*s|", -5, "ab");
    CHECK("  x", "%3c", 'x');
    /* A width is columns: a UTF-8 character's continuation bytes take none
     * (the French tables line up). */
    CHECK("PRÊTE    |", "%-9s|", "PRÊTE");
    CHECK("   élu|", "%6s|", "élu");
}

static void test_strings(void **state)
{
    (void)state;
    CHECK("hello", "%s", "hello");
    CHECK("hel", "%.3s", "hello");
    check_unchecked("(null)", "%s", (char *)NULL);
    CHECK("a-b", "%s-%s", "a", "b");
}

static void test_pointer(void **state)
{
    (void)state;
    char buf[64], expected[64];
    ksnprintf(buf, sizeof buf, "%p", (void *)0x1234);
    snprintf(expected, sizeof expected, "0x%0*lx", (int)(2 * sizeof(void *)), 0x1234ul);
    assert_string_equal(buf, expected);
}

static void test_unknown_conversion_is_visible(void **state)
{
    (void)state;
    check_unchecked("a%qb", "a%qb");
    check_unchecked("50%", "50%");
    /* The rest of the format is printed as is: the 7 is never read as %u. */
    check_unchecked("16 %#x then %u", "%u %#x then %u", 16u, 0x10, 7u);
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[6];
    int n = ksnprintf(buf, sizeof buf, "%s", "truncated");
    assert_string_equal(buf, "trunc");
    assert_int_equal(n, 9); /* like snprintf: the length it wanted */
    n = ksnprintf(buf, 0, "abc");
    assert_int_equal(n, 3);
}

static void test_kprintf_reaches_console(void **state)
{
    (void)state;
    fake_reset();
    /* Longer than kprintf's 64-byte chunk, to cross a flush. */
    int n = kprintf("task %s ran %u ticks; %s\n", "A", 5u,
                    "and this tail is long enough to need more than one chunk of output");
    assert_int_equal(n, (int)fake_console_len);
    assert_string_equal(fake_console,
                        "task A ran 5 ticks; and this tail is long enough to need more than one chunk of output\n");
    assert_true(fake_irq_enabled); /* interrupts restored */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),     cmocka_unit_test(test_64_bit),
        cmocka_unit_test(test_width_and_flags), cmocka_unit_test(test_strings),
        cmocka_unit_test(test_pointer),      cmocka_unit_test(test_unknown_conversion_is_visible),
        cmocka_unit_test(test_truncation),   cmocka_unit_test(test_kprintf_reaches_console),
    };
    return cmocka_run_group_tests_name("kprintf", tests, NULL, NULL);
}
