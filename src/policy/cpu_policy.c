/* cpu_policy.c — the registry of cpu policies, by name. */
#include "cpu_policy.h"
#include <string.h>

static const SovaCpuPolicy *const policies[] = {
    &sova_cpu_policy_balance,
    &sova_cpu_policy_zigzag,
    &sova_cpu_policy_lpt,
};

const SovaCpuPolicy *sova_cpu_policy_find(const char *name)
{
    for (gsize i = 0; name && i < G_N_ELEMENTS(policies); i++)
        if (strcmp(policies[i]->name, name) == 0)
            return policies[i];
    return NULL;
}

const char *sova_cpu_policy_list(void)
{
    return "balance, zigzag, lpt";
}
