/*
 * sched.c - the scheduler core: states, switching, ticks, sleep, accounting.
 *
 * One function decides what runs next and switches to it: schedule(). It is
 * reached three ways:
 *   - a task gives up the CPU (sched_yield_cpu, sched_block, sched_sleep_until,
 *     sched_exit): a voluntary switch;
 *   - the tail of an interrupt (sched_irq_exit), when the timer tick or a
 *     wakeup asked for it: a preemptive switch, after the PIC's EOI, with the
 *     preempted task's trap frame left on its stack;
 *   - sched_unlock_preempt, when task code made a more urgent task ready
 *     (sched_preempt_now).
 * The timer handler itself (sched_tick) never switches; it counts the tick,
 * charges it, and sets need_resched.
 *
 * Tasks that declare their CPU needs (workload tasks) are held to them here,
 * at tick boundaries: the tick that consumes a task's last burst tick
 * retires it, and the tick that ends one of its CPU phases puts it to sleep
 * for its I/O wait. So a schedule is exact to the tick, and the host
 * simulator, which runs this same file, reproduces it tick for tick.
 *
 * The scheduler lock (sched_klock) is held in all of this: it guards the
 * run queue, the sleep queue and every task's state. It is held across
 * arch_switch, and who releases it depends on how the resumed task had left
 * the CPU - which is also who turns its interrupts back on:
 *   - it gave the CPU up itself (yield, block, sleep, or a preemption point
 *     in task code): it resumes inside schedule(), returns into the caller
 *     that took the lock, and that caller's sched_unlock (or klock_irqrestore)
 *     releases it and restores the interrupt state it saved;
 *   - it was preempted by an interrupt: it resumes in sched_irq_exit, which
 *     drops the lock; interrupts come back on with the IRET that ends the
 *     interrupt (isr.S), from the EFLAGS in its trap frame;
 *   - it never ran: task_first_run (task.c) drops the lock and enables
 *     interrupts, then calls the task's entry function.
 * On one CPU the lock is "interrupts off" and nothing more (kernel/klock.h).
 */
#include "sched.h"

#include <arch/arch.h>

#include "kprintf.h"
#include "panic.h"
#include "pheap.h"
#include "task.h"
#include "trace.h"
#include "workload.h"

struct klock sched_klock = KLOCK_INIT;
static const struct sched_policy *policy;
static struct sched_rq runqueue; /* the ready tasks (one CPU: one run queue) */
#define rq (&runqueue)
struct task *sched_current_task; /* the task on the CPU (task_current) */
#define current sched_current_task
static struct task *idle;      /* runs when the ready queue is empty */
static struct list sleep_queue;/* NEW and SLEEPING tasks, by wake_tick, then FIFO */
static uint64_t ticks;         /* timer ticks since sched_init */
bool sched_need_resched;       /* switch at the next preemption point */
#define need_resched sched_need_resched
unsigned sched_irq_depth;      /* > 0 inside a hardware interrupt handler (sched_in_irq) */
#define irq_depth sched_irq_depth
static bool migrate_current;   /* current still carries the previous policy's state */
static struct workload_run *watched; /* the workload being measured, if any */
static struct list quiet_watchers;   /* tasks in sched_wait_quiet */
static unsigned quiet_ticks;         /* consecutive ticks with nothing to run */
static unsigned quiet_result;        /* what sched_wait_quiet returns */
static void (*tick_call)(void *);    /* sched_call_on_tick */
static void *tick_call_arg;
static struct sched_stats stats;

void sched_init(const struct sched_policy *p, struct task *idle_task)
{
    policy = p;
    policy->init(rq);
    rq->nr_ready = 0;
    list_init(&sleep_queue);
    idle = current = idle_task;
    idle->state = TASK_RUNNING;
    idle->on_cpu = true;
    ticks = 0;
    need_resched = false;
    migrate_current = false;
    irq_depth = 0;
    watched = NULL;
    list_init(&quiet_watchers);
    quiet_ticks = 0;
    stats = (struct sched_stats){0};
}

const struct sched_policy *sched_policy(void) { return policy; }

struct sched_rq *sched_this_rq(void) { return rq; }

uint64_t sched_ticks_locked(void) { return ticks; }

uint64_t sched_ticks(void)
{
    arch_irqstate_t s = sched_lock(); /* two 32-bit loads: keep a tick out */
    uint64_t t = ticks;
    sched_unlock(s);
    return t;
}

unsigned sched_nr_ready(void) { return rq->nr_ready; }

void sched_watch(struct workload_run *run) { watched = run; }

void sched_get_stats(struct sched_stats *out)
{
    arch_irqstate_t s = sched_lock();
    *out = stats;
    out->ticks = ticks;
    sched_unlock(s);
}

