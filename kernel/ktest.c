/*
 * ktest.c - run in-kernel tests and report them in KTAP.
 */
#include "ktest.h"
#include "lib/kstring.h"

#include <stdarg.h>
#include <stddef.h>

#include "lib/kprintf.h"

static int current_failures; /* failures recorded by the running test */
static const char *current_skip; /* ktest_skip's reason, for the running test */

/* Every file's KTEST_SUITE(), as the linker gathered them (see kernel/demo.c). */
extern const struct ktest_suite __start_tq_ktests[] __attribute__((weak));
extern const struct ktest_suite __stop_tq_ktests[] __attribute__((weak));
static unsigned nr_suites(void) { return __start_tq_ktests ? (unsigned)(__stop_tq_ktests - __start_tq_ktests) : 0; }
#define for_each_test(s, t)                                                                        \
    for (const struct ktest_suite *s = __start_tq_ktests; s && s < __start_tq_ktests + nr_suites(); s++) \
        for (const struct ktest *t = s->tests; t < s->tests + s->n; t++)

const char *ktest_name(unsigned i)
{
    if (i == 0)
        return "all";
    unsigned k = 1;
    for_each_test(s, t) if (k++ == i) return t->name;
    return NULL;
}

void ktest_skip(const char *reason) { current_skip = reason; }

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
    current_failures++;
    va_list ap;
    va_start(ap, fmt);
    char msg[200];
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kprintf("# FAIL %s:%d: %s\n", file, line, msg);
}

static unsigned ktap_number;

void ktap_plan(unsigned n)
{
    ktap_number = 0;
    kprintf("KTAP version 1\n1..%u\n", n);
}

int ktap_result(bool ok, const char *name)
{
    kprintf("%s %u %s\n", ok ? "ok" : "not ok", ++ktap_number, name);
    return ok ? 0 : 1;
}

void ktap_skip(const char *name, const char *reason)
{
    kprintf("ok %u %s # SKIP %s\n", ++ktap_number, name, reason);
}

static bool selected(const struct ktest *t, const char *name)
{
    return kstreq(t->name, name) || (!t->solo && kstreq(name, "all"));
}

int ktest_run(const char *name)
{
    unsigned planned = 0;
    for_each_test(s, t) planned += selected(t, name);

    kprintf("KTAP version 1\n1..%u\n", planned);
    int failed = 0;
    unsigned n = 0;
    for_each_test(s, t) {
        if (!selected(t, name))
            continue;
        kprintf("# %s: %s\n", t->name, t->summary);
        current_failures = 0;
        current_skip = NULL;
        if (s->setup)
            s->setup();
        t->fn();
        if (s->teardown)
            s->teardown(); /* (its checks count as the test's) */
        n++;
        if (current_skip && !current_failures)
            kprintf("ok %u %s # SKIP %s\n", n, t->name, current_skip);
        else
            kprintf("%s %u %s\n", current_failures ? "not ok" : "ok", n, t->name);
        failed += current_failures != 0;
    }
    kprintf("# %u tests, %d failed\n", n, failed);
    return failed;
}
