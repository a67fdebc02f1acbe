/*
 * x86.h - x86 details shared by arch/x86 and drivers/, never by kernel/.
 *
 * Port I/O, control registers, segment selectors, and the trap frame that
 * the interrupt entry (isr.S) builds on the interrupted task's stack.
 */
#ifndef X86_H
#define X86_H

#include <stddef.h>
#include <stdint.h>

#include "trap_frame.h"

/* Segment selectors of the flat GDT (gdt.c). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x18
#define SEL_DF_TSS 0x20 /* task gate target for the double fault */

/* IRQ lines of the two 8259 PICs land on vectors 32..47 (pic.c). */
#define IRQ_BASE 32
#define IRQ_TIMER 0
#define IRQ_KEYBOARD 1
#define IRQ_COM1 4

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }

/*
 * The trap frame: what isr.S leaves on the interrupted task's kernel stack
 * before calling trap_dispatch(). Lowest address first; isr.S pushes it in
 * the reverse order. The interrupted code ran in ring 0, so the CPU pushed no
 * SS:ESP: the interrupted ESP is the address just past `eflags`.
 */
struct trap_frame {
    uint32_t gs, fs, es, ds;           /* 0, 4, 8, 12: pushed by isr_common */
    uint32_t edi, esi, ebp, esp_dummy; /* 16..28: PUSHAD (esp_dummy is ignored) */
    uint32_t ebx, edx, ecx, eax;       /* 32..44 */
    uint32_t vector;                   /* 48: pushed by the per-vector stub */
    uint32_t error;                    /* 52: CPU error code, or 0 from the stub */
    uint32_t eip, cs, eflags;          /* 56, 60, 64: pushed by the CPU */
};
_Static_assert(offsetof(struct trap_frame, edi) == 16, "isr.S: PUSHAD after 4 segments");
_Static_assert(offsetof(struct trap_frame, eax) == 44, "isr.S: PUSHAD order");
_Static_assert(offsetof(struct trap_frame, vector) == 48, "isr.S: vector slot");
_Static_assert(offsetof(struct trap_frame, error) == 52, "isr.S: error code slot");
_Static_assert(offsetof(struct trap_frame, eip) == 56, "isr.S: CPU frame");
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "isr.S: frame size (trap_frame.h)");

/* The ESP the interrupted code had (ring 0 to ring 0: no SS:ESP pushed). */
static inline uint32_t trap_frame_esp(const struct trap_frame *f) { return (uint32_t)(uintptr_t)(&f->eflags + 1); }

/* gdt.c */
void gdt_init(void);
extern const void *x86_fault_tss; /* the TSS the CPU saved into on a double fault */
/* idt.c */
void idt_init(void);
/* pic.c */
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
int pic_is_spurious(unsigned irq);
/* pit.c */
void pit_init(unsigned hz);
void pit_tick(void);
/* trap.c */
void trap_dispatch(struct trap_frame *f);
__attribute__((noreturn)) void x86_double_fault(void);

/* Multiboot-loader entry (start.c), called from boot/boot.asm. */
__attribute__((noreturn)) void x86_start(uint32_t magic, uint32_t info_addr);

#endif /* X86_H */
