/*
 * bench.c - how many instructions the kernel's hot paths take.
 *
 * Run by `make bench` under QEMU -icount shift=0,sleep=off, where RDTSC
 * (cycles_now) advances by exactly one per executed instruction, so every
 * figure here is an instruction count and the same on every machine. Each
 * result is one line `BENCH name=... instructions=N ...` that
 * tools/bench.py collects into build/bench.json.
 *
 *  boot_to_first_task  from the kernel's first instruction (boot.asm) to
 *                      the start of this demo, the first task.
 *  yield_switch        task_yield in one task to the return of task_yield in
 *                      the other: the voluntary path.
 *  timer_switch        from the timer interrupt to the next task's first
 *                      instruction: the preemptive path. Two tasks spin
 *                      reading the counter; a sample is the gap between the
 *                      last read of one and the first read of the other. It
 *                      also contains part of a loop iteration on each side
 *                      (`loop=` instructions each at most), which is never
 *                      negative: we report the smallest of 64 samples, an
 *                      upper bound on the path within 2 x loop of it. One
 *                      spinner runs 0 to 15 NOPs each time it gets the CPU
 *                      back, so that the ticks catch the two at varying
 *                      points of their loops (under -icount, else always
 *                      the same ones) and the smallest sample holds few of
 *                      their own instructions.
 *  policy_NAME_N       one enqueue plus one pick_next of policy NAME with N
 *                      (10, 100, 1,000, 10,000) tasks in its ready queue:
 *                      the cost of a scheduling decision as the queue grows.
 *                      Measured on stand-in tasks (no stacks), interrupts off,
 *                      the median of 32 pairs (min= and max= beside it), and
 *                      first_pick=: the first pick_next after the N arrivals,
 *                      alone, where a queue that defers its work (a pairing
 *                      heap) pays for all of it; and tick_max=: the costliest
 *                      of 64 ticks of the policy (its tick hook on the running
 *                      stand-in, and the re-queue and pick it asks for). The
 *                      clock does not move meanwhile: prio's aging, which
 *                      raises each waiting task at most once per level
 *                      (amortized O(1) per enqueue), is not in it.
 *  tick_real_POLICY_N  the costliest of 64 ticks with N (10 .. 10,000) real
 *                      CPU-bound tasks under rr, prio, fair and lottery:
 *                      the timer's interrupt to the task that runs on
 *                      (switched to, or kept), with a part of the spinners'
 *                      loop on each side; median= beside it.
 *  sleep_queue_N       the timer queue with N (10 .. 10,000) sleepers: one more
 *                      goes in and is woken early (insert + remove), and
 *                      pop=: the clock takes the first one out.
 *  kmalloc_kfree_N     kmalloc(1000) and its kfree with N (10 .. 10,000) free
 *                      holes of 64 bytes in the heap, none big enough.
 *  spinlock, mutex,    one uncontended lock + unlock (down + up), median of 32,
 *  semaphore           less the median of the same timing around an empty call.
 *  sem_pingpong        a round trip between two tasks through two semaphores:
 *                      up(ping), down(pong) in one task; down(ping), up(pong)
 *                      in the other. Two switches and four operations.
 *
 * With cpus=2 or more (make bench boots a second time with -smp 4), also:
 *  smp_wakeup          sem_up on CPU 0 to the first instruction of the task
 *                      it wakes on CPU 1 (which idled: a reschedule IPI, the
 *                      halted CPU's interrupt, its switch), smallest of 16.
 *  smp_lock_KIND_N     N CPUs (1, 2, 4) each take and release spinlock KIND
 *                      (xchg, tsl, ttas, ticket) 2,000 times at once: the
 *                      guest time (all CPUs' instructions, as -icount
 *                      counts them) per acquire+release.
 *  smp_balance_ticks   16 CPU-bound tasks created on CPU 0: ticks until
 *                      every CPU has 4 of them (target: 2 balancing periods).
 *  smp_sched_lock_waits  8 tasks yield 2,000 times each on every CPU: takes
 *                      of the scheduler's locks that found them held, per
 *                      1,000 switches (rq=percpu: a lock per queue; make
 *                      bench also boots rq=global, one lock for all).
 */
