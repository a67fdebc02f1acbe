/*
 * syscall.c - the system calls: each argument checked, then the work.
 *
 * A process hands the kernel numbers and pointers. Numbers are checked
 * against their range; pointers are never followed as they are: copy_in
 * and copy_out look each page up in the caller's own address space (present,
 * in the user window, writable for copy_out) and copy through the kernel's
 * view of the frame. So a bad pointer - NULL, into the kernel, past the
 * end of a mapping, read-only text given to a call that writes - is
 * -TQ_EFAULT, and the kernel never takes a fault on a process's behalf.
 */
#include "proc/proc.h"

#include "lib/kmem.h"
#include "lib/kprintf.h"
#include "mm/frames.h"
#include "sched/sched.h"
#include "sched/task.h"
#include "sync/sync.h"

/* Copy n bytes between the kernel and user address u of the caller's
 * space: to_user selects the direction (and requires writable pages).
 * With k NULL nothing is copied: the pages are only checked. */
static int copy_user(void *k, uintptr_t u, size_t n, bool to_user)
{
    struct arch_space *s = task_current()->space;
    if (n > ARCH_USER_TOP || u + n < u)
        return -TQ_EFAULT;
    uint8_t *kb = k;
    while (n) {
        unsigned flags;
        uintptr_t at = arch_space_lookup(s, u, &flags);
        if (!at || (to_user && !(flags & ARCH_PAGE_WRITE)))
            return -TQ_EFAULT;
        size_t chunk = ARCH_PAGE_SIZE - (u & (ARCH_PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        if (!kb)
            ; /* (a check only) */
        else if (to_user)
            __builtin_memcpy((void *)at, kb, chunk);
        else
            __builtin_memcpy(kb, (const void *)at, chunk);
        kb = kb ? kb + chunk : NULL;
        u += chunk, n -= chunk;
    }
    return 0;
}

static int copy_in(void *k, uintptr_t u, size_t n) { return copy_user(k, u, n, false); }
static int copy_out(uintptr_t u, const void *k, size_t n) { return copy_user((void *)k, u, n, true); }
/* Would a copy_out of n bytes to u work? For the calls that wait, and
 * must refuse a bad pointer before they do. */
static int writable(uintptr_t u, size_t n) { return copy_user(NULL, u, n, true); }

/* A NUL-terminated string of at most max bytes (its NUL included). */
static int copy_in_str(char *k, uintptr_t u, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (copy_in(&k[i], u + i, 1) < 0)
            return -TQ_EFAULT;
        if (!k[i])
            return 0;
    }
    return -TQ_ENAMETOOLONG;
}

static int32_t sys_exit(uint32_t status) { proc_exit_current((int)(status & 0xff)); }

static int32_t sys_write(uint32_t fd, uint32_t buf, uint32_t n)
{
    if (fd != 1 && fd != 2)
        return -TQ_EBADF;
    if (n > INT32_MAX)
        return -TQ_EINVAL;
    char chunk[128];
    for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done < sizeof chunk ? n - done : sizeof chunk;
        if (copy_in(chunk, buf + done, k) < 0)
            return done ? (int32_t)done : -TQ_EFAULT;
        kwrite(chunk, k);
        done += k;
    }
    return (int32_t)n;
}

static int32_t sys_sleep(uint32_t ticks)
{
    if (ticks > INT32_MAX)
        return -TQ_EINVAL;
    task_sleep(ticks);
    return 0;
}

/* spawn(name, argv): argv NULL, or NULL-terminated; NULL gives argv = {name}. */
static int32_t sys_spawn(uint32_t uname, uint32_t uargv)
{
    char name[TQ_NAME_MAX];
    int rc = copy_in_str(name, uname, sizeof name);
    if (rc < 0)
        return rc;
    char(*buf)[TQ_ARG_LEN_MAX] = kmalloc(TQ_ARGS_MAX * TQ_ARG_LEN_MAX);
    if (!buf)
        return -TQ_ENOMEM;
    char *argv[TQ_ARGS_MAX];
    unsigned argc = 0;
    if (!uargv) {
        __builtin_memcpy(buf[0], name, sizeof name);
        argv[argc++] = buf[0];
    }
    for (; uargv; argc++) {
        uint32_t up;
        if ((rc = copy_in(&up, uargv + 4 * argc, sizeof up)) < 0)
            goto out;
        if (!up)
            break;
        if (argc == TQ_ARGS_MAX) {
            rc = -TQ_E2BIG;
            goto out;
        }
        if ((rc = copy_in_str(buf[argc], up, TQ_ARG_LEN_MAX)) < 0) {
            rc = rc == -TQ_ENAMETOOLONG ? -TQ_E2BIG : rc;
            goto out;
        }
        argv[argc] = buf[argc];
    }
    rc = proc_spawn(name, argc, argv, proc_current());
out:
    kfree(buf);
    return rc;
}

