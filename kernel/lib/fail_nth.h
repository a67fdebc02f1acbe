/*
 * fail_nth.h - "the n-th call from now fails": the fault a test injects
 * into an allocator (frames_fail_nth, kmem_fail_nth; test=nomem). Each
 * allocator keeps one, under its own lock.
 */
#ifndef KERNEL_LIB_FAIL_NTH_H
#define KERNEL_LIB_FAIL_NTH_H

#include <stdbool.h>

struct fail_nth {
    unsigned left; /* calls until the one that fails (0: none is set) */
};

/* In the allocator, under its lock: does this call fail? (One test of a
 * zero when no test set one.) */
static inline bool fail_nth_now(struct fail_nth *f)
{
    return __builtin_expect(f->left, 0) && --f->left == 0;
}

/* Under the allocator's lock: make the n-th call from now fail (0: none);
 * returns how many calls were still to come before the last one set
 * would have failed (0: it failed, or none was set). */
static inline unsigned fail_nth_set(struct fail_nth *f, unsigned n)
{
    unsigned left = f->left;
    f->left = n;
    return left;
}

#endif /* KERNEL_LIB_FAIL_NTH_H */
