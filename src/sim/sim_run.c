/* sim_run.c — the scenario runner; see sim_run.h. The figures of a finished run (JSON, against
 * CFS): sim_result.c.
 *
 * The scenario is a cluster of one host, driven by the simulator's one loop (sim_loop.h):
 * one sova_agent_step (sample, model, plan, execute), exactly as `sova agent` does on a
 * host, then `interval` seconds of simulated time; the agent steps once more at the end.
 * The figures come from the simulator's true counters, read at each interval boundary.
 *
 * The net plane's baselines are run modes, not policies: the agent has no business
 * knowing the future. Static first-come attaches its VFs before the first interval;
 * the clairvoyant optimum asks the simulator, before every interval, how many packets a
 * VF would gain each VM during it (from the scenario's own demand, random walks
 * included), and moves the VFs through the backend like the agent would, with the
 * simulator told to make switches free. */
#include "sim/sim_run.h"
#include "sim/sim_loop.h"
#include "sim/sim_net_baselines.h"
#include "backend/sim/sim_backend.h"
#include "backend/sim/sim_load.h"
#include <math.h>
#include <stdlib.h>

static void copy_net_config(SovaConfig *c, const SovaConfig *from)
{
    g_free(c->net_policy);
    c->net_policy = g_strdup(from->net_policy);
    c->net_enter = from->net_enter;
    c->net_exit = from->net_exit;
    c->net_exit_intervals = from->net_exit_intervals;
    c->net_margin = from->net_margin;
    c->net_challenge_intervals = from->net_challenge_intervals;
    c->net_min_dwell = from->net_min_dwell;
    c->net_max_switches = from->net_max_switches;
    c->net_blind_half_life = from->net_blind_half_life;
    c->net_bytes_per_point = from->net_bytes_per_point;
    c->net_exclude = g_strdupv(from->net_exclude);
}

/* the agent's settings: the caller's (or defaults), with the scenario's interval; the net
 * plane is on when the agent is to run it (any vf-network name turns it on; the pool
 * comes from the simulated host) */
static SovaConfig *run_config(const SovaSimScenario *sc, const SovaSimRunOptions *o)
{
    SovaConfig *c = sova_config_new();
    const SovaConfig *from = o->cfg;
    if (from) {
        c->target_stddev = from->target_stddev;
        c->min_gain = from->min_gain;
        c->ewma_alpha = from->ewma_alpha;
        c->reserved = sova_cpuset_copy(from->reserved);
        c->exclude = g_strdupv(from->exclude);
        copy_net_config(c, from);
    }
    c->interval = sc->interval;
    if (sc->has_net && o->policy && o->net_mode == SOVA_SIM_NET_AGENT) {
        c->vf_network = g_strdup("sim");
        if (o->net_policy) {
            g_free(c->net_policy);
            c->net_policy = g_strdup(o->net_policy->name);
        }
    }
    return c;
}

static char *net_mode_name(const SovaSimRunOptions *o, const SovaConfig *cfg)
{
    switch (o->net_mode) {
    case SOVA_SIM_NET_AGENT:
        return g_strdup(sova_config_net_enabled(cfg) ? cfg->net_policy : "off (no agent)");
    case SOVA_SIM_NET_STATIC: return g_strdup("static");
    case SOVA_SIM_NET_ORACLE: return g_strdup("oracle");
    case SOVA_SIM_NET_OFF: break;
    }
    return g_strdup("off");
}

static SovaSimResult *result_new(const SovaSimScenario *sc, const SovaSimRunOptions *o,
                                 const SovaConfig *cfg, guint n)
{
    SovaSimResult *r = g_new0(SovaSimResult, 1);
    r->scenario = g_strdup(sc->path);
    r->policy = g_strdup(o->policy ? o->policy->name : o->keep_pins ? "none (pins kept)" : "none");
    r->seed = o->has_seed ? o->seed : sc->seed;
    r->n_pcpus = sova_sim_scenario_host(sc, 0)->n_pcpus;
    r->n_vcpus = sova_sim_scenario_n_vcpus(sc);
    r->interval_s = sc->interval;
    r->target = cfg->target_stddev;
    r->n_intervals = n;
    r->stddev = g_new0(double, n);
    r->util = g_new0(double, (gsize)n * r->n_pcpus);
    r->seen_stddev = o->policy ? g_new0(double, n) : NULL;
    r->pins = g_new0(guint, n);
    r->vms = g_array_new(FALSE, TRUE, sizeof(SovaSimVmResult));
    r->has_net = sc->has_net;
    if (r->has_net) {
        r->net_mode = net_mode_name(o, cfg);
        r->vfs = sova_sim_scenario_host(sc, 0)->nic.vfs;
        r->net_offered_pps = g_new0(double, n);
        r->net_delivered_pps = g_new0(double, n);
        r->vfs_held = g_new0(guint, n);
    }
    return r;
}

