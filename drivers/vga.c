/*
 * vga.c - the VGA text screen: 80 columns, 25 rows, 16 colours.
 *
 * Each cell is a character byte and an attribute byte (background colour in
 * the high nibble, foreground in the low). Text scrolls up when it reaches
 * the bottom. The kernel writes colour the way a terminal understands it -
 * ANSI "ESC [ n m" sequences, which the serial console passes through to
 * the user's terminal unchanged - and this driver turns those into
 * attributes, so one kprintf colours both consoles.
 *
 * A line longer than the screen wraps before the word that does not fit
 * (a terminal would cut it anywhere), and a line of exactly 80 characters
 * takes one row: the wrap waits for a next character. Lines that scroll
 * off the top are kept (HISTORY of them) for Shift+PgUp and Shift+PgDn
 * (vga_view); any output brings the view back to the live screen.
 */
#include <stdbool.h>

#include "arch/x86/x86.h"
#include "drivers.h"

#define COLS 80
#define ROWS 25
#define DEFAULT_ATTR 0x07 /* light grey on black */

#define HISTORY 200       /* lines kept above the screen */
#define BLANK ((uint16_t)(DEFAULT_ATTR << 8 | ' '))

static volatile uint16_t *const screen = (volatile uint16_t *)0xb8000;
static unsigned row, col;
static bool wrap_pending;  /* col 79 was written: the next character starts a row */
static unsigned reserved; /* rows at the top that do not scroll (a panel) */
static uint8_t attr = DEFAULT_ATTR;

static uint16_t history[HISTORY][COLS]; /* a ring: history[(oldest + i) % HISTORY] */
static unsigned oldest, kept;
static uint16_t live[ROWS][COLS];       /* the live rows, while the view is scrolled back */
static unsigned back;                   /* rows the view is scrolled back; 0: live */

/* ANSI colour numbers (red = 1, green = 2...) in VGA's order (blue = 1...). */
static const uint8_t ansi_to_vga[8] = {0, 4, 2, 6, 1, 5, 3, 7};

static enum { PLAIN, ESC, CSI } esc_state;
static unsigned esc_args[4], esc_nargs;

static void move_cursor(void)
{
    uint16_t pos = (uint16_t)(back ? ROWS * COLS : row * COLS + col); /* (scrolled back: hidden) */
    outb(0x3d4, 0x0f);
    outb(0x3d5, pos & 0xff);
    outb(0x3d4, 0x0e);
    outb(0x3d5, pos >> 8);
}

static void clear_row(unsigned r)
{
    for (unsigned c = 0; c < COLS; c++)
        screen[r * COLS + c] = BLANK;
}

/* Row `r` of the scrolling region is leaving the screen: keep it. */
static void keep(unsigned r)
{
    uint16_t *line;
    if (kept < HISTORY) {
        line = history[(oldest + kept++) % HISTORY];
    } else { /* full: the oldest line makes room */
        line = history[oldest];
        oldest = (oldest + 1) % HISTORY;
    }
    for (unsigned c = 0; c < COLS; c++)
        line[c] = screen[r * COLS + c];
}

void vga_init(void)
{
    for (unsigned r = 0; r < ROWS; r++)
        clear_row(r);
    row = col = 0;
    move_cursor();
}

static void newline(void)
{
    col = 0;
    wrap_pending = false;
    if (++row < ROWS)
        return;
    keep(reserved);
    for (unsigned i = reserved * COLS; i < (ROWS - 1) * COLS; i++)
        screen[i] = screen[i + COLS];
    clear_row(ROWS - 1);
    row = ROWS - 1;
}

/* Show the scrolling region `n` rows back from the live screen. */
static void show(unsigned n)
{
    if (back == 0 && n > 0) /* leaving the live screen: keep it */
        for (unsigned r = reserved; r < ROWS; r++)
            for (unsigned c = 0; c < COLS; c++)
                live[r][c] = screen[r * COLS + c];
    back = n;
    for (unsigned r = reserved; r < ROWS; r++) {
        /* Row r shows line (kept + r - reserved - back) of: the history, then the live rows. */
        unsigned line = kept + (r - reserved) - back;
        const uint16_t *src = line < kept ? history[(oldest + line) % HISTORY] : live[reserved + line - kept];
        for (unsigned c = 0; c < COLS; c++)
            screen[r * COLS + c] = src[c];
    }
    move_cursor();
}

