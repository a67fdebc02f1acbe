/*
 * workload.c - building, running and reporting workloads.
 */
#include "sched/workload.h"
#include "lib/kstring.h"

#include <arch/arch.h>

#include "console.h"
#include "lib/kprintf.h"
#include "lib/lang.h"
#include "lib/panic.h"
#include "sched/sched.h"
#include "sched/task.h"

/* ---- Built-in workloads ------------------------------------------------ */

#define T(name, arrival, burst) {name, arrival, burst, TASK_DEFAULT_PRIORITY, TASK_DEFAULT_TICKETS, 0, 0}

static const struct workload builtins[] = {
    /* Section 4 of the course: A 5 ticks from tick 0, B 3 from 1, C 2 from 3, D 4 from 5. */
    {"course", 4, {T("A", 0, 5), T("B", 1, 3), T("C", 3, 2), T("D", 5, 4)}},
    /* The exercise: A 15 from 0, B 4 from 2. */
    {"exercise", 2, {T("A", 0, 15), T("B", 2, 4)}},
    /* Two CPU-bound tasks and two interactive ones that run 1 tick then wait
     * 3 (an editor, a shell): where mlfq and response times differ. */
    {"mixed", 4, {
        {"CPU1", 0, 12, 4, 100, 0, 0},
        {"CPU2", 0, 12, 4, 100, 0, 0},
        {"ED", 1, 4, 2, 200, 1, 3},
        {"SH", 2, 3, 2, 200, 1, 2},
    }},
};
#define NBUILTINS (sizeof builtins / sizeof builtins[0])

const char *workload_builtin(unsigned i) { return i < NBUILTINS ? builtins[i].name : NULL; }

/* ---- Parsing "A:0:5,B:1:3" ---------------------------------------------- */

/* Read a number: true if there is one (values above 100000 are kept as
 * 100001, for the range checks to report). */
static bool parse_field(const char **p, uint32_t *out)
{
    uint32_t v = 0;
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (uint32_t)(*s++ - '0');
        if (v > 100000)
            v = 100001;
    }
    *out = v;
    *p = s;
    return true;
}

static bool fail(char *err, size_t n, unsigned k, const char *what)
{
    ksnprintf(err, n,
              TR("task %u: %s (each task is name:arrival:burst[:priority[:tickets]], "
                 "e.g. workload=A:0:5,B:1:3; or one of: course, exercise, mixed, random)",
                 "tâche %u : %s (chaque tâche s'écrit nom:arrivée:durée[:priorité[:tickets]], "
                 "p. ex. workload=A:0:5,B:1:3 ; ou l'une de : course, exercise, mixed, random)"),
              k + 1, what);
    return false;
}

/* What is wrong with field nf (0 the arrival, 1 the burst, 2 the priority,
 * 3 the tickets): missing or not a number, or (garbled) a number followed
 * by something else. */
static const char *field_problem(unsigned nf, bool garbled)
{
    switch (nf) {
    case 0:
        return garbled ? TR("the arrival tick is not a number", "le tick d'arrivée n'est pas un nombre")
                       : TR("the arrival tick is missing or not a number",
                            "le tick d'arrivée manque ou n'est pas un nombre");
    case 1:
        return garbled ? TR("the burst is not a number", "la durée n'est pas un nombre")
                       : TR("the burst is missing or not a number", "la durée manque ou n'est pas un nombre");
    case 2:
        return TR("the priority is not a number", "la priorité n'est pas un nombre");
    default:
        return TR("the tickets are not a number", "les tickets ne sont pas un nombre");
    }
}

