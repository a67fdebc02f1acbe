/*
 * fuzz: random system calls, to show that nothing a process passes the
 * kernel can harm it (in the spirit of syzkaller and of xv6's usertests).
 *
 *   fuzz [SEED [ROUNDS [CALLS]]]   the driver: ROUNDS rounds of two children at once
 *   fuzz child SEED CALLS          one child: CALLS calls drawn from SEED
 *
 * A child makes CALLS calls, each a number and five arguments drawn from
 * pools that mix the valid and the wrong: handles it made and handles it
 * never had, pointers to its own memory and to the kernel's, to read-only
 * constants, past the stack, past the user window; sizes of 0, of one
 * message, of 2 GiB; keys, ticks, pids, thread entry points that are not
 * code. Most calls take arguments of the kinds the call expects (so that
 * they get past the first check), the others any value at all. Threads it
 * creates make calls of their own, at the same time on several CPUs.
 * Every result must be a value or one of the ABI's errors (abi.h); the
 * child counts the errors it met and prints them when it has made all its
 * calls. A child may block for ever (a semaphore nobody posts, a barrier of
 * 1000 parties), end itself, or fault (a thread started in its data): the
 * driver gives each one LIMIT ticks, then kills it. Every third round it
 * kills sooner, after 1 to 4 ticks, wherever the children are: in the
 * middle of a spawn, a thread's creation, a wait. The two children of a
 * round run at the same time, and the keys they draw are the same few:
 * they share segments, semaphores and message queues.
 *
 * The driver checks what the kernel owes it: every child ends, and once
 * the last one and every process it spawned have ended, memory in use is
 * what it was after the first round - not one page frame or heap block
 * kept. It exits 0 if so, 1 if not.
 */
#include <pthread.h>
#include <stdbool.h>
#include <tourniquet.h>

#define LIMIT 20        /* ticks a child may run before the driver kills it */
#define THREAD_CALLS 40 /* at most, for each thread a child creates */
#define AT_ONCE 2       /* children that run at the same time (sharing segments, semaphores, queues by key) */

/* Where a program lies in its address space (kernel/proc/proc.h, user/user.ld):
 * its image from the start of the user window up to the shared segments, and
 * the stacks under the last page of the window. */
#define IMAGE_BASE 0x40000000u
#define SEGMENTS 0x70000000u
#define STACK_TOP 0x7ffff000u

/* ---- Random numbers (xorshift32: the same seed, the same calls) ---- */

static uint32_t next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    return *state = x;
}

/* 0 .. n-1, from the high bits (xorshift's low bits repeat soonest) */
static uint32_t below(uint32_t *state, uint32_t n) { return (uint32_t)((uint64_t)next(state) * n >> 32); }

/* ---- What the arguments are drawn from ---- */

/* Memory of the process's own: the scratch area (with the shared segment
 * it maps, the only places a call is given to write to, so that no call
 * can overwrite the fuzzer's own state), and printable constants for the
 * calls that read (what reaches the console stays text). */
static char scratch[2 * 4096];
static const char text[] = "fuzz: a message, a name, an argument\n";
static char *const argv_victim[] = {"victim", "exit", "7", NULL};
static char *const argv_hello[] = {"hello", "from-fuzz", NULL};
static char *const argv_bad[] = {"hello", (char *)0x100000, NULL};
static char *const argv_long[] = {"hello",
                                  "an-argument-longer-than-the-one-hundred-and-twenty-eight-bytes-that-the-kernel-"
                                  "takes-for-one-argument-of-spawn-with-its-nul-at-the-end-included",
                                  NULL};
static char *too_many[TQ_ARGS_MAX + 2];

/* What the calls handed back: handles, pids, a segment's address. */
static volatile int handles[8], pids[4], shm_at;

static void thread_entry(uint32_t seed, uint32_t calls);

/* A value of each kind an argument may be. */
enum kind {
    ANY, INT, FD, IN, OUT, SIZE, PID, TICKS, NAME, ARGV, START, TID, HANDLE, KEY, PAGES, FLAGS, OP, VALUE, SEED,
};

