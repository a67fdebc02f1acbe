/*
 * smprace.c - run=smprace: the racing counter on several CPUs, for real.
 *
 * run=race makes the race show on one CPU with a preemption point between
 * reading the counter and writing it back. Here there is none: one worker
 * per CPU (pinned there with task_set_affinity), all released together by a
 * barrier, each adding 1 to a shared counter many times - read, a short
 * delay (the course's sleep), write - while the others do the same at the
 * same moment on their own CPUs.
 *
 *   smp-unlocked          updates are lost through real parallelism (how
 *                         many depends on how the emulator interleaves the
 *                         CPUs: none at all is possible, and then says SKIP)
 *   smp-interrupts-off    the course's point: `cli` on one CPU stops nothing
 *                         on another. Two workers with interrupts off meet
 *                         inside the critical section every round (each
 *                         waits there until the other has read the counter
 *                         too), so exactly one update per round is lost, on
 *                         every run: no chance involved
 *   smp-xchg, smp-tsl,    the spinlocks (sync.h): the exact total, and the
 *   smp-ttas, smp-ticket  spins they cost, printed per lock (the ticket
 *                         lock: also a ticket taken and served per
 *                         acquisition)
 *   smp-mutex, smp-sem    sleeping locks: the exact total
 *
 *   smp-lost-wakeup       the slides' sleep()/wakeup() across two CPUs: the
 *                         consumer on CPU 1 finds the buffer empty; the
 *                         producer on CPU 0 fills it and wakes the consumer
 *                         before it is asleep (each waits for the other's
 *                         step, so it happens on every run); the wakeup is
 *                         lost, and the consumer sleeps with an item there
 *   smp-semaphore-wakeup  the same steps with a semaphore: nothing is lost
 *   smp-peterson-nofence  Peterson's algorithm for two CPUs as the slides write
 *                         it: x86 may let a CPU's store to interested[] wait
 *                         in its store buffer while its next load reads the
 *                         other's flag, so both can enter. Real CPUs show it;
 *                         under QEMU it is rare even with the CPUs truly in
 *                         parallel (multi-threaded TCG): a run that saw
 *                         nothing says SKIP
 *   smp-peterson-mfence   the same with MFENCE between the store and the
 *                         load: never both inside, on every run
 *   smp-ticket-fifo       the ticket lock is fair: with every other CPU
 *                         queued behind its holder in a known order, it
 *                         lets them in in exactly that order, round after
 *                         round, with its 16-bit counters wrapping
 *
 * Every check holds on every run, whatever the interleaving; the figures
 * (lost updates, spins) are printed as "# key=value" lines.
 */
#include "demo.h"
#include "demo_util.h"
#include "demos.h"
#include "lib/lang.h"

#define SMP_INCREMENTS 4000 /* per worker */
#define SMP_SLEEPING 500     /* per worker, with a mutex or a semaphore: each wait is a sleep and a wakeup */
#define SMP_DELAY 20         /* iterations between the read and the write */
#define SMP_ROUNDS 200       /* rounds of the interrupts-off rendezvous */

enum smp_remedy { S_NONE, S_XCHG, S_TSL, S_TTAS, S_TICKET, S_MUTEX, S_SEM };
static const char *const smp_names[] = {"smp-unlocked", "smp-xchg", "smp-tsl", "smp-ttas", "smp-ticket",
                                        "smp-mutex", "smp-sem"};

static volatile uint32_t counter;
static volatile unsigned inside, overlaps;
static struct spinlock locks[5]; /* indexed by remedy: S_XCHG .. S_TICKET */
static struct mutex mtx;
static struct semaphore sem;
static struct barrier start;
static enum smp_remedy remedy;

static void delay(void)
{
    for (volatile int d = 0; d < SMP_DELAY; d++)
        ;
}

