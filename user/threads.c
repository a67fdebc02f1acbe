/*
 * threads: the course's examples with the threads of one process.
 *
 *   1. The racing counter: 4 threads add 1 to a shared counter 2,000 times
 *      each, reading it, waiting a moment, writing it back (the window of
 *      the course's "compteur = compteur + 1"); without a lock updates are
 *      lost when the timer switches threads inside the window, with a
 *      pthread mutex the total is exact.
 *   2. Producer and consumer with three semaphores (mutex, empty, full) and
 *      a 4-slot buffer: every item arrives once, in order.
 *   3. The same with a monitor: one mutex and two condition variables
 *      (not full, not empty), waits in a loop (Mesa).
 *   4. A barrier: 4 threads, 5 phases; none starts a phase before all have
 *      finished the one before, and one of each phase is told it was last.
 *   5. What the calls refuse.
 * One check per line and a total; the exit status is the number failed.
 */
#include <pthread.h>
#include <semaphore.h>
#include <tourniquet.h>

#define THREADS 4
#define ROUNDS 2000

static volatile int counter;
static pthread_mutex_t lock;
static int use_lock;

static void *add(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        if (use_lock)
            pthread_mutex_lock(&lock);
        int seen = counter; /* read... */
        for (volatile int d = 0; d < 50; d++) /* ...a moment in which the timer may switch threads... */
            ;
        counter = seen + 1; /* ...write back */
        if (use_lock)
            pthread_mutex_unlock(&lock);
    }
    return arg;
}

static int race(int locked)
{
    pthread_t t[THREADS];
    counter = 0;
    use_lock = locked;
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, add, (void *)(long)(i + 10)))
            return -1;
    int values = 0;
    for (int i = 0; i < THREADS; i++) {
        void *v;
        pthread_join(t[i], &v);
        values += (long)v == i + 10;
    }
    tq_check(values == THREADS, locked ? "with the mutex: each thread's value reaches its join"
                                    : "without a lock: each thread's value reaches its join", values, THREADS);
    return counter;
}

#define SLOTS 4
#define ITEMS 200
static sem_t mutex, empty, full;
static int buffer[SLOTS], in, out;

static void *producer(void *arg)
{
    for (int i = 0; i < ITEMS; i++) {
        /* LAB(classics) BEGIN: a free slot, the buffer to ourselves; then one item more (POSIX's names) */
        sem_wait(&empty);
        sem_wait(&mutex);
        buffer[in] = i;
        in = (in + 1) % SLOTS;
        sem_post(&mutex);
        sem_post(&full);
        /* LAB(classics) STUB
        // TODO(lab): as sem_put in demos/prodcons.c, with sem_wait (down) and sem_post (up)
        buffer[in] = i;
        in = (in + 1) % SLOTS;
        LAB(classics) END */
    }
    return arg;
}

static void *consumer(void *arg)
{
    long in_order = 0;
    for (int i = 0; i < ITEMS; i++) {
        /* LAB(classics) BEGIN: an item, the buffer to ourselves; then one free slot more (POSIX's names) */
        sem_wait(&full);
        sem_wait(&mutex);
        in_order += buffer[out] == i;
        out = (out + 1) % SLOTS;
        sem_post(&mutex);
        sem_post(&empty);
        /* LAB(classics) STUB
        // TODO(lab): as sem_get in demos/prodcons.c, with sem_wait (down) and sem_post (up)
        in_order += buffer[out] == i;
        out = (out + 1) % SLOTS;
        LAB(classics) END */
    }
    (void)arg;
    return (void *)in_order;
}

static pthread_mutex_t mon;
static pthread_cond_t not_full, not_empty;
static int count;

static void *mon_producer(void *arg)
{
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&mon);
        while (count == SLOTS)
            pthread_cond_wait(&not_full, &mon);
        buffer[in] = i;
        in = (in + 1) % SLOTS;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&mon);
    }
    return arg;
}

static void *mon_consumer(void *arg)
{
    long in_order = 0;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&mon);
        while (count == 0)
            pthread_cond_wait(&not_empty, &mon);
        in_order += buffer[out] == i;
        out = (out + 1) % SLOTS;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&mon);
    }
    (void)arg;
    return (void *)in_order;
}

#define PHASES 5
static pthread_barrier_t barrier;
static volatile int done_in[PHASES];
static volatile int early, serial;

