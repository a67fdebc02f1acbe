/*
 * cmdline.c - parse key=value words into struct kconfig.
 *
 * Each option is a row of `options[]`: its key, how to read its value, where
 * to store it, and a line of help. Adding an option is adding a row.
 */
#include "cmdline.h"
#include "lib/kstring.h"

#include <stddef.h>

#include "demo.h"
#include "lib/kprintf.h"
#include "lib/lang.h"
#include "ktest.h"
#include "sync/lockdep.h"
#include "sched/sched.h"
#include "sync/sync.h"
#include "sched/trace.h"
#include "sched/workload.h"

struct kconfig kconfig;

enum opt_type { OPT_UINT, OPT_BOOL, OPT_CHOICE, OPT_WORKLOAD };

struct option {
    const char *key;
    enum opt_type type;
    void *dest;                        /* uint32_t *, bool * or const char ** */
    uint32_t min, max;                 /* OPT_UINT: the valid range */
    const char *(*choice)(unsigned i); /* OPT_CHOICE: i-th valid value, NULL at the end */
    const char *help;
    const char *help_fr;               /* the same in French (lang=fr) */
};

static const char *policy_name(unsigned i)
{
    for (unsigned k = 0; sched_policies[k]; k++)
        if (k == i)
            return sched_policies[k]->name;
    return NULL;
}

static const char *rq_name(unsigned i)
{
    static const char *const names[] = {"percpu", "global"};
    return i < 2 ? names[i] : NULL;
}

static const struct option options[] = {
    {"hz", OPT_UINT, &kconfig.hz, 19, 10000, NULL, "timer interrupts per second", "interruptions d'horloge par seconde"},
    {"slow", OPT_UINT, &kconfig.slow, 0, 2000, NULL,
     "to watch it unfold: a tick every N ms (the timer at 1000 Hz, every Nth interrupt a tick; overrides hz; 0: off)",
     "pour le voir se dérouler : un tick toutes les N ms (l'horloge à 1000 Hz, une interruption sur N est un tick ; "
     "remplace hz ; 0 : non)"},
    {"jitter", OPT_UINT, &kconfig.jitter, 0, 50, NULL, "vary each timer period at random by up to this %, from seed=",
     "faire varier chaque période d'horloge au hasard de ce % au plus, à partir de seed="},
    {"sched", OPT_CHOICE, &kconfig.sched, 0, 0, policy_name, "scheduling policy", "politique d'ordonnancement"},
    {"quantum", OPT_UINT, &sched_config.quantum, 1, 1000, NULL, "time slice, in ticks (rr, prio, mlfq's top level, lottery, stride, fair)",
     "quantum, en ticks (rr, prio, le niveau du haut de mlfq, lottery, stride, fair)"},
    {"aging", OPT_UINT, &sched_config.aging, 0, 100000, NULL, "prio: ticks of waiting that raise a task one level (0: never)",
     "prio : ticks d'attente qui montent une tâche d'un niveau (0 : jamais)"},
    {"boost", OPT_UINT, &sched_config.boost, 0, 100000, NULL, "mlfq: ticks between boosts of every task to the top (0: never)",
     "mlfq : ticks entre deux remontées de toutes les tâches en haut (0 : jamais)"},
    {"trace", OPT_BOOL, &trace_enabled, 0, 1, NULL, "record scheduler events (Chrome trace JSON on COM2 after run=workload)",
     "enregistrer les événements de l'ordonnanceur (trace JSON Chrome sur COM2 après run=workload)"},
    {"pi", OPT_BOOL, &sync_priority_inheritance, 0, 1, NULL, "priority inheritance for mutexes under prio", "héritage de priorité des mutex sous prio"},
    {"lockdep", OPT_BOOL, &lockdep_enabled, 0, 1, NULL, "report mutexes and spinlocks taken in orders that can deadlock",
     "signaler les mutex et verrous tournants pris dans des ordres qui peuvent interbloquer"},
    {"seed", OPT_UINT, &sched_config.seed, 0, 0xffffffffu, NULL, "seed of lottery draws and random workloads", "graine des tirages de lottery et des charges aléatoires"},
    {"workload", OPT_WORKLOAD, &kconfig.workload, 0, 0, workload_builtin,
     "run=workload: course, exercise, mixed, random, or name:arrival:burst[:priority[:tickets]],...",
     "run=workload : course, exercise, mixed, random, ou nom:arrivée:durée[:priorité[:tickets]],..."},
    {"test", OPT_CHOICE, &kconfig.test, 0, 0, ktest_name, "run an in-kernel test (KTAP output)", "lancer un test dans le noyau (sortie KTAP)"},
    {"run", OPT_CHOICE, &kconfig.run, 0, 0, demo_name, "demo to run when no test is given", "démo à lancer quand aucun test n'est donné"},
    {"exit", OPT_BOOL, &kconfig.exit, 0, 1, NULL, "leave QEMU when the test or demo ends (status 33 = pass)",
     "quitter QEMU à la fin du test ou de la démo (statut 33 = réussi)"},
    {"cpus", OPT_UINT, &kconfig.cpus, 1, 8, NULL, "CPUs that run tasks (QEMU -smp N, make run CPUS=N)",
     "processeurs qui exécutent des tâches (QEMU -smp N, make run CPUS=N)"},
    {"rq", OPT_CHOICE, &kconfig.rq, 0, 0, rq_name, "run queues with several CPUs: one per CPU, or one shared by all",
     "files d'exécution avec plusieurs processeurs : une par processeur, ou une partagée par tous"},
    {"lang", OPT_CHOICE, &kernel_lang, 0, 0, lang_name,
     "the language of tables, charts, reports and the shell: en, or fr (the course's words); TASK, RESULT and KTAP lines stay the same",
     "la langue des tableaux, diagrammes, rapports et du shell : en, ou fr (les mots du cours) ; les lignes TASK, "
     "RESULT et KTAP restent les mêmes"},
};
#define NOPTIONS (sizeof options / sizeof options[0])

