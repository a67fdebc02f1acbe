/*
 * string.c - the four memory functions a C compiler may call on its own.
 *
 * Even with -ffreestanding, gcc and clang turn struct copies and
 * zero-initialisations into calls to memcpy and memset, so a freestanding
 * kernel must provide them. (Host builds use the C library's.) memset and
 * memcpy go a word at a time where they can: they zero and fill the page
 * frames of every process.
 */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* A word that may alias anything: these functions copy objects of every type. */
typedef uint32_t __attribute__((may_alias)) word_t;

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) /* both aligned (a program's pages): a word at a time */
        for (; n >= 4; n -= 4, d += 4, s += 4)
            *(word_t *)d = *(const word_t *)s;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s)
        while (n--)
            *d++ = *s++;
    else
        while (n--)
            d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    for (; n && ((uintptr_t)d & 3); n--) /* to a word boundary, */
        *d++ = (unsigned char)c;
    word_t w = (unsigned char)c * 0x01010101u;
    for (; n >= 16; n -= 16, d += 16) { /* then four words a turn (a page frame: 256 turns), */
        ((word_t *)d)[0] = w;
        ((word_t *)d)[1] = w;
        ((word_t *)d)[2] = w;
        ((word_t *)d)[3] = w;
    }
    while (n--) /* then the rest */
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n--; x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}