static uint32_t pointer(uint32_t *r, bool out)
{
    static const uint32_t bad[] = {
        0, 1, 0x100000,  /* NULL, its page, the kernel */
        0x3ffffffc,      /* just under the user window */
        SEGMENTS,        /* the shared segments, maybe none mapped */
        STACK_TOP,       /* past the stack */
        0x80000000,      /* past the user window */
        0xfee00000,      /* the local APIC's registers */
        0xfffffff0,      /* where a length wraps around */
    };
    switch (below(r, 8)) {
    case 0:
    case 1:
    case 2:
        return (uint32_t)(uintptr_t)&scratch[below(r, 4) * 1000];
    case 3:
        return (uint32_t)(uintptr_t)(out ? scratch : text);
    case 4: /* read-only: a call that writes must refuse it */
        return below(r, 2) ? (uint32_t)(uintptr_t)text : (uint32_t)(uintptr_t)thread_entry; /* (constants, code) */
    case 5:
        return shm_at ? (uint32_t)shm_at : (uint32_t)(uintptr_t)scratch;
    default:
        return bad[below(r, sizeof bad / sizeof bad[0])];
    }
}

static uint32_t one_of(uint32_t *r, const uint32_t *v, unsigned n) { return v[below(r, n)]; }
#define ONE_OF(r, ...) one_of(r, (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / 4)

static uint32_t draw(uint32_t *r, enum kind k)
{
    switch (k) {
    case INT:
        return ONE_OF(r, 0, 1, 2, 3, 7, 31, 32, 1000, 0x7fffffff, 0x80000000, 0xffffffff, next(r));
    case FD:
        return ONE_OF(r, 1, 2, 1, 2, 0, 3, 0xffffffff);
    case IN:
        return pointer(r, false);
    case OUT:
        return pointer(r, true);
    case SIZE:
        return ONE_OF(r, 0, 1, 4, 20, 63, 64, 65, 4096, 4097, 0x7fffffff, 0x80000000, 0xffffffff);
    case PID:
        return ONE_OF(r, (uint32_t)pids[0], (uint32_t)pids[1], (uint32_t)pids[2], (uint32_t)pids[3],
                      (uint32_t)TQ_WAIT_ANY, 0, 1, 63, 64, 9999, 0x80000000);
    case TICKS: /* mostly short: a long sleep ends the round */
        return below(r, 16) ? below(r, 3) : ONE_OF(r, 50, 0x7fffffff, 0x80000000, 0xffffffff);
    case NAME:
        return ONE_OF(r, (uint32_t)(uintptr_t)"hello", (uint32_t)(uintptr_t)"victim", (uint32_t)(uintptr_t)"nosuch",
                      (uint32_t)(uintptr_t)"", (uint32_t)(uintptr_t)argv_long[1], pointer(r, false));
    case ARGV:
        return ONE_OF(r, 0, (uint32_t)(uintptr_t)argv_victim, (uint32_t)(uintptr_t)argv_hello,
                      (uint32_t)(uintptr_t)argv_bad, (uint32_t)(uintptr_t)argv_long, (uint32_t)(uintptr_t)too_many,
                      pointer(r, false));
    case START: /* mostly code; else data (it faults), the kernel, NULL, past the image */
        return below(r, 8) ? (uint32_t)(uintptr_t)thread_entry
                           : ONE_OF(r, (uint32_t)(uintptr_t)scratch, 0x100000, 0, SEGMENTS);
    case TID:
        return below(r, 10);
    case HANDLE:
        return below(r, 4) ? (uint32_t)handles[below(r, 8)] : ONE_OF(r, 0, 1, 2, 31, 32, 0xffffffff, 0x80000000);
    case KEY:
        return ONE_OF(r, 0, 1, 2, 3, 0xffffffff);
    case PAGES:
        return ONE_OF(r, 0, 1, 2, 16, 17, 0xffffffff);
    case FLAGS:
        return ONE_OF(r, 0, TQ_MQ_NONBLOCK, TQ_MQ_NONBLOCK, 2, 0xffffffff);
    case OP:
        return ONE_OF(r, TQ_COND_WAIT, TQ_COND_SIGNAL, TQ_COND_BROADCAST, 3, 0xffffffff);
    case VALUE:
        return ONE_OF(r, 0, 1, 2, 1000, 1001, 0x7fffffff, 0x80000000);
    case SEED:
        return next(r);
    case ANY:
    default:
        return below(r, 2) ? draw(r, INT) : pointer(r, below(r, 2));
    }
}

/* ---- The calls ---- */

