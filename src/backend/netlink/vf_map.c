/* vf_map.c — VF <-> PF + index <-> PCI address from sysfs; see vf_map.h. */
#include "backend/netlink/vf_map.h"
#include "util/error.h"
#include <stdlib.h>
#include <string.h>

static gboolean hex(const char *s, guint64 max, guint64 *out)
{
    if (!s || !*s)
        return FALSE;
    char *end = NULL;
    guint64 v = g_ascii_strtoull(s, &end, 0);
    if (!end || *end || v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

gboolean sova_pci_addr_format(const char *domain, const char *bus, const char *slot,
                              const char *function, char out[SOVA_PCI_ADDR_LEN])
{
    guint64 d, b, s, f;
    if (!hex(domain ? domain : "0", 0xffff, &d) || !hex(bus, 0xff, &b) || !hex(slot, 0x1f, &s) ||
        !hex(function, 0x7, &f))
        return FALSE;
    g_snprintf(out, SOVA_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", (guint)d, (guint)b, (guint)s, (guint)f);
    return TRUE;
}

/* the last component of a symlink's target ("../0000:03:10.1" -> "0000:03:10.1"), or NULL */
static char *link_base(const char *path)
{
    g_autofree char *target = g_file_read_link(path, NULL);
    return target ? g_path_get_basename(target) : NULL;
}

/* the one network interface under DEV/net, or NULL */
static char *netdev_of(const char *dev_dir)
{
    g_autofree char *net = g_build_filename(dev_dir, "net", NULL);
    g_autoptr(GDir) d = g_dir_open(net, 0, NULL);
    const char *name = d ? g_dir_read_name(d) : NULL;
    return g_strdup(name);
}

/* N of a "virtfnN" entry, or -1 */
static int virtfn_index(const char *name)
{
    guint64 n;
    if (!g_str_has_prefix(name, "virtfn"))
        return -1;
    char *end = NULL;
    n = g_ascii_strtoull(name + 6, &end, 10);
    return end && end != name + 6 && !*end && n < 65536 ? (int)n : -1;
}

gboolean sova_vf_map_lookup(const char *root, const char *pci, char **pf, guint *vf,
                            GError **error)
{
    g_autofree char *vf_dir = g_build_filename(root, "bus", "pci", "devices", pci, NULL);
    g_autofree char *physfn = g_build_filename(vf_dir, "physfn", NULL);
    g_autofree char *pf_pci = link_base(physfn);
    if (!pf_pci) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s is not a VF (no %s)", pci, physfn);
        return FALSE;
    }
    g_autofree char *pf_dir = g_build_filename(root, "bus", "pci", "devices", pf_pci, NULL);
    g_autofree char *name = netdev_of(pf_dir);
    if (!name) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "the PF %s of VF %s has no network interface", pf_pci, pci);
        return FALSE;
    }
    g_autoptr(GPtrArray) vfs = sova_vf_map_pf(root, name, error);
    for (guint i = 0; vfs && i < vfs->len; i++) {
        const char *addr = g_ptr_array_index(vfs, i);
        if (addr && strcmp(addr, pci) == 0) {
            *pf = g_steal_pointer(&name);
            *vf = i;
            return TRUE;
        }
    }
    if (vfs)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "no virtfnN of PF %s points to VF %s",
                    name, pci);
    return FALSE;
}

GPtrArray *sova_vf_map_pf(const char *root, const char *pf, GError **error)
{
    g_autofree char *dev = g_build_filename(root, "class", "net", pf, "device", NULL);
    GError *e = NULL;
    g_autoptr(GDir) d = g_dir_open(dev, 0, &e);
    if (!d) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "PF %s: %s", pf, e->message);
        g_error_free(e);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        int n = virtfn_index(name);
        if (n < 0)
            continue;
        g_autofree char *path = g_build_filename(dev, name, NULL);
        char *addr = link_base(path);
        if (!addr)
            continue;
        if ((guint)n >= out->len)
            g_ptr_array_set_size(out, n + 1);
        g_free(g_ptr_array_index(out, n));
        g_ptr_array_index(out, n) = addr;
    }
    return out;
}
