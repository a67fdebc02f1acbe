/*
 * serial.c - COM1, the console that tests read.
 *
 * Polled output: we wait for the transmit holding register to empty before
 * each byte. Under QEMU it is always empty, so this costs nothing; on real
 * hardware it paces us at the line rate. '\n' goes out as "\r\n" so that a
 * terminal returns to the first column.
 */
#include "arch/x86/x86.h"
#include "drivers.h"

#define COM1 0x3f8
#define LSR_THR_EMPTY 0x20

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no UART interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on: set the divisor */
    outb(COM1 + 0, 0x01); /* 115200 / 1 */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8 bits, no parity, 1 stop bit; DLAB off */
    outb(COM1 + 2, 0xc7); /* FIFOs on, cleared, 14-byte threshold */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void put(char c)
{
    while (!(inb(COM1 + 5) & LSR_THR_EMPTY))
        ;
    outb(COM1, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put('\r');
        put(s[i]);
    }
}
