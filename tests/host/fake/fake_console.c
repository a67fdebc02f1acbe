/*
 * fake_console.c - the tests' console: kprintf's output is kept in a
 * buffer the tests can read (fake_console).
 */
#include <string.h>

#include "console.h"
#include "fake.h"

char fake_console[16384];
size_t fake_console_len;

void fake_console_reset(void)
{
    fake_console_len = 0;
    fake_console[0] = '\0';
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

void console_write_serial(const char *s, size_t n) { console_write(s, n); }
void console_view(int rows) { (void)rows; }

void console_write_aux(const char *s, size_t n)
{
    (void)s;
    (void)n;
}

const char *console_aux_name(void) { return "COM2"; }

void console_panel(unsigned rows) { (void)rows; }
void console_panel_put(unsigned row, unsigned col, char c, unsigned colour)
{
    (void)row, (void)col, (void)c, (void)colour;
}
