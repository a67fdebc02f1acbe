/*
 * victim: a process that does one thing a test asks for, often a bad one,
 * so that usertests can check what the kernel does about it.
 *
 *   victim exit N      exit with status N
 *   victim spin        run forever (until killed)
 *   victim sleep       sleep for ever (until killed)
 *   victim blocked     four threads wait for ever: on a mutex, a semaphore, a condition
 *                      variable, asleep
 *   victim thread-null a second thread reads NULL while the first sleeps
 *   victim thread-guard a second thread's stack overflows while the first sleeps
 *   victim big-frame   one frame bigger than the stack, a thread's stack under it
 *   victim thread-exit N  main, the only thread, ends with pthread_exit(N)
 *   victim two-waiters two threads wait for one child
 *   victim join-cycle  two threads join each other: one join refused (EDEADLK), status 0
 *   victim wait-early  a thread waits for each child's pid while spawn is still building it: status 0
 *   victim sem-max     sem_post on a semaphore at INT_MAX units (EOVERFLOW: status 0)
 *   victim nomem       the calls that take memory, each tried again once if told
 *                      ENOMEM (test=nomem fails one allocation at a time): status 0
 *   victim KIND        fault: null, kernel, apic, kwrite, past, text, guard, divzero,
 *                      ud, cli, sti, ldt, in, out, hlt, int, fpu, tf
 */
#include <pthread.h>
#include <semaphore.h>
#include <tourniquet.h>

static volatile int sink;

static int recurse(int n)
{
    volatile char frame[512];
    if (n > 1 << 20) /* never: 16 pages of stack hold some 120 levels */
        return 0;
    frame[n % 512] = (char)n;
    return recurse(n + 1) + frame[(n + 1) % 512]; /* not a tail call: each level keeps its frame */
}

/* (In assembly: in C, a division by zero is undefined, and the compiler may
 * leave it out.) */
static pthread_mutex_t held;
static sem_t never;

static pthread_mutex_t monitor;
static pthread_cond_t never_signalled;

static void *lock_held(void *arg) { return pthread_mutex_lock(&held), arg; }
static void *wait_signal(void *arg)
{
    pthread_mutex_lock(&monitor);
    pthread_cond_wait(&never_signalled, &monitor);
    return arg;
}
static void *wait_never(void *arg) { return sem_wait(&never), arg; }
/* One frame of 19 pages: the 16 of the stack, its guard page, and two more,
 * which are in the stack of the thread under it. Made at once and written
 * at its bottom, it would step over the guard page into that stack and
 * scribble there unseen; made page by page (-fstack-clash-protection, as
 * the Makefile builds every program), it meets the guard page first. */
static __attribute__((noinline)) int big_frame(void) /* (inlined, it would make main's frame that big) */
{
    char frame[19 * 4096];
    __asm__ volatile("" : : "r"(frame) : "memory"); /* (it exists, whole: the compiler may not shrink it) */
    frame[0] = 1;
    __asm__ volatile("" : : "r"(frame) : "memory");
    return frame[0];
}

static void *sleep_forever(void *arg)
{
    for (;;)
        sleep(1000000);
    return arg;
}

static void *return_arg(void *arg) { return arg; }

/* One call, tried again once if it said ENOMEM (`nomem`: TQ_ENOMEM for the
 * pthread calls, -TQ_ENOMEM for the others); its last answer. */
#define TWICE_IF_NOMEM(call, nomem) ({ long rc_ = (long)(call); rc_ == (nomem) ? (long)(call) : rc_; })

/* nomem: every call that takes memory (a shared segment, a thread, a
 * semaphore, a mutex, a condition variable, a message queue, a child),
 * each tried again once when told ENOMEM: test=nomem makes one frame or
 * heap allocation fail at a time, so the second try must work, and what
 * it gave must be whole (a segment mapped over no page would fault here).
 * Status 0, or which step went wrong. */
