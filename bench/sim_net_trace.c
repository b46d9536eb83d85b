/* sim_net_trace.c — where a net policy loses against the shape oracle, interval by interval
 * (a diagnostic beside bench-sim-net; asserts nothing).
 *
 * One scenario, one seed, one way of seeing a VF's traffic (vf-counters), and who decides:
 * a registered net policy run by the agent's real loop, or the shape oracle paying for its
 * switches ("shape-paid", margin 0.3, as bench-sim-net has it), or the same oracle told each
 * VM's shape gain one interval late ("shape-late": what the interval just past was worth,
 * as a policy that reads counters learns it at best, without their jitter; a reference
 * for such a policy, not a bound), or told it with its jitter ("seen-late": what a tap's
 * counters show of the interval just past, exactly). Before each interval it asks
 * the simulator for every VM's shape gain over that interval (what a VF would add over
 * virtio, from the demand shape without its per-second jitter: sim_net.h) and compares the
 * VFs' holders with the best set, the shape-opt column's choice (free, instant switches):
 *  - choice: the best set's shape gain less the holders' (the VF is with a VM that gains
 *    less, or idle);
 *  - latency: the holders' shape gain over the part of the interval their VF was not yet
 *    carrying their traffic (vf-attach-latency after the attach);
 *  - gap: packets lost in detach gaps.
 * Each loss is shown as a share of the clairvoyant optimum's delivered packets (as
 * bench-sim-net's figures are), and bucketed by the time since the start of the window
 * (--window: a scenario whose demand changes on a fixed period) to tell detection delay
 * from a stale or wrong choice. --show FROM-TO prints the intervals between those seconds.
 *
 * --lag N tells the late oracles the gains N intervals late (1); --seeds N pools N runs (the
 * seed and the next ones), as bench-sim-net's figures are pooled.
 *
 * usage: bench-sim-net-trace SCENARIO [--vf-counters yes|pf|no] [--seed N] [--seeds N]
 *        [--policy NAME|shape-paid|shape-late|seen-late] [--lag N] [--window SECONDS]
 *        [--show FROM-TO] [--config sova.conf] */
#include "backend/sim/sim_backend.h"
#include "backend/sim/sim_cluster.h"
#include "sim/sim_loop.h"
#include "sim/sim_net_baselines.h"
#include "sim/sim_run.h"
#include "daemon/agent_net.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define BUCKETS 6
static const double bucket_end[BUCKETS] = { 1, 2, 3, 5, 10, INFINITY };

typedef struct {
    const SovaSimScenario *sc;
    SovaBackend *be;
    gboolean oracle;          /* shape-paid */
    gboolean late;            /* shape-late */
    double *prev;             /* [lag][n] the shape gains of the intervals before, newest last */
    guint lag;                /* shape-late: intervals late (1) */
    gboolean seen;            /* seen-late: shape-late told the gain with its jitter */
    double window, show_from, show_to;
    guint n, vfs;
    gboolean *held;           /* [n] before the interval's plan */
    double *attached_at;      /* [n] time of the attach of the VF it holds */
    double *gain;             /* [n] this interval's shape gain, packets */
    double last_gap;
    double choice[BUCKETS], latency[BUCKETS], gap[BUCKETS];
    guint switches[BUCKETS];
} Trace;

