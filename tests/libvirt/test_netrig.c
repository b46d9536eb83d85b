/* test_netrig.c — VF switching through the libvirt backend against a real libvirtd.
 *
 * Needs root and a running system libvirtd (it uses it and never stops it); skips
 * (exit 77) otherwise. It creates two isolated libvirt networks and a q35 TCG guest,
 * all named sova-nettest-<pid>, the guest's XML and the stand-in's from the rig's one
 * template (rig/guest-xml.sh, given by SOVA_GUEST_XML): the guest's standby is a virtio NIC with
 * <teaming type='persistent'/> (alias ua-sova-net0) on the first network, the "VF" is
 * the rig's stand-in (vmxnet3, same MAC, explicit root-port address) on the second.
 * Through the backend it checks: the standby in the sample with its role, MAC and
 * tap; the domain XML read once, not every sample; the tap's counters growing with
 * host -> guest pings; attach -> a VF NIC in the next
 * sample; an agent restart keeps the VF (reconciled from the live XML); a detach returns
 * at once and completes on device-removed, handled between samples; a detach that
 * cannot complete (guest paused) stays pending, its VF in use, and completes once the
 * guest runs; a VF holder whose migration fails (to its own host: libvirt refuses)
 * has its VF again as soon as the failure is polled; a VM destroyed while holding a VF
 * frees its slot. It prints attach and detach latencies. The test body runs in a child
 * process so that the parent always removes what it created, by name. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "backend/libvirt/libvirt_backend.h"
#include "util/error.h"

#define URI "qemu:///system"
#define MAC "52:54:00:81:00:10"

static char dom_name[64], net_a[64], net_b[64], bridge_a[16], bridge_b[16];
static char *workdir;
static int subnet;

static void quiet(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static gboolean libvirtd_running(void)
{
    g_autofree char *pid_s = NULL;
    if (getuid() != 0 || !g_file_get_contents("/run/libvirtd.pid", &pid_s, NULL, NULL))
        return FALSE;
    gint64 pid = g_ascii_strtoll(pid_s, NULL, 10);
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static void create_network(virConnectPtr conn, const char *name, const char *bridge, int third)
{
    g_autofree char *xml = g_strdup_printf(
        "<network><name>%s</name><bridge name='%s' stp='off' delay='0'/>"
        "<ip address='10.81.%d.1' netmask='255.255.255.0'/></network>", name, bridge, third);
    virNetworkPtr n = virNetworkCreateXML(conn, xml);
    if (!n)
        g_error("creating network %s: %s", name, virGetLastErrorMessage());
    virNetworkFree(n);
}

/* runs the rig's guest-XML template (rig/guest-xml.sh, SOVA_GUEST_XML) with these arguments */
static char *guest_xml(const char *const *args)
{
    const char *script = g_getenv("SOVA_GUEST_XML");
    g_assert_nonnull(script);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)script);
    for (; *args; args++)
        g_ptr_array_add(argv, (gpointer)*args);
    g_ptr_array_add(argv, NULL);
    char *out = NULL;
    gint status = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               NULL, &status, &error));
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    return out;
}

