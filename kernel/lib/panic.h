/*
 * panic.h - stopping the kernel, with a reason and a status QEMU can see.
 *
 * The exit statuses are what `make test` checks: QEMU's isa-debug-exit
 * device turns a write of v to port 0xf4 into the exit status (v << 1) | 1.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

enum kexit {
    KEXIT_PASS = 0x10,  /* QEMU exits 33: the run ended and every test passed */
    KEXIT_FAIL = 0x11,  /* QEMU exits 35: a test failed */
    KEXIT_PANIC = 0x12, /* QEMU exits 37: a kernel panic or a CPU exception */
};

/* Print "PANIC: <message>" and stop the kernel with status KEXIT_PANIC.
 * Callable from anywhere, interrupts on or off. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* Leave the machine: print a closing line and exit with `code`. */
__attribute__((noreturn)) void kernel_exit(enum kexit code);

/*
 * KASSERT(expr): check an invariant the kernel relies on. On failure, prints
 * the expression, file, line and function, then panics. In host builds it
 * calls cmocka's mock_assert, so a unit test can expect_assert_failure().
 */
#ifdef UNIT_TESTING
void mock_assert(const int result, const char *const expression, const char *const file, const int line);
#define KASSERT(expr) mock_assert(!!(expr), #expr, __FILE__, __LINE__)
#else
__attribute__((noreturn)) void kassert_fail(const char *expr, const char *file, int line, const char *func);
#define KASSERT(expr) ((expr) ? (void)0 : kassert_fail(#expr, __FILE__, __LINE__, __func__))
#endif

#endif /* KERNEL_PANIC_H */
