/*
 * bundle.c - several user programs in one boot module.
 *
 * GRUB and QEMU's -initrd give each program a module of its own, named
 * after its file. A loader that brings a single module, nameless (the web
 * page's v86: its `initrd`), gets them all in one bundle, which
 * tools/bundle.py writes; every field little-endian, every part 16-byte
 * aligned:
 *
 *   header   "TQBUNDLE", version (u32, 1), number of programs (u32)
 *   then per program:
 *     name   BOOT_MODULE_NAME_MAX (32) bytes, NUL-terminated and padded
 *     size   u32, then 12 bytes of zeros
 *     bytes  `size` of them (an ELF file), then zeros to a multiple of 16
 *
 * boot_unbundle puts the programs in the bundle's place among the modules,
 * where the rest of the kernel sees them as if each were a module.
 */
#include "proc/bundle.h"

#include "lib/kprintf.h"

#include <stdbool.h>
#include <stdint.h>

struct bundle_header {
    char magic[8];
    uint32_t version, count;
};

struct bundle_entry {
    char name[BOOT_MODULE_NAME_MAX];
    uint32_t size, zero[3];
};

_Static_assert(sizeof(struct bundle_header) == 16 && sizeof(struct bundle_entry) == 48, "the file's layout");

static bool is_bundle(const struct boot_module *m)
{
    return m->end - m->start >= sizeof(struct bundle_header) &&
           __builtin_memcmp((const void *)m->start, BUNDLE_MAGIC, 8) == 0;
}

/* A name of 1 to BOOT_MODULE_NAME_MAX - 1 bytes, NUL-terminated. */
static bool named(const char *name)
{
    for (unsigned i = 0; i < BOOT_MODULE_NAME_MAX; i++)
        if (!name[i])
            return i > 0;
    return false;
}

/* Walk bundle m's programs: each is given to fn (if not NULL), and the
 * walk returns NULL, or what is wrong with the bundle. */
static const char *walk(const struct boot_module *m, void (*fn)(const char *name, uintptr_t start, uint32_t size))
{
    const struct bundle_header *h = (const struct bundle_header *)m->start;
    if (h->version != BUNDLE_VERSION)
        return "a version this kernel does not read";
    uintptr_t at = m->start + sizeof *h;
    for (uint32_t i = 0; i < h->count; i++) {
        if (m->end - at < sizeof(struct bundle_entry))
            return "it ends inside a program's header";
        const struct bundle_entry *e = (const struct bundle_entry *)at;
        at += sizeof *e;
        if (e->size > m->end - at)
            return "a program's size goes past its end";
        if (!named(e->name))
            return "a program without a name, or with one that does not end";
        if (fn)
            fn(e->name, at, e->size);
        uintptr_t next = m->start + ((at + e->size - m->start + 15u) & ~(uintptr_t)15u); /* (its padding) */
        at = next < m->end ? next : m->end; /* (the last one's may be cut: nothing follows it) */
    }
    return NULL;
}

static struct boot_module out[BOOT_MAX_MODULES];
static unsigned nout, dropped;

static void add(const char *name, uintptr_t start, uint32_t size)
{
    if (nout == BOOT_MAX_MODULES) {
        dropped++;
        return;
    }
    struct boot_module *p = &out[nout++];
    *p = (struct boot_module){.start = start, .end = start + size};
    __builtin_memcpy(p->name, name, BOOT_MODULE_NAME_MAX);
}

void boot_unbundle(struct boot_info *bi)
{
    nout = dropped = 0;
    for (unsigned i = 0; i < bi->nmodules; i++) {
        const struct boot_module *m = &bi->modules[i];
        if (!is_bundle(m)) {
            add(m->name, m->start, (uint32_t)(m->end - m->start));
            continue;
        }
        const char *why = walk(m, NULL); /* (whole first: a broken one adds nothing) */
        if (why)
            kprintf("boot: module %u ('%s') is a broken bundle of programs: %s; its programs are left out\n", i + 1,
                    m->name, why);
        else
            walk(m, add);
    }
    if (dropped)
        kprintf("boot: %u program(s) more than the %u this kernel keeps; left out\n", dropped, BOOT_MAX_MODULES);
    __builtin_memcpy(bi->modules, out, nout * sizeof out[0]);
    bi->nmodules = nout;
}
