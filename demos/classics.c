/*
 * classics.c - readers-writers, the sleeping barber, and barriers.
 *
 * run=readers-writers  3 readers and 2 writers share a "database" of 8
 *                      words. A writer fills every word with one new value,
 *                      one word at a time (preemption points in between);
 *                      a reader reads every word the same way, pausing a
 *                      tick halfway (so readers overlap). Checks: no
 *                      reader ever sees a mix of two writes (torn read), a
 *                      writer is always alone, readers do read at the same
 *                      time, and no reader gets in ahead of a writer that
 *                      was already waiting (so writers do not starve).
 *                      Twice: through the kernel's readers-writers lock,
 *                      then through the course's solution written with
 *                      the public API (a monitor: a mutex and two
 *                      condition variables, writers first).
 * run=barber           the sleeping barber: one barber, CHAIRS waiting
 *                      chairs, customers who leave when every chair is
 *                      taken. They come in bursts of six while a haircut
 *                      takes a tick. Checks: never more than CHAIRS waiting,
 *                      some customers turned away, and every customer served
 *                      or turned away, exactly once.
 * run=barrier          4 tasks, 5 phases: nobody starts phase p+1 before all
 *                      have finished phase p, and the barrier serves every
 *                      phase, reused. Then 4 tasks wait on a condition
 *                      variable: cond_signal lets one through, cond_broadcast
 *                      the rest.
 */
#include "demo.h"
#include "demo_util.h"
#include "demos.h"

/* ---- readers and writers ------------------------------------------------ */

#define WORDS 8
#define READERS 3
#define WRITERS 2
#define ROUNDS 15

static struct rwlock db_lock;
static volatile uint32_t db[WORDS];
static volatile unsigned reading, writing, max_reading, torn, writer_not_alone, reads_done, writes_done;
static volatile unsigned overtook; /* readers that got in ahead of a writer already waiting */

/* Readers run together, on several CPUs at the same moment: the demo's own
 * counts must not race, or they would report what the lock did not do. */
#define COUNT_UP(x) __atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define COUNT_DOWN(x) __atomic_sub_fetch(&(x), 1, __ATOMIC_SEQ_CST)

/* The database's guard, two ways: the kernel's readers-writers lock, and
 * the course's solution written against the public API. */
struct rw_guard {
    const char *name;
    void (*read_lock)(void), (*read_unlock)(void), (*write_lock)(void), (*write_unlock)(void);
    unsigned (*writers_waiting)(void); /* (read unlocked, before a reader asks: for the overtaking count) */
};
static const struct rw_guard *guard;

static void lock_read(void) { rw_read_lock(&db_lock); }
static void unlock_read(void) { rw_read_unlock(&db_lock); }
static void lock_write(void) { rw_write_lock(&db_lock); }
static void unlock_write(void) { rw_write_unlock(&db_lock); }
static unsigned lock_writers_waiting(void) { return db_lock.writers_waiting; }
static const struct rw_guard kernel_rwlock = {"readers-writers", lock_read, unlock_read, lock_write, unlock_write,
                                              lock_writers_waiting};

/* A monitor in front of the database: a mutex, a condition for readers and
 * one for writers, writers first (a reader waits while a writer writes or
 * one waits), so that writers do not starve. */
static struct mutex db_monitor;
static struct cond ok_to_read, ok_to_write;
static unsigned active_readers, waiting_writers;
static bool active_writer;

static void monitor_read_lock(void)
{
    /* LAB(classics) BEGIN: wait while a writer writes or one waits; then one reader more */
    mutex_lock(&db_monitor);
    while (active_writer || waiting_writers > 0)
        cond_wait(&ok_to_read, &db_monitor);
    active_readers++;
    mutex_unlock(&db_monitor);
    /* LAB(classics) STUB
    // TODO(lab): under db_monitor, wait on ok_to_read while a writer writes (active_writer) or
    // one waits (waiting_writers), then count this reader (active_readers)
    LAB(classics) END */
}

static void monitor_read_unlock(void)
{
    /* LAB(classics) BEGIN: one reader less; the last one lets a writer in */
    mutex_lock(&db_monitor);
    if (--active_readers == 0)
        cond_signal(&ok_to_write);
    mutex_unlock(&db_monitor);
    /* LAB(classics) STUB
    // TODO(lab): under db_monitor, one reader less; the last reader out wakes a writer (ok_to_write)
    LAB(classics) END */
}

