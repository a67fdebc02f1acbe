/*
 * sim.c - Tourniquet's scheduler on the host, tick by tick.
 *
 *   build/tourniquet-sim sched=srt run=workload workload=course
 *   build/tourniquet-sim sched=rr quantum=3 workload=A:0:15,B:2:4
 *
 * The simulator is the kernel's own portable code - the scheduler core, every
 * policy, the workload runner and its report, the command-line parser, the
 * demos in demos/workloads.c - compiled for the host against the fake arch in
 * tests/host/fake/. No task code runs: workload tasks only burn CPU, and the
 * core decides everything about them at tick boundaries, so the simulator
 * prints the same table, Gantt chart and TASK/RESULT lines as the kernel in
 * QEMU. Use it to check homework answers and to test a new policy in a lab.
 *
 * It takes the kernel's command-line words. run= is workload (the default
 * here) or agree; the other demos need a CPU.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "console.h"
#include "demo.h"
#include "fake.h"
#include "lib/kmem.h"
#include "ktest.h"
#include "sched/sched.h"
#include "sched/task.h"
#include "demos.h"

/* The demos: those of demos/workloads.c, which registers them itself (the
 * others need a CPU); no in-kernel tests. */

void console_write_serial(const char *s, size_t n) { console_write(s, n); }
void console_view(int rows) { (void)rows; }

/* stdout; on a terminal with colours, elsewhere (a pipe, a file) without. */
void console_write(const char *s, size_t n)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(1);
    if (tty) {
        fwrite(s, 1, n, stdout);
        return;
    }
    static bool in_escape;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\033')
            in_escape = true;
        else if (!in_escape)
            putchar(s[i]);
        else if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))
            in_escape = false;
    }
}
void fake_console_reset(void) {}
void console_write_aux(const char *s, size_t n) { (void)s, (void)n; }
const char *console_aux_name(void) { return NULL; } /* no COM2: the trace is not written */
void console_panel(unsigned rows) { (void)rows; }
void console_panel_put(unsigned row, unsigned col, char c, unsigned colour) { (void)row, (void)col, (void)c, (void)colour; }

/* Without cmocka: an assertion or a panic prints and stops. */
void mock_assert(const int result, const char *const expression, const char *const file, const int line)
{
    if (result)
        return;
    fflush(stdout);
    fprintf(stderr, "tourniquet-sim: %s (%s:%d)\n", expression, file, line);
    exit(3);
}

static int nothing(void *arg)
{
    (void)arg;
    return 0;
}

int main(int argc, char **argv)
{
    static char line[4096];
    static _Alignas(16) unsigned char heap[8 << 20], idle_stack[16384];
    /* The line starts with the program's path, as a boot loader's starts
     * with the kernel's (the parser skips it): the first option is parsed
     * as the others. */
    size_t len = (size_t)snprintf(line, sizeof line, "tourniquet-sim ");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: %s [key=value ...]   (the kernel's options; `help` lists them)\n", argv[0]);
            return 0;
        }
        len += (size_t)snprintf(line + len, sizeof line - len, "%s ", argv[i]);
        if (len >= sizeof line) {
            fprintf(stderr, "tourniquet-sim: command line too long\n");
            return 2;
        }
    }
    cmdline_reset();
    int problems = cmdline_parse(line);
    if (kconfig.help)
        cmdline_help();
    if (kconfig.test[0]) { /* (accepted by the parser, for the kernel) */
        printf("tourniquet-sim: test=%s: the in-kernel tests run in the kernel only (make test); ignored\n",
               kconfig.test);
        problems++;
    }

    kmem_init(heap, sizeof heap);
    sched_set_rq_mode(kconfig.rq[0] == 'g' ? SCHED_RQ_GLOBAL : SCHED_RQ_PERCPU);
    sched_init(sched_policy_find(kconfig.sched), task_init_idle(idle_stack, sizeof idle_stack));
    fake_start_cpus(kconfig.cpus); /* cpus=N: N fake CPUs, as many as asked */
    fake_tick_while_blocked = true;

    const struct demo *d = demo_find(kconfig.run); /* (the command line accepted only a registered name) */
    if (!d)
        d = demo_find(demo_name(0));
    /* The demo's task: created, it takes over from idle; then we run its
     * body ourselves, "as" that task. */
    task_create(d->name, nothing, NULL);
    int rc = d->main(NULL);
    fflush(stdout);
    return rc || problems ? 1 : 0;
}
