/*
 * test_sync.c - the synchronization primitives' logic that needs no real
 * switch: interrupt state around spinlocks, the non-blocking calls and their
 * codes, the mailbox ring, and the misuse reports. (Blocking, wakeups and
 * the deadlock detector run in QEMU: run=race, prodcons, misuse...)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "input.h"
#include "lib/kmem.h"
#include "sched/sched.h"
#include "sync/sync.h"
#include "sync/sync_internal.h"
#include "sched/task.h"

extern const struct sched_policy sched_rr;
static _Alignas(16) uint8_t heap[256 * 1024];
static _Alignas(16) uint8_t idle_stack[4096];
static struct task *a, *b;

static int nothing(void *arg)
{
    (void)arg;
    return 0;
}

/* A on the CPU, B ready. */
static int setup(void **state)
{
    (void)state;
    fake_reset();
    kmem_init(heap, sizeof heap);
    sched_init(&sched_rr, task_init_idle(idle_stack, sizeof idle_stack));
    a = task_create("A", nothing, NULL);
    b = task_create("B", nothing, NULL);
    fake_console_reset();
    return 0;
}

static void test_spinlock_disables_and_restores_interrupts(void **state)
{
    (void)state;
    struct spinlock x, t;
    spin_init(&x, "x", SPIN_XCHG);
    spin_init(&t, "t", SPIN_TSL);
    assert_true(fake_irq_enabled);
    assert_int_equal(spin_lock(&x), SYNC_OK);
    assert_false(fake_irq_enabled);
    assert_int_equal(spin_lock(&t), SYNC_OK); /* nested */
    assert_int_equal(a->spinlocks_held, 2);
    assert_ptr_equal(t.owner, a);
    assert_int_equal(spin_unlock(&t), SYNC_OK);
    assert_false(fake_irq_enabled); /* x is still held */
    assert_int_equal(spin_unlock(&x), SYNC_OK);
    assert_true(fake_irq_enabled);
    assert_int_equal(a->spinlocks_held, 0);
    assert_int_equal(x.locked, 0);
    assert_int_equal(t.locked, 0);
}

/* Released out of order: interrupts stay off until the last one goes. */
static void test_spinlocks_released_out_of_order(void **state)
{
    (void)state;
    struct spinlock x, t;
    spin_init(&x, "x", SPIN_XCHG);
    spin_init(&t, "t", SPIN_TSL);
    spin_lock(&x);
    spin_lock(&t);
    assert_int_equal(spin_unlock(&x), SYNC_OK); /* the outer one first */
    assert_false(fake_irq_enabled);             /* t is still held */
    assert_int_equal(spin_unlock(&t), SYNC_OK);
    assert_true(fake_irq_enabled);              /* as before the first lock */
    /* And with interrupts off to begin with, they stay off. */
    fake_irq_enabled = false;
    spin_lock(&x);
    spin_unlock(&x);
    assert_false(fake_irq_enabled);
    fake_irq_enabled = true;
}

static void test_negative_semaphore_is_refused(void **state)
{
    (void)state;
    struct semaphore s;
    sem_init(&s, "neg", -1);
    assert_int_equal(s.count, 0);
    assert_non_null(strstr(fake_console, "MISUSE: sem_init(neg) by 'A': a semaphore cannot start at -1"));
    assert_int_equal(sem_try_down(&s), SYNC_WOULD_BLOCK);
}

static void test_spinlock_misuse(void **state)
{
    (void)state;
    struct spinlock x;
    spin_init(&x, "x", SPIN_XCHG);
    assert_int_equal(spin_unlock(&x), SYNC_MISUSE);
    assert_string_equal(fake_console, "MISUSE: spin_unlock(x) by 'A': it is not held; ignored\n");
    spin_lock(&x);
    fake_console_reset();
    assert_int_equal(spin_lock(&x), SYNC_MISUSE);
    assert_non_null(strstr(fake_console, "MISUSE: spin_lock(x) by 'A': already holds it"));
    assert_int_equal(a->spinlocks_held, 1); /* the refused lock counted nothing */
    spin_unlock(&x);
    assert_true(fake_irq_enabled);
}

