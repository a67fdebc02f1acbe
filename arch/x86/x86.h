/*
 * x86.h - x86 details shared by arch/x86 and drivers/, never by kernel/.
 *
 * Port I/O, control registers, segment selectors, and the trap frame that
 * the interrupt entry (isr.S) builds on the interrupted task's stack.
 */
#ifndef X86_H
#define X86_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "trap_frame.h"

/* Segment selectors of the flat GDT (gdt.c). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x18
#define SEL_DF_TSS 0x20 /* task gate target for the double fault */
#define SEL_PERCPU 0x28 /* FS: this CPU's struct x86_cpu; the same selector in every CPU's GDT */
#define SEL_UCODE 0x33  /* ring-3 code (GDT entry 6, RPL 3) */
#define SEL_UDATA 0x3b  /* ring-3 data and stack (GDT entry 7, RPL 3) */
#define GDT_ENTRIES 8

/* The system-call gate: int 0x80, the one vector ring 3 may raise (idt.c). */
#define VEC_SYSCALL 0x80

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
    uint32_t gs, fs, es, ds;           /* 0, 4, 8, 12: pushed by isr_common; not written for an
                                        * interrupt of ring 0 (irq_common: they never change there) */
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

/* True if the trap came from user mode (ring 3): then the CPU pushed the
 * user's SS:ESP after EFLAGS, and switched to the task's kernel stack
 * (the TSS's ESP0). */
static inline bool trap_from_user(const struct trap_frame *f) { return (f->cs & 3) != 0; }

/* The ESP the interrupted code had: the user's, pushed by the CPU, or for a
 * trap in ring 0 (no SS:ESP pushed) the address just past `eflags`. */
static inline uint32_t trap_frame_esp(const struct trap_frame *f)
{
    return trap_from_user(f) ? (&f->eflags)[1] : (uint32_t)(uintptr_t)(&f->eflags + 1);
}

/* The CPU's 32-bit task-state segment. */
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

/* x86_cpu.started: an AP is claimed once, by whichever side comes first -
 * the AP reaching its entry (UP) or the boot CPU giving up on it (GAVE_UP,
 * smp.c) - so a late AP never runs the core's entry after its start has
 * been reported as failed. */
enum { X86_CPU_OFF = 0, X86_CPU_UP = 1, X86_CPU_GAVE_UP = 2 };

/*
 * One per CPU: its tables, its double-fault stack, and the arch's per-CPU
 * counters. FS selects a segment whose base is this CPU's struct (SEL_PERCPU
 * in the CPU's own GDT), so %fs:0 is the core's pointer (arch_this_cpu), %fs:4
 * the CPU number (arch_cpu_id) and %fs:8 the struct itself (x86_this_cpu).
 * Written by its own CPU, except `local`, `id` and `apic_id`, which the boot
 * CPU fills in before starting it.
 */
struct x86_cpu {
    void *local;                 /* 0: the core's per-CPU pointer */
    unsigned id;                 /* 4: 0 = boot CPU, then 1.. in start order */
    struct x86_cpu *self;        /* 8: this struct, for x86_this_cpu() */
    void *current;               /* 12: the core's running task (arch_cpu_current) */
    volatile uint32_t halted;    /* 16: 1 from arch_idle's HLT to the interrupt that ends it (paging.c) */
    uint32_t apic_id;            /* local APIC id (not the same as id) */
    volatile uint32_t timer_ticks;   /* interrupts taken from this CPU's timer */
    uint32_t subticks;               /* ...since its last tick (x86_timer_every) */
    volatile uint32_t resched_ipis;  /* reschedule IPIs taken */
    volatile uint32_t started;   /* X86_CPU_UP once it reached its entry (smp.c) */
    uint32_t jitter_state;       /* LAPIC timer jitter: this CPU's generator */
    struct arch_space *space;    /* the address space in CR3 (paging.c); NULL until the first switch */
    volatile uint32_t tlb_epoch; /* the stack unmappings this CPU's TLB has surely forgotten (paging.c) */
    struct gdt_entry gdt[GDT_ENTRIES];
    struct tss tss, df_tss;      /* the CPU saves into tss on a double fault; df_tss runs the handler */
    uint8_t df_stack[4096] __attribute__((aligned(16)));
};
_Static_assert(offsetof(struct x86_cpu, local) == 0, "arch_this_cpu reads %fs:0");
_Static_assert(offsetof(struct x86_cpu, id) == 4, "arch_cpu_id reads %fs:4");
_Static_assert(offsetof(struct x86_cpu, self) == 8, "x86_this_cpu reads %fs:8");
_Static_assert(offsetof(struct x86_cpu, current) == 12, "arch_cpu_current reads %fs:12");
_Static_assert(offsetof(struct x86_cpu, halted) == 16, "arch_idle writes %fs:16");

