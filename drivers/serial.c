/*
 * serial.c - COM1, the console that tests read; COM2, for machine-readable
 * output (the trace as JSON).
 *
 * Polled output: we wait for the transmit holding register to empty before
 * each byte. Under QEMU it is always empty, so this costs nothing; on real
 * hardware it paces us at the line rate. '\n' goes out as "\r\n" so that a
 * terminal returns to the first column.
 */
#include "arch/x86/x86.h"
#include "drivers.h"
#include "kernel/input.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define LSR_THR_EMPTY 0x20

static void init_port(uint16_t port)
{
    outb(port + 1, 0x00); /* no UART interrupts */
    outb(port + 3, 0x80); /* DLAB on: set the divisor */
    outb(port + 0, 0x01); /* 115200 / 1 */
    outb(port + 1, 0x00);
    outb(port + 3, 0x03); /* 8 bits, no parity, 1 stop bit; DLAB off */
    outb(port + 2, 0x00); /* no FIFOs: turning them on would discard what was already typed */
    outb(port + 4, 0x03); /* DTR, RTS */
}

void serial_init(void)
{
    init_port(COM1);
    init_port(COM2);
    outb(COM1 + 1, 0x01); /* COM1: interrupt when a character arrives */
    outb(COM1 + 4, 0x0b); /* DTR, RTS, and OUT2, which connects the UART's interrupt to the PIC */
}

void serial_irq(void)
{
    while (inb(COM1 + 5) & 0x01) { /* data ready */
        if (!input_reserve()) {
            /* The buffer is full: leave the character in the UART and stop
             * its interrupt; with the receive register unread, QEMU (or a
             * real sender, through flow control) holds the rest back. Then
             * look again: a reader on another CPU may have made room and
             * resumed us before our write, which would stop us for good. */
            outb(COM1 + 1, 0x00);
            if (!input_reserve())
                return; /* (still full: its input_getc resumes us, after our write) */
            outb(COM1 + 1, 0x01);
        }
        char c = (char)inb(COM1);
        input_push(c == '\r' ? '\n' : c);
    }
}

void serial_rx_resume(void)
{
    outb(COM1 + 1, 0x01); /* a character waiting raises the interrupt again at once */
}

static void put(uint16_t port, char c)
{
    /* A missing UART reads as 0xff: "empty", so we never wait on it. */
    while (!(inb(port + 5) & LSR_THR_EMPTY))
        ;
    outb(port, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put(COM1, '\r');
        put(COM1, s[i]);
    }
}

void serial2_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(COM2, s[i]);
}
