/*
 * bench: what a process pays for the kernel, in guest instructions.
 *
 * Under QEMU -icount shift=0 (make bench) RDTSC advances by one per
 * instruction, in ring 3 too. Each figure is the least of many samples,
 * less what the measurement itself costs (two RDTSCs and their moves,
 * measured the same way around nothing), and is printed as a BENCH line
 * for tools/bench.py.
 */
#include <tourniquet.h>

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define SAMPLES 64

int main(void)
{
    uint64_t empty = ~0ull, call = ~0ull, spawned = ~0ull;
    for (int i = 0; i < SAMPLES; i++) {
        uint64_t t0 = rdtsc();
        uint64_t t1 = rdtsc();
        if (t1 - t0 < empty)
            empty = t1 - t0;
    }
    for (int i = 0; i < SAMPLES; i++) {
        uint64_t t0 = rdtsc();
        tq_syscall(TQ_SYS_GETPID, 0, 0, 0, 0, 0);
        uint64_t t1 = rdtsc();
        if (t1 - t0 < call)
            call = t1 - t0;
    }
    for (int i = 0; i < 4; i++) {
        char *argv[] = {"victim", "exit", "0", NULL};
        uint64_t t0 = rdtsc();
        int pid = spawn("victim", argv);
        int status = -1;
        if (pid < 0 || wait(pid, &status) != pid || status != 0) {
            printf("bench: spawn+wait of victim failed: %s\n", tq_strerror(pid));
            return 1;
        }
        uint64_t t1 = rdtsc();
        if (t1 - t0 < spawned)
            spawned = t1 - t0;
    }
    printf("BENCH name=syscall_getpid instructions=%u measurement=%u samples=%d\n", (unsigned)(call - empty),
           (unsigned)empty, SAMPLES);
    printf("BENCH name=spawn_wait instructions=%u program=victim\n", (unsigned)(spawned - empty));
    return 0;
}
