/* sim_scenario_cluster.c — loading and validating cluster scenarios; see sim_scenario.h
 * and docs/cluster-scenario.md.
 *
 * What both scenario formats share (timing, shapes, the NIC, traffic, names, limits) is
 * read by sim_load.c; this file reads the cluster format's own keys. Errors name the file
 * and line. Hosts are read first (VMs name them), then VMs; bulk groups ([hosts PREFIX],
 * [vms PREFIX]) expand to PREFIX1..PREFIXn. */
#include "backend/sim/sim_scenario.h"
#include "util/error.h"
#include "backend/sim/sim_load.h"
#include <string.h>

typedef struct {
    SovaSimLoader l;          /* the file and what both formats share */
    SovaSimScenario *sc;
    guint64 n_pcpus;          /* all hosts' */
} Loader;

static const char *const cluster_keys[] = { "description", "duration", "interval", "agent-interval",
                                            "tick", "seed", "migration-gbps", "migration-cpu",
                                            NULL };
static const char *const controller_keys[] = { "threshold", "cooldown", "max-per-host", "max-total",
                                               "bandwidth-mbps", "max-downtime", "headroom",
                                               "weights", "timeout", "auto-converge", "drs-level",
                                               NULL };
static const char *const host_keys[] = { "pcpus", "memory", "background", "nic-gbps", "vfs",
                                         "virtio-pps-cap", "virtio-us-per-packet", "vf-pps-cap",
                                         "vf-attach-latency", "vf-detach-gap", "vf-counters",
                                         "vf-stats-period", "maintenance", "down-at", "up-at",
                                         "sample-latency", NULL };
static const char *const hosts_keys[] = { "count", "pcpus", "memory", "background", "nic-gbps",
                                          "vfs", "virtio-pps-cap", "virtio-us-per-packet",
                                          "vf-pps-cap", "vf-attach-latency", "vf-detach-gap",
                                          "vf-counters", "vf-stats-period", "maintenance",
                                          "down-at", "up-at", "sample-latency", NULL };
static const char *const vm_keys[] = { "host", "vcpus", "memory", "dirty-rate", "demand",
                                       "net-demand", "net-peak-pps", "net-packet-bytes",
                                       "net-jitter", "vf", "migrate", "group", "together",
                                       "allowed-hosts", "jitter", "shared-demand", NULL };
static const char *const vms_keys[] = { "count", "host", "vcpus", "memory", "dirty-rate", "demand",
                                        "net-demand", "net-peak-pps", "net-packet-bytes",
                                        "net-jitter", "vf", "migrate", "group", "together",
                                        "allowed-hosts", "jitter", "shared-demand", NULL };

static gboolean is_bulk(const char *group, const char *kind)
{
    size_t n = strlen(kind);
    return !strncmp(group, kind, n) && group[n] == ' ' && group[n + 1];
}

static const char *const *known_keys(const char *group)
{
    if (!strcmp(group, "cluster"))
        return cluster_keys;
    if (!strcmp(group, "controller"))
        return controller_keys;
    if (is_bulk(group, "host"))
        return host_keys;
    if (is_bulk(group, "hosts"))
        return hosts_keys;
    if (is_bulk(group, "vm"))
        return vm_keys;
    if (is_bulk(group, "vms"))
        return vms_keys;
    return NULL;
}

static gboolean check_known(const Loader *ld, GError **error)
{
    return sova_sim_loader_check_known(&ld->l, known_keys, "[cluster], [controller], [host NAME], "
                                       "[hosts PREFIX], [vm NAME], [vms PREFIX]", error);
}

/* ---- values ---- */

/* `key`: one shape, or NULL when absent (*ok FALSE on an error) */
static const SovaDemandSpec *get_demand(const Loader *ld, const char *group, const char *key,
                                        gboolean *ok, GError **error)
{
    GError *e = NULL;
    g_autoptr(GPtrArray) one = sova_sim_load_shapes(&ld->l, group, key, 1, &e);
    *ok = !e;
    if (e)
        g_propagate_error(error, e);
    return one ? g_ptr_array_index(one, 0) : NULL;
}

/* ---- [cluster] and [controller] ---- */

