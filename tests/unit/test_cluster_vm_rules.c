/* test_cluster_vm_rules.c — the operator's per-VM rules in every registered cluster policy:
 * allowed hosts (hosts=), keep-together groups (together=: moved whole or not at all), and
 * contradictory rules (reported, naming VM and rule; those VMs not moved). Every policy
 * evacuates a maintenance host, which makes each of them move VMs here. */
#include <string.h>
#include "cluster_fixtures.h"

static void restrict_to(SovaClusterVm *v, const char *hosts)
{
    g_strfreev(v->hosts);
    v->hosts = g_strsplit(hosts, ",", -1);
}

/* h0 in maintenance with three VMs; h1 idle (where every policy would send them), h2 and
 * h3 a little loaded */
static SovaCluster *evacuation(void)
{
    SovaCluster *c = cluster(4);
    sova_cluster_host(c, 0)->maintenance = TRUE;
    vm(c, "a", 0, 2, 2, 0);
    vm(c, "b", 0, 2, 2, 0);
    vm(c, "c", 0, 2, 2, 0);
    vm(c, "load2", 2, 3, 2, 0)->pinned = TRUE;
    vm(c, "load3", 3, 3, 2, 0)->pinned = TRUE;
    return c;
}

/* hosts=: no policy moves a VM to a host its rule leaves out, even the idle one */
static void test_allowed_hosts_every_policy(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = evacuation();
        for (guint v = 0; v < 3; v++)
            restrict_to(sova_cluster_vm(c, v), "h0,h2,h3");
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpuint(sova_plan_len(plan), >, 0);
        for (guint i = 0; i < sova_plan_len(plan); i++)
            g_assert_cmpint(sova_plan_action(plan, i)->to_host, !=, 1);
    }
}

/* a VM on a host its hosts= rule excludes leaves it, in a balanced cluster, for an allowed
 * host, and the reason says why */
static void test_excluded_host_is_left(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = cluster(3);
        for (int h = 0; h < 3; h++)
            vmf(c, h, 2, 2);
        restrict_to(sova_cluster_vm(c, 0), "h2");
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        const SovaAction *a = action_for(plan, "vm0");
        g_assert_nonnull(a);
        g_assert_cmpint(a->to_host, ==, 2);
        g_assert_nonnull(strstr(a->reason, "hosts="));
    }
}

/* the action of `name` in plan, with its destination, or -1 when it does not move */
static int dest_of(const SovaPlan *plan, const char *name)
{
    const SovaAction *a = action_for(plan, name);
    return a ? a->to_host : -1;
}

/* together=: the pair leaves the maintenance host for one host, every policy */
static void test_together_moves_whole_every_policy(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = evacuation();
        together(sova_cluster_vm(c, 0), "db");
        together(sova_cluster_vm(c, 2), "db");
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        int da = dest_of(plan, "a"), dc = dest_of(plan, "c");
        g_assert_cmpint(da, >=, 0);
        g_assert_cmpint(da, ==, dc);
        g_assert_nonnull(strstr(action_for(plan, "c")->reason, "together='db'"));
    }
}

/* together=: a pair that fits nowhere as a pair stays, whole, although each VM alone would
 * fit (every host but h0 has room for one only) */
static void test_together_or_not_at_all(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaCluster) c = cluster(3);
        sova_cluster_host(c, 0)->maintenance = TRUE;
        together(vm(c, "a", 0, 2, 20, 0), "db");
        together(vm(c, "b", 0, 2, 20, 0), "db");
        vm(c, "fat1", 1, 1, 30, 0)->pinned = TRUE;   /* 64 GiB hosts, 10 % headroom */
        vm(c, "fat2", 2, 1, 30, 0)->pinned = TRUE;
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpint(dest_of(plan, "a"), ==, -1);
        g_assert_cmpint(dest_of(plan, "b"), ==, -1);
    }
}

/* the caps cut no unit in two: a unit migrates at once and takes one slot, so with room
 * for one migration the pair moves whole; with none (one in flight already) it stays whole */
static void test_caps_do_not_split(void)
{
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    p.max_total = 1;
    for (guint k = 0; names[k]; k++) {
        for (int flying = 0; flying < 2; flying++) {
            g_autoptr(SovaCluster) c = cluster(3);
            sova_cluster_host(c, 0)->maintenance = TRUE;
            together(vm(c, "a", 0, 2, 2, 0), "db");
            together(vm(c, "b", 0, 2, 2, 0), "db");
            vm(c, "c", 0, 1, 2, 0);
            if (flying) {
                SovaClusterVm *f = vm(c, "flying", 2, 0.5, 1, 0);
                f->migrating = TRUE;
                f->from_host = 1;
            }
            g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
            g_assert_cmpint(dest_of(plan, "a"), ==, dest_of(plan, "b"));
            if (flying)
                g_assert_cmpuint(sova_plan_len(plan), ==, 0);
            else if (dest_of(plan, "a") >= 0)
                g_assert_cmpint(dest_of(plan, "c"), ==, -1);   /* the unit took the slot */
        }
    }
}

