/*
 * spinlock.c - spinlocks, and the misuse reports every primitive shares.
 *
 * On one CPU a spinlock is, first of all, "interrupts off": while it is held
 * no timer can take the CPU, so no other task can run, let alone reach the
 * lock. The XCHG (or LOCK BTS) loop is what the same code needs on several
 * CPUs, and what the course shows; here it never actually spins. If it
 * would - the lock is held by a task that is not running - that task went to
 * sleep holding it, and spinning with interrupts off would hang the machine:
 * we report that instead.
 */
#include <stdarg.h>

#include "kprintf.h"
#include "sync_internal.h"

static struct sync_stats stats;

void sync_get_stats(struct sync_stats *out)
{
    arch_irqstate_t s = arch_irq_save();
    *out = stats;
    arch_irq_restore(s);
}

void sync_count_deadlock(void) { stats.deadlocks++; }

void sync_misuse(const char *op, const char *object, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct task *self = task_current();
    kprintf("MISUSE: %s(%s) by '%s': %s\n", op, object ? object : "?", self ? self->name : "?", msg);
    stats.misuse++;
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
        sync_misuse(op, object, "called from an interrupt handler, which cannot sleep; refused");
        return false;
    }
    struct task *self = task_current();
    if (self->spinlocks_held) {
        sync_misuse(op, object,
                    "would sleep while holding %u spinlock(s): with interrupts off nothing else could run; refused",
                    self->spinlocks_held);
        return false;
    }
    return true;
}

void spin_init(struct spinlock *l, const char *name, enum spin_kind kind)
{
    l->locked = 0;
    l->kind = kind;
    l->name = name;
    l->owner = NULL;
}

int spin_lock(struct spinlock *l)
{
    arch_irqstate_t s = arch_irq_save();
    struct task *self = task_current();
    if (l->locked) {
        if (l->owner == self)
            sync_misuse("spin_lock", l->name, "already holds it; taking it again would spin forever; refused");
        else
            sync_misuse("spin_lock", l->name,
                        "held by '%s', which is not running (it slept holding it): spinning would hang; refused",
                        l->owner ? l->owner->name : "?");
        arch_irq_restore(s);
        return SYNC_MISUSE;
    }
    /* The slides' enter_region: swap 1 into the lock until we read a 0. */
    if (l->kind == SPIN_XCHG)
        while (arch_xchg(&l->locked, 1) != 0)
            ;
    else
        while (arch_test_and_set(&l->locked))
            ;
    l->owner = self;
    if (self->spinlocks_held++ == 0)
        self->irq_before_spin = s; /* the outermost lock remembers */
    return SYNC_OK;
}

int spin_unlock(struct spinlock *l)
{
    struct task *self = task_current();
    if (!l->locked || l->owner != self) {
        if (!l->locked)
            sync_misuse("spin_unlock", l->name, "it is not held; ignored");
        else
            sync_misuse("spin_unlock", l->name, "it is held by '%s', not by the caller; ignored",
                        l->owner ? l->owner->name : "?");
        return SYNC_MISUSE;
    }
    l->owner = NULL;
    arch_xchg(&l->locked, 0); /* leave_region: a 0 in the lock (XCHG: also a barrier) */
    if (--self->spinlocks_held == 0)
        arch_irq_restore(self->irq_before_spin); /* the last one out: as before the first */
    return SYNC_OK;
}
