/* controller_config.c — defaults and the loader of [controller], [host NAME] and
 * [group NAME]; see controller_config.h. The agent's sections ([agent], [cpu], [net])
 * are left to config.c, so one sova.conf serves both; any other section is an error. */
#include "config/controller_config.h"
#include "config/config.h"
#include "util/error.h"
#include "util/keyfile.h"
#include <math.h>
#include <string.h>

#define DEFAULT_INTERVAL 10.0
#define DEFAULT_EWMA 0.5
#define MIB 1048576.0

static const char *const controller_keys[] = { "hosts", "interval", "policy", "threshold",
                                                "high-water", "high-water-samples", "headroom",
                                                "cooldown", "backoff", "max-per-host",
                                                "max-total", "bandwidth", "timeout",
                                                "max-downtime", "migrate-uri", "auto-converge",
                                                "drain-timeout", "weights", "ewma-alpha",
                                                "nic-gbps", "exclude", "sample-threads",
                                                "sample-timeout", "mode", "drs-level", NULL };
static const char *const host_keys[] = { "uri", "maintenance", "exclude", "nic-gbps",
                                          "migrate-uri", NULL };
static const char *const group_keys[] = { "vms", NULL };

void sova_ctl_host_config_free(SovaCtlHostConfig *h)
{
    if (!h)
        return;
    g_free(h->name);
    g_free(h->uri);
    g_free(h->migrate_uri);
    g_free(h);
}

SovaCtlConfig *sova_ctl_config_new(void)
{
    SovaCtlConfig *c = g_new0(SovaCtlConfig, 1);
    c->host_sections = g_ptr_array_new_with_free_func((GDestroyNotify)sova_ctl_host_config_free);
    c->interval = DEFAULT_INTERVAL;
    c->policy = g_strdup("sova");
    c->params = SOVA_CLUSTER_PARAMS_DEFAULT;
    for (int r = 0; r < SOVA_RES_N; r++)
        c->weights[r] = 1.0;
    c->ewma_alpha = DEFAULT_EWMA;
    c->auto_converge = TRUE;
    c->drain_timeout_s = SOVA_CTL_DRAIN_TIMEOUT;
    return c;
}

void sova_ctl_config_free(SovaCtlConfig *c)
{
    if (!c)
        return;
    g_free(c->path);
    g_strfreev(c->hosts);
    g_ptr_array_unref(c->host_sections);
    g_free(c->policy);
    g_free(c->migrate_uri);
    g_strfreev(c->exclude);
    g_strfreev(c->groups);
    g_free(c->metrics_listen);
    g_free(c);
}

/* "host NAME" -> "NAME" (NULL when not that kind of section) */
static const char *section_name(const char *group, const char *kind)
{
    gsize n = strlen(kind);
    if (strncmp(group, kind, n) != 0 || group[n] != ' ')
        return NULL;
    const char *name = group + n + 1;
    return *name ? name : NULL;
}

const char *const *sova_controller_config_keys_of(const char *group)
{
    if (strcmp(group, "controller") == 0)
        return controller_keys;
    if (section_name(group, "host"))
        return host_keys;
    if (section_name(group, "group"))
        return group_keys;
    return NULL;
}

/* weights = CPU;MEMORY;NETWORK */
static gboolean load_weights(const SovaKeyFile *k, SovaCtlConfig *c, GError **error)
{
    g_auto(GStrv) w = NULL;
    if (!sova_keyfile_get_list(k, "controller", "weights", &w, error))
        return FALSE;
    if (!w)
        return TRUE;
    double v[SOVA_RES_N], sum = 0;
    if (g_strv_length(w) != SOVA_RES_N)
        return sova_keyfile_fail(k, "controller", "weights", error,
                                 "weights: give three numbers, cpu;memory;network");
    for (int r = 0; r < SOVA_RES_N; r++) {
        char *end = NULL;
        v[r] = g_ascii_strtod(w[r], &end);
        if (end == w[r] || *end || !(v[r] >= 0 && v[r] <= 1000))
            return sova_keyfile_fail(k, "controller", "weights", error,
                                     "weights: \"%s\" is not a number from 0 to 1000", w[r]);
        sum += v[r];
    }
    if (!(sum > 0))
        return sova_keyfile_fail(k, "controller", "weights", error,
                                 "weights: at least one must be positive");
    memcpy(c->weights, v, sizeof v);
    return TRUE;
}

