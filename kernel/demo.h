/*
 * demo.h - the demos in demos/, chosen with run=NAME.
 *
 * A demo is a task body written only against the kernel's public API. It
 * returns 0 when it worked; with exit=1, the kernel then leaves QEMU with
 * status 33 (or 35 if it returned anything else).
 */
#ifndef KERNEL_DEMO_H
#define KERNEL_DEMO_H

struct demo {
    const char *name;
    int (*main)(void *arg);
    const char *summary;
};

/* The registered demos (demos/demos.c), ended by an entry whose name is NULL.
 * The first one is the default for run=. */
extern const struct demo demos[];

/* The valid values of run=; NULL past the end. */
const char *demo_name(unsigned i);

/* The demo called name, or NULL. */
const struct demo *demo_find(const char *name);

#endif /* KERNEL_DEMO_H */
