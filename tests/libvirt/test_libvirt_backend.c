/* test_libvirt_backend.c — the libvirt backend against libvirt's in-process test driver.
 *
 * test:///default keeps its state only as long as the connection, so each test opens
 * its own backend and checks what the backend reports against what libvirt itself
 * answers on the very same connection (sova_libvirt_backend_conn). The test driver's
 * default node is a fixture: 16 pCPUs in two NUMA cells of 8 (capabilities and node
 * info), a cpumap 8 wide with pCPUs 0, 2, 4 online, and one running domain "test". */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>
#include "backend/libvirt/libvirt_backend.h"
#include "backend/libvirt/libvirt_private.h"
#include "util/error.h"

#define URI "test:///default"

static SovaBackend *open_test(void)
{
    g_autoptr(GError) error = NULL;
    SovaLibvirtOptions opts = {.affinity_refresh = 0};
    SovaBackend *be = sova_libvirt_backend_open(URI, &opts, &error);
    g_assert_no_error(error);
    g_assert_nonnull(be);
    return be;
}

static SovaSnapshot *sample_ok(SovaBackend *be)
{
    g_autoptr(GError) error = NULL;
    SovaSnapshot *s = sova_backend_sample(be, &error);
    g_assert_no_error(error);
    g_assert_nonnull(s);
    return s;
}

static SovaVmSample *find_by_name(const SovaSnapshot *s, const char *name)
{
    for (guint i = 0; i < s->vms->len; i++) {
        SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        if (g_strcmp0(vm->name, name) == 0)
            return vm;
    }
    return NULL;
}

static guint online_count(const SovaSnapshot *s)
{
    guint n = 0;
    for (guint i = 0; i < s->n_pcpus; i++)
        n += sova_snapshot_pcpu(s, i)->online;
    return n;
}

static void test_bad_uri(void)
{
    const char *uris[] = {"bogus:///nope", "test:///no/such/node.xml"};
    for (guint i = 0; i < G_N_ELEMENTS(uris); i++) {
        g_autoptr(GError) error = NULL;
        SovaBackend *be = sova_libvirt_backend_open(uris[i], NULL, &error);
        g_assert_null(be);
        g_assert_error(error, SOVA_ERROR, SOVA_ERROR_CONNECT);
        g_assert_nonnull(strstr(error->message, uris[i]));
    }
}

static void test_pcpus(void)
{
    g_autoptr(SovaBackend) be = open_test();
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    g_autoptr(SovaSnapshot) s = sample_ok(be);

    virNodeInfo info;
    g_assert_cmpint(virNodeGetInfo(conn, &info), ==, 0);
    unsigned char *map = NULL;
    unsigned int n_online = 0;
    int width = virNodeGetCPUMap(conn, &map, &n_online, 0);
    g_assert_cmpint(width, >, 0);
    g_assert_cmpuint(s->n_pcpus, ==, MAX(info.cpus, (guint)width));
    g_assert_cmpuint(s->n_pcpus, ==, 16);   /* `sova status` lists 16 for test:///default */
    for (guint i = 0; i < s->n_pcpus; i++) {
        SovaPcpuSample *p = sova_snapshot_pcpu(s, i);
        gboolean want = i >= (guint)width || VIR_CPU_USED(map, i);
        g_assert_cmpint(p->online, ==, want);
        g_assert_cmpint(p->cell, ==, i < 8 ? 0 : 1);
        g_assert_cmpint(p->socket, ==, i < 8 ? 0 : 1);
        g_assert_cmpint(p->core, ==, (int)(i % 8));
    }
    free(map);

    /* busy = all but idle + iowait, idle = idle + iowait, per pCPU, as libvirt says */
    SovaPcpuSample *p0 = sova_snapshot_pcpu(s, 0);
    virNodeCPUStats st[8];
    int n = G_N_ELEMENTS(st);
    g_assert_cmpint(virNodeGetCPUStats(conn, 0, st, &n, 0), ==, 0);
    guint64 busy = 0, idle = 0;
    for (int i = 0; i < n; i++) {
        gboolean is_idle = !strcmp(st[i].field, "idle") || !strcmp(st[i].field, "iowait");
        *(is_idle ? &idle : &busy) += st[i].value;
    }
    g_assert_cmpuint(p0->busy_ns, ==, busy);
    g_assert_cmpuint(p0->idle_ns, ==, idle);
    g_assert_cmpuint(sova_snapshot_pcpu(s, 1)->busy_ns, ==, 0);   /* offline: not read */
    g_assert_cmpuint(s->memory_kib, ==, info.memory);
    g_assert_nonnull(s->host);
}