static void test_semaphore_counts(void **state)
{
    (void)state;
    struct semaphore s;
    sem_init(&s, "s", 2);
    assert_int_equal(sem_down(&s), SYNC_OK); /* no need to sleep */
    assert_int_equal(sem_try_down(&s), SYNC_OK);
    assert_int_equal(sem_try_down(&s), SYNC_WOULD_BLOCK);
    assert_int_equal(s.count, 0);
    sem_up(&s);
    assert_int_equal(s.count, 1);
    assert_int_equal(sem_destroy(&s), SYNC_OK);
}

static void test_no_sleeping_with_a_spinlock(void **state)
{
    (void)state;
    struct semaphore s;
    struct spinlock l;
    sem_init(&s, "s", 0);
    spin_init(&l, "l", SPIN_XCHG);
    spin_lock(&l);
    assert_int_equal(sem_down(&s), SYNC_MISUSE);
    assert_non_null(strstr(fake_console, "MISUSE: sem_down(s) by 'A': would sleep while holding 1 spinlock(s)"));
    spin_unlock(&l);
    assert_ptr_equal(task_current(), a); /* nobody switched */
}

/* task_yield checks before it switches, and puts interrupts back as they
 * were either way: refused holding a spinlock (they stay off, as the lock
 * left them), a switch without one (they come back on). */
static void test_task_yield_refused_holding_a_spinlock(void **state)
{
    (void)state;
    struct spinlock l;
    spin_init(&l, "l", SPIN_XCHG);
    spin_lock(&l);
    task_yield();
    assert_non_null(strstr(fake_console, "MISUSE: task_yield(A) by 'A': would sleep while holding 1 spinlock(s)"));
    assert_ptr_equal(task_current(), a); /* nobody switched */
    assert_false(fake_irq_enabled);      /* l is still held */
    spin_unlock(&l);
    assert_true(fake_irq_enabled);
    task_yield();
    assert_ptr_equal(task_current(), b);
    assert_true(fake_irq_enabled);
}

static void test_mutex_owner_rules(void **state)
{
    (void)state;
    struct mutex m;
    mutex_init(&m, "m");
    assert_int_equal(mutex_trylock(&m), SYNC_OK);
    assert_ptr_equal(m.owner, a);
    assert_int_equal(mutex_lock(&m), SYNC_MISUSE); /* A holds it */
    task_yield();                                   /* B runs now */
    assert_ptr_equal(task_current(), b);
    assert_int_equal(mutex_trylock(&m), SYNC_WOULD_BLOCK);
    fake_console_reset();
    assert_int_equal(mutex_unlock(&m), SYNC_MISUSE);
    assert_string_equal(fake_console, "MISUSE: mutex_unlock(m) by 'B': it is owned by 'A'; only the owner may "
                                      "unlock it; ignored\n");
    assert_int_equal(mutex_destroy(&m), SYNC_MISUSE); /* still locked */
    task_yield(); /* back to A */
    assert_int_equal(mutex_unlock(&m), SYNC_OK);
    assert_null(m.owner);
    assert_true(list_empty(&a->held_mutexes));
    assert_int_equal(mutex_unlock(&m), SYNC_MISUSE); /* not locked */
    assert_int_equal(mutex_destroy(&m), SYNC_OK);
}

