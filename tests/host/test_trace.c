/*
 * test_trace.c - the trace keeps its own copies of names, and its JSON
 * export stays valid whatever the names hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "lib/kmem.h"
#include "lib/kstring.h"
#include "sched/sched.h"
#include "sched/task.h"
#include "sched/trace.h"

extern const struct sched_policy sched_rr;

static _Alignas(16) uint8_t heap[1 << 20];
static _Alignas(16) uint8_t idle_stack[4096];

static char json[1 << 18];
static size_t json_len;

static void capture(const char *s, size_t n)
{
    assert_true(json_len + n < sizeof json);
    memcpy(json + json_len, s, n);
    json_len += n;
    json[json_len] = '\0';
}

static int setup(void **state)
{
    (void)state;
    fake_reset();
    kmem_init(heap, sizeof heap);
    sched_init(&sched_rr, task_init_idle(idle_stack, sizeof idle_stack));
    trace_reset();
    json_len = 0;
    json[0] = '\0';
    return 0;
}

static void record(enum trace_type type, uint32_t task, const char *name)
{
    arch_irqstate_t s = arch_irq_save();
    trace_record(type, task, 0, 0, name);
    arch_irq_restore(s);
}

/* A name cut to fit is cut between characters, never inside one. */
static void test_copy_cuts_between_characters(void **state)
{
    (void)state;
    char out[8];
    kstrlcpy_utf8(out, "abcdefgh", sizeof out);
    assert_string_equal(out, "abcdefg");
    kstrlcpy_utf8(out, "abcdeé", sizeof out); /* é is two bytes: both fit */
    assert_string_equal(out, "abcdeé");
    kstrlcpy_utf8(out, "abcdefé", sizeof out); /* only its first byte would: it goes */
    assert_string_equal(out, "abcdef");
    kstrlcpy_utf8(out, "ab€€", sizeof out); /* € is three bytes: the second one goes whole */
    assert_string_equal(out, "ab€");
    kstrlcpy_utf8(out, NULL, sizeof out);
    assert_string_equal(out, "");
}

/* A block's object (here a joined task's name) may be freed before the
 * trace is read: the event keeps a copy. */
static void test_block_keeps_a_copy_of_the_name(void **state)
{
    (void)state;
    char *name = kmalloc(16);
    strcpy(name, "nap");
    record(TRACE_BLOCK, 5, name);
    strcpy(name, "\x10\xa0*");
    kfree(name);
    trace_export_json(capture);
    assert_non_null(strstr(json, "\"name\":\"block\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":5,"));
    assert_non_null(strstr(json, "\"on\":\"nap\"}}"));
}

/* Quotes, backslashes, control characters and broken UTF-8 in names come
 * out escaped: the export is valid JSON whatever a program is called. */
static void test_names_are_escaped(void **state)
{
    (void)state;
    record(TRACE_ARRIVE, 7, "q\"x\\y");
    record(TRACE_BLOCK, 7, "a\x01" "b\t\xff" "é");
    record(TRACE_CONTEND, 7, "\xe9t\xc3");
    trace_export_json(capture);
    assert_non_null(strstr(json, "\"tid\":7,\"args\":{\"name\":\"q\\\"x\\\\y\"}}"));
    assert_non_null(strstr(json, "\"on\":\"a\\u0001b\\u0009\\ufffdé\"}}"));
    assert_non_null(strstr(json, "\"on\":\"\\ufffdt\\ufffd\"}}"));
    for (const unsigned char *p = (const unsigned char *)json; *p; p++)
        if (*p < 0x20)
            assert_int_equal(*p, '\n'); /* no raw control character but the line ends */
}

/* Every task the export meets gets its track named once, however many
 * there are (there were names for the first 64 only). */
static void test_every_track_is_named_once(void **state)
{
    (void)state;
    char name[16];
    for (uint32_t id = 100; id < 400; id++) {
        snprintf(name, sizeof name, "t%u", (unsigned)id);
        record(TRACE_ARRIVE, id, name);
        record(TRACE_EXIT, id, NULL);
    }
    trace_export_json(capture);
    unsigned named = 0;
    for (const char *p = json; (p = strstr(p, "\"thread_name\"")) != NULL; p++)
        named++;
    assert_int_equal(named, 300);
    assert_non_null(strstr(json, "\"tid\":399,\"args\":{\"name\":\"t399\"}}"));
    assert_non_null(strstr(json, "\"tid\":100,\"args\":{\"name\":\"t100\"}}"));
    assert_string_equal(json + json_len - 4, "\n]}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_cuts_between_characters),
        cmocka_unit_test_setup(test_block_keeps_a_copy_of_the_name, setup),
        cmocka_unit_test_setup(test_names_are_escaped, setup),
        cmocka_unit_test_setup(test_every_track_is_named_once, setup),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