/* a q35 TCG guest whose standby (virtio, teaming, alias ua-sova-net0) is on the first network */
static char *domain_xml(void)
{
    g_autofree char *kernel = g_build_filename(workdir, "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(workdir, "initrd.gz", NULL);
    g_autofree char *console = g_build_filename(workdir, "console.log", NULL);
    g_autofree char *cmdline = g_strdup_printf("gip=10.81.%d.10/24 gmac=" MAC, subnet);
    g_autofree char *nic = g_strdup_printf("network=%s,mac=" MAC ",alias=ua-sova-net0,teaming=persistent",
                                           net_a);
    const char *args[] = {"domain", "--name", dom_name, "--type", "qemu", "--memory", "192",
                          "--machine", "q35", "--kernel", kernel, "--initrd", initrd,
                          "--console", console, "--cmdline", cmdline, "--nic", nic, NULL};
    return guest_xml(args);
}

/* the rig's VF stand-in: vmxnet3 on the second network, no teaming, a free root port */
static char *standin_template(void)
{
    const char *args[] = {"vf-template", "--network", net_b, NULL};
    return guest_xml(args);
}

static guint console_count(const char *what)
{
    g_autofree char *path = g_build_filename(workdir, "console.log", NULL);
    g_autofree char *text = NULL;
    guint n = 0;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    for (const char *p = text; (p = strstr(p, what)); p++)
        n++;
    return n;
}

/* polls the console until `what` occurs more than `before` times; seconds waited or -1 */
static double wait_console(const char *what, guint before, double timeout_s)
{
    gint64 t0 = g_get_monotonic_time();
    while (console_count(what) <= before) {
        if ((g_get_monotonic_time() - t0) / 1e6 > timeout_s)
            return -1;
        g_usleep(20000);
    }
    return (g_get_monotonic_time() - t0) / 1e6;
}

static SovaVmSample *sample_vm(SovaBackend *be, SovaSnapshot **snap)
{
    g_autoptr(GError) error = NULL;
    g_clear_pointer(snap, sova_snapshot_free);
    *snap = sova_backend_sample(be, &error);
    g_assert_no_error(error);
    for (guint i = 0; i < (*snap)->vms->len; i++) {
        SovaVmSample *vm = g_ptr_array_index((*snap)->vms, i);
        if (strcmp(vm->name, dom_name) == 0)
            return vm;
    }
    return NULL;
}

static const SovaNicSample *nic_with_role(const SovaVmSample *vm, SovaNicRole role)
{
    for (guint i = 0; i < vm->nics->len; i++)
        if (sova_vm_nic(vm, i)->role == role)
            return sova_vm_nic(vm, i);
    return NULL;
}

static SovaBackend *open_backend(double detach_timeout)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tmpl = standin_template();
    SovaLibvirtOptions o = {.affinity_refresh = 0, .net = TRUE, .vf_template = tmpl,
                            .vf_pool = 1, .detach_timeout = detach_timeout};
    SovaBackend *be = sova_libvirt_backend_open(URI, &o, &error);
    g_assert_no_error(error);
    return be;
}

static SovaAction action(SovaActionKind kind, const char *uuid)
{
    SovaAction a = {.kind = kind, .vm_name = dom_name, .reason = (char *)"test"};
    g_strlcpy(a.uuid, uuid, sizeof a.uuid);
    return a;
}

static gboolean xml_has(virConnectPtr conn, const char *what)
{
    virDomainPtr d = virDomainLookupByName(conn, dom_name);
    g_assert_nonnull(d);
    g_autofree char *xml = virDomainGetXMLDesc(d, 0);
    virDomainFree(d);
    return xml && strstr(xml, what);
}

/* attach, see it in the sample and in the guest; returns the guest-visible delay */
static double attach_ok(SovaBackend *be, const char *uuid, SovaSnapshot **snap)
{
    g_autoptr(GError) error = NULL;
    SovaAction a = action(SOVA_ACTION_ATTACH_VF, uuid);
    guint seen = console_count("NETDEV-ADDED");
    g_assert_true(sova_backend_execute(be, &a, &error));
    g_assert_no_error(error);
    double guest = wait_console("NETDEV-ADDED", seen, 30);
    SovaVmSample *vm = sample_vm(be, snap);
    const SovaNicSample *vf = nic_with_role(vm, SOVA_NIC_VF);
    g_assert_nonnull(vf);
    g_assert_cmpstr(vf->alias, ==, "ua-sova-vf0");
    g_assert_cmpstr(vf->mac, ==, MAC);
    g_assert_nonnull(vf->target_dev);   /* the stand-in's tap, learnt from the re-read XML */
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 1);
    return guest;
}

/* samples (waiting between, as the agent does) until no detach is pending */
static SovaVmSample *sample_until_settled(SovaBackend *be, SovaSnapshot **snap)
{
    SovaVmSample *vm = NULL;
    for (int i = 0; i < 300; i++) {
        sova_backend_wait(be, 0.1, NULL);
        vm = sample_vm(be, snap);
        if (sova_libvirt_backend_vf_pending(be) == 0)
            break;
    }
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be), ==, 0);
    return vm;
}