/* What each call takes, in order (ANY past the last). */
static const uint8_t takes[TQ_SYS_COUNT][5] = {
    [TQ_SYS_EXIT] = {INT},
    [TQ_SYS_WRITE] = {FD, IN, SIZE},
    [TQ_SYS_SLEEP] = {TICKS},
    [TQ_SYS_SPAWN] = {NAME, ARGV},
    [TQ_SYS_WAIT] = {PID, OUT},
    [TQ_SYS_KILL] = {PID},
    [TQ_SYS_MEMINFO] = {OUT},
    [TQ_SYS_THREAD_CREATE] = {START, SEED, INT},
    [TQ_SYS_THREAD_EXIT] = {INT},
    [TQ_SYS_THREAD_JOIN] = {TID, OUT},
    [TQ_SYS_MUTEX_LOCK] = {HANDLE},
    [TQ_SYS_MUTEX_UNLOCK] = {HANDLE},
    [TQ_SYS_SEM_CREATE] = {VALUE},
    [TQ_SYS_SEM_DOWN] = {HANDLE},
    [TQ_SYS_SEM_UP] = {HANDLE},
    [TQ_SYS_COND] = {HANDLE, HANDLE, OP},
    [TQ_SYS_BARRIER_CREATE] = {VALUE},
    [TQ_SYS_BARRIER_WAIT] = {HANDLE},
    [TQ_SYS_SHM_MAP] = {KEY, PAGES},
    [TQ_SYS_SEM_OPEN] = {KEY, VALUE},
    [TQ_SYS_MQ_OPEN] = {KEY},
    [TQ_SYS_MQ_SEND] = {HANDLE, IN, SIZE, FLAGS},
    [TQ_SYS_MQ_RECEIVE] = {HANDLE, OUT, SIZE, FLAGS},
};

/* The errors the ABI has (abi.h), and how often each was met. */
static const int errors[] = {TQ_EPERM,  TQ_ENOENT,  TQ_ESRCH,        TQ_E2BIG,  TQ_ENOEXEC,  TQ_EBADF,
                             TQ_ECHILD, TQ_EAGAIN,  TQ_ENOMEM,       TQ_EFAULT, TQ_EINVAL,   TQ_EDEADLK,
                             TQ_ENAMETOOLONG, TQ_ENOSYS, TQ_EOVERFLOW};
#define NERRORS (sizeof errors / sizeof errors[0])
static volatile unsigned met[NERRORS], succeeded, unexpected;

static const char *const error_names[NERRORS] = {"EPERM",  "ENOENT", "ESRCH",  "E2BIG",   "ENOEXEC",
                                                 "EBADF",  "ECHILD", "EAGAIN", "ENOMEM",  "EFAULT",
                                                 "EINVAL", "EDEADLK", "ENAMETOOLONG", "ENOSYS", "EOVERFLOW"};

/* What a write to the console would print from memory of its own (the
 * scratch area, which calls fill with binary, a shared segment, code)
 * comes from the constant text instead, a line at most: what reaches the
 * console stays text. Bad pointers stay bad. */
static void text_only(uint32_t *buf, uint32_t *n)
{
    uint32_t t = (uint32_t)(uintptr_t)text;
    if (*buf >= IMAGE_BASE && *buf < STACK_TOP && (*buf < t || *buf >= t + sizeof text))
        *buf = t;
    if (*buf >= t && *buf < t + sizeof text)
        *n %= (uint32_t)(t + sizeof text - *buf);
}

/* The calls that may wait for ever (on a semaphore nobody posts, a
 * barrier of 1000, a thread that waits itself...) or end the calling
 * thread. (exit, which ends them all, is apart: rare in every thread.) */
#define BIT(nr) (1u << (nr))
static const uint32_t may_stop = BIT(TQ_SYS_THREAD_EXIT) | BIT(TQ_SYS_SLEEP) | BIT(TQ_SYS_THREAD_JOIN) |
                                 BIT(TQ_SYS_MUTEX_LOCK) | BIT(TQ_SYS_SEM_DOWN) | BIT(TQ_SYS_COND) |
                                 BIT(TQ_SYS_BARRIER_WAIT) | BIT(TQ_SYS_MQ_SEND) | BIT(TQ_SYS_MQ_RECEIVE);

/* Is call nr made as drawn, or does a yield stand in for it? */
static bool made_as_drawn(uint32_t *r, uint32_t nr, bool main_thread)
{
    if (nr == TQ_SYS_EXIT)
        return below(r, 64) == 0;
    if (main_thread && nr < 32 && (may_stop & BIT(nr)))
        return below(r, 32) == 0;
    return true;
}

/* One call: its number (now and then one that does not exist), its
 * arguments, and what came back, counted. The main thread makes the calls
 * that may stop it only now and then, so that most children make all
 * their calls; the other threads make them as often as any. */
