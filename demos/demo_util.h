/*
 * demo_util.h - small things the synchronization demos share.
 */
#ifndef USER_DEMO_UTIL_H
#define USER_DEMO_UTIL_H

#include "ktest.h"
#include "sync/sync.h"
#include "tourniquet.h"

/*
 * Wait for a state another task will reach (it holds a mutex, it is
 * blocked), sleeping a tick at a time, at most 1000 ticks. Not a guessed
 * task_sleep(n): on several CPUs, or under a policy that keeps the CPU, a
 * new task starts when it starts. Sleeping (not yielding) lets every
 * policy run the others.
 */
#define WAIT_UNTIL(cond)                                                   \
    for (unsigned wait_n_ = 0; !(cond) && wait_n_ < 1000; wait_n_++) \
        task_sleep(1)
#define HELD_BY(mx, t) (__atomic_load_n(&(mx)->owner, __ATOMIC_ACQUIRE) == (t))
#define IS_BLOCKED(t) (__atomic_load_n(&(t)->state, __ATOMIC_ACQUIRE) == TASK_BLOCKED)

/*
 * A preemption point: where, in the course's racing counter, the Python
 * code sleeps between reading the counter and writing it back. If the CPU
 * can be taken away here, we give it away, so the race shows every time
 * rather than once in a while. With interrupts off (a spinlock held, or
 * interrupts disabled on purpose) nothing can take the CPU away, so there is
 * no preemption point: that is why those versions are correct.
 */
static inline void preempt_here(void)
{
    if (arch_irq_enabled())
        task_yield();
}

/* Create n tasks running fn(i) named prefix0, prefix1...; NULL on failure. */
static inline bool spawn(struct task **t, unsigned n, const char *prefix, task_entry_t fn)
{
    for (unsigned i = 0; i < n; i++) {
        char name[TASK_NAME_MAX];
        ksnprintf(name, sizeof name, "%s%u", prefix, i);
        t[i] = task_create(name, fn, (void *)(uintptr_t)i);
        if (!t[i])
            return false;
    }
    return true;
}

/* End tasks a demo left blocked on purpose (a deadlock) and free them, so
 * that nothing is left behind and the demo can run again: how many ended
 * as killed tasks do (task_kill_all), releasing what they held. */
static inline unsigned end_stuck(struct task **t, unsigned n)
{
    unsigned killed = 0;
    if (task_kill_all(t, n) == 0)
        for (unsigned i = 0; i < n; i++)
            killed += task_join(t[i]) == TASK_EXIT_KILLED;
    return killed;
}

static inline void join_all(struct task **t, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (t[i])
            task_join(t[i]);
}

#endif /* USER_DEMO_UTIL_H */
