/* sim_scenario_host.c — loading and validating single-host scenario files (a cluster of
 * one host); see sim_scenario.h and docs/scenario.md.
 *
 * What both scenario formats share (timing, shapes, the NIC, traffic, names, limits) is
 * read by sim_load.c; this file reads the single-host format's own keys. Errors name the
 * file and line. Everything is checked here, once; the simulator trusts a loaded scenario. */
#include "backend/sim/sim_scenario.h"
#include "model/cpuset.h"
#include "util/error.h"
#include "backend/sim/sim_load.h"
#include <errno.h>
#include <string.h>

typedef struct {
    SovaSimLoader l;          /* the file and what both formats share */
    SovaSimScenario *sc;
    SovaSimHostSpec *host;    /* its one host */
} Loader;

/* ---- values ---- */

static gboolean parse_double(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = g_ascii_strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return FALSE;
    *out = v;
    return TRUE;
}


/* ---- known groups and keys ---- */

static const char *const host_keys[] = { "name", "pcpus", "sockets", "cells", "threads-per-core",
                                         "smt-factor", "memory", "background", "noise", "nic-gbps",
                                         "vfs",
                                         "virtio-pps-cap", "virtio-us-per-packet", "vf-pps-cap",
                                         "vf-attach-latency", "vf-detach-gap", "vf-counters",
                                         "vf-stats-period", NULL };
static const char *const scenario_keys[] = { "description", "duration", "interval", "tick", "seed",
                                             NULL };
static const char *const vm_keys[] = { "vcpus", "memory", "demand", "pin", "affinity", "net-demand",
                                       "net-peak-pps", "net-packet-bytes", "net-jitter", NULL };
static const char *const vms_keys[] = { "count", "vcpus", "memory", "demand", "pin", "affinity",
                                        "net-demand", "net-peak-pps", "net-packet-bytes",
                                        "net-jitter", NULL };

static const char *const *known_keys(const char *group)
{
    if (!strcmp(group, "host"))
        return host_keys;
    if (!strcmp(group, "scenario"))
        return scenario_keys;
    if (g_str_has_prefix(group, "vm ") && group[3])
        return vm_keys;
    if (!strcmp(group, "vms") || (g_str_has_prefix(group, "vms ") && group[4]))
        return vms_keys;
    return NULL;
}

static gboolean check_known(const Loader *ld, GError **error)
{
    if (!sova_sim_loader_check_known(&ld->l, known_keys, "[host], [scenario], [vm NAME], [vms], "
                                     "[vms PREFIX]", error))
        return FALSE;
    if (!g_key_file_has_group(ld->l.k.kf, "host"))
        return sova_keyfile_fail(&ld->l.k, NULL, NULL, error, "no [host] group");
    return TRUE;
}

/* ---- [host] and [scenario] ---- */

static gboolean load_background(const Loader *ld, SovaSimHostSpec *h, GError **error)
{
    h->background = g_new0(double, h->n_pcpus);
    g_autofree char *s = sova_keyfile_get_raw(&ld->l.k, "host", "background");
    if (!s)
        return TRUE;
    g_auto(GStrv) items = g_strsplit(s, ",", -1);
    guint n = g_strv_length(items);
    if (n != 1 && n != h->n_pcpus)
        return sova_keyfile_fail(&ld->l.k, "host", "background", error,
                                 "background: give one value for every pCPU "
                    "or one for all (got %u values for %u pCPUs)", n, h->n_pcpus);
    for (guint p = 0; p < h->n_pcpus; p++) {
        const char *item = g_strstrip(items[n == 1 ? 0 : p]);
        if (!parse_double(item, 0, 100, &h->background[p]))
            return sova_keyfile_fail(&ld->l.k, "host", "background", error,
                                     "background: \"%s\" is not a percentage 0..100", item);
    }
    return TRUE;
}

