/* sim_cluster_scenario.c — loading and validating cluster scenarios; see
 * sim_cluster_scenario.h and docs/cluster-scenario.md.
 *
 * Errors name the file and line (util/keyfile.c). Hosts are read first (VMs name them),
 * then VMs; bulk groups ([hosts PREFIX], [vms PREFIX]) expand to PREFIX1..PREFIXn. */
#include "backend/sim/sim_cluster_scenario.h"
#include "util/error.h"
#include "util/keyfile.h"
#include <string.h>

typedef struct {
    SovaKeyFile k;
    char *dir;                /* for trace files */
    SovaSimClusterScenario *sc;
    GHashTable *names;        /* VM names seen */
} Loader;

static const char *const cluster_keys[] = { "description", "duration", "interval", "tick", "seed",
                                            "migration-gbps", "migration-cpu", NULL };
static const char *const controller_keys[] = { "threshold", "cooldown", "max-per-host", "max-total",
                                               "bandwidth-mbps", "max-downtime", "headroom",
                                               "weights", "timeout", "auto-converge", NULL };
static const char *const host_keys[] = { "count", "pcpus", "memory", "background", "nic-gbps", "vfs",
                                         "virtio-pps-cap", "virtio-us-per-packet", "vf-pps-cap",
                                         "maintenance", "down-at", "up-at", NULL };
static const char *const vm_keys[] = { "count", "host", "vcpus", "memory", "dirty-rate", "demand",
                                       "net-demand", "net-peak-pps", "net-packet-bytes", "vf",
                                       "migrate", "group", "jitter", "shared-demand", NULL };

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
    if (is_bulk(group, "host") || is_bulk(group, "hosts"))
        return host_keys;
    if (is_bulk(group, "vm") || is_bulk(group, "vms"))
        return vm_keys;
    return NULL;
}

static gboolean check_known(const Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->k.kf, NULL);
    for (int g = 0; groups[g]; g++) {
        const char *const *known = known_keys(groups[g]);
        if (!known)
            return sova_keyfile_fail(&ld->k, groups[g], NULL, error, "unknown group [%s] (known: "
                                     "[cluster], [controller], [host NAME], [hosts PREFIX], [vm NAME], "
                                     "[vms PREFIX])", groups[g]);
        g_auto(GStrv) keys = g_key_file_get_keys(ld->k.kf, groups[g], NULL, NULL);
        gboolean bulk = is_bulk(groups[g], "hosts") || is_bulk(groups[g], "vms");
        for (int k = 0; keys[k]; k++)
            if (!g_strv_contains(known, keys[k]) || (!bulk && !strcmp(keys[k], "count")))
                return sova_keyfile_fail(&ld->k, groups[g], keys[k], error, "unknown key \"%s\" in [%s]",
                                         keys[k], groups[g]);
    }
    return TRUE;
}

/* ---- values ---- */

static const SovaDemandSpec *get_demand(const Loader *ld, const char *group, const char *key,
                                        gboolean *ok, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(&ld->k, group, key);
    *ok = TRUE;
    if (!s)
        return NULL;
    GError *e = NULL;
    SovaDemandSpec *d = sova_demand_parse(s, ld->dir, &e);
    if (!d) {
        *ok = sova_keyfile_fail(&ld->k, group, key, error, "%s: %s", key, e->message);
        g_error_free(e);
        return NULL;
    }
    g_ptr_array_add(ld->sc->demands, d);
    return d;
}

/* ---- [cluster] and [controller] ---- */

static gboolean load_cluster(const Loader *ld, GError **error)
{
    SovaSimClusterScenario *sc = ld->sc;
    sc->description = sova_keyfile_get_raw(&ld->k, "cluster", "description");
    if (!sova_keyfile_get_double(&ld->k, "cluster", "duration", 1, 1e7, &sc->duration, error) ||
        !sova_keyfile_get_double(&ld->k, "cluster", "interval", 0.1, 3600, &sc->interval, error) ||
        !sova_keyfile_get_double(&ld->k, "cluster", "tick", 0.01, 60, &sc->tick, error) ||
        !sova_keyfile_get_uint(&ld->k, "cluster", "seed", 0, G_MAXUINT64, &sc->seed, error) ||
        !sova_keyfile_get_double(&ld->k, "cluster", "migration-gbps", 0.01, 1000, &sc->migration_gbps, error) ||
        !sova_keyfile_get_double(&ld->k, "cluster", "migration-cpu", 0, 8, &sc->migration_cpu, error))
        return FALSE;
    if (sc->tick > sc->interval)
        return sova_keyfile_fail(&ld->k, "cluster", "tick", error, "tick (%g s) is longer than the interval "
                                 "(%g s)", sc->tick, sc->interval);
    return TRUE;
}

