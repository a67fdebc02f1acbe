/*
 * sched.c - the scheduler core: states, switching, ticks, sleep, accounting.
 *
 * One function decides what runs next and switches to it: schedule(). It is
 * reached three ways:
 *   - a task gives up the CPU (sched_yield_and_restore, task_yield's;
 *     sched_block, sched_sleep_until, sched_exit): a voluntary switch;
 *   - the tail of an interrupt (sched_irq_exit, or sched_tick_interrupt's
 *     for a tick of the PIT: irq_tail), when the timer tick or a wakeup
 *     asked for it: a preemptive switch, after the PIC's EOI, with the
 *     preempted task's trap frame left on its stack;
 *   - sched_unlock_preempt, when task code made a more urgent task ready
 *     (sched_preempt_now).
 * The timer handler itself (sched_tick) never switches; it counts the tick,
 * charges it, and sets need_resched (or, for the PIT's tick on one CPU,
 * hands the task that goes straight to its own tail: tick_interrupt).
 *
 * Tasks that declare their CPU needs (workload tasks) are held to them here,
 * at tick boundaries: the tick that consumes a task's last burst tick
 * retires it, and the tick that ends one of its CPU phases puts it to sleep
 * for its I/O wait. So a schedule is exact to the tick, and the host
 * simulator, which runs this same file, reproduces it tick for tick.
 *
 * Two kinds of lock (sched.h, "Locking"). The scheduler lock (sched_klock)
 * guards the waits: whoever blocks, sleeps, exits or wakes a task holds it,
 * with the timer queue and the clock. Each run queue has its own lock,
 * which guards the queue and the CPU picking from it: a tick, a yield, a
 * preemption and a pick take their CPU's alone, so CPUs that only compute
 * and switch never meet. A waiting task takes the scheduler lock, then its
 * run queue's, and lets go of the first before it switches; the waker,
 * holding the scheduler lock, takes the lock of the queue it puts the task
 * in. So the run-queue lock is the one held across arch_switch, and who
 * releases it depends on how the resumed task had left the CPU - which is
 * also who turns its interrupts back on:
 *   - it gave the CPU up itself (yield, block, sleep, or a preemption point
 *     in task code): it resumes inside schedule(), returns into the sched_*
 *     call that took the lock, which lets go of it (the lock of the queue of
 *     the CPU it resumed on, maybe not the one it left) and retakes what its
 *     caller held; that caller's sched_unlock (or klock_irqrestore) restores
 *     the interrupt state it saved;
 *   - it was preempted by an interrupt: it resumes in sched_irq_exit, which
 *     drops the lock; interrupts come back on with the IRET that ends the
 *     interrupt (isr.S), from the EFLAGS in its trap frame;
 *   - it never ran: task_first_run (task.c) drops the lock and enables
 *     interrupts, then calls the task's entry function.
 * On one CPU every lock is "interrupts off" and nothing more (kernel/sync/klock.h).
 *
 * Several CPUs. Each CPU has its struct sched_cpu (sched.h): its current
 * task, its idle task, its run queue, its interrupt depth. A task that
 * becomes ready is placed on a CPU (place(): the CPU it last ran on if
 * that one is idle, else an idle CPU it may use, else the least loaded, its
 * own on a tie) and, if it should preempt what runs there, that CPU gets
 * need_resched and a reschedule IPI (kick()). A task woken while its switch
 * away is still under way on another CPU is queued only once it is off
 * (sched_make_ready waits: the waker holds no run-queue lock, and the
 * switching CPU needs no other lock to finish). A CPU whose queue runs dry
 * pulls a task from the busiest queue before it idles, and every
 * SCHED_BALANCE_TICKS of its ticks a CPU with two tasks fewer than the
 * busiest pulls half the difference (balance(), holding both queues'
 * locks). The clock is CPU 0's: its ticks are the ticks of sched_ticks(),
 * wake sleepers and watch for a stall; every CPU's tick charges its own
 * running task. With rq=global every CPU picks from one shared queue, under
 * its one lock, instead.
 *
 * Lockstep: a workload measured on several CPUs. Left to themselves, CPUs
 * tick at their own pace and decide in whatever order their interrupts
 * come, so no two runs would give the same schedule. While a workload is
 * watched on several CPUs, CPU 0's tick decides for every CPU instead, in
 * CPU order, from the state at the tick alone (lockstep_tick, holding the
 * scheduler lock and every run queue's: holds_all_rqs): it charges
 * each CPU's task, wakes sleepers and arrivals, balances, asks the policy,
 * and for each CPU that must switch, queues what it ran and picks its next
 * task (sched_cpu.chosen). Each CPU then carries out its own switch at its
 * next interrupt tail (a reschedule IPI brings it there); the other CPUs'
 * own ticks change nothing. Before its next tick, CPU 0 waits until every
 * decision has been carried out. So the schedule depends only on the
 * workload and the policy, and the host simulator, which runs this code on
 * fake CPUs, reproduces it tick for tick. Only the tick picks: a switch
 * outside it (a task outside the workload blocks or is preempted) goes to
 * the CPU's idle task, and the next tick decides what runs there. A task
 * queued by one CPU's decision may be chosen by a later CPU's in the same
 * tick, before it has left its CPU: the later CPU waits for it to be off
 * (on_cpu), without its own queue's lock. Decisions are made in CPU order,
 * so a CPU only ever waits for a lower-numbered one, which waits for nobody
 * higher: no circle.
 */
#include "sched/sched.h"
#include "lib/kstring.h"

#include <arch/arch.h>

#include "lib/kprintf.h"
#include "lib/lang.h"
#include "lib/panic.h"
#include "lib/rbtree.h"
#include "sched/timerq.h"
#include "sched/task.h"
#include "sched/trace.h"

struct klock sched_klock = KLOCK_INIT;
bool klock_smp; /* kernel/sync/klock.h: set by sched_cpu_prepare, before a second CPU runs */
bool sched_policy_has_priorities; /* sched.h: kept with `policy` */

/* kernel/sync/klock.h's slow path, here with the lock it matters most for. */
void klock_spin(struct klock *l)
{
    uint32_t me = arch_cpu_id() + 1;
    if (l->holder == me) {
        klock_smp = false; /* the panic prints through the console's lock */
        panic("klock %p: CPU %u takes a lock it already holds (it would spin forever)", (void *)l,
              (unsigned)me - 1);
    }
    __atomic_fetch_add(&l->waiting, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&l->contended, 1, __ATOMIC_RELAXED);
    do {
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) /* only reads while it is held */
            arch_cpu_relax();
    } while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
    __atomic_fetch_sub(&l->waiting, 1, __ATOMIC_RELAXED);
}

void klock_bad_drop(struct klock *l)
{
    unsigned holder = l->holder;
    klock_smp = false; /* the panic prints through the console's lock */
    if (holder)
        panic("klock %p: CPU %u lets go of a lock CPU %u holds", (void *)l, arch_cpu_id(), holder - 1);
    panic("klock %p: CPU %u lets go of a lock nobody holds", (void *)l, arch_cpu_id());
}

static const struct sched_policy *policy;
static struct sched_cpu cpus[SCHED_MAX_CPUS];
unsigned sched_nr_cpus = 1;    /* CPUs online: 0 .. ncpus-1 (sched_ncpus) */
#define ncpus sched_nr_cpus
static enum sched_rq_mode rq_mode;
static struct sched_rq global_rq; /* rq=global: every CPU's queue */
#define this (sched_this_cpu())
/* Tasks waiting for a tick (timer_node): SLEEPING ones, NEW ones yet to
 * arrive, and BLOCKED ones in a timed wait (timerq.h). One queue, so that
 * the clock looks at one head per tick. */
static struct timerq timer_queue;

static inline struct task *timer_first(void) { return timerq_first(&timer_queue); }
static uint64_t ticks;         /* timer ticks since sched_init (CPU 0's) */
static const struct sched_observer *observer; /* what measures the run, if anything (sched_observe) */
static void *observer_ctx;
static bool lockstep;                /* ...on several CPUs: CPU 0's ticks decide for all */
static uint64_t watch_start;         /* the tick sched_observe began at (lockstep's balancing phase) */
static struct list quiet_watchers;   /* tasks in sched_wait_quiet */
static unsigned quiet_ticks;         /* consecutive ticks with nothing to run */
static unsigned quiet_result;        /* what sched_wait_quiet returns */
static uint32_t events;              /* wakeups, arrivals, exits: the livelock watch's progress (a wait
                                      * counts where it ends: a block never woken is no progress) */
static uint32_t events_seen;         /* ...as the watch last saw it */
static uint32_t yields;              /* yields so far: their order (sched_tie_break), and the watch's count */
static uint32_t window_start;        /* `yields` when the watch last saw progress */
static unsigned lively_ticks;        /* ticks since then (only counted while tasks yield) */
bool sched_livelock_exits;
static void (*tick_call)(void *);    /* sched_call_on_tick */
static void *tick_call_arg;
void (*volatile sched_idle_work)(void); /* sched.h */

