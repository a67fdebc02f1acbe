/*
 * console.h - where kprintf's characters go.
 *
 * The kernel implements this in drivers/console.c (COM1 and the VGA text
 * screen); host builds provide their own (tests capture the text, the
 * simulator writes to stdout).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>

/* Write n characters to every console. '\n' starts a new line. The caller
 * keeps interrupts off for the duration if the text must stay together. */
void console_write(const char *s, size_t n);

/* The same, to the serial console only (the host's consoles: wherever
 * console_write goes): machine-readable lines for tools and tests, which
 * on the 80-column VGA screen would only wrap and push the table and the
 * chart they repeat off it. */
void console_write_serial(const char *s, size_t n);

/* A panel at the top of the screen (VGA only; the serial console does not
 * show it): console_panel(rows) reserves the first `rows` rows (0 gives them
 * back), and console_panel_put writes one character at (row, col) with an
 * ANSI colour (30..37, 40..47 style: fg | bg << 8; 0 for the default).
 * Ordinary output scrolls below the panel. Callable from interrupt
 * handlers. */
void console_panel(unsigned rows);
void console_panel_put(unsigned row, unsigned col, char c, unsigned colour);

/* Scroll the VGA screen's view `rows` back over the lines that went off
 * its top (negative: forward again; nothing on other consoles). Called
 * with the console's lock held: see kprintf.h's console_scroll. */
void console_view(int rows);

/* Write n characters to the auxiliary port (COM2), where machine-readable
 * output goes (the trace as JSON). Goes nowhere if there is no such port. */
void console_write_aux(const char *s, size_t n);

/* What the auxiliary port is, for messages that say where output went
 * ("COM2"), or NULL where there is none (the host simulator). */
const char *console_aux_name(void);

#endif /* KERNEL_CONSOLE_H */