static gboolean load_cluster(const Loader *ld, GError **error)
{
    static const SovaSimTimingLimits lim = { 1, 1e7, 0.1, 3600, 0.01 };
    SovaSimScenario *sc = ld->sc;
    SovaSimTiming t = { .duration = sc->duration, .interval = sc->interval, .tick = sc->tick,
                        .seed = sc->seed };
    gboolean ok = sova_sim_load_timing(&ld->l, "cluster", &lim, &t, error);
    sc->description = t.description;
    sc->duration = t.duration;
    sc->interval = t.interval;
    sc->tick = t.tick;
    sc->seed = t.seed;
    /* sova agent's default interval (sova.conf [agent] interval), at most the controller's */
    sc->agent_interval = MIN(1.0, sc->interval);
    return ok &&
        sova_keyfile_get_double(&ld->l.k, "cluster", "agent-interval", lim.interval_min,
                                sc->interval, &sc->agent_interval, error) &&
        sova_keyfile_get_double(&ld->l.k, "cluster", "migration-gbps", 0.01, 1000,
                                &sc->migration_gbps, error) &&
        sova_keyfile_get_double(&ld->l.k, "cluster", "migration-cpu", 0, 8, &sc->migration_cpu,
                                error);
}

static gboolean load_weights(const Loader *ld, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(&ld->l.k, "controller", "weights");
    if (!s)
        return TRUE;
    g_auto(GStrv) w = g_strsplit(s, ";", -1);
    double v[3], sum = 0;
    if (g_strv_length(w) != 3)
        return sova_keyfile_fail(&ld->l.k, "controller", "weights", error,
                                 "weights: give three numbers, cpu;memory;network");
    for (int r = 0; r < 3; r++) {
        char *end = NULL;
        v[r] = g_ascii_strtod(g_strstrip(w[r]), &end);
        if (end == w[r] || *end || !(v[r] >= 0 && v[r] <= 1000))
            return sova_keyfile_fail(&ld->l.k, "controller", "weights", error,
                                     "weights: \"%s\" is not a number from 0 to 1000", w[r]);
        sum += v[r];
    }
    if (sum <= 0)
        return sova_keyfile_fail(&ld->l.k, "controller", "weights", error,
                                 "weights: at least one must be positive");
    memcpy(ld->sc->weights, v, sizeof v);
    return TRUE;
}

static gboolean load_controller(const Loader *ld, GError **error)
{
    SovaClusterParams *p = &ld->sc->params;
    const char *g = "controller";
    double mbps = p->bandwidth_Bps * 8 / 1e6, downtime = p->max_downtime_s;
    if (!sova_keyfile_get_double(&ld->l.k, g, "threshold", 0, 1, &p->threshold, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "cooldown", 0, 1e7, &p->cooldown_s, error) ||
        !sova_keyfile_get_guint(&ld->l.k, g, "max-per-host", 1, 1000, &p->max_per_host, error) ||
        !sova_keyfile_get_guint(&ld->l.k, g, "max-total", 1, 100000, &p->max_total, error) ||
        !sova_keyfile_get_guint(&ld->l.k, g, "drs-level", 1, 5, &p->drs_level, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "bandwidth-mbps", 1, 1e6, &mbps, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "max-downtime", 0.001, 60, &downtime, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "headroom", 0, 0.9, &p->headroom, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "timeout", 0, 1e6, &ld->sc->timeout_s, error) ||
        !sova_keyfile_get_bool(&ld->l.k, g, "auto-converge", &ld->sc->auto_converge, error))
        return FALSE;
    p->bandwidth_Bps = mbps * 1e6 / 8;
    p->max_downtime_s = downtime;
    return load_weights(ld, error);
}

/* ---- hosts ---- */

static gboolean host_fill(Loader *ld, const char *g, SovaSimHostSpec *h, GError **error)
{
    guint64 mem_gib = 64;
    double background = 0, latency_ms = 0;
    h->nic.virtio_pps_cap = 200000;
    h->nic.virtio_us_per_packet = 5;
    h->line = sova_keyfile_line(&ld->l.k, g, NULL);
    if (!sova_keyfile_get_guint(&ld->l.k, g, "pcpus", 1, 4096, &h->n_pcpus, error) ||
        !sova_keyfile_get_uint(&ld->l.k, g, "memory", 1, 1 << 20, &mem_gib, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "background", 0, 100, &background, error) ||
        !sova_sim_load_nic(&ld->l, g, &h->nic, error) ||
        !sova_keyfile_get_bool(&ld->l.k, g, "maintenance", &h->maintenance, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "down-at", 0, 1e7, &h->down_at, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "up-at", 0, 1e7, &h->up_at, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "sample-latency", 0, 600000, &latency_ms, error))
        return FALSE;
    h->memory_kib = mem_gib * 1024 * 1024;
    h->sample_latency_s = latency_ms / 1000.0;
    h->background = g_new(double, h->n_pcpus);
    for (guint p = 0; p < h->n_pcpus; p++)
        h->background[p] = background;
    ld->n_pcpus += h->n_pcpus;
    if (ld->n_pcpus > SOVA_SIM_MAX_VCPUS)
        return sova_keyfile_fail(&ld->l.k, g, "pcpus", error,
                                 "too many pCPUs: at most %u in all hosts", SOVA_SIM_MAX_VCPUS);
    if (h->up_at >= 0 && h->down_at < 0)
        return sova_keyfile_fail(&ld->l.k, g, "up-at", error, "up-at without down-at");
    if (h->up_at >= 0 && h->up_at <= h->down_at)
        return sova_keyfile_fail(&ld->l.k, g, "up-at", error,
                                 "up-at (%g) is not after down-at (%g)", h->up_at, h->down_at);
    return TRUE;
}

