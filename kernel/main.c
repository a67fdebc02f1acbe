/*
 * main.c - from the boot loader's hand-off to the first task.
 *
 * kernel_main runs on the boot stack. It reads the command line, sets up
 * the heap and the scheduler, turns itself into the idle task, starts the
 * timer and creates the first task: the test runner (test=) or a demo
 * (run=). Creating that task switches to it at once, since only the idle
 * task was running; when nothing is ready, we come back here and idle.
 * With cpus=N, the other CPUs are started just before: each runs
 * ap_entry() on its own idle task's stack, and idles until the scheduler
 * gives it something.
 */
#include <arch/arch.h>

#include "boot.h"
#include "cmdline.h"
#include "demo.h"
#include "input.h"
#include "lib/kmem.h"
#include "lib/kprintf.h"
#include "lib/lang.h"
#include "ktest.h"
#include "lib/panic.h"
#include "mm/frames.h"
#include "proc/bundle.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "sched/task.h"

static struct boot_info *boot;

const struct boot_info *boot_info(void) { return boot; }

/* Take the heap and the page frames from the usable RAM region that holds
 * the end of the kernel image (at 1 MiB and up, that is all the memory a PC
 * has in one piece), after the boot loader's modules (the user programs,
 * which stay where it put them), up to the end of the kernel's window on
 * memory. A quarter of it is page frames (kernel/mm/frames.h), for the
 * processes; the rest is the kernel's heap. */
static void memory_init(const struct boot_info *bi)
{
    uintptr_t start = bi->image_end;
    for (unsigned i = 0; i < bi->nmodules; i++)
        if (bi->modules[i].end > start)
            start = bi->modules[i].end;
    start = (start + 4095) & ~(uintptr_t)4095;
    uint64_t total = 0;
    const struct boot_region *best = NULL;
    for (unsigned i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        if (r->type != 1)
            continue;
        total += r->length;
        if (r->base <= start && start < r->base + r->length)
            best = r;
    }
    if (!best)
        panic("memory: no usable RAM after the kernel image and its modules (end at %p) in the boot loader's "
              "memory map; give QEMU more memory (-m 32 or more)",
              (void *)start);
    uint64_t end = best->base + best->length;
    if (end > bi->memory_top)
        end = bi->memory_top; /* what the kernel maps for itself (arch: 1 GiB on x86) */
    size_t size = (size_t)(end - start);
    size_t frames = (size / 4) & ~(size_t)4095;
    kmem_init((void *)start, size - frames);
    frames_init((void *)(start + size - frames), frames);
    struct frames_stats fs;
    frames_get_stats(&fs);
    kprintf(TR("memory: %u KiB usable in %u regions; heap %u KiB at %p; %u page frames (%u KiB) for processes\n",
               "mémoire : %u Kio utilisables en %u zones ; tas de %u Kio à %p ; %u cadres de page (%u Kio) pour les "
               "processus\n"),
            (unsigned)(total >> 10), bi->nregions, (unsigned)((size - frames) >> 10), (void *)start,
            (unsigned)fs.total, (unsigned)(fs.total * 4));
}

void kconfig_timer_start(void)
{
    arch_timer_start(kconfig.slow ? 1000 : kconfig.hz, kconfig.slow ? kconfig.slow : 1);
}

/* Every CPU's idle task, for good: halt until an interrupt, and let the
 * interrupt's tail switch to whatever it made ready; when it made nothing
 * ready, do the idle work there is (sched_idle_work), and halt again. */
static __attribute__((noreturn)) void idle_loop(void)
{
    for (;;) {
        void (*work)(void) = sched_idle_work;
        if (work)
            work();
        arch_idle();
    }
}

/* The first code of every other CPU, on its idle task's stack, interrupts
 * off: take tasks from now on, start this CPU's timer, and idle. */
static void ap_entry(void)
{
    sched_cpu_online();
    kconfig_timer_start();
    arch_irq_enable();
    idle_loop();
}

/* Start CPUs 1 .. kconfig.cpus-1 (or as many as there are). */
static void start_cpus(void)
{
    if (kconfig.cpus <= 1)
        return;
    unsigned present = arch_cpus_probe();
    unsigned n = kconfig.cpus;
    if (n > present) {
        kprintf(TR("cpus: cpus=%u, but this machine has %u CPU(s); using %u (under QEMU: -smp %u, or make run "
                   "CPUS=%u)\n",
                   "cpus : cpus=%u, mais cette machine a %u processeur(s) ; on en prend %u (sous QEMU : -smp %u, ou "
                   "make run CPUS=%u)\n"),
                (unsigned)n, present, present, (unsigned)n, (unsigned)n);
        n = present;
    }
    /* Interrupts stay off while the machine moves from the PIC and the PIT
     * to the APICs (the first start), and while each CPU comes up. */
    arch_irqstate_t s = arch_irq_save();
    for (unsigned id = 1; id < n; id++) {
        struct task *idle = task_new_idle(id);
        if (!idle) {
            kprintf(TR("cpus: no memory for CPU %u's idle task; running on %u CPU(s)\n",
                       "cpus : pas de mémoire pour la tâche inactive du processeur %u ; on tourne sur %u processeur(s)\n"),
                    id, id);
            break;
        }
        if (!arch_cpu_start(id, sched_cpu_prepare(id, idle), idle->stack, idle->stack_size, ap_entry))
            break; /* (arch_cpu_start said why) */
    }
    arch_irq_restore(s);
    bool global = sched_rq_mode() == SCHED_RQ_GLOBAL;
    kprintf(TR("cpus: %u CPU(s) run tasks, %s\n", "cpus : %u processeur(s) exécutent des tâches, %s\n"), sched_ncpus(),
            global ? TR("one shared run queue", "une file des prêts partagée")
                   : TR("one run queue per CPU", "une file des prêts par processeur"));
}

