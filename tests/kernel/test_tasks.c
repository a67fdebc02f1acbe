/*
 * test_tasks.c - preemption, yield, sleep and join, checked from inside.
 */
#include "ktest.h"
#include "ktests.h"
#include "sync/sync.h"
#include "tourniquet.h"

/* ---- preempt ---------------------------------------------------------- */

#define SPINNERS 3
#define PREEMPT_TICKS 60
#define LOG_MAX 512

/* Every time a spinner sees the tick counter change, it logs (tick, who). */
static struct { uint32_t tick; uint8_t who; } seen[LOG_MAX];
static volatile unsigned nseen;
static uint64_t spin_end;

static int spin_and_log(void *arg)
{
    uint8_t me = (uint8_t)(uintptr_t)arg;
    uint64_t last = ~0ull;
    for (;;) {
        uint64_t now = ticks_now();
        if (now == last)
            continue;
        if (now >= spin_end)
            return 0;
        last = now;
        arch_irqstate_t s = arch_irq_save();
        if (nseen < LOG_MAX) {
            seen[nseen].tick = (uint32_t)now;
            seen[nseen].who = me;
            nseen++;
        }
        arch_irq_restore(s);
    }
}

void ktest_preempt(void)
{
    uint32_t q = sched_config.quantum;
    uint32_t window = SPINNERS * q + 1;
    uint64_t start = ticks_now() + 1;
    spin_end = start + PREEMPT_TICKS;
    nseen = 0;
    kprintf("# policy=%s quantum=%u hz=%u window=%u ticks\n", sched_policy()->name, (unsigned)q,
            (unsigned)kconfig.hz, (unsigned)window);

    struct task *t[SPINNERS];
    for (int i = 0; i < SPINNERS; i++)
        t[i] = task_create("spin", spin_and_log, (void *)(uintptr_t)i);
    for (int i = 0; i < SPINNERS; i++)
        KT_EXPECT_EQ(task_join(t[i]), 0);

    /* Every window of `window` consecutive ticks must show all three. */
    unsigned bad = 0;
    for (uint64_t w = start; w + window <= spin_end; w++) {
        unsigned mask = 0;
        for (unsigned i = 0; i < nseen; i++)
            if (seen[i].tick >= w && seen[i].tick < w + window)
                mask |= 1u << seen[i].who;
        if (mask != (1u << SPINNERS) - 1 && bad++ < 3)
            ktest_fail(__FILE__, __LINE__, "ticks %u..%u: only tasks mask 0x%x ran",
                       (unsigned)w, (unsigned)(w + window - 1), mask);
    }
    unsigned per[SPINNERS] = {0};
    for (unsigned i = 0; i < nseen; i++)
        per[seen[i].who]++;

    /* Each turn lasts exactly a quantum: list who saw each tick, in tick
     * order, and measure the runs (the first and last may be cut short). */
    uint8_t who_at[PREEMPT_TICKS];
    for (unsigned k = 0; k < PREEMPT_TICKS; k++)
        who_at[k] = 0xff;
    for (unsigned i = 0; i < nseen; i++)
        if (seen[i].tick >= start && seen[i].tick < spin_end)
            who_at[seen[i].tick - start] = seen[i].who;
    unsigned runs = 0, bad_runs = 0;
    for (unsigned k = 0; k < PREEMPT_TICKS;) {
        unsigned e = k;
        while (e < PREEMPT_TICKS && who_at[e] == who_at[k])
            e++;
        if (k > 0 && e < PREEMPT_TICKS && e - k != q && bad_runs++ < 3)
            ktest_fail(__FILE__, __LINE__, "task %u ran %u ticks in a row from tick %u, quantum is %u",
                       who_at[k], e - k, (unsigned)(start + k), (unsigned)q);
        runs++;
        k = e;
    }
    kprintf("# %u turns of %u tick(s)\n", runs, (unsigned)q);
    kprintf("# ticks seen per task: %u %u %u over %u ticks\n", per[0], per[1], per[2], PREEMPT_TICKS);
    for (int i = 0; i < SPINNERS; i++)
        KT_EXPECT(per[i] >= PREEMPT_TICKS / (SPINNERS * 2), "task %d saw only %u ticks", i, per[i]);
}

/* ---- yield ------------------------------------------------------------ */

#define YIELDS 20
static volatile unsigned progress[2];
static volatile unsigned yield_faults;

static int yield_loop(void *arg)
{
    int me = (int)(uintptr_t)arg, other = 1 - me;
    for (int i = 0; i < YIELDS; i++) {
        progress[me]++;
        unsigned before = progress[other];
        bool other_done = before == YIELDS;
        task_yield();
        /* Round robin: the other ready task ran before we came back. */
        if (!other_done && progress[other] == before)
            yield_faults++;
    }
    return 0;
}

void ktest_yield(void)
{
    progress[0] = progress[1] = 0;
    yield_faults = 0;
    struct task *a = task_create("yield-a", yield_loop, (void *)0);
    struct task *b = task_create("yield-b", yield_loop, (void *)1);
    task_join(a);
    task_join(b);
    KT_EXPECT(progress[0] == YIELDS && progress[1] == YIELDS, "progress %u %u", progress[0], progress[1]);
    KT_EXPECT_EQ(yield_faults, 0); /* yields that returned before the other task ran */
}

/* ---- sleep ------------------------------------------------------------ */

#define SLEEPERS 5
static const uint32_t naps[SLEEPERS] = {30, 10, 20, 10, 1};
static struct { uint64_t deadline, woke; unsigned order; } slept[SLEEPERS];
static volatile unsigned wakeups;

static int nap(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    slept[i].deadline = ticks_now() + naps[i];
    task_sleep(naps[i]);
    slept[i].woke = ticks_now();
    slept[i].order = wakeups++;
    return 0;
}

