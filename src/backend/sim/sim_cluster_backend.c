/* sim_cluster_backend.c — one simulated cluster host behind the backend interface: what
 * the controller and the agents see of the model in sim_cluster.c (see sim_cluster.h).
 *
 * Sampling reports exact counters (no measurement noise: a sample changes nothing, so
 * the controller and the host's agent may both sample the same host). Modelled calls:
 * P + 2 per sample as the libvirt backend, 1 per pin, VF move, publication and poll. */
#include "backend/sim/sim_cluster_private.h"
#include "util/error.h"
#include <math.h>
#include <string.h>

SimClusterHost *sova_sim_cluster_host_of(SovaBackend *be)
{
    SimClusterBackend *b = (SimClusterBackend *)be;
    return &b->cluster->hosts[b->index];
}

static SovaSimCluster *cluster_of(SovaBackend *be)
{
    return ((SimClusterBackend *)be)->cluster;
}

static guint index_of(SovaBackend *be)
{
    return ((SimClusterBackend *)be)->index;
}

/* ---- sampling ---- */

static void fill_pcpus(const SimClusterHost *h, SovaSnapshot *snap)
{
    for (guint p = 0; p < h->spec->n_pcpus; p++) {
        SovaPcpuSample *ps = sova_snapshot_pcpu(snap, p);
        ps->socket = 0;
        ps->cell = 0;
        ps->core = (int)p;
        ps->busy_ns = (guint64)llround(h->busy_ns[p]);
        ps->idle_ns = (guint64)llround(h->idle_ns[p]);
    }
}

static void fill_nics(const SimClusterVm *vm, guint v, SovaVmSample *vs)
{
    g_autofree char *tap = g_strdup_printf("vnet%u", v);
    SovaNicSample *n = sova_vm_add_nic(vs, "ua-sova-net0", vm->mac, tap, SOVA_NIC_STANDBY);
    n->rx_bytes = n->tx_bytes = (guint64)llround(vm->standby_bytes / 2);
    n->rx_packets = n->tx_packets = (guint64)llround(vm->standby_pkts / 2);
    if (!vm->holds_vf)
        return;
    /* like the rig's stand-in VF: a tap of its own, with counters */
    g_autofree char *vtap = g_strdup_printf("vfvnet%u", v);
    SovaNicSample *f = sova_vm_add_nic(vs, "ua-sova-vf0", vm->mac, vtap, SOVA_NIC_VF);
    f->rx_bytes = f->tx_bytes = (guint64)llround(vm->vf_bytes / 2);
    f->rx_packets = f->tx_packets = (guint64)llround(vm->vf_pkts / 2);
}

static void fill_vm(const SovaSimCluster *c, const SimClusterHost *h, guint v, SovaSnapshot *snap)
{
    const SimClusterVm *vm = &c->vms[v];
    double t = sova_sim_cluster_now_of(c);
    SovaVmSample *vs = sova_snapshot_add_vm(snap, vm->uuid, vm->spec->name, vm->spec->n_vcpus);
    const SimClusterMigration *m = vm->migration;
    vs->state = m && !m->fails && t >= m->end - m->downtime_s ? SOVA_VM_PAUSED : SOVA_VM_RUNNING;
    vs->memory_kib = vm->spec->memory_kib;
    for (guint i = 0; i < vm->spec->n_vcpus; i++) {
        const SimClusterVcpu *vc = &vm->vcpus[i];
        SovaVcpuSample *s = sova_vm_vcpu(vs, i);
        s->time_ns = (guint64)llround(vc->time_ns);
        s->delay_ns = (guint64)llround(vc->delay_ns);
        s->has_delay = TRUE;
        s->pcpu = vc->pcpu;
        if (vc->affinity)
            s->affinity = sova_cpuset_copy(vc->affinity);
        else {
            s->affinity = sova_cpuset_new(h->spec->n_pcpus);
            for (guint p = 0; p < h->spec->n_pcpus; p++)
                sova_cpuset_add(s->affinity, p);
        }
        vs->cpu_time_ns += s->time_ns;
    }
    if (c->sc->has_net)
        fill_nics(vm, v, vs);
    vs->no_migrate = vm->spec->no_migrate;
    vs->group = g_strdup(vm->spec->group);
    vs->leaving = m != NULL;
    vs->host_nic_util = -1;
    if (vm->has_status) {
        vs->has_net_status = TRUE;
        vs->net_wants_vf = vm->published.wants_vf;
        vs->net_unmet = vm->published.unmet;
        vs->net_benefit = vm->published.benefit;
        vs->host_nic_util = vm->published.nic_util;
    }
}

