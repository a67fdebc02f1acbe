/*
 * test_policies.c - one conformance suite, run over every registered policy
 * (as Zephyr runs one scheduler suite per run-queue backend), and the
 * course's exact answers.
 *
 * Workloads run through the kernel's own workload_run(), with the fake arch
 * making time pass while the runner waits (tests/host/fake/fake.c).
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
#include "sched/sched.h"
#include "sched/task.h"
#include "sched/workload.h"

static _Alignas(16) uint8_t heap[2 << 20];
static _Alignas(16) uint8_t idle_stack[4096];
static struct workload_run run;
static char cpu[WL_MAX_TICKS + 1]; /* the CPU row of the Gantt chart: "AABB.C" */

static int nothing(void *arg)
{
    (void)arg;
    return 0;
}

/* A fresh kernel under `p`, with a runner task on the CPU. */
static void boot(const struct sched_policy *p)
{
    fake_reset();
    kmem_init(heap, sizeof heap);
    sched_config = (struct sched_config){.quantum = 1, .aging = 10, .boost = 50, .seed = 1};
    sched_init(p, task_init_idle(idle_stack, sizeof idle_stack));
    fake_tick_while_blocked = true;
    task_create("runner", nothing, NULL);
}

static int setup(void **state)
{
    boot(*state);
    return 0;
}

static void parse(const char *spec, struct workload *w)
{
    char err[200];
    if (!workload_parse(spec, w, err, sizeof err))
        fail_msg("workload %s: %s", spec, err);
}

/* Run a workload; fill `cpu` with one letter per tick ('.' idle). */
static const char *run_spec(const char *spec)
{
    static struct workload w;
    parse(spec, &w);
    assert_true(workload_run(&run, &w));
    uint32_t n = run.length;
    for (uint32_t c = 0; c < n; c++)
        cpu[c] = run.gantt[0][c] == WL_IDLE ? '.' : w.task[run.gantt[0][c]].name[0];
    cpu[n] = '\0';
    return cpu;
}

/* The same, writing the level each tick ran at ('.' idle) into `out`. */
static void run_spec_levels(const char *spec, char *out, size_t size)
{
    run_spec(spec);
    uint32_t n = run.length < size - 1 ? run.length : (uint32_t)size - 1;
    for (uint32_t c = 0; c < n; c++)
        out[c] = run.gantt[0][c] == WL_IDLE ? '.' : (char)('0' + run.level[0][c]);
    out[n] = '\0';
}

/* ---- Conformance: the same checks for every policy ----------------------- */

/* Every task gets exactly its burst, completes once, and the CPU idles only
 * when no task that has arrived is unfinished (CPU-bound workloads). */
static void test_nothing_lost_idle_only_when_empty(void **state)
{
    const struct sched_policy *p = *state;
    uint32_t seed = 42;
    for (unsigned k = 0; k < 40; k++) {
        static struct workload w;
        workload_random(&w, &seed, k);
        for (unsigned i = 0; i < w.n; i++)
            w.task[i].cpu_phase = w.task[i].io_ticks = 0; /* CPU-bound */
        assert_true(workload_run(&run, &w));
        assert_int_equal(run.done, w.n);
        uint32_t got[WL_MAX_TASKS] = {0}, total = 0;
        for (uint32_t c = 0; c < run.length; c++) {
            if (run.gantt[0][c] != WL_IDLE) {
                got[run.gantt[0][c]]++;
                total++;
                continue;
            }
            for (unsigned i = 0; i < w.n; i++)
                if (w.task[i].arrival <= c && c < run.completion[i])
                    fail_msg("%s, %s: idle at tick %u while %s was ready", p->name, w.name, c, w.task[i].name);
        }
        for (unsigned i = 0; i < w.n; i++) {
            assert_int_equal(got[i], w.task[i].burst);
            assert_true(run.completion[i] > w.task[i].arrival);
            assert_true(run.first[i] >= w.task[i].arrival);
        }
        (void)total;
    }
    assert_int_equal(sched_nr_ready(), 0);
}

/* Tasks that block between bursts still get exactly their burst, and never
 * run while waiting for their I/O. */
