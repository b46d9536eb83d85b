/* test_net_policy_host.c — the net policies interval by interval on the fake host of
 * fake_net_host.h, which goes through sova_net_model_build so the policies see what the
 * agent will see: `balance` must hold steady under noisy load where the `sova` baseline
 * flaps, the busiest VM gets the one VF and keeps it, traffic moving to the VF does not
 * look like the VM going idle, and a failing attach is retried with a growing backoff. */
#include "fake_net_host.h"

/* two VMs with the same noisy load (+-40 %), one VF: over 20 random runs of 100
 * intervals the default hands it out once and moves it at most once, in at most one run
 * of the 20 (margin 1.4 on levels of such noise); the baseline moves it back and forth in
 * every run */
static void test_noise_two_vms(void)
{
    guint moved = 0;
    for (guint32 seed = 1; seed <= 20; seed++) {
        Fake f;
        fake_init_seed(&f, &sova_net_policy_balance, 1, 0.4, seed);
        fake_add(&f, "a", 5000);
        fake_add(&f, "b", 5000);
        guint actions = fake_run(&f, 100);
        g_assert_true(actions == 1 || actions == 3);
        moved += actions == 3;
        g_assert_cmpuint(f.vms[0].attaches + f.vms[1].attaches, ==, (actions + 1) / 2);
        g_assert_true(f.vms[0].vf != f.vms[1].vf);
        fake_clear(&f);

        fake_init_seed(&f, &sova_net_policy_sova, 1, 0.4, seed);
        fake_add(&f, "a", 5000);
        fake_add(&f, "b", 5000);
        guint flaps = fake_run(&f, 100);
        if (seed == 1)
            g_test_message("baseline: %u actions in 100 intervals", flaps);
        g_assert_cmpuint(flaps, >, 20);
        g_assert_cmpuint(f.vms[0].attaches, >, 5);
        g_assert_cmpuint(f.vms[1].attaches, >, 5);
        fake_clear(&f);
    }
    g_assert_cmpuint(moved, <=, 1);
}

/* one VM whose load wanders across `enter` (1200..2800 pps, enter 2000, exit 1000): the
 * default keeps its VF; the baseline gives and takes it */
static void test_noise_threshold(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0.4);
    FakeVm *v = fake_add(&f, "v", 2000);
    guint actions = fake_run(&f, 100);
    g_assert_cmpuint(v->attaches, ==, 1);
    g_assert_cmpuint(v->detaches, ==, 0);
    g_assert_cmpuint(actions, ==, 1);
    fake_clear(&f);

    fake_init(&f, &sova_net_policy_sova, 1, 0.4);
    v = fake_add(&f, "v", 2000);
    fake_run(&f, 100);
    g_assert_cmpuint(v->detaches, >, 5);
    fake_clear(&f);
}

/* three busy VMs and one VF: the busiest gets it and keeps it; the rest is unmet */
static void test_busiest_holds(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0.2);
    fake_add(&f, "low", 3000);
    FakeVm *top = fake_add(&f, "top", 9000);
    fake_add(&f, "mid", 5000);
    fake_run(&f, 50);
    g_assert_true(top->vf);
    g_assert_cmpuint(top->attaches, ==, 1);
    g_assert_false(f.vms[0].vf || f.vms[2].vf);
    g_autoptr(SovaNetResult) res = sova_net_result_new();
    g_autoptr(SovaPlan) plan = f.pol->plan(f.last, &f.p, f.st, res);
    g_assert_cmpuint(res->unmet, ==, 2);
    g_assert_cmpuint(res->in_use, ==, 1);
    fake_clear(&f);
}

/* traffic moving to the VF does not look like the VM going idle (standby + VF summed) */
static void test_switch_keeps_load(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0);
    FakeVm *v = fake_add(&f, "v", 5000);
    fake_run(&f, 2);
    g_assert_true(v->vf);
    for (guint i = 0; i < 20; i++) {
        fake_step(&f);
        const SovaNetVmLoad *l = sova_net_model_find(f.last, v->uuid);
        g_assert_true(l->has_vf);
        g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&l->raw), 5000, 1e-6);
    }
    g_assert_cmpuint(v->attaches, ==, 1);
    g_assert_cmpuint(v->detaches, ==, 0);
    fake_clear(&f);
}

/* a failing attach is retried after 2, 4, 8 ... intervals (backoff_base 2) */
static void test_backoff(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0);
    FakeVm *v = fake_add(&f, "v", 5000);
    v->fail_attach = TRUE;
    fake_run(&f, 40);
    guint want[] = {2, 4, 8, 16, 32};   /* the first interval has no rates yet */
    g_assert_cmpuint(v->attach_ticks->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < G_N_ELEMENTS(want); i++)
        g_assert_cmpuint(g_array_index(v->attach_ticks, guint, i), ==, want[i]);
    /* once it works, the failures are forgotten */
    v->fail_attach = FALSE;
    fake_run(&f, 40);
    g_assert_true(v->vf);
    fake_clear(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-policy/noise-two-vms", test_noise_two_vms);
    g_test_add_func("/net-policy/noise-threshold", test_noise_threshold);
    g_test_add_func("/net-policy/busiest-holds", test_busiest_holds);
    g_test_add_func("/net-policy/switch-keeps-load", test_switch_keeps_load);
    g_test_add_func("/net-policy/backoff", test_backoff);
    return g_test_run();
}
