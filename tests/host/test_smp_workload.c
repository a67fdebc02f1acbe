/*
 * test_smp_workload.c - workloads on several simulated CPUs, on the host.
 *
 * The same runs as in QEMU (run=workload cpus=N): the kernel's workload_run
 * under lockstep, where CPU 0's tick decides for every CPU (kernel/sched/sched.c).
 * First the course's workload under rr and fifo on two CPUs, with answers
 * worked out by hand from the rules in the README; then, for every policy,
 * on 2, 3 and 4 CPUs, with one queue per CPU and with one shared queue, the
 * properties any correct multiprocessor schedule has: every task gets
 * exactly its burst, never on two CPUs in the same tick, and no CPU idles
 * while a task that has arrived waits.
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

static int nothing(void *arg)
{
    (void)arg;
    return 0;
}

/* A fresh kernel on n CPUs under `p` and `mode`, a runner task on CPU 0. */
static void boot(unsigned n, enum sched_rq_mode mode, const struct sched_policy *p, unsigned quantum)
{
    fake_reset();
    kmem_init(heap, sizeof heap);
    sched_config = (struct sched_config){.quantum = quantum, .aging = 10, .boost = 50, .seed = 1};
    sched_set_rq_mode(mode);
    sched_init(p, task_init_idle(idle_stack, sizeof idle_stack));
    fake_start_cpus(n);
    assert_int_equal(sched_ncpus(), n);
    fake_tick_while_blocked = true;
    task_create("runner", nothing, NULL);
}

static int teardown(void **state)
{
    (void)state;
    klock_smp = false; /* the next test boots one CPU first */
    fake_cpu = 0;
    return 0;
}

static void parse(const char *spec, struct workload *w)
{
    char err[200];
    if (!workload_parse(spec, w, err, sizeof err))
        fail_msg("workload %s: %s", spec, err);
}

/* CPU k's Gantt row of the last run: one letter per tick, '-' idle. */
static const char *row(const struct workload *w, unsigned k)
{
    static char out[WL_MAX_TICKS + 1];
    uint32_t c = 0;
    for (; c < run.length; c++)
        out[c] = run.gantt[k][c] == WL_IDLE ? '-' : w->task[run.gantt[k][c]].name[0];
    out[c] = '\0';
    return out;
}

/* The course's workload on n CPUs under p: the workload, for row(). */
static const struct workload *course_on(unsigned n, enum sched_rq_mode mode, const struct sched_policy *p,
                                        unsigned quantum)
{
    static struct workload w;
    boot(n, mode, p, quantum);
    parse("course", &w);
    assert_true(workload_run(&run, &w));
    return &w;
}

/* The course's workload (A 5 from 0, B 3 from 1, C 2 from 3, D 4 from 5)
 * under rr with quantum 2 on two CPUs. A on CPU 0, B on the idle CPU 1; C
 * arrives at 3 with both busy and goes to CPU 0 (a tie: where it was made);
 * at 4 B completes and A's quantum ends: CPU 0 queues A behind C and runs
 * C, CPU 1, idle, pulls A (a migration); D arrives at 5 as A completes on
 * CPU 1 and takes it. */
static void test_rr_course_on_two_cpus(void **state)
{
    (void)state;
    extern const struct sched_policy sched_rr;
    const struct workload *w = course_on(2, SCHED_RQ_PERCPU, &sched_rr, 2);
    assert_string_equal(row(w, 0), "AAAACC---");
    assert_string_equal(row(w, 1), "-BBBADDDD");
    static const uint32_t completion[] = {5, 4, 6, 9};
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(run.completion[i], completion[i]);
}

/* fifo (non-preemptive) on two CPUs: A and B run at once on the two CPUs;
 * C waits on CPU 0 (a tie at 3) until B completes at 4, when idle CPU 1
 * pulls it; D arrives at 5, A completes there and CPU 0 takes D. */
static void test_fifo_course_on_two_cpus(void **state)
{
    (void)state;
    extern const struct sched_policy sched_fifo;
    const struct workload *w = course_on(2, SCHED_RQ_PERCPU, &sched_fifo, 1);
    assert_string_equal(row(w, 0), "AAAAADDDD");
    assert_string_equal(row(w, 1), "-BBBCC---");
}

/* The same workload on one shared queue (rq=global) under rr. C arrives at
 * 3, when B's quantum ends: B goes behind C and CPU 1 runs C. At 4 A's
 * quantum ends with B waiting: CPU 0 runs B (its last tick: a migration)
 * and A waits. At 5 D arrives behind A; CPU 0 takes A, CPU 1 takes D. */
static void test_rr_course_on_a_shared_queue(void **state)
{
    (void)state;
    extern const struct sched_policy sched_rr;
    const struct workload *w = course_on(2, SCHED_RQ_GLOBAL, &sched_rr, 2);
    assert_string_equal(row(w, 0), "AAAABA---");
    assert_string_equal(row(w, 1), "-BBCCDDDD");
}