static gboolean load_weights(const Loader *ld, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(&ld->k, "controller", "weights");
    if (!s)
        return TRUE;
    g_auto(GStrv) w = g_strsplit(s, ";", -1);
    double v[3], sum = 0;
    if (g_strv_length(w) != 3)
        return sova_keyfile_fail(&ld->k, "controller", "weights", error,
                                 "weights: give three numbers, cpu;memory;network");
    for (int r = 0; r < 3; r++) {
        char *end = NULL;
        v[r] = g_ascii_strtod(g_strstrip(w[r]), &end);
        if (end == w[r] || *end || !(v[r] >= 0 && v[r] <= 1000))
            return sova_keyfile_fail(&ld->k, "controller", "weights", error,
                                     "weights: \"%s\" is not a number from 0 to 1000", w[r]);
        sum += v[r];
    }
    if (sum <= 0)
        return sova_keyfile_fail(&ld->k, "controller", "weights", error, "weights: at least one must be positive");
    memcpy(ld->sc->weights, v, sizeof v);
    return TRUE;
}

static gboolean load_controller(const Loader *ld, GError **error)
{
    SovaClusterParams *p = &ld->sc->params;
    const char *g = "controller";
    double mbps = p->bandwidth_Bps * 8 / 1e6, downtime = p->max_downtime_s;
    if (!sova_keyfile_get_double(&ld->k, g, "threshold", 0, 1, &p->threshold, error) ||
        !sova_keyfile_get_double(&ld->k, g, "cooldown", 0, 1e7, &p->cooldown_s, error) ||
        !sova_keyfile_get_guint(&ld->k, g, "max-per-host", 1, 1000, &p->max_per_host, error) ||
        !sova_keyfile_get_guint(&ld->k, g, "max-total", 1, 100000, &p->max_total, error) ||
        !sova_keyfile_get_double(&ld->k, g, "bandwidth-mbps", 1, 1e6, &mbps, error) ||
        !sova_keyfile_get_double(&ld->k, g, "max-downtime", 0.001, 60, &downtime, error) ||
        !sova_keyfile_get_double(&ld->k, g, "headroom", 0, 0.9, &p->headroom, error) ||
        !sova_keyfile_get_double(&ld->k, g, "timeout", 0, 1e6, &ld->sc->timeout_s, error) ||
        !sova_keyfile_get_bool(&ld->k, g, "auto-converge", &ld->sc->auto_converge, error))
        return FALSE;
    p->bandwidth_Bps = mbps * 1e6 / 8;
    p->max_downtime_s = downtime;
    return load_weights(ld, error);
}

/* ---- hosts ---- */

static void host_free(gpointer p)
{
    SovaSimClusterHostSpec *h = p;
    g_free(h->name);
    g_free(h);
}

static gboolean host_fill(const Loader *ld, const char *g, SovaSimClusterHostSpec *h, GError **error)
{
    guint64 mem_gib = 64;
    h->n_pcpus = 16;
    h->virtio_pps_cap = 200000;
    h->virtio_us_per_packet = 5;
    h->down_at = h->up_at = -1;
    h->line = sova_keyfile_line(&ld->k, g, NULL);
    if (!sova_keyfile_get_guint(&ld->k, g, "pcpus", 1, 4096, &h->n_pcpus, error) ||
        !sova_keyfile_get_uint(&ld->k, g, "memory", 1, 1 << 20, &mem_gib, error) ||
        !sova_keyfile_get_double(&ld->k, g, "background", 0, 100, &h->background, error) ||
        !sova_keyfile_get_double(&ld->k, g, "nic-gbps", 0, 10000, &h->nic_gbps, error) ||
        !sova_keyfile_get_guint(&ld->k, g, "vfs", 0, 4096, &h->vfs, error) ||
        !sova_keyfile_get_double(&ld->k, g, "virtio-pps-cap", 1, 1e9, &h->virtio_pps_cap, error) ||
        !sova_keyfile_get_double(&ld->k, g, "virtio-us-per-packet", 0, 1e4, &h->virtio_us_per_packet, error) ||
        !sova_keyfile_get_double(&ld->k, g, "vf-pps-cap", 0, 1e10, &h->vf_pps_cap, error) ||
        !sova_keyfile_get_bool(&ld->k, g, "maintenance", &h->maintenance, error) ||
        !sova_keyfile_get_double(&ld->k, g, "down-at", 0, 1e7, &h->down_at, error) ||
        !sova_keyfile_get_double(&ld->k, g, "up-at", 0, 1e7, &h->up_at, error))
        return FALSE;
    h->memory_kib = mem_gib * 1024 * 1024;
    if (h->up_at >= 0 && h->down_at < 0)
        return sova_keyfile_fail(&ld->k, g, "up-at", error, "up-at without down-at");
    if (h->up_at >= 0 && h->up_at <= h->down_at)
        return sova_keyfile_fail(&ld->k, g, "up-at", error, "up-at (%g) is not after down-at (%g)",
                                 h->up_at, h->down_at);
    return TRUE;
}

