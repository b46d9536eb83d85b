/* test_sim_cluster.c — the cluster simulator's hosts and migrations: one clock for every
 * host, migrations that take the time the pre-copy model gives (and longer when two share
 * a host's link), a migrated VM that arrives as a new domain, a VM that delivers nothing
 * during its downtime, a migration to a host that is down (or goes down) fails and the VM
 * stays, a timeout aborts, down-at/up-at, and a destination without the memory refuses.
 * Expected durations come from model/migration_cost.h, never hard-coded. The run harness:
 * test_sim_cluster_run.c; scenario files: test_sim_cluster_scenario.c. */
#include "sim_cluster_fixtures.h"
#include "model/migration_cost.h"
#include "util/error.h"
#include <math.h>
#include <string.h>

/* waiting on host b's backend moves host a's clock and counters too */
static void test_shared_clock(void)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vm v]\nhost = a\nvcpus = 2\ndemand = constant:50\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    g_autoptr(SovaSnapshot) s0 = sova_backend_sample(a, NULL);
    g_assert_true(sova_backend_wait(b, 5, NULL));
    g_autoptr(SovaSnapshot) s1 = sova_backend_sample(a, NULL);
    g_autoptr(SovaSnapshot) sb = sova_backend_sample(b, NULL);
    g_assert_cmpint(s1->time_us - s0->time_us, ==, 5000000);
    g_assert_cmpint(sb->time_us, ==, s1->time_us);
    g_assert_cmpfloat(sova_sim_cluster_now(c), ==, 5.0);
    const SovaPcpuSample *p0 = sova_snapshot_pcpu(s0, 0), *p1 = sova_snapshot_pcpu(s1, 0);
    g_assert_cmpuint((p1->busy_ns + p1->idle_ns) - (p0->busy_ns + p0->idle_ns), ==, 5000000000u);
    /* the VM (on a) ran meanwhile: its vCPU time grew */
    g_assert_cmpuint(sova_vm_vcpu(g_ptr_array_index(s1->vms, 0), 0)->time_ns, >,
                     sova_vm_vcpu(g_ptr_array_index(s0->vms, 0), 0)->time_ns);
    g_assert_cmpuint(sb->vms->len, ==, 0);
    sova_sim_cluster_free(c);
}

static gboolean poll(SovaBackend *be, const char *uuid, SovaMigrationStatus *st)
{
    memset(st, 0, sizeof *st);
    return be->ops->migrate_poll(be, uuid, st);
}

/* a migration lasts what the pre-copy model says, then the VM runs on the destination */
static void test_migration_time(void)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vm v]\nhost = a\nvcpus = 2\nmemory = 4096\n"
                                                "dirty-rate = 40\ndemand = constant:50\n"
                                                "net-demand = constant:50\nvf = yes\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    const char *uuid = sova_sim_cluster_vm_uuid(c, 0);
    SovaMigrateOptions opts = { .bandwidth_MiBps = 200, .auto_converge = TRUE };
    SovaMigrationCost cost = sova_migration_cost(4096.0 * 1024 * 1024, 40.0 * 1024 * 1024,
                                                 200.0 * 1024 * 1024, 0.3);
    g_assert_true(cost.converges);
    g_assert_cmpuint(sova_sim_cluster_host_vfs_in_use(c, 0), ==, 1);
    g_autoptr(GError) err = NULL;
    g_assert_true(a->ops->migrate_start(a, uuid, b, &opts, &err));
    g_assert_no_error(err);
    /* its VF was given back as it left */
    g_assert_cmpuint(sova_sim_cluster_host_vfs_in_use(c, 0), ==, 0);
    SovaMigrationStatus st;
    double last_running = -1, dest_busy = 0;
    g_assert_cmpfloat(sova_sim_cluster_host_busy_s(c, 1), ==, 0);
    while (sova_sim_cluster_now(c) < cost.total_s + 5) {
        g_assert_true(poll(a, uuid, &st));
        if (st.state != SOVA_MIGRATION_RUNNING)
            break;
        last_running = sova_sim_cluster_now(c);
        dest_busy = sova_sim_cluster_host_busy_s(c, 1);
        g_assert_cmpint(host_of(c, 0), ==, 0);
        sova_sim_cluster_advance(c, 0.1, NULL);
    }
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_DONE);
    /* while it ran, the empty destination worked for it: migration-cpu pCPUs */
    g_assert_cmpfloat(fabs(dest_busy - sc->migration_cpu * last_running), <, 1e-6);
    /* it ended within one tick of the modelled time */
    g_assert_cmpfloat(last_running, <, cost.total_s);
    g_assert_cmpfloat(sova_sim_cluster_now(c), >=, cost.total_s - 1e-6);
    g_assert_cmpfloat(sova_sim_cluster_now(c), <=, cost.total_s + 0.1 + 1e-6);
    g_assert_cmpfloat(fabs(st.downtime_s - cost.downtime_s), <, 1e-9);
    g_assert_cmpint(host_of(c, 0), ==, 1);
    /* reported once, then forgotten */
    g_assert_false(poll(a, uuid, &st));
    /* it runs on b now: b samples it with fresh counters, a no longer does */
    g_autoptr(SovaSnapshot) sa = sova_backend_sample(a, NULL);
    g_autoptr(SovaSnapshot) sb = sova_backend_sample(b, NULL);
    g_assert_cmpuint(sa->vms->len, ==, 0);
    g_assert_cmpuint(sb->vms->len, ==, 1);
    double before = ran(c, 0);
    sova_sim_cluster_advance(c, 2, NULL);
    g_assert_cmpfloat(ran(c, 0), >, before);
    g_assert_cmpuint(sova_sim_cluster_n_moves(c), ==, 1);
    g_assert_true(sova_sim_cluster_move(c, 0)->ok);
    sova_sim_cluster_free(c);
}