/* contradictory rules: reported with the VM and the rule, and nothing of them is applied */
static void test_contradictions(void)
{
    g_autoptr(SovaCluster) c = evacuation();
    together(sova_cluster_vm(c, 0), "db");
    together(sova_cluster_vm(c, 1), "db");
    sova_cluster_vm(c, 0)->group = g_strdup("apart");
    sova_cluster_vm(c, 1)->group = g_strdup("apart");
    restrict_to(sova_cluster_vm(c, 2), "nowhere");
    g_assert_cmpuint(sova_cluster_check_rules(c), ==, 3);
    g_assert_nonnull(strstr(sova_cluster_vm(c, 0)->conflict, "a, b: together='db'"));
    g_assert_nonnull(strstr(sova_cluster_vm(c, 1)->conflict, "group='apart'"));
    g_assert_nonnull(strstr(sova_cluster_vm(c, 2)->conflict, "c: hosts='nowhere'"));
    g_auto(GStrv) names = names_of_policies();
    SovaClusterParams p = roomy();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaPlan) plan = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpuint(sova_plan_len(plan), ==, 0);
    }
    /* not moved either when the model's conflict was not filled in (planner's own check) */
    for (guint v = 0; v < 3; v++)
        g_clear_pointer(&sova_cluster_vm(c, v)->conflict, g_free);
    g_autoptr(SovaPlan) plan = sova_cluster_plan(policy("sova"), c, &p, NULL);
    g_assert_cmpuint(sova_plan_len(plan), ==, 0);
}

/* a pinned VM that runs where hosts= forbids, and a pair whose hosts= share no host */
static void test_contradictions_hosts(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    SovaClusterVm *x = vm(c, "x", 0, 1, 1, 0);
    x->pinned = TRUE;
    restrict_to(x, "h1");
    together(vm(c, "a", 1, 1, 1, 0), "web");
    together(vm(c, "b", 1, 1, 1, 0), "web");
    restrict_to(sova_cluster_vm(c, 1), "h1");
    restrict_to(sova_cluster_vm(c, 2), "h2");
    vmf(c, 2, 1, 1);
    g_autoptr(GPtrArray) why = sova_cluster_rule_conflicts(c);
    g_assert_nonnull(why);
    g_assert_nonnull(strstr(g_ptr_array_index(why, 0), "excludes h0, where it runs"));
    g_assert_nonnull(strstr(g_ptr_array_index(why, 1), "allow no host to all of them"));
    g_assert_nonnull(g_ptr_array_index(why, 2));
    g_assert_null(g_ptr_array_index(why, 3));
}

/* rules that hold together: no conflict at all */
static void test_no_conflict(void)
{
    g_autoptr(SovaCluster) c = evacuation();
    together(sova_cluster_vm(c, 0), "db");
    together(sova_cluster_vm(c, 1), "db");
    restrict_to(sova_cluster_vm(c, 0), "h0,h2");
    restrict_to(sova_cluster_vm(c, 1), "h2,h3");
    g_assert_null(sova_cluster_rule_conflicts(c));
    /* the pair goes where both may run: h2 */
    SovaClusterParams p = roomy();
    g_autoptr(SovaPlan) plan = sova_cluster_plan(policy("sova"), c, &p, NULL);
    g_assert_cmpint(dest_of(plan, "a"), ==, 2);
    g_assert_cmpint(dest_of(plan, "b"), ==, 2);
}

/* balancing (not evacuating): h0 wants 20 of its 16 pCPUs; only the pair can leave, and
 * the sova policy moves it as one (or leaves it) */
static void test_together_when_balancing(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    together(vm(c, "a", 0, 3, 2, 0), "db");
    together(vm(c, "b", 0, 3, 2, 0), "db");
    vm(c, "hog", 0, 14, 2, 0)->pinned = TRUE;
    SovaClusterParams p = roomy();
    g_autoptr(SovaPlan) plan = sova_cluster_plan(policy("sova"), c, &p, NULL);
    g_assert_cmpuint(sova_plan_len(plan), ==, 2);
    g_assert_cmpint(dest_of(plan, "a"), ==, dest_of(plan, "b"));
    g_assert_cmpint(dest_of(plan, "a"), >, 0);
}

/* a unit moves only when every VM of it may: b moved a moment ago (cooldown), so a stays
 * with it, though h0 wants 20 of its 16 pCPUs */