static SovaSnapshot *cl_sample(SovaBackend *be, GError **error)
{
    SovaSimCluster *c = cluster_of(be);
    SimClusterHost *h = sova_sim_cluster_host_of(be);
    if (!h->up) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_CONNECT, "host %s is unreachable (simulated)", h->spec->name);
        return NULL;
    }
    be->calls += h->spec->n_pcpus + 2;
    SovaSnapshot *snap = sova_snapshot_new(h->spec->n_pcpus);
    snap->time_us = (gint64)(c->now_ns / 1000);
    snap->host = g_strdup(h->spec->name);
    snap->memory_kib = h->spec->memory_kib;
    snap->vf_pool = h->spec->nic.vfs;
    snap->host_nic_capacity_Bps = sova_sim_nic_capacity_Bps(&h->spec->nic);
    snap->has_host_nic = TRUE;
    snap->host_nic_rx_bytes = snap->host_nic_tx_bytes = (guint64)llround(h->nic_bytes / 2);
    fill_pcpus(h, snap);
    for (guint v = 0; v < c->n_vms; v++)
        if (c->vms[v].host == (int)index_of(be))
            fill_vm(c, h, v, snap);
    return snap;
}

/* ---- actions ---- */

static SimClusterVm *vm_here(SovaBackend *be, const char *uuid, GError **error)
{
    SovaSimCluster *c = cluster_of(be);
    int v = sova_sim_cluster_find_vm(c, uuid);
    if (v < 0 || c->vms[v].host != (int)index_of(be)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "no VM with UUID %s on host %s", uuid,
                    sova_sim_cluster_host_of(be)->spec->name);
        return NULL;
    }
    return &c->vms[v];
}

static gboolean pin(SovaBackend *be, SimClusterVm *vm, const SovaAction *a, GError **error)
{
    guint n = sova_sim_cluster_host_of(be)->spec->n_pcpus;
    int *pcpu = a->vcpu >= 0 && (guint)a->vcpu < vm->spec->n_vcpus ? &vm->vcpus[a->vcpu].pcpu : NULL;
    SovaCpuSet *set = sova_sim_cpu_pin(a, vm->spec->name, vm->spec->n_vcpus, n, pcpu, error);
    if (!set)
        return FALSE;
    SimClusterVcpu *vc = &vm->vcpus[a->vcpu];
    sova_cpuset_free(vc->affinity);
    vc->affinity = set;
    return TRUE;
}

static gboolean attach_vf(SovaBackend *be, SimClusterVm *vm, GError **error)
{
    SimClusterHost *h = sova_sim_cluster_host_of(be);
    const char *why = vm->holds_vf ? "already holds a VF" : vm->migration ? "is migrating"
                    : !vm->spec->net_demand ? "has no standby NIC"
                    : h->vfs_in_use >= h->spec->nic.vfs ? "cannot get one: the VF pool is exhausted" : NULL;
    if (why) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "%s %s", vm->spec->name, why);
        return FALSE;
    }
    vm->holds_vf = TRUE;
    vm->vf_bytes = vm->vf_pkts = 0;
    h->vfs_in_use++;
    return TRUE;
}

static gboolean detach_vf(SovaBackend *be, SimClusterVm *vm, GError **error)
{
    if (!vm->holds_vf) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "%s holds no VF", vm->spec->name);
        return FALSE;
    }
    vm->holds_vf = FALSE;
    sova_sim_cluster_host_of(be)->vfs_in_use--;
    return TRUE;
}

static gboolean cl_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    be->calls++;
    SimClusterVm *vm = vm_here(be, a->uuid, error);
    if (!vm)
        return FALSE;
    switch (a->kind) {
    case SOVA_ACTION_PIN:
        return pin(be, vm, a, error);
    case SOVA_ACTION_ATTACH_VF:
        return attach_vf(be, vm, error);
    case SOVA_ACTION_DETACH_VF:
        return detach_vf(be, vm, error);
    case SOVA_ACTION_MIGRATE:
    default:
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "migrations go through migrate_start");
        return FALSE;
    }
}