static void test_mailbox_ring(void **state)
{
    (void)state;
    struct mailbox mb;
    uint32_t slots[3], msg = 0;
    mbox_init(&mb, "mb", slots, 3);
    assert_int_equal(mbox_try_recv(&mb, &msg), SYNC_WOULD_BLOCK);
    for (uint32_t round = 0; round < 4; round++) { /* wraps around the ring */
        for (uint32_t i = 0; i < 3; i++)
            assert_int_equal(mbox_try_send(&mb, round * 10 + i), SYNC_OK);
        assert_int_equal(mbox_try_send(&mb, 99), SYNC_WOULD_BLOCK);
        for (uint32_t i = 0; i < 3; i++) {
            assert_int_equal(mbox_recv(&mb, &msg), SYNC_OK); /* has messages: does not sleep */
            assert_int_equal(msg, round * 10 + i);            /* FIFO */
        }
        assert_int_equal(mbox_try_recv(&mb, &msg), SYNC_WOULD_BLOCK);
    }
}

/* Messages of a declared size: copied in and out whole, in order; a size
 * that is not the box's, or a NULL message, is refused. */
static void test_mailbox_of_sized_messages(void **state)
{
    (void)state;
    struct note {
        char text[10];
        int n;
    } slots[2], a = {"bonjour", 1}, b = {"au revoir", 2}, got;
    struct mailbox mb;
    mbox_init_sized(&mb, "notes", slots, 2, sizeof(struct note));
    assert_int_equal(mbox_send_msg(&mb, &a, sizeof a), SYNC_OK);
    assert_int_equal(mbox_send_msg(&mb, &b, sizeof b), SYNC_OK);
    a.n = 99; /* copied at send: the box keeps what was sent */
    assert_int_equal(mbox_recv_msg(&mb, &got, sizeof got), SYNC_OK);
    assert_string_equal(got.text, "bonjour");
    assert_int_equal(got.n, 1);
    assert_int_equal(mbox_recv_msg(&mb, &got, sizeof got), SYNC_OK);
    assert_string_equal(got.text, "au revoir");
    fake_console_reset();
    assert_int_equal(mbox_send_msg(&mb, &a, 4), SYNC_MISUSE);
    assert_non_null(strstr(fake_console, "a message of 4 bytes, but this mailbox carries messages of 16 bytes"));
    assert_int_equal(mbox_try_send(&mb, 7), SYNC_MISUSE); /* a 32-bit call on a box of notes */
    assert_int_equal(mbox_recv_msg(&mb, NULL, sizeof got), SYNC_MISUSE);
    assert_int_equal(mb.count, 0);
}

static void test_barrier_of_one_and_phases(void **state)
{
    (void)state;
    struct barrier bar;
    barrier_init(&bar, "bar", 1);
    assert_int_equal(barrier_wait(&bar), 0);
    assert_int_equal(barrier_wait(&bar), 1);
    assert_int_equal(barrier_wait_serial(&bar), SYNC_BARRIER_SERIAL); /* alone: always the last */
    assert_int_equal(bar.phase, 3);
    assert_int_equal(bar.arrived, 0);
}

static void test_rwlock_readers_and_misuse(void **state)
{
    (void)state;
    struct rwlock rw;
    rw_init(&rw, "rw");
    assert_int_equal(rw_read_lock(&rw), SYNC_OK);
    assert_int_equal(rw_read_lock(&rw), SYNC_OK); /* readers share it */
    assert_int_equal(rw.readers, 2);
    rw_read_unlock(&rw);
    rw_read_unlock(&rw);
    fake_console_reset();
    rw_read_unlock(&rw);
    assert_non_null(strstr(fake_console, "MISUSE: rw_read_unlock(rw) by 'A': nobody holds it to read"));
    assert_int_equal(rw_write_lock(&rw), SYNC_OK);
    assert_ptr_equal(rw.writer, a);
    assert_int_equal(rw_write_lock(&rw), SYNC_MISUSE);
    assert_int_equal(rw_read_lock(&rw), SYNC_MISUSE); /* a writer reading its own lock */
    rw_write_unlock(&rw);
    assert_null(rw.writer);
}

