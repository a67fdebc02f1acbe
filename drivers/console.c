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

void console_write_serial(const char *s, size_t n) { serial_write(s, n); }

void console_write_aux(const char *s, size_t n) { serial2_write(s, n); }

/* (make run, boot, debug and gantt connect COM2 to build/trace.json.) */
const char *console_aux_name(void) { return "COM2"; }

/* ANSI colours (31 red...) to VGA attributes: the same table as vga.c's. */
static unsigned char vga_attr(unsigned colour)
{
    static const unsigned char map[8] = {0, 4, 2, 6, 1, 5, 3, 7};
    unsigned fg = colour & 0xff, bg = colour >> 8;
    unsigned char a = 0x07;
    if (fg >= 30 && fg <= 37)
        a = (unsigned char)((a & 0xf0) | map[fg - 30]);
    if (bg >= 40 && bg <= 47)
        a = (unsigned char)((a & 0x0f) | map[bg - 40] << 4);
    return a;
}

void console_panel(unsigned rows) { vga_reserve(rows); }

void console_view(int rows) { vga_view(rows); }

void console_panel_put(unsigned row, unsigned col, char c, unsigned colour) { vga_put_at(row, col, c, vga_attr(colour)); }
