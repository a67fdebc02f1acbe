/*
 * format.c - the printf engine: kernel, host builds and user programs alike.
 *
 * One formatting engine (kvformat) feeds a put() callback; ksnprintf's
 * fills a buffer, kprintf's (kprintf.c) the consoles, the user library's
 * (user/lib/libtq.c) a buffer it writes with the write system call. It
 * depends on nothing but the compiler's headers, so every build compiles
 * this same file. Numbers are converted without 64-bit division (which
 * would drag libgcc's __udivdi3 into a 32-bit kernel): see kdivmod64.
 */
#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8 };

uint32_t kdivmod64(uint64_t *n, uint32_t d)
{
    uint64_t q = 0;
    uint32_t r = 0;
    for (int shift = 48; shift >= 0; shift -= 16) {
        uint32_t cur = (r << 16) | (uint32_t)((*n >> shift) & 0xffff);
        q |= (uint64_t)(cur / d) << shift;
        r = cur % d;
    }
    *n = q;
    return r;
}

struct out {
    void (*put)(char c, void *ctx);
    void *ctx;
    int count;
};

static void emit(struct out *o, char c)
{
    o->put(c, o->ctx);
    o->count++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        emit(o, c);
}

static void format_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper, int flags,
                          int width, int prec)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int len = 0;
    while (v) {
        buf[len++] = digits[kdivmod64(&v, base)];
    }
    if (prec < 0 && len == 0)
        buf[len++] = '0';
    int zeros = prec > len ? prec - len : 0;
    char sign = negative ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
    int body = len + zeros + (sign ? 1 : 0);
    if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0 && width > body) {
        zeros += width - body;
        body = width;
    }
    if (!(flags & F_LEFT))
        pad(o, ' ', width - body);
    if (sign)
        emit(o, sign);
    pad(o, '0', zeros);
    while (len)
        emit(o, buf[--len]);
    if (flags & F_LEFT)
        pad(o, ' ', width - body);
}

int kvformat(void (*put)(char c, void *ctx), void *ctx, const char *fmt, va_list ap)
{
    struct out o = {put, ctx, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            emit(&o, *p);
            continue;
        }
        const char *start = p++;
        int flags = 0;
        for (;; p++) {
            if (*p == '-') flags |= F_LEFT;
            else if (*p == '0') flags |= F_ZERO;
            else if (*p == '+') flags |= F_PLUS;
            else if (*p == ' ') flags |= F_SPACE;
            else break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                width = width * 10 + (*p++ - '0');
        }
        int prec = -1;
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    prec = prec * 10 + (*p++ - '0');
            }
        }
        int len = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
        if (*p == 'h') {
            len = -1;
            if (*++p == 'h') len = -2, p++;
        } else if (*p == 'l') {
            len = 1;
            if (*++p == 'l') len = 2, p++;
        } else if (*p == 'z') {
            len = 3;
            p++;
        }

        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = len == 2 ? va_arg(ap, long long) : len == 1 ? va_arg(ap, long)
                      : len == 3 ? (int64_t)va_arg(ap, size_t) : va_arg(ap, int);
            if (len == -1) v = (short)v;
            if (len == -2) v = (signed char)v;
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            format_number(&o, mag, v < 0, 10, false, flags, width, prec);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v = len == 2 ? va_arg(ap, unsigned long long) : len == 1 ? va_arg(ap, unsigned long)
                       : len == 3 ? va_arg(ap, size_t) : va_arg(ap, unsigned);
            if (len == -1) v = (unsigned short)v;
            if (len == -2) v = (unsigned char)v;
            unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
            format_number(&o, v, false, base, *p == 'X', flags & ~(F_PLUS | F_SPACE), width, prec);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            emit(&o, '0');
            emit(&o, 'x');
            format_number(&o, v, false, 16, false, F_ZERO, (int)sizeof(void *) * 2, -1);
            break;
        }
        case 'c': {
            if (!(flags & F_LEFT)) pad(&o, ' ', width - 1);
            emit(&o, (char)va_arg(ap, int));
            if (flags & F_LEFT) pad(&o, ' ', width - 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            int n = 0, cols = 0; /* bytes (the precision counts them), and columns: */
            while (s[n] && (prec < 0 || n < prec))
                cols += ((unsigned char)s[n++] & 0xc0) != 0x80; /* UTF-8: a character's first byte */
            if (!(flags & F_LEFT)) pad(&o, ' ', width - cols);
            for (int i = 0; i < n; i++)
                emit(&o, s[i]);
            if (flags & F_LEFT) pad(&o, ' ', width - cols);
            break;
        }
        case '%':
            emit(&o, '%');
            break;
        default:
            /* Not a conversion we know, so we cannot know what argument it
             * would take: print the rest of the format as written, and stop,
             * rather than read the following arguments wrongly. */
            for (const char *q = start; *q; q++)
                emit(&o, *q);
            return o.count;
        }
    }
    return o.count;
}

/* ---- ksnprintf: into a buffer ----------------------------------------- */

struct str_buf {
    char *buf;
    size_t size, len;
};

static void str_put(char c, void *ctx)
{
    struct str_buf *b = ctx;
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct str_buf b = {buf, size, 0};
    int n = kvformat(str_put, &b, fmt, ap);
    if (size)
        buf[b.len < size ? b.len : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
