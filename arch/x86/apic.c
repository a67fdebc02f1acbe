/*
 * apic.c - the local APICs, the I/O APIC, and a PIT-based delay.
 *
 * Each CPU has a local APIC at the same physical address (0xFEE00000 unless
 * the tables say otherwise; every CPU sees its own there). It takes the
 * end-of-interrupt, sends IPIs through the interrupt command register (ICR),
 * and has a timer that counts down at the bus clock divided by 16 here. The
 * bus clock is not known, so the boot CPU measures it once against the PIT
 * (10 ms on channel 2, which the system timer on channel 0 does not use);
 * every CPU then uses that count. The I/O APIC (0xFEC00000) takes the ISA
 * device lines and sends each as a vector to a chosen local APIC; we route
 * the keyboard (IRQ 1) and COM1 (IRQ 4) to the boot CPU, on the GSI and with
 * the polarity and trigger the firmware's tables give.
 *
 * Delays are busy waits on PIT channel 2, not on the TSC: under QEMU -icount
 * the TSC counts instructions, while the PIT and the APIC timers follow the
 * virtual clock. Without paging, the MMIO registers are at their physical
 * addresses; they are read and written as volatile 32-bit words.
 */
#include "drivers/drivers.h"
#include "kernel/lib/kprintf.h"
#include "kernel/lib/lang.h"
#include "kernel/lib/prng.h"
#include "smp.h"

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define ICR_PENDING (1u << 12)

bool x86_apic_mode;

static volatile uint32_t *lapic = (volatile uint32_t *)0xfee00000u;
static uint32_t counts_per_10ms; /* LAPIC timer counts (divide by 16) in 10 ms of PIT time */
static uint32_t period;          /* counts per tick at the hz of lapic_timer_start */
static uint32_t jitter_percent, jitter_seed;

