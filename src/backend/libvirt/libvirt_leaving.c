/* libvirt_leaving.c — the <sova-ctl:leaving to='HOST'/> mark on a migrating VM (its
 * live metadata): set by migrate_start (libvirt_migrate.c) so that the host agent leaves
 * it alone (no pin, no VF given or taken back: the migration gives its VF back), removed when the
 * migration ends (on the destination when it moved, on the source when it failed or was aborted),
 * and removed on the source when a stopped controller left it behind with no migration job
 * running. */
#include "backend/libvirt/libvirt_private.h"

/* <leaving to='HOST'/> on dom, or (to NULL) its removal; FALSE with error */
gboolean sova_lv_set_leaving(SovaLibvirtBackend *lv, virDomainPtr dom, const char *to,
                             GError **error)
{
    g_autofree char *xml = NULL;
    if (to) {
        g_autofree char *esc = g_markup_escape_text(to, -1);
        xml = g_strdup_printf("<leaving to='%s'/>", esc);
    }
    if (SOVA_LV_CALL(lv, virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml,
                                              to ? SOVA_META_CTL_PREFIX : NULL, SOVA_META_CTL_NS,
                                              VIR_DOMAIN_AFFECT_LIVE)) < 0) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "%s the leaving mark of %s",
                          to ? "setting" : "removing", virDomainGetName(dom));
        return FALSE;
    }
    /* our own metadata writes do not make the cached XML stale (libvirt_meta.c): keep
     * the cached mark in step, or the next sample still shows the old one */
    char uuid[VIR_UUID_STRING_BUFLEN];
    SovaLvDomain *d = virDomainGetUUIDString(dom, uuid) == 0 ? sova_lv_domain_lookup(lv, uuid)
                                                             : NULL;
    if (d)
        d->meta.leaving = to != NULL;
    return TRUE;
}

void sova_lv_clear_leaving(SovaLibvirtBackend *lv, virDomainPtr dom)
{
    g_autoptr(GError) err = NULL;
    if (!sova_lv_set_leaving(lv, dom, NULL, &err))
        sova_warn("libvirt: %s", err->message);
}

/* A leaving mark with no migration job behind it was left by a controller that stopped
 * mid-migration (or lost the destination at the very end): the agent would otherwise
 * keep that VM off the VF pool for good. */
gboolean sova_lv_clear_stale_leaving(SovaBackend *be, const char *uuid, GError **error)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    SovaLvDomain *d = sova_lv_domain_lookup(lv, uuid);
    if (!d || !d->meta.leaving || g_hash_table_contains(lv->migrations, uuid))
        return FALSE;
    virDomainControlInfo info;
    if (SOVA_LV_CALL(lv, virDomainGetControlInfo(d->dom, &info, 0)) < 0) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "reading the job state of %s",
                          virDomainGetName(d->dom));
        return FALSE;
    }
    if (info.state != VIR_DOMAIN_CONTROL_OK)
        return FALSE;   /* a migration (or another job) still runs: its owner clears it */
    return sova_lv_set_leaving(lv, d->dom, NULL, error);
}