static gint by_gain_desc(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* the best set's shape gain: the vfs largest positive gains */
static double best_gain(const Trace *t)
{
    g_autofree double *g = g_memdup2(t->gain, sizeof(double) * t->n);
    qsort(g, t->n, sizeof(double), by_gain_desc);
    double s = 0;
    for (guint i = 0; i < t->n && i < t->vfs; i++)
        s += MAX(g[i], 0);
    return s;
}

static guint bucket(const Trace *t, double now)
{
    double since = t->window > 0 ? fmod(now + 1e-9, t->window) : INFINITY;
    guint b = 0;
    while (since >= bucket_end[b])
        b++;
    return b;
}

static void show(const Trace *t, double now, double best, double held)
{
    if (now < t->show_from || now >= t->show_to)
        return;
    printf("%6.0f best %8.0f held %8.0f |", now, best / 1e3, held / 1e3);
    for (guint m = 0; m < t->n; m++) {
        SovaSimNetTruth tr;
        sova_sim_backend_net_truth(t->be, m, &tr);
        const SovaSimVmSpec *spec = g_ptr_array_index(t->sc->vms, m);
        if (tr.holds_vf || t->gain[m] > 0)
            printf(" %s%s:%.0f", tr.holds_vf ? "*" : "", spec->name, t->gain[m] / 1e3);
    }
    printf("\n");
}

static void vf_action(Trace *t, guint m, SovaActionKind kind)
{
    g_autoptr(SovaPlan) plan = sova_plan_new();
    SovaAction *a = sova_plan_add_vf(plan, kind, sova_sim_backend_vm_uuid(t->be, m), "x", "shape-late");
    sova_backend_execute(t->be, a, NULL);
}

/* shape-late: the VFs to the VMs whose shape gained most in the interval before; a holder
 * keeps its VF unless another gained 1.3 times as much */
static void late_step(Trace *t)
{
    g_autofree guint *order = g_new(guint, t->n);
    g_autofree gboolean *holds = g_new0(gboolean, t->n);
    g_autofree double *rank = g_new(double, t->n);
    for (guint m = 0; m < t->n; m++) {
        SovaSimNetTruth tr;
        sova_sim_backend_net_truth(t->be, m, &tr);
        holds[m] = tr.holds_vf;
        rank[m] = t->prev[m] * (holds[m] ? 1.3 : 1.0);   /* the oldest row: lag intervals ago */
        order[m] = m;
    }
    for (guint i = 1; i < t->n; i++)   /* insertion sort, best first, holders first on ties */
        for (guint j = i; j > 0 && (rank[order[j]] > rank[order[j - 1]] ||
                                    (rank[order[j]] == rank[order[j - 1]] && holds[order[j]]));
             j--) {
            guint x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    guint chosen = 0;
    while (chosen < MIN(t->vfs, t->n) && t->prev[order[chosen]] > 0)
        chosen++;
    for (guint i = 0; i < chosen; i++) {
        if (holds[order[i]])
            continue;
        if (sova_sim_backend_vfs_in_use(t->be) >= t->vfs) {
            guint v = t->n;
            for (guint j = t->n; j-- > chosen;)
                if (holds[order[j]]) {
                    v = order[j];
                    break;
                }
            if (v == t->n)
                break;
            vf_action(t, v, SOVA_ACTION_DETACH_VF);
            holds[v] = FALSE;
        }
        vf_action(t, order[i], SOVA_ACTION_ATTACH_VF);
        holds[order[i]] = TRUE;
    }
}

/* the agent's net plan, with its reasons, in the --show range */
static void observe(const SovaAgentInterval *iv, gpointer data)
{
    const Trace *t = data;
    double now = sova_sim_backend_now(t->be);
    if (!iv->net || now < t->show_from || now >= t->show_to)
        return;
    for (guint i = 0; i < sova_plan_len(iv->net->plan); i++) {
        const SovaAction *a = sova_plan_action(iv->net->plan, i);
        printf("       %s %s: %s\n", a->kind == SOVA_ACTION_ATTACH_VF ? "attach" : "detach",
               a->vm_name, a->reason);
    }
    printf("       seen:");
    for (guint i = 0; i < iv->net->model->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(iv->net->model, i);
        if (v->has_vf || sova_net_rates_demand_pps(&v->raw) > 200000)
            printf(" %s%s:%.0f%s", v->has_vf ? "*" : "", v->name, sova_net_rates_demand_pps(&v->raw) / 1e3,
                   v->fresh ? "(fresh)" : v->no_news ? "(no news)" : v->blind ? "(blind)" : "");
    }
    printf("\n");
}

/* after the plan of interval k, before time moves on */
static void before(guint k, gpointer data)
{
    Trace *t = data;
    (void)k;
    double now = sova_sim_backend_now(t->be), dt = t->sc->interval;
    if (t->oracle)
        sova_sim_net_oracle_step(t->be, t->sc, dt, 0.3);
    if (t->late)
        late_step(t);
    memmove(t->prev, t->prev + t->n, sizeof(double) * t->n * (t->lag - 1));
    double *newest = t->prev + (gsize)t->n * (t->lag - 1);
    if (t->seen) {   /* what the counters will show of this interval */
        sova_sim_backend_set_ahead_without_jitter(t->be, FALSE);
        sova_sim_backend_net_gain_ahead(t->be, dt, newest);
        sova_sim_backend_set_ahead_without_jitter(t->be, TRUE);
    }
    sova_sim_backend_net_gain_ahead(t->be, dt, t->gain);
    if (!t->seen)
        memcpy(newest, t->gain, sizeof(double) * t->n);
    double best = best_gain(t), held = 0, late = 0;
    guint b = bucket(t, now);
    double lat = sova_sim_scenario_host(t->sc, 0)->nic.vf_attach_latency;
    for (guint m = 0; m < t->n; m++) {
        SovaSimNetTruth tr;
        sova_sim_backend_net_truth(t->be, m, &tr);
        if (tr.holds_vf != t->held[m])
            t->switches[b]++;
        if (tr.holds_vf && !t->held[m])
            t->attached_at[m] = now;
        t->held[m] = tr.holds_vf;
        if (!tr.holds_vf)
            continue;
        held += t->gain[m];
        double on = CLAMP((now + dt - (t->attached_at[m] + lat)) / dt, 0.0, 1.0);
        late += MAX(t->gain[m], 0) * (1 - on);
    }
    t->choice[b] += best - held;
    t->latency[b] += late;
    show(t, now, best, held);
}

static void after(guint k, gpointer data)
{
    Trace *t = data;
    (void)k;
    double gap = 0;
    for (guint m = 0; m < t->n; m++) {
        SovaSimNetTruth tr;
        sova_sim_backend_net_truth(t->be, m, &tr);
        gap += tr.gap_pkts;
    }
    t->gap[bucket(t, sova_sim_backend_now(t->be) - t->sc->interval)] += gap - t->last_gap;
    t->last_gap = gap;
}

static SovaConfig *config_for(const SovaSimScenario *sc, const char *file, const char *policy,
                              GError **error)
{
    SovaConfig *cfg = sova_config_new();
    if (file && !sova_config_load(cfg, file, error)) {
        sova_config_free(cfg);
        return NULL;
    }
    cfg->interval = sc->interval;
    g_free(cfg->vf_network);
    cfg->vf_network = g_strdup("sim");
    g_free(cfg->net_policy);
    cfg->net_policy = g_strdup(policy);
    return cfg;
}

/* a run's figures, summed over the seeds */
typedef struct {
    double delivered, optimum;
    double choice[BUCKETS], latency[BUCKETS], gap[BUCKETS];
    guint switches[BUCKETS];
} Totals;

static void report(const Totals *x, guint seeds)
{
    double opt = x->optimum;
    printf("delivered %.4f x the optimum%s\n", x->delivered / opt, seeds > 1 ? " (pooled over the seeds)" : "");
    printf("loss x the optimum (%.1f Mpkt a run), by seconds since the window's start; switches a run:\n",
           opt / 1e6 / seeds);
    printf("%-10s %9s %9s %9s %9s\n", "since", "choice", "latency", "gap", "switches");
    double c = 0, l = 0, g = 0, s = 0;
    for (guint b = 0; b < BUCKETS; b++) {
        g_autofree char *from = g_strdup_printf("%g-%g", b ? bucket_end[b - 1] : 0, bucket_end[b]);
        printf("%-10s %9.4f %9.4f %9.4f %9.1f\n", from, x->choice[b] / opt, x->latency[b] / opt,
               x->gap[b] / opt, (double)x->switches[b] / seeds);
        c += x->choice[b], l += x->latency[b], g += x->gap[b], s += x->switches[b];
    }
    printf("%-10s %9.4f %9.4f %9.4f %9.1f\n", "all", c / opt, l / opt, g / opt, s / seeds);
}

static double optimum_of(const SovaSimScenario *sc, guint64 seed)
{
    SovaSimRunOptions o = { .policy = sova_cpu_policy_find("balance"), .has_seed = TRUE,
                            .seed = seed, .net_mode = SOVA_SIM_NET_ORACLE };
    g_autoptr(SovaSimResult) r = sova_sim_run(sc, &o, NULL);
    return r ? r->net_delivered_pkts : 1;
}

/* one seed: the run as `proto` sets it up (the agent's net plane off for the oracles),
 * added to x */
static gboolean trace_one(const Trace *proto, const SovaConfig *cfg, guint64 seed, Totals *x,
                          GError **error)
{
    Trace t = *proto;
    const SovaSimScenario *sc = t.sc;
    t.held = g_new0(gboolean, t.n);
    t.attached_at = g_new0(double, t.n);
    t.gain = g_new0(double, t.n);
    t.prev = g_new0(double, (gsize)t.n * t.lag);
    SovaSimCluster *cluster = sova_sim_cluster_new(sc, seed, FALSE);
    t.be = sova_sim_cluster_backend(cluster, 0);
    sova_sim_backend_set_ahead_without_jitter(t.be, TRUE);
    SovaAgentOptions ao = { .quiet = TRUE, .observer = observe, .observer_data = &t };
    SovaAgent *agent = sova_agent_new(t.be, cfg, sova_cpu_policy_find("balance"), &ao);
    SovaSimLoop loop = { .cluster = cluster, .agents = &agent,
                         .n_intervals = (guint)floor(sc->duration / sc->interval + 1e-9),
                         .interval = sc->interval, .final_step = TRUE, .agent_errors_end = TRUE,
                         .first_wait = TRUE, .before = before, .after = after, .data = &t };
    gboolean ok = sova_sim_loop_run(&loop, error);
    if (ok) {
        for (guint m = 0; m < t.n; m++) {
            SovaSimNetTruth tr;
            sova_sim_backend_net_truth(t.be, m, &tr);
            x->delivered += tr.delivered_pkts;
        }
        x->optimum += optimum_of(sc, seed);
        for (guint b = 0; b < BUCKETS; b++) {
            x->choice[b] += t.choice[b];
            x->latency[b] += t.latency[b];
            x->gap[b] += t.gap[b];
            x->switches[b] += t.switches[b];
        }
    }
    sova_agent_free(agent);
    sova_sim_cluster_free(cluster);
    g_free(t.held);
    g_free(t.attached_at);
    g_free(t.gain);
    g_free(t.prev);
    return ok;
}

int main(int argc, char **argv)
{
    g_autofree char *mode = NULL, *policy = NULL, *config = NULL, *range = NULL;
    gint64 seed = -1;
    double window = 0;
    gint lag = 1, seeds = 1;
    GOptionEntry entries[] = {
        { "vf-counters", 0, 0, G_OPTION_ARG_STRING, &mode, "yes, pf or no (the scenario's)", "MODE" },
        { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "seed (the scenario's)", "N" },
        { "seeds", 0, 0, G_OPTION_ARG_INT, &seeds, "runs: the seed and the next ones, pooled (1)", "N" },
        { "policy", 0, 0, G_OPTION_ARG_STRING, &policy, "a net policy, shape-paid, shape-late or seen-late (balance)", "NAME" },
        { "lag", 0, 0, G_OPTION_ARG_INT, &lag, "shape-late: intervals late (1)", "N" },
        { "window", 0, 0, G_OPTION_ARG_DOUBLE, &window, "the scenario's period of change, s", "S" },
        { "show", 0, 0, G_OPTION_ARG_STRING, &range, "print the intervals FROM-TO (seconds)", "FROM-TO" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config, "sova.conf with [net] settings", "FILE" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - where a net policy loses");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2) {
        g_printerr("bench-sim-net-trace: %s\n", err ? err->message : "one scenario file");
        return 2;
    }
    g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load(argv[1], &err);
    if (!sc) {
        g_printerr("bench-sim-net-trace: %s\n", err->message);
        return 2;
    }
    if (mode && strcmp(mode, "yes") && strcmp(mode, "pf") && strcmp(mode, "no")) {
        g_printerr("bench-sim-net-trace: --vf-counters takes yes, pf or no\n");
        return 2;
    }
    if (mode)
        sova_sim_scenario_set_vf_counters(sc, !strcmp(mode, "pf") ? SOVA_SIM_VF_COUNTERS_PF
                                              : !strcmp(mode, "no") ? SOVA_SIM_VF_COUNTERS_NO
                                              : SOVA_SIM_VF_COUNTERS_YES);
    guint64 s = seed >= 0 ? (guint64)seed : sc->seed;
    gboolean oracle = policy && !strcmp(policy, "shape-paid");
    gboolean seen = policy && !strcmp(policy, "seen-late");
    gboolean late = seen || (policy && !strcmp(policy, "shape-late"));
    if (policy && !oracle && !late && !sova_net_policy_find(policy)) {
        g_printerr("bench-sim-net-trace: unknown policy %s (known: %s, shape-paid, shape-late, "
                   "seen-late)\n", policy, sova_net_policy_list());
        return 2;
    }
    g_autoptr(SovaConfig) cfg = config_for(sc, config, oracle || late || !policy ? "balance" : policy, &err);
    if (!cfg) {
        g_printerr("bench-sim-net-trace: %s\n", err->message);
        return 2;
    }
    Trace t = { .sc = sc, .oracle = oracle, .late = late, .seen = seen, .window = window,
                .n = sc->vms->len, .vfs = sova_sim_scenario_host(sc, 0)->nic.vfs,
                .lag = (guint)MAX(lag, 1), .show_from = INFINITY };
    if (range && sscanf(range, "%lf-%lf", &t.show_from, &t.show_to) != 2)
        t.show_from = INFINITY;
    if (oracle || late)
        cfg->vf_network = (g_free(cfg->vf_network), NULL);
    Totals x = { 0 };
    for (gint i = 0; i < MAX(seeds, 1); i++)
        if (!trace_one(&t, cfg, s + (guint64)i, &x, &err)) {
            g_printerr("bench-sim-net-trace: %s\n", err->message);
            return 1;
        }
    report(&x, (guint)MAX(seeds, 1));
    return 0;
}
