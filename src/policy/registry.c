/* registry.c — policies by name, for every plane; see registry.h. */
#include "policy/registry.h"
#include <string.h>

const SovaPolicy *sova_registry_find(const SovaRegistry *r, const char *name)
{
    for (gsize i = 0; name && i < r->n; i++)
        if (strcmp(r->policies[i]->name, name) == 0)
            return r->policies[i];
    return NULL;
}

const char *sova_registry_list(SovaRegistry *r)
{
    if (g_once_init_enter(&r->list)) {
        GString *s = g_string_new(NULL);
        for (gsize i = 0; i < r->n; i++)
            g_string_append_printf(s, "%s%s", i ? ", " : "", r->policies[i]->name);
        g_once_init_leave(&r->list, g_string_free(s, FALSE));
    }
    return r->list;
}

gpointer sova_policy_state_new(const SovaPolicy *p)
{
    return p->state_new ? p->state_new() : NULL;
}

void sova_policy_state_free(const SovaPolicy *p, gpointer state)
{
    if (p->state_free)
        p->state_free(state);
}

void sova_policy_feedback(const SovaPolicy *p, gpointer state, const SovaPlan *plan,
                          const SovaPlanResults *results)
{
    if (p->feedback && plan && results)
        p->feedback(state, plan, results);
}
