/* sim_cluster_run.c — the controller and the agents against a simulated cluster (the
 * simulator's one loop, sim_loop.h), and the figures; see sim_cluster_run.h.
 *
 * The truth imbalance of an interval is computed by building a SovaCluster from the
 * simulator's ground truth (each VM's demanded CPU and offered traffic over the interval,
 * its memory, where it runs at the end) and asking model/cluster.c for its imbalance, so
 * that "imbalance" means exactly what the policies minimise, without their estimation. */
#include "sim/sim_cluster_run.h"
#include "sim/sim_loop.h"
#include "backend/sim/sim_load.h"
#include "config/config.h"
#include "util/json.h"
#include <math.h>
#include <string.h>

typedef struct {
    const SovaSimScenario *sc;
    SovaSimCluster *cluster;
    SovaSimClusterResult *r;
    double *last_wanted, *last_offered;   /* per VM, at the previous interval */
    guint *overloaded;        /* per host: intervals in a row it has been overloaded */
} Truth;

/* ---- the truth imbalance ---- */

static void add_truth_host(SovaCluster *cl, const SovaSimHostSpec *h, gboolean up)
{
    SovaClusterHost *ch = sova_cluster_add_host(cl, h->name);
    ch->up = up;
    ch->maintenance = h->maintenance;
    ch->cpu_capacity = h->n_pcpus;
    double background = 0;   /* mean percent */
    for (guint p = 0; p < h->n_pcpus; p++)
        background += h->background[p];
    ch->cpu_other = background / h->n_pcpus / 100.0 * h->n_pcpus;
    ch->memory_kib = h->memory_kib;
    ch->nic_capacity_Bps = sova_sim_nic_capacity_Bps(&h->nic) * 2;   /* rx + tx */
}

/* an up host whose VMs demanded more CPU or network than it has, over the interval:
 * counted in overload_s (host-seconds) and its stretch in relieve_s (the longest) */
static void track_overload(Truth *t, const SovaCluster *cl, double dt)
{
    g_autofree double *cpu = sova_cluster_loads(cl, SOVA_RES_CPU);
    g_autofree double *net = sova_cluster_loads(cl, SOVA_RES_NET);
    for (guint h = 0; h < cl->hosts->len; h++) {
        gboolean over = sova_cluster_host(cl, h)->up && (cpu[h] > 1.0 || net[h] > 1.0);
        t->overloaded[h] = over ? t->overloaded[h] + 1 : 0;
        if (over) {
            t->r->overload_s += dt;
            t->r->relieve_s = MAX(t->r->relieve_s, t->overloaded[h] * dt);
        }
    }
}

static double truth_imbalance(Truth *t, double dt)
{
    const SovaSimScenario *sc = t->sc;
    g_autoptr(SovaCluster) cl = sova_cluster_new();
    memcpy(cl->weights, sc->weights, sizeof cl->weights);
    cl->now = sova_sim_cluster_now(t->cluster);
    for (guint h = 0; h < sc->hosts->len; h++)
        add_truth_host(cl, g_ptr_array_index(sc->hosts, h),
                       sova_sim_cluster_host_up(t->cluster, h));
    for (guint v = 0; v < sc->vms->len; v++) {
        const SovaSimVmSpec *spec = g_ptr_array_index(sc->vms, v);
        SovaSimClusterVmTruth tr;
        sova_sim_cluster_vm_truth(t->cluster, v, &tr);
        SovaClusterVm *cv = sova_cluster_add_vm(cl, sova_sim_cluster_vm_uuid(t->cluster, v),
                                                spec->name, tr.host);
        cv->cpu = (tr.cpu_wanted_s - t->last_wanted[v]) / dt;
        cv->net_Bps = (tr.net_offered_bytes - t->last_offered[v]) / dt;
        cv->n_vcpus = spec->n_vcpus;
        cv->memory_kib = spec->memory_kib;
        cv->from_host = -1;
        cv->last_moved = cv->failed_at = -1;
        t->last_wanted[v] = tr.cpu_wanted_s;
        t->last_offered[v] = tr.net_offered_bytes;
    }
    track_overload(t, cl, dt);
    return sova_cluster_imbalance(cl);
}

/* ---- the loop ---- */

