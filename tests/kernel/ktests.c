/*
 * ktests.c - the table of in-kernel tests, in the order test=all runs them.
 * `solo` tests end the kernel on purpose (an expected panic), so they only
 * run when named.
 */
#include <stddef.h>

#include "ktest.h"
#include "ktests.h"

const struct ktest ktests[] = {
    {"preempt", ktest_preempt, false, "three tasks that never yield all progress in every window of a few quanta"},
    {"yield", ktest_yield, false, "task_yield hands the CPU to the other ready task"},
    {"sleep", ktest_sleep, false, "sleepers wake exactly at their deadline, in deadline order"},
    {"join", ktest_join, false, "task_join waits, returns the exit code, and refuses misuse"},
    {"kill", ktest_kill, false, "task_kill ends waiting tasks at their wait, releasing their mutexes"},
    {"timeout", ktest_timeout, false, "every _timeout call returns SYNC_TIMEOUT at its deadline, or succeeds in time"},
    {"priority", ktest_priority, false, "task_set_priority under prio: lowered, the caller yields; raised, a task runs"},
    {"clock", ktest_clock, false, "the timer ticks hz= times per second of guest time"},
    {"swap", ktest_swap, false, "switching policy while tasks run loses and duplicates nothing"},
    {"divzero", ktest_divzero, true, "a divide error prints the CPU state and panics (status 37)"},
    {"canary", ktest_canary, true, "a task that overflows its stack is caught at the next switch"},
    {"doublefault", ktest_doublefault, true, "a fault while delivering a fault is reported, not a reset"},
    {"livelock", ktest_livelock, true, "tasks that yield for ever and change nothing get a LIVELOCK report (status 35)"},
    {"smp", ktest_smp, true, "every CPU starts, counts with LOCK XADD, takes its timer ticks and an IPI"},
    {"smpfault", ktest_smpfault, true, "a divide error on CPU 1 is reported from there and panics"},
    {"smpdoublefault", ktest_smpdoublefault, true, "a double fault on CPU 1 runs on its own TSS and panics"},
    {"smpinput", ktest_smpinput, true, "with CPU 1 started, typed lines arrive through the I/O APIC"},
    {NULL, NULL, false, NULL},
};
