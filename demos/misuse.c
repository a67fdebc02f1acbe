/*
 * misuse.c - what happens when the primitives are misused (run=misuse).
 *
 * Each case commits one mistake a student will make, checks that the kernel
 * printed one MISUSE line about it and carried on, and that the object still
 * works. Then one task takes two mutexes in one order and, once it is done,
 * another takes them in the opposite order: no deadlock can happen, but the
 * lock-order validator (kernel/sync/lockdep.h) says it could have. Last, two
 * tasks lock two mutexes in opposite orders at once: the validator reports
 * the orders, the wait-for graph the deadlock, and the demo ends the two
 * (task_kill_all) so that nothing is left behind.
 *
 * Every case waits for the state it needs (the other task holds the mutex,
 * is blocked: WAIT_UNTIL) instead of sleeping a guessed number of ticks, so
 * the checks hold on several CPUs and under every policy.
 */
#include "demo.h"
#include "demo_util.h"
#include "demos.h"
#include "sync/lockdep.h"
#include "lib/lang.h"

static struct mutex m, x, y;
static struct semaphore s;
static struct spinlock spin;
static struct rwlock rw;
static struct cond c;

static volatile bool may_release; /* hold_m lets go of m when told */

static unsigned misuse_count(void)
{
    struct sync_stats st;
    sync_get_stats(&st);
    return st.misuse;
}

/* Run one case: `fn` must cause exactly one report and return what the
 * object says afterwards (true if it still works). */
static int check(const char *name, bool (*fn)(void))
{
    unsigned before = misuse_count();
    bool works = fn();
    unsigned reports = misuse_count() - before;
    int failed = ktap_result(reports == 1 && works, name);
    kprintf("# reports=%u still_works=%d\n", reports, works);
    return failed;
}

static int hold_m(void *arg)
{
    (void)arg;
    mutex_lock(&m);
    WAIT_UNTIL(may_release);
    mutex_unlock(&m);
    return 0;
}

static bool unlock_not_owner(void)
{
    mutex_init(&m, "m");
    may_release = false;
    struct task *t = task_create("owner", hold_m, NULL);
    WAIT_UNTIL(HELD_BY(&m, t));
    bool refused = mutex_unlock(&m) == SYNC_MISUSE;
    may_release = true;
    task_join(t);
    return refused && mutex_lock(&m) == SYNC_OK && mutex_unlock(&m) == SYNC_OK;
}

static bool lock_twice(void)
{
    mutex_init(&m, "m");
    mutex_lock(&m);
    bool refused = mutex_lock(&m) == SYNC_MISUSE;
    return refused && mutex_unlock(&m) == SYNC_OK;
}

static bool spin_unlock_not_held(void)
{
    spin_init(&spin, "spin", SPIN_XCHG);
    bool refused = spin_unlock(&spin) == SYNC_MISUSE;
    bool works = spin_lock(&spin) == SYNC_OK && spin_unlock(&spin) == SYNC_OK;
    return refused && works && arch_irq_enabled();
}

static bool sleep_holding_spinlock(void)
{
    spin_init(&spin, "spin", SPIN_TSL);
    sem_init(&s, "s", 0);
    spin_lock(&spin);
    bool refused = sem_down(&s) == SYNC_MISUSE;
    spin_unlock(&spin);
    sem_up(&s);
    return refused && sem_down(&s) == SYNC_OK && arch_irq_enabled();
}

static volatile int from_irq = 1;

static void down_in_irq(void *arg)
{
    (void)arg;
    from_irq = sem_down(&s);
}

static bool block_in_interrupt(void)
{
    sem_init(&s, "s", 0);
    from_irq = 1;
    sched_call_on_tick(down_in_irq, NULL);
    while (from_irq == 1)
        task_yield();
    sem_up(&s);
    return from_irq == SYNC_MISUSE && sem_down(&s) == SYNC_OK;
}

static int wait_on_s(void *arg)
{
    (void)arg;
    return sem_down(&s);
}

static bool destroy_with_waiters(void)
{
    sem_init(&s, "s", 0);
    struct task *t = task_create("waiter", wait_on_s, NULL);
    WAIT_UNTIL(IS_BLOCKED(t));
    bool refused = sem_destroy(&s) == SYNC_MISUSE;
    sem_up(&s); /* the waiter can go on */
    return refused && task_join(t) == SYNC_OK;
}

static bool read_unlock_not_held(void)
{
    rw_init(&rw, "rw");
    rw_read_unlock(&rw);
    return rw_read_lock(&rw) == SYNC_OK && (rw_read_unlock(&rw), rw.readers == 0);
}

static bool cond_wait_without_mutex(void)
{
    cond_init(&c, "c");
    mutex_init(&m, "m");
    return cond_wait(&c, &m) == SYNC_MISUSE;
}

static volatile int irq_rc = 1;

static void lock_in_irq(void *arg)
{
    (void)arg;
    irq_rc = mutex_lock(&m);
}

static bool mutex_in_interrupt(void)
{
    mutex_init(&m, "m");
    irq_rc = 1;
    sched_call_on_tick(lock_in_irq, NULL);
    while (irq_rc == 1)
        task_yield();
    return irq_rc == SYNC_MISUSE && m.owner == NULL && mutex_lock(&m) == SYNC_OK && mutex_unlock(&m) == SYNC_OK;
}

static int lock_and_leave(void *arg)
{
    (void)arg;
    mutex_lock(&m);
    task_sleep(2);
    return 0; /* exits holding m */
}

