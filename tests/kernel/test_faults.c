/*
 * test_faults.c - things that must stop the kernel, readably.
 *
 * These are `solo` tests: the harness boots each one alone and expects the
 * report on the serial console and QEMU's exit status 37.
 */
#include "ktest.h"
#include "ktests.h"
#include "tourniquet.h"

void ktest_divzero(void)
{
    volatile int zero = 0, one = 1;
    kprintf("# dividing 1 by zero in task '%s'\n", task_current()->name);
    volatile int x = one / zero; /* (1 / zero would let gcc skip the DIV) */
    (void)x;
    ktest_fail(__FILE__, __LINE__, "the divide error did not stop the kernel");
}

/* Dig down the stack 16 bytes at a time until a frame lies on the canary
 * zone. The work after the recursive call keeps the compiler from turning
 * the recursion into a loop. */
static unsigned __attribute__((noinline)) dig(uintptr_t floor_)
{
    volatile uint8_t pad[16];
    for (unsigned i = 0; i < sizeof pad; i++)
        pad[i] = (uint8_t)i;
    unsigned depth = 0;
    if ((uintptr_t)pad > floor_)
        depth = dig(floor_) + 1;
    pad[1] = pad[0];
    return depth;
}

static volatile bool spin_forever = true;

static int overflow(void *arg)
{
    (void)arg;
    struct task *self = task_current();
    uintptr_t floor_ = (uintptr_t)self->stack + TASK_CANARY_ZONE - 8;
    unsigned depth = dig(floor_);
    kprintf("# overflow: %u frames deep, down to the canary zone; waiting for a switch\n", depth);
    while (spin_forever)
        ; /* the next preemption checks our canary */
    return 0;
}

static int neighbour(void *arg)
{
    (void)arg;
    while (spin_forever)
        ;
    return 0;
}

void ktest_canary(void)
{
    task_create("neighbour", neighbour, NULL);
    struct task *t = task_create("overflow", overflow, NULL);
    task_join(t);
    ktest_fail(__FILE__, __LINE__, "the overflow went unnoticed");
}
