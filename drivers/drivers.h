/*
 * drivers.h - the PC devices Tourniquet talks to: COM1 and the VGA screen.
 * Used by arch/x86/start.c and drivers/console.c only.
 */
#ifndef DRIVERS_H
#define DRIVERS_H

#include <stddef.h>

/* serial.c: the 16550 UARTs, COM1 (the console) and COM2 (machine-readable
 * output), 115200 baud, 8N1, polled. */
void serial_init(void);
void serial_write(const char *s, size_t n);
void serial2_write(const char *s, size_t n);

/* Take the received characters from COM1 into the input buffer (IRQ 4). */
void serial_irq(void);
/* Let the receive interrupt come again after serial_irq paused it (input full). */
void serial_rx_resume(void);

/* keyboard.c: the PS/2 keyboard (IRQ 1). */
void keyboard_irq(void);

/* vga.c: the 80x25 colour text screen at 0xB8000. */
void vga_init(void);
void vga_write(const char *s, size_t n);
/* Reserve the top `rows` rows (not scrolled), and write into them. */
void vga_reserve(unsigned rows);
void vga_put_at(unsigned row, unsigned col, char c, unsigned char attr);
/* Scroll the view `rows` rows back (older; negative: forward again), over
 * the lines that went off the top; any output returns to the live screen. */
void vga_view(int rows);

#endif /* DRIVERS_H */