void ktest_sleep(void)
{
    wakeups = 0;
    struct task *t[SLEEPERS];
    for (unsigned i = 0; i < SLEEPERS; i++)
        t[i] = task_create("nap", nap, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < SLEEPERS; i++)
        task_join(t[i]);
    for (unsigned i = 0; i < SLEEPERS; i++) {
        kprintf("# nap %u: %u ticks, deadline %u, woke at %u, %u%s to wake\n", i, (unsigned)naps[i],
                (unsigned)slept[i].deadline, (unsigned)slept[i].woke, slept[i].order + 1,
                slept[i].order == 0 ? "st" : slept[i].order == 1 ? "nd" : slept[i].order == 2 ? "rd" : "th");
        /* Nothing else is runnable, so each wakes on its very tick. */
        KT_EXPECT(slept[i].woke == slept[i].deadline, "nap %u", i);
        for (unsigned j = 0; j < SLEEPERS; j++) {
            bool earlier = slept[j].deadline < slept[i].deadline ||
                           (slept[j].deadline == slept[i].deadline && j < i);
            if (earlier)
                KT_EXPECT(slept[j].order < slept[i].order, "nap %u (deadline %u) woke after nap %u", j,
                          (unsigned)slept[j].deadline, i);
        }
    }
}

/* ---- clock ------------------------------------------------------------ */

/* Under QEMU -icount shift=0 the cycle counter runs at 10^9 per second of
 * guest time; the harness checks the figure printed here against hz=. */
void ktest_clock(void)
{
    uint64_t t = ticks_now();
    while (ticks_now() == t) /* align on a tick */
        ;
    uint64_t c0 = cycles_now(), t0 = ticks_now();
    while (ticks_now() < t0 + 10)
        ;
    uint32_t per_tick = (uint32_t)(cycles_now() - c0) / 10;
    if (kconfig.slow) /* (the timer at 1000 Hz, every Nth interrupt a tick) */
        kprintf("# hz=1000 every=%u cycles_per_tick=%u\n", (unsigned)kconfig.slow, (unsigned)per_tick);
    else
        kprintf("# hz=%u cycles_per_tick=%u\n", (unsigned)kconfig.hz, (unsigned)per_tick);
    KT_EXPECT(ticks_now() >= t0 + 10);
}

/* ---- join ------------------------------------------------------------- */

static int return_arg(void *arg)
{
    task_sleep(3);
    return (int)(uintptr_t)arg;
}

static int join_other(void *arg) { return task_join(arg); }

void ktest_join(void)
{
    /* Join waits for the task and hands back its exit code. */
    uint64_t t0 = ticks_now();
    struct task *t = task_create("child", return_arg, (void *)42);
    KT_EXPECT_EQ(task_join(t), 42);
    KT_EXPECT(ticks_now() >= t0 + 3, "join returned before the child's 3-tick nap ended");

    /* Joining a task that has already exited returns at once. */
    t = task_create("quick", return_arg, (void *)7);
    task_sleep(10);
    KT_EXPECT(t->state == TASK_DEAD, "state %s", task_state_name(t->state));
    KT_EXPECT(task_join(t) == 7);
    /* Joined, it was freed: the pointer is stale now, and refused (before
     * anything else can take its memory). */
    KT_EXPECT(task_join(t) == -1, "a task already joined and freed was joined again");
    KT_EXPECT(task_join(NULL) == -1);

    /* Misuse: joining oneself, and joining a task someone else joins. */
    KT_EXPECT(task_join(task_current()) == -1);
    struct task *child = task_create("child", return_arg, (void *)5);
    struct task *joiner = task_create("joiner", join_other, child);
    task_sleep(1); /* let the joiner block in task_join */
    KT_EXPECT(task_join(child) == -1, "a second joiner was accepted");
    KT_EXPECT(task_join(joiner) == 5, "the first joiner did not get the exit code");

    /* A task with no code is refused, with one MISUSE line (it was a
     * KASSERT: the kernel stopped). */
    struct sync_stats before, after;
    sync_get_stats(&before);
    KT_EXPECT(task_create("no-entry", NULL, NULL) == NULL, "a task with a NULL entry was made");
    sync_get_stats(&after);
    KT_EXPECT_EQ(after.misuse, before.misuse + 1);
}

/* ---- stacks ------------------------------------------------------------ */

/* Kernel stacks come and go by the thousand, on every CPU at once: more
 * tasks than the stack window has slots (8,192), so freed slots must be
 * used again, and each only once no CPU can still reach its old pages.
 * Each task fills the unused part of its stack with a pattern of its own,
 * lets the others run, and reads it back: a slot handed out while another
 * CPU still wrote through it, or two tasks given the same pages, would
 * show here. */
#define STACK_MAKERS 4
#define STACK_ROUNDS 2600

static int fill_own_stack(void *arg)
{
    struct task *self = task_current();
    uint32_t key = (uint32_t)(uintptr_t)arg * 2654435761u;
    volatile uint32_t *lo = (volatile uint32_t *)(self->stack + TASK_CANARY_ZONE);
    volatile uint32_t *hi = (volatile uint32_t *)((uintptr_t)__builtin_frame_address(0) - 256);
    for (volatile uint32_t *w = lo; w < hi; w++)
        *w = key ^ (uint32_t)(uintptr_t)w;
    task_yield();
    int wrong = 0;
    for (volatile uint32_t *w = lo; w < hi; w++)
        wrong += *w != (key ^ (uint32_t)(uintptr_t)w);
    return wrong;
}

