/* test_controller_drain.c — stopping mid-migration on the simulated cluster (issue 16
 * item 7): the simulator's migrate_abort ends a flight with the VM running on its source,
 * unmarked, with the VF it gave back for the migration; one that is already switching
 * over is not aborted; and the controller's real loop, stopped while a slow migration
 * runs, aborts it once its drain timeout has run out (simulated time).
 * The controller-loop cases on a fake backend (a second stop aborts at once):
 * test_controller_loop_stop.c. */
#include "backend/sim/sim_cluster.h"
#include "backend/sim/sim_scenario.h"
#include "daemon/controller.h"
#include "model/migration_cost.h"
#include "util/error.h"
#include <string.h>

/* one VM of 4 GiB dirtying 20 MiB/s, with a VF, on host a; b is empty */
#define SCENARIO \
    "[cluster]\nduration = 600\ninterval = 10\ntick = 0.1\nseed = 7\n" \
    "[host a]\npcpus = 4\nmemory = 64\nnic-gbps = 10\nvfs = 2\n" \
    "[host b]\npcpus = 4\nmemory = 64\nnic-gbps = 10\nvfs = 2\n" \
    "[vm v]\nhost = a\nvcpus = 1\nmemory = 4096\ndirty-rate = 20\ndemand = constant:50\n" \
    "net-demand = constant:50\nvf = yes\n"

static SovaSimScenario *load(void)
{
    g_autoptr(GError) err = NULL;
    SovaSimScenario *sc = sova_sim_cluster_scenario_load_data("test.conf", SCENARIO, &err);
    g_assert_no_error(err);
    g_assert_nonnull(sc);
    return sc;
}

static int host_of(SovaSimCluster *c)
{
    SovaSimClusterVmTruth t;
    sova_sim_cluster_vm_truth(c, 0, &t);
    return t.host;
}

static gboolean holds_vf(SovaSimCluster *c)
{
    SovaSimClusterVmTruth t;
    sova_sim_cluster_vm_truth(c, 0, &t);
    return t.holds_vf;
}

/* the VM's leaving mark as host h's backend samples it (-1: not there) */
static int leaving_on(SovaSimCluster *c, guint h)
{
    g_autoptr(SovaSnapshot) s = sova_backend_sample(sova_sim_cluster_backend(c, h), NULL);
    g_assert_nonnull(s);
    for (guint i = 0; i < s->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        if (strcmp(vm->uuid, sova_sim_cluster_vm_uuid(c, 0)) == 0)
            return vm->leaving;
    }
    return -1;
}

/* aborted mid-flight: FAILED and aborted at the next poll, the VM on a with its VF, no
 * mark, the move recorded as aborted; then nothing is left to abort */
static void test_sim_abort(void)
{
    g_autoptr(SovaSimScenario) sc = load();
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    const char *uuid = sova_sim_cluster_vm_uuid(c, 0);
    SovaMigrateOptions opts = { .bandwidth_MiBps = 40, .auto_converge = TRUE };
    SovaMigrationCost cost = sova_migration_cost(4096.0 * 1024 * 1024, 20.0 * 1024 * 1024,
                                                 40.0 * 1024 * 1024, 0.3);
    g_assert_cmpfloat(cost.total_s - cost.downtime_s, >, 60);   /* still copying at 30 s */
    g_assert_true(holds_vf(c));
    g_autoptr(GError) err = NULL;
    g_assert_true(a->ops->migrate_start(a, uuid, b, &opts, &err));
    g_assert_false(holds_vf(c));              /* given back as it left */
    sova_sim_cluster_advance(c, 30, NULL);
    g_assert_cmpint(leaving_on(c, 0), ==, 1);
    SovaMigrationStatus st = { 0 };
    g_assert_true(a->ops->migrate_poll(a, uuid, &st));
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_RUNNING);
    g_assert_true(a->ops->migrate_abort(a, uuid, &err));
    g_assert_no_error(err);
    g_assert_true(a->ops->migrate_poll(a, uuid, &st));
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_FAILED);
    g_assert_true(st.aborted);
    g_assert_nonnull(strstr(st.error, "aborted"));
    g_free(st.error);
    g_assert_cmpint(host_of(c), ==, 0);
    g_assert_true(holds_vf(c));
    g_assert_cmpint(leaving_on(c, 0), ==, 0);
    g_assert_cmpint(leaving_on(c, 1), ==, -1);
    g_assert_cmpuint(sova_sim_cluster_n_moves(c), ==, 1);
    g_assert_false(sova_sim_cluster_move(c, 0)->ok);
    g_assert_true(sova_sim_cluster_move(c, 0)->aborted);
    g_assert_false(a->ops->migrate_abort(a, uuid, &err));
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_GONE);
    sova_sim_cluster_advance(c, 60, NULL);   /* and it stays there */
    g_assert_cmpint(host_of(c), ==, 0);
    sova_sim_cluster_free(c);
}