static void detach_ok(SovaBackend *be, const char *uuid, SovaSnapshot **snap)
{
    g_autoptr(GError) error = NULL;
    SovaAction a = action(SOVA_ACTION_DETACH_VF, uuid);
    guint seen = console_count("NETDEV-REMOVED");
    g_assert_true(sova_backend_execute(be, &a, &error));
    g_assert_no_error(error);
    wait_console("NETDEV-REMOVED", seen, 30);   /* so the next attach is a new netdev */
    SovaVmSample *vm = sample_until_settled(be, snap);
    g_assert_null(nic_with_role(vm, SOVA_NIC_VF));
    g_assert_nonnull(nic_with_role(vm, SOVA_NIC_STANDBY));
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 0);
}

static void cycles(SovaBackend *be, virConnectPtr conn, const char *uuid, SovaSnapshot **snap)
{
    for (int c = 1; c <= 3; c++) {
        double guest = attach_ok(be, uuid, snap);
        SovaLibvirtVfStats st;
        sova_libvirt_backend_vf_stats(be, &st);
        double attach = st.last_attach_s;
        g_usleep(500000);   /* let the guest finish bringing the NIC up */
        detach_ok(be, uuid, snap);
        sova_libvirt_backend_vf_stats(be, &st);
        g_assert_cmpfloat(st.last_detach_event_s, >=, st.last_detach_request_s);
        g_assert_false(xml_has(conn, "ua-sova-vf0"));
        printf("cycle %d: attach %.3f s (guest netdev after %.3f s) | detach request %.3f s, "
               "device-removed after %.3f s\n", c, attach, guest, st.last_detach_request_s,
               st.last_detach_event_s);
    }
}

/* the guest is paused: the unplug cannot complete; it stays pending, then completes */
static void pending_detach(virConnectPtr conn, const char *uuid, SovaSnapshot **snap)
{
    g_autoptr(SovaBackend) be = open_backend(1.0);
    sample_vm(be, snap);
    attach_ok(be, uuid, snap);
    g_usleep(500000);
    virDomainPtr dom = virDomainLookupByName(conn, dom_name);
    guint removed = console_count("NETDEV-REMOVED");
    g_assert_cmpint(virDomainSuspend(dom), ==, 0);
    g_autoptr(GError) error = NULL;
    SovaAction d = action(SOVA_ACTION_DETACH_VF, uuid);
    g_assert_true(sova_backend_execute(be, &d, &error));   /* requested; never waits */
    g_assert_no_error(error);
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be), ==, 1);
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 1);   /* not freed yet */
    SovaAction a = action(SOVA_ACTION_ATTACH_VF, uuid);
    g_assert_false(sova_backend_execute(be, &a, &error));   /* it still holds it */
    g_clear_error(&error);
    sova_backend_wait(be, 1.5, NULL);   /* past the 1 s detach timeout */
    sample_vm(be, snap);                 /* still paused: reported, asked again, pending */
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be), ==, 1);
    SovaLibvirtVfStats st;
    sova_libvirt_backend_vf_stats(be, &st);
    g_assert_cmpuint(st.detach_timeouts, ==, 1);
    g_assert_cmpint(virDomainResume(dom), ==, 0);
    virDomainFree(dom);
    for (int i = 0; i < 60 && sova_libvirt_backend_vf_pending(be) > 0; i++) {
        sova_backend_wait(be, 0.5, NULL);
        sample_vm(be, snap);
    }
    g_assert_cmpuint(sova_libvirt_backend_vf_pending(be), ==, 0);
    wait_console("NETDEV-REMOVED", removed, 30);
    sample_vm(be, snap);
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 0);
    g_assert_false(xml_has(conn, "ua-sova-vf0"));
}

/* issue 16 item 8: a VF holder whose migration fails (to its own host, which libvirt
 * refuses once the VF is given back) has its VF again when the failure is polled */
