/*
 * trace.c - the event ring buffer and its two readers: a human one and
 * Chrome's Trace Event format.
 */
#include "sched/trace.h"

#include <arch/arch.h>
#include <stdarg.h>
#include <stddef.h>

#include "lib/kprintf.h"
#include "lib/lang.h"
#include "sched/sched.h"
#include "sched/task.h"

bool trace_enabled = true;

struct klock trace_lock = KLOCK_INIT;
struct trace_event trace_ring[TRACE_EVENTS];
uint32_t trace_next;

/* Task names by id, copied when a task arrives: a trace outlives its tasks. */
#define NAMES 128
static struct {
    uint32_t id;
    char name[16];
} names[NAMES];

void trace_record(enum trace_type type, uint32_t task, uint32_t other, uint32_t reason, const char *name)
{
    klock_take(&trace_lock);
    if (type == TRACE_ARRIVE && name) {
        names[task % NAMES].id = task;
        unsigned i = 0;
        for (; name[i] && i < sizeof names[0].name - 1; i++)
            names[task % NAMES].name[i] = name[i];
        names[task % NAMES].name[i] = '\0';
        name = NULL; /* the task's own name may not outlive it */
    }
    trace_put_locked(type, task, other, reason, name, (uint32_t)sched_ticks_locked());
    klock_drop(&trace_lock);
}

void trace_reset(void)
{
    arch_irqstate_t s = klock_irqsave(&trace_lock);
    trace_next = 0;
    klock_irqrestore(&trace_lock, s);
}

/* Copy event number `seq` (0 = the first ever recorded) if the ring still
 * holds it. One event at a time, under the lock: the export never keeps
 * the scheduler waiting for more than a copy. */
static bool copy_event(uint32_t seq, struct trace_event *out)
{
    arch_irqstate_t s = klock_irqsave(&trace_lock);
    bool held = trace_next - seq <= TRACE_EVENTS && seq < trace_next;
    if (held)
        *out = trace_ring[seq & (TRACE_EVENTS - 1)];
    klock_irqrestore(&trace_lock, s);
    return held;
}

static const char *task_name_of(uint32_t id)
{
    if (id == 0)
        return "idle";
    if (names[id % NAMES].id == id && names[id % NAMES].name[0])
        return names[id % NAMES].name;
    struct task *t = task_by_id(id);
    return t ? t->name : "?";
}

static const char *const reasons[][2] = {{"", ""},
                                          {"preempted", "préemptée"},
                                          {"yielded", "a cédé"},
                                          {"blocked", "bloquée"},
                                          {"slept", "endormie"},
                                          {"exited", "terminée"}};

void trace_print(unsigned n)
{
    arch_irqstate_t s = klock_irqsave(&trace_lock);
    uint32_t end = trace_next;
    klock_irqrestore(&trace_lock, s);
    uint32_t held = end < TRACE_EVENTS ? end : TRACE_EVENTS;
    if (n > held)
        n = held;
    kprintf(TR("trace: the last %u of %u events (tick, task, event)\n",
               "trace : les %u derniers des %u événements (tick, tâche, événement)\n"), n, (unsigned)end);
    for (uint32_t seq = end - n; seq != end; seq++) {
        struct trace_event ev, *e = &ev;
        if (!copy_event(seq, e))
            continue; /* overwritten while we print */
        kprintf("  %6u  %-12s ", (unsigned)e->tick, task_name_of(e->task));
        switch (e->type) {
        case TRACE_ARRIVE: kprintf(TR("arrives\n", "arrive\n")); break;
        case TRACE_SWITCH:
            kprintf("%s -> %s\n", e->reason < 6 ? reasons[e->reason][lang_fr()] : "?", task_name_of(e->other));
            break;
        case TRACE_BLOCK: kprintf(TR("blocks on %s\n", "se bloque sur %s\n"), e->name ? e->name : "?"); break;
        case TRACE_WAKE: kprintf(TR("wakes up\n", "se réveille\n")); break;
        case TRACE_EXIT: kprintf(TR("exits\n", "se termine\n")); break;
        case TRACE_CONTEND: kprintf(TR("finds %s taken\n", "trouve %s pris\n"), e->name ? e->name : "?"); break;
        default: kprintf("?\n"); break;
        }
    }
}

/* ---- Chrome Trace Event JSON -------------------------------------------------- */

struct json_out {
    void (*out)(const char *s, size_t n);
};

static void emit(struct json_out *j, const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    j->out(buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
}

/* Microseconds from cycles, for the "ts" field: under -icount shift=0 a
 * cycle is an instruction and a nanosecond. */
static void ts(char *buf, size_t size, uint64_t cycles)
{
    uint64_t us = cycles;
    unsigned ns = (unsigned)kdivmod64(&us, 1000);
    ksnprintf(buf, size, "%llu.%03u", (unsigned long long)us, ns);
}

void trace_export_json(void (*out)(const char *s, size_t n))
{
    struct json_out j = {out};
    arch_irqstate_t s = klock_irqsave(&trace_lock);
    uint32_t end = trace_next; /* the trace as it stands now; later events are not in it */
    uint32_t first = end < TRACE_EVENTS ? 0 : end - TRACE_EVENTS;
    klock_irqrestore(&trace_lock, s);
    emit(&j, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    emit(&j, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"Tourniquet\"}}");
    /* One track (tid) per task: a "B"egin when it is switched in, an "E"nd
     * when it is switched out; instants for the rest. Oldest first; an
     * event overwritten by newer ones while we write is skipped. */
    uint32_t ids[64]; /* every task id seen (up to 64), to name the tracks */
    unsigned nids = 0;
    for (uint32_t seq = first; seq != end; seq++) {
        struct trace_event ev, *e = &ev;
        if (!copy_event(seq, e))
            continue;
        char t[32];
        ts(t, sizeof t, e->cycles);
        switch (e->type) {
        case TRACE_SWITCH:
            emit(&j, ",\n{\"name\":\"run\",\"ph\":\"E\",\"pid\":1,\"tid\":%u,\"ts\":%s,\"args\":{\"left\":\"%s\",\"tick\":%u}}",
                 (unsigned)e->task, t, e->reason < 6 ? reasons[e->reason][0] : "?", (unsigned)e->tick);
            emit(&j, ",\n{\"name\":\"run\",\"ph\":\"B\",\"pid\":1,\"tid\":%u,\"ts\":%s,\"args\":{\"tick\":%u}}",
                 (unsigned)e->other, t, (unsigned)e->tick);
            break;
        case TRACE_ARRIVE:
        case TRACE_BLOCK:
        case TRACE_WAKE:
        case TRACE_EXIT:
        case TRACE_CONTEND: {
            static const char *const what[] = {"", "arrive", "", "block", "wake", "exit", "contend"};
            emit(&j, ",\n{\"name\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%u,\"ts\":%s,\"args\":{\"tick\":%u,\"on\":\"%s\"}}",
                 what[e->type], (unsigned)e->task, t, (unsigned)e->tick, e->name ? e->name : "");
            break;
        }
        default:
            break;
        }
        uint32_t two[2] = {e->task, e->type == TRACE_SWITCH ? e->other : e->task};
        for (int k = 0; k < 2; k++) {
            bool known = false;
            for (unsigned m = 0; m < nids; m++)
                known |= ids[m] == two[k];
            if (!known && nids < 64)
                ids[nids++] = two[k];
        }
    }
    for (unsigned m = 0; m < nids; m++)
        emit(&j, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":{\"name\":\"%s\"}}",
             (unsigned)ids[m], task_name_of(ids[m]));
    emit(&j, "\n]}\n");
}
