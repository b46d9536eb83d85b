/* cmd_status.c — `sova status`: the host as it is now.
 *
 * Takes two snapshots a short time apart (utilisation needs a rate) and prints
 * per-pCPU utilisation and, per VM, each vCPU's pCPU, affinity and utilisation, then
 * each VM's NIC mode and rates (status_net.c). It changes nothing. */
#include "cli/cli.h"
#include "util/json.h"
#include "backend/libvirt/libvirt_backend.h"
#include "model/model.h"
#include "cli/status_net.h"
#include "cli/cli_cluster.h"
#include <json-glib/json-glib.h>
#include <stdio.h>

static void bar(double pct, char *out, int width)
{
    int n = (int)(pct / 100.0 * width + 0.5);
    for (int i = 0; i < width; i++)
        out[i] = i < n ? '#' : '.';
    out[width] = '\0';
}

static const SovaVcpuSample *vcpu_sample(const SovaSnapshot *s, const SovaVmLoad *vm, guint i)
{
    const SovaVmSample *v = sova_snapshot_find_vm(s, vm->uuid);
    return v && i < v->vcpus->len ? sova_vm_vcpu(v, i) : NULL;
}

static void print_text(const SovaSnapshot *s, const SovaModel *m, const char *uri)
{
    double mean, sd = sova_model_util_stddev(m, &mean);
    guint online = 0;
    for (guint i = 0; i < m->n_pcpus; i++)
        online += sova_model_pcpu(m, i)->online;
    printf("host %s (%s): %u pCPUs, %u online; %u VMs managed; util mean %.1f%%, stddev %.1f\n\n",
           s->host ? s->host : "?", uri, m->n_pcpus, online, m->vms->len, mean, sd);
    printf("pCPU  cell socket core  state     util\n");
    for (guint i = 0; i < m->n_pcpus; i++) {
        const SovaPcpuLoad *p = sova_model_pcpu(m, i);
        char b[21];
        bar(p->util, b, 20);
        printf("%4u  %4d %6d %4d  %-8s %5.1f%% %s\n", p->id, p->cell, p->socket, p->core,
               !p->online ? "offline" : p->reserved ? "reserved" : "online", p->util, b);
    }
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaVmLoad *vm = sova_model_vm(m, i);
        printf("\nVM %s (%s)\n  vcpu  pCPU  affinity          util  delay\n", vm->name, vm->uuid);
        for (guint k = 0; k < vm->n_vcpus; k++) {
            const SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + k);
            const SovaVcpuSample *vs = vcpu_sample(s, vm, k);
            g_autofree char *aff = vs && vs->affinity ? sova_cpuset_format(vs->affinity)
                                                      : g_strdup("?");
            printf("  %4u  %4d  %-16s %5.1f%% %5.1f%%\n", k, vs ? vs->pcpu : -1, aff, v->usage,
                   v->delay);
        }
    }
}

static void json_vcpu(JsonBuilder *b, const SovaVcpuLoad *v, const SovaVcpuSample *vs)
{
    g_autofree char *aff = vs && vs->affinity ? sova_cpuset_format(vs->affinity) : NULL;
    json_builder_begin_object(b);
    sova_json_int(b, "vcpu", v->index);
    sova_json_int(b, "pcpu", vs ? vs->pcpu : -1);
    json_builder_set_member_name(b, "affinity");
    if (aff)
        json_builder_add_string_value(b, aff);
    else
        json_builder_add_null_value(b);
    sova_json_double(b, "util", v->usage);
    sova_json_double(b, "delay", v->delay);
    json_builder_end_object(b);
}

static void print_json(const SovaSnapshot *s, const SovaModel *m, const SovaNetModel *net,
                       const char *uri)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_string(b, "host", s->host ? s->host : "");
    sova_json_string(b, "uri", uri);
    sova_json_double(b, "stddev", sova_model_util_stddev(m, NULL));
    sova_model_pcpus_to_json(m, b);
    json_builder_set_member_name(b, "vms");
    json_builder_begin_array(b);
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaVmLoad *vm = sova_model_vm(m, i);
        json_builder_begin_object(b);
        sova_json_string(b, "name", vm->name);
        sova_json_string(b, "uuid", vm->uuid);
        json_builder_set_member_name(b, "vcpus");
        json_builder_begin_array(b);
        for (guint k = 0; k < vm->n_vcpus; k++)
            json_vcpu(b, sova_model_vcpu(m, vm->first_vcpu + k), vcpu_sample(s, vm, k));
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    sova_status_net_json(s, net, b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = json_to_string(root, TRUE);
    printf("%s\n", text);
}

static int show_status(const SovaConfig *cfg, double seconds, gboolean json)
{
    g_autoptr(GError) err = NULL;
    SovaLibvirtOptions lo = sova_cli_backend_options(cfg);
    lo.net = TRUE;            /* NIC modes even when this host's agent has no [net] */
    g_autoptr(SovaBackend) be = sova_libvirt_backend_open(cfg->connect, &lo, &err);
    g_autoptr(SovaSnapshot) a = be ? sova_backend_sample(be, &err) : NULL;
    if (a)
        sova_backend_wait(be, seconds, NULL);
    g_autoptr(SovaSnapshot) b = a ? sova_backend_sample(be, &err) : NULL;
    if (!b) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_FAILURE;
    }
    SovaModelParams mp = { .ewma_alpha = 1.0, .reserved = cfg->reserved,
                           .exclude = (const char *const *)cfg->exclude };
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, &mp);
    g_autoptr(SovaNetModel) net = sova_status_net_model(a, b, cfg);
    if (json)
        print_json(b, m, net, cfg->connect);
    else {
        print_text(b, m, cfg->connect);
        sova_status_net_text(b, net);
    }
    return SOVA_EXIT_OK;
}

int sova_cmd_status(int argc, char **argv)
{
    char *connect = NULL, *config = NULL;
    g_auto(GStrv) hosts = NULL;   /* --host: the cluster view (cluster_status.c) */
    double seconds = 1.0;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect,
          "libvirt URI (default " SOVA_DEFAULT_URI ")", "URI" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
          "configuration file (default " SOVA_DEFAULT_CONFIG " if it exists)", "FILE" },
        { "sample", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
          "seconds between the two samples (default 1)", "SECONDS" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print as JSON", NULL },
        { "host", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &hosts,
          "show the cluster of these hosts (once per host) as the controller sees it", "URI" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- show the host's pCPUs and VMs as they "
                                                         "are now");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc = SOVA_EXIT_USAGE;
    g_autoptr(GError) bad = NULL;
    gboolean parsed = sova_cli_parse(ctx, &argc, &argv);
    if (parsed && !sova_config_check_interval("--sample", seconds, &bad)) {
        g_printerr("sova: %s\n", bad->message);
    } else if (parsed && hosts) {
        rc = sova_cluster_status(config, hosts, seconds, json);
    } else if (parsed) {
        g_autoptr(SovaConfig) cfg = sova_cli_config(config);
        if (cfg && connect) {
            g_free(cfg->connect);
            cfg->connect = g_strdup(connect);
        }
        if (cfg)
            rc = show_status(cfg, seconds, json);
    }
    g_free(connect);
    g_free(config);
    return rc;
}
