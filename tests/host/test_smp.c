/*
 * test_smp.c - the scheduler core on several simulated CPUs, on the host.
 *
 * The fake arch has no CPUs of its own: `fake_cpu` says which CPU "we" are
 * (its per-CPU pointer, its id), and a reschedule IPI is only counted. So a
 * test brings CPUs 1..3 online the way kernel_main does (an idle task,
 * sched_cpu_prepare, sched_cpu_online on that CPU), then acts as CPU 0 or as
 * another CPU to make tasks ready and deliver ticks, and checks where the
 * core put each task: placement at wakeup, affinity, balancing, the shared
 * queue of rq=global, and a policy switch over several queues.
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

extern const struct sched_policy sched_rr, sched_fair;

#define NCPUS 4

static _Alignas(16) uint8_t heap[512 * 1024];
static _Alignas(16) uint8_t idle_stack[4096];

static int body(void *arg) { return (int)(uintptr_t)arg; }

/* Boot NCPUS CPUs under `mode`, as kernel_main's start_cpus does; we are CPU 0. */
static void boot(enum sched_rq_mode mode)
{
    fake_reset();
    kmem_init(heap, sizeof heap);
    sched_config.quantum = 1;
    sched_set_rq_mode(mode);
    sched_init(&sched_rr, task_init_idle(idle_stack, sizeof idle_stack));
    for (unsigned id = 1; id < NCPUS; id++) {
        struct task *idle = task_new_idle(id);
        assert_non_null(idle);
        void *local = sched_cpu_prepare(id, idle);
        fake_cpu = id;
        arch_cpu_set_local(local);
        sched_cpu_online();
    }
    fake_cpu = 0;
    assert_int_equal(sched_ncpus(), NCPUS);
}

static int setup_percpu(void **state)
{
    (void)state;
    boot(SCHED_RQ_PERCPU);
    return 0;
}

static int setup_global(void **state)
{
    (void)state;
    boot(SCHED_RQ_GLOBAL);
    return 0;
}

/* After every test: no klock is left taken (a take without its drop would
 * hang a real machine at the next switch or wakeup). */
static void assert_no_lock_held(void)
{
    assert_int_equal(sched_klock.locked, 0);
    for (unsigned i = 0; i < NCPUS; i++)
        assert_int_equal(sched_cpu(i)->rq->lock.locked, 0);
}

static int teardown(void **state)
{
    (void)state;
    assert_no_lock_held();
    klock_smp = false; /* the next test boots one CPU first */
    fake_cpu = 0;
    return 0;
}

/* A tick on CPU `cpu` (the fake arch's tick, as that CPU). */
static void tick_on(unsigned cpu)
{
    unsigned was = fake_cpu;
    fake_cpu = cpu;
    fake_tick();
    fake_cpu = was;
}

static struct task *ready_task(const char *name)
{
    struct task *t = task_new(name, body, NULL);
    assert_non_null(t);
    arch_irqstate_t s = sched_lock();
    sched_arrive_at(t, sched_ticks_locked());
    sched_unlock(s);
    return t;
}

/* New tasks made on CPU 0 go to idle CPUs first, one each, and each CPU that
 * gets one is told with an IPI; once none idles, the least loaded (the
 * creator's own CPU on a tie). */
static void test_placement_fills_idle_cpus_first(void **state)
{
    (void)state;
    struct task *t[NCPUS + 1];
    static const char *const names[] = {"A", "B", "C", "D", "E"};
    for (unsigned i = 0; i <= NCPUS; i++)
        t[i] = ready_task(names[i]);
    assert_int_equal(t[0]->cpu, 0); /* CPU 0 idled: its own */
    for (unsigned i = 1; i < NCPUS; i++) {
        assert_int_equal(t[i]->cpu, i);
        assert_int_equal(fake_resched_ipis[i], 1);
        assert_true(sched_cpu(i)->need_resched);
        assert_int_equal(sched_cpu(i)->own_rq.nr_ready, 1);
    }
    assert_int_equal(t[NCPUS]->cpu, 0); /* all busy: a tie, the creator's CPU */
    assert_int_equal(sched_cpu(0)->own_rq.nr_ready, 2);
    assert_int_equal(fake_resched_ipis[0], 0); /* nobody IPIs itself */
}