static gboolean add_host(const Loader *ld, const char *g, const char *name, GError **error)
{
    if (sova_sim_cluster_scenario_find_host(ld->sc, name) >= 0)
        return sova_keyfile_fail(&ld->k, g, NULL, error, "host \"%s\" is defined twice", name);
    SovaSimClusterHostSpec *h = g_new0(SovaSimClusterHostSpec, 1);
    h->name = g_strdup(name);
    g_ptr_array_add(ld->sc->hosts, h);
    return host_fill(ld, g, h, error);
}

/* the name of item i (0-based) of a bulk group of `count`: PREFIX01.. with enough digits */
static char *bulk_name(const char *prefix, guint i, guint count)
{
    g_autofree char *digits = g_strdup_printf("%u", count);
    return g_strdup_printf("%s%0*u", prefix, (int)strlen(digits), i + 1);
}

static gboolean load_hosts(const Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->k.kf, NULL);
    for (int g = 0; groups[g]; g++) {
        if (is_bulk(groups[g], "host")) {
            if (!add_host(ld, groups[g], groups[g] + 5, error))
                return FALSE;
        } else if (is_bulk(groups[g], "hosts")) {
            guint count = 0;
            if (!sova_keyfile_get_guint(&ld->k, groups[g], "count", 1, 100000, &count, error))
                return FALSE;
            if (!count)
                return sova_keyfile_fail(&ld->k, groups[g], NULL, error, "[%s] needs count=N", groups[g]);
            for (guint i = 0; i < count; i++) {
                g_autofree char *name = bulk_name(groups[g] + 6, i, count);
                if (!add_host(ld, groups[g], name, error))
                    return FALSE;
            }
        }
    }
    if (!ld->sc->hosts->len)
        return sova_keyfile_fail(&ld->k, "cluster", NULL, error, "no hosts: add [host NAME] or [hosts PREFIX]");
    return TRUE;
}

/* ---- VMs ---- */

static void vm_free(gpointer p)
{
    SovaSimClusterVmSpec *vm = p;
    g_free(vm->name);
    g_free(vm->group);
    g_free(vm);
}

/* what every VM of a group shares */
typedef struct {
    guint n_vcpus;
    guint64 memory_mib;
    double dirty_mibps;
    const SovaDemandSpec *demand, *net_demand;
    double net_peak_pps, net_packet_bytes;
    double jitter;            /* ± points on every vCPU's demand, redrawn every second */
    gboolean shared_demand;   /* one draw of the shape for all the VM's vCPUs */
    gboolean vf, migrate;
    char *group;
    GArray *hosts;            /* guint: where they go, round robin */
} VmTemplate;

