/*
 * fake.h - what host tests can inspect of the fake arch, console and panic.
 */
#ifndef TESTS_HOST_FAKE_H
#define TESTS_HOST_FAKE_H

#include <arch/arch.h>
#include <stddef.h>

/* Everything kprintf wrote since fake_reset(), NUL-terminated. */
extern char fake_console[16384];
extern size_t fake_console_len;

/* The message of the last panic(). */
extern char fake_panic_message[512];

/* Forget all recorded output, switches and panics; interrupts on. */
void fake_reset(void);

#endif
