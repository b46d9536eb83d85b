/* sim_backend.c — the simulated host behind the backend interface; see sim_backend.h.
 *
 * Two sets of counters are kept: the truth (what the CPU model delivered) and what the
 * backend reports. Without noise they are equal. With noise, each reported increment is
 * the true one plus a uniform error of ±noise points of the elapsed time, clamped so that
 * counters never go backwards and a pCPU's busy + idle still equals the elapsed time. Two
 * GRand streams, both from the seed: one for demand (random walks), one for noise, so
 * noise never changes what the VMs want. */
#include "backend/sim/sim_backend.h"
#include "backend/sim/sim_cpu.h"
#include "backend/sim/sim_net.h"
#include "util/error.h"
#include <math.h>
#include <string.h>
#include <time.h>

typedef struct {
    guint64 truth;            /* cumulative ns, as delivered */
    guint64 reported;         /* cumulative ns, as last reported */
    guint64 last;             /* truth at the last report */
} Counter;

typedef struct {
    SovaCpuSet *affinity;     /* current pins (every allowed pCPU when unpinned) */
    SovaDemandState state;
    Counter time, delay;
    guint64 wanted_ns;        /* true cumulative demand */
} SimVcpu;

typedef struct {
    char uuid[SOVA_UUID_LEN];
    const SovaSimVmSpec *spec;
    guint first;              /* its vCPUs: vcpus[first .. first + spec->n_vcpus) */
    gboolean nics_stale;      /* a VF moved: the libvirt backend re-reads its XML next sample */
} SimVm;

typedef struct {
    SovaBackend parent;
    const SovaSimScenario *sc;
    GRand *demand_rng, *noise_rng;
    guint64 now_ns, tick_ns;
    guint n_pcpus, n_vms, n_vcpus;
    double *background;       /* fractions */
    double *tick_background;  /* scratch: background plus this tick's vhost load */
    SovaSimNet *net;          /* NICs, VFs and traffic (sim_net.h) */
    double *busy;             /* scratch: this tick's busy fraction per pCPU */
    Counter *pbusy, *pidle;
    SimVm *vms;
    GHashTable *by_uuid;      /* uuid -> SimVm* */
    SimVcpu *vcpus;
    SovaSimThread *threads;
    gboolean timing;
    guint64 cpu_ns;
    guint64 vf_refused;       /* VF attaches and detaches that failed */
} SimBackend;

static SimBackend *sim(SovaBackend *be) { return (SimBackend *)be; }

static guint64 cpu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (guint64)ts.tv_sec * 1000000000u + (guint64)ts.tv_nsec;
}

static guint64 ns_of(double fraction, guint64 dt_ns)
{
    return (guint64)llround(CLAMP(fraction, 0.0, 1.0) * (double)dt_ns);
}

/* ---- time ---- */

static void tick(SimBackend *s, guint64 dt_ns)
{
    double t = (double)s->now_ns / 1e9;
    const double *background = s->background;
    /* the virtio path's host CPU (vhost) is non-VM load, spread over every pCPU */
    double vhost = sova_sim_net_tick(s->net, t, (double)dt_ns / 1e9);
    if (vhost > 0) {
        for (guint p = 0; p < s->n_pcpus; p++)
            s->tick_background[p] = s->background[p] + vhost / s->n_pcpus;
        background = s->tick_background;
    }
    for (guint m = 0; m < s->n_vms; m++) {
        const SimVm *vm = &s->vms[m];
        for (guint i = 0; i < vm->spec->n_vcpus; i++) {
            SimVcpu *c = &s->vcpus[vm->first + i];
            SovaSimThread *th = &s->threads[vm->first + i];
            th->demand = sova_demand_at(vm->spec->demand[i], &c->state, i, t, s->demand_rng) / 100.0;
            th->affinity = c->affinity;
        }
    }
    sova_sim_cpu_share(s->n_pcpus, background, s->threads, s->n_vcpus, s->busy);
    for (guint v = 0; v < s->n_vcpus; v++) {
        SimVcpu *c = &s->vcpus[v];
        const SovaSimThread *th = &s->threads[v];
        guint64 run = ns_of(th->run, dt_ns), want = ns_of(th->demand, dt_ns);
        c->time.truth += run;
        c->delay.truth += want > run ? want - run : 0;
        c->wanted_ns += want;
    }
    for (guint p = 0; p < s->n_pcpus; p++) {
        guint64 busy = ns_of(s->busy[p], dt_ns);
        s->pbusy[p].truth += busy;
        s->pidle[p].truth += dt_ns - busy;
    }
    s->now_ns += dt_ns;
}