/* the step at the end of interval k (time (k + 1) * interval) goes to k; the agent's first
 * plan, a short wait into interval 0 (sova_agent_next_wait), to no interval: its pins count
 * in pin_changes, not as pins made after the pCPUs settled (summarise) */
static void on_interval(const SovaAgentInterval *iv, gpointer data)
{
    SovaSimResult *r = data;
    double k = floor((double)iv->time_us / 1e6 / r->interval_s + 1e-6) - 1;
    if (iv->number < 1 || k < 0 || k >= r->n_intervals)
        return;
    r->seen_stddev[(guint)k] = iv->stddev;
    r->pins[(guint)k] = iv->executed;
}

/* interval k's true pCPU utilisation and its stddev over the pCPUs not reserved */
static void record_interval(SovaSimResult *r, SovaBackend *be, guint k, guint64 *last_busy,
                            guint64 elapsed_ns, const SovaCpuSet *reserved)
{
    double sum = 0, sq = 0;
    guint n = 0;
    for (guint p = 0; p < r->n_pcpus; p++) {
        guint64 busy = sova_sim_backend_pcpu_busy_ns(be, p);
        double u = elapsed_ns ? 100.0 * (double)(busy - last_busy[p]) / (double)elapsed_ns : 0;
        last_busy[p] = busy;
        r->util[(gsize)k * r->n_pcpus + p] = u;
        if (sova_cpuset_has(reserved, p))
            continue;
        sum += u;
        sq += u * u;
        n++;
    }
    double mean = n ? sum / n : 0;
    r->stddev[k] = n ? sqrt(MAX(0.0, sq / n - mean * mean)) : 0;
}

