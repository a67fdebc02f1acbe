/*
 * usertests: what the kernel owes a process, and what it must refuse it,
 * one check per line and a total (in the spirit of xv6's usertests).
 *
 * The bad things are done by children (victim.c), since each one ends the
 * process that does it: the kernel must report it, end that process only,
 * and tell its parent - here - how it ended. At the end, memory in use must
 * be what it was at the start: no frame and no heap block leaked.
 */
#include <tourniquet.h>

static char bss[3 * 4096];
static int data = 1234;
static const int constant = 42;

/* Spawn victim with these words, wait, and return its status. */
static int run_victim(const char *a, const char *b)
{
    char *argv[] = {"victim", (char *)a, (char *)b, NULL};
    int pid = spawn("victim", argv);
    if (pid < 0)
        return 1000 + pid; /* (a spawn error, told apart from any status) */
    int status = -1;
    int w = wait(pid, &status);
    return w == pid ? status : 2000 + w;
}

static void memory_image(void)
{
    int zero = 1;
    for (unsigned i = 0; i < sizeof bss; i++)
        zero &= bss[i] == 0;
    TQ_EXPECT_EQ("BSS is zero", zero, 1);
    TQ_EXPECT_EQ("initialised data has its value", data, 1234);
    TQ_EXPECT_EQ("constants have their value", constant, 42);
    bss[sizeof bss - 1] = 1; /* and BSS is writable */
    TQ_EXPECT_EQ("BSS is writable", bss[sizeof bss - 1], 1);
}

static void bad_arguments(void)
{
    struct tq_meminfo m;
    char *long_name = "a-name-longer-than-the-thirty-two-bytes-a-name-may-have";
    char *too_many[TQ_ARGS_MAX + 2];
    for (int i = 0; i < TQ_ARGS_MAX + 1; i++)
        too_many[i] = "x";
    too_many[TQ_ARGS_MAX + 1] = NULL;
    char *bad_string[] = {"victim", (char *)0x100000, NULL};

    TQ_EXPECT_EQ("write(NULL) is EFAULT", write(1, NULL, 10), -TQ_EFAULT);
    TQ_EXPECT_EQ("write(kernel memory) is EFAULT", write(1, (void *)0x100000, 10), -TQ_EFAULT);
    TQ_EXPECT_EQ("write(past the stack) is EFAULT", write(1, (void *)0x7ffff000, 1), -TQ_EFAULT);
    TQ_EXPECT_EQ("write(past the user window) is EFAULT", write(1, (void *)0xfffffff0, 32), -TQ_EFAULT);
    TQ_EXPECT_EQ("write(fd 7) is EBADF", write(7, "x", 1), -TQ_EBADF);
    TQ_EXPECT_EQ("write(2 GiB) is EINVAL", write(1, "x", 0x80000000u), -TQ_EINVAL);
    TQ_EXPECT_EQ("spawn(NULL) is EFAULT", spawn(NULL, NULL), -TQ_EFAULT);
    TQ_EXPECT_EQ("spawn(kernel memory) is EFAULT", spawn((char *)0x100000, NULL), -TQ_EFAULT);
    TQ_EXPECT_EQ("spawn(a name too long) is ENAMETOOLONG", spawn(long_name, NULL), -TQ_ENAMETOOLONG);
    TQ_EXPECT_EQ("spawn(no such program) is ENOENT", spawn("no-such-program", NULL), -TQ_ENOENT);
    TQ_EXPECT_EQ("spawn(argv in the kernel) is EFAULT", spawn("victim", (char **)0x100000), -TQ_EFAULT);
    TQ_EXPECT_EQ("spawn(an argument in the kernel) is EFAULT", spawn("victim", bad_string), -TQ_EFAULT);
    TQ_EXPECT_EQ("spawn(17 arguments) is E2BIG", spawn("victim", too_many), -TQ_E2BIG);
    TQ_EXPECT_EQ("wait(not a child) is ECHILD", wait(99999, NULL), -TQ_ECHILD);
    TQ_EXPECT_EQ("meminfo(NULL) is EFAULT", meminfo(NULL), -TQ_EFAULT);
    TQ_EXPECT_EQ("meminfo(read-only text) is EFAULT", meminfo((struct tq_meminfo *)(uintptr_t)bad_arguments), -TQ_EFAULT);
    TQ_EXPECT_EQ("meminfo(constants) is EFAULT", meminfo((struct tq_meminfo *)&constant), -TQ_EFAULT);
    TQ_EXPECT_EQ("meminfo(its own stack) works", meminfo(&m), 0);
    TQ_EXPECT_EQ("system call 999 is ENOSYS", tq_syscall(999, 0, 0, 0, 0, 0), -TQ_ENOSYS);
    TQ_EXPECT_EQ("sleep(-1) is EINVAL", sleep((unsigned)-1), -TQ_EINVAL);
    TQ_EXPECT_EQ("kill(no such process) is ESRCH", kill(99999), -TQ_ESRCH);

    int pid = spawn("victim", (char *[]){"victim", "exit", "3", NULL});
    TQ_EXPECT_EQ("wait(a bad status pointer) is EFAULT", wait(pid, (int *)0x100000), -TQ_EFAULT);
    int status = -1;
    TQ_EXPECT_EQ("...and the child can still be waited for", wait(pid, &status), pid);
    TQ_EXPECT_EQ("...with its status", status, 3);
}

