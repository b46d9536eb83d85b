/* test_no_fighting.c — the host level and the cluster level never work against each other
 * on one VM (issue 15):
 *  - while the controller migrates a VM (its `leaving` mark), no cpu policy pins it (the net
 *    plane's side of the rule: test_agent_net.c, test_net_policy.c);
 *  - when it has arrived and its mark is gone, the destination's agent places it once;
 *  - no cluster policy moves a VM whose VF detach (its agent's) is still pending. */
#include <string.h>
#include "daemon/agent.h"
#include "cpu_test_util.h"
#include "cluster_fixtures.h"

/* ---------- cpu policies: a leaving VM is not pinned ---------- */

/* three busy 1-vCPU VMs crowded on pCPU 0 of a 3-pCPU host: every policy spreads them,
 * but never moves the one that is leaving */
static void test_cpu_leaving_not_pinned(void)
{
    const char *names[] = {"balance", "zigzag", "lpt"};
    for (guint k = 0; k < G_N_ELEMENTS(names); k++) {
        const SovaCpuPolicy *pol = sova_cpu_policy_find(names[k]);
        for (int leaving = 0; leaving <= 1; leaving++) {
            g_autoptr(SovaModel) m = cpu_test_host(3);
            cpu_test_add_vm(m, "a", 1, 90, 0);
            guint b = cpu_test_add_vm(m, "b", 1, 90, 0);
            cpu_test_add_vm(m, "c", 1, 90, 0);
            sova_model_vm(m, b)->leaving = leaving;
            cpu_test_settle(m);
            SovaCpuPolicyParams params = SOVA_CPU_PARAMS_DEFAULT;
            gpointer st = sova_policy_state_new(&pol->head);
            g_autoptr(SovaPlan) plan = sova_cpu_plan(pol, m, &params, st);
            sova_policy_state_free(&pol->head, st);
            g_assert_cmpuint(sova_plan_len(plan), >, 0);   /* the others are spread */
            guint for_b = 0;
            for (guint i = 0; i < sova_plan_len(plan); i++)
                for_b += strcmp(sova_plan_action(plan, i)->vm_name, "b") == 0;
            if (leaving)
                g_assert_cmpuint(for_b, ==, 0);
        }
    }
}

/* ---------- the agent: a VM that arrives is placed once ---------- */

#define S(x) ((guint64)((x) * 1e9))
#define ARRIVE 3              /* interval at which b shows up, still marked leaving */
#define MARK_GONE 6           /* interval at which the controller removed its mark */

typedef struct {
    SovaBackend base;
    double t;
    guint step;
    int pin[2];               /* a, b: the pCPU each vCPU is pinned to */
    double time[2], delay[2]; /* seconds, cumulative since the VM started here */
    double busy[2];           /* per pCPU */
    guint pins[2];            /* pin actions executed per VM */
    guint pins_while_leaving;
} Host;

static const char *const UUID[2] = {"00000000-0000-0000-0000-00000000000a",
                                    "00000000-0000-0000-0000-00000000000b"};

static gboolean present(const Host *h, guint v) { return v == 0 || h->step >= ARRIVE; }
static gboolean marked(const Host *h, guint v) { return v == 1 && h->step < MARK_GONE; }

static SovaSnapshot *host_sample(SovaBackend *be, GError **error)
{
    (void)error;
    Host *h = (Host *)be;
    SovaSnapshot *s = sova_snapshot_new(2);
    s->time_us = (gint64)(h->t * 1e6);
    for (guint p = 0; p < 2; p++) {
        sova_snapshot_pcpu(s, p)->busy_ns = S(h->busy[p]);
        sova_snapshot_pcpu(s, p)->idle_ns = S(h->t - h->busy[p]);
    }
    for (guint v = 0; v < 2; v++) {
        if (!present(h, v))
            continue;
        SovaVmSample *vm = sova_snapshot_add_vm(s, UUID[v], v ? "b" : "a", 1);
        vm->leaving = marked(h, v);
        SovaVcpuSample *vc = sova_vm_vcpu(vm, 0);
        vm->cpu_time_ns = vc->time_ns = S(h->time[v]);
        vc->delay_ns = S(h->delay[v]);
        vc->has_delay = TRUE;
        vc->pcpu = h->pin[v];
        vc->affinity = sova_cpuset_new(2);
        sova_cpuset_add(vc->affinity, h->pin[v]);
    }
    return s;
}

