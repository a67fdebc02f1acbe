/*
 * policies.c - the table of scheduling policies, one line each.
 *
 * To add a policy: write kernel/sched_NAME.c defining
 * `const struct sched_policy sched_NAME`, then add X(NAME) below. The first
 * entry is the default for sched=. (docs/lab-policy.md walks through it.)
 */
#include <stddef.h>

#include "sched.h"

#define POLICIES(X) \
    X(rr)

#define DECLARE(name) extern const struct sched_policy sched_##name;
#define ENTRY(name) &sched_##name,
POLICIES(DECLARE)

const struct sched_policy *const sched_policies[] = {POLICIES(ENTRY) NULL};

/* The policies' parameters (cmdline.c sets them). */
struct sched_config sched_config = {.quantum = 1};

const struct sched_policy *sched_policy_find(const char *name)
{
    for (unsigned i = 0; sched_policies[i]; i++) {
        const char *a = sched_policies[i]->name, *b = name;
        while (*a && *a == *b)
            a++, b++;
        if (*a == '\0' && *b == '\0')
            return sched_policies[i];
    }
    return NULL;
}
