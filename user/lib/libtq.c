/*
 * user/lib/libtq.c - the system-call wrappers and a small C library.
 *
 * A system call is `int 0x80` with its number in EAX and up to five
 * arguments in EBX, ECX, EDX, ESI, EDI (kernel/proc/abi.h); the result
 * comes back in EAX. Everything else here is plain C that runs in ring 3.
 */
#include <pthread.h>
#include <semaphore.h>
#include <tourniquet.h>

#include "lib/format.h"

long tq_syscall(long nr, long a1, long a2, long a3, long a4, long a5)
{
    long r;
    __asm__ volatile("int $0x80"
                     : "=a"(r)
                     : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
                     : "memory");
    return r;
}

void exit(int status)
{
    tq_syscall(TQ_SYS_EXIT, status, 0, 0, 0, 0);
    for (;;) /* (the kernel never returns from exit) */
        ;
}

long write(int fd, const void *buf, size_t n) { return tq_syscall(TQ_SYS_WRITE, fd, (long)buf, (long)n, 0, 0); }
int getpid(void) { return (int)tq_syscall(TQ_SYS_GETPID, 0, 0, 0, 0, 0); }
int yield(void) { return (int)tq_syscall(TQ_SYS_YIELD, 0, 0, 0, 0, 0); }
int sleep(unsigned t) { return (int)tq_syscall(TQ_SYS_SLEEP, (long)t, 0, 0, 0, 0); }
int spawn(const char *name, char *const argv[]) { return (int)tq_syscall(TQ_SYS_SPAWN, (long)name, (long)argv, 0, 0, 0); }
int wait(int pid, int *status) { return (int)tq_syscall(TQ_SYS_WAIT, pid, (long)status, 0, 0, 0); }
int kill(int pid) { return (int)tq_syscall(TQ_SYS_KILL, pid, 0, 0, 0, 0); }
unsigned ticks(void) { return (unsigned)tq_syscall(TQ_SYS_TICKS, 0, 0, 0, 0, 0); }
void *shm_map(int key, unsigned pages)
{
    long a = tq_syscall(TQ_SYS_SHM_MAP, key, (long)pages, 0, 0, 0);
    return a < 0 ? NULL : (void *)a;
}
int mq_open(int key) { return (int)tq_syscall(TQ_SYS_MQ_OPEN, key, 0, 0, 0, 0); }
int mq_send(int q, const void *msg, size_t n, int flags)
{
    return (int)tq_syscall(TQ_SYS_MQ_SEND, q, (long)msg, (long)n, flags, 0);
}
int mq_receive(int q, void *buf, size_t n, int flags)
{
    return (int)tq_syscall(TQ_SYS_MQ_RECEIVE, q, (long)buf, (long)n, flags, 0);
}
int meminfo(struct tq_meminfo *out) { return (int)tq_syscall(TQ_SYS_MEMINFO, (long)out, 0, 0, 0, 0); }

/* ---- Strings and memory (the compiler may call memset and memcpy itself) ---- */

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

int atoi(const char *s)
{
    int sign = 1, v = 0;
    if (*s == '-')
        sign = -1, s++;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return sign * v;
}

/* ---- Self-checking programs ---- */

static int checks_passed, checks_failed;

void tq_check(int ok, const char *what, long got, long want)
{
    ok ? checks_passed++ : checks_failed++;
    if (ok)
        printf("ok %d %s\n", checks_passed + checks_failed, what);
    else
        printf("not ok %d %s: got %ld, expected %ld\n", checks_passed + checks_failed, what, got, want);
}

int tq_checks_done(const char *program)
{
    printf("%s: %d passed, %d failed\n", program, checks_passed, checks_failed);
    return checks_failed;
}

/* ---- printf: the kernel's own engine (kernel/lib/format.c) ---- */

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) { return kvsnprintf(buf, size, fmt, ap); }

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    write(1, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    return n;
}

int puts(const char *s)
{
    write(1, s, strlen(s));
    write(1, "\n", 1);
    return 0;
}

/* ---- Threads, mutexes, semaphores (pthread.h, semaphore.h) ---- */

