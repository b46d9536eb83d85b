/* test_registry.c — one registry mechanism for the three planes (policy/registry.h):
 * every plane lists its policies in registry order and finds each by name as the same
 * object, the head's fields are the policy's, unknown and NULL names find nothing, and
 * the contract's optional calls are safe to make on a policy without them. */
#include "policy/cpu_policy.h"
#include "policy/net_policy.h"
#include "policy/cluster_policy.h"

static void test_lists(void)
{
    g_assert_cmpstr(sova_cpu_policy_list(), ==, "balance, zigzag, lpt");
    g_assert_cmpstr(sova_net_policy_list(), ==, "balance, sova");
    g_assert_cmpstr(sova_cluster_policy_list(), ==, "sova, sova-prototype, watcher, proxlb, drs");
    g_assert_true(sova_cpu_policy_list() == sova_cpu_policy_list());   /* built once */
}

static void test_find(void)
{
    const SovaCpuPolicy *zz = sova_cpu_policy_find("zigzag");
    g_assert_true(zz == &sova_cpu_policy_zigzag);
    g_assert_true(zz->head.name == zz->name);
    g_assert_cmpstr(zz->head.summary, ==, zz->summary);
    const SovaNetPolicy *nb = sova_net_policy_find("balance");
    g_assert_true(nb == &sova_net_policy_balance);
    g_assert_nonnull(nb->feedback);          /* the net plane learns from its results */
    g_assert_nonnull(nb->state_new);
    const SovaClusterPolicy *px = sova_cluster_policy_find("proxlb");
    g_assert_nonnull(px);
    g_assert_cmpstr(px->name, ==, "proxlb");
    g_assert_null(sova_cpu_policy_find("fastest"));
    g_assert_null(sova_net_policy_find(NULL));
    g_assert_null(sova_cluster_policy_find("balance"));   /* another plane's name */
}

/* lpt has no state and no feedback: the contract's calls do nothing, and do not crash */
static void test_optional_calls(void)
{
    const SovaPolicy *lpt = &sova_cpu_policy_lpt.head;
    g_assert_null(lpt->state_new);
    gpointer st = sova_policy_state_new(lpt);
    g_assert_null(st);
    g_autoptr(SovaPlan) plan = sova_plan_new();
    g_autoptr(SovaPlanResults) r = sova_plan_results_new();
    sova_policy_feedback(lpt, st, plan, r);
    sova_policy_state_free(lpt, st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/registry/lists", test_lists);
    g_test_add_func("/registry/find", test_find);
    g_test_add_func("/registry/optional-calls", test_optional_calls);
    return g_test_run();
}
