/*
 * test_bundle.c - boot_unbundle: the programs of a bundle take its place
 * among the boot modules, in order, named; a broken bundle is told and
 * left out; modules that are no bundle stay as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "proc/bundle.h"

static _Alignas(16) uint8_t file[4096];

/* A bundle in file[] of the programs named in names[] (NULL-ended), each of
 * size sizes[i] filled with the byte 'a' + i; returns its length. */
static size_t make(const char *const names[], const uint32_t sizes[], uint32_t count)
{
    memset(file, 0, sizeof file);
    memcpy(file, BUNDLE_MAGIC, 8);
    uint32_t version = BUNDLE_VERSION;
    memcpy(file + 8, &version, 4);
    memcpy(file + 12, &count, 4);
    size_t at = 16;
    for (unsigned i = 0; names[i]; i++) {
        strcpy((char *)file + at, names[i]);
        memcpy(file + at + BOOT_MODULE_NAME_MAX, &sizes[i], 4);
        at += 48;
        memset(file + at, 'a' + (int)i, sizes[i]);
        at += (sizes[i] + 15u) & ~15u;
    }
    return at;
}

static struct boot_info bi;

static void module(unsigned i, uintptr_t start, size_t size, const char *name)
{
    bi.modules[i] = (struct boot_module){.start = start, .end = start + size};
    strcpy(bi.modules[i].name, name);
    bi.nmodules = i + 1;
}

static void test_programs_take_its_place(void **state)
{
    (void)state;
    static const uint8_t other[100];
    const char *names[] = {"hello", "victim", NULL};
    size_t n = make(names, (const uint32_t[]){100, 33}, 2);
    fake_console_reset();
    module(0, (uintptr_t)other, sizeof other, "before");
    module(1, (uintptr_t)file, n, "module");
    module(2, (uintptr_t)other, 10, "after");
    boot_unbundle(&bi);
    assert_int_equal(bi.nmodules, 4);
    assert_string_equal(bi.modules[0].name, "before");
    assert_string_equal(bi.modules[1].name, "hello");
    assert_string_equal(bi.modules[2].name, "victim");
    assert_string_equal(bi.modules[3].name, "after");
    assert_int_equal(bi.modules[1].start, (uintptr_t)file + 64);
    assert_int_equal(bi.modules[1].end - bi.modules[1].start, 100);
    assert_int_equal(bi.modules[2].start, (uintptr_t)file + 64 + 112 + 48); /* (100 padded to 112) */
    assert_int_equal(bi.modules[2].end - bi.modules[2].start, 33);
    assert_int_equal(*(uint8_t *)bi.modules[2].start, 'b');
    assert_int_equal(bi.modules[3].end - bi.modules[3].start, 10);
    assert_int_equal(fake_console_len, 0); /* (nothing to say) */
}

/* The last program's padding may be missing: nothing follows it. */
static void test_last_padding_may_be_cut(void **state)
{
    (void)state;
    const char *names[] = {"one", NULL};
    size_t n = make(names, (const uint32_t[]){5}, 1);
    module(0, (uintptr_t)file, n - 11, "module");
    boot_unbundle(&bi);
    assert_int_equal(bi.nmodules, 1);
    assert_string_equal(bi.modules[0].name, "one");
}

static void expect_broken(size_t len, const char *why)
{
    fake_console_reset();
    module(0, (uintptr_t)file, len, "module");
    boot_unbundle(&bi);
    assert_int_equal(bi.nmodules, 0);
    assert_non_null(strstr(fake_console, "boot: module 1 ('module') is a broken bundle of programs: "));
    assert_non_null(strstr(fake_console, why));
}

static void test_broken_bundles_are_told(void **state)
{
    (void)state;
    const char *names[] = {"hello", "victim", NULL};
    size_t n = make(names, (const uint32_t[]){100, 33}, 2);
    expect_broken(n - 20, "a program's size goes past its end");
    expect_broken(16 + 48 + 112 + 20, "it ends inside a program's header");
    make(names, (const uint32_t[]){100, 33}, 3); /* (a third is announced) */
    expect_broken(n, "it ends inside a program's header");
    make(names, (const uint32_t[]){100, 33}, 2);
    file[16] = '\0'; /* (no name) */
    expect_broken(n, "a program without a name");
    make(names, (const uint32_t[]){100, 33}, 2);
    memset(file + 16, 'x', BOOT_MODULE_NAME_MAX); /* (a name that does not end) */
    expect_broken(n, "one that does not end");
    make(names, (const uint32_t[]){100, 33}, 2);
    file[8] = 2;
    expect_broken(n, "a version this kernel does not read");
}

static void test_too_many_are_told(void **state)
{
    (void)state;
    const char *names[BOOT_MAX_MODULES + 3] = {0};
    uint32_t sizes[BOOT_MAX_MODULES + 2];
    static char name[BOOT_MAX_MODULES + 2][8];
    for (unsigned i = 0; i < BOOT_MAX_MODULES + 2; i++) {
        snprintf(name[i], sizeof name[i], "p%u", i);
        names[i] = name[i];
        sizes[i] = 16;
    }
    size_t n = make(names, sizes, BOOT_MAX_MODULES + 2);
    fake_console_reset();
    module(0, (uintptr_t)file, n, "module");
    boot_unbundle(&bi);
    assert_int_equal(bi.nmodules, BOOT_MAX_MODULES);
    assert_string_equal(bi.modules[BOOT_MAX_MODULES - 1].name, "p31");
    assert_non_null(strstr(fake_console, "boot: 2 program(s) more than the 32 this kernel keeps; left out"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_programs_take_its_place),
        cmocka_unit_test(test_last_padding_may_be_cut),
        cmocka_unit_test(test_broken_bundles_are_told),
        cmocka_unit_test(test_too_many_are_told),
    };
    return cmocka_run_group_tests_name("bundle", tests, NULL, NULL);
}
