/*
 * prodcons.c - the producer-consumer problem, three ways (run=prodcons).
 *
 *   sleep-wakeup  the course's first attempt: a count, sleep() when there is
 *                 nothing to do, wakeup() the other side. It works for a
 *                 while; then the consumer finds the buffer empty and is
 *                 preempted before it sleeps, the producer's wakeup finds
 *                 nobody asleep and is lost, and both end up asleep forever. The kernel notices that
 *                 nothing can run again and reports it (STALL).
 *   semaphores    Dijkstra's cure: mutex = 1, empty = N, full = 0, N = 100.
 *   condition     a monitor: one mutex and two condition variables,
 *   -variables    not_full and not_empty, waited on in `while` loops
 *                 (Mesa semantics: the condition is re-checked on waking).
 *   messages      the same with a mailbox of N messages.
 *
 * Both working versions prove that nothing is lost or duplicated: the
 * consumers count the items and checksum them, and must find exactly what
 * the producers counted and checksummed.
 */
#include "demo.h"
#include "demo_util.h"
#include "demos.h"

#define N 100          /* buffer slots, as in the slides */
#define PRODUCERS 2
#define CONSUMERS 2
#define ITEMS 600      /* per producer */
#define STOP 0xffffffffu /* sent to each consumer at the end */

static uint32_t buffer[N];
static unsigned in, out;

struct tally {
    uint32_t count, sum, mix; /* how many, their sum, a checksum that sees order-free content */
};
static struct tally produced[PRODUCERS], consumed[CONSUMERS];

static void tally(struct tally *t, uint32_t item)
{
    t->count++;
    t->sum += item;
    t->mix ^= item * 2654435761u; /* Knuth's multiplicative hash: duplicates and losses show */
}

static bool tallies_match(void)
{
    struct tally p = {0}, c = {0};
    for (unsigned i = 0; i < PRODUCERS; i++)
        p.count += produced[i].count, p.sum += produced[i].sum, p.mix ^= produced[i].mix;
    for (unsigned i = 0; i < CONSUMERS; i++)
        c.count += consumed[i].count, c.sum += consumed[i].sum, c.mix ^= consumed[i].mix;
    kprintf("# produced=%u consumed=%u sum_in=%u sum_out=%u mix_in=%08x mix_out=%08x\n", (unsigned)p.count,
            (unsigned)c.count, (unsigned)p.sum, (unsigned)c.sum, (unsigned)p.mix, (unsigned)c.mix);
    return p.count == PRODUCERS * ITEMS && p.count == c.count && p.sum == c.sum && p.mix == c.mix;
}

static uint32_t item_of(unsigned producer, unsigned k) { return (producer << 16) | k; }

/* ---- sleep and wakeup ------------------------------------------------------- */

#define SW_N 4 /* a small buffer fills quickly */
static volatile unsigned sw_count;
static struct task *sw_producer, *sw_consumer;
static volatile unsigned lost_wakeups, good_wakeups;
static volatile bool sw_stop;
static volatile bool consumer_between; /* between its test of count and its sleep */
static unsigned empties;               /* times the consumer found the buffer empty */

static int sw_produce(void *arg)
{
    (void)arg;
    while (!sw_stop) {
        if (sw_count == SW_N)
            task_suspend();          /* if (count == N) sleep() */
        if (sw_stop)
            break;
        sw_count++;                  /* insert_item(); count = count + 1 */
        if (sw_count == 1) {         /* if (count == 1) wakeup(consumer) */
            if (task_resume(sw_consumer))
                good_wakeups++;
            else if (consumer_between)
                lost_wakeups++;      /* it saw the buffer empty but is not asleep yet */
        }
        preempt_here();
    }
    return 0;
}

static int sw_consume(void *arg)
{
    (void)arg;
    while (!sw_stop) {
        while (sw_count > 0) {       /* take everything there is... */
            sw_count--;
            if (sw_count == SW_N - 1 && task_resume(sw_producer))
                good_wakeups++;      /* if (count == N - 1) wakeup(producer) */
        }
        if (sw_count == 0) {         /* ...so the buffer is empty: if (count == 0) */
            if (++empties % 3 == 0) { /* now and then (here: every third time)... */
                consumer_between = true;
                preempt_here();      /* ...preempted right here... */
                consumer_between = false;
            }
            task_suspend();          /* ...then sleep(): too late */
        }
    }
    return 0;
}