static int make_stacks(void *arg)
{
    unsigned maker = (unsigned)(uintptr_t)arg, wrong = 0, made = 0;
    for (unsigned i = 0; i < STACK_ROUNDS; i++) {
        struct task *t = task_create("stack", fill_own_stack, (void *)(uintptr_t)(maker * STACK_ROUNDS + i));
        if (!t)
            break;
        made++;
        wrong += (unsigned)task_join(t);
    }
    return (int)(wrong ? 100000 + wrong : made);
}

void ktest_stacks(void)
{
    struct task *makers[STACK_MAKERS];
    for (unsigned m = 0; m < STACK_MAKERS; m++)
        makers[m] = task_create("stack-maker", make_stacks, (void *)(uintptr_t)m);
    unsigned made = 0;
    for (unsigned m = 0; m < STACK_MAKERS; m++) {
        int r = task_join(makers[m]);
        KT_EXPECT(r == STACK_ROUNDS, "maker %u: %s %d", m, r > 100000 ? "words of a stack changed under its task:" :
                  "tasks made before task_create failed:", r > 100000 ? r - 100000 : r);
        made += r > 0 && r < 100000 ? (unsigned)r : 0;
    }
    kprintf("# stacks: %u tasks made, each checked its own stack, on %u CPU(s)\n", made, sched_ncpus());
}

/* ---- kill ------------------------------------------------------------- */

static struct semaphore kill_sem;
static struct mutex kill_m1, kill_m2;
static struct cond kill_cond;
static volatile int kill_reached; /* set by a victim past its wait: it must never be */

static int wait_sem(void *arg)
{
    (void)arg;
    sem_down(&kill_sem);
    kill_reached = 1;
    return 0;
}

static int hold_m1_wait_m2(void *arg)
{
    (void)arg;
    mutex_lock(&kill_m1);
    mutex_lock(&kill_m2);
    kill_reached = 1;
    return 0;
}

static int nap_long(void *arg)
{
    (void)arg;
    task_sleep(1000000);
    kill_reached = 1;
    return 0;
}

static int wait_cond(void *arg)
{
    (void)arg;
    mutex_lock(&kill_m2);
    cond_wait(&kill_cond, &kill_m2);
    kill_reached = 1;
    return 0;
}

static struct barrier kill_barrier;

static int wait_barrier(void *arg)
{
    (void)arg;
    return barrier_wait(&kill_barrier);
}

static struct semaphore defer_sem;
static volatile int defer_joined, defer_passed;

static int exit_when_upped(void *arg)
{
    (void)arg;
    sem_down(&defer_sem);
    return 5;
}

/* A join that a kill must not end (task_defer_kill), then the first wait
 * after it: that one the kill ends. */
static int join_kill_deferred(void *arg)
{
    task_defer_kill();
    defer_joined = task_join(arg);
    task_allow_kill();
    sem_down(&kill_sem);
    defer_passed = 1;
    return 0;
}

static volatile int busy_started, busy_go;

static int spin_a_while(void *arg)
{
    (void)arg;
    busy_started = 1;
    while (!busy_go) /* preempted here, READY: killed with no wait to end */
        ;
    sem_down(&kill_sem); /* its next wait, which no one would end: it ends here, without waiting */
    kill_reached = 1;
    return 0;
}

/* Wait (a tick at a time, at most 1000) until t is in state s. */
static void wait_state(struct task *t, enum task_state s)
{
    for (unsigned n = 0; __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != s && n < 1000; n++)
        task_sleep(1);
    KT_EXPECT(t->state == s, "'%s' is %s", t->name, task_state_name(t->state));
}

