/* libvirt_node.c — the host's pCPUs: how many, their topology, online, busy/idle time.
 *
 * Static facts (topology, node info, host name) are read once per connection.
 * Each sample costs 1 + P calls: the online cpumap, then virNodeGetCPUStats for each
 * of the P online pCPUs (libvirt has no per-pCPU bulk call); with `cluster_reads` (the
 * controller, which needs only the host's totals) 2: the cpumap and one
 * virNodeGetCPUStats(VIR_NODE_CPU_STATS_ALL_CPUS). n_pcpus is the largest
 * of what the capabilities, the node info and the cpumap claim — drivers disagree
 * (the test driver: 16, 16 and 8) — and a pCPU is online per the cpumap where the
 * cpumap covers it, else assumed online. */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>
#include <stdlib.h>
#include "model/cpuset.h"

static gboolean read_topology(SovaLibvirtBackend *lv, GError **error)
{
    char *xml = SOVA_LV_CALL(lv, virConnectGetCapabilities(lv->conn));
    if (!xml) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "reading capabilities");
        return FALSE;
    }
    g_clear_pointer(&lv->topo, g_array_unref);
    g_clear_pointer(&lv->host_uuid, g_free);
    lv->topo = sova_lv_caps_read(xml, &lv->host_uuid, error);
    free(xml);
    return lv->topo != NULL;
}

static gboolean read_node_info(SovaLibvirtBackend *lv, GError **error)
{
    virNodeInfo info;
    if (SOVA_LV_CALL(lv, virNodeGetInfo(lv->conn, &info)) < 0) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "reading node info");
        return FALSE;
    }
    lv->n_static = MAX(lv->topo->len, MIN(info.cpus, SOVA_MAX_PCPUS));
    lv->n_pcpus = MAX(lv->n_pcpus, lv->n_static);   /* pins work before the first sample */
    lv->memory_kib = info.memory;
    return TRUE;
}

static gboolean read_cpu_params(SovaLibvirtBackend *lv, GError **error)
{
    lv->n_cpu_params = 0;
    if (SOVA_LV_CALL(lv, virNodeGetCPUStats(lv->conn, 0, NULL, &lv->n_cpu_params, 0)) < 0 ||
        lv->n_cpu_params <= 0) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "reading node cpu stats fields");
        return FALSE;
    }
    return TRUE;
}

gboolean sova_lv_node_read_static(SovaLibvirtBackend *lv, GError **error)
{
    if (!read_topology(lv, error) || !read_node_info(lv, error) || !read_cpu_params(lv, error))
        return FALSE;
    char *host = SOVA_LV_CALL(lv, virConnectGetHostname(lv->conn));
    g_free(lv->host);
    lv->host = g_strdup(host ? host : lv->uri);
    free(host);
    virResetLastError();
    return TRUE;
}

static void fill_topology(const SovaLibvirtBackend *lv, SovaSnapshot *s)
{
    for (guint i = 0; i < s->n_pcpus && i < lv->topo->len; i++) {
        const SovaLvTopo *t = &g_array_index(lv->topo, SovaLvTopo, i);
        SovaPcpuSample *p = sova_snapshot_pcpu(s, i);
        p->socket = t->socket;
        p->core = t->core;
        p->cell = t->cell;
    }
}

/* busy = every field but idle and iowait (user, kernel, …); the "utilization"
 * percentage some drivers add is not a time and is skipped */
static void add_cpu_times(SovaPcpuSample *p, const virNodeCPUStats *st, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(st[i].field, VIR_NODE_CPU_STATS_IDLE) == 0 ||
            strcmp(st[i].field, VIR_NODE_CPU_STATS_IOWAIT) == 0)
            p->idle_ns += st[i].value;
        else if (strcmp(st[i].field, VIR_NODE_CPU_STATS_UTILIZATION) != 0)
            p->busy_ns += st[i].value;
    }
}

/* FALSE only when the connection is lost; a pCPU that cannot be read (it went
 * offline since the cpumap) is reported offline */
static gboolean read_cpu_stats(SovaLibvirtBackend *lv, SovaPcpuSample *p, GError **error)
{
    g_autofree virNodeCPUStats *st = g_new0(virNodeCPUStats, lv->n_cpu_params);
    int n = lv->n_cpu_params;
    if (SOVA_LV_CALL(lv, virNodeGetCPUStats(lv->conn, (int)p->id, st, &n, 0)) < 0) {
        g_autoptr(GError) err = NULL;
        sova_lv_set_error(lv, &err, SOVA_ERROR_BACKEND, "reading stats of pCPU %u", p->id);
        if (err->code == SOVA_ERROR_CONNECT) {
            g_propagate_error(error, g_steal_pointer(&err));
            return FALSE;
        }
        sova_debug("libvirt: %s; taken as offline", err->message);
        p->online = FALSE;
        return TRUE;
    }
    add_cpu_times(p, st, n);
    return TRUE;
}

/* the host's totals in one call; FALSE with error */
static gboolean read_cpu_totals(SovaLibvirtBackend *lv, SovaSnapshot *s, GError **error)
{
    g_autofree virNodeCPUStats *st = g_new0(virNodeCPUStats, lv->n_cpu_params);
    int n = lv->n_cpu_params;
    if (SOVA_LV_CALL(lv, virNodeGetCPUStats(lv->conn, VIR_NODE_CPU_STATS_ALL_CPUS, st, &n,
                                            0)) < 0) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "reading the node's cpu totals");
        return FALSE;
    }
    SovaPcpuSample sum = { 0 };
    add_cpu_times(&sum, st, n);
    s->has_cpu_totals = TRUE;
    s->cpu_busy_ns = sum.busy_ns;
    s->cpu_idle_ns = sum.idle_ns;
    return TRUE;
}

SovaSnapshot *sova_lv_node_sample(SovaLibvirtBackend *lv, GError **error)
{
    unsigned char *map = NULL;
    unsigned int online = 0;
    int width = SOVA_LV_CALL(lv, virNodeGetCPUMap(lv->conn, &map, &online, 0));
    if (width < 0) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "reading the online pCPU map");
        return NULL;
    }
    guint n = MAX(lv->n_static, MIN((guint)width, SOVA_MAX_PCPUS));
    g_autoptr(SovaSnapshot) s = sova_snapshot_new(n);
    s->host = g_strdup(lv->host);
    s->memory_kib = lv->memory_kib;
    fill_topology(lv, s);
    for (guint i = 0; i < n; i++) {
        SovaPcpuSample *p = sova_snapshot_pcpu(s, i);
        p->online = i >= (guint)width || VIR_CPU_USED(map, i);
        if (p->online && !lv->opts.cluster_reads && !read_cpu_stats(lv, p, error)) {
            free(map);
            return NULL;
        }
    }
    free(map);
    if (lv->opts.cluster_reads && !read_cpu_totals(lv, s, error))
        return NULL;
    lv->n_pcpus = n;
    return g_steal_pointer(&s);
}
