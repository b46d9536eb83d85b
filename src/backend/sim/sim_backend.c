/* sim_backend.c — one simulated host behind the backend interface: what the agent and the
 * controller see of the simulator (sim_cluster.c), and what they do to it; see
 * sim_backend.h (a single host) and sim_cluster.h (many).
 *
 * Two sets of counters are kept: the truth (what the CPU model delivered) and what the
 * backend reports. Without noise they are equal. With noise, each reported increment is
 * the true one plus a uniform error of ±noise points of the elapsed time, clamped so that
 * counters never go backwards and a pCPU's busy + idle still equals the elapsed time.
 * Modelled libvirt calls: P + 2 per sample, 1 per action (pin, VF attach or detach),
 * publication and poll, and 1 at the next sample to re-read the XML of a VM whose VF
 * moved. */
#include "backend/sim/sim_backend.h"
#include "backend/sim/sim_cluster_private.h"
#include "util/error.h"
#include <math.h>
#include <string.h>
#include <time.h>

SimHost *sova_sim_host_of(SovaBackend *be)
{
    return (SimHost *)be;
}

guint64 sova_sim_process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (guint64)ts.tv_sec * 1000000000u + (guint64)ts.tv_nsec;
}

/* ---- sampling ---- */

/* the increment since the last report, with noise: ± noise points of `elapsed` */
static guint64 noisy_delta(SimHost *h, SimCounter *c, guint64 elapsed)
{
    double delta = (double)(c->truth - c->last);
    if (h->spec->noise > 0 && elapsed > 0)
        delta += g_rand_double_range(h->noise_rng, -h->spec->noise, h->spec->noise) / 100.0 *
                 (double)elapsed;
    c->last = c->truth;
    return delta > 0 ? (guint64)llround(delta) : 0;
}

static void report_counter(SimHost *h, SimCounter *c, guint64 elapsed)
{
    c->reported += noisy_delta(h, c, elapsed);
}

/* busy and idle together: the noise moves time between them, their sum stays exact */
static void report_pcpu(SimHost *h, guint p)
{
    SimCounter *b = &h->pbusy[p], *i = &h->pidle[p];
    guint64 elapsed = (b->truth - b->last) + (i->truth - i->last);
    guint64 busy = noisy_delta(h, b, elapsed);   /* (not inside MIN: it has side effects) */
    busy = MIN(busy, elapsed);
    b->reported += busy;
    i->reported += elapsed - busy;
    i->last = i->truth;
}

static void fill_pcpus(SimHost *h, SovaSnapshot *snap)
{
    const SovaSimHostSpec *s = h->spec;
    for (guint p = 0; p < s->n_pcpus; p++) {
        SovaPcpuSample *ps = sova_snapshot_pcpu(snap, p);
        report_pcpu(h, p);
        ps->socket = (int)(p / (s->n_pcpus / s->sockets));
        ps->core = (int)(p / s->threads_per_core);
        ps->cell = (int)(p / (s->n_pcpus / s->cells));
        ps->busy_ns = h->pbusy[p].reported;
        ps->idle_ns = h->pidle[p].reported;
    }
}

/* what the VM's metadata and state say: paused in a downtime, migrate='no', its group,
 * leaving, what its agent published */
static void fill_meta(const SovaSimCluster *c, const SimVm *vm, SovaVmSample *vs)
{
    const SimMigration *m = vm->migration;
    double t = sova_sim_cluster_now_of(c);
    vs->state = m && !m->fails && t >= m->end - m->downtime_s ? SOVA_VM_PAUSED : SOVA_VM_RUNNING;
    vs->no_migrate = vm->spec->no_migrate;
    vs->group = g_strdup(vm->spec->group);
    vs->together = g_strdup(vm->spec->together);
    vs->hosts = g_strdupv(vm->spec->hosts);
    vs->leaving = m != NULL;
    vs->host_nic_util = -1;
    if (vm->has_status) {
        vs->has_net_status = TRUE;
        vs->net_wants_vf = vm->published.wants_vf;
        vs->net_unmet = vm->published.unmet;
        vs->net_vf_detaching = vm->published.vf_detaching;
        vs->net_benefit = vm->published.benefit;
        vs->host_nic_util = vm->published.nic_util;
    }
    vs->cpu_summary = vm->cpu_published;
    vs->cpu_summary.age_s = t - vm->cpu_published.at;
}

