/* sim_cluster.c — the simulator's clock and what happens in one tick: demand drawn for
 * every VM, then on every host that is up its traffic (sim_net.c) and its CPU
 * (sim_cpu.c); see sim_cluster.h. The hosts' backend face (sample, execute,
 * migrate_start/poll) is sim_backend.c, hosts going down and migrations
 * sim_cluster_migration.c.
 *
 * Every tick, demand is drawn for every VM in scenario order from one GRand stream, so
 * what VMs want does not depend on where they run or on what the policies did: two runs
 * of a scenario with different policies see the same demand. Each VM's traffic draws
 * from its own stream (sim_net.c), measurement noise from its host's. Time is kept in
 * whole nanoseconds. */
#include "backend/sim/sim_cluster_private.h"
#include <math.h>
#include <string.h>

double sova_sim_cluster_now_of(const SovaSimCluster *c)
{
    return (double)c->now_ns / 1e9;
}

static guint64 ns_of(double fraction, guint64 dt_ns)
{
    return (guint64)llround(CLAMP(fraction, 0.0, 1.0) * (double)dt_ns);
}

/* ---- demand ---- */

/* vCPU i's demand, 0..100: the shape (vCPU 0's draw for every vCPU with shared-demand)
 * plus the jitter, redrawn on the first tick at or after each second */
static double vcpu_demand(SovaSimCluster *c, SimVm *vm, guint i, double t)
{
    const SovaSimVmSpec *spec = vm->spec;
    SimVcpu *vc = &vm->vcpus[i];
    double d = spec->shared_demand && i > 0 ? vm->vcpus[0].shape
                                            : sova_demand_at(spec->demand[i], &vc->state, i, t,
                                                             c->rng);
    vc->shape = d;
    while (spec->jitter > 0 && t >= vc->next_jitter) {
        vc->jitter = g_rand_double_range(c->rng, -spec->jitter, spec->jitter);
        vc->next_jitter = floor(t) + 1;
    }
    return CLAMP(d + vc->jitter, 0.0, 100.0);
}

/* what every VM wants this tick, wherever it is and whatever it gets */
static void draw_demand(SovaSimCluster *c, double t, guint64 dt_ns)
{
    for (guint v = 0; v < c->n_vms; v++) {
        SimVm *vm = &c->vms[v];
        vm->paused_now = sova_sim_cluster_paused(vm, t);
        sova_sim_net_set_paused(c->net, v, vm->paused_now);
        if (vm->paused_now)
            vm->paused_s += (double)dt_ns / 1e9;
        for (guint i = 0; i < vm->spec->n_vcpus; i++) {
            SimVcpu *vc = &vm->vcpus[i];
            vc->demand = vcpu_demand(c, vm, i, t) / 100.0;
            vc->wanted_ns += ns_of(vc->demand, dt_ns);
        }
    }
}

/* the VMs on host h this tick: c->by_host[c->host_first[h] .. c->host_first[h + 1]) */
void sova_sim_cluster_group_by_host(SovaSimCluster *c)
{
    c->grouped = TRUE;
    memset(c->host_first, 0, (c->n_hosts + 1) * sizeof *c->host_first);
    for (guint v = 0; v < c->n_vms; v++)
        c->host_first[c->vms[v].host + 1]++;
    for (guint h = 0; h < c->n_hosts; h++)
        c->host_first[h + 1] += c->host_first[h];
    g_autofree guint *next = g_memdup2(c->host_first, c->n_hosts * sizeof *next);
    for (guint v = 0; v < c->n_vms; v++)
        c->by_host[next[c->vms[v].host]++] = v;
}

/* ---- one host's CPU ---- */

/* a load of `pcpus` (may exceed 1) as unpinned threads of at most one pCPU each */
static void add_load_threads(GArray *threads, double pcpus)
{
    while (pcpus > 1e-9) {
        SovaSimThread th = { .demand = MIN(1.0, pcpus), .pcpu = -1 };
        g_array_append_val(threads, th);
        pcpus -= th.demand;
    }
}

/* the threads of host h: its running VMs' vCPUs (scenario order), then its migrations' */
static void host_threads(SovaSimCluster *c, guint h)
{
    GArray *threads = c->threads;
    g_array_set_size(threads, 0);
    for (guint j = c->host_first[h]; j < c->host_first[h + 1]; j++) {
        SimVm *vm = &c->vms[c->by_host[j]];
        for (guint i = 0; !vm->paused_now && i < vm->spec->n_vcpus; i++) {
            SovaSimThread th = { .demand = vm->vcpus[i].demand, .affinity = vm->vcpus[i].affinity,
                                 .pcpu = vm->vcpus[i].pcpu };
            g_array_append_val(threads, th);
        }
    }
    for (guint i = 0; i < c->migrations->len; i++) {
        const SimMigration *m = g_ptr_array_index(c->migrations, i);
        if (m->state == SOVA_MIGRATION_RUNNING && (m->from == h || m->to == h))
            add_load_threads(threads, c->sc->migration_cpu);
    }
}