static void test_cond_requires_the_mutex(void **state)
{
    (void)state;
    struct cond c;
    struct mutex m;
    cond_init(&c, "c");
    mutex_init(&m, "m");
    cond_signal(&c); /* nobody waits: nothing happens */
    cond_broadcast(&c);
    assert_int_equal(cond_wait(&c, &m), SYNC_MISUSE);
    assert_string_equal(fake_console, "MISUSE: cond_wait(c) by 'A': the caller does not hold mutex 'm'; refused\n");
}

static void test_misuse_is_counted(void **state)
{
    (void)state;
    struct sync_stats before, after;
    sync_get_stats(&before);
    struct spinlock l;
    spin_init(&l, "l", SPIN_XCHG);
    spin_unlock(&l);
    spin_unlock(&l);
    sync_get_stats(&after);
    assert_int_equal(after.misuse, before.misuse + 2);
}

/* NULL objects: every public call reports it and refuses, without
 * touching address 0 (which the kernel could write: no paging). */
static void test_null_objects_are_refused(void **state)
{
    (void)state;
    struct sync_stats before, after;
    sync_get_stats(&before);
    assert_int_equal(sem_down(NULL), SYNC_MISUSE);
    assert_int_equal(sem_try_down(NULL), SYNC_MISUSE);
    sem_up(NULL);
    assert_int_equal(mutex_lock(NULL), SYNC_MISUSE);
    assert_int_equal(mutex_unlock(NULL), SYNC_MISUSE);
    assert_int_equal(cond_wait(NULL, NULL), SYNC_MISUSE);
    cond_signal(NULL);
    assert_int_equal(barrier_wait(NULL), SYNC_MISUSE);
    assert_int_equal(mbox_send(NULL, 1), SYNC_MISUSE);
    assert_int_equal(rw_read_lock(NULL), SYNC_MISUSE);
    assert_int_equal(spin_lock(NULL), SYNC_MISUSE);
    sync_get_stats(&after);
    assert_int_equal(after.misuse, before.misuse + 11);
    assert_non_null(strstr(fake_console, "MISUSE: sem_up(NULL) by 'A': the object pointer is NULL"));
    assert_true(arch_irq_enabled()); /* refused before any lock was taken */
}

/* An object never initialised, or destroyed, carries no SYNC_MAGIC: every
 * call on it is reported and refused (Pintos checks its threads so). */
static void test_uninitialised_and_destroyed_objects_are_refused(void **state)
{
    (void)state;
    struct semaphore s;
    memset(&s, 0, sizeof s);
    struct mutex m;
    memset(&m, 0, sizeof m);
    assert_int_equal(sem_down(&s), SYNC_MISUSE);
    assert_int_equal(mutex_lock(&m), SYNC_MISUSE);
    assert_non_null(strstr(fake_console, "was never initialised (or was destroyed): call its _init first; refused"));
    sem_init(&s, "s", 1);
    assert_int_equal(sem_down(&s), SYNC_OK);
    assert_int_equal(sem_destroy(&s), SYNC_OK);
    struct sync_stats before, after;
    sync_get_stats(&before);
    sem_up(&s); /* destroyed */
    sync_get_stats(&after);
    assert_int_equal(after.misuse, before.misuse + 1);
    assert_int_equal(s.count, 0);
}

/* One more unit at INT_MAX would wrap to a negative count: refused. */
static void test_semaphore_at_its_maximum_refuses_up(void **state)
{
    (void)state;
    struct semaphore s;
    sem_init(&s, "full", 2147483647);
    sem_up(&s);
    assert_int_equal(s.count, 2147483647);
    assert_non_null(strstr(fake_console, "MISUSE: sem_up(full) by 'A': the count is at its maximum (2147483647); refused"));
}

