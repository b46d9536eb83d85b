/* sim_cluster.c — the cluster simulator's model: the shared clock, each host's CPU and
 * network per tick, and migrations; see sim_cluster.h. The backend face (sample, execute,
 * migrate_start/poll) is sim_cluster_backend.c, hosts going down and migrations
 * sim_cluster_migration.c.
 *
 * Every tick, demand is drawn for every VM in scenario order from one GRand stream, so
 * what VMs want does not depend on where they run or on what the policies did: two runs
 * of a scenario with different policies see the same demand. */
#include "backend/sim/sim_cluster_private.h"
#include <math.h>
#include <string.h>

double sova_sim_cluster_now_of(const SovaSimCluster *c)
{
    return (double)c->now_ns / 1e9;
}

/* ---- one tick ---- */

/* vCPU i's demand, 0..100: the shape (vCPU 0's draw for every vCPU with shared-demand)
 * plus the jitter, redrawn on the first tick at or after each second */
static double vcpu_demand(SovaSimCluster *c, SimClusterVm *vm, guint i, double t)
{
    const SovaSimClusterVmSpec *spec = vm->spec;
    SimClusterVcpu *vc = &vm->vcpus[i];
    double d = spec->shared_demand && i > 0 ? vm->vcpus[0].shape
                                            : sova_demand_at(spec->demand, &vc->state, i, t, c->rng);
    vc->shape = d;
    while (spec->jitter > 0 && t >= vc->next_jitter) {
        vc->jitter = g_rand_double_range(c->rng, -spec->jitter, spec->jitter);
        vc->next_jitter = floor(t) + 1;
    }
    return CLAMP(d + vc->jitter, 0.0, 100.0);
}

static void draw_demand(SovaSimCluster *c, double t)
{
    for (guint v = 0; v < c->n_vms; v++) {
        SimClusterVm *vm = &c->vms[v];
        for (guint i = 0; i < vm->spec->n_vcpus; i++)
            vm->vcpus[i].demand = vcpu_demand(c, vm, i, t) / 100.0;
        vm->offered_pps = vm->spec->net_demand
            ? sova_demand_at(vm->spec->net_demand, &vm->net_state, 0, t, c->rng) / 100.0 * vm->spec->net_peak_pps
            : 0;
    }
}

/* the packets/s the VM's path carries before the host NIC's limit */
static double carried_pps(const SimClusterHost *h, const SimClusterVm *vm)
{
    return vm->holds_vf ? sova_sim_nic_vf_pps(&h->spec->nic, vm->offered_pps)
                        : sova_sim_nic_virtio_pps(&h->spec->nic, vm->offered_pps);
}

/* the VMs on host h this tick: c->by_host[c->host_first[h] .. c->host_first[h + 1]) */
static void group_by_host(SovaSimCluster *c)
{
    memset(c->host_first, 0, (c->n_hosts + 1) * sizeof *c->host_first);
    for (guint v = 0; v < c->n_vms; v++)
        c->host_first[c->vms[v].host + 1]++;
    for (guint h = 0; h < c->n_hosts; h++)
        c->host_first[h + 1] += c->host_first[h];
    g_autofree guint *next = g_memdup2(c->host_first, c->n_hosts * sizeof *next);
    for (guint v = 0; v < c->n_vms; v++)
        c->by_host[next[c->vms[v].host]++] = v;
}

static SimClusterVm *vm_on(SovaSimCluster *c, guint j)
{
    return &c->vms[c->by_host[j]];
}

static void net_tick(SovaSimCluster *c, SimClusterHost *h, guint hi, double dt)
{
    double per_dir = 0;
    for (guint j = c->host_first[hi]; j < c->host_first[hi + 1]; j++)
        if (!vm_on(c, j)->paused_now)
            per_dir += carried_pps(h, vm_on(c, j)) * vm_on(c, j)->spec->net_packet_bytes / 2;
    double f = sova_sim_nic_share(&h->spec->nic, per_dir);
    h->vhost_pcpus = 0;
    for (guint j = c->host_first[hi]; j < c->host_first[hi + 1]; j++) {
        SimClusterVm *vm = vm_on(c, j);
        if (vm->paused_now)
            continue;
        double pkts = carried_pps(h, vm) * f * dt, bytes = pkts * vm->spec->net_packet_bytes;
        vm->delivered_bytes += bytes;
        h->nic_bytes += bytes;
        if (vm->holds_vf) {
            vm->vf_pkts += pkts;
            vm->vf_bytes += bytes;
        } else {
            vm->standby_pkts += pkts;
            vm->standby_bytes += bytes;
            h->vhost_pcpus += sova_sim_nic_vhost_pcpus(&h->spec->nic, pkts / dt);
        }
    }
}

