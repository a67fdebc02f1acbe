/*
 * test_cmdline.c - parsing key=value words, and the message for each
 * kind of mistake.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"
#include "demo.h"
#include "fake.h"
#include "lib/lang.h"
#include "ktest.h"
#include "sched/sched.h"

/* What cmdline.c validates test= and run= against: registered as the
 * kernel's own are (kernel/demo.h, kernel/ktest.h). */
static void nothing(void) {}
static int nothing_main(void *arg) { (void)arg; return 0; }
KTEST_SUITE("x", NULL, NULL, {"preempt", nothing, false, "x"}, {"divzero", nothing, true, "x"});
DEMOS({"counters", nothing_main, "x"}, {"bench", nothing_main, "x"});

static int parse(const char *text)
{
    static char buf[256];
    strncpy(buf, text, sizeof buf - 1);
    fake_reset();
    cmdline_reset();
    return cmdline_parse(buf);
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse(""), 0);
    assert_int_equal(kconfig.hz, 100);
    assert_string_equal(kconfig.sched, "rr");
    assert_int_equal(sched_config.quantum, 1);
    assert_string_equal(kconfig.test, "");
    assert_string_equal(kconfig.run, "counters");
    assert_false(kconfig.exit);
    assert_false(kconfig.help);
    assert_int_equal(fake_console_len, 0);
}

static void test_all_valid_options(void **state)
{
    (void)state;
    assert_int_equal(parse("  hz=250\tsched=rr quantum=4 test=preempt run=bench exit=1 help  "), 0);
    assert_int_equal(kconfig.hz, 250);
    assert_int_equal(sched_config.quantum, 4);
    assert_string_equal(kconfig.test, "preempt");
    assert_string_equal(kconfig.run, "bench");
    assert_true(kconfig.exit);
    assert_true(kconfig.help);
    assert_string_equal(fake_console, "");
}

static void test_loader_path_is_skipped(void **state)
{
    (void)state;
    assert_int_equal(parse("/boot/tourniquet.elf hz=1000"), 0);
    assert_int_equal(kconfig.hz, 1000);
    assert_int_equal(parse("build/tourniquet.elf"), 0);
    assert_int_equal(parse("tq hz=200"), 0); /* (a name with no folder and no dot: still not an option) */
    assert_int_equal(kconfig.hz, 200);
    assert_int_equal(parse("/tmp/a=b/tourniquet.elf hz=300"), 0); /* (a folder with '=' in its name) */
    assert_int_equal(kconfig.hz, 300);
    assert_string_equal(fake_console, "");
    /* ...but only as the first word. */
    assert_int_equal(parse("hz=1000 /boot/tourniquet.elf"), 1);
    assert_int_equal(parse("x tq"), 1);
}

static void test_boundaries(void **state)
{
    (void)state;
    assert_int_equal(parse("hz=19 quantum=1000"), 0);
    assert_int_equal(kconfig.hz, 19);
    assert_int_equal(sched_config.quantum, 1000);
    assert_int_equal(parse("hz=10000 exit=on"), 0);
    assert_true(kconfig.exit);
    assert_int_equal(parse("exit=off"), 0);
    assert_false(kconfig.exit);
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_int_equal(parse("hz=5"), 1);
    assert_int_equal(kconfig.hz, 100);
    assert_string_equal(fake_console, "cmdline: hz=5 is out of range (valid: 19..10000); keeping hz=100\n");
    assert_int_equal(parse("quantum=0"), 1);
    assert_int_equal(sched_config.quantum, 1);
}

