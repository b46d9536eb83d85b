/* cpu_policy.c — the registry of cpu policies, by name. */
#include "policy/cpu_policy.h"
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
    static char *list;      /* built once from the registry above */
    if (g_once_init_enter(&list)) {
        GString *s = g_string_new(NULL);
        for (gsize i = 0; i < G_N_ELEMENTS(policies); i++)
            g_string_append_printf(s, "%s%s", i ? ", " : "", policies[i]->name);
        g_once_init_leave(&list, g_string_free(s, FALSE));
    }
    return list;
}
