/*
 * input.c - the input ring buffer: interrupt handlers in, a task out.
 */
#include "input.h"

#include <arch/arch.h>

#include "lib/kprintf.h"
#include "lib/lang.h"
#include "sync/sync.h"

static struct klock lock;          /* guards ring, head, count, dropped */
static char ring[INPUT_BUFFER];
static unsigned head, count, dropped;
static bool paused;                /* the serial line waits for room (input_reserve) */
static struct semaphore available; /* counts the characters in the ring */
static bool armed;                 /* a Ctrl-C is an interrupt (input_arm_interrupt) */
static struct semaphore interrupts; /* one unit per Ctrl-C taken as an interrupt */

void input_init(void)
{
    head = count = dropped = 0;
    paused = armed = false;
    sem_init(&available, "input", 0);
    sem_init(&interrupts, "ctrl-c", 0);
}

void input_arm_interrupt(bool on)
{
    arch_irqstate_t s = klock_irqsave(&lock);
    armed = on;
    /* The buffer may have filled, and the serial line paused, before we
     * armed (typed ahead of the exec): armed, the line must run again, or
     * a Ctrl-C behind the rest would never come in. */
    bool resume = on && paused;
    if (resume)
        paused = false;
    klock_irqrestore(&lock, s);
    if (resume)
        arch_input_resume();
    while (!on && sem_try_down(&interrupts) == SYNC_OK) /* (one that came as it ended: for nobody) */
        ;
}

void input_wait_interrupt(void) { sem_down(&interrupts); }

bool input_reserve(void)
{
    arch_irqstate_t s = klock_irqsave(&lock);
    /* Armed, a full buffer does not stop the line: the Ctrl-C that ends the
     * program may be behind what fills it (input_push drops the rest). */
    bool room = count < INPUT_BUFFER || armed;
    if (!room)
        paused = true;
    klock_irqrestore(&lock, s);
    return room;
}

void input_push(char c)
{
    arch_irqstate_t s = klock_irqsave(&lock);
    if (c == INPUT_CTRL_C && armed) {
        armed = false; /* one per arming (the shell's exec ends one program); and a full line waits again */
        klock_irqrestore(&lock, s);
        sem_up(&interrupts); /* callable from an interrupt handler */
        return;
    }
    bool stored = count < INPUT_BUFFER;
    if (stored)
        ring[(head + count++) % INPUT_BUFFER] = c;
    else
        dropped++;
    klock_irqrestore(&lock, s);
    if (stored)
        sem_up(&available); /* callable from an interrupt handler */
}

char input_getc(void)
{
    sem_down(&available); /* a unit per character already in the ring */
    arch_irqstate_t s = klock_irqsave(&lock);
    char c = ring[head];
    head = (head + 1) % INPUT_BUFFER;
    count--;
    bool resume = paused; /* there is room again */
    paused = false;
    unsigned lost = dropped; /* (keys pressed while it was full: the keyboard cannot wait) */
    dropped = 0;
    klock_irqrestore(&lock, s);
    if (resume)
        arch_input_resume();
    if (lost)
        kprintf(TR("\ninput: %u character(s) lost: they came while the %u-byte input buffer was full\n",
                   "\ninput : %u caractère(s) perdu(s) : arrivés pendant que le tampon d'entrée de %u octets était "
                   "plein\n"),
                lost, (unsigned)INPUT_BUFFER);
    return c;
}
