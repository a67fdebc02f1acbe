/*
 * demos.h - the demos' entry points; each file registers its own (DEMOS, kernel/demo.h).
 */
#ifndef DEMOS_DEMOS_H
#define DEMOS_DEMOS_H

int demo_counters(void *arg);
int demo_bench(void *arg);
int demo_workload(void *arg);
int demo_agree(void *arg);
int demo_race(void *arg);
int demo_exclusion(void *arg);
int demo_smprace(void *arg);
int demo_prodcons(void *arg);
int demo_philosophers(void *arg);
int demo_readers_writers(void *arg);
int demo_barber(void *arg);
int demo_barrier(void *arg);
int demo_inversion(void *arg);
int demo_misuse(void *arg);
int demo_shell(void *arg);

#endif /* DEMOS_DEMOS_H */