/* interval k's offered and delivered packet rates, over every VM (true) */
static void record_net(SovaSimResult *r, SovaBackend *be, guint n_vms, guint k, double *last)
{
    double off = 0, del = 0;
    for (guint m = 0; m < n_vms; m++) {
        SovaSimNetTruth t;
        sova_sim_backend_net_truth(be, m, &t);
        off += t.offered_pkts;
        del += t.delivered_pkts;
    }
    r->net_offered_pps[k] = (off - last[0]) / r->interval_s;
    r->net_delivered_pps[k] = (del - last[1]) / r->interval_s;
    last[0] = off;
    last[1] = del;
    r->vfs_held[k] = sova_sim_backend_vfs_in_use(be);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, guint n, double q)
{
    if (!n)
        return 0;
    double pos = q * (n - 1);
    guint lo = (guint)floor(pos), hi = MIN(lo + 1, n - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

static void summarise_net_vm(SovaSimResult *r, SovaBackend *be, guint m, SovaSimVmResult *vr)
{
    SovaSimNetTruth t;
    sova_sim_backend_net_truth(be, m, &t);
    vr->net_offered_pkts = t.offered_pkts;
    vr->net_delivered_pkts = t.delivered_pkts;
    vr->net_offered_bytes = t.offered_bytes;
    vr->net_delivered_bytes = t.delivered_bytes;
    vr->vf_s = t.vf_s;
    vr->vf_switches = t.attaches + t.detaches;
    r->net_offered_pkts += t.offered_pkts;
    r->net_delivered_pkts += t.delivered_pkts;
    r->net_offered_bytes += t.offered_bytes;
    r->net_delivered_bytes += t.delivered_bytes;
    r->net_vf_pkts += t.vf_pkts;
    r->net_gap_pkts += t.gap_pkts;
    r->vhost_cpu_s += t.vhost_cpu_s;
    r->vf_attaches += t.attaches;
    r->vf_detaches += t.detaches;
}

static void summarise(SovaSimResult *r, SovaBackend *be, const SovaSimScenario *sc)
{
    int last_above = -1;
    for (guint k = 0; k < r->n_intervals; k++)
        if (r->stddev[k] > r->target + 1e-9) {
            last_above = (int)k;
            r->above++;
        }
    r->settled = last_above + 1 < (int)r->n_intervals ? last_above + 1 : -1;
    for (guint k = r->settled >= 0 ? (guint)r->settled : 0; k < r->n_intervals; k++)
        r->pins_after += r->pins[k];
    if (r->settled < 0)
        r->pins_after = r->pin_changes;   /* never settled: every pin, the first plan's too */
    guint from = r->settled >= 0 ? (guint)r->settled : 0, n = r->n_intervals - from;
    g_autofree double *sorted = g_memdup2(r->stddev + from, n * sizeof(double));
    qsort(sorted, n, sizeof(double), cmp_double);
    double sum = 0;
    for (guint i = 0; i < n; i++)
        sum += sorted[i];
    r->mean_after = n ? sum / n : 0;
    r->median_after = percentile(sorted, n, 0.5);
    r->p95_after = percentile(sorted, n, 0.95);

    g_autofree double *ratio = g_new0(double, sc->vms->len);
    guint n_ratio = 0;
    for (guint m = 0; m < sc->vms->len; m++) {
        const SovaSimVmSpec *spec = g_ptr_array_index(sc->vms, m);
        guint64 ran, wanted;
        sova_sim_backend_vm_truth(be, m, &ran, &wanted);
        SovaSimVmResult vr = { .name = g_strdup(spec->name), .n_vcpus = spec->n_vcpus,
                               .demanded_s = wanted / 1e9, .delivered_s = ran / 1e9 };
        if (r->has_net)
            summarise_net_vm(r, be, m, &vr);
        g_array_append_val(r->vms, vr);
        r->demanded_s += vr.demanded_s;
        r->delivered_s += vr.delivered_s;
        if (wanted > 0)
            ratio[n_ratio++] = MIN(1.0, (double)ran / (double)wanted);
    }
    r->jain = sova_jain_index(ratio, n_ratio);
    if (r->has_net)
        r->vf_refused = sova_sim_backend_vf_refused(be);
}

/* what the loop's hooks need */
typedef struct {
    const SovaSimScenario *sc;
    const SovaSimRunOptions *o;
    SovaSimResult *r;
    SovaBackend *be;
    const SovaCpuSet *reserved;
    guint64 *last_busy;
    double last_net[2];
} Run;

/* the net baselines act before the interval: static first-come once, the oracle every time */
static void before_interval(guint k, gpointer data)
{
    Run *run = data;
    if (!run->sc->has_net)
        return;
    if (k == 0 && run->o->net_mode == SOVA_SIM_NET_STATIC)
        sova_sim_net_static_first_come(run->be, run->sc);
    if (run->o->net_mode == SOVA_SIM_NET_ORACLE)
        sova_sim_net_oracle_step(run->be, run->sc, run->sc->interval, run->o->oracle_margin);
}

static void after_interval(guint k, gpointer data)
{
    Run *run = data;
    SovaSimResult *r = run->r;
    record_interval(r, run->be, k, run->last_busy, (guint64)llround(run->sc->interval * 1e9),
                    run->reserved);
    if (r->has_net)
        record_net(r, run->be, run->sc->vms->len, k, run->last_net);
    if (run->o->progress)
        run->o->progress((double)(k + 1) / r->n_intervals, run->o->progress_data);
}

SovaSimResult *sova_sim_run(const SovaSimScenario *sc, const SovaSimRunOptions *o, GError **error)
{
    gint64 wall0 = g_get_monotonic_time();
    g_autoptr(SovaConfig) cfg = run_config(sc, o);
    double duration = o->duration > 0 ? o->duration : sc->duration;
    if (!sova_sim_check_series(sc->path, duration, sc->interval,
                               sova_sim_scenario_host(sc, 0)->n_pcpus, error))
        return NULL;
    guint n = MAX(1u, (guint)floor(duration / sc->interval + 1e-9));
    g_autoptr(SovaSimResult) r = result_new(sc, o, cfg, n);
    SovaSimCluster *cluster = sova_sim_cluster_new(sc, r->seed, !o->policy && !o->keep_pins);
    SovaBackend *be = sova_sim_cluster_backend(cluster, 0);
    sova_sim_backend_set_timing(be, o->measure_cpu);
    sova_sim_backend_set_free_switches(be, sc->has_net && o->net_mode == SOVA_SIM_NET_ORACLE &&
                                               !o->oracle_pays_switches);
    sova_sim_backend_set_ahead_without_jitter(be, o->oracle_without_jitter);
    SovaAgent *agent = NULL;
    if (o->policy) {
        SovaAgentOptions ao = { .quiet = TRUE, .observer = on_interval, .observer_data = r };
        agent = sova_agent_new(be, cfg, o->policy, &ao);
    }
    g_autofree guint64 *last_busy = g_new0(guint64, r->n_pcpus);
    Run run = { .sc = sc, .o = o, .r = r, .be = be, .reserved = cfg->reserved,
                .last_busy = last_busy };
    SovaSimLoop loop = { .cluster = cluster, .agents = &agent, .n_intervals = n,
                         .interval = sc->interval, .final_step = TRUE, .agent_errors_end = TRUE,
                         .measure_cpu = o->measure_cpu, .first_wait = TRUE,
                         .before = before_interval, .after = after_interval, .data = &run };
    gboolean ok = sova_sim_loop_run(&loop, error);
    if (ok) {
        r->agent_cpu_s = loop.agent_cpu_s;
        r->pin_changes = agent ? sova_agent_pin_changes(agent) : 0;
        r->calls = be->calls;
        summarise(r, be, sc);
    }
    sova_agent_free(agent);
    sova_sim_cluster_free(cluster);
    r->wall_s = (double)(g_get_monotonic_time() - wall0) / 1e6;
    return ok ? g_steal_pointer(&r) : NULL;
}
