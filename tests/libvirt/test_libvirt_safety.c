/* test_libvirt_safety.c — one VM, one host, one migration costs no more than itself
 * (issue 16): the libvirt backend's pure pieces on hand-built input, and its plumbing on
 * the in-process test driver (test:///default).
 *   - a migration bandwidth cap below 1 MiB/s is not sent as 0 (= unlimited);
 *   - vCPU ids with gaps (virsh setvcpu --disable) land at their ids, not at their
 *     position in virDomainGetVcpus' answer (which would pin the wrong vCPU);
 *   - two host names for one libvirt host (one capabilities host UUID) are refused;
 *   - a VF detach never waits: it stays pending, its VF in use, until device-removed;
 *   - a VM that gave its VF back for a migration that failed gets it again at once;
 *   - a migration aborted (migrate_abort, a controller's stop) while the VM gives back its
 *     VF ends there: FAILED and aborted, the VM keeps its VF, no mark left.
 * The test driver cannot hot-plug, so "libvirt accepted the detach request" and "the
 * device-removed event arrived" are stood in for (sova_lv_vf_pending_add, the event
 * table); the real thing: test_netrig.c. */
#include <libvirt/libvirt.h>
#include <string.h>
#include "backend/libvirt/libvirt_backend.h"
#include "backend/libvirt/libvirt_private.h"
#include "util/error.h"
#include "lv_test_util.h"

#define URI LVT_URI

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
    g_clear_error(&error);

    /* and whenever a connection is made (a host the controller reaches later): the
     * second URI to one host UUID is refused, naming both; the same URI twice is not */
    SovaLibvirtBackend *a = (SovaLibvirtBackend *)sova_libvirt_backend_open(URI, NULL, &error);
    SovaLibvirtBackend *b = (SovaLibvirtBackend *)sova_libvirt_backend_open(URI, NULL, &error);
    SovaLibvirtBackend *c = (SovaLibvirtBackend *)sova_libvirt_backend_open(URI, NULL, &error);
    g_assert_no_error(error);
    a->host_uuid = g_strdup("11111111-2222-3333-4444-555555555555");
    b->host_uuid = g_strdup("11111111-2222-3333-4444-555555555555");
    c->host_uuid = g_strdup("11111111-2222-3333-4444-555555555555");
    g_free(b->uri);
    b->uri = g_strdup("qemu+tcp://h1-again/system");
    g_assert_true(sova_lv_host_claim(a, &error));
    g_assert_true(sova_lv_host_claim(c, &error));   /* the same URI: a second reader */
    g_assert_false(sova_lv_host_claim(b, &error));
    g_assert_error(error, SOVA_ERROR, SOVA_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, URI " and qemu+tcp://h1-again/system are one"));
    g_clear_error(&error);
    sova_lv_host_release(a);
    sova_lv_host_release(c);
    g_assert_true(sova_lv_host_claim(b, &error));   /* the first one is gone */
    sova_backend_free(&a->base);
    sova_backend_free(&b->base);
    sova_backend_free(&c->base);
}

static void device_removed(SovaBackend *be, const char *uuid, const char *alias)
{
    g_hash_table_add(((SovaLibvirtBackend *)be)->vf.removed,
                     g_strdup_printf("%s/%s", uuid, alias));
}

/* item 11: a requested detach returns at once and stays pending — asked again without a
 * libvirt call, its VF in use (no second VM gets it) — until device-removed settles it
 * after a sample, and an attach meanwhile (a hand-over) waits for that VF on the main
 * loop; a detach past the detach timeout is reported and requested again */
