/*
 * policies.c - the table of scheduling policies, one line each.
 *
 * To add a policy: write kernel/sched/sched_NAME.c defining
 * `const struct sched_policy sched_NAME`, then add one line `X(NAME) \` to
 * the list below. The first entry is the default for sched=.
 * (docs/lab-policy.md walks through it.)
 */
#include <stddef.h>

#include "sched/sched.h"
#include "lib/kprintf.h"
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

/* The next key of a policy's params list ("quantum aging") from w, into
 * key (cut at size - 1); returns where the list goes on, NULL at its end. */
static const char *next_param(const char *w, char *key, size_t size)
{
    while (*w == ' ')
        w++;
    if (!*w)
        return NULL;
    size_t n = 0;
    for (; *w && *w != ' '; w++)
        if (n + 1 < size)
            key[n++] = *w;
    key[n] = '\0';
    return w;
}

bool sched_policy_uses(const struct sched_policy *p, const char *key)
{
    char k[16];
    for (const char *w = p->params; (w = next_param(w, k, sizeof k));)
        if (kstreq(k, key))
            return true;
    return false;
}

void sched_format_params(const struct sched_policy *p, char *out, size_t size)
{
    char k[16];
    size_t len = 0;
    out[0] = '\0';
    for (const char *w = p->params; len + 1 < size && (w = next_param(w, k, sizeof k));) {
        int n = ksnprintf(out + len, size - len, " %s=%u", k, (unsigned)sched_param(k));
        len = n > 0 && len + (size_t)n < size ? len + (size_t)n : size - 1;
    }
}

const char *const sched_param_names[] = {"quantum", "aging", "boost", "seed", NULL};

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