static uint32_t lr(unsigned reg) { return lapic[reg / 4]; }
static void lw(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

/* The local APICs' base, from the MADT or MP table (boot CPU, before use). */
void lapic_set_base(uint32_t addr)
{
    if (addr) {
        x86_map_mmio(addr);
        lapic = (volatile uint32_t *)(uintptr_t)addr;
    }
}

/* Enable this CPU's local APIC: spurious vector 0xFF, accept every
 * priority, LINT0/LINT1 and the error interrupt masked (the 8259 is not
 * used in APIC mode; the boot CPU masks it). Interrupts off. */
void lapic_enable(void)
{
    lw(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    lw(LAPIC_TPR, 0);
    lw(LAPIC_LVT_LINT0, LVT_MASKED);
    lw(LAPIC_LVT_LINT1, LVT_MASKED);
    lw(LAPIC_LVT_ERROR, LVT_MASKED);
    lw(LAPIC_ESR, 0);
    lw(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
}

uint32_t lapic_id(void) { return lr(LAPIC_ID) >> 24; }

void lapic_eoi(void) { lw(LAPIC_EOI, 0); }

/* Send an IPI to the local APIC `apic_id`; returns once it has left
 * (delivery status idle). Interrupts are off meanwhile, so that a handler
 * sending its own IPI cannot come between the two ICR writes. */
void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
    arch_irqstate_t s = arch_irq_save();
    lw(LAPIC_ICR_HI, apic_id << 24);
    lw(LAPIC_ICR_LO, icr_low);
    while (lr(LAPIC_ICR_LO) & ICR_PENDING)
        arch_cpu_relax();
    arch_irq_restore(s);
}

/* ---- PIT channel 2 as a stopwatch ----------------------------------------- */

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */

/* Busy-wait `us` microseconds (at most about 54,900 per call; longer waits
 * loop) of PIT time: channel 2, mode 0, whose output rises at the end. Boot
 * CPU only (channel 2 is one device); any context. */
void pit_wait_us(uint32_t us)
{
    while (us) {
        uint32_t step = us > 50000 ? 50000 : us;
        us -= step;
        uint32_t count = (step * 1193u + step * 182u / 1000u) / 1000u; /* 1.193182 MHz */
        if (count < 1)
            count = 1;
        uint8_t gate = inb(PIT_GATE) & (uint8_t)~0x03; /* gate low (stopped), speaker off */
        outb(PIT_GATE, gate);
        outb(PIT_CMD, 0xb0); /* channel 2, lo/hi byte, mode 0 (count down once), binary */
        outb(PIT_CH2, count & 0xff);
        outb(PIT_CH2, (count >> 8) & 0xff);
        outb(PIT_GATE, gate | 0x01); /* gate high: counting starts */
        /* Poll every few hundred instructions, not as fast as we can: under
         * QEMU each IN is an exit to the device model. (No PAUSE either:
         * QEMU's TCG leaves the CPU loop on every PAUSE.) */
        while (!(inb(PIT_GATE) & 0x20))
            for (int i = 0; i < 200; i++)
                __asm__ volatile("" ::: "memory");
        outb(PIT_GATE, gate);
    }
}

/* ---- The local APIC timer ------------------------------------------------- */

/* Measure the LAPIC timer against 10 ms of PIT time. Boot CPU, once, its
 * LAPIC enabled, interrupts off. */
void lapic_timer_calibrate(void)
{
    lw(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
    lw(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
    pit_wait_us(100); /* once for nothing: under QEMU, the first run of this code also translates it */
    lw(LAPIC_TIMER_INIT, 0xffffffffu);
    pit_wait_us(10000);
    uint32_t left = lr(LAPIC_TIMER_CUR);
    lw(LAPIC_TIMER_INIT, 0);
    counts_per_10ms = 0xffffffffu - left;
    if (counts_per_10ms < 1000) {
        kprintf("apic: the local APIC timer counted %u in 10 ms of PIT time; assuming 1 GHz bus / 16\n",
                (unsigned)counts_per_10ms);
        counts_per_10ms = 625000;
    }
}

/* One jittered period, from this CPU's generator. */
static uint32_t jittered(struct x86_cpu *c)
{
    uint32_t span = period / 100 * jitter_percent;
    uint32_t d = period - span + prng_next(&c->jitter_state) % (2 * span + 1);
    return d < 16 ? 16 : d;
}

/* Start this CPU's LAPIC timer at `hz`: periodic, or, with jitter on,
 * one-shot and reloaded at each tick (lapic_timer_tick). Interrupts off or on. */
void lapic_timer_start(unsigned hz)
{
    struct x86_cpu *c = x86_this_cpu();
    /* counts_per_10ms * 100 / hz without overflowing 32 bits */
    period = counts_per_10ms / hz * 100 + counts_per_10ms % hz * 100 / hz;
    if (period < 16)
        period = 16;
    lw(LAPIC_TIMER_DIV, 0x3);
    if (jitter_percent) {
        c->jitter_state = jitter_seed + c->id * 0x9e3779b9u;
        lw(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER); /* one-shot */
        lw(LAPIC_TIMER_INIT, jittered(c));
    } else {
        lw(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_LAPIC_TIMER);
        lw(LAPIC_TIMER_INIT, period);
    }
}

/* From the timer vector, on every CPU: with jitter on, start the next
 * (one-shot) period. Returns whether this interrupt is a tick (slow ticks:
 * one in x86_timer_every, counted per CPU). Interrupt context. */
bool lapic_timer_tick(struct x86_cpu *c)
{
    if (jitter_percent)
        lw(LAPIC_TIMER_INIT, jittered(c));
    if (x86_timer_every > 1) {
        if (++c->subticks < x86_timer_every)
            return false;
        c->subticks = 0;
    }
    return true;
}

/* Remember the jitter for LAPIC timers started from now on (arch_timer_jitter). */
void lapic_timer_jitter(unsigned percent, uint32_t seed)
{
    jitter_percent = percent;
    jitter_seed = seed;
}

/* ---- The I/O APIC ----------------------------------------------------------- */

static uint32_t ioapic_read(uint32_t base, uint32_t reg)
{
    volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)base;
    io[0] = reg;
    return io[4];
}

static void ioapic_write(uint32_t base, uint32_t reg, uint32_t v)
{
    volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)base;
    io[0] = reg;
    io[4] = v;
}

/* Send ISA IRQ `irq` to the local APIC `apic_id` as vector
 * VEC_IOAPIC_BASE + irq, through the I/O APIC that serves its GSI, with the
 * override's polarity and trigger (ISA's default: active high, edge).
 * Boot CPU, interrupts off. */
void ioapic_route_isa(const struct x86_topology *t, unsigned irq, uint32_t apic_id)
{
    const struct x86_isa_route *r = &t->isa[irq];
    for (unsigned i = 0; i < t->nioapics; i++) {
        const struct x86_ioapic *io = &t->ioapics[i];
        uint32_t pins = ((ioapic_read(io->addr, 1) >> 16) & 0xff) + 1;
        if (r->gsi < io->gsi_base || r->gsi >= io->gsi_base + pins)
            continue;
        uint32_t pin = r->gsi - io->gsi_base;
        uint32_t lo = VEC_IOAPIC_BASE + irq; /* fixed delivery, physical destination */
        if ((r->flags & 3) == 3)
            lo |= 1u << 13; /* active low */
        if (((r->flags >> 2) & 3) == 3)
            lo |= 1u << 15; /* level triggered */
        ioapic_write(io->addr, 0x10 + 2 * pin + 1, apic_id << 24);
        ioapic_write(io->addr, 0x10 + 2 * pin, lo);
        return;
    }
}

/* The boot CPU leaves the 8259 and the PIT: both PICs masked, the keyboard
 * and COM1 through the I/O APIC to this CPU, and (if arch_timer_start ran)
 * this CPU's LAPIC timer at timer_hz. Boot CPU, its LAPIC enabled and
 * calibrated, interrupts off. A tick or two may be lost in the change. */
void apic_switch_boot_cpu(const struct x86_topology *t, unsigned timer_hz)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    if (t->imcr) { /* MP spec 3.6.2.1: the IMCR sends the 8259's output to the BSP's pin; to the APIC now */
        outb(0x22, 0x70);
        outb(0x23, 0x01);
    }
    x86_cpus[0].halted = 0; /* (the PIC's interrupts never cleared it: paging.c needs it true from now on) */
    x86_apic_mode = true;
    ioapic_route_isa(t, IRQ_KEYBOARD, lapic_id());
    ioapic_route_isa(t, IRQ_COM1, lapic_id());
    if (timer_hz)
        lapic_timer_start(timer_hz);
    /* The COM1 line may already be up (an edge we will not see again): take
     * what is waiting, as arch_input_start does. */
    serial_irq();
    kprintf(TR("smp: cpu 0 (APIC id %u) leaves the PIC and the PIT: local APIC timer at %u Hz "
               "(%u counts per 10 ms), keyboard and COM1 through the I/O APIC\n",
               "smp : le processeur 0 (APIC id %u) quitte le PIC et le PIT : horloge de l'APIC local à %u Hz "
               "(%u pas par 10 ms), clavier et COM1 par l'I/O APIC\n"),
            (unsigned)lapic_id(), timer_hz, (unsigned)counts_per_10ms);
}
