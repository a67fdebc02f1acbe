/*
 * abi.h - the system-call interface: what a process and the kernel agree on.
 *
 * The kernel owns this file; the user library (user/lib) includes it too, so
 * the two cannot disagree on a number. A process raises `int 0x80` with the
 * call's number in EAX and its arguments in EBX, ECX, EDX, ESI, EDI; the
 * result comes back in EAX: >= 0 on success, or minus one of the TQ_E*
 * codes below (Linux's convention and numbers, so that they read as
 * expected). Every pointer a process passes is checked page by page against
 * its own address space: a bad one is TQ_EFAULT, never a kernel fault.
 */
#ifndef TOURNIQUET_ABI_H
#define TOURNIQUET_ABI_H

/* The calls: number, then what it takes and returns. */
enum tq_syscall {
    TQ_SYS_EXIT,   /* exit(int status): never returns */
    TQ_SYS_WRITE,  /* write(int fd, const void *buf, size_t n): n, for fd 1 (stdout) or 2 (stderr) */
    TQ_SYS_GETPID, /* getpid(): the caller's process id (1, 2, ...) */
    TQ_SYS_YIELD,  /* yield(): 0, after giving up the CPU */
    TQ_SYS_SLEEP,  /* sleep(unsigned ticks): 0, ticks later */
    TQ_SYS_SPAWN,  /* spawn(const char *name, char *const argv[]): the new process's id */
    TQ_SYS_WAIT,   /* wait(int pid, int *status): pid, once that child has ended (status may be NULL);
                      pid TQ_WAIT_ANY: whichever child ends first, and its pid */
    TQ_SYS_KILL,   /* kill(int pid): 0; the process ends (status TQ_STATUS_KILLED) */
    TQ_SYS_TICKS,  /* ticks(): timer ticks since boot */
    TQ_SYS_MEMINFO,/* meminfo(struct tq_meminfo *out): 0; what is in use, for leak checks */
    TQ_SYS_THREAD_CREATE, /* thread_create(start, fn, arg): a thread id (1..7) that runs start(fn, arg) */
    TQ_SYS_THREAD_EXIT,   /* thread_exit(int value): ends the calling thread (the last one: the process) */
    TQ_SYS_THREAD_JOIN,   /* thread_join(int tid, int *value): 0, once that thread of the process has ended
                             (EDEADLK if it is itself joining the caller, maybe through other joins) */
    TQ_SYS_MUTEX_CREATE,  /* mutex_create(): a mutex handle (>= 0) for the process's threads */
    TQ_SYS_MUTEX_LOCK,    /* mutex_lock(int h): 0, holding it */
    TQ_SYS_MUTEX_UNLOCK,  /* mutex_unlock(int h): 0 */
    TQ_SYS_SEM_CREATE,    /* sem_create(unsigned value): a semaphore handle (>= 0) */
    TQ_SYS_SEM_DOWN,      /* sem_down(int h): 0, with a unit taken */
    TQ_SYS_SEM_UP,        /* sem_up(int h): 0 */
    TQ_SYS_COND_CREATE,   /* cond_create(): a condition variable handle */
    TQ_SYS_COND,          /* cond(int h, int mutex, op): TQ_COND_WAIT (with that mutex held), _SIGNAL, _BROADCAST */
    TQ_SYS_BARRIER_CREATE,/* barrier_create(unsigned parties): a barrier handle (parties 1..1000) */
    TQ_SYS_BARRIER_WAIT,  /* barrier_wait(int h): 1 to one thread of each phase (the last in), 0 to the others */
    TQ_SYS_SHM_MAP,       /* shm_map(int key, unsigned pages): the address of shared segment `key` (made with
                             `pages` zeroed pages by its first mapper; the same address in every process) */
    TQ_SYS_SEM_OPEN,      /* sem_open(int key, unsigned value): a handle to semaphore `key`, which every
                             process that opens that key shares (made with `value` units by the first) */
    TQ_SYS_MQ_OPEN,       /* mq_open(int key): a handle to message queue `key`, shared by every opener */
    TQ_SYS_MQ_SEND,       /* mq_send(int h, const void *msg, size_t n, int flags): 0 (flags: TQ_MQ_NONBLOCK) */
    TQ_SYS_MQ_RECEIVE,    /* mq_receive(int h, void *buf, size_t n, int flags): the oldest message's length */
    TQ_SYS_COUNT
};

/* TQ_SYS_COND's operations (Mesa semantics: a woken waiter checks its
 * condition again). */
#define TQ_COND_WAIT 0
#define TQ_COND_SIGNAL 1
#define TQ_COND_BROADCAST 2