static int nomem(void)
{
    volatile int *seg = shm_map(77, 4);
    if (!seg) /* (told ENOMEM: the one error it can have here) */
        seg = shm_map(77, 4);
    if (!seg)
        return 10;
    if (shm_map(77, 4) != seg || shm_map(77, 2) != seg) /* (mapped already: it takes no memory, so cannot fail) */
        return 17;
    for (int i = 0; i < 4; i++)
        seg[i * 1024] = i + 1;
    for (int i = 0; i < 4; i++)
        if (seg[i * 1024] != i + 1)
            return 11;
    pthread_t t;
    void *value = NULL;
    if (TWICE_IF_NOMEM(pthread_create(&t, NULL, return_arg, (void *)42), TQ_ENOMEM) != 0 ||
        pthread_join(t, &value) != 0 || value != (void *)42)
        return 12;
    sem_t units;
    if (TWICE_IF_NOMEM(sem_init(&units, 0, 1), -TQ_ENOMEM) != 0 || sem_wait(&units) != 0 || sem_post(&units) != 0)
        return 13;
    pthread_mutex_t m;
    pthread_cond_t c;
    if (TWICE_IF_NOMEM(pthread_mutex_init(&m, NULL), TQ_ENOMEM) != 0 ||
        TWICE_IF_NOMEM(pthread_cond_init(&c, NULL), TQ_ENOMEM) != 0 || pthread_mutex_lock(&m) != 0 ||
        pthread_cond_signal(&c) != 0 || pthread_mutex_unlock(&m) != 0)
        return 14;
    int q = (int)TWICE_IF_NOMEM(mq_open(78), -TQ_ENOMEM);
    char msg[TQ_MQ_MSG_MAX];
    if (q < 0 || mq_send(q, "hi", 3, 0) != 0 || mq_receive(q, msg, sizeof msg, 0) != 3)
        return 15;
    char *child[] = {"victim", "exit", "3", NULL};
    int pid = (int)TWICE_IF_NOMEM(spawn("victim", child), -TQ_ENOMEM);
    int status = 0;
    if (pid < 0 || wait(pid, &status) != pid || status != 3)
        return 16;
    return 0;
}

static void *recurse_thread(void *arg) { return (void *)(long)recurse((int)(long)arg); }
static void *read_null(void *arg) { return (void *)(long)*(volatile int *)arg; }

/* join-cycle: two threads join each other. The kernel refuses the second
 * join (EDEADLK: it would wait for ever), whichever it is, and the thread
 * it refused stays to be joined: it ends, its joiner gets its value, and
 * that joiner is the one main can still join. (A refused join used to
 * forget the joiner's target: main could join neither, and one thread's
 * kernel stack was never freed.) Each tells main when its join is over, so
 * main joins only then. */
static pthread_t cycle[2];
static sem_t cycle_go, cycle_done;

static void *join_other(void *arg)
{
    int me = (int)(intptr_t)arg;
    void *theirs = NULL;
    sem_wait(&cycle_go); /* (until both ids are known) */
    int rc = pthread_join(cycle[1 - me], &theirs);
    sem_post(&cycle_done);
    return rc ? (void *)(intptr_t)(1000 + rc) : theirs; /* (refused: 1000 + EDEADLK; else what it got) */
}

static int join_cycle(void)
{
    sem_init(&cycle_go, 0, 0);
    sem_init(&cycle_done, 0, 0);
    pthread_create(&cycle[0], NULL, join_other, (void *)0);
    pthread_create(&cycle[1], NULL, join_other, (void *)1);
    sem_post(&cycle_go);
    sem_post(&cycle_go);
    sem_wait(&cycle_done);
    sem_wait(&cycle_done);
    void *v[2] = {NULL, NULL};
    int rc[2] = {pthread_join(cycle[0], &v[0]), pthread_join(cycle[1], &v[1])};
    int ok = rc[0] != rc[1] && (rc[0] ? rc[0] : rc[1]) == TQ_ESRCH &&
             (intptr_t)v[rc[0] ? 1 : 0] == 1000 + TQ_EDEADLK;
    if (ok)
        return 0;
    printf("victim: join-cycle: main's joins gave %d and %d, with values %d and %d (want 0 and ESRCH, one "
           "value %d)\n",
           rc[0], rc[1], (int)(intptr_t)v[0], (int)(intptr_t)v[1], 1000 + TQ_EDEADLK);
    return 1;
}