static int run_tests(void *arg)
{
    int failed = ktest_run(arg);
    if (kconfig.exit)
        kernel_exit(failed ? KEXIT_FAIL : KEXIT_PASS);
    kprintf(TR("tests done (%d failed); the kernel idles. Add exit=1 to leave QEMU.\n",
               "tests finis (%d en échec) ; le noyau reste inactif. Ajoutez exit=1 pour quitter QEMU.\n"),
            failed);
    return failed;
}

static int run_demo(void *arg)
{
    const struct demo *d = arg;
    int rc = d->main(NULL);
    kprintf(TR("demo '%s' finished: %s (%d)\n", "démo '%s' terminée : %s (%d)\n"), d->name, rc == 0 ? "ok" : "FAILED",
            rc);
    if (kconfig.exit)
        kernel_exit(rc == 0 ? KEXIT_PASS : KEXIT_FAIL);
    const struct demo *shell = demo_find("shell");
    return shell && shell != d ? shell->main(NULL) : rc; /* then the user takes over */
}

/* run=prog:NAME: spawn the program as the kernel's child, wait for it; its
 * status is the run's result. Then the shell, as after a demo. */
static int run_program(void *arg)
{
    const char *name = (const char *)arg + sizeof "prog:" - 1;
    char *argv[] = {(char *)name, NULL};
    int status = -1, pid = proc_spawn(name, 1, argv, NULL);
    if (pid < 0)
        kprintf(TR("run=prog:%s: the kernel cannot start it: %s\n", "run=prog:%s : le noyau ne peut pas le lancer : %s\n"),
                name, proc_strerror(pid));
    else if (proc_wait_kernel((uint32_t)pid, &status) == 0)
        kprintf(TR("process %d '%s' ended with status %d\n", "le processus %d '%s' s'est terminé avec le statut %d\n"),
                pid, name, status);
    if (kconfig.exit)
        kernel_exit(status == 0 ? KEXIT_PASS : KEXIT_FAIL);
    const struct demo *shell = demo_find("shell");
    return shell ? shell->main(NULL) : status;
}

void kernel_main(struct boot_info *bi)
{
    sched_early_init(); /* this CPU's data, before anyone asks for task_current() */
    boot = bi;
    kprintf("\n\033[1mTourniquet\033[0m - a teaching kernel: preemptive scheduling you can watch\n");
    kprintf("boot: loaded by %s; command line: \"", bi->loader);
    kprint_escaped(bi->cmdline, sizeof bi->cmdline);
    kprintf("\"\n");
    boot_unbundle(bi); /* (before the modules are read: the web page's programs come as one) */

    cmdline_reset();
    cmdline_parse(bi->cmdline);
    sched_livelock_exits = kconfig.exit; /* a livelock ends an exit=1 run as failed */
    if (kconfig.help)
        cmdline_help();

    memory_init(bi);
    proc_init();

    const struct sched_policy *policy = sched_policy_find(kconfig.sched);
    KASSERT(policy != NULL); /* cmdline only accepts registered names */
    cmdline_check_params(policy);
    sched_set_rq_mode(kconfig.rq[0] == 'g' ? SCHED_RQ_GLOBAL : SCHED_RQ_PERCPU);
    sched_init(policy, task_init_idle(bi->boot_stack, bi->boot_stack_size));
    if (kconfig.slow)
        kprintf(TR("sched: policy %s, quantum %u tick(s), a tick every %u ms (slow=%u; the timer at 1000 Hz)\n",
                   "sched : politique %s, quantum %u tick(s), un tick toutes les %u ms (slow=%u ; l'horloge à 1000 Hz)\n"),
                policy->name, (unsigned)sched_config.quantum, (unsigned)kconfig.slow, (unsigned)kconfig.slow);
    else
        kprintf(TR("sched: policy %s, quantum %u tick(s), timer %u Hz\n", "sched : politique %s, quantum %u tick(s), horloge à %u Hz\n"),
                policy->name,
                (unsigned)sched_config.quantum, (unsigned)kconfig.hz);

    input_init();
    arch_input_start();
    kconfig_timer_start();
    if (kconfig.jitter) {
        arch_timer_jitter(kconfig.jitter, sched_config.seed);
        kprintf(TR("sched: timer jitter up to %u%%, seed %u\n", "sched : horloge irrégulière de %u %% au plus, graine %u\n"),
                (unsigned)kconfig.jitter, (unsigned)sched_config.seed);
    }
    arch_irq_enable();
    start_cpus();

    const struct demo *d = demo_find(kconfig.run); /* (cmdline accepted only a registered name...) */
    if (kconfig.test[0])
        task_create("ktest", run_tests, (void *)kconfig.test);
    else if (d)
        task_create(d->name, run_demo, (void *)d);
    else /* (...or prog:NAME) */
        task_create("prog", run_program, (void *)kconfig.run);

    idle_loop();
}
