/* test_sim_cluster_run.c — the cluster simulator's harness (sim/sim_cluster_run.h): its
 * figures count failures, ping-pongs, cooldown violations and the evacuation time; with no
 * policy nothing moves and a hot spot stays, with the controller's real loop VMs move off
 * the hot host; a destination that goes down mid-migration fails that migration and the
 * run carries on to its end; keep-together groups split at the start are gathered (or
 * left, when they cannot be) and counted at the start and the end; the host agents publish
 * each VM's CPU summary (demand with its run-queue delay) where the controller's sample of
 * the host carries it, fresh while the agent runs and stale once it has stopped; with the
 * agents the controller relieves a host whose VMs rise as early as it does alone (K1). */
#include "sim_cluster_fixtures.h"
#include "sim/sim_cluster_run.h"
#include "daemon/agent.h"
#include "model/cpu_summary.h"

/* the figures: a move back to a host the VM left, or within its cooldown, is a ping-pong */
static void test_ping_pong_count(void)
{
    const SovaSimClusterMove moves[] = {
        { .vm = 0, .from = 0, .to = 1, .start = 0, .end = 10, .ok = TRUE },
        { .vm = 1, .from = 0, .to = 1, .start = 0, .end = 10, .ok = TRUE },
        { .vm = 1, .from = 1, .to = 2, .start = 100, .end = 110, .ok = TRUE },   /* within cooldown */
        { .vm = 2, .from = 0, .to = 1, .start = 100, .end = 105, .ok = FALSE },
        { .vm = 0, .from = 1, .to = 2, .start = 400, .end = 410, .ok = TRUE },   /* fine */
        { .vm = 0, .from = 2, .to = 0, .start = 800, .end = 810, .ok = TRUE },   /* back to 0 */
    };
    const gboolean maintenance[] = { TRUE, FALSE, FALSE };
    g_autoptr(SovaSimClusterResult) r = g_new0(SovaSimClusterResult, 1);
    r->cooldown_s = 300;
    r->evacuated_s = -1;
    sova_sim_cluster_result_add_moves(r, moves, G_N_ELEMENTS(moves), 3, maintenance);
    g_assert_cmpuint(r->migrations, ==, 5);
    g_assert_cmpuint(r->failed, ==, 1);
    g_assert_cmpuint(r->ping_pongs, ==, 2);
    g_assert_cmpuint(r->cooldown_violations, ==, 1);
    g_assert_cmpuint(r->max_moves_per_vm, ==, 3);
    g_assert_cmpfloat(r->migration_s, ==, 50);
    g_assert_cmpfloat(r->evacuated_s, ==, 10);
}

#define HOT_SPOT \
    "[cluster]\nduration = 600\ninterval = 20\nseed = 3\n[hosts h]\ncount = 4\npcpus = 8\nmemory = 64\n" \
    "[vms base]\ncount = 8\nhost = *\nvcpus = 2\nmemory = 2048\ndemand = constant:40\n" \
    "[vms hot]\ncount = 4\nhost = h1\nvcpus = 4\nmemory = 4096\ndemand = constant:80\n"

/* the harness: with nothing running, nothing moves and the hot spot stays; with the
 * controller's real loop, VMs move off the hot host and the true imbalance falls */
