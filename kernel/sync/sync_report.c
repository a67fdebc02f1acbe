/*
 * sync_report.c - what every synchronization primitive shares: the misuse
 * reports, the check that a caller may sleep, the names of waiters for a
 * report, the counts of misuse and deadlock reports (`stats`), and the end
 * of a killed waiter.
 */
#include <stdarg.h>

#include "lib/kprintf.h"
#include "lib/lang.h"
#include "sync/sync_internal.h"

static struct sync_stats stats;

void sync_get_stats(struct sync_stats *out)
{
    arch_irqstate_t s = arch_irq_save();
    *out = stats;
    arch_irq_restore(s);
}

void sync_count_deadlock(void) { stats.deadlocks++; }
void sync_count_lock_order(void) { stats.lock_orders++; }

void sync_misuse(const char *op, const char *object, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct task *self = task_current();
    char where[32] = ""; /* on several CPUs, say which (" sur le processeur 12") */
    if (sched_ncpus() > 1)
        ksnprintf(where, sizeof where, TR(" on cpu %u", " sur le processeur %u"), self ? self->cpu : 0);
    kprintf(TR("MISUSE: %s(%s) by '%s'%s: %s\n",
               "MISUSE: %s(%s) par '%s'%s : %s\n"), op, object ? object : "?", self ? self->name : "?", where, msg);
    stats.misuse++;
}

void sync_refuse_uninitialised(const char *op, const void *obj)
{
    sync_misuse(op, "?",
                TR("the object at %p was never initialised (or was destroyed): call its _init first; refused",
                   "l'objet en %p n'a jamais été initialisé (ou a été détruit) : appelez d'abord son _init ; refusé"),
                obj);
}

void sync_refuse_null(const char *op)
{
    sync_misuse(op, "NULL", TR("the object pointer is NULL: pass the address of an initialised object; refused",
                               "le pointeur d'objet est NULL : passez l'adresse d'un objet initialisé ; refusé"));
}

uint64_t sync_deadline(const char *op, const char *object, uint32_t ticks)
{
    if (ticks > INT32_MAX) {
        sync_misuse(op, object, TR("a timeout of %d ticks is negative (it is 0 .. %d); taken as 0",
                                   "un délai de %d ticks est négatif (il va de 0 à %d) ; pris comme 0"), (int)ticks,
                    INT32_MAX);
        ticks = 0;
    }
    return sched_ticks() + ticks;
}

void sync_name_waiters(const struct list *q, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    list_for_each(n, q) {
        int k = ksnprintf(buf + len, size - len, "%s'%s'", len ? ", " : "",
                          list_entry(n, struct task, wait_node)->name);
        if (k < 0 || (size_t)k >= size - len)
            break;
        len += (size_t)k;
    }
}

bool sync_refuse_block(const char *op, const char *object)
{
    if (sched_in_irq()) {
        sync_misuse(op, object, TR("called from an interrupt handler, which cannot sleep; refused",
                                   "appelé depuis un gestionnaire d'interruption, qui ne peut pas dormir ; refusé"));
        return false;
    }
    struct task *self = task_current();
    if (self->spinlocks_held) {
        sync_misuse(op, object,
                    TR("would sleep while holding %u spinlock(s): with interrupts off nothing else could run; refused",
                       "dormirait en tenant %u verrou(s) tournant(s) : interruptions coupées, rien d'autre ne pourrait s'exécuter ; refusé"),
                    self->spinlocks_held);
        return false;
    }
    return true;
}

void waitq_die_killed(struct klock *lk)
{
    struct task *self = task_current();
    struct list *q = self->woken_from;
    if (q) { /* the wakeup it will not use: the next waiter's */
        self->woken_from = NULL;
        waitq_wake_one(q);
    }
    task_die_killed(lk);
}