/* a load of `pcpus` (may exceed 1) as unpinned threads of at most one pCPU each */
static void add_load_threads(GArray *threads, double pcpus)
{
    while (pcpus > 1e-9) {
        SovaSimThread th = { .demand = MIN(1.0, pcpus), .pcpu = -1 };
        g_array_append_val(threads, th);
        pcpus -= th.demand;
    }
}

static void cpu_tick(SovaSimCluster *c, SimClusterHost *h, guint hi, double dt)
{
    GArray *threads = c->threads;
    g_array_set_size(threads, 0);
    for (guint j = c->host_first[hi]; j < c->host_first[hi + 1]; j++) {
        SimClusterVm *vm = vm_on(c, j);
        if (vm->paused_now)
            continue;
        for (guint i = 0; i < vm->spec->n_vcpus; i++) {
            SovaSimThread th = { .demand = vm->vcpus[i].demand, .affinity = vm->vcpus[i].affinity,
                                 .pcpu = vm->vcpus[i].pcpu };
            g_array_append_val(threads, th);
        }
    }
    for (guint i = 0; i < c->migrations->len; i++) {
        const SimClusterMigration *m = g_ptr_array_index(c->migrations, i);
        if (m->state == SOVA_MIGRATION_RUNNING && (m->from == hi || m->to == hi))
            add_load_threads(threads, c->sc->migration_cpu);
    }
    add_load_threads(threads, h->vhost_pcpus);
    guint n_pcpus = h->spec->n_pcpus;
    sova_sim_cpu_share(n_pcpus, h->background, (SovaSimThread *)threads->data, threads->len, h->busy);
    for (guint p = 0; p < n_pcpus; p++) {
        h->busy_ns[p] += h->busy[p] * dt * 1e9;
        h->idle_ns[p] += (1 - h->busy[p]) * dt * 1e9;
    }
    guint k = 0;
    for (guint j = c->host_first[hi]; j < c->host_first[hi + 1]; j++) {
        SimClusterVm *vm = vm_on(c, j);
        if (vm->paused_now)
            continue;
        for (guint i = 0; i < vm->spec->n_vcpus; i++, k++) {
            const SovaSimThread *th = &g_array_index(threads, SovaSimThread, k);
            SimClusterVcpu *vc = &vm->vcpus[i];
            vc->time_ns += th->run * dt * 1e9;
            vc->delay_ns += th->wait * dt * 1e9;
            vc->pcpu = th->pcpu;
            vm->ran_s += th->run * dt;
        }
    }
}

/* what every VM wants this tick, wherever it is and whatever it gets */
static void account_demand(SovaSimCluster *c, double t, double dt)
{
    for (guint v = 0; v < c->n_vms; v++) {
        SimClusterVm *vm = &c->vms[v];
        vm->paused_now = sova_sim_cluster_paused(c, vm, t);
        for (guint i = 0; i < vm->spec->n_vcpus; i++)
            vm->wanted_s += vm->vcpus[i].demand * dt;
        vm->offered_bytes += vm->offered_pps * vm->spec->net_packet_bytes * dt;
        if (vm->paused_now)
            vm->paused_s += dt;
    }
}

static void tick(SovaSimCluster *c, guint64 dt_ns)
{
    double t = sova_sim_cluster_now_of(c), dt = (double)dt_ns / 1e9;
    sova_sim_cluster_update_up(c, t);
    sova_sim_cluster_follow_migrations(c, t);
    draw_demand(c, t);
    account_demand(c, t, dt);
    group_by_host(c);
    for (guint h = 0; h < c->n_hosts; h++) {
        if (!c->hosts[h].up)   /* its VMs are stopped: they want, and get nothing */
            continue;
        net_tick(c, &c->hosts[h], h, dt);
        cpu_tick(c, &c->hosts[h], h, dt);
    }
    c->now_ns += dt_ns;
}