#include "demo.h"
#include "boot.h"
#include "lib/kstring.h"
#include "sync/sync.h"
#include "tourniquet.h"
#include "demos.h"
#include "sched/timerq.h"
#include "sched/trace.h"

#define SAMPLES 64

static uint32_t samples[SAMPLES];
static unsigned nsamples;

static void record(uint64_t delta)
{
    arch_irqstate_t s = arch_irq_save(); /* both spinners record */
    if (nsamples < SAMPLES)
        samples[nsamples++] = (uint32_t)delta;
    arch_irq_restore(s);
}

static void sort(uint32_t *a, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && a[j - 1] > a[j]; j--) {
            uint32_t t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

static uint32_t median(void)
{
    sort(samples, nsamples);
    return nsamples ? samples[nsamples / 2] : 0;
}

/* ---- yield_switch ----------------------------------------------------- */

static volatile uint64_t stamp;
static volatile unsigned yielders_left;

static int yielder(void *arg)
{
    (void)arg;
    for (int i = 0; i < SAMPLES / 2 + 1; i++) {
        stamp = cycles_now();
        task_yield();
        record(cycles_now() - stamp); /* the median discards the odd sample from task exit */
    }
    yielders_left--;
    return 0;
}

/* ---- timer_switch ----------------------------------------------------- */

/*
 * Each spinner keeps reading the counter and stores each reading in
 * seen[me] at once, before anything else it does with it (the instructions
 * between the two are in every sample). A gap between two of its own readings much longer than a loop
 * iteration means it was off the CPU: the other spinner ran, and the other's
 * last reading tells when the switch began. A task may be preempted
 * between reading the counter and storing it; then its stale reading is
 * simply one more iteration old, which the comparison absorbs.
 */
#define GAP 2000 /* instructions: far more than a loop, far less than a tick */

static volatile uint64_t seen[2];
static volatile uint32_t loop_len = ~0u;
static volatile bool spinning;

/* k (0..15) NOPs, one instruction each, after three to jump to them. A
 * sample holds the leaving spinner's instructions from its last reading to
 * the interrupt and the coming one's from where it was interrupted to its
 * first reading: a loop's worth, give or take where each was caught, and
 * under -icount each is caught at the same point every time. A spinner
 * that runs k more instructions once it has the CPU back is caught k
 * further on at its next tick: with k going round 0..15, the samples meet
 * the timer at every point of the loop, and the smallest holds the least
 * of the spinners' own. */
static inline void nops(unsigned k)
{
    __asm__ volatile("lea 1f, %%eax\n\t"
                     "sub %0, %%eax\n\t"
                     "jmp *%%eax\n\t"
                     ".rept 16\n\tnop\n\t.endr\n"
                     "1:"
                     :
                     : "r"(k & 15u)
                     : "eax", "cc");
}

static int spinner(void *arg)
{
    int me = (int)(uintptr_t)arg;
    uint64_t prev = cycles_now();
    while (spinning) {
        uint64_t now = cycles_now();
        seen[me] = now; /* at once: between this reading and a switch, as little of ours as can be */
        uint64_t gap = now - prev;
        if (gap > GAP) {
            uint64_t other = seen[1 - me];
            if (other > prev && other < now)
                record(now - other);
            if (me == 0) /* (one of the two: where the other is caught stays, so the pairs vary) */
                nops(nsamples / 2);
            now = cycles_now(); /* (the nops are no part of the next gap) */
        } else if (gap < loop_len) {
            loop_len = (uint32_t)gap;
        }
        prev = now;
        if (nsamples == SAMPLES)
            spinning = false;
    }
    return 0;
}

/* ---- policy_NAME_N ---------------------------------------------------- */

#define POLICY_PAIRS 32
static const unsigned queue_sizes[] = {10, 100, 1000, 10000};

/* A run queue of its own: the live one is not touched. */
static struct sched_rq bench_rq;
static uint32_t first_pick; /* bench_policy's first pick_next, alone */
static uint32_t tick_max;   /* ...and its costliest tick */

static void bench_policy(const struct sched_policy *p, struct task *fakes, unsigned n)
{
    struct sched_rq *rq = &bench_rq;
    arch_irqstate_t s = arch_irq_save(); /* no tick in the middle of a sample */
    p->init(rq);
    for (unsigned i = 0; i < n; i++) {
        struct task *t = &fakes[i];
        *t = (struct task){.id = 1000 + i, .state = TASK_READY, .arrival = i};
        t->name[0] = (char)('A' + i % 26);
        task_name_changed(t);
        t->burst = t->remaining = 1 + (i * 7919u) % 50;
        t->priority = i % TASK_PRIORITIES;
        t->tickets = 1 + (i * 31u) % 200;
        p->enqueue(rq, t, SCHED_NEW);
    }
    nsamples = 0;
    uint64_t t0 = cycles_now();
    struct task *t = p->pick_next(rq); /* the first pick after n arrivals: where a lazy queue pays */
    first_pick = (uint32_t)(cycles_now() - t0);
    /* Ticks: the policy's tick hook charging the running stand-in, and the
     * re-queue and pick it asks for, if it does. The costliest of 64. */
    tick_max = 0;
    for (unsigned k = 0; k < 64; k++) {
        uint64_t c0 = cycles_now();
        if (p->tick(rq, t)) {
            p->enqueue(rq, t, SCHED_PREEMPTED);
            t = p->pick_next(rq);
        }
        uint32_t d = (uint32_t)(cycles_now() - c0);
        if (d > tick_max)
            tick_max = d;
    }
    for (unsigned k = 0; k < POLICY_PAIRS; k++) {
        uint64_t c0 = cycles_now();
        p->enqueue(rq, t, SCHED_PREEMPTED);
        t = p->pick_next(rq);
        uint64_t c1 = cycles_now();
        samples[nsamples++] = (uint32_t)(c1 - c0);
    }
    arch_irq_restore(s);
}

static void report(const char *name, uint32_t value, const char *extra)
{
    kprintf("BENCH name=%s instructions=%u%s\n", name, (unsigned)value, extra);
}

/* ---- sleep_queue_N -------------------------------------------------------- */

/* The timer queue with N sleepers (stand-ins, a private queue): one more
 * goes to sleep until a tick among theirs and is woken early (insert and
 * remove, median of 32); and the clock's part, the first sleeper taken
 * out (pop=, median of 32). Interrupts off. */
static void bench_sleep_queue(struct task *fakes, unsigned n)
{
    static struct timerq q;
    arch_irqstate_t s = arch_irq_save();
    timerq_init(&q);
    for (unsigned i = 0; i < n; i++) {
        fakes[i] = (struct task){.id = 1000 + i};
        timerq_insert(&q, &fakes[i], 1000 + (i * 7919u) % (4 * n));
    }
    struct task extra = {.id = 999};
    nsamples = 0;
    for (unsigned k = 0; k < POLICY_PAIRS; k++) {
        uint64_t c0 = cycles_now();
        timerq_insert(&q, &extra, 1000 + 2 * n + k);
        timerq_remove(&q, &extra);
        record(cycles_now() - c0);
    }
    uint32_t pair = median();
    nsamples = 0;
    for (unsigned k = 0; k < POLICY_PAIRS; k++) {
        uint64_t c0 = cycles_now();
        struct task *t = timerq_first(&q);
        timerq_remove(&q, t);
        record(cycles_now() - c0);
        timerq_insert(&q, t, t->wake_tick + 4 * n); /* back, later (outside the timing) */
    }
    uint32_t pop = median();
    arch_irq_restore(s);
    char name[32], extra_text[48];
    ksnprintf(name, sizeof name, "sleep_queue_%u", n);
    ksnprintf(extra_text, sizeof extra_text, " sleepers=%u pop=%u", n, (unsigned)pop);
    report(name, pair, extra_text);
}

/* ---- kmalloc_kfree_N ------------------------------------------------------ */

#define MAX_HOLES 10000
static const unsigned hole_counts[] = {10, 100, 1000, MAX_HOLES};

/* kmalloc(1000) and its kfree with N free holes of 64 bytes in the heap,
 * none of them big enough: a first-fit list looked at every one; the tree
 * of free blocks goes down one path. Median of 32. */
static bool bench_heap(void)
{
    void **keep = kmalloc(2 * MAX_HOLES * sizeof *keep);
    if (!keep)
        return false;
    for (unsigned c = 0; c < sizeof hole_counts / sizeof hole_counts[0]; c++) {
        unsigned n = hole_counts[c];
        for (unsigned i = 0; i < 2 * n; i++)
            keep[i] = kmalloc(64);
        for (unsigned i = 1; i < 2 * n; i += 2)
            kfree(keep[i]); /* a hole between two blocks still in use */
        nsamples = 0;
        for (unsigned k = 0; k < SAMPLES / 2; k++) {
            uint64_t c0 = cycles_now();
            kfree(kmalloc(1000));
            record(cycles_now() - c0);
        }
        for (unsigned i = 0; i < 2 * n; i += 2)
            kfree(keep[i]);
        char name[32], extra[64];
        ksnprintf(name, sizeof name, "kmalloc_kfree_%u", n);
        uint32_t m = median();
        ksnprintf(extra, sizeof extra, " holes=%u min=%u max=%u", n, (unsigned)samples[0],
                  (unsigned)samples[nsamples - 1]);
        report(name, m, extra);
    }
    kfree(keep);
    return true;
}

/* ---- tick_real_POLICY_N --------------------------------------------------- */

/*
 * The costliest tick with N real CPU-bound tasks. N spinners each read the
 * counter and store the reading at once in their own word of real_seen. A
 * spinner whose own previous reading is more than REAL_GAP old was
 * interrupted: from the latest reading of any spinner before its own (the
 * task that ran before it: another spinner after a switch, or itself after
 * a tick that kept it) to its reading is one tick's path, from the timer's
 * interrupt to the task that runs on, and a part of a loop on each side.
 * Each spinner has a word of its own: one shared word would take a stale
 * reading from a spinner preempted between its reading and its store. The
 * look at all of them is made with interrupts off, after the reading: a
 * spinner preempted in the middle of it would find the words it had not
 * looked at yet newer than its reading, and miss the one it wants.
 *
 * A spinner's first run only waits at a barrier (N first runs would
 * otherwise take N ticks) that the bench's task, the last party, opens for
 * all at once once every spinner is made; the return from that wait gives
 * no sample: the samples begin once every spinner was preempted in its
 * loop once. The bench's task then waits in task_join: only spinners run
 * while they are measured. The timer runs at 10,000 Hz meanwhile (the
 * spinners' second round is N ticks long); the boot's rate is put back
 * after. The figure is the costliest of 64 samples (median= beside it).
 * On one CPU with the trace off only (make bench's first boot, with 256
 * MiB: 10,000 stacks of 8 KiB are 80 MiB).
 */
#define REAL_GAP 64 /* instructions: more than a spinner's loop, less than any tick */
#define REAL_MAX 10000
static const unsigned real_sizes[] = {10, 100, 1000, REAL_MAX};
static const char *const real_policies[] = {"rr", "prio", "fair", "lottery"};
static volatile uint64_t real_seen[REAL_MAX];
static unsigned real_n;
static volatile bool real_spinning;
static struct barrier real_start;

static int real_spinner(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    barrier_wait(&real_start);
    uint64_t prev = cycles_now();
    real_seen[me] = prev;
    while (real_spinning) {
        uint64_t now = cycles_now();
        real_seen[me] = now;
        if (now - prev > REAL_GAP) {
            /* (interrupts off: the look is one step, no other spinner
             * stores meanwhile; a tick due now comes after it) */
            arch_irqstate_t s = arch_irq_save();
            uint64_t before = prev;
            for (unsigned i = 0; i < real_n; i++) {
                uint64_t seen = real_seen[i];
                if (seen > before && seen < now)
                    before = seen;
            }
            record(now - before);
            now = real_seen[me] = cycles_now();
            arch_irq_restore(s);
        }
        prev = now;
        if (nsamples == SAMPLES)
            real_spinning = false;
    }
    return 0;
}

static bool bench_real_ticks(const struct sched_policy *p, unsigned n)
{
    struct task **ts = kmalloc(n * sizeof *ts);
    if (!ts)
        return false;
    const struct sched_policy *before = sched_policy();
    sched_set_policy(p);
    nsamples = 0;
    real_spinning = true;
    barrier_init(&real_start, "start", n + 1);
    real_n = n;
    for (unsigned i = 0; i < n; i++)
        real_seen[i] = 0;
    unsigned made = 0;
    for (; made < n; made++) {
        char name[16];
        ksnprintf(name, sizeof name, "spin%u", made);
        ts[made] = task_create(name, real_spinner, (void *)(uintptr_t)made);
        if (!ts[made])
            break;
    }
    if (made < n) { /* (out of memory or of stack slots: those made wait at the barrier) */
        real_spinning = false;
        task_kill_all(ts, made);
    }
    arch_irqstate_t s = arch_irq_save();
    arch_timer_start(10000, 1);
    arch_irq_restore(s);
    if (made == n)
        barrier_wait(&real_start); /* the last party: all go */
    for (unsigned i = 0; i < made; i++)
        task_join(ts[i]);
    s = arch_irq_save();
    kconfig_timer_start(); /* the boot's rate again */
    arch_irq_restore(s);
    kfree(ts);
    sched_set_policy(before);
    if (made < n) {
        kprintf("bench: tick_real_%s_%u: only %u tasks could be made\n", p->name, n, made);
        return false;
    }
    unsigned got = nsamples;
    uint32_t med = median();
    char name[40], extra[96];
    ksnprintf(name, sizeof name, "tick_real_%s_%u", p->name, n);
    ksnprintf(extra, sizeof extra, " sched=%s tasks=%u median=%u samples=%u", p->name, n, (unsigned)med, got);
    report(name, got ? samples[got - 1] : 0, extra);
    return true;
}

/* ---- synchronization ------------------------------------------------------ */

static struct semaphore ping, pong;

static int ponger(void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < SAMPLES + 1; k++) {
        sem_down(&ping);
        sem_up(&pong);
    }
    return 0;
}