static gboolean cl_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    return sova_sim_cluster_advance(cluster_of(be), seconds, stop);
}

/* memory the destination has promised: its VMs and those migrating to it */
static guint64 memory_committed(const SovaSimCluster *c, guint h)
{
    guint64 kib = 0;
    for (guint v = 0; v < c->n_vms; v++) {
        const SimClusterVm *vm = &c->vms[v];
        if (vm->host == (int)h || (vm->migration && vm->migration->to == h))
            kib += vm->spec->memory_kib;
    }
    return kib;
}

static gboolean cl_migrate_start(SovaBackend *be, const char *uuid, SovaBackend *dest,
                                 const SovaMigrateOptions *opts, GError **error)
{
    SovaSimCluster *c = cluster_of(be);
    be->calls++;
    SimClusterVm *vm = vm_here(be, uuid, error);
    if (!vm)
        return FALSE;
    int to = sova_sim_cluster_host_of_backend(c, dest);
    const char *why = to < 0 ? "the destination is not a host of this simulated cluster"
                    : to == vm->host ? "the destination is the source"
                    : vm->migration ? "a migration of this VM is already running"
                    : !sova_sim_cluster_host_of(be)->up ? "the source host is unreachable"
                    : !c->hosts[to].up ? "cannot connect to the destination host: it is unreachable"
                    : memory_committed(c, (guint)to) + vm->spec->memory_kib > c->hosts[to].spec->memory_kib
                        ? "not enough free memory on the destination host" : NULL;
    if (why) {
        g_set_error(error, SOVA_ERROR, to >= 0 && !c->hosts[to].up ? SOVA_ERROR_CONNECT : SOVA_ERROR_BACKEND,
                    "cannot migrate %s: %s", vm->spec->name, why);
        return FALSE;
    }
    sova_sim_cluster_start_migration(c, (guint)(vm - c->vms), (guint)to, opts);
    return TRUE;
}

static gboolean cl_migrate_poll(SovaBackend *be, const char *uuid, SovaMigrationStatus *out)
{
    SovaSimCluster *c = cluster_of(be);
    int v = sova_sim_cluster_find_vm(c, uuid);
    guint index = 0;
    SimClusterMigration *m = v < 0 ? NULL : sova_sim_cluster_find_migration(c, (guint)v, index_of(be), &index);
    if (!m)
        return FALSE;
    be->calls++;
    double t = sova_sim_cluster_now_of(c);
    memset(out, 0, sizeof *out);
    out->state = m->state;
    out->elapsed_s = MIN(t, m->end) - m->start;
    out->progress = m->total_s > 0 ? CLAMP(out->elapsed_s / m->total_s, 0.0, 1.0) : 1.0;
    out->downtime_s = m->state == SOVA_MIGRATION_DONE ? m->downtime_s : -1;
    out->aborted = m->aborted;
    if (m->state != SOVA_MIGRATION_RUNNING) {
        out->error = g_strdup(m->error);
        g_ptr_array_remove_index(c->migrations, index);   /* reported once, then forgotten */
    }
    return TRUE;
}

static gboolean cl_publish_net(SovaBackend *be, const char *uuid, const SovaNetPublish *st, GError **error)
{
    be->calls++;
    SimClusterVm *vm = vm_here(be, uuid, error);
    if (!vm)
        return FALSE;
    vm->has_status = TRUE;
    vm->published = *st;
    return TRUE;
}

/* host backends belong to their cluster: sova_backend_free() on one does nothing */
static void cl_free(SovaBackend *be)
{
    (void)be;
}

static const SovaBackendOps cluster_ops = {
    .name = "sim-cluster",
    .sample = cl_sample,
    .execute = cl_execute,
    .wait = cl_wait,
    .migrate_start = cl_migrate_start,
    .migrate_poll = cl_migrate_poll,
    .publish_net = cl_publish_net,
    .free = cl_free,
};

const SovaBackendOps *sova_sim_cluster_backend_ops(void)
{
    return &cluster_ops;
}
