/*
 * tourniquet.h - what a user program can ask of the kernel.
 *
 * The system calls (kernel/proc/abi.h has their numbers and error codes),
 * and a little C library on top: printf and the string functions. Every
 * call that can fail returns a negative TQ_E* code (-TQ_EFAULT...) and
 * never crashes the kernel; tq_strerror (abi.h) names it.
 */
#ifndef TOURNIQUET_H
#define TOURNIQUET_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"

/* ---- System calls ---- */
__attribute__((noreturn)) void exit(int status);
long write(int fd, const void *buf, size_t n);
int getpid(void);
int yield(void);
int sleep(unsigned ticks);                       /* timer ticks, not seconds */
int spawn(const char *name, char *const argv[]); /* argv NULL: {name, NULL}; returns the child's pid */
int wait(int pid, int *status);                  /* pid, once that child has ended; TQ_WAIT_ANY (-1):
                                                    the first child to end, its pid */
int kill(int pid);                               /* oneself, or one's own child */
unsigned ticks(void);
int meminfo(struct tq_meminfo *out);
/* Shared segment `key`, of `pages` zeroed 4 KiB pages (its first mapper
 * makes it; the others get the same pages, at the same address): its
 * address, or NULL (tq_syscall(TQ_SYS_SHM_MAP, ...) says why). It lives
 * while a process maps it. */
void *shm_map(int key, unsigned pages);
/* Message queue `key`, shared by every process that opens it: up to
 * TQ_MQ_DEPTH messages of at most TQ_MQ_MSG_MAX bytes. mq_send waits while
 * it is full, mq_receive while it is empty, unless flags is TQ_MQ_NONBLOCK
 * (then -TQ_EAGAIN); mq_receive's buffer must hold TQ_MQ_MSG_MAX bytes and
 * it returns the message's length. */
int mq_open(int key);
int mq_send(int q, const void *msg, size_t n, int flags);
int mq_receive(int q, void *buf, size_t n, int flags);

/* The raw call, for tests that pass what no wrapper would. */
long tq_syscall(long nr, long a1, long a2, long a3, long a4, long a5);

/* ---- Programs that check themselves (usertests, threads...) ---- */
/* One check: prints "ok N what", or "not ok N what: got G, expected W", and
 * counts it. tq_checks_done prints "PROGRAM: P passed, F failed" and
 * returns F, the program's exit status. */
void tq_check(int ok, const char *what, long got, long want);
int tq_checks_done(const char *program);
#define TQ_EXPECT_EQ(what, got, want)                  \
    do {                                               \
        long g_ = (long)(got), w_ = (long)(want);      \
        tq_check(g_ == w_, what, g_, w_);              \
    } while (0)

/* ---- The C library ---- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int puts(const char *s);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
int atoi(const char *s);

#endif /* TOURNIQUET_H */