/* The properties, for one run of w (CPU-bound: no I/O) on n CPUs. */
static void check_properties(const struct workload *w, unsigned n, const char *what)
{
    for (unsigned i = 0; i < w->n; i++) {
        uint32_t got = 0;
        for (uint32_t c = 0; c < run.length; c++)
            for (unsigned k = 0; k < n; k++)
                got += run.gantt[k][c] == i;
        if (got != w->task[i].burst)
            fail_msg("%s: task %s ran %u ticks, its burst is %u", what, w->task[i].name, (unsigned)got,
                     (unsigned)w->task[i].burst);
    }
    for (uint32_t c = 0; c < run.length; c++) {
        unsigned busy = 0, waiting = 0;
        for (unsigned k = 0; k < n; k++) {
            uint8_t who = run.gantt[k][c];
            if (who == WL_IDLE)
                continue;
            busy++;
            for (unsigned j = k + 1; j < n; j++)
                if (run.gantt[j][c] == who)
                    fail_msg("%s: task %s ran on CPUs %u and %u in tick %u", what, w->task[who].name, k, j,
                             (unsigned)c);
        }
        for (unsigned i = 0; i < w->n; i++)
            waiting += w->task[i].arrival <= c && c < run.completion[i];
        unsigned expect = waiting < n ? waiting : n;
        if (busy != expect)
            fail_msg("%s: tick %u: %u CPUs busy with %u tasks unfinished (expected %u: no CPU idles while "
                     "a task waits)", what, (unsigned)c, busy, waiting, expect);
    }
}

static void test_every_policy_on_several_cpus(void **state)
{
    (void)state;
    static struct workload w;
    unsigned runs = 0;
    for (unsigned p = 0; sched_policies[p]; p++)
        for (unsigned n = 2; n <= 4; n++)
            for (unsigned mode = 0; mode < 2; mode++) {
                uint32_t seed = 7 + n + 10 * p;
                for (unsigned k = 0; k < 12; k++) {
                    boot(n, mode ? SCHED_RQ_GLOBAL : SCHED_RQ_PERCPU, sched_policies[p], 1 + k % 3);
                    if (k < 3) {
                        parse(k == 0 ? "course" : k == 1 ? "exercise" : "A:0:9,B:0:9,C:0:9,D:0:9,E:1:3,F:2:2", &w);
                    } else {
                        workload_random(&w, &seed, k);
                        for (unsigned i = 0; i < w.n; i++)
                            w.task[i].cpu_phase = w.task[i].io_ticks = 0; /* CPU-bound only */
                    }
                    assert_true(workload_run(&run, &w));
                    assert_int_equal(run.ncpus, n);
                    char what[96];
                    snprintf(what, sizeof what, "%s on %u CPUs, rq=%s, workload %s", sched_policies[p]->name, n,
                             mode ? "global" : "percpu", w.name);
                    check_properties(&w, n, what);
                    teardown(NULL);
                    runs++;
                }
            }
    assert_true(runs >= 9 * 3 * 2 * 12);
}

/* With I/O: a task that waits for its I/O is not charged, and comes back;
 * still exactly its burst, never on two CPUs at once. */
static void test_io_tasks_on_several_cpus(void **state)
{
    (void)state;
    extern const struct sched_policy sched_mlfq;
    static struct workload w;
    for (unsigned n = 2; n <= 4; n++) {
        boot(n, SCHED_RQ_PERCPU, &sched_mlfq, 1);
        parse("mixed", &w);
        assert_true(workload_run(&run, &w));
        for (unsigned i = 0; i < w.n; i++) {
            uint32_t got = 0;
            for (uint32_t c = 0; c < run.length; c++)
                for (unsigned k = 0; k < n; k++)
                    got += run.gantt[k][c] == i;
            assert_int_equal(got, w.task[i].burst);
        }
        teardown(NULL);
    }
}

/* At every tick of a workload on several CPUs, each READY task sits in
 * the queue of the CPU it says (t->cpu): a CPU's decision made by CPU 0
 * must put a preempted task back in its own CPU's queue, not CPU 0's. */
static unsigned checked_ticks, misplaced;

static void note_queue(struct task *t, void *k)
{
    misplaced += t->cpu != (unsigned)(uintptr_t)k;
}

static void check_queues(void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < sched_ncpus(); k++)
        sched_policy()->for_each_ready(&sched_cpu(k)->own_rq, note_queue, (void *)(uintptr_t)k);
    checked_ticks++;
    sched_call_on_tick(check_queues, NULL); /* every tick */
}

static void test_preempted_tasks_stay_in_their_cpus_queue(void **state)
{
    (void)state;
    extern const struct sched_policy sched_rr;
    boot(2, SCHED_RQ_PERCPU, &sched_rr, 1);
    static struct workload w;
    parse("A:0:9,B:0:9,C:0:9,D:0:9,E:1:3,F:2:2", &w);
    checked_ticks = misplaced = 0;
    sched_call_on_tick(check_queues, NULL);
    assert_true(workload_run(&run, &w));
    assert_true(checked_ticks >= run.length);
    assert_int_equal(misplaced, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_rr_course_on_two_cpus, teardown),
        cmocka_unit_test_teardown(test_fifo_course_on_two_cpus, teardown),
        cmocka_unit_test_teardown(test_rr_course_on_a_shared_queue, teardown),
        cmocka_unit_test_teardown(test_every_policy_on_several_cpus, teardown),
        cmocka_unit_test_teardown(test_io_tasks_on_several_cpus, teardown),
        cmocka_unit_test_teardown(test_preempted_tasks_stay_in_their_cpus_queue, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
