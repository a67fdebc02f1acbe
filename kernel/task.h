/*
 * task.h - kernel tasks: creation, exit, join, sleep, yield.
 *
 * A task is a thread of kernel code with its own kernel stack. Tourniquet's
 * course calls them "processus"; there is no user mode and no address space,
 * so they are closest to the course's threads ("processus légers").
 *
 * Life of a task (the core, kernel/sched.c, makes every transition):
 *
 *                 task_create
 *                      |
 *                      v       picked          
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

#include "list.h"

#define TASK_NAME_MAX 16          /* including the NUL */
#define TASK_STACK_SIZE 8192      /* bytes of kernel stack per task */
#define TASK_CANARY_ZONE 64       /* bytes at the bottom of each stack, filled with: */
#define TASK_CANARY 0x5ca1ab1eu   /* a value no real stack content is likely to be */

enum task_state {
    TASK_READY,    /* runnable, in the policy's ready queue ("prêt") */
    TASK_RUNNING,  /* on the CPU ("élu") */
    TASK_BLOCKED,  /* waiting for an object: a join, a semaphore... ("bloqué") */
    TASK_SLEEPING, /* waiting for a tick (task_sleep) */
    TASK_DEAD,     /* finished, waiting to be joined */
};

/* The text for a state, for reports: "READY", "RUNNING"... */
const char *task_state_name(enum task_state s);

typedef int (*task_entry_t)(void *arg);

struct task {
    struct arch_context ctx;   /* offset 0: saved ESP while not running */
    uint32_t id;               /* 0 is the idle task; then 1, 2, ... in creation order */
    char name[TASK_NAME_MAX];
    enum task_state state;
    task_entry_t entry;
    void *arg;
    int exit_code;             /* valid once DEAD */

    uint8_t *stack;            /* lowest byte of the stack; canary zone first */
    size_t stack_size;         /* bytes */

    struct list_node all_node;  /* on the list of all tasks (task.c) */
    struct list_node run_node;  /* in the policy's ready queue, while READY */
    struct list_node wait_node; /* in the sleep queue or an object's wait queue */

    uint64_t wake_tick;         /* SLEEPING: the tick to wake at */
    const void *wait_obj;       /* BLOCKED: what it waits for... */
    const char *wait_what;      /* ...and what kind of thing that is ("join") */
    struct task *joiner;        /* the task blocked in task_join on this one */
    bool joined;                /* someone has called task_join on it */

    /* Accounting, kept by the core the same way for every policy. */
    uint64_t ticks;             /* timer ticks charged while RUNNING */
    uint32_t runs;              /* times it was switched in */

    /* Policy-private state (each policy documents the fields it uses). */
    uint32_t slice;             /* ticks used of the current quantum (rr) */
};

/* Create a task that runs entry(arg) and make it READY. The name is copied
 * (truncated to TASK_NAME_MAX - 1). Returns NULL if memory is exhausted.
 * Returning from entry is task_exit(return value). May be called before the
 * scheduler runs, from any task, with interrupts on or off; not from an
 * interrupt handler. */
struct task *task_create(const char *name, task_entry_t entry, void *arg);

/* End the calling task with an exit code for task_join. Never returns. */
__attribute__((noreturn)) void task_exit(int code);

/* Give up the CPU: the task goes back to the ready queue as the policy
 * says (round robin: at the tail). Returns when it is picked again. */
void task_yield(void);

/* Sleep for `ticks` timer ticks (0 yields). Sleepers wake in deadline order;
 * equal deadlines wake in the order they went to sleep. May sleep: not from
 * an interrupt handler. */
void task_sleep(uint32_t ticks);

/* Wait until t has exited, free it, and return its exit code. Only one task
 * may join a given task, and not itself: misuse is reported and returns -1.
 * May sleep. */
int task_join(struct task *t);

/* The running task (the idle task when nothing else runs). */
struct task *task_current(void);

/* Look a task up by id, or NULL. */
struct task *task_by_id(uint32_t id);

/* True if t's stack canary is intact. */
bool task_canary_ok(const struct task *t);

/* Make the boot thread the idle task, on the boot stack [base, base+size).
 * Called once by kernel_main before anything else touches tasks. */
struct task *task_init_idle(void *stack_base, size_t stack_size);

/* Call fn(t, ctx) for every task that exists (not yet joined), in creation
 * order, with interrupts off. */
void task_for_each(void (*fn)(struct task *t, void *ctx), void *ctx);

#endif /* KERNEL_TASK_H */