static gboolean load_topology(const Loader *ld, SovaSimHostSpec *h, GError **error)
{
    guint64 mem = 65536;
    if (!sova_keyfile_get_guint(&ld->l.k, "host", "pcpus", 1, SOVA_MAX_PCPUS, &h->n_pcpus, error) ||
        !sova_keyfile_get_guint(&ld->l.k, "host", "sockets", 1, SOVA_MAX_PCPUS, &h->sockets,
                                error) ||
        !sova_keyfile_get_guint(&ld->l.k, "host", "cells", 1, SOVA_MAX_PCPUS, &h->cells, error) ||
        !sova_keyfile_get_guint(&ld->l.k, "host", "threads-per-core", 1, 8, &h->threads_per_core,
                                error) ||
        !sova_keyfile_get_uint(&ld->l.k, "host", "memory", 1, G_GUINT64_CONSTANT(1) << 40, &mem,
                               error))
        return FALSE;
    if (!h->n_pcpus)
        return sova_keyfile_fail(&ld->l.k, "host", NULL, error, "[host] needs pcpus=N");
    h->memory_kib = mem * 1024;
    if (h->n_pcpus % h->sockets)
        return sova_keyfile_fail(&ld->l.k, "host", "sockets", error,
                                 "%u pCPUs cannot be split evenly over %u sockets",
                    h->n_pcpus, h->sockets);
    if (h->n_pcpus % h->cells)
        return sova_keyfile_fail(&ld->l.k, "host", "cells", error,
                                 "%u pCPUs cannot be split evenly over %u NUMA cells",
                    h->n_pcpus, h->cells);
    if ((h->n_pcpus / h->sockets) % h->threads_per_core)
        return sova_keyfile_fail(&ld->l.k, "host", "threads-per-core", error,
                                 "a socket's %u pCPUs cannot be split into "
                    "cores of %u threads", h->n_pcpus / h->sockets, h->threads_per_core);
    if (!sova_keyfile_get_double(&ld->l.k, "host", "smt-factor", 0.5, 1, &h->smt_factor, error))
        return FALSE;
    if (h->smt_factor < 1 && h->threads_per_core == 1)
        return sova_keyfile_fail(&ld->l.k, "host", "smt-factor", error,
                                 "smt-factor: the host has no SMT "
                    "siblings (set threads-per-core)");
    return TRUE;
}

/* the physical NIC, the VF pool and the two paths (defaults: docs/scenario.md) */
static gboolean load_net_host(const Loader *ld, SovaSimHostSpec *h, GError **error)
{
    h->nic.virtio_pps_cap = 200000;
    h->nic.virtio_us_per_packet = 2.5;
    h->nic.vf_attach_latency = 2;
    h->nic.vf_detach_gap = 0.2;
    h->nic.vf_counters = SOVA_SIM_VF_COUNTERS_YES;
    h->nic.vf_stats_period = 2;
    return sova_sim_load_nic(&ld->l, "host", &h->nic, error);
}

static gboolean load_host(Loader *ld, GError **error)
{
    g_autofree char *name = sova_keyfile_get_raw(&ld->l.k, "host", "name");
    SovaSimHostSpec *h = ld->host = sova_sim_scenario_add_host(ld->sc, name ? name : "simhost", 0);
    h->line = sova_keyfile_line(&ld->l.k, "host", NULL);
    return load_topology(ld, h, error) && load_background(ld, h, error) &&
           sova_keyfile_get_double(&ld->l.k, "host", "noise", 0, 50, &h->noise, error) &&
           load_net_host(ld, h, error);
}

static gboolean load_scenario(const Loader *ld, SovaSimScenario *sc, GError **error)
{
    static const SovaSimTimingLimits lim = { 0.001, 1e8, 0.001, 86400, 0.0001 };
    SovaSimTiming t = { .duration = 600, .interval = 1, .tick = 0.1, .seed = 1 };
    gboolean ok = sova_sim_load_timing(&ld->l, "scenario", &lim, &t, error) &&
                  sova_sim_check_run_size(&ld->l, "scenario", "duration", t.duration, t.interval,
                                          ld->host->n_pcpus, error);
    sc->description = t.description;
    sc->duration = t.duration;
    sc->interval = t.interval;
    sc->tick = t.tick;
    sc->seed = t.seed;
    return ok;
}

/* ---- VMs ---- */

/* "a;b;c" -> parsed specs (owned by the scenario); empty items are skipped */
static GPtrArray *load_demands(const Loader *ld, const char *group, GError **error)
{
    GError *e = NULL;
    GPtrArray *out = sova_sim_load_shapes(&ld->l, group, "demand", 0, &e);
    if (!out && !e)
        sova_keyfile_fail(&ld->l.k, group, NULL, &e,
                          "[%s] needs demand=SHAPE (see docs/scenario.md)", group);
    if (e)
        g_propagate_error(error, e);
    return out;
}

