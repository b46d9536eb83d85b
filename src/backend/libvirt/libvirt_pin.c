/* libvirt_pin.c — carrying out a pin action: one vCPU onto one pCPU (or, shared, onto
 * a set of pCPUs), live.
 *
 * One call per pin: the domain handle comes from the affinity cache (looked up by
 * UUID only for a VM the backend has not sampled). The cpumap is built with
 * VIR_CPU_MAPLEN/VIR_USE_CPU as wide as the last sample's pCPU count, so any number
 * of pCPUs works. VIR_DOMAIN_AFFECT_LIVE is asked for; a driver that refuses the flag
 * (the test driver) gets the legacy virDomainPinVcpu, which every driver implements as
 * a live change, and keeps getting it for the rest of the connection. On success the
 * cache records the new affinity, so the next sample needs no call to learn it. */
#include "backend/libvirt/libvirt_private.h"

static virDomainPtr find_domain(SovaLibvirtBackend *lv, const SovaAction *a, GError **error)
{
    SovaLvDomain *d = sova_lv_domain_lookup(lv, a->uuid);
    if (d) {
        virDomainRef(d->dom);   /* local refcount: the caller frees it like a looked-up one */
        return d->dom;
    }
    virDomainPtr dom = SOVA_LV_CALL(lv, virDomainLookupByUUIDString(lv->conn, a->uuid));
    if (!dom)
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "pin %s: looking up %s",
                          a->vm_name ? a->vm_name : a->uuid, a->uuid);
    return dom;
}

static int pin_call(SovaLibvirtBackend *lv, virDomainPtr dom, guint vcpu, unsigned char *map,
                    int maplen)
{
    if (!lv->pin_legacy) {
        int rc = SOVA_LV_CALL(lv, virDomainPinVcpuFlags(dom, vcpu, map, maplen,
                                                        VIR_DOMAIN_AFFECT_LIVE));
        if (rc == 0 || virGetLastErrorCode() != VIR_ERR_INVALID_ARG)
            return rc;
        if (SOVA_LV_CALL(lv, virDomainPinVcpu(dom, vcpu, map, maplen)) < 0)
            return -1;
        lv->pin_legacy = TRUE;
        sova_debug("libvirt: %s refuses VIR_DOMAIN_AFFECT_LIVE pins; using virDomainPinVcpu",
                   lv->uri);
        return 0;
    }
    return SOVA_LV_CALL(lv, virDomainPinVcpu(dom, vcpu, map, maplen));
}

static void remember_pin(SovaLibvirtBackend *lv, const SovaAction *a)
{
    SovaLvDomain *d = sova_lv_domain_lookup(lv, a->uuid);
    if (!d || (guint)a->vcpu >= d->affinity->len)
        return;
    SovaCpuSet *set = sova_cpuset_new(lv->n_pcpus);
    for (guint p = 0; p < lv->n_pcpus; p++)
        if (a->to_set ? sova_cpuset_has(a->to_set, p) : (int)p == a->to_pcpu)
            sova_cpuset_add(set, p);
    sova_cpuset_free(g_ptr_array_index(d->affinity, a->vcpu));
    g_ptr_array_index(d->affinity, a->vcpu) = set;
}

gboolean sova_lv_pin(SovaLibvirtBackend *lv, const SovaAction *a, GError **error)
{
    const char *name = a->vm_name ? a->vm_name : a->uuid;
    g_autofree char *to = a->to_set ? sova_cpuset_format(a->to_set)
                                    : g_strdup_printf("%d", a->to_pcpu);
    gboolean to_ok = a->to_set ? sova_cpuset_count(a->to_set) > 0
                               : a->to_pcpu >= 0 && (guint)a->to_pcpu < lv->n_pcpus;
    if (a->vcpu < 0 || !to_ok) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "pin %s vcpu %d to pCPU %s: no such vCPU or pCPU (host has %u pCPUs)",
                    name, a->vcpu, to, lv->n_pcpus);
        return FALSE;
    }
    virDomainPtr dom = find_domain(lv, a, error);
    if (!dom)
        return FALSE;
    int maplen = VIR_CPU_MAPLEN(lv->n_pcpus);
    g_autofree unsigned char *map = g_malloc0(maplen);
    for (guint p = 0; p < lv->n_pcpus; p++)
        if (a->to_set ? sova_cpuset_has(a->to_set, p) : (int)p == a->to_pcpu)
            VIR_USE_CPU(map, p);
    int rc = pin_call(lv, dom, (guint)a->vcpu, map, maplen);
    if (rc < 0)
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "pin %s vcpu %d to pCPU %s", name,
                          a->vcpu, to);
    virDomainFree(dom);
    if (rc < 0)
        return FALSE;
    remember_pin(lv, a);
    return TRUE;
}