void ktest_kill(void)
{
    struct sync_stats before, after;
    sync_get_stats(&before);
    kill_reached = 0;
    sem_init(&kill_sem, "kill_sem", 0);
    mutex_init(&kill_m1, "kill_m1");
    mutex_init(&kill_m2, "kill_m2");
    cond_init(&kill_cond, "kill_cond");

    /* Blocked on a semaphore (its own lock), on a mutex while holding
     * another, asleep, in cond_wait: each ends at once, with the kill's
     * exit code, and never runs past its wait. */
    mutex_lock(&kill_m2);
    struct task *t[4] = {task_create("on_sem", wait_sem, NULL), task_create("on_mutex", hold_m1_wait_m2, NULL),
                         task_create("asleep", nap_long, NULL), NULL};
    wait_state(t[0], TASK_BLOCKED);
    wait_state(t[1], TASK_BLOCKED);
    wait_state(t[2], TASK_SLEEPING);
    uint64_t t0 = ticks_now();
    KT_EXPECT_EQ(task_kill_all(t, 3), 0);
    for (unsigned i = 0; i < 3; i++)
        KT_EXPECT_EQ(task_join(t[i]), TASK_EXIT_KILLED);
    KT_EXPECT(ticks_now() < t0 + 100000, "the sleeper (of a million ticks) was not ended at once (%u ticks)",
              (unsigned)(ticks_now() - t0));
    KT_EXPECT(kill_m1.owner == NULL, "on_mutex's mutex was not released on its way out");
    KT_EXPECT(list_empty(&kill_m2.waiters) && list_empty(&kill_sem.waiters), "a killed task is still queued");
    mutex_unlock(&kill_m2);

    t[3] = task_create("in_cond", wait_cond, NULL);
    wait_state(t[3], TASK_BLOCKED);
    KT_EXPECT_EQ(task_kill(t[3]), 0);
    KT_EXPECT_EQ(task_join(t[3]), TASK_EXIT_KILLED);
    KT_EXPECT(kill_m2.owner == NULL, "cond_wait's mutex is still held");

    /* Killed at a barrier of two: its arrival is taken back, so the next
     * two still make the phase together; left counted, the first of them
     * would pass alone, and the second would wait for ever (killed here). */
    barrier_init(&kill_barrier, "kill_barrier", 2);
    struct task *b[2] = {task_create("on_barrier", wait_barrier, NULL), NULL};
    wait_state(b[0], TASK_BLOCKED);
    KT_EXPECT_EQ(task_kill(b[0]), 0);
    KT_EXPECT_EQ(task_join(b[0]), TASK_EXIT_KILLED);
    KT_EXPECT_EQ(kill_barrier.arrived, 0u);
    b[0] = task_create("at_barrier", wait_barrier, NULL);
    wait_state(b[0], TASK_BLOCKED);
    b[1] = task_create("at_barrier", wait_barrier, NULL);
    for (unsigned i = 0; i < 2; i++) {
        int phase = -1;
        if (task_join_timeout(b[i], 1000, &phase) != 0) {
            KT_EXPECT(false, "'%s' %u still waits at the barrier", b[i]->name, i);
            task_kill(b[i]);
            task_join(b[i]);
        } else {
            KT_EXPECT_EQ(phase, 0);
        }
    }

    /* Killed in a wait that task_defer_kill protects (a dead process's
     * reaping): that wait goes on to its end, and the kill ends the task at
     * its next wait; ended in the join, it would leave its target unjoined. */
    defer_joined = -100, defer_passed = 0;
    sem_init(&defer_sem, "defer_sem", 0);
    struct task *e = task_create("exit_when_upped", exit_when_upped, NULL);
    struct task *d = task_create("join_deferred", join_kill_deferred, e);
    wait_state(e, TASK_BLOCKED);
    wait_state(d, TASK_BLOCKED);
    KT_EXPECT_EQ(task_kill(d), 0);
    task_sleep(3);
    KT_EXPECT(d->state == TASK_BLOCKED && defer_joined == -100, "the kill ended a join it was to wait for (%s, %d)",
              task_state_name(d->state), defer_joined);
    sem_up(&defer_sem);
    KT_EXPECT_EQ(task_join(d), TASK_EXIT_KILLED);
    KT_EXPECT_EQ(defer_joined, 5);
    KT_EXPECT(!defer_passed, "a kill deferred was not done at the first wait after");
    if (defer_joined != 5) /* (ended in its join: e is still there to be joined) */
        task_join(e);

    /* A running task ends at its next wait: it does not begin it (nothing
     * would end that wait, as nothing ups kill_sem). */
    busy_started = busy_go = 0;
    struct task *r = task_create("busy", spin_a_while, NULL);
    for (unsigned n = 0; !busy_started && n < 1000; n++)
        task_sleep(1);
    KT_EXPECT_EQ(task_kill(r), 0);
    busy_go = 1;
    int code = 0;
    KT_EXPECT_EQ(task_join_timeout(r, 1000, &code), 0);
    KT_EXPECT_EQ(code, TASK_EXIT_KILLED);
    KT_EXPECT(!kill_reached, "a killed task ran past its wait");

    /* The objects still work; refusals; no MISUSE line for the mutex a
     * killed task let go of. */
    sem_up(&kill_sem);
    KT_EXPECT_EQ(sem_down(&kill_sem), SYNC_OK);
    KT_EXPECT_EQ(task_kill(task_current()), -1);
    KT_EXPECT_EQ(task_kill(NULL), -1);
    sync_get_stats(&after);
    KT_EXPECT_EQ(after.misuse, before.misuse);
}

/* ---- timeout ---------------------------------------------------------- */

static struct semaphore to_sem;
static struct mutex to_mutex;
static struct cond to_cond;
static struct mailbox to_box;
static uint32_t to_slots[1];

static int up_after_two(void *arg)
{
    (void)arg;
    task_sleep(2);
    sem_up(&to_sem);
    return 0;
}

static int hold_mutex(void *arg)
{
    mutex_lock(&to_mutex);
    task_sleep((uint32_t)(uintptr_t)arg);
    mutex_unlock(&to_mutex);
    return 0;
}

static int nap_then_7(void *arg)
{
    task_sleep((uint32_t)(uintptr_t)arg);
    return 7;
}

/* Call `expr` (a _timeout call), and expect `rc` after `ticks` ticks (one
 * more allowed: the call may start just before a tick). */
#define EXPECT_AFTER(expr, rc, ticks)                                                                     \
    do {                                                                                                  \
        uint64_t t0_ = ticks_now();                                                                       \
        KT_EXPECT_EQ((expr), (rc));                                                                       \
        uint64_t took_ = ticks_now() - t0_, want_ = (ticks);                                              \
        KT_EXPECT(took_ + 0 == want_ || took_ == want_ + 1, "%s took %u ticks, not %u", #expr, (unsigned)took_, \
                  (unsigned)want_);                                                                       \
    } while (0)

