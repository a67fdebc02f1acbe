/*
 * counters.c - the default demo: preemption you can see.
 *
 * Three tasks count as fast as they can and never yield, never sleep,
 * never block. Each prints its counter after every REPORT_TICKS ticks of its
 * own CPU time. Without a preemptive scheduler the first one would print
 * forever; with one, their lines interleave - A, B, C, A, B, C - and the
 * counters show how much work each got done in its share of the CPU. After
 * a dozen lines each they stop, and the shell takes over (run counters to
 * see them again).
 */
#include "demo.h"
#include "tourniquet.h"
#include "demos.h"
#include "lib/lang.h"

#define REPORT_TICKS 10 /* ticks of CPU time between two lines */
#define REPORTS_WHEN_EXITING 5 /* exit=1: tests */
#define REPORTS 12             /* otherwise, before the shell takes over */

struct counter {
    const char *colour; /* ANSI colour: both consoles show it */
    volatile uint32_t count;
};

static int count_forever(void *arg)
{
    struct counter *c = arg;
    struct task *self = task_current();
    uint64_t next = REPORT_TICKS;
    unsigned reports = 0;
    for (;;) {
        c->count++;
        uint64_t used = task_cpu_ticks(self);
        if (used >= next) {
            char where[16] = ""; /* on several CPUs: where it runs now (they run in parallel) */
            if (sched_ncpus() > 1)
                ksnprintf(where, sizeof where, TR(", on cpu %u", ", sur le CPU %u"), self->cpu);
            kprintf(TR("%s%s\033[0m: counter %10u after %3u ticks of CPU, at tick %u%s\n",
                       "%s%s\033[0m: compteur %10u après %3u ticks de CPU, au tick %u%s\n"), c->colour, self->name,
                    (unsigned)c->count, (unsigned)used, (unsigned)ticks_now(), where);
            next += REPORT_TICKS;
            if (++reports == (kconfig.exit ? REPORTS_WHEN_EXITING : REPORTS))
                return 0;
        }
    }
}

int demo_counters(void *arg)
{
    (void)arg;
    static struct counter counters[3] = {{"\033[31m", 0}, {"\033[32m", 0}, {"\033[36m", 0}};
    static const char *const names[3] = {"A", "B", "C"};
    struct task *tasks[3];

    kprintf(TR("counters: three tasks that never yield; the timer takes turns for them\n",
               "counters: trois tâches qui ne cèdent jamais le processeur ; l'horloge les fait alterner\n"));
    for (int i = 0; i < 3; i++)
        tasks[i] = task_create(names[i], count_forever, &counters[i]);
    int rc = 0;
    for (int i = 0; i < 3; i++)
        rc |= tasks[i] ? task_join(tasks[i]) : 1;
    return rc;
}

/* run=NAME (kernel/demo.h) */
DEMOS({"counters", demo_counters, "three CPU-bound tasks share the CPU by preemption"});