static gboolean load_policy(const SovaKeyFile *k, SovaCtlConfig *c, GError **error)
{
    g_autofree char *p = NULL;
    if (!sova_keyfile_get_string(k, "controller", "policy", &p, error))
        return FALSE;
    if (!p)
        return TRUE;
    if (!sova_cluster_policy_find(p))
        return sova_keyfile_fail(k, "controller", "policy", error,
                                 "policy: unknown cluster policy \"%s\" (known: %s)", p,
                                 sova_cluster_policy_list());
    g_free(c->policy);
    c->policy = g_steal_pointer(&p);
    return TRUE;
}

static gboolean load_migration(const SovaKeyFile *k, SovaCtlConfig *c, GError **error)
{
    const char *g = "controller";
    /* 0 turns each off; below its minimum it would round to 0 in libvirt (bandwidth) or
     * abort every migration at once (timeout) */
    if (!sova_keyfile_get_double_or_zero(k, g, "bandwidth", SOVA_CTL_MIN_BANDWIDTH, 1e6,
                                         &c->bandwidth_MiBps, error) ||
        !sova_keyfile_get_double_or_zero(k, g, "timeout", SOVA_CTL_MIN_TIMEOUT, 86400,
                                         &c->timeout_s, error) ||
        !sova_keyfile_get_double_or_zero(k, g, "max-downtime", SOVA_CTL_MIN_DOWNTIME, 600000,
                                         &c->max_downtime_ms, error) ||
        !sova_keyfile_get_bool(k, g, "auto-converge", &c->auto_converge, error) ||
        !sova_keyfile_get_double(k, g, "drain-timeout", SOVA_CTL_MIN_DRAIN_TIMEOUT,
                                 SOVA_CTL_MAX_DRAIN_TIMEOUT, &c->drain_timeout_s, error) ||
        !sova_keyfile_get_guint(k, g, "sample-threads", 1, 1024, &c->sample_threads, error) ||
        !sova_keyfile_get_double(k, g, "sample-timeout", 0.1, 3600, &c->sample_timeout_s,
                                 error))
        return FALSE;
    g_autofree char *uri = NULL;
    if (!sova_keyfile_get_string(k, g, "migrate-uri", &uri, error))
        return FALSE;
    if (uri) {
        g_free(c->migrate_uri);
        c->migrate_uri = *uri ? g_steal_pointer(&uri) : NULL;
    }
    /* the cost model's link speed and downtime limit follow the migration's */
    if (c->bandwidth_MiBps > 0)
        c->params.bandwidth_Bps = c->bandwidth_MiBps * MIB;
    if (c->max_downtime_ms > 0)
        c->params.max_downtime_s = c->max_downtime_ms / 1000.0;
    return TRUE;
}

static gboolean load_controller(const SovaKeyFile *k, SovaCtlConfig *c, GError **error)
{
    const char *g = "controller";
    SovaClusterParams *p = &c->params;
    return sova_keyfile_get_list(k, g, "hosts", &c->hosts, error) &&
           sova_keyfile_get_list(k, g, "exclude", &c->exclude, error) &&
           sova_keyfile_get_double(k, g, "interval", SOVA_MIN_INTERVAL, SOVA_MAX_INTERVAL,
                                   &c->interval, error) &&
           load_policy(k, c, error) && sova_config_get_mode(k, "controller", &c->mode, error) &&
           sova_keyfile_get_double(k, g, "threshold", 0, 1, &p->threshold, error) &&
           sova_keyfile_get_double(k, g, "high-water", 0, 10, &p->high_water, error) &&
           sova_keyfile_get_guint(k, "controller", "high-water-samples", 1, 100000,
                                  &p->high_water_samples, error) &&
           sova_keyfile_get_double(k, g, "headroom", 0, 0.99, &p->headroom, error) &&
           sova_keyfile_get_double(k, g, "cooldown", 0, 1e7, &p->cooldown_s, error) &&
           sova_keyfile_get_double(k, g, "backoff", 0, 1e7, &p->backoff_s, error) &&
           sova_keyfile_get_guint(k, "controller", "max-per-host", 1, 1000, &p->max_per_host,
                                  error) &&
           sova_keyfile_get_guint(k, "controller", "max-total", 1, 100000, &p->max_total, error) &&
           sova_keyfile_get_guint(k, "controller", "drs-level", 1, 5, &p->drs_level, error) &&
           sova_keyfile_get_double(k, g, "ewma-alpha", 0.01, 1, &c->ewma_alpha, error) &&
           sova_keyfile_get_double(k, g, "nic-gbps", 0, 1e6, &c->nic_gbps, error) &&
           load_weights(k, c, error) && load_migration(k, c, error);
}