static gboolean sim_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    SimBackend *s = sim(be);
    guint64 end = s->now_ns + (guint64)llround(MAX(0.0, seconds) * 1e9);
    while (s->now_ns < end) {
        if (stop && g_atomic_int_get(stop))
            return FALSE;
        tick(s, MIN(s->tick_ns, end - s->now_ns));
    }
    return !(stop && g_atomic_int_get(stop));
}

/* ---- sampling ---- */

/* the increment since the last report, with noise: ± noise points of `elapsed` */
static guint64 noisy_delta(SimBackend *s, Counter *c, guint64 elapsed)
{
    double delta = (double)(c->truth - c->last);
    if (s->sc->host.noise > 0 && elapsed > 0)
        delta += g_rand_double_range(s->noise_rng, -s->sc->host.noise, s->sc->host.noise) / 100.0 *
                 (double)elapsed;
    c->last = c->truth;
    return delta > 0 ? (guint64)llround(delta) : 0;
}

static void report_counter(SimBackend *s, Counter *c, guint64 elapsed)
{
    c->reported += noisy_delta(s, c, elapsed);
}

/* busy and idle together: the noise moves time between them, their sum stays exact */
static void report_pcpu(SimBackend *s, guint p)
{
    Counter *b = &s->pbusy[p], *i = &s->pidle[p];
    guint64 elapsed = (b->truth - b->last) + (i->truth - i->last);
    guint64 busy = noisy_delta(s, b, elapsed);   /* (not inside MIN: it has side effects) */
    busy = MIN(busy, elapsed);
    b->reported += busy;
    i->reported += elapsed - busy;
    i->last = i->truth;
}

static void fill_pcpus(SimBackend *s, SovaSnapshot *snap)
{
    const SovaSimHostSpec *h = &s->sc->host;
    for (guint p = 0; p < s->n_pcpus; p++) {
        SovaPcpuSample *ps = sova_snapshot_pcpu(snap, p);
        report_pcpu(s, p);
        ps->socket = (int)(p / (h->n_pcpus / h->sockets));
        ps->core = (int)(p / h->threads_per_core);
        ps->cell = (int)(p / (h->n_pcpus / h->cells));
        ps->busy_ns = s->pbusy[p].reported;
        ps->idle_ns = s->pidle[p].reported;
    }
}

static void fill_vm(SimBackend *s, SovaSnapshot *snap, const SimVm *vm, guint64 elapsed)
{
    SovaVmSample *vs = sova_snapshot_add_vm(snap, vm->uuid, vm->spec->name, vm->spec->n_vcpus);
    vs->memory_kib = vm->spec->memory_kib;
    sova_sim_net_fill_vm(s->net, (guint)(vm - s->vms), vs);
    for (guint i = 0; i < vm->spec->n_vcpus; i++) {
        SimVcpu *c = &s->vcpus[vm->first + i];
        SovaVcpuSample *v = sova_vm_vcpu(vs, i);
        report_counter(s, &c->time, elapsed);
        report_counter(s, &c->delay, elapsed);
        v->time_ns = c->time.reported;
        v->delay_ns = c->delay.reported;
        v->has_delay = TRUE;
        v->pcpu = s->threads[vm->first + i].pcpu;
        v->affinity = sova_cpuset_copy(c->affinity);
        vs->cpu_time_ns += v->time_ns;
    }
}

static SovaSnapshot *sim_sample(SovaBackend *be, GError **error)
{
    SimBackend *s = sim(be);
    guint64 t0 = s->timing ? cpu_now_ns() : 0;
    (void)error;
    /* what the libvirt backend spends: one node-stats call per pCPU, the online map, one
     * bulk domain-stats call */
    be->calls += s->n_pcpus + 2;
    for (guint m = 0; m < s->n_vms; m++)
        if (s->vms[m].nics_stale) {
            be->calls++;   /* virDomainGetXMLDesc: learn the NICs after a VF moved */
            s->vms[m].nics_stale = FALSE;
        }
    SovaSnapshot *snap = sova_snapshot_new(s->n_pcpus);
    snap->time_us = (gint64)(s->now_ns / 1000);
    snap->host = g_strdup(s->sc->host.name);
    snap->memory_kib = s->sc->host.memory_kib;
    guint64 elapsed = (s->pbusy[0].truth - s->pbusy[0].last) + (s->pidle[0].truth - s->pidle[0].last);
    fill_pcpus(s, snap);
    sova_sim_net_fill_host(s->net, snap);
    for (guint m = 0; m < s->n_vms; m++)
        fill_vm(s, snap, &s->vms[m], elapsed);
    if (s->timing)
        s->cpu_ns += cpu_now_ns() - t0;
    return snap;
}

/* ---- pinning ---- */