static void one_call(uint32_t *r, bool main_thread)
{
    uint32_t nr = below(r, 32) ? below(r, TQ_SYS_COUNT + 2) : next(r);
    if (!made_as_drawn(r, nr, main_thread))
        nr = TQ_SYS_YIELD;
    bool typed = below(r, 4) != 0;
    uint32_t a[5];
    for (int i = 0; i < 5; i++)
        a[i] = draw(r, typed && nr < TQ_SYS_COUNT ? (enum kind)takes[nr][i] : ANY);
    if (nr == TQ_SYS_WRITE && (a[0] == 1 || a[0] == 2) && a[2] <= 0x7fffffff)
        text_only(&a[1], &a[2]);
    if (nr == TQ_SYS_KILL && a[0] == (uint32_t)getpid() && below(r, 8))
        a[0] = 0; /* (killing itself: rarely) */
    uint32_t entry = (uint32_t)(uintptr_t)thread_entry;
    if (nr == TQ_SYS_THREAD_CREATE && a[0] != entry && a[0] >= IMAGE_BASE && a[0] < SEGMENTS && below(r, 8))
        a[0] = entry; /* (a thread started in data or constants faults, and ends the child: rarely) */
    long rc = tq_syscall((long)nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4]);
    if (rc >= 0) {
        succeeded++;
        if (nr == TQ_SYS_MUTEX_CREATE || nr == TQ_SYS_SEM_CREATE || nr == TQ_SYS_COND_CREATE ||
            nr == TQ_SYS_BARRIER_CREATE || nr == TQ_SYS_SEM_OPEN || nr == TQ_SYS_MQ_OPEN)
            handles[below(r, 8)] = (int)rc;
        else if (nr == TQ_SYS_SPAWN)
            pids[below(r, 4)] = (int)rc;
        else if (nr == TQ_SYS_SHM_MAP)
            shm_at = (int)rc;
        return;
    }
    for (unsigned i = 0; i < NERRORS; i++)
        if (rc == -errors[i]) {
            met[i]++;
            return;
        }
    unexpected++;
    printf("fuzz: call %u (%x, %x, %x, %x, %x) returned %ld: not a result the ABI has\n", (unsigned)nr,
           (unsigned)a[0], (unsigned)a[1], (unsigned)a[2], (unsigned)a[3], (unsigned)a[4], rc);
}

/* A thread a child created: calls of its own, from its own seed. */
static void thread_entry(uint32_t seed, uint32_t calls)
{
    uint32_t r = seed | 1;
    for (uint32_t i = 0; i < calls % THREAD_CALLS; i++)
        one_call(&r, false);
    tq_syscall(TQ_SYS_THREAD_EXIT, 0, 0, 0, 0, 0);
}

static int child(uint32_t seed, unsigned calls)
{
    for (int i = 0; i < TQ_ARGS_MAX + 1; i++)
        too_many[i] = "x";
    memset(scratch, '.', sizeof scratch);
    uint32_t r = seed * 2654435761u | 1;
    for (unsigned i = 0; i < calls; i++)
        one_call(&r, true);
    char line[512];
    int n = snprintf(line, sizeof line, "fuzz: child %u made %u calls: %u succeeded", (unsigned)seed, calls,
                     succeeded);
    for (unsigned i = 0; i < NERRORS; i++)
        if (met[i])
            n += snprintf(line + n, sizeof line - (size_t)n, ", %s %u", error_names[i], met[i]);
    printf("%s%s\n", line, unexpected ? ", and results the ABI does not have" : "");
    return unexpected ? 3 : 0;
}

/* ---- The driver ---- */

/* Kills the children still running after `limit` ticks (a thread of the
 * driver's: the driver itself waits for them). */
static volatile int watched[AT_ONCE], children_done;

static void *watchdog(void *arg)
{
    unsigned limit = (unsigned)(uintptr_t)arg;
    for (unsigned t = 0; t < limit && !children_done; t++)
        sleep(1);
    for (unsigned k = 0; k < AT_ONCE && !children_done; k++)
        kill(watched[k]); /* (ESRCH for one that has ended) */
    return NULL;
}

/* Run AT_ONCE children, seeds first, first + 1..., to their ends, their
 * statuses in status[]: false if one could not be run or waited for. */