#define SCHED_BALANCE_TICKS 4 /* a CPU looks for imbalance every this many of its ticks */

void sched_early_init(void)
{
    cpus[0] = (struct sched_cpu){.id = 0, .online = true, .rq = &cpus[0].own_rq};
    arch_cpu_set_local(&cpus[0]);
    arch_cpu_set_current(NULL);
}

struct sched_cpu *sched_cpu(unsigned id) { return &cpus[id]; }

void sched_set_rq_mode(enum sched_rq_mode mode) { rq_mode = mode; }

enum sched_rq_mode sched_rq_mode(void) { return rq_mode; }

void sched_init(const struct sched_policy *p, struct task *idle_task)
{
    struct sched_cpu *c = &cpus[0];
    *c = (struct sched_cpu){.id = 0, .online = true};
    arch_cpu_set_local(c);
    ncpus = 1;
    c->rq = rq_mode == SCHED_RQ_GLOBAL ? &global_rq : &c->own_rq;
    policy = p;
    sched_policy_has_priorities = p->reprioritize != NULL;
    policy->init(c->rq);
    c->rq->nr_ready = 0;
    timerq_init(&timer_queue);
    c->idle = c->current = idle_task;
    arch_cpu_set_current(idle_task);
    idle_task->state = TASK_RUNNING;
    idle_task->on_cpu = true;
    idle_task->cpu = 0;
    ticks = 0;
    observer = NULL;
    list_init(&quiet_watchers);
    quiet_ticks = 0;
}

void *sched_cpu_prepare(unsigned id, struct task *idle_task)
{
    KASSERT(id > 0 && id < SCHED_MAX_CPUS);
    struct sched_cpu *c = &cpus[id];
    *c = (struct sched_cpu){.id = id};
    if (rq_mode == SCHED_RQ_GLOBAL) {
        c->rq = &global_rq;
    } else {
        c->rq = &c->own_rq;
        policy->init(c->rq);
    }
    c->idle = c->current = idle_task;
    idle_task->state = TASK_RUNNING;
    idle_task->on_cpu = true;
    idle_task->cpu = id;
    this->current->on_cpu = true; /* (ours, the one task running: one CPU did not keep it; see switch_to) */
    klock_smp = true; /* from now on the locks must really lock (before the CPU runs) */
    return c;
}

void sched_cpu_online(void)
{
    arch_irqstate_t s = sched_lock();
    struct sched_cpu *c = this;
    KASSERT(c == &cpus[c->id] && !c->online);
    arch_cpu_set_current(c->current); /* its idle task, on its own FS */
    c->online = true;
    if (c->id >= ncpus)
        ncpus = c->id + 1; /* CPUs come up in order: 1, 2, ... */
    sched_unlock(s);
}

const struct sched_policy *sched_policy(void) { return policy; }

struct sched_rq *sched_this_rq(void) { return this->rq; }

