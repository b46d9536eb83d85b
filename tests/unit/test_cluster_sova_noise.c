/* test_cluster_sova_noise.c — how the `sova` cluster policy learns the noise of host loads
 * (cluster_sova_noise.c), on its own: the first sample is the weighted mean squared miss
 * of the last plan's prediction, later ones an EWMA, and hosts with a migration in flight
 * are left out (a moving VM's load is a transition, not noise). */
#include <math.h>
#include "model/cluster.h"
#include "policy/cluster_sova.h"

#define GIB_KIB (1024.0 * 1024.0)

/* three hosts of 16 pCPUs, one VM of 4 pCPUs on each */
static SovaCluster *three_hosts(void)
{
    SovaCluster *c = sova_cluster_new();
    for (guint i = 0; i < 3; i++) {
        g_autofree char *name = g_strdup_printf("h%u", i);
        SovaClusterHost *h = sova_cluster_add_host(c, name);
        h->cpu_capacity = 16;
        h->memory_kib = (guint64)(64 * GIB_KIB);
        g_autofree char *vm = g_strdup_printf("vm%u", i);
        g_autofree char *uuid = g_strdup_printf("00000000-0000-0000-0000-%012u", i);
        SovaClusterVm *v = sova_cluster_add_vm(c, uuid, vm, (int)i);
        v->cpu = 4;
        v->n_vcpus = 4;
        v->memory_kib = (guint64)(8 * GIB_KIB);
    }
    return c;
}

/* the weighted mean squared miss over every host, as the policy defines it */
static double mean_sq_miss(const ClPlanner *was, const ClPlanner *now)
{
    double err = 0, w = 0;
    for (guint h = 0; h < now->n_hosts; h++) {
        for (int r = 0; r < CL_R; r++) {
            double d = cl_load(now, h, r) - cl_load(was, h, r);
            err += now->w[r] * d * d;
            w += now->w[r];
        }
    }
    return err / w;
}

static void free_state(SovaState *st)
{
    g_free(st->pred);
    g_free(st->moving);
}

static void test_first_then_ewma(void)
{
    g_autoptr(SovaCluster) c = three_hosts();
    SovaClusterParams p = SOVA_CLUSTER_PARAMS_DEFAULT;
    SovaState st = { 0 };
    ClPlanner P0, P1, P2;
    cl_planner_init(&P0, c, &p);
    cs_learn_noise(&st, &P0);              /* nothing predicted yet: nothing learnt */
    g_assert_false(st.learnt);
    cs_remember(&st, &P0);
    sova_cluster_vm(c, 0)->cpu = 8;        /* h0's cpu load: 0.25 -> 0.5 */
    cl_planner_init(&P1, c, &p);
    cs_learn_noise(&st, &P1);
    g_assert_true(st.learnt);
    double first = mean_sq_miss(&P0, &P1);
    g_assert_cmpfloat(first, >, 0);
    g_assert_cmpfloat_with_epsilon(st.sigma2, first, 1e-12);
    cs_remember(&st, &P1);
    cl_planner_init(&P2, c, &p);           /* as predicted: a miss of 0 */
    cs_learn_noise(&st, &P2);
    g_assert_cmpfloat_with_epsilon(st.sigma2, (1 - NOISE_ALPHA) * first, 1e-12);
    cl_planner_clear(&P0);
    cl_planner_clear(&P1);
    cl_planner_clear(&P2);
    free_state(&st);
}

/* a migration in flight to h0 from h1: neither host's miss counts */
static void test_moving_hosts_left_out(void)
{
    g_autoptr(SovaCluster) c = three_hosts();
    SovaClusterParams p = SOVA_CLUSTER_PARAMS_DEFAULT;
    SovaState st = { 0 };
    ClPlanner P0, P1;
    cl_planner_init(&P0, c, &p);
    cs_remember(&st, &P0);
    SovaClusterVm *v = sova_cluster_vm(c, 0);
    v->migrating = TRUE;
    v->from_host = 1;
    v->cpu = 8;
    sova_cluster_vm(c, 2)->cpu = 6;        /* h2's miss is the only one that counts */
    cl_planner_init(&P1, c, &p);
    cs_learn_noise(&st, &P1);
    g_assert_true(st.learnt);
    double err = 0, w = 0;
    for (int r = 0; r < CL_R; r++) {
        double d = cl_load(&P1, 2, r) - cl_load(&P0, 2, r);
        err += P1.w[r] * d * d;
        w += P1.w[r];
    }
    g_assert_cmpfloat(err, >, 0);
    g_assert_cmpfloat_with_epsilon(st.sigma2, err / w, 1e-12);
    /* and the hosts it remembers as moving stay out of the next sample too */
    cs_remember(&st, &P1);
    g_assert_true(st.moving[0] && st.moving[1] && !st.moving[2]);
    cl_planner_clear(&P0);
    cl_planner_clear(&P1);
    free_state(&st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-sova-noise/first-then-ewma", test_first_then_ewma);
    g_test_add_func("/cluster-sova-noise/moving-hosts-left-out", test_moving_hosts_left_out);
    return g_test_run();
}
