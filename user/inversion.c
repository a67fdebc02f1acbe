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
 * inheritance H gets the mutex after M has finished; with it, before.
 */
#include "demo_util.h"
#include "user.h"

#define L_WORK 5   /* ticks L needs the mutex for */
#define M_WORK 20  /* ticks of CPU M burns */

static struct mutex resource;
static volatile uint64_t h_wanted, h_got, m_done;

static void burn_ticks(uint64_t n)
{
    struct task *self = task_current();
    uint64_t until = task_cpu_ticks(self) + n;
    while (task_cpu_ticks(self) < until)
        ;
}

static int low(void *arg)
{
    (void)arg;
    mutex_lock(&resource);
    burn_ticks(L_WORK);
    mutex_unlock(&resource);
    return 0;
}

static int medium(void *arg)
{
    (void)arg;
    burn_ticks(M_WORK);
    m_done = ticks_now();
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

static struct task *start(const char *name, task_entry_t fn, uint32_t priority)
{
    struct task *t = task_new(name, fn, NULL);
    if (t) {
        t->priority = priority;
        task_start_at(t, ticks_now());
    }
    return t;
}

static int scenario(bool pi)
{
    sync_priority_inheritance = pi;
    mutex_init(&resource, "resource");
    h_wanted = h_got = m_done = 0;
    struct task *l = start("L", low, 6);
    task_sleep(2); /* L runs and takes the mutex */
    struct task *h = start("H", high, 0);
    struct task *m = start("M", medium, 3);
    task_join(h);
    task_join(m);
    task_join(l);
    bool ok = pi ? h_got < m_done : h_got >= m_done;
    int failed = ktap_result(ok, pi ? "inversion-pi-on" : "inversion-pi-off");
    kprintf("# pi=%s h_waited=%u m_done_at=+%u h_got_at=+%u (ticks after H asked)\n", pi ? "on" : "off",
            (unsigned)(h_got - h_wanted), (unsigned)(m_done - h_wanted), (unsigned)(h_got - h_wanted));
    return failed;
}

int demo_inversion(void *arg)
{
    (void)arg;
    const struct sched_policy *before = sched_policy();
    bool pi_before = sync_priority_inheritance;
    struct task *self = task_current();
    uint32_t my_priority = self->priority;
    sched_set_policy(sched_policy_find("prio"));
    self->priority = 0; /* the demo itself must not be in the way */
    sched_priority_changed(self);
    ktap_plan(2);
    int failed = scenario(false);
    failed += scenario(true);
    sync_priority_inheritance = pi_before;
    self->priority = my_priority;
    sched_set_policy(before);
    return failed;
}
