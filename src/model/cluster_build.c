/* cluster_build.c — snapshots -> per-host models -> SovaCluster; see cluster_build.h.
 *
 * The per-host models are built unsmoothed (alpha 1): smoothing is done here, per VM by
 * UUID, so that it survives a VM changing hosts. A VM with no rate this interval (new
 * on this host, counters reset, or a VF with no host-side counters) keeps its smoothed
 * value instead of being seen as idle. A host's non-VM load (CPU time beyond its VMs',
 * NIC traffic beyond theirs) is read only from intervals no VM came to or left it in
 * (vm_churn.h): in one that did, a migrated VM's time there would read as non-VM load on
 * top of its carried demand (+0.2 to +0.5 of a host on the destination for a sample, as
 * much on the source), so the last reading is kept (cluster_build_host.c: a host's
 * figures). The run-queue delay a host's remaining VMs measured while a VM that left was
 * there is credited with what that VM used (cluster_vm_cpu.h): the freed pCPUs serve it. */
#include "model/cluster_build.h"
#include "model/model.h"
#include "model/netmodel.h"
#include "model/cluster_vm_cpu.h"
#include "model/vm_churn.h"
#include <string.h>

#define PRUNE_AFTER 100       /* intervals a VM may stay unseen before it is forgotten */

#include "model/cluster_build_private.h"

SovaClusterBuilder *sova_cluster_builder_new(const char *const *names, guint n_hosts,
                                             const SovaClusterBuildParams *params)
{
    SovaClusterBuilder *b = g_new0(SovaClusterBuilder, 1);
    sova_cluster_builder_set_params(b, params);
    b->n_hosts = n_hosts;
    b->hosts = g_new0(BuildHost, n_hosts);
    for (guint i = 0; i < n_hosts; i++) {
        b->hosts[i].name = g_strdup(names[i]);
        b->hosts[i].nic_history = g_array_new(FALSE, FALSE, sizeof(double));
    }
    b->vms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return b;
}

void sova_cluster_builder_free(SovaClusterBuilder *b)
{
    if (!b)
        return;
    for (guint i = 0; i < b->n_hosts; i++) {
        g_free(b->hosts[i].name);
        sova_snapshot_free(b->hosts[i].prev);
        g_array_unref(b->hosts[i].nic_history);
    }
    g_free(b->hosts);
    g_strfreev(b->exclude);
    g_strfreev(b->groups);
    g_hash_table_unref(b->vms);
    g_free(b);
}

void sova_cluster_builder_set_params(SovaClusterBuilder *b, const SovaClusterBuildParams *params)
{
    g_auto(GStrv) exclude = b->exclude, groups = b->groups;   /* params may point into them */
    b->params = *params;
    if (!(b->params.ewma_alpha > 0 && b->params.ewma_alpha <= 1))
        b->params.ewma_alpha = 1.0;
    b->exclude = g_strdupv((char **)params->exclude);
    b->groups = g_strdupv((char **)params->groups);
    b->params.exclude = (const char *const *)b->exclude;
    b->params.groups = (const char *const *)b->groups;
}

void sova_cluster_builder_set_host(SovaClusterBuilder *b, guint host, gboolean maintenance,
                                   gboolean excluded)
{
    g_return_if_fail(host < b->n_hosts);
    b->hosts[host].maintenance = maintenance;
    b->hosts[host].excluded = excluded;
}

const SovaSnapshot *sova_cluster_builder_snapshot(const SovaClusterBuilder *b, guint host)
{
    g_return_val_if_fail(host < b->n_hosts, NULL);
    return b->hosts[host].prev;
}

static BuildVm *vm_state(SovaClusterBuilder *b, const char *uuid)
{
    BuildVm *v = g_hash_table_lookup(b->vms, uuid);
    if (!v) {
        v = g_new0(BuildVm, 1);
        sova_vm_cpu_estimate_init(&v->est);
        v->net_Bps = -1;
        v->last_moved = v->failed_at = -1;
        g_hash_table_insert(b->vms, g_strdup(uuid), v);
    }
    return v;
}

