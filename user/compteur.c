/*
 * compteur: the course's racing counter ("Chauffeur, si t'as pas peur...",
 * then "Une solution : le verrou ?"), its Python in C on Tourniquet's
 * pthreads, with the course's names.
 *
 * calcul() reads the global compteur into temp, "simulates a computation"
 * (the course's sleep(0.000000001), which hands the processor to another
 * thread: yield() here), and stores temp + 1. One thread doing 400 gets
 * 400; four threads doing 100 each lose updates, since each reads a value
 * the others are about to overwrite; with the lock around the read and
 * the write (the critical section), 400 again. It checks both.
 *
 *   compteur          the three runs, one line each, and the verdicts
 */
#include <pthread.h>
#include <tourniquet.h>

static int compteur = 0; /* the shared variable */
static int limite;       /* increments per thread */
static int avec_verrou;  /* 1: the critical section under `verrou` */
static pthread_mutex_t verrou;

static void *calcul(void *arg)
{
    for (int c = 0; c < limite; c++) {
        if (avec_verrou)
            pthread_mutex_lock(&verrou); /* début de la section critique */
        int temp = compteur;
        yield(); /* simule un traitement nécessitant des calculs */
        compteur = temp + 1;
        if (avec_verrou)
            pthread_mutex_unlock(&verrou); /* fin de la section critique */
    }
    return arg;
}

/* Four threads run calcul with limite 100; the final compteur. */
static int quatre_threads(int verrouille)
{
    compteur = 0;
    limite = 100;
    avec_verrou = verrouille;
    pthread_t mes_threads[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&mes_threads[i], NULL, calcul, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(mes_threads[i], NULL);
    return compteur;
}

int main(void)
{
    pthread_mutex_init(&verrou, NULL);
    compteur = 0;
    limite = 400;
    calcul(NULL);
    printf("compteur = %d (un seul calcul de 400)\n", compteur);
    int sans = quatre_threads(0);
    printf("compteur = %d (4 threads de 100, sans verrou: %d mises a jour perdues)\n", sans, 400 - sans);
    int avec = quatre_threads(1);
    printf("compteur = %d (4 threads de 100, avec le verrou)\n", avec);
    tq_check(sans < 400, "without the lock, updates are lost", sans, 400);
    tq_check(avec == 400, "with the lock, the total is exact", avec, 400);
    return tq_checks_done("compteur") != 0;
}