static int32_t sys_wait(uint32_t pid, uint32_t ustatus)
{
    int status;
    if (ustatus && writable(ustatus, sizeof status) < 0) /* a bad pointer fails before any waiting */
        return -TQ_EFAULT;
    int rc = proc_wait_child(proc_current(), (int32_t)pid, &status);
    if (rc < 0)
        return rc;
    if (ustatus && copy_out(ustatus, &status, sizeof status) < 0)
        return -TQ_EFAULT;
    return rc;
}

static int32_t sys_kill(uint32_t pid)
{
    struct proc *p = proc_by_pid(pid);
    if (!p || p->state != PROC_ALIVE)
        return -TQ_ESRCH;
    if (p != proc_current() && p->parent != proc_current())
        return -TQ_EPERM;
    return proc_kill(pid);
}

static int32_t sys_meminfo(uint32_t uout)
{
    struct frames_stats fs;
    struct kmem_stats ks;
    struct proc_stats ps;
    frames_get_stats(&fs);
    kmem_get_stats(&ks);
    proc_get_stats(&ps);
    struct tq_meminfo m = {(unsigned)fs.total, (unsigned)fs.free, (unsigned)ks.free, (unsigned)ks.used_blocks,
                           ps.processes};
    return copy_out(uout, &m, sizeof m);
}

static int32_t sys_thread_join(uint32_t tid, uint32_t uvalue)
{
    int value = 0;
    if (uvalue && writable(uvalue, sizeof value) < 0)
        return -TQ_EFAULT; /* (checked before waiting) */
    int rc = proc_thread_join(tid, &value);
    if (rc == 0 && uvalue && copy_out(uvalue, &value, sizeof value) < 0)
        return -TQ_EFAULT;
    return rc;
}

/* The process's mutex or semaphore h, for a call on it: each returns what
 * the kernel's own primitive says (its misuse reports included), in the
 * system calls' terms. */
static int32_t sys_mutex(uint32_t h, bool lock)
{
    struct mutex *m = proc_handle(PROC_MUTEX, h);
    if (!m)
        return -TQ_EBADF;
    int rc = lock ? mutex_lock(m) : mutex_unlock(m);
    return rc == SYNC_OK ? 0 : lock ? -TQ_EDEADLK : -TQ_EPERM; /* (it holds it already; it does not hold it) */
}

static int32_t sys_sem(uint32_t h, bool down)
{
    struct semaphore *sm = proc_handle(PROC_SEM, h);
    if (!sm)
        return -TQ_EBADF;
    if (!down) /* (refused at its maximum count, INT_MAX: it says so) */
        return sem_up(sm) == SYNC_OK ? 0 : -TQ_EOVERFLOW;
    return sem_down(sm) == SYNC_OK ? 0 : -TQ_EINVAL;
}

/* cond_wait(c, m): m must be the caller's; the kernel's cond_wait reports
 * (and refuses) a wait without holding it. */
static int32_t sys_cond(uint32_t h, uint32_t mh, uint32_t op)
{
    struct cond *c = proc_handle(PROC_COND, h);
    struct mutex *m = op == TQ_COND_WAIT ? proc_handle(PROC_MUTEX, mh) : NULL;
    if (!c || (op == TQ_COND_WAIT && !m) || op > TQ_COND_BROADCAST)
        return op > TQ_COND_BROADCAST ? -TQ_EINVAL : -TQ_EBADF;
    if (op == TQ_COND_SIGNAL)
        cond_signal(c);
    else if (op == TQ_COND_BROADCAST)
        cond_broadcast(c);
    else if (cond_wait(c, m) != SYNC_OK)
        return -TQ_EPERM;
    return 0;
}

static int32_t sys_barrier_wait(uint32_t h)
{
    struct barrier *b = proc_handle(PROC_BARRIER, h);
    if (!b)
        return -TQ_EBADF;
    int rc = barrier_wait_serial(b);
    return rc == SYNC_BARRIER_SERIAL ? 1 : rc == SYNC_OK ? 0 : -TQ_EINVAL;
}

