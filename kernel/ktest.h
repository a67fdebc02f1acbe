/*
 * ktest.h - in-kernel tests that report in KTAP, the Linux kernel's format.
 *
 *   KTAP version 1
 *   1..2
 *   # sleep: diagnostic lines start with '#'
 *   ok 1 sleep
 *   not ok 2 join
 *
 * A test is a function that runs in a task of its own (it may create, join,
 * sleep and block) and checks what it sees with KT_EXPECT. The tests live in
 * tests/kernel/; each file registers its own as a suite with KTEST_SUITE()
 * (below): a set-up run before each of them and a tear-down after it.
 * `test=NAME` runs one, `test=all` all those that do not end the kernel on
 * purpose, in registration order.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdbool.h>

struct ktest {
    const char *name;
    void (*fn)(void);
    bool solo;           /* ends the kernel (an expected panic): not in "all" */
    const char *summary; /* one line: what it shows */
};

/* A suite: tests that share a set-up, run before each of them, and a
 * tear-down, run after each (either may be NULL). The tear-down may check
 * what a test must leave as it found it, with KT_EXPECT: a failure there
 * is the test's. */
struct ktest_suite {
    const char *name;
    void (*setup)(void);
    void (*teardown)(void);
    const struct ktest *tests;
    unsigned n;
};

/* A file registers its suite, its tests in the order given, with
 *     KTEST_SUITE("name", setup, teardown, {"name", fn, solo, "what it shows"}, ...);
 * at file scope: as DEMOS() (kernel/demo.h), into the linker section
 * tq_ktests, the files in link order (the Makefile's KTEST_SRC). */
#define KTEST_SUITE(name_, setup_, teardown_, ...)                                                            \
    static const struct ktest tq_suite_tests[] = {__VA_ARGS__};                                               \
    static const struct ktest_suite tq_suite_here __attribute__((used, section("tq_ktests"),                  \
                                                                 aligned(sizeof(void *)))) = {                \
        name_, setup_, teardown_, tq_suite_tests, sizeof tq_suite_tests / sizeof tq_suite_tests[0]}

/* The valid values of test=: "all", then every test's name; NULL past the end. */
const char *ktest_name(unsigned i);

/* Record a failure in the running test and print it as a KTAP diagnostic.
 * The test goes on (so one run shows every broken expectation). */
__attribute__((format(printf, 3, 4))) void ktest_fail(const char *file, int line, const char *fmt, ...);

/* The running test cannot be made here (what it needs is missing: a user
 * program without the boot's modules, in the browser): it returns, and its
 * line says "ok N name # SKIP reason". */
void ktest_skip(const char *reason);

#define KT_EXPECT(cond, ...)                                                          \
    do {                                                                              \
        if (!(cond))                                                                  \
            ktest_fail(__FILE__, __LINE__, "expected " #cond ": " __VA_ARGS__);       \
    } while (0)

/* Expect two integers to be equal; a failure prints both expressions and
 * both values ("expected task_join(t) == 42: 7 != 42"). */
#define KT_EXPECT_EQ(a, b)                                                                              \
    do {                                                                                                \
        long long kt_a_ = (long long)(a), kt_b_ = (long long)(b);                                       \
        if (kt_a_ != kt_b_)                                                                             \
            ktest_fail(__FILE__, __LINE__, "expected %s == %s: %lld != %lld", #a, #b, kt_a_, kt_b_); \
    } while (0)

/* KTAP for demos: a plan, then one result line per check (figures go on
 * "# key=value" lines after it). ktap_result returns 1 if not ok, 0 if ok,
 * to add up failures. */
void ktap_plan(unsigned n);
int ktap_result(bool ok, const char *name);
/* A check that could not be made here: "ok N name # SKIP reason". */
void ktap_skip(const char *name, const char *reason);

/* Run test `name` (or "all") and print KTAP. Returns the number of tests that
 * failed. Called in a task (see kernel/main.c). */
int ktest_run(const char *name);

#endif /* KERNEL_KTEST_H */
