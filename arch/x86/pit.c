/*
 * pit.c - the 8253/8254 programmable interval timer, channel 0.
 *
 * The PIT counts down from a divisor at 1,193,182 Hz and raises IRQ 0 each
 * time it wraps; the divisor sets the tick rate. The default of 100 Hz (a
 * 10 ms tick, the classic Unix choice) keeps interrupt overhead small while
 * a quantum of a few ticks still feels instant on screen. The divisor is 16
 * bits, so the slowest rate is about 19 Hz.
 */
#include <arch/arch.h>

#include "kernel/lib/prng.h"
#include "smp.h"
#include "x86.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43

static uint32_t base_divisor;
static uint32_t jitter_span; /* the divisor varies in [base - span, base + span] */
static uint32_t jitter_state;
static uint32_t subticks;    /* interrupts since the last tick (x86_timer_every) */
bool pit_special;            /* jitter on, or slow ticks: pit_tick_special has work (x86.h) */

static void load(uint32_t divisor)
{
    outb(PIT_CH0, divisor & 0xff);
    outb(PIT_CH0, divisor >> 8);
}

/* Program channel 0 as a rate generator at `hz` ticks per second. */
void pit_init(unsigned hz)
{
    uint32_t divisor = (PIT_HZ + hz / 2) / hz;
    if (divisor > 0xffff)
        divisor = 0xffff;
    base_divisor = divisor;
    pit_special = jitter_span || x86_timer_every > 1;
    outb(PIT_CMD, 0x34); /* channel 0, lo/hi byte, mode 2, binary */
    load(divisor);
}

void arch_timer_jitter(unsigned percent, uint32_t seed)
{
    lapic_timer_jitter(percent, seed); /* for LAPIC timers started from now on */
    jitter_span = base_divisor * percent / 100;
    jitter_state = seed;
    pit_special = jitter_span || x86_timer_every > 1;
}

/* An IRQ 0's work (x86.h), when there is some: with jitter on, choose the
 * length of the period after the current one (mode 2 loads a new count
 * when the current period ends). Returns whether this interrupt is a tick
 * (slow ticks: one in x86_timer_every). */
bool pit_tick_special(void)
{
    if (__builtin_expect(jitter_span != 0, 0)) {
        uint32_t d = base_divisor - jitter_span + prng_next(&jitter_state) % (2 * jitter_span + 1);
        load(d > 0xffff ? 0xffff : d < 2 ? 2 : d);
    }
    if (__builtin_expect(x86_timer_every > 1, 0)) {
        if (++subticks < x86_timer_every)
            return false;
        subticks = 0;
    }
    return true;
}