static SimVm *find_vm(SimBackend *s, const char *uuid, GError **error)
{
    SimVm *vm = g_hash_table_lookup(s->by_uuid, uuid);
    if (!vm)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "no VM with UUID %s", uuid);
    return vm;
}

static gboolean pin(SimBackend *s, const SovaAction *a, GError **error)
{
    SimVm *vm = find_vm(s, a->uuid, error);
    if (!vm)
        return FALSE;
    int *pcpu = NULL;
    if (a->vcpu >= 0 && (guint)a->vcpu < vm->spec->n_vcpus)
        pcpu = &s->threads[vm->first + (guint)a->vcpu].pcpu;
    SovaCpuSet *set = sova_sim_cpu_pin(a, vm->spec->name, vm->spec->n_vcpus, s->n_pcpus, pcpu, error);
    if (!set)
        return FALSE;
    SimVcpu *c = &s->vcpus[vm->first + (guint)a->vcpu];
    sova_cpuset_free(c->affinity);
    c->affinity = set;
    return TRUE;
}

static gboolean vf_move(SimBackend *s, const SovaAction *a, GError **error)
{
    SimVm *vm = find_vm(s, a->uuid, error);
    if (!vm)
        return FALSE;
    guint m = (guint)(vm - s->vms);
    double now = (double)s->now_ns / 1e9;
    gboolean ok = a->kind == SOVA_ACTION_ATTACH_VF ? sova_sim_net_attach(s->net, m, now, error)
                                                   : sova_sim_net_detach(s->net, m, now, error);
    s->vf_refused += !ok;
    vm->nics_stale |= ok;
    return ok;
}

static gboolean sim_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    SimBackend *s = sim(be);
    guint64 t0 = s->timing ? cpu_now_ns() : 0;
    gboolean ok;
    if (a->kind == SOVA_ACTION_PIN) {
        be->calls++;   /* virDomainPinVcpuFlags */
        ok = pin(s, a, error);
    } else if (a->kind == SOVA_ACTION_ATTACH_VF || a->kind == SOVA_ACTION_DETACH_VF) {
        be->calls++;   /* virDomainAttachDeviceFlags / virDomainDetachDeviceAlias */
        ok = vf_move(s, a, error);
    } else {
        /* the cluster plane will model migration here */
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "the simulator cannot migrate yet");
        ok = FALSE;
    }
    if (s->timing)
        s->cpu_ns += cpu_now_ns() - t0;
    return ok;
}

/* ---- life cycle ---- */

static void sim_free(SovaBackend *be)
{
    SimBackend *s = sim(be);
    for (guint v = 0; v < s->n_vcpus; v++)
        sova_cpuset_free(s->vcpus[v].affinity);
    g_rand_free(s->demand_rng);
    g_rand_free(s->noise_rng);
    g_hash_table_unref(s->by_uuid);
    g_free(s->background);
    g_free(s->tick_background);
    sova_sim_net_free(s->net);
    g_free(s->busy);
    g_free(s->pbusy);
    g_free(s->pidle);
    g_free(s->vms);
    g_free(s->vcpus);
    g_free(s->threads);
    g_free(s);
}

static const SovaBackendOps sim_ops = {
    .name = "sim",
    .sample = sim_sample,
    .execute = sim_execute,
    .wait = sim_wait,
    .free = sim_free,
};

static SovaCpuSet *initial_affinity(const SimBackend *s, const SovaSimVmSpec *spec, guint i,
                                    gboolean unpin_all)
{
    SovaCpuSet *set = sova_cpuset_new(s->n_pcpus);
    if (spec->pin[i] >= 0 && !unpin_all) {
        sova_cpuset_add(set, (guint)spec->pin[i]);
        return set;
    }
    for (guint p = 0; p < s->n_pcpus; p++)
        if (!spec->affinity || sova_cpuset_has(spec->affinity, p))
            sova_cpuset_add(set, p);
    return set;
}

static void init_vms(SimBackend *s, gboolean unpin_all)
{
    const SovaSimScenario *sc = s->sc;
    s->n_vms = sc->vms->len;
    s->n_vcpus = sova_sim_scenario_n_vcpus(sc);
    s->vms = g_new0(SimVm, s->n_vms);
    s->vcpus = g_new0(SimVcpu, s->n_vcpus);
    s->threads = g_new0(SovaSimThread, s->n_vcpus);
    s->by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
    guint next = 0;
    for (guint m = 0; m < s->n_vms; m++) {
        SimVm *vm = &s->vms[m];
        vm->spec = g_ptr_array_index(sc->vms, m);
        vm->first = next;
        g_snprintf(vm->uuid, sizeof vm->uuid, "5a5a0000-0000-4000-8000-%012x", m + 1);
        g_hash_table_insert(s->by_uuid, vm->uuid, vm);
        for (guint i = 0; i < vm->spec->n_vcpus; i++, next++) {
            s->vcpus[next].affinity = initial_affinity(s, vm->spec, i, unpin_all);
            s->threads[next].pcpu = sova_cpuset_first(s->vcpus[next].affinity);
        }
    }
}