static bool exit_holding_mutex(void)
{
    mutex_init(&m, "m");
    struct task *t = task_create("leaver", lock_and_leave, NULL);
    WAIT_UNTIL(HELD_BY(&m, t));
    bool got = mutex_lock(&m) == SYNC_OK; /* waits until the leaver exits, then gets m */
    task_join(t);
    return got && m.owner == task_current() && mutex_unlock(&m) == SYNC_OK;
}

/* The owner sleeps (it is not blocked on a mutex): waiting for it is no
 * deadlock, and must not be reported as one. */
static int hold_and_nap(void *arg)
{
    (void)arg;
    mutex_lock(&x);
    task_sleep(3);
    mutex_unlock(&x);
    return 0;
}

static int no_false_deadlock(void)
{
    struct sync_stats before, after;
    mutex_init(&x, "x");
    sync_get_stats(&before);
    struct task *t = task_create("napper", hold_and_nap, NULL);
    WAIT_UNTIL(HELD_BY(&x, t));
    mutex_lock(&x);
    mutex_unlock(&x);
    task_join(t);
    sync_get_stats(&after);
    int failed = ktap_result(after.deadlocks == before.deadlocks && after.misuse == before.misuse, "no-false-deadlock");
    kprintf(TR("# deadlocks_reported=%u (the owner was asleep, not waiting)\n",
               "# deadlocks_reported=%u (le propriétaire dormait, il n'attendait pas)\n"),
            after.deadlocks - before.deadlocks);
    return failed;
}

/* x then y, or y then x; then let go. */
static int in_order(void *arg)
{
    struct mutex *first = arg ? &y : &x, *second = arg ? &x : &y;
    mutex_lock(first);
    mutex_lock(second);
    mutex_unlock(second);
    mutex_unlock(first);
    return 0;
}

/* One task after the other, so nothing waits: only the orders are wrong. */
static int lock_order_abba(void)
{
    struct sync_stats before, after;
    sync_get_stats(&before);
    mutex_init(&x, "x");
    mutex_init(&y, "y");
    task_join(task_create("xy", in_order, NULL));
    task_join(task_create("yx", in_order, (void *)1));
    sync_get_stats(&after);
    unsigned orders = after.lock_orders - before.lock_orders, deadlocks = after.deadlocks - before.deadlocks;
    int failed = ktap_result(lockdep_enabled ? orders == 1 && deadlocks == 0 : orders == 0, "lock-order-abba");
    kprintf("# lock_orders_reported=%u deadlocks_reported=%u lockdep=%s\n", orders, deadlocks,
            lockdep_enabled ? "on" : "off");
    return failed;
}

/* Opposite lock orders: A takes x then y, B takes y then x. B takes its
 * second once A holds its first; A takes its second once B is blocked on
 * it. So the deadlock happens on every run, on any number of CPUs, under
 * any policy, and A, closing the cycle, is the one who reports it. */
static int ab(void *arg)
{
    bool is_a = arg == NULL;
    struct mutex *first = is_a ? &x : &y, *second = is_a ? &y : &x;
    mutex_lock(first);
    struct task *other;
    if (is_a)
        WAIT_UNTIL((other = __atomic_load_n(&second->owner, __ATOMIC_ACQUIRE)) != NULL && IS_BLOCKED(other));
    else
        WAIT_UNTIL(__atomic_load_n(&second->owner, __ATOMIC_ACQUIRE) != NULL);
    mutex_lock(second);
    return 0;
}

int demo_misuse(void *arg)
{
    (void)arg;
    ktap_plan(13);
    int failed = 0;
    failed += check("unlock-not-owner", unlock_not_owner);
    failed += check("lock-twice", lock_twice);
    failed += check("spin-unlock-not-held", spin_unlock_not_held);
    failed += check("sleep-holding-spinlock", sleep_holding_spinlock);
    failed += check("block-in-interrupt", block_in_interrupt);
    failed += check("destroy-with-waiters", destroy_with_waiters);
    failed += check("read-unlock-not-held", read_unlock_not_held);
    failed += check("cond-wait-without-mutex", cond_wait_without_mutex);
    failed += check("mutex-in-interrupt", mutex_in_interrupt);
    failed += check("exit-holding-mutex", exit_holding_mutex);
    failed += no_false_deadlock();
    failed += lock_order_abba();

    /* The two stay blocked until we end them (task_kill_all); each lets go
     * of its mutex on the way out, with no MISUSE line. */
    struct sync_stats before, after;
    sync_get_stats(&before);
    mutex_init(&x, "x");
    mutex_init(&y, "y");
    struct task *t[2] = {task_create("A", ab, NULL), task_create("B", ab, (void *)1)};
    unsigned stuck = sched_wait_quiet();
    unsigned ended = end_stuck(t, 2);
    sync_get_stats(&after);
    unsigned orders = after.lock_orders - before.lock_orders;
    failed += ktap_result(after.deadlocks == before.deadlocks + 1 && stuck == 2 && orders == lockdep_enabled &&
                              ended == 2 && after.misuse == before.misuse,
                          "deadlock-abba");
    kprintf("# deadlocks_reported=%u stuck=%u ended=%u lock_orders_reported=%u\n", after.deadlocks - before.deadlocks,
            stuck, ended, orders);
    return failed;
}

/* run=NAME (kernel/demo.h) */
DEMOS({"misuse", demo_misuse, "misused locks are reported; a lock-order deadlock is found"});
