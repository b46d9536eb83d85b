/* libvirt_pfstats.c — the counters of hostdev VFs, from their PFs.
 *
 * A VF passed through (<interface type='hostdev'>, or a <forward mode='hostdev'>
 * network's) has no tap, so the bulk stats call has nothing for it. Its PF's driver counts
 * its traffic: after each sample, the VF interfaces without a tap are mapped from the PCI
 * address in their live XML to PF + VF index (sysfs, once per address: backend/netlink/
 * vf_map.h), and each PF that has one of them is asked once (one rtnetlink RTM_GETLINK:
 * backend/netlink/vf_stats.h) for all its VFs' counters. No libvirt call: libvirt's own
 * path to these counters (virDomainInterfaceStats on a hostdev interface, which asks the
 * PF through netlink the same way) costs one call per interface and one PF dump inside
 * libvirtd for each, and gives no drops (docs/design.md, "SR-IOV VF counters").
 *
 * A PF whose driver reports no per-VF statistics is said once, as a warning; its VFs stay
 * without counters and the net model treats their holders as blind. */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>

typedef struct {
    char *pf;
    guint vf;
} SovaLvVfPlace;

typedef struct {
    gboolean said;            /* what it reports was logged */
    gboolean failed;          /* the last query failed (said once until one works) */
} SovaLvPfState;

static void place_free(gpointer p)
{
    SovaLvVfPlace *pl = p;
    if (!pl)
        return;
    g_free(pl->pf);
    g_free(pl);
}

static GArray *query_socket(gpointer data, const char *pf, GError **error)
{
    SovaLibvirtBackend *lv = data;
    if (!lv->pf.sock && !(lv->pf.sock = sova_vf_stats_open(error)))
        return NULL;
    return sova_vf_stats_query(lv->pf.sock, pf, error);
}

void sova_lv_pf_init(SovaLibvirtBackend *lv)
{
    lv->pf.sysfs_root = g_strdup(lv->opts.sysfs_root ? lv->opts.sysfs_root : "/sys");
    lv->opts.sysfs_root = NULL;   /* the caller's string */
    lv->pf.query = query_socket;
    lv->pf.query_data = lv;
    lv->pf.places = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, place_free);
    lv->pf.pfs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void sova_lv_pf_clear(SovaLibvirtBackend *lv)
{
    g_clear_pointer(&lv->pf.sock, sova_vf_stats_close);
    g_clear_pointer(&lv->pf.places, g_hash_table_unref);
    g_clear_pointer(&lv->pf.pfs, g_hash_table_unref);
    g_clear_pointer(&lv->pf.sysfs_root, g_free);
}

static SovaLvPfState *pf_state(SovaLibvirtBackend *lv, const char *pf)
{
    SovaLvPfState *st = g_hash_table_lookup(lv->pf.pfs, pf);
    if (!st) {
        st = g_new0(SovaLvPfState, 1);
        g_hash_table_insert(lv->pf.pfs, g_strdup(pf), st);
    }
    return st;
}

/* one request; says once what the PF reports, and once per run of failures */
static GArray *ask(SovaLibvirtBackend *lv, const char *pf)
{
    SovaLvPfState *st = pf_state(lv, pf);
    g_autoptr(GError) err = NULL;
    lv->pf.requests++;
    GArray *vfs = lv->pf.query(lv->pf.query_data, pf, &err);
    if (!vfs) {
        if (!st->failed)
            sova_warn("PF %s: cannot read its per-VF statistics: %s; its VFs' holders are "
                      "blind until it answers", pf, err->message);
        st->failed = TRUE;
        return NULL;
    }
    st->failed = FALSE;
    if (!st->said) {
        st->said = TRUE;
        if (sova_vf_stats_any(vfs))
            sova_info("PF %s: per-VF statistics over rtnetlink for its %u VFs: hostdev VF "
                      "traffic is counted", pf, vfs->len);
        else
            sova_warn("PF %s: its driver reports no per-VF statistics (%u VFs): the traffic "
                      "of a VM on one of its VFs is invisible to sova; such a holder is blind "
                      "([net] blind-half-life)", pf, vfs->len);
    }
    return vfs;
}

