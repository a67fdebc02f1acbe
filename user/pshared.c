/*
 * pshared: the course's racing counter between two *processes*, through a
 * shared-memory segment, without and with a semaphore they share.
 *
 *   pshared            the parent: maps the segment, runs two children
 *                      twice (no lock, then the semaphore), checks, and
 *                      that the segment's pages are given back at the end
 *   pshared add LOCK   a child: 20,000 read-wait-write increments of the
 *                      shared counter (LOCK 1: each under the semaphore)
 * One check per line and a total; the exit status is the number failed.
 */
#include <semaphore.h>
#include <tourniquet.h>

#define KEY 42
#define ROUNDS 20000

struct shared {
    volatile int counter;
    volatile int children_saw_it; /* each child adds 1: it mapped the parent's segment, not a fresh one */
};

static int child(int locked)
{
    struct shared *sh = shm_map(KEY, 1);
    sem_t s;
    if (!sh || sem_open_key(&s, KEY, 1) < 0)
        return 1;
    __atomic_fetch_add(&sh->children_saw_it, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < ROUNDS; i++) {
        if (locked)
            sem_wait(&s);
        int seen = sh->counter; /* read... */
        for (volatile int d = 0; d < 50; d++) /* ...a moment in which the timer may switch processes... */
            ;
        sh->counter = seen + 1; /* ...write back */
        if (locked)
            sem_post(&s);
    }
    return 0;
}

static int run(struct shared *sh, int locked)
{
    char *argv[] = {"pshared", "add", locked ? "1" : "0", NULL};
    sh->counter = 0;
    int a = spawn("pshared", argv), b = spawn("pshared", argv), sa = -1, sb = -1;
    wait(a, &sa);
    wait(b, &sb);
    tq_check(sa == 0 && sb == 0, locked ? "with the semaphore: both children ended well" : "without a lock: both children ended well",
          sa | sb, 0);
    return sh->counter;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "add"))
        return child(atoi(argv[2]));
    struct tq_meminfo before, after;
    meminfo(&before);
    {
        struct shared *sh = shm_map(KEY, 1);
        tq_check(sh != NULL, "shm_map gives the segment", sh != NULL, 1);
        tq_check(shm_map(KEY, 1) == sh, "mapped again: the same address", 0, 0);
        tq_check(sh->counter == 0, "a new segment is zero", sh->counter, 0);
        int unlocked = run(sh, 0);
        printf("# two processes without a lock: total %d of %d (%d updates lost)\n", unlocked, 2 * ROUNDS,
               2 * ROUNDS - unlocked);
        tq_check(run(sh, 1) == 2 * ROUNDS, "with a shared semaphore: the total is exact", sh->counter, 2 * ROUNDS);
        tq_check(sh->children_saw_it == 4, "each child mapped the parent's segment", sh->children_saw_it, 4);
    }
    tq_check(tq_syscall(TQ_SYS_SHM_MAP, KEY, 2, 0, 0, 0) == -TQ_EINVAL, "more pages than the segment has: EINVAL", 0, 0);
    tq_check(tq_syscall(TQ_SYS_SHM_MAP, 7, 0, 0, 0, 0) == -TQ_EINVAL, "a segment of 0 pages: EINVAL", 0, 0);
    tq_check(tq_syscall(TQ_SYS_SHM_MAP, 7, TQ_SHM_PAGES_MAX + 1, 0, 0, 0) == -TQ_EINVAL, "a segment of 17 pages: EINVAL", 0, 0);
    /* Our own mapping ends with us: what the children took is back already. */
    meminfo(&after);
    tq_check(after.frames_free == before.frames_free - 2,
          "the children's pages are back: in use, only the segment's page and our page table for it",
          (long)before.frames_free - (long)after.frames_free, 2);
    return tq_checks_done("pshared");
}
