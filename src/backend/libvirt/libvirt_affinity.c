/* libvirt_affinity.c — the per-VM cache that keeps affinity reads off the hot path.
 *
 * Reading a VM's vCPU affinity costs one libvirt call per VM, so the backend reads it
 * only when a VM is first seen, when its vCPU count changes, and every
 * `affinity_refresh` samples (to notice pins made by someone else); its own
 * successful pins update the cache directly. Entries are keyed by UUID and also keep
 * a reference to the VM's domain handle, so pinning needs no lookup call. */
#include "backend/libvirt/libvirt_private.h"

static void domain_free(gpointer p)
{
    SovaLvDomain *d = p;
    if (d->dom)
        virDomainFree(d->dom);
    g_ptr_array_unref(d->affinity);
    sova_lv_nics_free(d->nics);
    sova_lv_meta_clear(&d->meta);
    g_free(d);
}

GHashTable *sova_lv_domains_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, domain_free);
}

SovaLvDomain *sova_lv_domain_lookup(SovaLibvirtBackend *lv, const char *uuid)
{
    return g_hash_table_lookup(lv->domains, uuid);
}

SovaLvDomain *sova_lv_domain_touch(SovaLibvirtBackend *lv, const char *uuid, virDomainPtr dom)
{
    SovaLvDomain *d = sova_lv_domain_lookup(lv, uuid);
    if (!d) {
        d = g_new0(SovaLvDomain, 1);
        d->affinity = g_ptr_array_new_with_free_func((GDestroyNotify)sova_cpuset_free);
        g_hash_table_insert(lv->domains, g_strdup(uuid), d);
    }
    if (d->dom != dom) {
        virDomainRef(dom);
        if (d->dom)
            virDomainFree(d->dom);
        d->dom = dom;
    }
    d->seen_at = lv->samples;
    return d;
}

void sova_lv_domain_forget(SovaLibvirtBackend *lv, const char *uuid)
{
    g_hash_table_remove(lv->domains, uuid);
}

static gboolean not_seen(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    const SovaLibvirtBackend *lv = data;
    return ((SovaLvDomain *)value)->seen_at != lv->samples;
}

void sova_lv_domains_prune(SovaLibvirtBackend *lv)
{
    g_hash_table_foreach_remove(lv->domains, not_seen, lv);
}

static void forget_affinity(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    (void)data;
    ((SovaLvDomain *)value)->read_at = 0;   /* as if never read: the next sample reads it */
}

void sova_lv_domains_forget_affinity(SovaLibvirtBackend *lv)
{
    g_hash_table_foreach(lv->domains, forget_affinity, NULL);
}

gboolean sova_lv_domain_needs_affinity(const SovaLibvirtBackend *lv, const SovaLvDomain *d,
                                       guint n_vcpus)
{
    if (d->affinity->len != n_vcpus || d->read_at == 0)
        return TRUE;
    return lv->opts.affinity_refresh > 0 && lv->samples - d->read_at >= lv->opts.affinity_refresh;
}

SovaCpuSet *sova_lv_cpuset_from_map(const unsigned char *map, int maplen, guint n_pcpus)
{
    SovaCpuSet *set = sova_cpuset_new(n_pcpus);
    for (guint i = 0; i < n_pcpus && i < (guint)maplen * 8; i++)
        if (VIR_CPU_USABLE(map, maplen, 0, i))
            sova_cpuset_add(set, i);
    return set;
}

void sova_lv_domain_set_maps(SovaLibvirtBackend *lv, SovaLvDomain *d, const unsigned char *maps,
                             guint n, int maplen, guint n_pcpus)
{
    g_ptr_array_set_size(d->affinity, 0);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(d->affinity,
                        sova_lv_cpuset_from_map(VIR_GET_CPUMAP(maps, maplen, i), maplen, n_pcpus));
    d->read_at = lv->samples;
}