static void test_detach_never_waits(void)
{
    g_autoptr(SovaBackend) be = lvt_open_net(1, 0.001);
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    virDomainPtr holder = lvt_create_vm(conn, "holder", 1, "ua-sova-vf0");
    virDomainPtr other = lvt_create_vm(conn, "other", 2, NULL);
    g_autoptr(SovaSnapshot) s1 = lvt_sample(be);
    SovaAction det = lvt_action(SOVA_ACTION_DETACH_VF, holder);
    sova_lv_vf_pending_add((SovaLibvirtBackend *)be, det.uuid, "ua-sova-vf0");
    g_autoptr(GError) error = NULL;
    guint64 calls = be->calls;
    g_assert_true(sova_backend_execute(be, &det, &error));   /* already requested */
    g_assert_cmpuint(be->calls, ==, calls);
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be), ==, 1);
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 1);
    /* a hand-over: the attach waits for the VF being detached, on the main loop */
    SovaAction att = lvt_action(SOVA_ACTION_ATTACH_VF, other);
    g_assert_true(sova_backend_execute(be, &att, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(sova_lv_vf_queued((SovaLibvirtBackend *)be), ==, 1);
    SovaLibvirtVfStats st;
    sova_libvirt_backend_vf_stats(be, &st);
    g_assert_cmpuint(st.attach_failures, ==, 0);   /* not tried yet: no free slot */

    g_usleep(5000);   /* past the 1 ms detach timeout: reported once, asked again */
    g_autoptr(SovaSnapshot) s2 = lvt_sample(be);
    sova_libvirt_backend_vf_stats(be, &st);
    g_assert_cmpuint(st.detach_timeouts, ==, 1);
    g_assert_cmpuint(st.detaches, ==, 0);
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be), ==, 1);

    device_removed(be, det.uuid, "ua-sova-vf0");
    g_autoptr(SovaSnapshot) s3 = lvt_sample(be);
    sova_libvirt_backend_vf_stats(be, &st);
    g_assert_cmpuint(st.detaches, ==, 1);
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be), ==, 0);
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 0);
    /* the slot is free: the waiting attach is carried out by the main loop (the agent's
     * wait), not at the next interval; the test driver refuses it, which shows it ran */
    for (int i = 0; i < 500 && sova_lv_vf_queued((SovaLibvirtBackend *)be); i++)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpuint(sova_lv_vf_queued((SovaLibvirtBackend *)be), ==, 0);
    sova_libvirt_backend_vf_stats(be, &st);
    g_assert_cmpuint(st.attach_failures, ==, 1);
    virDomainDestroy(holder);
    virDomainDestroy(other);
    virDomainFree(holder);
    virDomainFree(other);
}

/* polls until the migration of uuid has ended */
static SovaMigrationStatus migration_end(SovaBackend *be, const char *uuid)
{
    SovaMigrationStatus st = {0};
    for (int i = 0; i < 2000; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_assert_true(be->ops->migrate_poll(be, uuid, &st));
        if (st.state != SOVA_MIGRATION_RUNNING)
            return st;
        g_usleep(5000);
    }
    g_assert_not_reached();
}

/* item 8: the VF given back for a migration that then fails is attached again at once
 * (the test driver refuses the attach: the attempt is what shows), and the leaving mark
 * is gone; a guest that does not give its VF back in time keeps it, not migrated */
