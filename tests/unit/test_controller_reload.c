/* test_controller_reload.c — a reload of the running controller
 * (sova_controller_reconfigure, daemon/controller_reload.c) over the fake cluster: a host
 * enters and leaves maintenance at the next interval, a new data URI is used by the next
 * migration, a new policy plans from the next interval, and what the caller set up at the
 * start (observer, quiet, dry run) stays. */
#include "controller_loop_fixtures.h"

/* h0 and h1 with these flags and h1's data URI, and options like the fixtures' */
static void reconfigure(SovaController *c, const SovaClusterPolicy *policy, gboolean h1_maint,
                        const char *h1_uri)
{
    SovaControllerHost hosts[2] = {
        { .name = "h0", .migrate_uri = "tcp://h0-data" },
        { .name = "h1", .maintenance = h1_maint, .migrate_uri = h1_uri },
    };
    /* no observer, not quiet: those stay the running ones */
    SovaControllerOptions o = { .interval = 1, .params = SOVA_CLUSTER_PARAMS_DEFAULT,
                                .ewma_alpha = 1, .migrate.migrate_uri = "tcp://default-data" };
    sova_controller_reconfigure(c, hosts, 2, policy, &o);
}

static void test_maintenance_by_reload(void)
{
    Fake f;
    fake_init(&f, 2, 2, 1);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    step(c, &f);
    step(c, &f);
    g_assert_false(sova_cluster_host(sova_controller_cluster(c), 1)->maintenance);
    reconfigure(c, &stub, TRUE, "tcp://h1-data");
    step(c, &f);
    g_assert_true(sova_cluster_host(sova_controller_cluster(c), 1)->maintenance);
    g_assert_false(sova_cluster_host(sova_controller_cluster(c), 0)->maintenance);
    g_assert_cmpuint(seen.intervals, ==, 2);   /* the observer stays */
    reconfigure(c, &stub, FALSE, "tcp://h1-data");
    step(c, &f);
    g_assert_false(sova_cluster_host(sova_controller_cluster(c), 1)->maintenance);
}

static void test_migrate_uri_by_reload(void)
{
    Fake f;
    fake_init(&f, 2, 3, 3);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    reconfigure(c, &stub, FALSE, "tcp://h1-new");
    step(c, &f);
    step(c, &f);                                  /* plans and starts one into h1 */
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpstr(f.last_uri, ==, "tcp://h1-new");
}

static void test_policy_by_reload(void)
{
    Fake f;
    fake_init(&f, 2, 3, 3);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    step(c, &f);
    step(c, &f);
    g_assert_cmpuint(seen.unconfirmed, ==, 0);    /* the stub confirms every plan */
    reconfigure(c, &doubting, FALSE, "tcp://h1-data");
    step(c, &f);
    g_assert_cmpuint(seen.unconfirmed, ==, 1);    /* planned by the new policy */
    reconfigure(c, &stub, FALSE, "tcp://h1-data");
    step(c, &f);
    g_assert_cmpuint(seen.unconfirmed, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-reload/maintenance", test_maintenance_by_reload);
    g_test_add_func("/controller-reload/migrate-uri", test_migrate_uri_by_reload);
    g_test_add_func("/controller-reload/policy", test_policy_by_reload);
    return g_test_run();
}