/* The uncontended lock + unlock of each primitive, alone: each is timed
 * through the same call as an empty function, whose median (the two
 * counter reads, the call, the store of the sample) is taken out. */
static struct spinlock bench_spin;
static struct mutex bench_mutex;
static struct semaphore bench_sem;

static __attribute__((noinline)) void op_nothing(void) { __asm__ volatile("" ::: "memory"); }
static __attribute__((noinline)) void op_spinlock(void)
{
    spin_lock(&bench_spin);
    spin_unlock(&bench_spin);
}
static __attribute__((noinline)) void op_mutex(void)
{
    mutex_lock(&bench_mutex);
    mutex_unlock(&bench_mutex);
}
static __attribute__((noinline)) void op_semaphore(void)
{
    sem_down(&bench_sem);
    sem_up(&bench_sem);
}

/* The median of 32 timed calls of op. */
static uint32_t time_op(void (*op)(void))
{
    nsamples = 0;
    for (unsigned k = 0; k < 32; k++) {
        uint64_t c0 = cycles_now();
        op();
        record(cycles_now() - c0);
    }
    return median();
}

static void bench_sync(void)
{
    spin_init(&bench_spin, "bench", SPIN_XCHG);
    mutex_init(&bench_mutex, "bench");
    sem_init(&bench_sem, "bench", 1);
    char extra[64];
    static const struct {
        const char *name;
        void (*op)(void);
    } ops[3] = {{"spinlock", op_spinlock}, {"mutex", op_mutex}, {"semaphore", op_semaphore}};
    uint32_t empty = time_op(op_nothing);
    for (unsigned which = 0; which < 3; which++) {
        uint32_t med = time_op(ops[which].op);
        ksnprintf(extra, sizeof extra, " min=%u measurement=%u uncontended=lock+unlock",
                  (unsigned)(samples[0] - empty), (unsigned)empty);
        report(ops[which].name, med - empty, extra);
    }

    sem_init(&ping, "ping", 0);
    sem_init(&pong, "pong", 0);
    struct task *t = task_create("ponger", ponger, NULL);
    nsamples = 0;
    for (unsigned k = 0; k < SAMPLES + 1; k++) {
        uint64_t c0 = cycles_now();
        sem_up(&ping);
        sem_down(&pong);
        uint64_t c1 = cycles_now();
        if (k > 0) /* the first round trip also starts the ponger */
            record(c1 - c0);
    }
    task_join(t);
    uint32_t med = median();
    ksnprintf(extra, sizeof extra, " min=%u round_trip=2_switches", (unsigned)samples[0]);
    report("sem_pingpong", med, extra);
}

