/*
 * input.c - the input ring buffer: interrupt handlers in, a task out.
 */
#include "input.h"

#include "sync.h"

static struct klock lock;          /* guards ring, head, count, dropped */
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
    arch_irqstate_t s = klock_irqsave(&lock);
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
    klock_irqrestore(&lock, s);
    return c;
}