static void test_blocking_tasks_complete(void **state)
{
    const struct sched_policy *p = *state;
    static struct workload w;
    parse("mixed", &w);
    assert_true(workload_run(&run, &w));
    for (unsigned i = 0; i < w.n; i++) {
        uint32_t got = 0;
        for (uint32_t c = 0; c < run.length; c++)
            got += run.gantt[0][c] == i;
        if (got != w.task[i].burst)
            fail_msg("%s: %s ran %u ticks, burst %u", p->name, w.task[i].name, got, w.task[i].burst);
    }
    /* ED runs 1 tick then waits 3, SH 1 then 2: after each of their ticks,
     * they do not run again before the wait is over. */
    for (unsigned i = 2; i < 4; i++)
        for (uint32_t c = 0; c < run.length; c++)
            if (run.gantt[0][c] == i)
                for (uint32_t d = c + 1; d <= c + w.task[i].io_ticks && d < run.length; d++)
                    if (run.gantt[0][d] == i)
                        fail_msg("%s: %s ran at %u, during its I/O wait after tick %u", p->name, w.task[i].name, d, c);
}

/* Ties: equal tasks arriving together run in name order; with equal keys,
 * the earlier arrival first - here B (arrived at 1) before A (at 2), both
 * waiting while X runs. (Lottery draws at random: no tie rule.) */
static void test_ties_by_arrival_then_name(void **state)
{
    const struct sched_policy *p = *state;
    if (!strcmp(p->name, "lottery"))
        skip();
    sched_config.quantum = 100; /* let each pick run to completion */
    assert_string_equal(run_spec("B:0:2,A:0:2"), "AABB");
    assert_string_equal(run_spec("Z:0:3,Y:0:3,X:0:3"), "XXXYYYZZZ");
    assert_string_equal(run_spec("X:0:3,B:1:2,A:2:2"), "XXXBBAA");
}

/* The tie rule itself, where ids do not follow names. */
static void test_tie_break_order(void **state)
{
    (void)state;
    struct task a = {.id = 2, .arrival = 5, .name = "A"}, b = {.id = 1, .arrival = 5, .name = "B"};
    task_name_changed(&a);
    task_name_changed(&b);
    assert_true(sched_tie_break(&a, &b) < 0); /* same arrival: by name, not id */
    assert_true(sched_tie_break(&b, &a) > 0);
    b.arrival = 4;
    assert_true(sched_tie_break(&b, &a) < 0); /* earlier arrival first, whatever the name */
    struct task a2 = a;
    a2.id = 7;
    assert_true(sched_tie_break(&a, &a2) < 0); /* last resort: id */
    assert_int_equal(sched_tie_break(&a, &a), 0);
}

/* The name keys order tasks exactly as the names compare (kstrcmp):
 * prefixes, equal names, the 15th character, bytes above 127. */
static void test_name_keys_order_as_names(void **state)
{
    (void)state;
    static const char *const names[] = {"", "A", "AB", "ABC", "B", "a", "abc", "abd", "spin", "spin",
                                        "reader", "readers", "abcdefghijklmnN", "abcdefghijklmnO",
                                        "abcdefgh", "abcdefghi", "\xe9t\xe9", "z", "prod0", "prod1"};
    enum { N = sizeof names / sizeof names[0] };
    static struct task t[N];
    for (unsigned i = 0; i < N; i++) {
        t[i] = (struct task){.id = i};
        strncpy(t[i].name, names[i], TASK_NAME_MAX - 1);
        task_name_changed(&t[i]);
    }
    for (unsigned i = 0; i < N; i++)
        for (unsigned j = 0; j < N; j++) {
            int by_name = strcmp(t[i].name, t[j].name), tie = sched_tie_break(&t[i], &t[j]);
            int want = by_name ? by_name : (t[i].id > t[j].id) - (t[i].id < t[j].id);
            if ((tie > 0) != (want > 0) || (tie < 0) != (want < 0))
                fail_msg("'%s' vs '%s': the tie rule says %d, the names %d", t[i].name, t[j].name, tie, want);
        }
}

/* Aging, worked out by hand: A (priority 0) runs first; B (3) waits 2 ticks
 * and rises to 2, X (5) rises to 4 then 3 then 2 by tick 6, where it ties
 * with the running B, whose quantum is up: X runs. Without aging, X waits
 * for B to finish. */
static void test_prio_aging_answer_key(void **state)
{
    (void)state;
    boot(sched_policy_find("prio"));
    sched_config.aging = 2;
    assert_string_equal(run_spec("A:0:2:0,B:0:10:3,X:0:1:5"), "AABBBBXBBBBBB");
    sched_config.aging = 0;
    assert_string_equal(run_spec("A:0:2:0,B:0:10:3,X:0:1:5"), "AABBBBBBBBBBX");
}

