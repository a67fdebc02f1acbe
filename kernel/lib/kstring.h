/*
 * kstring.h - comparing strings, once for the whole kernel.
 *
 * Portable and inline, so that the host build (tests, simulator) uses the
 * same code as the kernel, which has no C library.
 */
#ifndef KERNEL_KSTRING_H
#define KERNEL_KSTRING_H

#include <stdbool.h>

/* < 0, 0 or > 0 as a sorts before, equal to, or after b (bytes unsigned). */
static inline int kstrcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

/* True if a and b are the same string. */
static inline bool kstreq(const char *a, const char *b) { return kstrcmp(a, b) == 0; }

#endif /* KERNEL_KSTRING_H */
