/*
 * kprintf.h - formatted output to the consoles (serial and VGA).
 *
 * The formatter understands what kernel code needs and nothing more:
 *   %d %i %u %x %X %o %c %s %p %%,
 *   flags '-' (left-align), '0' (zero-pad), '+', ' ';
 *   a width and a precision (for %s, the maximum length), each possibly '*';
 *   length modifiers hh, h, l, ll, z.
 * No floating point: the kernel has none. At a conversion it does not know
 * (%#x, %f...), it prints the rest of the format as written and stops: the
 * typo is visible, and no later argument is read as the wrong type.
 */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/format.h" /* ksnprintf, and the engine under kprintf */

/* Format to the consoles. A single call's output is never interleaved with
 * another task's (interrupts are off while it is written). Callable from
 * interrupt handlers. Returns the number of characters written. */
__attribute__((format(printf, 1, 2))) int kprintf(const char *fmt, ...);
int kvprintf(const char *fmt, va_list ap);

/* At most n bytes of s as they are, but a byte that is not printable as
 * \xNN: what a user typed (a command line) must not reach the terminal
 * raw, where a stray escape sequence would recolour it. */
void kprint_escaped(const char *s, size_t n);

/* n bytes of s to the consoles as they are, NUL bytes included (a
 * process's write: a %s would stop at the first NUL), in one piece. */
void kwrite(const char *s, size_t n);

/* From kprintf_serial_only(true) to kprintf_serial_only(false), the calling
 * task's kprintf output goes to the serial console only (console.h:
 * machine-readable lines); other tasks' and CPUs' output is unaffected. */
void kprintf_serial_only(bool on);

/* Shift+PgUp / Shift+PgDn (the keyboard's interrupt handler): scroll the
 * VGA screen's view back or forward by `rows`, under the console's lock so
 * that no output is half drawn meanwhile. */
void console_scroll(int rows);

#endif /* KERNEL_KPRINTF_H */