/* The distinct run queues in use: every online CPU's own, or the global one. */
#define for_each_rq(q)                                                                           \
    for (unsigned q##_i = 0; q##_i < (rq_mode == SCHED_RQ_GLOBAL ? 1 : ncpus); q##_i++)          \
        for (struct sched_rq *q = rq_mode == SCHED_RQ_GLOBAL ? &global_rq : &cpus[q##_i].own_rq; q; q = NULL)

/* ---- Run-queue locks ------------------------------------------------------- */

/* Take and release q's lock, from a CPU that holds no other run queue's
 * (or holds them all: then it already has q's). */
static inline void rq_lock(struct sched_rq *q)
{
    if (klock_smp && !this->holds_all_rqs)
        klock_take(&q->lock);
}

static inline void rq_unlock(struct sched_rq *q)
{
    if (klock_smp && !this->holds_all_rqs)
        klock_drop(&q->lock);
}

/* Holding `mine`, take q's lock too. Two queues are taken in address order
 * (CPU order), so when q comes first, mine is let go and taken again after
 * it: whoever calls this re-reads what it had read under mine. */
static void rq_lock_second(struct sched_rq *mine, struct sched_rq *q)
{
    if (!klock_smp || this->holds_all_rqs || q == mine)
        return;
    if (q > mine) {
        klock_take(&q->lock);
        return;
    }
    if (klock_try_take(&q->lock)) /* (out of order, but trying never waits) */
        return;
    klock_drop(&mine->lock);
    klock_take(&q->lock);
    klock_take(&mine->lock);
}

static void rq_unlock_second(struct sched_rq *mine, struct sched_rq *q)
{
    if (q != mine)
        rq_unlock(q);
}

/* Let go of the lock a switch left us: our CPU's queue lock (after a
 * switch, maybe not the CPU we left). */
static inline void unlock_switch_lock(void)
{
    if (klock_smp && !this->holds_all_rqs)
        klock_drop(sched_switch_lock());
}

/* Every run queue's lock, in order, for this CPU (which holds the
 * scheduler lock, so that no CPU comes online meanwhile). Returns whether
 * it took them, for unlock_all_rqs: false when this CPU held them all
 * already (sched_observe, from the lockstep tick that ends a workload). */
static bool lock_all_rqs(void)
{
    if (!klock_smp || this->holds_all_rqs)
        return false;
    for_each_rq(q) klock_take(&q->lock);
    this->holds_all_rqs = true;
    return true;
}

static void unlock_all_rqs(bool took)
{
    if (!took)
        return;
    this->holds_all_rqs = false;
    for_each_rq(q) klock_drop(&q->lock);
}

/* The run queue t is in (READY) or picked from (RUNNING), locked. A READY
 * task's CPU changes only under its queue's lock (a balance): so look, lock,
 * and look again. The caller holds the scheduler lock, so t stays READY or
 * RUNNING meanwhile. */
static struct sched_rq *task_rq_lock(const struct task *t)
{
    for (;;) {
        struct sched_rq *q = cpus[__atomic_load_n(&t->cpu, __ATOMIC_RELAXED)].rq;
        rq_lock(q);
        if (cpus[t->cpu].rq == q)
            return q;
        rq_unlock(q);
    }
}

uint64_t sched_ticks_locked(void) { return ticks; }

uint64_t sched_ticks(void)
{
    arch_irqstate_t s = sched_lock(); /* two 32-bit loads: keep a tick out */
    uint64_t t = ticks;
    sched_unlock(s);
    return t;
}

unsigned sched_nr_ready(void)
{
    unsigned n = 0;
    for_each_rq(q) n += q->nr_ready;
    return n;
}

void sched_observe(const struct sched_observer *obs, void *ctx)
{
    bool all = lock_all_rqs(); /* lockstep: exact under any run queue's lock, as under the scheduler lock */
    observer = obs;
    observer_ctx = ctx;
    watch_start = ticks;
    __atomic_store_n(&lockstep, obs && ncpus > 1, __ATOMIC_RELEASE);
    unlock_all_rqs(all);
}

void sched_get_stats(struct sched_stats *out)
{
    arch_irqstate_t s = sched_lock();
    bool all = lock_all_rqs();
    *out = (struct sched_stats){.ticks = ticks};
    for (unsigned i = 0; i < ncpus; i++) {
        out->idle_ticks += cpus[i].idle_ticks;
        out->switches += cpus[i].switches;
        out->preemptions += cpus[i].preemptions;
        out->pulled += cpus[i].pulled;
    }
    for_each_rq(q) out->rq_lock_contended += q->lock.contended;
    out->sched_lock_contended = sched_klock.contended;
    unlock_all_rqs(all);
    sched_unlock(s);
}

int sched_tie_break(const struct task *a, const struct task *b)
{
    if (a->yielded != b->yielded)
        return a->yielded < b->yielded ? -1 : 1;
    if (a->arrival != b->arrival)
        return a->arrival < b->arrival ? -1 : 1;
    /* By name: the precomputed keys (task_name_changed) order as the
     * strings do, in two compares instead of one per character. */
    if (a->name_key[0] != b->name_key[0])
        return a->name_key[0] < b->name_key[0] ? -1 : 1;
    if (a->name_key[1] != b->name_key[1])
        return a->name_key[1] < b->name_key[1] ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static __attribute__((noreturn, noinline)) void stack_overflow(const struct task *t)
{
    panic("stack overflow: task '%s' (id %u) overwrote the canary at the bottom of its stack "
          "[%p, %p); give it a bigger stack or fewer/lighter locals",
          t->name, (unsigned)t->id, (void *)t->stack, (void *)(t->stack + t->stack_size));
}

/* Put t in run queue q. */
static inline void enqueue_on(struct sched_rq *q, struct task *t, enum sched_why why)
{
    q->nr_ready++;
    policy->enqueue(q, t, why);
}

/* The ordered policies' for_each_ready: the tree in order. */
void sched_tree_for_each(const struct rbtree *tree, void (*fn)(struct task *t, void *ctx), void *ctx)
{
    for (struct rb_node *n = rbtree_first(tree); n; n = rbtree_next(n))
        fn(list_entry(n, struct task, tree_node), ctx);
}

/* For GDB's tq-ready (tools/gdb/tourniquet.py), which calls
 * sched_debug_ready_fill() in the stopped kernel: the READY tasks in the
 * policy's order, without taking the lock (nothing runs while GDB holds the
 * machine, and a lock held where it stopped would never be released). */
struct task *sched_debug_ready[SCHED_DEBUG_READY];

static void debug_note(struct task *t, void *n)
{
    unsigned *count = n;
    if (*count < SCHED_DEBUG_READY)
        sched_debug_ready[*count] = t;
    (*count)++;
}

unsigned sched_debug_ready_fill(void)
{
    unsigned n = 0;
    if (policy->for_each_ready)
        for_each_rq(q) policy->for_each_ready(q, debug_note, &n);
    return n;
}

void sched_for_each_ready(void (*fn)(struct task *t, void *ctx), void *ctx)
{
    arch_irqstate_t s = sched_lock();
    bool all = lock_all_rqs();
    if (policy->for_each_ready)
        for_each_rq(q) policy->for_each_ready(q, fn, ctx);
    unlock_all_rqs(all);
    sched_unlock(s);
}

/* ---- Several CPUs: where a task goes, and who takes from whom ---------------- */

static inline bool allowed(const struct task *t, unsigned cpu) { return t->affinity & (1u << cpu); }

/* Whether c runs a task that keeps running: not its idle task, nor one that
 * has just finished or gone to wait and is about to leave the CPU. These
 * three are exact under c's queue lock, and a hint without it (place(),
 * choosing the busiest): the task c->current points to may be leaving, even
 * freed, but its memory stays mapped and only the choice can be wrong. */
static bool busy(const struct sched_cpu *c) { return c->current != c->idle && c->current->state == TASK_RUNNING; }

/* How much work CPU c has: its queue, and what it runs. */
static unsigned load(const struct sched_cpu *c) { return c->own_rq.nr_ready + busy(c); }

static bool cpu_idle(const struct sched_cpu *c) { return !busy(c) && c->rq->nr_ready == 0; }

/* The CPU a task that becomes ready should go to (rq=percpu): the one it
 * last ran on if that one idles, else an idle CPU it may use, else the one
 * with the least work, its own on a tie. */
static struct sched_cpu *place(const struct task *t)
{
    struct sched_cpu *home = t->cpu < ncpus && allowed(t, t->cpu) ? &cpus[t->cpu] : NULL;
    if (home && cpu_idle(home))
        return home;
    struct sched_cpu *best = home;
    for (unsigned i = 0; i < ncpus; i++) {
        struct sched_cpu *c = &cpus[i];
        if (!c->online || !allowed(t, i))
            continue;
        if (cpu_idle(c))
            return c;
        if (!best || load(c) < load(best))
            best = c;
    }
    KASSERT(best != NULL); /* task_set_affinity keeps an online CPU in every mask */
    return best;
}

/* t was just queued where CPU c picks (the caller holds that queue's lock):
 * should it take c's CPU now? Then tell c (returns whether it did). */
static bool kick(struct sched_cpu *c, const struct task *t)
{
    bool now = c->current == c->idle || (c == this && c->current->state != TASK_RUNNING) ||
               (policy->preempts && policy->preempts(c->rq, c->current, t));
    if (!now)
        return false;
    c->need_resched = true;
    if (c != this && !lockstep)
        arch_send_resched(c->id); /* its interrupt tail will switch (lockstep: the tick's decision does) */
    return true;
}

/* Move one task from q to CPU c's queue (balancing; both locks held): the
 * one q would run next, if it may run on c. Returns it, or NULL. */
static struct task *pull_from(struct sched_rq *q, struct sched_cpu *c)
{
    struct task *t = policy->pick_next(q);
    if (!t)
        return NULL;
    if (!allowed(t, c->id)) {
        policy->enqueue(q, t, SCHED_MIGRATE); /* not here: leave it where it was */
        return NULL;
    }
    q->nr_ready--;
    t->cpu = c->id;
    enqueue_on(c->rq, t, SCHED_MIGRATE);
    c->pulled++;
    return t;
}

/* If some CPU has at least two tasks more than CPU `me`, take from the
 * busiest half the difference, so that one period evens the two out (when
 * `me` is about to idle, one queued task is enough to take one). The caller
 * holds me's queue lock; the busiest is chosen by a glance at the others
 * (a hint), and counted again once its lock is held too. */
static void balance(struct sched_cpu *me, bool idle_now)
{
    struct sched_cpu *busiest = NULL;
    for (unsigned i = 0; i < ncpus; i++) {
        struct sched_cpu *c = &cpus[i];
        if (c != me && c->online && c->own_rq.nr_ready > 0 && (!busiest || load(c) > load(busiest)))
            busiest = c;
    }
    if (!busiest)
        return;
    struct sched_rq *from = &busiest->own_rq;
    rq_lock_second(me->rq, from);
    unsigned gap = load(busiest) > load(me) ? load(busiest) - load(me) : 0;
    unsigned moves = gap >= 2 ? gap / 2 : idle_now;
    while (moves-- > 0 && from->nr_ready > 0 && pull_from(from, me))
        ;
    rq_unlock_second(me->rq, from);
}

/* ---- The hot paths, in two copies ------------------------------------------
 *
 * A tick, a preemption, a yield and a wait are written once, for any number
 * of CPUs, as always-inline functions with a last parameter `up` that their
 * callers pass as a constant: true in a copy that runs only while one CPU
 * does (one_cpu(): then no lock word is used, no other CPU or queue exists,
 * lockstep is off), false in the copy for any number. In the first, every
 * test of those folds away; the entry point tests one_cpu() once and calls
 * the copy. Only what comes before the switch folds: a task resumes where
 * it left the CPU, maybe after other CPUs came up meanwhile (test=smp starts
 * them late), so what follows arch_switch tests at run time, in both.
 */
#define one_cpu() (!klock_smp) /* (sched_cpu_prepare sets it before a second CPU runs) */

/* The entry point `entry` of hot path fn(c, up): its two copies, each a
 * function of its own (with registers of its own: GDB shows them as
 * fn_one_cpu and fn_any_cpus), and the one test that picks one. */
#define HOT_PATH(entry, fn)                                                      \
    static __attribute__((noinline)) void fn##_one_cpu(void) { fn(this, true); }   \
    static __attribute__((noinline)) void fn##_any_cpus(void) { fn(this, false); } \
    void entry(void)                                                             \
    {                                                                            \
        if (one_cpu())                                                           \
            fn##_one_cpu();                                                      \
        else                                                                     \
            fn##_any_cpus();                                                     \
    }

/* The task CPU c runs next: its queue's choice, after pulling work from
 * another CPU if its queue is empty; its idle task if there is none. */
static inline __attribute__((always_inline)) struct task *pick(struct sched_cpu *c, bool up)
{
    if (!up && c->rq->nr_ready == 0 && ncpus > 1 && rq_mode == SCHED_RQ_PERCPU)
        balance(c, true); /* about to idle: look for work on the other CPUs first */
    struct task *next = policy->pick_next(c->rq);
    if (next) {
        KASSERT(c->rq->nr_ready > 0);
        c->rq->nr_ready--;
    } else {
        next = c->idle;
    }
    KASSERT(next->state == TASK_READY); /* its canary was checked when it left the CPU */
    return next;
}

static __attribute__((noreturn, noinline, cold)) void empty_pick(const struct task *prev);

/* One in, one out. CPU c's running task t goes back into c's queue, as
 * `why`, and a switch follows (yield, preemption): on several CPUs the
 * queue counts it; on one, the pick comes at once (schedule, `queued`:
 * pick_queued), so one task goes in and one comes out and the count is
 * the same after the two as before: neither is counted (the policies do
 * not read it; other CPUs, which do, are not running). */
static inline __attribute__((always_inline)) void enqueue_running(struct sched_cpu *c, struct task *t,
                                                                    enum sched_why why, bool up)
{
    if (up)
        policy->enqueue(c->rq, t, why);
    else
        enqueue_on(c->rq, t, why);
}

/* ...and the pick that follows on one CPU: the queue holds a task. */
static inline __attribute__((always_inline)) struct task *pick_queued(struct sched_cpu *c, const struct task *prev)
{
    struct task *next = policy->pick_next(c->rq);
    if (__builtin_expect(next == NULL, 0))
        empty_pick(prev);
    KASSERT(next->state == TASK_READY);
    return next;
}

/* Lockstep: a decision queued t on a lower-numbered CPU that has not
 * switched away from it yet. Let that CPU take its lock and do so (it waits
 * for no one higher), then go on. t is RUNNING already, for us: nobody
 * else picks or moves it meanwhile. */
static void wait_off_cpu(struct task *t)
{
    if (!__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
        return;
    KASSERT(t->state == TASK_RUNNING);
    struct klock *mine = sched_switch_lock();
    klock_drop(mine);
    while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
        arch_cpu_relax();
    klock_take(mine);
}

static void move_exiled(struct task *t);

/* finish_switch's rarer work, in its order: me's address space and the
 * kernel stack its traps from user mode land on (arch_space_switch) before
 * prev is let go (its space may be freed once it is off), then an exiled
 * prev goes to its new CPU's queue. */
static __attribute__((noinline)) void finish_switch_work(struct task *me, struct task *prev, unsigned work)
{
    if (work & TASK_TAIL_SPACE) /* a process's thread in or out (kernel tasks share the kernel's space) */
        arch_space_switch(me->space, (uintptr_t)me->stack + me->stack_size);
    /* Read before prev is let go: from the store on, its joiner may free it,
     * or a waker queue it and another CPU run it (and exile it again). */
    bool exiled = task_exiled(prev);
    __atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
    if (exiled)
        move_exiled(prev);
}

/* sched_finish_switch (sched.h), inline in schedule()'s own switch: me got
 * the CPU from prev. Between two kernel tasks that stay where they are,
 * one test and the store. */
static inline __attribute__((always_inline)) void finish_switch(struct task *me, struct task *prev)
{
    unsigned work = (unsigned)prev->tail_work | me->tail_work;
    if (__builtin_expect(work, 0)) {
        finish_switch_work(me, prev, work);
        return;
    }
    /* Its registers are saved: it may be freed, or run elsewhere. */
    __atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
}

/* Switch this CPU, c, from prev (no longer RUNNING) to next. The caller
 * has cleared need_resched (before any wait, so that a request made
 * meanwhile is kept). */
static inline __attribute__((always_inline)) void switch_to(struct sched_cpu *c, struct task *prev, struct task *next,
                                                             enum trace_reason why, bool up)
{
    /* One CPU keeps less: every task's CPU is 0 there, and no other CPU
     * looks at on_cpu (sched_cpu_prepare sets it for the task that runs
     * when a second CPU comes up; finish_switch clears prev's in either
     * case, as prev may have left when several ran). */
    c->migrate_current = false; /* prev left the CPU: it re-enters through enqueue anyway */
    next->state = TASK_RUNNING;
    if (!up)
        next->cpu = c->id;
    if (next == prev)
        return;
    /* Never on two CPUs: a task in a queue has left its last CPU (its waker
     * waited for that; a task that must change CPUs is queued elsewhere only
     * once off this one, by finish_switch; in lockstep, wait_off_cpu). */
    KASSERT(up || !next->on_cpu);
    c->switches++;
    next->runs++;
    if (trace_enabled) { /* (inline: the one event of every preemption; one CPU needs no lock for it) */
        if (up)
            trace_put_locked(TRACE_SWITCH, prev->id, next->id, why, (uint32_t)ticks);
        else
            trace_put(TRACE_SWITCH, prev->id, next->id, why, (uint32_t)ticks);
    }
    c->current = next;
    arch_cpu_set_current(next);
    if (!up)
        next->on_cpu = true;
    struct arch_context *last = arch_switch(&prev->ctx, &next->ctx);
    finish_switch(prev, list_entry(last, struct task, ctx)); /* (prev: the task that runs again, us) */
}

/*
 * schedule: pick the next task for CPU c, this one, and switch to it from
 * prev, its current task (interrupts are off: we stay on it until the
 * switch).
 *
 * The caller holds this CPU's run-queue lock (and no other lock) and has
 * already moved `current` out of RUNNING (to READY, and into the ready
 * queue, or to BLOCKED, SLEEPING or DEAD; `queued`: it went back into the
 * queue through enqueue_running). We ask the policy for the next
 * task - the idle task if it has none - and switch stacks. For the caller,
 * arch_switch "returns" only when some later schedule() picks it again; by
 * then `current` is the caller once more, maybe on another CPU, and that
 * CPU's run-queue lock is held - by whoever switched back to us, on our
 * behalf.
 *
 * Nothing after arch_switch may trust the locals from before it: `next`
 * ran long ago, and the task that just left the CPU is whatever arch_switch
 * returns (it ran after us). A task that runs for the first time does not
 * return here at all, but starts in task.c's task_first_run(); both go
 * through sched_finish_switch. (On the host, arch_switch returns at once:
 * the caller simply carries on as the new task.)
 */
static inline __attribute__((always_inline)) void schedule(struct sched_cpu *c, struct task *prev,
                                                             enum trace_reason why, bool up, bool queued)
{
    /* (c is this CPU, prev its current task: the callers read them, and
     * have moved it out of RUNNING; interrupts are off: an interrupt's
     * tail is in an interrupt gate, and the others assert it) */
    if (!task_canary_ok(prev))
        stack_overflow(prev);
    /* Lockstep: only CPU 0's tick picks tasks. A switch outside it (a task
     * outside the workload blocks, yields, sleeps, is preempted) goes to
     * this CPU's idle task, which is on no other CPU; the next tick's
     * decision picks what runs here. */
    struct task *next = up && queued ? pick_queued(c, prev) : !up && lockstep ? c->idle : pick(c, up);
    c->need_resched = false;
    switch_to(c, prev, next, why, up);
}

/* This CPU's last task, t, left it READY for a CPU its affinity allows
 * (see requeue): now that it is off, queue it there. This CPU's queue lock
 * is held; while the other queue's is taken, it may be let go a moment,
 * and task_exiled(t) still says that t is between two queues (see
 * sched_priority_changed). */
static __attribute__((noinline, cold)) void move_exiled(struct task *t)
{
    struct sched_cpu *c = this;
    for (;;) {
        struct sched_cpu *to = place(t);
        rq_lock_second(c->rq, to->rq);
        if (allowed(t, to->id)) { /* (its mask may have changed again meanwhile) */
            t->tail_work &= (uint8_t)~TASK_TAIL_EXILED;
            t->cpu = to->id;
            enqueue_on(to->rq, t, SCHED_MIGRATE);
            kick(to, t);
            rq_unlock_second(c->rq, to->rq);
            return;
        }
        rq_unlock_second(c->rq, to->rq);
    }
}

void sched_finish_switch(struct task *prev) { finish_switch(task_current(), prev); }

/* CPU c's running task, prev, stays READY but leaves the CPU: back into
 * c's queue; or, if its affinity no longer allows c, into one it may use
 * once it is off c (finish_switch: until then no other CPU may see it).
 * What follows is a switch, which clears migrate_current (switch_to), or
 * in lockstep a decision that clears it itself when prev stays. */
/* prev, which ran on c and gives it up without waiting, is READY again:
 * back in c's queue (`why`), or - its affinity changed while it ran - off
 * to a CPU it may use (the switch's tail places it). */
static inline __attribute__((always_inline)) void put_back(struct sched_cpu *c, struct task *prev, enum sched_why why,
                                                           bool up)
{
    prev->state = TASK_READY;
    if (!up && ncpus > 1 && !allowed(prev, c->id))
        prev->tail_work |= TASK_TAIL_EXILED;
    else /* (c: in lockstep, not us) */
        enqueue_running(c, prev, why, up);
}

static inline __attribute__((always_inline)) void requeue_task(struct sched_cpu *c, struct task *prev, bool up)
{
    put_back(c, prev, c->migrate_current ? SCHED_MIGRATE : SCHED_PREEMPTED, up);
    c->preemptions++;
}

/* The same for what may be c's idle task, which goes in no queue. */
static inline __attribute__((always_inline)) void requeue(struct sched_cpu *c, struct task *prev, bool up)
{
    if (prev != c->idle)
        requeue_task(c, prev, up);
    else
        prev->state = TASK_READY;
}

/* Take CPU c's running task t, not its idle task, from it: t stays READY
 * (this CPU's queue lock held). */
static inline __attribute__((always_inline)) void preempt_task(struct sched_cpu *c, struct task *t, bool up)
{
    requeue_task(c, t, up);
    schedule(c, t, TR_PREEMPTED, up, true);
}

/* The same for whatever c runs (its idle task goes in no queue). */
static inline __attribute__((always_inline)) void preempt(struct sched_cpu *c, bool up)
{
    struct task *cur = c->current;
    requeue(c, cur, up);
    schedule(c, cur, TR_PREEMPTED, up, cur != c->idle);
}

/* sched_make_ready on several CPUs: into the queue of the CPU place()
 * chooses, or the shared one, and tell the CPU that should run it. */
static __attribute__((noinline)) void make_ready_smp(struct task *t, enum sched_why why)
{
    /* It may still be leaving the CPU it waited on: its CPU holds its own
     * queue's lock until the switch is done, and needs no other to finish,
     * so wait for it holding none. (Never in lockstep's tick, which holds
     * every queue: no switch is under way then.) */
    KASSERT(t != this->current); /* (it would wait for itself) */
    while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
        arch_cpu_relax();
    if (rq_mode == SCHED_RQ_GLOBAL) {
        rq_lock(&global_rq);
        t->state = TASK_READY;
        enqueue_on(&global_rq, t, why);
        /* An idle CPU not told yet takes it; else the first whose task it
         * preempts. */
        bool told = false;
        for (unsigned i = 0; i < ncpus && !told; i++)
            told = cpus[i].online && cpus[i].current == cpus[i].idle && !cpus[i].need_resched && kick(&cpus[i], t);
        for (unsigned i = 0; i < ncpus && !told; i++)
            told = cpus[i].online && kick(&cpus[i], t);
        rq_unlock(&global_rq);
        return;
    }
    struct sched_cpu *c = place(t);
    rq_lock(c->rq);
    t->cpu = c->id;
    t->state = TASK_READY;
    enqueue_on(c->rq, t, why);
    kick(c, t);
    rq_unlock(c->rq);
}

void sched_make_ready(struct task *t, enum sched_why why)
{
    /* Only a waiting task can be made ready (and so never the idle task,
     * which is only ever RUNNING or READY). */
    _Static_assert(TASK_SLEEPING == TASK_BLOCKED + 1, "the two waits are next to each other");
    KASSERT(t->state - TASK_BLOCKED <= 1u || t->state == TASK_NEW);
    if (t->timer_queued) /* woken before its time (or its deadline) */
        timerq_remove(&timer_queue, t);
    if (trace_enabled)
        trace_record(why == SCHED_NEW ? TRACE_ARRIVE : TRACE_WAKE, t->id, 0, 0, why == SCHED_NEW ? t->name : NULL);
    events++;
    t->yielded = 0; /* it waited: it ties as anyone else again */
    if (ncpus > 1) {
        make_ready_smp(t, why);
        return;
    }
    /* One CPU: its queue, and preempt what it runs if the policy says so. */
    struct sched_cpu *c = this;
    t->state = TASK_READY; /* (wait_obj, wait_what, wait_name mean something only while BLOCKED) */
    enqueue_on(c->rq, t, why);
    struct task *cur = c->current;
    if (cur == c->idle || cur->state != TASK_RUNNING || (policy->preempts && policy->preempts(c->rq, cur, t)))
        c->need_resched = true;
}

bool task_set_affinity(struct task *t, uint32_t mask)
{
    arch_irqstate_t s = sched_lock();
    uint32_t online = 0;
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].online)
            online |= 1u << i;
    const char *why = t->is_idle ? TR("an idle task stays on its CPU", "une tâche inactive reste sur son processeur")
                      : t->state == TASK_DEAD ? TR("the task has exited", "la tâche s'est terminée")
                      : rq_mode == SCHED_RQ_GLOBAL
                          ? TR("the shared queue of rq=global has no affinity (use rq=percpu)",
                               "la file partagée de rq=global n'a pas d'affinité (utilisez rq=percpu)")
                      : !(mask & online) ? TR("the mask names no CPU that runs tasks",
                                              "le masque ne nomme aucun processeur qui exécute des tâches")
                                         : NULL;
    if (why) {
        sched_unlock(s);
        kprintf(TR("task_set_affinity('%s', 0x%x): %s (CPUs running tasks: 0x%x); refused\n",
                   "task_set_affinity('%s', 0x%x) : %s (processeurs qui exécutent des tâches : 0x%x) ; refusé\n"),
                t->name, (unsigned)mask, why, (unsigned)online);
        return false;
    }
    t->affinity = mask;
    if (t->state == TASK_READY || t->state == TASK_RUNNING) { /* (under our lock, it stays one of the two) */
        struct sched_rq *q = task_rq_lock(t);
        struct sched_cpu *home = &cpus[t->cpu];
        if (task_exiled(t) || allowed(t, t->cpu)) {
            ; /* nothing to move (or already moving: its move reads the new mask) */
        } else if (t->state == TASK_READY) {
            policy->dequeue(q, t); /* out of the queue it may no longer use... */
            q->nr_ready--;
            rq_unlock(q);
            q = NULL; /* (in no queue now, and READY: nobody but us can find it) */
            struct sched_cpu *to = place(t);
            rq_lock(to->rq);
            t->cpu = to->id;
            enqueue_on(to->rq, t, SCHED_MIGRATE); /* ...into one it may */
            kick(to, t);
            rq_unlock(to->rq);
        } else {
            home->need_resched = true; /* preempt() moves it */
            if (home != this)
                arch_send_resched(home->id);
        }
        if (q)
            rq_unlock(q);
    }
    sched_unlock_preempt(&sched_klock, s);
    return true;
}

static void carry_out(struct sched_cpu *c);

void sched_preempt_now(void)
{
    KASSERT(!arch_irq_enabled());
    struct sched_cpu *c = this;
    /* Not while the caller holds a course spinlock (a wakeup it made under
     * one): it would sleep holding it, and a task that then spins on it
     * would never let it run again. need_resched stays set: spin_unlock's
     * last release is the preemption point (sched_preempt_point). */
    if (c->current->spinlocks_held)
        return;
    rq_lock(c->rq);
    if (c->chosen)
        carry_out(c);
    else
        preempt(c, false);
    unlock_switch_lock(); /* (the CPU it resumed on) */
}

void sched_preempt_point(void)
{
    arch_irqstate_t s = arch_irq_save();
    struct sched_cpu *c = this;
    if (c->need_resched && c->irq_depth == 0)
        sched_preempt_now();
    arch_irq_restore(s);
}

/* (interrupts are off: we stay on this CPU until the switch) */
static inline __attribute__((always_inline)) void yield(struct sched_cpu *c, bool up)
{
    struct task *t = c->current;
    /* Counted even when nothing changes: the tie rule's order, the livelock
     * watch's count. */
    t->yielded = up ? ++yields : __atomic_add_fetch(&yields, 1, __ATOMIC_RELAXED);
    /* Several CPUs: a yield that would only pick the caller again (nothing
     * else ready here) takes no lock - a loop of yields on every CPU would
     * otherwise queue them all on it. Read without the lock: a hint, at
     * worst one yield comes a moment late or early. Not on one CPU, where a
     * yield re-queues the task, which some policies note (rr gives it a
     * fresh quantum): the single-CPU schedules stay as they were. */
    if (!up && ncpus > 1 && __atomic_load_n(&c->rq->nr_ready, __ATOMIC_RELAXED) == 0 && !c->need_resched)
        return;
    if (!up)
        rq_lock(c->rq);
    t->state = TASK_READY; /* (put_back's store too: the compiler keeps one) */
    bool queued = t != c->idle;
    if (queued)
        put_back(c, t, SCHED_YIELD, up);
    schedule(c, t, TR_YIELDED, up, queued);
    unlock_switch_lock();
}

/* The yield's two copies (as HOT_PATH's) with the caller's interrupt
 * state to put back: task_yield's whole path after its checks is one
 * function. */
static __attribute__((noinline)) void yield_one_cpu(arch_irqstate_t s)
{
    yield(this, true);
    arch_irq_restore(s);
}

static __attribute__((noinline)) void yield_any_cpus(arch_irqstate_t s)
{
    yield(this, false);
    arch_irq_restore(s);
}

void sched_yield_and_restore(arch_irqstate_t s)
{
    if (one_cpu()) /* (interrupts off: read where the yield runs) */
        yield_one_cpu(s);
    else
        yield_any_cpus(s);
}

/* A task that waits leaves the CPU: the caller holds the scheduler lock
 * (and has made current wait). Take this CPU's queue lock, let go of the
 * scheduler lock, switch; once resumed, let go of the queue lock of the
 * CPU we resumed on and take `retake`, which the caller holds again. */
static inline __attribute__((always_inline)) void wait_switch(struct sched_cpu *c, struct task *cur,
                                                               enum trace_reason why, struct klock *retake)
{
    KASSERT(cur->state != TASK_RUNNING); /* (its caller made it wait) */
    bool one = one_cpu(); /* (read first: the compiler merges it with block's own read) */
    KASSERT(!arch_irq_enabled());
    if (one) { /* one CPU: every lock is "interrupts off", which stays */
        schedule(c, cur, why, true, false);
    } else {
        klock_take(&c->rq->lock);
        klock_drop(&sched_klock);
        schedule(c, cur, why, false, false);
    }
    if (klock_smp) { /* (at run time: CPUs may have come up while we waited) */
        klock_drop(&this->rq->lock); /* (this: we may have resumed on another CPU) */
        klock_take(retake);
    }
}

/* Put t in the timer queue until tick `deadline` (by deadline, FIFO among
 * equals). */
static void timer_insert(struct task *t, uint64_t deadline) { timerq_insert(&timer_queue, t, deadline); }

/* sched_block and sched_block_until: deadline 0 is none. */
static inline __attribute__((always_inline)) bool block(const void *obj, const char *what, struct klock *lk,
                                                         uint64_t deadline)
{
    struct sched_cpu *c = this;
    struct task *cur = c->current;
    KASSERT(cur != c->idle); /* (callers have checked: not in an interrupt, no spinlock held) */
    bool handoff = klock_smp && lk != &sched_klock; /* one CPU: no lock word to hand over */
    if (handoff)
        klock_take(&sched_klock); /* first the scheduler lock... */
    /* ...under which task_kill marks a task and then looks whether it waits:
     * tested before the scheduler lock, a kill could fall between the test
     * and BLOCKED, find us RUNNING, and leave us asleep. */
    if (task_kill_due(cur)) {
        /* Killed while it ran (task_kill found it RUNNING or READY, with
         * no wait to end): this wait is where it ends, so it does not
         * begin. Off the object's queue (lk guards it, and is held); the
         * caller's check on the way out of the wait makes it exit. */
        if (list_node_linked(&cur->wait_node))
            list_remove(&cur->wait_node);
        cur->woken_from = NULL; /* (no waker chose it: nothing to pass on) */
        if (handoff)
            klock_drop(&sched_klock);
        return false;
    }
    cur->state = TASK_BLOCKED;
    cur->wait_obj = obj;
    cur->wait_what = what;
    cur->wait_lock = lk;
    if (deadline)
        timer_insert(cur, deadline);
    /* The trace's block event comes before wakers are let in: their wake
     * must not come first in the trace. (Written twice so that the one-CPU
     * path keeps `handoff` in a register: a call before the test would
     * make the compiler keep it on the stack, ten instructions a block.) */
    if (handoff) {
        if (trace_enabled)
            trace_record(TRACE_BLOCK, cur->id, 0, 0, cur->wait_name ? cur->wait_name : what);
        klock_drop(lk); /* ...then, BLOCKED and findable, let wakers in */
    } else if (trace_enabled) {
        trace_record(TRACE_BLOCK, cur->id, 0, 0, cur->wait_name ? cur->wait_name : what);
    }
    wait_switch(c, cur, TR_BLOCKED, lk); /* awake: the caller re-tests under its own lock */
    bool timed_out = false;
    if (deadline) { /* (whoever woke us took us off the timer queue: sched_make_ready) */
        timed_out = cur->timed_out;
        cur->timed_out = false;
    }
    return timed_out;
}

void sched_block(const void *obj, const char *what, struct klock *lk) { block(obj, what, lk, 0); }

bool sched_block_until(const void *obj, const char *what, struct klock *lk, uint64_t deadline)
{
    return block(obj, what, lk, deadline);
}

/* The clock, at t's deadline: take it out of its object's queue and wake
 * it. Its object's lock comes before ours, so it is only tried: false if
 * it is busy (then the next tick tries again). */
static bool time_out(struct task *t)
{
    struct klock *lk = t->wait_lock;
    bool other = lk != &sched_klock;
    if (other && !klock_try_take(lk))
        return false;
    if (list_node_linked(&t->wait_node))
        list_remove(&t->wait_node); /* (a join waits on no queue) */
    t->timed_out = true;
    t->woken_from = NULL; /* (no waker's: nothing to pass on if it was killed too) */
    sched_make_ready(t, SCHED_WAKEUP); /* (which takes it off the timer queue) */
    if (other)
        klock_drop(lk);
    return true;
}

void sched_sleep_until(uint64_t deadline)
{
    struct sched_cpu *c = this;
    struct task *cur = c->current;
    KASSERT(cur != c->idle);
    if (task_kill_due(cur))
        return; /* (killed while it ran: see block; task_sleep makes it exit) */
    timer_insert(cur, deadline);
    cur->state = TASK_SLEEPING;
    wait_switch(c, cur, TR_SLEPT, &sched_klock);
}

void sched_arrive_at(struct task *t, uint64_t at)
{
    KASSERT(t->state == TASK_NEW);
    t->arrival = at;
    if (at <= ticks) {
        sched_make_ready(t, SCHED_NEW);
        return;
    }
    timer_insert(t, at);
}

void sched_retire(struct task *t, int code)
{
    KASSERT(!t->is_idle && t->state != TASK_DEAD);
    t->exit_code = code;
    t->state = TASK_DEAD;
    events++;
    trace_event(TRACE_EXIT, t->id, 0, 0, NULL);
    struct task *j = t->joiner; /* (one whose join timed out, or was killed, no longer waits for t) */
    if (j && j->state == TASK_BLOCKED && j->wait_obj == t)
        sched_make_ready(j, SCHED_WAKEUP);
}

void sched_priority_changed(struct task *t)
{
    if (!policy->reprioritize)
        return; /* priorities mean nothing to this policy: nothing to reconsider */
    this->need_resched = true;
    if (t->state != TASK_READY && t->state != TASK_RUNNING)
        return; /* it waits: its priority counts when it is queued again */
    struct sched_rq *q = task_rq_lock(t); /* (under our lock, it stays READY or RUNNING) */
    struct sched_cpu *home = &cpus[t->cpu];
    if (task_exiled(t)) {
        ; /* between two CPUs: the queue it goes to reads its new priority */
    } else if (t->state == TASK_RUNNING) {
        policy->reprioritize(q, t);
        if (home != this) {
            home->need_resched = true; /* its CPU reconsiders, too */
            arch_send_resched(home->id);
        }
    } else {
        policy->reprioritize(q, t);
        /* Waiting in another CPU's queue (priority inheritance across
         * CPUs: a lender here, a borrower there): if it now preempts what
         * runs there, that CPU must know at once, not at its next tick. */
        if (rq_mode == SCHED_RQ_PERCPU) {
            if (home != this)
                kick(home, t);
        } else {
            for (unsigned i = 0; i < ncpus; i++)
                if (cpus[i].online && &cpus[i] != this && kick(&cpus[i], t))
                    break;
        }
    }
    rq_unlock(q);
}

static const char quiet_wait[] = "quiet"; /* wait_what in sched_wait_quiet */

unsigned sched_wait_quiet(void)
{
    arch_irqstate_t s = sched_lock();
    if (sched_in_irq() || this->current->spinlocks_held) {
        sched_unlock(s);
        kprintf(TR("MISUSE: sched_wait_quiet by '%s': it would sleep in an interrupt handler or holding a spinlock; refused\n",
                   "MISUSE: sched_wait_quiet par '%s' : il dormirait dans un gestionnaire d'interruption ou en tenant un "
                   "verrou tournant ; refusé\n"),
                this->current->name);
        return 0;
    }
    this->current->wait_name = NULL;
    if (list_empty(&quiet_watchers))
        quiet_ticks = 0; /* count from now */
    list_push_back(&quiet_watchers, &this->current->wait_node);
    sched_block(&quiet_watchers, quiet_wait, &sched_klock);
    unsigned n = quiet_result;
    sched_unlock(s);
    return n;
}

static void report_blocked(struct task *t, void *ctx)
{
    unsigned *n = ctx;
    if (t->state != TASK_BLOCKED || t->wait_what == quiet_wait)
        return;
    const struct task *end = task_join_chain_end(t);
    if (end != t && end->state == TASK_BLOCKED && end->wait_what == quiet_wait)
        return; /* it joins the task that watches (the shell, waiting for its demo): not stuck itself */
    kprintf(TR("STALL:   '%s' (id %u) waits on %s%s%s%s\n",
               "STALL:   '%s' (id %u) attend %s%s%s%s\n"), t->name, (unsigned)t->id,
            t->wait_what ? t->wait_what : TR("something", "quelque chose"), t->wait_name ? " '" : "",
            t->wait_name ? t->wait_name : "", t->wait_name ? "'" : "");
    (*n)++;
}

/* Nothing has run for SCHED_STALL_TICKS ticks and no timer is pending:
 * whoever is blocked now stays blocked. Say so, and wake the watchers. */
static void went_quiet(void)
{
    unsigned n = 0;
    kprintf(TR("STALL: no task has run for %u ticks and none waits on a timer; blocked for good:\n",
               "STALL: aucune tâche ne s'est exécutée depuis %u ticks et aucune n'attend une échéance ; bloquées pour de bon :\n"),
            SCHED_STALL_TICKS);
    task_for_each_locked(report_blocked, &n);
    if (n == 0)
        kprintf(TR("STALL:   (none: every task has finished)\n",
                   "STALL:   (aucune : toutes les tâches sont terminées)\n"));
    quiet_result = n;
    for (struct list_node *w; (w = list_pop_front(&quiet_watchers)) != NULL;)
        sched_make_ready(list_entry(w, struct task, wait_node), SCHED_WAKEUP);
}

void sched_exit(void)
{
    struct sched_cpu *c = this;
    KASSERT(c->current->state == TASK_DEAD);
    wait_switch(c, c->current, TR_EXITED, &sched_klock);
    panic("a dead task was scheduled again");
}

void sched_set_policy(const struct sched_policy *p)
{
    arch_irqstate_t s = sched_lock();
    sched_set_policy_locked(p);
    sched_unlock(s);
}

/* A policy's pick_next broke its contract (sched.h: remove and return;
 * NULL only when its queue is empty). */
static __attribute__((noreturn, noinline, cold)) void empty_pick(const struct task *prev)
{
    panic("policy '%s': pick_next returned NULL just after '%s' (id %u) went into its queue: pick_next "
          "returns NULL only when its queue is empty", policy->name, prev->name, (unsigned)prev->id);
}

static __attribute__((noreturn, noinline, cold)) void bad_pick(const struct task *t, const char *what)
{
    panic("policy '%s': pick_next %s ('%s', id %u): pick_next must take the task it returns out of "
          "its queue", policy->name, what, t->name, (unsigned)t->id);
}

void sched_set_policy_locked(const struct sched_policy *p)
{
    bool all = lock_all_rqs(); /* (every CPU reads `policy` under its queue's lock) */
    /* Drain the old queue in its own order (lottery's order is a draw); the
     * tasks stay READY. Linked through wait_node, which a READY task does
     * not use. */
    struct list moving;
    list_init(&moving);
    unsigned n = 0;
    unsigned ready = sched_nr_ready();
    for_each_rq(q) {
        /* As many as it holds, then it must be empty: a pick_next that
         * keeps what it returns would hand out the same task for ever. */
        for (unsigned k = q->nr_ready; k > 0; k--, n++) {
            struct task *t = policy->pick_next(q);
            if (!t)
                break;
            if (list_node_linked(&t->wait_node))
                bad_pick(t, "returned the same task twice");
            list_push_back(&moving, &t->wait_node);
        }
        struct task *extra = policy->pick_next(q);
        if (extra)
            bad_pick(extra, "still returns a task once every ready task was picked");
    }
    KASSERT(n == ready);
    policy = p;
    sched_policy_has_priorities = p->reprioritize != NULL;
    for_each_rq(q) {
        policy->init(q);
        q->nr_ready = 0;
    }
    for (struct list_node *node; (node = list_pop_front(&moving)) != NULL;) {
        struct task *t = list_entry(node, struct task, wait_node);
        enqueue_on(cpus[t->cpu].rq, t, SCHED_MIGRATE); /* each stays on its CPU */
    }
    /* The running tasks still carry the old policy's state (their level,
     * their pass...): at their next preemption point they go through the
     * new policy's enqueue too, as SCHED_MIGRATE, and the new policy
     * decides. */
    for (unsigned i = 0; i < ncpus; i++) {
        struct sched_cpu *c = &cpus[i];
        if (c->current != c->idle) {
            c->migrate_current = true;
            c->need_resched = true;
            if (c != this)
                arch_send_resched(c->id);
        }
    }
    unlock_all_rqs(all);
}

/* Nothing runs or is ready on any CPU, and no timer is pending. */
static bool all_quiet(void)
{
    if (timer_first())
        return false;
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].current != cpus[i].idle || cpus[i].rq->nr_ready > 0)
            return false;
    return true;
}

/* Hold a task with declared needs to them, for the tick just charged. */
static void charge_declared(struct task *curr)
{
    if (curr->remaining > 0 && --curr->remaining == 0) {
        sched_retire(curr, 0); /* its burst is consumed: done at this tick */
        if (curr->watch && observer)
            observer->done(observer_ctx, curr, ticks);
        return;
    }
    if (curr->cpu_phase && --curr->phase_left == 0) {
        curr->phase_left = curr->cpu_phase; /* off to its I/O wait */
        timer_insert(curr, ticks + curr->io_ticks);
        curr->state = TASK_SLEEPING;
    }
}

/* Run the pending tick call, if any (the clock's tick, holding the
 * scheduler lock and no run queue's). */
static inline __attribute__((always_inline)) void run_tick_call(void)
{
    if (tick_call) {
        void (*fn)(void *) = tick_call;
        tick_call = NULL;
        klock_drop(&sched_klock); /* fn is an interrupt handler's work: it may wake tasks */
        fn(tick_call_arg);
        klock_take(&sched_klock);
    }
}

/* The second half of the clock's tick: wake sleepers and arrivals, and
 * watch for a stall. */
static inline __attribute__((always_inline)) void wake_due(void)
{
    /* Wake sleepers and arrivals first: a task that becomes ready at tick t
     * must be in the ready queue before the policy decides about curr at
     * tick t (and before a preempted curr is queued, in sched_irq_exit). */
    for (struct task *t; (t = timer_first()) != NULL;) {
        if (t->wake_tick > ticks)
            break;
        if (t->state == TASK_BLOCKED) { /* a timed wait: out of its object's queue first */
            if (!time_out(t))
                break; /* its object is busy: the next tick tries again */
        } else {
            sched_make_ready(t, t->state == TASK_NEW ? SCHED_NEW : SCHED_WAKEUP); /* unlinks it */
        }
    }

    if (!list_empty(&quiet_watchers)) { /* only when someone waits for quiet */
        if (!all_quiet())
            quiet_ticks = 0;
        else if (++quiet_ticks == SCHED_STALL_TICKS)
            went_quiet();
    }
}

static void report_yielder(struct task *t, void *ctx)
{
    (void)ctx;
    if (t->is_idle || t->state == TASK_DEAD)
        return;
    bool yielding = t->yielded && t->yielded - window_start < 0x80000000u; /* yielded since the watch began */
    kprintf(TR("LIVELOCK:   '%s' (id %u) %s on cpu %u%s%s%s\n",
               "LIVELOCK:   '%s' (id %u) %s sur le processeur %u%s%s%s\n"),
            t->name, (unsigned)t->id, task_state_name(t->state), t->cpu,
            yielding ? TR(", yielding", ", cède le processeur") : "",
            t->state == TASK_BLOCKED ? TR(", waits on ", ", attend ") : "",
            t->state == TASK_BLOCKED && t->wait_what ? t->wait_what : "");
}

/* The livelock watch's report: window_yields yields, and nothing else
 * for SCHED_LIVELOCK_TICKS ticks. */
static __attribute__((noinline, cold)) void report_livelock(uint32_t window_yields)
{
    kprintf(TR("LIVELOCK: for %u ticks tasks yielded %u times but none blocked, woke, arrived or finished "
               "(sched=%s); they run and nothing changes:\n",
               "LIVELOCK: pendant %u ticks les tâches ont cédé le processeur %u fois mais aucune ne s'est "
               "bloquée, réveillée, n'est arrivée ni ne s'est terminée (sched=%s) ; elles tournent et rien "
               "ne change :\n"),
            SCHED_LIVELOCK_TICKS, (unsigned)window_yields, policy->name);
    task_for_each_locked(report_yielder, NULL);
    if (sched_livelock_exits) {
        kprintf(TR("LIVELOCK: exit=1: ending the run as failed\n",
                   "LIVELOCK: exit=1 : l'exécution se termine en échec\n"));
        kernel_exit(KEXIT_FAIL);
    }
}

/* The livelock watch, at each of CPU 0's ticks (see sched.h): inline, its
 * report is not. */
static inline __attribute__((always_inline)) void watch_livelock(void)
{
    if (events != events_seen) { /* something blocked, woke, arrived or ended: a new window */
        events_seen = events;
        window_start = __atomic_load_n(&yields, __ATOMIC_RELAXED);
        lively_ticks = 0;
    } else if (__atomic_load_n(&yields, __ATOMIC_RELAXED) != window_start &&
               ++lively_ticks == SCHED_LIVELOCK_TICKS) {
        report_livelock(__atomic_load_n(&yields, __ATOMIC_RELAXED) - window_start);
    }
}

/* What only CPU 0's tick does (scheduler lock held): count the clock,
 * tell the observer, charge declared needs, then wake_due. */
static inline __attribute__((always_inline)) void clock_tick(struct task *curr)
{
    ticks++;
    /* A compiler-only fence: the clock is counted in memory (two
     * instructions), not loaded into registers at the top of the tick and
     * kept for the rare readers below (the observer, a due timer), which
     * cost four more on every tick. */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (observer)
        observer->tick(observer_ctx, 0, curr, ticks);
    if (curr->burst)
        charge_declared(curr);
    run_tick_call();
    wake_due();
    watch_livelock();
}

/* The end of a tick for CPU c, whose task is curr: does it switch? (c's
 * queue lock held.) True: curr, RUNNING and not the idle task, goes, its
 * policy says; the caller hands the request on (tick). The other requests
 * are in need_resched already. */
static inline __attribute__((always_inline)) bool tick_decides(struct sched_cpu *c, struct task *curr)
{
    if (curr == c->idle) {
        c->idle_ticks++;
        c->need_resched |= c->rq->nr_ready > 0; /* (balancing may just have given it one) */
    } else if (curr->state != TASK_RUNNING) {
        c->need_resched = true; /* retired or gone to wait: someone else runs */
    } else {
        return policy->tick(c->rq, curr);
    }
    return false;
}

/* Lockstep: CPU c must switch; decide to what, as its own interrupt tail
 * would (requeue what it runs, pick), and leave the switch to it. A task
 * outside the workload (the shell, woken by a key) keeps its CPU until it
 * gives it up: only workload tasks and idle tasks are switched here. */
static void decide(struct sched_cpu *c)
{
    struct task *prev = c->current;
    if (prev->state == TASK_RUNNING && prev != c->idle && !prev->watch)
        return; /* its CPU's interrupt tail preempts it (to idle); the next tick decides */
    if (prev->state == TASK_RUNNING)
        requeue(c, prev, false);
    struct task *next = pick(c, false);
    next->state = TASK_RUNNING;
    next->cpu = c->id;
    if (next == prev) {
        c->need_resched = false;
        c->migrate_current = false; /* (no switch_to: it went through enqueue all the same) */
        return;
    }
    __atomic_store_n(&c->chosen, next, __ATOMIC_RELEASE); /* need_resched stays set: the interrupt tail looks at chosen */
}

/* Lockstep: CPU 0's tick, for every CPU in order (see the top of this file),
 * called with the scheduler lock held. Each phase runs over all CPUs before
 * the next, as on one CPU: the tick is charged to what each ran, then
 * arrivals and wakeups are placed, then balancing, then each CPU's policy
 * tick, then the decisions; all of it holding every run queue's lock (but
 * the pending tick call, first, which may wake tasks itself). */
static void lockstep_tick(void)
{
    ticks++;
    run_tick_call();
    bool all = lock_all_rqs();
    const struct sched_observer *obs = observer; /* (done may end the watch: the whole tick sees the same one) */
    void *ctx = observer_ctx;
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].online) {
            if (i)
                cpus[i].current->ticks++; /* (CPU 0's own tick counted its own) */
            obs->tick(ctx, i, cpus[i].current, ticks);
        }
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].online && cpus[i].current->burst)
            charge_declared(cpus[i].current);
    wake_due();
    if (rq_mode == SCHED_RQ_PERCPU && (ticks - watch_start) % SCHED_BALANCE_TICKS == 0)
        for (unsigned i = 0; i < ncpus; i++)
            if (cpus[i].online)
                balance(&cpus[i], cpu_idle(&cpus[i]));
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].online)
            if (tick_decides(&cpus[i], cpus[i].current))
                cpus[i].need_resched = true;
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].online && cpus[i].need_resched)
            decide(&cpus[i]);
    for (unsigned i = 1; i < ncpus; i++)
        if (cpus[i].chosen || (cpus[i].online && cpus[i].need_resched))
            arch_send_resched(i);
    unlock_all_rqs(all);
}

