/*
 * inversion.c - priority inversion, and priority inheritance (run=inversion).
 *
 * Under the prio policy: L (priority 6) takes a mutex; H (priority 0) needs
 * it and waits; meanwhile M (priority 3), which does not need it, is ready
 * and more urgent than L. Without priority inheritance, M runs its whole
 * burst while L holds the mutex and H waits behind both: the most urgent
 * task waits for a less urgent one that has nothing to do with it (Mars
 * Pathfinder, 1997). With it (pi=on), L borrows H's priority while H waits,
 * finishes its critical section, and H goes before M.
 *
 * The demo runs both, switching pi itself, and checks the order: without
 * inheritance H still waits for the mutex when M finishes; with it, H has
 * it by then, and L gives the borrowed priority back when it unlocks. A third run puts W
 * (priority 5) in the queue ahead of H: L hands the mutex to W, which must
 * inherit H's priority at that moment, or M gets in first.
 *
 * On several CPUs (rq=percpu) L, M, W and X share CPU 0 while H and the
 * demo itself run on CPU 1 (affinity). The inversion is the same - H, with
 * a CPU of its own, still waits for L, which M keeps off CPU 0 - and so is
 * the cure, across CPUs: L borrows H's priority on CPU 1's behalf, and CPU 0
 * is told at once (a reschedule IPI) that L now preempts M.
 */
#include "demo.h"
#include "demo_util.h"
#include "demos.h"
#include "lib/lang.h"

#define L_WORK 5   /* ticks L needs the mutex for */
#define M_WORK 20  /* ticks of CPU M burns */

static struct mutex resource, second;
static volatile uint64_t h_wanted, h_got, m_done; /* ticks, for the figures */
static struct task *volatile h_task;             /* H, once started */
static volatile bool h_waited_for_m; /* the verdict: H still waited for the mutex when M finished */
static volatile uint32_t l_boost_after; /* L's borrowed priority once it has unlocked */

static void burn_ticks(uint64_t n)
{
    struct task *self = task_current();
    uint64_t until = task_cpu_ticks(self) + n;
    while (task_cpu_ticks(self) < until)
        ;
}

static struct task *volatile m_task; /* M, once started (after H waits) */

static int low(void *arg)
{
    (void)arg;
    mutex_lock(&resource);
    /* Work only once H waits and M is ready (the demo starts M after H
     * blocks): however the CPUs are timed, M then competes with L for
     * the whole of L's critical section. */
    WAIT_UNTIL(m_task != NULL);
    burn_ticks(L_WORK);
    mutex_unlock(&resource);
    l_boost_after = task_current()->lent_priority;
    return 0;
}

/* W: priority 5, also waits for the mutex, before H: L hands it to W. */
static int waiter(void *arg)
{
    (void)arg;
    mutex_lock(&resource);
    burn_ticks(2);
    mutex_unlock(&resource);
    return 0;
}

static int medium(void *arg)
{
    (void)arg;
    burn_ticks(M_WORK);
    m_done = ticks_now();
    /* H still blocked: it waited for M. (A state, not a time: on several
     * CPUs H's own clock readings come when its CPU gets to run.) */
    h_waited_for_m = h_task && IS_BLOCKED(h_task);
    return 0;
}

static int high(void *arg)
{
    (void)arg;
    h_wanted = ticks_now();
    mutex_lock(&resource);
    h_got = ticks_now();
    mutex_unlock(&resource);
    return 0;
}

static bool smp; /* several CPUs: H and the demo on CPU 1, the others on CPU 0 */

/* Make and start a task; with `seen`, publish it there before it can run
 * (on several CPUs it may run at once, before we return). */
static struct task *start_seen(const char *name, task_entry_t fn, uint32_t priority, struct task *volatile *seen)
{
    struct task *t = task_new(name, fn, NULL);
    if (t) {
        t->priority = priority;
        if (smp)
            task_set_affinity(t, priority == 0 ? 1u << 1 : 1u << 0);
        if (seen)
            *seen = t;
        task_start_at(t, ticks_now());
    }
    return t;
}

static struct task *start(const char *name, task_entry_t fn, uint32_t priority)
{
    return start_seen(name, fn, priority, NULL);
}

/* The chain: X (5) holds `second` and waits for `resource` (held by L); H
 * (0) waits for `second`. Only if L inherits H's priority through X does H
 * get in before M. */
static int middle(void *arg)
{
    (void)arg;
    mutex_lock(&second);
    mutex_lock(&resource);
    mutex_unlock(&resource);
    mutex_unlock(&second);
    return 0;
}

static int high_on_second(void *arg)
{
    (void)arg;
    h_wanted = ticks_now();
    mutex_lock(&second);
    h_got = ticks_now();
    mutex_unlock(&second);
    return 0;
}