static SovaCtlHostConfig *find_section(const SovaCtlConfig *c, const char *name)
{
    for (guint i = 0; i < c->host_sections->len; i++) {
        SovaCtlHostConfig *h = g_ptr_array_index(c->host_sections, i);
        if (strcmp(h->name, name) == 0)
            return h;
    }
    return NULL;
}

static gboolean load_host(const SovaKeyFile *k, SovaCtlConfig *c, const char *group,
                          const char *name, GError **error)
{
    SovaCtlHostConfig *h = find_section(c, name);
    if (!h) {
        h = g_new0(SovaCtlHostConfig, 1);
        h->name = g_strdup(name);
        g_ptr_array_add(c->host_sections, h);
    }
    if (!sova_keyfile_get_string(k, group, "uri", &h->uri, error))
        return FALSE;
    if (!h->uri || !*h->uri)
        return sova_keyfile_fail(k, group, NULL, error, "[%s] needs a uri", group);
    g_autofree char *data = NULL;
    if (!sova_keyfile_get_string(k, group, "migrate-uri", &data, error))
        return FALSE;
    if (data) {
        g_free(h->migrate_uri);
        h->migrate_uri = *data ? g_steal_pointer(&data) : NULL;
    }
    return sova_keyfile_get_bool(k, group, "maintenance", &h->maintenance, error) &&
           sova_keyfile_get_bool(k, group, "exclude", &h->excluded, error) &&
           sova_keyfile_get_double(k, group, "nic-gbps", 0, 1e6, &h->nic_gbps, error);
}

/* [group NAME] vms = a;b  ->  "NAME:a,b" */
static gboolean load_group(const SovaKeyFile *k, SovaCtlConfig *c, const char *group,
                           const char *name, GError **error)
{
    g_auto(GStrv) vms = NULL;
    if (!sova_keyfile_get_list(k, group, "vms", &vms, error))
        return FALSE;
    if (!vms || !vms[0])
        return sova_keyfile_fail(k, group, NULL, error, "[%s] needs vms (a ;-separated list)",
                                 group);
    if (strchr(name, ':'))
        return sova_keyfile_fail(k, group, NULL, error, "group name \"%s\" must not contain ':'",
                                 name);
    g_autofree char *members = g_strjoinv(",", vms);
    g_autofree char *entry = g_strdup_printf("%s:%s", name, members);
    GStrvBuilder *b = g_strv_builder_new();
    if (c->groups)
        g_strv_builder_addv(b, (const char **)c->groups);
    g_strv_builder_add(b, entry);
    g_strfreev(c->groups);
    c->groups = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return TRUE;
}

static gboolean load_sections(const SovaKeyFile *k, SovaCtlConfig *c, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(k->kf, NULL);
    for (int g = 0; groups[g]; g++) {
        const char *host = section_name(groups[g], "host");
        const char *grp = section_name(groups[g], "group");
        if (host && !load_host(k, c, groups[g], host, error))
            return FALSE;
        if (grp && !load_group(k, c, groups[g], grp, error))
            return FALSE;
    }
    return TRUE;
}

gboolean sova_ctl_config_load_data(SovaCtlConfig *c, const char *path, const char *text,
                                   GError **error)
{
    SovaKeyFile k = { 0 };
    gboolean ok = sova_keyfile_parse(&k, path, text, error) &&
                  sova_keyfile_check_duplicates(&k, error) &&
                  sova_keyfile_check_known(&k, sova_controller_config_keys_of,
                                           sova_config_keys_of, SOVA_CONFIG_SECTIONS, error) &&
                  load_controller(&k, c, error) && load_sections(&k, c, error) &&
                  sova_config_load_listen(&k, "controller-listen", &c->metrics_listen, error);
    sova_keyfile_clear(&k);
    if (ok) {
        g_free(c->path);
        c->path = g_strdup(path);
    }
    return ok;
}

gboolean sova_ctl_config_load(SovaCtlConfig *c, const char *path, GError **error)
{
    g_autofree char *text = sova_keyfile_read(path, error);
    return text && sova_ctl_config_load_data(c, path, text, error);
}