void ktest_timeout(void)
{
    struct sync_stats before, after;
    sync_get_stats(&before);
    sem_init(&to_sem, "to_sem", 0);
    mutex_init(&to_mutex, "to_mutex");
    cond_init(&to_cond, "to_cond");
    mbox_init(&to_box, "to_box", to_slots, 1);

    /* Nobody comes: SYNC_TIMEOUT at the deadline, nothing taken, nobody
     * left in the queue; a later up is not lost to the one that left. */
    EXPECT_AFTER(sem_down_timeout(&to_sem, 5), SYNC_TIMEOUT, 5);
    KT_EXPECT(list_empty(&to_sem.waiters), "the timed-out task is still queued");
    EXPECT_AFTER(sem_down_timeout(&to_sem, 0), SYNC_TIMEOUT, 0);
    sem_up(&to_sem);
    KT_EXPECT_EQ(sem_try_down(&to_sem), SYNC_OK);
    /* Somebody comes in time. */
    struct task *t = task_create("upper", up_after_two, NULL);
    EXPECT_AFTER(sem_down_timeout(&to_sem, 100), SYNC_OK, 2);
    task_join(t);

    /* A mutex held longer than we wait, then shorter. */
    t = task_create("holder", hold_mutex, (void *)50);
    task_sleep(1);
    EXPECT_AFTER(mutex_lock_timeout(&to_mutex, 5), SYNC_TIMEOUT, 5);
    KT_EXPECT(!mutex_held_by_me(&to_mutex) && list_empty(&to_mutex.waiters));
    task_join(t);
    KT_EXPECT(to_mutex.owner == NULL, "the mutex went to a waiter that had left");
    t = task_create("holder", hold_mutex, (void *)3);
    task_sleep(1);
    KT_EXPECT_EQ(mutex_lock_timeout(&to_mutex, 100), SYNC_OK);
    KT_EXPECT(mutex_held_by_me(&to_mutex));

    /* cond_wait_timeout gives the mutex back, timed out or not. */
    EXPECT_AFTER(cond_wait_timeout(&to_cond, &to_mutex, 4), SYNC_TIMEOUT, 4);
    KT_EXPECT(mutex_held_by_me(&to_mutex), "cond_wait_timeout returned without the mutex");
    mutex_unlock(&to_mutex);
    task_join(t);

    /* The mailbox, empty and full. */
    uint32_t msg = 0;
    EXPECT_AFTER(mbox_recv_timeout(&to_box, &msg, 3), SYNC_TIMEOUT, 3);
    KT_EXPECT_EQ(mbox_send_timeout(&to_box, 42, 3), SYNC_OK);
    EXPECT_AFTER(mbox_send_timeout(&to_box, 43, 3), SYNC_TIMEOUT, 3);
    KT_EXPECT_EQ(mbox_recv_timeout(&to_box, &msg, 3), SYNC_OK);
    KT_EXPECT_EQ(msg, 42);

    /* Join: too soon, then again, for good. */
    t = task_create("napper", nap_then_7, (void *)20);
    int code = 0;
    EXPECT_AFTER(task_join_timeout(t, 5, &code), SYNC_TIMEOUT, 5);
    KT_EXPECT_EQ(task_join_timeout(t, 100, &code), 0);
    KT_EXPECT_EQ(code, 7);

    sync_get_stats(&after);
    KT_EXPECT_EQ(after.misuse, before.misuse);
}

/* ---- priority --------------------------------------------------------- */

/* Pintos' priority-change, under prio on one CPU: the order things happen
 * in is the check. */
static unsigned prio_log[8], prio_steps;

static void step(unsigned what)
{
    if (prio_steps < 8)
        prio_log[prio_steps++] = what;
}

static int lowers_itself(void *arg)
{
    (void)arg;
    step(1);                                   /* more urgent than ktest: runs at once */
    task_set_priority(task_current(), 6);      /* now less urgent: gives the CPU up here */
    step(3);                                   /* once ktest waits for it */
    return 0;
}

static int logs_five(void *arg)
{
    (void)arg;
    step(5);
    return 0;
}

static struct task *start_with_priority(const char *name, task_entry_t fn, uint32_t p)
{
    struct task *t = task_new(name, fn, NULL);
    t->priority = p;
    task_start_at(t, ticks_now());
    return t;
}

void ktest_priority(void)
{
    const struct sched_policy *was = sched_policy();
    struct task *self = task_current();
    uint32_t mine = self->priority;
    sched_set_policy(sched_policy_find("prio"));
    KT_EXPECT_EQ(task_set_priority(self, 4), 0);
    prio_steps = 0;

    /* A more urgent task preempts us; lowering itself below us, it yields. */
    struct task *h = start_with_priority("H", lowers_itself, 2);
    step(2);
    KT_EXPECT_EQ(task_join(h), 0);
    /* Raising a ready task above us: it runs before this call returns. */
    struct task *m = start_with_priority("M", logs_five, 6);
    step(4);
    KT_EXPECT_EQ(task_set_priority(m, 1), 0);
    step(6);
    KT_EXPECT_EQ(task_join(m), 0);
    kprintf("# order:");
    for (unsigned i = 0; i < prio_steps; i++)
        kprintf(" %u", prio_log[i]);
    kprintf(" (expected 1 2 3 4 5 6)\n");
    KT_EXPECT_EQ(prio_steps, 6);
    for (unsigned i = 0; i < prio_steps; i++)
        KT_EXPECT_EQ(prio_log[i], i + 1);

    /* Refused: out of range, no task. */
    KT_EXPECT_EQ(task_set_priority(self, TASK_PRIORITIES), -1);
    KT_EXPECT_EQ(task_set_priority(NULL, 1), -1);
    KT_EXPECT_EQ(self->priority, 4);
    task_set_priority(self, mine);
    sched_set_policy(was);
}

/* ---- swap ------------------------------------------------------------- */

/* Switch the policy again and again while tasks run: every task must still
 * get exactly its burst (a lost task would never finish, a duplicated one
 * would corrupt a queue or run twice as long). */
#define SWAP_TASKS 6

static int burn_forever(void *arg)
{
    volatile uint32_t *n = arg;
    for (;;)
        (*n)++;
    return 0;
}

