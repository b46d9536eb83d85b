/* test_sim_cluster_scenario.c — cluster scenario files: an error names FILE:LINE and what
 * is wrong; bulk groups expand in order, VMs round robin over their listed hosts; and two
 * things a VM's demand can say: shared-demand (every vCPU follows one draw) and jitter
 * (+-N points on each vCPU, held for a second, centred on the shape). */
#include "sim_cluster_fixtures.h"
#include <math.h>
#include <string.h>

typedef struct {
    const char *text;
    int line;
    const char *words;
} BadCase;

static void test_scenario_errors(void)
{
    static const BadCase cases[] = {
        { TWO_HOSTS "[vm v]\nhost = a\ndemand = constant:10\ncolour = red\n", 19, "colour" },
        { TWO_HOSTS "[vm v]\nhost = nowhere\ndemand = constant:10\n", 17, "nowhere" },
        { TWO_HOSTS "[vm v]\nhost = a\ndemand = wobble:3\n", 18, "demand" },
        { TWO_HOSTS "[vm v]\nhost = a\ndemand = constant:10\n[vm v2]\nhost = a\nmemory = 70000\n"
                    "demand = constant:10\n", 19, "does not fit" },
        { TWO_HOSTS "[vms w]\ncount = 3\nhost = a\ndemand = constant:10\nvf = yes\nnet-demand = constant:5\n",
          16, "VF" },
        { TWO_HOSTS "[vms v]\ncount = 2\nhost = a\ndemand = constant:10\n[vm v1]\nhost = b\n"
                    "demand = constant:10\n", 20, "twice" },
        { "[cluster]\ninterval = 10\ntick = 20\n[host a]\n", 3, "tick" },
        { "[cluster]\ninterval = 10\nagent-interval = 20\n[host a]\n", 3, "agent-interval" },
        { TWO_HOSTS "[frobs]\n", 16, "unknown group" },
        { TWO_HOSTS "[vm v]\nhost = a\n", 16, "demand" },
        { "[cluster]\nduration = 100\n", 1, "no hosts" },
        { TWO_HOSTS "[vm v]\nhost = a\ndemand = constant:10\njitter = 150\n", 19, "jitter" },
        { TWO_HOSTS "[vm v]\nhost = a\ndemand = constant:10\nshared-demand = maybe\n", 19, "shared-demand" },
        /* issue 16: an empty host list divided by zero; a second [host a] or [vm v] was
         * merged into the first; counts and run lengths were unbounded */
        { TWO_HOSTS "[vm v]\nhost =\ndemand = constant:10\n", 17, "host: empty" },
        { TWO_HOSTS "[vms v]\ncount = 2\nhost = \ndemand = constant:10\n", 18, "host: empty" },
        { TWO_HOSTS "[host a]\npcpus = 8\n", 16, "section [host a] again (first at line 6)" },
        { TWO_HOSTS "[vm v]\nhost = a\ndemand = constant:10\n[vm v]\nhost = b\ndemand = constant:1\n", 19,
          "section [vm v] again" },
        { "[cluster]\nduration = 10000000\ninterval = 1\ntick = 1\n[host a]\n", 2, "too long a run" },
        { TWO_HOSTS "[hosts h]\ncount = 20000\n", 17, "count" },
        { TWO_HOSTS "[hosts h]\ncount = 300\npcpus = 4096\n", 18, "too many pCPUs" },
        /* issue 14: per-VM rules */
        { TWO_HOSTS "[vm v]\nhost = a\ndemand = constant:10\nallowed-hosts = a,nowhere\n", 19,
          "no host named \"nowhere\"" },
        { TWO_HOSTS "[vm v]\nhost = a\ndemand = constant:10\ntogether =\n", 19, "together: empty" },
        /* issue 17: the drs baseline's migration threshold is a level 1-5 */
        { "[cluster]\n[controller]\ndrs-level = 6\n[host a]\n", 3, "drs-level" },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaSimScenario) sc = sova_sim_cluster_scenario_load_data("bad.conf", cases[i].text, &err);
        g_assert_null(sc);
        g_assert_nonnull(err);
        g_autofree char *prefix = g_strdup_printf("bad.conf:%d: ", cases[i].line);
        if (!g_str_has_prefix(err->message, prefix) || !strstr(err->message, cases[i].words))
            g_error("case %u: \"%s\" does not start with \"%s\" or lacks \"%s\"", i, err->message, prefix,
                    cases[i].words);
    }
}

