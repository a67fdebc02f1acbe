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
    SCHED_NEW,       /* just created (or arrived) */
    SCHED_WAKEUP,    /* was BLOCKED or SLEEPING */
    SCHED_PREEMPTED, /* taken off the CPU against its will */
    SCHED_YIELD,     /* gave up the CPU itself */
};

/* Policy parameters, set from the command line (cmdline.c) before boot. */
struct sched_config {
    uint32_t quantum; /* ticks per time slice ("quantum"), >= 1 */
};
extern struct sched_config sched_config;

struct sched_policy {
    const char *name;        /* as typed in sched=NAME */
    const char *description; /* one line, for `help` */

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
};

/* Install `policy` with an empty ready queue and `idle` as the idle task.
 * Called once at boot, before the first task is created. */
void sched_init(const struct sched_policy *policy, struct task *idle);

/* The installed policy. */
const struct sched_policy *sched_policy(void);

/* Look up a registered policy by name (kernel/policies.c), or NULL. */
const struct sched_policy *sched_policy_find(const char *name);

/* The registered policies, NULL-terminated. */
extern const struct sched_policy *const sched_policies[];

/* ---- Called by the task layer (kernel/task.c) and sync code ------------ */
/* All of these need interrupts disabled. */

/* t (fresh, or BLOCKED/SLEEPING) becomes READY and joins the ready queue;
 * requests preemption if the policy says t should run before current. */
void sched_make_ready(struct task *t, enum sched_why why);

/* If sched_make_ready asked for a switch and we are not in an interrupt
 * handler, switch now. Task code calls it after making a task ready, once
 * its own state is consistent. */
void sched_preempt_point(void);

/* The running task gives up the CPU as READY (yield). */
void sched_yield(void);

/* The running task blocks on obj ("join", "semaphore"...) until someone
 * calls sched_make_ready on it. May not be called by the idle task. */
void sched_block(const void *obj, const char *what);

/* The running task sleeps until tick `deadline`. */
void sched_sleep_until(uint64_t deadline);

/* The running task has set its state to DEAD: switch away for good. */
__attribute__((noreturn)) void sched_exit(void);

/* ---- Called by the arch layer on interrupts ---------------------------- */

/* A timer tick: count it, charge it, wake sleepers, ask the policy. Interrupt
 * context. */
void sched_tick(void);

/* Bracket every hardware interrupt handler. sched_irq_exit, called after the
 * end-of-interrupt, is the one place a preemptive switch happens. */
void sched_irq_enter(void);
void sched_irq_exit(void);

/* True while a hardware interrupt handler runs. */
bool sched_in_irq(void);

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