static void test_domain(void)
{
    g_autoptr(SovaBackend) be = open_test();
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    g_autoptr(SovaSnapshot) s = sample_ok(be);

    virDomainPtr dom = virDomainLookupByName(conn, "test");
    g_assert_nonnull(dom);
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_assert_cmpint(virDomainGetUUIDString(dom, uuid), ==, 0);
    virDomainInfo info;
    g_assert_cmpint(virDomainGetInfo(dom, &info), ==, 0);
    virDomainFree(dom);

    g_assert_cmpuint(s->vms->len, ==, 1);
    SovaVmSample *vm = sova_snapshot_find_vm(s, uuid);
    g_assert_nonnull(vm);
    g_assert_cmpstr(vm->name, ==, "test");
    g_assert_cmpint(vm->state, ==, SOVA_VM_RUNNING);
    g_assert_cmpuint(vm->vcpus->len, ==, info.nrVirtCpu);
    guint64 sum = 0;
    for (guint i = 0; i < vm->vcpus->len; i++) {
        SovaVcpuSample *v = sova_vm_vcpu(vm, i);
        g_assert_cmpuint(v->time_ns, >, 0);
        g_assert_false(v->has_delay);   /* the test driver gives no run-queue delay */
        g_assert_nonnull(v->affinity);
        g_assert_cmpuint(sova_cpuset_count(v->affinity), >, 0);
        g_assert_cmpint(v->pcpu, <, (int)s->n_pcpus);
        sum += v->time_ns;
    }
    g_assert_cmpuint(vm->cpu_time_ns, ==, sum);   /* no cpu.time in its stats: the vCPUs' sum */
}

/* design: per sample, 1 cpumap + P node-stat calls (P = online pCPUs) + 1 bulk stats
 * call, plus — only because the test driver's bulk stats have no vcpu group — one
 * virDomainGetVcpus per VM (times, pCPUs and affinity in one call) */
static void test_call_counts(void)
{
    g_autoptr(SovaBackend) be = open_test();
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    for (int i = 0; i < 2; i++) {
        g_autofree char *xml = g_strdup_printf(
            "<domain type='test'><name>extra%d</name><memory>65536</memory>"
            "<vcpu>%d</vcpu><os><type>hvm</type></os></domain>", i, 3 + i);
        virDomainPtr d = virDomainCreateXML(conn, xml, 0);
        g_assert_nonnull(d);
        virDomainFree(d);
    }
    for (int round = 0; round < 3; round++) {
        guint64 before = be->calls;
        g_autoptr(SovaSnapshot) s = sample_ok(be);
        g_assert_cmpuint(s->vms->len, ==, 3);
        g_assert_cmpuint(sova_vm_vcpu(find_by_name(s, "extra1"), 3)->time_ns, >, 0);
        g_assert_cmpuint(find_by_name(s, "extra1")->vcpus->len, ==, 4);
        g_assert_cmpuint(be->calls - before, ==, online_count(s) + 2 + s->vms->len);
    }
}

/* the controller's reading (cluster_reads): the host's CPU totals from ONE
 * virNodeGetCPUStats(ALL_CPUS) — exactly what libvirt answers for them — and no per-pCPU
 * call: 1 cpumap + 1 totals + 1 bulk stats (+ the test driver's one call per VM) */