/* A negative sleep (through the unsigned parameter) returns at once. */
static void test_negative_sleep_returns_at_once(void **state)
{
    (void)state;
    unsigned switches = fake_switches;
    task_sleep((uint32_t)-100);
    assert_int_equal(fake_switches, switches);
    assert_ptr_equal(task_current(), a);
    assert_non_null(strstr(fake_console, "MISUSE: task_sleep(A) by 'A': -100 ticks is negative"));
}

/* Pintos' priority-sema, at the wait queue: under prio with inheritance
 * on, the most urgent waiter wakes first (FIFO among equals, and reading
 * the priority at the wakeup); under rr, or with pi=off, the longest
 * waiter. */
static void wake_order(const struct sched_policy *p, bool pi, const char *expect)
{
    sched_set_policy(p);
    sync_priority_inheritance = pi;
    static const char *const names[] = {"P5", "P1", "P3", "Q1"};
    static const uint32_t prios[] = {5, 1, 3, 1};
    struct list q;
    list_init(&q);
    struct task *t[4];
    for (unsigned i = 0; i < 4; i++) {
        t[i] = task_new(names[i], nothing, NULL);
        t[i]->priority = prios[i];
        t[i]->state = TASK_BLOCKED; /* as waitq_block would leave it */
        list_push_back(&q, &t[i]->wait_node);
    }
    char got[32] = "";
    for (unsigned i = 0; i < 4; i++) {
        struct task *w = waitq_wake_one(&q);
        assert_non_null(w);
        strcat(got, w->name);
        strcat(got, i < 3 ? " " : "");
    }
    assert_null(waitq_wake_one(&q));
    assert_string_equal(got, expect);
    sync_priority_inheritance = true;
}

static void test_wait_queues_wake_the_most_urgent_under_prio(void **state)
{
    (void)state;
    extern const struct sched_policy sched_prio;
    wake_order(&sched_prio, true, "P1 Q1 P3 P5");
}

static void test_wait_queues_are_fifo_otherwise(void **state)
{
    (void)state;
    extern const struct sched_policy sched_prio;
    wake_order(&sched_rr, true, "P5 P1 P3 Q1"); /* rr has no priorities */
    wake_order(&sched_prio, false, "P5 P1 P3 Q1");
}

/* The lock-order validator: one order, then its opposite, is one LOCK ORDER
 * line naming both tasks, even though the two never overlapped; the same
 * opposite order again says nothing new; a longer cycle is found through
 * the orders between; a consistent order, a trylock and a lock re-initialised
 * (its old orders forgotten) say nothing; spinlocks are followed too; and
 * with lockdep=off nothing is checked. */
static unsigned lock_orders(void)
{
    struct sync_stats st;
    sync_get_stats(&st);
    return st.lock_orders;
}

static void take_both(struct mutex *first, struct mutex *second)
{
    assert_int_equal(mutex_lock(first), SYNC_OK);
    assert_int_equal(mutex_lock(second), SYNC_OK);
    assert_int_equal(mutex_unlock(first), SYNC_OK); /* (out of order: allowed) */
    assert_int_equal(mutex_unlock(second), SYNC_OK);
}

