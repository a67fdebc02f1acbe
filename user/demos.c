/*
 * demos.c - the table of demos for run=NAME. The first is the default.
 */
#include <stddef.h>

#include "demo.h"
#include "user.h"


const struct demo demos[] = {
    {"counters", demo_counters, "three CPU-bound tasks share the CPU by preemption"},
    {"workload", demo_workload, "run workload= under sched=: table, Gantt chart, TASK/RESULT lines"},
    {"agree", demo_agree, "every workload under every policy, lines only (checked against the simulator)"},
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
