/* test_controller_loop.c — the controller's loop (daemon/controller.c) over fake
 * backends whose migrations succeed: a migration in flight counts on its destination,
 * its end is reported once with its duration and downtime, the moved VM is not moved
 * again within the cooldown, a refused start is in the record and --once's error, no
 * readable host is an error of the step, a dry run starts nothing, and a host that comes
 * back is used again. (The failure path runs on libvirt's test driver:
 * tests/libvirt/test_controller.c.) --once and unconfirmed plans:
 * test_controller_loop_once.c; stopping: test_controller_loop_stop.c.
 *
 * The fake cluster (fake_cluster.h) shares one simulated clock; a migration takes `polls`
 * polls. The policy is a stub that moves one VM from the host with the most VMs to the one
 * with the fewest (controller_loop_fixtures.h), so these tests check the loop, not the
 * planning. */
#include "controller_loop_fixtures.h"
#include <string.h>

/* start, in flight on the destination, done once with its figures, cooldown after */
static void test_migration_succeeds(void)
{
    Fake f;
    fake_init(&f, 2, 3, 3);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    step(c, &f);                                  /* baseline */
    step(c, &f);                                  /* plans and starts one */
    g_assert_cmpuint(seen.started, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpstr(f.last_uri, ==, "tcp://h1-data");   /* the destination's data channel */
    for (int i = 0; i < 5 && !seen.finished_ok; i++)
        step(c, &f);
    g_assert_true(seen.saw_in_flight_on_dest);
    g_assert_cmpuint(seen.finished_ok, ==, 1);
    g_assert_cmpfloat(seen.downtime, ==, 0.05);
    g_assert_cmpfloat(seen.duration, ==, 3);
    g_assert_cmpfloat(seen.imbalance_after, <=, seen.imbalance_before);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 1);
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 0);
    const SovaCluster *cl = sova_controller_cluster(c);
    g_assert_cmpuint(count_on(cl, 0), ==, 2);
    g_assert_cmpuint(count_on(cl, 1), ==, 1);
    /* 2 vs 1: balanced for the stub; nothing else starts, the moved VM stays */
    for (int i = 0; i < 5; i++)
        step(c, &f);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(seen.finished_ok, ==, 1);    /* reported once */
    cl = sova_controller_cluster(c);
    guint moved = 0;
    for (guint i = 0; i < cl->vms->len; i++)
        moved += sova_cluster_vm(cl, i)->last_moved >= 0;
    g_assert_cmpuint(moved, ==, 1);
}

/* a migration the backend refuses to start: its result carries the backend's reason, it
 * counts as a failure, and --once exits 1 with that reason */
static void test_failed_start_propagated(void)
{
    Fake f;
    fake_init(&f, 2, 4, 2);
    f.refuse_start = TRUE;
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, &err), ==, 1);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(seen.failed_to_start, ==, 1);
    g_assert_cmpuint(seen.started, ==, 0);
    g_assert_cmpstr(seen.start_error, ==, "no room on h1");
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "could not start: migrate vm"));
    g_assert_nonnull(strstr(err->message, "no room on h1"));
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 1);
}

/* no host can be read: the step says so (an error, not a crash or a silent TRUE), and
 * --once gives up after three such intervals with the hosts' reason */
static void test_no_host_readable(void)
{
    Fake f;
    fake_init(&f, 2, 2, 2);
    f.hosts[0].down = f.hosts[1].down = TRUE;
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_controller_step(c, &err));
    g_assert_nonnull(strstr(err->message, "host 0 is down"));
    g_clear_error(&err);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, &err), ==, 1);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "no host could be read"));
    g_assert_cmpuint(seen.intervals, ==, 0);
}

/* dry run: the same plan every interval, nothing started */
static void test_dry_run(void)
{
    Fake f;
    fake_init(&f, 2, 3, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, TRUE);
    for (int i = 0; i < 4; i++)
        step(c, &f);
    g_assert_cmpuint(seen.intervals, ==, 3);
    g_assert_cmpuint(f.starts, ==, 0);
    g_assert_cmpuint(seen.started, ==, 0);
}

/* partial and manual: the stub's migration is recommended every interval, none starts */
static void test_levels(void)
{
    for (SovaMode m = SOVA_MODE_PARTIAL; m <= SOVA_MODE_MANUAL; m++) {
        Fake f;
        fake_init(&f, 2, 3, 2);
        Seen seen = { 0 };
        g_autoptr(SovaController) c = controller_mode(&f, &seen, m);
        for (int i = 0; i < 4; i++)
            step(c, &f);
        g_assert_cmpuint(seen.intervals, ==, 3);
        g_assert_cmpuint(seen.recommended, ==, 3);
        g_assert_cmpuint(f.starts, ==, 0);
        g_assert_cmpuint(seen.started, ==, 0);
    }
}

/* the destination-to-be is down: not used; when it is back, it is */
static void test_down_host_comes_back(void)
{
    Fake f;
    fake_init(&f, 3, 4, 2);
    f.hosts[1].down = f.hosts[2].down = TRUE;
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    for (int i = 0; i < 3; i++)
        step(c, &f);
    g_assert_cmpuint(f.starts, ==, 0);            /* only h0 is up: nowhere to go */
    g_assert_false(sova_cluster_host(sova_controller_cluster(c), 1)->up);
    f.hosts[2].down = FALSE;
    step(c, &f);                                  /* h2's baseline */
    step(c, &f);
    g_assert_cmpuint(f.starts, ==, 1);
    gboolean to_h2 = FALSE;
    for (guint i = 0; i < f.n_vms; i++)
        to_h2 |= f.vms[i].to == 2;
    g_assert_true(to_h2);
    g_assert_cmpstr(f.last_uri, ==, "tcp://default-data");   /* h2 has none of its own */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-loop/migration-succeeds", test_migration_succeeds);
    g_test_add_func("/controller-loop/failed-start-propagated", test_failed_start_propagated);
    g_test_add_func("/controller-loop/no-host-readable", test_no_host_readable);
    g_test_add_func("/controller-loop/dry-run", test_dry_run);
    g_test_add_func("/controller-loop/levels", test_levels);
    g_test_add_func("/controller-loop/down-host-comes-back", test_down_host_comes_back);
    return g_test_run();
}