/* Errors, returned negated. */
#define TQ_EPERM 1         /* not allowed (kill of a process that is not one's own) */
#define TQ_ENOENT 2        /* no program by that name */
#define TQ_ESRCH 3         /* no process with that id */
#define TQ_E2BIG 7         /* too many arguments, or too long */
#define TQ_ENOEXEC 8       /* the program is not an ELF this kernel can run */
#define TQ_EBADF 9         /* not an open file descriptor, or not a mutex or semaphore handle of the caller's */
#define TQ_ECHILD 10       /* not a child of the caller (or already waited for) */
#define TQ_EAGAIN 11       /* too many processes, threads or handles (TQ_*_MAX below) */
#define TQ_ENOMEM 12       /* no memory left (page frames) */
#define TQ_EFAULT 14       /* a pointer outside the caller's memory, or to memory it may not write */
#define TQ_EINVAL 22       /* an argument out of range */
#define TQ_EDEADLK 35      /* it would wait for ever: a mutex it holds, a thread joining itself */
#define TQ_ENAMETOOLONG 36 /* a name or string longer than the kernel takes */
#define TQ_ENOSYS 38       /* no system call with that number */
#define TQ_EOVERFLOW 75    /* a count at its maximum (sem_post at INT_MAX units) */

/* The name of an error, and what it means: "EFAULT (a bad pointer)", for
 * -TQ_EFAULT or TQ_EFAULT alike. */
static inline const char *tq_strerror(int err)
{
    switch (err < 0 ? -err : err) {
    case 0: return "no error";
    case TQ_EPERM: return "EPERM (not allowed)";
    case TQ_ENOENT: return "ENOENT (no such program)";
    case TQ_ESRCH: return "ESRCH (no such process)";
    case TQ_E2BIG: return "E2BIG (arguments too many or too long)";
    case TQ_ENOEXEC: return "ENOEXEC (not a program this kernel runs)";
    case TQ_EBADF: return "EBADF (not an open file descriptor, or not a handle of this process)";
    case TQ_ECHILD: return "ECHILD (not a child to wait for)";
    case TQ_EAGAIN: return "EAGAIN (too many processes, threads or handles)";
    case TQ_ENOMEM: return "ENOMEM (no memory left)";
    case TQ_EFAULT: return "EFAULT (a bad pointer)";
    case TQ_EINVAL: return "EINVAL (an argument out of range)";
    case TQ_ENAMETOOLONG: return "ENAMETOOLONG (a string too long)";
    case TQ_EDEADLK: return "EDEADLK (it would wait for ever)";
    case TQ_ENOSYS: return "ENOSYS (no such system call)";
    case TQ_EOVERFLOW: return "EOVERFLOW (a count at its maximum)";
    default: return "unknown error";
    }
}

/* What wait() reports, besides exit's own status (0..255): */
#define TQ_WAIT_ANY (-1)                   /* wait(TQ_WAIT_ANY, &status): any child */
#define TQ_STATUS_KILLED (-9)              /* ended by kill() or the shell's kill */
#define TQ_STATUS_FAULT(vector) (-100 - (vector)) /* killed by a CPU exception: -114 a page fault... */

/* What meminfo() fills in. */
struct tq_meminfo {
    unsigned frames_total, frames_free; /* page frames (4 KiB): processes' memory */
    unsigned heap_free;                 /* bytes free in the kernel heap */
    unsigned heap_blocks;               /* blocks the kernel heap has handed out */
    unsigned processes;                 /* processes that exist, zombies included */
};

/* Limits a process can count on. */
#define TQ_ARGS_MAX 16       /* arguments to spawn, argv[0] included */
#define TQ_ARG_LEN_MAX 128   /* bytes in one argument, its NUL included */
#define TQ_NAME_MAX 32       /* bytes in a program name, its NUL included */
#define TQ_PROCS_MAX 64      /* processes at once, zombies included: spawn says TQ_EAGAIN past it */
#define TQ_THREADS_MAX 8     /* threads in a process, its first one included */
#define TQ_HANDLES_MAX 32    /* mutexes, semaphores, conditions and barriers, per process */
#define TQ_SHM_MAX 16        /* shared segments (and as many shared semaphores) in the whole system */
#define TQ_SHM_PAGES_MAX 16  /* pages in one shared segment (4 KiB each) */
#define TQ_MQ_MSG_MAX 64     /* bytes in one message (mq_receive's buffer must hold that many) */
#define TQ_MQ_DEPTH 8        /* messages a queue holds: a send to a full queue waits (or EAGAIN) */
#define TQ_MQ_NONBLOCK 1     /* mq_send, mq_receive: EAGAIN instead of waiting */

#endif /* TOURNIQUET_ABI_H */
