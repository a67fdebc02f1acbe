/*
 * test_sched.c - the scheduler core and round robin, on the host.
 *
 * The fake arch_switch does not swap stacks: it records the switch and
 * returns, so after any call that schedules, the test simply carries on "as"
 * the new current task. That is enough to drive every decision the core
 * makes - who runs, who waits where, when a tick preempts - without a CPU.
 * A tick is delivered the way the arch layer does it: irq_enter, sched_tick,
 * irq_exit (the preemption point), with interrupts off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "lib/kmem.h"
#include "sched/sched.h"
#include "sched/task.h"

extern const struct sched_policy sched_rr;

static _Alignas(16) uint8_t heap[4 << 20]; /* (200 tasks with their 8 KiB stacks) */
static _Alignas(16) uint8_t idle_stack[4096];
static struct task *idle;

static int body(void *arg) { return (int)(uintptr_t)arg; }

static int setup(void **state)
{
    (void)state;
    fake_reset();
    kmem_init(heap, sizeof heap);
    idle = task_init_idle(idle_stack, sizeof idle_stack);
    sched_config.quantum = 1;
    sched_init(&sched_rr, idle);
    return 0;
}

static void tick(void)
{
    arch_irqstate_t s = arch_irq_save();
    sched_irq_enter();
    sched_tick();
    sched_irq_exit();
    arch_irq_restore(s);
}

/* The name of the task that runs after each of n ticks, as a string. */
static void run_ticks(char *out, int n)
{
    for (int i = 0; i < n; i++) {
        tick();
        out[i] = task_current()->name[0];
    }
    out[n] = '\0';
}

static void test_first_task_takes_over_from_idle(void **state)
{
    (void)state;
    assert_ptr_equal(task_current(), idle);
    struct task *a = task_create("A", body, NULL);
    assert_ptr_equal(task_current(), a);
    assert_int_equal(a->state, TASK_RUNNING);
    assert_int_equal(idle->state, TASK_READY);
    assert_int_equal(fake_switches, 1);
    assert_ptr_equal(fake_switch_to, &a->ctx);
    assert_true(fake_irq_enabled); /* task_create restored interrupts */
}

static void test_new_task_does_not_preempt_a_running_one(void **state)
{
    (void)state;
    struct task *a = task_create("A", body, NULL);
    struct task *b = task_create("B", body, NULL);
    assert_ptr_equal(task_current(), a);
    assert_int_equal(b->state, TASK_READY);
}

static void test_round_robin_quantum_1(void **state)
{
    (void)state;
    task_create("A", body, NULL);
    task_create("B", body, NULL);
    task_create("C", body, NULL);
    char seq[16];
    run_ticks(seq, 9);
    assert_string_equal(seq, "BCABCABCA");
}

static void test_round_robin_quantum_3(void **state)
{
    (void)state;
    sched_config.quantum = 3;
    task_create("A", body, NULL);
    task_create("B", body, NULL);
    char seq[16];
    run_ticks(seq, 12);
    assert_string_equal(seq, "AABBBAAABBBA");
}

static void test_alone_keeps_the_cpu_without_switching(void **state)
{
    (void)state;
    struct task *a = task_create("A", body, NULL);
    unsigned before = fake_switches;
    for (int i = 0; i < 10; i++)
        tick();
    assert_ptr_equal(task_current(), a);
    assert_int_equal(fake_switches, before);
    assert_int_equal(a->ticks, 10);
}

static void test_yield_goes_to_the_tail(void **state)
{
    (void)state;
    task_create("A", body, NULL);
    task_create("B", body, NULL);
    task_create("C", body, NULL);
    task_yield(); /* A -> tail: B C A */
    assert_string_equal(task_current()->name, "B");
    task_yield(); /* C A B */
    assert_string_equal(task_current()->name, "C");
    task_yield();
    assert_string_equal(task_current()->name, "A");
}

