/* test_libvirt_cpu_summary.c — the agents' per-VM CPU summaries through libvirt: the
 * element's format and parse round trip (libvirt_meta.c), and on the test driver an agent
 * that publishes them within TARGETS P3's bound on libvirt calls, a controller's reading
 * of the same host (cluster_reads, no extra call per VM) that carries the agent's demand
 * into its cluster model, and a stale summary (an agent gone quiet) that it ignores. */
#include <math.h>
#include <string.h>
#include "backend/libvirt/libvirt_private.h"
#include "daemon/agent.h"
#include "daemon/agent_cpu_pub.h"
#include "model/cluster_build.h"
#include "model/cpu_summary.h"
#include "lv_test_util.h"

static void spin_events(void)
{
    for (int i = 0; i < 20; i++)
        g_main_context_iteration(NULL, FALSE);
}

static char *domain_with(const char *element)
{
    return g_strdup_printf("<domain><metadata><c:cpu xmlns:c='" SOVA_META_CPU_NS "' %s/>"
                           "</metadata></domain>", element);
}

/* format -> parse -> fill gives back what was published, with its age */
static void test_round_trip(void)
{
    SovaCpuSummary in = { .has = TRUE, .demand = 2.345, .unmet = 0.5, .interval_s = 5,
                          .every_s = 120, .seq = 12345678901ULL };
    double now = g_get_real_time() / (double)G_USEC_PER_SEC;
    g_autofree char *el = sova_lv_cpu_summary_xml(&in, now - 30);
    g_assert_true(g_str_has_prefix(el, "<cpu "));
    /* as libvirt keeps it: the writer's prefix, the namespace declared on the element */
    g_autofree char *full = g_strdup_printf("<domain><metadata><c:cpu xmlns:c='" SOVA_META_CPU_NS
                                            "' %s</metadata></domain>", el + strlen("<cpu "));
    g_autoptr(GError) error = NULL;
    SovaLvMeta m = { 0 };
    g_assert_true(sova_lv_meta_parse(full, &m, &error));
    g_assert_true(m.any && m.cpu.has);
    SovaVmSample vm = { 0 };
    sova_lv_meta_fill(&m, &vm);
    g_assert_true(vm.cpu_summary.has);
    g_assert_cmpfloat_with_epsilon(vm.cpu_summary.demand, 2.345, 1e-9);
    g_assert_cmpfloat_with_epsilon(vm.cpu_summary.unmet, 0.5, 1e-9);
    g_assert_cmpfloat(vm.cpu_summary.interval_s, ==, 5);
    g_assert_cmpfloat(vm.cpu_summary.every_s, ==, 120);
    g_assert_cmpuint(vm.cpu_summary.seq, ==, 12345678901ULL);
    g_assert_cmpfloat(fabs(vm.cpu_summary.age_s - 30), <, 5);
    g_assert_true(sova_cpu_summary_fresh(&vm.cpu_summary, 20));
    sova_lv_meta_clear(&m);
}

/* what an agent of another version or a broken writer may leave: not a summary */
static void test_unreadable_ignored(void)
{
    static const char *const bad[] = {
        "demand='1'",                                   /* no timestamp */
        "at='100'",                                     /* no demand */
        "demand='-1' at='100'",
        "demand='nan' at='100'",
        "demand='1' unmet='inf' at='100'",
        "demand='1' at='0'",
        "demand='1' every='-5' at='100'",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *doc = domain_with(bad[i]);
        SovaLvMeta m = { 0 };
        g_assert_true(sova_lv_meta_parse(doc, &m, NULL));
        g_assert_false(m.cpu.has);
        SovaVmSample vm = { 0 };
        sova_lv_meta_fill(&m, &vm);
        g_assert_false(sova_cpu_summary_fresh(&vm.cpu_summary, 20));
        sova_lv_meta_clear(&m);
    }
}

static SovaBackend *open_as(gboolean controller)
{
    static const char *const agent_writes[] = { SOVA_META_STATUS_NS, SOVA_META_CPU_NS, NULL };
    static const char *const ctl_writes[] = { SOVA_META_CTL_NS, NULL };
    SovaLibvirtOptions lo = { .meta = TRUE, .cluster_reads = controller,
                              .meta_writes = controller ? ctl_writes : agent_writes };
    g_autoptr(GError) error = NULL;
    SovaBackend *be = sova_libvirt_backend_open(LVT_URI, &lo, &error);
    g_assert_no_error(error);
    return be;
}

typedef struct {
    guint64 calls[8];
    guint executed[8];
    guint n;
} Seen;

static void observe(const SovaAgentInterval *iv, gpointer data)
{
    Seen *s = data;
    if (s->n < G_N_ELEMENTS(s->calls)) {
        s->calls[s->n] = iv->calls;
        s->executed[s->n] = iv->executed;
    }
    s->n++;
}

static char *cpu_element(virConnectPtr conn, const char *name)
{
    virDomainPtr d = virDomainLookupByName(conn, name);
    g_assert_nonnull(d);
    char *xml = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, SOVA_META_CPU_NS,
                                     VIR_DOMAIN_AFFECT_LIVE);
    virDomainFree(d);
    return xml;
}

/* an agent's intervals publish the summary, within P3's calls; the controller's reading of
 * the host carries it, and its cluster model takes the agent's demand (a change beyond the
 * agent's noise, but for that noise); a stale one is
 * ignored (the controller's own estimate) */
