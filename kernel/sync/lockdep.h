/*
 * lockdep.h - the lock-order validator, after Linux's lockdep.
 *
 * A deadlock needs bad luck: two tasks take two locks in opposite orders
 * *at the same moment*. The mistake itself, the opposite orders, is there on
 * every run. So we remember, for every lock a task takes, which locks it
 * already held ("y was taken while holding x": an edge x -> y of a graph
 * whose nodes are the locks). The first time a new edge would close a cycle
 * - x -> y was seen, and now a task takes x while holding y - one line says
 * so, naming both locks, both tasks, and where each order was first seen:
 *
 *   LOCK ORDER: 'B' takes 'x' while holding 'y' (tick 7, caller 0x00111a2c),
 *   but 'A' took 'y' while holding 'x' (tick 5, caller 0x00111a2c): run at
 *   the same time, each would wait for the other
 *
 * (one line on the console), even if no deadlock happened this time. A
 * longer cycle (the naive philosophers: fork0 -> fork1 -> ... -> fork0) is
 * printed edge by edge. The callers are return addresses: `gdb -batch -ex
 * 'info line *0x00111a2c' build/tourniquet.elf` names the line.
 *
 * It follows the course's spinlocks and the mutexes (sync.h), not
 * semaphores (no owner: a semaphore is often released by another task than
 * the one that took it), and not the kernel's own klocks. Locks are told
 * apart by address, and an object's _init forgets what was learnt about
 * the object at that address before, so a demo run again starts afresh.
 * On by default; lockdep=off on the command line turns it off.
 */
#ifndef KERNEL_LOCKDEP_H
#define KERNEL_LOCKDEP_H

#include <stdbool.h>

#define LOCKDEP_HELD_MAX 8   /* locks one task may hold at once and still be followed */
#define LOCKDEP_ORDERS 256   /* distinct orders remembered; past that, new ones are not */

/* lockdep=on/off (kernel/cmdline.c): are orders checked? */
extern bool lockdep_enabled;

/* The calls a lock makes are inline in sync_internal.h - lockdep_check
 * before it may wait, lockdep_acquired once held, lockdep_released - so
 * that a task holding nothing pays a test and a store or two. These are
 * their slow paths. */

/* The running task, holding at least one lock, is about to take `lock`:
 * record each held lock -> lock order not seen before, and report each
 * that closes a cycle. `caller` is where the lock call came from. Not
 * under the scheduler lock (it reads the clock); nothing in an interrupt
 * handler. */
void lockdep_check_held(const void *lock, const char *name, const void *caller);

/* The running task let go of `lock`, which is not the last one it took. */
void lockdep_released_other(const void *lock);

/* `lock` is (re)initialised or destroyed: forget every order it is in. */
void lockdep_forget(const void *lock);

/* Forget everything (host tests). */
void lockdep_reset(void);

#endif /* KERNEL_LOCKDEP_H */