static void failed_migration(virConnectPtr conn, const char *uuid, SovaSnapshot **snap)
{
    g_autoptr(SovaBackend) be = open_backend(15.0);
    g_autoptr(SovaBackend) self = open_backend(15.0);   /* the same host, another name */
    sample_vm(be, snap);
    attach_ok(be, uuid, snap);
    g_usleep(500000);
    guint removed = console_count("NETDEV-REMOVED"), added = console_count("NETDEV-ADDED");
    SovaMigrateOptions mo = {.timeout_s = 60};
    g_autoptr(GError) error = NULL;
    g_assert_true(be->ops->migrate_start(be, uuid, self, &mo, &error));
    g_assert_no_error(error);
    SovaMigrationStatus st = {0};
    for (int i = 0; i < 600; i++) {
        sova_backend_wait(be, 0.1, NULL);
        g_assert_true(be->ops->migrate_poll(be, uuid, &st));
        if (st.state != SOVA_MIGRATION_RUNNING)
            break;
    }
    g_assert_cmpint(st.state, ==, SOVA_MIGRATION_FAILED);
    printf("migration to its own host failed after %.2f s: %s\n", st.elapsed_s, st.error);
    g_free(st.error);
    g_assert_cmpuint(console_count("NETDEV-REMOVED"), >, removed);   /* it was given back */
    g_assert_true(xml_has(conn, "ua-sova-vf0"));                     /* and is there again */
    g_assert_false(xml_has(conn, "leaving"));
    double back = wait_console("NETDEV-ADDED", added, 30);
    g_assert_cmpfloat(back, >=, 0);
    SovaVmSample *vm = sample_vm(be, snap);
    g_assert_nonnull(nic_with_role(vm, SOVA_NIC_VF));
    printf("the VF is back in the guest %.2f s after the failure was polled\n", back);
    g_usleep(500000);
    detach_ok(be, uuid, snap);
}

static void run(void)
{
    virConnectPtr conn = virConnectOpen(URI);
    g_assert_nonnull(conn);
    const char *script = g_getenv("SOVA_NETRIG_GUEST");
    g_assert_nonnull(script);
    g_autofree char *cmd = g_strdup_printf("%s %s", script, workdir);
    gint status = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, &error));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    create_network(conn, net_a, bridge_a, subnet);
    create_network(conn, net_b, bridge_b, subnet + 1);
    g_autofree char *xml = domain_xml();
    virDomainPtr dom = virDomainCreateXML(conn, xml, 0);
    if (!dom)
        g_error("creating %s: %s", dom_name, virGetLastErrorMessage());
    char uuid[VIR_UUID_STRING_BUFLEN];
    virDomainGetUUIDString(dom, uuid);
    double boot = wait_console("GUEST READY", 0, 120);
    g_assert_cmpfloat(boot, >=, 0);
    printf("guest booted in %.2f s\n", boot);

    SovaSnapshot *snap = NULL;
    /* call counts: with the net plane, one XML read per VM when first seen, none after */
    guint64 plain[2], net[2];
    guint n_vms[4];
    {
        SovaLibvirtOptions o = {.affinity_refresh = 0};
        g_autoptr(SovaBackend) nb = sova_libvirt_backend_open(URI, &o, &error);
        g_assert_no_error(error);
        for (int i = 0; i < 2; i++) {
            guint64 c0 = nb->calls;
            g_assert_nonnull(sample_vm(nb, &snap));
            plain[i] = nb->calls - c0;
            n_vms[i] = snap->vms->len;
        }
    }
    SovaBackend *be = open_backend(15.0);
    SovaVmSample *vm = NULL;
    for (int i = 0; i < 2; i++) {
        guint64 c0 = be->calls;
        vm = sample_vm(be, &snap);
        net[i] = be->calls - c0;
        n_vms[2 + i] = snap->vms->len;
    }
    printf("calls per sample: plain %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
           ", net plane %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " (%u VMs)\n",
           plain[0], plain[1], net[0], net[1], n_vms[2]);
    if (n_vms[0] == n_vms[1] && n_vms[1] == n_vms[2] && n_vms[2] == n_vms[3]) {
        g_assert_cmpuint(net[0], ==, plain[0] + n_vms[2]);   /* other VMs may come and go */
        g_assert_cmpuint(net[1], ==, plain[1]);
    }
    g_assert_nonnull(vm);
    const SovaNicSample *sb = nic_with_role(vm, SOVA_NIC_STANDBY);
    g_assert_nonnull(sb);
    g_assert_cmpstr(sb->alias, ==, "ua-sova-net0");
    g_assert_cmpstr(sb->mac, ==, MAC);
    g_assert_nonnull(sb->target_dev);
    g_assert_null(nic_with_role(vm, SOVA_NIC_VF));

    /* the counters are the tap's and grow with real traffic (host -> guest pings) */
    guint64 rx0 = sb->rx_packets, tx0 = sb->tx_packets;
    g_autofree char *ping = g_strdup_printf("ping -q -c 10 -i 0.1 -W 1 10.81.%d.10", subnet);
    g_assert_true(g_spawn_command_line_sync(ping, NULL, NULL, &status, NULL));
    printf("ping exit status %d\n", status);
    vm = sample_vm(be, &snap);
    sb = nic_with_role(vm, SOVA_NIC_STANDBY);
    printf("standby tap %s: rx %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " pkts, tx %"
           G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT "\n", sb->target_dev, rx0, sb->rx_packets,
           tx0, sb->tx_packets);
    g_assert_cmpuint(sb->rx_packets, >=, rx0 + 10);   /* echo requests reached the guest */
    g_assert_cmpuint(sb->tx_packets, >=, tx0 + 10);   /* and it replied */

    cycles(be, conn, uuid, &snap);

    /* an agent restart finds the VF handed out and leaves it */
    attach_ok(be, uuid, &snap);
    sova_backend_free(be);
    be = open_backend(15.0);
    vm = sample_vm(be, &snap);
    g_assert_nonnull(nic_with_role(vm, SOVA_NIC_VF));
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 1);
    g_assert_true(xml_has(conn, "ua-sova-vf0"));
    g_usleep(500000);
    detach_ok(be, uuid, &snap);

    pending_detach(conn, uuid, &snap);
    failed_migration(conn, uuid, &snap);

    /* the VM vanishes holding a VF: its slot is free at the next sample */
    attach_ok(be, uuid, &snap);
    g_assert_cmpint(virDomainDestroy(dom), ==, 0);
    vm = sample_vm(be, &snap);
    g_assert_null(vm);
    g_assert_cmpuint(sova_libvirt_backend_vf_in_use(be), ==, 0);

    virDomainFree(dom);
    sova_snapshot_free(snap);
    sova_backend_free(be);
    virConnectClose(conn);
}

