/* test_cluster_sova_search.c — the `sova` cluster policy's search for relief moves
 * (cluster_sova_search.c) and its minimum relief:
 *   - a plan of many moves (caps lifted), whose rounds reuse what earlier rounds searched,
 *     makes the moves that plans of one move each make when the earlier moves are already
 *     migrating (each of those searches everything afresh);
 *   - a source whose best destination was taken by another move goes to its next best;
 *   - a relief move serves at least MIN_RELIEF + RELIEF_NOISE_K * the learnt noise: a host
 *     a little over its capacity, within the noise, is left alone once noise is learnt;
 *     the noise's part shrinks by sqrt(k) for a host overloaded k samples in a row;
 *   - the fast search (candidates by their bound, tight tie-break bounds, kept moves not
 *     rescored when they cannot win: TARGETS C2) decides exactly as the plain one
 *     (cs_reference_search: every VM in the cluster's order, loose bounds) on varied random
 *     clusters: the same moves in the same order, with the same gains and reasons. */
#include "cluster_fixtures.h"
#include "policy/cluster_sova.h"

/* 24 hosts: hosts 0..7 hot (VMs of random size up to 20-30 pCPUs in all), the rest at
 * random light loads */
static SovaCluster *many_hot(guint32 seed)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(seed);
    SovaCluster *c = cluster(24);
    for (int h = 0; h < 24; h++) {
        double target = h < 8 ? g_rand_double_range(r, 19, 26) : g_rand_double_range(r, 2, 8);
        for (double sum = 0; sum < target;) {
            double cpu = g_rand_double_range(r, 0.5, 4.0);
            vmf(c, h, cpu, g_rand_double_range(r, 1, 4));
            sum += cpu;
        }
    }
    return c;
}

/* v is migrating from its host to b, as the controller shows a migration in flight */
static void start_migration(SovaCluster *c, int v, int b)
{
    SovaClusterVm *m = sova_cluster_vm(c, v);
    int a = m->host;
    sova_cluster_move(c, v, b);
    m->migrating = TRUE;
    m->from_host = a;
}

/* the plan of up to 12 moves against plans of one move each, the earlier ones in flight;
 * per_host 2 or none: a host a move touched stays a source or a destination, so what was
 * searched from it or on it before must be searched again */
static void same_as_one_at_a_time(guint per_host)
{
    for (guint32 seed = 1; seed <= 4; seed++) {
        g_autoptr(SovaCluster) c = many_hot(seed);
        SovaClusterParams p = params();
        p.max_total = 12;
        p.max_per_host = per_host;
        g_autoptr(SovaPlan) all = plan_with("sova", c, &p);
        g_assert_cmpuint(sova_plan_len(all), >=, 8);
        for (guint i = 0; i < sova_plan_len(all); i++) {
            SovaClusterParams p1 = p;
            p1.max_total = i + 1;       /* the i moves in flight and one more */
            g_autoptr(SovaPlan) one = plan_with("sova", c, &p1);
            g_assert_cmpuint(sova_plan_len(one), ==, 1);
            const SovaAction *a = sova_plan_action(all, i), *b = sova_plan_action(one, 0);
            g_assert_cmpstr(a->uuid, ==, b->uuid);
            g_assert_cmpint(a->to_host, ==, b->to_host);
            start_migration(c, vm_of(c, a), a->to_host);
        }
    }
}

static void test_same_as_one_at_a_time(void)
{
    same_as_one_at_a_time(1);
    same_as_one_at_a_time(2);
    same_as_one_at_a_time(0);
}

/* two hot hosts that both want the idlest host h2: the first move takes it, the second
 * goes to the next idlest (h3), not nowhere */
static void test_next_best_destination(void)
{
    g_autoptr(SovaCluster) c = cluster(5);
    for (int i = 0; i < 6; i++) {
        vmf(c, 0, 3.4, 2);     /* h0 at 128 % */
        vmf(c, 1, 3.3, 2);     /* h1 at 124 % */
    }
    vmf(c, 3, 2.0, 2);         /* h3 at 12 % */
    for (int i = 0; i < 4; i++)
        vmf(c, 4, 2.5, 2);     /* h4 at 62 % */
    SovaClusterParams p = params();
    p.max_total = 4;
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 2);
    g_assert_cmpint(sova_plan_action(plan, 0)->from_host, ==, 0);
    g_assert_cmpint(sova_plan_action(plan, 0)->to_host, ==, 2);
    g_assert_cmpint(sova_plan_action(plan, 1)->from_host, ==, 1);
    g_assert_cmpint(sova_plan_action(plan, 1)->to_host, ==, 3);
}