static bool round_of(uint32_t first, unsigned calls, int status[AT_ONCE])
{
    int pid[AT_ONCE];
    for (unsigned k = 0; k < AT_ONCE; k++) {
        char s[12], c[12];
        snprintf(s, sizeof s, "%u", (unsigned)(first + k));
        snprintf(c, sizeof c, "%u", calls);
        char *argv[] = {"fuzz", "child", s, c, NULL};
        watched[k] = pid[k] = spawn("fuzz", argv);
        if (pid[k] < 0) {
            printf("fuzz: spawn of child %u: %s\n", (unsigned)(first + k), tq_strerror(pid[k]));
            return false;
        }
    }
    children_done = 0;
    pthread_t dog;
    unsigned limit = first / AT_ONCE % 3 ? LIMIT : 1 + first % 4;
    int rc = pthread_create(&dog, NULL, watchdog, (void *)(uintptr_t)limit);
    if (rc)
        printf("fuzz: no watchdog for child %u: %s\n", (unsigned)first, tq_strerror(rc));
    bool ok = true;
    for (unsigned k = 0; k < AT_ONCE; k++) {
        int w = wait(pid[k], &status[k]);
        if (w != pid[k]) {
            printf("fuzz: wait for child %u: %s\n", (unsigned)(first + k), tq_strerror(w));
            ok = false;
        }
    }
    children_done = 1;
    if (rc == 0)
        pthread_join(dog, NULL);
    return ok;
}

/* Memory in use once only `procs` processes are left: the children's own
 * children may still run. They are orphans, which the kernel reaps at the
 * next spawn or wait of anyone's once they have ended (kernel/proc/proc.c):
 * a wait with no child of ours to wait for is that wait. False if some
 * are still there after 500 ticks. */
static bool settled(struct tq_meminfo *m, unsigned procs)
{
    for (unsigned t = 0; t < 500; t++) {
        wait(TQ_WAIT_ANY, NULL); /* (ECHILD, having reaped the orphans that ended) */
        meminfo(m);
        if (m->processes == procs)
            return true;
        sleep(1);
    }
    return false;
}

static int driver(uint32_t seed, unsigned rounds, unsigned calls)
{
    printf("fuzz: seed %u, %u rounds of %u children at once, %u calls each (%u ticks at most; every third round, "
           "1 to 4)\n",
           (unsigned)seed, rounds, AT_ONCE, calls, LIMIT);
    unsigned exited = 0, killed = 0, faulted = 0;
    struct tq_meminfo start, before = {0}, after;
    meminfo(&start);
    for (unsigned i = 0; i < rounds; i++) {
        int st[AT_ONCE];
        if (!round_of(seed + i * AT_ONCE, calls, st))
            return 1;
        for (unsigned k = 0; k < AT_ONCE; k++) {
            exited += st[k] >= 0, killed += st[k] == TQ_STATUS_KILLED, faulted += st[k] <= TQ_STATUS_FAULT(0);
            printf("fuzz: child %u ended with status %d\n", (unsigned)(seed + i * AT_ONCE + k), st[k]);
        }
        /* (after the first round: it mapped the watchdog's stack, which stays for the next) */
        if (i == 0 && !settled(&before, start.processes)) {
            printf("fuzz: the first child's children did not end\n");
            return 1;
        }
    }
    bool all_ended = settled(&after, start.processes);
    printf("fuzz: %u children: %u exited, %u killed, %u faulted\n", rounds * AT_ONCE, exited, killed, faulted);
    if (!all_ended || after.frames_free != before.frames_free || after.heap_free != before.heap_free ||
        after.heap_blocks != before.heap_blocks) {
        printf("fuzz: memory not given back: free frames %u -> %u, heap free %u -> %u bytes in %u -> %u blocks, "
               "processes %u -> %u\n",
               before.frames_free, after.frames_free, before.heap_free, after.heap_free, before.heap_blocks,
               after.heap_blocks, before.processes, after.processes);
        return 1;
    }
    printf("fuzz: the kernel gave back every page frame and heap block (%u frames free, %u heap blocks)\n",
           after.frames_free, after.heap_blocks);
    return 0;
}

static bool number(const char *s, unsigned *out)
{
    unsigned v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000)
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    unsigned v[3] = {1, 8, 300}; /* seed, rounds, calls */
    if (argc == 4 && !strcmp(argv[1], "child") && number(argv[2], &v[0]) && number(argv[3], &v[2]))
        return child(v[0], v[2]);
    bool ok = argc <= 4;
    for (int i = 1; i < argc && ok; i++)
        ok = number(argv[i], &v[i - 1]);
    if (!ok || v[1] == 0) {
        printf("usage: fuzz [SEED [ROUNDS [CALLS]]] (numbers; ROUNDS at least 1), or fuzz child SEED CALLS\n");
        return 2;
    }
    return driver(v[0], v[1], v[2]);
}
