/* test_controller_sample.c — the controller samples hosts in parallel, each within its own
 * timeout (daemon/controller_sample.h): a host whose sample hangs is reported not sampled
 * while the others are, is not asked again (nor waited for) while that sample runs, and is
 * sampled again once it returns; sampling with many threads gives the controller the same
 * cluster, interval after interval, as sampling one host after the other. */
#include "daemon/controller.h"
#include "daemon/controller_sample.h"
#include "backend/sim/sim_cluster.h"
#include "policy/cluster_policy.h"
#include "sim_cluster_fixtures.h"

/* ---- a backend whose sample blocks while its gate is closed ---- */

typedef struct {
    SovaBackend base;
    GMutex *lock;
    GCond *cond;
    gboolean *gate_open;      /* shared by the hosts; only `gated` ones wait on it */
    gboolean gated;
    gint samples;             /* atomic: samples started */
} GateHost;

static SovaSnapshot *gate_sample(SovaBackend *be, GError **error)
{
    (void)error;
    GateHost *h = (GateHost *)be;
    g_atomic_int_inc(&h->samples);
    g_mutex_lock(h->lock);
    while (h->gated && !*h->gate_open)
        g_cond_wait(h->cond, h->lock);
    g_mutex_unlock(h->lock);
    return sova_snapshot_new(1);
}

static const SovaBackendOps gate_ops = { .name = "gate", .sample = gate_sample };

static void test_hung_host_not_sampled(void)
{
    GMutex lock;
    GCond cond;
    gboolean open = FALSE;
    g_mutex_init(&lock);
    g_cond_init(&cond);
    GateHost hosts[4];
    SovaBackend *bes[4];
    for (guint i = 0; i < 4; i++) {
        hosts[i] = (GateHost){ .base.ops = &gate_ops, .lock = &lock, .cond = &cond,
                               .gate_open = &open, .gated = i == 2 };
        bes[i] = &hosts[i].base;
    }
    SovaSampler *s = sova_sampler_new(bes, 4, 4, 0.05);
    SovaSnapshot *snaps[4];
    SovaSampleOutcome out[4];
    GError *errs[4] = { 0 };

    /* host 2 hangs: not sampled, the other three are */
    sova_sampler_run(s, snaps, out, errs);
    for (guint i = 0; i < 4; i++) {
        g_assert_cmpint(out[i], ==, i == 2 ? SOVA_SAMPLE_LATE : SOVA_SAMPLE_OK);
        g_assert_true((snaps[i] != NULL) == (i != 2));
        g_assert_null(errs[i]);
        sova_snapshot_free(snaps[i]);
    }
    g_assert_true(sova_sampler_busy(s, 2));
    g_assert_false(sova_sampler_busy(s, 0));

    /* still hung: the next interval neither asks it again nor waits for it (the gate is
     * closed for good until below, so returning at all proves it was not waited for) */
    sova_sampler_run(s, snaps, out, errs);
    for (guint i = 0; i < 4; i++) {
        g_assert_cmpint(out[i], ==, i == 2 ? SOVA_SAMPLE_STILL_LATE : SOVA_SAMPLE_OK);
        sova_snapshot_free(snaps[i]);
    }
    g_assert_cmpint(g_atomic_int_get(&hosts[2].samples), ==, 1);
    g_assert_cmpint(g_atomic_int_get(&hosts[0].samples), ==, 2);

    /* it answers: its late sample is dropped, and the next interval samples it afresh */
    g_mutex_lock(&lock);
    open = TRUE;
    g_cond_broadcast(&cond);
    g_mutex_unlock(&lock);
    while (sova_sampler_busy(s, 2))
        g_usleep(1000);
    sova_sampler_run(s, snaps, out, errs);
    for (guint i = 0; i < 4; i++) {
        g_assert_cmpint(out[i], ==, SOVA_SAMPLE_OK);
        sova_snapshot_free(snaps[i]);
    }
    g_assert_cmpint(g_atomic_int_get(&hosts[2].samples), ==, 2);
    sova_sampler_free(s);
    g_mutex_clear(&lock);
    g_cond_clear(&cond);
}

/* more hung hosts than threads: the others are still sampled (a late host's worker does
 * not count against the bound) */
static void test_hung_hosts_do_not_starve_the_pool(void)
{
    GMutex lock;
    GCond cond;
    gboolean open = FALSE;
    g_mutex_init(&lock);
    g_cond_init(&cond);
    GateHost hosts[6];
    SovaBackend *bes[6];
    for (guint i = 0; i < 6; i++) {
        hosts[i] = (GateHost){ .base.ops = &gate_ops, .lock = &lock, .cond = &cond,
                               .gate_open = &open, .gated = i < 3 };
        bes[i] = &hosts[i].base;
    }
    SovaSampler *s = sova_sampler_new(bes, 6, 2, 0.05);
    SovaSnapshot *snaps[6];
    SovaSampleOutcome out[6];
    sova_sampler_run(s, snaps, out, NULL);
    for (guint i = 0; i < 6; i++) {
        g_assert_cmpint(out[i], ==, i < 3 ? SOVA_SAMPLE_LATE : SOVA_SAMPLE_OK);
        sova_snapshot_free(snaps[i]);
    }
    g_mutex_lock(&lock);
    open = TRUE;
    g_cond_broadcast(&cond);
    g_mutex_unlock(&lock);
    sova_sampler_free(s);   /* waits for the late ones */
    g_mutex_clear(&lock);
    g_cond_clear(&cond);
}