void cmdline_reset(void)
{
    kconfig = (struct kconfig){
        .hz = 100,
        .sched = sched_policies[0]->name,
        .test = "",
        .run = demo_name(0),
        .workload = "course",
        .exit = false,
        .help = false,
        .cpus = 1,
        .rq = "percpu",
    };
    sched_config = (struct sched_config){.quantum = 1, .aging = 10, .boost = 50, .seed = 1};
    sync_priority_inheritance = true;
    lockdep_enabled = true;
    trace_enabled = true;
    kernel_lang = "en";
}

/* Read a decimal number: 0 if s is one, -1 if s is not a number, -2 if it
 * is too large for 32 bits. */
static int parse_uint(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    bool big = false;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > 0xffffffffu) {
            big = true;
            v = 0xffffffffu;
        }
    }
    *out = (uint32_t)v;
    return big ? -2 : 0;
}

/* Print the valid values of an option, as "a, b, c" or "1..1000". */
static void print_valid(const struct option *o)
{
    switch (o->type) {
    case OPT_UINT:
        kprintf("%u..%u", (unsigned)o->min, (unsigned)o->max);
        break;
    case OPT_BOOL:
        kprintf("0, 1, off, on");
        break;
    case OPT_CHOICE:
        for (unsigned i = 0; o->choice(i); i++)
            kprintf("%s%s", i ? ", " : "", o->choice(i));
        break;
    case OPT_WORKLOAD:
        for (unsigned i = 0; o->choice(i); i++)
            kprintf("%s, ", o->choice(i));
        kprintf("random, or a list like A:0:5,B:1:3");
        break;
    }
}

static void print_current(const struct option *o)
{
    switch (o->type) {
    case OPT_UINT: kprintf("%u", (unsigned)*(uint32_t *)o->dest); break;
    case OPT_BOOL: kprintf("%d", *(bool *)o->dest ? 1 : 0); break;
    case OPT_CHOICE:
    case OPT_WORKLOAD: kprintf("%s", *(const char **)o->dest); break;
    }
}

static void print_escaped(const char *s) { kprint_escaped(s, (size_t)-1); }

