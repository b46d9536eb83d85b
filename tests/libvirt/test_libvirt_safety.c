/* test_libvirt_safety.c — one VM, one host, one migration costs no more than itself
 * (issue 16): the libvirt backend's pure pieces on hand-built input, and its plumbing on
 * the in-process test driver (test:///default).
 *   - a migration bandwidth cap below 1 MiB/s is not sent as 0 (= unlimited);
 *   - vCPU ids with gaps (virsh setvcpu --disable) land at their ids, not at their
 *     position in virDomainGetVcpus' answer (which would pin the wrong vCPU). */
#include <libvirt/libvirt.h>
#include <string.h>
#include "backend/libvirt/libvirt_backend.h"
#include "backend/libvirt/libvirt_private.h"
#include "util/error.h"

#define URI "test:///default"

/* item 9 */
static void test_bandwidth_never_unlimited(void)
{
    g_assert_cmpuint(sova_lv_migrate_bandwidth(0), ==, 0);      /* no cap */
    g_assert_cmpuint(sova_lv_migrate_bandwidth(-3), ==, 0);
    g_assert_cmpuint(sova_lv_migrate_bandwidth(0.3), ==, 1);    /* was 0: unlimited */
    g_assert_cmpuint(sova_lv_migrate_bandwidth(0.5), ==, 1);
    g_assert_cmpuint(sova_lv_migrate_bandwidth(1.4), ==, 1);
    g_assert_cmpuint(sova_lv_migrate_bandwidth(1000), ==, 1000);
    g_assert_cmpuint(sova_lv_migrate_bandwidth(1e300), ==, G_MAXUINT64);
}

/* item 12: vCPUs 0 and 2 online, 1 disabled; the answer lists them in position order */
static void test_vcpu_ids_with_gaps(void)
{
    g_autoptr(GError) error = NULL;
    SovaLibvirtOptions o = {0};
    g_autoptr(SovaBackend) be = sova_libvirt_backend_open(URI, &o, &error);
    g_assert_no_error(error);
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    g_autoptr(SovaSnapshot) warm = sova_backend_sample(be, &error);   /* sets n_pcpus */
    g_assert_no_error(error);
    g_assert_cmpuint(lv->n_pcpus, >=, 4);
    int maplen = VIR_CPU_MAPLEN(lv->n_pcpus);
    virVcpuInfo info[2] = {
        {.number = 0, .cpuTime = 100, .cpu = 1},
        {.number = 2, .cpuTime = 300, .cpu = 3},
    };
    g_autofree unsigned char *maps = g_malloc0(2 * maplen);
    VIR_USE_CPU(VIR_GET_CPUMAP(maps, maplen, 0), 1);
    VIR_USE_CPU(VIR_GET_CPUMAP(maps, maplen, 1), 3);
    SovaLvDomain d = {.affinity = g_ptr_array_new_with_free_func((GDestroyNotify)sova_cpuset_free)};
    g_autoptr(SovaSnapshot) s = sova_snapshot_new(lv->n_pcpus);
    SovaVmSample *vm = sova_snapshot_add_vm(s, "00000000-0000-0000-0000-000000000002", "gaps", 0);
    sova_lv_vcpus_from_info(lv, &d, vm, info, maps, 2, maplen);
    g_assert_cmpuint(vm->vcpus->len, ==, 3);
    const SovaVcpuSample *v0 = sova_vm_vcpu(vm, 0), *v1 = sova_vm_vcpu(vm, 1),
                         *v2 = sova_vm_vcpu(vm, 2);
    g_assert_cmpuint(v0->time_ns, ==, 100);
    g_assert_cmpint(v0->pcpu, ==, 1);
    g_assert_cmpint(sova_cpuset_only(v0->affinity), ==, 1);
    g_assert_cmpuint(v1->time_ns, ==, 0);                       /* disabled: unknown */
    g_assert_cmpint(v1->pcpu, ==, -1);
    g_assert_null(v1->affinity);
    g_assert_cmpuint(v2->time_ns, ==, 300);                     /* was at index 1 */
    g_assert_cmpint(v2->pcpu, ==, 3);
    g_assert_cmpint(sova_cpuset_only(v2->affinity), ==, 3);
    g_assert_cmpuint(d.affinity->len, ==, 3);                   /* the cache by id too */
    g_assert_cmpint(sova_cpuset_only(g_ptr_array_index(d.affinity, 2)), ==, 3);
    g_ptr_array_unref(d.affinity);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/libvirt-safety/bandwidth-never-unlimited", test_bandwidth_never_unlimited);
    g_test_add_func("/libvirt-safety/vcpu-ids-with-gaps", test_vcpu_ids_with_gaps);
    return g_test_run();
}
