/* test_cpu_zigzag.c — the seed's zig-zag policy: the seed's own example, the
 * generalisation past two passes, its stddev gating and offset, usable pCPUs only,
 * and that it only emits pins that change something. */
#include "cpu_test_util.h"
#include "policy/cpu_zigzag.h"
#include <string.h>

static const SovaCpuPolicy *pol;
static SovaCpuPolicyParams params;

/* n pCPUs, one 1-vCPU VM per usage (named v01, v02, ... in model order), unpinned
 * and seen on pCPU 0; pCPU utils are set directly: 100 on pCPU 0, 20 elsewhere */
static SovaModel *seed_host(guint n_pcpus, const double *usage, guint n)
{
    SovaModel *m = cpu_test_host(n_pcpus);
    for (guint i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("v%02u", i + 1);
        cpu_test_add_vm(m, name, 1, usage[i], -1);
        sova_model_vcpu(m, i)->usage = usage[i];
    }
    sova_model_pcpu(m, 0)->util = 100;
    for (guint p = 1; p < n_pcpus; p++)
        sova_model_pcpu(m, p)->util = 20;
    return m;
}

static int target_of(const SovaPlan *p, guint i)
{
    g_autofree char *name = g_strdup_printf("v%02u", i + 1);
    const SovaAction *a = cpu_test_find(p, name, 0);
    g_assert_nonnull(a);
    return a->to_pcpu;
}

static void test_registered(void)
{
    g_assert_true(sova_cpu_policy_find("zigzag") == &sova_cpu_policy_zigzag);
    SovaZigzagState *st = sova_cpu_policy_zigzag.state_new();
    g_assert_cmpfloat(st->prev_stddev, ==, 0);
    g_assert_cmpuint(st->offset, ==, 0);
    sova_cpu_policy_zigzag.state_free(st);
}

/* the seed: 4 pCPUs, 8 vCPUs 100..30, offset 3 (1-based) -> P3 P4 P1 P2 P2 P1 P4 P3 */
static void test_seed_example(void)
{
    const double usage[] = { 100, 90, 80, 70, 60, 50, 40, 30 };
    const int seed_1based[] = { 3, 4, 1, 2, 2, 1, 4, 3 };
    g_autoptr(SovaModel) m = seed_host(4, usage, 8);
    SovaZigzagState st = { .prev_stddev = 0, .offset = 2 };
    g_autoptr(SovaPlan) p = pol->plan(m, &params, &st);
    g_assert_cmpuint(sova_plan_len(p), ==, 8);
    for (guint i = 0; i < 8; i++)
        g_assert_cmpint(target_of(p, i) + 1, ==, seed_1based[i]);
    g_assert_cmpuint(st.offset, ==, 3);
    g_assert_cmpfloat(st.prev_stddev, ==, p->spread_before);
}

/* the model order is not the usage order: the insertion sort puts it right */
static void test_sorts_by_usage(void)
{
    const double usage[] = { 30, 100, 50, 90, 40, 80, 60, 70 };
    const int expect[] = { 2, 2, 0, 3, 3, 0, 1, 1 };  /* 0-based, offset 2 */
    g_autoptr(SovaModel) m = seed_host(4, usage, 8);
    for (guint i = 0; i < 8; i++)                       /* demand must not matter */
        sova_model_vcpu(m, i)->demand = 100 - usage[i];
    SovaZigzagState st = { .offset = 2 };
    g_autoptr(SovaPlan) p = pol->plan(m, &params, &st);
    for (guint i = 0; i < 8; i++)
        g_assert_cmpint(target_of(p, i), ==, expect[i]);
}

/* passes alternate forever: the third pass walks forward again from the offset */
static void test_three_passes(void)
{
    double usage[12];
    const int expect[] = { 2, 3, 0, 1, 1, 0, 3, 2, 2, 3, 0, 1 };
    for (guint i = 0; i < 12; i++)
        usage[i] = 100 - 5 * i;
    g_autoptr(SovaModel) m = seed_host(4, usage, 12);
    SovaZigzagState st = { .offset = 2 };
    g_autoptr(SovaPlan) p = pol->plan(m, &params, &st);
    for (guint i = 0; i < 12; i++)
        g_assert_cmpint(target_of(p, i), ==, expect[i]);
}

