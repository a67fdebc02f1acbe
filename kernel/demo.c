/*
 * demo.c - the demos registered with DEMOS() (demo.h), wherever they are.
 *
 * The linker gathers every file's list into the section tq_demos and marks
 * its ends (__start_tq_demos, __stop_tq_demos: GNU ld and lld define them
 * for a section named like a C identifier; linker.ld places it for the
 * kernel). Weak, so that a build with no demo at all links, with none.
 */
#include "demo.h"

#include <stddef.h>

#include "lib/kstring.h"

extern const struct demo __start_tq_demos[] __attribute__((weak));
extern const struct demo __stop_tq_demos[] __attribute__((weak));

static unsigned count(void) { return __start_tq_demos ? (unsigned)(__stop_tq_demos - __start_tq_demos) : 0; }

const char *demo_name(unsigned i) { return i < count() ? __start_tq_demos[i].name : NULL; }

const struct demo *demo_find(const char *name)
{
    for (unsigned k = 0; k < count(); k++)
        if (kstreq(__start_tq_demos[k].name, name))
            return &__start_tq_demos[k];
    return NULL;
}
