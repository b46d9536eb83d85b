/* test_sim_net_run.c — whole simulator runs with network traffic (sova_sim_run): the agent's
 * net policy against no VFs, static first-come and the clairvoyant baselines on one scenario,
 * the clairvoyant paying its switches, and a scarce pool that holds and runs the same for a
 * seed. Apart from test_sim_net.c, which tests the simulated NIC itself through the backend:
 * these judge the run's figures (sim_run.c, sim_result.c). */
#include "sim/sim_run.h"

static SovaSimScenario *scenario(const char *text)
{
    g_autoptr(GError) err = NULL;
    SovaSimScenario *sc = sova_sim_scenario_load_data("test.conf", text, &err);
    g_assert_no_error(err);
    return sc;
}

/* one VM becomes hot at 20 s (600 kpps, above the cap) while three stay quiet, 2 VFs */
static const char hot_later[] =
    "[scenario]\nduration=80\nseed=2\n"
    "[host]\npcpus=4\nvfs=2\n"
    "[vm hot]\ndemand=constant:10\nnet-demand=phases:0-20=5,20-80=60\n"
    "[vms quiet]\ncount=3\ndemand=constant:10\nnet-demand=constant:5\nnet-jitter=2\n";

static SovaSimResult *run(const SovaSimScenario *sc, SovaSimNetMode mode, const char *policy)
{
    SovaSimRunOptions o = { .policy = sova_cpu_policy_find("balance"), .net_mode = mode,
                            .net_policy = policy ? sova_net_policy_find(policy) : NULL };
    g_autoptr(GError) err = NULL;
    SovaSimResult *r = sova_sim_run(sc, &o, &err);
    g_assert_no_error(err);
    g_assert_true(r->has_net);
    return r;
}

static void test_runs(void)
{
    g_autoptr(SovaSimScenario) sc = scenario(hot_later);
    g_autoptr(SovaSimResult) off = run(sc, SOVA_SIM_NET_OFF, NULL);
    g_autoptr(SovaSimResult) bal = run(sc, SOVA_SIM_NET_AGENT, "balance");
    g_autoptr(SovaSimResult) oracle = run(sc, SOVA_SIM_NET_ORACLE, NULL);
    g_autoptr(SovaSimResult) stat = run(sc, SOVA_SIM_NET_STATIC, NULL);
    g_assert_cmpstr(off->net_mode, ==, "off");
    g_assert_cmpstr(bal->net_mode, ==, "balance");
    g_assert_cmpuint(off->vf_attaches, ==, 0);
    /* the same traffic was offered to every run */
    g_assert_cmpfloat_with_epsilon(bal->net_offered_pkts, off->net_offered_pkts, 1);
    g_assert_cmpfloat_with_epsilon(oracle->net_offered_pkts, off->net_offered_pkts, 1);
    /* the hot VM gets a VF from the agent: more delivered than with none, no more than the
     * oracle, which gives it one only when it needs it */
    const SovaSimVmResult *hot = &g_array_index(bal->vms, SovaSimVmResult, 0);
    g_assert_cmpfloat(hot->vf_s, >, 0);
    g_assert_cmpfloat(bal->net_delivered_pkts, >, off->net_delivered_pkts);
    g_assert_cmpfloat(oracle->net_delivered_pkts, >=, bal->net_delivered_pkts);
    g_assert_cmpuint(oracle->vf_attaches, ==, 1);
    g_assert_cmpuint(oracle->vf_detaches, ==, 0);
    /* static first-come: the first two VMs, at the start, for good */
    g_assert_cmpuint(stat->vf_attaches, ==, 2);
    g_assert_cmpuint(stat->vf_detaches, ==, 0);
    g_assert_cmpfloat(g_array_index(stat->vms, SovaSimVmResult, 1).vf_s, >, 0);
    g_assert_cmpfloat(g_array_index(stat->vms, SovaSimVmResult, 2).vf_s, ==, 0);
    /* the pool is never exceeded, by anyone */
    for (guint k = 0; k < bal->n_intervals; k++) {
        g_assert_cmpuint(bal->vfs_held[k], <=, 2);
        g_assert_cmpuint(oracle->vfs_held[k], <=, 2);
    }
    /* the series add up to the totals */
    double sum = 0;
    for (guint k = 0; k < bal->n_intervals; k++)
        sum += bal->net_delivered_pps[k] * bal->interval_s;
    g_assert_cmpfloat_with_epsilon(sum, bal->net_delivered_pkts, 1e-6 * sum);
    /* the JSON carries the net figures */
    g_autoptr(JsonNode) node = sova_sim_result_to_json(bal, FALSE);
    JsonObject *net = json_object_get_object_member(json_node_get_object(node), "net");
    g_assert_nonnull(net);
    g_assert_cmpint(json_object_get_int_member(net, "vf_switches"), ==,
                    (gint64)(bal->vf_attaches + bal->vf_detaches));
}