static void monitor_write_lock(void)
{
    /* LAB(classics) BEGIN: say a writer waits; wait until nobody reads or writes; then write */
    mutex_lock(&db_monitor);
    waiting_writers++;
    while (active_writer || active_readers > 0)
        cond_wait(&ok_to_write, &db_monitor);
    waiting_writers--;
    active_writer = true;
    mutex_unlock(&db_monitor);
    /* LAB(classics) STUB
    // TODO(lab): under db_monitor, count a waiting writer (so that new readers hold back), wait
    // on ok_to_write while anyone reads or writes, then become the active writer
    LAB(classics) END */
}

static void monitor_write_unlock(void)
{
    /* LAB(classics) BEGIN: no writer now: wake the readers and a writer (writers first, as they check) */
    mutex_lock(&db_monitor);
    active_writer = false;
    cond_broadcast(&ok_to_read);
    cond_signal(&ok_to_write);
    mutex_unlock(&db_monitor);
    /* LAB(classics) STUB
    // TODO(lab): under db_monitor, no active writer any more: wake every reader (ok_to_read) and
    // a writer (ok_to_write); the conditions they wait on decide who goes
    LAB(classics) END */
}

static unsigned monitor_writers_waiting(void) { return __atomic_load_n(&waiting_writers, __ATOMIC_SEQ_CST); }
static const struct rw_guard course_monitor = {"readers-writers-monitor", monitor_read_lock, monitor_read_unlock,
                                               monitor_write_lock, monitor_write_unlock, monitor_writers_waiting};

static int reader(void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < ROUNDS; k++) {
        bool writer_waiting = guard->writers_waiting() > 0;
        unsigned writes_before = writes_done;
        guard->read_lock();
        if (writer_waiting && writes_done == writes_before)
            COUNT_UP(overtook);
        unsigned now = COUNT_UP(reading);
        for (unsigned m = max_reading; now > m && !__atomic_compare_exchange_n(&max_reading, &m, now, false,
                                                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);)
            ;
        if (writing)
            COUNT_UP(writer_not_alone);
        uint32_t first = db[0];
        for (unsigned w = 1; w < WORDS; w++) {
            preempt_here();
            if (w == WORDS / 2)
                task_sleep(1); /* a slow read: other readers come in meanwhile */
            if (db[w] != first)
                COUNT_UP(torn);
        }
        COUNT_DOWN(reading);
        COUNT_UP(reads_done);
        guard->read_unlock();
        preempt_here();
    }
    return 0;
}

static int writer(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < ROUNDS; k++) {
        guard->write_lock();
        if (COUNT_UP(writing) > 1 || reading)
            COUNT_UP(writer_not_alone);
        uint32_t value = (me + 1) * 1000 + k;
        for (unsigned w = 0; w < WORDS; w++) {
            db[w] = value;
            preempt_here();
        }
        COUNT_DOWN(writing);
        COUNT_UP(writes_done);
        guard->write_unlock();
        preempt_here();
    }
    return 0;
}

/* One case: the readers and writers through guard g, and its verdict. */
static int readers_writers_with(const struct rw_guard *g)
{
    guard = g;
    reading = writing = max_reading = torn = writer_not_alone = reads_done = writes_done = overtook = 0;
    struct task *r[READERS], *w[WRITERS];
    spawn(r, READERS, "reader", reader);
    spawn(w, WRITERS, "writer", writer);
    join_all(r, READERS);
    join_all(w, WRITERS);
    bool ok = torn == 0 && writer_not_alone == 0 && max_reading >= 2 && reads_done == READERS * ROUNDS &&
              writes_done == WRITERS * ROUNDS && overtook == 0;
    int failed = ktap_result(ok, g->name);
    kprintf("# reads=%u writes=%u torn_reads=%u writer_not_alone=%u max_concurrent_readers=%u "
            "readers_ahead_of_a_waiting_writer=%u\n",
            reads_done, writes_done, torn, writer_not_alone, max_reading, overtook);
    return failed;
}

