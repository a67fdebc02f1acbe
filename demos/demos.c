/*
 * demos.c - the table of demos for run=NAME. The first is the default.
 */
#include <stddef.h>

#include "demo.h"
#include "kstring.h"
#include "demos.h"


const struct demo demos[] = {
    {"counters", demo_counters, "three CPU-bound tasks share the CPU by preemption"},
    {"workload", demo_workload, "run workload= under sched=: table, Gantt chart, TASK/RESULT lines"},
    {"agree", demo_agree, "every workload under every policy, lines only (checked against the simulator)"},
    {"race", demo_race, "4 tasks x 100 increments: unlocked, then with each kind of lock"},
    {"exclusion", demo_exclusion, "lock variable, strict alternation, Peterson, interrupts off"},
    {"smprace", demo_smprace, "the racing counter on several CPUs: interrupts off fails, spinlocks spin"},
    {"prodcons", demo_prodcons, "producer-consumer: lost wakeup, semaphores, messages"},
    {"philosophers", demo_philosophers, "dining philosophers: two solutions, then the deadlock"},
    {"readers-writers", demo_readers_writers, "readers-writers lock: no torn reads, writers alone"},
    {"barber", demo_barber, "the sleeping barber"},
    {"barrier", demo_barrier, "a reusable barrier, phase after phase"},
    {"inversion", demo_inversion, "priority inversion without and with priority inheritance"},
    {"misuse", demo_misuse, "misused locks are reported; a lock-order deadlock is found"},
    {"shell", demo_shell, "an interactive shell on the serial console and the keyboard"},
    {"bench", demo_bench, "instruction counts of the switch paths (make bench)"},
    {NULL, NULL, NULL},
};

const char *demo_name(unsigned i)
{
    for (unsigned k = 0; demos[k].name; k++)
        if (k == i)
            return demos[k].name;
    return NULL;
}

const struct demo *demo_find(const char *name)
{
    for (unsigned k = 0; demos[k].name; k++)
        if (kstreq(demos[k].name, name))
            return &demos[k];
    return NULL;
}
