/*
 * workload.h - the course's exercises as real tasks, measured.
 *
 * A workload is a list of tasks, each with a name, an arrival tick and a CPU
 * burst in ticks ("temps d'exécution"), plus a priority and tickets where a
 * policy uses them, and optionally an I/O pattern (run cpu_phase ticks, then
 * wait io_ticks ticks, until the burst is consumed). workload_run() turns
 * each into a kernel task that burns CPU, lets the policy schedule them, and
 * records one Gantt cell per tick. The core (sched.c) holds every task to its
 * declared needs at tick boundaries and reports each tick here.
 *
 * The course's words: turnaround = "temps de séjour" (completion - arrival);
 * waiting = "temps d'attente" (turnaround - burst: time ready or blocked);
 * response = first run - arrival.
 */
#ifndef KERNEL_WORKLOAD_H
#define KERNEL_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/prng.h"

#define WL_MAX_TASKS 16
#define WL_MAX_TICKS 2048 /* Gantt cells: workloads must end before (workload_parse checks) */
#define WL_NAME_MAX 8
#define WL_IDLE 0xff      /* a Gantt cell where no workload task ran */
#define WL_MAX_CPUS 8     /* (SCHED_MAX_CPUS) */

struct task;

struct wl_task {
    char name[WL_NAME_MAX];
    uint32_t arrival;   /* tick, from the workload's start */
    uint32_t burst;     /* CPU ticks in all, >= 1 */
    uint32_t priority;  /* prio: 0 (most urgent) .. 7 */
    uint32_t tickets;   /* lottery, stride: tickets; fair: weight; >= 1 */
    uint32_t cpu_phase; /* CPU ticks between two I/O waits; 0: never waits */
    uint32_t io_ticks;  /* ticks of each I/O wait */
};

struct workload {
    char name[24];
    unsigned n;
    struct wl_task task[WL_MAX_TASKS];
};

/* The state of a run: what the core fills in as ticks go by. */
struct workload_run {
    const struct workload *w;
    uint64_t t0;                /* the kernel tick that is the workload's time 0 */
    unsigned done;              /* tasks completed */
    struct task *runner;        /* the task waiting for the end, if any */
    struct task *tasks[WL_MAX_TASKS];
    bool started[WL_MAX_TASKS];
    uint32_t first[WL_MAX_TASKS];      /* tick of first run */
    uint32_t completion[WL_MAX_TASKS]; /* tick of completion ("terminé au tick") */
    uint32_t length;            /* ticks from 0 to the last completion */
    unsigned ncpus;             /* CPUs it ran on: one Gantt row each */
    uint8_t gantt[WL_MAX_CPUS][WL_MAX_TICKS]; /* per CPU, the task index that ran during [t, t+1), or WL_IDLE */
    uint8_t level[WL_MAX_CPUS][WL_MAX_TICKS]; /* ...and the level it ran at (mlfq's queue, prio's level) */
    uint8_t io[WL_MAX_TASKS][WL_MAX_TICKS / 8]; /* bit t: the task was in an I/O wait during [t, t+1) */
    struct wl_watched {         /* what a task's `watch` points to: the core's observer sees tasks so */
        struct workload_run *run;
        unsigned index;         /* its index in the workload */
    } watched[WL_MAX_TASKS];
};

/* Fill *w from a built-in name ("course", "exercise", "mixed") or a list
 * "A:0:5,B:1:3,..." (name:arrival:burst[:priority[:tickets]]). On error,
 * writes one line saying what is wrong and what is valid into err and
 * returns false. */
bool workload_parse(const char *spec, struct workload *w, char *err, size_t errlen);
/* The size of workload_parse's err that holds its longest message whole, in
 * French too (with the list of named workloads; each accent is 2 bytes). */
#define WL_ERR_MAX 400

/* The built-in workloads' names; NULL past the end. */
const char *workload_builtin(unsigned i);

/* A random workload: 2 to 6 tasks, arrivals 0..9, bursts 1..8, some with I/O.
 * *seed advances (xorshift32), so a sequence of calls is reproducible. */
void workload_random(struct workload *w, uint32_t *seed, unsigned number);


/* Run w under the current policy on every CPU online: create its tasks
 * (time 0 is the next tick), wait until all have completed, then free them.
 * The calling task sleeps meanwhile. Returns false if tasks could not be
 * created. */
bool workload_run(struct workload_run *r, const struct workload *w);

/* Print the run: with `full`, the table and the Gantt chart; always the
 * machine-readable TASK and RESULT lines. */
void workload_report(const struct workload_run *r, bool full);

#endif /* KERNEL_WORKLOAD_H */