bool workload_parse(const char *spec, struct workload *w, char *err, size_t errlen)
{
    for (unsigned i = 0; i < NBUILTINS; i++) {
        if (kstreq(spec, builtins[i].name)) {
            *w = builtins[i];
            return true;
        }
    }
    *w = (struct workload){.n = 0};
    ksnprintf(w->name, sizeof w->name, "custom");
    const char *p = spec;
    if (!*p)
        return fail(err, errlen, 0, TR("the list is empty", "la liste est vide"));
    for (unsigned k = 0;; k++) {
        if (k == WL_MAX_TASKS)
            return fail(err, errlen, k, TR("too many tasks (at most 16)", "trop de tâches (16 au plus)"));
        struct wl_task *t = &w->task[k];
        *t = (struct wl_task)T("", 0, 0);
        unsigned len = 0;
        while (*p && *p != ':' && *p != ',') {
            char c = *p++;
            bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
            if (!ok)
                return fail(err, errlen, k,
                            TR("a name is letters, digits and _ only",
                               "un nom n'a que des lettres, des chiffres et _"));
            if (len + 1 >= WL_NAME_MAX)
                return fail(err, errlen, k, TR("a name has at most 7 characters", "un nom a 7 caractères au plus"));
            t->name[len++] = c;
        }
        if (len == 0)
            return fail(err, errlen, k, TR("the name is missing", "le nom manque"));
        for (unsigned j = 0; j < k; j++)
            if (kstreq(w->task[j].name, t->name))
                return fail(err, errlen, k, TR("two tasks have the same name", "deux tâches ont le même nom"));
        uint32_t *fields[4] = {&t->arrival, &t->burst, &t->priority, &t->tickets};
        unsigned nf = 0;
        while (*p == ':' && nf < 4) {
            p++;
            if (!parse_field(&p, fields[nf]))
                return fail(err, errlen, k, field_problem(nf, false));
            bool more = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                        *p == '_' || *p == '.';
            if (more) /* A:0x1:5, A:1.5:3: this field is wrong (not the next one missing) */
                return fail(err, errlen, k, field_problem(nf, true));
            nf++;
        }
        if (nf < 2)
            return fail(err, errlen, k, field_problem(nf, false));
        if (*p == ':')
            return fail(err, errlen, k, TR("too many fields", "trop de champs"));
        if (t->burst == 0)
            return fail(err, errlen, k, TR("the burst must be at least 1 tick", "la durée est d'au moins 1 tick"));
        if (t->priority >= TASK_PRIORITIES)
            return fail(err, errlen, k,
                        TR("the priority must be 0..7 (0 is the most urgent)",
                           "la priorité va de 0 à 7 (0 est la plus urgente)"));
        if (t->tickets == 0 || t->tickets > 100000)
            return fail(err, errlen, k, TR("tickets must be 1..100000", "les tickets vont de 1 à 100000"));
        if (t->arrival > 1000 || t->burst > 1000)
            return fail(err, errlen, k,
                        TR("arrival and burst must be at most 1000", "l'arrivée et la durée valent 1000 au plus"));
        w->n = k + 1;
        if (*p == '\0') {
            uint32_t last = 0, sum = 0;
            for (unsigned j = 0; j < w->n; j++) {
                last = w->task[j].arrival > last ? w->task[j].arrival : last;
                sum += w->task[j].burst;
            }
            if (last + sum >= WL_MAX_TICKS)
                return fail(err, errlen, k,
                            TR("the last arrival plus all the bursts must stay under 2048 ticks",
                               "la dernière arrivée plus toutes les durées restent sous 2048 ticks"));
            return true;
        }
        if (*p != ',')
            return fail(err, errlen, k, TR("expected ',' between tasks", "une ',' est attendue entre les tâches"));
        p++;
    }
}

void workload_random(struct workload *w, uint32_t *seed, unsigned number)
{
    *w = (struct workload){.n = 2 + prng_next(seed) % 5};
    ksnprintf(w->name, sizeof w->name, "random-%u", number);
    for (unsigned k = 0; k < w->n; k++) {
        struct wl_task *t = &w->task[k];
        *t = (struct wl_task)T("", 0, 0);
        t->name[0] = (char)('A' + k);
        t->arrival = prng_next(seed) % 10;
        t->burst = 1 + prng_next(seed) % 8;
        t->priority = prng_next(seed) % TASK_PRIORITIES;
        t->tickets = 1 + prng_next(seed) % 200;
        if (prng_next(seed) % 4 == 0) {
            t->cpu_phase = 1 + prng_next(seed) % 2;
            t->io_ticks = 1 + prng_next(seed) % 3;
        }
    }
}

/* ---- Running ------------------------------------------------------------ */

static void panel_draw(struct workload_run *r, uint32_t cells);

/* Did task i run during [c, c+1), on any CPU? */
static bool ran(const struct workload_run *r, unsigned i, uint32_t c)
{
    for (unsigned k = 0; k < r->ncpus; k++)
        if (r->gantt[k][c] == i)
            return true;
    return false;
}