static gboolean add_host(Loader *ld, const char *g, const char *name, GError **error)
{
    if (sova_sim_scenario_find_host(ld->sc, name) >= 0)
        return sova_keyfile_fail(&ld->l.k, g, NULL, error, "host \"%s\" is defined twice", name);
    if (ld->sc->hosts->len >= SOVA_SIM_MAX_HOSTS)
        return sova_keyfile_fail(&ld->l.k, g, NULL, error, "too many hosts: at most %u",
                                 SOVA_SIM_MAX_HOSTS);
    return host_fill(ld, g, sova_sim_scenario_add_host(ld->sc, name, 16), error);
}

/* the name of item i (0-based) of a bulk group of `count`: PREFIX01.. with enough digits */
static char *bulk_name(const char *prefix, guint i, guint count)
{
    g_autofree char *digits = g_strdup_printf("%u", count);
    return g_strdup_printf("%s%0*u", prefix, (int)strlen(digits), i + 1);
}

static gboolean load_hosts(Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->l.k.kf, NULL);
    for (int g = 0; groups[g]; g++) {
        if (is_bulk(groups[g], "host")) {
            if (!add_host(ld, groups[g], groups[g] + 5, error))
                return FALSE;
        } else if (is_bulk(groups[g], "hosts")) {
            guint count = 0;
            if (!sova_sim_load_count(&ld->l, groups[g], SOVA_SIM_MAX_HOSTS, &count, error))
                return FALSE;
            for (guint i = 0; i < count; i++) {
                g_autofree char *name = bulk_name(groups[g] + 6, i, count);
                if (!add_host(ld, groups[g], name, error))
                    return FALSE;
            }
        }
    }
    if (!ld->sc->hosts->len)
        return sova_keyfile_fail(&ld->l.k, "cluster", NULL, error,
                                 "no hosts: add [host NAME] or [hosts PREFIX]");
    return TRUE;
}

/* ---- VMs ---- */

/* what every VM of a group shares */
typedef struct {
    guint n_vcpus;
    guint64 memory_mib;
    double dirty_mibps;
    const SovaDemandSpec *demand;
    SovaSimTraffic net;       /* its traffic: net-demand, net-peak-pps,
                               * net-packet-bytes, net-jitter */
    double jitter;            /* ± points on every vCPU's demand, redrawn every second */
    gboolean shared_demand;   /* one draw of the shape for all the VM's vCPUs */
    gboolean vf, migrate;
    char *group;
    char *together;           /* keep-together group */
    char **allowed;           /* allowed-hosts: the only hosts they may run on */
    GArray *hosts;            /* guint: where they go, round robin */
} VmTemplate;

static void vm_template_clear(VmTemplate *t)
{
    g_free(t->group);
    g_free(t->together);
    g_strfreev(t->allowed);
    g_clear_pointer(&t->hosts, g_array_unref);
    sova_sim_traffic_clear(&t->net);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VmTemplate, vm_template_clear)

/* host = NAME[,NAME...] or * (every host): the VMs go round robin over them */
static gboolean load_placement(const Loader *ld, const char *g, VmTemplate *t, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(&ld->l.k, g, "host");
    t->hosts = g_array_new(FALSE, FALSE, sizeof(guint));
    if (!s)
        return sova_keyfile_fail(&ld->l.k, g, NULL, error, "[%s] needs host=NAME (or a list, or *)",
                                 g);
    if (!strcmp(s, "*")) {
        for (guint h = 0; h < ld->sc->hosts->len; h++)
            g_array_append_val(t->hosts, h);
        return TRUE;
    }
    g_auto(GStrv) names = g_strsplit(s, ",", -1);
    if (!names[0])
        return sova_keyfile_fail(&ld->l.k, g, "host", error,
                                 "host: empty (give NAME, a list, or *)");
    for (int i = 0; names[i]; i++) {
        int h = sova_sim_scenario_find_host(ld->sc, g_strstrip(names[i]));
        if (h < 0)
            return sova_keyfile_fail(&ld->l.k, g, "host", error, "host: no host named \"%s\"",
                                     names[i]);
        guint u = (guint)h;
        g_array_append_val(t->hosts, u);
    }
    return TRUE;
}

