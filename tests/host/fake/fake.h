/*
 * fake.h - what host tests can inspect of the fake arch, console and panic.
 */
#ifndef TESTS_HOST_FAKE_H
#define TESTS_HOST_FAKE_H

#include <arch/arch.h>
#include <stddef.h>

/* Everything kprintf wrote since fake_reset(), NUL-terminated. */
extern char fake_console[16384];
extern size_t fake_console_len;

/* The message of the last panic(). */
extern char fake_panic_message[512];

/* arch_cpu_relax calls since fake_reset() (a million abort the test: on the
 * host no other CPU runs to end a spin loop). */
extern unsigned long fake_relax_turns;

/* Called, when set, at the start of every arch_switch (the task leaving is
 * still on its CPU) and at every arch_cpu_relax (a spin: as another CPU
 * would act meanwhile, e.g. release the lock being waited for). fake_reset
 * clears both. */
extern void (*fake_switch_hook)(void);
extern void (*fake_relax_hook)(void);

/* Forget all recorded output, switches and panics; interrupts on. */
void fake_reset(void);
void fake_console_reset(void);

/* Deliver one timer tick, as the arch layer does (interrupts off around
 * irq_enter, sched_tick, irq_exit). */
void fake_tick(void);

/* An interrupt with nothing to do but its tail (a reschedule IPI), on the
 * current fake CPU. */
void fake_interrupt_tail(void);

/* When set, a task that blocks or sleeps makes time pass (fake_tick) until it
 * runs again; see fake.c. */
extern bool fake_tick_while_blocked;

/* Bring CPUs 1 .. n-1 online as kernel_main does (an idle task each,
 * sched_cpu_prepare, sched_cpu_online as that CPU); we stay CPU 0. */
void fake_start_cpus(unsigned n);

#endif
