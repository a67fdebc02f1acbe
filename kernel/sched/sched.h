/*
 * sched.h - the scheduler core ("l'ordonnanceur") and the policy contract.
 *
 * The core owns task states, the idle task, the timer queue, preemption and
 * all accounting, so every policy is measured the same way. A policy owns
 * its ready queue and nothing else: it is one file that fills in a
 * `struct sched_policy` (as Linux's sched_class), registered in
 * kernel/sched/policies.c. The core never asks which policy is running.
 *
 * Locking, in the order the locks are taken (never the other way):
 *   1. an object's own klock (a semaphore's, a condition variable's...): its
 *      fields and its wait queue;
 *   2. the scheduler lock, `sched_klock` (below): every wait - a task's move
 *      between running or ready and BLOCKED, SLEEPING, NEW or DEAD, its wait
 *      links -, the timer queue and the clock, the list of tasks, and the
 *      mutexes (kernel/sync/mutex.c: priority inheritance and the wait-for graph
 *      read other tasks' states);
 *   3. a run queue's lock (struct sched_rq): that queue, and the CPU that
 *      picks from it - its current task, its switches, a task's move between
 *      READY and RUNNING there. Two run queues are taken in address order
 *      (CPU order). A switch holds its CPU's run-queue lock and nothing else.
 * Policy hooks run with their queue's lock held and must never block or
 * print.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "sync/klock.h"

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

/* The value of parameter `key` ("quantum", "aging"...), or 0 if unknown;
 * every parameter's name (sched_config's fields), NULL-terminated. */
uint32_t sched_param(const char *key);
extern const char *const sched_param_names[];
struct sched_policy;
/* Whether policy p reads parameter `key` (its `params` list names it);
 * its parameters as they are now, " key=value" words, into out. */
bool sched_policy_uses(const struct sched_policy *p, const char *key);
void sched_format_params(const struct sched_policy *p, char *out, size_t size);

/* Compare two tasks for the tie rule every ordered policy uses: a task
 * that yielded goes behind those that did not (and behind those that
 * yielded before it) until it next waits; then the earlier arrival first,
 * then the smaller name, then the smaller id. Returns < 0 if a goes first.
 * (Without the first rule, a task that yields in a loop under sjf or srt
 * would be picked again at once, for ever.) */
int sched_tie_break(const struct task *a, const struct task *b);

/*
 * A run queue ("file des prêts"): the READY tasks one CPU picks from, and the
 * state its policy keeps about them. The core owns the count and the lock
 * that guards the whole queue; the policy owns `area`, and says what it
 * keeps there with SCHED_RQ_AREA (below). A policy keeps nothing in
 * file-scope variables, so the same policy can serve several run queues at
 * once (one per CPU), or a private one (make bench, the host tests).
 */
#define SCHED_RQ_AREA_SIZE 192
struct sched_rq {
    _Alignas(8) unsigned char area[SCHED_RQ_AREA_SIZE]; /* the policy's queue state (first: no offset to add) */
    unsigned nr_ready; /* tasks in the policy's queue (the core counts them) */
    struct klock lock; /* guards all of it, and what the CPU(s) picking here run */
};

/* The policy's view of rq's area: `struct rr_rq *q = SCHED_RQ_AREA(rq, struct rr_rq);`.
 * Fails to compile if the type does not fit. */
