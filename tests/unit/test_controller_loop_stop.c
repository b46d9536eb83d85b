/* test_controller_loop_stop.c — stopping the controller's loop (daemon/controller.c) over
 * the fake backends of fake_cluster.h: a stop waits for migrations in flight (at most
 * drain_timeout, in simulated time, then aborts them; a second stop aborts them at once),
 * and requests made before the loop runs start nothing. The same on the simulated cluster:
 * test_controller_drain.c. */
#include "controller_loop_fixtures.h"

/* no VM migrates or carries a leaving mark, and all run on host h */
static void assert_all_still_on(const Fake *f, guint h)
{
    for (guint i = 0; i < f->n_vms; i++) {
        g_assert_cmpint(f->vms[i].to, ==, -1);
        g_assert_false(f->vms[i].marked);
        g_assert_cmpuint(f->vms[i].host, ==, h);
    }
}

/* a stop while a migration is in flight (shorter than the drain limit, the default): the
 * loop ends after the migration does, nothing aborted */
static void test_stop_waits_for_flights(void)
{
    Fake f;
    fake_init(&f, 2, 4, 5);
    SovaControllerStop stop = { 0 };
    Seen seen = { .stop_after_start = &stop };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_assert_cmpint(sova_controller_run(c, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(f.aborts, ==, 0);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 1);
    for (guint i = 0; i < f.n_vms; i++) {
        g_assert_cmpint(f.vms[i].to, ==, -1);
        g_assert_false(f.vms[i].marked);
    }
}

/* a stop while a migration runs longer than drain_timeout: after that long (simulated
 * time) it is aborted, the VM stays on its source, unmarked, and the run returns 0 */
static void test_drain_limit_aborts(void)
{
    Fake f;
    fake_init(&f, 2, 4, 100000);
    SovaControllerStop stop = { 0 };
    Seen seen = { .stop_after_start = &stop, .clock = &f.clock };
    g_autoptr(SovaController) c = controller_drain(&f, &seen, FALSE, &stub, 30);
    g_assert_cmpint(sova_controller_run(c, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(f.aborts, ==, 1);
    g_assert_cmpfloat(f.clock - seen.stopped_at, >=, 30);   /* it did wait its limit */
    g_assert_cmpfloat(f.clock - seen.stopped_at, <, 100);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 0);
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 1);
    assert_all_still_on(&f, 0);
}

/* a second stop request while draining aborts at once, long before the limit; a third
 * changes nothing */
static void test_second_stop_aborts(void)
{
    Fake f;
    fake_init(&f, 2, 4, 100000);
    SovaControllerStop stop = { 0 };
    f.stop = &stop;
    f.stop_again_at = 3;      /* the migration's third poll: draining by then */
    Seen seen = { .stop_after_start = &stop, .clock = &f.clock };
    g_autoptr(SovaController) c = controller_drain(&f, &seen, FALSE, &stub, 3600);
    g_assert_cmpint(sova_controller_run(c, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpint(g_atomic_int_get(&stop.requests), ==, 2);
    g_assert_cmpuint(f.aborts, ==, 1);
    g_assert_cmpfloat(f.clock - seen.stopped_at, <, 60);
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 1);
    assert_all_still_on(&f, 0);
    g_assert_cmpuint(sova_controller_stop_request(&stop), ==, 3);
    g_assert_cmpint(g_atomic_int_get(&stop.stop), ==, 1);
    g_assert_cmpint(g_atomic_int_get(&stop.abort), ==, 1);
}

/* two requests before the loop runs: it starts nothing, and returns */
static void test_stop_before_the_start(void)
{
    Fake f;
    fake_init(&f, 2, 4, 5);
    SovaControllerStop stop = { 0 };
    g_assert_cmpuint(sova_controller_stop_request(&stop), ==, 1);
    g_assert_cmpuint(sova_controller_stop_request(&stop), ==, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_assert_cmpint(sova_controller_run(c, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpuint(f.starts, ==, 0);
    g_assert_cmpuint(f.aborts, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-loop/stop-waits-for-flights", test_stop_waits_for_flights);
    g_test_add_func("/controller-loop/drain-limit-aborts", test_drain_limit_aborts);
    g_test_add_func("/controller-loop/second-stop-aborts", test_second_stop_aborts);
    g_test_add_func("/controller-loop/stop-before-the-start", test_stop_before_the_start);
    return g_test_run();
}