static int smp_worker(void *arg)
{
    (void)arg;
    barrier_wait(&start); /* everyone starts at once, each on its CPU */
    unsigned rounds = remedy >= S_MUTEX ? SMP_SLEEPING : SMP_INCREMENTS;
    for (unsigned k = 0; k < rounds; k++) {
        if (remedy >= S_XCHG && remedy <= S_TICKET)
            spin_lock(&locks[remedy]);
        else if (remedy == S_MUTEX)
            mutex_lock(&mtx);
        else if (remedy == S_SEM)
            sem_down(&sem);
        if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) > 1)
            __atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
        uint32_t temp = counter; /* temp = compteur */
        delay();                 /* sleep(...) */
        counter = temp + 1;      /* compteur = temp + 1 */
        __atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
        if (remedy >= S_XCHG && remedy <= S_TICKET)
            spin_unlock(&locks[remedy]);
        else if (remedy == S_MUTEX)
            mutex_unlock(&mtx);
        else if (remedy == S_SEM)
            sem_up(&sem);
    }
    return 0;
}

/* Start n workers, worker i pinned to CPU i, and wait for them. */
static bool run_pinned(unsigned n, task_entry_t fn)
{
    struct task *t[SCHED_MAX_CPUS];
    barrier_init(&start, "start", n);
    for (unsigned i = 0; i < n; i++) {
        char name[TASK_NAME_MAX];
        ksnprintf(name, sizeof name, "cpu%u-worker", i);
        t[i] = task_new(name, fn, (void *)(uintptr_t)i);
        if (!t[i] || !task_set_affinity(t[i], 1u << i)) {
            kprintf(TR("smprace: could not start %s\n", "smprace : impossible de lancer %s\n"), name);
            return false;
        }
        task_start_at(t[i], ticks_now());
    }
    join_all(t, n);
    return true;
}

/* A ticket lock's counters after the run: every acquisition took one
 * ticket and every release served one (16 bits: they wrap). This holds on
 * every run, however the CPUs interleaved; a lock that excludes nobody
 * but was lucky (the CPUs never met inside) fails it all the same. */
static bool tickets_ok(enum smp_remedy r)
{
    const struct spinlock *l = &locks[r];
    return r != S_TICKET || (l->next == l->serving && l->next == (uint16_t)l->acquisitions);
}

static int smp_case(unsigned n, enum smp_remedy r)
{
    remedy = r;
    counter = 0;
    inside = overlaps = 0;
    uint64_t t0 = ticks_now();
    if (!run_pinned(n, smp_worker))
        return ktap_result(false, smp_names[r]);
    uint32_t expected = n * (r >= S_MUTEX ? SMP_SLEEPING : SMP_INCREMENTS);
    int failed = 0;
    if (r == S_NONE && counter == expected)
        ktap_skip(smp_names[r], "the CPUs never overlapped inside this run (the emulator ran them one after "
                                "another): nothing was lost this time");
    else if (r == S_NONE)
        failed = ktap_result(counter < expected && overlaps > 0, smp_names[r]);
    else
        failed = ktap_result(counter == expected && overlaps == 0 && tickets_ok(r), smp_names[r]);
    kprintf("# cpus=%u total=%u expected=%u lost=%u overlaps=%u ticks=%u", n, (unsigned)counter,
            (unsigned)expected, (unsigned)(expected - counter), overlaps, (unsigned)(ticks_now() - t0));
    if (r >= S_XCHG && r <= S_TICKET)
        kprintf(" acquisitions=%u spins=%llu", (unsigned)locks[r].acquisitions,
                (unsigned long long)locks[r].spins);
    if (r == S_TICKET)
        kprintf(" tickets=%u served=%u", (unsigned)locks[r].next, (unsigned)locks[r].serving);
    kprintf("\n");
    return failed;
}

/* ---- Interrupts off is no lock: the rendezvous ---------------------------------- */

static volatile uint32_t read_round[2], done_round[2];
static volatile unsigned both_inside;

