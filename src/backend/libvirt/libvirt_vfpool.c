/* libvirt_vfpool.c — how many VFs the host has, from its hostdev network.
 *
 * In production the VFs come from a libvirt network with <forward mode='hostdev'>:
 * once started, its XML lists one <address type='pci'/> per VF of the PF (or one
 * <interface dev=.../> per device in the macvtap modes), so the pool's size is read
 * from there at connect (two counted calls) unless the config gives it (the rig's
 * stand-in network has no VFs to count). Its <pf dev='NAME'/> names the PFs: each is
 * asked once then, so that a PF whose driver reports no per-VF statistics is said at
 * start (libvirt_pfstats.c). */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>

typedef struct {
    guint depth;
    gboolean in_forward;
    gboolean hostdev;
    guint devices;
    GPtrArray *pfs;           /* <pf dev='NAME'/> names; NULL: not wanted */
} PoolParse;

static void on_start(GMarkupParseContext *ctx, const char *name, const char **names,
                     const char **values, gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    PoolParse *p = data;
    p->depth++;
    if (p->depth == 2 && strcmp(name, "forward") == 0) {
        p->in_forward = TRUE;
        for (guint i = 0; names[i]; i++)
            if (strcmp(names[i], "mode") == 0)
                p->hostdev = strcmp(values[i], "hostdev") == 0 ||
                             strcmp(values[i], "passthrough") == 0;
    } else if (p->depth == 3 && p->in_forward &&
               (strcmp(name, "address") == 0 || strcmp(name, "interface") == 0))
        p->devices++;
    else if (p->depth == 3 && p->in_forward && strcmp(name, "pf") == 0 && p->pfs)
        for (guint i = 0; names[i]; i++)
            if (strcmp(names[i], "dev") == 0 && values[i][0])
                g_ptr_array_add(p->pfs, g_strdup(values[i]));
}

static void on_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    PoolParse *p = data;
    if (p->depth == 2 && strcmp(name, "forward") == 0)
        p->in_forward = FALSE;
    p->depth--;
}

int sova_lv_vfpool_parse(const char *xml, GError **error)
{
    return sova_lv_vfpool_parse_pfs(xml, NULL, error);
}

int sova_lv_vfpool_parse_pfs(const char *xml, GPtrArray *pfs, GError **error)
{
    static const GMarkupParser parser = {on_start, on_end, NULL, NULL, NULL};
    PoolParse p = {.pfs = pfs};
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
    gboolean ok = g_markup_parse_context_parse(ctx, xml, -1, error) &&
                  g_markup_parse_context_end_parse(ctx, error);
    g_markup_parse_context_free(ctx);
    if (!ok)
        return -1;
    if (!p.hostdev) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "not a <forward mode='hostdev'> (or passthrough) network");
        return -1;
    }
    return (int)p.devices;
}

void sova_lv_vfpool_read(SovaLibvirtBackend *lv)
{
    if (!lv->opts.net || lv->opts.vf_pool > 0 || !lv->vf.network || !lv->vf.network[0])
        return;
    g_autoptr(GError) err = NULL;
    virNetworkPtr net = SOVA_LV_CALL(lv, virNetworkLookupByName(lv->conn, lv->vf.network));
    g_autofree char *xml = net ? SOVA_LV_CALL(lv, virNetworkGetXMLDesc(net, 0)) : NULL;
    if (net)
        virNetworkFree(net);
    if (!xml) {
        sova_warn("libvirt: VF pool: network %s: %s; no VFs", lv->vf.network,
                  virGetLastErrorMessage());
        virResetLastError();
        lv->vf.pool = 0;
        return;
    }
    g_autoptr(GPtrArray) pfs = g_ptr_array_new_with_free_func(g_free);
    int n = sova_lv_vfpool_parse_pfs(xml, pfs, &err);
    if (n < 0)
        sova_warn("libvirt: VF pool: network %s: %s; no VFs", lv->vf.network, err->message);
    lv->vf.pool = MAX(n, 0);
    sova_info("libvirt: VF pool: %u VFs in network %s", lv->vf.pool, lv->vf.network);
    for (guint i = 0; n > 0 && i < pfs->len; i++)   /* say now what each PF reports */
        sova_lv_pf_probe(lv, g_ptr_array_index(pfs, i));
}