static void test_idle_runs_and_is_charged_when_all_sleep(void **state)
{
    (void)state;
    struct task *a = task_create("A", body, NULL);
    task_sleep(3); /* A sleeps until tick 3 */
    assert_ptr_equal(task_current(), idle);
    assert_int_equal(a->state, TASK_SLEEPING);
    tick();
    tick();
    assert_ptr_equal(task_current(), idle);
    tick(); /* tick 3: A wakes and takes over from idle at once */
    assert_ptr_equal(task_current(), a);
    struct sched_stats st;
    sched_get_stats(&st);
    assert_int_equal(st.idle_ticks, 3);
    assert_int_equal(st.ticks, 3);
}

static void test_sleepers_wake_in_deadline_order(void **state)
{
    (void)state;
    sched_config.quantum = 100; /* no preemption to muddle the order */
    struct task *t[4];
    const uint32_t naps[4] = {5, 2, 5, 1};
    for (int i = 0; i < 4; i++)
        t[i] = task_create("S", body, NULL);
    for (int i = 0; i < 4; i++) {
        assert_ptr_equal(task_current(), t[i]);
        task_sleep(naps[i]);
    }
    assert_ptr_equal(task_current(), idle);
    /* Expected wake order: t3 (1), t1 (2), t0 (5), t2 (5: after t0, FIFO). */
    struct task *order[4];
    int woken = 0;
    for (int k = 0; k < 6; k++) {
        tick();
        while (task_current() != idle) { /* each woken task runs, then blocks for good */
            order[woken++] = task_current();
            arch_irq_disable();
            sched_block(NULL, "done", &sched_klock);
            arch_irq_enable();
        }
    }
    assert_int_equal(woken, 4);
    assert_ptr_equal(order[0], t[3]);
    assert_ptr_equal(order[1], t[1]);
    assert_ptr_equal(order[2], t[0]);
    assert_ptr_equal(order[3], t[2]);
}

/* Many sleepers, random naps, a third woken early: the rest wake exactly
 * at their tick, in deadline order and FIFO among equal ticks (the timer
 * queue is a heap now; its order must be the sorted list's). */
static void test_many_sleepers_wake_in_order(void **state)
{
    (void)state;
    enum { N = 200 };
    sched_config.quantum = 1000;
    static struct task *t[N];
    static uint32_t due[N];
    uint32_t x = 99;
    for (int i = 0; i < N; i++)
        t[i] = task_create("S", body, NULL);
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(task_current(), t[i]);
        x = x * 1103515245u + 12345u;
        uint32_t nap = 1 + (x >> 16) % 20;
        due[i] = (uint32_t)sched_ticks() + nap;
        task_sleep(nap);
    }
    assert_ptr_equal(task_current(), idle);
    for (int i = 0; i < N; i += 3) { /* woken early: out of the queue, from anywhere in it */
        arch_irqstate_t s = sched_lock();
        sched_make_ready(t[i], SCHED_WAKEUP);
        sched_unlock_preempt(&sched_klock, s); /* (from idle: it runs at once) */
        assert_ptr_equal(task_current(), t[i]);
        while (task_current() != idle) {
            arch_irq_disable();
            sched_block(NULL, "done", &sched_klock);
            arch_irq_enable();
        }
        due[i] = 0;
    }
    int last = -1, woken = 0;
    uint32_t last_due = 0;
    for (int k = 0; k < 25; k++) {
        tick();
        while (task_current() != idle) {
            struct task *w = task_current();
            int i = 0;
            while (t[i] != w)
                i++;
            assert_int_not_equal(due[i], 0);
            assert_int_equal(due[i], (uint32_t)sched_ticks()); /* at its tick, not later */
            assert_true(due[i] > last_due || (due[i] == last_due && i > last)); /* FIFO among equals */
            last_due = due[i];
            last = i;
            woken++;
            arch_irq_disable();
            sched_block(NULL, "done", &sched_klock);
            arch_irq_enable();
        }
    }
    assert_int_equal(woken, N - (N + 2) / 3);
}

