/*
 * test_elf.c - elf_parse takes a good program apart and refuses every kind
 * of broken one with the sentence a student needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "proc/elf.h"

#define LO 0x40000000u
#define HI 0x7fffe000u
#define PAGE 4096u

struct file {
    struct {
        unsigned char ident[16];
        uint16_t type, machine;
        uint32_t version, entry, phoff, shoff, flags;
        uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
    } h;
    struct {
        uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
    } ph[3];
    uint8_t bytes[PAGE];
};

/* A good program: text (R X) at LO, data (R W, with BSS) a page later. */
static struct file good(void)
{
    struct file f;
    memset(&f, 0, sizeof f);
    memcpy(f.h.ident, "\177ELF\1\1\1", 7);
    f.h.type = 2;
    f.h.machine = 3;
    f.h.version = 1;
    f.h.entry = LO + 0x10;
    f.h.phoff = offsetof(struct file, ph);
    f.h.ehsize = sizeof f.h;
    f.h.phentsize = sizeof f.ph[0];
    f.h.phnum = 3;
    f.ph[0] = (typeof(f.ph[0])){1, offsetof(struct file, bytes), LO, LO, 100, 100, 5, PAGE};
    f.ph[1] = (typeof(f.ph[1])){1, offsetof(struct file, bytes) + 100, LO + PAGE, LO + PAGE, 8, 3 * PAGE, 6, PAGE};
    f.ph[2] = (typeof(f.ph[2])){0x6474e551, 0, 0, 0, 0, 0, 6, 16}; /* PT_GNU_STACK: not loaded */
    return f;
}

static const char *parse(const struct file *f, size_t size, struct elf_image *img)
{
    return elf_parse(f, size, LO, HI, PAGE, img);
}

static void test_good_program(void **state)
{
    (void)state;
    struct file f = good();
    struct elf_image img;
    assert_null(parse(&f, sizeof f, &img));
    assert_int_equal(img.entry, LO + 0x10);
    assert_int_equal(img.nsegments, 2);
    assert_int_equal(img.segments[0].vaddr, LO);
    assert_false(img.segments[0].write);
    assert_int_equal(img.segments[1].memsz, 3 * PAGE);
    assert_int_equal(img.segments[1].filesz, 8);
    assert_true(img.segments[1].write);
}

/* Break the good file one way, and expect this sentence (a part of it). */
#define REFUSED(change, size, words)                            \
    do {                                                        \
        struct file f = good();                                 \
        struct elf_image img;                                   \
        change;                                                 \
        const char *why = parse(&f, size, &img);                \
        assert_non_null(why);                                   \
        if (!strstr(why, words))                                \
            fail_msg("expected \"%s\" in \"%s\"", words, why);  \
    } while (0)

static void test_broken_programs(void **state)
{
    (void)state;
    REFUSED((void)0, 40, "too short");
    REFUSED(f.h.ident[1] = 'X', sizeof f, "not an ELF file");
    REFUSED(f.h.ident[4] = 2, sizeof f, "-m32");
    REFUSED(f.h.ident[5] = 2, sizeof f, "little-endian");
    REFUSED(f.h.type = 3, sizeof f, "-static -no-pie");
    REFUSED(f.h.type = 1, sizeof f, "not an executable");
    REFUSED(f.h.machine = 62, sizeof f, "i386");
    REFUSED(f.h.phentsize = 56, sizeof f, "program headers");
    REFUSED(f.h.phnum = 0, sizeof f, "program headers");
    REFUSED(f.h.phoff = 0xfffffff0u, sizeof f, "past the end of the file");
    REFUSED(f.ph[0].filesz = 200, sizeof f, "more bytes in the file than in memory");
    REFUSED(f.ph[0].offset = 0xfffffff0u, sizeof f, "past the end of the file");
    REFUSED((f.ph[0].filesz = f.ph[0].memsz = 0x10000), sizeof f, "past the end of the file");
    REFUSED(f.ph[0].vaddr = 0x100000, sizeof f, "outside the user window");
    REFUSED(f.ph[1].memsz = 0xffffffffu, sizeof f, "outside the user window");
    REFUSED(f.ph[1].vaddr = HI - 8, sizeof f, "outside the user window");
    REFUSED(f.ph[1].vaddr = LO + 200, sizeof f, "share a page");
    REFUSED(f.h.entry = LO + PAGE, sizeof f, "entry point");
    REFUSED(f.ph[0].flags = 4, sizeof f, "entry point"); /* text not executable */
    REFUSED((f.ph[0].type = f.ph[1].type = 0), sizeof f, "nothing to load");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_program),
        cmocka_unit_test(test_broken_programs),
    };
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
