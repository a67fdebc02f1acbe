/*
 * task.h - kernel tasks: creation, exit, join, sleep, yield.
 *
 * A task is a thread of kernel code with its own kernel stack. Tourniquet's
 * course calls them "processus"; there is no user mode and no address space,
 * so they are closest to the course's threads ("processus légers").
 *
 * Life of a task (the core, kernel/sched/sched.c, makes every transition):
 *
 *       task_create    task_create_at --> NEW (until its arrival tick)
 *                      |                      |
 *                      v       picked  <------+
 *   wake/timeout --> READY ----------> RUNNING --- task_exit --> DEAD
 *        ^             ^  <-----------   |   |                     |
 *        |             |  preempt/yield  |   |                 task_join
 *     BLOCKED <--------+-----------------+   |                  (freed)
 *     SLEEPING <-----------------------------+
 *
 * A DEAD task keeps its struct until another task joins it (like a Unix
 * zombie): task_join returns its exit code and frees it.
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include <arch/arch.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"
#include "sync/lockdep.h"
#include "lib/rbtree.h"
#include "sched/sched.h"

#define TASK_NAME_MAX 16          /* including the NUL */
#define TASK_STACK_SIZE 8192      /* bytes of kernel stack per task */
#define TASK_CANARY_ZONE 256      /* bytes at the bottom of each stack (room for a trap frame and a
                                     handler's frames below the top word), filled with: */
#define TASK_CANARY 0x5ca1ab1eu   /* a value no real stack content is likely to be */
#define TASK_PRIORITIES 8         /* priority levels: 0 (most urgent) .. 7 */
#define TASK_DEFAULT_PRIORITY 4
#define TASK_DEFAULT_TICKETS 100  /* lottery/stride tickets, fair weight */

enum task_state {
    TASK_NEW,      /* created, waiting for its arrival tick (task_create_at) */
    TASK_READY,    /* runnable, in the policy's ready queue ("prêt") */
    TASK_RUNNING,  /* on the CPU ("élu") */
    TASK_BLOCKED,  /* waiting for an object: a join, a semaphore... ("bloqué") */
    TASK_SLEEPING, /* waiting for a tick (task_sleep) */
    TASK_DEAD,     /* finished, waiting to be joined */
};

/* The text for a state, for reports: "READY", "RUNNING"... (lang=fr: the
 * course's words for a task, "PRÊTE", "ÉLUE"...). */
const char *task_state_name(enum task_state s);

struct proc; /* kernel/proc/proc.h */

typedef int (*task_entry_t)(void *arg);

