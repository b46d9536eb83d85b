/* libvirt_vf_migrate.c — a VM's VFs around a live migration (libvirt_migrate.c).
 *
 * A VF (a PCI device of this host) cannot migrate: before the migration every VF the VM
 * holds is detached, one at a time, each completing on device-removed (libvirt_vf.c,
 * which never waits); the migration starts once none is left. When the migration then
 * fails, the VM still runs here and gets its VFs back at once — not when the host
 * agent's net plane next decides, with its thresholds and dwell time. */
#include "backend/libvirt/libvirt_private.h"

static guint vf_count(const SovaLvDomain *d)
{
    guint n = 0;
    for (guint i = 0; d->nics && i < d->nics->len; i++)
        n += g_array_index(d->nics, SovaLvNic, i).role == SOVA_NIC_VF;
    return n;
}

static SovaAction vf_action(SovaActionKind kind, const char *uuid, const char *name)
{
    SovaAction a = { .kind = kind, .vm_name = (char *)name, .from_host = -1, .to_host = -1 };
    g_strlcpy(a.uuid, uuid, sizeof a.uuid);
    return a;
}

gboolean sova_lv_vf_give_back(SovaLibvirtBackend *lv, SovaLvDomain *d, const char *uuid,
                              const char *name, guint *given, GError **error)
{
    *given = 0;
    if (!d->nics && !sova_lv_nics_read(lv, d, name, error))
        return FALSE;
    SovaAction a = vf_action(SOVA_ACTION_DETACH_VF, uuid, name);
    guint n = vf_count(d);
    if (n > 0 && !sova_lv_vf_detach(lv, &a, error)) {
        g_prefix_error(error, "giving back its VF before migrating: ");
        return FALSE;
    }
    *given = n;
    return TRUE;
}

gboolean sova_lv_vf_released(SovaLibvirtBackend *lv, const char *uuid, const char *name)
{
    SovaLvDomain *d = sova_lv_domain_lookup(lv, uuid);
    if (!d)
        return TRUE;   /* gone: the migration itself will say so */
    if (!sova_lv_vf_settle(lv, uuid))
        return FALSE;
    if (vf_count(d) == 0)
        return TRUE;
    SovaAction a = vf_action(SOVA_ACTION_DETACH_VF, uuid, name);   /* the next one */
    g_autoptr(GError) err = NULL;
    if (!sova_lv_vf_detach(lv, &a, &err))
        sova_warn("libvirt: %s: giving back its VF before migrating: %s", name, err->message);
    return FALSE;
}

void sova_lv_vf_give_again(SovaLibvirtBackend *lv, const char *uuid, const char *name, guint n)
{
    SovaAction a = vf_action(SOVA_ACTION_ATTACH_VF, uuid, name);
    SovaLvDomain *d = sova_lv_domain_lookup(lv, uuid);
    guint held = d ? vf_count(d) : 0;   /* a detach that never completed left it one */
    n = n > held ? n - held : 0;
    for (guint i = 0; i < n; i++) {
        g_autoptr(GError) err = NULL;
        if (!sova_lv_vf_attach(lv, &a, &err)) {
            sova_warn("libvirt: %s stays on its standby NIC after the failed migration (the "
                      "host agent decides again): %s", name, err->message);
            return;
        }
    }
    if (n)
        sova_info("libvirt: %s has its VF again after the failed migration", name);
}
