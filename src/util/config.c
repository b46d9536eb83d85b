/* config.c — defaults and the sova.conf loader; see config.h. Errors name the file
 * and line (keyfile.c finds the line GKeyFile does not give). */
#include "config.h"
#include "error.h"
#include "keyfile.h"
#include "policy/cpu_policy.h"
#include <string.h>

SovaConfig *sova_config_new(void)
{
    SovaConfig *c = g_new0(SovaConfig, 1);
    c->connect = g_strdup(SOVA_DEFAULT_URI);
    c->interval = 1.0;
    c->reconnect_max = 30.0;
    c->affinity_refresh = 60;
    c->cpu_policy = g_strdup("balance");
    c->target_stddev = 5.0;
    c->min_gain = 2.0;
    c->ewma_alpha = 0.7;
    return c;
}

void sova_config_free(SovaConfig *c)
{
    if (!c)
        return;
    g_free(c->path);
    g_free(c->connect);
    g_free(c->cpu_policy);
    sova_cpuset_free(c->reserved);
    g_strfreev(c->exclude);
    g_free(c);
}

static gboolean get_string(const SovaKeyFile *k, const char *group, const char *key, char **out)
{
    char *v = sova_keyfile_get_raw(k, group, key);
    if (v) {
        g_free(*out);
        *out = v;
    }
    return TRUE;
}

static const char *const agent_keys[] = { "connect", "interval", "reconnect-max", "affinity-refresh", NULL };
static const char *const cpu_keys[] = { "policy", "target-stddev", "min-gain", "ewma-alpha",
                                        "reserved", "exclude", NULL };

/* unknown groups or keys are errors: a typo must not silently fall back to a default */
static gboolean check_known(const SovaKeyFile *k, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(k->kf, NULL);
    for (int g = 0; groups[g]; g++) {
        const char *const *known = strcmp(groups[g], "agent") == 0 ? agent_keys
                                 : strcmp(groups[g], "cpu") == 0   ? cpu_keys
                                                                   : NULL;
        if (!known)
            return sova_keyfile_fail(k, groups[g], NULL, error,
                                     "unknown section [%s] (known: [agent], [cpu])", groups[g]);
        g_auto(GStrv) keys = g_key_file_get_keys(k->kf, groups[g], NULL, NULL);
        for (int i = 0; keys[i]; i++)
            if (!g_strv_contains(known, keys[i]))
                return sova_keyfile_fail(k, groups[g], keys[i], error, "unknown key \"%s\" in [%s]",
                                         keys[i], groups[g]);
    }
    return TRUE;
}

static gboolean load_agent(const SovaKeyFile *k, SovaConfig *c, GError **error)
{
    guint64 refresh = c->affinity_refresh;
    if (!get_string(k, "agent", "connect", &c->connect) ||
        !sova_keyfile_get_double(k, "agent", "interval", 0.01, 86400, &c->interval, error) ||
        !sova_keyfile_get_double(k, "agent", "reconnect-max", 0.1, 86400, &c->reconnect_max, error) ||
        !sova_keyfile_get_uint(k, "agent", "affinity-refresh", 0, 1000000, &refresh, error))
        return FALSE;
    c->affinity_refresh = (guint)refresh;
    return TRUE;
}

static gboolean load_cpu(const SovaKeyFile *k, SovaConfig *c, GError **error)
{
    if (!get_string(k, "cpu", "policy", &c->cpu_policy))
        return FALSE;
    if (!sova_cpu_policy_find(c->cpu_policy))
        return sova_keyfile_fail(k, "cpu", "policy", error, "policy: unknown cpu policy \"%s\" (known: %s)",
                                 c->cpu_policy, sova_cpu_policy_list());
    if (!sova_keyfile_get_double(k, "cpu", "target-stddev", 0, 100, &c->target_stddev, error) ||
        !sova_keyfile_get_double(k, "cpu", "min-gain", 0, 100, &c->min_gain, error) ||
        !sova_keyfile_get_double(k, "cpu", "ewma-alpha", 0.01, 1, &c->ewma_alpha, error))
        return FALSE;
    g_autofree char *reserved = sova_keyfile_get_raw(k, "cpu", "reserved");
    if (reserved) {
        g_autoptr(GError) e = NULL;
        SovaCpuSet *set = sova_cpuset_parse(reserved, SOVA_MAX_PCPUS, &e);
        if (!set)
            return sova_keyfile_fail(k, "cpu", "reserved", error, "reserved: %s", e->message);
        sova_cpuset_free(c->reserved);
        c->reserved = set;
    }
    if (g_key_file_has_key(k->kf, "cpu", "exclude", NULL)) {
        g_strfreev(c->exclude);
        c->exclude = g_key_file_get_string_list(k->kf, "cpu", "exclude", NULL, NULL);
    }
    return TRUE;
}

gboolean sova_config_load(SovaConfig *c, const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) e = NULL;
    if (!g_file_get_contents(path, &text, NULL, &e))
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s", e->message), FALSE;
    SovaKeyFile k = { 0 };
    gboolean ok = sova_keyfile_parse(&k, path, text, error) && check_known(&k, error) &&
                  load_agent(&k, c, error) && load_cpu(&k, c, error);
    sova_keyfile_clear(&k);
    if (ok) {
        g_free(c->path);
        c->path = g_strdup(path);
    }
    return ok;
}

gboolean sova_config_validate(const SovaConfig *c, GError **error)
{
    if (!(c->interval > 0)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "the interval must be a positive number of seconds (got %g)", c->interval);
        return FALSE;
    }
    if (!sova_cpu_policy_find(c->cpu_policy)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "unknown cpu policy \"%s\" (known: %s)",
                    c->cpu_policy, sova_cpu_policy_list());
        return FALSE;
    }
    if (!c->connect || !*c->connect) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "empty libvirt URI");
        return FALSE;
    }
    return TRUE;
}