static int divide(int a, int b)
{
    int q;
    __asm__ volatile("cltd; idivl %2" : "=a"(q) : "a"(a), "rm"(b) : "edx");
    return q;
}

/* two-waiters: two threads wait for one child. The second wait is told
 * ECHILD (the child is the other thread's to wait for) and then kills the
 * child, which ends the first wait; whichever came first. (Both used to
 * sleep on the child: the first reaped it, the second slept on for ever.) */
static int shared_child;

static int wait_shared(void)
{
    int status = 0;
    int rc = wait(shared_child, &status);
    if (rc == -TQ_ECHILD) {
        kill(shared_child);
        return 0;
    }
    return rc == shared_child && status == TQ_STATUS_KILLED ? 1 : -1;
}

static void *wait_shared_thread(void *arg) { return (void)arg, (void *)(intptr_t)wait_shared(); }

static int two_waiters(void)
{
    shared_child = spawn("victim", (char *[]){"victim", "sleep", NULL});
    pthread_t t;
    void *theirs = NULL;
    pthread_create(&t, NULL, wait_shared_thread, NULL);
    int mine = wait_shared();
    pthread_join(t, &theirs);
    int other = (int)(intptr_t)theirs;
    if (mine + other == 1 && mine * other == 0)
        return 0;
    printf("victim: two-waiters: this thread's wait gave %d, the other's %d (1: got the child, 0: ECHILD)\n", mine,
           other);
    return 1;
}

/* wait-early: this thread spawns children (each ends with status 5) and
 * waits for each; another waits meanwhile, again and again, for the pid
 * the next spawn will get. A process spawn is still building is not one
 * yet: that wait is ECHILD, or it gets the child once the child is whole
 * and has ended (and then this thread's wait is ECHILD); every child is
 * reaped once, with its 5. (It used to be found half-built, and reaped
 * under the spawn that was building it: a status of 0, then a hang.) */
#define EARLY_CHILDREN 200
static volatile int early_next, early_stop, early_wrong, early_theirs;

static int early_ok(int rc, int pid, int status) { return rc == -TQ_ECHILD || (rc == pid && status == 5); }

static void *wait_early(void *arg)
{
    (void)arg;
    while (!early_stop) {
        int status = -1, pid = early_next;
        int rc = wait(pid, &status);
        early_theirs += rc == pid;
        early_wrong += !early_ok(rc, pid, status);
    }
    return NULL;
}