int sched_tie_break(const struct task *a, const struct task *b)
{
    if (a->arrival != b->arrival)
        return a->arrival < b->arrival ? -1 : 1;
    const char *x = a->name, *y = b->name;
    while (*x && *x == *y)
        x++, y++;
    if (*x != *y)
        return (unsigned char)*x < (unsigned char)*y ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static __attribute__((noreturn, noinline)) void stack_overflow(const struct task *t)
{
    panic("stack overflow: task '%s' (id %u) overwrote the canary at the bottom of its stack "
          "[%p, %p); give it a bigger stack or fewer/lighter locals",
          t->name, (unsigned)t->id, (void *)t->stack, (void *)(t->stack + t->stack_size));
}

static void enqueue(struct task *t, enum sched_why why)
{
    rq->nr_ready++;
    policy->enqueue(rq, t, why);
}

/* The pheap walk behind the ordered policies' for_each_ready. */
struct heap_walk {
    void (*fn)(struct task *t, void *ctx);
    void *ctx;
};

static void heap_walk_one(struct pheap_node *n, void *w)
{
    struct heap_walk *walk = w;
    walk->fn(list_entry(n, struct task, heap_node), walk->ctx);
}

void sched_heap_for_each(const struct pheap *h, void (*fn)(struct task *t, void *ctx), void *ctx)
{
    struct heap_walk walk = {fn, ctx};
    pheap_for_each_sorted(h, heap_walk_one, &walk);
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
        policy->for_each_ready(rq, debug_note, &n);
    return n;
}

void sched_for_each_ready(void (*fn)(struct task *t, void *ctx), void *ctx)
{
    arch_irqstate_t s = sched_lock();
    if (policy->for_each_ready)
        policy->for_each_ready(rq, fn, ctx);
    sched_unlock(s);
}

/*
 * schedule: pick the next task and switch to it.
 *
 * The caller holds the scheduler lock and has already moved `current` out
 * of RUNNING (to READY, and into the ready queue, or to BLOCKED, SLEEPING or
 * DEAD). We ask the policy for the next task - the idle task if it has none
 * - and switch stacks. For the caller, arch_switch "returns" only when some
 * later schedule() picks it again; by then `current` is the caller once
 * more, and the lock is held again - by whoever switched back to us, on our
 * behalf.
 *
 * Nothing after arch_switch may trust the locals from before it: `next`
 * ran long ago, and the task that just left the CPU is whatever arch_switch
 * returns (it ran after us). A task that runs for the first time does not
 * return here at all, but starts in task.c's task_first_run(); both go
 * through sched_finish_switch. (On the host, arch_switch returns at once:
 * the caller simply carries on as the new task.)
 */
static void schedule(enum trace_reason why)
{
    struct task *prev = current;

    KASSERT(!arch_irq_enabled());
    KASSERT(prev->state != TASK_RUNNING);
    if (!task_canary_ok(prev))
        stack_overflow(prev);

    struct task *next = policy->pick_next(rq);
    if (next) {
        KASSERT(rq->nr_ready > 0);
        rq->nr_ready--;
    } else {
        next = idle;
    }
    KASSERT(next->state == TASK_READY); /* its canary was checked when it left the CPU */

    need_resched = false;
    migrate_current = false; /* prev left the CPU: it re-enters through enqueue anyway */
    next->state = TASK_RUNNING;
    if (next == prev)
        return;
    stats.switches++;
    next->runs++;
    if (trace_enabled)
        trace_record(TRACE_SWITCH, prev->id, next->id, why, NULL);
    current = next;
    next->on_cpu = true;
    struct arch_context *last = arch_switch(&prev->ctx, &next->ctx);
    sched_finish_switch(list_entry(last, struct task, ctx));
}

void sched_finish_switch(struct task *prev)
{
    prev->on_cpu = false; /* its registers are saved: it may be freed, or run elsewhere */
}

/* Take the CPU from the running task, which stays READY. */
static void preempt(void)
{
    struct task *prev = current;
    prev->state = TASK_READY;
    if (prev != idle) {
        enqueue(prev, migrate_current ? SCHED_MIGRATE : SCHED_PREEMPTED);
        stats.preemptions++;
    }
    migrate_current = false;
    schedule(TR_PREEMPTED);
}

void sched_make_ready(struct task *t, enum sched_why why)
{
    /* Only a waiting task can be made ready (and so never the idle task,
     * which is only ever RUNNING or READY). */
    KASSERT((1u << t->state) & (1u << TASK_NEW | 1u << TASK_BLOCKED | 1u << TASK_SLEEPING));
    if ((t->state == TASK_SLEEPING || t->state == TASK_NEW) && list_node_linked(&t->wait_node))
        list_remove(&t->wait_node); /* woken before its time */
    if (trace_enabled)
        trace_record(why == SCHED_NEW ? TRACE_ARRIVE : TRACE_WAKE, t->id, 0, 0, why == SCHED_NEW ? t->name : NULL);
    t->state = TASK_READY; /* (wait_obj, wait_what, wait_name mean something only while BLOCKED) */
    enqueue(t, why);
    if (current == idle || current->state != TASK_RUNNING ||
        (policy->preempts && policy->preempts(rq, current, t)))
        need_resched = true;
}

void sched_preempt_now(void)
{
    klock_take(&sched_klock);
    preempt();
    klock_drop(&sched_klock);
}

void sched_yield_cpu(void)
{
    struct task *t = current;
    t->state = TASK_READY;
    if (t != idle)
        enqueue(t, SCHED_YIELD);
    schedule(TR_YIELDED);
}

void sched_block(const void *obj, const char *what, struct klock *lk)
{
    KASSERT(current != idle); /* (callers have checked: not in an interrupt, no spinlock held) */
    if (lk != &sched_klock)
        klock_take(&sched_klock); /* first the scheduler lock... */
    current->state = TASK_BLOCKED;
    current->wait_obj = obj;
    current->wait_what = what;
    if (lk != &sched_klock)
        klock_drop(lk); /* ...then, BLOCKED and findable, let wakers in */
    if (trace_enabled)
        trace_record(TRACE_BLOCK, current->id, 0, 0, current->wait_name ? current->wait_name : what);
    schedule(TR_BLOCKED);
    if (lk != &sched_klock) {
        klock_drop(&sched_klock); /* awake: the caller re-tests under its own lock */
        klock_take(lk);
    }
}

/* Put t in the sleep queue until tick `deadline`: sorted by deadline, FIFO
 * among equals. Scan from the back: a new sleeper usually wakes last. */
static void sleep_insert(struct task *t, uint64_t deadline)
{
    t->wake_tick = deadline;
    struct list_node *pos = &sleep_queue.head;
    while (pos->prev != &sleep_queue.head &&
           list_entry(pos->prev, struct task, wait_node)->wake_tick > deadline)
        pos = pos->prev;
    list_insert_before(pos, &t->wait_node);
}

void sched_sleep_until(uint64_t deadline)
{
    KASSERT(current != idle);
    sleep_insert(current, deadline);
    current->state = TASK_SLEEPING;
    schedule(TR_SLEPT);
}

void sched_arrive_at(struct task *t, uint64_t at)
{
    KASSERT(t->state == TASK_NEW);
    t->arrival = at;
    if (at <= ticks) {
        sched_make_ready(t, SCHED_NEW);
        return;
    }
    sleep_insert(t, at);
}

void sched_retire(struct task *t, int code)
{
    KASSERT(t != idle && t->state != TASK_DEAD);
    t->exit_code = code;
    t->state = TASK_DEAD;
    trace_event(TRACE_EXIT, t->id, 0, 0, NULL);
    if (t->joiner)
        sched_make_ready(t->joiner, SCHED_WAKEUP);
}

void sched_priority_changed(struct task *t)
{
    if (!policy->reprioritize)
        return; /* priorities mean nothing to this policy: nothing to reconsider */
    if (t->state == TASK_READY || t->state == TASK_RUNNING)
        policy->reprioritize(rq, t);
    need_resched = true;
}

static const char quiet_wait[] = "quiet"; /* wait_what in sched_wait_quiet */

unsigned sched_wait_quiet(void)
{
    arch_irqstate_t s = sched_lock();
    if (sched_in_irq() || current->spinlocks_held) {
        sched_unlock(s);
        kprintf("MISUSE: sched_wait_quiet by '%s': it would sleep in an interrupt handler or holding a spinlock; refused\n",
                current->name);
        return 0;
    }
    current->wait_name = NULL;
    if (list_empty(&quiet_watchers))
        quiet_ticks = 0; /* count from now */
    list_push_back(&quiet_watchers, &current->wait_node);
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
    kprintf("STALL:   '%s' (id %u) waits on %s%s%s%s\n", t->name, (unsigned)t->id,
            t->wait_what ? t->wait_what : "something", t->wait_name ? " '" : "",
            t->wait_name ? t->wait_name : "", t->wait_name ? "'" : "");
    (*n)++;
}

/* Nothing has run for SCHED_STALL_TICKS ticks and no timer is pending:
 * whoever is blocked now stays blocked. Say so, and wake the watchers. */
static void went_quiet(void)
{
    unsigned n = 0;
    kprintf("STALL: no task has run for %u ticks and none waits on a timer; blocked for good:\n",
            SCHED_STALL_TICKS);
    task_for_each_locked(report_blocked, &n);
    if (n == 0)
        kprintf("STALL:   (none: every task has finished)\n");
    quiet_result = n;
    for (struct list_node *w; (w = list_pop_front(&quiet_watchers)) != NULL;)
        sched_make_ready(list_entry(w, struct task, wait_node), SCHED_WAKEUP);
}

void sched_exit(void)
{
    KASSERT(current->state == TASK_DEAD);
    schedule(TR_EXITED);
    panic("a dead task was scheduled again");
}

void sched_set_policy(const struct sched_policy *p)
{
    arch_irqstate_t s = sched_lock();
    sched_set_policy_locked(p);
    sched_unlock(s);
}

void sched_set_policy_locked(const struct sched_policy *p)
{
    /* Drain the old queue in its own order (lottery's order is a draw); the
     * tasks stay READY. Linked through wait_node, which a READY task does
     * not use. */
    struct list moving;
    list_init(&moving);
    unsigned n = 0;
    for (struct task *t; (t = policy->pick_next(rq)) != NULL; n++)
        list_push_back(&moving, &t->wait_node);
    KASSERT(n == rq->nr_ready);
    policy = p;
    policy->init(rq);
    rq->nr_ready = 0;
    for (struct list_node *node; (node = list_pop_front(&moving)) != NULL;)
        enqueue(list_entry(node, struct task, wait_node), SCHED_MIGRATE);
    /* The running task still carries the old policy's state (its level, its
     * pass...): at the next preemption point it goes through the new
     * policy's enqueue too, as SCHED_MIGRATE, and the new policy decides. */
    if (current != idle) {
        migrate_current = true;
        need_resched = true;
    }
}

/* Hold a task with declared needs to them, for the tick just charged. */
static void charge_declared(struct task *curr)
{
    if (curr->remaining > 0 && --curr->remaining == 0) {
        sched_retire(curr, 0); /* its burst is consumed: done at this tick */
        if (curr->run)
            workload_task_done(curr->run, curr, ticks);
        return;
    }
    if (curr->cpu_phase && --curr->phase_left == 0) {
        curr->phase_left = curr->cpu_phase; /* off to its I/O wait */
        sleep_insert(curr, ticks + curr->io_ticks);
        curr->state = TASK_SLEEPING;
    }
}

void sched_tick(void)
{
    klock_take(&sched_klock); /* interrupt context: interrupts are off */
    struct task *curr = current;

    ticks++;
    curr->ticks++; /* the tick that just ended was spent running curr */
    if (watched)
        workload_tick(watched, curr, ticks);
    if (curr->burst)
        charge_declared(curr);
    if (tick_call) {
        void (*fn)(void *) = tick_call;
        tick_call = NULL;
        klock_drop(&sched_klock); /* fn is an interrupt handler's work: it may wake tasks */
        fn(tick_call_arg);
        klock_take(&sched_klock);
    }

    /* Wake sleepers and arrivals first: a task that becomes ready at tick t
     * must be in the ready queue before the policy decides about curr at
     * tick t (and before a preempted curr is queued, in sched_irq_exit). */
    while (!list_empty(&sleep_queue)) {
        struct task *t = list_entry(list_first(&sleep_queue), struct task, wait_node);
        if (t->wake_tick > ticks)
            break;
        sched_make_ready(t, t->state == TASK_NEW ? SCHED_NEW : SCHED_WAKEUP); /* unlinks it */
    }

    if (!list_empty(&quiet_watchers)) { /* only when someone waits for quiet */
        if (curr != idle || rq->nr_ready > 0 || !list_empty(&sleep_queue))
            quiet_ticks = 0;
        else if (++quiet_ticks == SCHED_STALL_TICKS)
            went_quiet();
    }

    if (curr == idle)
        stats.idle_ticks++;
    else if (curr->state != TASK_RUNNING)
        need_resched = true; /* retired or gone to wait: someone else runs */
    else if (policy->tick(rq, curr))
        need_resched = true;
    klock_drop(&sched_klock);
}

void sched_call_on_tick(void (*fn)(void *arg), void *arg)
{
    KASSERT(tick_call == NULL || tick_call == fn); /* one pending call at a time */
    arch_irqstate_t s = sched_lock();
    tick_call = fn;
    tick_call_arg = arg;
    sched_unlock(s);
}

void sched_irq_enter(void) { irq_depth++; }

void sched_irq_exit(void)
{
    KASSERT(irq_depth > 0);
    if (--irq_depth == 0 && need_resched) {
        klock_take(&sched_klock);
        if (current->state == TASK_RUNNING)
            preempt();
        else
            schedule(current->state == TASK_DEAD ? TR_EXITED : TR_SLEPT); /* retired, or off to its I/O */
        klock_drop(&sched_klock); /* we run again: IRET turns interrupts back on */
    }
}
