/*
 * gdt.c - the flat segment model, and the task-state segments.
 *
 * Tourniquet runs everything in ring 0 with flat 4 GiB code and data
 * segments, so segmentation does nothing but satisfy the CPU. Two TSSs:
 * the main one (the CPU saves into it when it switches away for a double
 * fault), and one for the double-fault handler itself, reached through a
 * task gate, so that it runs on a fresh known-good stack. That is what turns
 * a corrupted kernel stack into a readable report instead of a triple fault.
 */
#include "x86.h"

struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "the CPU's 32-bit TSS is 104 bytes");

struct gdt_entry {
    uint16_t limit_lo, base_lo;
    uint8_t base_mid, access, flags_limit_hi, base_hi;
} __attribute__((packed));

static struct gdt_entry gdt[5];
static struct tss main_tss, df_tss;

static uint8_t df_stack[4096] __attribute__((aligned(16)));

/* The state the CPU saved in main_tss when the double fault hit. */
const void *x86_fault_tss = &main_tss;

static void set_entry(int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[i].limit_lo = limit & 0xffff;
    gdt[i].base_lo = base & 0xffff;
    gdt[i].base_mid = (base >> 16) & 0xff;
    gdt[i].access = access;
    gdt[i].flags_limit_hi = (uint8_t)((flags << 4) | ((limit >> 16) & 0x0f));
    gdt[i].base_hi = (base >> 24) & 0xff;
}

/* Load the GDT and the task register; reload every segment register. */
void gdt_init(void)
{
    set_entry(0, 0, 0, 0, 0);
    set_entry(1, 0, 0xfffff, 0x9a, 0xc); /* ring-0 code, 4 KiB granularity, 32-bit */
    set_entry(2, 0, 0xfffff, 0x92, 0xc); /* ring-0 data */

    main_tss.ss0 = SEL_KDATA;
    main_tss.iomap_base = sizeof(struct tss);
    set_entry(3, (uint32_t)&main_tss, sizeof(struct tss) - 1, 0x89, 0);

    df_tss.eip = (uint32_t)x86_double_fault;
    df_tss.esp = (uint32_t)(df_stack + sizeof df_stack);
    df_tss.cs = SEL_KCODE;
    df_tss.ss = df_tss.ds = df_tss.es = df_tss.fs = df_tss.gs = SEL_KDATA;
    df_tss.eflags = 0x2; /* interrupts off */
    df_tss.iomap_base = sizeof(struct tss);
    set_entry(4, (uint32_t)&df_tss, sizeof(struct tss) - 1, 0x89, 0);

    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) gdtr = {sizeof gdt - 1, (uint32_t)gdt};

    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "mov %2, %%ax\n\t"
                     "mov %%ax, %%ds\n\t"
                     "mov %%ax, %%es\n\t"
                     "mov %%ax, %%fs\n\t"
                     "mov %%ax, %%gs\n\t"
                     "mov %%ax, %%ss\n\t"
                     "mov %3, %%ax\n\t"
                     "ltr %%ax"
                     :
                     : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "i"(SEL_TSS)
                     : "eax", "memory");
}