/* The live view on the VGA screen is drawn by whoever has the CPU once a
 * tick has passed - a workload task between two turns of its loop, or a
 * CPU's idle loop - and not by the timer interrupt: a drawing takes some
 * 25,000 instructions, and the interrupt would pay them at every tick. The
 * tick hook only says which tick the view should show. A drawing runs
 * with interrupts off, so that no tick retires or preempts its task
 * halfway (the tick waits for it, and is charged as it would have been:
 * ticks are what the workload measures); on several CPUs, one draws and
 * the others go on. */
static struct workload_run *volatile live; /* the run on screen, or NULL */
static volatile uint32_t live_due;         /* the tick it should show */
static uint32_t live_shown;                /* the tick it shows */
static volatile uint32_t live_drawing;     /* a CPU is drawing it */

static void live_draw(void)
{
    arch_irqstate_t s = arch_irq_save();
    if (!__atomic_exchange_n(&live_drawing, 1, __ATOMIC_ACQUIRE)) {
        struct workload_run *r = live;
        uint32_t due = live_due;
        if (r && due != live_shown) {
            panel_draw(r, due);
            live_shown = due;
        }
        __atomic_store_n(&live_drawing, 0, __ATOMIC_RELEASE);
    }
    arch_irq_restore(s);
}

/* A workload task's body: burn CPU, and draw the live view when a tick has
 * passed. It never returns: the core retires it at the tick that consumes
 * its burst, and puts it to sleep for its I/O. */
static int burn(void *arg)
{
    volatile uint32_t *counter = arg;
    for (;;) {
        (*counter)++;
        if (live_due != live_shown)
            live_draw();
    }
    return 0; /* not reached */
}

static volatile uint32_t burn_counter;

/* Tasks are created in arrival order (ties by name): that is the order in
 * which equal arrivals reach the ready queue. */
static void arrival_order(const struct workload *w, unsigned *order)
{
    for (unsigned i = 0; i < w->n; i++) {
        unsigned j = i;
        for (; j > 0; j--) {
            const struct wl_task *a = &w->task[order[j - 1]], *b = &w->task[i];
            bool later = a->arrival > b->arrival || (a->arrival == b->arrival && kstrcmp(a->name, b->name) > 0);
            if (!later)
                break;
            order[j] = order[j - 1];
        }
        order[j] = i;
    }
}

/* Make w's tasks, in arrival order, not yet arrived. */
_Static_assert(WL_MAX_CPUS >= SCHED_MAX_CPUS, "a workload keeps a Gantt row for every CPU");

/* How the core tells a run about its ticks (sched_observe): below. */
static void workload_tick(void *ctx, unsigned cpu, struct task *curr, uint64_t now);
static void workload_task_done(void *ctx, struct task *t, uint64_t now);
static const struct sched_observer observer = {workload_tick, workload_task_done};

static bool make_tasks(struct workload_run *r, const struct workload *w, const unsigned *order)
{
    for (unsigned k = 0; k < w->n; k++) {
        unsigned i = order[k];
        struct task *t = task_new(w->task[i].name, burn, (void *)&burn_counter);
        if (!t) {
            while (k--)
                task_discard(r->tasks[order[k]]);
            return false;
        }
        const struct wl_task *d = &w->task[i];
        t->burst = t->remaining = d->burst;
        t->cpu_phase = t->phase_left = d->cpu_phase;
        t->io_ticks = d->io_ticks;
        t->priority = d->priority;
        t->tickets = d->tickets;
        r->watched[i] = (struct wl_watched){r, i};
        t->watch = &r->watched[i]; /* (the observer's hooks find the task's run and index through it) */
        t->cpu = 0; /* every arrival comes from CPU 0, wherever the runner is */
        r->tasks[i] = t;
    }
    return true;
}

