/*
 * bench: what a process pays for the kernel, in guest instructions.
 *
 * Under QEMU -icount shift=0 (make bench) RDTSC advances by one per
 * instruction, in ring 3 too. Each figure is the least of many samples,
 * less what the measurement itself costs (two RDTSCs and their moves,
 * measured the same way around nothing), and is printed as a BENCH line
 * for tools/bench.py.
 *
 * The ping-pongs are the kernel's sem_pingpong (demos/bench.c) from ring
 * 3: a round trip through two semaphores, two switches, between two
 * threads of this process (no change of address space: CR3 stays) and
 * between this process and a second one (`bench pong`, the same program:
 * each switch loads CR3). Both use the same semaphores (opened by key), so
 * that the address space is the only difference. The median of 32 round
 * trips, as the kernel's.
 */
#include <pthread.h>
#include <semaphore.h>
#include <tourniquet.h>

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define SAMPLES 64
#define ROUNDS 33 /* round trips: the first also starts the other side */
#define PING_KEY 0xbe01
#define PONG_KEY 0xbe02

static sem_t ping, pong;

/* The other side: ROUNDS times, wait for a ping and answer it. */
static void *ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        sem_wait(&ping);
        sem_post(&pong);
    }
    return NULL;
}

/* The median round trip, ping then wait for the pong, with the other side
 * running ponger. */
static unsigned pingpong(uint64_t empty)
{
    uint32_t t[ROUNDS - 1];
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        sem_post(&ping);
        sem_wait(&pong);
        uint64_t t1 = rdtsc();
        if (i > 0)
            t[i - 1] = (uint32_t)(t1 - t0 - empty);
    }
    for (int i = 1; i < ROUNDS - 1; i++) /* insertion sort: 32 numbers */
        for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
            uint32_t x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return t[(ROUNDS - 1) / 2];
}

static int check(int r, const char *what)
{
    if (r < 0)
        printf("bench: %s failed: %s\n", what, tq_strerror(r));
    return r;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "pong") == 0) { /* the second process of the ping-pong */
        if (check(sem_open_key(&ping, PING_KEY, 0), "sem_open_key") < 0 ||
            check(sem_open_key(&pong, PONG_KEY, 0), "sem_open_key") < 0)
            return 1;
        ponger(NULL);
        return 0;
    }
    uint64_t empty = ~0ull, call = ~0ull, spawned = ~0ull;
    for (int i = 0; i < SAMPLES; i++) {
        uint64_t t0 = rdtsc();
        uint64_t t1 = rdtsc();
        if (t1 - t0 < empty)
            empty = t1 - t0;
    }
    for (int i = 0; i < SAMPLES; i++) {
        uint64_t t0 = rdtsc();
        tq_syscall(TQ_SYS_GETPID, 0, 0, 0, 0, 0);
        uint64_t t1 = rdtsc();
        if (t1 - t0 < call)
            call = t1 - t0;
    }
    for (int i = 0; i < 4; i++) {
        char *argv[] = {"victim", "exit", "0", NULL};
        uint64_t t0 = rdtsc();
        int pid = spawn("victim", argv);
        int status = -1;
        if (pid < 0 || wait(pid, &status) != pid || status != 0) {
            printf("bench: spawn+wait of victim failed: %s\n", tq_strerror(pid));
            return 1;
        }
        uint64_t t1 = rdtsc();
        if (t1 - t0 < spawned)
            spawned = t1 - t0;
    }

    /* Two threads of this process... */
    pthread_t th;
    if (check(sem_open_key(&ping, PING_KEY, 0), "sem_open_key") < 0 ||
        check(sem_open_key(&pong, PONG_KEY, 0), "sem_open_key") < 0 ||
        check(pthread_create(&th, NULL, ponger, NULL), "pthread_create") < 0)
        return 1;
    unsigned same = pingpong(empty);
    pthread_join(th, NULL);
    /* ...and two processes, on the same two semaphores. */
    char *pong_argv[] = {"bench", "pong", NULL};
    int pid, status = -1;
    if (check(pid = spawn("bench", pong_argv), "spawn of bench pong") < 0)
        return 1;
    unsigned cross = pingpong(empty);
    if (wait(pid, &status) != pid || status != 0) {
        printf("bench: bench pong ended with status %d\n", status);
        return 1;
    }

    printf("BENCH name=syscall_getpid instructions=%u measurement=%u samples=%d\n", (unsigned)(call - empty),
           (unsigned)empty, SAMPLES);
    printf("BENCH name=spawn_wait instructions=%u program=victim\n", (unsigned)(spawned - empty));
    printf("BENCH name=proc_pingpong_threads instructions=%u round_trip=2_switches cr3=kept\n", same);
    printf("BENCH name=proc_pingpong_processes instructions=%u round_trip=2_switches cr3=loaded\n", cross);
    return 0;
}