/* A task may only go where its affinity says, idle CPUs elsewhere or not;
 * a mask naming no CPU that runs tasks is refused. */
static void test_affinity_is_obeyed(void **state)
{
    (void)state;
    struct task *t = task_new("pinned", body, NULL);
    assert_true(task_set_affinity(t, 1u << 2));
    arch_irqstate_t s = sched_lock();
    sched_arrive_at(t, sched_ticks_locked());
    sched_unlock(s);
    assert_int_equal(t->cpu, 2);
    assert_false(task_set_affinity(t, 1u << 6)); /* CPU 6 is not online */
    assert_int_equal(t->affinity, 1u << 2);
    /* Moved while READY: it leaves CPU 2's queue for CPU 3's at once. */
    assert_true(task_set_affinity(t, 1u << 3));
    assert_int_equal(t->cpu, 3);
    assert_int_equal(sched_cpu(2)->own_rq.nr_ready, 0);
    assert_int_equal(sched_cpu(3)->own_rq.nr_ready, 1);
}

/* A running task whose affinity no longer allows its CPU leaves it at its
 * next switch, and only then joins a queue it may use: until its CPU has
 * switched away from it, no other CPU may find it. The fake's switch hook
 * looks at CPU 3's queue at the very moment of the switch. */
static struct task *moving;
static int queued_at_switch = -1;

static void look_at_cpu3(void)
{
    if (queued_at_switch < 0 && moving->on_cpu)
        queued_at_switch = (int)sched_cpu(3)->own_rq.nr_ready;
}

static void test_a_running_task_moves_once_off_its_cpu(void **state)
{
    (void)state;
    ready_task("A");                  /* CPU 0 */
    struct task *t = ready_task("B"); /* CPU 1, idle: told to switch */
    assert_int_equal(t->cpu, 1);
    fake_cpu = 1;
    fake_interrupt_tail();
    assert_ptr_equal(sched_cpu(1)->current, t);
    fake_cpu = 0;
    assert_true(task_set_affinity(t, 1u << 3));
    assert_true(sched_cpu(1)->need_resched); /* its CPU is told... */
    assert_int_equal(sched_cpu(3)->own_rq.nr_ready, 0); /* ...and nobody else has it yet */
    moving = t;
    queued_at_switch = -1;
    fake_switch_hook = look_at_cpu3;
    fake_cpu = 1;
    fake_interrupt_tail(); /* CPU 1 switches away, then hands it over */
    fake_cpu = 0;
    fake_switch_hook = NULL;
    assert_int_equal(queued_at_switch, 0); /* not in CPU 3's queue while still on CPU 1 */
    assert_ptr_equal(sched_cpu(1)->current, sched_cpu(1)->idle);
    assert_false(task_exiled(t));
    assert_int_equal(t->cpu, 3);
    assert_int_equal(t->state, TASK_READY);
    assert_false(t->on_cpu);
    assert_int_equal(sched_cpu(3)->own_rq.nr_ready, 1);
    assert_true(sched_cpu(3)->need_resched);
}

/* Each CPU's queue has its own lock. While CPU 1 holds its own (as in the
 * middle of a switch), the other CPUs wake tasks onto their queues, tick,
 * switch, balance and yield without waiting: the fake counts every spin.
 * And a wakeup onto CPU 1's queue does wait for that lock - until "CPU 1"
 * lets go of it (the fake's relax hook), so the lock is really the one
 * guarding that queue, not a shared one. */
static void cpu1_lets_go(void)
{
    fake_relax_hook = NULL; /* (first: the release itself pauses, seeing a waiter) */
    unsigned was = fake_cpu;
    fake_cpu = 1;
    klock_drop(&sched_cpu(1)->own_rq.lock);
    fake_cpu = was;
}

