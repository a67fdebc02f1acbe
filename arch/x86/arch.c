/*
 * arch.c - the x86 side of the arch contract that is not inline in
 * arch/arch.h: new contexts, the timer, and leaving the machine.
 */
#include <arch/arch.h>

#include "drivers/drivers.h"
#include "smp.h"
#include "x86.h"

/*
 * A new task's stack, as arch_switch will find it (top of stack last):
 *
 *   stack top ->  arch_task_start_ret   arch_switch's RET jumps to the thunk in
 *                                       switch.S, which calls start()
 *                 0 (ebx slot: start)   popped by arch_switch, in reverse
 *                 0 (esi)
 *                 0 (edi)
 *   ctx->esp ->   0 (ebp)               a zero frame pointer
 *
 * The top is 16-byte aligned; the thunk's CALL enters start() with
 * ESP = top - 4, as the i386 System V ABI expects, and with EAX - its
 * first argument under -mregparm=3 - still holding the `from` context of
 * the arch_switch that got us here.
 */
extern char arch_task_start_ret[]; /* switch.S */

void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size,
                       void (*start)(struct arch_context *last))
{
    uint32_t *sp = (uint32_t *)(((uintptr_t)stack_base + size) & ~(uintptr_t)15);
    /* LAB(switch) BEGIN: the stack a new task's first arch_switch pops: as if it had switched away */
    *--sp = (uint32_t)(uintptr_t)arch_task_start_ret;
    *--sp = (uint32_t)(uintptr_t)start; /* ebx */
    *--sp = 0;                          /* esi */
    *--sp = 0;                          /* edi */
    *--sp = 0;                          /* ebp */
    /* LAB(switch) STUB
    // TODO(lab): push what arch_switch pops (EBP, EDI, ESI, EBX = start) under its return
    // address, arch_task_start_ret (switch.S), so that its first switch "returns" into start
    (void)start;
    LAB(switch) END */
    ctx->esp = (uint32_t)(uintptr_t)sp;
}

unsigned x86_timer_hz;
unsigned x86_timer_every = 1;

/* The PIT while only the boot CPU runs; this CPU's local APIC timer once
 * others have been started (smp.c switches the boot CPU over itself). */
void arch_timer_start(unsigned hz, unsigned every)
{
    x86_timer_every = every ? every : 1;
    if (x86_apic_mode) {
        lapic_timer_start(hz);
        return;
    }
    x86_timer_hz = hz;
    pit_init(hz);
    pic_unmask(IRQ_TIMER);
}

void arch_input_start(void)
{
    if (x86_apic_mode)
        return; /* already routed through the I/O APIC (apic_switch_boot_cpu) */
    pic_unmask(IRQ_KEYBOARD);
    pic_unmask(IRQ_COM1);
    /* What was typed before now raised the UART's interrupt line while the
     * PIC was being set up (which forgets pending requests); the line stays
     * up, so no new edge would come. Take those characters now. */
    arch_irqstate_t s = arch_irq_save();
    serial_irq();
    arch_irq_restore(s);
}

void arch_input_resume(void) { serial_rx_resume(); }

void arch_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=4)
 * exits with status (code << 1) | 1. On a machine without it the write goes
 * nowhere and we halt. */
void arch_exit(int code)
{
    outb(0xf4, (uint8_t)code);
    arch_halt();
}