static void test_arrival_queues_ahead_of_the_preempted_task(void **state)
{
    (void)state;
    /* A runs; S sleeps until tick 1; B is ready. At tick 1 S wakes and A's
     * quantum ends in the same tick: S must queue before A (course rule). */
    task_create("S", body, NULL);
    task_sleep(1);
    struct task *a = task_create("A", body, NULL);
    assert_ptr_equal(task_current(), a);
    task_create("B", body, NULL);
    char seq[8];
    run_ticks(seq, 3);
    assert_string_equal(seq, "BSA");
}

static void test_canary_overwrite_panics_at_the_switch(void **state)
{
    (void)state;
    struct task *a = task_create("A", body, NULL);
    task_create("B", body, NULL);
    a->stack[TASK_CANARY_ZONE - 1] ^= 0xff; /* the top word of A's canary zone */
    expect_assert_failure(tick());
    assert_non_null(strstr(fake_panic_message, "stack overflow: task 'A'"));
}

static void test_idle_may_not_block(void **state)
{
    (void)state;
    arch_irq_disable();
    expect_assert_failure(sched_block(NULL, "test", &sched_klock));
}

/* task_yield turns interrupts off for the switch and puts them back as it
 * found them (sched_yield_and_restore), whichever task it returns in. */
static void test_yield_puts_interrupts_back_as_it_found_them(void **state)
{
    (void)state;
    task_create("A", body, NULL);
    task_create("B", body, NULL);
    assert_true(fake_irq_enabled);
    task_yield(); /* A -> tail: B A */
    assert_string_equal(task_current()->name, "B");
    assert_true(fake_irq_enabled);
    arch_irq_disable();
    task_yield(); /* B -> tail: A B */
    assert_string_equal(task_current()->name, "A");
    assert_false(fake_irq_enabled);
    arch_irq_enable();
}

/* Round robin whose pick_next, once `losing` is set, returns NULL with
 * tasks in its queue: a policy that breaks its contract. */
static bool losing;
static struct task *losing_pick_next(struct sched_rq *rq) { return losing ? NULL : sched_rr.pick_next(rq); }

static void test_a_pick_that_loses_the_yielder_panics(void **state)
{
    (void)state;
    struct sched_policy broken = sched_rr;
    broken.name = "broken";
    broken.pick_next = losing_pick_next;
    losing = false;
    sched_set_policy(&broken);
    struct task *a = task_create("A", body, NULL);
    task_create("B", body, NULL);
    tick();
    tick(); /* A runs, B waits */
    assert_ptr_equal(task_current(), a);
    losing = true;
    expect_assert_failure(task_yield()); /* A went in, nothing came out */
    assert_non_null(strstr(fake_panic_message, "policy 'broken': pick_next returned NULL just after 'A'"));
    losing = false;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_first_task_takes_over_from_idle, setup),
        cmocka_unit_test_setup(test_new_task_does_not_preempt_a_running_one, setup),
        cmocka_unit_test_setup(test_round_robin_quantum_1, setup),
        cmocka_unit_test_setup(test_round_robin_quantum_3, setup),
        cmocka_unit_test_setup(test_alone_keeps_the_cpu_without_switching, setup),
        cmocka_unit_test_setup(test_yield_goes_to_the_tail, setup),
        cmocka_unit_test_setup(test_idle_runs_and_is_charged_when_all_sleep, setup),
        cmocka_unit_test_setup(test_sleepers_wake_in_deadline_order, setup),
        cmocka_unit_test_setup(test_many_sleepers_wake_in_order, setup),
        cmocka_unit_test_setup(test_arrival_queues_ahead_of_the_preempted_task, setup),
        cmocka_unit_test_setup(test_canary_overwrite_panics_at_the_switch, setup),
        cmocka_unit_test_setup(test_idle_may_not_block, setup),
        cmocka_unit_test_setup(test_yield_puts_interrupts_back_as_it_found_them, setup),
        cmocka_unit_test_setup(test_a_pick_that_loses_the_yielder_panics, setup),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
