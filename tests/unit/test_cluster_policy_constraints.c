/* test_cluster_policy_constraints.c — the hard rules of the cluster policies: `sova` never
 * overfills a destination, and honours pinned VMs, excluded and down hosts, anti-affinity,
 * maintenance (evacuation), cooldown, backoff and the concurrency caps; every registered
 * policy, baselines included, is held to the caps by sova_cluster_plan(). Plans are
 * applied to the cluster as the controller would once the migrations finish
 * (cluster_fixtures.h). */
#include <string.h>
#include "cluster_fixtures.h"

/* ---------- sova: constraints ---------- */

static void test_never_exceeds_capacity(void)
{
    for (guint32 seed = 1; seed <= 10; seed++) {
        g_autoptr(SovaCluster) c = random_cluster(6, 8, 30, seed);
        SovaClusterParams p = params();
        p.max_total = 100;
        p.max_per_host = 100;
        g_autofree gboolean *over = overfull(c, &p);
        g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
        g_assert_cmpuint(sova_plan_len(plan), >, 0);
        apply(c, plan);
        assert_within_capacity(c, &p, over);
    }
}

static void test_destination_without_room(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    for (int i = 0; i < 6; i++)
        vmf(c, 0, 3, 1);   /* h0 wants 18 pCPUs of 16 */
    /* h1 is idle on CPU but its memory is nearly full: it cannot take anything */
    vm(c, "fat", 1, 0.1, 57, 0)->pinned = TRUE;
    SovaClusterParams p = params();
    p.max_total = 10;
    p.max_per_host = 10;
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), >, 0);
    for (guint i = 0; i < sova_plan_len(plan); i++)
        g_assert_cmpint(sova_plan_action(plan, i)->to_host, ==, 2);
}

static void test_exclusions(void)
{
    g_autoptr(SovaCluster) c = cluster(4);
    vm(c, "pinned1", 0, 6, 2, 0)->pinned = TRUE;
    vm(c, "pinned2", 0, 6, 2, 0)->pinned = TRUE;
    vmf(c, 0, 3, 2);
    vmf(c, 0, 3, 2);   /* h0 wants 18 pCPUs of 16 */
    vm(c, "on-excluded", 1, 17, 2, 0);   /* an excluded, full host */
    vm(c, "on-down", 2, 17, 2, 0);
    sova_cluster_host(c, 1)->excluded = TRUE;
    sova_cluster_host(c, 2)->up = FALSE;
    SovaClusterParams p = params();
    p.max_total = 10;
    p.max_per_host = 10;
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), >, 0);
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        g_assert_false(g_str_has_prefix(a->vm_name, "pinned"));
        g_assert_cmpint(a->from_host, ==, 0);
        g_assert_cmpint(a->to_host, ==, 3);
    }
    /* only pinned VMs left on the hot host: nothing to do, and it says why */
    sova_cluster_vm(c, 2)->pinned = sova_cluster_vm(c, 3)->pinned = TRUE;
    g_autoptr(SovaPlan) none = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(none), ==, 0);
    g_assert_nonnull(strstr(none->reason, "no move"));
}

static void test_anti_affinity(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    vm(c, "web1", 0, 9, 2, 0)->group = g_strdup("web");
    vm(c, "web2", 1, 1, 2, 0)->group = g_strdup("web");   /* h1: the least loaded */
    vmf(c, 0, 9, 2);   /* h0 wants 18 pCPUs of 16 */
    vmf(c, 2, 3, 2);
    SovaClusterParams p = params();
    p.max_total = 1;
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    const SovaAction *a = sova_plan_action(plan, 0);
    if (strcmp(a->vm_name, "web1") == 0)
        g_assert_cmpint(a->to_host, !=, 1);
    /* across a whole rebalance, no host ever holds two of the group */
    g_autoptr(SovaCluster) r = random_cluster(4, 6, 14, 5);
    for (guint v = 0; v < r->vms->len; v += 3)
        sova_cluster_vm(r, v)->group = g_strdup("g");
    gboolean shared_before = FALSE;
    for (guint h = 0; h < 4; h++)
        shared_before |= sova_cluster_group_count(r, "g", h, -1) > 1;
    g_assert_true(shared_before);   /* the hot host holds several: they stay, none joins */
    guint before[4];
    for (guint h = 0; h < 4; h++)
        before[h] = sova_cluster_group_count(r, "g", h, -1);
    for (int round = 0; round < 50; round++) {
        g_autoptr(SovaPlan) pl = plan_with("sova", r, &p);
        for (guint i = 0; i < sova_plan_len(pl); i++) {
            const SovaAction *x = sova_plan_action(pl, i);
            if (g_strcmp0(sova_cluster_vm(r, vm_of(r, x))->group, "g") == 0)
                g_assert_cmpuint(sova_cluster_group_count(r, "g", x->to_host, -1), ==, 0);
        }
        apply(r, pl);
        r->now += 400;
    }
    for (guint h = 1; h < 4; h++)
        g_assert_cmpuint(sova_cluster_group_count(r, "g", h, -1), <=, MAX(before[h], 1));
}