/* Proportional share: with 300 tickets against 100, A gets 3 ticks in 4
 * while both run - exactly, for stride and fair; on average, for lottery. */
static void test_shares_follow_tickets(void **state)
{
    (void)state;
    static const char *const exact[] = {"stride", "fair"};
    for (unsigned k = 0; k < 2; k++) {
        boot(sched_policy_find(exact[k]));
        const char *c = run_spec("A:0:40:4:300,B:0:40:4:100");
        unsigned a = 0;
        for (unsigned i = 0; i < 40; i++)
            a += c[i] == 'A';
        if (a != 30)
            fail_msg("%s: A ran %u of the first 40 ticks, expected 30 (%s)", exact[k], a, c);
        /* The largest weights too (fair's step was cut to the same 1 from
         * 51,201 up: 100,000 and 60,000 shared 80/80). */
        c = run_spec("A:0:300:4:100000,B:0:300:4:60000");
        a = 0;
        for (unsigned i = 0; i < 160; i++)
            a += c[i] == 'A';
        if (a < 99 || a > 101)
            fail_msg("%s: with 100,000 and 60,000 tickets A ran %u of the first 160 ticks, expected 100", exact[k], a);
    }
    boot(sched_policy_find("lottery"));
    const char *c = run_spec("A:0:400:4:300,B:0:400:4:100");
    unsigned a = 0;
    for (unsigned i = 0; i < 400; i++)
        a += c[i] == 'A';
    if (a < 270 || a > 330)
        fail_msg("lottery: A ran %u of the first 400 ticks, expected about 300", a);
}

/* MLFQ's boost: a CPU-bound task sinks while newcomers keep the top level
 * busy. With boost=5 it is back on top every 5 ticks and never waits much;
 * without a boost it waits until the flood has passed. */
static unsigned longest_gap(const char *cpu, char who)
{
    unsigned gap = 0, last = 0, end = (unsigned)strlen(cpu);
    while (end > 0 && cpu[end - 1] != who)
        end--;
    for (unsigned i = 0; i < end; i++) {
        if (cpu[i] != who)
            continue;
        if (i - last > gap)
            gap = i - last;
        last = i;
    }
    return gap;
}

/* A sunk task waits at most two boost periods: one until the boost, one
 * in the top queue behind the tasks boosted with it and the arrivals. */
static void test_mlfq_boost_prevents_starvation(void **state)
{
    (void)state;
    static const char flood[] = "A:0:20,T1:2:3,T2:4:3,T3:6:3,T4:8:3,T5:10:3,T6:12:3,T7:14:3,T8:16:3";
    boot(sched_policy_find("mlfq"));
    sched_config.boost = 5;
    unsigned with = longest_gap(run_spec(flood), 'A');
    sched_config.boost = 0;
    unsigned without = longest_gap(run_spec(flood), 'A');
    if (with > 2 * 5 || without < 15)
        fail_msg("A's longest wait: %u ticks with boost=5 (expected <= 10), %u without (expected >= 15)", with,
                 without);
}

/* The boosts come every `boost` ticks of the workload's time, from 0: a
 * task alone at level 2 runs at the top again at times 5 and 10; and the
 * task running at a boost gets its whole top-level quantum there (it was
 * counted the tick it had run below, and sank again at once). */
static void test_mlfq_boosts_on_time_and_the_running_task_gets_the_top(void **state)
{
    (void)state;
    boot(sched_policy_find("mlfq"));
    sched_config.quantum = 1;
    sched_config.boost = 5;
    char levels[64];
    run_spec_levels("A:0:15", levels, sizeof levels);
    assert_string_equal(levels, "011220112201122");
    sched_config.quantum = 2;
    sched_config.boost = 6;
    run_spec_levels("A:0:15", levels, sizeof levels);
    assert_string_equal(levels, "001111001111001");
    sched_config.quantum = 1;
    sched_config.boost = 0;
}

/* Who preempts whom, policy by policy, on one small workload: A (long, low
 * priority) runs alone, then B (short, urgent) arrives at tick 1. */