void ktest_swap(void)
{
    static const char *const order[] = {"rr", "lottery", "stride", "fair", "prio", "mlfq", "rr",
                                        "srt", "sjf", "fifo"};
    static volatile uint32_t counter;
    struct task *t[SWAP_TASKS];
    for (unsigned i = 0; i < SWAP_TASKS; i++) {
        char name[8] = {'W', (char)('0' + i), 0};
        t[i] = task_new(name, burn_forever, (void *)&counter);
        t[i]->burst = t[i]->remaining = 15 + 3 * i;
        t[i]->priority = i % TASK_PRIORITIES;
        t[i]->tickets = 50 + 10 * i;
        task_start_at(t[i], ticks_now());
    }
    unsigned swaps_while_running = 0;
    for (unsigned k = 0; k < sizeof order / sizeof order[0]; k++) {
        task_sleep(2);
        unsigned alive = 0;
        for (unsigned i = 0; i < SWAP_TASKS; i++)
            alive += t[i]->state != TASK_DEAD;
        const struct sched_policy *p = sched_policy_find(order[k]);
        unsigned before = sched_nr_ready();
        sched_set_policy(p);
        KT_EXPECT(sched_nr_ready() == before, "%s: %u ready before, %u after", order[k], before, sched_nr_ready());
        swaps_while_running += alive > 0;
    }
    for (unsigned i = 0; i < SWAP_TASKS; i++) {
        uint32_t burst = t[i]->burst;
        uint64_t used = t[i]->ticks;
        KT_EXPECT_EQ(task_join(t[i]), 0);
        KT_EXPECT(used == burst, "task %u ran %u ticks, burst %u", i, (unsigned)used, (unsigned)burst);
    }
    kprintf("# %u policy switches while tasks ran\n", swaps_while_running);
    KT_EXPECT(swaps_while_running >= 6, "only %u switches happened while tasks ran", swaps_while_running);
    sched_set_policy(sched_policy_find(kconfig.sched));
}

/* ---- The suite's set-up and tear-down ---------------------------------- */

/* Every test here must leave the kernel as it found it: each task it made
 * joined (none left behind, even DEAD), the policy it found. */
static unsigned tasks_before;
static const struct sched_policy *policy_before;

static void count_task(struct task *t, void *n)
{
    (void)t;
    (*(unsigned *)n)++;
}

static unsigned task_count(void)
{
    unsigned n = 0;
    task_for_each(count_task, &n);
    return n;
}

static void tasks_setup(void)
{
    tasks_before = task_count();
    policy_before = sched_policy();
}

static void tasks_teardown(void)
{
    unsigned now = task_count();
    KT_EXPECT(now == tasks_before, "the test left %d task(s) behind (made, never joined)", (int)(now - tasks_before));
    if (sched_policy() != policy_before)
        sched_set_policy(policy_before); /* (a test may change it; the next one starts from the same) */
}

/* ---- kill_woken ------------------------------------------------------- */

/* A waker chooses a waiter, which is killed before it runs: the wakeup it
 * carried (a unit, a signal) goes to the next waiter, not into its grave. */

static struct semaphore kw_sem;
static struct mutex kw_m;
static struct cond kw_cond;
static struct rwlock kw_rw;
static volatile unsigned kw_through; /* waiters that got past their wait */

static int kw_down(void *arg)
{
    (void)arg;
    sem_down(&kw_sem);
    __atomic_add_fetch(&kw_through, 1, __ATOMIC_RELAXED);
    return 0;
}

static int kw_wait(void *arg)
{
    (void)arg;
    mutex_lock(&kw_m);
    cond_wait(&kw_cond, &kw_m);
    __atomic_add_fetch(&kw_through, 1, __ATOMIC_RELAXED);
    mutex_unlock(&kw_m);
    return 0;
}

static int kw_write(void *arg)
{
    (void)arg;
    rw_write_lock(&kw_rw);
    rw_write_unlock(&kw_rw);
    return 0;
}

static int kw_read(void *arg)
{
    (void)arg;
    rw_read_lock(&kw_rw);
    __atomic_add_fetch(&kw_through, 1, __ATOMIC_RELAXED);
    rw_read_unlock(&kw_rw);
    return 0;
}

/* A task running fn on this CPU alone, BLOCKED once this returns. */
static struct task *kw_waiter(const char *name, task_entry_t fn)
{
    struct task *t = task_new(name, fn, NULL);
    KT_EXPECT(task_set_affinity(t, 1u << task_current()->cpu), "'%s' cannot be kept on this CPU", name);
    task_start_at(t, ticks_now());
    wait_state(t, TASK_BLOCKED);
    return t;
}

/* Two waiters; wake() chooses the first, which is killed before it can run
 * (interrupts off, and it may only run here); the second must get past its
 * wait, and the first end killed. */
static void kw_check(const char *what, task_entry_t fn, void (*wake)(void))
{
    kw_through = 0;
    struct task *first = kw_waiter("kw_first", fn), *second = kw_waiter("kw_second", fn);
    arch_irqstate_t s = arch_irq_save();
    wake();
    KT_EXPECT(first->state == TASK_READY && second->state == TASK_BLOCKED, "%s: the wakeup went to '%s' (%s, %s)",
              what, first->state == TASK_READY ? first->name : second->name, task_state_name(first->state),
              task_state_name(second->state));
    KT_EXPECT_EQ(task_kill(first), 0);
    arch_irq_restore(s);
    int code = 0;
    KT_EXPECT_EQ(task_join_timeout(first, 1000, &code), 0);
    KT_EXPECT_EQ(code, TASK_EXIT_KILLED);
    KT_EXPECT_EQ(task_join_timeout(second, 1000, &code), 0); /* (it times out if the wakeup was lost) */
    KT_EXPECT_EQ(code, 0);
    KT_EXPECT_EQ(kw_through, 1u);
    if (second->state != TASK_DEAD) { /* lost: let it go, so that the test leaves nothing behind */
        task_kill(second);
        task_join(second);
    }
}

/* Lock and unlock the mutex arg (kw_m, kw_m1). */
static int kw_lock(void *arg)
{
    mutex_lock(arg);
    mutex_unlock(arg);
    return 0;
}

static struct mutex kw_m1; /* kw_middle holds it while it waits for kw_m */

static int kw_hold_then_lock(void *arg)
{
    (void)arg;
    mutex_lock(&kw_m1);
    mutex_lock(&kw_m);
    mutex_unlock(&kw_m);
    mutex_unlock(&kw_m1);
    return 0;
}

static struct semaphore kw_ksem;
static struct task *volatile kw_target;

