/*
 * lang.h - the language of what the kernel says to people: English, or
 * French with the course's own words (lang=fr, or `lang fr` in the shell).
 *
 * A sentence meant for a person is written TR("in English", "en français")
 * at the place it is printed: both stay side by side in the source, with
 * the same conversions (the compiler checks both against the arguments).
 * Lines meant for programs do not change with the language: TASK, RESULT,
 * KTAP (ok / not ok, # key=value), BENCH, and the tags that open a report
 * (MISUSE:, DEADLOCK:, STALL:, LIVELOCK:, PANIC:), so every test, grader
 * and tool reads a transcript in either.
 *
 * Text goes out as UTF-8; the VGA console shows the accented letters in its
 * own code page (drivers/vga.c).
 */
#ifndef KERNEL_LANG_H
#define KERNEL_LANG_H

#include <stdbool.h>

extern const char *kernel_lang; /* "en" or "fr" (the lang= option) */

static inline bool lang_fr(void) { return kernel_lang[0] == 'f'; }

#define TR(en, fr) (lang_fr() ? (fr) : (en))

/* The i-th language's name, NULL past the end (the option's choices). */
const char *lang_name(unsigned i);

#endif /* KERNEL_LANG_H */