static void test_cluster_reads(void)
{
    g_autoptr(GError) error = NULL;
    SovaLibvirtOptions opts = { .cluster_reads = TRUE };
    g_autoptr(SovaBackend) be = sova_libvirt_backend_open(URI, &opts, &error);
    g_assert_no_error(error);
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    for (int round = 0; round < 2; round++) {
        guint64 before = be->calls;
        g_autoptr(SovaSnapshot) s = sample_ok(be);
        g_assert_cmpuint(be->calls - before, ==, 3 + s->vms->len);
        g_assert_true(s->has_cpu_totals);
        int n = 0;
        g_assert_cmpint(virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, NULL, &n, 0), ==, 0);
        g_autofree virNodeCPUStats *st = g_new0(virNodeCPUStats, n);
        g_assert_cmpint(virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, st, &n, 0), ==, 0);
        guint64 busy = 0, idle = 0;
        for (int i = 0; i < n; i++) {
            if (!strcmp(st[i].field, VIR_NODE_CPU_STATS_IDLE) ||
                !strcmp(st[i].field, VIR_NODE_CPU_STATS_IOWAIT))
                idle += st[i].value;
            else if (strcmp(st[i].field, VIR_NODE_CPU_STATS_UTILIZATION) != 0)
                busy += st[i].value;
        }
        g_assert_cmpuint(s->cpu_busy_ns, ==, busy);
        g_assert_cmpuint(s->cpu_idle_ns, ==, idle);
        g_assert_cmpuint(busy + idle, >, 0);
        g_autoptr(SovaBackend) plain = open_test();   /* the cpumap still says which are online */
        g_autoptr(SovaSnapshot) ps = sample_ok(plain);
        g_assert_cmpuint(online_count(s), ==, online_count(ps));
        for (guint i = 0; i < s->n_pcpus; i++)
            g_assert_cmpuint(sova_snapshot_pcpu(s, i)->busy_ns, ==, 0);
        SovaVmSample *vm = find_by_name(s, "test");
        g_assert_nonnull(vm);
        g_assert_cmpuint(sova_vm_vcpu(vm, 0)->time_ns, >, 0);
    }
}

static void assert_pinned_in_libvirt(virConnectPtr conn, const char *name, guint vcpu, guint cpu,
                                     guint n_pcpus)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    g_assert_nonnull(dom);
    int maplen = VIR_CPU_MAPLEN(n_pcpus);
    g_autofree unsigned char *maps = g_malloc0((gsize)(vcpu + 1) * maplen);
    g_assert_cmpint(virDomainGetVcpuPinInfo(dom, vcpu + 1, maps, maplen, 0), >=, (int)vcpu + 1);
    for (guint i = 0; i < n_pcpus; i++)
        g_assert_cmpint(VIR_CPU_USABLE(maps, maplen, vcpu, i) != 0, ==, i == cpu);
    virDomainFree(dom);
}

static SovaAction pin_action(const SovaVmSample *vm, int vcpu, int to)
{
    SovaAction a = {.kind = SOVA_ACTION_PIN, .vm_name = vm->name, .vcpu = vcpu,
                    .from_pcpu = -1, .to_pcpu = to};
    g_strlcpy(a.uuid, vm->uuid, sizeof a.uuid);
    return a;
}