static void test_not_a_number(void **state)
{
    (void)state;
    assert_int_equal(parse("quantum=abc"), 1);
    assert_string_equal(fake_console,
                        "cmdline: quantum=abc is not a whole number (valid: 1..1000); keeping quantum=1\n");
    assert_int_equal(parse("hz="), 1);
    assert_int_equal(parse("hz=99999999999"), 1);
    assert_string_equal(fake_console,
                        "cmdline: hz=99999999999 is out of range (valid: 19..10000); keeping hz=100\n");
    assert_int_equal(parse("hz=-5"), 1);
    assert_int_equal(kconfig.hz, 100);
    /* No key at all: said so, not "unknown option ''". */
    assert_int_equal(parse("=5"), 1);
    assert_non_null(strstr(fake_console, "cmdline: '=5' has no key before its '=' (valid keys: hz, "));
}

static void test_bad_choice_lists_the_valid_ones(void **state)
{
    (void)state;
    assert_int_equal(parse("sched=nope"), 1);
    char expected[256] = "cmdline: sched=nope is not one of the choices (valid: ";
    for (unsigned i = 0; sched_policies[i]; i++)
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s", i ? ", " : "",
                 sched_policies[i]->name);
    strncat(expected, "); keeping sched=rr\n", sizeof expected - strlen(expected) - 1);
    assert_string_equal(fake_console, expected);
    assert_non_null(strstr(fake_console, "rr, fifo, sjf, srt, prio, mlfq, lottery, stride, fair"));
    assert_int_equal(parse("test=bogus"), 1);
    assert_string_equal(fake_console, "cmdline: test=bogus is not one of the choices "
                                      "(valid: all, preempt, divzero); keeping test=\n");
    assert_int_equal(parse("run=x"), 1);
    assert_string_equal(kconfig.run, "counters");
    assert_int_equal(parse("exit=maybe"), 1);
    assert_non_null(strstr(fake_console, "(valid: 0, 1, off, on)"));
}

static void test_unknown_key_and_bare_word(void **state)
{
    (void)state;
    assert_int_equal(parse("colour=red"), 1);
    assert_string_equal(fake_console, "cmdline: unknown option 'colour' "
                                      "(valid: hz, slow, jitter, sched, quantum, aging, boost, trace, pi, lockdep, seed, workload, test, run, exit, cpus, rq, lang, help); ignored\n");
    assert_int_equal(parse("hz=200 oops"), 1);
    assert_non_null(strstr(fake_console, "cmdline: 'oops' is not key=value"));
    assert_int_equal(kconfig.hz, 200); /* the good word still counts */
}

/* lang=fr speaks French about the whole line, the words before it too;
 * an invalid lang= leaves English, and is said. */
static void test_lang_first(void **state)
{
    (void)state;
    assert_int_equal(parse("colour=red hz=99999 lang=fr"), 2);
    assert_string_equal(kernel_lang, "fr");
    assert_non_null(strstr(fake_console, "cmdline: option inconnue 'colour'"));
    assert_non_null(strstr(fake_console, "hz=99999 est hors limites"));
    assert_null(strstr(fake_console, "unknown option"));
    assert_int_equal(parse("lang=fr colour=red lang=en"), 2); /* the last one counts, and that is said */
    assert_string_equal(kernel_lang, "en");
    assert_non_null(strstr(fake_console, "cmdline: unknown option 'colour'"));
    assert_int_equal(parse("colour=red lang=fre lang=frx lang="), 6); /* 1 + 3 refused + 2 twice */
    assert_string_equal(kernel_lang, "en");
    assert_non_null(strstr(fake_console, "cmdline: unknown option 'colour'"));
    assert_non_null(strstr(fake_console, "lang=fre is not one of the choices"));
    parse(""); /* (English again, for the tests after) */
}

static void test_workload_option(void **state)
{
    (void)state;
    assert_int_equal(parse("workload=exercise"), 0);
    assert_string_equal(kconfig.workload, "exercise");
    assert_int_equal(parse("workload=A:0:5,B:1:3:2"), 0);
    assert_string_equal(kconfig.workload, "A:0:5,B:1:3:2");
    assert_int_equal(parse("workload=random seed=7 aging=0 boost=20"), 0);
    assert_int_equal(sched_config.seed, 7);
    assert_int_equal(sched_config.aging, 0);
    assert_int_equal(sched_config.boost, 20);
    assert_int_equal(parse("workload=A:0"), 1);
    assert_string_equal(kconfig.workload, "course");
    assert_non_null(strstr(fake_console, "cmdline: workload=A:0: task 1: the burst is missing"));
    assert_non_null(strstr(fake_console, "; keeping workload=course\n"));
}