static void exits(void)
{
    TQ_EXPECT_EQ("exit(42) is status 42", run_victim("exit", "42"), 42);
    TQ_EXPECT_EQ("exit(0) is status 0", run_victim("exit", "0"), 0);
    TQ_EXPECT_EQ("exit(256) is status 0 (8 bits)", run_victim("exit", "256"), 0);
    TQ_EXPECT_EQ("the last thread's pthread_exit(-114) is status 142 (8 bits, not a fault's)",
                 run_victim("thread-exit", "-114"), 142);
    TQ_EXPECT_EQ("write of bytes with a NUL among them writes them all", write(1, "nul:A\0B\n", 8), 8);
    TQ_EXPECT_EQ("sem_post at INT_MAX units is EOVERFLOW (in a child: its handle lives as long as it)",
                 run_victim("sem-max", NULL), 0);
    TQ_EXPECT_EQ("of two threads joining each other, one is refused (EDEADLK) and stays to be joined",
                 run_victim("join-cycle", NULL), 0);
}

static void faults(void)
{
    static const struct {
        const char *kind, *what;
        int vector;
    } f[] = {
        {"null", "reading NULL is a page fault", 14},
        {"kernel", "reading kernel memory is a page fault", 14},
        {"apic", "reading the kernel's pages above the user window is a page fault", 14},
        {"kwrite", "writing kernel memory is a page fault", 14},
        {"past", "reading past the user window is a page fault", 14},
        {"text", "writing its own text is a page fault", 14},
        {"guard", "a stack overflow hits the guard page", 14},
        {"divzero", "dividing by zero is #DE", 0},
        {"ud", "an invalid opcode is #UD", 6},
        {"cli", "CLI is #GP", 13},
        {"sti", "STI is #GP", 13},
        {"ldt", "loading a segment from the LDT (there is none) is #GP", 13},
        {"in", "IN is #GP", 13},
        {"out", "OUT is #GP", 13},
        {"hlt", "HLT is #GP", 13},
        {"int", "INT 0x20 is #GP", 13},
        {"fpu", "an x87 instruction is #NM", 7},
        {"tf", "the trap flag is #DB", 1},
        {"thread-guard", "a second thread's stack overflow hits its guard page", 14},
        {"big-frame", "a frame bigger than the stack hits the guard page, not the thread's stack under it", 14},
    };
    for (unsigned i = 0; i < sizeof f / sizeof f[0]; i++)
        TQ_EXPECT_EQ(f[i].what, run_victim(f[i].kind, NULL), TQ_STATUS_FAULT(f[i].vector));
}