static void test_pin(void)
{
    g_autoptr(SovaBackend) be = open_test();
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    g_autoptr(SovaSnapshot) s = sample_ok(be);
    SovaVmSample *vm = find_by_name(s, "test");
    g_assert_nonnull(vm);

    /* beyond the first 8 pCPUs: the map must be as wide as the host */
    int targets[] = {10, 15, 2};
    guint64 expect_calls[] = {2, 1, 1};   /* the first learns the driver refuses AFFECT_LIVE */
    for (guint i = 0; i < G_N_ELEMENTS(targets); i++) {
        g_autoptr(GError) error = NULL;
        SovaAction a = pin_action(vm, (int)(i % 2), targets[i]);
        guint64 before = be->calls;
        g_assert_true(sova_backend_execute(be, &a, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(be->calls - before, ==, expect_calls[i]);
        assert_pinned_in_libvirt(conn, "test", i % 2, targets[i], s->n_pcpus);
    }
    g_autoptr(SovaSnapshot) s2 = sample_ok(be);
    SovaVmSample *vm2 = find_by_name(s2, "test");
    g_assert_cmpint(sova_cpuset_only(sova_vm_vcpu(vm2, 0)->affinity), ==, 2);
    g_assert_cmpint(sova_cpuset_only(sova_vm_vcpu(vm2, 1)->affinity), ==, 15);
    g_assert_cmpint(sova_vm_vcpu(vm2, 1)->pcpu, ==, 15);

    g_autoptr(GError) error = NULL;
    SovaAction bad = pin_action(vm, 0, (int)s->n_pcpus);
    g_assert_false(sova_backend_execute(be, &bad, &error));
    g_assert_error(error, SOVA_ERROR, SOVA_ERROR_INVALID);
}

/* a shared vCPU: one call with the whole set in the map; the next sample shows it */
static void test_share(void)
{
    g_autoptr(SovaBackend) be = open_test();
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    g_autoptr(SovaSnapshot) s = sample_ok(be);
    SovaVmSample *vm = find_by_name(s, "test");
    g_assert_nonnull(vm);
    g_autoptr(SovaCpuSet) set = sova_cpuset_new(s->n_pcpus);
    sova_cpuset_add(set, 1);
    sova_cpuset_add(set, 9);
    SovaAction a = pin_action(vm, 0, -1);
    a.to_set = set;
    g_autoptr(GError) error = NULL;
    g_assert_true(sova_backend_execute(be, &a, &error));
    g_assert_no_error(error);
    virDomainPtr dom = virDomainLookupByName(conn, "test");
    int maplen = VIR_CPU_MAPLEN(s->n_pcpus);
    g_autofree unsigned char *maps = g_malloc0(2 * (gsize)maplen);
    g_assert_cmpint(virDomainGetVcpuPinInfo(dom, 2, maps, maplen, 0), >=, 1);
    for (guint i = 0; i < s->n_pcpus; i++)
        g_assert_cmpint(VIR_CPU_USABLE(maps, maplen, 0, i) != 0, ==, i == 1 || i == 9);
    virDomainFree(dom);
    g_autoptr(SovaSnapshot) s2 = sample_ok(be);
    const SovaCpuSet *got = sova_vm_vcpu(find_by_name(s2, "test"), 0)->affinity;
    g_assert_true(sova_cpuset_equal(got, set));
}

static void test_vanished(void)
{
    g_autoptr(SovaBackend) be = open_test();
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    g_autoptr(SovaSnapshot) s1 = sample_ok(be);
    SovaVmSample *vm = find_by_name(s1, "test");
    g_assert_nonnull(vm);

    virDomainPtr dom = virDomainLookupByName(conn, "test");
    g_assert_cmpint(virDomainDestroy(dom), ==, 0);
    virDomainFree(dom);

    /* a pin to it fails with libvirt's reason and the VM's name, and is not fatal */
    g_autoptr(GError) error = NULL;
    SovaAction a = pin_action(vm, 0, 2);
    g_assert_false(sova_backend_execute(be, &a, &error));
    g_assert_error(error, SOVA_ERROR, SOVA_ERROR_GONE);
    g_assert_nonnull(strstr(error->message, "test"));

    g_autoptr(SovaSnapshot) s2 = sample_ok(be);
    g_assert_null(sova_snapshot_find_vm(s2, vm->uuid));
    g_assert_true(sova_libvirt_backend_connected(be));
    g_assert_cmpuint(sova_libvirt_backend_reconnects(be), ==, 0);
}

/* a lost connection (what the close callback or a failed call records) is re-opened
 * by the next sample; a fresh test driver connection has the domain "test" again */
static void test_reconnect(void)
{
    g_autoptr(SovaBackend) be = open_test();
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    virDomainPtr dom = virDomainLookupByName(conn, "test");
    g_assert_cmpint(virDomainDestroy(dom), ==, 0);
    virDomainFree(dom);
    g_autoptr(SovaSnapshot) s1 = sample_ok(be);
    g_assert_null(find_by_name(s1, "test"));

    g_atomic_int_set(&((SovaLibvirtBackend *)be)->dead, 1);
    g_assert_false(sova_libvirt_backend_connected(be));
    g_autoptr(GError) error = NULL;
    SovaAction a = {.kind = SOVA_ACTION_PIN, .vm_name = "test", .vcpu = 0, .to_pcpu = 0};
    g_assert_false(sova_backend_execute(be, &a, &error));
    g_assert_error(error, SOVA_ERROR, SOVA_ERROR_CONNECT);

    g_autoptr(SovaSnapshot) s2 = sample_ok(be);
    g_assert_true(sova_libvirt_backend_connected(be));
    g_assert_cmpuint(sova_libvirt_backend_reconnects(be), ==, 1);
    g_assert_nonnull(find_by_name(s2, "test"));
    g_assert_cmpuint(s2->n_pcpus, ==, s1->n_pcpus);
}

static void test_pin_before_sample(void)
{
    g_autoptr(SovaBackend) be = open_test();
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    virDomainPtr dom = virDomainLookupByName(conn, "test");
    SovaAction a = {.kind = SOVA_ACTION_PIN, .vm_name = "test", .vcpu = 1, .to_pcpu = 12};
    g_assert_cmpint(virDomainGetUUIDString(dom, a.uuid), ==, 0);
    virDomainFree(dom);
    g_autoptr(GError) error = NULL;
    guint64 before = be->calls;
    g_assert_true(sova_backend_execute(be, &a, &error));   /* looked up by UUID */
    g_assert_no_error(error);
    g_assert_cmpuint(be->calls - before, ==, 3);   /* lookup + refused LIVE + legacy pin */
    virNodeInfo info;
    g_assert_cmpint(virNodeGetInfo(conn, &info), ==, 0);
    assert_pinned_in_libvirt(conn, "test", 1, 12, info.cpus);
}

/* when the (real-driver) path re-reads a VM's pins: new, vCPU count changed, refresh */
static void test_affinity_refresh(void)
{
    SovaLibvirtBackend lv = {.opts = {.affinity_refresh = 3}};
    SovaLvDomain d = {.affinity = g_ptr_array_new_with_free_func((GDestroyNotify)sova_cpuset_free)};
    lv.samples = 1;
    g_assert_true(sova_lv_domain_needs_affinity(&lv, &d, 2));    /* never read */
    unsigned char maps[2] = {0x01, 0x06};                         /* vcpu0: {0}, vcpu1: {1,2} */
    sova_lv_domain_set_maps(&lv, &d, maps, 2, 1, 4);
    g_assert_cmpint(sova_cpuset_only(g_ptr_array_index(d.affinity, 0)), ==, 0);
    g_assert_cmpuint(sova_cpuset_count(g_ptr_array_index(d.affinity, 1)), ==, 2);
    g_assert_false(sova_lv_domain_needs_affinity(&lv, &d, 2));
    g_assert_true(sova_lv_domain_needs_affinity(&lv, &d, 3));    /* a vCPU was added */
    lv.samples = 3;
    g_assert_false(sova_lv_domain_needs_affinity(&lv, &d, 2));
    lv.samples = 4;
    g_assert_true(sova_lv_domain_needs_affinity(&lv, &d, 2));    /* refresh due */
    lv.opts.affinity_refresh = 0;
    lv.samples = 1000;
    g_assert_false(sova_lv_domain_needs_affinity(&lv, &d, 2));   /* 0 = never */
    g_ptr_array_unref(d.affinity);
}

static void test_caps_topology(void)
{
    /* SMT: two threads per core; a decoy <cpu> in host/cpu and in a guest */
    const char *xml =
        "<capabilities><host><cpu><arch>x86_64</arch></cpu><topology><cells num='2'>"
        "<cell id='0'><cpus num='2'>"
        "<cpu id='0' socket_id='0' core_id='0' siblings='0,2'/>"
        "<cpu id='2' socket_id='0' core_id='0' siblings='0,2'/></cpus></cell>"
        "<cell id='1'><cpus num='1'><cpu id='3' socket_id='1' core_id='5' siblings='3'/>"
        "</cpus></cell></cells></topology></host>"
        "<guest><arch name='x86_64'><cpu id='9'/></arch></guest></capabilities>";
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) topo = sova_lv_caps_topology(xml, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(topo->len, ==, 4);
    SovaLvTopo *t = (SovaLvTopo *)topo->data;
    g_assert_cmpint(t[0].core, ==, t[2].core);
    g_assert_cmpint(t[0].socket, ==, t[2].socket);
    g_assert_cmpint(t[2].cell, ==, 0);
    g_assert_cmpint(t[1].cell, ==, -1);   /* absent from the topology: unknown */
    g_assert_cmpint(t[3].cell, ==, 1);
    g_assert_cmpint(t[3].core, ==, 5);

    g_autoptr(GError) bad = NULL;
    g_assert_null(sova_lv_caps_topology("<capabilities><host>", &bad));
    g_assert_nonnull(bad);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/libvirt/open/bad-uri", test_bad_uri);
    g_test_add_func("/libvirt/caps/topology", test_caps_topology);
    g_test_add_func("/libvirt/cache/affinity-refresh", test_affinity_refresh);
    g_test_add_func("/libvirt/sample/pcpus", test_pcpus);
    g_test_add_func("/libvirt/sample/domain", test_domain);
    g_test_add_func("/libvirt/sample/call-counts", test_call_counts);
    g_test_add_func("/libvirt/sample/cluster-reads", test_cluster_reads);
    g_test_add_func("/libvirt/execute/pin", test_pin);
    g_test_add_func("/libvirt/execute/share", test_share);
    g_test_add_func("/libvirt/sample/vanished", test_vanished);
    g_test_add_func("/libvirt/sample/reconnect", test_reconnect);
    g_test_add_func("/libvirt/execute/pin-before-sample", test_pin_before_sample);
    return g_test_run();
}