/* bulk groups expand in order, round robin over the listed hosts */
static void test_bulk_placement(void)
{
    g_autoptr(SovaSimScenario) sc = load("[cluster]\n[hosts h]\ncount = 12\n"
                                                "[vms w]\ncount = 3\nhost = h02,h11\ndemand = constant:10\n");
    g_assert_cmpuint(sc->hosts->len, ==, 12);
    g_assert_cmpint(sova_sim_scenario_find_host(sc, "h12"), ==, 11);
    const SovaSimVmSpec *w1 = g_ptr_array_index(sc->vms, 0), *w3 = g_ptr_array_index(sc->vms, 2);
    g_assert_cmpstr(w1->name, ==, "w1");
    g_assert_cmpuint(w1->host, ==, 1);
    g_assert_cmpuint(((SovaSimVmSpec *)g_ptr_array_index(sc->vms, 1))->host, ==, 10);
    g_assert_cmpuint(w3->host, ==, 1);
}

/* [controller] drs-level sets the drs baseline's migration threshold (default 3) */
static void test_drs_level(void)
{
    g_autoptr(SovaSimScenario) plain = load("[cluster]\n[host a]\n");
    g_assert_cmpuint(plain->params.drs_level, ==, 3);
    g_autoptr(SovaSimScenario) sc = load("[cluster]\n[controller]\ndrs-level = 5\n[host a]\n");
    g_assert_cmpuint(sc->params.drs_level, ==, 5);
}

/* the vCPU time each of v's vCPUs ran in the next second, in percent of a pCPU (the host
 * has room for all of them: ran = wanted) */
static void one_second(SovaSimCluster *c, SovaBackend *be, double *pct, guint n)
{
    g_autoptr(SovaSnapshot) s0 = sova_backend_sample(be, NULL);
    g_assert_true(sova_backend_wait(be, 1, NULL));
    g_autoptr(SovaSnapshot) s1 = sova_backend_sample(be, NULL);
    (void)c;
    for (guint i = 0; i < n; i++)
        pct[i] = (double)(sova_vm_vcpu(g_ptr_array_index(s1->vms, 0), i)->time_ns -
                          sova_vm_vcpu(g_ptr_array_index(s0->vms, 0), i)->time_ns) / 1e7;
}

/* shared-demand: every vCPU follows one draw of the walk (the VM moves as a whole); without
 * it each vCPU walks on its own */
static void test_shared_demand(void)
{
    for (int shared = 0; shared <= 1; shared++) {
        g_autofree char *text = g_strdup_printf("[cluster]\ntick = 0.5\nseed = 3\n[host a]\npcpus = 8\n"
                                                "[vm v]\nhost = a\nvcpus = 4\ndemand = walk:50:10:0:100\n"
                                                "shared-demand = %s\n", shared ? "yes" : "no");
        g_autoptr(SovaSimScenario) sc = load(text);
        SovaSimCluster *c = sova_sim_cluster_new(sc, 3, FALSE);
        SovaBackend *be = sova_sim_cluster_backend(c, 0);
        guint differ = 0;
        for (int k = 0; k < 20; k++) {
            double pct[4];
            one_second(c, be, pct, 4);
            for (guint i = 1; i < 4; i++)
                differ += fabs(pct[i] - pct[0]) > 1e-6;
        }
        if (shared)
            g_assert_cmpuint(differ, ==, 0);
        else
            g_assert_cmpuint(differ, >, 40);
        sova_sim_cluster_free(c);
    }
}