static void test_who_preempts_whom(void **state)
{
    const struct sched_policy *p = *state;
    static const struct {
        const char *policy, *schedule;
    } expected[] = {
        {"fifo", "AAAAABB"},   /* non-preemptive */
        {"sjf", "AAAAABB"},    /* non-preemptive, even for a shorter job */
        {"srt", "ABBAAAA"},    /* B (2) is shorter than A's remaining 4 */
        {"rr", "ABABAAA"},     /* quantum 1: turns */
        {"prio", "ABBAAAA"},   /* B's priority 1 beats A's 6 at once */
        {"mlfq", "ABBAAAA"},   /* B enters at the top, above A (demoted after its first tick) */
        {"stride", "ABABAAA"}, /* B's pass starts at A's: turns, by pass */
        {"fair", "ABABAAA"},   /* B starts at min_vruntime: turns */
        {"hrrn", "AAAAABB"},   /* non-preemptive, whatever the ratios */
        {"template", "ABABAAA"}, /* the lab's template is round robin */
    };
    for (unsigned i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        if (strcmp(expected[i].policy, p->name))
            continue;
        assert_string_equal(run_spec("A:0:5:6,B:1:2:1"), expected[i].schedule);
        return;
    }
    skip(); /* lottery: random by design */
}

/* Handing the ready queue to another policy loses and duplicates nothing,
 * whichever policy is on either side. */
static void test_switch_hands_over_every_ready_task(void **state)
{
    const struct sched_policy *from = *state;
    struct task *t[21];
    t[20] = task_current(); /* the runner */
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "T%u", (unsigned)i);
        t[i] = task_new(name, nothing, NULL);
        t[i]->burst = t[i]->remaining = 1 + (uint32_t)(i * 7) % 11;
        t[i]->priority = (uint32_t)i % TASK_PRIORITIES;
        t[i]->tickets = 1 + (uint32_t)i;
        task_start_at(t[i], sched_ticks()); /* may preempt the runner (srt, prio...) */
    }
    /* 21 tasks: one on the CPU, 20 ready. Over to the reference policy
     * (the first: rr) and back, twice: only `from`'s hooks and the
     * reference's are involved, so a broken policy fails its own test and
     * no other policy's. */
    assert_int_equal(sched_nr_ready(), 20);
    const struct sched_policy *ref = sched_policies[0];
    const struct sched_policy *steps[] = {ref, from, ref, from};
    for (unsigned k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        sched_set_policy(steps[k]);
        if (sched_nr_ready() != 20)
            fail_msg("%s: after the switch to %s, %u tasks are ready, expected 20 (one lost or doubled in the "
                     "hand-over: enqueue, pick_next or for_each_ready)",
                     from->name, steps[k]->name, (unsigned)sched_nr_ready());
    }
    /* Drain: with the running task, every task exactly once. */
    int seen[21] = {0};
    for (int n = 0; n <= 20; n++) {
        struct task *x = n == 20 ? task_current() : sched_policy()->pick_next(sched_this_rq());
        assert_non_null(x);
        for (int i = 0; i < 21; i++)
            seen[i] += x == t[i];
    }
    if (sched_policy()->pick_next(sched_this_rq()))
        fail_msg("%s: pick_next still returns a task after every task was picked once (does it remove "
                 "the task it returns?)", from->name);
    for (int i = 0; i < 21; i++)
        if (seen[i] != 1)
            fail_msg("%s: after the switches, task %s was picked %d times, expected once", from->name,
                     t[i]->name, seen[i]);
}

/* ---- The hooks on run queues of their own ---------------------------------- */

#define RQ_TASKS 8

/* Stand-in tasks that never run, as make bench uses: only the fields the
 * policies read. */
static void stand_ins(struct task *t, unsigned n, unsigned first_id)
{
    for (unsigned i = 0; i < n; i++) {
        t[i] = (struct task){.id = first_id + i, .state = TASK_READY, .arrival = i};
        t[i].name[0] = (char)('A' + i);
        task_name_changed(&t[i]);
        t[i].burst = t[i].remaining = 1 + (i * 5u) % 7;
        t[i].priority = i % TASK_PRIORITIES;
        t[i].tickets = 1 + i;
        t[i].lent_priority = TASK_PRIORITIES;
    }
}

struct seen_walk {
    struct task *order[2 * RQ_TASKS];
    unsigned n;
};

static void note_ready(struct task *t, void *ctx)
{
    struct seen_walk *w = ctx;
    assert_true(w->n < 2 * RQ_TASKS);
    w->order[w->n++] = t;
}

/* dequeue takes out exactly the task named, anywhere in the queue;
 * for_each_ready shows what is queued, in the order pick_next then returns
 * it (lottery draws: any order), and changes nothing. */
