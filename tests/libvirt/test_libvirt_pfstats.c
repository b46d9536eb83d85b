/* test_libvirt_pfstats.c — hostdev VFs' counters from their PFs, through the libvirt
 * backend, without SR-IOV hardware: the test driver holds VMs with <interface
 * type='hostdev'> VFs (it checks no hardware), a fake sysfs tree maps their PCI
 * addresses to PF + index, and the PF's netlink answer is replaced by canned per-VF
 * statistics (the parser itself is test_vf_stats.c's). Asserted: the VF NICs carry the
 * PF's counters (from_pf), one request per PF per sample whatever the number of its VFs
 * in use, no libvirt call more than without, a PF without per-VF stats leaves its VFs
 * blind, and the interface XML's PCI address. */
#include <libvirt/libvirt.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include "backend/libvirt/libvirt_backend.h"
#include "backend/libvirt/libvirt_private.h"
#include "util/error.h"
#include "lv_test_util.h"

static char *root;

static void mk(const char *rel)
{
    g_autofree char *p = g_build_filename(root, rel, NULL);
    g_assert_cmpint(g_mkdir_with_parents(p, 0755), ==, 0);
}

static void ln(const char *target, const char *rel)
{
    g_autofree char *p = g_build_filename(root, rel, NULL);
    g_assert_cmpint(symlink(target, p), ==, 0);
}

/* PF enp3s0f0 (0000:03:00.0) with VFs 0..2 at 0000:03:10.{0,2,4}; PF ens5 (0000:05:00.0),
 * whose driver keeps no per-VF stats, with VF 0 at 0000:05:02.0 */
static void build_tree(void)
{
    root = g_dir_make_tmp("sova-pfstats-XXXXXX", NULL);
    static const struct { const char *pf, *pf_pci, *vf_pci; guint n; } vfs[] = {
        { "enp3s0f0", "0000:03:00.0", "0000:03:10.0", 0 },
        { "enp3s0f0", "0000:03:00.0", "0000:03:10.2", 1 },
        { "enp3s0f0", "0000:03:00.0", "0000:03:10.4", 2 },
        { "ens5", "0000:05:00.0", "0000:05:02.0", 0 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(vfs); i++) {
        g_autofree char *pfnet = g_strdup_printf("bus/pci/devices/%s/net/%s", vfs[i].pf_pci, vfs[i].pf);
        mk(pfnet);
        g_autofree char *vfdir = g_strdup_printf("bus/pci/devices/%s", vfs[i].vf_pci);
        mk(vfdir);
        g_autofree char *physfn = g_strdup_printf("%s/physfn", vfdir);
        g_autofree char *pf_target = g_strdup_printf("../%s", vfs[i].pf_pci);
        ln(pf_target, physfn);
        g_autofree char *virtfn = g_strdup_printf("bus/pci/devices/%s/virtfn%u", vfs[i].pf_pci, vfs[i].n);
        g_autofree char *vf_target = g_strdup_printf("../%s", vfs[i].vf_pci);
        ln(vf_target, virtfn);
        g_autofree char *cls = g_strdup_printf("class/net/%s", vfs[i].pf);
        g_autofree char *cls_abs = g_build_filename(root, cls, NULL);
        if (!g_file_test(cls_abs, G_FILE_TEST_EXISTS)) {
            mk(cls);
            g_autofree char *dev = g_strdup_printf("%s/device", cls);
            g_autofree char *dev_target = g_strdup_printf("../../../bus/pci/devices/%s", vfs[i].pf_pci);
            ln(dev_target, dev);
        }
    }
}

static void rm_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_SYMLINK) || !g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_unlink(path);
        return;
    }
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        rm_tree(child);
    }
    g_rmdir(path);
}

/* the fake PF: enp3s0f0 counts each VF (VF n: 1000 (n+1) k packets each way, ...),
 * ens5 lists its VF without stats; every call counted per PF */
typedef struct {
    guint enp3s0f0, ens5;
    guint64 k;                /* grows at each sample, so counters move */
} FakePf;