static void test_lockdep_reports_opposite_orders_once(void **state)
{
    (void)state;
    lockdep_reset();
    struct mutex x, y, z;
    mutex_init(&x, "x");
    mutex_init(&y, "y");
    mutex_init(&z, "z");
    unsigned before = lock_orders();
    take_both(&x, &y); /* A: x then y */
    take_both(&x, &y);
    assert_int_equal(lock_orders(), before);
    assert_int_equal(a->nr_locks_held, 0);
    fake_console_reset();
    task_yield(); /* B runs now */
    assert_ptr_equal(task_current(), b);
    take_both(&y, &x);
    assert_int_equal(lock_orders(), before + 1);
    assert_non_null(strstr(fake_console, "LOCK ORDER: 'B' takes 'x' while holding 'y' (tick "));
    assert_non_null(strstr(fake_console, "but 'A' took 'y' while holding 'x' (tick "));
    assert_non_null(strstr(fake_console, ": run at the same time, each would wait for the other\n"));
    take_both(&y, &x);
    assert_int_equal(lock_orders(), before + 1); /* known now: said once */

    /* x -> y known; y -> z, then z -> x closes x -> y -> z -> x. */
    take_both(&y, &z);
    assert_int_equal(lock_orders(), before + 1); /* (y -> z closes nothing) */
    fake_console_reset();
    struct mutex w;
    mutex_init(&w, "w");
    take_both(&z, &w);
    assert_int_equal(lock_orders(), before + 1);
    take_both(&w, &x); /* w -> x, and x -> y -> z -> w */
    assert_int_equal(lock_orders(), before + 2);
    assert_non_null(strstr(fake_console, "'B' takes 'x' while holding 'w'"));
    assert_non_null(strstr(fake_console, "a cycle of 4 locks"));

    /* Re-initialised, x and y start afresh (y -> x alone is no cycle). A
     * trylock is not checked, since it cannot wait; but the lock it took
     * orders what is taken after it. */
    mutex_init(&x, "x");
    mutex_init(&y, "y");
    take_both(&y, &x);
    assert_int_equal(lock_orders(), before + 2);
    assert_int_equal(mutex_lock(&x), SYNC_OK);
    assert_int_equal(mutex_trylock(&y), SYNC_OK); /* x then y, but it could not have waited */
    assert_int_equal(mutex_unlock(&y), SYNC_OK);
    assert_int_equal(mutex_unlock(&x), SYNC_OK);
    assert_int_equal(lock_orders(), before + 2);
    assert_int_equal(mutex_trylock(&x), SYNC_OK);
    assert_int_equal(mutex_lock(&y), SYNC_OK); /* x -> y, against y -> x */
    assert_int_equal(mutex_unlock(&y), SYNC_OK);
    assert_int_equal(mutex_unlock(&x), SYNC_OK);
    assert_int_equal(lock_orders(), before + 3);
    assert_int_equal(b->nr_locks_held, 0);

    /* Spinlocks too; lockdep=off checks nothing. */
    struct spinlock p, q;
    spin_init(&p, "p", SPIN_XCHG);
    spin_init(&q, "q", SPIN_TTAS);
    spin_lock(&p), spin_lock(&q), spin_unlock(&q), spin_unlock(&p);
    spin_lock(&q), spin_lock(&p), spin_unlock(&p), spin_unlock(&q);
    assert_int_equal(lock_orders(), before + 4);
    lockdep_enabled = false;
    spin_init(&p, "p", SPIN_XCHG);
    spin_init(&q, "q", SPIN_TTAS);
    spin_lock(&p), spin_lock(&q), spin_unlock(&q), spin_unlock(&p);
    spin_lock(&q), spin_lock(&p), spin_unlock(&p), spin_unlock(&q);
    assert_int_equal(lock_orders(), before + 4);
    assert_int_equal(b->nr_locks_held, 0);
    lockdep_enabled = true;
}

/* mutex_held_by_me: true for the owner only; a NULL mutex is reported. */
static void test_mutex_held_by_me(void **state)
{
    (void)state;
    struct mutex m;
    mutex_init(&m, "m");
    assert_false(mutex_held_by_me(&m));
    assert_int_equal(mutex_lock(&m), SYNC_OK);
    assert_true(mutex_held_by_me(&m));
    task_yield(); /* B runs now: A owns m, not B */
    assert_ptr_equal(task_current(), b);
    assert_false(mutex_held_by_me(&m));
    fake_console_reset();
    assert_false(mutex_held_by_me(NULL));
    assert_non_null(strstr(fake_console, "MISUSE: mutex_held_by_me(NULL)"));
}

/* Keys that come while the input buffer is full are lost (the keyboard
 * cannot be paused, as the serial line is): the reader is told how many,
 * once, at its next character. */
