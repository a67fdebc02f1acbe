/*
 * kstring.h - comparing strings, once for the whole kernel.
 *
 * Portable and inline, so that the host build (tests, simulator) uses the
 * same code as the kernel, which has no C library.
 */
#ifndef KERNEL_KSTRING_H
#define KERNEL_KSTRING_H

#include <stdbool.h>
#include <stddef.h>

/* < 0, 0 or > 0 as a sorts before, equal to, or after b (bytes unsigned). */
static inline int kstrcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

/* True if a and b are the same string. */
static inline bool kstreq(const char *a, const char *b) { return kstrcmp(a, b) == 0; }

/* Copy src (NULL: "") into dst of `size` bytes, NUL-terminated, cut if it
 * must be - never in the middle of a UTF-8 character: a name cut there
 * would print a broken byte and make the trace's JSON invalid. */
static inline void kstrlcpy_utf8(char *dst, const char *src, size_t size)
{
    size_t i = 0;
    if (size == 0)
        return;
    for (; src && src[i] && i < size - 1; i++)
        dst[i] = src[i];
    if (src && src[i]) /* cut: back off to the start of a character cut short */
        while (i > 0 && ((unsigned char)src[i] & 0xc0) == 0x80)
            i--;
    dst[i] = '\0';
}

#endif /* KERNEL_KSTRING_H */