static void fill_vm(SimHost *h, SovaSnapshot *snap, SimVm *vm, guint64 elapsed)
{
    SovaSimCluster *c = h->cluster;
    SovaVmSample *vs = sova_snapshot_add_vm(snap, vm->uuid, vm->spec->name, vm->spec->n_vcpus);
    vs->memory_kib = vm->spec->memory_kib;
    sova_sim_net_fill_vm(c->net, (guint)(vm - c->vms), vs);
    for (guint i = 0; i < vm->spec->n_vcpus; i++) {
        SimVcpu *vc = &vm->vcpus[i];
        SovaVcpuSample *v = sova_vm_vcpu(vs, i);
        report_counter(h, &vc->time, elapsed);
        report_counter(h, &vc->delay, elapsed);
        v->time_ns = vc->time.reported;
        v->delay_ns = vc->delay.reported;
        v->has_delay = TRUE;
        v->pcpu = vc->pcpu;
        v->affinity = sova_cpuset_copy(vc->affinity);
        vs->cpu_time_ns += v->time_ns;
    }
    fill_meta(c, vm, vs);
}

static SovaSnapshot *sample_locked(SovaBackend *be, GError **error)
{
    SimHost *h = sova_sim_host_of(be);
    SovaSimCluster *c = h->cluster;
    if (!h->up) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_CONNECT, "host %s is unreachable (simulated)",
                    h->spec->name);
        return NULL;
    }
    guint64 t0 = h->timing ? sova_sim_process_cpu_ns() : 0;
    guint n_pcpus = h->spec->n_pcpus;
    /* what the libvirt backend spends: one node-stats call per pCPU, the online map, one
     * bulk domain-stats call */
    be->calls += n_pcpus + 2;
    SovaSnapshot *snap = sova_snapshot_new(n_pcpus);
    snap->time_us = (gint64)(c->now_ns / 1000);
    snap->host = g_strdup(h->spec->name);
    snap->memory_kib = h->spec->memory_kib;
    guint64 elapsed = (h->pbusy[0].truth - h->pbusy[0].last) +
                      (h->pidle[0].truth - h->pidle[0].last);
    fill_pcpus(h, snap);
    sova_sim_net_fill_host(c->net, h->index, snap);
    if (!c->grouped)
        sova_sim_cluster_group_by_host(c);   /* its VMs, not every VM of the cluster */
    for (guint j = c->host_first[h->index]; j < c->host_first[h->index + 1]; j++) {
        SimVm *vm = &c->vms[c->by_host[j]];
        if (vm->nics_stale) {
            be->calls++;   /* virDomainGetXMLDesc: learn the NICs after a VF moved */
            vm->nics_stale = FALSE;
        }
        fill_vm(h, snap, vm, elapsed);
    }
    if (h->timing)
        h->cpu_ns += sova_sim_process_cpu_ns() - t0;
    return snap;
}

/* the snapshot is taken at once (under the cluster's lock: the controller samples hosts
 * from several threads); the host's `sample-latency` is then spent in real time, as a
 * remote libvirtd's round trips would be */
static SovaSnapshot *host_sample(SovaBackend *be, GError **error)
{
    SimHost *h = sova_sim_host_of(be);
    g_mutex_lock(&h->cluster->lock);
    SovaSnapshot *s = sample_locked(be, error);
    g_mutex_unlock(&h->cluster->lock);
    if (h->spec->sample_latency_s > 0)
        g_usleep((gulong)(h->spec->sample_latency_s * 1e6));
    return s;
}

/* ---- actions ---- */

static SimVm *vm_here(SimHost *h, const char *uuid, GError **error)
{
    SimVm *vm = g_hash_table_lookup(h->cluster->by_uuid, uuid);
    if (!vm || vm->host != (int)h->index) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "no VM with UUID %s on host %s", uuid,
                    h->spec->name);
        return NULL;
    }
    return vm;
}

static gboolean pin(SimHost *h, SimVm *vm, const SovaAction *a, GError **error)
{
    int *pcpu = a->vcpu >= 0 && (guint)a->vcpu < vm->spec->n_vcpus ? &vm->vcpus[a->vcpu].pcpu
                                                                   : NULL;
    SovaCpuSet *set = sova_sim_cpu_pin(a, vm->spec->name, vm->spec->n_vcpus, h->spec->n_pcpus, pcpu,
                                       error);
    if (!set)
        return FALSE;
    SimVcpu *vc = &vm->vcpus[a->vcpu];
    sova_cpuset_free(vc->affinity);
    vc->affinity = set;
    return TRUE;
}

static gboolean vf_move(SimHost *h, SimVm *vm, const SovaAction *a, GError **error)
{
    SovaSimCluster *c = h->cluster;
    guint v = (guint)(vm - c->vms);
    double now = sova_sim_cluster_now_of(c);
    gboolean ok;
    if (a->kind == SOVA_ACTION_ATTACH_VF && vm->migration) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "%s is migrating", vm->spec->name);
        ok = FALSE;
    } else {
        ok = a->kind == SOVA_ACTION_ATTACH_VF ? sova_sim_net_attach(c->net, v, now, error)
                                              : sova_sim_net_detach(c->net, v, now, error);
    }
    h->vf_refused += !ok;
    vm->nics_stale |= ok;
    return ok;
}

