/*
 * test_memory.c - running out of memory, at every place it can happen.
 *
 * nomem spawns `victim nomem` (user/victim.c) over and over, making the
 * first page-frame allocation fail, then the second, and so on
 * (frames_fail_nth), until a run needs fewer than the one that would fail:
 * each allocation of the spawn, of the program's load and of its calls (a
 * shared segment, a thread, a semaphore, a mutex, a condition variable, a
 * message queue, a child) has then failed once.
 * Then the same for the kernel heap (kmem_fail_nth: the task of a thread,
 * a handle, the spawn's copy of its arguments). Each time the spawn says
 * ENOMEM, or the process ends with status 0 (told ENOMEM, it tries once
 * more, and that must work); the kernel never panics; and once the
 * process is reaped every frame and every heap block is back.
 */
#include "ktest.h"
#include "ktests.h"
#include "lib/kmem.h"
#include "lib/kprintf.h"
#include "mm/frames.h"
#include "proc/proc.h"

/* What may not leak: the free frames and the heap's used blocks. */
struct held {
    size_t frames_free, heap_blocks;
};

static struct held held_now(void)
{
    struct frames_stats f;
    struct kmem_stats m;
    frames_get_stats(&f);
    kmem_get_stats(&m);
    return (struct held){f.free, m.used_blocks};
}

/* Fail allocation 1, 2, ... of `what` (fail_nth) in a run each; returns
 * how many allocations a run makes (at least `least`, or the sweep did
 * not see the calls), or 0 when there is no victim. */
static unsigned sweep(const char *what, unsigned (*fail_nth)(unsigned), unsigned least)
{
    char *argv[] = {"victim", "nomem", NULL};
    unsigned k;
    for (k = 1; k < 1000; k++) {
        struct held before = held_now();
        fail_nth(k);
        int pid = proc_spawn("victim", 2, argv, NULL);
        int status = 0;
        if (pid > 0)
            proc_wait_kernel((uint32_t)pid, &status);
        unsigned left = fail_nth(0); /* (not 0: the run needed fewer than k) */
        struct held after = held_now();
        if (pid == -TQ_ENOENT && k == 1)
            return 0;
        KT_EXPECT(pid == -TQ_ENOMEM || (pid > 0 && status == 0),
                  "with %s allocation %u failing, spawn gave %d and the process status %d", what, k, pid, status);
        KT_EXPECT(after.frames_free == before.frames_free && after.heap_blocks == before.heap_blocks,
                  "with %s allocation %u failing, %d frame(s) and %d heap block(s) were not given back", what, k,
                  (int)(before.frames_free - after.frames_free), (int)(after.heap_blocks - before.heap_blocks));
        if (left)
            break;
    }
    KT_EXPECT(k > least && k < 1000, "%u %s allocations in a run: expected %u to 1000", k - 1, what, least);
    return k - 1;
}

void ktest_nomem(void)
{
    unsigned frames = sweep("page-frame", frames_fail_nth, 40);
    if (!frames) {
        ktest_skip("no program 'victim' (the boot brought no user programs)");
        return;
    }
    unsigned heap = sweep("kernel-heap", kmem_fail_nth, 5);
    kprintf("# nomem: the %u page-frame and %u kernel-heap allocations of a spawn and its run each failed once\n",
            frames, heap);
}

/* test=NAME (kernel/ktest.h) */
KTEST_SUITE("memory", NULL, NULL,
            {"nomem", ktest_nomem, false, "every frame and heap allocation of a spawn and its run fails in turn"});