static const SovaNicSample *standby_of(const SovaSnapshot *s)
{
    const SovaVmSample *vm = g_ptr_array_index(s->vms, 0);
    for (guint i = 0; i < vm->nics->len; i++)
        if (g_array_index(vm->nics, SovaNicSample, i).role == SOVA_NIC_STANDBY)
            return &g_array_index(vm->nics, SovaNicSample, i);
    g_assert_not_reached();
}

/* a migrated VM arrives as a new domain: vCPU and standby counters from zero (a new tap),
 * unpinned on every pCPU of its new host; it cannot get a VF while it migrates */
static void test_arrival(void)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vm v]\nhost = a\nvcpus = 2\nmemory = 1024\n"
                                                "demand = constant:50\nnet-demand = constant:50\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    const char *uuid = sova_sim_cluster_vm_uuid(c, 0);
    sova_sim_cluster_advance(c, 60, NULL);
    g_autoptr(SovaSnapshot) before = sova_backend_sample(a, NULL);
    const SovaNicSample *nic0 = standby_of(before);
    g_assert_cmpuint(nic0->rx_packets, >, 0);
    SovaMigrateOptions opts = { .bandwidth_MiBps = 1000, .auto_converge = TRUE };
    g_assert_true(a->ops->migrate_start(a, uuid, b, &opts, NULL));
    g_autoptr(SovaPlan) plan = sova_plan_new();
    sova_plan_add_vf(plan, SOVA_ACTION_ATTACH_VF, uuid, "v", "test");
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_backend_execute(a, sova_plan_action(plan, 0), &err));
    g_assert_nonnull(strstr(err->message, "migrating"));
    SovaMigrationStatus st;
    while (poll(a, uuid, &st) && st.state == SOVA_MIGRATION_RUNNING)
        sova_sim_cluster_advance(c, 1, NULL);
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_DONE);
    g_autoptr(SovaSnapshot) after = sova_backend_sample(b, NULL);
    const SovaVmSample *vm = g_ptr_array_index(after->vms, 0);
    const SovaNicSample *nic1 = standby_of(after);
    g_assert_cmpuint(nic1->rx_packets, <, nic0->rx_packets);
    g_assert_cmpuint(sova_vm_vcpu(vm, 0)->time_ns, <, sova_vm_vcpu(g_ptr_array_index(before->vms, 0), 0)->time_ns);
    g_assert_cmpuint(sova_cpuset_count(sova_vm_vcpu(vm, 0)->affinity), ==, 4);
    g_assert_cmpfloat(ran(c, 0), >, 60 * 2 * 0.5 - 1e-6);   /* the truth goes on */
    sova_sim_cluster_free(c);
}

