/* test_cluster_gather.c — keep-together groups found split across hosts, in every
 * registered cluster policy (sova_cluster_plan gathers them first, cluster_gather.c): the
 * smaller part (fewest VMs, then least migration cost) moves to the larger part's host
 * when that host takes it all (capacity, hosts=, anti-affinity, migrate='no'); else the
 * other part's host; each part whole, within the caps; migrate='manual' and the levels
 * recommend the gathering whole; a group no host of its own can gather is not moved and
 * is reported, naming the group and its VMs. The clusters are balanced otherwise, so that
 * no policy moves anything for its own reasons. */
#include <string.h>
#include "cluster_fixtures.h"

static int dest_of(const SovaPlan *plan, const char *name)
{
    const SovaAction *a = action_for(plan, name);
    return a ? a->to_host : -1;
}

/* h0: a, b of group db (and fill), h1: c of db (and fill), h2: fill; each host at 5 pCPUs
 * of 16 and 8 GiB of 64: balanced, with room */
static SovaCluster *split_2_1(void)
{
    SovaCluster *c = cluster(3);
    together(vm(c, "a", 0, 1, 2, 0), "db");
    together(vm(c, "b", 0, 1, 2, 0), "db");
    vm(c, "fill0", 0, 3, 4, 0)->pinned = TRUE;
    together(vm(c, "c", 1, 1, 2, 0), "db");
    vm(c, "fill1", 1, 4, 6, 0)->pinned = TRUE;
    vm(c, "fill2", 2, 5, 8, 0)->pinned = TRUE;
    return c;
}

/* the lone c joins a and b on h0, in every policy; nothing else moves; nothing reported */
static void test_smaller_part_joins_larger(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = split_2_1();
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpuint(sova_plan_len(plan), ==, 1);
        g_assert_cmpint(dest_of(plan, "c"), ==, 0);
        g_assert_nonnull(strstr(action_for(plan, "c")->reason, "gathers keep-together group "
                                                               "together='db' on h0"));
        g_assert_nonnull(strstr(plan->reason, "gather"));
        g_assert_null(sova_cluster_ungathered(c, &p));
        apply(c, plan);   /* gathered: nothing more to do */
        g_autoptr(SovaPlan) again = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpuint(sova_plan_len(again), ==, 0);
    }
}

/* one VM on each host: the cheaper one to migrate (less memory) joins the other */
static void test_least_cost_moves(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        for (int big_on_0 = 0; big_on_0 < 2; big_on_0++) {
            g_autoptr(SovaCluster) c = cluster(2);
            together(vm(c, "x", 0, 1, big_on_0 ? 8 : 2, 0), "web");
            together(vm(c, "y", 1, 1, big_on_0 ? 2 : 8, 0), "web");
            g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
            g_assert_cmpuint(sova_plan_len(plan), ==, 1);
            if (big_on_0)
                g_assert_cmpint(dest_of(plan, "y"), ==, 0);
            else
                g_assert_cmpint(dest_of(plan, "x"), ==, 1);
        }
    }
}

/* the larger part's host has no room for c (or c's hosts= leaves it out, or c's
 * anti-affinity group has a VM there): a and b, whole, go to c's host instead */
static void test_other_host_when_larger_refuses(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        for (int why = 0; why < 3; why++) {
            g_autoptr(SovaCluster) c = split_2_1();
            SovaClusterVm *cv = sova_cluster_vm(c, 3);
            if (why == 0)
                sova_cluster_vm(c, 2)->cpu = 13.5;   /* h0 at 15.5 of 16: no room for c */
            else if (why == 1)
                cv->hosts = g_strsplit("h1,h2", ",", -1);
            else {
                cv->group = g_strdup("apart");
                sova_cluster_vm(c, 2)->group = g_strdup("apart");
            }
            g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
            g_assert_cmpint(dest_of(plan, "c"), ==, -1);
            g_assert_cmpint(dest_of(plan, "a"), ==, 1);
            g_assert_cmpint(dest_of(plan, "b"), ==, 1);
            g_assert_nonnull(strstr(action_for(plan, "b")->reason, "together='db'"));
        }
    }
}

/* a's hosts= leaves out h0, where a and b run (a would have to leave it again): the group
 * gathers on h1, c's host, where all three may run */
static void test_stayer_not_allowed(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = split_2_1();
        sova_cluster_vm(c, 0)->hosts = g_strsplit("h1,h2", ",", -1);
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpint(dest_of(plan, "a"), ==, 1);
        g_assert_cmpint(dest_of(plan, "b"), ==, 1);
        g_assert_cmpint(dest_of(plan, "c"), ==, -1);
    }
}

/* c may not migrate (migrate='no'): the others come to it */
static void test_pinned_member_stays(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = split_2_1();
        sova_cluster_vm(c, 3)->pinned = TRUE;
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpint(dest_of(plan, "a"), ==, 1);
        g_assert_cmpint(dest_of(plan, "b"), ==, 1);
        g_assert_cmpint(dest_of(plan, "c"), ==, -1);
    }
}

