/*
 * workloads.c - the course's scheduling exercises, run for real.
 *
 *   run=workload  runs workload= (default: the course's A, B, C, D) under
 *                 sched= and prints the table, the Gantt chart and the
 *                 TASK/RESULT lines.
 *   run=agree     runs every built-in workload and 30 random ones (from
 *                 seed=) under every policy in turn, switching policy at run
 *                 time, and prints only the TASK/RESULT lines: the host
 *                 simulator prints the same lines for the same command line,
 *                 and `make test` checks that they agree tick for tick.
 *
 * Both compile unchanged into the simulator (sim/), which is how it
 * reproduces the kernel's runs.
 */
#include "demo.h"
#include "console.h"
#include "tourniquet.h"
#include "sched/trace.h"
#include "demos.h"
#include "lib/lang.h"
#include "sched/workload.h"

#define AGREE_RANDOM 30

static struct workload wl;
static struct workload_run run;

/* Resolve workload= into wl: "random" draws one from seed=. */
static bool load(const char *spec)
{
    char err[WL_ERR_MAX];
    if (spec[0] == 'r' && spec[1] == 'a' && spec[2] == 'n' && spec[3] == 'd' && spec[4] == 'o' &&
        spec[5] == 'm' && spec[6] == '\0') {
        uint32_t seed = sched_config.seed;
        workload_random(&wl, &seed, 0);
        return true;
    }
    if (workload_parse(spec, &wl, err, sizeof err))
        return true;
    kprintf("workload: %s\n", err);
    return false;
}

int demo_workload(void *arg)
{
    (void)arg;
    if (!load(kconfig.workload))
        return 1;
    trace_reset();
    if (!workload_run(&run, &wl)) {
        kprintf(TR("workload: out of memory\n", "workload : plus de mémoire\n"));
        return 1;
    }
    workload_report(&run, true);
    if (trace_enabled && console_aux_name()) {
        trace_export_json(console_write_aux);
        kprintf(TR("trace: written as Chrome Trace Event JSON to %s (make run/boot/gantt: build/trace.json; "
                   "open it in Perfetto)\n",
                   "trace : écrite en JSON Chrome Trace Event sur %s (make run/boot/gantt : build/trace.json ; "
                   "ouvrez-la dans Perfetto)\n"),
                console_aux_name());
    }
    return 0;
}

static bool run_quietly(const struct workload *w)
{
    if (!workload_run(&run, w)) {
        kprintf(TR("workload: out of memory\n", "workload : plus de mémoire\n"));
        return false;
    }
    workload_report(&run, false);
    return true;
}

int demo_agree(void *arg)
{
    (void)arg;
    const struct sched_policy *boot_policy = sched_policy();
    unsigned runs = 0;
    for (unsigned p = 0; sched_policies[p]; p++) {
        sched_set_policy(sched_policies[p]);
        for (unsigned b = 0; workload_builtin(b); b++) {
            if (!load(workload_builtin(b)) || !run_quietly(&wl))
                return 1;
            runs++;
        }
        uint32_t seed = sched_config.seed;
        for (unsigned i = 0; i < AGREE_RANDOM; i++) {
            workload_random(&wl, &seed, i);
            if (!run_quietly(&wl))
                return 1;
            runs++;
        }
    }
    sched_set_policy(boot_policy);
    kprintf("agree: %u runs\n", runs);
    return 0;
}

/* run=NAME (kernel/demo.h) */
DEMOS({"workload", demo_workload, "run workload= under sched=: table, Gantt chart, TASK/RESULT lines"},
      {"agree", demo_agree, "every workload under every policy, lines only (checked against the simulator)"});
