/* test_controller_loop_once.c — the controller's loop (daemon/controller.c) run --once,
 * and plans the policy has not confirmed: --once follows what it started to its end and
 * acts only on a plan the policy confirmed (an UNCONFIRMED one is held; after three it
 * gives up waiting and carries out the next), and the running loop reports an
 * UNCONFIRMED plan and acts on the next. Over the fake backends of fake_cluster.h, with
 * the stub policies of controller_loop_fixtures.h. */
#include "controller_loop_fixtures.h"

/* --once: one planned interval, then it follows that plan's migration to its end */
static void test_once_follows_to_the_end(void)
{
    Fake f;
    fake_init(&f, 2, 4, 4);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, NULL), ==, 0);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 1);
    guint on1 = 0;
    for (guint i = 0; i < f.n_vms; i++)
        on1 += f.vms[i].host == 1 && f.vms[i].to < 0;
    g_assert_cmpuint(on1, ==, 1);
}

/* --once with a policy that confirms on a second sample: its UNCONFIRMED plan is held
 * (not reported, nothing started), the confirmed one acts */
static void test_once_confirms_on_a_second_sample(void)
{
    Fake f;
    fake_init(&f, 2, 4, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller_with(&f, &seen, FALSE, &confirming);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, NULL), ==, 0);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 1);
}

/* --once with a policy that never confirms: after three held plans the next is reported
 * and carried out (its actions need no confirmation), instead of sampling for ever */
static void test_once_gives_up_waiting(void)
{
    Fake f;
    fake_init(&f, 2, 4, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller_with(&f, &seen, FALSE, &doubting);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, NULL), ==, 0);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(seen.unconfirmed, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpfloat(f.clock, >=, 100 + 4);    /* baseline + three held + the reported one */
}

/* the running loop reports the UNCONFIRMED plan (nothing in it starts) and acts on the
 * next, confirmed one */
static void test_loop_reports_unconfirmed(void)
{
    Fake f;
    fake_init(&f, 2, 4, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller_with(&f, &seen, FALSE, &confirming);
    step(c, &f);                                  /* baseline */
    step(c, &f);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(seen.unconfirmed, ==, 1);
    g_assert_cmpuint(f.starts, ==, 0);
    step(c, &f);
    g_assert_cmpuint(seen.intervals, ==, 2);
    g_assert_cmpuint(seen.unconfirmed, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-loop/once-follows-to-the-end", test_once_follows_to_the_end);
    g_test_add_func("/controller-loop/once-confirms-on-a-second-sample",
                    test_once_confirms_on_a_second_sample);
    g_test_add_func("/controller-loop/once-gives-up-waiting", test_once_gives_up_waiting);
    g_test_add_func("/controller-loop/loop-reports-unconfirmed", test_loop_reports_unconfirmed);
    return g_test_run();
}