static void test_maintenance_evacuation(void)
{
    g_autoptr(SovaCluster) c = cluster(4);
    for (int h = 0; h < 4; h++)
        for (int i = 0; i < 4; i++)
            vmf(c, h, 1.5, 4);
    vm(c, "stays", 1, 0.5, 1, 0)->pinned = TRUE;
    vm(c, "just-moved", 1, 0.5, 1, 0)->last_moved = c->now - 1;   /* cooldown: leaves anyway */
    sova_cluster_host(c, 1)->maintenance = TRUE;
    SovaClusterParams p = params();
    guint rounds = 0, moved_in = 0;
    for (;;) {
        g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
        if (!sova_plan_len(plan))
            break;
        g_assert_cmpuint(sova_plan_len(plan), <=, p.max_per_host);  /* one slot on h1 */
        for (guint i = 0; i < sova_plan_len(plan); i++) {
            moved_in += sova_plan_action(plan, i)->to_host == 1;
            g_assert_nonnull(strstr(sova_plan_action(plan, i)->reason, "maintenance"));
        }
        apply(c, plan);
        c->now += 60;
        g_assert_cmpuint(++rounds, <, 50);
    }
    g_assert_cmpuint(moved_in, ==, 0);
    for (guint v = 0; v < c->vms->len; v++) {
        const SovaClusterVm *m = sova_cluster_vm(c, v);
        g_assert_cmpint(m->host == 1, ==, m->pinned);
    }
    g_assert_cmpuint(rounds, >=, 5);   /* 5 evacuees, one at a time */
}

static void test_cooldown_and_backoff(void)
{
    g_autoptr(SovaCluster) c = cluster(2);
    vm(c, "cool", 0, 9, 1, 0)->last_moved = c->now - 100;
    SovaClusterVm *f = vm(c, "failed", 0, 9, 1, 0);   /* h0 wants 19 pCPUs of 16 */
    f->failures = 2;             /* waits 60 * 2 = 120 s */
    f->failed_at = c->now - 100;
    vmf(c, 0, 1, 1);
    SovaClusterParams p = params();
    p.max_total = p.max_per_host = 10;
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_null(action_for(plan, "cool"));
    g_assert_null(action_for(plan, "failed"));
    c->now += 30;                /* backoff over, cooldown (300 s) not */
    g_autoptr(SovaPlan) later = plan_with("sova", c, &p);
    g_assert_nonnull(action_for(later, "failed"));
    g_assert_null(action_for(later, "cool"));
    c->now += 200;
    sova_cluster_vm(c, 1)->pinned = TRUE;
    g_autoptr(SovaPlan) after = plan_with("sova", c, &p);
    g_assert_nonnull(action_for(after, "cool"));
}

static void test_caps(void)
{
    /* two hot hosts, h0 and h1; one migration already in flight h2 -> h5 (its load counts
     * on h5) */
    g_autoptr(SovaCluster) c = random_cluster(8, 4, 0, 3);
    for (int i = 0; i < 20; i++) {
        vmf(c, 0, 0.8, 1);
        vmf(c, 1, 0.8, 1);
    }
    SovaClusterVm *m = sova_cluster_vm(c, 8);
    g_assert_cmpint(m->host, ==, 2);
    m->migrating = TRUE;
    m->from_host = 2;
    m->host = 5;
    SovaClusterParams p = params();
    p.max_total = 3;
    p.max_per_host = 1;
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 2);   /* 3 - 1 in flight, plenty to do */
    guint per[8] = {0};
    per[2] = per[5] = 1;
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        g_assert_cmpint(vm_of(c, a), !=, 8);
        per[a->from_host]++;
        per[a->to_host]++;
    }
    for (guint h = 0; h < 8; h++)
        g_assert_cmpuint(per[h], <=, 1);
    g_assert_cmpuint(per[0] + per[1], ==, 2);
    /* one per host: a single hot host sheds one VM a plan */
    p.max_total = 10;
    g_autoptr(SovaPlan) wide = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(wide), ==, 2);
    /* caps full: nothing, and the reason says it waits */
    p.max_total = 1;
    g_autoptr(SovaPlan) none = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(none), ==, 0);
    g_assert_nonnull(strstr(none->reason, "in flight"));
}

