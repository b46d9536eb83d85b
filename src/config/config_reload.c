/* config_reload.c — the keys a running daemon takes on SIGHUP, and what a new text of
 * sova.conf changes; see config_reload.h. */
#include "config/config_reload.h"
#include <string.h>

/* per section: the keys applied at the next interval after a reload */
static const char *const agent_reload[] = { "interval", "reconnect-max", "mode", NULL };
static const char *const cpu_reload[] = { "policy", "target-stddev", "min-gain", "ewma-alpha",
                                          "reserved", "exclude", NULL };
static const char *const net_reload[] = { "enter", "exit", "exit-intervals", "margin",
                                          "challenge-intervals", "min-dwell", "max-switches",
                                          "bytes-per-point", "exclude", "blind-half-life", NULL };
static const char *const controller_reload[] = { "interval", "policy", "threshold",
                                                 "high-water", "high-water-samples",
                                                 "headroom", "cooldown", "backoff",
                                                 "max-per-host", "max-total", "bandwidth",
                                                 "timeout", "max-downtime", "migrate-uri",
                                                 "auto-converge", "drain-timeout", "weights",
                                                 "ewma-alpha", "exclude", "mode", "drs-level",
                                                 NULL };
static const char *const host_reload[] = { "maintenance", "exclude", "migrate-uri", NULL };
static const char *const group_reload[] = { "vms", NULL };

static const struct {
    const char *section;      /* "host" stands for every [host NAME] */
    const char *const *keys;
} reload_lists[] = {
    { "agent", agent_reload },     { "cpu", cpu_reload },   { "net", net_reload },
    { "controller", controller_reload }, { "host", host_reload }, { "group", group_reload },
};

gboolean sova_config_key_reloads(const char *group, const char *key)
{
    gsize n = strcspn(group, " ");   /* "host NAME" -> "host" */
    for (guint i = 0; i < G_N_ELEMENTS(reload_lists); i++)
        if (strlen(reload_lists[i].section) == n &&
            strncmp(reload_lists[i].section, group, n) == 0)
            return g_strv_contains(reload_lists[i].keys, key);
    return FALSE;
}

static void parse(SovaKeyFile *k, const char *text)
{
    if (!sova_keyfile_parse(k, "sova.conf", text ? text : "", NULL)) {
        sova_keyfile_clear(k);   /* cannot happen for a text that loaded: no keys */
        sova_keyfile_parse(k, "sova.conf", "", NULL);
    }
}

/* the keys of `a`'s sections that `owns` knows whose value in `b` differs (or is absent);
 * with `both` FALSE only keys absent from b (the other direction was done) */
static void diff(const SovaKeyFile *a, const SovaKeyFile *b, SovaKeyfileKeysOf owns,
                 gboolean both, GPtrArray *reloads, GPtrArray *kept)
{
    g_auto(GStrv) groups = g_key_file_get_groups(a->kf, NULL);
    for (int g = 0; groups[g]; g++) {
        if (!owns(groups[g]))
            continue;
        g_auto(GStrv) keys = g_key_file_get_keys(a->kf, groups[g], NULL, NULL);
        for (int i = 0; keys && keys[i]; i++) {
            g_autofree char *va = sova_keyfile_get_raw(a, groups[g], keys[i]);
            g_autofree char *vb = sova_keyfile_get_raw(b, groups[g], keys[i]);
            if (vb ? !both || g_strcmp0(va, vb) == 0 : FALSE)
                continue;
            GPtrArray *to = sova_config_key_reloads(groups[g], keys[i]) ? reloads : kept;
            if (to)
                g_ptr_array_add(to, g_strdup_printf("[%s] %s", groups[g], keys[i]));
        }
    }
}

void sova_config_changes(const char *before, const char *after, SovaKeyfileKeysOf owns,
                         GPtrArray *reloads, GPtrArray *kept)
{
    SovaKeyFile a = { 0 }, b = { 0 };
    parse(&a, after);
    parse(&b, before);
    diff(&a, &b, owns, TRUE, reloads, kept);    /* set in the new text, and changed */
    diff(&b, &a, owns, FALSE, reloads, kept);   /* set before, gone now */
    sova_keyfile_clear(&a);
    sova_keyfile_clear(&b);
}