static gboolean host_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    (void)error;
    Host *h = (Host *)be;
    guint v = strcmp(a->uuid, UUID[1]) == 0;
    g_assert_true(a->kind == SOVA_ACTION_PIN);
    h->pins[v]++;
    h->pins_while_leaving += marked(h, v);
    h->pin[v] = a->to_set ? sova_cpuset_first(a->to_set) : a->to_pcpu;
    return TRUE;
}

/* each VM wants 0.9 of a pCPU; VMs pinned together share theirs */
static gboolean host_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    (void)stop;
    Host *h = (Host *)be;
    for (guint p = 0; p < 2; p++) {
        guint n = 0;
        for (guint v = 0; v < 2; v++)
            n += present(h, v) && h->pin[v] == (int)p;
        double got = n ? MIN(0.9, 1.0 / n) : 0;
        for (guint v = 0; v < 2; v++) {
            if (!present(h, v) || h->pin[v] != (int)p)
                continue;
            h->time[v] += got * seconds;
            h->delay[v] += (0.9 - got) * seconds;
            h->busy[p] += got * seconds;
        }
    }
    h->t += seconds;
    return TRUE;
}

static void host_free(SovaBackend *be)
{
    (void)be;
}

static const SovaBackendOps host_ops = {.name = "arrival", .sample = host_sample,
                                        .execute = host_execute, .wait = host_wait,
                                        .free = host_free};

/* a runs alone on pCPU 0; b arrives pinned to pCPU 0 as well (its source's pin travels in
 * its XML), marked leaving until the migration's end: untouched while marked, then moved
 * to the idle pCPU once, and nothing more after that */
static void test_arrival_placed_once(void)
{
    Host h = {.base.ops = &host_ops, .t = 100, .pin = {0, 0}};
    g_autoptr(SovaConfig) cfg = sova_config_new();
    cfg->ewma_alpha = 1;
    SovaAgentOptions o = {.quiet = TRUE};
    g_autoptr(SovaAgent) a = sova_agent_new(&h.base, cfg, sova_cpu_policy_find("balance"), &o);
    for (h.step = 0; h.step < MARK_GONE + 12; h.step++) {
        g_autoptr(GError) err = NULL;
        g_assert_true(sova_agent_step(a, &err));
        sova_backend_wait(&h.base, 1.0, NULL);
    }
    g_assert_cmpuint(h.pins_while_leaving, ==, 0);
    g_assert_cmpint(h.pin[0], !=, h.pin[1]);        /* placed: apart */
    g_assert_cmpuint(h.pins[0] + h.pins[1], ==, 1); /* once */
}

/* ---------- cluster policies: a VF detach still pending holds the VM ---------- */

/* h0 is full of VF holders, h1 and h2 are empty: every policy moves some of them, none a
 * VM whose agent is still taking its VF back */
static void test_cluster_vf_detaching_stays(void)
{
    const char *names[] = {"sova", "sova-prototype", "watcher", "proxlb", "drs"};
    for (guint k = 0; k < G_N_ELEMENTS(names); k++) {
        for (int pending = 0; pending <= 1; pending++) {
            g_autoptr(SovaCluster) c = cluster(3);
            for (int i = 0; i < 4; i++) {
                g_autofree char *name = g_strdup_printf("v%d", i);
                SovaClusterVm *v = vm(c, name, 0, 4.5, 2, 200e6);   /* h0 at 112 % CPU */
                v->holds_vf = TRUE;
                v->vf_detaching = pending;
            }
            for (guint h = 0; h < 3; h++)     /* free VFs everywhere else */
                sova_cluster_host(c, h)->vf_pool = 4;
            sova_cluster_host(c, 0)->vf_in_use = 4;
            double hot[] = {0.95, 0.95, 0.95, 0.95, 0.95};   /* the prototype's trigger */
            nic_history(c, 0, hot, G_N_ELEMENTS(hot));
            sova_cluster_host(c, 0)->hot_samples = 10;
            SovaClusterParams p = params();
            p.max_total = p.max_per_host = 4;
            g_autoptr(SovaPlan) plan = plan_with(names[k], c, &p);
            if (pending)
                g_assert_cmpuint(sova_plan_len(plan), ==, 0);
            else if (sova_plan_len(plan) == 0)   /* it would move otherwise */
                g_error("%s moved nothing: %s", names[k], plan->reason);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/no-fighting/cpu-leaving-not-pinned", test_cpu_leaving_not_pinned);
    g_test_add_func("/no-fighting/arrival-placed-once", test_arrival_placed_once);
    g_test_add_func("/no-fighting/cluster-vf-detaching-stays", test_cluster_vf_detaching_stays);
    return g_test_run();
}
