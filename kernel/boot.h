/*
 * boot.h - what the boot loader told us, in a form the portable kernel reads.
 *
 * The arch layer (arch/x86/start.c) reads the Multiboot information, copies
 * what matters here before anything can overwrite it, and calls
 * kernel_main().
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_REGIONS 32
#define BOOT_CMDLINE_MAX 512
#define BOOT_MAX_MODULES 32
#define BOOT_MODULE_NAME_MAX 32

struct boot_region {
    uint64_t base, length; /* bytes */
    uint32_t type;         /* 1 = usable RAM; anything else is reserved */
};

/* A file the loader put in memory beside the kernel (a Multiboot module:
 * GRUB's `module`, QEMU's -initrd): the user programs, as ELF files. */
struct boot_module {
    uintptr_t start, end;             /* its bytes; the heap starts after the last one */
    char name[BOOT_MODULE_NAME_MAX];  /* the file's name without folders or ".elf": "hello" */
};

struct boot_info {
    const char *loader;    /* the boot loader's name, or "unknown" */
    char cmdline[BOOT_CMDLINE_MAX];
    unsigned nregions;
    struct boot_region regions[BOOT_MAX_REGIONS];
    uintptr_t image_start, image_end; /* where the kernel image lies */
    void *boot_stack;                 /* the stack kernel_main runs on... */
    size_t boot_stack_size;           /* ...which becomes the idle task's */
    uint64_t entry_cycles;            /* arch_cycles() at the kernel's first instruction */
    unsigned nmodules;
    struct boot_module modules[BOOT_MAX_MODULES];
    uintptr_t memory_top;             /* the end of the memory the arch maps for the kernel */
};

/* The boot information kernel_main was given (for reports and benchmarks). */
const struct boot_info *boot_info(void);

/* The portable kernel's entry point (kernel/main.c). */
__attribute__((noreturn)) void kernel_main(struct boot_info *bi);

#endif /* KERNEL_BOOT_H */
