/*
 * input.h - characters typed by the user, from the serial line or the
 * keyboard, for the shell.
 *
 * Interrupt handlers push characters; a task pulls them, sleeping on a
 * semaphore while there are none. The buffer holds INPUT_BUFFER characters;
 * more, and the newest are dropped (and counted).
 */
#ifndef KERNEL_INPUT_H
#define KERNEL_INPUT_H

#define INPUT_BUFFER 256

/* Start accepting input (sets up the buffer; the arch layer's interrupts
 * start delivering). Called once at boot. */
void input_init(void);

/* A character arrived. Interrupt context. */
void input_push(char c);

/* The next character, sleeping until there is one. May sleep. */
char input_getc(void);

#endif /* KERNEL_INPUT_H */