/* the clairvoyant with oracle_pays_switches (bench-sim-net's shape-paid): one VF, a hot until
 * 30 s, b after. It makes the same two switches as the free one, but b's VF carries traffic
 * only after the attach latency and a loses its detach gap, so it delivers less; the free
 * one loses nothing in gaps */
static void test_oracle_pays(void)
{
    g_autoptr(SovaSimScenario) sc = scenario(
        "[scenario]\nduration=60\nseed=3\n[host]\npcpus=4\nvfs=1\n"
        "[vm a]\ndemand=constant:10\nnet-demand=phases:0-30=60,30-60=5\n"
        "[vm b]\ndemand=constant:10\nnet-demand=phases:0-30=5,30-60=60\n");
    SovaSimRunOptions o = { .policy = sova_cpu_policy_find("balance"), .net_mode = SOVA_SIM_NET_ORACLE };
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimResult) free_ = sova_sim_run(sc, &o, &err);
    g_assert_no_error(err);
    o.oracle_pays_switches = TRUE;
    g_autoptr(SovaSimResult) paid = sova_sim_run(sc, &o, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(paid->vf_attaches, ==, free_->vf_attaches);
    g_assert_cmpuint(paid->vf_detaches, ==, 1);
    g_assert_cmpfloat(free_->net_gap_pkts, ==, 0);
    g_assert_cmpfloat(paid->net_gap_pkts, >, 0);
    /* b waits 2 s for its VF at 300-600 kpps over the 200 kpps cap: at least 400 k packets */
    g_assert_cmpfloat(free_->net_delivered_pkts - paid->net_delivered_pkts, >, 4e5);
}

/* six VMs always above the cap, two VFs, the re-ranking baseline: whatever it plans, the
 * pool holds; the same seed gives the same run */
static void test_scarcity_pool_and_determinism(void)
{
    g_autoptr(SovaSimScenario) sc = scenario("[scenario]\nduration=60\nseed=9\n[host]\npcpus=4\nvfs=2\n"
                                             "[vms]\ncount=6\ndemand=constant:5\nnet-demand=walk:40:10:25:60\n");
    g_autoptr(SovaSimResult) a = run(sc, SOVA_SIM_NET_AGENT, "sova");
    g_autoptr(SovaSimResult) b = run(sc, SOVA_SIM_NET_AGENT, "sova");
    for (guint k = 0; k < a->n_intervals; k++)
        g_assert_cmpuint(a->vfs_held[k], <=, 2);
    g_assert_cmpuint(a->vf_attaches, >, 0);
    g_assert_cmpfloat(a->net_delivered_pkts, ==, b->net_delivered_pkts);
    g_assert_cmpuint(a->vf_attaches, ==, b->vf_attaches);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim-net/runs", test_runs);
    g_test_add_func("/sim-net/oracle-pays", test_oracle_pays);
    g_test_add_func("/sim-net/scarcity", test_scarcity_pool_and_determinism);
    return g_test_run();
}
