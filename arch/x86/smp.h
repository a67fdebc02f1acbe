/*
 * smp.h - what acpi.c, apic.c, smp.c and trap.c share about several CPUs
 * and the APICs. Not seen by kernel/: the core has the CPUs group of
 * arch/arch.h.
 */
#ifndef X86_SMP_H
#define X86_SMP_H

#include <arch/arch.h>
#include <stdbool.h>
#include <stdint.h>

#include "x86.h"

/* Vectors of the APIC world (the PIC's stay at 32..47). */
#define VEC_IOAPIC_BASE 0x30 /* ISA IRQ n through the I/O APIC: 0x30 + n */
#define VEC_LAPIC_TIMER 0x40 /* each CPU's local APIC timer */
#define VEC_RESCHED 0x41     /* arch_send_resched */
#define VEC_STOP 0x42        /* a fixed-vector stop (arch_stop_others uses NMI; this is its twin) */
#define VEC_SPURIOUS 0xff    /* the local APIC's spurious vector: no EOI */

#define X86_MAX_IOAPICS 4

/* Where an ISA IRQ arrives: its GSI, and the MPS INTI flags (bits 0-1
 * polarity: 0 bus default, 1 high, 3 low; bits 2-3 trigger: 0 default,
 * 1 edge, 3 level), from a MADT override or an MP I/O interrupt entry. */
struct x86_isa_route {
    uint32_t gsi;
    uint16_t flags;
};

struct x86_ioapic {
    uint32_t id, addr, gsi_base;
};

/* What the firmware's tables say (acpi.c). */
struct x86_topology {
    const char *source;             /* "ACPI MADT", "MP tables", or why neither */
    uintptr_t table;                /* where it was found */
    uint32_t lapic_addr;            /* the local APICs' MMIO base */
    unsigned ncpus;                 /* enabled CPUs kept (<= ARCH_MAX_CPUS) */
    unsigned ncpus_found;           /* enabled CPUs listed */
    uint32_t apic_ids[ARCH_MAX_CPUS];
    unsigned nioapics;
    struct x86_ioapic ioapics[X86_MAX_IOAPICS];
    struct x86_isa_route isa[16];
    unsigned noverrides;            /* MADT interrupt source overrides seen */
    bool imcr;                      /* MP tables: an IMCR to switch from PIC to APIC mode */
};

/* acpi.c: read the tables (boot CPU, once or again: each call starts afresh). */
const struct x86_topology *x86_topology_probe(void);

/* apic.c */
extern bool x86_apic_mode;       /* the machine runs on the APICs (APs started) */
void lapic_set_base(uint32_t addr);
void lapic_enable(void);         /* this CPU: software-enable, spurious vector, LINTs masked */
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low); /* waits until the IPI has been sent */
void lapic_timer_calibrate(void);  /* boot CPU, once: LAPIC counts per PIT 10 ms */
void lapic_timer_start(unsigned hz); /* this CPU */
bool lapic_timer_tick(struct x86_cpu *c); /* from the timer vector: jitter's next period; is it a tick? */
void lapic_timer_jitter(unsigned percent, uint32_t seed);
void ioapic_route_isa(const struct x86_topology *t, unsigned irq, uint32_t apic_id);
void pit_wait_us(uint32_t us);   /* busy wait on PIT channel 2 (not the TSC: -icount) */
void apic_switch_boot_cpu(const struct x86_topology *t, unsigned timer_hz);

/* ICR delivery modes and flags. */
#define ICR_FIXED 0x000
#define ICR_NMI 0x400
#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_ASSERT 0x4000
#define ICR_LEVEL 0x8000

/* smp.c */
bool x86_stop_requested(void);   /* arch_stop_others ran on another CPU */

#endif
