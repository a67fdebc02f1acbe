/*
 * elf.c - the few parts of an ELF32 file a loader needs, checked before use.
 *
 * The header says what the file is; the program headers (PT_LOAD) say which
 * bytes go where in memory. Every offset and size in the file is treated as
 * hostile: an overflow or a segment outside the user window is refused
 * with a sentence, so that a broken program is a clear message and not a
 * kernel fault.
 */
#include "proc/elf.h"

#define PT_LOAD 1
#define PF_X 1u
#define PF_W 2u

struct elf32_ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

_Static_assert(sizeof(struct elf32_ehdr) == 52, "the ELF32 header is 52 bytes");
_Static_assert(sizeof(struct elf32_phdr) == 32, "an ELF32 program header is 32 bytes");

/* [a, a + n) within [lo, hi), without overflow. */
static bool fits(uint64_t a, uint64_t n, uint64_t lo, uint64_t hi) { return a >= lo && n <= hi - lo && a - lo <= hi - lo - n; }

const char *elf_parse(const void *file, size_t size, uintptr_t lo, uintptr_t hi, size_t page,
                      struct elf_image *out)
{
    const unsigned char *b = file;
    struct elf32_ehdr h;
    if (size < sizeof h)
        return "too short for an ELF header (52 bytes)";
    __builtin_memcpy(&h, b, sizeof h);
    if (h.ident[0] != 0x7f || h.ident[1] != 'E' || h.ident[2] != 'L' || h.ident[3] != 'F')
        return "not an ELF file (no \\177ELF at its start)";
    if (h.ident[4] != 1)
        return "not a 32-bit ELF (ELFCLASS32): build it with -m32";
    if (h.ident[5] != 1)
        return "not little-endian (ELFDATA2LSB)";
    if (h.type != 2)
        return h.type == 3 ? "a shared object or PIE (ET_DYN): link it -static -no-pie at a fixed address"
                           : "not an executable (ET_EXEC)";
    if (h.machine != 3)
        return "not for the i386 (EM_386)";
    if (h.phentsize != sizeof(struct elf32_phdr) || h.phnum == 0)
        return "no program headers, or of the wrong size";
    if (!fits(h.phoff, (uint64_t)h.phnum * sizeof(struct elf32_phdr), 0, size))
        return "its program headers lie past the end of the file";

    out->entry = h.entry;
    out->nsegments = 0;
    bool entry_ok = false;
    for (unsigned i = 0; i < h.phnum; i++) {
        struct elf32_phdr ph;
        __builtin_memcpy(&ph, b + h.phoff + i * sizeof ph, sizeof ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (out->nsegments == ELF_MAX_SEGMENTS)
            return "more loadable segments than the kernel takes (8)";
        if (ph.filesz > ph.memsz)
            return "a segment with more bytes in the file than in memory";
        if (!fits(ph.offset, ph.filesz, 0, size))
            return "a segment's bytes lie past the end of the file";
        if (!fits(ph.vaddr, ph.memsz, lo, hi))
            return "a segment outside the user window (link the program at 0x40000000: user/user.ld)";
        /* Pages: each belongs to one segment, so each has one set of rights. */
        uintptr_t mask = ~(uintptr_t)(page - 1);
        uintptr_t first = ph.vaddr & mask, end = (ph.vaddr + ph.memsz + page - 1) & mask;
        for (unsigned j = 0; j < out->nsegments; j++) {
            const struct elf_segment *o = &out->segments[j];
            uintptr_t ofirst = o->vaddr & mask, oend = (o->vaddr + o->memsz + page - 1) & mask;
            if (first < oend && ofirst < end)
                return "two segments share a page (align each segment to 4096 bytes: user/user.ld)";
        }
        out->segments[out->nsegments++] = (struct elf_segment){ph.vaddr, ph.memsz, ph.offset, ph.filesz,
                                                               (ph.flags & PF_W) != 0};
        if ((ph.flags & PF_X) && h.entry >= ph.vaddr && h.entry - ph.vaddr < ph.memsz)
            entry_ok = true;
    }
    if (out->nsegments == 0)
        return "nothing to load (no PT_LOAD segment)";
    if (!entry_ok)
        return "its entry point is not in an executable segment";
    return NULL;
}