static gboolean check_trace_columns(const Loader *ld, const char *group, const SovaDemandSpec *d,
                                    guint n_vcpus, GError **error)
{
    if (d->kind == SOVA_DEMAND_TRACE && d->columns != 1 && d->columns != n_vcpus)
        return sova_keyfile_fail(&ld->l.k, group, "demand", error,
                                 "demand \"%s\": the trace has %u value columns; "
                    "give 1 (every vCPU) or one per vCPU (%u)", d->text, d->columns, n_vcpus);
    return TRUE;
}

static gboolean load_affinity(const Loader *ld, const char *group, SovaSimVmSpec *vm,
                              GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(&ld->l.k, group, "affinity");
    if (!s)
        return TRUE;
    g_autoptr(GError) e = NULL;
    vm->affinity = sova_cpuset_parse(s, ld->host->n_pcpus, &e);
    if (!vm->affinity)
        return sova_keyfile_fail(&ld->l.k, group, "affinity", error, "affinity: %s", e->message);
    if (!sova_cpuset_count(vm->affinity))
        return sova_keyfile_fail(&ld->l.k, group, "affinity", error, "affinity: empty");
    return TRUE;
}

static gboolean parse_pcpu(const Loader *ld, const char *group, const char *text, int *out,
                           GError **error)
{
    guint64 v;
    g_autofree char *t = g_strstrip(g_strdup(text));
    if (!g_ascii_string_to_unsigned(t, 10, 0, G_MAXUINT, &v, NULL))
        return sova_keyfile_fail(&ld->l.k, group, "pin", error, "pin: \"%s\" is not a pCPU number",
                                 t);
    if (v >= ld->host->n_pcpus)
        return sova_keyfile_fail(&ld->l.k, group, "pin", error,
                                 "pin: pCPU %s does not exist (the host has pCPUs 0-%u)",
                    t, ld->host->n_pcpus - 1);
    *out = (int)v;
    return TRUE;
}

/* Where the k-th vCPU of a group goes. Layouts: unpinned, all-on-N, alternating (pCPUs 0
 * and 1 in turn), round-robin (0, 1, ..., P-1, 0, ...), balanced (-2: placed after loading),
 * or a comma list of pCPUs taken in turn. */
static gboolean layout_pin(const Loader *ld, const char *group, const char *layout, guint k,
                           int *out, GError **error)
{
    guint n = ld->host->n_pcpus;
    if (!layout || !strcmp(layout, "unpinned"))
        *out = -1;
    else if (!strcmp(layout, "balanced"))
        *out = -2;
    else if (!strcmp(layout, "alternating"))
        *out = (int)(k % MIN(2u, n));
    else if (!strcmp(layout, "round-robin"))
        *out = (int)(k % n);
    else if (g_str_has_prefix(layout, "all-on-"))
        return parse_pcpu(ld, group, layout + 7, out, error);
    else {
        g_auto(GStrv) items = g_strsplit(layout, ",", -1);
        guint n_items = g_strv_length(items);
        if (!n_items)
            return sova_keyfile_fail(&ld->l.k, group, "pin", error,
                                     "pin: empty (give pCPUs, a layout "
                                     "or \"unpinned\")");
        return parse_pcpu(ld, group, items[k % n_items], out, error);
    }
    return TRUE;
}

/* [vm NAME]: pin is "unpinned", one pCPU for all vCPUs, or one per vCPU */
static gboolean check_vm_pin_count(const Loader *ld, const char *group, const char *pin,
                                   guint n_vcpus, GError **error)
{
    if (!pin || !strcmp(pin, "unpinned") || !strcmp(pin, "balanced"))
        return TRUE;
    g_auto(GStrv) items = g_strsplit(pin, ",", -1);
    guint n = g_strv_length(items);
    if (n != 1 && n != n_vcpus)
        return sova_keyfile_fail(&ld->l.k, group, "pin", error,
                                 "pin: %u pCPUs given for %u vCPUs (give one per vCPU, "
                    "one for all, or \"unpinned\")", n, n_vcpus);
    return TRUE;
}

/* fills one VM's vCPUs: demand `which` for all of them (or, when which < 0, the demands in
 * turn, one per vCPU), pins from `layout` starting at the group's vCPU number *k */
