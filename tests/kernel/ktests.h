/*
 * ktests.h - the in-kernel tests, one function each; each file registers its own as a suite (KTEST_SUITE, kernel/ktest.h).
 */
#ifndef TESTS_KERNEL_KTESTS_H
#define TESTS_KERNEL_KTESTS_H

void ktest_preempt(void);
void ktest_yield(void);
void ktest_sleep(void);
void ktest_join(void);
void ktest_stacks(void);
void ktest_kill(void);
void ktest_priority(void);
void ktest_timeout(void);
void ktest_divzero(void);
void ktest_livelock(void);
void ktest_canary(void);
void ktest_guard(void);
void ktest_doublefault(void);
void ktest_clock(void);
void ktest_swap(void);
void ktest_smp(void);
void ktest_smpfault(void);
void ktest_smpdoublefault(void);
void ktest_smpinput(void);
void ktest_nomem(void);

#endif
