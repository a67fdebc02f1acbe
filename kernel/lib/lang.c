/*
 * lang.c - the language the kernel speaks to people (lang.h).
 */
#include "lib/lang.h"

#include <stddef.h>

const char *kernel_lang = "en";

const char *lang_name(unsigned i)
{
    static const char *const names[] = {"en", "fr"};
    return i < sizeof names / sizeof names[0] ? names[i] : NULL;
}
