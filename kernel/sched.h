/*
 * sched.h - the scheduler core ("l'ordonnanceur") and the policy contract.
 *
 * The core owns task states, the idle task, the sleep queue, preemption and
 * all accounting, so every policy is measured the same way. A policy owns
 * its ready queue and nothing else: it is one file that fills in a
 * `struct sched_policy` (as Linux's sched_class), registered in
 * kernel/policies.c. The core never asks which policy is running.
 *
 * Locking: single CPU. Everything here runs with interrupts disabled; that
 * is the scheduler's lock. Policy hooks are always called that way and must
 * never block or print.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct task;

/* Why a task is being put in the ready queue. */
enum sched_why {
    SCHED_NEW,       /* just created, or just arrived (task_create_at) */
    SCHED_WAKEUP,    /* was BLOCKED or SLEEPING */
    SCHED_PREEMPTED, /* taken off the CPU against its will */
    SCHED_YIELD,     /* gave up the CPU itself */
    SCHED_MIGRATE,   /* handed over from the previous policy (sched_set_policy) */
};

/* Policy parameters, set from the command line (cmdline.c). A policy reads
 * the ones it names in its `params` string. */
struct sched_config {
    uint32_t quantum; /* ticks per time slice ("quantum"), >= 1 */
    uint32_t aging;   /* prio: ticks of waiting that raise a task one level (0: never) */
    uint32_t boost;   /* mlfq: ticks between two boosts of every task to the top (0: never) */
    uint32_t seed;    /* lottery: seed of the ticket draw */
};
extern struct sched_config sched_config;

/* The value of parameter `key` ("quantum", "aging"...), or 0 if unknown. */
uint32_t sched_param(const char *key);

/* Compare two tasks for the tie rule every ordered policy uses: the earlier
 * arrival first, then the smaller name, then the smaller id. Returns < 0 if
 * a goes first. */
int sched_tie_break(const struct task *a, const struct task *b);

struct sched_policy {
    const char *name;        /* as typed in sched=NAME */
    const char *description; /* one line, for `help` */
    const char *params;      /* the sched_config keys it reads, space-separated ("quantum aging") */

    /* Start with an empty ready queue. Called when the policy is installed. */
    void (*init)(void);

    /* Put t (state READY) in the ready queue. `why` tells where it comes
     * from, for policies that treat those differently. */
    void (*enqueue)(struct task *t, enum sched_why why);

    /* Remove t (READY, in this policy's queue) without running it. */
    void (*dequeue)(struct task *t);

    /* Remove and return the task to run next, or NULL when the queue is
     * empty (the core then runs the idle task). */
    struct task *(*pick_next)(void);

    /* A timer tick was charged to `curr`, the running task (never idle).
     * Return true if curr should now give way. */
    bool (*tick)(struct task *curr);

    /* t just became READY while curr runs (curr is never idle). Return true
     * if t should take the CPU at once. NULL means never. */
    bool (*preempts)(const struct task *curr, const struct task *t);

    /* task_priority(t) changed (priority inheritance); t is READY in this
     * policy's queue, or RUNNING. Move it accordingly. NULL: priorities do
     * not matter to this policy. */
    void (*reprioritize)(struct task *t);
};

/* Install `policy` with an empty ready queue and `idle` as the idle task.
 * Called once at boot, before the first task is created. */
void sched_init(const struct sched_policy *policy, struct task *idle);

/* The installed policy. */
const struct sched_policy *sched_policy(void);

/* Install another policy while tasks run: every READY task is taken out of
 * the old policy's queue, in its order, and handed to the new one
 * (SCHED_MIGRATE); none is lost or duplicated. The running task keeps the
 * CPU until the new policy's next decision. Task context, any interrupt
 * state. */
void sched_set_policy(const struct sched_policy *policy);

/* Number of READY tasks in the policy's queue (the core counts them). */
unsigned sched_nr_ready(void);

/* Look up a registered policy by name (kernel/policies.c), or NULL. */
const struct sched_policy *sched_policy_find(const char *name);

