/*
 * input.h - characters typed by the user, from the serial line or the
 * keyboard, for the shell.
 *
 * Interrupt handlers push characters; a task pulls them, sleeping on a
 * semaphore while there are none. The buffer holds INPUT_BUFFER characters.
 * When it is full the serial line is paused, not dropped: its handler asks
 * input_reserve first and, refused, leaves the character in the UART (so
 * QEMU, or the sender, waits) until input_getc has made room and resumed
 * it (arch_input_resume). The keyboard cannot wait: its extra keys are
 * dropped, counted, and the reader's next input_getc says how many.
 */
#ifndef KERNEL_INPUT_H
#define KERNEL_INPUT_H

#include <stdbool.h>

#define INPUT_BUFFER 256

/* Start accepting input (sets up the buffer; the arch layer's interrupts
 * start delivering). Called once at boot. */
void input_init(void);

/* Is there room for one more character? If not, the caller (the serial
 * line's handler) pauses its device, and input_getc will resume it once
 * there is. Interrupt context. */
bool input_reserve(void);

/* A character arrived. Interrupt context. */
void input_push(char c);

/* The next character, sleeping until there is one. May sleep. */
char input_getc(void);

#endif /* KERNEL_INPUT_H */
