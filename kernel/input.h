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
 * dropped, counted, and the reader's next input_getc says how many. While
 * a Ctrl-C is armed (a program runs, nobody reads) the serial line is not
 * paused either: a full buffer would keep the Ctrl-C behind it in the UART
 * for ever, so the line goes on, the Ctrl-C gets through (and disarms:
 * one per arming), and what did not fit before it is dropped and counted
 * like the keyboard's; after it the line waits again.
 */
#ifndef KERNEL_INPUT_H
#define KERNEL_INPUT_H

#include <stdbool.h>

#define INPUT_BUFFER 256

/* Start accepting input (sets up the buffer; the arch layer's interrupts
 * start delivering). Called once at boot. */
void input_init(void);

/* May the serial line's handler read one more character (room for it, or
 * a Ctrl-C armed)? If not, the caller pauses its device, then asks again
 * (a reader may have made room, and resumed it, in between), and
 * input_getc will resume it once there is room. Interrupt context. */
bool input_reserve(void);

/* A character arrived. Interrupt context. */
void input_push(char c);

/* The next character, sleeping until there is one. May sleep. */
char input_getc(void);

/* Ctrl-C (0x03, from either device). While the reader has armed it
 * (input_arm_interrupt(true): the shell, while a program it started runs
 * and nobody reads), a Ctrl-C is not a character but an interrupt, which
 * input_wait_interrupt returns to (a task of the shell's, which ends that
 * program); otherwise it goes in the buffer like any character (at the
 * prompt, the shell drops the line). */
#define INPUT_CTRL_C 0x03
void input_arm_interrupt(bool armed);
void input_wait_interrupt(void); /* May sleep. */

#endif /* KERNEL_INPUT_H */