/* during the switch-over the VM wants CPU and gets none; before it, it runs on the source */
static void test_downtime_delivers_nothing(void)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vm v]\nhost = a\nvcpus = 1\nmemory = 2048\n"
                                                "dirty-rate = 60\ndemand = constant:80\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    const char *uuid = sova_sim_cluster_vm_uuid(c, 0);
    /* a slow link and a generous downtime limit: a long switch-over */
    SovaMigrateOptions opts = { .bandwidth_MiBps = 100, .max_downtime_ms = 3000, .auto_converge = TRUE };
    SovaMigrationCost cost = sova_migration_cost(2048.0 * 1024 * 1024, 60.0 * 1024 * 1024,
                                                 100.0 * 1024 * 1024, 3.0);
    g_assert_cmpfloat(cost.downtime_s, >, 1.0);
    g_assert_true(a->ops->migrate_start(a, uuid, b, &opts, NULL));
    /* pre-copy: it still runs */
    double r0 = ran(c, 0);
    sova_sim_cluster_advance(c, 1, NULL);
    g_assert_cmpfloat(ran(c, 0), >, r0);
    /* move into the downtime, then measure a window inside it */
    double pause_at = cost.total_s - cost.downtime_s;
    sova_sim_cluster_advance(c, ceil((pause_at - sova_sim_cluster_now(c)) * 10) / 10 + 0.1, NULL);
    double window = floor((cost.total_s - sova_sim_cluster_now(c)) * 10) / 10 - 0.1;
    g_assert_cmpfloat(window, >, 0.5);
    g_autoptr(SovaSnapshot) s = sova_backend_sample(a, NULL);
    g_assert_cmpint(((SovaVmSample *)g_ptr_array_index(s->vms, 0))->state, ==, SOVA_VM_PAUSED);
    double r1 = ran(c, 0), w1 = wanted(c, 0);
    sova_sim_cluster_advance(c, window, NULL);
    g_assert_cmpfloat(ran(c, 0), ==, r1);
    g_assert_cmpfloat(wanted(c, 0), >, w1);
    SovaSimClusterVmTruth t;
    sova_sim_cluster_vm_truth(c, 0, &t);
    g_assert_true(t.paused);
    g_assert_cmpfloat(t.paused_s, >=, window - 1e-6);
    /* after the switch-over it runs again, on b */
    sova_sim_cluster_advance(c, 2, NULL);
    g_assert_cmpint(host_of(c, 0), ==, 1);
    double r2 = ran(c, 0);
    sova_sim_cluster_advance(c, 1, NULL);
    g_assert_cmpfloat(ran(c, 0), >, r2);
    sova_sim_cluster_free(c);
}

/* a destination that is down: the migration does not start, or fails when the host goes
 * down meanwhile; either way the VM stays and keeps running on its source */
static void test_down_destination(void)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vm v]\nhost = a\nvcpus = 1\nmemory = 4096\n"
                                                "demand = constant:50\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    const char *uuid = sova_sim_cluster_vm_uuid(c, 0);
    SovaMigrateOptions opts = { .bandwidth_MiBps = 100, .auto_converge = TRUE };

    sova_sim_cluster_set_host_up(c, 1, FALSE);
    g_autoptr(GError) err = NULL;
    g_assert_null(sova_backend_sample(b, &err));
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_CONNECT);
    g_clear_error(&err);
    g_assert_false(a->ops->migrate_start(a, uuid, b, &opts, &err));
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_CONNECT);
    g_clear_error(&err);
    SovaMigrationStatus st;
    g_assert_false(poll(a, uuid, &st));

    /* up again: it starts; down in the middle: it fails */
    sova_sim_cluster_set_host_up(c, 1, TRUE);
    g_assert_true(a->ops->migrate_start(a, uuid, b, &opts, &err));
    g_assert_no_error(err);
    sova_sim_cluster_advance(c, 1, NULL);
    g_assert_true(poll(a, uuid, &st));
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_RUNNING);
    sova_sim_cluster_set_host_up(c, 1, FALSE);
    g_assert_true(poll(a, uuid, &st));
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_FAILED);
    g_assert_nonnull(st.error);
    g_free(st.error);
    g_assert_cmpint(host_of(c, 0), ==, 0);
    double r = ran(c, 0);
    sova_sim_cluster_advance(c, 60, NULL);
    g_assert_cmpint(host_of(c, 0), ==, 0);
    g_assert_cmpfloat(ran(c, 0), >, r);
    g_assert_false(sova_sim_cluster_move(c, 0)->ok);
    sova_sim_cluster_free(c);
}