bool workload_run(struct workload_run *r, const struct workload *w)
{
    *r = (struct workload_run){.w = w, .ncpus = sched_ncpus()};
    for (unsigned c = 0; c < WL_MAX_CPUS; c++)
        for (unsigned i = 0; i < WL_MAX_TICKS; i++)
            r->gantt[c][i] = WL_IDLE;
    unsigned order[WL_MAX_TASKS];
    arrival_order(w, order);
    if (!make_tasks(r, w, order))
        return false;
    console_panel(2 + w->n);
    live_due = live_shown = 0;
    live = r;
    sched_idle_work = live_draw;

    /* From time 0's choice until we sleep, no tick may come in: it would
     * find us on a CPU at time 0 and give us a share of the workload's. So
     * one hold of the scheduler lock covers both. */
    arch_irqstate_t s = sched_lock();
    /* Each run starts the policy afresh (its countdowns, its random
     * generator) with no tick in between, so a run's schedule depends only
     * on the workload and the policy, in the kernel as in the simulator. */
    sched_set_policy_locked(sched_policy());
    r->t0 = sched_ticks_locked() + 1;
    r->runner = task_current();
    sched_observe(&observer, r);
    for (unsigned k = 0; k < w->n; k++)
        sched_arrive_at(r->tasks[order[k]], r->t0 + w->task[order[k]].arrival);
    while (r->done < w->n)
        sched_block(r, "workload", &sched_klock);
    sched_unlock(s);

    sched_idle_work = NULL;
    live = NULL;
    while (__atomic_load_n(&live_drawing, __ATOMIC_ACQUIRE)) /* a CPU may be drawing it still */
        arch_cpu_relax();
    panel_draw(r, r->length); /* the final picture stays until someone takes the rows back */
    for (unsigned i = 0; i < w->n; i++) {
        task_join(r->tasks[i]);
        r->tasks[i] = NULL;
    }
    return true;
}

/* ---- The live view on the screen ---------------------------------------------- */

#define PANEL_STRIP 58 /* Gantt columns shown; the strip scrolls past that */
/* Task i's colour in every view (the panel, the chart, tools/gantt.py's
 * SVG): an ANSI background. VGA has six that show (red, green, brown,
 * blue, magenta, cyan), so the seventh and eighth tasks take the first two
 * again. */
static const unsigned task_colours[8] = {41, 42, 43, 44, 45, 46, 41, 42};

static void panel_text(unsigned row, unsigned col, const char *s, unsigned colour)
{
    for (; *s; s++)
        console_panel_put(row, col++, *s, colour);
}

/* Redraw the panel: a title (the policy and its parameters), a header,
 * then per task its name, state (later: not arrived yet), ticks used and
 * its Gantt row; the strip shows the last PANEL_STRIP ticks. */
static void panel_draw(struct workload_run *r, uint32_t cells)
{
    const struct workload *w = r->w;
    char buf[80], params[48];
    sched_format_params(sched_policy(), params, sizeof params);
    ksnprintf(buf, sizeof buf, " live: %s under %s%s, tick %u, %u of %u done ", w->name, sched_policy()->name,
              params, (unsigned)cells, r->done, w->n);
    panel_text(0, 0, buf, 30 | 47 << 8);
    panel_text(1, 0, "task   state used Gantt (the last ticks)", 0);
    uint32_t from = cells > PANEL_STRIP ? cells - PANEL_STRIP : 0;
    for (unsigned i = 0; i < w->n; i++) {
        struct task *t = r->tasks[i];
        const char *state = !t ? "done" : t->state == TASK_NEW ? "later" : t->state == TASK_RUNNING ? "RUN"
                            : t->state == TASK_READY ? "ready" : t->state == TASK_SLEEPING ? "io" : "done";
        ksnprintf(buf, sizeof buf, "%-6s %-5s %4u ", w->task[i].name, r->completion[i] ? "done" : state,
                  (unsigned)(t ? t->ticks : w->task[i].burst));
        panel_text(2 + i, 0, buf, 0);
        for (uint32_t c = from; c < from + PANEL_STRIP; c++) {
            bool on = c < cells && c < WL_MAX_TICKS && ran(r, i, c);
            console_panel_put(2 + i, 18 + (c - from), on ? w->task[i].name[0] : c < cells ? '.' : ' ',
                              on ? task_colours[i % 8] << 8 : 0);
        }
    }
}

/* The observer's tick hook (sched.h): the tick that ended at `now` was
 * charged to curr on CPU `cpu`; scheduler lock held. */