static gboolean host_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    SimHost *h = sova_sim_host_of(be);
    guint64 t0 = h->timing ? sova_sim_process_cpu_ns() : 0;
    be->calls++;   /* virDomainPinVcpuFlags, virDomainAttachDeviceFlags,
                    * virDomainDetachDeviceAlias */
    SimVm *vm = vm_here(h, a->uuid, error);
    gboolean ok = FALSE;
    if (!vm)
        ok = FALSE;
    else if (a->kind == SOVA_ACTION_PIN)
        ok = pin(h, vm, a, error);
    else if (a->kind == SOVA_ACTION_ATTACH_VF || a->kind == SOVA_ACTION_DETACH_VF)
        ok = vf_move(h, vm, a, error);
    else
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "migrations go through migrate_start");
    if (h->timing)
        h->cpu_ns += sova_sim_process_cpu_ns() - t0;
    return ok;
}

static gboolean host_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    return sova_sim_cluster_advance(sova_sim_host_of(be)->cluster, seconds, stop);
}

/* memory the destination has promised: its VMs and those migrating to it */
static guint64 memory_committed(const SovaSimCluster *c, guint h)
{
    guint64 kib = 0;
    for (guint v = 0; v < c->n_vms; v++) {
        const SimVm *vm = &c->vms[v];
        if (vm->host == (int)h || (vm->migration && vm->migration->to == h))
            kib += vm->spec->memory_kib;
    }
    return kib;
}

static gboolean host_migrate_start(SovaBackend *be, const char *uuid, SovaBackend *dest,
                                   const SovaMigrateOptions *opts, GError **error)
{
    SimHost *h = sova_sim_host_of(be);
    SovaSimCluster *c = h->cluster;
    be->calls++;
    SimVm *vm = vm_here(h, uuid, error);
    if (!vm)
        return FALSE;
    int to = sova_sim_cluster_host_of_backend(c, dest);
    const char *why = to < 0 ? "the destination is not a host of this simulated cluster"
                    : to == vm->host ? "the destination is the source"
                    : vm->migration ? "a migration of this VM is already running"
                    : !h->up ? "the source host is unreachable"
                    : !c->hosts[to].up ? "cannot connect to the destination host: it is unreachable"
                    : memory_committed(c, (guint)to) + vm->spec->memory_kib >
                          c->hosts[to].spec->memory_kib
                        ? "not enough free memory on the destination host" : NULL;
    if (why) {
        g_set_error(error, SOVA_ERROR,
                    to >= 0 && !c->hosts[to].up ? SOVA_ERROR_CONNECT : SOVA_ERROR_BACKEND,
                    "cannot migrate %s: %s", vm->spec->name, why);
        return FALSE;
    }
    sova_sim_cluster_start_migration(c, (guint)(vm - c->vms), (guint)to, opts);
    return TRUE;
}

static gboolean host_migrate_poll(SovaBackend *be, const char *uuid, SovaMigrationStatus *out)
{
    SimHost *h = sova_sim_host_of(be);
    SovaSimCluster *c = h->cluster;
    int v = sova_sim_cluster_find_vm(c, uuid);
    guint index = 0;
    SimMigration *m = v < 0 ? NULL : sova_sim_cluster_find_migration(c, (guint)v, h->index, &index);
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

static gboolean host_migrate_abort(SovaBackend *be, const char *uuid, GError **error)
{
    SimHost *h = sova_sim_host_of(be);
    SovaSimCluster *c = h->cluster;
    be->calls++;   /* virDomainAbortJob */
    int v = sova_sim_cluster_find_vm(c, uuid);
    SimMigration *m = v < 0 ? NULL : sova_sim_cluster_find_migration(c, (guint)v, h->index, NULL);
    if (!m) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "no migration of %s runs from host %s",
                    uuid, h->spec->name);
        return FALSE;
    }
    sova_sim_cluster_abort_migration(c, m);   /* too late: the poll reports how it ended */
    return TRUE;
}

static gboolean host_publish_net(SovaBackend *be, const char *uuid, const SovaNetPublish *st,
                                 GError **error)
{
    be->calls++;
    SimVm *vm = vm_here(sova_sim_host_of(be), uuid, error);
    if (!vm)
        return FALSE;
    vm->has_status = TRUE;
    vm->published = *st;
    return TRUE;
}

/* one metadata write, like the libvirt backend's; stamped with the simulated clock */
static gboolean host_publish_cpu(SovaBackend *be, const char *uuid, const SovaCpuSummary *st,
                                 GError **error)
{
    be->calls++;
    SimHost *h = sova_sim_host_of(be);
    SimVm *vm = vm_here(h, uuid, error);
    if (!vm)
        return FALSE;
    vm->cpu_published = *st;
    vm->cpu_published.has = TRUE;
    vm->cpu_published.at = sova_sim_cluster_now_of(h->cluster);
    return TRUE;
}