/* ---- Several CPUs ----------------------------------------------------------------- */

static struct semaphore wake_sem;
static volatile uint64_t wake_t0, wake_t1;
static volatile bool wake_stop;

static int wakee(void *arg)
{
    (void)arg;
    for (;;) {
        sem_down(&wake_sem);
        wake_t1 = cycles_now();
        if (wake_stop)
            return 0;
    }
}

static bool pinned_start(struct task *t, unsigned cpu)
{
    if (!t || !task_set_affinity(t, 1u << cpu))
        return false;
    task_start_at(t, ticks_now());
    return true;
}

static void bench_smp_wakeup(void)
{
    sem_init(&wake_sem, "wake", 0);
    wake_stop = false;
    struct task *w = task_new("wakee", wakee, NULL);
    if (!pinned_start(w, 1))
        return;
    nsamples = 0;
    for (unsigned k = 0; k < 16; k++) {
        task_sleep(2); /* the wakee is asleep in sem_down, CPU 1 idles */
        wake_t1 = 0;
        wake_t0 = cycles_now();
        sem_up(&wake_sem);
        while (wake_t1 == 0)
            task_sleep(1);
        record(wake_t1 - wake_t0);
    }
    wake_stop = true;
    sem_up(&wake_sem);
    task_join(w);
    sort(samples, nsamples);
    report("smp_wakeup", samples[0], " from=cpu0 to=cpu1 samples=16");
}