static void test_dequeue_and_for_each_ready(void **state)
{
    const struct sched_policy *p = *state;
    static struct sched_rq q;
    static struct task t[RQ_TASKS];
    stand_ins(t, RQ_TASKS, 100);
    p->init(&q);
    for (unsigned i = 0; i < RQ_TASKS; i++)
        p->enqueue(&q, &t[i], SCHED_NEW);
    p->dequeue(&q, &t[0]);           /* the first in... */
    p->dequeue(&q, &t[3]);           /* ...one in the middle... */
    p->dequeue(&q, &t[RQ_TASKS - 1]); /* ...and the last */
    assert_non_null(p->for_each_ready);
    struct seen_walk shown = {0}, again = {0};
    p->for_each_ready(&q, note_ready, &shown);
    p->for_each_ready(&q, note_ready, &again);
    assert_int_equal(shown.n, RQ_TASKS - 3);
    assert_memory_equal(shown.order, again.order, sizeof shown.order); /* changed nothing */
    bool drawn = strcmp(p->name, "lottery") == 0;
    int picked[RQ_TASKS] = {0};
    for (unsigned k = 0; k < RQ_TASKS - 3; k++) {
        struct task *x = p->pick_next(&q);
        assert_non_null(x);
        assert_true(x >= t && x < t + RQ_TASKS);
        picked[x - t]++;
        if (!drawn)
            assert_ptr_equal(x, shown.order[k]);
    }
    assert_null(p->pick_next(&q));
    for (unsigned i = 0; i < RQ_TASKS; i++)
        assert_int_equal(picked[i], i == 0 || i == 3 || i == RQ_TASKS - 1 ? 0 : 1);
}

/* The same policy serves two run queues at once (one per CPU): what one
 * queue holds never shows up in the other. */
static void test_two_run_queues_at_once(void **state)
{
    const struct sched_policy *p = *state;
    static struct sched_rq a, b;
    static struct task ta[RQ_TASKS], tb[RQ_TASKS];
    stand_ins(ta, RQ_TASKS, 200);
    stand_ins(tb, RQ_TASKS, 300);
    p->init(&a);
    p->init(&b);
    for (unsigned i = 0; i < RQ_TASKS; i++) {
        p->enqueue(&a, &ta[i], SCHED_NEW);
        if (i % 2)
            p->enqueue(&b, &tb[i], SCHED_NEW);
    }
    for (unsigned k = 0; k < RQ_TASKS / 2; k++) {
        struct task *x = p->pick_next(&b);
        assert_true(x >= tb && x < tb + RQ_TASKS);
        struct task *y = p->pick_next(&a);
        assert_true(y >= ta && y < ta + RQ_TASKS);
        p->enqueue(&a, y, SCHED_PREEMPTED); /* a keeps all of its own */
    }
    assert_null(p->pick_next(&b));
    for (unsigned k = 0; k < RQ_TASKS; k++)
        assert_non_null(p->pick_next(&a));
    assert_null(p->pick_next(&a));
}

/* ---- The course's exact answers ------------------------------------------ */

static void result_line(char *out, size_t n)
{
    const char *r = strstr(fake_console, "RESULT ");
    assert_non_null(r);
    size_t len = strcspn(r, "\n");
    assert_true(len < n);
    memcpy(out, r, len);
    out[len] = '\0';
}

static void check_course(const char *policy, uint32_t quantum, const char *spec, const char *expected)
{
    boot(sched_policy_find(policy));
    sched_config.quantum = quantum;
    static struct workload w;
    parse(spec, &w);
    assert_true(workload_run(&run, &w));
    fake_console_reset();
    workload_report(&run, false);
    char line[512];
    result_line(line, sizeof line);
    assert_string_equal(line, expected);
}

/* Section 4.1 and 4.2: the numbers the course works out. */
static void test_course_fifo_sjf_srt(void **state)
{
    (void)state;
    check_course("fifo", 1, "course",
                 "RESULT policy=fifo workload=course schedule=A:5,B:3,C:2,D:4 avg_turnaround=7.00 "
                 "avg_waiting=3.50 avg_response=3.50 switches=3 idle=0");
    check_course("sjf", 1, "course",
                 "RESULT policy=sjf workload=course schedule=A:5,C:2,B:3,D:4 avg_turnaround=6.75 "
                 "avg_waiting=3.25 avg_response=3.25 switches=3 idle=0");
    check_course("srt", 1, "course",
                 "RESULT policy=srt workload=course schedule=A:1,B:3,C:2,A:4,D:4 avg_turnaround=6.25 "
                 "avg_waiting=2.75 avg_response=1.50 switches=4 idle=0");
}

