/*
 * input.c - the input ring buffer: interrupt handlers in, a task out.
 */
#include "input.h"

#include "sync.h"

static char ring[INPUT_BUFFER];
static unsigned head, count, dropped;
static struct semaphore available; /* counts the characters in the ring */

void input_init(void)
{
    head = count = dropped = 0;
    sem_init(&available, "input", 0);
}

void input_push(char c)
{
    arch_irqstate_t s = arch_irq_save();
    if (count == INPUT_BUFFER) {
        dropped++;
    } else {
        ring[(head + count++) % INPUT_BUFFER] = c;
        sem_up(&available); /* callable from an interrupt handler */
    }
    arch_irq_restore(s);
}

char input_getc(void)
{
    sem_down(&available);
    arch_irqstate_t s = arch_irq_save();
    char c = ring[head];
    head = (head + 1) % INPUT_BUFFER;
    count--;
    arch_irq_restore(s);
    return c;
}