#define LOCK_ROUNDS 2000
static struct spinlock bench_lock;
static struct barrier lock_start;
static volatile uint64_t lock_t0, lock_t1;
static volatile unsigned lock_done;

static int locker(void *arg)
{
    (void)arg;
    barrier_wait(&lock_start);
    if (arch_cpu_id() == 0)
        lock_t0 = cycles_now();
    for (unsigned k = 0; k < LOCK_ROUNDS; k++) {
        spin_lock(&bench_lock);
        spin_unlock(&bench_lock);
    }
    __atomic_add_fetch(&lock_done, 1, __ATOMIC_SEQ_CST);
    lock_t1 = cycles_now(); /* the last one out writes last */
    return 0;
}

static void bench_smp_locks(void)
{
    static const enum spin_kind kinds[] = {SPIN_XCHG, SPIN_TSL, SPIN_TTAS, SPIN_TICKET};
    static const char *const names[] = {"xchg", "tsl", "ttas", "ticket"};
    for (unsigned k = 0; k < 4; k++) {
        for (unsigned n = 1; n <= sched_ncpus() && n <= 4; n *= 2) {
            spin_init(&bench_lock, names[k], kinds[k]);
            barrier_init(&lock_start, "start", n);
            lock_done = 0;
            struct task *t[4];
            for (unsigned i = 0; i < n; i++)
                if (!pinned_start(t[i] = task_new("locker", locker, NULL), i))
                    return;
            for (unsigned i = 0; i < n; i++)
                task_join(t[i]);
            char name[32], extra[64];
            ksnprintf(name, sizeof name, "smp_lock_%s_%u", names[k], n);
            ksnprintf(extra, sizeof extra, " cpus=%u acquisitions=%u spins=%llu", n, n * LOCK_ROUNDS,
                      (unsigned long long)bench_lock.spins);
            report(name, (uint32_t)(lock_t1 - lock_t0) / (n * LOCK_ROUNDS), extra); /* (fits: a few million) */
        }
    }
}