/* equal usages keep model order (the seed's insertion sort is stable) */
static void test_ties_stable(void)
{
    const double usage[] = { 50, 50, 50, 50, 50 };
    g_autoptr(SovaModel) m = seed_host(3, usage, 5);
    SovaZigzagState st = { 0 };
    g_autoptr(SovaPlan) p1 = pol->plan(m, &params, &st);
    const int expect[] = { 0, 1, 2, 2, 1 };
    for (guint i = 0; i < 5; i++)
        g_assert_cmpint(target_of(p1, i), ==, expect[i]);
    SovaZigzagState again = { 0 };
    g_autoptr(SovaPlan) p2 = pol->plan(m, &params, &again);
    g_autofree char *d1 = cpu_test_describe(p1);
    g_autofree char *d2 = cpu_test_describe(p2);
    g_assert_cmpstr(d1, ==, d2);
}

/* acts only when stddev > 5 and >= the previous interval's; prev is always updated */
static void test_gating(void)
{
    const double usage[] = { 100, 90, 80, 70 };
    g_autoptr(SovaModel) m = seed_host(4, usage, 4);
    double sd = sova_model_util_stddev(m, NULL);
    g_assert_cmpfloat(sd, >, 5);

    SovaZigzagState st = { .prev_stddev = sd + 1, .offset = 1 };
    g_autoptr(SovaPlan) fell = pol->plan(m, &params, &st);
    g_assert_cmpuint(sova_plan_len(fell), ==, 0);
    g_assert_cmpfloat(st.prev_stddev, ==, sd);     /* updated though it did not act */
    g_assert_cmpuint(st.offset, ==, 1);            /* not acting: offset unchanged */

    g_autoptr(SovaPlan) same = pol->plan(m, &params, &st);   /* sd == prev: acts */
    g_assert_cmpuint(sova_plan_len(same), >, 0);
    g_assert_cmpuint(st.offset, ==, 2);

    for (guint p = 0; p < 4; p++)                  /* balanced: sd 0 <= 5 */
        sova_model_pcpu(m, p)->util = 60;
    g_autoptr(SovaPlan) flat = pol->plan(m, &params, &st);
    g_assert_cmpuint(sova_plan_len(flat), ==, 0);
    g_assert_true(g_str_has_prefix(flat->reason, "balanced"));
    g_assert_cmpfloat(st.prev_stddev, ==, 0);
}

/* the offset increments each time it acts and wraps modulo the usable pCPUs */
static void test_offset_wraps(void)
{
    const double usage[] = { 100 };
    g_autoptr(SovaModel) m = seed_host(3, usage, 1);
    SovaZigzagState st = { 0 };
    const int expect[] = { 0, 1, 2, 0 };
    for (guint r = 0; r < 4; r++) {
        sova_model_vcpu(m, 0)->pinned = -1;
        g_autoptr(SovaPlan) p = pol->plan(m, &params, &st);
        g_assert_cmpint(target_of(p, 0), ==, expect[r]);
        st.prev_stddev = 0;
    }
    g_assert_cmpuint(st.offset, ==, 1);
}

/* only usable pCPUs: reserved and offline ones are skipped, in the zig-zag and the stddev */
static void test_usable_only(void)
{
    const double usage[] = { 100, 90, 80, 70, 60, 50 };
    g_autoptr(SovaModel) m = seed_host(5, usage, 6);
    sova_model_pcpu(m, 1)->reserved = TRUE;
    sova_model_pcpu(m, 3)->online = FALSE;
    SovaZigzagState st = { 0 };
    g_autoptr(SovaPlan) p = pol->plan(m, &params, &st);
    const int expect[] = { 0, 2, 4, 4, 2, 0 };        /* usable: 0 2 4 */
    for (guint i = 0; i < 6; i++)
        g_assert_cmpint(target_of(p, i), ==, expect[i]);
    g_assert_cmpuint(st.offset, ==, 1);
}

/* a vCPU already pinned where the zig-zag puts it is not an action; an unpinned one
 * pinned where it runs is */