/* ---- the controller over the simulator ---- */

#define HOT_SPOT \
    "[cluster]\nduration = 600\ninterval = 10\ntick = 0.5\nseed = 3\n" \
    "[hosts h]\ncount = 6\npcpus = 8\nmemory = 64\n" \
    "[vms base]\ncount = 12\nhost = *\nvcpus = 2\nmemory = 2048\ndemand = walk:40:5:20:60\n" \
    "[vms hot]\ncount = 4\nhost = h1\nvcpus = 4\nmemory = 4096\ndemand = constant:90\n"

static SovaController *sim_controller(SovaSimCluster *sim, SovaControllerHost *hosts,
                                      guint threads, double timeout)
{
    guint n = sova_sim_cluster_n_hosts(sim);
    for (guint i = 0; i < n; i++)
        hosts[i] = (SovaControllerHost){ .name = g_strdup_printf("h%u", i + 1),
                                         .backend = sova_sim_cluster_backend(sim, i) };
    SovaControllerOptions o = { .quiet = TRUE, .interval = 10,
                                .params = SOVA_CLUSTER_PARAMS_DEFAULT,
                                .weights = { 1, 1, 1 }, .sample_threads = threads,
                                .sample_timeout = timeout };
    SovaController *c = sova_controller_new(hosts, n, sova_cluster_policy_find("sova"), &o);
    for (guint i = 0; i < n; i++)
        g_free((char *)hosts[i].name);
    return c;
}

static char *cluster_json(const SovaController *c)
{
    const SovaCluster *cl = sova_controller_cluster(c);
    if (!cl)
        return g_strdup("null");
    g_autoptr(JsonNode) n = sova_cluster_to_json(cl);
    return json_to_string(n, FALSE);
}

static void test_parallel_same_as_serial(void)
{
    g_autoptr(SovaSimScenario) sc = load(HOT_SPOT);
    SovaSimCluster *a = sova_sim_cluster_new(sc, 3, FALSE);
    SovaSimCluster *b = sova_sim_cluster_new(sc, 3, FALSE);
    SovaControllerHost ha[6], hb[6];
    SovaController *serial = sim_controller(a, ha, 1, 0);
    SovaController *parallel = sim_controller(b, hb, 6, 0);
    guint64 moves = 0;
    for (guint k = 0; k < 30; k++) {
        g_autoptr(GError) e1 = NULL, e2 = NULL;
        g_assert_true(sova_controller_step(serial, &e1));
        g_assert_true(sova_controller_step(parallel, &e2));
        g_autofree char *ja = cluster_json(serial), *jb = cluster_json(parallel);
        g_assert_cmpstr(ja, ==, jb);
        sova_sim_cluster_advance(a, 10, NULL);
        sova_sim_cluster_advance(b, 10, NULL);
    }
    moves = sova_sim_cluster_n_moves(a);
    g_assert_cmpuint(moves, >, 0);   /* the run did something to compare */
    g_assert_cmpuint(sova_sim_cluster_n_moves(b), ==, moves);
    sova_controller_free(serial);
    sova_controller_free(parallel);
    sova_sim_cluster_free(a);
    sova_sim_cluster_free(b);
}

/* h2 answers its samples only after 2 s: with a 0.1 s timeout the controller's cluster has
 * it down while every other host is up, interval after interval */
static void test_slow_sim_host_not_sampled(void)
{
    g_autoptr(SovaSimScenario) sc = load(
        "[cluster]\nduration = 600\ninterval = 10\ntick = 0.5\nseed = 3\n"
        "[host h1]\npcpus = 4\n[host h2]\npcpus = 4\nsample-latency = 2000\n[host h3]\npcpus = 4\n"
        "[vms v]\ncount = 3\nhost = *\ndemand = constant:50\n");
    SovaSimCluster *sim = sova_sim_cluster_new(sc, 3, FALSE);
    SovaControllerHost hosts[3];
    SovaController *c = sim_controller(sim, hosts, 3, 0.1);
    for (guint k = 0; k < 3; k++) {
        g_autoptr(GError) err = NULL;
        g_assert_true(sova_controller_step(c, &err));
        sova_sim_cluster_advance(sim, 10, NULL);
    }
    const SovaCluster *cl = sova_controller_cluster(c);
    g_assert_nonnull(cl);
    g_assert_true(sova_cluster_host(cl, 0)->up);
    g_assert_false(sova_cluster_host(cl, 1)->up);
    g_assert_true(sova_cluster_host(cl, 2)->up);
    g_assert_cmpuint(cl->vms->len, ==, 2);   /* h2's VM is not seen */
    sova_controller_free(c);
    sova_sim_cluster_free(sim);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-sample/hung-host-not-sampled", test_hung_host_not_sampled);
    g_test_add_func("/controller-sample/hung-hosts-do-not-starve", test_hung_hosts_do_not_starve_the_pool);
    g_test_add_func("/controller-sample/parallel-same-as-serial", test_parallel_same_as_serial);
    g_test_add_func("/controller-sample/slow-sim-host", test_slow_sim_host_not_sampled);
    return g_test_run();
}