static gboolean vm_fill(const Loader *ld, const char *group, SovaSimVmSpec *vm, GPtrArray *demands,
                        int which, const char *layout, guint *k, GError **error)
{
    for (guint i = 0; i < vm->n_vcpus; i++) {
        vm->demand[i] = g_ptr_array_index(demands, (which >= 0 ? (guint)which : i) % demands->len);
        if (!check_trace_columns(ld, group, vm->demand[i], vm->n_vcpus, error) ||
            !layout_pin(ld, group, layout, (*k)++, &vm->pin[i], error))
            return FALSE;
    }
    if (vm->affinity)
        for (guint i = 0; i < vm->n_vcpus; i++)
            if (vm->pin[i] >= 0 && !sova_cpuset_has(vm->affinity, (guint)vm->pin[i]))
                return sova_keyfile_fail(&ld->l.k, group, "pin", error,
                                         "pin: vCPU %u is pinned to pCPU %d, outside its "
                            "affinity", i, vm->pin[i]);
    return TRUE;
}

/* a new VM of the group, named and counted */
static SovaSimVmSpec *add_vm(Loader *ld, const char *group, const char *name, guint n_vcpus,
                             guint64 mem_mib, int line, GError **error)
{
    if (!sova_sim_loader_add_vm(&ld->l, group, name, n_vcpus, error))
        return NULL;
    return sova_sim_scenario_add_vm(ld->sc, name, n_vcpus, mem_mib * 1024, line);
}

static gboolean load_net_template(const Loader *ld, const char *group, gboolean single,
                                  SovaSimTraffic *t, GError **error)
{
    t->peak_pps = 1e6;
    t->packet_bytes = 1000;
    return sova_sim_load_traffic(&ld->l, group, !single, TRUE, t, error);
}

static gboolean load_vm(Loader *ld, const char *group, GError **error)
{
    guint n_vcpus = 1;
    guint64 mem = 1024;
    if (!sova_keyfile_get_guint(&ld->l.k, group, "vcpus", 1, 4096, &n_vcpus, error) ||
        !sova_keyfile_get_uint(&ld->l.k, group, "memory", 1, G_GUINT64_CONSTANT(1) << 30, &mem,
                               error))
        return FALSE;
    g_autoptr(GPtrArray) demands = load_demands(ld, group, error);
    if (!demands)
        return FALSE;
    if (demands->len != 1 && demands->len != n_vcpus)
        return sova_keyfile_fail(&ld->l.k, group, "demand", error,
                                 "demand: %u shapes given for %u vCPUs (give one per "
                    "vCPU, or one for all)", demands->len, n_vcpus);
    g_autofree char *pin = sova_keyfile_get_raw(&ld->l.k, group, "pin");
    if (!check_vm_pin_count(ld, group, pin, n_vcpus, error))
        return FALSE;
    g_auto(SovaSimTraffic) net = { 0 };
    if (!load_net_template(ld, group, TRUE, &net, error))
        return FALSE;
    SovaSimVmSpec *vm = add_vm(ld, group, group + 3, n_vcpus, mem,
                               sova_keyfile_line(&ld->l.k, group, NULL), error);
    guint k = 0;
    if (!vm || !load_affinity(ld, group, vm, error))
        return FALSE;
    sova_sim_traffic_fill(&net, ld->sc, vm, 0);
    return vm_fill(ld, group, vm, demands, -1, pin, &k, error);
}