static void workload_tick(void *ctx, unsigned cpu, struct task *curr, uint64_t now)
{
    struct workload_run *r = ctx;
    if (now <= r->t0)
        return;
    uint64_t cell = now - 1 - r->t0;
    uint8_t who = WL_IDLE;
    const struct wl_watched *w = curr->watch;
    if (w && w->run == r) {
        who = (uint8_t)w->index;
        if (!r->started[who]) {
            r->started[who] = true;
            r->first[who] = (uint32_t)cell;
        }
    }
    if (cell < WL_MAX_TICKS && cpu < WL_MAX_CPUS) {
        r->gantt[cpu][cell] = who;
        r->level[cpu][cell] = who == WL_IDLE ? 0 : (uint8_t)curr->level;
    }
    if (cpu + 1 == r->ncpus) { /* once per tick, when every CPU is in */
        /* Who spent the tick in an I/O wait (SLEEPING: a workload task
         * sleeps only for its I/O), as the clock sees it before waking
         * anyone: the whole of [cell, cell + 1). */
        for (unsigned i = 0; i < r->w->n && cell < WL_MAX_TICKS; i++)
            if (r->tasks[i] && r->tasks[i]->state == TASK_SLEEPING)
                r->io[i][cell / 8] |= (uint8_t)(1u << (cell % 8));
        live_due = (uint32_t)cell + 1; /* the live view: drawn by whoever runs next (live_draw) */
    }
}

/* ...and its done hook: t consumed its last burst tick at tick `now`. */
static void workload_task_done(void *ctx, struct task *t, uint64_t now)
{
    struct workload_run *r = ctx;
    r->completion[((const struct wl_watched *)t->watch)->index] = (uint32_t)(now - r->t0);
    r->length = (uint32_t)(now - r->t0);
    if (++r->done == r->w->n) {
        sched_observe(NULL, NULL);
        if (r->runner && r->runner->state == TASK_BLOCKED && r->runner->wait_obj == r)
            sched_make_ready(r->runner, SCHED_WAKEUP);
    }
}

/* ---- Reporting ---------------------------------------------------------- */

/* "7.00": a sum over n, to two decimals, rounded half up. */
/* sum / n in hundredths, rounded half up: 7.00 is 700. */
static uint32_t hundredths(uint32_t sum, unsigned n) { return (sum * 100 + n / 2) / n; }

static void print_avg(const char *key, uint32_t sum, unsigned n)
{
    uint32_t h = hundredths(sum, n);
    kprintf(" %s=%u.%02u", key, (unsigned)(h / 100), (unsigned)(h % 100));
}

static void print_params(void)
{
    char params[64];
    sched_format_params(sched_policy(), params, sizeof params);
    kprintf("%s", params);
}


/* The character that stands for each task in the chart, a different one
 * for each (the CPU row mixes them): its initial when no other task has
 * the same; else the last character of its name (CPU1, CPU2: 1 and 2);
 * else the first of its other characters, then of the alphabet, that no
 * task stands for yet. Never '.', ' ' or '-', which the chart uses. */
static bool symbol_taken(const char *sym, unsigned n, char c)
{
    if (c == '.' || c == '-' || (unsigned char)c <= ' ' || (unsigned char)c > '~') /* (the chart's, or unprintable) */
        return true;
    for (unsigned k = 0; k < n; k++)
        if (sym[k] == c)
            return true;
    return false;
}

static void symbols(const struct workload *w, char *sym)
{
    for (unsigned i = 0; i < w->n; i++) {
        sym[i] = 0;
        for (unsigned j = 0; j < w->n; j++)
            if (j != i && w->task[j].name[0] == w->task[i].name[0])
                sym[i] = 1; /* (shared: decided below) */
        if (!sym[i])
            sym[i] = w->task[i].name[0];
    }
    for (unsigned i = 0; i < w->n; i++) {
        if (sym[i] != 1)
            continue;
        sym[i] = 0;
        const char *n = w->task[i].name;
        size_t len = 0;
        while (n[len])
            len++;
        char last = len ? n[len - 1] : '?';
        if (!symbol_taken(sym, w->n, last)) {
            sym[i] = last;
            continue;
        }
        for (size_t k = 0; k < len && !sym[i]; k++)
            if (!symbol_taken(sym, w->n, n[k]))
                sym[i] = n[k];
        for (char c = 'a'; !sym[i] && c <= 'z'; c++)
            if (!symbol_taken(sym, w->n, c))
                sym[i] = c;
    }
}

static bool in_io(const struct workload_run *r, unsigned task, uint32_t c)
{
    return r->io[task][c / 8] & (1u << (c % 8));
}

/* " io=S:L,S:L": the ticks task i spent in I/O waits, as runs (nothing if none). */
static void print_io(const struct workload_run *r, unsigned i, uint32_t len)
{
    bool any = false;
    for (uint32_t c = 0; c < len;) {
        if (!in_io(r, i, c)) {
            c++;
            continue;
        }
        uint32_t e = c;
        while (e < len && in_io(r, i, e))
            e++;
        kprintf("%s%u:%u", any ? "," : " io=", (unsigned)c, (unsigned)(e - c));
        any = true;
        c = e;
    }
}