#define SCHED_RQ_AREA(rq, type)                                                                       \
    ((type *)(void *)(rq)->area +                                                                     \
     0 * sizeof(struct {                                                                              \
         _Static_assert(sizeof(type) <= SCHED_RQ_AREA_SIZE, #type " does not fit in a run queue's area"); \
         int unused;                                                                                  \
     }))

/*
 * The policy contract. Every hook gets the run queue it works on, and runs
 * with that queue's lock held (interrupts off on this CPU): hooks never
 * block, sleep or print. A task is in one queue, from enqueue until
 * pick_next or dequeue returns it.
 */
struct sched_policy {
    const char *name;        /* as typed in sched=NAME */
    const char *description; /* one line, for `help` */
    const char *params;      /* the sched_config keys it reads, space-separated ("quantum aging") */

    /* Make rq's queue empty. Called when the policy is installed on rq. */
    void (*init)(struct sched_rq *rq);

    /* Put t (state READY) in rq's queue. `why` tells where it comes from,
     * for policies that treat those differently. */
    void (*enqueue)(struct sched_rq *rq, struct task *t, enum sched_why why);

    /* Remove t (READY, in rq's queue) without running it: the core takes it
     * to another run queue (load balancing, affinity). */
    void (*dequeue)(struct sched_rq *rq, struct task *t);

    /* Remove and return the task to run next, or NULL when the queue is
     * empty (the core then runs the idle task). */
    struct task *(*pick_next)(struct sched_rq *rq);

    /* A timer tick was charged to `curr`, the task running on rq's CPU
     * (never idle). Return true if curr should now give way. */
    bool (*tick)(struct sched_rq *rq, struct task *curr);

    /* t just joined rq while curr runs on rq's CPU (curr is never idle).
     * Return true if t should take the CPU at once. NULL means never. */
    bool (*preempts)(struct sched_rq *rq, const struct task *curr, const struct task *t);

    /* task_priority(t) changed (priority inheritance); t is READY in rq's
     * queue, or RUNNING on rq's CPU. Move it accordingly. NULL: priorities
     * do not matter to this policy. */
    void (*reprioritize)(struct sched_rq *rq, struct task *t);

    /* Call fn(t, ctx) for every task in rq's queue, in the order pick_next
     * would return them if nothing changed (lottery: any order), without
     * changing anything. For the shell, GDB and make bench. */
    void (*for_each_ready)(struct sched_rq *rq, void (*fn)(struct task *t, void *ctx), void *ctx);
};

/* ---- CPUs ------------------------------------------------------------------- */

#define SCHED_MAX_CPUS ARCH_MAX_CPUS

/* How the ready tasks are queued when several CPUs run (rq=): */
enum sched_rq_mode {
    SCHED_RQ_PERCPU, /* one run queue per CPU: placement at wakeup, balancing (the default) */
    SCHED_RQ_GLOBAL, /* one run queue that every CPU picks from */
};

/*
 * What the core keeps for each CPU ("per-CPU data", xv6's struct cpu):
 * reached through one accessor, sched_this_cpu(), never through globals.
 * irq_depth and holds_all_rqs are this CPU's own business; current,
 * need_resched, chosen and the counters are guarded by the lock of
 * the run queue it picks from (`rq`), which another CPU takes to set
 * need_resched and send a reschedule IPI. Another CPU may read current and
 * the counts without it, as a hint (where to place a task, whom to pull
 * from): the answer may be old by the time it acts.
 */
struct sched_cpu {
    struct task *current;      /* the task on this CPU (task_current) */
    unsigned irq_depth;        /* > 0 inside a hardware interrupt handler (sched_in_irq) */
    bool need_resched;         /* switch at this CPU's next preemption point */
    struct task *chosen;       /* lockstep: the task CPU 0's tick decided this CPU runs next */
    bool migrate_current;      /* current still carries the previous policy's state */
    bool holds_all_rqs;        /* this CPU holds every run queue's lock (the lockstep tick, a policy switch) */
    bool online;               /* started, and scheduling */
    unsigned id;               /* 0: the boot CPU; then in start order (arch_cpu_id) */
    struct task *idle;         /* runs when this CPU has nothing else to run */
    struct sched_rq *rq;       /* where it picks from: its own_rq, or the global one */
    struct sched_rq own_rq;    /* its run queue under rq=percpu */
    uint32_t ticks;            /* timer ticks this CPU took (CPU 0's: also sched_ticks) */
    uint64_t idle_ticks;       /* ...of which its idle task ran */
    uint64_t switches;         /* context switches on this CPU */
    uint64_t preemptions;      /* ...forced by a tick or a wakeup */
    uint64_t pulled;           /* tasks it took from another CPU's queue (balancing) */
};

/* This CPU's data (one instruction through arch_this_cpu). */
static inline struct sched_cpu *sched_this_cpu(void) { return (struct sched_cpu *)arch_this_cpu(); }

/* CPU `id`'s data (0 <= id < SCHED_MAX_CPUS), online or not. */
struct sched_cpu *sched_cpu(unsigned id);

/* How many CPUs schedule tasks (1 until sched_cpu_online adds others). */
extern unsigned sched_nr_cpus; /* written only by sched.c */
static inline unsigned sched_ncpus(void) { return sched_nr_cpus; }

/* Give the boot CPU its per-CPU data. The very first thing kernel_main does
 * (before any task_current()). */
void sched_early_init(void);

/* Install `policy` with empty ready queues and `idle` as the boot CPU's
 * idle task; `mode` says how queues are shared once other CPUs come. Called
 * once at boot, before the first task is created. */
void sched_init(const struct sched_policy *policy, struct task *idle);
void sched_set_rq_mode(enum sched_rq_mode mode);
enum sched_rq_mode sched_rq_mode(void);

/* Prepare CPU `id` (1..SCHED_MAX_CPUS-1) with `idle` as its idle task, and
 * return the pointer its arch_this_cpu() must return (for arch_cpu_start).
 * Boot CPU, task context. */
void *sched_cpu_prepare(unsigned id, struct task *idle);

/* Called on CPU `id`, first thing in its entry, interrupts off: from now on
 * it takes tasks (placement and balancing may send it some). */
void sched_cpu_online(void);

/* The installed policy. */
const struct sched_policy *sched_policy(void);

/* Whether the current policy schedules by priority (it has a reprioritize
 * hook: prio). Kept with the policy, for the wait queues' hot path. */
extern bool sched_policy_has_priorities;

/* The run queue of the CPU we run on. */
struct sched_rq *sched_this_rq(void);

/* Install another policy while tasks run: every READY task is taken out of
 * the old policy's queue, in its order, and handed to the new one
 * (SCHED_MIGRATE); none is lost or duplicated. The running task keeps the
 * CPU until the new policy's next decision. Task context, any interrupt
 * state. */
void sched_set_policy(const struct sched_policy *policy);
/* The same, for a caller that holds the scheduler lock. */
void sched_set_policy_locked(const struct sched_policy *policy);

/* Number of READY tasks in the policy's queue (the core counts them). */
unsigned sched_nr_ready(void);

/* Call fn(t, ctx) for every READY task, in the order the policy would run
 * them (for_each_ready), with the scheduler lock and every run queue's
 * held: fn must not block or take a lock. Nothing if the policy has no for_each_ready. */
void sched_for_each_ready(void (*fn)(struct task *t, void *ctx), void *ctx);

/* For the debugger only: fill sched_debug_ready[] as sched_for_each_ready
 * would list them, without the lock, and return how many are READY (the
 * array holds the first SCHED_DEBUG_READY). */
#define SCHED_DEBUG_READY 64
extern struct task *sched_debug_ready[SCHED_DEBUG_READY];
unsigned sched_debug_ready_fill(void);

/* For policies whose queue is a struct rbtree of tasks (through tree_node):
 * their for_each_ready, smallest first, in O(n). */
struct rbtree;
void sched_tree_for_each(const struct rbtree *tree, void (*fn)(struct task *t, void *ctx), void *ctx);

/* Look up a registered policy by name (kernel/sched/policies.c), or NULL. */
const struct sched_policy *sched_policy_find(const char *name);

/* The registered policies, NULL-terminated. */
extern const struct sched_policy *const sched_policies[];


/* ---- The scheduler lock --------------------------------------------------- */

/* Held by whoever makes a task wait or ends its wait (see "Locking" at the
 * top). A task that waits takes it, then its CPU's run-queue lock, and lets
 * go of it before the switch: a switch holds its run queue's lock alone, and
 * the task that gets the CPU is the one that releases it (see schedule() in
 * sched.c). */
extern struct klock sched_klock;

/* Take the scheduler lock from task context, interrupts as they may be;
 * returns the interrupt state for sched_unlock. */
static inline arch_irqstate_t sched_lock(void) { return klock_irqsave(&sched_klock); }
static inline void sched_unlock(arch_irqstate_t s) { klock_irqrestore(&sched_klock, s); }

/* The lock a switch on this CPU holds: its run queue's. A task that gets the
 * CPU holds it, and lets go of it (task_first_run; the host's fake switch). */
static inline struct klock *sched_switch_lock(void) { return &sched_this_cpu()->rq->lock; }

/* The preemption point of task code. Drop lk (which the caller took with
 * klock_irqsave, or sched_lock); if a task made ready meanwhile should run
 * now, and we are not in an interrupt handler nor holding a spinlock (then
 * spin_unlock switches), switch (the switch takes its
 * run queue's lock itself: no other klock may be held across it); then restore
 * interrupts. How task code leaves a section that may have woken someone.
 * (Inline test, out-of-line switch.) */
void sched_preempt_now(void);
/* The same where no lock is held and interrupts are on (spin_unlock's last
 * release: a switch asked for while a spinlock was held waited for it). */
void sched_preempt_point(void);
static inline void sched_unlock_preempt(struct klock *lk, arch_irqstate_t s)
{
    klock_drop(lk);
    struct sched_cpu *c = sched_this_cpu();
    if (c->need_resched && c->irq_depth == 0)
        sched_preempt_now();
    arch_irq_restore(s);
}

/* ---- Called by the task layer (kernel/sched/task.c) and sync code ------------ */
/* All of these need the scheduler lock held (and so interrupts off), but
 * sched_yield_and_restore, which needs interrupts off and no lock. Those that switch
 * return with the scheduler lock held again. */

/* t (fresh, or BLOCKED/SLEEPING) becomes READY and joins a ready queue;
 * requests preemption if the policy says t should run before what runs
 * there. On several CPUs t may still be leaving the CPU it waited on (it
 * blocked and its switch is under way): this waits until it is off, so that
 * no queue ever holds a task another CPU still runs on. */
void sched_make_ready(struct task *t, enum sched_why why);

/* The running task gives up the CPU as READY (yield), for task_yield,
 * which has just turned interrupts off and saved their state in s, and
 * checked that it holds no lock and is not in an interrupt: when the task
 * runs again, they are put back as s says (arch_irq_restore(s)) before it
 * returns. On several CPUs, a yield with nothing else to run here returns
 * at once, taking no lock. */
void sched_yield_and_restore(arch_irqstate_t s);

/*
 * The running task blocks on obj ("join", "semaphore"...) until someone
 * calls sched_make_ready on it.
 *
 * `lk` is the lock that guards the condition the caller tested (the
 * semaphore's count, the join's target state): the caller holds it, and
 * has put itself where a waker will find it (the object's wait queue).
 * sched_block takes the scheduler lock, marks the task BLOCKED, and only
 * then drops lk; a waker needs lk to find the task and the scheduler lock
 * to wake it, so it cannot slip in between the test and the sleep. That is
 * the whole cure for the lost wakeup (xv6's sleep(chan, lk), Zephyr's
 * z_pend_curr(lock, key, ...)). When the task is woken and runs again, it
 * retakes lk and returns: the caller re-tests its condition.
 *
 * A task already killed (task_kill found it running, with no wait to end)
 * does not block at all: it leaves the object's queue and returns at once,
 * and the caller's task_exit_if_killed (for a wait queue,
 * waitq_exit_if_killed) makes it exit. The test is made under the
 * scheduler lock, under which task_kill marks a task and then looks
 * whether it waits: so a kill is never lost in the gap between being
 * marked and the next wait.
 *
 * lk may be &sched_klock itself (the mutexes, task_join): then it is simply
 * held throughout. Interrupts off. May not be called by the idle task, from
 * an interrupt handler, or with a spinlock held: callers check the last two
 * (sync_may_block reports them as misuse).
 */
void sched_block(const void *obj, const char *what, struct klock *lk);

/* The same, with a deadline: if the task is still blocked at tick
 * `deadline`, the clock takes it out of its object's queue (under lk,
 * which it tries to take: if lk is busy at that moment, a tick later) and
 * wakes it, and this returns true; false when the object woke it. A
 * deadline of 0 is none: sched_block. */
bool sched_block_until(const void *obj, const char *what, struct klock *lk, uint64_t deadline);

/* The running task sleeps until tick `deadline` (a killed one returns at once). */
void sched_sleep_until(uint64_t deadline);

/* t is finished: record `code`, make it DEAD and wake its joiner. If t is
 * the running task, the caller then switches away (sched_exit, or the
 * interrupt tail). */
void sched_retire(struct task *t, int code);

/* t's effective priority (task_priority) changed: tell the policy, and let
 * the next preemption point reconsider who runs. (Priorities are written
 * under the scheduler lock; a policy reads them in enqueue and
 * reprioritize only, under its queue's lock, and keeps what it read.) */
void sched_priority_changed(struct task *t);

/*
 * finish_switch: the first thing every task does when it gets the CPU,
 * whether it resumes in schedule() or runs for the first time
 * (task_first_run), with its CPU's run-queue lock held and `prev` the task
 * that just left the CPU (Linux's finish_task_switch, xv6's forkret). prev
 * is now off the CPU for good (on_cpu cleared): only from here on may its
 * stack be freed (task_join checks), or another CPU run it; a task that
 * left READY for a CPU its affinity allows goes to that CPU's queue now. This
 * is also where a process's address space and the kernel stack its traps
 * from user mode land on are made current (arch_space_switch), when the
 * task that runs or the one that left has a space.
 */
void sched_finish_switch(struct task *prev);

/* Sleep until the system goes quiet: no task has been ready or running for
 * SCHED_STALL_TICKS ticks and none waits on a timer. If tasks are then still
 * blocked, nothing will ever wake them (a deadlock, a lost wakeup): the core
 * prints a STALL report naming each and what it waits on. Returns how many
 * were blocked (not counting the tasks waiting here). May sleep. */
/* The livelock watch (CPU 0's tick): when SCHED_LIVELOCK_TICKS ticks pass
 * in which tasks yield but none blocks, wakes, arrives or finishes - they
 * run, and nothing changes - the core prints a LIVELOCK report naming each
 * task, its state, its CPU and whether it yielded, once per episode. With
 * sched_livelock_exits (exit=1), the kernel then ends with status 35:
 * a run that would hang says why instead. */
#define SCHED_LIVELOCK_TICKS 3000
extern bool sched_livelock_exits;

#define SCHED_STALL_TICKS 100
unsigned sched_wait_quiet(void);

/* The running task is DEAD (sched_retire): switch away for good. */
__attribute__((noreturn)) void sched_exit(void);

/* t (fresh from task_create_at) arrives at tick `at`: until then it waits
 * in the timer queue, then enters the ready queue as SCHED_NEW. */
void sched_arrive_at(struct task *t, uint64_t at);

/* ---- A tick observer ------------------------------------------------------- */

/* What measures a run (the course's harness, kernel/sched/workload.c) sees
 * the ticks through this, and the core knows nothing of what it measures.
 * Both hooks run at the clock's tick, scheduler lock held, interrupts off:
 * they must not block. */
struct sched_observer {
    /* The tick that ended at `now` was charged to curr on CPU `cpu` (called
     * for every CPU in order, at each tick, before the tick is acted on). */
    void (*tick)(void *ctx, unsigned cpu, struct task *curr, uint64_t now);
    /* t, which the observer watches (t->watch set), consumed its declared
     * burst at tick `now` and is DEAD. */
    void (*done)(void *ctx, struct task *t, uint64_t now);
};

/* Install `obs` (with ctx for its hooks), or none (NULL). While one is
 * installed on several CPUs, CPU 0's tick decides for every CPU (lockstep,
 * sched.c): the tasks it watches are scheduled as if the CPUs ticked as
 * one. Scheduler lock held. */
void sched_observe(const struct sched_observer *obs, void *ctx);

/* ---- Called by the arch layer on interrupts ---------------------------- */

/* A timer tick: count it, charge it, wake sleepers, ask the policy. Interrupt
 * context. */
void sched_tick(void);

/* Bracket every hardware interrupt handler. sched_irq_exit, called after the
 * end-of-interrupt, is where an interrupt's preemption happens (a tick, or a
 * wakeup from a handler); the other preemptive switch is task code's
 * preemption point, sched_unlock_preempt. Who turns interrupts back on for
 * each kind of resumed task: see the comment at the top of sched.c. */
static inline void sched_irq_enter(void) { sched_this_cpu()->irq_depth++; }
void sched_irq_exit(void);

/* The same three for a timer interrupt that is a tick and nothing else
 * (the end-of-interrupt sent already: interrupts stay off until the IRET,
 * so the next one waits for this one anyway): sched_irq_enter, sched_tick,
 * sched_irq_exit, in one call. */
void sched_tick_interrupt(void);

/* Run fn(arg) once, from the next timer interrupt (in interrupt context).
 * For tests and demos that must show what happens there. One call may be
 * pending at a time. */
void sched_call_on_tick(void (*fn)(void *arg), void *arg);

/* Work for the idle loop: each CPU's idle task calls it (when not NULL)
 * before it halts, after every interrupt that left nothing to run. With
 * interrupts on, in a task's context. (The workload's live view.) */
extern void (*volatile sched_idle_work)(void);

/* True while a hardware interrupt handler runs. */
static inline bool sched_in_irq(void) { return sched_this_cpu()->irq_depth > 0; }

/* ---- Time and statistics ---------------------------------------------- */

/* Timer ticks since the scheduler started. */
uint64_t sched_ticks(void);
/* The same, for a caller that holds the scheduler lock. */
uint64_t sched_ticks_locked(void);

struct sched_stats {
    uint64_t ticks;      /* all ticks (the clock: CPU 0's) */
    uint64_t idle_ticks; /* ticks charged to an idle task, on every CPU */
    uint64_t switches;   /* context switches (to a different task), on every CPU */
    uint64_t preemptions;/* switches forced by a tick or a wakeup */
    uint64_t pulled;     /* tasks moved from one CPU's queue to another's */
    uint32_t sched_lock_contended; /* takes of the scheduler lock that had to wait (several CPUs) */
    uint32_t rq_lock_contended;    /* ...of a run queue's lock, all queues together */
};
void sched_get_stats(struct sched_stats *out);

/* ---- Affinity ------------------------------------------------------------ */

/* Let t run only on the CPUs in `mask` (bit n: CPU n). A mask with no
 * online CPU is refused (false, with a line saying why); a READY task
 * queued on a CPU it may no longer use moves at once (dequeue, enqueue
 * elsewhere); a running one at its next switch. Task context. */
bool task_set_affinity(struct task *t, uint32_t mask);

#endif /* KERNEL_SCHED_H */