/* The blanks the course leaves for round robin, filled in with its queue
 * rule (arrivals at tick t queue before the task preempted at t), worked
 * out by hand. */
static void test_course_round_robin_answer_key(void **state)
{
    (void)state;
    check_course("rr", 1, "course",
                 "RESULT policy=rr quantum=1 workload=course schedule=A:1,B:1,A:1,B:1,C:1,A:1,B:1,D:1,C:1,"
                 "A:1,D:1,A:1,D:2 avg_turnaround=8.25 avg_waiting=4.75 avg_response=0.75 switches=12 idle=0");
    check_course("rr", 2, "course",
                 "RESULT policy=rr quantum=2 workload=course schedule=A:2,B:2,A:2,C:2,B:1,D:2,A:1,D:2 "
                 "avg_turnaround=8.50 avg_waiting=5.00 avg_response=2.00 switches=7 idle=0");
}

/* The exercise: A 15 ticks from 0, B 4 from 2, under SRT, RR 10 and RR 3. */
static void test_exercise_answer_key(void **state)
{
    (void)state;
    check_course("srt", 1, "exercise",
                 "RESULT policy=srt workload=exercise schedule=A:2,B:4,A:13 avg_turnaround=11.50 "
                 "avg_waiting=2.00 avg_response=0.00 switches=2 idle=0");
    check_course("rr", 10, "exercise",
                 "RESULT policy=rr quantum=10 workload=exercise schedule=A:10,B:4,A:5 avg_turnaround=15.50 "
                 "avg_waiting=6.00 avg_response=4.00 switches=2 idle=0");
    check_course("rr", 3, "exercise",
                 "RESULT policy=rr quantum=3 workload=exercise schedule=A:3,B:3,A:3,B:1,A:9 "
                 "avg_turnaround=13.50 avg_waiting=4.00 avg_response=0.50 switches=4 idle=0");
}

/* The TASK lines carry the per-task figures of the course's worked FIFO. */
static void test_task_lines(void **state)
{
    (void)state;
    boot(sched_policy_find("fifo"));
    static struct workload w;
    parse("course", &w);
    assert_true(workload_run(&run, &w));
    fake_console_reset();
    workload_report(&run, true);
    assert_non_null(strstr(fake_console, "TASK name=A arrival=0 burst=5 first=0 completion=5 turnaround=5 "
                                         "waiting=0 response=0\n"));
    assert_non_null(strstr(fake_console, "TASK name=D arrival=5 burst=4 first=10 completion=14 "
                                         "turnaround=9 waiting=5 response=5\n"));
    assert_non_null(strstr(fake_console, "  CPU    AAAAABBBCCDDDD\n"));
}

/* The CPU row tells every task from every other: T1 and T11 both ended in
 * '1' (the row read 11X11); a name's characters are tried, then letters. */