void sova_lv_pf_probe(SovaLibvirtBackend *lv, const char *pf)
{
    GArray *vfs = ask(lv, pf);
    if (vfs)
        g_array_unref(vfs);
}

/* PF and index of the VF at `pci`, looked up once */
static const SovaLvVfPlace *place_of(SovaLibvirtBackend *lv, const char *pci)
{
    gpointer found;
    if (g_hash_table_lookup_extended(lv->pf.places, pci, NULL, &found))
        return found;
    SovaLvVfPlace *pl = g_new0(SovaLvVfPlace, 1);
    g_autoptr(GError) err = NULL;
    if (!sova_vf_map_lookup(lv->pf.sysfs_root, pci, &pl->pf, &pl->vf, &err)) {
        sova_warn("hostdev %s: %s; its traffic is invisible to sova", pci, err->message);
        place_free(pl);
        pl = NULL;
    }
    g_hash_table_insert(lv->pf.places, g_strdup(pci), pl);
    return pl;
}

/* a VF interface of a VM: its sample and its place */
typedef struct {
    SovaNicSample *nic;
    const SovaLvVfPlace *at;
} Wanted;

static const SovaLvNic *xml_nic(const SovaLvDomain *d, const SovaNicSample *n)
{
    for (guint i = 0; d && d->nics && i < d->nics->len; i++) {
        const SovaLvNic *x = &g_array_index(d->nics, SovaLvNic, i);
        if (x->role == SOVA_NIC_VF && !x->target && g_strcmp0(x->alias, n->alias) == 0)
            return x;
    }
    return NULL;
}

/* the tap-less VF interfaces of every VM, with their PF and index */
static GArray *wanted(SovaLibvirtBackend *lv, SovaSnapshot *s)
{
    GArray *w = g_array_new(FALSE, FALSE, sizeof(Wanted));
    for (guint i = 0; i < s->vms->len; i++) {
        SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        const SovaLvDomain *d = sova_lv_domain_lookup(lv, vm->uuid);
        for (guint k = 0; k < vm->nics->len; k++) {
            SovaNicSample *n = sova_vm_nic(vm, k);
            const SovaLvNic *x = n->role == SOVA_NIC_VF && !n->target_dev ? xml_nic(d, n) : NULL;
            const SovaLvVfPlace *at = x && x->pci ? place_of(lv, x->pci) : NULL;
            if (at)
                g_array_append_val(w, ((Wanted){n, at}));
        }
    }
    return w;
}

static void fill(SovaNicSample *n, const SovaVfStat *v)
{
    if (!v || !v->has_stats)
        return;
    n->from_pf = TRUE;
    n->rx_packets = v->rx_packets;
    n->tx_packets = v->tx_packets;
    n->rx_bytes = v->rx_bytes;
    n->tx_bytes = v->tx_bytes;
    n->rx_drops = v->rx_dropped;
    n->tx_drops = v->tx_dropped;
}

void sova_lv_pf_sample(SovaLibvirtBackend *lv, SovaSnapshot *s)
{
    if (!lv->opts.net)
        return;
    g_autoptr(GArray) w = wanted(lv, s);
    g_autoptr(GHashTable) asked = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify)g_array_unref);
    for (guint i = 0; i < w->len; i++) {
        const Wanted *x = &g_array_index(w, Wanted, i);
        GArray *vfs;
        if (!g_hash_table_lookup_extended(asked, x->at->pf, NULL, (gpointer *)&vfs)) {
            vfs = ask(lv, x->at->pf);
            g_hash_table_insert(asked, x->at->pf, vfs);
        }
        fill(x->nic, vfs ? sova_vf_stats_find(vfs, x->at->vf) : NULL);
    }
}