void vga_view(int rows)
{
    long n = (long)back + rows;
    if (n < 0)
        n = 0;
    if (n > (long)kept)
        n = (long)kept;
    if ((unsigned)n != back)
        show((unsigned)n);
}

void vga_reserve(unsigned rows)
{
    if (back)
        show(0);
    if (rows > ROWS - 5)
        rows = ROWS - 5;
    for (unsigned r = 0; r < rows; r++)
        clear_row(r);
    reserved = rows;
    if (row < reserved)
        row = reserved;
}

void vga_put_at(unsigned r, unsigned c, char ch, unsigned char a)
{
    if (r < reserved && c < COLS)
        screen[r * COLS + c] = (uint16_t)(a << 8 | (uint8_t)ch);
}

/* The row is full and a character follows. If the row ends inside a word
 * that began after its middle, move that word down with it. */
static void wrap_word(void)
{
    unsigned from = COLS; /* the cells [from, COLS) go down */
    for (unsigned c = COLS - 1; c > COLS / 2; c--) {
        if ((screen[row * COLS + c] & 0xff) == ' ') {
            from = c + 1;
            break;
        }
    }
    uint16_t word[COLS];
    unsigned n = COLS - from;
    for (unsigned i = 0; i < n; i++) {
        word[i] = screen[row * COLS + from + i];
        screen[row * COLS + from + i] = BLANK;
    }
    newline();
    for (unsigned i = 0; i < n; i++)
        screen[row * COLS + i] = word[i];
    col = n;
}

static void apply_sgr(void)
{
    if (esc_nargs == 0)
        esc_args[esc_nargs++] = 0;
    for (unsigned i = 0; i < esc_nargs; i++) {
        unsigned a = esc_args[i];
        if (a == 0)
            attr = DEFAULT_ATTR;
        else if (a == 1)
            attr |= 0x08; /* bold: the bright variant */
        else if (a >= 30 && a <= 37)
            attr = (uint8_t)((attr & 0xf8) | ansi_to_vga[a - 30]);
        else if (a >= 90 && a <= 97)
            attr = (uint8_t)((attr & 0xf0) | 0x08 | ansi_to_vga[a - 90]);
        else if (a >= 40 && a <= 47)
            attr = (uint8_t)((attr & 0x8f) | ansi_to_vga[a - 40] << 4);
    }
}

/* UTF-8 in, code page 437 out: the VGA font has the accented letters of
 * French (and German, Spanish...) at its own positions, but of the
 * capitals only É, Ç and a few others: a capital it lacks loses its accent
 * (PRÊTE shows as PRETE, as French allows). Any other code point it lacks
 * is shown as '?'. */
static uint32_t utf8_cp;    /* the code point being read */
static unsigned utf8_more;  /* continuation bytes still to come */

static char cp437(uint32_t cp)
{
    static const struct { uint16_t cp; uint8_t glyph; } map[] = {
        {0xe9, 0x82}, {0xe8, 0x8a}, {0xea, 0x88}, {0xeb, 0x89}, {0xe0, 0x85}, {0xe2, 0x83}, {0xe4, 0x84},
        {0xe7, 0x87}, {0xee, 0x8c}, {0xef, 0x8b}, {0xf4, 0x93}, {0xf6, 0x94}, {0xf9, 0x97}, {0xfb, 0x96},
        {0xfc, 0x81}, {0xc9, 0x90}, {0xc7, 0x80}, {0xab, 0xae}, {0xbb, 0xaf}, {0xb0, 0xf8}, {0xd7, 'x'},
        {0xa0, ' '}, {0x2192, 0x1a}, {0x2190, 0x1b}, {0x2019, '\''}, {0x2018, '\''}, {0x201c, '"'},
        {0x201d, '"'}, {0x2013, '-'}, {0x2014, '-'}, {0x2026, 0xfa}, {0x202f, ' '},
        {0xc0, 'A'}, {0xc2, 'A'}, {0xc8, 'E'}, {0xca, 'E'}, {0xcb, 'E'}, {0xce, 'I'}, {0xcf, 'I'},
        {0xd4, 'O'}, {0xd9, 'U'}, {0xdb, 'U'}, {0xdc, 0x9a}, {0xc4, 0x8e}, {0xd6, 0x99},
    };
    for (unsigned i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].cp == cp)
            return (char)map[i].glyph;
    return '?';
}

