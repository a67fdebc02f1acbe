/*
 * sync.h - synchronization: spinlocks, semaphores, mutexes, condition
 * variables, barriers, mailboxes and readers-writers locks.
 *
 * Layered as in the course and in Pintos's synch.c:
 *   spinlock   interrupts off (saved, so it nests), then the XCHG loop of the
 *              slides' enter_region (or the TSL variant, on LOCK BTS). On one
 *              CPU the loop never spins: with interrupts off, nobody else
 *              runs. Never sleep holding one.
 *   semaphore  Dijkstra's count + a FIFO queue of sleeping tasks (down/up).
 *   mutex      a binary semaphore with an owner: only the owner unlocks, the
 *              owner cannot lock it again, and under the prio policy it can
 *              lend the owner its waiters' priority (pi=on).
 *   cond       Mesa-style condition variable on a mutex: wait releases the
 *              mutex and sleeps atomically; a woken task re-checks.
 *   barrier    N parties, reusable phase after phase.
 *   mailbox    a bounded buffer of 32-bit messages: send/receive, blocking
 *              or not.
 *   rwlock     many readers or one writer; a waiting writer holds back new
 *              readers, so writers do not starve.
 * None of them knows the scheduling policy: they block and wake through the
 * core (sched_block, sched_make_ready).
 *
 * Misuse a student will commit - unlocking a mutex they do not own, locking
 * one twice, releasing a spinlock not held, sleeping with a spinlock held or
 * in an interrupt handler, destroying an object tasks wait on, passing a
 * NULL object pointer to any call, using an object never initialised (or
 * destroyed: each carries SYNC_MAGIC from its _init on) - is reported
 * in one line naming the object and the tasks; the call then does nothing
 * and returns SYNC_MISUSE, and the kernel goes on. A mutex_lock that would
 * close a cycle of tasks waiting for each other's mutexes is reported as
 * DEADLOCK with the cycle (the wait-for graph), and blocks as asked. Mutexes
 * and spinlocks taken in orders that could deadlock, even if this run did
 * not, are reported as LOCK ORDER (kernel/sync/lockdep.h).
 */
#ifndef KERNEL_SYNC_H
#define KERNEL_SYNC_H

#include <arch/arch.h>
#include <stdbool.h>
#include <stdint.h>

#include "sync/klock.h"
#include "lib/list.h"

/* In every object from its _init until its destroy (Pintos marks its
 * threads the same way): a call on anything else is refused. */
#define SYNC_MAGIC 0x7c5e3a0bu

struct task;

/* Return codes of the calls that can fail. */
enum {
    SYNC_OK = 0,
    SYNC_MISUSE = -1, /* reported on the console; nothing was done */
    SYNC_WOULD_BLOCK = -2, /* try_ variants: the object was not available */
    SYNC_TIMEOUT = -3,     /* _timeout variants: the deadline passed first */
    SYNC_BARRIER_SERIAL = 1, /* barrier_wait_serial: the one task of its phase told so */
};

/* ---- Spinlocks ---------------------------------------------------------- */

/* How the lock word is taken; each spins differently while another CPU
 * holds the lock (on one CPU, none ever spins: see spinlock.c). */
enum spin_kind {
    SPIN_XCHG,   /* the slides' enter_region: XCHG 1 into the word until a 0 comes back */
    SPIN_TSL,    /* TSL, x86's LOCK BTS: set bit 0 until it was clear */
    SPIN_TTAS,   /* test-and-test-and-set: read (with PAUSE) until free, then one XCHG */
    SPIN_TICKET, /* a ticket lock: first come, first served (fair) */
};

struct spinlock {
    volatile uint32_t locked;        /* XCHG, TTAS: 0 free, 1 held; TSL: bit 0 */
    volatile uint16_t next, serving; /* SPIN_TICKET: the next ticket, the one served */
    enum spin_kind kind;
    const char *name;
    struct task *volatile owner;     /* the holder, for reports */
    uint32_t acquisitions;           /* times it was taken */
    uint64_t spins;                  /* loop iterations its takers waited, in all */
    uint32_t magic;       /* SYNC_MAGIC once initialised, 0 before and after destroy */
};

void spin_init(struct spinlock *l, const char *name, enum spin_kind kind);
/* Disable interrupts, then take the lock, spinning while another CPU holds
 * it. Taking a lock the caller already holds, or one held by a task that is
 * not running (it went to sleep holding it: nobody would release it), is
 * reported and refused (SYNC_MISUSE). Locks nest, in any order: interrupts
 * come back on (if they were on) when the task releases the last spinlock
 * it holds, as in xv6's pushcli/popcli. */
