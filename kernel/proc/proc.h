/*
 * proc.h - processes: user programs in ring 3, each in its own address space.
 *
 * A process is a program (an ELF file the boot loader brought as a module:
 * user/) loaded into an address space of its own (arch.h's spaces), and
 * threads that run it (up to TQ_THREADS_MAX, the first one at main): each
 * a kernel task whose `space` and `proc` are set, which leaves the kernel
 * for ring 3 and comes back only through traps - a system call
 * (syscall.c), an interrupt, a fault. The scheduler treats each as any
 * task; the switch tail gives it its space. Its mutexes and semaphores are
 * the kernel's, named by handles of its own.
 *
 * Life of a process: spawned (by the kernel: run=prog:NAME, the shell's
 * exec; or by another process: spawn) -> running -> ended (exit, kill, or a
 * fault, which end every thread; or its last thread's end: a zombie with a
 * status) -> waited for (its parent's wait, or, with no parent left, the
 * next spawn or wait, which reap orphans), which frees its memory.
 *
 * A fault in ring 3 (divide by zero, invalid opcode, #GP - CLI, STI, IN,
 * OUT among them - a page fault on NULL, on the kernel, or into the guard
 * page under the stack) prints one report and ends that process only.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <arch/arch.h>
#include <stdbool.h>
#include <stdint.h>

#include "proc/abi.h"

#define PROC_MAX TQ_PROCS_MAX /* processes at once (abi.h) */

/* The user stack: USER_STACK_PAGES pages under the window's last page, and
 * under them a guard page that is never mapped, so that a stack overflow is
 * a page fault the report can name. */
#define USER_STACK_PAGES 16
#define USER_STACK_TOP (ARCH_USER_TOP - ARCH_PAGE_SIZE)
#define USER_STACK_BOTTOM (USER_STACK_TOP - USER_STACK_PAGES * ARCH_PAGE_SIZE)
#define USER_GUARD_BOTTOM (USER_STACK_BOTTOM - ARCH_PAGE_SIZE)

/* Thread k's stack (k = 1 .. TQ_THREADS_MAX - 1; thread 0 has the one
 * above): THREAD_STACK_PAGES pages under the guard page of the stack
 * above it, with one of its own under it. */
#define THREAD_STACK_PAGES 8
#define THREAD_STACK_TOP(k) (USER_GUARD_BOTTOM - (uintptr_t)((k) - 1) * (THREAD_STACK_PAGES + 1) * ARCH_PAGE_SIZE)
#define THREAD_STACK_BOTTOM(k) (THREAD_STACK_TOP(k) - THREAD_STACK_PAGES * ARCH_PAGE_SIZE)
/* Shared segment i (shm_map) is at SHM_BASE + i MiB in every process that
 * maps it, below the stacks; a program loads below the segments. */
#define SHM_BASE 0x70000000u
#define SHM_SLOT (1u << 20)
#define USER_IMAGE_TOP SHM_BASE
_Static_assert(SHM_BASE + TQ_SHM_MAX * SHM_SLOT <= THREAD_STACK_BOTTOM(TQ_THREADS_MAX - 1) - ARCH_PAGE_SIZE,
               "the shared segments lie below every stack and its guard");

/* NEW: taken by a spawn that is still building it (its space, its first
 * thread): not yet a process for wait, kill or ps, which see only ALIVE
 * and ZOMBIE ones. */
enum proc_state { PROC_FREE, PROC_NEW, PROC_ALIVE, PROC_ZOMBIE };

/* What a process's handle names: one of the kernel's primitives, its own. */
enum proc_object_kind { PROC_MUTEX = 1, PROC_SEM, PROC_COND, PROC_BARRIER, PROC_SEM_SHARED, PROC_MQ };
struct proc_object;

struct proc {
    uint32_t pid;             /* 1, 2, ... never reused while the kernel runs */
    enum proc_state state;
    char name[TQ_NAME_MAX];   /* its program's name */
    struct arch_space *space;
    struct task *thread;      /* its first thread, which runs main (threads[0]) */
    struct task *threads[TQ_THREADS_MAX]; /* its threads by id, until joined (NULL: free) */
    unsigned live;            /* threads not yet ended: the last one to end makes it a ZOMBIE */
    bool ending;              /* exit, kill or a fault: its other threads are being ended */
    struct proc_object *handles[TQ_HANDLES_MAX]; /* its mutexes, semaphores, conditions, barriers (NULL: free) */
    uint32_t shm_mapped;      /* bit i: shared segment i is mapped in its space */
    struct proc *parent;      /* the process that spawned it; NULL: the kernel did, or its parent ended */
    bool kernel_waits;        /* spawned by the kernel, which waits for it (proc_wait) */
    int status;               /* once a ZOMBIE: exit's status, TQ_STATUS_KILLED or TQ_STATUS_FAULT(v) */
    unsigned pages;           /* user pages mapped (text, data, BSS, stack) */
};

