/*
 * policies.c - the table of scheduling policies, one line each.
 *
 * To add a policy: write kernel/sched_NAME.c defining
 * `const struct sched_policy sched_NAME`, then add one line `X(NAME) \` to
 * the list below. The first entry is the default for sched=.
 * (docs/lab-policy.md walks through it.)
 */
#include <stddef.h>

#include "sched/sched.h"
#include "lib/kstring.h"

#define POLICIES(X) \
    X(rr)          \
    X(fifo)        \
    X(sjf)         \
    X(srt)         \
    X(prio)        \
    X(mlfq)        \
    X(lottery)     \
    X(stride)      \
    X(fair)        \
    X(hrrn)        \
    /* add yours on the line above this one, as X(name) \ */

#define DECLARE(name) extern const struct sched_policy sched_##name;
#define ENTRY(name) &sched_##name,
POLICIES(DECLARE)

const struct sched_policy *const sched_policies[] = {POLICIES(ENTRY) NULL};

/* The policies' parameters (cmdline.c sets them). */
struct sched_config sched_config = {.quantum = 1, .aging = 10, .boost = 50, .seed = 1};

bool sched_policy_uses(const struct sched_policy *p, const char *key)
{
    for (const char *w = p->params; *w;) {
        while (*w == ' ')
            w++;
        const char *k = key;
        while (*k && *w == *k)
            w++, k++;
        if (!*k && (*w == ' ' || !*w))
            return true;
        while (*w && *w != ' ')
            w++;
    }
    return false;
}

uint32_t sched_param(const char *key)
{
    if (kstreq(key, "quantum")) return sched_config.quantum;
    if (kstreq(key, "aging")) return sched_config.aging;
    if (kstreq(key, "boost")) return sched_config.boost;
    if (kstreq(key, "seed")) return sched_config.seed;
    return 0;
}

const struct sched_policy *sched_policy_find(const char *name)
{
    for (unsigned i = 0; sched_policies[i]; i++)
        if (kstreq(sched_policies[i]->name, name))
            return sched_policies[i];
    return NULL;
}