/* allowed-hosts = NAME[,NAME...]: every name a host of the scenario */
static gboolean load_allowed(const Loader *ld, const char *g, VmTemplate *t, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(&ld->l.k, g, "allowed-hosts");
    if (!s)
        return TRUE;
    t->allowed = g_strsplit(s, ",", -1);
    if (!t->allowed[0])
        return sova_keyfile_fail(&ld->l.k, g, "allowed-hosts", error,
                                 "allowed-hosts: empty (give NAME or a list)");
    for (int i = 0; t->allowed[i]; i++)
        if (sova_sim_scenario_find_host(ld->sc, g_strstrip(t->allowed[i])) < 0)
            return sova_keyfile_fail(&ld->l.k, g, "allowed-hosts", error,
                                     "allowed-hosts: no host named \"%s\"", t->allowed[i]);
    return TRUE;
}

static gboolean load_template(const Loader *ld, const char *g, VmTemplate *t, GError **error)
{
    gboolean ok;
    t->n_vcpus = 2;
    t->memory_mib = 4096;
    t->net.peak_pps = 100000;
    t->net.packet_bytes = 1500;
    t->migrate = TRUE;
    t->group = sova_keyfile_get_raw(&ld->l.k, g, "group");
    if (!sova_keyfile_get_guint(&ld->l.k, g, "vcpus", 1, 1024, &t->n_vcpus, error) ||
        !sova_keyfile_get_uint(&ld->l.k, g, "memory", 1, G_GUINT64_CONSTANT(1) << 30,
                               &t->memory_mib, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "dirty-rate", 0, 1e6, &t->dirty_mibps, error) ||
        !sova_keyfile_get_double(&ld->l.k, g, "jitter", 0, 100, &t->jitter, error) ||
        !sova_keyfile_get_bool(&ld->l.k, g, "shared-demand", &t->shared_demand, error) ||
        !sova_keyfile_get_bool(&ld->l.k, g, "vf", &t->vf, error) ||
        !sova_keyfile_get_bool(&ld->l.k, g, "migrate", &t->migrate, error) ||
        !load_placement(ld, g, t, error))
        return FALSE;
    t->demand = get_demand(ld, g, "demand", &ok, error);
    if (!ok)
        return FALSE;
    if (!t->demand)
        return sova_keyfile_fail(&ld->l.k, g, NULL, error,
                                 "[%s] needs demand=SHAPE (see docs/scenario.md)", g);
    if (!sova_sim_load_traffic(&ld->l, g, FALSE, TRUE, &t->net, error))
        return FALSE;
    if (t->vf && !t->net.shapes)
        return sova_keyfile_fail(&ld->l.k, g, "vf", error,
                                 "vf=yes without net-demand (a VF carries traffic)");
    if (t->group && !t->group[0])
        return sova_keyfile_fail(&ld->l.k, g, "group", error, "group: empty name");
    t->together = sova_keyfile_get_raw(&ld->l.k, g, "together");
    if (t->together && !t->together[0])
        return sova_keyfile_fail(&ld->l.k, g, "together", error, "together: empty name");
    return load_allowed(ld, g, t, error);
}

static gboolean add_vm(Loader *ld, const char *g, const char *name, const VmTemplate *t, guint i,
                       int line, GError **error)
{
    if (!sova_sim_loader_add_vm(&ld->l, g, name, t->n_vcpus, error))
        return FALSE;
    SovaSimVmSpec *vm = sova_sim_scenario_add_vm(ld->sc, name, t->n_vcpus, t->memory_mib * 1024,
                                                 line);
    vm->host = g_array_index(t->hosts, guint, i % t->hosts->len);
    vm->dirty_Bps = t->dirty_mibps * 1024 * 1024;
    for (guint v = 0; v < vm->n_vcpus; v++)
        vm->demand[v] = t->demand;
    vm->jitter = t->jitter;
    vm->shared_demand = t->shared_demand;
    vm->vf = t->vf;
    vm->no_migrate = !t->migrate;
    vm->group = g_strdup(t->group);
    vm->together = g_strdup(t->together);
    vm->hosts = g_strdupv(t->allowed);
    sova_sim_traffic_fill(&t->net, ld->sc, vm, 0);
    return TRUE;
}

