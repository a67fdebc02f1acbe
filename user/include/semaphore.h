/*
 * semaphore.h - POSIX-style semaphores for the threads of one process:
 * Dijkstra's P and V on the kernel's semaphores. -1 and errno-free: each
 * call returns 0, or a negative TQ_E* code.
 */
#ifndef TOURNIQUET_SEMAPHORE_H
#define TOURNIQUET_SEMAPHORE_H

#include <tourniquet.h>

typedef struct {
    int handle;
} sem_t;

int sem_init(sem_t *s, int pshared, unsigned value); /* pshared must be 0: the threads of one process */
int sem_wait(sem_t *s);                              /* P (down) */
int sem_post(sem_t *s);                              /* V (up) */
int sem_destroy(sem_t *s);                           /* (the handle lives until the process ends) */
/* The semaphore every process that opens `key` shares (the first opener
 * gives it `value` units): for processes, where sem_init is for the
 * threads of one. 0, or a negative TQ_E* code. */
int sem_open_key(sem_t *s, int key, unsigned value);

#endif /* TOURNIQUET_SEMAPHORE_H */