static volatile bool burning;

static int burner(void *arg)
{
    (void)arg;
    while (burning)
        ;
    return 0;
}

/* Balancing is watched from CPU 0's clock tick, not by a task: a task that
 * wakes to look would itself be one more task to balance. */
static struct task *bal_tasks[16];
static unsigned bal_per[SCHED_MAX_CPUS];
static volatile uint32_t bal_ticks;
static struct semaphore bal_done;

static void bal_check(void *arg)
{
    (void)arg;
    unsigned n = sched_ncpus();
    for (unsigned c = 0; c < n; c++)
        bal_per[c] = 0;
    for (unsigned i = 0; i < 16; i++)
        if (bal_tasks[i])
            bal_per[bal_tasks[i]->cpu]++;
    bool even = true;
    for (unsigned c = 0; c < n; c++)
        even &= bal_per[c] == 16 / n;
    if (even || ++bal_ticks >= 1000)
        sem_up(&bal_done);
    else
        sched_call_on_tick(bal_check, NULL); /* again at the next tick */
}

static void bench_smp_balance(void)
{
    unsigned n = sched_ncpus();
    burning = true;
    sem_init(&bal_done, "balanced", 0);
    bal_ticks = 0;
    /* All 16 start on CPU 0 (placement alone would spread them at once,
     * and there would be nothing to balance); then they may go anywhere,
     * and only balancing moves them. */
    for (unsigned i = 0; i < 16; i++)
        if (!pinned_start(bal_tasks[i] = task_new("burn", burner, NULL), 0))
            bal_tasks[i] = NULL;
    uint64_t t0 = ticks_now();
    for (unsigned i = 0; i < 16; i++)
        if (bal_tasks[i])
            task_set_affinity(bal_tasks[i], ~0u);
    sched_call_on_tick(bal_check, NULL);
    sem_down(&bal_done); /* blocked meanwhile: in no CPU's queue */
    burning = false;
    for (unsigned i = 0; i < 16; i++)
        if (bal_tasks[i])
            task_join(bal_tasks[i]);
    char extra[96], *e = extra;
    e += ksnprintf(e, sizeof extra, " cpus=%u tasks=16 from_tick=%u per_cpu=", n, (unsigned)t0);
    for (unsigned c = 0; c < n; c++)
        e += ksnprintf(e, (size_t)(extra + sizeof extra - e), "%s%u", c ? "/" : "", bal_per[c]);
    report("smp_balance_ticks", bal_ticks, extra);
}