static gboolean load_vm_group(Loader *ld, const char *g, gboolean bulk, GError **error)
{
    g_auto(VmTemplate) t = { 0 };
    guint count = 1;
    if (bulk && !sova_sim_load_count(&ld->l, g, SOVA_SIM_MAX_VMS, &count, error))
        return FALSE;
    if (!load_template(ld, g, &t, error))
        return FALSE;
    int line = sova_keyfile_line(&ld->l.k, g, NULL);
    if (!bulk)
        return add_vm(ld, g, g + 3, &t, 0, line, error);
    for (guint i = 0; i < count; i++) {
        g_autofree char *name = bulk_name(g + 4, i, count);
        if (!add_vm(ld, g, name, &t, i, line, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_vms(Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->l.k.kf, NULL);
    for (int g = 0; groups[g]; g++)
        if ((is_bulk(groups[g], "vm") && !load_vm_group(ld, groups[g], FALSE, error)) ||
            (is_bulk(groups[g], "vms") && !load_vm_group(ld, groups[g], TRUE, error)))
            return FALSE;
    return TRUE;
}

/* ---- whole-scenario checks ---- */

static gboolean fail_vm(const Loader *ld, const SovaSimVmSpec *vm, GError **error, const char *msg)
{
    g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s:%d: %s", ld->l.k.path, vm->line, msg);
    return FALSE;
}

/* the VMs a host starts with must fit its memory and its VF pool */
static gboolean check_fit(const Loader *ld, GError **error)
{
    const SovaSimScenario *sc = ld->sc;
    g_autofree guint64 *mem = g_new0(guint64, sc->hosts->len);
    g_autofree guint *vfs = g_new0(guint, sc->hosts->len);
    for (guint i = 0; i < sc->vms->len; i++) {
        const SovaSimVmSpec *vm = g_ptr_array_index(sc->vms, i);
        const SovaSimHostSpec *h = g_ptr_array_index(sc->hosts, vm->host);
        mem[vm->host] += vm->memory_kib;
        vfs[vm->host] += vm->vf;
        if (mem[vm->host] > h->memory_kib) {
            g_autofree char *m = g_strdup_printf("VM %s does not fit on host %s: its VMs need "
                                                 "%" G_GUINT64_FORMAT " MiB, it has "
                                                 "%" G_GUINT64_FORMAT, vm->name, h->name,
                                                 mem[vm->host] / 1024, h->memory_kib / 1024);
            return fail_vm(ld, vm, error, m);
        }
        if (vfs[vm->host] > h->nic.vfs) {
            g_autofree char *m = g_strdup_printf("VM %s wants a VF at the start, "
                                                 "host %s has only %u",
                                                 vm->name, h->name, h->nic.vfs);
            return fail_vm(ld, vm, error, m);
        }
    }
    return TRUE;
}

/* ---- entry points ---- */

static SovaSimScenario *scenario_new(const char *path)
{
    SovaSimScenario *sc = sova_sim_scenario_new(path);
    sc->cluster = TRUE;
    sc->duration = 1800;
    sc->interval = 30;
    sc->tick = 1;
    sc->seed = 1;
    sc->migration_gbps = 10;
    sc->migration_cpu = 0.5;
    sc->params = SOVA_CLUSTER_PARAMS_DEFAULT;
    sc->params.bandwidth_Bps = 10e9 / 8;
    sc->weights[0] = sc->weights[1] = sc->weights[2] = 1;
    sc->auto_converge = TRUE;
    return sc;
}

static SovaSimScenario *load(const char *path, const char *text, GError **error)
{
    g_autoptr(SovaSimScenario) sc = scenario_new(path);
    Loader ld = { .sc = sc };
    gboolean ok = sova_sim_loader_open(&ld.l, path, text, sc->demands, error) &&
                  check_known(&ld, error) && load_cluster(&ld, error) &&
                  load_controller(&ld, error) && load_hosts(&ld, error) &&
                  load_vms(&ld, error) && check_fit(&ld, error);
    sova_sim_loader_close(&ld.l);
    return ok ? g_steal_pointer(&sc) : NULL;
}

SovaSimScenario *sova_sim_cluster_scenario_load_data(const char *path, const char *text,
                                                     GError **error)
{
    return load(path, text, error);
}

SovaSimScenario *sova_sim_cluster_scenario_load(const char *path, GError **error)
{
    return load(path, NULL, error);
}
