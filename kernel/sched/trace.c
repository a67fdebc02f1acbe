/*
 * trace.c - the event ring buffer and its two readers: a human one and
 * Chrome's Trace Event format.
 */
#include "sched/trace.h"

#include <arch/arch.h>
#include <stdarg.h>
#include <stddef.h>

#include "lib/kmem.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
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
    struct trace_event *e = trace_put_locked(type, task, other, reason, (uint32_t)sched_ticks_locked());
    kstrlcpy_utf8(e->name, name, sizeof e->name);
    if (type == TRACE_ARRIVE && name) {
        names[task % NAMES].id = task;
        kstrlcpy_utf8(names[task % NAMES].name, name, sizeof names[0].name);
    }
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
        case TRACE_BLOCK: kprintf(TR("blocks on %s\n", "se bloque sur %s\n"), e->name[0] ? e->name : "?"); break;
        case TRACE_WAKE: kprintf(TR("wakes up\n", "se réveille\n")); break;
        case TRACE_EXIT: kprintf(TR("exits\n", "se termine\n")); break;
        case TRACE_CONTEND: kprintf(TR("finds %s taken\n", "trouve %s pris\n"), e->name[0] ? e->name : "?"); break;
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
    char buf[320]; /* (the longest line: an instant, some 130 bytes, and a name escaped to at most 99) */
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

/* The contents of a JSON string holding s: '"', '\\' and control characters
 * escaped, and every byte that does not begin a well-formed UTF-8
 * character written as U+FFFD, so that no name can make the export invalid
 * (a program's name is its file's, and may hold anything). */
static void json_escape(char *out, size_t size, const char *s)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 7 < size;) {
        unsigned c = *p, len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                        : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        /* the second byte's range: E0 and F0 exclude overlong forms, ED surrogates, F4 beyond U+10FFFF */
        unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80, hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
        bool ok = len > 0;
        for (unsigned k = 1; ok && k < len; k++)
            ok = k == 1 ? p[1] >= lo && p[1] <= hi : (p[k] & 0xc0) == 0x80;
        if (!ok) {
            o += (size_t)ksnprintf(out + o, size - o, "\\ufffd");
            p++;
        } else if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)ksnprintf(out + o, size - o, "\\u%04x", c);
            p++;
        } else {
            for (unsigned k = 0; k < len; k++)
                out[o++] = (char)*p++;
        }
    }
    out[o] = '\0';
}

/* True the first time `id` is asked about: a set of ids in SEEN_SLOTS
 * slots, each id + 1 (0: empty), found by linear probing. Every event names
 * at most two tasks, so the ring names at most 2 x TRACE_EVENTS: the set is
 * never full. */
#define SEEN_SLOTS (4 * TRACE_EVENTS)
static bool first_sight(uint32_t *seen, uint32_t id)
{
    for (uint32_t i = (id * 2654435761u) & (SEEN_SLOTS - 1);; i = (i + 1) & (SEEN_SLOTS - 1)) {
        if (seen[i] == id + 1)
            return false;
        if (seen[i] == 0) {
            seen[i] = id + 1;
            return true;
        }
    }
}

/* A track's name, the first time the export meets its task: the one its
 * arrival recorded, when that is the event (an arrival names only its own
 * task), else the reports' copy. */
static void name_track(struct json_out *j, uint32_t *seen, uint32_t id, const struct trace_event *e)
{
    if (!seen || !first_sight(seen, id))
        return;
    char name[100];
    json_escape(name, sizeof name, e->type == TRACE_ARRIVE && e->name[0] ? e->name : task_name_of(id));
    emit(j, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":{\"name\":\"%s\"}}",
         (unsigned)id, name);
}

void trace_export_json(void (*out)(const char *s, size_t n))
{
    struct json_out j = {out};
    arch_irqstate_t s = klock_irqsave(&trace_lock);
    uint32_t end = trace_next; /* the trace as it stands now; later events are not in it */
    uint32_t first = end < TRACE_EVENTS ? 0 : end - TRACE_EVENTS;
    klock_irqrestore(&trace_lock, s);
    /* (without the memory for the set, the tracks go unnamed: said at the end) */
    uint32_t *seen = kmalloc(SEEN_SLOTS * sizeof *seen);
    if (seen)
        for (unsigned i = 0; i < SEEN_SLOTS; i++)
            seen[i] = 0;
    emit(&j, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    emit(&j, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"Tourniquet\"}}");
    /* One track (tid) per task: a "B"egin when it is switched in, an "E"nd
     * when it is switched out; instants for the rest. Oldest first; an
     * event overwritten by newer ones while we write is skipped. */
    for (uint32_t seq = first; seq != end; seq++) {
        struct trace_event ev, *e = &ev;
        if (!copy_event(seq, e))
            continue;
        name_track(&j, seen, e->task, e);
        if (e->type == TRACE_SWITCH)
            name_track(&j, seen, e->other, e);
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
            char on[100] = "";
            if (e->type == TRACE_BLOCK || e->type == TRACE_CONTEND)
                json_escape(on, sizeof on, e->name);
            emit(&j, ",\n{\"name\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%u,\"ts\":%s,\"args\":{\"tick\":%u,\"on\":\"%s\"}}",
                 what[e->type], (unsigned)e->task, t, (unsigned)e->tick, on);
            break;
        }
        default:
            break;
        }
    }
    if (!seen)
        emit(&j, ",\n{\"name\":\"note\",\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":0,\"ts\":0,"
                 "\"args\":{\"text\":\"no memory to name the tracks\"}}");
    kfree(seen);
    emit(&j, "\n]}\n");
}