gboolean sova_sim_cluster_advance(SovaSimCluster *c, double seconds, const volatile gint *stop)
{
    guint64 end = c->now_ns + (guint64)llround(MAX(0.0, seconds) * 1e9);
    while (c->now_ns < end) {
        if (stop && g_atomic_int_get(stop))
            return FALSE;
        tick(c, MIN(c->tick_ns, end - c->now_ns));
    }
    /* migrations that end exactly now are over before anyone samples */
    sova_sim_cluster_update_up(c, sova_sim_cluster_now_of(c));
    sova_sim_cluster_follow_migrations(c, sova_sim_cluster_now_of(c));
    return !(stop && g_atomic_int_get(stop));
}

/* ---- life cycle ---- */

static void init_host(SovaSimCluster *c, guint h)
{
    SimClusterHost *host = &c->hosts[h];
    host->spec = g_ptr_array_index(c->sc->hosts, h);
    host->be.parent.ops = sova_sim_cluster_backend_ops();
    host->be.cluster = c;
    host->be.index = h;
    host->forced = -1;
    host->up = sova_sim_cluster_scheduled_up(host->spec, 0);
    guint n = host->spec->n_pcpus;
    host->background = g_new(double, n);
    for (guint p = 0; p < n; p++)
        host->background[p] = host->spec->background / 100.0;
    host->busy_ns = g_new0(double, n);
    host->idle_ns = g_new0(double, n);
    host->busy = g_new0(double, n);
}

static void init_vm(SovaSimCluster *c, guint v)
{
    SimClusterVm *vm = &c->vms[v];
    vm->spec = g_ptr_array_index(c->sc->vms, v);
    g_snprintf(vm->uuid, sizeof vm->uuid, "5c5c0000-0000-4000-8000-%012x", v + 1);
    g_snprintf(vm->mac, sizeof vm->mac, "52:54:00:%02x:%02x:%02x", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
    vm->host = (int)vm->spec->host;
    vm->vcpus = g_new0(SimClusterVcpu, vm->spec->n_vcpus);
    for (guint i = 0; i < vm->spec->n_vcpus; i++)
        vm->vcpus[i].pcpu = -1;
    if (vm->spec->vf) {
        vm->holds_vf = TRUE;
        c->hosts[vm->host].vfs_in_use++;
    }
    g_hash_table_insert(c->by_uuid, vm->uuid, vm);
}

static void migration_free(gpointer p)
{
    SimClusterMigration *m = p;
    g_free(m->error);
    g_free(m);
}

SovaSimCluster *sova_sim_cluster_new(const SovaSimClusterScenario *sc, guint64 seed)
{
    SovaSimCluster *c = g_new0(SovaSimCluster, 1);
    c->sc = sc;
    guint32 s[2] = { (guint32)seed, (guint32)(seed >> 32) };
    c->rng = g_rand_new_with_seed_array(s, 2);
    c->tick_ns = (guint64)MAX(1, llround(sc->tick * 1e9));
    c->n_hosts = sc->hosts->len;
    c->hosts = g_new0(SimClusterHost, c->n_hosts);
    for (guint h = 0; h < c->n_hosts; h++)
        init_host(c, h);
    c->n_vms = sc->vms->len;
    c->vms = g_new0(SimClusterVm, c->n_vms);
    c->by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint v = 0; v < c->n_vms; v++)
        init_vm(c, v);
    c->migrations = g_ptr_array_new_with_free_func(migration_free);
    c->moves = g_array_new(FALSE, FALSE, sizeof(SovaSimClusterMove));
    c->threads = g_array_new(FALSE, TRUE, sizeof(SovaSimThread));
    c->by_host = g_new0(guint, MAX(1u, c->n_vms));
    c->host_first = g_new0(guint, c->n_hosts + 1);
    return c;
}

