/*
 * bonjour: the course's first two thread programs ("5. Les Threads"),
 * sequence.py and concurrent.py, in C on Tourniquet's pthreads.
 *
 *   bonjour sequence     f1 then f2, one after the other: five "Bonjour !",
 *                        then five "Ca va ?"
 *   bonjour              f1 and f2 as two threads, each sleeping a tick
 *                        after each line (the course's sleep(0.01)): the
 *                        lines come interleaved
 *
 * The course says to run it several times and watch the order change.
 * Under QEMU -icount every run is the same run; jitter=N seed=S on the
 * kernel's command line varies the timer, and the order with it.
 */
#include <pthread.h>
#include <tourniquet.h>

static void *f1(void *pause)
{
    for (int i = 0; i < 5; i++) {
        printf("Bonjour !\n");
        if (pause)
            sleep(1);
    }
    return NULL;
}

static void *f2(void *pause)
{
    for (int i = 0; i < 5; i++) {
        printf("Ca va ?\n");
        if (pause)
            sleep(1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sequence") == 0) {
        f1(NULL);
        f2(NULL);
        return 0;
    }
    pthread_t p1, p2;
    if (pthread_create(&p1, NULL, f1, (void *)1) != 0 || pthread_create(&p2, NULL, f2, (void *)1) != 0) {
        printf("bonjour: pthread_create failed\n");
        return 1;
    }
    pthread_join(p1, NULL);
    pthread_join(p2, NULL);
    return 0;
}