static void complain(const struct option *o, const char *value, const char *what)
{
    kprintf("cmdline: %s=", o->key); /* (the tag stays, in every language: tools look for it) */
    print_escaped(value);
    kprintf(TR(" %s (valid: ", " %s (valides : "), what);
    print_valid(o);
    kprintf(TR("); keeping %s=", ") ; on garde %s="), o->key);
    print_current(o);
    kprintf("\n");
}

/* Store `value` into option o, or say why not. Returns true if stored. */
static bool set_option(const struct option *o, const char *value)
{
    switch (o->type) {
    case OPT_UINT: {
        uint32_t v;
        int rc = parse_uint(value, &v);
        if (rc == -1) {
            complain(o, value, TR("is not a whole number", "n'est pas un nombre entier"));
            return false;
        }
        if (rc == -2 || v < o->min || v > o->max) {
            complain(o, value, TR("is out of range", "est hors limites"));
            return false;
        }
        *(uint32_t *)o->dest = v;
        return true;
    }
    case OPT_BOOL:
        if (kstreq(value, "1") || kstreq(value, "on")) {
            *(bool *)o->dest = true;
            return true;
        }
        if (kstreq(value, "0") || kstreq(value, "off")) {
            *(bool *)o->dest = false;
            return true;
        }
        complain(o, value, TR("is not a yes/no value", "n'est pas une valeur oui/non"));
        return false;
    case OPT_CHOICE:
        for (unsigned i = 0; o->choice(i); i++) {
            if (kstreq(value, o->choice(i))) {
                *(const char **)o->dest = o->choice(i);
                return true;
            }
        }
        complain(o, value, TR("is not one of the choices", "n'est pas l'un des choix"));
        return false;
    case OPT_WORKLOAD: {
        static struct workload check;
        char err[WL_ERR_MAX];
        if (kstreq(value, "random") || workload_parse(value, &check, err, sizeof err)) {
            *(const char **)o->dest = value;
            return true;
        }
        kprintf("cmdline: workload=");
        print_escaped(value);
        kprintf(TR(": %s; keeping workload=%s\n", " : %s ; on garde workload=%s\n"), err, *(const char **)o->dest);
        return false;
    }
    }
    return false;
}

static void list_keys(void)
{
    for (unsigned i = 0; i < NOPTIONS; i++)
        kprintf("%s, ", options[i].key);
    kprintf("help");
}

static const char *given[NOPTIONS]; /* this parse: each option's value, once seen */
static unsigned refused;             /* this parse: values refused (out of range, not a number...) */

/* Whether the line's first word is the kernel image's path, which GRUB
 * and QEMU put before the options: a word that is not key=value (tq,
 * build/tourniquet.elf), or one with a '/' before its '=' (a folder
 * named a=b). No option's key has a '/'. */
static bool is_image_path(const char *w, const char *eq)
{
    if (!*eq)
        return true;
    for (; w < eq; w++)
        if (*w == '/')
            return true;
    return false;
}

/* A word that is no option at all: said, with the valid keys; 1 problem. */
static int not_an_option(const char *word, const char *why)
{
    kprintf("cmdline: '");
    print_escaped(word);
    kprintf(TR("' %s (valid keys: ", "' %s (clés valides : "), why);
    list_keys();
    kprintf(TR("); ignored\n", ") ; ignoré\n"));
    return 1;
}

