/*
 * lockdep.c - the lock-order validator (see lockdep.h for what it says).
 *
 * The graph is a table of orders, each "to was taken while from was held",
 * with who did it first, when and from where. A new order from -> to closes
 * a cycle when `from` can already be reached from `to`: a breadth-first
 * search over the table, which keeps for each order it reaches the one it
 * came through, so the cycle can be printed. The search runs only when an
 * order is new, which after the first few rounds of any program is never.
 */
#include "sync/lockdep.h"

#include <stdarg.h>

#include "lib/kprintf.h"
#include "lib/lang.h"
#include "sched/sched.h"
#include "sync/sync_internal.h"
#include "sched/task.h"

bool lockdep_enabled = true;

struct lock_order {
    const void *from, *to;         /* `to` was taken while `from` was held */
    const char *from_name, *to_name;
    char task[TASK_NAME_MAX];      /* the task that did so first (a copy: it may be gone) */
    uint32_t tick;                 /* when */
    const void *caller;            /* from where: the lock call's return address */
};

static struct klock lock;          /* guards orders, nr_orders, full_said */
static struct lock_order orders[LOCKDEP_ORDERS];
static unsigned nr_orders;
static bool full_said;             /* the "table full" line was printed */

static bool known(const void *from, const void *to)
{
    for (unsigned i = 0; i < nr_orders; i++)
        if (orders[i].from == from && orders[i].to == to)
            return true;
    return false;
}

/* Orders leading from `start` to `goal`: the index of the last one, with
 * came_from[] linking each back to the one before (-1 at the first); -1
 * if `goal` cannot be reached. */
static int path(const void *start, const void *goal, int *came_from)
{
    static int queue[LOCKDEP_ORDERS]; /* (static: the caller holds `lock`) */
    static bool seen[LOCKDEP_ORDERS];
    unsigned head = 0, tail = 0;
    for (unsigned i = 0; i < nr_orders; i++) {
        seen[i] = orders[i].from == start;
        if (seen[i]) {
            came_from[i] = -1;
            queue[tail++] = (int)i;
        }
    }
    while (head < tail) {
        int e = queue[head++];
        if (orders[e].to == goal)
            return e;
        for (unsigned i = 0; i < nr_orders; i++) {
            if (!seen[i] && orders[i].from == orders[e].to) {
                seen[i] = true;
                came_from[i] = e;
                queue[tail++] = (int)i;
            }
        }
    }
    return -1;
}

/* The report is built here and printed in one call, so that on several
 * CPUs no other line lands in the middle of it. (Guarded by `lock`, as are
 * the search's arrays: none of them is on the stack of the task that
 * happens to take a lock.) */
static char line[1024];
static unsigned line_len;
static int chain[LOCKDEP_ORDERS];

__attribute__((format(printf, 1, 2))) static void add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(line + line_len, sizeof line - line_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        line_len = line_len + (unsigned)n < sizeof line ? line_len + (unsigned)n : sizeof line - 1;
}

static void add_order(const struct lock_order *o, const char *verb)
{
    add(TR("'%s' %s '%s' while holding '%s' (tick %u, caller %p)",
           "'%s' %s '%s' en tenant '%s' (tick %u, appelant %p)"),
        o->task, verb, o->to_name, o->from_name, (unsigned)o->tick, o->caller);
}

/* The new order n closes a cycle whose other orders end at `last`. */
static void report(const struct lock_order *n, int last, const int *came_from)
{
    unsigned len = 0;
    for (int e = last; e >= 0; e = came_from[e])
        chain[len++] = e; /* (backwards: from the last order to the first) */
    line_len = 0;
    add("LOCK ORDER: ");
    add_order(n, TR("takes", "prend"));
    add(TR(", but ", ", mais "));
    for (unsigned k = len; k-- > 0;) {
        add_order(&orders[chain[k]], TR("took", "a pris"));
        add("%s", k ? TR(", then ", ", puis ") : "");
    }
    if (len == 1)
        add("%s", TR(": run at the same time, each would wait for the other",
                     " : exécutées en même temps, chacune attendrait l'autre (interblocage)"));
    else
        add(TR(": a cycle of %u locks; run at the same time, each task would wait for the next",
               " : un cycle de %u verrous ; exécutées en même temps, chaque tâche attendrait la suivante (interblocage)"),
            len + 1);
    kprintf("%s\n", line);
}

void lockdep_check_held(const void *l, const char *name, const void *caller)
{
    if (sched_in_irq()) /* (a handler borrows the task it interrupted: these are not its orders) */
        return;
    struct task *self = task_current();
    unsigned held = self->nr_locks_held < LOCKDEP_HELD_MAX ? self->nr_locks_held : LOCKDEP_HELD_MAX;
    static int came_from[LOCKDEP_ORDERS]; /* (static: guarded by `lock`) */
    uint32_t now = (uint32_t)sched_ticks();
    arch_irqstate_t s = klock_irqsave(&lock);
    for (unsigned i = 0; i < held; i++) {
        const void *from = self->locks_held[i];
        if (!from || from == l || known(from, l)) /* (NULL: a lock it holds that is not followed) */
            continue;
        if (nr_orders == LOCKDEP_ORDERS) {
            if (!full_said)
                kprintf("lockdep: %u lock orders remembered, the most it can; new ones are not checked\n",
                        LOCKDEP_ORDERS);
            full_said = true;
            break;
        }
        struct lock_order *n = &orders[nr_orders];
        *n = (struct lock_order){from, l, self->lock_names[i], name, "", now, caller};
        ksnprintf(n->task, sizeof n->task, "%s", self->name);
        int last = path(l, from, came_from);
        nr_orders++;
        if (last >= 0) {
            report(n, last, came_from);
            sync_count_lock_order();
        }
    }
    klock_irqrestore(&lock, s);
}

void lockdep_released_other(const void *l)
{
    struct task *self = task_current();
    unsigned held = self->nr_locks_held < LOCKDEP_HELD_MAX ? self->nr_locks_held : LOCKDEP_HELD_MAX;
    for (unsigned i = held; i-- > 0;) {
        if (self->locks_held[i] == l) {
            for (unsigned k = i; k + 1 < held; k++) { /* keep the others in the order taken */
                self->locks_held[k] = self->locks_held[k + 1];
                self->lock_names[k] = self->lock_names[k + 1];
            }
            if (self->nr_locks_held > LOCKDEP_HELD_MAX) /* one not followed moves into the array: unknown */
                self->locks_held[held - 1] = NULL;
            self->nr_locks_held--;
            return;
        }
    }
    if (self->nr_locks_held > LOCKDEP_HELD_MAX)
        self->nr_locks_held--; /* one of those not followed */
}

void lockdep_forget(const void *l)
{
    arch_irqstate_t s = klock_irqsave(&lock);
    unsigned k = 0;
    for (unsigned i = 0; i < nr_orders; i++)
        if (orders[i].from != l && orders[i].to != l)
            orders[k++] = orders[i];
    nr_orders = k;
    klock_irqrestore(&lock, s);
}

void lockdep_reset(void)
{
    nr_orders = 0;
    full_said = false;
    lockdep_enabled = true;
}
