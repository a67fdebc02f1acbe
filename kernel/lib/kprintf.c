/*
 * kprintf.c - kprintf: the printf engine (format.c) to the consoles.
 *
 * kprintf's callback buffers a few dozen characters and hands them to
 * console_write (or, for a task in kprintf_serial_only, the serial console
 * alone).
 */
#include "lib/kprintf.h"

#include <arch/arch.h>
#include <stdbool.h>
#include <stdint.h>

#include "console.h"
#include "sync/klock.h"

/* ---- kprintf: to the consoles, a chunk at a time ---------------------- */

struct console_buf {
    char buf[64];
    size_t len;
    void (*write)(const char *s, size_t n); /* console_write, or console_write_serial */
};

/* kprintf_serial_only: the task whose output goes to the serial console only. */
static const void *serial_only_task;

void kprintf_serial_only(bool on)
{
    serial_only_task = on ? arch_cpu_current() : NULL;
}

/* Guards the console: one kprintf's text goes out whole, never mixed with
 * another's (from an interrupt handler, or another CPU). A leaf lock:
 * nothing is taken while it is held. */
static struct klock console_lock;

static void console_put(char c, void *ctx)
{
    struct console_buf *b = ctx;
    b->buf[b->len++] = c;
    if (b->len == sizeof b->buf) {
        b->write(b->buf, b->len);
        b->len = 0;
    }
}

/* Where the calling task's output goes (console_lock held). */
static void (*writer(void))(const char *s, size_t n)
{
    if (serial_only_task && serial_only_task == arch_cpu_current()) /* (only the task that asked) */
        return console_write_serial;
    return console_write;
}

void kwrite(const char *s, size_t n)
{
    arch_irqstate_t st = klock_irqsave(&console_lock);
    writer()(s, n);
    klock_irqrestore(&console_lock, st);
}

int kvprintf(const char *fmt, va_list ap)
{
    arch_irqstate_t s = klock_irqsave(&console_lock);
    struct console_buf b = {.len = 0, .write = writer()};
    int n = kvformat(console_put, &b, fmt, ap);
    if (b.len)
        b.write(b.buf, b.len);
    klock_irqrestore(&console_lock, s);
    return n;
}

void console_scroll(int rows)
{
    arch_irqstate_t s = klock_irqsave(&console_lock);
    console_view(rows);
    klock_irqrestore(&console_lock, s);
}

void kprint_escaped(const char *s, size_t n)
{
    char buf[128]; /* (written out a buffer at a time: the boot line is some 500 bytes) */
    size_t len = 0;
    for (; n && *s; s++, n--) {
        unsigned char c = (unsigned char)*s;
        if (len + 5 > sizeof buf) {
            kwrite(buf, len);
            len = 0;
        }
        if (c >= 0x20 && c < 0x7f)
            buf[len++] = (char)c;
        else
            len += (size_t)ksnprintf(buf + len, sizeof buf - len, "\\x%02x", c);
    }
    if (len)
        kwrite(buf, len);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