/* mq_send and mq_receive: a message is its length and TQ_MQ_MSG_MAX bytes
 * in the kernel's queue, copied from and to the caller. */
static int32_t sys_mq(uint32_t h, uint32_t ubuf, uint32_t n, uint32_t flags, bool sending)
{
    struct mailbox *mb = proc_handle(PROC_MQ, h);
    if (!mb)
        return -TQ_EBADF;
    if (flags & ~(uint32_t)TQ_MQ_NONBLOCK || (sending ? n > TQ_MQ_MSG_MAX : n < TQ_MQ_MSG_MAX))
        return -TQ_EINVAL; /* (a receive's buffer must hold the longest message) */
    struct {
        uint32_t len;
        uint8_t bytes[TQ_MQ_MSG_MAX];
    } m = {n, {0}};
    if (sending && copy_in(m.bytes, ubuf, n) < 0)
        return -TQ_EFAULT;
    if (!sending && writable(ubuf, TQ_MQ_MSG_MAX) < 0) /* (a bad buffer fails before any wait) */
        return -TQ_EFAULT;
    bool nb = flags & TQ_MQ_NONBLOCK;
    int rc = sending ? (nb ? mbox_try_send_msg : mbox_send_msg)(mb, &m, sizeof m)
                     : (nb ? mbox_try_recv_msg : mbox_recv_msg)(mb, &m, sizeof m);
    if (rc == SYNC_WOULD_BLOCK)
        return -TQ_EAGAIN;
    if (rc != SYNC_OK)
        return -TQ_EINVAL;
    if (sending)
        return 0;
    return copy_out(ubuf, m.bytes, m.len) < 0 ? -TQ_EFAULT : (int32_t)m.len;
}

int32_t syscall_dispatch(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
    (void)a5;
    switch (nr) {
    case TQ_SYS_EXIT:
        return sys_exit(a1);
    case TQ_SYS_WRITE:
        return sys_write(a1, a2, a3);
    case TQ_SYS_GETPID:
        return (int32_t)proc_current()->pid;
    case TQ_SYS_YIELD:
        task_yield();
        return 0;
    case TQ_SYS_SLEEP:
        return sys_sleep(a1);
    case TQ_SYS_SPAWN:
        return sys_spawn(a1, a2);
    case TQ_SYS_WAIT:
        return sys_wait(a1, a2);
    case TQ_SYS_KILL:
        return sys_kill(a1);
    case TQ_SYS_TICKS:
        return (int32_t)sched_ticks();
    case TQ_SYS_MEMINFO:
        return sys_meminfo(a1);
    case TQ_SYS_THREAD_CREATE:
        return proc_thread_create(a1, a2, a3);
    case TQ_SYS_THREAD_EXIT:
        proc_thread_exit((int)a1);
    case TQ_SYS_THREAD_JOIN:
        return sys_thread_join(a1, a2);
    case TQ_SYS_MUTEX_CREATE:
        return proc_handle_new(PROC_MUTEX, 0);
    case TQ_SYS_MUTEX_LOCK:
        return sys_mutex(a1, true);
    case TQ_SYS_MUTEX_UNLOCK:
        return sys_mutex(a1, false);
    case TQ_SYS_SEM_CREATE:
        return a1 > INT32_MAX ? -TQ_EINVAL : proc_handle_new(PROC_SEM, a1);
    case TQ_SYS_SEM_DOWN:
        return sys_sem(a1, true);
    case TQ_SYS_SEM_UP:
        return sys_sem(a1, false);
    case TQ_SYS_COND_CREATE:
        return proc_handle_new(PROC_COND, 0);
    case TQ_SYS_COND:
        return sys_cond(a1, a2, a3);
    case TQ_SYS_BARRIER_CREATE:
        return a1 == 0 || a1 > 1000 ? -TQ_EINVAL : proc_handle_new(PROC_BARRIER, a1);
    case TQ_SYS_BARRIER_WAIT:
        return sys_barrier_wait(a1);
    case TQ_SYS_SHM_MAP:
        return proc_shm_map(a1, a2);
    case TQ_SYS_SEM_OPEN:
        return proc_sem_open(a1, a2);
    case TQ_SYS_MQ_OPEN:
        return proc_mq_open(a1);
    case TQ_SYS_MQ_SEND:
        return sys_mq(a1, a2, a3, a4, true);
    case TQ_SYS_MQ_RECEIVE:
        return sys_mq(a1, a2, a3, a4, false);
    default:
        return -TQ_ENOSYS;
    }
}