static GArray *fake_query(gpointer data, const char *pf, GError **error)
{
    FakePf *f = data;
    GArray *out = g_array_new(FALSE, TRUE, sizeof(SovaVfStat));
    if (g_str_equal(pf, "enp3s0f0")) {
        f->enp3s0f0++;
        for (guint n = 0; n < 3; n++) {
            guint64 pk = (n + 1) * 1000 * f->k;
            SovaVfStat v = { .vf = n, .has_stats = TRUE, .has_drops = TRUE, .rx_packets = pk,
                             .tx_packets = pk + 1, .rx_bytes = pk * 1000, .tx_bytes = pk * 1000 + 7,
                             .rx_dropped = n, .tx_dropped = 0 };
            g_array_append_val(out, v);
        }
    } else if (g_str_equal(pf, "ens5")) {
        f->ens5++;
        SovaVfStat v = { .vf = 0 };
        g_array_append_val(out, v);
    } else {
        g_array_unref(out);
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "netlink: RTM_GETLINK: No such device");
        return NULL;
    }
    return out;
}

static const char *const vf_xml =
    "<interface type='hostdev' managed='yes'><mac address='52:54:00:00:00:%02x'/>"
    "<source><address type='pci' domain='0x0000' bus='0x%s' slot='0x%s' function='0x%s'/></source>"
    "<teaming type='transient' persistent='ua-sova-net0'/><alias name='%s'/></interface>";

static virDomainPtr vm_with_vf(virConnectPtr conn, const char *name, int n, const char *bus,
                               const char *slot, const char *fn, const char *alias)
{
    g_autofree char *vf = g_strdup_printf(vf_xml, n, bus, slot, fn, alias);
    return lvt_create_vm_with(conn, name, n, vf);
}

static SovaBackend *open_with_fake(FakePf *f)
{
    g_autoptr(GError) error = NULL;
    SovaLibvirtOptions o = {.net = TRUE, .vf_pool = 4, .vf_network = "vfnet", .sysfs_root = root};
    SovaBackend *be = sova_libvirt_backend_open(LVT_URI, &o, &error);
    g_assert_no_error(error);
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    lv->pf.query = fake_query;
    lv->pf.query_data = f;
    return be;
}

static const SovaNicSample *vf_nic(const SovaVmSample *vm)
{
    for (guint i = 0; vm && i < vm->nics->len; i++)
        if (sova_vm_nic(vm, i)->role == SOVA_NIC_VF)
            return sova_vm_nic(vm, i);
    return NULL;
}

static void test_counters_from_pf(void)
{
    FakePf f = { .k = 1 };
    SovaBackend *be = open_with_fake(&f);
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    virDomainPtr a = vm_with_vf(conn, "pfa", 1, "03", "10", "2", "ua-sova-vf0");   /* VF 1 */
    virDomainPtr b = vm_with_vf(conn, "pfb", 2, "03", "10", "4", "ua-sova-vf1");   /* VF 2 */
    virDomainPtr c = vm_with_vf(conn, "pfc", 3, "05", "02", "0", "ua-sova-vf2");   /* ens5 VF 0 */
    for (guint k = 1; k <= 3; k++) {
        f.k = k;
        guint before = f.enp3s0f0, before5 = f.ens5;
        g_autoptr(SovaSnapshot) s = lvt_sample(be);
        g_assert_cmpuint(f.enp3s0f0 - before, ==, 1);   /* one request for its two VFs */
        g_assert_cmpuint(f.ens5 - before5, ==, 1);
        const SovaNicSample *na = vf_nic(lvt_find_vm(s, "pfa")), *nb = vf_nic(lvt_find_vm(s, "pfb")),
                            *nc = vf_nic(lvt_find_vm(s, "pfc"));
        g_assert_nonnull(na);
        g_assert_true(na->from_pf);
        g_assert_null(na->target_dev);
        g_assert_cmpuint(na->rx_packets, ==, 2000 * k);
        g_assert_cmpuint(na->tx_packets, ==, 2000 * k + 1);
        g_assert_cmpuint(na->tx_bytes, ==, 2000000 * k + 7);
        g_assert_cmpuint(na->rx_drops, ==, 1);
        g_assert_true(nb->from_pf);
        g_assert_cmpuint(nb->rx_packets, ==, 3000 * k);
        g_assert_nonnull(nc);
        g_assert_false(nc->from_pf);   /* its PF keeps no per-VF stats: blind */
        g_assert_cmpuint(nc->rx_packets, ==, 0);
    }
    virDomainDestroy(a);
    virDomainDestroy(b);
    virDomainDestroy(c);
    virDomainFree(a);
    virDomainFree(b);
    virDomainFree(c);
    sova_backend_free(be);
}