SovaBackend *sova_sim_backend_new(const SovaSimScenario *sc, guint64 seed, gboolean unpin_all)
{
    SimBackend *s = g_new0(SimBackend, 1);
    s->parent.ops = &sim_ops;
    s->sc = sc;
    /* GRand takes 32-bit seeds; use both halves, and a distinct stream for noise */
    guint32 demand_seed[2] = { (guint32)seed, (guint32)(seed >> 32) };
    guint32 noise_seed[3] = { (guint32)seed, (guint32)(seed >> 32), 0x6e6f6973u };
    s->demand_rng = g_rand_new_with_seed_array(demand_seed, 2);
    s->noise_rng = g_rand_new_with_seed_array(noise_seed, 3);
    s->tick_ns = (guint64)MAX(1, llround(sc->tick * 1e9));
    s->n_pcpus = sc->host.n_pcpus;
    s->background = g_new(double, s->n_pcpus);
    for (guint p = 0; p < s->n_pcpus; p++)
        s->background[p] = sc->host.background[p] / 100.0;
    s->tick_background = g_new0(double, s->n_pcpus);
    s->busy = g_new0(double, s->n_pcpus);
    s->net = sova_sim_net_new(sc, seed);
    s->pbusy = g_new0(Counter, s->n_pcpus);
    s->pidle = g_new0(Counter, s->n_pcpus);
    init_vms(s, unpin_all);
    return &s->parent;
}

gboolean sova_backend_is_sim(SovaBackend *be)
{
    return be && be->ops == &sim_ops;
}

double sova_sim_backend_now(SovaBackend *be)
{
    return (double)sim(be)->now_ns / 1e9;
}

guint64 sova_sim_backend_pcpu_busy_ns(SovaBackend *be, guint pcpu)
{
    return pcpu < sim(be)->n_pcpus ? sim(be)->pbusy[pcpu].truth : 0;
}

void sova_sim_backend_vm_truth(SovaBackend *be, guint vm, guint64 *ran_ns, guint64 *wanted_ns)
{
    SimBackend *s = sim(be);
    *ran_ns = *wanted_ns = 0;
    if (vm >= s->n_vms)
        return;
    for (guint i = 0; i < s->vms[vm].spec->n_vcpus; i++) {
        *ran_ns += s->vcpus[s->vms[vm].first + i].time.truth;
        *wanted_ns += s->vcpus[s->vms[vm].first + i].wanted_ns;
    }
}

void sova_sim_backend_vcpu_truth(SovaBackend *be, guint vm, guint vcpu, guint64 *ran_ns,
                                 guint64 *delay_ns)
{
    SimBackend *s = sim(be);
    *ran_ns = *delay_ns = 0;
    if (vm >= s->n_vms || vcpu >= s->vms[vm].spec->n_vcpus)
        return;
    *ran_ns = s->vcpus[s->vms[vm].first + vcpu].time.truth;
    *delay_ns = s->vcpus[s->vms[vm].first + vcpu].delay.truth;
}

void sova_sim_backend_set_timing(SovaBackend *be, gboolean on)
{
    sim(be)->timing = on;
}

guint64 sova_sim_backend_cpu_ns(SovaBackend *be)
{
    return sim(be)->cpu_ns;
}

/* ---- the net model ---- */

void sova_sim_backend_net_truth(SovaBackend *be, guint vm, SovaSimNetTruth *out)
{
    sova_sim_net_truth(sim(be)->net, vm, out);
}

guint64 sova_sim_backend_vf_refused(SovaBackend *be)
{
    return sim(be)->vf_refused;
}

guint sova_sim_backend_vfs_in_use(SovaBackend *be)
{
    return sova_sim_net_vfs_in_use(sim(be)->net);
}

void sova_sim_backend_set_free_switches(SovaBackend *be, gboolean on)
{
    sova_sim_net_set_free_switches(sim(be)->net, on);
}

void sova_sim_backend_net_gain_ahead(SovaBackend *be, double seconds, double *gain)
{
    SimBackend *s = sim(be);
    guint64 end = s->now_ns + (guint64)llround(MAX(0.0, seconds) * 1e9);
    sova_sim_net_gain_ahead(s->net, s->now_ns, end, s->tick_ns, gain);
}

const char *sova_sim_backend_vm_uuid(SovaBackend *be, guint vm)
{
    return vm < sim(be)->n_vms ? sim(be)->vms[vm].uuid : NULL;
}