static int parse_word(char *word, bool first)
{
    char *eq = word;
    while (*eq && *eq != '=')
        eq++;
    if (first && !kstreq(word, "help") && is_image_path(word, eq))
        return 0; /* the kernel image, as GRUB and QEMU pass it */
    if (!*eq) {
        if (kstreq(word, "help")) {
            kconfig.help = true;
            return 0;
        }
        return not_an_option(word, TR("is not key=value", "n'est pas clé=valeur"));
    }
    if (eq == word)
        return not_an_option(word, TR("has no key before its '='", "n'a pas de clé avant son '='"));
    *eq = '\0';
    const char *value = eq + 1;
    if (kstreq(word, "help")) {
        kprintf(TR("cmdline: help takes no value: write just 'help' (help=",
                   "cmdline: help ne prend pas de valeur : écrivez seulement 'help' (help="));
        print_escaped(value);
        kprintf(TR(" ignored)\n", " ignoré)\n"));
        kconfig.help = true;
        return 1;
    }
    for (unsigned i = 0; i < NOPTIONS; i++) {
        if (!kstreq(word, options[i].key))
            continue;
        int twice = 0;
        if (given[i]) { /* the last one is used, and that is said */
            kprintf(TR("cmdline: %s given twice (%s=", "cmdline: %s donné deux fois (%s="), word, word);
            print_escaped(given[i]);
            kprintf(TR(", then %s=", ", puis %s="), word);
            print_escaped(value);
            kprintf(TR("): the last one counts\n", ") : le dernier compte\n"));
            twice = 1;
        }
        given[i] = value;
        bool set = set_option(&options[i], value);
        refused += !set;
        return (set ? 0 : 1) + twice;
    }
    kprintf(TR("cmdline: unknown option '", "cmdline: option inconnue '"));
    print_escaped(word);
    kprintf(TR("' (valid: ", "' (valides : "));
    list_keys();
    kprintf(TR("); ignored\n", ") ; ignorée\n"));
    return 1;
}

/* lang= is the language of every message about the line, those about the
 * words before it too: its last valid value (or the language as it is),
 * found before the parse, which keeps to it while it takes every word (and
 * says what is wrong with an invalid lang=). */
static const char *line_lang(const char *p)
{
    const char *lang = kernel_lang;
    static const char key[] = "lang=";
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *word = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        char value[8]; /* (a longer one is no language) */
        size_t klen = sizeof key - 1, vlen = (size_t)(p - word) - klen;
        if ((size_t)(p - word) <= klen || vlen >= sizeof value || __builtin_memcmp(word, key, klen) != 0)
            continue;
        __builtin_memcpy(value, word + klen, vlen);
        value[vlen] = '\0';
        for (unsigned i = 0; lang_name(i); i++)
            if (kstreq(value, lang_name(i)))
                lang = lang_name(i);
    }
    return lang;
}

int cmdline_parse(char *line)
{
    for (unsigned i = 0; i < NOPTIONS; i++)
        given[i] = NULL;
    refused = 0;
    const char *lang = line ? line_lang(line) : kernel_lang;
    kernel_lang = lang;
    int problems = 0;
    bool first = true;
    char *p = line;
    while (p && *p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        char *word = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
        problems += parse_word(word, first);
        kernel_lang = lang; /* (a lang= before the last one took it a moment) */
        first = false;
    }
    return problems;
}

unsigned cmdline_refused(void) { return refused; }

bool cmdline_given(const char *key)
{
    for (unsigned i = 0; i < NOPTIONS; i++)
        if (kstreq(key, options[i].key))
            return given[i] != NULL;
    return false;
}

void cmdline_check_params(const struct sched_policy *p)
{
    for (const char *const *k = sched_param_names; *k; k++)
        if (cmdline_given(*k) && !sched_policy_uses(p, *k))
            kprintf(TR("sched: %s does not use %s= (its parameters: %s); the value is kept for the policies that do\n",
                       "sched : %s n'utilise pas %s= (ses paramètres : %s) ; la valeur est gardée pour les politiques "
                       "qui l'utilisent\n"),
                    p->name, *k, p->params[0] ? p->params : TR("none", "aucun"));
}

void cmdline_help(void)
{
    kprintf(TR("Options (key=value, separated by spaces):\n", "Options (clé=valeur, séparées par des espaces) :\n"));
    for (unsigned i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        kprintf(TR("  %-8s %s; now ", "  %-8s %s ; maintenant "), o->key, lang_fr() && o->help_fr ? o->help_fr : o->help);
        print_current(o);
        kprintf(TR("; valid: ", " ; valides : "));
        print_valid(o);
        kprintf("\n");
    }
    kprintf(TR("  %-8s print this list\n", "  %-8s afficher cette liste\n"), "help");
}