/* a cluster's hosts belong to it; a single host's backend owns its cluster of one */
static void host_free(SovaBackend *be)
{
    SimHost *h = sova_sim_host_of(be);
    if (h->owner)
        sova_sim_cluster_free(h->cluster);
}

static const SovaBackendOps host_ops = {
    .name = "sim",
    .sample = host_sample,
    .execute = host_execute,
    .wait = host_wait,
    .migrate_start = host_migrate_start,
    .migrate_poll = host_migrate_poll,
    .migrate_abort = host_migrate_abort,
    .publish_net = host_publish_net,
    .publish_cpu = host_publish_cpu,
    .free = host_free,
};

const SovaBackendOps *sova_sim_host_ops(void)
{
    return &host_ops;
}

/* ---- a single host: a cluster of one ---- */

SovaBackend *sova_sim_backend_new(const SovaSimScenario *sc, guint64 seed, gboolean unpin_all)
{
    SovaSimCluster *c = sova_sim_cluster_new(sc, seed, unpin_all);
    c->hosts[0].owner = TRUE;
    return &c->hosts[0].parent;
}

gboolean sova_backend_is_sim(SovaBackend *be)
{
    return be && be->ops == &host_ops;
}

double sova_sim_backend_now(SovaBackend *be)
{
    return sova_sim_cluster_now_of(sova_sim_host_of(be)->cluster);
}

guint64 sova_sim_backend_pcpu_busy_ns(SovaBackend *be, guint pcpu)
{
    SimHost *h = sova_sim_host_of(be);
    return pcpu < h->spec->n_pcpus ? h->pbusy[pcpu].truth : 0;
}

static const SimVm *vm_at(SovaBackend *be, guint vm)
{
    SovaSimCluster *c = sova_sim_host_of(be)->cluster;
    return vm < c->n_vms ? &c->vms[vm] : NULL;
}

void sova_sim_backend_vm_truth(SovaBackend *be, guint vm, guint64 *ran_ns, guint64 *wanted_ns)
{
    const SimVm *v = vm_at(be, vm);
    *ran_ns = *wanted_ns = 0;
    for (guint i = 0; v && i < v->spec->n_vcpus; i++) {
        *ran_ns += v->vcpus[i].work_ns;
        *wanted_ns += v->vcpus[i].wanted_ns;
    }
}

void sova_sim_backend_vcpu_truth(SovaBackend *be, guint vm, guint vcpu, guint64 *ran_ns,
                                 guint64 *delay_ns)
{
    const SimVm *v = vm_at(be, vm);
    *ran_ns = *delay_ns = 0;
    if (!v || vcpu >= v->spec->n_vcpus)
        return;
    *ran_ns = v->vcpus[vcpu].time.truth;
    *delay_ns = v->vcpus[vcpu].delay.truth;
}

void sova_sim_backend_set_timing(SovaBackend *be, gboolean on)
{
    sova_sim_host_of(be)->timing = on;
}

guint64 sova_sim_backend_cpu_ns(SovaBackend *be)
{
    return sova_sim_host_of(be)->cpu_ns;
}

void sova_sim_backend_net_truth(SovaBackend *be, guint vm, SovaSimNetTruth *out)
{
    sova_sim_net_truth(sova_sim_host_of(be)->cluster->net, vm, out);
}

guint64 sova_sim_backend_vf_refused(SovaBackend *be)
{
    return sova_sim_host_of(be)->vf_refused;
}

guint sova_sim_backend_vfs_in_use(SovaBackend *be)
{
    SimHost *h = sova_sim_host_of(be);
    return sova_sim_net_vfs_in_use(h->cluster->net, h->index);
}

void sova_sim_backend_set_free_switches(SovaBackend *be, gboolean on)
{
    sova_sim_net_set_free_switches(sova_sim_host_of(be)->cluster->net, on);
}

void sova_sim_backend_set_ahead_without_jitter(SovaBackend *be, gboolean on)
{
    sova_sim_net_set_ahead_without_jitter(sova_sim_host_of(be)->cluster->net, on);
}

void sova_sim_backend_net_gain_ahead(SovaBackend *be, double seconds, double *gain)
{
    SovaSimCluster *c = sova_sim_host_of(be)->cluster;
    guint64 end = c->now_ns + (guint64)llround(MAX(0.0, seconds) * 1e9);
    sova_sim_net_gain_ahead(c->net, c->now_ns, end, c->tick_ns, gain);
}

const char *sova_sim_backend_vm_uuid(SovaBackend *be, guint vm)
{
    const SimVm *v = vm_at(be, vm);
    return v ? v->uuid : NULL;
}
