/*
 * shell.c - an interactive shell on the serial console and the keyboard.
 *
 * The commands are the table commands[] below, which help prints: ps, run,
 * exec, kill, sched, workload, gantt, trace, stats, lang, halt.
 *
 * Unknown commands and bad arguments get one line saying what is wrong and
 * what is valid; the shell goes on.
 */
#include "console.h"
#include "lib/kstring.h"
#include "demo.h"
#include "demo_util.h"
#include "input.h"
#include "lib/kmem.h"
#include "lib/lang.h"
#include "mm/frames.h"
#include "proc/proc.h"
#include "sched/trace.h"
#include "demos.h"
#include "sched/workload.h"

#define LINE_MAX 160
#define MAX_ARGS 12

static struct workload shell_wl;
static struct workload_run shell_run;
static bool have_run;

static bool same(const char *a, const char *b) { return kstreq(a, b); }

/* Read one line, echoing it. A line longer than the buffer is read to its
 * end and refused as a whole: cut short, it could be another command
 * (what is typed past the end counts, so erasing it all back takes the
 * line again). A tab is a space; a terminal's escape sequence (an arrow
 * key: ESC [ A) is skipped whole; any other byte the shell does not take
 * (not ASCII, a control character) refuses the line, said once: left
 * out, it could make another command of it ("kill 1é2" is not kill 12). */
static void read_line(char *line)
{
    unsigned n = 0, past = 0; /* characters kept, and typed past the end */
    int bad = -1;             /* the first byte refused, or -1 */
    enum { TEXT, ESC, CSI } esc = TEXT;
    for (;;) {
        char c = input_getc();
        uint8_t b = (uint8_t)c;
        if (esc != TEXT && c != '\n') { /* ESC, then '[' and parameters up to a final byte 0x40..0x7e */
            esc = esc == ESC && c == '[' ? CSI : (esc == CSI && (b < 0x40 || b > 0x7e)) ? CSI : TEXT;
            continue;
        }
        if (c == '\n') { /* (ends the line, and a sequence cut short by it) */
            kprintf("\n");
            line[past || bad >= 0 ? 0 : n] = '\0';
            if (past)
                kprintf(TR("shell: the line is longer than %u characters; ignored\n",
                           "shell : la ligne dépasse %u caractères ; ignorée\n"),
                        LINE_MAX - 1);
            else if (bad >= 0)
                kprintf(TR("shell: byte 0x%02x is not a character the shell takes (printable ASCII, tab); "
                           "line ignored\n",
                           "shell : l'octet 0x%02x n'est pas un caractère que le shell accepte (ASCII imprimable, "
                           "tabulation) ; ligne ignorée\n"),
                        (unsigned)bad);
            return;
        }
        if (c == '\b' || c == 0x7f) {
            if (past > 0) {
                past--;
            } else if (n > 0) {
                n--;
                kprintf("\b \b");
            }
            continue;
        }
        if (c == '\033') {
            esc = ESC;
            continue;
        }
        if (c == INPUT_CTRL_C) { /* at the prompt: the line is dropped */
            kprintf("^C\n");
            line[0] = '\0';
            return;
        }
        if (c == '\t')
            c = ' ';
        else if (b < ' ' || b >= 0x7f) {
            if (bad < 0)
                bad = b;
            continue;
        }
        if (n + 1 < LINE_MAX && !past) {
            line[n++] = c;
            kprintf("%c", c);
        } else {
            past++;
        }
    }
}

/* Cut line into words (argv); 0 for a line of none, or of more words than
 * a command takes (refused: the words left out would change what runs). */
