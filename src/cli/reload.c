/* reload.c — SIGHUP reloads sova.conf in the running agent or controller; see reload.h. */
#include "cli/reload.h"
#include "cli/cli.h"
#include "cli/cli_cluster.h"
#include "config/config_reload.h"
#include "util/error.h"
#include "util/log.h"
#include <glib-unix.h>
#include <signal.h>

static gboolean on_hup(gpointer data)
{
    SovaReload *r = data;
    g_atomic_int_set(&r->pending, 1);
    return G_SOURCE_CONTINUE;
}

/* the file to read: --config, else the default one when it exists (NULL: none) */
static const char *file_of(const SovaReload *r)
{
    if (r->config)
        return r->config;
    return g_file_test(SOVA_DEFAULT_CONFIG, G_FILE_TEST_EXISTS) ? SOVA_DEFAULT_CONFIG : NULL;
}

void sova_reload_start(SovaReload *r, const char *config, const char *const *overridden,
                       SovaNotify *notify)
{
    r->config = g_strdup(config);
    const char *path = file_of(r);
    r->start_text = path ? sova_keyfile_read(path, NULL) : NULL;
    r->text = g_strdup(r->start_text);
    r->overridden = g_strdupv((char **)overridden);
    r->notify = notify;
    r->pending = 0;
    r->source = g_unix_signal_add(SIGHUP, on_hup, r);
}

void sova_reload_stop(SovaReload *r)
{
    if (r->source)
        g_source_remove(r->source);
    r->source = 0;
    g_clear_pointer(&r->config, g_free);
    g_clear_pointer(&r->start_text, g_free);
    g_clear_pointer(&r->text, g_free);
    g_clear_pointer(&r->overridden, g_strfreev);
}

/* a reload is pending: the file's text ("" for no file) and its path (NULL for none);
 * NULL when none is pending or the file cannot be read (then logged) */
static char *take(SovaReload *r, const char **path)
{
    if (!g_atomic_int_compare_and_exchange(&r->pending, 1, 0))
        return NULL;
    *path = file_of(r);
    if (!*path)
        return g_strdup("");
    g_autoptr(GError) err = NULL;
    char *text = sova_keyfile_read(*path, &err);
    if (!text)
        sova_warn("reload: %s: %s; the running configuration is kept", *path, err->message);
    return text;
}

static void failed(const GError *err)
{
    sova_warn("reload: %s; the running configuration is kept", err->message);
}

static char *join(GPtrArray *keys)
{
    g_ptr_array_add(keys, NULL);
    return g_strjoinv(", ", (char **)keys->pdata);
}

/* logs what the new text changes against the running one, and keeps it */
static void applied(SovaReload *r, const char *path, char *text, SovaKeyfileKeysOf owns)
{
    const char *name = path ? path : "no configuration file";
    g_autoptr(GPtrArray) now = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) cmd = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func(g_free);
    sova_config_changes(r->text, text, owns, changed, NULL);
    sova_config_changes(r->start_text, text, owns, NULL, kept);
    for (guint i = 0; i < changed->len; i++) {
        char *key = g_ptr_array_index(changed, i);
        g_ptr_array_add(r->overridden && g_strv_contains((const char *const *)r->overridden, key)
                            ? cmd : now, g_strdup(key));
    }
    g_autofree char *s_now = join(now), *s_cmd = join(cmd), *s_kept = join(kept);
    if (now->len > 1)
        sova_info("reload: %s: %s changed: applied from the next interval", name, s_now);
    else
        sova_info("reload: %s: no setting that can change at run time changed", name);
    if (cmd->len > 1)
        sova_info("reload: %s: the command line's options still override %s", name, s_cmd);
    if (kept->len > 1)
        sova_warn("reload: %s: %s changed, but %s only with a restart; the running value is "
                  "kept", name, s_kept, kept->len > 2 ? "these change" : "it changes");
    g_free(r->text);
    r->text = text;
}

void sova_reload_agent(SovaAgent *a, gpointer data)
{
    SovaReload *r = data;
    sova_notify_alive(r->notify);   /* the loop came round: not hung (notify.c) */
    const char *path = NULL;
    g_autofree char *text = take(r, &path);
    if (!text)
        return;
    g_autoptr(SovaConfig) cfg = sova_config_new();
    g_autoptr(GError) err = NULL;
    if ((path && !sova_config_load_data(cfg, path, text, &err)) || !r->apply(cfg, r->opts) ||
        !sova_config_validate(cfg, &err)) {
        if (err)
            failed(err);
        return;
    }
    sova_agent_reconfigure(a, cfg, sova_cpu_policy_find(cfg->cpu_policy));
    sova_notify_set_interval(r->notify, MAX(cfg->interval, cfg->reconnect_max));
    applied(r, path, g_steal_pointer(&text), sova_config_keys_of);
}

/* the new configuration's hosts, by the running host list; NULL with error */
static GPtrArray *controller_hosts(SovaReload *r, SovaCtlConfig *cfg, GError **error)
{
    const SovaCliCluster *cl = r->cluster;
    g_strfreev(cfg->hosts);   /* the host list stays the running one */
    cfg->hosts = g_strdupv(cl->cfg->hosts);
    if (!sova_ctl_config_validate(cfg, error))
        return NULL;
    return sova_ctl_config_hosts(cfg, r->maintenance, error);
}

void sova_reload_controller(SovaController *c, gpointer data)
{
    SovaReload *r = data;
    sova_notify_alive(r->notify);   /* the loop came round: not hung (notify.c) */
    const char *path = NULL;
    g_autofree char *text = take(r, &path);
    if (!text)
        return;
    g_autoptr(SovaCtlConfig) cfg = sova_ctl_config_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) hosts = NULL;
    if ((path && !sova_ctl_config_load_data(cfg, path, text, &err)) || !r->apply(cfg, r->opts) ||
        !(hosts = controller_hosts(r, cfg, &err))) {
        if (err)
            failed(err);
        return;
    }
    g_autofree SovaControllerHost *h = g_new0(SovaControllerHost, hosts->len);
    for (guint i = 0; i < hosts->len; i++) {
        const SovaCtlHostConfig *hc = g_ptr_array_index(hosts, i);
        h[i] = (SovaControllerHost){ .name = hc->name, .maintenance = hc->maintenance,
                                     .excluded = hc->excluded, .migrate_uri = hc->migrate_uri };
    }
    SovaControllerOptions co;
    sova_ctl_config_options(cfg, &co);
    sova_controller_reconfigure(c, h, hosts->len, sova_cluster_policy_find(cfg->policy), &co);
    sova_notify_set_interval(r->notify, co.interval);
    applied(r, path, g_steal_pointer(&text), sova_controller_config_keys_of);
}
