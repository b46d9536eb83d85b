/* sim_cluster_fixtures.c — what the cluster simulator's tests share; see
 * sim_cluster_fixtures.h. */
#include "sim_cluster_fixtures.h"

SovaSimScenario *load(const char *text)
{
    g_autoptr(GError) err = NULL;
    SovaSimScenario *sc = sova_sim_cluster_scenario_load_data("test.conf", text, &err);
    g_assert_no_error(err);
    g_assert_nonnull(sc);
    return sc;
}

double ran(SovaSimCluster *c, guint vm)
{
    SovaSimClusterVmTruth t;
    sova_sim_cluster_vm_truth(c, vm, &t);
    return t.cpu_ran_s;
}

double wanted(SovaSimCluster *c, guint vm)
{
    SovaSimClusterVmTruth t;
    sova_sim_cluster_vm_truth(c, vm, &t);
    return t.cpu_wanted_s;
}

int host_of(SovaSimCluster *c, guint vm)
{
    SovaSimClusterVmTruth t;
    sova_sim_cluster_vm_truth(c, vm, &t);
    return t.host;
}
