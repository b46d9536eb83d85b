/* test_libvirt_safety.c — one VM, one host, one migration costs no more than itself
 * (issue 16): the libvirt backend's pure pieces on hand-built input, and its plumbing on
 * the in-process test driver (test:///default).
 *   - a migration bandwidth cap below 1 MiB/s is not sent as 0 (= unlimited);
 *   - vCPU ids with gaps (virsh setvcpu --disable) land at their ids, not at their
 *     position in virDomainGetVcpus' answer (which would pin the wrong vCPU);
 *   - two host names for one libvirt host (one capabilities host UUID) are refused. */
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

/* item 10: the host UUID from the capabilities, and one host under two names refused */
static void test_one_host_two_names(void)
{
    g_autoptr(GError) error = NULL;
    char *uuid = NULL;
    GArray *topo = sova_lv_caps_read("<capabilities><host><uuid> 4c4c4544-0042-1010-8054-b4c04f4d3432 "
                                     "</uuid><cpu><uuid>no</uuid></cpu></host>"
                                     "<guest><uuid>nor-this</uuid></guest></capabilities>",
                                     &uuid, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(uuid, ==, "4c4c4544-0042-1010-8054-b4c04f4d3432");
    g_array_unref(topo);
    g_free(uuid);
    topo = sova_lv_caps_read("<capabilities><host/></capabilities>", &uuid, &error);
    g_assert_null(uuid);   /* the test driver's capabilities have none */
    g_array_unref(topo);

    SovaBackend *bes[3];
    const char *names[] = {"h1", "h2", "h1-again"};
    for (guint i = 0; i < 3; i++) {
        bes[i] = sova_libvirt_backend_open(URI, &(SovaLibvirtOptions){0}, &error);
        g_assert_no_error(error);
    }
    g_assert_true(sova_libvirt_backends_distinct(bes, names, 3, &error));   /* no UUIDs */
    ((SovaLibvirtBackend *)bes[0])->host_uuid = g_strdup("11111111-2222-3333-4444-555555555555");
    ((SovaLibvirtBackend *)bes[1])->host_uuid = g_strdup("11111111-2222-3333-4444-666666666666");
    g_assert_true(sova_libvirt_backends_distinct(bes, names, 3, &error));
    g_assert_no_error(error);
    ((SovaLibvirtBackend *)bes[2])->host_uuid = g_strdup("11111111-2222-3333-4444-555555555555");
    g_assert_cmpstr(sova_libvirt_backend_host_uuid(bes[2]), ==,
                    "11111111-2222-3333-4444-555555555555");
    g_assert_false(sova_libvirt_backends_distinct(bes, names, 3, &error));
    g_assert_error(error, SOVA_ERROR, SOVA_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "hosts h1 and h1-again"));
    g_assert_nonnull(strstr(error->message, "11111111-2222-3333-4444-555555555555"));
    for (guint i = 0; i < 3; i++)
        sova_backend_free(bes[i]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/libvirt-safety/bandwidth-never-unlimited", test_bandwidth_never_unlimited);
    g_test_add_func("/libvirt-safety/vcpu-ids-with-gaps", test_vcpu_ids_with_gaps);
    g_test_add_func("/libvirt-safety/one-host-two-names", test_one_host_two_names);
    return g_test_run();
}