/* h0 at `load` of its 16 pCPUs (eight equal VMs), h1..h3 at 25 % */
static SovaCluster *one_over(double load)
{
    SovaCluster *c = cluster(4);
    for (int i = 0; i < 8; i++)
        vmf(c, 0, 16 * load / 8, 2);
    for (int h = 1; h < 4; h++)
        vmf(c, h, 4, 2);
    return c;
}

/* the plan of a state that has learnt noise sigma and saw an overload on every host on the
 * last sample */
static SovaPlan *plan_noisy(const SovaCluster *c, double sigma)
{
    const SovaClusterPolicy *pol = policy("sova");
    SovaState *st = learnt_state(c, sigma);   /* no migration then */
    for (guint h = 0; h < st->n_hosts; h++)
        st->unmet[h] = 1.0;
    SovaClusterParams p = params();
    SovaPlan *plan = sova_cluster_plan(pol, c, &p, st);
    pol->state_free(st);
    return plan;
}

static void test_relief_beyond_noise(void)
{
    g_autoptr(SovaCluster) near = one_over(1.02);
    SovaClusterParams p = params();
    g_autoptr(SovaPlan) exact = plan_with("sova", near, &p);   /* no noise: 0.03 unmet */
    g_assert_cmpuint(sova_plan_len(exact), ==, 1);
    g_autoptr(SovaPlan) quiet = plan_noisy(near, 0.01);
    g_assert_cmpuint(sova_plan_len(quiet), ==, 1);
    g_autoptr(SovaPlan) noisy = plan_noisy(near, 0.04);         /* needs 0.04 of relief */
    g_assert_cmpuint(sova_plan_len(noisy), ==, 0);
    g_autoptr(SovaCluster) over = one_over(1.15);
    g_autoptr(SovaPlan) clear = plan_noisy(over, 0.04);
    g_assert_cmpuint(sova_plan_len(clear), >=, 1);
    g_assert_cmpint(sova_plan_action(clear, 0)->from_host, ==, 0);
}

/* the plan of a state that has learnt noise sigma and saw h0 overloaded on the last `run`
 * samples in a row */
static SovaPlan *plan_run(const SovaCluster *c, double sigma, guint run)
{
    const SovaClusterPolicy *pol = policy("sova");
    SovaState *st = learnt_state(c, sigma);
    st->unmet[0] = 1.0;
    st->over_run[0] = run;
    SovaClusterParams p = params();
    SovaPlan *plan = sova_cluster_plan(pol, c, &p, st);
    pol->state_free(st);
    return plan;
}

/* h0 a little over its capacity (its move serves about 0.031) under a learnt noise of 0.04:
 * on its second sample in a row the move must serve 0.02 + 0.5 * 0.04 / sqrt(2) = 0.034
 * and waits; on its fourth, 0.02 + 0.5 * 0.04 / 2 = 0.030, and it is relieved (four
 * samples that all read the overload are twice as sure of it as one) */
static void test_relief_margin_shrinks(void)
{
    g_autoptr(SovaCluster) near = one_over(1.02);
    g_autoptr(SovaPlan) second = plan_run(near, 0.04, 1);
    g_assert_cmpuint(sova_plan_len(second), ==, 0);
    g_autoptr(SovaPlan) fourth = plan_run(near, 0.04, 3);
    g_assert_cmpuint(sova_plan_len(fourth), ==, 1);
    g_assert_cmpint(sova_plan_action(fourth, 0)->from_host, ==, 0);
}

/* a random cluster of n hosts: a few hot, some with half the pCPUs, VMs of every shape,
 * anti-affinity and keep-together groups, VF demand, pinned and cooling VMs, measured unmet
 * CPU, a maintenance host, a migration in flight; many VMs of the same size, so that ties
 * are common */
