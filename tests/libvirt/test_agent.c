/* test_agent.c — the agent loop end to end against libvirt's in-process test
 * driver: it plans and pins (verified through the same connection: the driver's
 * state lives only as long as it), and a dry run pins nothing; the automation levels:
 * `mode = manual` recommends the pins and makes none, a VM with cpu='manual' in its
 * metadata keeps the pins its operator set; the take-over at the first sample shares vCPUs
 * stacked beside idle pCPUs, unless the VM carries sova's CPU summary (its own pins). */
#include "backend/libvirt/libvirt_backend.h"
#include "backend/libvirt/libvirt_private.h"
#include "daemon/agent.h"

typedef struct {
    guint intervals;
    guint actions;
    guint recommended;
    int to[8];
} Seen;

static void observe(const SovaAgentInterval *iv, gpointer data)
{
    Seen *s = data;
    s->intervals++;
    s->actions += sova_plan_len(iv->plan);
    s->recommended += iv->results->recommended;
    for (guint i = 0; i < sova_plan_len(iv->plan); i++) {
        const SovaAction *a = sova_plan_action(iv->plan, i);
        if (a->kind == SOVA_ACTION_PIN && a->vcpu < 8)
            s->to[a->vcpu] = a->to_pcpu;
    }
}

/* the pCPUs vCPU `v` of domain "test" may run on, as a set */
static SovaCpuSet *pins_of(SovaBackend *be, int v)
{
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    virDomainPtr dom = virDomainLookupByName(conn, "test");
    g_assert_nonnull(dom);
    virNodeInfo info;
    g_assert_cmpint(virNodeGetInfo(conn, &info), ==, 0);
    int ncpus = 64, maplen = VIR_CPU_MAPLEN(ncpus);
    g_autofree unsigned char *maps = g_malloc0(maplen * 8);
    int n = virDomainGetVcpuPinInfo(dom, 8, maps, maplen, VIR_DOMAIN_AFFECT_LIVE);
    g_assert_cmpint(n, >, v);
    SovaCpuSet *set = sova_cpuset_new(ncpus);
    for (int c = 0; c < ncpus; c++)
        if (VIR_CPU_USABLE(maps, maplen, v, c))
            sova_cpuset_add(set, c);
    virDomainFree(dom);
    return set;
}

/* the operator's element of sova's metadata on domain "test" */
static void set_meta(SovaBackend *be, const char *xml)
{
    virDomainPtr dom = virDomainLookupByName(sova_libvirt_backend_conn(be), "test");
    g_assert_nonnull(dom);
    g_assert_cmpint(virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, SOVA_META_PREFIX,
                                         SOVA_META_NS, VIR_DOMAIN_AFFECT_LIVE), ==, 0);
    virDomainFree(dom);
}

/* pins vCPU v of domain "test" to pCPU p, as an operator would */
static void operator_pin(SovaBackend *be, int v, int p)
{
    virDomainPtr dom = virDomainLookupByName(sova_libvirt_backend_conn(be), "test");
    unsigned char map[8] = { 0 };
    VIR_USE_CPU(map, p);
    g_assert_cmpint(virDomainPinVcpu(dom, v, map, 2), ==, 0);   /* the test driver: no flags */
    virDomainFree(dom);
}

static void run_intervals(gboolean dry_run, SovaMode mode, const char *meta, Seen *seen,
                          SovaBackend **be_out)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaConfig) cfg = sova_config_new();
    cfg->mode = mode;
    SovaLibvirtOptions lo = { .meta = TRUE };
    SovaBackend *be = sova_libvirt_backend_open("test:///default", &lo, &err);
    g_assert_no_error(err);
    if (meta) {
        set_meta(be, meta);
        operator_pin(be, 0, 1);
        operator_pin(be, 1, 1);
    }
    SovaAgentOptions opts = { .dry_run = dry_run, .quiet = TRUE, .observer = observe, .observer_data = seen };
    g_autoptr(SovaAgent) agent = sova_agent_new(be, cfg, sova_cpu_policy_find("balance"), &opts);
    g_assert_true(sova_agent_step(agent, &err));      /* baseline */
    g_assert_no_error(err);
    g_usleep(20000);
    g_assert_true(sova_agent_step(agent, &err));      /* plan + execute */
    g_assert_no_error(err);
    g_assert_cmpuint(seen->intervals, ==, 1);
    g_assert_cmpuint(sova_agent_pin_changes(agent), ==,
                     dry_run || mode == SOVA_MODE_MANUAL ? 0 : seen->actions);
    *be_out = be;
}

static void run_two_intervals(gboolean dry_run, Seen *seen, SovaBackend **be_out)
{
    run_intervals(dry_run, SOVA_MODE_FULL, NULL, seen, be_out);
}

static void test_once_pins(void)
{
    Seen seen = { 0 };
    g_autoptr(SovaBackend) be = NULL;
    run_two_intervals(FALSE, &seen, &be);
    /* the test domain's 2 vCPUs start unpinned: balance brings both under management */
    g_assert_cmpuint(seen.actions, ==, 2);
    for (int v = 0; v < 2; v++) {
        g_autoptr(SovaCpuSet) now = pins_of(be, v);
        g_assert_cmpuint(sova_cpuset_count(now), ==, 1);
        g_assert_cmpint(sova_cpuset_first(now), ==, seen.to[v]);
    }
}