static void *phases(void *arg)
{
    for (int k = 0; k < PHASES; k++) {
        if (k > 0 && done_in[k - 1] != THREADS)
            early++; /* started phase k before every thread had finished k - 1 */
        for (volatile int d = 0; d < 2000 * (1 + (long)arg); d++) /* unequal work */
            ;
        __atomic_fetch_add(&done_in[k], 1, __ATOMIC_SEQ_CST);
        if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&serial, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void *nothing(void *arg) { return arg; }

/* A thread that leaves by pthread_exit from inside a call while another
 * still runs: its value reaches its join, the other goes on. */
static volatile int survivor_running, quitter_gone;
static void __attribute__((noinline)) leave_from_inside(long value) { pthread_exit((void *)value); }
static void *quitter(void *arg) { return leave_from_inside(77), arg; }
static void *survivor(void *arg)
{
    survivor_running = 1;
    while (!quitter_gone)
        yield();
    return arg;
}

int main(void)
{
    int unlocked = race(0);
    printf("# race without a lock: total %d of %d (%d updates lost)\n", unlocked, THREADS * ROUNDS,
           THREADS * ROUNDS - unlocked);
    tq_check(pthread_mutex_init(&lock, NULL) == 0, "pthread_mutex_init", 0, 0);
    tq_check(race(1) == THREADS * ROUNDS, "with the mutex: the total is exact", counter, THREADS * ROUNDS);

    sem_init(&mutex, 0, 1);
    sem_init(&empty, 0, SLOTS);
    sem_init(&full, 0, 0);
    pthread_t p, c;
    pthread_create(&p, NULL, producer, NULL);
    pthread_create(&c, NULL, consumer, NULL);
    void *in_order;
    pthread_join(p, NULL);
    pthread_join(c, &in_order);
    tq_check((long)in_order == ITEMS, "producer/consumer: every item once, in order", (long)in_order, ITEMS);

    in = out = 0;
    pthread_mutex_init(&mon, NULL);
    pthread_cond_init(&not_full, NULL);
    pthread_cond_init(&not_empty, NULL);
    pthread_create(&p, NULL, mon_producer, NULL);
    pthread_create(&c, NULL, mon_consumer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, &in_order);
    tq_check((long)in_order == ITEMS, "monitor (mutex and two conditions): every item once, in order", (long)in_order,
          ITEMS);

    pthread_barrier_init(&barrier, NULL, THREADS);
    pthread_t b[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&b[i], NULL, phases, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(b[i], NULL);
    tq_check(early == 0, "barrier: no thread starts a phase before all have finished the last", early, 0);
    tq_check(serial == PHASES, "barrier: one thread of each phase is told it was the last", serial, PHASES);

    pthread_t q, v;
    void *qv = NULL, *vv = NULL;
    pthread_create(&v, NULL, survivor, (void *)5);
    while (!survivor_running) /* (on several CPUs it may start later: the quitter must leave while it runs) */
        yield();
    pthread_create(&q, NULL, quitter, NULL);
    pthread_join(q, &qv);
    quitter_gone = 1;
    pthread_join(v, &vv);
    tq_check((long)qv == 77 && (long)vv == 5, "pthread_exit while another thread runs: its value is joined, the other goes on",
             (long)qv, 77);

    pthread_t t[TQ_THREADS_MAX];
    int made = 0, err = 0;
    while (made < TQ_THREADS_MAX && !(err = pthread_create(&t[made], NULL, nothing, NULL)))
        made++;
    tq_check(made == TQ_THREADS_MAX - 1 && err == TQ_EAGAIN, "the eighth thread is EAGAIN", err, TQ_EAGAIN);
    for (int i = 0; i < made; i++)
        pthread_join(t[i], NULL);
    tq_check(pthread_join(5, NULL) == TQ_ESRCH, "join of a thread joined already is ESRCH", 0, 0);
    tq_check(pthread_join(0, NULL) == TQ_ESRCH, "join of the main thread is ESRCH", 0, 0);
    pthread_mutex_t bad = {99};
    tq_check(pthread_mutex_lock(&bad) == TQ_EBADF, "lock of no mutex is EBADF", 0, 0);
    tq_check(pthread_mutex_unlock(&lock) == TQ_EPERM, "unlock of a mutex not held is EPERM", 0, 0);
    tq_check(tq_syscall(TQ_SYS_THREAD_CREATE, 0x100000, 0, 0, 0, 0) == -TQ_EFAULT, "a thread starting in the kernel is EFAULT", 0, 0);
    tq_check(sem_post(&(sem_t){-1}) == -TQ_EBADF, "post of no semaphore is EBADF", 0, 0);
    tq_check(pthread_cond_wait(&not_full, &(pthread_mutex_t){not_full.handle}) == TQ_EBADF,
          "cond_wait with a condition as its mutex is EBADF", 0, 0);
    tq_check(pthread_cond_wait(&not_full, &mon) == TQ_EPERM, "cond_wait without holding the mutex is EPERM", 0, 0);
    tq_check(pthread_barrier_init(&(pthread_barrier_t){0}, NULL, 0) == TQ_EINVAL, "a barrier of 0 threads is EINVAL",
          0, 0);
    tq_check(tq_syscall(TQ_SYS_THREAD_JOIN, 1, 0x100000, 0, 0, 0) == -TQ_EFAULT, "join into kernel memory is EFAULT", 0, 0);
    return tq_checks_done("threads");
}