static SovaCluster *varied(guint n, guint32 seed)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(seed);
    SovaCluster *c = cluster(n);
    for (guint h = 0; h < n; h++) {
        SovaClusterHost *host = sova_cluster_host(c, h);
        host->cpu_capacity = g_rand_int_range(r, 0, 5) == 0 ? 8 : 16;
        host->vf_pool = 4;
        host->vf_in_use = g_rand_int_range(r, 0, 5);
        double target = g_rand_int_range(r, 0, 4) == 0 ? g_rand_double_range(r, 14, 26)
                                                        : g_rand_double_range(r, 1, 10);
        for (double sum = 0; sum < target;) {
            double cpu = g_rand_boolean(r) ? 2.0 : g_rand_double_range(r, 0.3, 4.0);
            g_autofree char *name = g_strdup_printf("vm%u", c->vms->len);
            SovaClusterVm *v = vm(c, name, (int)h, cpu, g_rand_boolean(r) ? 4 : g_rand_double_range(r, 0.5, 12),
                                  g_rand_boolean(r) ? 0 : g_rand_double_range(r, 0, 200e6));
            v->dirty_Bps = g_rand_double_range(r, 0, 80e6);
            guint k = g_rand_int_range(r, 0, 40);
            if (k == 0)
                v->group = g_strdup_printf("g%u", g_rand_int_range(r, 0, 3));
            else if (k == 1)
                together(v, "t");
            else if (k == 2)
                v->wants_vf = v->unmet_vf = TRUE;
            else if (k == 3)
                v->pinned = TRUE;
            else if (k == 4)
                v->last_moved = c->now - g_rand_double_range(r, 0, 600);
            if (g_rand_int_range(r, 0, 6) == 0)   /* measured unmet CPU (its run delay) */
                v->cpu_unmet = g_rand_double_range(r, 0, cpu);
            sum += cpu;
        }
    }
    if (seed % 5 == 0)
        sova_cluster_host(c, n - 1)->maintenance = TRUE;
    if (seed % 3 == 0 && c->vms->len > 3)
        start_migration(c, 3, (int)((sova_cluster_vm(c, 3)->host + 1) % n));
    return c;
}

/* the plan of policy sova with state st, by the fast or the reference search */
static SovaPlan *plan_by(const SovaCluster *c, const SovaClusterParams *p, gpointer st,
                         gboolean reference)
{
    cs_reference_search = reference;
    SovaPlan *plan = sova_cluster_plan(policy("sova"), c, p, st);
    cs_reference_search = FALSE;
    return plan;
}

static void assert_same_plan(const SovaPlan *a, const SovaPlan *b)
{
    g_assert_cmpuint(sova_plan_len(a), ==, sova_plan_len(b));
    g_assert_cmpint(a->status, ==, b->status);
    g_assert_cmpstr(a->reason, ==, b->reason);
    g_assert_cmpfloat(a->spread_after, ==, b->spread_after);
    for (guint i = 0; i < sova_plan_len(a); i++) {
        const SovaAction *x = sova_plan_action(a, i), *y = sova_plan_action(b, i);
        g_assert_cmpstr(x->uuid, ==, y->uuid);
        g_assert_cmpint(x->to_host, ==, y->to_host);
        g_assert_cmpfloat(x->gain, ==, y->gain);
        g_assert_cmpfloat(x->cost, ==, y->cost);
        g_assert_cmpstr(x->reason, ==, y->reason);
    }
}

/* 200 clusters of 6 to 60 hosts, five sets of caps, three cost weights, two plans in a row
 * with a state (the second after the first's moves): fast == reference */
static void test_same_as_reference(void)
{
    static const guint caps[][2] = {{1, 2}, {1, 0}, {2, 0}, {0, 0}, {1, 5}};
    static const double weights[] = {0.0005, 0.0015, 0};
    guint moves = 0;
    for (guint32 seed = 1; seed <= 200; seed++) {
        guint n = 6 + seed % 55;
        g_autoptr(SovaCluster) c = varied(n, seed);
        SovaClusterParams p = params();
        p.max_per_host = caps[seed % 5][0];
        p.max_total = caps[seed % 5][1] ? caps[seed % 5][1] : n / 2;
        p.cost_weight = weights[seed % 3];
        gpointer fast = policy("sova")->state_new(), ref = policy("sova")->state_new();
        for (int round = 0; round < 2; round++) {
            g_autoptr(SovaPlan) a = plan_by(c, &p, fast, FALSE);
            g_autoptr(SovaPlan) b = plan_by(c, &p, ref, TRUE);
            assert_same_plan(a, b);
            moves += sova_plan_len(a);
            apply(c, a);
            c->now += 60;
        }
        policy("sova")->state_free(fast);
        policy("sova")->state_free(ref);
    }
    g_assert_cmpuint(moves, >=, 400);   /* the clusters did make the planner work */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-sova-search/same-as-one-at-a-time", test_same_as_one_at_a_time);
    g_test_add_func("/cluster-sova-search/next-best-destination", test_next_best_destination);
    g_test_add_func("/cluster-sova-search/relief-beyond-noise", test_relief_beyond_noise);
    g_test_add_func("/cluster-sova-search/relief-margin-shrinks", test_relief_margin_shrinks);
    g_test_add_func("/cluster-sova-search/same-as-reference", test_same_as_reference);
    return g_test_run();
}
