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

/* Write n characters to the auxiliary port (COM2), where machine-readable
 * output goes (the trace as JSON). Goes nowhere if there is no such port. */
void console_write_aux(const char *s, size_t n);

#endif /* KERNEL_CONSOLE_H */
