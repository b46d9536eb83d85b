/* test_sim_cluster_run.c — the cluster simulator's harness (sim/sim_cluster_run.h): its
 * figures count failures, ping-pongs, cooldown violations and the evacuation time; with no
 * policy nothing moves and a hot spot stays, with the controller's real loop VMs move off
 * the hot host; a destination that goes down mid-migration fails that migration and the
 * run carries on to its end; keep-together groups split at the start are gathered (or
 * left, when they cannot be) and counted at the start and the end. */
#include "sim_cluster_fixtures.h"
#include "sim/sim_cluster_run.h"

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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim-cluster/ping-pong-count", test_ping_pong_count);
    g_test_add_func("/sim-cluster/run-controller", test_run_controller);
    g_test_add_func("/sim-cluster/run-destination-down", test_run_destination_down);
    g_test_add_func("/sim-cluster/run-gathers-split-group", test_run_gathers_split_group);
    return g_test_run();
}