static SovaConfig *agent_config(const SovaSimScenario *sc, const SovaSimClusterRunOptions *o)
{
    SovaConfig *cfg = sova_config_new();
    cfg->interval = sc->agent_interval > 0 ? sc->agent_interval : sc->interval;
    g_free(cfg->cpu_policy);
    cfg->cpu_policy = g_strdup(o->cpu_policy ? o->cpu_policy->name : "balance");
    if (sc->has_net) {
        cfg->vf_network = g_strdup("sim");
        if (o->net_policy) {
            g_free(cfg->net_policy);
            cfg->net_policy = g_strdup(o->net_policy);
        }
    }
    return cfg;
}

static SovaController *controller_new(const SovaSimScenario *sc, SovaSimCluster *cluster,
                                      const SovaSimClusterRunOptions *o)
{
    g_autofree SovaControllerHost *hosts = g_new0(SovaControllerHost, sc->hosts->len);
    for (guint h = 0; h < sc->hosts->len; h++) {
        const SovaSimHostSpec *spec = g_ptr_array_index(sc->hosts, h);
        hosts[h] = (SovaControllerHost){ .name = spec->name,
                                         .backend = sova_sim_cluster_backend(cluster, h),
                                         .maintenance = spec->maintenance };
    }
    SovaControllerOptions co = {
        .quiet = !o->log,
        .interval = sc->interval,
        .params = sc->params,
        .ewma_alpha = 0.5,
        .migrate = { .bandwidth_MiBps = sc->params.bandwidth_Bps / (1024 * 1024),
                     .timeout_s = sc->timeout_s, .auto_converge = sc->auto_converge },
    };
    memcpy(co.weights, sc->weights, sizeof co.weights);
    return sova_controller_new(hosts, sc->hosts->len, o->policy, &co);
}

static char *default_label(const SovaSimClusterRunOptions *o)
{
    if (o->label)
        return g_strdup(o->label);
    if (o->policy && o->agents)
        return g_strdup_printf("%s+agents", o->policy->name);
    if (o->policy)
        return g_strdup(o->policy->name);
    return g_strdup(o->agents ? "agents only" : "nothing");
}

static SovaSimClusterResult *result_new(const SovaSimScenario *sc,
                                        const SovaSimClusterRunOptions *o, guint n)
{
    SovaSimClusterResult *r = g_new0(SovaSimClusterResult, 1);
    r->scenario = g_strdup(sc->path);
    r->label = default_label(o);
    r->seed = o->has_seed ? o->seed : sc->seed;
    r->n_hosts = sc->hosts->len;
    r->n_vms = sc->vms->len;
    r->interval_s = sc->interval;
    r->threshold = sc->params.threshold;
    r->cooldown_s = sc->params.cooldown_s;
    r->n_intervals = n;
    r->imbalance = g_new0(double, n);
    return r;
}

/* ---- figures ---- */

static void summarise_imbalance(SovaSimClusterResult *r)
{
    guint n = r->n_intervals, tail = MAX(1u, n / 10);
    r->initial_imbalance = r->imbalance[0];
    double sum = 0;
    for (guint k = n - tail; k < n; k++) {
        sum += r->imbalance[k];
        r->max_imbalance_after = MAX(r->max_imbalance_after, r->imbalance[k]);
    }
    r->final_imbalance = sum / tail;
    int settled = (int)n;
    while (settled > 0 && r->imbalance[settled - 1] <= r->threshold)
        settled--;
    /* interval k covers [k, k+1) intervals: balanced from the end of interval settled-1 */
    r->time_to_balance = settled == (int)n ? -1 : settled * r->interval_s;
}

/* ping-pong: a move back to a host the VM left earlier in the run, or a move that starts
 * within the cooldown of the VM's previous move */
void sova_sim_cluster_result_add_moves(SovaSimClusterResult *r, const SovaSimClusterMove *moves,
                                       guint n_moves, guint n_vms, const gboolean *maintenance)
{
    g_autofree double *last_end = g_new(double, n_vms);
    g_autofree guint *count = g_new0(guint, n_vms);
    /* "vm/host" */
    g_autoptr(GHashTable) left = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint v = 0; v < n_vms; v++)
        last_end[v] = -1;
    for (guint i = 0; i < n_moves; i++) {
        const SovaSimClusterMove *m = &moves[i];
        if (!m->ok) {
            r->failed++;
            continue;
        }
        r->migrations++;
        r->migration_s += m->end - m->start;
        r->downtime_s += m->downtime_s;
        g_autofree char *to = g_strdup_printf("%u/%u", m->vm, m->to);
        gboolean early = last_end[m->vm] >= 0 && m->start - last_end[m->vm] < r->cooldown_s;
        gboolean back = g_hash_table_contains(left, to);
        r->cooldown_violations += early;
        r->ping_pongs += early || back;
        g_hash_table_add(left, g_strdup_printf("%u/%u", m->vm, m->from));
        last_end[m->vm] = m->end;
        count[m->vm]++;
        r->max_moves_per_vm = MAX(r->max_moves_per_vm, count[m->vm]);
        if (maintenance && maintenance[m->from])
            r->evacuated_s = MAX(r->evacuated_s, m->end);
    }
}

