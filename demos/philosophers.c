/*
 * philosophers.c - the dining philosophers (run=philosophers).
 *
 * Five philosophers around a table, a fork between each pair; each needs
 * both neighbouring forks to eat.
 *   ordered      every philosopher takes the lower-numbered fork first: no
 *                cycle of waits can form.
 *   state-array  the classic solution with a state per philosopher (thinking,
 *                hungry, eating), one mutex and one semaphore per
 *                philosopher: a philosopher eats only when neither neighbour
 *                does.
 *   naive        everyone takes the left fork, then the right: all five hold
 *                one fork and wait for the other. The mutexes' wait-for
 *                graph shows the cycle (DEADLOCK: P0 waits fork1 held by
 *                P1 -> ...), and the kernel then reports the five stuck.
 * In the working versions no two neighbours ever eat together, and every
 * philosopher eats MEALS times.
 */
#include "demo.h"
#include "demo_util.h"
#include "demos.h"

#define PHILOSOPHERS 5
#define MEALS 8
#define LEFT(i) (i)
#define RIGHT(i) (((i) + 1) % PHILOSOPHERS)

static struct mutex forks[PHILOSOPHERS];
static const char *const fork_names[PHILOSOPHERS] = {"fork0", "fork1", "fork2", "fork3", "fork4"};
static volatile bool eating[PHILOSOPHERS];
static volatile unsigned meals[PHILOSOPHERS], neighbours_together;

static void eat(unsigned i)
{
    if (eating[(i + PHILOSOPHERS - 1) % PHILOSOPHERS] || eating[(i + 1) % PHILOSOPHERS])
        neighbours_together++;
    eating[i] = true;
    preempt_here(); /* a mouthful: others may run meanwhile */
    preempt_here();
    meals[i]++;
    eating[i] = false;
}

static int ordered(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    /* LAB(classics) BEGIN: an order of the two forks that no cycle of waits can come from */
    unsigned first = LEFT(i) < RIGHT(i) ? LEFT(i) : RIGHT(i), second = LEFT(i) + RIGHT(i) - first;
    /* LAB(classics) STUB
    unsigned first = LEFT(i), second = RIGHT(i); // TODO(lab): an order in which five cannot wait in a circle
    LAB(classics) END */
    for (unsigned k = 0; k < MEALS; k++) {
        preempt_here(); /* think */
        mutex_lock(&forks[first]);
        preempt_here();
        mutex_lock(&forks[second]);
        eat(i);
        mutex_unlock(&forks[second]);
        mutex_unlock(&forks[first]);
    }
    return 0;
}

/* The state array. */
enum { THINKING, HUNGRY, EATING };
static volatile int state[PHILOSOPHERS];
static struct mutex table;
static struct semaphore may_eat[PHILOSOPHERS];

/* Philosopher i may eat if hungry and neither neighbour eats. Holds table. */
static void test(unsigned i)
{
    unsigned l = (i + PHILOSOPHERS - 1) % PHILOSOPHERS, r = (i + 1) % PHILOSOPHERS;
    /* LAB(classics) BEGIN: hungry, and neither neighbour eats */
    bool may = state[i] == HUNGRY && state[l] != EATING && state[r] != EATING;
    /* LAB(classics) STUB
    bool may = state[i] == HUNGRY; // TODO(lab): ...and neither neighbour (l, r) is EATING
    (void)l, (void)r;
    LAB(classics) END */
    if (may) {
        state[i] = EATING;
        sem_up(&may_eat[i]);
    }
}

static int with_states(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < MEALS; k++) {
        preempt_here(); /* think */
        mutex_lock(&table);
        state[i] = HUNGRY;
        test(i);
        mutex_unlock(&table);
        sem_down(&may_eat[i]);
        eat(i);
        mutex_lock(&table);
        state[i] = THINKING;
        test((i + PHILOSOPHERS - 1) % PHILOSOPHERS);
        test((i + 1) % PHILOSOPHERS);
        mutex_unlock(&table);
    }
    return 0;
}

static int naive(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    for (;;) {
        mutex_lock(&forks[LEFT(i)]);
        /* One CPU: a preemption point lets the next philosopher take its
         * left fork. Several: they all run at once, so each waits until
         * its neighbour holds the fork it wants - the moment the slides
         * draw, on every run. */
        if (sched_ncpus() > 1)
            WAIT_UNTIL(__atomic_load_n(&forks[RIGHT(i)].owner, __ATOMIC_ACQUIRE) != NULL);
        else
            preempt_here();
        mutex_lock(&forks[RIGHT(i)]);
        eat(i);
        mutex_unlock(&forks[RIGHT(i)]);
        mutex_unlock(&forks[LEFT(i)]);
    }
    return 0;
}

static void reset(void)
{
    for (unsigned i = 0; i < PHILOSOPHERS; i++) {
        mutex_init(&forks[i], fork_names[i]);
        eating[i] = false;
        meals[i] = 0;
        state[i] = THINKING;
        sem_init(&may_eat[i], "may_eat", 0);
    }
    mutex_init(&table, "table");
    neighbours_together = 0;
}

static int run_dinner(const char *name, task_entry_t fn)
{
    reset();
    struct task *p[PHILOSOPHERS];
    spawn(p, PHILOSOPHERS, "P", fn);
    /* A solution that deadlocks (the mutexes print the cycle) is ended and
     * fails, so that the next one still runs. */
    unsigned stuck = sched_wait_quiet();
    if (stuck)
        end_stuck(p, PHILOSOPHERS);
    else
        join_all(p, PHILOSOPHERS);
    bool all_ate = true;
    for (unsigned i = 0; i < PHILOSOPHERS; i++)
        all_ate &= meals[i] == MEALS;
    int failed = ktap_result(all_ate && neighbours_together == 0, name);
    kprintf("# meals=%u,%u,%u,%u,%u neighbours_eating_together=%u\n", meals[0], meals[1], meals[2], meals[3],
            meals[4], neighbours_together);
    return failed;
}

int demo_philosophers(void *arg)
{
    (void)arg;
    ktap_plan(3);
    int failed = run_dinner("philosophers-ordered", ordered);
    failed += run_dinner("philosophers-state-array", with_states);

    /* The naive table deadlocks: the five stay blocked until the demo ends
     * them (task_kill_all), and each lets go of its fork on the way out. */
    reset();
    struct sync_stats before, after;
    sync_get_stats(&before);
    struct task *p[PHILOSOPHERS];
    spawn(p, PHILOSOPHERS, "P", naive);
    unsigned stuck = sched_wait_quiet();
    unsigned ended = end_stuck(p, PHILOSOPHERS);
    sync_get_stats(&after);
    failed += ktap_result(after.deadlocks == before.deadlocks + 1 && stuck == PHILOSOPHERS && ended == PHILOSOPHERS &&
                              after.misuse == before.misuse,
                          "philosophers-naive");
    kprintf("# deadlocks_reported=%u stuck=%u ended=%u\n", after.deadlocks - before.deadlocks, stuck, ended);
    return failed;
}

/* run=NAME (kernel/demo.h) */
DEMOS({"philosophers", demo_philosophers, "dining philosophers: two solutions, then the deadlock"});