int spin_lock(struct spinlock *l);
/* Release. Releasing a lock the caller does not hold is reported and
 * ignored (SYNC_MISUSE). */
int spin_unlock(struct spinlock *l);

/* ---- Semaphores ------------------------------------------------------- */

struct semaphore {
    struct klock lock;    /* guards count and waiters */
    int count;            /* free units; >= 0 */
    struct list waiters;  /* tasks sleeping in sem_down, FIFO */
    const char *name;
    uint32_t magic;       /* SYNC_MAGIC once initialised, 0 before and after destroy */
};

void sem_init(struct semaphore *s, const char *name, int value);
/* Dijkstra's down (P): take a unit, sleeping until there is one. May sleep. */
int sem_down(struct semaphore *s);
/* The same, waiting at most `ticks` timer ticks: SYNC_OK, or SYNC_TIMEOUT
 * (0 ticks: no wait at all). Every _timeout call below works this way: at
 * its deadline the task leaves the object's queue and the call returns
 * SYNC_TIMEOUT, having taken nothing. */
int sem_down_timeout(struct semaphore *s, uint32_t ticks);
/* Take a unit if there is one: SYNC_OK, or SYNC_WOULD_BLOCK. Never sleeps. */
int sem_try_down(struct semaphore *s);
/* Dijkstra's up (V): give a unit back, waking the longest waiter (under
 * prio with pi=on, the most urgent: see waitq_urgent_first). Callable
 * from interrupt handlers. SYNC_OK; at INT_MAX units, refused with a
 * MISUSE line (one more would wrap to a negative count): SYNC_MISUSE. */
int sem_up(struct semaphore *s);
/* Forget the semaphore; refused (SYNC_MISUSE) while tasks wait on it. */
int sem_destroy(struct semaphore *s);

/* ---- Mutexes ------------------------------------------------------------ */

/* Every mutex is guarded by the scheduler lock (sched_klock): priority
 * inheritance and the wait-for graph read and change other tasks' state. */
struct mutex {
    struct task *owner;   /* NULL when free */
    struct list waiters;  /* tasks sleeping in mutex_lock, FIFO */
    const char *name;
    struct list_node held_node; /* on the owner's list of held mutexes (priority inheritance) */
    uint32_t magic;       /* SYNC_MAGIC once initialised, 0 before and after destroy */
};

void mutex_init(struct mutex *m, const char *name);
/* Lock, sleeping while another task owns it. May sleep. */
int mutex_lock(struct mutex *m);
/* Lock, waiting at most `ticks`: SYNC_OK, or SYNC_TIMEOUT (see sem_down_timeout). */
int mutex_lock_timeout(struct mutex *m, uint32_t ticks);
int mutex_trylock(struct mutex *m);
/* Unlock; the longest waiter becomes the owner. Only the owner may. */
int mutex_unlock(struct mutex *m);
int mutex_destroy(struct mutex *m);
/* Does the calling task own m? (For assertions: "I must hold it here".)
 * A NULL or uninitialised m is reported and gives false. */
bool mutex_held_by_me(struct mutex *m);

/* The slides' mutex: TSL in a loop, and task_yield while it is taken. No
 * queue, no owner, no fairness: compare it with struct mutex. */
struct yield_mutex {
    volatile uint32_t flag;
};
void yield_mutex_lock(struct yield_mutex *m);
void yield_mutex_unlock(struct yield_mutex *m);

/* Priority inheritance for mutexes under the prio policy (pi=on|off). */
extern bool sync_priority_inheritance;

/* ---- Condition variables --------------------------------------------------- */

struct cond {
    struct klock lock;    /* guards waiters */
    struct list waiters;
    const char *name;
    uint32_t magic;       /* SYNC_MAGIC once initialised, 0 before and after destroy */
};

void cond_init(struct cond *c, const char *name);
/* Atomically unlock m and sleep; re-lock m before returning. Mesa semantics:
 * the condition may no longer hold when this returns - check it in a loop. */
int cond_wait(struct cond *c, struct mutex *m);
/* The same, waiting at most `ticks`: SYNC_OK, or SYNC_TIMEOUT with m held
 * again all the same (as pthread_cond_timedwait). */
int cond_wait_timeout(struct cond *c, struct mutex *m, uint32_t ticks);
void cond_signal(struct cond *c);    /* wake one waiter, if any */
void cond_broadcast(struct cond *c); /* wake them all */