static void put_glyph(char c);
static inline __attribute__((always_inline)) void put_cell(uint8_t glyph);

/* A byte of a multi-byte UTF-8 sequence (or a stray one). A character
 * read whole goes to the screen as its glyph, never through the control
 * characters: '←' is glyph 0x1b, which put_glyph would take for ESC. */
static __attribute__((noinline)) void put_utf8(uint8_t b)
{
    if (utf8_more && (b & 0xc0) == 0x80) { /* a continuation byte */
        utf8_cp = utf8_cp << 6 | (b & 0x3f);
        if (--utf8_more == 0) {
            esc_state = PLAIN; /* (a character ends an escape sequence it came into) */
            put_cell((uint8_t)cp437(utf8_cp));
        }
        return;
    }
    utf8_more = 0; /* (a sequence cut short: drop it) */
    if (b >= 0xc0 && b < 0xf8) {
        utf8_more = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
        utf8_cp = b & (0x3f >> utf8_more);
    } else if (b < 0x80) {
        put_glyph((char)b);
    } /* (else a stray continuation byte) */
}

/* ASCII, which is nearly everything, goes straight to the screen. */
static inline __attribute__((always_inline)) void put(char c)
{
    if (__builtin_expect(!((uint8_t)c & 0x80) && !utf8_more, 1))
        put_glyph(c);
    else
        put_utf8((uint8_t)c);
}

static inline __attribute__((always_inline)) void put_glyph(char c)
{
    switch (esc_state) {
    case ESC:
        esc_state = c == '[' ? CSI : PLAIN;
        esc_nargs = 0;
        esc_args[0] = 0;
        return;
    case CSI:
        if (c >= '0' && c <= '9') {
            if (esc_nargs == 0)
                esc_nargs = 1;
            esc_args[esc_nargs - 1] = esc_args[esc_nargs - 1] * 10 + (unsigned)(c - '0');
        } else if (c == ';') {
            if (esc_nargs == 0)
                esc_nargs = 1;
            if (esc_nargs < 4)
                esc_args[esc_nargs++] = 0;
        } else {
            if (c == 'm')
                apply_sgr();
            esc_state = PLAIN; /* other sequences are ignored */
        }
        return;
    case PLAIN:
        break;
    }
    if (c == '\033') {
        esc_state = ESC;
    } else if (c == '\n') {
        newline();
    } else if (c == '\r') {
        col = 0;
        wrap_pending = false;
    } else if (c == '\b') { /* back one column (the shell's erase is "\b \b"), not past the row's start */
        if (wrap_pending)
            wrap_pending = false;
        else if (col > 0)
            col--;
    } else if (c == '\t') {
        if (wrap_pending)
            newline();
        do
            col++;
        while (col % 8 && col < COLS);
        if (col >= COLS)
            newline();
    } else if (wrap_pending && c == ' ') {
        newline(); /* the space the row broke at */
    } else {
        put_cell((uint8_t)c);
    }
}

/* A glyph in the next cell, wrapping the row before the word that does not
 * fit. (Inline: every ASCII character of the console comes through here.) */
static inline __attribute__((always_inline)) void put_cell(uint8_t glyph)
{
    if (wrap_pending)
        wrap_word();
    screen[row * COLS + col] = (uint16_t)(attr << 8 | glyph);
    if (col == COLS - 1)
        wrap_pending = true;
    else
        col++;
}

void vga_write(const char *s, size_t n)
{
    if (back)
        show(0); /* output: back to the live screen */
    for (size_t i = 0; i < n; i++)
        put(s[i]);
    move_cursor();
}