static int demo_sleep_wakeup(void)
{
    if (sched_ncpus() > 1) {
        ktap_skip("sleep-wakeup-lost", "shown on one CPU, where the preemption point makes it happen every "
                                       "time (boot with cpus=1)");
        return 0;
    }
    sw_count = 0;
    lost_wakeups = good_wakeups = empties = 0;
    sw_stop = false;
    sw_consumer = task_create("consumer", sw_consume, NULL);
    sw_producer = task_create("producer", sw_produce, NULL);
    /* Wait until nothing can run any more. */
    unsigned stuck = sched_wait_quiet();
    bool both_asleep = sw_producer->state == TASK_BLOCKED && sw_consumer->state == TASK_BLOCKED;
    /* Wakeups do work (some woke a sleeper) - until one comes while the
     * consumer is between its test and its sleep, and is lost. */
    int failed = ktap_result(stuck == 2 && both_asleep && lost_wakeups > 0 && good_wakeups > 0, "sleep-wakeup-lost");
    kprintf("# both_asleep=%d count=%u lost_wakeups=%u good_wakeups=%u stuck=%u\n", both_asleep, sw_count,
            lost_wakeups, good_wakeups, stuck);
    /* Let them go, so they can be joined. */
    sw_stop = true;
    task_resume(sw_producer);
    task_resume(sw_consumer);
    task_join(sw_producer);
    task_join(sw_consumer);
    return failed;
}

/* ---- three semaphores ----------------------------------------------------------- */

static struct semaphore mutex_sem, empty, full;

/* One item into the buffer: the producers' half, and the STOPs'. */
static void sem_put(uint32_t item)
{
    /* LAB(classics) BEGIN: a free slot, the buffer to ourselves; then one item more */
    sem_down(&empty);
    sem_down(&mutex_sem);
    buffer[in] = item;
    in = (in + 1) % N;
    sem_up(&mutex_sem);
    sem_up(&full);
    /* LAB(classics) STUB
    // TODO(lab): with the semaphores empty, full and mutex_sem: wait for a free slot,
    // then for the buffer to be yours
    buffer[in] = item;
    in = (in + 1) % N;
    // TODO(lab): give the buffer back, and say there is one more item
    LAB(classics) END */
}

/* One item out of it: the consumers' half. */
static uint32_t sem_get(void)
{
    /* LAB(classics) BEGIN: an item, the buffer to ourselves; then one free slot more */
    sem_down(&full);
    sem_down(&mutex_sem);
    uint32_t item = buffer[out];
    out = (out + 1) % N;
    sem_up(&mutex_sem);
    sem_up(&empty);
    /* LAB(classics) STUB
    // TODO(lab): wait for an item, then for the buffer to be yours
    uint32_t item = buffer[out];
    out = (out + 1) % N;
    // TODO(lab): give the buffer back, and say there is one more free slot
    LAB(classics) END */
    return item;
}

static int sem_produce(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < ITEMS; k++) {
        uint32_t item = item_of(me, k);
        sem_put(item);
        tally(&produced[me], item);
    }
    return 0;
}

static int sem_consume(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (;;) {
        uint32_t item = sem_get();
        if (item == STOP)
            return 0;
        tally(&consumed[me], item);
    }
}

/* Stop the consumers once the producers are done: one STOP each. */
static void send_stops_sem(void)
{
    for (unsigned i = 0; i < CONSUMERS; i++)
        sem_put(STOP);
}

/* ---- a monitor: mutex and condition variables ------------------------------------ */

static struct mutex monitor;
static struct cond not_full, not_empty;
static unsigned filled;
/* Under the monitor: signals sent, waits, and waits that returned with no
 * signal sent since they began. A waiter sleeps until it is signalled
 * (this kernel's condition variables have no spurious wakeups), so any of
 * those is a wait that did not wait: the monitor then spins through it. */
static unsigned cv_signals, cv_waits, cv_unsignalled;

static void monitor_wait(struct cond *c)
{
    unsigned before = cv_signals;
    cv_waits++;
    cond_wait(c, &monitor);
    cv_unsignalled += cv_signals == before;
}