/* the virtio path's host CPU (vhost) is non-VM load, spread over every pCPU */
static const double *host_background(SimHost *host, double vhost)
{
    if (vhost <= 0)
        return host->background;
    for (guint p = 0; p < host->spec->n_pcpus; p++)
        host->tick_background[p] = host->background[p] + vhost / host->spec->n_pcpus;
    return host->tick_background;
}

static void cpu_tick(SovaSimCluster *c, guint h, double vhost, guint64 dt_ns)
{
    SimHost *host = &c->hosts[h];
    guint n_pcpus = host->spec->n_pcpus;
    host_threads(c, h);
    sova_sim_cpu_share_smt(n_pcpus, host->spec->threads_per_core, host->spec->smt_factor,
                           host_background(host, vhost), (SovaSimThread *)c->threads->data,
                           c->threads->len, host->busy);
    guint k = 0;
    for (guint j = c->host_first[h]; j < c->host_first[h + 1]; j++) {
        SimVm *vm = &c->vms[c->by_host[j]];
        for (guint i = 0; !vm->paused_now && i < vm->spec->n_vcpus; i++, k++) {
            const SovaSimThread *th = &g_array_index(c->threads, SovaSimThread, k);
            SimVcpu *vc = &vm->vcpus[i];
            guint64 run = ns_of(th->run, dt_ns), want = ns_of(th->demand, dt_ns);
            vc->time.truth += run;
            vc->work_ns += ns_of(th->work, dt_ns);
            vc->delay.truth += want > run ? want - run : 0;
            vc->pcpu = th->pcpu;
        }
    }
    for (guint p = 0; p < n_pcpus; p++) {
        guint64 busy = ns_of(host->busy[p], dt_ns);
        host->pbusy[p].truth += busy;
        host->pidle[p].truth += dt_ns - busy;
    }
}

static void tick(SovaSimCluster *c, guint64 dt_ns)
{
    double t = sova_sim_cluster_now_of(c), dt = (double)dt_ns / 1e9;
    sova_sim_cluster_update_up(c, t);
    sova_sim_cluster_follow_migrations(c, t);
    draw_demand(c, t, dt_ns);
    sova_sim_net_offer(c->net, t, dt);
    sova_sim_cluster_group_by_host(c);
    for (guint h = 0; h < c->n_hosts; h++) {
        if (!c->hosts[h].up)   /* its VMs are stopped: they want, and get nothing */
            continue;
        guint first = c->host_first[h];
        double vhost = sova_sim_net_tick(c->net, h, c->by_host + first,
                                         c->host_first[h + 1] - first, t, dt);
        cpu_tick(c, h, vhost, dt_ns);
    }
    c->now_ns += dt_ns;
}

gboolean sova_sim_cluster_advance(SovaSimCluster *c, double seconds, const volatile gint *stop)
{
    guint64 end = c->now_ns + (guint64)llround(MAX(0.0, seconds) * 1e9);
    g_mutex_lock(&c->lock);
    while (c->now_ns < end) {
        if (stop && g_atomic_int_get(stop)) {
            g_mutex_unlock(&c->lock);
            return FALSE;
        }
        tick(c, MIN(c->tick_ns, end - c->now_ns));
    }
    /* migrations that end exactly now are over before anyone samples */
    sova_sim_cluster_update_up(c, sova_sim_cluster_now_of(c));
    sova_sim_cluster_follow_migrations(c, sova_sim_cluster_now_of(c));
    g_mutex_unlock(&c->lock);
    return !(stop && g_atomic_int_get(stop));
}

/* ---- life cycle ---- */