static void test_each_run_queue_has_its_own_lock(void **state)
{
    (void)state;
    fake_cpu = 1;
    klock_take(&sched_cpu(1)->own_rq.lock);
    fake_cpu = 0;
    for (unsigned i = 0; i < 6; i++) { /* two on each of CPUs 0, 2 and 3 */
        struct task *t = task_new("w", body, NULL);
        assert_true(task_set_affinity(t, ~(1u << 1)));
        arch_irqstate_t s = sched_lock();
        sched_arrive_at(t, sched_ticks_locked());
        sched_unlock(s);
    }
    for (unsigned k = 0; k < 8; k++) { /* (two balancing periods) */
        tick_on(0);
        tick_on(2);
        tick_on(3);
    }
    fake_cpu = 2;
    struct task *y = task_current();
    assert_ptr_not_equal(y, sched_cpu(2)->idle);
    task_yield(); /* quantum 1: the other one here runs */
    assert_ptr_not_equal(task_current(), y);
    fake_cpu = 0;
    assert_int_equal(fake_relax_turns, 0); /* nobody waited for CPU 1's lock */
    assert_int_equal(sched_nr_ready(), 3);

    /* A task only CPU 1 may run: its wakeup must take CPU 1's queue lock. */
    struct task *pinned = task_new("p", body, NULL);
    assert_true(task_set_affinity(pinned, 1u << 1));
    fake_relax_hook = cpu1_lets_go;
    arch_irqstate_t s = sched_lock();
    sched_arrive_at(pinned, sched_ticks_locked());
    sched_unlock(s);
    assert_true(fake_relax_turns > 0); /* it waited for CPU 1's lock... */
    assert_int_equal(sched_cpu(1)->own_rq.nr_ready, 1); /* ...then queued the task there */
    assert_int_equal(sched_cpu(1)->own_rq.lock.locked, 0);
}

/* task_kill on CPU 1 while CPU 0's task is on its way into a wait: it
 * holds its object's lock and waits for the scheduler lock, which CPU 1
 * holds. CPU 1 lets go and kills it; task_kill finds it RUNNING and leaves
 * the kill to its next wait, this one. So the wait must look for the kill
 * once it has the scheduler lock: looked for before, the task would sleep
 * on, killed, until someone happened to wake it. */
static struct task *victim;
static struct klock object_lock = KLOCK_INIT;

static void cpu1_lets_go_and_kills(void)
{
    fake_relax_hook = NULL;
    unsigned was = fake_cpu;
    fake_cpu = 1;
    klock_drop(&sched_klock);
    assert_int_equal(task_kill(victim), 0);
    fake_cpu = was;
}

static void test_a_kill_on_the_way_into_a_wait_is_not_lost(void **state)
{
    (void)state;
    victim = ready_task("V"); /* (queued on CPU 0, which idles)... */
    tick_on(0);               /* ...where it runs from the tick on */
    assert_ptr_equal(task_current(), victim);
    fake_cpu = 1;
    klock_take(&sched_klock);
    fake_cpu = 0;
    fake_relax_hook = cpu1_lets_go_and_kills;
    arch_irqstate_t s = klock_irqsave(&object_lock);
    sched_block(&object_lock, "test", &object_lock);
    assert_true(fake_relax_turns > 0);        /* it waited for CPU 1... */
    assert_true(victim->killed);              /* ...which killed it meanwhile... */
    assert_ptr_equal(task_current(), victim); /* ...so it did not begin the wait */
    assert_int_equal(victim->state, TASK_RUNNING);
    klock_irqrestore(&object_lock, s);
}

/* Six tasks pinned to CPU 0, then let go: CPU 1, idle, pulls half the
 * difference (three) on its balancing tick, and nothing is lost or
 * duplicated. */
static void test_an_idle_cpu_pulls_from_the_busiest(void **state)
{
    (void)state;
    struct task *t[6];
    for (unsigned i = 0; i < 6; i++) {
        t[i] = task_new("w", body, NULL);
        assert_true(task_set_affinity(t[i], 1u << 0));
        arch_irqstate_t s = sched_lock();
        sched_arrive_at(t[i], sched_ticks_locked());
        sched_unlock(s);
    }
    /* The first one runs on CPU 0 (it was idle), the other five wait there. */
    assert_int_equal(sched_cpu(0)->own_rq.nr_ready, 5);
    assert_ptr_equal(sched_cpu(0)->current, t[0]);
    for (unsigned i = 0; i < 6; i++)
        assert_true(task_set_affinity(t[i], ~0u));
    for (unsigned k = 0; k < 4; k++) /* a balancing period of CPU 1's ticks */
        tick_on(1);
    assert_int_equal(sched_cpu(1)->pulled, 3);
    assert_int_equal(sched_cpu(1)->own_rq.nr_ready + (sched_cpu(1)->current != sched_cpu(1)->idle), 3);
    assert_int_equal(sched_cpu(0)->own_rq.nr_ready, 2);
    assert_int_equal(sched_nr_ready() + 1 + (sched_cpu(1)->current != sched_cpu(1)->idle), 6);
    /* A second period changes nothing: the two are even (3 and 3). */
    for (unsigned k = 0; k < 4; k++)
        tick_on(1);
    assert_int_equal(sched_cpu(1)->pulled, 3);
}

