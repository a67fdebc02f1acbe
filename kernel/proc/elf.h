/*
 * elf.h - reading a program: the ELF32 checks and the segments to load.
 *
 * Portable and free of side effects, so the host tests feed it every kind
 * of broken file. The loader (proc.c) maps what elf_parse found.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

struct elf_segment {
    uintptr_t vaddr;   /* where it goes */
    size_t memsz;      /* its size in memory (the part past filesz is zero: BSS) */
    size_t offset;     /* where its bytes are in the file... */
    size_t filesz;     /* ...and how many */
    bool write;        /* PF_W: the process may write it (else read-only: text, constants) */
};

struct elf_image {
    uintptr_t entry;
    unsigned nsegments;
    struct elf_segment segments[ELF_MAX_SEGMENTS];
};

/* Check that the `size` bytes at `file` are an i386 ELF32 executable whose
 * loadable segments all fit in [lo, hi), share no page, and hold the entry
 * point; fill *out. NULL if so, else a sentence saying what is wrong
 * ("not an ELF file (no \177ELF at its start)"). */
const char *elf_parse(const void *file, size_t size, uintptr_t lo, uintptr_t hi, size_t page,
                      struct elf_image *out);

#endif /* KERNEL_ELF_H */
