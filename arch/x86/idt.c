/*
 * idt.c - the interrupt descriptor table: 256 gates.
 *
 * Every vector gets a stub from isr.S (isr_stub_table), so an unexpected
 * interrupt is reported by number rather than triple-faulting. All gates are
 * interrupt gates (interrupts off on entry) except vector 8, the double
 * fault, which is a task gate to its own TSS (see gdt.c). Only the
 * system-call gate (int 0x80) may be raised from ring 3: every other
 * vector, raised by a process with INT, is a #GP that kills it.
 */
#include "x86.h"

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t zero, type_attr;
    uint16_t offset_hi;
} __attribute__((packed));

extern const uint32_t isr_stub_table[256]; /* isr.S */
static struct idt_gate idt[256];

/* Fill all 256 gates and load the IDT (boot CPU, once). */
void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        idt[v].offset_lo = isr_stub_table[v] & 0xffff;
        idt[v].offset_hi = isr_stub_table[v] >> 16;
        idt[v].selector = SEL_KCODE;
        idt[v].type_attr = 0x8e; /* present, ring 0, 32-bit interrupt gate */
    }
    idt[VEC_SYSCALL].type_attr = 0xee; /* present, ring 3 may call it, interrupt gate */
    idt[8].offset_lo = idt[8].offset_hi = 0;
    idt[8].selector = SEL_DF_TSS;
    idt[8].type_attr = 0x85; /* present, task gate */
    idt_load();
}

/* Load the (shared) IDT on this CPU: the boot CPU from idt_init, each
 * other CPU as it starts. */
void idt_load(void)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr = {sizeof idt - 1, (uint32_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}
