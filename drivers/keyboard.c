/*
 * keyboard.c - the PS/2 keyboard: scancodes (set 1) to characters.
 *
 * Enough for a shell: letters, digits, punctuation, space, Enter, Backspace,
 * and Shift; Shift+PgUp and Shift+PgDn scroll the VGA screen back and
 * forth (extended keys: 0xe0, then the key). Key releases (bit 7 set)
 * only matter for Shift.
 */
#include "arch/x86/x86.h"
#include "drivers.h"
#include "kernel/input.h"
#include "kernel/lib/kprintf.h"

#define KBD_DATA 0x60

static const char plain[0x3a] = {
    0,   27,  '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t', 'q', 'w', 'e', 'r',
    't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0,   'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';',
    '\'', '`', 0,  '\\', 'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '/', 0,   '*', 0,   ' ',
};
static const char shifted[0x3a] = {
    0,   27,  '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t', 'Q', 'W', 'E', 'R',
    'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0,   'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':',
    '"', '~', 0,   '|', 'Z', 'X', 'C', 'V', 'B', 'N', 'M', '<', '>', '?', 0,   '*', 0,   ' ',
};

static int shift, ctrl;
static int extended; /* the last byte was 0xe0 */

#define PGUP 0x49
#define PGDN 0x51
#define SCROLL_ROWS 10

void keyboard_irq(void)
{
    uint8_t code = inb(KBD_DATA);
    uint8_t key = code & 0x7f;
    if (code == 0xe0) {
        extended = 1;
        return;
    }
    if (extended) { /* arrows, PgUp... : only Shift+PgUp/PgDn mean something here (and the right Ctrl) */
        extended = 0;
        if (key == 0x1d) {
            ctrl = !(code & 0x80);
            return;
        }
        if (!(code & 0x80) && shift && (key == PGUP || key == PGDN))
            console_scroll(key == PGUP ? SCROLL_ROWS : -SCROLL_ROWS);
        return;
    }
    if (key == 0x2a || key == 0x36) { /* left or right Shift */
        shift = !(code & 0x80);
        return;
    }
    if (key == 0x1d) { /* left Ctrl */
        ctrl = !(code & 0x80);
        return;
    }
    if (code & 0x80 || key >= sizeof plain)
        return;
    char c = shift ? shifted[key] : plain[key];
    if (ctrl && c) /* Ctrl + a letter: its control character (Ctrl-C is 0x03); others nothing */
        c = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 1) : (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 1) : 0;
    if (c)
        input_push(c);
}