static void test_run_controller(void)
{
    g_autoptr(SovaSimScenario) sc = load(HOT_SPOT);
    g_autoptr(GError) err = NULL;
    SovaSimClusterRunOptions none = { 0 };
    g_autoptr(SovaSimClusterResult) r0 = sova_sim_cluster_run(sc, &none, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(r0->migrations, ==, 0);
    g_assert_cmpfloat(r0->final_imbalance, >, sc->params.threshold);
    g_assert_cmpfloat(r0->cpu_delivered_s, <, r0->cpu_demanded_s);
    g_assert_cmpfloat(r0->time_to_balance, <, 0);
    SovaSimClusterRunOptions ctl = { .policy = sova_cluster_policy_find("sova") };
    g_assert_nonnull(ctl.policy);
    g_autoptr(SovaSimClusterResult) r1 = sova_sim_cluster_run(sc, &ctl, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(r1->migrations, >, 0);
    g_assert_cmpfloat(r1->final_imbalance, <, r0->final_imbalance);
    g_assert_cmpfloat(r1->cpu_delivered_s, >, r0->cpu_delivered_s);
    g_assert_cmpuint(r1->cooldown_violations, ==, 0);
}

/* the only destination goes down while a VM migrates to it (sova starts at 40 s, on the
 * second sample above the threshold): that migration fails, the VM keeps running on its
 * source, the controller carries on to the end of the run */
static void test_run_destination_down(void)
{
    g_autoptr(SovaSimScenario) sc = load("[cluster]\nduration = 600\ninterval = 20\n"
                                                "[controller]\nbandwidth-mbps = 1000\n"
                                                "[host h1]\npcpus = 8\nmemory = 64\n"
                                                "[host h2]\npcpus = 8\nmemory = 64\ndown-at = 45\nup-at = 200\n"
                                                "[vms hot]\ncount = 4\nhost = h1\nvcpus = 4\nmemory = 4096\n"
                                                "demand = constant:80\n");
    SovaSimClusterRunOptions o = { .policy = sova_cluster_policy_find("sova") };
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimClusterResult) r = sova_sim_cluster_run(sc, &o, &err);
    g_assert_no_error(err);
    g_assert_nonnull(r);
    g_assert_cmpuint(r->failed, >=, 1);
    g_assert_cmpfloat(r->cpu_delivered_s, >, 0);
    g_assert_cmpuint(r->n_intervals, ==, 30);
}

/* keep-together groups split at the start: every policy's run gathers the one that can be
 * (x3 joins x1 and x2 on h1, in one migration) and leaves the one that cannot (y2 may not
 * migrate, y1 may only run on h2); the host agents alone gather nothing */
static void test_run_gathers_split_group(void)
{
    g_autoptr(SovaSimScenario) sc = load(
        "[cluster]\nduration = 200\ninterval = 20\nseed = 3\n[hosts h]\ncount = 3\npcpus = 8\n"
        "memory = 64\n[vms base]\ncount = 6\nhost = *\nvcpus = 2\nmemory = 2048\n"
        "demand = constant:30\n"
        "[vm x1]\nhost = h1\nvcpus = 1\nmemory = 1024\ndemand = constant:20\ntogether = x\n"
        "[vm x2]\nhost = h1\nvcpus = 1\nmemory = 1024\ndemand = constant:20\ntogether = x\n"
        "[vm x3]\nhost = h3\nvcpus = 1\nmemory = 1024\ndemand = constant:20\ntogether = x\n"
        "[vm y1]\nhost = h2\nvcpus = 1\nmemory = 1024\ndemand = constant:20\ntogether = y\n"
        "allowed-hosts = h2\n"
        "[vm y2]\nhost = h3\nvcpus = 1\nmemory = 1024\ndemand = constant:20\ntogether = y\n"
        "migrate = no\n");
    g_auto(GStrv) names = g_strsplit(sova_cluster_policy_list(), ", ", -1);
    for (guint k = 0; names[k]; k++) {
        SovaSimClusterRunOptions o = { .policy = sova_cluster_policy_find(names[k]) };
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaSimClusterResult) r = sova_sim_cluster_run(sc, &o, &err);
        g_assert_no_error(err);
        g_assert_cmpuint(r->split_start, ==, 2);
        g_assert_cmpuint(r->split_end, ==, 1);
        g_assert_cmpuint(r->migrations, ==, 1);
    }
    SovaSimClusterRunOptions host = { .agents = TRUE };
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimClusterResult) r = sova_sim_cluster_run(sc, &host, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(r->split_end, ==, 2);
}

