/*
 * prng.h - the kernel's one pseudo-random generator: xorshift32 (Marsaglia,
 * 2003). Seeded (seed=), so every "random" run replays exactly: lottery's
 * draws, random workloads, timer jitter.
 */
#ifndef KERNEL_PRNG_H
#define KERNEL_PRNG_H

#include <stdint.h>

/* Advance *state and return the next number (a zero state is replaced). */
static inline uint32_t prng_next(uint32_t *state)
{
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

#endif /* KERNEL_PRNG_H */