static void monitor_put(uint32_t item)
{
    mutex_lock(&monitor);
    while (filled == N) /* while, not if: Mesa */
        monitor_wait(&not_full);
    buffer[in] = item;
    in = (in + 1) % N;
    filled++;
    cv_signals++;
    cond_signal(&not_empty);
    mutex_unlock(&monitor);
}

static uint32_t monitor_get(void)
{
    mutex_lock(&monitor);
    while (filled == 0)
        monitor_wait(&not_empty);
    uint32_t item = buffer[out];
    out = (out + 1) % N;
    filled--;
    cv_signals++;
    cond_signal(&not_full);
    mutex_unlock(&monitor);
    return item;
}

/* The monitor's own verdict, beside the tallies: every wait waited. */
static bool monitor_waited(void)
{
    kprintf("# waits=%u woken_without_a_signal=%u\n", cv_waits, cv_unsignalled);
    return cv_unsignalled == 0;
}

static int cv_produce(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < ITEMS; k++) {
        uint32_t item = item_of(me, k);
        monitor_put(item);
        tally(&produced[me], item);
    }
    return 0;
}

static int cv_consume(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (uint32_t item; (item = monitor_get()) != STOP;)
        tally(&consumed[me], item);
    return 0;
}

static void send_stops_cv(void)
{
    for (unsigned i = 0; i < CONSUMERS; i++)
        monitor_put(STOP);
}

/* ---- messages ---------------------------------------------------------------------- */

static struct mailbox box;
static uint32_t box_slots[N];

static int msg_produce(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < ITEMS; k++) {
        uint32_t item = item_of(me, k);
        mbox_send(&box, item);
        tally(&produced[me], item);
    }
    return 0;
}

static int msg_consume(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (;;) {
        uint32_t item;
        mbox_recv(&box, &item);
        if (item == STOP)
            return 0;
        tally(&consumed[me], item);
    }
}

/* One producer-consumer case: the tallies must match, and `also` (if any)
 * must hold too. */
static int run_pc(const char *name, task_entry_t produce, task_entry_t consume, void (*stops)(void),
                  bool (*also)(void))
{
    for (unsigned i = 0; i < PRODUCERS; i++)
        produced[i] = (struct tally){0};
    for (unsigned i = 0; i < CONSUMERS; i++)
        consumed[i] = (struct tally){0};
    struct task *p[PRODUCERS], *c[CONSUMERS];
    spawn(c, CONSUMERS, "cons", consume);
    spawn(p, PRODUCERS, "prod", produce);
    join_all(p, PRODUCERS);
    stops();
    join_all(c, CONSUMERS);
    bool extra = also ? also() : true; /* (its figures first, before the verdict) */
    int failed = ktap_result(tallies_match() && extra, name);
    kprintf("# buffer=%u producers=%u consumers=%u items_each=%u\n", N, PRODUCERS, CONSUMERS, ITEMS);
    return failed;
}

static void send_stops_msg(void)
{
    for (unsigned i = 0; i < CONSUMERS; i++)
        mbox_send(&box, STOP);
}

int demo_prodcons(void *arg)
{
    (void)arg;
    ktap_plan(4);
    int failed = demo_sleep_wakeup();
    in = out = 0;
    sem_init(&mutex_sem, "mutex", 1);
    sem_init(&empty, "empty", N);
    sem_init(&full, "full", 0);
    failed += run_pc("semaphores", sem_produce, sem_consume, send_stops_sem, NULL);
    in = out = filled = 0;
    cv_signals = cv_waits = cv_unsignalled = 0;
    mutex_init(&monitor, "monitor");
    cond_init(&not_full, "not_full");
    cond_init(&not_empty, "not_empty");
    failed += run_pc("condition-variables", cv_produce, cv_consume, send_stops_cv, monitor_waited);
    mbox_init(&box, "box", box_slots, N);
    failed += run_pc("messages", msg_produce, msg_consume, send_stops_msg, NULL);
    return failed;
}

/* run=NAME (kernel/demo.h) */
DEMOS({"prodcons", demo_prodcons, "producer-consumer: lost wakeup, semaphores, messages"});