static void test_keys_lost_to_a_full_input_buffer_are_told(void **state)
{
    (void)state;
    input_init();
    for (unsigned i = 0; i < INPUT_BUFFER + 5; i++)
        input_push((char)('a' + i % 26));
    assert_string_equal(fake_console, "");
    assert_int_equal(input_getc(), 'a');
    assert_non_null(strstr(fake_console, "input: 5 character(s) lost: they came while the 256-byte input buffer was full"));
    fake_console_reset();
    assert_int_equal(input_getc(), 'b');
    assert_string_equal(fake_console, ""); /* (told once) */
}

/* A full buffer pauses the serial line - unless a Ctrl-C is armed: it may
 * be behind what filled the buffer, so the line goes on (what does not fit
 * is lost), the Ctrl-C gets through and disarms, and the line waits again. */
static void test_an_armed_ctrl_c_gets_through_a_full_buffer(void **state)
{
    (void)state;
    input_init();
    for (unsigned i = 0; i < INPUT_BUFFER; i++) {
        assert_true(input_reserve());
        input_push('x');
    }
    assert_false(input_reserve()); /* unarmed: full, the line waits */
    unsigned resumes = fake_input_resumes;
    input_arm_interrupt(true);
    assert_int_equal(fake_input_resumes, resumes + 1); /* arming lets the paused line go again... */
    assert_true(input_reserve());                      /* ...and it reads on */
    input_push('y');              /* (no room: lost) */
    assert_true(input_reserve());
    input_push(INPUT_CTRL_C);
    input_wait_interrupt(); /* (its unit is there: returns at once) */
    assert_false(input_reserve()); /* the Ctrl-C disarmed: the line waits again */
    input_arm_interrupt(false);
    assert_int_equal(input_getc(), 'x');
    assert_non_null(strstr(fake_console, "input: 1 character(s) lost"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_null_objects_are_refused, setup),
        cmocka_unit_test_setup(test_keys_lost_to_a_full_input_buffer_are_told, setup),
        cmocka_unit_test_setup(test_an_armed_ctrl_c_gets_through_a_full_buffer, setup),
        cmocka_unit_test_setup(test_task_yield_refused_holding_a_spinlock, setup),
        cmocka_unit_test_setup(test_wait_queues_wake_the_most_urgent_under_prio, setup),
        cmocka_unit_test_setup(test_wait_queues_are_fifo_otherwise, setup),
        cmocka_unit_test_setup(test_semaphore_at_its_maximum_refuses_up, setup),
        cmocka_unit_test_setup(test_uninitialised_and_destroyed_objects_are_refused, setup),
        cmocka_unit_test_setup(test_lockdep_reports_opposite_orders_once, setup),
        cmocka_unit_test_setup(test_mutex_held_by_me, setup),
        cmocka_unit_test_setup(test_mailbox_of_sized_messages, setup),
        cmocka_unit_test_setup(test_negative_sleep_returns_at_once, setup),
        cmocka_unit_test_setup(test_spinlock_disables_and_restores_interrupts, setup),
        cmocka_unit_test_setup(test_spinlock_misuse, setup),
        cmocka_unit_test_setup(test_spinlocks_released_out_of_order, setup),
        cmocka_unit_test_setup(test_negative_semaphore_is_refused, setup),
        cmocka_unit_test_setup(test_semaphore_counts, setup),
        cmocka_unit_test_setup(test_no_sleeping_with_a_spinlock, setup),
        cmocka_unit_test_setup(test_mutex_owner_rules, setup),
        cmocka_unit_test_setup(test_mailbox_ring, setup),
        cmocka_unit_test_setup(test_barrier_of_one_and_phases, setup),
        cmocka_unit_test_setup(test_rwlock_readers_and_misuse, setup),
        cmocka_unit_test_setup(test_cond_requires_the_mutex, setup),
        cmocka_unit_test_setup(test_misuse_is_counted, setup),
    };
    return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