/* Lockstep: CPU c (this one) switches to the task CPU 0's tick chose
 * (c's queue lock held). */
static void carry_out(struct sched_cpu *c)
{
    struct task *prev = c->current, *next = c->chosen;
    c->need_resched = false; /* (before the wait: a request made meanwhile stands) */
    wait_off_cpu(next);
    /* Done deciding: CPU 0 may tick again, and takes the lock after us,
     * once we have switched (the lock is held across the switch). */
    __atomic_store_n(&c->chosen, NULL, __ATOMIC_RELEASE);
    if (prev->state != TASK_RUNNING && !task_canary_ok(prev))
        stack_overflow(prev);
    switch_to(c, prev, next, prev->state == TASK_READY ? TR_PREEMPTED : prev->state == TASK_DEAD ? TR_EXITED : TR_SLEPT,
              false);
}

/* CPU 0, before its tick (lock not held): has every CPU carried out the
 * last lockstep decision? Wait until it has. */
static void wait_for_decisions(void)
{
    for (unsigned i = 1; i < ncpus; i++)
        while (__atomic_load_n(&cpus[i].chosen, __ATOMIC_ACQUIRE))
            arch_cpu_relax();
}

/* A tick (interrupt context: interrupts are off). CPU 0's counts the clock
 * under the scheduler lock; every CPU's then decides for its own task under
 * its queue's lock. Another CPU takes the scheduler lock only when its task
 * declared its needs (charge_declared may end its burst or its CPU phase).
 * In lockstep CPU 0's tick decides for all, and the others' change nothing:
 * `lockstep` and `chosen` are read under a lock, which makes them exact
 * (sched_observe holds every lock to change the first; CPU 0's tick, the
 * second). On one CPU, it returns the running task if its policy says it
 * goes (RUNNING, not the idle task), for the caller's interrupt tail, next,
 * to preempt (tick_interrupt); else NULL. A switch asked for any other way,
 * or on several CPUs (where the tail takes the queue's lock again and looks
 * once more), is in need_resched. */