/* every host nearly full of memory (57 GiB of 64, 10 % headroom): neither h0 nor h1 has room
 * for the rest of the group; nothing of it moves, in any policy, and the report names the
 * group, its VMs and each host's refusal */
static void test_cannot_gather_reported(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = split_2_1();
        sova_cluster_vm(c, 2)->memory_kib = (guint64)(53 * GIB_KIB);
        sova_cluster_vm(c, 4)->memory_kib = (guint64)(55 * GIB_KIB);
        sova_cluster_vm(c, 5)->memory_kib = (guint64)(57 * GIB_KIB);
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpint(dest_of(plan, "a"), ==, -1);
        g_assert_cmpint(dest_of(plan, "b"), ==, -1);
        g_assert_cmpint(dest_of(plan, "c"), ==, -1);
        g_autoptr(GPtrArray) why = sova_cluster_ungathered(c, &p);
        g_assert_nonnull(why);
        g_assert_cmpuint(why->len, ==, 1);
        const char *msg = g_ptr_array_index(why, 0);
        g_assert_nonnull(strstr(msg, "together='db' is split (a, b on h0; c on h1)"));
        g_assert_nonnull(strstr(msg, "onto h0: h0 has no room for them (mem"));
        g_assert_nonnull(strstr(msg, "onto h1: h1 has no room for them (mem"));
    }
}

/* three parts (a on h0, b on h1, c and d on h2): all go to h2, each part a migration of its
 * own; with one migration per host, one part now and the other at the next plan */
static void test_parts_within_caps(void)
{
    g_auto(GStrv) names = names_of_policies();
    for (guint k = 0; names[k]; k++) {
        for (int tight = 0; tight < 2; tight++) {
            SovaClusterParams p = roomy();
            if (tight)
                p.max_per_host = 1;
            g_autoptr(SovaCluster) c = cluster(3);
            together(vm(c, "a", 0, 1, 2, 0), "db");
            together(vm(c, "b", 1, 1, 2, 0), "db");
            together(vm(c, "c", 2, 1, 2, 0), "db");
            together(vm(c, "d", 2, 1, 2, 0), "db");
            g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
            g_assert_cmpuint(sova_plan_len(plan), ==, tight ? 1 : 2);
            for (guint i = 0; i < sova_plan_len(plan); i++)
                g_assert_cmpint(sova_plan_action(plan, i)->to_host, ==, 2);
            apply(c, plan);
            g_autoptr(SovaPlan) next = sova_cluster_plan(policy(names[k]), c, &p, NULL);
            g_assert_cmpuint(sova_plan_len(next), ==, tight ? 1 : 0);
            for (guint i = 0; i < sova_plan_len(next); i++)
                g_assert_cmpint(sova_plan_action(next, i)->to_host, ==, 2);
        }
    }
}

/* a member in flight (or backing off after a failed migration): the group waits, quietly */
static void test_waits_for_member(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        for (int kind = 0; kind < 2; kind++) {
            g_autoptr(SovaCluster) c = split_2_1();
            SovaClusterVm *a = sova_cluster_vm(c, 0);
            if (kind == 0) {
                a->migrating = TRUE;
                a->from_host = 2;
            } else {
                a->failures = 1;
                a->failed_at = c->now - 1;
            }
            g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
            g_assert_cmpint(dest_of(plan, "c"), ==, -1);
            g_assert_null(sova_cluster_ungathered(c, &p));
        }
    }
}

/* levels: c's migrate='manual' makes the gathering a recommendation, every part of it;
 * partial recommends it too */
static void test_gathering_levels(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = cluster(3);
        together(vm(c, "a", 0, 1, 2, 0), "db");
        together(vm(c, "b", 1, 1, 2, 0), "db")->migrate_manual = TRUE;
        together(vm(c, "c", 2, 1, 2, 0), "db");
        together(vm(c, "d", 2, 1, 2, 0), "db");
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpuint(sova_plan_len(plan), ==, 2);
        g_assert_cmpuint(sova_cluster_plan_levels(c, plan, SOVA_MODE_FULL), ==, 2);
        g_autoptr(SovaCluster) c2 = split_2_1();
        g_autoptr(SovaPlan) partial = sova_cluster_plan(policy(names[k]), c2, &p, NULL);
        g_assert_cmpuint(sova_cluster_plan_levels(c2, partial, SOVA_MODE_PARTIAL), ==, 1);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-gather/smaller-joins-larger", test_smaller_part_joins_larger);
    g_test_add_func("/cluster-gather/least-cost", test_least_cost_moves);
    g_test_add_func("/cluster-gather/other-host", test_other_host_when_larger_refuses);
    g_test_add_func("/cluster-gather/pinned-member", test_pinned_member_stays);
    g_test_add_func("/cluster-gather/stayer-not-allowed", test_stayer_not_allowed);
    g_test_add_func("/cluster-gather/cannot-gather-reported", test_cannot_gather_reported);
    g_test_add_func("/cluster-gather/parts-within-caps", test_parts_within_caps);
    g_test_add_func("/cluster-gather/waits", test_waits_for_member);
    g_test_add_func("/cluster-gather/levels", test_gathering_levels);
    return g_test_run();
}