static int irq_off_worker(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg, other = 1 - me;
    barrier_wait(&start);
    for (uint32_t r = 1; r <= SMP_ROUNDS; r++) {
        arch_irqstate_t s = arch_irq_save(); /* "disable interrupts" to enter */
        uint32_t temp = counter;
        read_round[me] = r;
        while (read_round[other] < r) /* the other CPU is inside too: cli did not stop it */
            arch_cpu_relax();
        if (me == 0)
            both_inside++;
        counter = temp + 1; /* both read the same value: one of the two updates is lost */
        arch_irq_restore(s);
        done_round[me] = r;
        while (done_round[other] < r) /* both have written before the next round */
            arch_cpu_relax();
    }
    return 0;
}

static int irq_off_case(void)
{
    counter = 0;
    both_inside = 0;
    read_round[0] = read_round[1] = done_round[0] = done_round[1] = 0;
    if (!run_pinned(2, irq_off_worker))
        return ktap_result(false, "smp-interrupts-off");
    int failed = ktap_result(counter == SMP_ROUNDS && both_inside == SMP_ROUNDS, "smp-interrupts-off");
    kprintf(TR("# rounds=%u both_cpus_inside=%u total=%u expected=%u lost=%u (interrupts were off on both CPUs "
               "throughout)\n",
               "# rounds=%u both_cpus_inside=%u total=%u expected=%u lost=%u (les interruptions étaient coupées "
               "sur les deux processeurs tout du long)\n"),
            SMP_ROUNDS, both_inside, (unsigned)counter, 2 * SMP_ROUNDS, (unsigned)(2 * SMP_ROUNDS - counter));
    return failed;
}

/* ---- The lost wakeup, across two CPUs ------------------------------------------ */

static volatile unsigned lw_count, lw_checked, lw_woke;
static volatile bool lw_woken;         /* what wakeup() said: was the consumer asleep? */
static struct task *volatile lw_consumer;
static struct semaphore lw_sem;
static bool lw_with_sem;

static int lw_consume(void *arg)
{
    (void)arg;
    barrier_wait(&start);
    if (lw_count == 0) {  /* if (count == 0) ... */
        lw_checked = 1;   /* (tell the producer we have looked) */
        while (!lw_woke)  /* ...the producer's wakeup comes right here... */
            arch_cpu_relax();
        if (lw_with_sem)
            sem_down(&lw_sem); /* a semaphore remembers the up: no sleep */
        else
            task_suspend();    /* ...sleep(): too late, the wakeup is gone */
    }
    return 0;
}

static int lw_produce(void *arg)
{
    (void)arg;
    barrier_wait(&start);
    while (!lw_checked)
        arch_cpu_relax();
    lw_count = 1; /* insert_item(); count = count + 1 */
    if (lw_with_sem) {
        sem_up(&lw_sem);
        lw_woken = true;
    } else {
        lw_woken = task_resume(lw_consumer); /* if (count == 1) wakeup(consumer) */
    }
    lw_woke = 1;
    return 0;
}

static int lost_wakeup_case(bool with_sem)
{
    const char *name = with_sem ? "smp-semaphore-wakeup" : "smp-lost-wakeup";
    lw_count = lw_checked = lw_woke = 0;
    lw_woken = false;
    lw_with_sem = with_sem;
    sem_init(&lw_sem, "wakeup", 0);
    barrier_init(&start, "start", 2);
    struct task *p = task_new("producer", lw_produce, NULL), *c = task_new("consumer", lw_consume, NULL);
    if (!p || !c || !task_set_affinity(p, 1u << 0) || !task_set_affinity(c, 1u << 1))
        return ktap_result(false, name);
    lw_consumer = c;
    task_start_at(p, ticks_now());
    task_start_at(c, ticks_now());
    /* Give the consumer time to finish, or to be asleep for good. */
    for (unsigned k = 0; k < 20 && c->state != TASK_DEAD && !(c->state == TASK_BLOCKED && lw_woke); k++)
        task_sleep(1);
    bool asleep = c->state == TASK_BLOCKED;
    task_join(p);
    int failed;
    if (with_sem) {
        failed = ktap_result(!asleep && lw_woken && lw_count == 1, name);
    } else {
        failed = ktap_result(asleep && !lw_woken && lw_count == 1, name);
        task_resume(c); /* let it go, to join it */
    }
    task_join(c);
    kprintf("# consumer_asleep_with_an_item=%d %s=%d count=%u\n", asleep,
            with_sem ? "up_counted" : "wakeup_found_it_asleep", lw_woken, lw_count);
    return failed;
}