static inline __attribute__((always_inline)) struct task *tick(struct sched_cpu *c, bool up)
{
    bool smp = !up && ncpus > 1; /* (read once: a second read would come after the lock's barrier) */
    if (smp && c->id == 0)
        wait_for_decisions(); /* (only ever waits in lockstep) */
    struct task *curr = c->current; /* (our own task: it stays ours while we look) */

    c->ticks++;
    if (up || c->id == 0) {
        if (!up)
            klock_take(&sched_klock);
        if (smp && (lockstep || c->chosen)) {
            if (lockstep) {
                curr->ticks++;
                lockstep_tick();
            }
            klock_drop(&sched_klock);
            return NULL;
        }
        curr->ticks++; /* the tick that just ended was spent running curr */
        clock_tick(curr); /* CPU 0's ticks are the clock */
        if (!up && klock_smp) { /* (one test for both: the tick is the hottest path there is) */
            klock_drop(&sched_klock);
            rq_lock(c->rq);
        }
    } else if (curr->burst) {
        /* Charged under the scheduler lock, before our queue's (retiring
         * curr may wake its joiner, whose queue may be ours). */
        klock_take(&sched_klock);
        bool decided = lockstep || c->chosen || !c->online;
        if (!decided) {
            curr->ticks++;
            charge_declared(curr);
        }
        klock_drop(&sched_klock);
        if (decided)
            return NULL;
        rq_lock(c->rq);
        if (c->chosen) { /* CPU 0's tick decided for us meanwhile: it counts */
            rq_unlock(c->rq);
            return NULL;
        }
    } else {
        rq_lock(c->rq);
        if (lockstep || c->chosen || !c->online) { /* (not online: started, not yet taking tasks) */
            rq_unlock(c->rq);
            return NULL;
        }
        curr->ticks++;
    }
    if (smp && rq_mode == SCHED_RQ_PERCPU && c->ticks % SCHED_BALANCE_TICKS == 0)
        balance(c, curr == c->idle && c->rq->nr_ready == 0);
    bool goes = tick_decides(c, curr);
    if (up)
        return goes ? curr : NULL;
    c->need_resched |= goes;
    rq_unlock(c->rq);
    return NULL;
}