static void summarise_moves(SovaSimClusterResult *r, const SovaSimScenario *sc,
                            const SovaSimCluster *c)
{
    g_autofree gboolean *maintenance = g_new0(gboolean, sc->hosts->len);
    for (guint h = 0; h < sc->hosts->len; h++)
        maintenance[h] = ((const SovaSimHostSpec *)g_ptr_array_index(sc->hosts, h))->maintenance;
    guint n = sova_sim_cluster_n_moves(c);
    sova_sim_cluster_result_add_moves(r, n ? sova_sim_cluster_move(c, 0) : NULL, n, sc->vms->len,
                                      maintenance);
}

/* keep-together groups whose VMs are on more than one host; host[v]: VM v's host */
static guint split_groups(const SovaSimScenario *sc, const guint *host)
{
    /* group -> host + 1 */
    g_autoptr(GHashTable) first = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) split = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint v = 0; v < sc->vms->len; v++) {
        const char *g = ((const SovaSimVmSpec *)g_ptr_array_index(sc->vms, v))->together;
        if (!g)
            continue;
        guint h = GPOINTER_TO_UINT(g_hash_table_lookup(first, g));
        if (!h)
            g_hash_table_insert(first, (gpointer)g, GUINT_TO_POINTER(host[v] + 1));
        else if (h != host[v] + 1)
            g_hash_table_add(split, (gpointer)g);
    }
    return g_hash_table_size(split);
}

static void summarise_vms(SovaSimClusterResult *r, const SovaSimScenario *sc,
                          const SovaSimCluster *c)
{
    g_autofree guint *start = g_new(guint, sc->vms->len), *end = g_new(guint, sc->vms->len);
    /* "host/group" */
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint v = 0; v < sc->vms->len; v++) {
        const SovaSimVmSpec *spec = g_ptr_array_index(sc->vms, v);
        SovaSimClusterVmTruth tr;
        sova_sim_cluster_vm_truth(c, v, &tr);
        r->cpu_demanded_s += tr.cpu_wanted_s;
        r->cpu_delivered_s += tr.cpu_ran_s;
        r->net_offered_bytes += tr.net_offered_bytes;
        r->net_delivered_bytes += tr.net_delivered_bytes;
        const SovaSimHostSpec *h = g_ptr_array_index(sc->hosts, tr.host);
        r->left_on_maintenance += h->maintenance && !spec->no_migrate;
        start[v] = spec->host;
        end[v] = tr.host;
        if (spec->group && !g_hash_table_add(seen, g_strdup_printf("%d/%s", tr.host, spec->group)))
            r->group_conflicts++;
    }
    r->split_start = split_groups(sc, start);
    r->split_end = split_groups(sc, end);
}

/* ---- the run ---- */

static void after_interval(guint k, gpointer data)
{
    Truth *t = data;
    t->r->imbalance[k] = truth_imbalance(t, t->sc->interval);
}

