/* cli_cluster.c — loading the controller's configuration and opening one libvirt backend
 * per host, for `sova controller` and `sova status --host`; see cli_cluster.h.
 *
 * Every host is opened with the net plane's reading on (each VM's NICs, its sova
 * metadata: VF roles, no-migrate, groups, the agent's VF signals) and without a local
 * host NIC (the controller is not on the hosts it reads). */
#include "cli/cli.h"
#include "cli/cli_cluster.h"
#include "backend/libvirt/libvirt_backend.h"
#include <stdio.h>
#include <string.h>

static SovaCtlConfig *load_ctl_config(const char *path)
{
    g_autoptr(SovaCtlConfig) cfg = sova_ctl_config_new();
    g_autoptr(GError) err = NULL;
    const char *file = path ? path : SOVA_DEFAULT_CONFIG;
    if (!path && !g_file_test(file, G_FILE_TEST_EXISTS))
        return g_steal_pointer(&cfg);
    if (!sova_ctl_config_load(cfg, file, &err)) {
        g_printerr("sova: %s\n", err->message);
        return NULL;
    }
    return g_steal_pointer(&cfg);
}

gboolean sova_cli_cluster_load(SovaCliCluster *cl, const char *config, char **hosts)
{
    memset(cl, 0, sizeof *cl);
    cl->cfg = load_ctl_config(config);
    cl->agent_cfg = cl->cfg ? sova_cli_config(config) : NULL;
    if (!cl->agent_cfg)
        return FALSE;
    if (hosts && hosts[0]) {
        g_strfreev(cl->cfg->hosts);
        cl->cfg->hosts = g_strdupv(hosts);
    }
    return TRUE;
}

static SovaBackend *open_host(const SovaCliCluster *cl, const SovaCtlHostConfig *h)
{
    static const char *const writes[] = { SOVA_META_CTL_NS, NULL };
    SovaLibvirtOptions lo = sova_cli_backend_options(cl->agent_cfg);
    lo.affinity_refresh = 0;  /* the controller does not read pins */
    lo.net = TRUE;
    lo.host_nic = NULL;
    lo.nic_gbps = h->nic_gbps > 0 ? h->nic_gbps : cl->cfg->nic_gbps;
    lo.meta_writes = writes;
    lo.connect_later = TRUE;
    lo.cluster_reads = TRUE;  /* CPU totals in one call, no pins: 3 calls a host */
    return sova_libvirt_backend_open(h->uri, &lo, NULL);
}

gboolean sova_cli_cluster_connect(SovaCliCluster *cl, char **maintenance)
{
    g_autoptr(GError) err = NULL;
    if (!sova_ctl_config_validate(cl->cfg, &err) ||
        !(cl->host_cfgs = sova_ctl_config_hosts(cl->cfg, maintenance, &err))) {
        g_printerr("sova: %s\n", err->message);
        return FALSE;
    }
    cl->n_hosts = cl->host_cfgs->len;
    cl->hosts = g_new0(SovaControllerHost, cl->n_hosts);
    for (guint i = 0; i < cl->n_hosts; i++) {
        const SovaCtlHostConfig *h = g_ptr_array_index(cl->host_cfgs, i);
        cl->hosts[i] = (SovaControllerHost){ .name = h->name, .maintenance = h->maintenance,
                                             .excluded = h->excluded,
                                             .migrate_uri = h->migrate_uri };
        cl->hosts[i].backend = open_host(cl, h);
    }
    g_autofree SovaBackend **bes = g_new0(SovaBackend *, cl->n_hosts);
    g_autofree const char **names = g_new0(const char *, cl->n_hosts);
    for (guint i = 0; i < cl->n_hosts; i++) {
        bes[i] = cl->hosts[i].backend;
        names[i] = cl->hosts[i].name;
    }
    if (!sova_libvirt_backends_distinct(bes, names, cl->n_hosts, &err)) {
        g_printerr("sova: %s\n", err->message);   /* one host under two names */
        return FALSE;
    }
    return TRUE;
}

gboolean sova_cli_cluster_open(SovaCliCluster *cl, const char *config, char **hosts,
                               char **maintenance)
{
    return sova_cli_cluster_load(cl, config, hosts) && sova_cli_cluster_connect(cl, maintenance);
}

void sova_cli_cluster_clear(SovaCliCluster *cl)
{
    for (guint i = 0; cl->hosts && i < cl->n_hosts; i++)
        sova_backend_free(cl->hosts[i].backend);
    g_clear_pointer(&cl->hosts, g_free);
    g_clear_pointer(&cl->host_cfgs, g_ptr_array_unref);
    g_clear_pointer(&cl->cfg, sova_ctl_config_free);
    g_clear_pointer(&cl->agent_cfg, sova_config_free);
    cl->n_hosts = 0;
}
