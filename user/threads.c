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
 *   3. What the calls refuse.
 * One check per line and a total; the exit status is the number failed.
 */
#include <pthread.h>
#include <semaphore.h>
#include <tourniquet.h>

#define THREADS 4
#define ROUNDS 2000

static int passed, failed;

static void check(int ok, const char *what, long got, long want)
{
    ok ? passed++ : failed++;
    if (ok)
        printf("ok %d %s\n", passed + failed, what);
    else
        printf("not ok %d %s: got %d, expected %d\n", passed + failed, what, (int)got, (int)want);
}

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
    check(values == THREADS, locked ? "with the mutex: each thread's value reaches its join"
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
        sem_wait(&empty);
        sem_wait(&mutex);
        buffer[in] = i;
        in = (in + 1) % SLOTS;
        sem_post(&mutex);
        sem_post(&full);
    }
    return arg;
}

static void *consumer(void *arg)
{
    long in_order = 0;
    for (int i = 0; i < ITEMS; i++) {
        sem_wait(&full);
        sem_wait(&mutex);
        in_order += buffer[out] == i;
        out = (out + 1) % SLOTS;
        sem_post(&mutex);
        sem_post(&empty);
    }
    (void)arg;
    return (void *)in_order;
}

static void *nothing(void *arg) { return arg; }

int main(void)
{
    int unlocked = race(0);
    printf("# race without a lock: total %d of %d (%d updates lost)\n", unlocked, THREADS * ROUNDS,
           THREADS * ROUNDS - unlocked);
    check(pthread_mutex_init(&lock, NULL) == 0, "pthread_mutex_init", 0, 0);
    check(race(1) == THREADS * ROUNDS, "with the mutex: the total is exact", counter, THREADS * ROUNDS);

    sem_init(&mutex, 0, 1);
    sem_init(&empty, 0, SLOTS);
    sem_init(&full, 0, 0);
    pthread_t p, c;
    pthread_create(&p, NULL, producer, NULL);
    pthread_create(&c, NULL, consumer, NULL);
    void *in_order;
    pthread_join(p, NULL);
    pthread_join(c, &in_order);
    check((long)in_order == ITEMS, "producer/consumer: every item once, in order", (long)in_order, ITEMS);

    pthread_t t[TQ_THREADS_MAX];
    int made = 0, err = 0;
    while (made < TQ_THREADS_MAX && !(err = pthread_create(&t[made], NULL, nothing, NULL)))
        made++;
    check(made == TQ_THREADS_MAX - 1 && err == TQ_EAGAIN, "the eighth thread is EAGAIN", err, TQ_EAGAIN);
    for (int i = 0; i < made; i++)
        pthread_join(t[i], NULL);
    check(pthread_join(5, NULL) == TQ_ESRCH, "join of a thread joined already is ESRCH", 0, 0);
    check(pthread_join(0, NULL) == TQ_ESRCH, "join of the main thread is ESRCH", 0, 0);
    pthread_mutex_t bad = {99};
    check(pthread_mutex_lock(&bad) == TQ_EBADF, "lock of no mutex is EBADF", 0, 0);
    check(pthread_mutex_unlock(&lock) == TQ_EPERM, "unlock of a mutex not held is EPERM", 0, 0);
    check(tq_syscall(TQ_SYS_THREAD_CREATE, 0x100000, 0, 0, 0, 0) == -TQ_EFAULT, "a thread starting in the kernel is EFAULT", 0, 0);
    check(sem_post(&(sem_t){-1}) == -TQ_EBADF, "post of no semaphore is EBADF", 0, 0);
    check(tq_syscall(TQ_SYS_THREAD_JOIN, 1, 0x100000, 0, 0, 0) == -TQ_EFAULT, "join into kernel memory is EFAULT", 0, 0);
    printf("threads: %d passed, %d failed\n", passed, failed);
    return failed;
}