static void test_agent_to_controller(void)
{
    g_autoptr(SovaBackend) agent_be = open_as(FALSE);
    g_autoptr(SovaBackend) ctl_be = open_as(TRUE);
    virConnectPtr conn = sova_libvirt_backend_conn(agent_be);
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaConfig) cfg = sova_config_new();
    Seen seen = { 0 };
    SovaAgentOptions opts = { .quiet = TRUE, .observer = observe, .observer_data = &seen };
    g_autoptr(SovaAgent) agent = sova_agent_new(agent_be, cfg, sova_cpu_policy_find("balance"),
                                                &opts);
    for (int k = 0; k < 5; k++) {
        g_assert_true(sova_agent_step(agent, &err));
        g_assert_no_error(err);
        spin_events();
        g_usleep(10000);
    }
    g_assert_cmpuint(seen.n, ==, 4);
    g_autofree char *el = cpu_element(conn, "test");
    g_assert_nonnull(el);
    g_assert_nonnull(strstr(el, "demand="));
    g_assert_nonnull(strstr(el, "seq="));
    /* P3: a sample costs the same with or without the summaries, and an interval adds at
     * most the pins it made and the summaries' bounded writes */
    guint64 before = agent_be->calls;
    g_autoptr(SovaSnapshot) plain = lvt_sample(agent_be);
    guint64 sample_calls = agent_be->calls - before;
    guint budget = SOVA_CPU_PUB_BUDGET;   /* whatever the number of VMs */
    guint64 published = 0;
    for (guint k = 0; k < seen.n; k++) {
        g_assert_cmpuint(seen.calls[k], <=, sample_calls + seen.executed[k] + budget);
        published += seen.calls[k] - sample_calls - seen.executed[k];
    }
    g_assert_cmpuint(published, >=, 1);
    g_assert_cmpuint(published, <, seen.n * plain->vms->len + 1);
    /* the controller: no call per VM for the summary (3 + the test driver's per-VM one) */
    SovaSnapshot *snaps[2];
    static const char *const names[] = { "h0", NULL };
    SovaClusterBuildParams bp = { .ewma_alpha = 1, .high_water = 0.85, .interval_s = 20,
                                  .weights = { 1, 1, 1 } };
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 1, &bp);
    snaps[0] = lvt_sample(ctl_be);
    g_assert_null(sova_cluster_builder_update(b, snaps));
    before = ctl_be->calls;
    snaps[0] = lvt_sample(ctl_be);
    g_assert_cmpuint(ctl_be->calls - before, ==, 3 + snaps[0]->vms->len);
    const SovaVmSample *vm = lvt_find_vm(snaps[0], "test");
    g_assert_true(vm->cpu_summary.has);
    g_assert_true(sova_cpu_summary_fresh(&vm->cpu_summary, 20));
    double agents = vm->cpu_summary.demand + 7.0;   /* told apart from any estimate */
    virDomainPtr d = virDomainLookupByName(conn, "test");
    SovaCpuSummary told = vm->cpu_summary;
    told.demand = agents;
    g_autofree char *fresh = sova_lv_cpu_summary_xml(&told, g_get_real_time() / 1e6);
    g_assert_cmpint(virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, fresh, SOVA_META_CPU_PREFIX,
                                         SOVA_META_CPU_NS, VIR_DOMAIN_AFFECT_LIVE), ==, 0);
    spin_events();
    g_clear_pointer(&snaps[0], sova_snapshot_free);
    snaps[0] = lvt_sample(ctl_be);
    g_autoptr(SovaCluster) c1 = sova_cluster_builder_update(b, snaps);
    int i = sova_cluster_find_vm(c1, lvt_find_vm(snaps[0], "test")->uuid);
    g_assert_cmpint(i, >=, 0);
    /* the agent's figure but for its publication noise (cpu_summary.h) */
    double noise = MAX(SOVA_CPU_SUMMARY_NOISE, SOVA_CPU_SUMMARY_SHARE * agents);
    g_assert_cmpfloat_with_epsilon(sova_cluster_vm(c1, (guint)i)->cpu, agents - noise, 1e-3);
    /* an agent gone quiet long ago: its summary is stale, the controller's own estimate wins */
    g_autofree char *stale = sova_lv_cpu_summary_xml(&told, g_get_real_time() / 1e6 - 3600);
    g_assert_cmpint(virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, stale, SOVA_META_CPU_PREFIX,
                                         SOVA_META_CPU_NS, VIR_DOMAIN_AFFECT_LIVE), ==, 0);
    virDomainFree(d);
    spin_events();
    g_usleep(10000);
    snaps[0] = lvt_sample(ctl_be);
    vm = lvt_find_vm(snaps[0], "test");
    g_assert_true(vm->cpu_summary.has);
    g_assert_false(sova_cpu_summary_fresh(&vm->cpu_summary, 20));
    g_autoptr(SovaCluster) c2 = sova_cluster_builder_update(b, snaps);
    g_assert_cmpfloat(sova_cluster_vm(c2, (guint)i)->cpu, <, agents - 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/libvirt-cpu-summary/round-trip", test_round_trip);
    g_test_add_func("/libvirt-cpu-summary/unreadable-ignored", test_unreadable_ignored);
    g_test_add_func("/libvirt-cpu-summary/agent-to-controller", test_agent_to_controller);
    return g_test_run();
}