static unsigned split(char *line, char **argv)
{
    unsigned argc = 0;
    for (char *p = line; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (argc == MAX_ARGS) {
            kprintf(TR("shell: more than %u words; ignored\n", "shell : plus de %u mots ; ignoré\n"), MAX_ARGS);
            return 0;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return argc;
}

static void show_task(struct task *t, void *ctx)
{
    (void)ctx;
    kprintf("  %3u  %-15s %-9s %7u  %3u  ", (unsigned)t->id, t->name,
            task_state_name(t == task_current() ? TASK_RUNNING : t->state), (unsigned)t->ticks, t->cpu);
    if (t->state == TASK_BLOCKED)
        kprintf("%s%s%s%s", t->wait_what ? t->wait_what : "?", t->wait_name ? " '" : "",
                t->wait_name ? t->wait_name : "", t->wait_name ? "'" : "");
    else if (t->state == TASK_SLEEPING)
        kprintf(TR("a timer (tick %u)", "une échéance (tick %u)"), (unsigned)t->wake_tick);
    kprintf("\n");
}

static void show_proc(const struct proc *p, void *ctx)
{
    (void)ctx;
    kprintf("  %3u  %-15s %-7s %6u  %5u  ", (unsigned)p->pid, p->name, p->state == PROC_ALIVE ? "alive" : "zombie",
            (unsigned)p->thread->id, p->pages);
    if (p->parent)
        kprintf("%u\n", (unsigned)p->parent->pid);
    else
        kprintf("%s\n", p->kernel_waits ? "kernel" : "(ended)");
}

static void cmd_ps(unsigned argc, char **argv)
{
    (void)argc, (void)argv;
    kprintf(TR("   id  name            state       ticks  cpu  waits on\n",
               "   id  nom             état        ticks  cpu  attend\n"));
    task_for_each(show_task, NULL);
    struct proc_stats ps;
    proc_get_stats(&ps);
    if (ps.processes) {
        kprintf(TR("  pid  program         state   thread  pages  parent\n",
                   "  pid  programme       état    thread  pages  parent\n"));
        proc_for_each(show_proc, NULL);
    }
}

static void list_programs(void)
{
    kprintf(TR("Programs:", "Programmes :"));
    for (unsigned i = 0; proc_program_name(i); i++)
        kprintf("%s %s", i ? "," : "", proc_program_name(i));
    kprintf("%s", proc_program_name(0) ? "\n"
                                       : TR(" none (boot with make run, make boot: they come as modules)\n",
                                            " aucun (démarrez avec make run, make boot : ils viennent comme modules)\n"));
}

/* While exec waits, Ctrl-C ends its process: a task of its own waits for
 * it (the shell is in its wait), made for that exec and ended after. */
static volatile uint32_t foreground; /* the pid exec waits for */

static int end_foreground(void *arg)
{
    (void)arg;
    input_wait_interrupt();
    uint32_t pid = foreground;
    if (proc_kill(pid) == 0) /* (ESRCH: it ended as the key came) */
        kprintf(TR("^C\nexec: Ctrl-C: process %u is ending\n", "^C\nexec : Ctrl-C : le processus %u se termine\n"),
                (unsigned)pid);
    return 0;
}

/* exec PROG [ARGS]: a process, the shell's child; wait for it. */
static void cmd_exec(unsigned argc, char **argv)
{
    if (argc < 2) {
        kprintf(TR("usage: exec PROGRAM [ARGS...]. ", "usage : exec PROGRAMME [ARGS...]. "));
        list_programs();
        return;
    }
    int pid = proc_spawn(argv[1], argc - 1, argv + 1, NULL);
    if (pid < 0) {
        kprintf(TR("exec: %s: %s. ", "exec : %s : %s. "), argv[1], proc_strerror(pid));
        list_programs();
        return;
    }
    int status = 0;
    foreground = (uint32_t)pid;
    input_arm_interrupt(true);
    struct task *watch = task_create("ctrl-c", end_foreground, NULL); /* (none if out of memory: no Ctrl-C) */
    proc_wait_kernel((uint32_t)pid, &status);
    input_arm_interrupt(false);
    if (watch) {
        task_kill(watch); /* (no Ctrl-C came: it waits yet, and ends there) */
        task_join(watch);
    }
    kprintf(TR("exec: process %d '%s' ended with status %d%s\n", "exec : le processus %d '%s' s'est terminé avec le statut %d%s\n"),
            pid, argv[1], status,
            status == TQ_STATUS_KILLED       ? TR(" (killed)", " (tué)")
            : status <= TQ_STATUS_FAULT(0) ? TR(" (a fault)", " (une faute)")
                                           : "");
}

static void cmd_kill(unsigned argc, char **argv)
{
    unsigned pid = 0;
    const char *p = argc == 2 ? argv[1] : "";
    for (; *p >= '0' && *p <= '9' && pid < 100000000; p++)
        pid = pid * 10 + (unsigned)(*p - '0');
    if (argc == 2 && (*p || !pid)) {
        kprintf(TR("kill: '%s' is not a process id (a decimal number from 1 to 99999999, as ps shows them)\n",
                   "kill : '%s' n'est pas un numéro de processus (un nombre décimal de 1 à 99999999, tel que ps "
                   "les montre)\n"),
                argv[1]);
        return;
    }
    if (argc != 2) {
        kprintf(TR("usage: kill PID (a process id, as ps shows them)\n",
                   "usage : kill PID (un numéro de processus, tel que ps les montre)\n"));
        return;
    }
    int rc = proc_kill(pid);
    if (rc < 0)
        kprintf(TR("kill: %u: %s\n", "kill : %u : %s\n"), pid, proc_strerror(rc));
    else
        kprintf(TR("kill: process %u is ending\n", "kill : le processus %u se termine\n"), pid);
}

static void cmd_run(unsigned argc, char **argv)
{
    const struct demo *d = NULL;
    for (unsigned i = 0; argc == 2 && demo_name(i); i++)
        if (same(demo_name(i), argv[1]))
            d = demo_find(demo_name(i));
    if (!d) {
        if (argc >= 2)
            kprintf(TR("run: no demo named '%s'. ", "run : aucune démo nommée '%s'. "), argv[1]);
        kprintf(TR("Demos: ", "Démos : "));
        for (unsigned i = 0; demo_name(i); i++)
            kprintf("%s%s", i ? ", " : "", demo_name(i));
        kprintf("\n");
        return;
    }
    if (d->main == demo_shell) {
        kprintf(TR("run: this is the shell already\n", "run : c'est déjà le shell\n"));
        return;
    }
    struct task *t = task_create(d->name, d->main, NULL);
    if (!t) {
        kprintf(TR("run: out of memory\n", "run : plus de mémoire\n"));
        return;
    }
    int rc = task_join(t);
    kprintf(TR("run: %s finished: %s (%d)\n", "run : %s terminée : %s (%d)\n"), d->name, rc == 0 ? "ok" : "FAILED",
            rc);
}

static void cmd_sched(unsigned argc, char **argv)
{
    const struct sched_policy *p = argc >= 2 ? sched_policy_find(argv[1]) : NULL;
    if (!p) {
        if (argc >= 2)
            kprintf(TR("sched: no policy named '%s'. ", "sched : aucune politique nommée '%s'. "), argv[1]);
        kprintf(TR("Policies: ", "Politiques : "));
        for (unsigned i = 0; sched_policies[i]; i++)
            kprintf("%s%s", i ? ", " : "", sched_policies[i]->name);
        kprintf(TR(" (now: %s). Usage: sched NAME [quantum=N aging=N boost=N seed=N]\n",
                   " (maintenant : %s). Usage : sched NOM [quantum=N aging=N boost=N seed=N]\n"),
                sched_policy()->name);
        return;
    }
    char params[LINE_MAX]; /* the parameters, parsed at once: a repeat is told as on the command line */
    size_t used = 0;
    params[0] = '\0';
    for (unsigned i = 2; i < argc; i++) {
        const char *k = argv[i];
        bool param = false;
        for (const char *const *ok = sched_param_names; *ok; ok++) {
            const char *a = k, *b = *ok;
            while (*b && *a == *b)
                a++, b++;
            param |= *b == '\0' && *a == '=';
        }
        if (!param) {
            kprintf(TR("sched: '%s' is not a policy parameter (valid: quantum=, aging=, boost=, seed=); ignored\n",
                       "sched : '%s' n'est pas un paramètre de politique (valides : quantum=, aging=, boost=, seed=) ; "
                       "ignoré\n"),
                    k);
            continue;
        }
        used += ksnprintf(params + used, sizeof params - used, "%s ", argv[i]); /* (the line fitted: so do they) */
    }
    /* The command line's own checks and messages; a parameter refused
     * leaves the policy as it was (the line meant something else). */
    if (used && (cmdline_parse(params), cmdline_refused())) {
        kprintf(TR("sched: a parameter was refused; the policy stays %s\n",
                   "sched : un paramètre a été refusé ; la politique reste %s\n"),
                sched_policy()->name);
        return;
    }
    if (used)
        cmdline_check_params(p);
    sched_set_policy(p);
    char own[64]; /* its own parameters, as they are now */
    sched_format_params(p, own, sizeof own);
    kprintf(TR("sched: now %s%s\n", "sched : maintenant %s%s\n"), p->name,
            own[0] ? own : TR(" (no parameters)", " (aucun paramètre)"));
}

static void cmd_workload(unsigned argc, char **argv)
{
    char err[WL_ERR_MAX];
    static struct workload parsed; /* the last good run stays for gantt */
    const char *spec = argc >= 2 ? argv[1] : "course";
    if (same(spec, "random")) {
        uint32_t seed = sched_config.seed;
        workload_random(&parsed, &seed, 0);
    } else if (!workload_parse(spec, &parsed, err, sizeof err)) {
        kprintf(TR("workload: %s\n", "workload : %s\n"), err);
        return;
    }
    shell_wl = parsed;
    trace_reset();
    if (!workload_run(&shell_run, &shell_wl)) {
        kprintf(TR("workload: out of memory\n", "workload : plus de mémoire\n"));
        return;
    }
    have_run = true;
    workload_report(&shell_run, true);
}

static void cmd_stats(unsigned argc, char **argv)
{
    (void)argc, (void)argv;
    struct sched_stats s;
    struct kmem_stats m;
    struct sync_stats y;
    sched_get_stats(&s);
    kmem_get_stats(&m);
    sync_get_stats(&y);
    kprintf(TR("ticks %u (idle %u), policy %s, %u ready\n", "ticks %u (inactifs %u), politique %s, %u prêtes\n"),
            (unsigned)s.ticks, (unsigned)s.idle_ticks,
            sched_policy()->name, sched_nr_ready());
    kprintf(TR("context switches %u (%u by preemption)\n", "commutations de contexte %u (%u par préemption)\n"),
            (unsigned)s.switches, (unsigned)s.preemptions);
    if (sched_ncpus() > 1) {
        kprintf(TR("%u CPUs, rq=%s: %u tasks pulled from one queue to another\n",
                   "%u processeurs, rq=%s : %u tâches tirées d'une file vers une autre\n"),
                sched_ncpus(),
                sched_rq_mode() == SCHED_RQ_GLOBAL ? "global" : "percpu", (unsigned)s.pulled);
        kprintf(TR("lock takes that waited: scheduler lock %u, run-queue locks %u\n",
                   "prises de verrou qui ont attendu : verrou de l'ordonnanceur %u, verrous des files %u\n"),
                (unsigned)s.sched_lock_contended,
                (unsigned)s.rq_lock_contended);
    }
    kprintf(TR("memory: %u KiB free of %u KiB, %u blocks in use\n", "mémoire : %u Kio libres sur %u Kio, %u blocs utilisés\n"),
            (unsigned)(m.free >> 10), (unsigned)(m.total >> 10),
            (unsigned)m.used_blocks);
    struct frames_stats f;
    frames_get_stats(&f);
    struct proc_stats ps;
    proc_get_stats(&ps);
    kprintf(TR("page frames: %u free of %u; processes: %u now, %u since boot\n",
               "cadres de page : %u libres sur %u ; processus : %u maintenant, %u depuis le démarrage\n"),
            (unsigned)f.free, (unsigned)f.total,
            ps.processes, ps.spawned);
    kprintf(TR("sync: %u misuse reports, %u deadlocks, %u lock orders\n",
               "sync : %u rapports d'abus, %u interblocages, %u ordres de verrous\n"),
            y.misuse, y.deadlocks, y.lock_orders);
}

/* lang [en|fr]: say which, or change it. */
static void cmd_lang(unsigned argc, char **argv)
{
    if (argc == 1) {
        kprintf(TR("lang: en (English); lang fr for French\n", "lang : fr (français) ; lang en pour l'anglais\n"));
        return;
    }
    for (unsigned i = 0; lang_name(i); i++)
        if (same(argv[1], lang_name(i))) {
            kernel_lang = lang_name(i);
            kprintf(TR("lang: English from now on\n", "lang : en français désormais\n"));
            return;
        }
    kprintf(TR("lang: '%s' is not a language here (valid: en, fr)\n",
               "lang : '%s' n'est pas une langue connue ici (valides : en, fr)\n"), argv[1]);
}

static void cmd_gantt(unsigned argc, char **argv)
{
    (void)argc, (void)argv;
    if (have_run)
        workload_report(&shell_run, true);
    else
        kprintf(TR("gantt: no workload has run yet (try: workload course)\n",
                   "gantt : aucune charge n'a encore tourné (essayez : workload course)\n"));
}

static void cmd_trace(unsigned argc, char **argv)
{
    if (argc >= 2 && same(argv[1], "json")) {
        trace_export_json(console_write_aux);
        kprintf(TR("trace: written as Chrome Trace Event JSON to %s (make run/boot: build/trace.json)\n",
                   "trace : écrite en JSON Chrome Trace Event sur %s (make run/boot : build/trace.json)\n"),
                console_aux_name());
        return;
    }
    unsigned n = 20;
    if (argc >= 2) {
        n = 0;
        for (const char *p = argv[1]; *p; p++) {
            if (*p < '0' || *p > '9' || n * 10 + (unsigned)(*p - '0') > 1000000) {
                kprintf(TR("trace: '%s' is not a number of events from 0 to 1000000; showing 20\n",
                           "trace : '%s' n'est pas un nombre d'événements de 0 à 1000000 ; 20 affichés\n"),
                        argv[1]);
                n = 20;
                break;
            }
            n = n * 10 + (unsigned)(*p - '0');
        }
    }
    trace_print(n);
}

static void cmd_halt(unsigned argc, char **argv)
{
    (void)argc, (void)argv;
    kernel_exit(KEXIT_PASS);
}

static void cmd_help(unsigned argc, char **argv);

/*
 * The commands, in the order help lists them: the name, how many words
 * may follow it (more are refused, not ignored: they may mean what the
 * command does not do; ANY: the command checks its own), what to type
 * and what it does, in each language (a second line of it after a \n).
 */
#define ANY 0xffu
static const struct command {
    const char *name;
    unsigned max_words;
    void (*run)(unsigned argc, char **argv);
    const char *usage, *usage_fr; /* (usage_fr NULL: the same) */
    const char *what, *what_fr;
} commands[] = {
    {"help", 0, cmd_help, "help", NULL, "this list", "cette liste"},
    {"ps", 0, cmd_ps, "ps", NULL, "every task: id, name, state, CPU ticks, what it waits on",
     "chaque tâche : id, nom, état, ticks de CPU, son attente"},
    {"run", 1, cmd_run, "run DEMO", NULL,
     "run a demo and wait for it (run alone lists them);\nrun prog:PROG [ARGS] is exec PROG [ARGS]",
     "lance une démo et l'attend (run seul les liste) ;\nrun prog:PROG [ARGS] est exec PROG [ARGS]"},
    {"exec", ANY, cmd_exec, "exec PROG [ARGS]", NULL, "run a user program as a process, wait (Ctrl-C ends it)",
     "lance un processus, l'attend (Ctrl-C l'arrête)"},
    {"kill", ANY, cmd_kill, "kill PID", NULL, "end a process (ps shows their ids)",
     "termine un processus (ps montre leurs numéros)"},
    {"sched", ANY, cmd_sched, "sched NAME [k=v ...]", "sched NOM [k=v ...]",
     "switch policy now (k: quantum, aging, boost, seed)",
     "change de politique tout de suite (k : quantum, aging,\nboost, seed)"},
    {"workload", 1, cmd_workload, "workload [SPEC]", NULL,
     "run a workload under the current policy: course,\nexercise, mixed, random, or A:0:5,B:1:3,...\n"
     "(name:arrival:burst[:prio[:tickets]])",
     "lance une charge sous la politique courante : course,\nexercise, mixed, random, ou A:0:5,B:1:3,...\n"
     "(nom:arrivée:durée[:prio[:tickets]])"},
    {"gantt", 0, cmd_gantt, "gantt", NULL, "the last workload's table and Gantt chart again",
     "le tableau et le Gantt de la dernière charge, à nouveau"},
    {"trace", 1, cmd_trace, "trace [N|json]", NULL,
     "the last N scheduler events (default 20); json: all of\nthem as Chrome Trace Event JSON, on COM2",
     "les N derniers événements de l'ordonnanceur (déf. 20) ;\njson : tous, en JSON Chrome Trace Event, sur COM2"},
    {"stats", 0, cmd_stats, "stats", NULL, "ticks, switches, memory, misuse, deadlock, lock orders",
     "ticks, commutations, mémoire, abus, interblocages,\nordres de verrous"},
    {"lang", 1, cmd_lang, "lang [en|fr]", NULL, "English, or French (the course's words)",
     "anglais, ou français (les mots du cours)"},
    {"halt", 0, cmd_halt, "halt", NULL, "leave (QEMU exits with status 33)", "quitter (QEMU sort avec le statut 33)"},
};

static const char *usage_of(const struct command *c) { return lang_fr() && c->usage_fr ? c->usage_fr : c->usage; }

static void cmd_help(unsigned argc, char **argv)
{
    (void)argc, (void)argv;
    kprintf(TR("Commands:\n", "Commandes :\n"));
    for (unsigned i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const char *what = TR(commands[i].what, commands[i].what_fr);
        kprintf("  %-21s ", usage_of(&commands[i]));
        for (const char *p = what; *p; p++) {
            if (*p == '\n')
                kprintf("\n%24s", ""); /* (a second line under the first) */
            else
                kprintf("%c", *p);
        }
        kprintf("\n");
    }
    kprintf(TR("On the VGA screen, Shift+PgUp and Shift+PgDn scroll back and forth.\n",
               "Sur l'écran VGA, Maj+PgPréc et Maj+PgSuiv font défiler en arrière et en avant.\n"));
}

static const struct command *find_command(const char *name)
{
    for (unsigned i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (same(name, commands[i].name))
            return &commands[i];
    return NULL;
}

int demo_shell(void *arg)
{
    (void)arg;
    char line[LINE_MAX];
    char *argv[MAX_ARGS];
    kprintf(TR("\nTourniquet shell: type help for the commands.\n",
               "\nShell de Tourniquet : tapez help pour la liste des commandes.\n"));
    for (;;) {
        kprintf("tourniquet> ");
        read_line(line);
        unsigned argc = split(line, argv);
        if (argc == 0)
            continue;
        console_panel(0); /* the last workload's live view gives its rows back */
        if (same(argv[0], "run") && argc >= 2 && !__builtin_memcmp(argv[1], "prog:", 5)) {
            argv[1] += 5; /* run prog:NAME [ARGS...] is exec NAME [ARGS...] */
            cmd_exec(argc, argv);
            continue;
        }
        const struct command *c = find_command(argv[0]);
        if (!c)
            kprintf(TR("shell: unknown command '%s'; type help for the list\n",
                       "shell : commande inconnue '%s' ; tapez help pour la liste\n"), argv[0]);
        else if (c->max_words != ANY && argc - 1 > c->max_words)
            kprintf(TR("%s: too many arguments (usage: %s); ignored\n",
                       "%s : trop d'arguments (usage : %s) ; ignoré\n"), argv[0], usage_of(c));
        else
            c->run(argc, argv);
    }
}

/* run=NAME (kernel/demo.h) */
DEMOS({"shell", demo_shell, "an interactive shell on the serial console and the keyboard"});
