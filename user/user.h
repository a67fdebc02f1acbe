/*
 * user.h - the demos' entry points, listed in user/demos.c.
 */
#ifndef USER_USER_H
#define USER_USER_H

int demo_counters(void *arg);
int demo_bench(void *arg);
int demo_workload(void *arg);
int demo_agree(void *arg);

#endif /* USER_USER_H */