struct task {
    struct arch_context ctx;   /* offset 0: saved ESP while not running */
    uint32_t id;               /* 0 is the idle task; then 1, 2, ... in creation order */
    char name[TASK_NAME_MAX];
    uint64_t name_key[2];       /* the name as two big-endian numbers, NUL-padded: their order is the
                                   names' (sched_tie_break compares these, not the strings) */
    enum task_state state;
    bool on_cpu;               /* its registers are live on a CPU (or being saved): set when it is
                                  switched in, cleared by finish_switch once it has left */
    bool is_idle;              /* a CPU's idle task: never queued, never exits */
    uint8_t tail_work;         /* what finish_switch must do beyond the usual, one test for all
                                  (TASK_TAIL_*): */
#define TASK_TAIL_EXILED 1u        /* READY, leaving CPU `cpu` for one its affinity allows: queued there
                                      by finish_switch once off (under that CPU's queue lock) */
#define TASK_TAIL_SPACE 2u         /* a process's thread: its address space and kernel stack go on the
                                      CPU (set once, at its creation) */
    unsigned cpu;              /* the CPU it runs on, or last ran or was queued on */
    uint32_t affinity;         /* bit n set: it may run on CPU n (task_set_affinity) */
    task_entry_t entry;
    void *arg;
    int exit_code;             /* valid once DEAD */

    uint8_t *stack;            /* lowest byte of the stack; canary zone first */
    size_t stack_size;         /* bytes */
    struct arch_space *space;  /* a process's thread: its address space (the switch tail loads it); NULL:
                                  a kernel task */
    struct proc *proc;         /* ...and its process (kernel/proc/proc.h); NULL for a kernel task */

    struct list_node all_node;  /* on the list of all tasks (task.c) */
    uint32_t magic;             /* TASK_MAGIC from its creation until it is joined and freed, then 0 */
    struct list_node run_node;  /* in the policy's ready queue, while READY */
    struct list_node wait_node; /* in an object's wait queue */
    struct rb_node timer_node; /* in the timer queue (a tree): asleep, yet to arrive, or in a timed wait */
    bool timer_queued;          /* ...whether it is there */

    uint64_t wake_tick;         /* in the timer queue: the tick it wakes (or times out) at */
    const void *wait_obj;       /* BLOCKED (only then valid): what it waits for... */
    const char *wait_what;      /* ...and what kind of thing that is ("join", "mutex") */
    const char *wait_name;      /* ...and its name, for reports (or NULL) */
    struct klock *wait_lock;    /* BLOCKED: the lock that guards the queue it is in (sched_block's lk) */
    bool timed_out;             /* woken by its timeout, not by its object */
    struct list *woken_from;    /* the wait queue a waker took it off (waitq_wake_one), or NULL: a
                                 * task killed before it ran passes that wakeup on as it ends */
    struct task *joiner;        /* the task blocked in task_join on this one */
    bool joined;                /* someone has called task_join on it */
    volatile bool killed;       /* task_kill: it exits at its next wait */
    unsigned kill_deferred;     /* task_defer_kill's depth: while > 0 a kill waits (only it changes it) */

    /* Accounting, kept by the core the same way for every policy. */
    uint64_t ticks;             /* timer ticks charged while RUNNING */
    uint32_t runs;              /* times it was switched in */
    uint64_t arrival;           /* tick it was created or arrived: ties go to the earlier */
    uint32_t yielded;           /* 0, or the order of its last yield since it last waited (sched_tie_break) */

    /* What the task declares about itself: a scheduling attribute, as its
     * priority is (the workloads' tasks declare it, kernel/sched/workload.c;
     * any task may, test=swap does). The core enforces it at tick
     * boundaries, so a schedule is exact to the tick: when `remaining`
     * reaches 0 the task is done ("terminé"); when a CPU phase of
     * `cpu_phase` ticks ends it sleeps `io_ticks` ticks. What a run
     * measures is not here: that is the tick observer's (sched.h), which
     * finds its own data for a task through `watch`. */
    uint32_t burst;             /* declared CPU ticks in all ("temps d'exécution"); 0: unknown */
    uint32_t remaining;         /* CPU ticks still to run (srt orders by it) */
    uint32_t cpu_phase;         /* ticks of CPU between two waits; 0: CPU-bound */
    uint32_t phase_left;        /* ticks left in the current CPU phase */
    uint32_t io_ticks;          /* length of each wait, in ticks */
    uint32_t priority;          /* prio: 0 is the most urgent */
    uint32_t tickets;           /* lottery and stride tickets; fair's weight; >= 1 */
    void *watch;                /* the tick observer's own data for a task it watches (sched.h), or NULL */

    /* Synchronization (kernel/sync/sync.h). */
    unsigned spinlocks_held;    /* spinlocks it holds now: it must not sleep */
    arch_irqstate_t irq_before_spin; /* interrupt state before its first spinlock */
    struct list held_mutexes;   /* mutexes it owns (priority inheritance) */
    const void *locks_held[LOCKDEP_HELD_MAX]; /* lockdep.h: the locks it holds, in the order taken */
    const char *lock_names[LOCKDEP_HELD_MAX]; /* ...and their names */
    unsigned nr_locks_held;     /* locks it holds, followed or not (past LOCKDEP_HELD_MAX: not) */
    uint32_t lent_priority;     /* priority lent by a mutex waiter (inheritance); TASK_PRIORITIES: none */

    /* Policy-private state (each policy documents the fields it uses); one
     * meaning per field. */
    uint32_t slice;             /* ticks used of the current quantum */
    uint32_t level;             /* prio: effective level; mlfq: queue level */
    uint64_t enqueued_at;       /* prio: tick it entered its level's queue (aging); hrrn: its ready queue */
    uint64_t pass;              /* stride: its pass (grows by its stride each tick it runs) */
    uint64_t vruntime;          /* fair: virtual runtime, in 1/1024 ticks at the default weight */
    uint64_t boost_epoch;       /* mlfq: the last boost it saw */
    uint32_t tickets_below;     /* lottery: tickets held in its subtree of the draw's tree, its own included */
    struct rb_node tree_node;   /* sjf, srt, stride, fair, lottery: the ready tree */
};

/* arch/x86/switch.S saves the stack pointer at the start of ctx, and the
 * core turns the context arch_switch returns back into its task: both need
 * ctx first. */
_Static_assert(offsetof(struct task, ctx) == 0, "struct task: ctx must be the first field");

/* Create a task that runs entry(arg) and make it READY. The name is copied
 * (truncated to TASK_NAME_MAX - 1). Returns NULL if memory is exhausted,
 * or (one MISUSE line) for a NULL entry or a call from an interrupt handler.
 * Returning from entry is task_exit(return value). May be called once the
 * scheduler is initialised (sched_init), from any task, with interrupts on
 * or off; not from an interrupt handler. */
struct task *task_create(const char *name, task_entry_t entry, void *arg);

/* After writing t->name (task_new does it): its key for the tie rule. */
void task_name_changed(struct task *t);

/* task_create in two steps, for a caller that sets the task's declared
 * needs (burst, priority, tickets...) before it runs: task_new allocates a
 * task in state NEW that nothing schedules; task_start_at makes it arrive at
 * tick `at` (now, or later: until then it waits, unseen by the policy). */
struct task *task_new(const char *name, task_entry_t entry, void *arg);
void task_start_at(struct task *t, uint64_t at);

/* Free a task from task_new that was never started. */
void task_discard(struct task *t);

/* End the calling task with an exit code for task_join. Never returns. */
__attribute__((noreturn)) void task_exit(int code);

/* For a process's thread (t->proc set), task_exit first calls this hook,
 * which kernel/proc/proc.c sets: the process records how it ended (and
 * the code it is joined with), whichever way its thread exits - a system
 * call, a kill at a wait, a fault. NULL where there are no processes. */
extern int (*task_exit_hook)(struct task *t, int code);

/* Give t the priority p (0, the most urgent, .. TASK_PRIORITIES - 1) at
 * once, whatever its state; a mutex may still lend it a more urgent one.
 * Under a policy that uses priorities (prio), the CPU is reconsidered at
 * once: a caller that is no longer the most urgent gives the CPU up before
 * this returns, and a task made more urgent than what runs preempts it
 * (Pintos' priority-change). Other policies keep the number for later.
 * A p out of range or a t that is not a task is reported (MISUSE) and
 * refused: -1; else 0. */
int task_set_priority(struct task *t, uint32_t p);

/* The exit code of a task ended by task_kill. */
#define TASK_EXIT_KILLED (-9)

/* End the tasks ts[0..n-1] at their next wait - at once for those that
 * wait now (BLOCKED or SLEEPING: each leaves the queue it is in). A kernel
 * task cannot be stopped in the middle of its code, so that is its safe
 * point: it returns from the wait only to exit with TASK_EXIT_KILLED,
 * releasing the mutexes it holds (for their waiters; no MISUSE line, as
 * it did not choose to exit holding them). They are all marked before any
 * is woken, so that a mutex one of them lets go of on its way out, handed
 * to another, does not set that one running again. Their joiner still
 * joins them (and frees them). Refused (-1, one line saying why) for the
 * caller, an idle task, NULL or a task that no longer exists; a task
 * already DEAD is left alone. A task blocked on a mutex stops lending the
 * owner its priority. */
int task_kill_all(struct task *const *ts, unsigned n);
/* The same for tasks the caller found (with their ids, then) where another
 * task may join and free them meanwhile - a process's threads: one that no
 * longer exists, or whose memory is another task's now, has ended, and is
 * skipped. Returns 0. */
int task_kill_all_ids(struct task *const *ts, const uint32_t *ids, unsigned n);
static inline int task_kill(struct task *t) { return task_kill_all(&t, 1); }


/* Give up the CPU: the task goes back to the ready queue as the policy
 * says (round robin: at the tail). Returns when it is picked again. */
void task_yield(void);

/* Sleep for `ticks` timer ticks (0 yields). Sleepers wake in deadline order;
 * equal deadlines wake in the order they went to sleep. May sleep: not from
 * an interrupt handler. A "negative" count (above INT32_MAX, as -100 passed
 * through the unsigned parameter) is reported (MISUSE) and returns at once. */
void task_sleep(uint32_t ticks);

/* The task at the end of t's chain of joins: t itself unless t is blocked
 * in task_join, else the first task down the chain that is not (at most
 * 64 down). Scheduler lock held. */
const struct task *task_join_chain_end(const struct task *t);

/* Wait until t has exited, free it, and return its exit code. Only one task
 * may join a given task, once, and not itself nor a task that is (through
 * other joins) waiting for the caller: such misuse is reported on one line
 * and returns -1. May sleep. */
int task_join(struct task *t);
/* The same, waiting at most `ticks` (0 counts as 1): 0 with t's exit code
 * in *code (t is freed), SYNC_TIMEOUT (-3: t still runs, and may be joined
 * again), or -1 for the misuse task_join refuses. */
int task_join_timeout(struct task *t, uint32_t ticks, int *code);
/* The same without a deadline, for a caller that must tell a refused join
 * (t untouched: it is still to be joined) from an exit code of -1, and that
 * must make t unfindable before its memory goes (a process's thread table,
 * which a kill reads): 0 with t's exit code in *code, t DEAD but not freed
 * (task_release frees it), or -1 for the misuse task_join refuses. */
int task_join_keep(struct task *t, int *code);
void task_release(struct task *t);

/* The course's sleep() and wakeup(), as in its producer-consumer slides:
 * task_suspend puts the caller to sleep until some task_resume(caller);
 * task_resume wakes t if it is suspended, and otherwise does nothing and
 * returns false - the wakeup is lost. That is the point: demos/prodcons.c
 * shows the lost wakeup, and semaphores are the cure. May sleep. */
void task_suspend(void);
bool task_resume(struct task *t);

/* The task running on this CPU (its idle task when nothing else runs): the
 * caller itself. One instruction (arch_cpu_current), so that it cannot be
 * split by a move to another CPU; the scheduler keeps it equal to its
 * CPU's `current`. */
static inline struct task *task_current(void) { return (struct task *)arch_cpu_current(); }

/* Called with `held` (a klock) held, on the way back from a wait: if the
 * caller was killed meanwhile, drop `held` and exit. */
__attribute__((noreturn)) void task_die_killed(struct klock *held);
/* Whether t, marked by task_kill, must end at the wait it is at (not while
 * it defers the kill: task_defer_kill). */
static inline bool task_kill_due(const struct task *t)
{
    return __builtin_expect(__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE), 0) && !t->kill_deferred;
}
static inline bool task_marked_killed(void) { return task_kill_due(task_current()); }
static inline void task_exit_if_killed(struct klock *held)
{
    if (task_marked_killed())
        task_die_killed(held);
}