/* sched_tick, a tick whose interrupt's tail is sched_irq_exit: the
 * request goes in need_resched for it. */
static inline __attribute__((always_inline)) void tick_alone(struct sched_cpu *c, bool up)
{
    if (tick(c, up) != NULL)
        c->need_resched = true;
}

HOT_PATH(sched_tick, tick_alone)

void sched_call_on_tick(void (*fn)(void *arg), void *arg)
{
    KASSERT(tick_call == NULL || tick_call == fn); /* one pending call at a time */
    arch_irqstate_t s = sched_lock();
    tick_call = fn;
    tick_call_arg = arg;
    sched_unlock(s);
}

/* The end of an interrupt on CPU c, whose depth its start raised: back
 * to task code (depth 0), a switch first if one was asked for: `goes`,
 * the running task the tick says goes, on one CPU (still RUNNING, not the
 * idle task: nothing ran since the tick looked), or need_resched. */
static inline __attribute__((always_inline)) void irq_tail(struct sched_cpu *c, bool up, struct task *goes)
{
    if (--c->irq_depth != 0) {
        c->need_resched |= goes != NULL; /* (a nested interrupt: the outer one's tail switches) */
        return;
    }
    if (goes || c->need_resched) {
        if (!up)
            rq_lock(c->rq);
        if (goes) {
            preempt_task(c, goes, up);
        } else if (!up && c->chosen) {
            carry_out(c); /* lockstep: CPU 0's tick decided */
        } else if (!up && lockstep && (c->current->watch || c->current == c->idle)) {
            ; /* lockstep: workload and idle tasks are switched only by the tick's decision */
        } else if (c->current->state == TASK_RUNNING) {
            preempt(c, up);
        } else { /* retired, or off to its I/O */
            schedule(c, c->current, c->current->state == TASK_DEAD ? TR_EXITED : TR_SLEPT, up, false);
        }
        unlock_switch_lock(); /* we run again (maybe on another CPU): IRET turns interrupts back on */
    }
}

static inline __attribute__((always_inline)) void irq_exit(struct sched_cpu *c, bool up)
{
    KASSERT(c->irq_depth > 0); /* (a handler that did not call sched_irq_enter) */
    irq_tail(c, up, NULL);
}

HOT_PATH(sched_irq_exit, irq_exit)

/* A timer interrupt that is a tick, whole: sched_irq_enter, sched_tick and
 * sched_irq_exit in one function (one read of this CPU's record, one test
 * of one_cpu(), one frame). */
static inline __attribute__((always_inline)) void tick_interrupt(struct sched_cpu *c, bool up)
{
    c->irq_depth++;
    struct task *goes = tick(c, up);
    irq_tail(c, up, goes);
}

HOT_PATH(sched_tick_interrupt, tick_interrupt)
