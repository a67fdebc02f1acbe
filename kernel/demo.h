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

/* A file registers its demos, in the order given, with
 *     DEMOS({"name", main, "what it shows"}, ...);
 * at file scope. Each file's list lands in the linker section tq_demos, the
 * files in link order (the Makefile's DEMO_SRC), so the core finds every
 * demo without naming a table of them (kernel/demo.c), and a build without
 * demos (the host's) simply has none. The first demo is run='s default. */
#define DEMOS(...) \
    static const struct demo tq_demos_here[] __attribute__((used, section("tq_demos"), aligned(sizeof(void *)))) = {__VA_ARGS__}

/* The valid values of run=, in registration order, then prog:NAME for each
 * user program (a process: kernel/proc/proc.h); NULL past the end. */
const char *demo_name(unsigned i);

/* The demo called name, or NULL (for prog:NAME too). */
const struct demo *demo_find(const char *name);

#endif /* KERNEL_DEMO_H */