static inline struct x86_cpu *x86_this_cpu(void)
{
    struct x86_cpu *c;
    __asm__("movl %%fs:8, %0" : "=r"(c));
    return c;
}

/* At each tick of this CPU's timer (paging.c's lazy TLB flush): if a
 * kernel stack was unmapped since this CPU last emptied its TLB, empty it.
 * Inline: a load and a compare on every tick, the flush only when needed. */
extern volatile uint32_t x86_kstack_epoch;
void x86_tlb_flush(struct x86_cpu *c);
static inline void x86_tlb_tick(struct x86_cpu *c)
{
    if (__builtin_expect(c->tlb_epoch != __atomic_load_n(&x86_kstack_epoch, __ATOMIC_ACQUIRE), 0))
        x86_tlb_flush(c);
}

/* gdt.c */
extern struct x86_cpu x86_cpus[]; /* [ARCH_MAX_CPUS]; [0] is the boot CPU */
void gdt_init(void);
void gdt_init_cpu(struct x86_cpu *c);
/* idt.c */
void idt_init(void);
void idt_load(void);
/* pic.c */
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
/* pic_eoi for an IRQ of the first PIC (0-7), inline: the timer's. */
static inline void pic_eoi_master(void) { outb(0x20, 0x20); /* PIC1_CMD, PIC_EOI */ }
int pic_is_spurious(unsigned irq);
/* arch.c */
extern unsigned x86_timer_hz; /* the boot CPU's arch_timer_start(hz), for the switch to its LAPIC timer */
extern unsigned x86_timer_every; /* timer interrupts per tick (arch_timer_start's `every`) */
/* pit.c */
void pit_init(unsigned hz);
/* Every IRQ 0: is it a tick? Yes, at once, unless jitter or slow ticks give
 * the PIT work (pit_special): then pit_tick_special does it and says
 * (trap.c tests the flag first, so the timer path stays as short as it was). */
extern bool pit_special;
bool pit_tick_special(void);
/* paging.c */
struct boot_info;
uintptr_t paging_init(const struct boot_info *bi); /* boot CPU: map the kernel, turn paging on; the
                                                      end of usable memory below the user window */
void paging_enable_cpu(struct x86_cpu *c);         /* another CPU, as it starts */
void x86_tlb_wake(struct x86_cpu *c);              /* the interrupt that ends a HLT: x86_tlb_tick first */
bool x86_stack_guard(uintptr_t va, uintptr_t *lo, uintptr_t *hi); /* va in the guard under [lo, hi) */
uint32_t paging_kernel_directory(void);            /* CR3 of the kernel's own space (kernel tasks, #DF) */
void x86_map_mmio(uint32_t addr);                  /* device registers at addr, uncached (APICs) */
/* Firmware tables where the kernel maps nothing (ACPI's at the top of RAM,
 * above 1 GiB): while the boot CPU alone probes them (acpi.c), before any
 * address space or other CPU is started, their 4 MiB are mapped read-only
 * in the kernel's directory - the user window's entries too, which no
 * space copies - and x86_firmware_unmap takes them all away after. True if
 * [p, p + n) can be read then. */
bool x86_firmware_map(uintptr_t p, size_t n);
void x86_firmware_unmap(void);
/* trap.c */
void trap_dispatch(struct trap_frame *f);
void trap_dispatch_user(struct trap_frame *f);
__attribute__((noreturn)) void x86_double_fault(void);

/* Multiboot-loader entry (start.c), called from boot/boot.asm. */
__attribute__((noreturn)) void x86_start(uint32_t magic, uint32_t info_addr);

#endif /* X86_H */