void sova_cluster_builder_migration_started(SovaClusterBuilder *b, const char *uuid, guint from,
                                            guint to)
{
    BuildVm *v = vm_state(b, uuid);
    v->migrating = TRUE;
    v->from = from;
    v->to = to;
    v->seen_at = b->interval;
}

void sova_cluster_builder_migration_finished(SovaClusterBuilder *b, const char *uuid,
                                             gboolean ok, double now)
{
    BuildVm *v = vm_state(b, uuid);
    v->migrating = FALSE;
    if (ok) {
        v->last_moved = now;
        v->failures = 0;
    } else {
        v->failures++;
        v->failed_at = now;
    }
}

void sova_cluster_builder_history(const SovaClusterBuilder *b, const char *uuid,
                                  double *last_moved, guint *failures, double *failed_at)
{
    const BuildVm *v = g_hash_table_lookup(b->vms, uuid);
    *last_moved = v ? v->last_moved : -1;
    *failures = v ? v->failures : 0;
    *failed_at = v ? v->failed_at : -1;
}

/* ---- one host's models ---- */

static void view_clear(HostView *v)
{
    sova_model_free(v->model);
    sova_net_model_free(v->net);
}

/* busy / (busy + idle) between two snapshots' CPU totals; -1 when either lacks them */
static double busy_share(const SovaSnapshot *prev, const SovaSnapshot *cur)
{
    if (!prev->has_cpu_totals || !cur->has_cpu_totals || cur->cpu_busy_ns < prev->cpu_busy_ns ||
        cur->cpu_idle_ns < prev->cpu_idle_ns)
        return -1;
    double busy = (double)(cur->cpu_busy_ns - prev->cpu_busy_ns);
    double idle = (double)(cur->cpu_idle_ns - prev->cpu_idle_ns);
    return busy + idle > 0 ? busy / (busy + idle) : 0;
}

/* what a VM used of its host's CPU as last read (vm_churn.h), 0 unknown */
static double one(const char *uuid, gpointer data)
{
    (void)uuid, (void)data;
    return 1;
}

static double cpu_used(const char *uuid, gpointer b)
{
    const BuildVm *v = g_hash_table_lookup(((SovaClusterBuilder *)b)->vms, uuid);
    return v ? v->cpu.demand - v->cpu.unmet : 0;
}

/* takes snap over; the host is up this interval when it has a previous snapshot */
static void host_view(SovaClusterBuilder *b, BuildHost *h, SovaSnapshot *snap, HostView *out)
{
    memset(out, 0, sizeof *out);
    out->busy_share = -1;
    if (!snap)
        return;
    if (h->prev && snap->time_us > h->prev->time_us) {
        SovaModelParams mp = { .ewma_alpha = 1.0 };
        SovaNetModelParams np = { .ewma_alpha = 1.0,
                                  .nic_capacity_Bps = snap->host_nic_capacity_Bps };
        out->model = sova_model_build(h->prev, snap, NULL, &mp);
        out->net = sova_net_model_build(h->prev, snap, NULL, &np);
        out->busy_share = busy_share(h->prev, snap);
        out->vms_changed = sova_vms_changed(h->prev, snap, out->model);
        out->left_cpu = out->vms_changed ? sova_vms_left_cpu(h->prev, snap, cpu_used, b) : 0;
        out->vms_left = out->vms_changed && sova_vms_left_cpu(h->prev, snap, one, NULL) > 0;
        out->up = TRUE;
    }
    sova_snapshot_free(h->prev);
    h->prev = snap;
    out->cur = snap;
}

gboolean cb_raw_net(const SovaNetModel *nm, const char *uuid, double *out)
{
    const SovaNetVmLoad *v = sova_net_model_find(nm, uuid);
    if (!v || v->fresh || v->blind)
        return FALSE;
    *out = sova_net_rates_bps(&v->raw);
    return TRUE;
}

/* the group of vm from the config ("NAME:a,b"), or NULL */
static char *config_group(const SovaClusterBuilder *b, const SovaVmSample *vm)
{
    for (guint i = 0; b->groups && b->groups[i]; i++) {
        const char *colon = strchr(b->groups[i], ':');
        if (!colon)
            continue;
        g_auto(GStrv) members = g_strsplit(colon + 1, ",", -1);
        if (sova_vm_listed(vm, (const char *const *)members))
            return g_strndup(b->groups[i], colon - b->groups[i]);
    }
    return NULL;
}