/* Who waits for which scheduler lock: 8 tasks on 4 CPUs yield to each
 * other 2,000 times each, a switch per yield. With rq=percpu each CPU's
 * yields take its own queue's lock alone; with rq=global every switch on
 * every CPU takes the one shared lock. */
#define YIELDS 2000
static int lock_yielder(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < YIELDS; i++)
        task_yield();
    return 0;
}

static void bench_smp_sched_locks(void)
{
    struct sched_stats before, after;
    struct task *t[8];
    sched_get_stats(&before);
    for (unsigned i = 0; i < 8; i++)
        t[i] = task_create("yielder", lock_yielder, NULL);
    for (unsigned i = 0; i < 8; i++)
        if (t[i])
            task_join(t[i]);
    sched_get_stats(&after);
    uint32_t switches = (uint32_t)(after.switches - before.switches);
    uint32_t rq = after.rq_lock_contended - before.rq_lock_contended;
    uint32_t sl = after.sched_lock_contended - before.sched_lock_contended;
    char extra[128];
    ksnprintf(extra, sizeof extra, " rq=%s cpus=%u switches=%u rq_lock_waits=%u sched_lock_waits=%u",
              sched_rq_mode() == SCHED_RQ_GLOBAL ? "global" : "percpu", sched_ncpus(), (unsigned)switches,
              (unsigned)rq, (unsigned)sl);
    report("smp_sched_lock_waits", switches ? (rq + sl) * 1000u / switches : 0, extra); /* (small: no overflow) */
}

static int bench_all(uint64_t first);

/* The bench's switch figures need a preemptive round robin (two spinners
 * that never yield, under sjf, would keep one on the CPU for ever): it runs
 * under rr and puts the policy back after. */