/* ---------- the caps, for every policy ---------- */

/* migrations per host (source or destination) and in the cluster once the plan starts,
 * counting those in flight, are within the caps */
static gboolean plan_within_caps(const SovaCluster *c, const SovaClusterParams *p,
                                 const SovaPlan *plan)
{
    g_autofree guint *per = g_new0(guint, c->hosts->len);
    guint total = 0;
    for (guint v = 0; v < c->vms->len; v++) {
        const SovaClusterVm *m = sova_cluster_vm(c, v);
        if (m->migrating) {
            per[m->host]++;
            per[m->from_host]++;
            total++;
        }
    }
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        per[a->from_host]++;
        per[a->to_host]++;
        total++;
    }
    for (guint h = 0; h < c->hosts->len; h++)
        if (per[h] > p->max_per_host)
            return FALSE;
    return total <= p->max_total;
}

/* a hot host h0 (NIC too, for the prototype), a maintenance host h2 with six VMs, and
 * one migration in flight from h2 to h1 when `flying` */
static SovaCluster *caps_cluster(gboolean flying)
{
    SovaCluster *c = random_cluster(6, 3, 16, 41);
    const double hot[] = {0.9, 0.9, 0.9, 0.9, 0.9};
    nic_history(c, 0, hot, G_N_ELEMENTS(hot));
    vm(c, "chatty", 0, 1, 1, 0.9 * NIC_BPS);
    sova_cluster_host(c, 2)->maintenance = TRUE;
    for (int i = 0; i < 3; i++)
        vmf(c, 2, 0.5, 1);
    if (flying) {
        SovaClusterVm *m = vm(c, "flying", 1, 0.5, 1, 0);
        m->migrating = TRUE;
        m->from_host = 2;
    }
    return c;
}

/* every registered policy, baselines included, is held to max_per_host and max_total
 * through sova_cluster_plan(); what the caps allow still happens, within capacity */
static void test_caps_every_policy(void)
{
    g_auto(GStrv) names = g_strsplit(sova_cluster_policy_list(), ", ", -1);
    SovaClusterParams p = params();
    p.max_per_host = 1;
    p.max_total = 2;
    guint exceeded = 0;
    for (guint k = 0; names[k]; k++) {
        const SovaClusterPolicy *pol = policy(names[k]);
        for (int flying = 0; flying < 2; flying++) {
            g_autoptr(SovaCluster) c = caps_cluster(flying);
            g_autofree gboolean *over = overfull(c, &p);
            g_autoptr(SovaPlan) raw = pol->plan(c, &p, NULL);
            exceeded += !plan_within_caps(c, &p, raw);
            g_autoptr(SovaPlan) plan = sova_cluster_plan(pol, c, &p, NULL);
            g_assert_true(plan_within_caps(c, &p, plan));
            /* nothing in flight: the caps thin the plan, they do not empty it */
            if (!flying)
                g_assert_cmpuint(sova_plan_len(plan), >, 0);
            if (sova_plan_len(plan) < sova_plan_len(raw))
                g_assert_nonnull(strstr(plan->reason, "held back by the caps"));
            for (guint i = 0; i < sova_plan_len(plan); i++)
                g_assert_false(sova_cluster_vm(c, vm_of(c, sova_plan_action(plan, i)))->migrating);
            apply(c, plan);
            assert_within_capacity(c, &p, over);
        }
    }
    /* the baselines would have gone beyond them: ProxLB evacuates all of h2 at once, the
     * others start a second migration on h2 while one is in flight there */
    g_assert_cmpuint(exceeded, >=, 4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-policy/sova/never-exceeds-capacity", test_never_exceeds_capacity);
    g_test_add_func("/cluster-policy/sova/destination-without-room",
                    test_destination_without_room);
    g_test_add_func("/cluster-policy/sova/exclusions", test_exclusions);
    g_test_add_func("/cluster-policy/sova/anti-affinity", test_anti_affinity);
    g_test_add_func("/cluster-policy/sova/maintenance", test_maintenance_evacuation);
    g_test_add_func("/cluster-policy/sova/cooldown-and-backoff", test_cooldown_and_backoff);
    g_test_add_func("/cluster-policy/sova/caps", test_caps);
    g_test_add_func("/cluster-policy/caps-every-policy", test_caps_every_policy);
    return g_test_run();
}