static int kw_killer(void *arg)
{
    (void)arg;
    sem_down(&kw_ksem);
    return task_kill(kw_target);
}

/* Wakes kw_killer, more urgent, which kills it there: READY, in no wait.
 * Its mutex_lock is then where it ends, after it has lent its priority. */
static int kw_woke_then_lock(void *arg)
{
    (void)arg;
    kw_target = task_current();
    sem_up(&kw_ksem);
    mutex_lock(&kw_m);
    mutex_unlock(&kw_m);
    return 0;
}

/* A task of that priority kept on this CPU, started now. */
static struct task *kw_start(const char *name, task_entry_t entry, void *arg, uint32_t priority)
{
    struct task *u = task_new(name, entry, arg);
    task_set_priority(u, priority);
    KT_EXPECT(task_set_affinity(u, 1u << task_current()->cpu), "'%s' cannot be kept on this CPU", name);
    task_start_at(u, ticks_now());
    return u;
}

static void kw_up(void) { sem_up(&kw_sem); }
static void kw_signal(void) { cond_signal(&kw_cond); }

static void ktest_kill_woken(void)
{
    uint32_t affinity = task_current()->affinity;
    KT_EXPECT(task_set_affinity(task_current(), 1u << task_current()->cpu), "the test cannot stay on its CPU");
    sem_init(&kw_sem, "kw_sem", 0);
    kw_check("sem_up", kw_down, kw_up);
    KT_EXPECT_EQ(kw_sem.count, 0); /* the second took the unit */
    mutex_init(&kw_m, "kw_m");
    cond_init(&kw_cond, "kw_cond");
    kw_check("cond_signal", kw_wait, kw_signal);

    /* A writer killed while it waits no longer holds readers back. */
    rw_init(&kw_rw, "kw_rw");
    KT_EXPECT_EQ(rw_read_lock(&kw_rw), SYNC_OK);
    kw_through = 0;
    struct task *w = kw_waiter("kw_writer", kw_write);
    KT_EXPECT_EQ(task_kill(w), 0);
    int code = 0;
    KT_EXPECT_EQ(task_join_timeout(w, 1000, &code), 0);
    KT_EXPECT_EQ(code, TASK_EXIT_KILLED);
    KT_EXPECT_EQ(kw_rw.writers_waiting, 0u);
    rw_read_unlock(&kw_rw);
    struct task *r = task_create("kw_reader", kw_read, NULL);
    KT_EXPECT_EQ(task_join_timeout(r, 1000, &code), 0);
    KT_EXPECT_EQ(kw_through, 1u);
    if (r->state != TASK_DEAD) {
        task_kill(r);
        task_join(r);
    }
    /* An urgent waiter killed in mutex_lock no longer lends the owner its
     * priority (prio, with inheritance on). */
    const struct sched_policy *policy = sched_policy();
    bool pi = sync_priority_inheritance;
    sched_set_policy(sched_policy_find("prio"));
    sync_priority_inheritance = true;
    mutex_init(&kw_m, "kw_m");
    KT_EXPECT_EQ(mutex_lock(&kw_m), SYNC_OK);
    struct task *u = kw_start("kw_urgent", kw_lock, &kw_m, 0);
    wait_state(u, TASK_BLOCKED);
    KT_EXPECT_EQ(task_current()->lent_priority, 0u); /* (it borrows the waiter's 0) */
    KT_EXPECT_EQ(task_kill(u), 0);
    KT_EXPECT_EQ(task_join_timeout(u, 1000, &code), 0);
    KT_EXPECT_EQ(task_current()->lent_priority, (uint32_t)TASK_PRIORITIES); /* (none any more) */
    /* The same when the kill found it running, before its wait: it lends
     * (its 1) as it comes to the mutex, ends there, and takes it back. */
    sem_init(&kw_ksem, "kw_ksem", 0);
    struct task *k = kw_start("kw_killer", kw_killer, NULL, 0);
    wait_state(k, TASK_BLOCKED);
    u = kw_start("kw_urgent", kw_woke_then_lock, NULL, 1);
    KT_EXPECT_EQ(task_join_timeout(u, 1000, &code), 0);
    KT_EXPECT_EQ(code, TASK_EXIT_KILLED);
    KT_EXPECT_EQ(task_join_timeout(k, 1000, &code), 0);
    KT_EXPECT_EQ(code, 0);
    KT_EXPECT_EQ(task_current()->lent_priority, (uint32_t)TASK_PRIORITIES);
    /* Down a chain: kw_middle (2) holds kw_m1 and waits for kw_m, ours;
     * kw_urgent (0) waits for kw_m1, and lends its 0 to both. Killed, it
     * lends nothing: kw_middle none, and we kw_middle's 2 again. */
    mutex_init(&kw_m1, "kw_m1");
    struct task *mid = kw_start("kw_middle", kw_hold_then_lock, NULL, 2);
    wait_state(mid, TASK_BLOCKED);
    KT_EXPECT_EQ(task_current()->lent_priority, 2u);
    u = kw_start("kw_urgent", kw_lock, &kw_m1, 0);
    wait_state(u, TASK_BLOCKED);
    KT_EXPECT_EQ(task_current()->lent_priority, 0u);
    KT_EXPECT_EQ(task_kill(u), 0);
    KT_EXPECT_EQ(task_join_timeout(u, 1000, &code), 0);
    KT_EXPECT_EQ(mid->lent_priority, (uint32_t)TASK_PRIORITIES);
    KT_EXPECT_EQ(task_current()->lent_priority, 2u);
    mutex_unlock(&kw_m);
    KT_EXPECT_EQ(task_join_timeout(mid, 1000, &code), 0);
    sync_priority_inheritance = pi;
    sched_set_policy(policy);
    task_set_affinity(task_current(), affinity);
}

