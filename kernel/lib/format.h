/*
 * format.h - the printf engine without a console: formatting into a buffer
 * or a callback. What it understands is kprintf's (kprintf.h). Portable and
 * freestanding: the user library builds it too.
 */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Format into buf (at most size bytes, always NUL-terminated when size > 0).
 * Returns the length the full output would have had, like C's snprintf. */
__attribute__((format(printf, 3, 4))) int ksnprintf(char *buf, size_t size, const char *fmt, ...);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* *n /= d, returning the remainder, for d below 65536, in 32-bit divisions
 * only (no libgcc __udivdi3 in a 32-bit kernel). */
uint32_t kdivmod64(uint64_t *n, uint32_t d);

/* The engine under all of them: calls put(c, ctx) for each output char. */
int kvformat(void (*put)(char c, void *ctx), void *ctx, const char *fmt, va_list ap);

#endif /* KERNEL_FORMAT_H */