/* The registered policies, NULL-terminated. */
extern const struct sched_policy *const sched_policies[];

/* The core's state that hot paths read, exported for the inline accessors
 * (as Linux's `current`). Written only by sched.c. */
extern struct task *sched_current_task;
extern unsigned sched_irq_depth;

/* ---- Called by the task layer (kernel/task.c) and sync code ------------ */
/* All of these need interrupts disabled. */

/* t (fresh, or BLOCKED/SLEEPING) becomes READY and joins the ready queue;
 * requests preemption if the policy says t should run before current. */
void sched_make_ready(struct task *t, enum sched_why why);

/* If sched_make_ready asked for a switch and we are not in an interrupt
 * handler, switch now. Task code calls it after making a task ready, once
 * its own state is consistent. (Inline test, out-of-line switch.) */
extern bool sched_need_resched;
void sched_preempt_now(void);
static inline void sched_preempt_point(void)
{
    if (sched_need_resched && sched_irq_depth == 0)
        sched_preempt_now();
}

/* The running task gives up the CPU as READY (yield). */
void sched_yield_cpu(void);

/* The running task blocks on obj ("join", "semaphore"...) until someone
 * calls sched_make_ready on it. May not be called by the idle task, from an
 * interrupt handler, or with a spinlock held: callers check the last two
 * (sync_may_block reports them as misuse). */
void sched_block(const void *obj, const char *what);

/* The running task sleeps until tick `deadline`. */
void sched_sleep_until(uint64_t deadline);

/* t is finished: record `code`, make it DEAD and wake its joiner. If t is
 * the running task, the caller then switches away (sched_exit, or the
 * interrupt tail). */
void sched_retire(struct task *t, int code);

/* t's effective priority (task_priority) changed: tell the policy, and let
 * the next preemption point reconsider who runs. */
void sched_priority_changed(struct task *t);

/* Sleep until the system goes quiet: no task has been ready or running for
 * SCHED_STALL_TICKS ticks and none waits on a timer. If tasks are then still
 * blocked, nothing will ever wake them (a deadlock, a lost wakeup): the core
 * prints a STALL report naming each and what it waits on. Returns how many
 * were blocked (not counting the tasks waiting here). May sleep. */
#define SCHED_STALL_TICKS 100
unsigned sched_wait_quiet(void);

/* The running task is DEAD (sched_retire): switch away for good. */
__attribute__((noreturn)) void sched_exit(void);

/* t (fresh from task_create_at) arrives at tick `at`: until then it waits
 * in the sleep queue, then enters the ready queue as SCHED_NEW. */
void sched_arrive_at(struct task *t, uint64_t at);

/* ---- Workload accounting (kernel/workload.c) --------------------------- */

/* While a workload runs, the core reports every tick to it. */
struct workload_run;
void sched_watch(struct workload_run *run);

/* ---- Called by the arch layer on interrupts ---------------------------- */

/* A timer tick: count it, charge it, wake sleepers, ask the policy. Interrupt
 * context. */
void sched_tick(void);

/* Bracket every hardware interrupt handler. sched_irq_exit, called after the
 * end-of-interrupt, is the one place a preemptive switch happens. */
void sched_irq_enter(void);
void sched_irq_exit(void);

/* Run fn(arg) once, from the next timer interrupt (in interrupt context).
 * For tests and demos that must show what happens there. One call may be
 * pending at a time. */
void sched_call_on_tick(void (*fn)(void *arg), void *arg);

/* True while a hardware interrupt handler runs. */
static inline bool sched_in_irq(void) { return sched_irq_depth > 0; }

/* ---- Time and statistics ---------------------------------------------- */

/* Timer ticks since the scheduler started. */
uint64_t sched_ticks(void);

struct sched_stats {
    uint64_t ticks;      /* all ticks */
    uint64_t idle_ticks; /* ticks charged to the idle task */
    uint64_t switches;   /* context switches (to a different task) */
    uint64_t preemptions;/* switches forced by a tick or a wakeup */
};
void sched_get_stats(struct sched_stats *out);

#endif /* KERNEL_SCHED_H */
