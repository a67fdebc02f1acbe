/*
 * cmdline.h - the kernel command line: key=value words.
 *
 * GRUB passes what follows the kernel path on its `multiboot` line; QEMU
 * passes -append "...". An unknown key or a bad value gets one line saying
 * what was wrong and what is valid, and the option keeps its default.
 * `help` lists every option. The table of options is in cmdline.c.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

struct kconfig {
    uint32_t hz;       /* timer interrupts per second */
    uint32_t slow;     /* slow=N: a tick every N ms (the timer at 1000 Hz, every Nth interrupt); 0: off */
    uint32_t jitter;   /* % of random variation of each timer period (seed=) */
    const char *sched; /* scheduling policy name */
    const char *test;  /* in-kernel test to run ("" for none) */
    const char *run;   /* demo to run when no test is given */
    const char *workload; /* run=workload: a built-in name or a task list (workload.h) */
    bool exit;         /* leave QEMU once the test or demo is done */
    uint32_t cpus;     /* CPUs to schedule on (1..8; fewer if fewer are present) */
    const char *rq;    /* "percpu" or "global": one run queue per CPU, or one for all */
    bool help;         /* print the options at boot */
};

/* The configuration, with its defaults until cmdline_parse changes it. */
extern struct kconfig kconfig;

/* Restore every option to its default (for tests). */
void cmdline_reset(void);

/* Parse a command line, splitting it in place (the string must stay alive:
 * string options point into it). The first word is skipped when it is the
 * kernel image's path, as loaders pass it. Each problem is reported on its
 * own line; returns how many there were. */
int cmdline_parse(char *line);

/* After cmdline_parse: whether the line gave option `key`; how many of its
 * values were refused (out of range, not a number...: the option kept its
 * value). */
bool cmdline_given(const char *key);
unsigned cmdline_refused(void);

/* After a cmdline_parse that chose `p` (sched=, or the shell's sched):
 * one line for each scheduling parameter the line gave that p does not
 * use (sched=fifo quantum=5), naming the ones it does. */
struct sched_policy;
void cmdline_check_params(const struct sched_policy *p);

/* Print every option with its valid values, default and meaning. */
void cmdline_help(void);

/* Start this CPU's timer as the options say: hz interrupts per second, each
 * a tick; with slow=N, 1000 a second and every Nth a tick (N ms per tick).
 * The boot and every CPU's start; and a demo that ran the timer faster for
 * a while (make bench) puts it back so. (kernel/main.c) */
void kconfig_timer_start(void);

#endif /* KERNEL_CMDLINE_H */
