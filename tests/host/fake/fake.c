/*
 * fake.c - the host's stand-ins for the CPU, the console and panic().
 *
 * panic() and KASSERT both end in cmocka's mock_assert, so a test can
 * expect_assert_failure() on a call that must panic.
 */
#include "fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console.h"
#include "panic.h"

bool fake_irq_enabled = true;
unsigned fake_switches;
struct arch_context *fake_switch_from, *fake_switch_to;
unsigned fake_timer_hz;
uint64_t fake_cycles;
char fake_console[16384];
size_t fake_console_len;
char fake_panic_message[512];

void fake_reset(void)
{
    fake_irq_enabled = true;
    fake_switches = 0;
    fake_switch_from = fake_switch_to = NULL;
    fake_console_len = 0;
    fake_console[0] = '\0';
    fake_panic_message[0] = '\0';
}

void console_write(const char *s, size_t n)
{
    size_t room = sizeof fake_console - 1 - fake_console_len;
    if (n > room)
        n = room;
    memcpy(fake_console + fake_console_len, s, n);
    fake_console_len += n;
    fake_console[fake_console_len] = '\0';
}

void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size, void (*start)(void))
{
    (void)size;
    ctx->start = start;
    ctx->stack_base = stack_base;
}

void arch_switch(struct arch_context *from, struct arch_context *to)
{
    fake_switches++;
    fake_switch_from = from;
    fake_switch_to = to;
}

void arch_timer_start(unsigned hz) { fake_timer_hz = hz; }

void arch_halt(void) { abort(); }

void arch_exit(int code)
{
    char msg[64];
    snprintf(msg, sizeof msg, "arch_exit(%d)", code);
    mock_assert(0, msg, __FILE__, __LINE__);
    abort();
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake_panic_message, sizeof fake_panic_message, fmt, ap);
    va_end(ap);
    mock_assert(0, fake_panic_message, __FILE__, __LINE__);
    abort();
}

void kernel_exit(enum kexit code) { arch_exit(code); }
