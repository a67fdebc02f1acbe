/*
 * pic.c - the two cascaded 8259A interrupt controllers.
 *
 * At power-on the master PIC delivers IRQs 0-7 on vectors 8-15, on top of
 * the CPU's exception vectors. We remap them to 32-47 and mask every line
 * until a driver unmasks its own.
 */
#include "x86.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20
#define PIC_READ_ISR 0x0b

/* Remap both PICs to vectors 32..47 and mask all lines but the cascade. */
void pic_init(void)
{
    outb(PIC1_CMD, 0x11); /* ICW1: initialise, expect ICW4 */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, IRQ_BASE);     /* ICW2: vector offsets */
    outb(PIC2_DATA, IRQ_BASE + 8);
    outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xfb); /* everything masked but IRQ2, the cascade */
    outb(PIC2_DATA, 0xff);
}

/* Let IRQ line `irq` (0..15) through. */
void pic_unmask(unsigned irq)
{
    uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;
    outb(port, inb(port) & (uint8_t)~(1u << (irq & 7)));
}

/* Acknowledge IRQ `irq`, so the PIC may deliver that line again. */
void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

/* IRQ 7 and 15 (only those: the caller checks) can be spurious (raised,
 * then withdrawn before the CPU acknowledged it). Such an IRQ is not in service and must not get an EOI,
 * except that a spurious IRQ 15 still needs one for the cascade line. */
int pic_is_spurious(unsigned irq)
{
    uint16_t cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
    outb(cmd, PIC_READ_ISR);
    if (inb(cmd) & 0x80)
        return 0;
    if (irq == 15)
        outb(PIC1_CMD, PIC_EOI);
    return 1;
}
