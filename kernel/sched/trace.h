/*
 * trace.h - what the scheduler did, event by event.
 *
 * A ring buffer of the last TRACE_EVENTS events, each stamped with the tick
 * and the cycle counter: a task arriving, being switched in and out (and
 * why), blocking on an object, being woken, exiting, and finding a lock
 * taken. Recording costs a few instructions per event when on (trace=on,
 * the default) and one test when off. The buffer can be printed (the
 * shell's `trace`, GDB's tq-trace) or exported as Chrome Trace Event JSON
 * (one track per task), which opens in Perfetto and chrome://tracing.
 */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sync/klock.h"

#define TRACE_EVENTS 4096 /* a power of two */

enum trace_type {
    TRACE_ARRIVE = 1, /* task: arrived (created, or its arrival tick) */
    TRACE_SWITCH,     /* task: switched out; other: switched in; reason: why */
    TRACE_BLOCK,      /* task: blocked on `name` */
    TRACE_WAKE,       /* task: made ready again */
    TRACE_EXIT,       /* task: finished */
    TRACE_CONTEND,    /* task: found lock `name` taken */
};

/* Why a task left the CPU (TRACE_SWITCH's reason). */
enum trace_reason { TR_PREEMPTED = 1, TR_YIELDED, TR_BLOCKED, TR_SLEPT, TR_EXITED };

struct trace_event {
    uint64_t cycles;    /* arch_cycles() */
    uint32_t tick;      /* sched_ticks() */
    uint16_t type;      /* enum trace_type */
    uint16_t reason;    /* enum trace_reason, for switches */
    uint32_t task;      /* task id */
    uint32_t other;     /* the task switched in, for switches */
    char name[16];      /* arrivals: the task's name; blocks, contention: the object's (copies: a
                         * trace outlives its tasks and their objects); other events: not set */
};

extern bool trace_enabled;

/* The ring (trace.c's; written only by trace_put_locked): event number n,
 * counting from 0, is in trace_ring[n % TRACE_EVENTS]. trace_lock guards
 * both: the last lock ever taken, since events are recorded under the
 * scheduler lock, a run queue's, or an object's, on any CPU. */
extern struct trace_event trace_ring[TRACE_EVENTS];
extern uint32_t trace_next; /* events recorded so far; the ring holds the last TRACE_EVENTS */
extern struct klock trace_lock;

/* Record one event at tick `tick`, holding trace_lock (or on one CPU, where
 * a lock is only "interrupts off", which they are). Inline, so that the
 * switch, recorded at every preemption, costs a dozen instructions and no
 * call: sched.c passes its clock, which it has at hand. Returns the event,
 * for trace_record to add its name (a switch has none: not a byte more). */
static inline __attribute__((always_inline)) struct trace_event *
trace_put_locked(enum trace_type type, uint32_t task, uint32_t other, uint32_t reason, uint32_t tick)
{
    struct trace_event *e = &trace_ring[trace_next++ & (TRACE_EVENTS - 1)];
    e->tick = tick;
    e->type = (uint16_t)type;
    e->reason = (uint16_t)reason;
    e->task = task;
    e->other = other;
    e->cycles = arch_cycles(); /* (last: RDTSC takes EAX and EDX, which the stores above may use) */
    return e;
}

/* The same, taking trace_lock (interrupts are off). */
static inline __attribute__((always_inline)) void trace_put(enum trace_type type, uint32_t task, uint32_t other,
                                                             uint32_t reason, uint32_t tick)
{
    klock_take(&trace_lock);
    trace_put_locked(type, task, other, reason, tick);
    klock_drop(&trace_lock);
}

/* Record one event, now: trace_put at the current tick, with a copy of
 * `name` (an arrival's task, a block's or a contention's object: either
 * may be gone before the trace is read); an arrival's name is also kept
 * for the reports. Interrupts are off (the caller holds a klock). */
void trace_record(enum trace_type type, uint32_t task, uint32_t other, uint32_t reason, const char *name);

static inline void trace_event(enum trace_type type, uint32_t task, uint32_t other, uint32_t reason,
                               const char *name)
{
    if (trace_enabled)
        trace_record(type, task, other, reason, name);
}

/* Forget every event. */
void trace_reset(void);

/* Print the last n events on the console, oldest first. */
void trace_print(unsigned n);

/* Write every event in the buffer as Chrome Trace Event JSON through out(). */
void trace_export_json(void (*out)(const char *s, size_t n));

#endif /* KERNEL_TRACE_H */