static void init_host(SovaSimCluster *c, guint h, guint64 seed)
{
    SimHost *host = &c->hosts[h];
    host->parent.ops = sova_sim_host_ops();
    host->cluster = c;
    host->index = h;
    host->spec = sova_sim_scenario_host(c->sc, h);
    host->forced = -1;
    host->up = sova_sim_cluster_scheduled_up(host->spec, 0);
    guint n = host->spec->n_pcpus;
    host->background = g_new(double, n);
    for (guint p = 0; p < n; p++)
        host->background[p] = host->spec->background[p] / 100.0;
    host->tick_background = g_new0(double, n);
    host->busy = g_new0(double, n);
    host->pbusy = g_new0(SimCounter, n);
    host->pidle = g_new0(SimCounter, n);
    /* a distinct stream for noise, so noise never changes what the VMs want */
    guint32 noise_seed[3] = { (guint32)seed, (guint32)(seed >> 32), 0x6e6f6973u + h };
    host->noise_rng = g_rand_new_with_seed_array(noise_seed, 3);
}

/* a vCPU's pins at the start: its scenario pin, else its VM's affinity (or every pCPU) */
static SovaCpuSet *initial_affinity(guint n_pcpus, const SovaSimVmSpec *spec, guint i,
                                    gboolean unpin_all)
{
    SovaCpuSet *set = sova_cpuset_new(n_pcpus);
    if (spec->pin[i] >= 0 && !unpin_all) {
        sova_cpuset_add(set, (guint)spec->pin[i]);
        return set;
    }
    for (guint p = 0; p < n_pcpus; p++)
        if (!spec->affinity || sova_cpuset_has(spec->affinity, p))
            sova_cpuset_add(set, p);
    return set;
}

static void init_vm(SovaSimCluster *c, guint v, gboolean unpin_all)
{
    SimVm *vm = &c->vms[v];
    vm->spec = sova_sim_scenario_vm(c->sc, v);
    g_snprintf(vm->uuid, sizeof vm->uuid, "%s-0000-4000-8000-%012x",
               c->sc->cluster ? "5c5c0000" : "5a5a0000", v + 1);
    vm->host = (int)vm->spec->host;
    vm->vcpus = g_new0(SimVcpu, vm->spec->n_vcpus);
    guint n_pcpus = c->hosts[vm->host].spec->n_pcpus;
    for (guint i = 0; i < vm->spec->n_vcpus; i++) {
        vm->vcpus[i].affinity = initial_affinity(n_pcpus, vm->spec, i, unpin_all);
        vm->vcpus[i].pcpu = sova_cpuset_first(vm->vcpus[i].affinity);
    }
    g_hash_table_insert(c->by_uuid, vm->uuid, vm);
    /* a VF held at the start was attached long enough ago for the guest to be on it */
    if (vm->spec->vf)
        sova_sim_net_attach(c->net, v, -c->hosts[vm->host].spec->nic.vf_attach_latency, NULL);
}

static void migration_free(gpointer p)
{
    SimMigration *m = p;
    g_free(m->error);
    g_free(m);
}

SovaSimCluster *sova_sim_cluster_new(const SovaSimScenario *sc, guint64 seed, gboolean unpin_all)
{
    SovaSimCluster *c = g_new0(SovaSimCluster, 1);
    c->sc = sc;
    g_mutex_init(&c->lock);
    /* GRand takes 32-bit seeds: use both halves */
    guint32 s[2] = { (guint32)seed, (guint32)(seed >> 32) };
    c->rng = g_rand_new_with_seed_array(s, 2);
    c->tick_ns = (guint64)MAX(1, llround(sc->tick * 1e9));
    c->n_hosts = sc->hosts->len;
    c->hosts = g_new0(SimHost, c->n_hosts);
    for (guint h = 0; h < c->n_hosts; h++)
        init_host(c, h, seed);
    c->net = sova_sim_net_new(sc, seed);
    c->n_vms = sc->vms->len;
    c->vms = g_new0(SimVm, c->n_vms);
    c->by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint v = 0; v < c->n_vms; v++)
        init_vm(c, v, unpin_all);
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
        SimHost *host = &c->hosts[h];
        g_free(host->background);
        g_free(host->tick_background);
        g_free(host->busy);
        g_free(host->pbusy);
        g_free(host->pidle);
        g_rand_free(host->noise_rng);
    }
    for (guint v = 0; v < c->n_vms; v++) {
        for (guint i = 0; i < c->vms[v].spec->n_vcpus; i++)
            sova_cpuset_free(c->vms[v].vcpus[i].affinity);
        g_free(c->vms[v].vcpus);
    }
    g_free(c->hosts);
    g_free(c->vms);
    g_hash_table_unref(c->by_uuid);
    sova_sim_net_free(c->net);
    g_ptr_array_unref(c->migrations);
    g_array_unref(c->moves);
    g_array_unref(c->threads);
    g_mutex_clear(&c->lock);
    g_free(c->by_host);
    g_free(c->host_first);
    g_rand_free(c->rng);
    g_free(c);
}