/* jitter: +-N points on each vCPU, held for a second, within the bounds, centred on the
 * shape; without it a constant stays constant */
static void test_jitter(void)
{
    g_autoptr(SovaSimScenario) sc = load("[cluster]\ntick = 0.25\nseed = 5\n[host a]\npcpus = 8\n"
                                                "[vm v]\nhost = a\nvcpus = 2\ndemand = constant:50\n"
                                                "jitter = 10\n");
    g_assert_cmpfloat(((SovaSimVmSpec *)g_ptr_array_index(sc->vms, 0))->jitter, ==, 10);
    SovaSimCluster *c = sova_sim_cluster_new(sc, 5, FALSE);
    SovaBackend *be = sova_sim_cluster_backend(c, 0);
    double sum = 0, lo = 100, hi = 0;
    guint differ = 0, n = 400;
    for (guint k = 0; k < n; k++) {
        double pct[2];
        one_second(c, be, pct, 2);
        for (guint i = 0; i < 2; i++) {
            sum += pct[i];
            lo = MIN(lo, pct[i]);
            hi = MAX(hi, pct[i]);
        }
        differ += fabs(pct[1] - pct[0]) > 1e-6;
    }
    /* one draw a second: a whole second is one value, in 40..60 */
    g_assert_cmpfloat(lo, >=, 40 - 1e-6);
    g_assert_cmpfloat(hi, <=, 60 + 1e-6);
    g_assert_cmpfloat(hi - lo, >, 15);
    g_assert_cmpuint(differ, >, n / 2);
    g_assert_cmpfloat(fabs(sum / (2 * n) - 50), <, 1.0);
    sova_sim_cluster_free(c);
    g_autoptr(SovaSimScenario) calm = load("[cluster]\ntick = 0.25\n[host a]\npcpus = 8\n"
                                                  "[vm v]\nhost = a\nvcpus = 2\ndemand = constant:50\n");
    c = sova_sim_cluster_new(calm, 5, FALSE);
    be = sova_sim_cluster_backend(c, 0);
    for (int k = 0; k < 10; k++) {
        double pct[2];
        one_second(c, be, pct, 2);
        g_assert_cmpfloat(fabs(pct[0] - 50), <, 1e-6);
        g_assert_cmpfloat(fabs(pct[1] - 50), <, 1e-6);
    }
    sova_sim_cluster_free(c);
}

/* together= and allowed-hosts= reach the VM's snapshot as its metadata would */
static void test_vm_rules(void)
{
    g_autoptr(SovaSimScenario) sc = load(TWO_HOSTS "[vms db]\ncount = 2\nhost = a\ndemand = constant:10\n"
                                         "together = db\nallowed-hosts = a, b\n");
    SovaSimCluster *c = sova_sim_cluster_new(sc, 7, FALSE);
    g_autoptr(SovaSnapshot) s = sova_backend_sample(sova_sim_cluster_backend(c, 0), NULL);
    g_assert_cmpuint(s->vms->len, ==, 2);
    for (guint i = 0; i < 2; i++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        g_assert_cmpstr(vm->together, ==, "db");
        g_assert_cmpuint(g_strv_length(vm->hosts), ==, 2);
        g_assert_cmpstr(vm->hosts[1], ==, "b");
    }
    sova_sim_cluster_free(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim-cluster/scenario-errors", test_scenario_errors);
    g_test_add_func("/sim-cluster/bulk-placement", test_bulk_placement);
    g_test_add_func("/sim-cluster/shared-demand", test_shared_demand);
    g_test_add_func("/sim-cluster/jitter", test_jitter);
    g_test_add_func("/sim-cluster/vm-rules", test_vm_rules);
    g_test_add_func("/sim-cluster/drs-level", test_drs_level);
    return g_test_run();
}