/* ---- Barriers ------------------------------------------------------------- */

struct barrier {
    struct klock lock; /* guards arrived, phase and waiters */
    unsigned parties;  /* tasks that must arrive */
    unsigned arrived;  /* in the current phase */
    unsigned phase;    /* completed phases */
    struct list waiters;
    const char *name;
    uint32_t magic;       /* SYNC_MAGIC once initialised, 0 before and after destroy */
};

void barrier_init(struct barrier *b, const char *name, unsigned parties);
/* Wait until `parties` tasks have arrived; all are then released, and the
 * barrier is ready for the next phase. Returns the phase number that just
 * completed (from 0). May sleep. */
int barrier_wait(struct barrier *b);
/* The same, answered as POSIX's pthread_barrier_wait: SYNC_BARRIER_SERIAL
 * to exactly one task of each phase (the last to arrive, which may then do
 * the phase's serial work), 0 to the others. */
int barrier_wait_serial(struct barrier *b);

/* ---- Mailboxes ------------------------------------------------------------ */

struct mailbox {
    struct klock lock;    /* guards everything below but slots' address */
    uint8_t *slots;       /* capacity messages of `size` bytes, a ring */
    unsigned capacity, head, count;
    unsigned size;        /* bytes per message, declared at init */
    struct list senders, receivers; /* tasks sleeping on a full / empty box */
    const char *name;
    uint32_t magic;       /* SYNC_MAGIC once initialised, 0 before and after destroy */
};

/* A mailbox of `capacity` 32-bit messages stored in `slots` (the caller's
 * array). */
void mbox_init(struct mailbox *mb, const char *name, uint32_t *slots, unsigned capacity);
/* A mailbox of `capacity` messages of `size` bytes each, stored in `slots`
 * (the caller's, capacity * size bytes): a message is copied in at send
 * and out at receive. The _msg calls below move one; the 32-bit calls work
 * on a box of 4-byte messages. A call whose size is not the box's is
 * reported (MISUSE) and refused, as is a NULL message pointer. */
void mbox_init_sized(struct mailbox *mb, const char *name, void *slots, unsigned capacity, unsigned size);
int mbox_send_msg(struct mailbox *mb, const void *msg, unsigned size);
int mbox_recv_msg(struct mailbox *mb, void *msg, unsigned size);
/* The same, never sleeping: SYNC_WOULD_BLOCK when full (send) or empty (receive). */
int mbox_try_send_msg(struct mailbox *mb, const void *msg, unsigned size);
int mbox_try_recv_msg(struct mailbox *mb, void *msg, unsigned size);
/* Send, sleeping while the box is full. May sleep. */
int mbox_send(struct mailbox *mb, uint32_t msg);
/* Receive the oldest message, sleeping while the box is empty. May sleep. */
int mbox_recv(struct mailbox *mb, uint32_t *msg);
/* Never sleep: SYNC_WOULD_BLOCK when full (send) or empty (receive). */
int mbox_try_send(struct mailbox *mb, uint32_t msg);
int mbox_try_recv(struct mailbox *mb, uint32_t *msg);
/* Wait at most `ticks`: SYNC_OK, or SYNC_TIMEOUT (see sem_down_timeout). */
int mbox_send_timeout(struct mailbox *mb, uint32_t msg, uint32_t ticks);
int mbox_recv_timeout(struct mailbox *mb, uint32_t *msg, uint32_t ticks);

/* ---- Readers-writers locks ---------------------------------------------------- */

struct rwlock {
    struct klock lock;       /* guards everything below */
    unsigned readers;        /* tasks reading now */
    struct task *writer;     /* the task writing now, or NULL */
    unsigned writers_waiting;
    struct list waiters;     /* readers and writers, FIFO */
    const char *name;
    uint32_t magic;       /* SYNC_MAGIC once initialised, 0 before and after destroy */
};

void rw_init(struct rwlock *rw, const char *name);
int rw_read_lock(struct rwlock *rw);
void rw_read_unlock(struct rwlock *rw);
int rw_write_lock(struct rwlock *rw);
void rw_write_unlock(struct rwlock *rw);

/* ---- Reports ------------------------------------------------------------------ */

/* How many misuse and deadlock reports have been printed since boot. */
struct sync_stats {
    unsigned misuse;
    unsigned deadlocks;
    unsigned lock_orders; /* LOCK ORDER reports (kernel/sync/lockdep.h) */
};
void sync_get_stats(struct sync_stats *out);

#endif /* KERNEL_SYNC_H */