static void vm_template_clear(VmTemplate *t)
{
    g_free(t->group);
    g_clear_pointer(&t->hosts, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VmTemplate, vm_template_clear)

/* host = NAME[,NAME...] or * (every host): the VMs go round robin over them */
static gboolean load_placement(const Loader *ld, const char *g, VmTemplate *t, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(&ld->k, g, "host");
    t->hosts = g_array_new(FALSE, FALSE, sizeof(guint));
    if (!s)
        return sova_keyfile_fail(&ld->k, g, NULL, error, "[%s] needs host=NAME (or a list, or *)", g);
    if (!strcmp(s, "*")) {
        for (guint h = 0; h < ld->sc->hosts->len; h++)
            g_array_append_val(t->hosts, h);
        return TRUE;
    }
    g_auto(GStrv) names = g_strsplit(s, ",", -1);
    for (int i = 0; names[i]; i++) {
        int h = sova_sim_cluster_scenario_find_host(ld->sc, g_strstrip(names[i]));
        if (h < 0)
            return sova_keyfile_fail(&ld->k, g, "host", error, "host: no host named \"%s\"", names[i]);
        guint u = (guint)h;
        g_array_append_val(t->hosts, u);
    }
    return TRUE;
}

static gboolean load_template(const Loader *ld, const char *g, VmTemplate *t, GError **error)
{
    gboolean ok;
    t->n_vcpus = 2;
    t->memory_mib = 4096;
    t->net_peak_pps = 100000;
    t->net_packet_bytes = 1500;
    t->migrate = TRUE;
    t->group = sova_keyfile_get_raw(&ld->k, g, "group");
    if (!sova_keyfile_get_guint(&ld->k, g, "vcpus", 1, 1024, &t->n_vcpus, error) ||
        !sova_keyfile_get_uint(&ld->k, g, "memory", 1, G_GUINT64_CONSTANT(1) << 30, &t->memory_mib, error) ||
        !sova_keyfile_get_double(&ld->k, g, "dirty-rate", 0, 1e6, &t->dirty_mibps, error) ||
        !sova_keyfile_get_double(&ld->k, g, "net-peak-pps", 1, 1e9, &t->net_peak_pps, error) ||
        !sova_keyfile_get_double(&ld->k, g, "net-packet-bytes", 64, 65536, &t->net_packet_bytes, error) ||
        !sova_keyfile_get_double(&ld->k, g, "jitter", 0, 100, &t->jitter, error) ||
        !sova_keyfile_get_bool(&ld->k, g, "shared-demand", &t->shared_demand, error) ||
        !sova_keyfile_get_bool(&ld->k, g, "vf", &t->vf, error) || !sova_keyfile_get_bool(&ld->k, g, "migrate", &t->migrate, error) ||
        !load_placement(ld, g, t, error))
        return FALSE;
    t->demand = get_demand(ld, g, "demand", &ok, error);
    if (!ok)
        return FALSE;
    if (!t->demand)
        return sova_keyfile_fail(&ld->k, g, NULL, error, "[%s] needs demand=SHAPE (see docs/scenario.md)", g);
    t->net_demand = get_demand(ld, g, "net-demand", &ok, error);
    if (!ok)
        return FALSE;
    if (t->vf && !t->net_demand)
        return sova_keyfile_fail(&ld->k, g, "vf", error, "vf=yes without net-demand (a VF carries traffic)");
    if (t->group && !t->group[0])
        return sova_keyfile_fail(&ld->k, g, "group", error, "group: empty name");
    return TRUE;
}

static gboolean add_vm(const Loader *ld, const char *g, const char *name, const VmTemplate *t, guint i,
                       GError **error)
{
    if (g_hash_table_contains(ld->names, name))
        return sova_keyfile_fail(&ld->k, g, NULL, error, "VM \"%s\" is defined twice", name);
    SovaSimClusterVmSpec *vm = g_new0(SovaSimClusterVmSpec, 1);
    vm->name = g_strdup(name);
    g_hash_table_add(ld->names, vm->name);
    vm->host = g_array_index(t->hosts, guint, i % t->hosts->len);
    vm->n_vcpus = t->n_vcpus;
    vm->memory_kib = t->memory_mib * 1024;
    vm->dirty_Bps = t->dirty_mibps * 1024 * 1024;
    vm->demand = t->demand;
    vm->jitter = t->jitter;
    vm->shared_demand = t->shared_demand;
    vm->net_demand = t->net_demand;
    vm->net_peak_pps = t->net_peak_pps;
    vm->net_packet_bytes = t->net_packet_bytes;
    vm->vf = t->vf;
    vm->no_migrate = !t->migrate;
    vm->group = g_strdup(t->group);
    vm->line = sova_keyfile_line(&ld->k, g, NULL);
    g_ptr_array_add(ld->sc->vms, vm);
    ld->sc->has_net |= vm->net_demand != NULL;
    return TRUE;
}

static gboolean load_vm_group(const Loader *ld, const char *g, gboolean bulk, GError **error)
{
    g_auto(VmTemplate) t = { 0 };
    guint count = bulk ? 0 : 1;
    if (bulk && !sova_keyfile_get_guint(&ld->k, g, "count", 1, 1000000, &count, error))
        return FALSE;
    if (!count)
        return sova_keyfile_fail(&ld->k, g, NULL, error, "[%s] needs count=N", g);
    if (!load_template(ld, g, &t, error))
        return FALSE;
    if (!bulk)
        return add_vm(ld, g, g + 3, &t, 0, error);
    for (guint i = 0; i < count; i++) {
        g_autofree char *name = bulk_name(g + 4, i, count);
        if (!add_vm(ld, g, name, &t, i, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_vms(const Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->k.kf, NULL);
    for (int g = 0; groups[g]; g++)
        if ((is_bulk(groups[g], "vm") && !load_vm_group(ld, groups[g], FALSE, error)) ||
            (is_bulk(groups[g], "vms") && !load_vm_group(ld, groups[g], TRUE, error)))
            return FALSE;
    return TRUE;
}

/* ---- whole-scenario checks ---- */

static gboolean fail_vm(const Loader *ld, const SovaSimClusterVmSpec *vm, GError **error, const char *msg)
{
    g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s:%d: %s", ld->k.path, vm->line, msg);
    return FALSE;
}

/* the VMs a host starts with must fit its memory and its VF pool */
static gboolean check_fit(const Loader *ld, GError **error)
{
    const SovaSimClusterScenario *sc = ld->sc;
    g_autofree guint64 *mem = g_new0(guint64, sc->hosts->len);
    g_autofree guint *vfs = g_new0(guint, sc->hosts->len);
    for (guint i = 0; i < sc->vms->len; i++) {
        const SovaSimClusterVmSpec *vm = g_ptr_array_index(sc->vms, i);
        const SovaSimClusterHostSpec *h = g_ptr_array_index(sc->hosts, vm->host);
        mem[vm->host] += vm->memory_kib;
        vfs[vm->host] += vm->vf;
        if (mem[vm->host] > h->memory_kib) {
            g_autofree char *m = g_strdup_printf("VM %s does not fit on host %s: its VMs need %" G_GUINT64_FORMAT
                                                 " MiB, it has %" G_GUINT64_FORMAT, vm->name, h->name,
                                                 mem[vm->host] / 1024, h->memory_kib / 1024);
            return fail_vm(ld, vm, error, m);
        }
        if (vfs[vm->host] > h->vfs) {
            g_autofree char *m = g_strdup_printf("VM %s wants a VF at the start, host %s has only %u",
                                                 vm->name, h->name, h->vfs);
            return fail_vm(ld, vm, error, m);
        }
    }
    return TRUE;
}

/* ---- entry points ---- */

static SovaSimClusterScenario *scenario_new(const char *path)
{
    SovaSimClusterScenario *sc = g_new0(SovaSimClusterScenario, 1);
    sc->path = g_strdup(path);
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
    sc->hosts = g_ptr_array_new_with_free_func(host_free);
    sc->vms = g_ptr_array_new_with_free_func(vm_free);
    sc->demands = g_ptr_array_new_with_free_func((GDestroyNotify)sova_demand_free);
    return sc;
}

SovaSimClusterScenario *sova_sim_cluster_scenario_load_data(const char *path, const char *text,
                                                            GError **error)
{
    g_autoptr(SovaSimClusterScenario) sc = scenario_new(path);
    Loader ld = { .sc = sc, .dir = g_path_get_dirname(path),
                  .names = g_hash_table_new(g_str_hash, g_str_equal) };
    gboolean ok = sova_keyfile_parse(&ld.k, path, text, error) && check_known(&ld, error) &&
                  load_cluster(&ld, error) && load_controller(&ld, error) && load_hosts(&ld, error) &&
                  load_vms(&ld, error) && check_fit(&ld, error);
    sova_keyfile_clear(&ld.k);
    g_free(ld.dir);
    g_hash_table_unref(ld.names);
    return ok ? g_steal_pointer(&sc) : NULL;
}

SovaSimClusterScenario *sova_sim_cluster_scenario_load(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    GError *e = NULL;
    if (!g_file_get_contents(path, &text, NULL, &e)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s", e->message);
        g_error_free(e);
        return NULL;
    }
    return sova_sim_cluster_scenario_load_data(path, text, error);
}

void sova_sim_cluster_scenario_free(SovaSimClusterScenario *sc)
{
    if (!sc)
        return;
    g_free(sc->path);
    g_free(sc->description);
    g_ptr_array_unref(sc->vms);
    g_ptr_array_unref(sc->hosts);
    g_ptr_array_unref(sc->demands);
    g_free(sc);
}

int sova_sim_cluster_scenario_find_host(const SovaSimClusterScenario *sc, const char *name)
{
    for (guint i = 0; i < sc->hosts->len; i++)
        if (!strcmp(((SovaSimClusterHostSpec *)g_ptr_array_index(sc->hosts, i))->name, name))
            return (int)i;
    return -1;
}
