/*
 * sched.c - the scheduler core: states, switching, ticks, sleep, accounting.
 *
 * One function decides what runs next and switches to it: schedule(). It is
 * reached three ways:
 *   - a task gives up the CPU (sched_yield, sched_block, sched_sleep_until,
 *     sched_exit): a voluntary switch;
 *   - the tail of an interrupt (sched_irq_exit), when the timer tick or a
 *     wakeup asked for it: a preemptive switch, after the PIC's EOI, with the
 *     preempted task's trap frame left on its stack;
 *   - sched_preempt_point, when task code made a more urgent task ready.
 * The timer handler itself (sched_tick) never switches; it only counts, and
 * sets need_resched.
 *
 * Interrupts are disabled in all of this: on a single CPU that is the lock
 * that protects the ready queue, the sleep queue and every task's state.
 */
#include "sched.h"

#include <arch/arch.h>

#include "panic.h"
#include "task.h"


static const struct sched_policy *policy;
static struct task *current;   /* the task on the CPU */
static struct task *idle;      /* runs when the ready queue is empty */
static struct list sleep_queue;/* SLEEPING tasks, by wake_tick, then FIFO */
static uint64_t ticks;         /* timer ticks since sched_init */
static bool need_resched;      /* switch at the next preemption point */
static unsigned irq_depth;     /* > 0 inside a hardware interrupt handler */
static struct sched_stats stats;

void sched_init(const struct sched_policy *p, struct task *idle_task)
{
    policy = p;
    policy->init();
    list_init(&sleep_queue);
    idle = current = idle_task;
    idle->state = TASK_RUNNING;
    ticks = 0;
    need_resched = false;
    irq_depth = 0;
    stats = (struct sched_stats){0};
}

const struct sched_policy *sched_policy(void) { return policy; }

struct task *task_current(void) { return current; }

uint64_t sched_ticks(void) { return ticks; }

bool sched_in_irq(void) { return irq_depth > 0; }

void sched_get_stats(struct sched_stats *out)
{
    arch_irqstate_t s = arch_irq_save();
    *out = stats;
    out->ticks = ticks;
    arch_irq_restore(s);
}

static __attribute__((noreturn, noinline)) void stack_overflow(const struct task *t)
{
    panic("stack overflow: task '%s' (id %u) overwrote the canary at the bottom of its stack "
          "[%p, %p); give it a bigger stack or fewer/lighter locals",
          t->name, (unsigned)t->id, (void *)t->stack, (void *)(t->stack + t->stack_size));
}

/*
 * schedule: pick the next task and switch to it.
 *
 * The caller has already moved `current` out of RUNNING (to READY, and into
 * the ready queue, or to BLOCKED, SLEEPING or DEAD). We ask the policy for
 * the next task - the idle task if it has none - and switch stacks. For the
 * caller, arch_switch "returns" only when some later schedule() picks it
 * again; by then `current` is the caller once more.
 *
 * Note that nothing after arch_switch may assume which task we came from:
 * a task that runs for the first time does not return here at all, but
 * starts in task.c's task_start().
 */
static void schedule(void)
{
    struct task *prev = current;

    KASSERT(!arch_irq_enabled());
    KASSERT(prev->state != TASK_RUNNING);
    if (!task_canary_ok(prev))
        stack_overflow(prev);

    struct task *next = policy->pick_next();
    if (!next)
        next = idle;
    KASSERT(next->state == TASK_READY);

    need_resched = false;
    next->state = TASK_RUNNING;
    if (next == prev)
        return;
    stats.switches++;
    next->runs++;
    current = next;
    arch_switch(&prev->ctx, &next->ctx);
}

/* Take the CPU from the running task, which stays READY. */
static void preempt(void)
{
    struct task *prev = current;
    prev->state = TASK_READY;
    if (prev != idle) {
        policy->enqueue(prev, SCHED_PREEMPTED);
        stats.preemptions++;
    }
    schedule();
}

void sched_make_ready(struct task *t, enum sched_why why)
{
    KASSERT(t != idle);
    KASSERT(t->state != TASK_READY && t->state != TASK_RUNNING && t->state != TASK_DEAD);
    t->state = TASK_READY;
    t->wait_obj = NULL;
    t->wait_what = NULL;
    policy->enqueue(t, why);
    if (current == idle || (policy->preempts && policy->preempts(current, t)))
        need_resched = true;
}

/* If something more urgent became ready while this task ran (task code,
 * interrupts off), switch now rather than at the next tick. */
void sched_preempt_point(void)
{
    if (need_resched && irq_depth == 0)
        preempt();
}

void sched_yield(void)
{
    struct task *t = current;
    t->state = TASK_READY;
    if (t != idle)
        policy->enqueue(t, SCHED_YIELD);
    schedule();
}

void sched_block(const void *obj, const char *what)
{
    KASSERT(current != idle);
    current->state = TASK_BLOCKED;
    current->wait_obj = obj;
    current->wait_what = what;
    schedule();
}

void sched_sleep_until(uint64_t deadline)
{
    struct task *t = current;
    KASSERT(t != idle);
    t->wake_tick = deadline;
    /* Keep the queue sorted by deadline, FIFO among equals. Scan from the
     * back: a new sleeper usually has the latest deadline. */
    struct list_node *pos = &sleep_queue.head;
    while (pos->prev != &sleep_queue.head &&
           list_entry(pos->prev, struct task, wait_node)->wake_tick > deadline)
        pos = pos->prev;
    list_insert_before(pos, &t->wait_node);
    t->state = TASK_SLEEPING;
    schedule();
}

void sched_exit(void)
{
    KASSERT(current->state == TASK_DEAD);
    schedule();
    panic("a dead task was scheduled again");
}

void sched_tick(void)
{
    struct task *curr = current;

    ticks++;
    curr->ticks++; /* the tick that just ended was spent running curr */

    /* Wake sleepers first: a task that becomes ready at tick t must be in
     * the ready queue before the policy decides about curr at tick t. */
    while (!list_empty(&sleep_queue)) {
        struct task *t = list_entry(list_first(&sleep_queue), struct task, wait_node);
        if (t->wake_tick > ticks)
            break;
        list_remove(&t->wait_node);
        sched_make_ready(t, SCHED_WAKEUP);
    }

    if (curr == idle)
        stats.idle_ticks++;
    else if (policy->tick(curr))
        need_resched = true;
}

void sched_irq_enter(void) { irq_depth++; }

void sched_irq_exit(void)
{
    KASSERT(irq_depth > 0);
    if (--irq_depth == 0 && need_resched)
        preempt();
}