/* Start the process table and the reaper (once, at boot, task context). */
void proc_init(void);

/* The programs the boot loader brought, in order; NULL past the end. */
const char *proc_program_name(unsigned i);

/* Spawn program `name` with arguments argv[0..argc-1] (argv[0]: the
 * program's name, by convention), as a child of `parent` (NULL: of the
 * kernel, which must then proc_wait for it). Returns the new pid, or a
 * negated TQ_E* code (and says why on the console for a broken program). */
int proc_spawn(const char *name, unsigned argc, char *const argv[], struct proc *parent);

/* Wait until process pid (the kernel's own child) has ended, free it, and
 * return its status in *status. 0, or -TQ_ECHILD. May sleep. */
int proc_wait_kernel(uint32_t pid, int *status);

/* End process pid: its thread exits at its next return to user mode or
 * wait (at once if it waits), status TQ_STATUS_KILLED. 0, or -TQ_ESRCH. */
int proc_kill(uint32_t pid);

/* tq_strerror (abi.h) in the kernel's language (lang=): the code's name
 * stays, what it means is translated. */
const char *proc_strerror(int err);

/* The process pid, or NULL (the table lock is not held: for reports). */
struct proc *proc_by_pid(uint32_t pid);

/* The calling thread's process, or NULL for a kernel task. */
struct proc *proc_current(void);

/* Call fn for each live or zombie process, in pid order (ps). */
void proc_for_each(void (*fn)(const struct proc *p, void *ctx), void *ctx);

/* Frames and processes in use, for leak checks. */
struct proc_stats {
    unsigned processes;   /* slots in use (running and zombies) */
    unsigned spawned;     /* processes spawned since boot */
};
void proc_get_stats(struct proc_stats *out);

/* ---- Called by the arch layer (arch.h: user mode) ---------------------- */

/* A CPU exception in ring 3, interrupts off, on the thread's kernel stack:
 * report it and end the process. Never returns. `why` is the arch's reading
 * of it (which instruction, which access), or NULL. */
struct user_fault {
    unsigned vector;          /* the exception's number: 0 (#DE), 6 (#UD), 13 (#GP), 14 (#PF)... */
    const char *name;         /* "#PF Page Fault" */
    uint32_t eip, esp, error;
    bool has_addr;            /* a page fault: addr is the address (CR2) */
    uint32_t addr;
    const char *why;
};
__attribute__((noreturn)) void proc_fault(const struct user_fault *f);

/* A system call: number and arguments as the process put them in its
 * registers; interrupts on; returns the value for EAX (syscall.c). */
int32_t syscall_dispatch(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5);

/* The last thing before any return to ring 3, interrupts off: a thread
 * whose process was killed exits here instead. */
void proc_return_to_user(void);

/* syscall.c: the calls' bodies reach processes through these. */
__attribute__((noreturn)) void proc_exit_current(int status); /* the process ends, every thread */
int proc_wait_child(struct proc *parent, int32_t pid, int *status); /* the pid reaped, or -TQ_ECHILD */
int proc_thread_create(uintptr_t start, uint32_t fn, uint32_t arg);
__attribute__((noreturn)) void proc_thread_exit(int value); /* this thread ends (the last: the process) */
int proc_thread_join(uint32_t tid, int *value);
int proc_handle_new(enum proc_object_kind kind, unsigned value); /* a new one (value: a semaphore's units,
                                                                    a barrier's parties): its handle */
int proc_shm_map(uint32_t key, uint32_t pages);   /* a user address, or a negated TQ_E* */
int proc_sem_open(uint32_t key, uint32_t value);  /* a handle to a semaphore shared by key */
int proc_mq_open(uint32_t key);                   /* a handle to a message queue shared by key */
void *proc_handle(enum proc_object_kind kind, uint32_t h);        /* the caller's object h of that kind, or
                                                                    NULL (none, or another kind) */

#endif /* KERNEL_PROC_H */