/* host a is overloaded (6 busy vCPUs on 4 pCPUs): its agent publishes each VM's summary,
 * whose demand counts the delay (more than the VM ran), and the sample of host a carries it,
 * fresh; long after the agent stopped it is stale */
static void test_agents_publish_cpu_summaries(void)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vms v]\ncount = 3\nhost = a\nvcpus = 2\n"
                                                   "demand = constant:100\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0);
    g_autoptr(SovaConfig) cfg = sova_config_new();
    cfg->interval = 10;
    SovaAgentOptions opts = { .quiet = TRUE };
    SovaAgent *agent = sova_agent_new(a, cfg, sova_cpu_policy_find("balance"), &opts);
    g_autoptr(GError) err = NULL;
    for (int k = 0; k < 6; k++) {
        g_assert_true(sova_agent_step(agent, &err));
        g_assert_true(sova_backend_wait(a, 10, NULL));
    }
    sova_agent_free(agent);
    g_autoptr(SovaSnapshot) s = sova_backend_sample(a, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(s->vms->len, ==, 3);
    for (guint i = 0; i < s->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        int v = sova_sim_cluster_find_vm(c, vm->uuid);
        g_assert_true(sova_cpu_summary_fresh(&vm->cpu_summary, 20));
        g_assert_cmpfloat(vm->cpu_summary.demand, >, 1.5);          /* wants its 2 vCPUs */
        g_assert_cmpfloat(vm->cpu_summary.unmet, >, 0.3);           /* and waits for them */
        g_assert_cmpfloat(ran(c, (guint)v) / sova_sim_cluster_now(c), <, 1.5);
    }
    g_assert_true(sova_sim_cluster_advance(c, 3600, NULL));
    g_autoptr(SovaSnapshot) later = sova_backend_sample(a, &err);
    const SovaVmSample *vm = g_ptr_array_index(later->vms, 0);
    g_assert_true(vm->cpu_summary.has);
    g_assert_false(sova_cpu_summary_fresh(&vm->cpu_summary, 20));
    sova_sim_cluster_free(c);
}

/* one 16-pCPU host, three pairs of 4-vCPU VMs stepping between 10 and 85 % (jitter 5) 80 s
 * apart, all three busy at once for a while (24 vCPUs at 85 on 16 pCPUs); interval 20 */
#define STEPS \
    "[cluster]\nduration = 2400\ninterval = 20\nseed = 1\n%s" \
    "[hosts h]\ncount = 1\npcpus = 16\nmemory = 128\n" \
    "[vms a]\ncount = 2\nhost = h1\nvcpus = 4\nmemory = 4096\njitter = 5\n" \
    "demand = square:85:10:1200:0.5:0\n" \
    "[vms b]\ncount = 2\nhost = h1\nvcpus = 4\nmemory = 4096\njitter = 5\n" \
    "demand = square:85:10:1200:0.5:1120\n" \
    "[vms c]\ncount = 2\nhost = h1\nvcpus = 4\nmemory = 4096\njitter = 5\n" \
    "demand = square:85:10:1200:0.5:1040\n"

static double cpu_ratio(const char *extra, gboolean agents)
{
    g_autofree char *text = g_strdup_printf(STEPS, extra);
    g_autoptr(SovaSimScenario) sc = load(text);
    g_autoptr(GError) err = NULL;
    SovaSimClusterRunOptions o = { .agents = agents };
    g_autoptr(SovaSimClusterResult) r = sova_sim_cluster_run(sc, &o, &err);
    g_assert_no_error(err);
    return sova_sim_cluster_result_cpu_ratio(r);
}

/* the host level never gives the VMs less than the kernel alone: the agents run at their own
 * interval (1 s, `sova agent`'s default) under the controller's 20 s, and a shared set that
 * runs over 100 % beside pinned pCPUs with room takes them. Each demand step costs pins at
 * most one agent interval: within 0.05 points of demand of the kernel's (85.84 %). Before,
 * the agents planned every 20 s (85.68 %: a step cost pins 20 s) and a set of 12 pCPUs at
 * 142 % stayed beside 4 pinned at 85-90 % (84.76 %) */
