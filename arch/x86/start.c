/*
 * start.c - from boot.asm to kernel_main: the Multiboot hand-off.
 *
 * We bring up the consoles first (so anything that goes wrong can be said),
 * then the CPU tables, then copy what we need out of the Multiboot
 * information structure - the loader may have put it anywhere, including
 * where the heap will be - into a struct boot_info for the portable kernel.
 */
#include "drivers/drivers.h"
#include "kernel/boot.h"
#include "kernel/lib/kprintf.h"
#include "kernel/lib/panic.h"
#include "x86.h"

#include <stdbool.h>

#define MULTIBOOT_LOADER_MAGIC 0x2badb002u
#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

/* The Multiboot (v1) information structure, the fields we read. */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper; /* KiB below 1 MiB, and from 1 MiB up */
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
} __attribute__((packed));

/* One module: its bytes, and the string the loader was given with it
 * (GRUB: what follows the file on the `module` line; QEMU: the -initrd
 * file's path). */
struct multiboot_module {
    uint32_t start, end;
    uint32_t string;
    uint32_t reserved;
} __attribute__((packed));

/* One memory map entry; `size` does not count itself. */
struct multiboot_mmap {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

extern char _kernel_start[], _kernel_end[];            /* linker.ld */
extern char boot_stack_bottom[], boot_stack_top[];     /* boot.asm */
extern uint64_t boot_tsc;                              /* boot.asm */

static struct boot_info bi;

/* Copy a string; returns false if it had to be cut. */
static bool copy_str(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++)
        dst[i] = src[i];
    dst[i] = '\0';
    return src[i] == '\0';
}

/* The words of a too-long command line that were left out, by name (a
 * long word by its start and length): nothing is dropped silently. */
static void say_dropped(const char *rest)
{
    kprintf("boot: dropped:");
    while (*rest) {
        while (*rest == ' ')
            rest++;
        const char *w = rest;
        while (*rest && *rest != ' ')
            rest++;
        size_t n = (size_t)(rest - w);
        if (n)
            kprintf(" ");
        kprint_escaped(w, n > 24 ? 16 : n);
        if (n > 24)
            kprintf("...(%u characters)", (unsigned)n);
    }
    kprintf("\n");
}

/* A module's name: the last folder-less part of the first word of its
 * string, without ".elf" ("/boot/hello.elf arg" -> "hello"). */
static void module_name(char *dst, size_t size, const char *s)
{
    const char *w = s, *end = s;
    for (; *end && *end != ' '; end++)
        if (*end == '/')
            w = end + 1;
    if (end - w > 4 && __builtin_memcmp(end - 4, ".elf", 4) == 0)
        end -= 4;
    size_t n = (size_t)(end - w) < size - 1 ? (size_t)(end - w) : size - 1;
    __builtin_memcpy(dst, w, n);
    dst[n] = '\0';
}

static void read_modules(const struct multiboot_info *mb)
{
    if (!(mb->flags & MBI_MODS))
        return;
    const struct multiboot_module *m = (const struct multiboot_module *)(uintptr_t)mb->mods_addr;
    if (mb->mods_count > BOOT_MAX_MODULES)
        kprintf("boot: %u modules, more than the %u this kernel keeps; the rest are ignored\n",
                (unsigned)mb->mods_count, BOOT_MAX_MODULES);
    for (uint32_t i = 0; i < mb->mods_count && bi.nmodules < BOOT_MAX_MODULES; i++) {
        struct boot_module *b = &bi.modules[bi.nmodules++];
        b->start = m[i].start;
        b->end = m[i].end;
        const char *str = m[i].string ? (const char *)(uintptr_t)m[i].string : "";
        module_name(b->name, sizeof b->name, str);
        if (!b->name[0]) /* (GRUB's `module FILE` without a name after it) */
            __builtin_memcpy(b->name, "module", 7);
    }
}

static void read_multiboot(const struct multiboot_info *mb)
{
    bi.loader = "unknown";
    if (mb->flags & MBI_LOADER_NAME) {
        static char loader[64];
        copy_str(loader, sizeof loader, (const char *)(uintptr_t)mb->boot_loader_name);
        bi.loader = loader;
    }
    if ((mb->flags & MBI_CMDLINE) && !copy_str(bi.cmdline, sizeof bi.cmdline, (const char *)(uintptr_t)mb->cmdline)) {
        /* Cut at the last whole word, and say so. The word the copy
         * stopped in is cut out, unless the copy stopped right after it. */
        const char *src = (const char *)(uintptr_t)mb->cmdline;
        char *end = bi.cmdline + sizeof bi.cmdline - 1;
        if (src[end - bi.cmdline] != ' ')
            while (end > bi.cmdline && *end != ' ')
                *end-- = '\0';
        kprintf("boot: the command line is longer than %u characters; using only: ", (unsigned)sizeof bi.cmdline - 1);
        kprint_escaped(bi.cmdline, sizeof bi.cmdline);
        kprintf("\n");
        say_dropped(src + (end - bi.cmdline) + 1);
    }

    if (mb->flags & MBI_MMAP) {
        uintptr_t p = mb->mmap_addr, end = mb->mmap_addr + mb->mmap_length;
        while (p < end && bi.nregions < BOOT_MAX_REGIONS) {
            const struct multiboot_mmap *e = (const struct multiboot_mmap *)p;
            bi.regions[bi.nregions++] = (struct boot_region){e->base, e->length, e->type};
            p += e->size + sizeof e->size;
        }
    } else if (mb->flags & MBI_MEM) {
        /* No map: trust the two counts. */
        bi.regions[bi.nregions++] = (struct boot_region){0, (uint64_t)mb->mem_lower << 10, 1};
        bi.regions[bi.nregions++] = (struct boot_region){0x100000, (uint64_t)mb->mem_upper << 10, 1};
    }
    read_modules(mb);
}

void x86_start(uint32_t magic, uint32_t info_addr)
{
    serial_init();
    vga_init();
    gdt_init();
    idt_init();
    pic_init();

    if (magic != MULTIBOOT_LOADER_MAGIC) {
        kprintf("boot: EAX=0x%x, not the Multiboot magic 0x2badb002: Tourniquet must be started by a "
                "Multiboot loader (GRUB's `multiboot` command, or qemu-system-i386 -kernel)\n",
                magic);
        kernel_exit(KEXIT_PANIC);
    }
    read_multiboot((const struct multiboot_info *)(uintptr_t)info_addr);
    bi.image_start = (uintptr_t)_kernel_start;
    bi.image_end = (uintptr_t)_kernel_end;
    bi.boot_stack = boot_stack_bottom;
    bi.boot_stack_size = (size_t)(boot_stack_top - boot_stack_bottom);
    bi.entry_cycles = boot_tsc;
    bi.memory_top = paging_init(&bi); /* the kernel's window on memory, user windows beside it */
    kernel_main(&bi);
}