/* ---- placing VMs: one entry per UUID ---- */

typedef struct {
    guint host;
    const SovaVmSample *vm;
} Seen;

/* the better of two sightings of one VM: a running copy over a paused one (the
 * incoming side of a migration is paused until the switch-over), else the first */
static gboolean better(const Seen *now, const Seen *old)
{
    return now->vm->state == SOVA_VM_RUNNING && old->vm->state != SOVA_VM_RUNNING;
}

/* every VM of the up hosts, once, in host then snapshot order (deterministic) */
static GArray *collect_vms(const HostView *views, guint n)
{
    GArray *order = g_array_new(FALSE, FALSE, sizeof(Seen));
    g_autoptr(GHashTable) index = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint h = 0; h < n; h++) {
        if (!views[h].up)
            continue;
        for (guint i = 0; i < views[h].cur->vms->len; i++) {
            const SovaVmSample *vm = g_ptr_array_index(views[h].cur->vms, i);
            if (vm->state == SOVA_VM_OTHER)
                continue;
            Seen s = { h, vm };
            gpointer at;
            if (!g_hash_table_lookup_extended(index, vm->uuid, NULL, &at)) {
                g_hash_table_insert(index, (gpointer)vm->uuid, GUINT_TO_POINTER(order->len));
                g_array_append_val(order, s);
            } else if (better(&s, &g_array_index(order, Seen, GPOINTER_TO_UINT(at)))) {
                g_array_index(order, Seen, GPOINTER_TO_UINT(at)) = s;
            }
        }
    }
    return order;
}

static void update_demand(SovaClusterBuilder *b, BuildVm *st, const HostView *v,
                          const SovaVmSample *vm)
{
    double net = 0;
    gboolean have_net = cb_raw_net(v->net, vm->uuid, &net);
    /* its own estimate, moved by a fresh agent's summary beyond its noise (cluster_vm_cpu.h) */
    double iv = b->params.interval_s > 0 ? b->params.interval_s : 10;
    st->cpu = sova_vm_cpu_update(&st->est, v->model, vm, b->params.ewma_alpha, iv);
    /* traffic carried from before a VM left its host was its share of a NIC that VM also
     * used (capped, where the NIC was full): this interval's rate, if any, starts it afresh */
    double carried = v->vms_left && have_net ? -1 : st->net_Bps;
    st->net_Bps = sova_vm_cpu_smooth(b->params.ewma_alpha, carried, have_net, net);
}

static void add_vm(SovaClusterBuilder *b, SovaCluster *c, const Seen *s, const HostView *views)
{
    const SovaVmSample *vm = s->vm;
    BuildVm *st = vm_state(b, vm->uuid);
    st->seen_at = b->interval;
    update_demand(b, st, &views[s->host], vm);
    gboolean moving = st->migrating && st->to < b->n_hosts && views[st->to].up;
    SovaClusterVm *cv = sova_cluster_add_vm(c, vm->uuid, vm->name, moving ? (int)st->to
                                                                         : (int)s->host);
    cv->from_host = moving ? (int)st->from : -1;
    cv->migrating = st->migrating;
    cv->cpu = st->cpu.demand;
    cv->cpu_unmet = st->cpu.unmet;
    cv->cpu_from_agent = st->cpu.from_agent;
    cv->n_vcpus = vm->vcpus->len;
    cv->memory_kib = vm->memory_kib;
    cv->net_Bps = st->net_Bps;
    cv->holds_vf = cb_holds_vf(vm);
    cv->wants_vf = vm->has_net_status && vm->net_wants_vf;
    cv->unmet_vf = vm->has_net_status && vm->net_unmet;
    cv->vf_detaching = vm->has_net_status && vm->net_vf_detaching && cv->holds_vf;
    cv->pinned = vm->no_migrate || sova_vm_listed(vm, b->params.exclude);
    g_free(cv->group);
    cv->group = vm->group ? g_strdup(vm->group) : config_group(b, vm);
    cv->together = g_strdup(vm->together);
    cv->hosts = g_strdupv(vm->hosts);
    cv->migrate_manual = vm->migrate_manual;
    cv->leaving = vm->leaving;
    cv->last_moved = st->last_moved;
    cv->failures = st->failures;
    cv->failed_at = st->failed_at;
}