/* ---- Peterson on two CPUs: the store buffer ------------------------------------- */

#define PETERSON_ROUNDS 20000

static volatile int p_interested[2], p_turn;
static volatile uint32_t p_count;
static bool p_fence;

static int peterson_worker(void *arg)
{
    int me = (int)(uintptr_t)arg, other = 1 - me;
    barrier_wait(&start);
    for (unsigned k = 0; k < PETERSON_ROUNDS; k++) {
        p_interested[me] = 1; /* interested[process] = TRUE */
        p_turn = me;          /* turn = process */
        if (p_fence)
            __atomic_thread_fence(__ATOMIC_SEQ_CST); /* MFENCE: the stores are seen before the loads */
        while (p_turn == me && p_interested[other]) /* while (turn == process && interested[other]) */
            arch_cpu_relax();
        if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) > 1)
            __atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
        p_count = p_count + 1;
        __atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
        p_interested[me] = 0; /* leave_region */
    }
    return 0;
}

static int peterson_case(bool fence)
{
    const char *name = fence ? "smp-peterson-mfence" : "smp-peterson-nofence";
    p_fence = fence;
    p_interested[0] = p_interested[1] = 0;
    p_turn = 0;
    p_count = 0;
    inside = overlaps = 0;
    if (!run_pinned(2, peterson_worker))
        return ktap_result(false, name);
    int failed = 0;
    if (!fence && overlaps == 0)
        ktap_skip(name, "no store passed a load in this run: x86 allows it and real CPUs show it, but under "
                        "QEMU it is rare even with -accel tcg,thread=multi");
    else if (!fence)
        failed = ktap_result(overlaps > 0, name);
    else
        failed = ktap_result(overlaps == 0 && p_count == 2 * PETERSON_ROUNDS, name);
    kprintf("# fence=%s both_inside=%u total=%u expected=%u\n", fence ? "mfence" : "none", overlaps,
            (unsigned)p_count, 2 * PETERSON_ROUNDS);
    return failed;
}

/* ---- The ticket lock serves in order: fairness on every CPU --------------------- */

/* Each round one CPU (they take turns) holds the ticket lock while every
 * other CPU queues behind it, one after another in a fixed order: CPU k
 * takes its ticket only once it sees k tickets out (the holder's and those
 * of the k - 1 before it), so the order of the tickets is set by the lock's
 * own state, not by timing. The holder lets go only when all n tickets are
 * out, then at once asks again: its new ticket is behind every waiter. A
 * ticket lock must then let them in exactly in that order - holder, the
 * waiters in turn, the holder again - on every run; a lock that lets the
 * CPU nearest the released word in (TTAS, XCHG) need not. The counters
 * start near 65,535 so that they wrap during the case. */
#define FIFO_ROUNDS_PER_CPU 3
#define FIFO_ROUNDS (FIFO_ROUNDS_PER_CPU * SCHED_MAX_CPUS)
#define FIFO_START 0xfff8u         /* next and serving at the start: 16 bits wrap soon */
#define FIFO_PATIENCE (1ull << 36) /* cycles a line-up may take (2^25 seen; 2^33 under -icount with no
                                      PAUSE in the lock's spin) */

static struct spinlock fifo_lock;
static volatile uint8_t fifo_order[FIFO_ROUNDS][SCHED_MAX_CPUS + 1]; /* who got in, per round, in turn */
static volatile unsigned fifo_got[FIFO_ROUNDS];
static volatile unsigned fifo_inside; /* CPUs inside the lock: 1 at most */
static volatile bool fifo_abort;      /* something is wrong: everyone stops queueing */
static const char *volatile fifo_why; /* the first thing that went wrong */