/* a timeout shorter than the migration aborts it; the VM stays */
static void test_timeout_aborts(void)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vm v]\nhost = a\nmemory = 8192\ndemand = constant:50\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    const char *uuid = sova_sim_cluster_vm_uuid(c, 0);
    SovaMigrateOptions opts = { .bandwidth_MiBps = 100, .timeout_s = 5, .auto_converge = TRUE };
    g_assert_true(a->ops->migrate_start(a, uuid, b, &opts, NULL));
    sova_sim_cluster_advance(c, 6, NULL);
    SovaMigrationStatus st;
    g_assert_true(poll(a, uuid, &st));
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_FAILED);
    g_assert_true(st.aborted);
    g_free(st.error);
    g_assert_cmpint(host_of(c, 0), ==, 0);
    sova_sim_cluster_free(c);
}

/* two migrations through one host share its link: the second takes longer than one alone */
static double migration_duration(guint n)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vms v]\ncount = 2\nhost = a\nmemory = 2048\n"
                                                "demand = constant:10\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    SovaMigrateOptions opts = { .auto_converge = TRUE };
    for (guint v = 0; v < n; v++)
        g_assert_true(a->ops->migrate_start(a, sova_sim_cluster_vm_uuid(c, v), b, &opts, NULL));
    while (sova_sim_cluster_n_moves(c) < n)
        sova_sim_cluster_advance(c, 0.1, NULL);
    double d = 0;   /* the longest: the one started while the other ran */
    for (guint i = 0; i < n; i++)
        d = MAX(d, sova_sim_cluster_move(c, i)->end - sova_sim_cluster_move(c, i)->start);
    sova_sim_cluster_free(c);
    return d;
}

static void test_shared_link(void)
{
    double alone = migration_duration(1), together = migration_duration(2);
    g_assert_cmpfloat(together, >, alone * 1.5);
}

/* a host with down-at/up-at cannot be read in between; a destination without the memory
 * for the VM refuses it */
static void test_down_at_and_memory(void)
{
    g_autoptr(SovaSimScenario) sc = load("[cluster]\ntick = 0.5\ninterval = 1\n"
                                                "[host a]\nmemory = 8\n[host b]\nmemory = 8\ndown-at = 5\nup-at = 10\n"
                                                "[vm big]\nhost = a\nmemory = 6144\ndemand = constant:10\n"
                                                "[vm other]\nhost = b\nmemory = 4096\ndemand = constant:10\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 1, FALSE);
    SovaBackend *a = sova_sim_cluster_backend(c, 0), *b = sova_sim_cluster_backend(c, 1);
    SovaMigrateOptions opts = { .auto_converge = TRUE };
    g_autoptr(GError) err = NULL;
    g_assert_false(a->ops->migrate_start(a, sova_sim_cluster_vm_uuid(c, 0), b, &opts, &err));
    g_assert_nonnull(strstr(err->message, "memory"));
    g_clear_error(&err);
    g_autoptr(SovaSnapshot) s0 = sova_backend_sample(b, &err);
    g_assert_nonnull(s0);
    sova_sim_cluster_advance(c, 6, NULL);
    g_assert_false(sova_sim_cluster_host_up(c, 1));
    g_assert_null(sova_backend_sample(b, &err));
    g_clear_error(&err);
    /* its VM is stopped meanwhile: it wants, and gets nothing */
    double r = ran(c, 1), w = wanted(c, 1);
    sova_sim_cluster_advance(c, 2, NULL);
    g_assert_cmpfloat(ran(c, 1), ==, r);
    g_assert_cmpfloat(wanted(c, 1), >, w);
    sova_sim_cluster_advance(c, 3, NULL);
    g_autoptr(SovaSnapshot) s1 = sova_backend_sample(b, &err);
    g_assert_no_error(err);
    g_assert_nonnull(s1);
    sova_sim_cluster_free(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim-cluster/shared-clock", test_shared_clock);
    g_test_add_func("/sim-cluster/migration-time", test_migration_time);
    g_test_add_func("/sim-cluster/arrival", test_arrival);
    g_test_add_func("/sim-cluster/downtime", test_downtime_delivers_nothing);
    g_test_add_func("/sim-cluster/down-destination", test_down_destination);
    g_test_add_func("/sim-cluster/timeout", test_timeout_aborts);
    g_test_add_func("/sim-cluster/shared-link", test_shared_link);
    g_test_add_func("/sim-cluster/down-at-and-memory", test_down_at_and_memory);
    return g_test_run();
}
