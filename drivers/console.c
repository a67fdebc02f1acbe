/*
 * console.c - kprintf's output goes to both consoles: COM1 (what the
 * terminal and the tests see) and the VGA screen (what the QEMU window
 * shows).
 */
#include "drivers.h"
#include "kernel/console.h"

void console_write(const char *s, size_t n)
{
    serial_write(s, n);
    vga_write(s, n);
}

void console_write_aux(const char *s, size_t n) { serial2_write(s, n); }
