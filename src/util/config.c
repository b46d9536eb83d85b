/* config.c — defaults and the key-file loader; see config.h.
 *
 * GKeyFile parses the syntax (and reports syntax errors with line numbers), but it
 * does not tell on which line a value stands. Operators want "sova.conf:12: ...",
 * so after loading we find a key's line by scanning the text ourselves. */
#include "config.h"
#include "error.h"
#include "policy/cpu_policy.h"
#include <errno.h>
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

/* The line on which `key` of `[group]` stands in `text`, or 0. */
static int key_line(const char *text, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean in_group = FALSE;
    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        if (l[0] == '[') {
            g_autofree char *want = g_strdup_printf("[%s]", group);
            in_group = strcmp(l, want) == 0;
        } else if (in_group && g_str_has_prefix(l, key)) {
            const char *rest = l + strlen(key);
            while (*rest == ' ' || *rest == '\t')
                rest++;
            if (*rest == '=')
                return i + 1;
        }
    }
    return 0;
}

typedef struct {
    const char *path;
    const char *text;
    GKeyFile *kf;
} Loader;

static gboolean fail(const Loader *ld, const char *group, const char *key, GError **error,
                     const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static gboolean fail(const Loader *ld, const char *group, const char *key, GError **error,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    int line = key ? key_line(ld->text, group, key) : 0;
    if (line)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s:%d: %s", ld->path, line, msg);
    else
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s: %s", ld->path, msg);
    return FALSE;
}

static gboolean get_double(const Loader *ld, const char *group, const char *key, double lo,
                           double hi, double *out, GError **error)
{
    if (!g_key_file_has_key(ld->kf, group, key, NULL))
        return TRUE;
    g_autofree char *s = g_key_file_get_string(ld->kf, group, key, NULL);
    char *end = NULL;
    errno = 0;
    double v = g_ascii_strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return fail(ld, group, key, error, "%s: \"%s\" is not a number between %g and %g", key, s, lo, hi);
    *out = v;
    return TRUE;
}

static gboolean get_string(const Loader *ld, const char *group, const char *key, char **out)
{
    if (!g_key_file_has_key(ld->kf, group, key, NULL))
        return TRUE;
    g_free(*out);
    *out = g_key_file_get_string(ld->kf, group, key, NULL);
    return TRUE;
}

static const char *const agent_keys[] = { "connect", "interval", "reconnect-max", "affinity-refresh", NULL };
static const char *const cpu_keys[] = { "policy", "target-stddev", "min-gain", "ewma-alpha",
                                        "reserved", "exclude", NULL };

/* unknown groups or keys are errors: a typo must not silently fall back to a default */
static gboolean check_known(const Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->kf, NULL);
    for (int g = 0; groups[g]; g++) {
        const char *const *known = strcmp(groups[g], "agent") == 0 ? agent_keys
                                 : strcmp(groups[g], "cpu") == 0   ? cpu_keys
                                                                   : NULL;
        if (!known) {
            g_autofree char *hdr = g_strdup_printf("[%s]", groups[g]);
            g_auto(GStrv) lines = g_strsplit(ld->text, "\n", -1);
            int line = 0;
            for (int i = 0; lines[i] && !line; i++)
                if (strstr(lines[i], hdr))
                    line = i + 1;
            return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                               "%s:%d: unknown section [%s] (known: [agent], [cpu])", ld->path,
                               line, groups[g]), FALSE;
        }
        g_auto(GStrv) keys = g_key_file_get_keys(ld->kf, groups[g], NULL, NULL);
        for (int k = 0; keys[k]; k++)
            if (!g_strv_contains(known, keys[k]))
                return fail(ld, groups[g], keys[k], error, "unknown key \"%s\" in [%s]", keys[k], groups[g]);
    }
    return TRUE;
}

static gboolean load_agent(const Loader *ld, SovaConfig *c, GError **error)
{
    double refresh = c->affinity_refresh;
    if (!get_string(ld, "agent", "connect", &c->connect) ||
        !get_double(ld, "agent", "interval", 0.01, 86400, &c->interval, error) ||
        !get_double(ld, "agent", "reconnect-max", 0.1, 86400, &c->reconnect_max, error) ||
        !get_double(ld, "agent", "affinity-refresh", 0, 1e6, &refresh, error))
        return FALSE;
    if (refresh != (guint)refresh)
        return fail(ld, "agent", "affinity-refresh", error, "affinity-refresh: must be a whole number of intervals");
    c->affinity_refresh = (guint)refresh;
    return TRUE;
}

static gboolean load_cpu(const Loader *ld, SovaConfig *c, GError **error)
{
    if (!get_string(ld, "cpu", "policy", &c->cpu_policy))
        return FALSE;
    if (!sova_cpu_policy_find(c->cpu_policy))
        return fail(ld, "cpu", "policy", error, "policy: unknown cpu policy \"%s\" (known: %s)",
                    c->cpu_policy, sova_cpu_policy_list());
    if (!get_double(ld, "cpu", "target-stddev", 0, 100, &c->target_stddev, error) ||
        !get_double(ld, "cpu", "min-gain", 0, 100, &c->min_gain, error) ||
        !get_double(ld, "cpu", "ewma-alpha", 0.01, 1, &c->ewma_alpha, error))
        return FALSE;
    if (g_key_file_has_key(ld->kf, "cpu", "reserved", NULL)) {
        g_autofree char *s = g_key_file_get_string(ld->kf, "cpu", "reserved", NULL);
        g_autoptr(GError) e = NULL;
        SovaCpuSet *set = sova_cpuset_parse(s, SOVA_MAX_PCPUS, &e);
        if (!set)
            return fail(ld, "cpu", "reserved", error, "reserved: %s", e->message);
        sova_cpuset_free(c->reserved);
        c->reserved = set;
    }
    if (g_key_file_has_key(ld->kf, "cpu", "exclude", NULL)) {
        g_strfreev(c->exclude);
        c->exclude = g_key_file_get_string_list(ld->kf, "cpu", "exclude", NULL, NULL);
    }
    return TRUE;
}

gboolean sova_config_load(SovaConfig *c, const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) e = NULL;
    if (!g_file_get_contents(path, &text, NULL, &e))
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s", e->message), FALSE;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &e))
        /* GLib's message carries the line: "Key file contains line “x” which is not ..." */
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s: %s", path, e->message), FALSE;
    Loader ld = { .path = path, .text = text, .kf = kf };
    if (!check_known(&ld, error) || !load_agent(&ld, c, error) || !load_cpu(&ld, c, error))
        return FALSE;
    g_free(c->path);
    c->path = g_strdup(path);
    return TRUE;
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