static void test_dry_run_pins_nothing(void)
{
    Seen seen = { 0 };
    g_autoptr(SovaBackend) be = NULL;
    run_two_intervals(TRUE, &seen, &be);
    g_assert_cmpuint(seen.actions, ==, 2);            /* it planned ... */
    for (int v = 0; v < 2; v++) {
        g_autoptr(SovaCpuSet) now = pins_of(be, v);   /* ... but nothing changed */
        g_assert_cmpuint(sova_cpuset_count(now), >, 1);
    }
}

/* mode = manual: the same two pins are planned, recommended, and not made */
static void test_mode_manual(void)
{
    Seen seen = { 0 };
    g_autoptr(SovaBackend) be = NULL;
    run_intervals(FALSE, SOVA_MODE_MANUAL, NULL, &seen, &be);
    g_assert_cmpuint(seen.actions, ==, 2);
    g_assert_cmpuint(seen.recommended, ==, 2);
    for (int v = 0; v < 2; v++) {
        g_autoptr(SovaCpuSet) now = pins_of(be, v);
        g_assert_cmpuint(sova_cpuset_count(now), >, 1);
    }
}

/* cpu='manual': the operator pinned both vCPUs to pCPU 1 (which balance would undo: it
 * spreads them, as once-pins shows); the agent plans nothing for the VM and the pins stay */
static void test_cpu_manual(void)
{
    Seen seen = { 0 };
    g_autoptr(SovaBackend) be = NULL;
    run_intervals(FALSE, SOVA_MODE_FULL, "<vm cpu='manual'/>", &seen, &be);
    g_assert_cmpuint(seen.actions, ==, 0);
    for (int v = 0; v < 2; v++) {
        g_autoptr(SovaCpuSet) now = pins_of(be, v);
        g_assert_cmpuint(sova_cpuset_count(now), ==, 1);
        g_assert_cmpint(sova_cpuset_first(now), ==, 1);
    }
}

/* the same pins without cpu='manual' are sova's to change: the control for cpu-manual */
static void test_cpu_auto_repins(void)
{
    Seen seen = { 0 };
    g_autoptr(SovaBackend) be = NULL;
    run_intervals(FALSE, SOVA_MODE_FULL, "<vm cpu='auto'/>", &seen, &be);
    g_assert_cmpuint(seen.actions, >, 0);
}

/* both vCPUs pinned to pCPU 0 of the test node (others online and idle): the agent's first
 * sample shares them over the usable pCPUs (balance's take-over); over the same pins with
 * sova's CPU summary on the VM (an agent restarted over its own layout), it changes nothing */
static void takeover(gboolean own, guint64 *changes, guint *after)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaConfig) cfg = sova_config_new();
    SovaLibvirtOptions lo = { .meta = TRUE };
    g_autoptr(SovaBackend) be = sova_libvirt_backend_open("test:///default", &lo, &err);
    g_assert_no_error(err);
    operator_pin(be, 0, 0);
    operator_pin(be, 1, 0);
    if (own) {   /* what an agent before this one left: its CPU summary of the VM */
        virDomainPtr dom = virDomainLookupByName(sova_libvirt_backend_conn(be), "test");
        SovaCpuSummary sum = { .has = TRUE, .demand = 0.1, .interval_s = 1, .every_s = 120 };
        g_autofree char *xml = sova_lv_cpu_summary_xml(&sum, g_get_real_time() / 1e6);
        g_assert_cmpint(virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml,
                                             SOVA_META_CPU_PREFIX, SOVA_META_CPU_NS,
                                             VIR_DOMAIN_AFFECT_LIVE), ==, 0);
        virDomainFree(dom);
    }
    SovaAgentOptions opts = { .quiet = TRUE };
    g_autoptr(SovaAgent) agent = sova_agent_new(be, cfg, sova_cpu_policy_find("balance"), &opts);
    g_assert_true(sova_agent_step(agent, &err));      /* baseline, and the take-over */
    g_assert_no_error(err);
    *changes = sova_agent_pin_changes(agent);
    g_autoptr(SovaCpuSet) now = pins_of(be, 0);
    *after = sova_cpuset_count(now);
}

static void test_takeover(void)
{
    guint64 changes;
    guint after;
    takeover(FALSE, &changes, &after);
    g_assert_cmpuint(changes, ==, 2);
    g_assert_cmpuint(after, >, 1);
    takeover(TRUE, &changes, &after);
    g_assert_cmpuint(changes, ==, 0);
    g_assert_cmpuint(after, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/test-driver/once-pins", test_once_pins);
    g_test_add_func("/agent/test-driver/dry-run", test_dry_run_pins_nothing);
    g_test_add_func("/agent/test-driver/mode-manual", test_mode_manual);
    g_test_add_func("/agent/test-driver/cpu-manual", test_cpu_manual);
    g_test_add_func("/agent/test-driver/cpu-auto-repins", test_cpu_auto_repins);
    g_test_add_func("/agent/test-driver/takeover", test_takeover);
    return g_test_run();
}
