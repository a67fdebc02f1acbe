/*
 * test_memory.c - running out of page frames, at every place it can happen.
 *
 * nomem spawns `victim nomem` (user/victim.c) over and over, making the
 * first frame allocation fail, then the second, and so on
 * (frames_fail_nth), until a run needs fewer than the one that would fail:
 * each allocation of the spawn, of the program's load and of its calls
 * (a shared segment, a thread, a child) has then failed once. Each time
 * the spawn says ENOMEM, or the process ends with status 0 (told ENOMEM,
 * it tries once more, and that must work); the kernel never panics; and
 * once it is reaped every frame is back.
 */
#include "ktest.h"
#include "ktests.h"
#include "lib/kprintf.h"
#include "mm/frames.h"
#include "proc/proc.h"

void ktest_nomem(void)
{
    char *argv[] = {"victim", "nomem", NULL};
    unsigned k;
    for (k = 1; k < 1000; k++) {
        struct frames_stats before, after;
        frames_get_stats(&before);
        frames_fail_nth(k);
        int pid = proc_spawn("victim", 2, argv, NULL);
        int status = 0;
        if (pid > 0)
            proc_wait_kernel((uint32_t)pid, &status);
        unsigned left = frames_fail_nth(0); /* (not 0: the run needed fewer than k) */
        frames_get_stats(&after);
        if (pid == -TQ_ENOENT && k == 1) {
            ktest_skip("no program 'victim' (the boot brought no user programs)");
            return;
        }
        KT_EXPECT(pid == -TQ_ENOMEM || (pid > 0 && status == 0),
                  "with frame allocation %u failing, spawn gave %d and the process status %d", k, pid, status);
        KT_EXPECT(after.free == before.free, "with frame allocation %u failing, %d frame(s) were not given back", k,
                  (int)(before.free - after.free));
        if (left)
            break;
    }
    KT_EXPECT(k > 40 && k < 1000, "%u frame allocations in a run: expected some 40 to 1000", k);
    kprintf("# nomem: the %u frame allocations of a spawn and its run each failed once\n", k - 1);
}

/* test=NAME (kernel/ktest.h) */
KTEST_SUITE("memory", NULL, NULL,
            {"nomem", ktest_nomem, false, "every frame allocation of a spawn and of a process's calls fails in turn"});