int demo_readers_writers(void *arg)
{
    (void)arg;
    rw_init(&db_lock, "database");
    mutex_init(&db_monitor, "db-monitor");
    cond_init(&ok_to_read, "ok-to-read");
    cond_init(&ok_to_write, "ok-to-write");
    active_readers = waiting_writers = 0;
    active_writer = false;
    ktap_plan(2);
    int failed = readers_writers_with(&kernel_rwlock);
    failed += readers_writers_with(&course_monitor);
    return failed;
}

/* ---- the sleeping barber -------------------------------------------------------- */

#define CHAIRS 3
#define CUSTOMERS 12
#define BURST 6 /* customers arriving together: more than the chairs */

static struct semaphore customers_sem, barber_sem, chairs_mutex, seated, finished;
static volatile unsigned waiting, max_waiting, served, turned_away;
static volatile unsigned outcome[CUSTOMERS]; /* 1 served, 2 turned away; anything else is wrong */
static volatile int in_chair = -1;           /* who the barber is working on */
static volatile bool shop_open;

static int barber(void *arg)
{
    (void)arg;
    for (;;) {
        sem_down(&customers_sem); /* sleep until a customer arrives */
        if (!shop_open)
            return 0;
        sem_down(&chairs_mutex);
        waiting--;
        sem_up(&barber_sem);      /* one customer may sit in the barber's chair */
        sem_up(&chairs_mutex);
        sem_down(&seated);        /* the customer sits down... */
        task_sleep(1);            /* ...the haircut takes a while... */
        served++;
        sem_up(&finished);        /* ...done */
    }
}

static int customer(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    sem_down(&chairs_mutex);
    /* LAB(classics) BEGIN: sit only if a chair is free */
    bool sits = waiting < CHAIRS;
    /* LAB(classics) STUB
    bool sits = true; // TODO(lab): only if a chair is free (waiting, CHAIRS)
    LAB(classics) END */
    if (sits) {
        waiting++;
        if (waiting > max_waiting)
            max_waiting = waiting;
        sem_up(&customers_sem);   /* wake the barber if he sleeps */
        sem_up(&chairs_mutex);
        sem_down(&barber_sem);    /* wait for the barber */
        in_chair = (int)me;
        sem_up(&seated);
        sem_down(&finished);      /* until the haircut is over */
        outcome[me] += 1;
    } else {
        sem_up(&chairs_mutex);
        __atomic_add_fetch(&turned_away, 1, __ATOMIC_RELAXED); /* outside the chairs mutex: customers on several CPUs */
        outcome[me] += 2;         /* no chair: leave */
    }
    return 0;
}

int demo_barber(void *arg)
{
    (void)arg;
    sem_init(&customers_sem, "customers", 0);
    sem_init(&barber_sem, "barber", 0);
    sem_init(&chairs_mutex, "chairs", 1);
    sem_init(&seated, "seated", 0);
    sem_init(&finished, "finished", 0);
    waiting = max_waiting = served = turned_away = 0;
    shop_open = true;
    ktap_plan(1);
    struct task *b = task_create("barber", barber, NULL);
    struct task *c[CUSTOMERS];
    for (unsigned i = 0; i < CUSTOMERS; i++) {
        outcome[i] = 0;
        char name[TASK_NAME_MAX];
        ksnprintf(name, sizeof name, "customer%u", i);
        c[i] = task_create(name, customer, (void *)(uintptr_t)i);
        if (i % BURST == BURST - 1)
            task_sleep(10); /* bursts of six, while the barber is busy: some must leave */
    }
    join_all(c, CUSTOMERS);
    shop_open = false;
    sem_up(&customers_sem); /* the barber wakes to find the shop closed */
    task_join(b);
    unsigned once = 0;
    for (unsigned i = 0; i < CUSTOMERS; i++)
        once += outcome[i] == 1 || outcome[i] == 2;
    bool ok = max_waiting <= CHAIRS && served + turned_away == CUSTOMERS && once == CUSTOMERS && turned_away > 0;
    int failed = ktap_result(ok, "sleeping-barber");
    kprintf("# customers=%u served=%u turned_away=%u max_waiting=%u chairs=%u exactly_once=%u\n", CUSTOMERS, served,
            turned_away, max_waiting, CHAIRS, once);
    return failed;
}