static void test_agents_cost_nothing(void)
{
    g_autofree char *text = g_strdup_printf(STEPS, "");
    g_autoptr(SovaSimScenario) sc = load(text);
    g_assert_cmpfloat(sc->agent_interval, ==, 1);
    double cfs = cpu_ratio("", FALSE), host = cpu_ratio("", TRUE);
    g_assert_cmpfloat(cfs, <, 0.87);   /* the overcommit costs something */
    g_assert_cmpfloat(host, >=, cfs - 0.0005);
    /* planning every 20 s, a step costs a pinned layout up to 20 s */
    g_assert_cmpfloat(cpu_ratio("agent-interval = 20\n", TRUE), <, cfs - 0.001);
}

/* TARGETS K1, slowly moving load: two big VMs on h1 rise steadily (20 % to 100 % over half
 * an hour) beside steady ones whose loads walk, h1 crossing its capacity about 20 minutes
 * in. The controller alone follows the rise (cluster_sova_trend.c) and moves a rising VM off
 * before h1 runs out; with the host agents it reads the same demand (the agents' summaries
 * move its own estimate only beyond their noise: cpu_summary.h), so it relieves h1 as early
 * and the VMs get as much. Taking the summaries' level, the controller read a staircase
 * and the noise of the agents' one-second snapshots and saw the rise late: the move came
 * with h1 near full, its VMs waiting meanwhile (99.87 % of the demand delivered against
 * 100.00 % alone; now 99.998 %) */
#define RAMP \
    "[cluster]\nduration = 1800\ninterval = 20\nseed = 1\n[hosts h]\ncount = 4\npcpus = 16\nmemory = 128\n" \
    "[vms steady]\ncount = 16\nhost = *\nvcpus = 4\nmemory = 4096\ndemand = walk:40:1:35:45\n" \
    "shared-demand = yes\njitter = 5\n" \
    "[vms ramp]\ncount = 2\nhost = h1\nvcpus = 6\nmemory = 8192\ndemand = ramp:20:100:1800\njitter = 5\n"

static void test_agents_read_a_ramp_as_the_controller(void)
{
    g_autoptr(SovaSimScenario) sc = load(RAMP);
    g_autoptr(GError) err = NULL;
    SovaSimClusterRunOptions cl = { .policy = sova_cluster_policy_find("sova") };
    SovaSimClusterRunOptions both = { .policy = cl.policy, .agents = TRUE };
    g_autoptr(SovaSimClusterResult) rc = sova_sim_cluster_run(sc, &cl, &err);
    g_assert_no_error(err);
    g_autoptr(SovaSimClusterResult) rb = sova_sim_cluster_run(sc, &both, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(rc->migrations, >=, 1);
    g_assert_cmpfloat(rc->relieve_s, ==, 0);          /* relieved before it ran out */
    g_assert_cmpfloat(rb->relieve_s, <=, rc->relieve_s);
    g_assert_cmpuint(rb->migrations, <=, rc->migrations);
    g_assert_cmpfloat(sova_sim_cluster_result_cpu_ratio(rb), >=,
                      sova_sim_cluster_result_cpu_ratio(rc) - 1e-4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim-cluster/ping-pong-count", test_ping_pong_count);
    g_test_add_func("/sim-cluster/run-controller", test_run_controller);
    g_test_add_func("/sim-cluster/run-destination-down", test_run_destination_down);
    g_test_add_func("/sim-cluster/run-gathers-split-group", test_run_gathers_split_group);
    g_test_add_func("/sim-cluster/agents-publish-cpu-summaries", test_agents_publish_cpu_summaries);
    g_test_add_func("/sim-cluster/agents-cost-nothing", test_agents_cost_nothing);
    g_test_add_func("/sim-cluster/agents-read-a-ramp-as-the-controller",
                    test_agents_read_a_ramp_as_the_controller);
    return g_test_run();
}
