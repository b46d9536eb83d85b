/* cli_common.c — what the subcommands share: config loading and option parsing
 * with sova's error style ("sova: <what>", exit status 2 for bad usage). */
#include "cli/cli.h"
#include <stdio.h>

SovaConfig *sova_cli_config(const char *path)
{
    g_autoptr(SovaConfig) cfg = sova_config_new();
    g_autoptr(GError) err = NULL;
    const char *file = path ? path : SOVA_DEFAULT_CONFIG;
    if (!path && !g_file_test(file, G_FILE_TEST_EXISTS))
        return g_steal_pointer(&cfg);
    if (!sova_config_load(cfg, file, &err)) {
        g_printerr("sova: %s\n", err->message);
        return NULL;
    }
    return g_steal_pointer(&cfg);
}

gboolean sova_cli_parse(GOptionContext *ctx, int *argc, char ***argv)
{
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        g_printerr("sova: %s (see --help)\n", err->message);
        return FALSE;
    }
    if (*argc > 1) {
        g_printerr("sova: unexpected argument \"%s\" (see --help)\n", (*argv)[1]);
        return FALSE;
    }
    return TRUE;
}

gboolean sova_cli_seconds(const char *option, const char *text, double *out)
{
    char *end = NULL;
    double v = text ? g_ascii_strtod(text, &end) : 0;
    if (!text)
        return TRUE;   /* not given: *out keeps the file's value */
    if (end == text || *end) {
        g_printerr("sova: %s: \"%s\" is not a number of seconds (see --help)\n", option, text);
        return FALSE;
    }
    *out = v;          /* NaN, infinities and the bounds: the config's validate() */
    return TRUE;
}

/* the backend's options from the configuration: the net plane's VF pool and NIC */
SovaLibvirtOptions sova_cli_backend_options(const SovaConfig *cfg)
{
    static const char *const writes[] = { SOVA_META_STATUS_NS, SOVA_META_CPU_NS, NULL };
    /* the metadata always: cpu='manual' VMs are left alone whether the net plane runs or not;
     * the agent's own writes (the CPU summary always, the net signal) change nothing it reads */
    SovaLibvirtOptions lo = { .affinity_refresh = cfg->affinity_refresh, .meta = TRUE,
                              .meta_writes = writes };
    if (!sova_config_net_enabled(cfg))
        return lo;
    lo.net = TRUE;
    lo.vf_template = cfg->vf_template_xml;
    lo.vf_network = cfg->vf_network;
    lo.vf_pool = cfg->vf_pool;
    lo.detach_timeout = cfg->detach_timeout;
    lo.meta_writes = writes;
    lo.host_nic = cfg->host_nic;
    lo.nic_gbps = cfg->nic_gbps;
    return lo;
}