static void test_help_with_a_value(void **state)
{
    (void)state;
    assert_int_equal(parse("help=1"), 1);
    assert_true(kconfig.help);
    assert_string_equal(fake_console, "cmdline: help takes no value: write just 'help' (help=1 ignored)\n");
}

static void test_several_problems_each_reported(void **state)
{
    (void)state;
    assert_int_equal(parse("hz=1 quantum=x sched=y z=1 test=all"), 4);
    assert_string_equal(kconfig.test, "all");
    int lines = 0;
    for (const char *p = fake_console; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
}

static void test_help_lists_every_option(void **state)
{
    (void)state;
    parse("");
    fake_reset();
    cmdline_help();
    const char *keys[] = {"hz", "jitter", "sched", "quantum", "aging", "boost", "trace", "pi", "lockdep", "seed", "workload", "test", "run", "exit", "cpus", "rq", "help"};
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char needle[16];
        snprintf(needle, sizeof needle, "\n  %s ", keys[i]);
        assert_non_null(strstr(fake_console, needle));
    }
}

/* A key given twice: the last value counts, and the kernel says so. */
static void test_a_key_given_twice_is_reported(void **state)
{
    (void)state;
    assert_int_equal(parse("sched=fifo quantum=2 sched=srt"), 1);
    assert_string_equal(kconfig.sched, "srt");
    assert_non_null(strstr(fake_console, "cmdline: sched given twice (sched=fifo, then sched=srt): the last one counts"));
}

/* Bytes that are not printable reach the console escaped, never raw. */
static void test_control_bytes_are_escaped(void **state)
{
    (void)state;
    assert_int_equal(parse("ba\x1b[2Jd=1 hz=\x07"), 2);
    assert_non_null(strstr(fake_console, "unknown option 'ba\\x1b[2Jd'"));
    assert_non_null(strstr(fake_console, "cmdline: hz=\\x07 is not a whole number"));
    assert_null(strchr(fake_console, '\x1b'));
    assert_null(strchr(fake_console, '\x07'));
}

/* A workload error names the field that is wrong: here the arrival. */
static void test_workload_error_names_the_field(void **state)
{
    (void)state;
    assert_int_equal(parse("workload=A:0x1:5"), 1);
    assert_non_null(strstr(fake_console, "task 1: the arrival tick is not a number"));
    assert_int_equal(parse("workload=A:1:5x"), 1);
    assert_non_null(strstr(fake_console, "task 1: the burst is not a number"));
    assert_int_equal(parse("workload=A:1.5:3"), 1); /* (a decimal point: that field, not the next) */
    assert_non_null(strstr(fake_console, "task 1: the arrival tick is not a number"));
    assert_int_equal(parse("workload=A:0:2.5"), 1);
    assert_non_null(strstr(fake_console, "task 1: the burst is not a number"));
    assert_non_null(strstr(fake_console, "or one of: course, exercise, mixed, random)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_valid_options),
        cmocka_unit_test(test_loader_path_is_skipped),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_not_a_number),
        cmocka_unit_test(test_bad_choice_lists_the_valid_ones),
        cmocka_unit_test(test_unknown_key_and_bare_word),
        cmocka_unit_test(test_help_with_a_value),
        cmocka_unit_test(test_lang_first),
        cmocka_unit_test(test_workload_option),
        cmocka_unit_test(test_several_problems_each_reported),
        cmocka_unit_test(test_help_lists_every_option),
        cmocka_unit_test(test_a_key_given_twice_is_reported),
        cmocka_unit_test(test_control_bytes_are_escaped),
        cmocka_unit_test(test_workload_error_names_the_field),
    };
    return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