static void kills(void)
{
    int pid = spawn("victim", (char *[]){"victim", "spin", NULL});
    sleep(2);
    TQ_EXPECT_EQ("kill(a running child) works", kill(pid), 0);
    int status = 0;
    wait(pid, &status);
    TQ_EXPECT_EQ("...and it ends killed", status, TQ_STATUS_KILLED);

    pid = spawn("victim", (char *[]){"victim", "sleep", NULL});
    sleep(2);
    TQ_EXPECT_EQ("kill(a sleeping child) works", kill(pid), 0);
    wait(pid, &status);
    TQ_EXPECT_EQ("...and it ends killed", status, TQ_STATUS_KILLED);

    pid = spawn("victim", (char *[]){"victim", "blocked", NULL});
    sleep(5);
    TQ_EXPECT_EQ("kill(a child whose threads wait on a mutex, a semaphore, a condition, a timer) works", kill(pid), 0);
    TQ_EXPECT_EQ("...it can be waited for", wait(pid, &status), pid);
    TQ_EXPECT_EQ("...and it ends killed, every thread", status, TQ_STATUS_KILLED);
    TQ_EXPECT_EQ("a fault in a second thread ends the process", run_victim("thread-null", NULL), TQ_STATUS_FAULT(14));
}

/* wait(TQ_WAIT_ANY): the child that ends, not the one that sleeps; one
 * already ended; then none left. */
static void wait_any(void)
{
    int sleeper = spawn("victim", (char *[]){"victim", "sleep", NULL});
    int quick = spawn("victim", (char *[]){"victim", "exit", "7", NULL});
    int status = 0;
    TQ_EXPECT_EQ("wait(any) returns the child that ends", wait(TQ_WAIT_ANY, &status), quick);
    TQ_EXPECT_EQ("...with its status", status, 7);
    kill(sleeper);
    sleep(3); /* (it is a zombie before the wait) */
    TQ_EXPECT_EQ("wait(any) returns a child that had ended already", wait(TQ_WAIT_ANY, &status), sleeper);
    TQ_EXPECT_EQ("wait(any) with no child is ECHILD", wait(TQ_WAIT_ANY, &status), -TQ_ECHILD);
    TQ_EXPECT_EQ("wait(-2) is ECHILD", wait(-2, &status), -TQ_ECHILD);
    /* (in a child: its second thread's stack stays mapped, in its space, not ours) */
    TQ_EXPECT_EQ("two threads wait for one child: one wait gets it, the other is told ECHILD",
                 run_victim("two-waiters", NULL), 0);
    TQ_EXPECT_EQ("a wait for a pid that spawn is still building is ECHILD, never a half-built child",
                 run_victim("wait-early", NULL), 0);
}

static void exhaustion(void)
{
    static int pids[TQ_PROCS_MAX];
    int n = 0, err = 0;
    while (n < (int)(sizeof pids / sizeof pids[0])) {
        int pid = spawn("victim", (char *[]){"victim", "sleep", NULL});
        if (pid < 0) {
            err = pid;
            break;
        }
        pids[n++] = pid;
    }
    tq_check(err == -TQ_EAGAIN || err == -TQ_ENOMEM, "spawning until the kernel says no: EAGAIN or ENOMEM", err,
          -TQ_EAGAIN);
    printf("# %d processes spawned before: %s\n", n, tq_strerror(err));
    int killed = 0, waited = 0;
    for (int i = 0; i < n; i++)
        killed += kill(pids[i]) == 0;
    for (int i = 0; i < n; i++) { /* in whatever order they end: each pid once */
        int status = 0, pid = wait(TQ_WAIT_ANY, &status);
        for (int j = 0; j < n; j++)
            if (pids[j] == pid && status == TQ_STATUS_KILLED) {
                pids[j] = 0;
                waited++;
            }
    }
    TQ_EXPECT_EQ("...each one killed", killed, n);
    TQ_EXPECT_EQ("...and waited for, each once, by wait(any)", waited, n);
    TQ_EXPECT_EQ("...and then one more can be spawned", run_victim("exit", "5"), 5);
}

int main(void)
{
    struct tq_meminfo before, after;
    meminfo(&before);
    printf("usertests: process %d; %u of %u page frames free, %u bytes of kernel heap free\n", getpid(),
           before.frames_free, before.frames_total, before.heap_free);
    memory_image();
    bad_arguments();
    exits();
    faults();
    kills();
    wait_any();
    exhaustion();
    meminfo(&after);
    TQ_EXPECT_EQ("no page frame leaked", after.frames_free, before.frames_free);
    TQ_EXPECT_EQ("no kernel heap block leaked", after.heap_blocks, before.heap_blocks);
    TQ_EXPECT_EQ("no kernel heap byte leaked", after.heap_free, before.heap_free);
    TQ_EXPECT_EQ("no process left behind", after.processes, before.processes);
    return tq_checks_done("usertests") != 0;
}
