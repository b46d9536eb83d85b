/* test_vf_map.c — VF <-> PF + index <-> PCI address (backend/netlink/vf_map.h) on a fake
 * sysfs tree built in a temporary directory the way the kernel lays it out:
 *   bus/pci/devices/0000:03:00.0/            the PF, with net/enp3s0f0/ and
 *                                            virtfn0 -> ../0000:03:10.0, virtfn1 -> ../0000:03:10.2,
 *                                            virtfn2 -> ../0000:03:10.4
 *   bus/pci/devices/0000:03:10.N/physfn      -> ../0000:03:00.0
 *   class/net/enp3s0f0/device                -> ../../../bus/pci/devices/0000:03:00.0
 *   bus/pci/devices/0000:05:00.0/            a NIC without SR-IOV, net/eno1/ */
#include "backend/netlink/vf_map.h"
#include "util/error.h"
#include <glib/gstdio.h>
#include <unistd.h>

static char *root;

static void mkdirs(const char *rel)
{
    g_autofree char *p = g_build_filename(root, rel, NULL);
    g_assert_cmpint(g_mkdir_with_parents(p, 0755), ==, 0);
}

static void link_to(const char *target, const char *rel)
{
    g_autofree char *p = g_build_filename(root, rel, NULL);
    g_assert_cmpint(symlink(target, p), ==, 0);
}

static void build_tree(void)
{
    root = g_dir_make_tmp("sova-sysfs-XXXXXX", NULL);
    g_assert_nonnull(root);
    mkdirs("bus/pci/devices/0000:03:00.0/net/enp3s0f0");
    mkdirs("bus/pci/devices/0000:05:00.0/net/eno1");
    mkdirs("class/net");
    static const char *const vfs[] = { "0000:03:10.0", "0000:03:10.2", "0000:03:10.4" };
    for (guint i = 0; i < G_N_ELEMENTS(vfs); i++) {
        g_autofree char *dir = g_strdup_printf("bus/pci/devices/%s", vfs[i]);
        mkdirs(dir);
        g_autofree char *physfn = g_strdup_printf("%s/physfn", dir);
        link_to("../0000:03:00.0", physfn);
        g_autofree char *target = g_strdup_printf("../%s", vfs[i]);
        g_autofree char *virtfn = g_strdup_printf("bus/pci/devices/0000:03:00.0/virtfn%u", i);
        link_to(target, virtfn);
    }
    mkdirs("class/net/enp3s0f0");
    link_to("../../../bus/pci/devices/0000:03:00.0", "class/net/enp3s0f0/device");
    mkdirs("class/net/eno1");
    link_to("../../../bus/pci/devices/0000:05:00.0", "class/net/eno1/device");
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

static void test_pci_format(void)
{
    char out[SOVA_PCI_ADDR_LEN];
    g_assert_true(sova_pci_addr_format("0x0000", "0x03", "0x10", "0x2", out));
    g_assert_cmpstr(out, ==, "0000:03:10.2");
    g_assert_true(sova_pci_addr_format(NULL, "0x81", "0x1f", "0x7", out));
    g_assert_cmpstr(out, ==, "0000:81:1f.7");
    g_assert_false(sova_pci_addr_format("0x0000", "0x03", "0x20", "0x0", out));   /* slot > 31 */
    g_assert_false(sova_pci_addr_format("0x0000", "0x03", "0x10", "0x8", out));   /* function > 7 */
    g_assert_false(sova_pci_addr_format("0x0000", NULL, "0x10", "0x1", out));
    g_assert_false(sova_pci_addr_format("0x0000", "0x3z", "0x10", "0x1", out));
}

static void test_pf_vfs(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vfs = sova_vf_map_pf(root, "enp3s0f0", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(vfs->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(vfs, 0), ==, "0000:03:10.0");
    g_assert_cmpstr(g_ptr_array_index(vfs, 1), ==, "0000:03:10.2");
    g_assert_cmpstr(g_ptr_array_index(vfs, 2), ==, "0000:03:10.4");
    g_autoptr(GPtrArray) none = sova_vf_map_pf(root, "eno1", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(none->len, ==, 0);
    g_autoptr(GPtrArray) missing = sova_vf_map_pf(root, "eth9", &err);
    g_assert_null(missing);
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
}

static void test_lookup(void)
{
    g_autofree char *pf = NULL;
    guint vf = 99;
    g_autoptr(GError) err = NULL;
    g_assert_true(sova_vf_map_lookup(root, "0000:03:10.4", &pf, &vf, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(pf, ==, "enp3s0f0");
    g_assert_cmpuint(vf, ==, 2);
    g_clear_pointer(&pf, g_free);
    g_assert_true(sova_vf_map_lookup(root, "0000:03:10.0", &pf, &vf, &err));
    g_assert_cmpuint(vf, ==, 0);
}

static void test_lookup_not_a_vf(void)
{
    g_autofree char *pf = NULL;
    guint vf = 0;
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_vf_map_lookup(root, "0000:05:00.0", &pf, &vf, &err));   /* a PF */
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_false(sova_vf_map_lookup(root, "0000:09:00.1", &pf, &vf, &err));   /* nothing */
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
    g_assert_null(pf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    build_tree();
    g_test_add_func("/vf-map/pci-format", test_pci_format);
    g_test_add_func("/vf-map/pf-vfs", test_pf_vfs);
    g_test_add_func("/vf-map/lookup", test_lookup);
    g_test_add_func("/vf-map/not-a-vf", test_lookup_not_a_vf);
    int rc = g_test_run();
    rm_tree(root);
    g_free(root);
    return rc;
}