static void fifo_fail(const char *why)
{
    if (!fifo_abort)
        fifo_why = why;
    fifo_abort = true;
}

/* Tickets taken and not yet served: the holder's and the waiters'. */
static uint16_t fifo_out(void)
{
    return (uint16_t)(__atomic_load_n(&fifo_lock.next, __ATOMIC_ACQUIRE) -
                      __atomic_load_n(&fifo_lock.serving, __ATOMIC_ACQUIRE));
}

/* Wait until `want` tickets are out; false if the case gave up meanwhile.
 * While anyone waits here the holder still holds the lock, so a correct
 * lock only ever adds tickets: one served (the count going down), or more
 * out than CPUs have asked, is a lock that let someone in. The patience
 * is a last resort, for a lock that stalls without spinning for ever. */
static bool fifo_wait_out(uint16_t want)
{
    uint64_t t0 = cycles_now();
    uint16_t seen = 0;
    for (uint16_t out; (out = fifo_out()) != want; seen = out) {
        if (out < seen)
            fifo_fail("a ticket was served while the holder still held the lock (next - serving went down)");
        else if (out > want)
            fifo_fail("more tickets were out than CPUs had asked for");
        else if (cycles_now() - t0 > FIFO_PATIENCE)
            fifo_fail("the waiters' tickets never all showed in next - serving");
        if (fifo_abort)
            return false;
        arch_cpu_relax();
    }
    return true;
}

/* Inside the lock: note who got in (fifo_leave before unlocking). */
static void fifo_enter(unsigned round, unsigned me)
{
    if (__atomic_add_fetch(&fifo_inside, 1, __ATOMIC_SEQ_CST) > 1)
        fifo_fail("two CPUs were inside the lock at once");
    unsigned k = fifo_got[round];
    if (k < SCHED_MAX_CPUS + 1)
        fifo_order[round][k] = (uint8_t)me;
    fifo_got[round] = k + 1;
}

static void fifo_leave(void)
{
    __atomic_sub_fetch(&fifo_inside, 1, __ATOMIC_SEQ_CST);
}

/* One round, from CPU `me`, `place`-th in line (0: the holder). */
static void fifo_round(unsigned r, unsigned me, unsigned place, unsigned n)
{
    if (place == 0) {
        spin_lock(&fifo_lock);
        fifo_enter(r, me);
        uint16_t out = fifo_out(); /* ours, and maybe some waiters' already */
        if (out == 0 || out > n)
            fifo_fail("the lock was taken without a ticket (with it held, next - serving must be 1 to the number of "
                      "CPUs)");
        else
            fifo_wait_out((uint16_t)n); /* every other CPU holds a ticket behind ours */
        fifo_leave();
        spin_unlock(&fifo_lock);
        spin_lock(&fifo_lock); /* at once: our new ticket is behind all of theirs */
        fifo_enter(r, me);
        fifo_leave();
        spin_unlock(&fifo_lock);
    } else if (fifo_wait_out((uint16_t)place)) { /* the holder and the place - 1 before us have theirs */
        spin_lock(&fifo_lock);
        fifo_enter(r, me);
        fifo_leave();
        spin_unlock(&fifo_lock);
    }
}

static int fifo_worker(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg, n = sched_ncpus();
    barrier_wait(&start);
    for (unsigned r = 0; r < FIFO_ROUNDS_PER_CPU * n; r++) {
        if (!fifo_abort) /* the holder takes turns: CPU r % n */
            fifo_round(r, me, (me + n - r % n) % n, n);
        barrier_wait(&start); /* the round is over on every CPU */
    }
    return 0;
}

