/*
 * pthread.h - threads of one process, and their mutexes: the course's
 * pthread calls, on Tourniquet's system calls.
 *
 * A thread shares its process's memory and has a stack of its own (32 KiB,
 * a guard page under it); a process has at most TQ_THREADS_MAX (8). When
 * main returns or any thread calls exit, or faults, the whole process ends.
 * A mutex is the kernel's (an owner, a queue of waiters in order, priority
 * inheritance), and so are condition variables and barriers: initialise
 * each with its _init before use. Errors
 * are returned as positive TQ_E* numbers, as POSIX has it.
 */
#ifndef TOURNIQUET_PTHREAD_H
#define TOURNIQUET_PTHREAD_H

#include <tourniquet.h>

typedef int pthread_t;       /* a thread's id in its process: 1 .. 7 */
typedef int pthread_attr_t;  /* (no attributes: pass NULL) */
typedef int pthread_mutexattr_t;
typedef struct {
    int handle; /* the kernel's mutex (from pthread_mutex_init) */
} pthread_mutex_t;

typedef int pthread_condattr_t;
typedef struct {
    int handle; /* the kernel's condition variable (from pthread_cond_init) */
} pthread_cond_t;
typedef int pthread_barrierattr_t;
typedef struct {
    int handle;
} pthread_barrier_t;
#define PTHREAD_BARRIER_SERIAL_THREAD (-1) /* pthread_barrier_wait's answer to one thread of each phase */

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int pthread_join(pthread_t t, void **value);
__attribute__((noreturn)) void pthread_exit(void *value);
int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_unlock(pthread_mutex_t *m);
int pthread_mutex_destroy(pthread_mutex_t *m); /* (the handle lives until the process ends) */
/* Condition variables, Mesa style (as POSIX): wait in a loop on the condition. */
int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);
int pthread_cond_destroy(pthread_cond_t *c);
/* Barriers: `count` threads meet at each phase. */
int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count);
int pthread_barrier_wait(pthread_barrier_t *b);
int pthread_barrier_destroy(pthread_barrier_t *b);

#endif /* TOURNIQUET_PTHREAD_H */
