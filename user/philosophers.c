/*
 * philosophers: the course's dining philosophers, as five threads of one
 * process with pthread mutexes for forks.
 *
 * Each philosopher thinks, takes the two forks beside it, eats, puts them
 * down, 20 times. Deadlock is avoided the course's way: every philosopher
 * takes the lower-numbered fork first, so no cycle of waits can close. A
 * state array, under a mutex of its own, lets each one check as it starts
 * eating that neither neighbour is eating. One check per line and a total.
 */
#include <pthread.h>
#include <tourniquet.h>

#define N 5
#define MEALS 20

static pthread_mutex_t fork_of[N], table;
static int eating[N], meals[N];
static int neighbour_ate; /* times a philosopher found a neighbour eating as it began */

static void *philosopher(void *arg)
{
    int i = (int)(long)arg, left = i, right = (i + 1) % N;
    int first = left < right ? left : right, second = left < right ? right : left;
    for (int m = 0; m < MEALS; m++) {
        for (volatile int d = 0; d < 3000; d++) /* think */
            ;
        pthread_mutex_lock(&fork_of[first]);
        pthread_mutex_lock(&fork_of[second]);
        pthread_mutex_lock(&table);
        neighbour_ate += eating[(i + N - 1) % N] || eating[(i + 1) % N];
        eating[i] = 1;
        pthread_mutex_unlock(&table);
        for (volatile int d = 0; d < 3000; d++) /* eat */
            ;
        pthread_mutex_lock(&table);
        eating[i] = 0;
        meals[i]++;
        pthread_mutex_unlock(&table);
        pthread_mutex_unlock(&fork_of[second]);
        pthread_mutex_unlock(&fork_of[first]);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    pthread_mutex_init(&table, NULL);
    for (int i = 0; i < N; i++)
        pthread_mutex_init(&fork_of[i], NULL);
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, philosopher, (void *)i);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    int all = 0;
    for (int i = 0; i < N; i++)
        all += meals[i] == MEALS;
    tq_check(all == N, "every philosopher ate 20 times (no deadlock: forks taken lower number first)", all, N);
    tq_check(neighbour_ate == 0, "no philosopher began eating beside an eating neighbour", neighbour_ate, 0);
    return tq_checks_done("philosophers");
}
