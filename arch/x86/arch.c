/*
 * arch.c - the x86 side of the arch contract that is not inline in
 * arch/arch.h: new contexts, the timer, and leaving the machine.
 */
#include <arch/arch.h>

#include "x86.h"

/*
 * A new task's stack, as arch_switch will find it (top of stack last):
 *
 *   stack top ->  0            fake return address for start(): ends GDB's bt
 *                 start        arch_switch's RET jumps here
 *                 0 (ebp)      popped by arch_switch: a zero frame pointer
 *                 0 (ebx)
 *                 0 (esi)
 *   ctx->esp ->   0 (edi)
 *
 * The top is 16-byte aligned, and start() is entered with ESP = top - 4, as
 * if called with an aligned stack (what the i386 System V ABI expects).
 */
void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size, void (*start)(void))
{
    uint32_t *sp = (uint32_t *)(((uintptr_t)stack_base + size) & ~(uintptr_t)15);
    *--sp = 0;
    *--sp = (uint32_t)(uintptr_t)start;
    *--sp = 0; /* ebp */
    *--sp = 0; /* ebx */
    *--sp = 0; /* esi */
    *--sp = 0; /* edi */
    ctx->esp = (uint32_t)(uintptr_t)sp;
}

void arch_timer_start(unsigned hz)
{
    pit_init(hz);
    pic_unmask(IRQ_TIMER);
}

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