/* A duty the caller owes others, which a kill must not cut in half (the
 * reaping of a dead process: its memory would never be given back). From
 * task_defer_kill to the matching task_allow_kill, a kill marks the caller
 * but ends none of its waits: it ends at its first wait (or return to
 * ring 3) after. Those waits must therefore be short and sure to end, as
 * Linux's uninterruptible sleep is meant to be: waiting for threads that
 * have already exited to be off their CPUs, not for anything a user does. */
static inline void task_defer_kill(void) { task_current()->kill_deferred++; }
static inline void task_allow_kill(void) { task_current()->kill_deferred--; }

/* READY and between two CPUs' queues (TASK_TAIL_EXILED). */
static inline bool task_exiled(const struct task *t) { return t->tail_work & TASK_TAIL_EXILED; }

/* The priority a policy should use: its own, or a more urgent one lent to
 * it through a mutex (priority inheritance). */
static inline uint32_t task_priority(const struct task *t)
{
    return t->lent_priority < t->priority ? t->lent_priority : t->priority;
}

/* Look a task up by id, or NULL. */
struct task *task_by_id(uint32_t id);

/* True if t's stack canary is intact. The top word of the zone is the first
 * an overflow reaches; the bottom word catches one that jumped over the top
 * with a large frame. Inline: the scheduler checks it on every switch. */
static inline bool task_canary_ok(const struct task *t)
{
    const uint32_t *w = (const uint32_t *)t->stack; /* (not volatile: a compare straight with memory) */
    return w[TASK_CANARY_ZONE / 4 - 1] == TASK_CANARY && w[0] == TASK_CANARY;
}

/* Make the boot thread the idle task, on the boot stack [base, base+size).
 * Called once by kernel_main before anything else touches tasks. */
struct task *task_init_idle(void *stack_base, size_t stack_size);

/* An idle task for another CPU (idle1, idle2...), with a stack of its own:
 * the CPU's entry runs on it (arch_cpu_start). NULL if memory is short. */
struct task *task_new_idle(unsigned cpu);

/* Call fn(t, ctx) for every task that exists (not yet joined), in creation
 * order, with the scheduler lock held (fn must not block or take it). */
void task_for_each(void (*fn)(struct task *t, void *ctx), void *ctx);
/* The same, for a caller that already holds the scheduler lock. */
void task_for_each_locked(void (*fn)(struct task *t, void *ctx), void *ctx);

#endif /* KERNEL_TASK_H */