/* the PF requests cost no libvirt call: a host with hostdev VFs makes as many per sample as
 * one without them */
static void test_no_libvirt_calls(void)
{
    FakePf f = { .k = 1 };
    SovaBackend *be = open_with_fake(&f);
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    virDomainPtr a = vm_with_vf(conn, "pfa", 1, "03", "10", "2", "ua-sova-vf0");
    g_autoptr(SovaSnapshot) s0 = lvt_sample(be);   /* reads the XML once */
    guint64 calls = be->calls;
    g_autoptr(SovaSnapshot) s1 = lvt_sample(be);
    guint64 with_vf = be->calls - calls;
    virDomainDestroy(a);
    virDomainFree(a);
    virDomainPtr p = lvt_create_vm(conn, "plain", 4, NULL);
    g_autoptr(SovaSnapshot) s2 = lvt_sample(be);
    calls = be->calls;
    g_autoptr(SovaSnapshot) s3 = lvt_sample(be);
    g_assert_cmpuint(be->calls - calls, ==, with_vf);
    g_assert_cmpuint(((SovaLibvirtBackend *)be)->pf.requests, ==, 2);   /* s0 and s1 */
    virDomainDestroy(p);
    virDomainFree(p);
    sova_backend_free(be);
}

/* a VF whose PCI address is no VF under the sysfs root: no request, no counters */
static void test_unknown_address(void)
{
    FakePf f = { .k = 1 };
    SovaBackend *be = open_with_fake(&f);
    virDomainPtr a = vm_with_vf(sova_libvirt_backend_conn(be), "pfa", 1, "09", "00", "1", "ua-sova-vf0");
    g_autoptr(SovaSnapshot) s = lvt_sample(be);
    const SovaNicSample *n = vf_nic(lvt_find_vm(s, "pfa"));
    g_assert_nonnull(n);
    g_assert_false(n->from_pf);
    g_assert_cmpuint(f.enp3s0f0 + f.ens5, ==, 0);
    virDomainDestroy(a);
    virDomainFree(a);
    sova_backend_free(be);
}

static void test_xml_pci(void)
{
    g_autofree char *iface = g_strdup_printf(vf_xml, 1, "81", "1f", "7", "ua-sova-vf0");
    g_autofree char *xml = g_strdup_printf("<domain><devices>%s</devices></domain>", iface);
    g_autoptr(GError) err = NULL;
    GArray *nics = sova_lv_nics_parse(xml, SOVA_LV_VF_ALIAS_PREFIX, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(nics->len, ==, 1);
    const SovaLvNic *n = &g_array_index(nics, SovaLvNic, 0);
    g_assert_cmpstr(n->pci, ==, "0000:81:1f.7");
    g_assert_cmpint(n->role, ==, SOVA_NIC_VF);
    g_assert_null(n->target);
    sova_lv_nics_free(nics);
}

/* a hostdev network's PFs, for the probe at connect */
static void test_network_pfs(void)
{
    g_autoptr(GPtrArray) pfs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    int n = sova_lv_vfpool_parse_pfs(
        "<network><name>vfnet</name><forward mode='hostdev' managed='yes'><pf dev='enp3s0f0'/>"
        "<address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x0'/>"
        "<address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x2'/>"
        "</forward></network>", pfs, &err);
    g_assert_no_error(err);
    g_assert_cmpint(n, ==, 2);
    g_assert_cmpuint(pfs->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(pfs, 0), ==, "enp3s0f0");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    build_tree();
    g_test_add_func("/libvirt-pfstats/counters-from-pf", test_counters_from_pf);
    g_test_add_func("/libvirt-pfstats/no-libvirt-calls", test_no_libvirt_calls);
    g_test_add_func("/libvirt-pfstats/unknown-address", test_unknown_address);
    g_test_add_func("/libvirt-pfstats/xml-pci", test_xml_pci);
    g_test_add_func("/libvirt-pfstats/network-pfs", test_network_pfs);
    int rc = g_test_run();
    rm_tree(root);
    g_free(root);
    return rc;
}