/* ---- barriers ---------------------------------------------------------------------- */

#define PARTIES 4
#define PHASES 5

static struct barrier bar;
static volatile unsigned phase_of[PARTIES], ahead, phase_mismatch;
static volatile unsigned serials[PHASES]; /* tasks barrier_wait_serial told "serial", per phase */

static int phased(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (unsigned p = 0; p < PHASES; p++) {
        for (unsigned k = 0; k <= me; k++)
            preempt_here(); /* phases of different lengths */
        phase_of[me] = p;
        if (p % 2 == 0) { /* even phases: which phase ended; odd ones: who is the serial task */
            int done = barrier_wait(&bar);
            if ((unsigned)done != p)
                phase_mismatch++;
        } else if (barrier_wait_serial(&bar) == SYNC_BARRIER_SERIAL) {
            __atomic_add_fetch(&serials[p], 1, __ATOMIC_RELAXED);
        }
        /* Everyone has finished phase p: nobody may still be behind. */
        for (unsigned o = 0; o < PARTIES; o++)
            if (phase_of[o] < p)
                ahead++;
    }
    return 0;
}

/* cond_broadcast wakes every waiter; cond_signal one. */
static struct mutex gate_lock;
static struct cond gate;
static volatile bool gate_open;
static volatile unsigned through;

static int wait_at_gate(void *arg)
{
    (void)arg;
    mutex_lock(&gate_lock);
    while (!gate_open)
        cond_wait(&gate, &gate_lock);
    through++;
    mutex_unlock(&gate_lock);
    return 0;
}

static int broadcast_check(void)
{
    mutex_init(&gate_lock, "gate_lock");
    cond_init(&gate, "gate");
    gate_open = false;
    through = 0;
    struct task *t[PARTIES];
    spawn(t, PARTIES, "waiter", wait_at_gate);
    /* Until all four wait (on several CPUs that takes however long it
     * takes: count them, do not guess; a racy read, only to poll). */
    for (unsigned k = 0; k < 1000 && list_size(&gate.waiters) < PARTIES; k++)
        task_sleep(1);
    mutex_lock(&gate_lock);
    gate_open = true;
    cond_signal(&gate);
    mutex_unlock(&gate_lock);
    for (unsigned k = 0; k < 1000 && through == 0; k++) /* the one signalled gets through... */
        task_sleep(1);
    task_sleep(2); /* ...and nobody else does, however long we wait */
    unsigned after_signal = through;
    cond_broadcast(&gate);
    join_all(t, PARTIES);
    unsigned after_broadcast = through;
    int failed = ktap_result(after_signal == 1 && after_broadcast == PARTIES, "condition-broadcast");
    kprintf("# through_after_signal=%u through_after_broadcast=%u waiters=%u\n", after_signal, after_broadcast,
            PARTIES);
    return failed;
}

int demo_barrier(void *arg)
{
    (void)arg;
    barrier_init(&bar, "phase", PARTIES);
    ahead = phase_mismatch = 0;
    for (unsigned i = 0; i < PARTIES; i++)
        phase_of[i] = 0;
    for (unsigned p = 0; p < PHASES; p++)
        serials[p] = 0;
    ktap_plan(2);
    struct task *t[PARTIES];
    spawn(t, PARTIES, "worker", phased);
    join_all(t, PARTIES);
    bool one_serial = true; /* exactly one per odd phase */
    for (unsigned p = 1; p < PHASES; p += 2)
        one_serial &= serials[p] == 1;
    int failed = ktap_result(ahead == 0 && phase_mismatch == 0 && bar.phase == PHASES && one_serial, "barrier-phases");
    kprintf("# parties=%u phases=%u completed=%u left_behind=%u wrong_phase=%u serial_per_phase=%u,%u\n", PARTIES,
            PHASES, bar.phase, ahead, phase_mismatch, serials[1], serials[3]);
    return failed + broadcast_check();
}

/* run=NAME (kernel/demo.h) */
DEMOS({"readers-writers", demo_readers_writers, "readers-writers lock: no torn reads, writers alone"},
      {"barber", demo_barber, "the sleeping barber"},
      {"barrier", demo_barrier, "a reusable barrier, phase after phase"});