/* [vms] / [vms PREFIX]: count VMs named PREFIX1..PREFIXcount; a demand list is cycled over them */
static gboolean load_vms(Loader *ld, const char *group, GError **error)
{
    guint n_vcpus = 1, count = 0;
    guint64 mem = 1024;
    if (!sova_sim_load_count(&ld->l, group, SOVA_SIM_MAX_VMS, &count, error) ||
        !sova_keyfile_get_guint(&ld->l.k, group, "vcpus", 1, 4096, &n_vcpus, error) ||
        !sova_keyfile_get_uint(&ld->l.k, group, "memory", 1, G_GUINT64_CONSTANT(1) << 30, &mem,
                               error))
        return FALSE;
    g_autoptr(GPtrArray) demands = load_demands(ld, group, error);
    if (!demands)
        return FALSE;
    g_auto(SovaSimTraffic) net = { 0 };
    if (!load_net_template(ld, group, FALSE, &net, error))
        return FALSE;
    g_autofree char *pin = sova_keyfile_get_raw(&ld->l.k, group, "pin");
    const char *prefix = group[3] ? group + 4 : "vm";
    int line = sova_keyfile_line(&ld->l.k, group, NULL);
    guint k = 0;
    for (guint i = 0; i < count; i++) {
        g_autofree char *name = g_strdup_printf("%s%u", prefix, i + 1);
        SovaSimVmSpec *vm = add_vm(ld, group, name, n_vcpus, mem, line, error);
        if (!vm || !load_affinity(ld, group, vm, error) ||
            !vm_fill(ld, group, vm, demands, (int)i, pin, &k, error))
            return FALSE;
        sova_sim_traffic_fill(&net, ld->sc, vm, i);
    }
    return TRUE;
}

static gboolean load_all_vms(Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->l.k.kf, NULL);
    for (int g = 0; groups[g]; g++) {
        gboolean ok = TRUE;
        if (g_str_has_prefix(groups[g], "vm "))
            ok = load_vm(ld, groups[g], error);
        else if (!strcmp(groups[g], "vms") || g_str_has_prefix(groups[g], "vms "))
            ok = load_vms(ld, groups[g], error);
        if (!ok)
            return FALSE;
    }
    if (!ld->sc->vms->len)
        return sova_keyfile_fail(&ld->l.k, NULL, NULL, error,
                                 "no VMs: add a [vm NAME] or [vms] group");
    return TRUE;
}

/* ---- balanced layout ---- */

typedef struct {
    SovaSimVmSpec *vm;
    guint vcpu;
    double demand;
} Item;

static gint item_order(gconstpointer a, gconstpointer b)
{
    double x = ((const Item *)a)->demand, y = ((const Item *)b)->demand;
    return (x < y) - (x > y);   /* largest first; g_array_sort is stable */
}

/* pin=balanced: largest initial demand first onto the least loaded allowed pCPU */
static void place_balanced(SovaSimScenario *sc)
{
    const SovaSimHostSpec *h = sova_sim_scenario_host(sc, 0);
    guint n = h->n_pcpus;
    g_autofree double *load = g_memdup2(h->background, n * sizeof(double));
    g_autoptr(GArray) items = g_array_new(FALSE, FALSE, sizeof(Item));
    for (guint i = 0; i < sc->vms->len; i++) {
        SovaSimVmSpec *vm = g_ptr_array_index(sc->vms, i);
        for (guint v = 0; v < vm->n_vcpus; v++) {
            SovaDemandState st = { 0 };
            double d = sova_demand_at(vm->demand[v], &st, v, 0, NULL);
            if (vm->pin[v] >= 0)
                load[vm->pin[v]] += d;
            else if (vm->pin[v] == -2)
                g_array_append_val(items, ((Item){ vm, v, d }));
        }
    }
    g_array_sort(items, item_order);
    for (guint i = 0; i < items->len; i++) {
        Item *it = &g_array_index(items, Item, i);
        int best = -1;
        for (guint p = 0; p < n; p++)
            if ((!it->vm->affinity || sova_cpuset_has(it->vm->affinity, p)) &&
                (best < 0 || load[p] < load[best]))
                best = (int)p;
        it->vm->pin[it->vcpu] = best;
        load[best] += it->demand;
    }
}

/* ---- entry points ---- */

static SovaSimScenario *load(const char *path, const char *text, GError **error)
{
    g_autoptr(SovaSimScenario) sc = sova_sim_scenario_new(path);
    Loader ld = { .sc = sc };
    gboolean ok = sova_sim_loader_open(&ld.l, path, text, sc->demands, error) &&
                  check_known(&ld, error) && load_host(&ld, error) &&
                  load_scenario(&ld, sc, error) && load_all_vms(&ld, error);
    sova_sim_loader_close(&ld.l);
    if (!ok)
        return NULL;
    place_balanced(sc);
    return g_steal_pointer(&sc);
}

SovaSimScenario *sova_sim_scenario_load_data(const char *path, const char *text, GError **error)
{
    return load(path, text, error);
}

SovaSimScenario *sova_sim_scenario_load(const char *path, GError **error)
{
    return load(path, NULL, error);
}
