/*
 * gdt.c - the flat segment model, and the task-state segments.
 *
 * Flat 4 GiB code and data segments, for ring 0 (the kernel) and ring 3
 * (processes: paging, not segments, keeps them out of the kernel), so
 * segmentation does nothing but satisfy the CPU. The main TSS also says
 * where a trap from ring 3 finds its kernel stack (ESP0: paging.c sets it
 * at each switch to a process's thread). Two TSSs:
 * the main one (the CPU saves into it when it switches away for a double
 * fault), and one for the double-fault handler itself, reached through a
 * task gate, so that it runs on a fresh known-good stack. That is what turns
 * a corrupted kernel stack into a readable report instead of a triple fault.
 *
 * Each CPU has its own GDT and its own pair of TSSs (a TSS is marked busy in
 * the GDT that holds it, and each CPU needs its own double-fault stack), all
 * in its struct x86_cpu; a sixth segment, loaded in FS, is the per-CPU data;
 * the user segments come last.
 */
#include "x86.h"

#include <arch/arch.h>

struct x86_cpu x86_cpus[ARCH_MAX_CPUS];

static void set_entry(struct gdt_entry *gdt, int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[i].limit_lo = limit & 0xffff;
    gdt[i].base_lo = base & 0xffff;
    gdt[i].base_mid = (base >> 16) & 0xff;
    gdt[i].access = access;
    gdt[i].flags_limit_hi = (uint8_t)((flags << 4) | ((limit >> 16) & 0x0f));
    gdt[i].base_hi = (base >> 24) & 0xff;
}

/* The boot CPU's tables (x86_cpus[0]); see gdt_init_cpu. */
void gdt_init(void) { gdt_init_cpu(&x86_cpus[0]); }

/*
 * Fill CPU c's own GDT and TSSs, load them and reload every segment
 * register; FS gets the per-CPU segment, whose base is c. Each CPU calls it
 * for itself, with interrupts off. Every GDT has the same layout, so a
 * selector means the same thing on every CPU, except that SEL_PERCPU's base
 * is that CPU's struct: a POP FS (isr.S) reloads the base of the CPU it runs on.
 */
void gdt_init_cpu(struct x86_cpu *c)
{
    struct gdt_entry *gdt = c->gdt;
    c->self = c;
    set_entry(gdt, 0, 0, 0, 0, 0);
    set_entry(gdt, 1, 0, 0xfffff, 0x9a, 0xc); /* ring-0 code, 4 KiB granularity, 32-bit */
    set_entry(gdt, 2, 0, 0xfffff, 0x92, 0xc); /* ring-0 data */

    c->tss.ss0 = SEL_KDATA;
    c->tss.iomap_base = sizeof(struct tss);
    set_entry(gdt, 3, (uint32_t)&c->tss, sizeof(struct tss) - 1, 0x89, 0);

    struct tss *df = &c->df_tss;
    df->eip = (uint32_t)x86_double_fault;
    df->esp = (uint32_t)(c->df_stack + sizeof c->df_stack);
    df->cs = SEL_KCODE;
    df->ss = df->ds = df->es = df->gs = SEL_KDATA;
    df->fs = SEL_PERCPU; /* the handler finds its CPU's state through FS */
    df->eflags = 0x2;    /* interrupts off */
    df->cr3 = paging_kernel_directory(); /* a task switch loads CR3 too: the kernel's map, whatever ran */
    df->iomap_base = sizeof(struct tss);
    set_entry(gdt, 4, (uint32_t)df, sizeof(struct tss) - 1, 0x89, 0);

    set_entry(gdt, 5, (uint32_t)c, sizeof *c - 1, 0x92, 0x4); /* per-CPU data, byte granular */
    set_entry(gdt, 6, 0, 0xfffff, 0xfa, 0xc); /* ring-3 code */
    set_entry(gdt, 7, 0, 0xfffff, 0xf2, 0xc); /* ring-3 data */

    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) gdtr = {sizeof c->gdt - 1, (uint32_t)gdt};

    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "mov %2, %%ax\n\t"
                     "mov %%ax, %%ds\n\t"
                     "mov %%ax, %%es\n\t"
                     "mov %%ax, %%gs\n\t"
                     "mov %%ax, %%ss\n\t"
                     "mov %4, %%ax\n\t"
                     "mov %%ax, %%fs\n\t"
                     "mov %3, %%ax\n\t"
                     "ltr %%ax\n\t"
                     /* No LDT: after a reset the LDT register still names one
                      * at linear 0, limit 0xffff, and the CPU reads it as the
                      * kernel would - a process could load "segments" made of
                      * whatever the firmware left in the first 64 KiB (call
                      * gates among them). Null, a selector with TI set is #GP. */
                     "xor %%eax, %%eax\n\t"
                     "lldt %%ax"
                     :
                     : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "i"(SEL_TSS), "i"(SEL_PERCPU)
                     : "eax", "memory");
}