/* ---- spin_wakeup ------------------------------------------------------ */

static struct spinlock sw_lock;
static struct semaphore sw_sem;
static volatile int sw_ran;

static int sw_urgent(void *arg)
{
    (void)arg;
    sem_down(&sw_sem);
    sw_ran = 1;
    return 0;
}

/* A task holding a spinlock wakes a more urgent one (prio, both on this
 * CPU): the switch waits for the lock's release, then comes at once.
 * Switched at the wakeup, the holder would sleep holding the lock, and the
 * urgent task, spinning on it, would never let it run again. */
static void ktest_spin_wakeup(void)
{
    uint32_t affinity = task_current()->affinity;
    const struct sched_policy *policy = sched_policy();
    sched_set_policy(sched_policy_find("prio"));
    uint32_t here = 1u << task_current()->cpu;
    KT_EXPECT(task_set_affinity(task_current(), here), "the test cannot stay on its CPU");
    sem_init(&sw_sem, "sw_sem", 0);
    spin_init(&sw_lock, "sw_lock", SPIN_TICKET);
    sw_ran = 0;
    struct task *u = task_new("sw_urgent", sw_urgent, NULL);
    task_set_priority(u, 0);
    KT_EXPECT(task_set_affinity(u, here), "'sw_urgent' cannot be kept on this CPU");
    task_start_at(u, ticks_now());
    wait_state(u, TASK_BLOCKED);
    KT_EXPECT_EQ(spin_lock(&sw_lock), SYNC_OK);
    sem_up(&sw_sem);
    int under_lock = sw_ran;
    KT_EXPECT_EQ(spin_unlock(&sw_lock), SYNC_OK);
    int after_release = sw_ran;
    KT_EXPECT(!under_lock, "the urgent task ran while the waker held its spinlock");
    KT_EXPECT(after_release, "the urgent task did not run at the spinlock's release");
    int code = -1;
    KT_EXPECT_EQ(task_join_timeout(u, 1000, &code), 0);
    KT_EXPECT_EQ(code, 0);
    sched_set_policy(policy);
    task_set_affinity(task_current(), affinity);
}

/* ---- yield_affinity --------------------------------------------------- */

static volatile int ya_ready, ya_set;
static volatile unsigned ya_cpu_after;

/* Runs with interrupts off, so that the reschedule IPI of its affinity's
 * change waits: the yield is what must move it. */
static int ya_yielder(void *arg)
{
    (void)arg;
    arch_irqstate_t s = arch_irq_save();
    ya_ready = 1;
    while (!ya_set)
        arch_cpu_relax();
    task_yield();
    ya_cpu_after = task_current()->cpu;
    arch_irq_restore(s);
    return 0;
}

/* A task whose affinity changed while it ran, and which yields before it
 * is preempted, goes to a CPU it may use; requeued where it was, it would
 * be picked there again (under fifo, for ever). */
static void ktest_yield_affinity(void)
{
    if (sched_ncpus() < 2) {
        ktest_skip("one CPU: no other CPU to move to");
        return;
    }
    uint32_t affinity = task_current()->affinity;
    unsigned cpu = task_current()->cpu, other = cpu == 0 ? 1 : 0;
    KT_EXPECT(task_set_affinity(task_current(), 1u << cpu), "the test cannot stay on its CPU");
    ya_ready = ya_set = 0;
    ya_cpu_after = ~0u;
    struct task *y = task_new("ya_yielder", ya_yielder, NULL);
    KT_EXPECT(task_set_affinity(y, 1u << other), "'ya_yielder' cannot be put on CPU %u", other);
    task_start_at(y, ticks_now());
    for (unsigned n = 0; !ya_ready && n < 1000; n++)
        task_sleep(1);
    KT_EXPECT(ya_ready, "'ya_yielder' did not start on CPU %u", other);
    KT_EXPECT(task_set_affinity(y, 1u << cpu), "'ya_yielder' cannot be moved to CPU %u", cpu);
    ya_set = 1;
    int code = -1;
    KT_EXPECT_EQ(task_join_timeout(y, 1000, &code), 0);
    KT_EXPECT_EQ(ya_cpu_after, cpu);
    task_set_affinity(task_current(), affinity);
}

/* test=NAME (kernel/ktest.h), in the order test=all runs them */
KTEST_SUITE("tasks", tasks_setup, tasks_teardown, {"preempt", ktest_preempt, false, "three tasks that never yield all progress in every window of a few quanta"},
            {"yield", ktest_yield, false, "task_yield hands the CPU to the other ready task"},
            {"sleep", ktest_sleep, false, "sleepers wake exactly at their deadline, in deadline order"},
            {"join", ktest_join, false, "task_join waits, returns the exit code, and refuses misuse"},
            {"stacks", ktest_stacks, false, "10,400 kernel stacks made and freed on every CPU at once, none shared"},
            {"kill", ktest_kill, false, "task_kill ends waiting tasks at their wait, releasing their mutexes"},
            {"yield_affinity", ktest_yield_affinity, false, "a task that yields after its affinity changed moves to a CPU it may use"},
            {"spin_wakeup", ktest_spin_wakeup, false, "a wakeup made holding a spinlock switches at its release, not before"},
            {"kill_woken", ktest_kill_woken, false, "a waiter woken, then killed before it runs, passes its wakeup on; a killed one lends no priority"},
            {"timeout", ktest_timeout, false, "every _timeout call returns SYNC_TIMEOUT at its deadline, or succeeds in time"},
            {"priority", ktest_priority, false, "task_set_priority under prio: lowered, the caller yields; raised, a task runs"},
            {"clock", ktest_clock, false, "the timer ticks hz= times per second of guest time"},
            {"swap", ktest_swap, false, "switching policy while tasks run loses and duplicates nothing"});