gboolean sova_ctl_config_validate(const SovaCtlConfig *c, GError **error)
{
    if (!sova_config_check_interval("interval", c->interval, error))
        return FALSE;
    if (!(isfinite(c->drain_timeout_s) && c->drain_timeout_s >= SOVA_CTL_MIN_DRAIN_TIMEOUT &&
          c->drain_timeout_s <= SOVA_CTL_MAX_DRAIN_TIMEOUT)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "the drain-timeout must be a number of seconds from %g to %g (got %g)",
                    SOVA_CTL_MIN_DRAIN_TIMEOUT, SOVA_CTL_MAX_DRAIN_TIMEOUT, c->drain_timeout_s);
        return FALSE;
    }
    if (!sova_cluster_policy_find(c->policy)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "unknown cluster policy \"%s\" (known: %s)", c->policy,
                    sova_cluster_policy_list());
        return FALSE;
    }
    if (!(c->hosts && c->hosts[0]) && c->host_sections->len == 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "no hosts: give --host URI (one per host) or [controller] hosts");
        return FALSE;
    }
    return TRUE;
}

char *sova_ctl_host_name_from_uri(const char *uri)
{
    g_autoptr(GUri) u = g_uri_parse(uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL);
    const char *host = u ? g_uri_get_host(u) : NULL;
    return g_strdup(host && *host ? host : uri);
}

static SovaCtlHostConfig *host_copy(const SovaCtlHostConfig *h)
{
    SovaCtlHostConfig *c = g_new0(SovaCtlHostConfig, 1);
    c->name = g_strdup(h->name);
    c->uri = g_strdup(h->uri);
    c->maintenance = h->maintenance;
    c->excluded = h->excluded;
    c->nic_gbps = h->nic_gbps;
    c->migrate_uri = g_strdup(h->migrate_uri);
    return c;
}

static gboolean name_taken(GPtrArray *hosts, const char *name)
{
    for (guint i = 0; i < hosts->len; i++)
        if (strcmp(((SovaCtlHostConfig *)g_ptr_array_index(hosts, i))->name, name) == 0)
            return TRUE;
    return FALSE;
}

/* a host given only by URI: its [host NAME] when one has that uri, else a new entry */
static SovaCtlHostConfig *host_for_uri(const SovaCtlConfig *c, GPtrArray *hosts, const char *uri)
{
    for (guint i = 0; i < c->host_sections->len; i++) {
        SovaCtlHostConfig *h = g_ptr_array_index(c->host_sections, i);
        if (strcmp(h->uri, uri) == 0)
            return host_copy(h);
    }
    SovaCtlHostConfig *h = g_new0(SovaCtlHostConfig, 1);
    h->uri = g_strdup(uri);
    g_autofree char *base = sova_ctl_host_name_from_uri(uri);
    h->name = g_strdup(base);
    for (guint n = 2; name_taken(hosts, h->name); n++) {
        g_free(h->name);
        h->name = g_strdup_printf("%s#%u", base, n);
    }
    return h;
}

static gboolean apply_maintenance(GPtrArray *hosts, char **maintenance, GError **error)
{
    for (int i = 0; maintenance && maintenance[i]; i++) {
        gboolean found = FALSE;
        for (guint h = 0; h < hosts->len; h++) {
            SovaCtlHostConfig *hc = g_ptr_array_index(hosts, h);
            if (strcmp(hc->name, maintenance[i]) == 0 || strcmp(hc->uri, maintenance[i]) == 0)
                hc->maintenance = found = TRUE;
        }
        if (!found) {
            g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                        "--maintenance %s: no such host (give a host name or URI)",
                        maintenance[i]);
            return FALSE;
        }
    }
    return TRUE;
}

GPtrArray *sova_ctl_config_hosts(const SovaCtlConfig *c, char **maintenance, GError **error)
{
    g_autoptr(GPtrArray) hosts =
        g_ptr_array_new_with_free_func((GDestroyNotify)sova_ctl_host_config_free);
    for (int i = 0; c->hosts && c->hosts[i]; i++) {
        const SovaCtlHostConfig *sec = find_section(c, c->hosts[i]);
        SovaCtlHostConfig *h = sec ? host_copy(sec) : host_for_uri(c, hosts, c->hosts[i]);
        if (name_taken(hosts, h->name)) {
            sova_ctl_host_config_free(h);   /* the same host twice: once is enough */
            continue;
        }
        g_ptr_array_add(hosts, h);
    }
    for (guint i = 0; !(c->hosts && c->hosts[0]) && i < c->host_sections->len; i++)
        g_ptr_array_add(hosts, host_copy(g_ptr_array_index(c->host_sections, i)));
    if (hosts->len == 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "no hosts: give --host URI (one per host) or [controller] hosts");
        return NULL;
    }
    if (!apply_maintenance(hosts, maintenance, error))
        return NULL;
    return g_steal_pointer(&hosts);
}