/* rq=global: every task is in the one queue, and an idle CPU is kicked. */
static void test_global_queue_is_shared(void **state)
{
    (void)state;
    struct task *a = ready_task("A");
    struct task *b = ready_task("B");
    (void)a, (void)b;
    assert_ptr_equal(sched_cpu(0)->rq, sched_cpu(3)->rq);
    assert_int_equal(sched_nr_ready(), 2);
    unsigned kicked = 0;
    for (unsigned i = 0; i < NCPUS; i++)
        kicked += sched_cpu(i)->need_resched;
    assert_int_equal(kicked, 2); /* one idle CPU for each, not the same one twice */
}

/* A policy switch drains and refills every CPU's queue: each task stays on
 * its CPU, none is lost or duplicated. */
static void test_policy_switch_keeps_every_queue(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 2 * NCPUS; i++)
        ready_task("T");
    unsigned before[NCPUS];
    for (unsigned i = 0; i < NCPUS; i++)
        before[i] = sched_cpu(i)->own_rq.nr_ready;
    sched_set_policy(&sched_fair);
    sched_set_policy(&sched_rr);
    for (unsigned i = 0; i < NCPUS; i++)
        assert_int_equal(sched_cpu(i)->own_rq.nr_ready, before[i]);
    assert_int_equal(sched_nr_ready(), 2 * NCPUS);
}

/* A kernel lock on several CPUs: taken, it names its holder; released, it
 * is free; a release that sees a waiter pauses (under QEMU's turns, so that
 * the waiter gets the lock before we could retake it); and a CPU that takes
 * a lock it already holds is told so in a panic instead of spinning. */
static void test_klock_names_its_holder_and_refuses_a_retake(void **state)
{
    (void)state;
    struct klock l = KLOCK_INIT;
    fake_cpu = 2;
    klock_take(&l);
    assert_int_equal(l.locked, 1);
    assert_int_equal(l.holder, 3);
    klock_drop(&l);
    assert_int_equal(l.locked, 0);
    assert_int_equal(l.holder, 0);
    assert_int_equal(fake_relax_turns, 0); /* nobody waited: no pause */

    klock_take(&l);
    l.waiting = 1; /* as another CPU in klock_spin */
    klock_drop(&l);
    assert_int_equal(fake_relax_turns, 1);
    l.waiting = 0;

    klock_take(&l);
    expect_assert_failure(klock_take(&l));
    assert_non_null(strstr(fake_panic_message, "CPU 2 takes a lock it already holds"));
    assert_int_equal(l.waiting, 0); /* refused before it counted itself a waiter */
    klock_smp = true; /* (the panic turned it off to print) */
    klock_drop(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_placement_fills_idle_cpus_first, setup_percpu, teardown),
        cmocka_unit_test_setup_teardown(test_affinity_is_obeyed, setup_percpu, teardown),
        cmocka_unit_test_setup_teardown(test_a_running_task_moves_once_off_its_cpu, setup_percpu, teardown),
        cmocka_unit_test_setup_teardown(test_each_run_queue_has_its_own_lock, setup_percpu, teardown),
        cmocka_unit_test_setup_teardown(test_a_kill_on_the_way_into_a_wait_is_not_lost, setup_percpu, teardown),
        cmocka_unit_test_setup_teardown(test_an_idle_cpu_pulls_from_the_busiest, setup_percpu, teardown),
        cmocka_unit_test_setup_teardown(test_global_queue_is_shared, setup_global, teardown),
        cmocka_unit_test_setup_teardown(test_policy_switch_keeps_every_queue, setup_percpu, teardown),
        cmocka_unit_test_setup_teardown(test_klock_names_its_holder_and_refuses_a_retake, setup_percpu, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