static void test_chart_symbols_are_distinct(void **state)
{
    (void)state;
    boot(sched_policy_find("rr"));
    static const struct {
        const char *spec, *row;
    } cases[] = {
        {"T1:0:2,T11:0:2,X:0:1", "  CPU    1TX1T\n"},
        {"CPU1:0:1,CPU2:0:1", "  CPU    12\n"},
        {"AB:0:2,AC:0:2,B:0:1,C:0:1", "  CPU    AaBCAa\n"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static struct workload w;
        parse(cases[i].spec, &w);
        assert_true(workload_run(&run, &w));
        fake_console_reset();
        workload_report(&run, true);
        if (!strstr(fake_console, cases[i].row))
            fail_msg("%s: no row '%s' in:\n%s", cases[i].spec, cases[i].row, fake_console);
    }
}

/* ---- Bad workload arguments ---------------------------------------------- */

static void test_bad_workloads_say_what_is_wrong(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *message;
    } cases[] = {
        {"", "the list is empty"},
        {"A:0", "the burst is missing"},
        {"A", "the arrival tick is missing"},
        {"A:x:5", "the arrival tick is missing or not a number"},
        {"A:0:0", "the burst must be at least 1 tick"},
        {"A:0:5:9", "the priority must be 0..7"},
        {"A:0:5:1:0", "tickets must be 1..100000"},
        {"A:0:5:1:999999", "tickets must be 1..100000"},
        {"A:0:99999999", "arrival and burst must be at most 1000"},
        {"A:900:1000,B:0:1000,C:0:1000", "must stay under 2048 ticks"},
        {"A:0:5:1:1:1", "too many fields"},
        {"A:0:5,A:1:3", "two tasks have the same name"},
        {"A:0:5;B:1:3", "expected ',' between tasks"},
        {"TOOLONGNAME:0:5", "a name has at most 7 characters"},
        {"A-1:0:5", "a name is letters, digits and _ only"},
        {"A:0:5,", "the name is missing"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct workload w;
        char err[256];
        if (workload_parse(cases[i].spec, &w, err, sizeof err))
            fail_msg("'%s' was accepted", cases[i].spec);
        if (!strstr(err, cases[i].message))
            fail_msg("'%s': got \"%s\", expected \"%s\"", cases[i].spec, err, cases[i].message);
        assert_non_null(strstr(err, "name:arrival:burst[:priority[:tickets]]"));
    }
    struct workload w;
    char err[256];
    assert_true(workload_parse("A:0:5,B:1:3:2,c_9:3:2:0:50", &w, err, sizeof err));
    assert_int_equal(w.n, 3);
    assert_int_equal(w.task[1].priority, 2);
    assert_int_equal(w.task[2].tickets, 50);
}

/* Kernel tasks, not a workload: no declared burst (0, unknown), and they
 * yield, sleep and block as a kernel task does. Through 600 random steps
 * (a tick, a yield, a nap, a block, a wakeup, from whichever task runs)
 * every task is always in exactly one place - running, in the policy's
 * queue, asleep or blocked - and the queue holds as many as are READY;
 * then, everyone awake and the running task yielding, every task gets the
 * CPU again. A policy that drops a yielder or a woken task with no burst
 * fails here, naming the step. */
static uint32_t step_rng(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 16;
}

static void test_yields_and_wakeups_without_a_burst(void **state)
{
    const struct sched_policy *p = *state;
    enum { N = 4 };
    fake_reset();
    kmem_init(heap, sizeof heap);
    sched_config = (struct sched_config){.quantum = 2, .aging = 10, .boost = 50, .seed = 1};
    struct task *idle = task_init_idle(idle_stack, sizeof idle_stack);
    sched_init(p, idle);
    fake_tick_while_blocked = false;
    struct task *t[N];
    static const char *const names[N] = {"W", "X", "Y", "Z"};
    for (unsigned i = 0; i < N; i++)
        t[i] = task_create(names[i], nothing, NULL);
    struct task *blocked[N];
    unsigned nblocked = 0;
    uint32_t rng = 12345;
    static const char *const what[] = {"tick", "yield", "sleep", "block", "wakeup"};
    for (unsigned step = 0; step < 600; step++) {
        struct task *cur = task_current();
        unsigned r = step_rng(&rng) % 10, did;
        if (cur == idle || r < 3) {
            did = 0;
            arch_irqstate_t st = arch_irq_save();
            sched_irq_enter();
            sched_tick();
            sched_irq_exit();
            arch_irq_restore(st);
        } else if (r < 6) {
            did = 1;
            task_yield();
        } else if (r == 6) {
            did = 2;
            task_sleep(1 + step_rng(&rng) % 3);
        } else if (r == 7 && nblocked < N - 1) {
            did = 3;
            blocked[nblocked++] = cur;
            arch_irq_disable();
            sched_block(NULL, "parked", &sched_klock);
            arch_irq_enable();
        } else if (nblocked) {
            did = 4;
            struct task *w = blocked[step_rng(&rng) % nblocked];
            for (unsigned i = 0; i < nblocked; i++)
                if (blocked[i] == w)
                    blocked[i] = blocked[--nblocked];
            arch_irqstate_t st = sched_lock();
            sched_make_ready(w, SCHED_WAKEUP);
            sched_unlock(st);
        } else {
            did = 1;
            task_yield();
        }
        unsigned ready = 0, running = 0;
        for (unsigned i = 0; i < N; i++) {
            ready += t[i]->state == TASK_READY;
            running += t[i]->state == TASK_RUNNING;
            if (t[i]->state != TASK_READY && t[i]->state != TASK_RUNNING && t[i]->state != TASK_SLEEPING &&
                t[i]->state != TASK_BLOCKED)
                fail_msg("%s: step %u (%s): task %s is %s", p->name, step, what[did], t[i]->name,
                         task_state_name(t[i]->state));
        }
        if (running != (task_current() != idle))
            fail_msg("%s: step %u (%s): %u tasks RUNNING, the CPU runs %s", p->name, step, what[did], running,
                     task_current()->name);
        /* The policy's own view of its queue (not the core's count, which
         * a policy that drops a task does not change). */
        struct seen_walk queued = {0};
        p->for_each_ready(sched_cpu(0)->rq, note_ready, &queued);
        if (queued.n != ready)
            fail_msg("%s: step %u (%s): %u tasks READY but the policy's queue holds %u: a task dropped or queued twice",
                     p->name, step, what[did], ready, queued.n);
    }
    /* Everyone awake (the sleepers at their tick); the running task yields
 * until each has had the CPU. */
    for (unsigned i = 0; i < nblocked; i++) {
        arch_irqstate_t st = sched_lock();
        sched_make_ready(blocked[i], SCHED_WAKEUP);
        sched_unlock(st);
    }
    bool seen[N] = {false};
    unsigned left = N;
    for (unsigned k = 0; k < 4000 && left; k++) {
        struct task *cur = task_current();
        for (unsigned i = 0; i < N; i++)
            if (cur == t[i] && !seen[i])
                seen[i] = true, left--;
        if (cur == idle || k % 2) { /* (the clock goes on: the sleepers wake) */
            arch_irqstate_t st = arch_irq_save();
            sched_irq_enter();
            sched_tick();
            sched_irq_exit();
            arch_irq_restore(st);
        } else {
            task_yield();
        }
    }
    for (unsigned i = 0; i < N; i++)
        if (!seen[i])
            fail_msg("%s: %s (no burst) never ran again once everyone was awake and the others yielded (%s)",
                     p->name, t[i]->name, task_state_name(t[i]->state));
}

/* Every registered policy gets every conformance test: a policy added to
 * kernel/sched/policies.c is tested with no change here. The lab's template
 * (docs/sched_template.c) is run through them too, so it keeps compiling
 * and working. */
extern const struct sched_policy sched_template;

static const struct {
    const char *name;
    CMUnitTestFunction fn;
} conformance[] = {
    {"nothing_lost_idle_only_when_empty", test_nothing_lost_idle_only_when_empty},
    {"blocking_tasks_complete", test_blocking_tasks_complete},
    {"ties_by_arrival_then_name", test_ties_by_arrival_then_name},
    {"who_preempts_whom", test_who_preempts_whom},
    {"switch_hands_over_every_ready_task", test_switch_hands_over_every_ready_task},
    {"dequeue_and_for_each_ready", test_dequeue_and_for_each_ready},
    {"two_run_queues_at_once", test_two_run_queues_at_once},
    {"yields_and_wakeups_without_a_burst", test_yields_and_wakeups_without_a_burst},
};
#define NCONF (sizeof conformance / sizeof conformance[0])

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_course_fifo_sjf_srt),
        cmocka_unit_test(test_course_round_robin_answer_key),
        cmocka_unit_test(test_exercise_answer_key),
        cmocka_unit_test(test_task_lines),
        cmocka_unit_test(test_bad_workloads_say_what_is_wrong),
        cmocka_unit_test(test_tie_break_order),
        cmocka_unit_test(test_name_keys_order_as_names),
        cmocka_unit_test(test_prio_aging_answer_key),
        cmocka_unit_test(test_shares_follow_tickets),
        cmocka_unit_test(test_chart_symbols_are_distinct),
        cmocka_unit_test(test_mlfq_boost_prevents_starvation),
        cmocka_unit_test(test_mlfq_boosts_on_time_and_the_running_task_gets_the_top),
    };
    static struct CMUnitTest tests[(16 + 1) * NCONF + sizeof fixed / sizeof fixed[0]];
    static char names[(16 + 1) * NCONF][80];
    const struct sched_policy *all[17];
    unsigned np = 0, n = 0;
    for (; sched_policies[np] && np < 16; np++)
        all[np] = sched_policies[np];
    all[np++] = &sched_template;
    for (unsigned p = 0; p < np; p++) {
        for (unsigned c = 0; c < NCONF; c++) {
            snprintf(names[n], sizeof names[n], "%s/%s", all[p]->name, conformance[c].name);
            tests[n] = (struct CMUnitTest){names[n], conformance[c].fn, setup, NULL, (void *)all[p]};
            n++;
        }
    }
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        tests[n++] = fixed[i];
    return _cmocka_run_group_tests("policies", tests, n, NULL, NULL);
}