static int wait_for_early(void)
{
    char *const argv[] = {"victim", "exit", "5", NULL};
    early_next = spawn("victim", argv) + 1; /* (the first: with the pid it gives, the next one's) */
    wait(early_next - 1, NULL);
    pthread_t t;
    pthread_create(&t, NULL, wait_early, NULL);
    int mine = 0, wrong = 0;
    for (int i = 0; i < EARLY_CHILDREN; i++) {
        int pid = spawn("victim", argv), status = -1;
        if (pid < 0) {
            wrong++;
            continue;
        }
        early_next = pid + 1;
        int rc = wait(pid, &status);
        mine += rc == pid;
        wrong += !early_ok(rc, pid, status);
    }
    early_stop = 1;
    pthread_join(t, NULL);
    if (!wrong && !early_wrong && mine + early_theirs == EARLY_CHILDREN)
        return 0;
    printf("victim: wait-early: %d children, %d reaped here and %d by the other thread; %d wrong results here, "
           "%d there\n", EARLY_CHILDREN, mine, early_theirs, wrong, early_wrong);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("victim: say what to do (exit N, spin, sleep, or a fault)\n");
        return 2;
    }
    const char *k = argv[1];
    if (!strcmp(k, "exit"))
        return argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(k, "spin"))
        for (;;)
            sink++;
    if (!strcmp(k, "sleep"))
        for (;;)
            sleep(1000000);
    if (!strcmp(k, "blocked")) {
        pthread_t a, b, c;
        pthread_mutex_init(&held, NULL);
        pthread_mutex_init(&monitor, NULL);
        pthread_cond_init(&never_signalled, NULL);
        sem_init(&never, 0, 0);
        pthread_mutex_lock(&held);
        pthread_create(&a, NULL, lock_held, NULL);
        pthread_create(&b, NULL, wait_never, NULL);
        pthread_create(&c, NULL, wait_signal, NULL);
        for (;;)
            sleep(1000000);
    }
    if (!strcmp(k, "thread-guard")) { /* a second thread's stack overflows */
        pthread_t a;
        pthread_create(&a, NULL, recurse_thread, NULL);
        for (;;)
            sleep(1000000);
    }
    if (!strcmp(k, "big-frame")) { /* a second thread's stack under the guard page, and one huge frame */
        pthread_t a;
        pthread_create(&a, NULL, sleep_forever, NULL);
        return big_frame();
    }
    if (!strcmp(k, "thread-null")) {
        pthread_t a;
        pthread_create(&a, NULL, read_null, NULL);
        for (;;)
            sleep(1000000);
    }
    if (!strcmp(k, "sem-max")) { /* sem_post at INT_MAX units: refused, and told */
        sem_t full;
        sem_init(&full, 0, 2147483647u);
        int rc = sem_post(&full);
        return rc == -TQ_EOVERFLOW ? 0 : (printf("victim: sem_post at INT_MAX gave %d\n", rc), 1);
    }
    if (!strcmp(k, "nomem"))
        return nomem();
    if (!strcmp(k, "two-waiters"))
        return two_waiters();
    if (!strcmp(k, "wait-early"))
        return wait_for_early();
    if (!strcmp(k, "join-cycle"))
        return join_cycle();
    if (!strcmp(k, "thread-exit")) /* main, the last thread, ends with pthread_exit's value: -114 is 142 */
        pthread_exit((void *)(intptr_t)(argc > 2 ? atoi(argv[2]) : 0));
    if (!strcmp(k, "null"))
        return *(volatile int *)0;
    if (!strcmp(k, "kernel"))
        return *(volatile int *)0x100000; /* the kernel's image */
    if (!strcmp(k, "apic")) /* the local APIC's registers, the kernel's, above the user window */
        return *(volatile int *)0xfee00000;
    if (!strcmp(k, "tf")) /* the trap flag set: a #DB at the next instruction */
        __asm__ volatile("pushfl; orl $0x100, (%%esp); popfl; nop" ::: "memory", "cc");
    if (!strcmp(k, "kwrite"))
        *(volatile int *)0x100000 = 1;
    if (!strcmp(k, "past"))
        return *(volatile int *)0x80000000u; /* past the user window */
    if (!strcmp(k, "text"))
        *(volatile unsigned char *)(uintptr_t)main = 0x90; /* its own code is read-only */
    if (!strcmp(k, "guard"))
        return recurse(0);
    if (!strcmp(k, "divzero"))
        return divide(1, argc - 2); /* argc is 2 here */
    if (!strcmp(k, "ud"))
        __asm__ volatile("ud2");
    if (!strcmp(k, "cli"))
        __asm__ volatile("cli");
    if (!strcmp(k, "sti"))
        __asm__ volatile("sti");
    if (!strcmp(k, "ldt")) /* selector 7: entry 0 of the LDT, at ring 3; there is none */
        __asm__ volatile("mov %0, %%gs" : : "r"(7) : "memory");
    if (!strcmp(k, "in")) {
        unsigned char v;
        __asm__ volatile("inb $0x60, %0" : "=a"(v));
        return v;
    }
    if (!strcmp(k, "out"))
        __asm__ volatile("outb %0, $0xf4" : : "a"((unsigned char)0)); /* QEMU's exit port */
    if (!strcmp(k, "hlt"))
        __asm__ volatile("hlt");
    if (!strcmp(k, "int"))
        __asm__ volatile("int $0x20"); /* the timer's vector */
    if (!strcmp(k, "fpu"))
        __asm__ volatile("fld1");
    printf("victim: still alive after '%s' (or not a thing it knows)\n", k);
    return 1;
}