static void test_only_changes(void)
{
    const double usage[] = { 100, 90, 80, 70 };
    g_autoptr(SovaModel) m = seed_host(4, usage, 4);
    sova_model_vcpu(m, 1)->pinned = sova_model_vcpu(m, 1)->pcpu = 1;   /* its zig-zag slot */
    sova_model_vcpu(m, 2)->pinned = sova_model_vcpu(m, 2)->pcpu = 0;   /* not its slot */
    SovaZigzagState st = { 0 };
    g_autoptr(SovaPlan) p = pol->plan(m, &params, &st);
    g_assert_cmpuint(sova_plan_len(p), ==, 3);
    g_assert_null(cpu_test_find(p, "v02", 0));
    const SovaAction *a = cpu_test_find(p, "v01", 0);            /* unpinned, runs on 0 */
    g_assert_cmpint(a->from_pcpu, ==, 0);
    g_assert_cmpint(a->to_pcpu, ==, 0);
    g_assert_cmpint(cpu_test_find(p, "v03", 0)->to_pcpu, ==, 2);
}

/* 3 busy vCPUs on 2 pCPUs: once both pCPUs are full the spread is 0 and it stops */
static void test_three_on_two(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 3, 100, 0);
    cpu_test_settle(m);
    SovaZigzagState st = { 0 };
    g_assert_cmpuint(cpu_test_rounds(pol, &st, &params, m, 1), >, 0);
    g_assert_cmpuint(cpu_test_count_on(m, 0) * cpu_test_count_on(m, 1), ==, 2);
    g_assert_cmpuint(cpu_test_rounds(pol, &st, &params, m, 10), ==, 0);
}

/* all on one pCPU: the zig-zag deals them out evenly */
static void test_all_on_one(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "a", 8, 40, 0);
    cpu_test_settle(m);
    SovaZigzagState st = { 0 };
    g_autoptr(SovaPlan) p = pol->plan(m, &params, &st);
    cpu_test_apply(m, p);
    for (guint c = 0; c < 4; c++)
        g_assert_cmpuint(cpu_test_count_on(m, c), ==, 2);
    g_assert_cmpfloat_with_epsilon(p->spread_after, 0, 1e-6);
}

/* as many vCPUs as pCPUs, or fewer: one pass, each on its own pCPU */
static void test_fewer_and_equal(void)
{
    for (guint n = 2; n <= 4; n += 2) {
        g_autoptr(SovaModel) m = cpu_test_host(4);
        cpu_test_add_vm(m, "a", n, 90, 3);
        cpu_test_settle(m);
        SovaZigzagState st = { .offset = 1 };
        g_autoptr(SovaPlan) p = pol->plan(m, &params, &st);
        cpu_test_apply(m, p);
        for (guint c = 0; c < 4; c++)          /* from offset 1: pCPUs 1, 2, (3, 0) */
            g_assert_cmpuint(cpu_test_count_on(m, c), ==, (c + 3) % 4 < n ? 1 : 0);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pol = sova_cpu_policy_find("zigzag");
    params = SOVA_CPU_PARAMS_DEFAULT;
    g_test_add_func("/cpu-zigzag/registered", test_registered);
    g_test_add_func("/cpu-zigzag/seed-example", test_seed_example);
    g_test_add_func("/cpu-zigzag/sorts-by-usage", test_sorts_by_usage);
    g_test_add_func("/cpu-zigzag/three-passes", test_three_passes);
    g_test_add_func("/cpu-zigzag/ties-stable", test_ties_stable);
    g_test_add_func("/cpu-zigzag/gating", test_gating);
    g_test_add_func("/cpu-zigzag/offset-wraps", test_offset_wraps);
    g_test_add_func("/cpu-zigzag/usable-only", test_usable_only);
    g_test_add_func("/cpu-zigzag/only-changes", test_only_changes);
    g_test_add_func("/cpu-zigzag/three-on-two", test_three_on_two);
    g_test_add_func("/cpu-zigzag/all-on-one", test_all_on_one);
    g_test_add_func("/cpu-zigzag/fewer-and-equal", test_fewer_and_equal);
    return g_test_run();
}