/* " levels=...": the level each CPU's task ran at, a digit per tick ('.'
 * idle), one row per CPU with '/' between; only when some level was not 0
 * (the policies with levels: mlfq's queues, prio's levels). */
static void print_levels(const struct workload_run *r, uint32_t len)
{
    bool any = false;
    for (unsigned k = 0; k < r->ncpus; k++)
        for (uint32_t c = 0; c < len; c++)
            any |= r->gantt[k][c] != WL_IDLE && r->level[k][c] != 0;
    if (!any)
        return;
    kprintf(" levels=");
    for (unsigned k = 0; k < r->ncpus; k++) {
        if (k)
            kprintf("/");
        for (uint32_t c = 0; c < len; c++)
            kprintf("%c", r->gantt[k][c] == WL_IDLE ? '.' : r->level[k][c] < 10 ? '0' + r->level[k][c] : '+');
    }
}

void workload_report(const struct workload_run *r, bool full)
{
    const struct workload *w = r->w;
    if (!w || w->n == 0) {
        kprintf(TR("workload: nothing to report (no task ran)\n", "workload : rien à rapporter (aucune tâche n'a tourné)\n"));
        return;
    }
    uint32_t len = r->length < WL_MAX_TICKS ? r->length : WL_MAX_TICKS;
    uint32_t sum_turn = 0, sum_wait = 0, sum_resp = 0;
    uint32_t turn[WL_MAX_TASKS], wait[WL_MAX_TASKS], resp[WL_MAX_TASKS];
    for (unsigned i = 0; i < w->n; i++) {
        turn[i] = r->completion[i] - w->task[i].arrival; /* temps de séjour */
        wait[i] = turn[i] - w->task[i].burst;             /* temps d'attente */
        resp[i] = r->first[i] - w->task[i].arrival;
        sum_turn += turn[i];
        sum_wait += wait[i];
        sum_resp += resp[i];
    }

    if (full) {
        console_panel(0); /* the live view gives its rows back: the table and chart stay on screen */
        kprintf(TR("\nWorkload %s under %s", "\nCharge %s sous %s"), w->name, sched_policy()->name);
        print_params();
        if (r->ncpus > 1)
            kprintf(TR(" on %u CPUs", " sur %u processeurs"), r->ncpus);
        kprintf(" (%u ticks)\n", (unsigned)r->length);
        /* (the course's words: temps de séjour, d'attente, de réponse) */
        kprintf(TR("  task  arrival  burst  first  completion  turnaround  waiting  response\n",
                   "  tâche arrivée  durée  début         fin      séjour  attente   réponse\n"));
    }
    for (unsigned i = 0; full && i < w->n; i++) {
        const struct wl_task *t = &w->task[i];
        kprintf("  %-5s %7u  %5u  %5u  %10u  %10u  %7u  %8u\n", t->name, (unsigned)t->arrival, (unsigned)t->burst,
                (unsigned)r->first[i], (unsigned)r->completion[i], (unsigned)turn[i], (unsigned)wait[i],
                (unsigned)resp[i]);
    }

    /* Per CPU: a switch is a change between two tasks on its row (idle
     * ticks between them do not count); per task: a migration is a run on
     * another CPU than its previous one. */
    unsigned idle = 0, switches = 0, migrations = 0;
    for (unsigned k = 0; k < r->ncpus; k++) {
        int last = -1;
        for (uint32_t c = 0; c < len; c++) {
            uint8_t who = r->gantt[k][c];
            if (who == WL_IDLE) {
                idle++;
                continue;
            }
            if (last >= 0 && last != who)
                switches++;
            last = who;
        }
    }
    for (unsigned i = 0; i < w->n; i++) {
        int where = -1;
        for (uint32_t c = 0; c < len; c++)
            for (unsigned k = 0; k < r->ncpus; k++) {
                if (r->gantt[k][c] != i)
                    continue;
                if (where >= 0 && where != (int)k)
                    migrations++;
                where = (int)k;
            }
    }
    /* Never on two CPUs at once: the core guarantees it; a report says so
     * if it ever did not. */
    for (uint32_t c = 0; c < len; c++)
        for (unsigned k = 0; k < r->ncpus; k++)
            for (unsigned j = k + 1; j < r->ncpus; j++)
                if (r->gantt[k][c] != WL_IDLE && r->gantt[k][c] == r->gantt[j][c])
                    kprintf("workload: BROKEN: task %s ran on CPUs %u and %u during tick %u\n",
                            w->task[r->gantt[k][c]].name, k, j, (unsigned)c);

    if (full) {
        uint32_t h = hundredths(sum_turn, w->n), h2 = hundredths(sum_wait, w->n), h3 = hundredths(sum_resp, w->n);
        kprintf(TR("  average %47u.%02u  %4u.%02u  %5u.%02u\n",
                   "  moyenne %47u.%02u  %4u.%02u  %5u.%02u\n"), (unsigned)(h / 100), (unsigned)(h % 100),
                (unsigned)(h2 / 100), (unsigned)(h2 % 100), (unsigned)(h3 / 100), (unsigned)(h3 % 100));
        kprintf(TR("  %u context switches between tasks, %u idle ticks\n\n",
                   "  %u commutations de contexte entre tâches, %u ticks d'inactivité\n\n"),
                switches, idle);
        /* The Gantt chart: a ruler, then a row per task: its name where it
         * ran, '.' where it had arrived and waited, blank otherwise. */
        kprintf("  Gantt  ");
        for (uint32_t c = 0; c < len; c++)
            kprintf("%c", c % 10 == 0 ? (char)('0' + (c / 10) % 10) : ' ');
        kprintf("\n  tick   ");
        for (uint32_t c = 0; c < len; c++)
            kprintf("%u", (unsigned)(c % 10));
        kprintf("\n");
        char sym[WL_MAX_TASKS];
        symbols(w, sym);
        for (unsigned i = 0; i < w->n; i++) {
            kprintf("  %-5s  ", w->task[i].name);
            for (uint32_t c = 0; c < len; c++) {
                if (ran(r, i, c))
                    kprintf("\033[%um%c\033[0m", task_colours[i % 8], sym[i]);
                else
                    kprintf("%c", c >= w->task[i].arrival && c < r->completion[i] ? '.' : ' ');
            }
            kprintf("\n");
        }
        for (unsigned k = 0; k < r->ncpus; k++) {
            if (r->ncpus == 1)
                kprintf("  CPU    ");
            else
                kprintf("  CPU%-3u ", k);
            for (uint32_t c = 0; c < len; c++)
                kprintf("%c", r->gantt[k][c] == WL_IDLE ? '-' : sym[r->gantt[k][c]]);
            kprintf("\n");
        }
        kprintf("\n");
    }

    kprintf_serial_only(true); /* TASK and RESULT: for tools and tests, not for the VGA screen */
    for (unsigned i = 0; i < w->n; i++) {
        kprintf("TASK name=%s arrival=%u burst=%u first=%u completion=%u turnaround=%u waiting=%u response=%u",
                w->task[i].name, (unsigned)w->task[i].arrival, (unsigned)w->task[i].burst, (unsigned)r->first[i],
                (unsigned)r->completion[i], (unsigned)turn[i], (unsigned)wait[i], (unsigned)resp[i]);
        print_io(r, i, len); /* its I/O waits, if it had any: start:length,... */
        kprintf("\n");
    }
    kprintf("RESULT policy=%s", sched_policy()->name);
    print_params();
    if (r->ncpus > 1)
        kprintf(" cpus=%u", r->ncpus);
    kprintf(" workload=%s schedule=", w->name);
    for (unsigned k = 0; k < r->ncpus; k++) { /* several CPUs: one run-length list each, '/' between */
        const uint8_t *row = r->gantt[k];
        for (uint32_t c = 0; c < len;) {
            uint32_t e = c;
            while (e < len && row[e] == row[c])
                e++;
            kprintf("%s%s:%u", c ? "," : k ? "/" : "", row[c] == WL_IDLE ? "." : w->task[row[c]].name,
                    (unsigned)(e - c));
            c = e;
        }
    }
    print_avg("avg_turnaround", sum_turn, w->n);
    print_avg("avg_waiting", sum_wait, w->n);
    print_avg("avg_response", sum_resp, w->n);
    kprintf(" switches=%u idle=%u", switches, idle);
    if (r->ncpus > 1)
        kprintf(" migrations=%u", migrations);
    print_levels(r, len);
    kprintf("\n");
    kprintf_serial_only(false);
}
