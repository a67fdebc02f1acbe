/*
 * panic.c - the one way the kernel stops: a message, then a status.
 */
#include "lib/panic.h"

#include <arch/arch.h>

#include "lib/kprintf.h"
#include "lib/lang.h"
#include "sched/sched.h"
#include "sched/task.h"

static const char *exit_meaning(enum kexit code)
{
    switch (code) {
    case KEXIT_PASS: return TR("every test passed", "tous les tests ont réussi");
    case KEXIT_FAIL: return TR("a test failed", "un test a échoué");
    case KEXIT_PANIC: return TR("kernel panic", "panique du noyau");
    }
    return "?";
}

void kernel_exit(enum kexit code)
{
    arch_irq_disable();
    kprintf(TR("tourniquet: exit status %d (%s)\n", "tourniquet : statut de sortie %d (%s)\n"), ((int)code << 1) | 1,
            exit_meaning(code));
    arch_exit(code);
}

void panic(const char *fmt, ...)
{
    static int depth;
    arch_irq_disable();
    arch_stop_others(); /* other CPUs halt, so this message is readable */
    if (depth++) { /* panicking while panicking: say as little as possible */
        kprintf("PANIC (nested)\n");
        arch_exit(KEXIT_PANIC);
    }
    va_list ap;
    va_start(ap, fmt);
    kprintf("PANIC: ");
    kvprintf(fmt, ap);
    va_end(ap);
    struct task *t = task_current();
    if (t)
        kprintf("\nPANIC: in task '%s' (id %u) at tick %u\n", t->name, (unsigned)t->id,
                (unsigned)sched_ticks_locked());
    else
        kprintf("\n");
    kernel_exit(KEXIT_PANIC);
}

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
    panic("assertion failed: %s, at %s:%d in %s()", expr, file, line, func);
}