static int chain_scenario(void)
{
    sync_priority_inheritance = true;
    mutex_init(&resource, "resource");
    mutex_init(&second, "second");
    h_wanted = h_got = m_done = 0;
    h_task = NULL;
    h_waited_for_m = false;
    l_boost_after = 0;
    m_task = NULL;
    struct task *l = start("L", low, 6);
    WAIT_UNTIL(HELD_BY(&resource, l));
    struct task *x = start("X", middle, 5);
    WAIT_UNTIL(HELD_BY(&second, x) && IS_BLOCKED(x)); /* X holds second, waits for resource */
    struct task *h = start_seen("H", high_on_second, 0, &h_task);
    WAIT_UNTIL(IS_BLOCKED(h));
    struct task *m = start_seen("M", medium, 3, &m_task);
    task_join(h);
    task_join(m);
    task_join(x);
    task_join(l);
    int failed = ktap_result(!h_waited_for_m && l_boost_after == TASK_PRIORITIES, "inversion-chain-pi-on");
    kprintf(TR("# h_waited=%u m_done_at=+%u (H waits for X, which waits for L)\n",
               "# h_waited=%u m_done_at=+%u (H attend X, qui attend L)\n"),
            (unsigned)(h_got - h_wanted), (unsigned)(m_done - h_wanted));
    return failed;
}

/* handoff: W (5) waits before H (0): when L unlocks, W gets the mutex and
 * must inherit H's priority at once, before M (3) can get in. */
static int scenario(bool pi, bool handoff)
{
    sync_priority_inheritance = pi;
    mutex_init(&resource, "resource");
    h_wanted = h_got = m_done = 0;
    h_task = NULL;
    h_waited_for_m = false;
    l_boost_after = 0;
    m_task = NULL;
    struct task *l = start("L", low, 6);
    WAIT_UNTIL(HELD_BY(&resource, l)); /* L runs and takes the mutex */
    struct task *w = handoff ? start("W", waiter, 5) : NULL;
    if (w)
        WAIT_UNTIL(IS_BLOCKED(w)); /* W blocks on the mutex */
    struct task *h = start_seen("H", high, 0, &h_task);
    WAIT_UNTIL(IS_BLOCKED(h));
    struct task *m = start_seen("M", medium, 3, &m_task);
    task_join(h);
    task_join(m);
    task_join(l);
    if (w)
        task_join(w);
    bool ok = pi ? !h_waited_for_m && l_boost_after == TASK_PRIORITIES : h_waited_for_m;
    int failed = ktap_result(ok, handoff ? "inversion-handoff-pi-on" : pi ? "inversion-pi-on" : "inversion-pi-off");
    kprintf("# pi=%s h_waited=%u m_done_at=+%u h_got_at=+%u l_boost_after_unlock=%u h_waited_for_m=%d "
            "(ticks after H asked)\n",
            pi ? "on" : "off", (unsigned)(h_got - h_wanted), (unsigned)(m_done - h_wanted),
            (unsigned)(h_got - h_wanted), (unsigned)l_boost_after, h_waited_for_m);
    return failed;
}

int demo_inversion(void *arg)
{
    (void)arg;
    const struct sched_policy *before = sched_policy();
    bool pi_before = sync_priority_inheritance;
    struct task *self = task_current();
    uint32_t my_priority = self->priority;
    ktap_plan(4);
    smp = sched_ncpus() > 1;
    uint32_t my_affinity = self->affinity;
    if (smp && (sched_rq_mode() == SCHED_RQ_GLOBAL || !task_set_affinity(self, 1u << 1))) {
        /* L and M must compete for one CPU: that takes affinity. */
        const char *why = "L and M must share a CPU, which takes affinity: boot with rq=percpu";
        ktap_skip("inversion-pi-off", why);
        ktap_skip("inversion-pi-on", why);
        ktap_skip("inversion-handoff-pi-on", why);
        ktap_skip("inversion-chain-pi-on", why);
        return 0;
    }
    sched_set_policy(sched_policy_find("prio"));
    arch_irqstate_t s = sched_lock();
    self->priority = 0; /* the demo itself must not be in the way */
    sched_priority_changed(self);
    sched_unlock_preempt(&sched_klock, s);
    int failed = scenario(false, false);
    failed += scenario(true, false);
    failed += scenario(true, true);
    failed += chain_scenario();
    sync_priority_inheritance = pi_before;
    s = sched_lock();
    self->priority = my_priority;
    sched_priority_changed(self);
    sched_unlock_preempt(&sched_klock, s);
    sched_set_policy(before);
    if (smp)
        task_set_affinity(self, my_affinity);
    return failed;
}

/* run=NAME (kernel/demo.h) */
DEMOS({"inversion", demo_inversion, "priority inversion without and with priority inheritance"});