/* by name, whatever the child got to */
static void cleanup(void)
{
    virConnectPtr conn = virConnectOpen(URI);
    if (!conn)
        return;
    virDomainPtr d = virDomainLookupByName(conn, dom_name);
    if (d) {
        virDomainDestroy(d);
        virDomainFree(d);
    }
    const char *nets[] = {net_a, net_b};
    for (guint i = 0; i < G_N_ELEMENTS(nets); i++) {
        virNetworkPtr n = virNetworkLookupByName(conn, nets[i]);
        if (n) {
            virNetworkDestroy(n);
            virNetworkFree(n);
        }
    }
    virConnectClose(conn);
    g_autofree char *cmd = g_strdup_printf("rm -rf %s", workdir);
    g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL);
}

int main(void)
{
    if (!libvirtd_running()) {
        printf("SKIP: needs root and a running libvirtd (/run/libvirtd.pid)\n");
        return 77;
    }
    virSetErrorFunc(NULL, quiet);
    int pid = getpid();
    subnet = 2 * (pid % 100) + 10;
    g_snprintf(dom_name, sizeof dom_name, "sova-nettest-%d", pid);
    g_snprintf(net_a, sizeof net_a, "sova-nettest-%d-a", pid);
    g_snprintf(net_b, sizeof net_b, "sova-nettest-%d-b", pid);
    g_snprintf(bridge_a, sizeof bridge_a, "sovant%da", pid % 100000);
    g_snprintf(bridge_b, sizeof bridge_b, "sovant%db", pid % 100000);
    workdir = g_dir_make_tmp("sova-nettest-XXXXXX", NULL);
    g_assert_nonnull(workdir);
    chmod(workdir, 0755);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        run();
        exit(0);   /* not _exit: leak checkers run at exit */
    }
    int status = 0;
    waitpid(child, &status, 0);
    cleanup();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("PASS\n");
        return 0;
    }
    printf("FAIL (child status %d)\n", status);
    return 1;
}