/* Every thread starts here, on its own stack, as start(fn, arg): its
 * function's value is what pthread_join gets. */
static void thread_start(void *(*fn)(void *), void *arg)
{
    pthread_exit(fn(arg));
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    (void)attr;
    long tid = tq_syscall(TQ_SYS_THREAD_CREATE, (long)thread_start, (long)fn, (long)arg, 0, 0);
    if (tid < 0)
        return (int)-tid;
    *t = (pthread_t)tid;
    return 0;
}

void pthread_exit(void *value)
{
    tq_syscall(TQ_SYS_THREAD_EXIT, (long)value, 0, 0, 0, 0);
    for (;;)
        ;
}

int pthread_join(pthread_t t, void **value)
{
    int v = 0;
    long rc = tq_syscall(TQ_SYS_THREAD_JOIN, t, (long)&v, 0, 0, 0);
    if (rc < 0)
        return (int)-rc;
    if (value)
        *value = (void *)(long)v;
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    (void)attr;
    long h = tq_syscall(TQ_SYS_MUTEX_CREATE, 0, 0, 0, 0, 0);
    if (h < 0)
        return (int)-h;
    m->handle = (int)h;
    return 0;
}

int pthread_mutex_lock(pthread_mutex_t *m) { return (int)-tq_syscall(TQ_SYS_MUTEX_LOCK, m->handle, 0, 0, 0, 0); }
int pthread_mutex_unlock(pthread_mutex_t *m) { return (int)-tq_syscall(TQ_SYS_MUTEX_UNLOCK, m->handle, 0, 0, 0, 0); }
int pthread_mutex_destroy(pthread_mutex_t *m) { return (void)m, 0; }

/* A new kernel object of this kind: its handle in *h, or a positive error. */
static int new_handle(int *h, long nr, long arg)
{
    long r = tq_syscall(nr, arg, 0, 0, 0, 0);
    if (r < 0)
        return (int)-r;
    *h = (int)r;
    return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
    (void)attr;
    return new_handle(&c->handle, TQ_SYS_COND_CREATE, 0);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    return (int)-tq_syscall(TQ_SYS_COND, c->handle, m->handle, TQ_COND_WAIT, 0, 0);
}

int pthread_cond_signal(pthread_cond_t *c) { return (int)-tq_syscall(TQ_SYS_COND, c->handle, 0, TQ_COND_SIGNAL, 0, 0); }
int pthread_cond_broadcast(pthread_cond_t *c)
{
    return (int)-tq_syscall(TQ_SYS_COND, c->handle, 0, TQ_COND_BROADCAST, 0, 0);
}
int pthread_cond_destroy(pthread_cond_t *c) { return (void)c, 0; }

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count)
{
    (void)attr;
    return new_handle(&b->handle, TQ_SYS_BARRIER_CREATE, (long)count);
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
    long r = tq_syscall(TQ_SYS_BARRIER_WAIT, b->handle, 0, 0, 0, 0);
    return r == 1 ? PTHREAD_BARRIER_SERIAL_THREAD : r < 0 ? (int)-r : 0;
}
int pthread_barrier_destroy(pthread_barrier_t *b) { return (void)b, 0; }

int sem_init(sem_t *s, int pshared, unsigned value)
{
    if (pshared)
        return -TQ_EINVAL; /* (between processes: not yet) */
    long h = tq_syscall(TQ_SYS_SEM_CREATE, (long)value, 0, 0, 0, 0);
    if (h < 0)
        return (int)h;
    s->handle = (int)h;
    return 0;
}

int sem_wait(sem_t *s) { return (int)tq_syscall(TQ_SYS_SEM_DOWN, s->handle, 0, 0, 0, 0); }
int sem_post(sem_t *s) { return (int)tq_syscall(TQ_SYS_SEM_UP, s->handle, 0, 0, 0, 0); }
int sem_destroy(sem_t *s) { return (void)s, 0; }

int sem_open_key(sem_t *s, int key, unsigned value)
{
    long h = tq_syscall(TQ_SYS_SEM_OPEN, key, (long)value, 0, 0, 0);
    if (h < 0)
        return (int)h;
    s->handle = (int)h;
    return 0;
}
