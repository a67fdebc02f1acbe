/*
 * demo.c - the demos registered with DEMOS() (demo.h), wherever they are.
 *
 * The linker gathers every file's list into the section tq_demos and marks
 * its ends (__start_tq_demos, __stop_tq_demos: GNU ld and lld define them
 * for a section named like a C identifier; linker.ld places it for the
 * kernel). Weak, so that a build with no demo at all links, with none.
 * After the demos, run= also takes prog:NAME for each user program the
 * boot loader brought (main.c runs it as a process, and waits for it).
 */
#include "demo.h"

#include <stddef.h>

#include "boot.h"
#include "lib/kstring.h"

extern const struct demo __start_tq_demos[] __attribute__((weak));
extern const struct demo __stop_tq_demos[] __attribute__((weak));

static unsigned count(void) { return __start_tq_demos ? (unsigned)(__stop_tq_demos - __start_tq_demos) : 0; }

/* "prog:NAME" for each user program the boot loader brought (boot.h). */
static char prog_names[BOOT_MAX_MODULES][sizeof "prog:" + BOOT_MODULE_NAME_MAX];

const char *demo_name(unsigned i)
{
    if (i < count())
        return __start_tq_demos[i].name;
    i -= count();
    const struct boot_info *bi = boot_info();
    if (!bi || i >= bi->nmodules)
        return NULL;
    if (!prog_names[i][0]) {
        __builtin_memcpy(prog_names[i], "prog:", 5);
        __builtin_memcpy(prog_names[i] + 5, bi->modules[i].name, BOOT_MODULE_NAME_MAX);
    }
    return prog_names[i];
}

const struct demo *demo_find(const char *name)
{
    for (unsigned k = 0; k < count(); k++)
        if (kstreq(__start_tq_demos[k].name, name))
            return &__start_tq_demos[k];
    return NULL;
}