static void test_together_cooling_mate(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    together(vm(c, "a", 0, 3, 2, 0), "db");
    SovaClusterVm *b = together(vm(c, "b", 0, 3, 2, 0), "db");
    b->last_moved = c->now - 1;
    vm(c, "hog", 0, 14, 2, 0)->pinned = TRUE;
    SovaClusterParams p = roomy();
    g_autoptr(SovaPlan) plan = sova_cluster_plan(policy("sova"), c, &p, NULL);
    g_assert_null(action_for(plan, "a"));
    g_assert_null(action_for(plan, "b"));
}

/* the unmet demand a unit's move serves is the whole unit's: a (1 pCPU) moves b (5) with it,
 * and the plan's gain is what moving both off the full h0 serves, not what a alone would */
static void test_together_relief_is_the_units(void)
{
    g_autoptr(SovaCluster) c = cluster(2);
    together(vm(c, "a", 0, 1, 2, 0), "db");
    together(vm(c, "b", 0, 5, 2, 0), "db");
    vm(c, "hog", 0, 14, 2, 0)->pinned = TRUE;
    SovaClusterParams p = roomy();
    double before = unmet(c);
    g_autoptr(SovaPlan) plan = sova_cluster_plan(policy("sova"), c, &p, NULL);
    g_assert_cmpuint(sova_plan_len(plan), ==, 2);
    double gain = sova_plan_action(plan, 0)->gain + sova_plan_action(plan, 1)->gain;
    apply(c, plan);
    g_assert_cmpfloat_with_epsilon(gain, before - unmet(c), 1e-6);
}

/* levels: partial recommends every migration; migrate='manual' recommends that VM's, and
 * its keep-together mate's with it, and leaves the others to be carried out */
static void test_levels(void)
{
    g_autoptr(SovaCluster) c = evacuation();
    together(sova_cluster_vm(c, 0), "db");
    together(sova_cluster_vm(c, 1), "db");
    sova_cluster_vm(c, 1)->migrate_manual = TRUE;
    SovaClusterParams p = roomy();
    g_autoptr(SovaPlan) plan = sova_cluster_plan(policy("sova"), c, &p, NULL);
    g_assert_cmpuint(sova_plan_len(plan), ==, 3);
    g_assert_cmpuint(sova_cluster_plan_levels(c, plan, SOVA_MODE_FULL), ==, 2);
    g_assert_true(action_for(plan, "a")->recommend);
    g_assert_true(action_for(plan, "b")->recommend);
    g_assert_false(action_for(plan, "c")->recommend);
    g_assert_cmpuint(sova_cluster_plan_levels(c, plan, SOVA_MODE_PARTIAL), ==, 3);
    g_assert_cmpint(plan->status, ==, SOVA_PLAN_ACT);
    g_autoptr(SovaPlan) manual = sova_cluster_plan(policy("sova"), c, &p, NULL);
    sova_cluster_plan_levels(c, manual, SOVA_MODE_MANUAL);
    g_assert_cmpint(manual->status, ==, SOVA_PLAN_RECOMMEND);
    /* every policy: partial recommends each of its migrations, the pair's with a's */
    g_auto(GStrv) names = names_of_policies();
    for (guint k = 0; names[k]; k++) {
        g_autoptr(SovaPlan) pk = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        g_assert_cmpuint(sova_plan_len(pk), >, 0);
        g_assert_cmpuint(sova_cluster_plan_levels(c, pk, SOVA_MODE_PARTIAL), ==, sova_plan_len(pk));
        g_autoptr(SovaPlan) fk = sova_cluster_plan(policy(names[k]), c, &p, NULL);
        sova_cluster_plan_levels(c, fk, SOVA_MODE_FULL);
        const SovaAction *a = action_for(fk, "a"), *b = action_for(fk, "b");
        g_assert_true(!a || a->recommend);
        g_assert_true(!b || b->recommend);
        g_assert_true((a == NULL) == (b == NULL));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-rules/allowed-hosts-every-policy", test_allowed_hosts_every_policy);
    g_test_add_func("/cluster-rules/excluded-host-is-left", test_excluded_host_is_left);
    g_test_add_func("/cluster-rules/together-every-policy", test_together_moves_whole_every_policy);
    g_test_add_func("/cluster-rules/together-or-not-at-all", test_together_or_not_at_all);
    g_test_add_func("/cluster-rules/caps-do-not-split", test_caps_do_not_split);
    g_test_add_func("/cluster-rules/contradictions", test_contradictions);
    g_test_add_func("/cluster-rules/contradictions-hosts", test_contradictions_hosts);
    g_test_add_func("/cluster-rules/no-conflict", test_no_conflict);
    g_test_add_func("/cluster-rules/together-when-balancing", test_together_when_balancing);
    g_test_add_func("/cluster-rules/together-relief", test_together_relief_is_the_units);
    g_test_add_func("/cluster-rules/together-cooling-mate", test_together_cooling_mate);
    g_test_add_func("/cluster-rules/levels", test_levels);
    return g_test_run();
}