/* in its switch-over (paused) the migration is past aborting: it ends on b as it would */
static void test_sim_abort_too_late(void)
{
    g_autoptr(SovaSimScenario) sc = load();
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    const char *uuid = sova_sim_cluster_vm_uuid(c, 0);
    SovaMigrateOptions opts = { .bandwidth_MiBps = 100, .max_downtime_ms = 3000, .auto_converge = TRUE };
    SovaMigrationCost cost = sova_migration_cost(4096.0 * 1024 * 1024, 20.0 * 1024 * 1024,
                                                 100.0 * 1024 * 1024, 3.0);
    g_assert_cmpfloat(cost.downtime_s, >, 1);
    g_assert_true(a->ops->migrate_start(a, uuid, b, &opts, NULL));
    sova_sim_cluster_advance(c, cost.total_s - cost.downtime_s / 2, NULL);
    SovaSimClusterVmTruth t;
    sova_sim_cluster_vm_truth(c, 0, &t);
    g_assert_true(t.paused);
    g_assert_true(a->ops->migrate_abort(a, uuid, NULL));
    SovaMigrationStatus st = { 0 };
    for (int i = 0; i < 100 && a->ops->migrate_poll(a, uuid, &st) &&
                    st.state == SOVA_MIGRATION_RUNNING; i++)
        sova_sim_cluster_advance(c, 0.1, NULL);
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_DONE);
    g_assert_cmpint(host_of(c), ==, 1);
    sova_sim_cluster_free(c);
}

/* ---- the controller's loop, stopped mid-migration ---- */

/* moves the VM on host 0 to host 1, once */
static SovaPlan *once_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    (void)p;
    gboolean *done = state;
    SovaPlan *plan = sova_plan_new();
    for (guint i = 0; i < c->vms->len && !*done; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        if (v->host != 0 || v->migrating)
            continue;
        sova_plan_add_migrate(plan, v->uuid, v->name, 0, sova_cluster_host(c, 0)->name, 1,
                              sova_cluster_host(c, 1)->name, 0.1, 1, "test");
        *done = TRUE;
    }
    return plan;
}

static gpointer flag_new(void) { return g_new0(gboolean, 1); }
static const SovaClusterPolicy once_policy = { .name = "once", .summary = "test",
                                               .state_new = flag_new, .state_free = g_free,
                                               .plan = once_plan };

typedef struct {
    SovaControllerStop *stop;
    SovaSimCluster *cluster;
    double stopped_at;
} Stopper;

static void stop_after_start(const SovaControllerInterval *iv, gpointer data)
{
    Stopper *s = data;
    if (iv->started && sova_controller_stop_request(s->stop) == 1)
        s->stopped_at = sova_sim_cluster_now(s->cluster);
}

/* stopped while a migration that would take over three minutes runs: after the drain
 * timeout it is aborted, and the VM runs on its source with its VF and no mark */
static void test_controller_stop_aborts(void)
{
    g_autoptr(SovaSimScenario) sc = load();
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaControllerStop stop = { 0 };
    Stopper st = { .stop = &stop, .cluster = c };
    SovaControllerHost hosts[2] = {
        { .name = "a", .backend = sova_sim_cluster_backend(c, 0) },
        { .name = "b", .backend = sova_sim_cluster_backend(c, 1) },
    };
    SovaControllerOptions o = { .quiet = TRUE, .interval = 10, .drain_timeout = 20,
                                .params = SOVA_CLUSTER_PARAMS_DEFAULT, .ewma_alpha = 1,
                                .migrate = { .bandwidth_MiBps = 40, .auto_converge = TRUE },
                                .observer = stop_after_start, .observer_data = &st };
    g_autoptr(SovaController) ctl = sova_controller_new(hosts, 2, &once_policy, &o);
    g_assert_cmpint(sova_controller_run(ctl, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpfloat(st.stopped_at, >, 0);
    double drained = sova_sim_cluster_now(c) - st.stopped_at;
    g_assert_cmpfloat(drained, >=, 20);        /* it waited its drain timeout ... */
    g_assert_cmpfloat(drained, <, 60);         /* ... not the migration's three minutes */
    g_assert_cmpuint(sova_controller_migrations(ctl), ==, 0);
    g_assert_cmpuint(sova_controller_migration_failures(ctl), ==, 1);
    g_assert_cmpuint(sova_sim_cluster_n_moves(c), ==, 1);
    g_assert_true(sova_sim_cluster_move(c, 0)->aborted);
    g_assert_cmpint(host_of(c), ==, 0);
    g_assert_true(holds_vf(c));
    g_assert_cmpint(leaving_on(c, 0), ==, 0);
    g_clear_pointer(&ctl, sova_controller_free);
    sova_sim_cluster_free(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-drain/sim-abort", test_sim_abort);
    g_test_add_func("/controller-drain/sim-abort-too-late", test_sim_abort_too_late);
    g_test_add_func("/controller-drain/controller-stop-aborts", test_controller_stop_aborts);
    return g_test_run();
}