void sova_sim_cluster_free(SovaSimCluster *c)
{
    if (!c)
        return;
    for (guint h = 0; h < c->n_hosts; h++) {
        g_free(c->hosts[h].background);
        g_free(c->hosts[h].busy_ns);
        g_free(c->hosts[h].idle_ns);
        g_free(c->hosts[h].busy);
    }
    for (guint v = 0; v < c->n_vms; v++) {
        for (guint i = 0; i < c->vms[v].spec->n_vcpus; i++)
            sova_cpuset_free(c->vms[v].vcpus[i].affinity);
        g_free(c->vms[v].vcpus);
    }
    g_free(c->hosts);
    g_free(c->vms);
    g_hash_table_unref(c->by_uuid);
    g_ptr_array_unref(c->migrations);
    g_array_unref(c->moves);
    g_array_unref(c->threads);
    g_free(c->by_host);
    g_free(c->host_first);
    g_rand_free(c->rng);
    g_free(c);
}

/* ---- accessors ---- */

guint sova_sim_cluster_n_hosts(const SovaSimCluster *c) { return c->n_hosts; }
guint sova_sim_cluster_n_vms(const SovaSimCluster *c) { return c->n_vms; }
double sova_sim_cluster_now(const SovaSimCluster *c) { return sova_sim_cluster_now_of(c); }

SovaBackend *sova_sim_cluster_backend(SovaSimCluster *c, guint host)
{
    return host < c->n_hosts ? &c->hosts[host].be.parent : NULL;
}

int sova_sim_cluster_host_of_backend(const SovaSimCluster *c, const SovaBackend *be)
{
    for (guint h = 0; h < c->n_hosts; h++)
        if (&c->hosts[h].be.parent == be)
            return (int)h;
    return -1;
}

void sova_sim_cluster_set_host_up(SovaSimCluster *c, guint host, gboolean up)
{
    if (host >= c->n_hosts)
        return;
    c->hosts[host].forced = up ? 1 : 0;
    c->hosts[host].up = up;
    sova_sim_cluster_follow_migrations(c, sova_sim_cluster_now_of(c));
}

gboolean sova_sim_cluster_host_up(const SovaSimCluster *c, guint host)
{
    return host < c->n_hosts && c->hosts[host].up;
}

void sova_sim_cluster_vm_truth(const SovaSimCluster *c, guint v, SovaSimClusterVmTruth *out)
{
    memset(out, 0, sizeof *out);
    out->host = -1;
    if (v >= c->n_vms)
        return;
    const SimClusterVm *vm = &c->vms[v];
    out->host = vm->host;
    out->migrating = vm->migration != NULL;
    out->paused = sova_sim_cluster_paused(c, vm, sova_sim_cluster_now_of(c));
    out->cpu_wanted_s = vm->wanted_s;
    out->cpu_ran_s = vm->ran_s;
    out->net_offered_bytes = vm->offered_bytes;
    out->net_delivered_bytes = vm->delivered_bytes;
    out->paused_s = vm->paused_s;
    out->holds_vf = vm->holds_vf;
    out->moves = vm->moves;
}

const char *sova_sim_cluster_vm_uuid(const SovaSimCluster *c, guint vm)
{
    return vm < c->n_vms ? c->vms[vm].uuid : NULL;
}

int sova_sim_cluster_find_vm(const SovaSimCluster *c, const char *uuid)
{
    const SimClusterVm *vm = g_hash_table_lookup(c->by_uuid, uuid);
    return vm ? (int)(vm - c->vms) : -1;
}

double sova_sim_cluster_host_busy_s(const SovaSimCluster *c, guint host)
{
    double s = 0;
    for (guint p = 0; host < c->n_hosts && p < c->hosts[host].spec->n_pcpus; p++)
        s += c->hosts[host].busy_ns[p] / 1e9;
    return s;
}

guint sova_sim_cluster_host_vfs_in_use(const SovaSimCluster *c, guint host)
{
    return host < c->n_hosts ? c->hosts[host].vfs_in_use : 0;
}

guint sova_sim_cluster_n_moves(const SovaSimCluster *c) { return c->moves->len; }

const SovaSimClusterMove *sova_sim_cluster_move(const SovaSimCluster *c, guint i)
{
    return i < c->moves->len ? &g_array_index(c->moves, SovaSimClusterMove, i) : NULL;
}