int demo_bench(void *arg)
{
    (void)arg;
    uint64_t first = cycles_now();
    const struct sched_policy *before = sched_policy();
    if (before != sched_policy_find("rr")) {
        kprintf("bench: runs under rr (its figures are rr's; %s is put back after)\n", before->name);
        sched_set_policy(sched_policy_find("rr"));
    }
    int rc = bench_all(first);
    sched_set_policy(before);
    return rc;
}

static int bench_all(uint64_t first)
{
    const struct boot_info *bi = boot_info();
    static bool ran_before;
    if (!ran_before && kstreq(kconfig.run, "bench")) /* the boot's own demo: it is the first task */
        report("boot_to_first_task", (uint32_t)(first - bi->entry_cycles), "");
    else
        kprintf("bench: boot_to_first_task is measured only when the bench is the boot's demo, the first "
                "time (run=bench on the command line)\n");
    ran_before = true;

    /* Voluntary: two tasks yield to each other. */
    nsamples = 0;
    yielders_left = 2;
    struct task *a = task_create("yield-a", yielder, NULL);
    struct task *b = task_create("yield-b", yielder, (void *)1);
    task_join(a);
    task_join(b);
    char extra[128];
    unsigned n = nsamples;
    uint32_t med = median();
    ksnprintf(extra, sizeof extra, " min=%u samples=%u", (unsigned)samples[0], n);
    report("yield_switch", med, extra);

    /* Preemptive: two tasks spin; the timer switches between them. */
    nsamples = 0;
    spinning = true;
    a = task_create("spin-a", spinner, (void *)0);
    b = task_create("spin-b", spinner, (void *)1);
    task_join(a);
    task_join(b);
    n = nsamples;
    med = median();
    ksnprintf(extra, sizeof extra, " min=%u median_raw=%u loop=%u samples=%u", (unsigned)samples[0],
              (unsigned)med, (unsigned)loop_len, n);
    /* The path is the same every tick; each sample adds a non-negative
     * part of a loop iteration on each side. So the smallest sample is the
     * tightest upper bound on the path. */
    report("timer_switch", samples[0], extra);

    bench_sync();

    /* Policies: the stand-in tasks never run; each policy gets a private
     * run queue (bench_rq), so the live one is not touched. */
    struct task *fakes = kzalloc(10000 * sizeof *fakes);
    if (!fakes) {
        kprintf("bench: no memory for 10,000 stand-in tasks\n");
        return 1;
    }
    for (unsigned p = 0; sched_policies[p]; p++) {
        for (unsigned k = 0; k < sizeof queue_sizes / sizeof queue_sizes[0]; k++) {
            bench_policy(sched_policies[p], fakes, queue_sizes[k]);
            char name[40];
            ksnprintf(name, sizeof name, "policy_%s_%u", sched_policies[p]->name, queue_sizes[k]);
            uint32_t m = median();
            ksnprintf(extra, sizeof extra, " policy=%s ready=%u min=%u max=%u first_pick=%u tick_max=%u",
                      sched_policies[p]->name, queue_sizes[k], (unsigned)samples[0], (unsigned)samples[nsamples - 1],
                      (unsigned)first_pick, (unsigned)tick_max);
            report(name, m, extra);
        }
    }
    for (unsigned k = 0; k < sizeof queue_sizes / sizeof queue_sizes[0]; k++)
        bench_sleep_queue(fakes, queue_sizes[k]);
    kfree(fakes);
    if (!bench_heap()) {
        kprintf("bench: no memory for the heap's holes\n");
        return 1;
    }
    for (unsigned p = 0; sched_ncpus() == 1 && !trace_enabled && p < sizeof real_policies / sizeof real_policies[0]; p++)
        for (unsigned k = 0; k < sizeof real_sizes / sizeof real_sizes[0]; k++)
            if (!bench_real_ticks(sched_policy_find(real_policies[p]), real_sizes[k]))
                break;
    if (sched_ncpus() > 1) {
        bench_smp_wakeup();
        bench_smp_locks();
        bench_smp_balance();
        bench_smp_sched_locks();
    }
    return 0;
}

/* run=NAME (kernel/demo.h) */
DEMOS({"bench", demo_bench, "instruction counts of the switch paths (make bench)"});