static void test_failed_migration_gives_vf_back(void)
{
    g_autoptr(SovaBackend) be = lvt_open_net(1, 60);
    g_autoptr(SovaBackend) dest = lvt_open_net(1, 60);
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    virDomainPtr holder = lvt_create_vm(conn, "mover", 1, "ua-sova-vf0");
    g_autoptr(SovaSnapshot) s1 = lvt_sample(be);
    SovaAction a = lvt_action(SOVA_ACTION_DETACH_VF, holder);
    sova_lv_vf_pending_add((SovaLibvirtBackend *)be, a.uuid, "ua-sova-vf0");
    SovaMigrateOptions mo = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(be->ops->migrate_start(be, a.uuid, dest, &mo, &error));
    g_assert_no_error(error);
    SovaMigrationStatus st;
    g_assert_true(be->ops->migrate_poll(be, a.uuid, &st));
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_RUNNING);   /* its VF is not gone yet */
    device_removed(be, a.uuid, "ua-sova-vf0");
    st = migration_end(be, a.uuid);   /* the test driver refuses p2p migration */
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_FAILED);
    g_free(st.error);
    SovaLibvirtVfStats vs;
    sova_libvirt_backend_vf_stats(be, &vs);
    g_assert_cmpuint(vs.detaches, ==, 1);
    g_assert_cmpuint(vs.attach_failures, ==, 1);   /* asked for at once */
    g_assert_false(sova_lv_domain_lookup((SovaLibvirtBackend *)be, a.uuid)->meta.leaving);

    /* the guest never gives it back: FAILED after the detach timeout, nothing re-attached */
    g_autoptr(SovaBackend) be2 = lvt_open_net(1, 0.001);
    g_autoptr(SovaSnapshot) s2 = lvt_sample(be2);
    sova_lv_vf_pending_add((SovaLibvirtBackend *)be2, a.uuid, "ua-sova-vf0");
    g_assert_true(be2->ops->migrate_start(be2, a.uuid, dest, &mo, &error));
    g_usleep(5000);
    st = migration_end(be2, a.uuid);
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_FAILED);
    g_assert_nonnull(strstr(st.error, "did not give back its VF"));
    g_free(st.error);
    sova_libvirt_backend_vf_stats(be2, &vs);
    g_assert_cmpuint(vs.attach_failures, ==, 0);   /* it holds its VF still */
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be2), ==, 0);
    virDomainDestroy(holder);
    virDomainFree(holder);
}

/* the worker starts once: the VFs seen gone by a poll start it, and the main-loop source
 * that watched for the same thing must not start a second worker on the same migration (it
 * did: a second virDomainMigrateToURI3, the first thread never joined, its error leaked) */
static void test_worker_starts_once(void)
{
    g_autoptr(SovaBackend) be = lvt_open_net(1, 60);
    g_autoptr(SovaBackend) dest = lvt_open_net(1, 60);
    virDomainPtr holder = lvt_create_vm(sova_libvirt_backend_conn(be), "mover", 1, "ua-sova-vf0");
    g_autoptr(SovaSnapshot) s1 = lvt_sample(be);
    SovaAction a = lvt_action(SOVA_ACTION_DETACH_VF, holder);
    sova_lv_vf_pending_add((SovaLibvirtBackend *)be, a.uuid, "ua-sova-vf0");
    SovaMigrateOptions mo = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(be->ops->migrate_start(be, a.uuid, dest, &mo, &error));
    g_assert_no_error(error);
    device_removed(be, a.uuid, "ua-sova-vf0");
    SovaMigrationStatus st;
    g_assert_true(be->ops->migrate_poll(be, a.uuid, &st));   /* sees it gone: starts the worker */
    guint64 calls = be->calls;
    gint64 until = g_get_monotonic_time() + 200 * G_TIME_SPAN_MILLISECOND;
    while (g_get_monotonic_time() < until) {   /* the release source's ticks come due */
        g_main_context_iteration(NULL, FALSE);
        g_usleep(5000);
    }
    g_assert_cmpuint(be->calls, ==, calls);   /* no second migration call */
    if (st.state == SOVA_MIGRATION_RUNNING)   /* else the worker had returned by that poll */
        st = migration_end(be, a.uuid);
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_FAILED);   /* the test driver refuses it */
    g_free(st.error);
    virDomainDestroy(holder);
    virDomainFree(holder);
}

/* item 7: migrate_abort while the VM still gives back its VF: nothing has left, so the
 * wait ends, the next poll reports it aborted, the mark is gone, the VM keeps its VF (no
 * detach pending, none asked again); a VM with no migration cannot be aborted */