static int ticket_fifo_case(unsigned n)
{
    spin_init(&fifo_lock, "fifo", SPIN_TICKET);
    fifo_lock.next = fifo_lock.serving = FIFO_START;
    fifo_abort = false;
    fifo_why = NULL;
    fifo_inside = 0;
    for (unsigned r = 0; r < FIFO_ROUNDS; r++)
        fifo_got[r] = 0;
    if (!run_pinned(n, fifo_worker))
        return ktap_result(false, "smp-ticket-fifo");
    unsigned rounds = FIFO_ROUNDS_PER_CPU * n, in_order = 0, wrong = rounds;
    for (unsigned r = 0; r < rounds; r++) {
        bool ok = fifo_got[r] == n + 1;
        for (unsigned k = 0; ok && k <= n; k++)
            ok = fifo_order[r][k] == (r + k) % n;
        in_order += ok;
        if (!ok && wrong == rounds)
            wrong = r;
    }
    uint16_t end = (uint16_t)(FIFO_START + fifo_lock.acquisitions);
    bool tickets = fifo_lock.next == end && fifo_lock.serving == end;
    int failed = ktap_result(!fifo_abort && in_order == rounds && tickets, "smp-ticket-fifo");
    kprintf(TR("# cpus=%u rounds=%u served_in_ticket_order=%u tickets=%u served=%u (both started at %u)\n",
               "# cpus=%u rounds=%u served_in_ticket_order=%u tickets=%u served=%u (partis tous deux de %u)\n"),
            n, rounds, in_order, (unsigned)fifo_lock.next, (unsigned)fifo_lock.serving, FIFO_START);
    if (fifo_why)
        kprintf(TR("# gave up: %s\n", "# abandon : %s\n"), fifo_why);
    if (wrong < rounds) {
        kprintf(TR("# round %u: let in", "# tour %u : entrés"), wrong);
        for (unsigned k = 0; k < fifo_got[wrong] && k <= n; k++)
            kprintf(" cpu%u", (unsigned)fifo_order[wrong][k]);
        kprintf(TR("; in ticket order:", " ; dans l'ordre des tickets :"));
        for (unsigned k = 0; k <= n; k++)
            kprintf(" cpu%u", (wrong + k) % n);
        kprintf("\n");
    }
    return failed;
}

int demo_smprace(void *arg)
{
    (void)arg;
    unsigned n = sched_ncpus();
    ktap_plan(13);
    if (n < 2) {
        const char *why = "needs several CPUs: boot with cpus=2 or more (make run CPUS=2)";
        for (unsigned r = S_NONE; r <= S_SEM; r++)
            ktap_skip(smp_names[r], why);
        ktap_skip("smp-interrupts-off", why);
        ktap_skip("smp-lost-wakeup", why);
        ktap_skip("smp-semaphore-wakeup", why);
        ktap_skip("smp-peterson-nofence", why);
        ktap_skip("smp-peterson-mfence", why);
        ktap_skip("smp-ticket-fifo", why);
        return 0;
    }
    static const enum spin_kind kinds[] = {SPIN_XCHG, SPIN_TSL, SPIN_TTAS, SPIN_TICKET};
    static const char *const lock_names[] = {"xchg", "tsl", "ttas", "ticket"};
    for (unsigned k = 0; k < 4; k++)
        spin_init(&locks[S_XCHG + k], lock_names[k], kinds[k]);
    mutex_init(&mtx, "counter");
    sem_init(&sem, "counter", 1);
    kprintf(TR("smprace: %u workers, one per CPU, x %u increments, no preemption point\n",
               "smprace : %u travailleurs, un par processeur, x %u incréments, aucun point de préemption\n"),
            n, SMP_INCREMENTS);
    int failed = 0;
    for (unsigned r = S_NONE; r <= S_SEM; r++)
        failed += smp_case(n, (enum smp_remedy)r);
    failed += irq_off_case();
    failed += lost_wakeup_case(false);
    failed += lost_wakeup_case(true);
    failed += peterson_case(false);
    failed += peterson_case(true);
    failed += ticket_fifo_case(n);
    return failed;
}

/* run=NAME (kernel/demo.h) */
DEMOS({"smprace", demo_smprace, "the racing counter on several CPUs: interrupts off fails, spinlocks spin"});