SovaSimClusterResult *sova_sim_cluster_run(const SovaSimScenario *sc,
                                           const SovaSimClusterRunOptions *o, GError **error)
{
    gint64 wall0 = g_get_monotonic_time();
    double duration = o->duration > 0 ? o->duration : sc->duration;
    if (!sova_sim_check_series(sc->path, duration, sc->interval, 1, error))
        return NULL;
    guint n = MAX(1u, (guint)floor(duration / sc->interval + 1e-9));
    g_autoptr(SovaSimClusterResult) r = result_new(sc, o, n);
    SovaSimCluster *cluster = sova_sim_cluster_new(sc, r->seed, FALSE);
    g_autoptr(SovaController) ctl = o->policy ? controller_new(sc, cluster, o) : NULL;
    g_autoptr(SovaConfig) cfg = agent_config(sc, o);
    const SovaCpuPolicy *cpu = o->cpu_policy ? o->cpu_policy : sova_cpu_policy_find("balance");
    guint nh = sc->hosts->len;
    g_autofree SovaAgent **agents = g_new0(SovaAgent *, nh);
    SovaAgentOptions ao = { .quiet = TRUE };
    for (guint h = 0; o->agents && h < nh; h++)
        agents[h] = sova_agent_new(sova_sim_cluster_backend(cluster, h), cfg, cpu, &ao);
    Truth truth = { .sc = sc, .cluster = cluster, .r = r,
                    .last_wanted = g_new0(double, sc->vms->len),
                    .last_offered = g_new0(double, sc->vms->len),
                    .overloaded = g_new0(guint, nh) };
    SovaSimLoop loop = { .cluster = cluster, .controller = ctl, .agents = agents, .n_intervals = n,
                         .interval = sc->interval, .agent_interval = sc->agent_interval,
                         .after = after_interval, .data = &truth };
    gboolean ok = sova_sim_loop_run(&loop, error);
    for (guint h = 0; h < nh; h++) {
        r->vf_switches += agents[h] ? sova_agent_vf_switches(agents[h]) : 0;
        sova_agent_free(agents[h]);
    }
    if (ok) {
        summarise_imbalance(r);
        r->evacuated_s = -1;
        summarise_moves(r, sc, cluster);
        summarise_vms(r, sc, cluster);
        if (r->left_on_maintenance)
            r->evacuated_s = -1;
    }
    g_clear_pointer(&ctl, sova_controller_free);   /* before the backends it reads */
    sova_sim_cluster_free(cluster);
    g_free(truth.last_wanted);
    g_free(truth.last_offered);
    g_free(truth.overloaded);
    r->wall_s = (double)(g_get_monotonic_time() - wall0) / 1e6;
    return ok ? g_steal_pointer(&r) : NULL;
}

void sova_sim_cluster_result_free(SovaSimClusterResult *r)
{
    if (!r)
        return;
    g_free(r->scenario);
    g_free(r->label);
    g_free(r->imbalance);
    g_free(r);
}

double sova_sim_cluster_result_cpu_ratio(const SovaSimClusterResult *r)
{
    return r->cpu_demanded_s > 0 ? r->cpu_delivered_s / r->cpu_demanded_s : 1;
}

double sova_sim_cluster_result_net_ratio(const SovaSimClusterResult *r)
{
    return r->net_offered_bytes > 0 ? r->net_delivered_bytes / r->net_offered_bytes : 1;
}

JsonNode *sova_sim_cluster_result_to_json(const SovaSimClusterResult *r, gboolean with_series)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_string(b, "scenario", r->scenario);
    sova_json_string(b, "run", r->label);
    sova_json_int(b, "seed", (gint64)r->seed);
    sova_json_int(b, "hosts", r->n_hosts);
    sova_json_int(b, "vms", r->n_vms);
    sova_json_double(b, "interval_s", r->interval_s);
    sova_json_double(b, "threshold", r->threshold);
    sova_json_double(b, "initial_imbalance", r->initial_imbalance);
    sova_json_double(b, "final_imbalance", r->final_imbalance);
    sova_json_double(b, "max_imbalance_after", r->max_imbalance_after);
    sova_json_double(b, "time_to_balance_s", r->time_to_balance);
    sova_json_int(b, "migrations", r->migrations);
    sova_json_int(b, "failed_migrations", r->failed);
    sova_json_int(b, "ping_pongs", r->ping_pongs);
    sova_json_int(b, "cooldown_violations", r->cooldown_violations);
    sova_json_int(b, "max_moves_per_vm", r->max_moves_per_vm);
    sova_json_double(b, "migration_s", r->migration_s);
    sova_json_double(b, "downtime_s", r->downtime_s);
    sova_json_int(b, "left_on_maintenance", r->left_on_maintenance);
    sova_json_double(b, "evacuated_s", r->evacuated_s);
    sova_json_int(b, "group_conflicts", r->group_conflicts);
    sova_json_int(b, "together_split_start", r->split_start);
    sova_json_int(b, "together_split_end", r->split_end);
    sova_json_double(b, "cpu_delivered_ratio", sova_sim_cluster_result_cpu_ratio(r));
    sova_json_double(b, "net_delivered_ratio", sova_sim_cluster_result_net_ratio(r));
    sova_json_int(b, "vf_switches", (gint64)r->vf_switches);
    sova_json_double(b, "overload_s", r->overload_s);
    sova_json_double(b, "relieve_s", r->relieve_s);
    sova_json_double(b, "wall_s", r->wall_s);
    if (with_series) {
        json_builder_set_member_name(b, "imbalance");
        json_builder_begin_array(b);
        for (guint k = 0; k < r->n_intervals; k++)
            json_builder_add_double_value(b, r->imbalance[k]);
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
