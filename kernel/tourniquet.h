/*
 * tourniquet.h - the kernel's public API: what demos (demos/) and in-kernel
 * tests are written against.
 */
#ifndef KERNEL_TOURNIQUET_H
#define KERNEL_TOURNIQUET_H

#include <arch/arch.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmdline.h"
#include "lib/kmem.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "sched/sched.h"
#include "sched/task.h"

/* Timer ticks since boot. */
static inline uint64_t ticks_now(void) { return sched_ticks(); }

/* A free-running instruction/cycle counter (RDTSC), for measurements. */
static inline uint64_t cycles_now(void) { return arch_cycles(); }

/* CPU ticks charged to task t so far (safe against the timer updating it). */
uint64_t task_cpu_ticks(const struct task *t);

#endif /* KERNEL_TOURNIQUET_H */