static void test_abort_while_giving_back(void)
{
    g_autoptr(SovaBackend) be = lvt_open_net(1, 60);
    g_autoptr(SovaBackend) dest = lvt_open_net(1, 60);
    virDomainPtr holder = lvt_create_vm(sova_libvirt_backend_conn(be), "mover", 1, "ua-sova-vf0");
    g_autoptr(SovaSnapshot) s1 = lvt_sample(be);
    SovaAction a = lvt_action(SOVA_ACTION_DETACH_VF, holder);
    g_autoptr(GError) error = NULL;
    g_assert_false(be->ops->migrate_abort(be, a.uuid, &error));
    g_assert_error(error, SOVA_ERROR, SOVA_ERROR_GONE);
    g_clear_error(&error);
    sova_lv_vf_pending_add((SovaLibvirtBackend *)be, a.uuid, "ua-sova-vf0");
    SovaMigrateOptions mo = {0};
    g_assert_true(be->ops->migrate_start(be, a.uuid, dest, &mo, &error));
    g_assert_true(sova_lv_domain_lookup((SovaLibvirtBackend *)be, a.uuid)->meta.leaving);
    SovaMigrationStatus st;
    g_assert_true(be->ops->migrate_poll(be, a.uuid, &st));
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_RUNNING);   /* its VF is not gone yet */
    g_assert_true(be->ops->migrate_abort(be, a.uuid, &error));
    g_assert_no_error(error);
    g_assert_true(be->ops->migrate_poll(be, a.uuid, &st));
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_FAILED);
    g_assert_true(st.aborted);
    g_assert_nonnull(strstr(st.error, "aborted on request"));
    g_free(st.error);
    g_assert_false(be->ops->migrate_poll(be, a.uuid, &st));   /* reported once */
    g_assert_false(sova_lv_domain_lookup((SovaLibvirtBackend *)be, a.uuid)->meta.leaving);
    char *mark = virDomainGetMetadata(holder, VIR_DOMAIN_METADATA_ELEMENT, SOVA_META_CTL_NS,
                                      VIR_DOMAIN_AFFECT_LIVE);
    g_assert_null(mark);      /* libvirt's own view, not only the cache */
    virResetLastError();
    SovaLibvirtVfStats vs;
    sova_libvirt_backend_vf_stats(be, &vs);
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be), ==, 0);
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 1);   /* it kept its VF */
    g_assert_cmpuint(vs.attach_failures, ==, 0);                   /* none asked again */
    virDomainDestroy(holder);
    virDomainFree(holder);
}

/* issue 16 item 2: a value from sova.conf goes into the VF's XML escaped, in one pass (a
 * value that looks like a placeholder is not replaced again) */
static void test_vf_template_escaped(void)
{
    const char *tpl = "<interface type='network'><source network='{network}'/>"
                      "<mac address='{mac}'/><alias name='{alias}'/>{other}</interface>";
    g_autofree char *xml = sova_lv_vf_render(tpl, "52:54:00:00:00:01", "ua-sova-vf0", NULL,
                                             "pf0' evil='<&>{slot}", 3);
    g_assert_cmpstr(xml, ==, "<interface type='network'>"
                    "<source network='pf0&apos; evil=&apos;&lt;&amp;&gt;{slot}'/>"
                    "<mac address='52:54:00:00:00:01'/><alias name='ua-sova-vf0'/>{other}</interface>");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/libvirt-safety/vf-template-escaped", test_vf_template_escaped);
    g_test_add_func("/libvirt-safety/bandwidth-never-unlimited", test_bandwidth_never_unlimited);
    g_test_add_func("/libvirt-safety/vcpu-ids-with-gaps", test_vcpu_ids_with_gaps);
    g_test_add_func("/libvirt-safety/one-host-two-names", test_one_host_two_names);
    g_test_add_func("/libvirt-safety/detach-never-waits", test_detach_never_waits);
    g_test_add_func("/libvirt-safety/failed-migration-gives-vf-back",
                    test_failed_migration_gives_vf_back);
    g_test_add_func("/libvirt-safety/abort-while-giving-back", test_abort_while_giving_back);
    g_test_add_func("/libvirt-safety/worker-starts-once", test_worker_starts_once);
    return g_test_run();
}