/* the run-queue delay host h's VMs measured, less what VMs that left it used there
 * (cluster_vm_cpu.h): the cluster's VMs are seen's, in its order */
static void credit_left(SovaClusterBuilder *b, SovaCluster *c, GArray *seen, guint h, double freed)
{
    g_autoptr(GPtrArray) est = g_ptr_array_new();
    for (guint i = 0; i < seen->len; i++)
        if (g_array_index(seen, Seen, i).host == h)
            g_ptr_array_add(est, &vm_state(b, g_array_index(seen, Seen, i).vm->uuid)->est);
    sova_vm_cpu_credit((SovaVmCpuEstimate *const *)est->pdata, est->len, freed);
    for (guint i = 0; i < seen->len; i++) {
        BuildVm *st = vm_state(b, g_array_index(seen, Seen, i).vm->uuid);
        if (g_array_index(seen, Seen, i).host == h && !st->cpu.from_agent) {
            st->cpu.unmet = CLAMP(st->est.own_unmet, 0.0, st->cpu.demand);
            sova_cluster_vm(c, i)->cpu_unmet = st->cpu.unmet;
        }
    }
}


static void prune_vms(SovaClusterBuilder *b)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, b->vms);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const BuildVm *st = v;
        if (!st->migrating && b->interval - st->seen_at > PRUNE_AFTER)
            g_hash_table_iter_remove(&it);
    }
}

/* the newest snapshot's time; kept while every host is down */
static double cluster_now(SovaClusterBuilder *b, const HostView *views)
{
    for (guint i = 0; i < b->n_hosts; i++)
        if (views[i].cur)
            b->now = MAX(b->now, views[i].cur->time_us / 1e6);
    return b->now;
}

static SovaCluster *assemble(SovaClusterBuilder *b, const HostView *views)
{
    SovaCluster *c = sova_cluster_new();
    memcpy(c->weights, b->params.weights, sizeof c->weights);
    c->now = cluster_now(b, views);
    for (guint i = 0; i < b->n_hosts; i++) {
        SovaClusterHost *h = sova_cluster_add_host(c, b->hosts[i].name);
        cb_fill_host(&b->hosts[i], &views[i], h);
        if (views[i].up) {
            h->vf_in_use = cb_vfs_held(views[i].cur);
        }
    }
    g_autoptr(GArray) seen = collect_vms(views, b->n_hosts);
    for (guint i = 0; i < seen->len; i++)
        add_vm(b, c, &g_array_index(seen, Seen, i), views);
    for (guint i = 0; i < b->n_hosts; i++)
        if (views[i].left_cpu > 0)
            credit_left(b, c, seen, i, views[i].left_cpu);
    double *loads[SOVA_RES_N];
    for (int r = 0; r < SOVA_RES_N; r++)
        loads[r] = sova_cluster_loads(c, r);   /* one pass per resource, not one per host */
    for (guint i = 0; i < b->n_hosts; i++)
        cb_track_host(b, c, i, &views[i], loads);
    for (int r = 0; r < SOVA_RES_N; r++)
        g_free(loads[r]);
    sova_cluster_check_rules(c);   /* contradictory per-VM rules: those VMs are not moved */
    return c;
}

SovaCluster *sova_cluster_builder_update(SovaClusterBuilder *b, SovaSnapshot **snaps)
{
    b->interval++;
    g_autofree HostView *views = g_new0(HostView, b->n_hosts);
    gboolean any_up = FALSE;
    for (guint i = 0; i < b->n_hosts; i++) {
        host_view(b, &b->hosts[i], snaps[i], &views[i]);
        any_up |= views[i].up;
    }
    SovaCluster *c = NULL;
    if (any_up || b->built) {
        c = assemble(b, views);
        b->built = TRUE;
    }
    for (guint i = 0; i < b->n_hosts; i++)
        view_clear(&views[i]);
    prune_vms(b);
    return c;
}
