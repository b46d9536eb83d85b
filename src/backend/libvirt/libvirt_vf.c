/* libvirt_vf.c — giving a VM a VF and taking it back (ATTACH_VF / DETACH_VF).
 *
 * Attach: hot-plug (LIVE) an interface rendered from the configured template with
 * the standby's MAC and alias, into a free slot of the host's VF pool; the guest's
 * net_failover makes it primary. Detach: virDomainDetachDeviceAlias returns at once;
 * the device is gone only when the guest released it and libvirt emits
 * DEVICE_REMOVED, which arrives on the GLib main loop (gvir_event_register) while the
 * agent waits for its next interval. So a detach only requests the unplug and is kept
 * pending — its VF still the VM's and in use — until the event (or the XML) shows it
 * gone, settled after the next sample: no nested main loop, nothing that holds up the
 * agent's intervals or its reaction to SIGTERM. An attach that finds the pool full while a
 * detach is pending (a hand-over) waits for that VF (libvirt_vf_queue.c). A detach still
 * pending after the detach
 * timeout, or refused by the guest (DEVICE_REMOVAL_FAILED), is reported and requested
 * again, every timeout, until the device is gone (or the VM is).
 *
 * Pool accounting is derived, not stored: a slot (alias SOVA_LV_VF_ALIAS_PREFIX "N")
 * is in use while some known VM's NICs show a VF with that alias. The cache is built
 * from the live XML, so a restarted agent finds the VFs already handed out and
 * detaches nothing; a VM that vanishes takes its slot with it; a failed attach adds
 * nothing. */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>

#define DEFAULT_TIMEOUT_S 5.0

static double now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

static char *event_key(const char *uuid, const char *alias)
{
    return g_strdup_printf("%s/%s", uuid, alias);
}

static void pending_free(gpointer p)
{
    SovaLvPending *pd = p;
    g_free(pd->alias);
    g_free(pd);
}

void sova_lv_vf_init(SovaLibvirtBackend *lv)
{
    SovaLvVf *vf = &lv->vf;
    vf->template = g_strdup(lv->opts.vf_template ? lv->opts.vf_template
                                                  : SOVA_LV_VF_TEMPLATE_DEFAULT);
    vf->network = g_strdup(lv->opts.vf_network ? lv->opts.vf_network : "");
    vf->pool = lv->opts.vf_pool;
    vf->timeout_s = lv->opts.detach_timeout > 0 ? lv->opts.detach_timeout : DEFAULT_TIMEOUT_S;
    vf->removed_cb = vf->failed_cb = -1;
    vf->removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    vf->refused = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    vf->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, pending_free);
    /* the options' strings belong to the caller */
    lv->opts.vf_template = lv->opts.vf_network = NULL;
}

void sova_lv_vf_clear(SovaLibvirtBackend *lv)
{
    SovaLvVf *vf = &lv->vf;
    sova_lv_vf_queue_clear(lv);
    g_clear_pointer(&vf->template, g_free);
    g_clear_pointer(&vf->network, g_free);
    g_clear_pointer(&vf->removed, g_hash_table_unref);
    g_clear_pointer(&vf->refused, g_hash_table_unref);
    g_clear_pointer(&vf->pending, g_hash_table_unref);
}

void sova_lv_vf_device_event(SovaLibvirtBackend *lv, gboolean removed, const char *uuid,
                             const char *alias)
{
    GHashTable *table = removed ? lv->vf.removed : lv->vf.refused;
    if (table)
        g_hash_table_add(table, event_key(uuid, alias));
}

static void on_device_event(SovaLibvirtBackend *lv, virDomainPtr dom, const char *alias,
                            SovaLvEvent kind)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (alias && virDomainGetUUIDString(dom, uuid) == 0)
        sova_lv_event(lv, kind, uuid, alias);
}

static void on_removed(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
    (void)conn;
    on_device_event(opaque, dom, alias, SOVA_LV_EVENT_REMOVED);
}

static void on_refused(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
    (void)conn;
    on_device_event(opaque, dom, alias, SOVA_LV_EVENT_REFUSED);
}

static int register_event(SovaLibvirtBackend *lv, int id,
                          virConnectDomainEventDeviceRemovedCallback cb)
{
    int rc = virConnectDomainEventRegisterAny(lv->conn, NULL, id, VIR_DOMAIN_EVENT_CALLBACK(cb),
                                              lv, NULL);
    if (rc < 0) {
        sova_debug("libvirt: no device events (%d) on %s: %s", id, lv->uri ? lv->uri : "default",
                   virGetLastErrorMessage());
        virResetLastError();
    }
    return rc;
}

void sova_lv_vf_connected(SovaLibvirtBackend *lv)
{
    if (!lv->opts.net)
        return;
    sova_lv_vfpool_read(lv);
    lv->vf.removed_cb = register_event(lv, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, on_removed);
    lv->vf.failed_cb = register_event(lv, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED, on_refused);
}

void sova_lv_vf_disconnecting(SovaLibvirtBackend *lv)
{
    if (lv->vf.removed_cb >= 0)
        virConnectDomainEventDeregisterAny(lv->conn, lv->vf.removed_cb);
    if (lv->vf.failed_cb >= 0)
        virConnectDomainEventDeregisterAny(lv->conn, lv->vf.failed_cb);
    lv->vf.removed_cb = lv->vf.failed_cb = -1;
    virResetLastError();
}

static const SovaLvNic *find_role(const SovaLvDomain *d, SovaNicRole role)
{
    for (guint i = 0; d->nics && i < d->nics->len; i++)
        if (g_array_index(d->nics, SovaLvNic, i).role == role)
            return &g_array_index(d->nics, SovaLvNic, i);
    return NULL;
}

static gboolean alias_in_use(SovaLibvirtBackend *lv, const char *alias)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, lv->domains);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const SovaLvDomain *d = v;
        for (guint i = 0; d->nics && i < d->nics->len; i++)
            if (g_strcmp0(g_array_index(d->nics, SovaLvNic, i).alias, alias) == 0)
                return TRUE;
    }
    return FALSE;
}

guint sova_lv_vf_in_use(SovaLibvirtBackend *lv)
{
    guint n = 0;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, lv->domains);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const SovaLvDomain *d = v;
        for (guint i = 0; d->nics && i < d->nics->len; i++)
            n += g_array_index(d->nics, SovaLvNic, i).role == SOVA_NIC_VF;
    }
    return n;
}

/* the lowest free slot, or -1 when the pool is exhausted */
int sova_lv_vf_free_slot(SovaLibvirtBackend *lv)
{
    if (sova_lv_vf_in_use(lv) >= lv->vf.pool)
        return -1;
    for (guint i = 0; i < lv->vf.pool; i++) {
        g_autofree char *alias = g_strdup_printf(SOVA_LV_VF_ALIAS_PREFIX "%u", i);
        if (!alias_in_use(lv, alias))
            return (int)i;
    }
    return -1;
}

static gboolean render_one(const GMatchInfo *m, GString *out, gpointer user_data)
{
    g_autofree char *name = g_match_info_fetch(m, 1);
    const char *value = g_hash_table_lookup(user_data, name);
    if (!value) {                   /* not one of ours: left as written */
        g_autofree char *all = g_match_info_fetch(m, 0);
        g_string_append(out, all);
        return FALSE;
    }
    g_autofree char *esc = g_markup_escape_text(value, -1);
    g_string_append(out, esc);
    return FALSE;
}

char *sova_lv_vf_render(const char *template, const char *mac, const char *alias,
                        const char *persistent, const char *network, int slot)
{
    g_autofree char *slot_s = g_strdup_printf("%d", slot);
    g_autoptr(GHashTable) v = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_insert(v, "mac", (gpointer)mac);
    g_hash_table_insert(v, "alias", (gpointer)alias);
    g_hash_table_insert(v, "persistent", (gpointer)(persistent ? persistent : ""));
    g_hash_table_insert(v, "network", (gpointer)network);
    g_hash_table_insert(v, "slot", slot_s);
    g_autoptr(GRegex) re = g_regex_new("\\{([a-z]+)\\}", G_REGEX_OPTIMIZE, 0, NULL);
    return g_regex_replace_eval(re, template, -1, 0, 0, render_one, v, NULL);
}

/* the VM's cache entry with its NICs known; NULL with error */
static SovaLvDomain *domain_with_nics(SovaLibvirtBackend *lv, const SovaAction *a, GError **error)
{
    SovaLvDomain *d = sova_lv_domain_lookup(lv, a->uuid);
    if (!d) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "%s is not in the last sample",
                    a->vm_name);
        return NULL;
    }
    if (!d->nics && !sova_lv_nics_read(lv, d, a->vm_name, error))
        return NULL;
    return d;
}

static void add_vf_nic(SovaLvDomain *d, const char *alias, const char *mac)
{
    SovaLvNic n = {.alias = g_strdup(alias), .type = NULL, .target = NULL, .role = SOVA_NIC_VF};
    g_strlcpy(n.mac, mac, sizeof n.mac);
    g_array_append_val(d->nics, n);
}

static void drop_nic(SovaLvDomain *d, const char *alias)
{
    for (guint i = 0; d->nics && i < d->nics->len; i++)
        if (g_strcmp0(g_array_index(d->nics, SovaLvNic, i).alias, alias) == 0) {
            g_array_remove_index(d->nics, i);
            return;
        }
}

static gboolean check_attachable(SovaLibvirtBackend *lv, const SovaAction *a, SovaLvDomain *d,
                                 const SovaLvNic **standby, GError **error)
{
    const SovaLvNic *vf = find_role(d, SOVA_NIC_VF);
    *standby = find_role(d, SOVA_NIC_STANDBY);
    if (!*standby || !(*standby)->mac[0])
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "%s has no standby NIC (an interface with <teaming type='persistent'/>)",
                    a->vm_name);
    else if (vf)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s already holds a VF (%s)",
                    a->vm_name, vf->alias ? vf->alias : "no alias");
    else if (sova_lv_nics_foreign_vf(d->nics))
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "%s holds a VF sova did not attach (the operator's): left alone", a->vm_name);
    else if (g_hash_table_contains(lv->vf.pending, a->uuid))
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "%s: a detach is still pending",
                    a->vm_name);
    return !*error;
}

static gboolean attach(SovaLibvirtBackend *lv, const SovaAction *a, gboolean may_wait,
                       GError **error)
{
    const SovaLvNic *standby = NULL;
    SovaLvDomain *d = domain_with_nics(lv, a, error);
    if (!d || !check_attachable(lv, a, d, &standby, error))
        return FALSE;
    int slot = sova_lv_vf_free_slot(lv);
    if (slot < 0 && may_wait && g_hash_table_size(lv->vf.pending) > 0)
        return sova_lv_vf_queue(lv, a);   /* a hand-over: the VF being detached is its */
    if (slot < 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND,
                    "no free VF for %s: %u of %u in use (%u of them being detached)",
                    a->vm_name, sova_lv_vf_in_use(lv), lv->vf.pool,
                    g_hash_table_size(lv->vf.pending));
        return FALSE;
    }
    g_autofree char *alias = g_strdup_printf(SOVA_LV_VF_ALIAS_PREFIX "%d", slot);
    g_autofree char *mac = g_strdup(standby->mac);
    g_autofree char *xml = sova_lv_vf_render(lv->vf.template, standby->mac, alias, standby->alias,
                                                 lv->vf.network, slot);
    double t0 = now_s();
    int rc = SOVA_LV_CALL(lv, virDomainAttachDeviceFlags(d->dom, xml, VIR_DOMAIN_AFFECT_LIVE));
    d->nics_stale = TRUE;   /* learn the new tap (or confirm nothing changed) next sample */
    if (rc < 0) {
        lv->vf.stats.attach_failures++;
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "attaching VF %s to %s", alias,
                          a->vm_name);
        return FALSE;
    }
    lv->vf.stats.last_attach_s = now_s() - t0;
    lv->vf.stats.attaches++;
    add_vf_nic(d, alias, mac);
    sova_info("libvirt: attached VF %s to %s (mac %s) in %.3f s", alias, a->vm_name, mac,
              lv->vf.stats.last_attach_s);
    return TRUE;
}

gboolean sova_lv_vf_attach(SovaLibvirtBackend *lv, const SovaAction *a, GError **error)
{
    return attach(lv, a, TRUE, error);
}

gboolean sova_lv_vf_attach_now(SovaLibvirtBackend *lv, const SovaAction *a, GError **error)
{
    return attach(lv, a, FALSE, error);
}

static void detach_done(SovaLibvirtBackend *lv, SovaLvDomain *d, const char *alias, double t0)
{
    drop_nic(d, alias);
    d->nics_stale = TRUE;
    lv->vf.stats.detaches++;
    lv->vf.stats.last_detach_event_s = now_s() - t0;
}

void sova_lv_vf_pending_add(SovaLibvirtBackend *lv, const char *uuid, const char *alias)
{
    SovaLvPending *p = g_new0(SovaLvPending, 1);
    p->alias = g_strdup(alias);
    p->t0 = p->requested_at = now_s();
    g_hash_table_replace(lv->vf.pending, g_strdup(uuid), p);
}

void sova_lv_vf_forget_pending(SovaLibvirtBackend *lv, const char *uuid)
{
    g_hash_table_remove(lv->vf.pending, uuid);
}

/* the VF alias to take back: a pending one first, else the VF in the cache */
static const char *vf_alias_of(SovaLibvirtBackend *lv, const SovaLvDomain *d, const char *uuid)
{
    const SovaLvPending *pending = g_hash_table_lookup(lv->vf.pending, uuid);
    const SovaLvNic *vf = find_role(d, SOVA_NIC_VF);
    return pending ? pending->alias : vf ? vf->alias : NULL;
}

/* asks libvirt to unplug; TRUE when requested or already gone (*gone) */
static gboolean request_detach(SovaLibvirtBackend *lv, SovaLvDomain *d, const char *vm_name,
                               const char *alias, gboolean *gone, GError **error)
{
    *gone = FALSE;
    int rc = SOVA_LV_CALL(lv, virDomainDetachDeviceAlias(d->dom, alias, VIR_DOMAIN_AFFECT_LIVE));
    if (rc == 0)
        return TRUE;
    if (virGetLastErrorCode() == VIR_ERR_DEVICE_MISSING) {
        *gone = TRUE;
        virResetLastError();
        return TRUE;
    }
    sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "detaching VF %s from %s", alias, vm_name);
    return FALSE;
}

gboolean sova_lv_vf_detach(SovaLibvirtBackend *lv, const SovaAction *a, GError **error)
{
    SovaLvDomain *d = domain_with_nics(lv, a, error);
    if (!d)
        return FALSE;
    if (g_hash_table_contains(lv->vf.pending, a->uuid))
        return TRUE;   /* requested already: settled after a sample */
    g_autofree char *alias = g_strdup(vf_alias_of(lv, d, a->uuid));
    if (!alias) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s holds no VF", a->vm_name);
        return FALSE;
    }
    g_autofree char *key = event_key(a->uuid, alias);
    g_hash_table_remove(lv->vf.removed, key);
    g_hash_table_remove(lv->vf.refused, key);
    gboolean gone = FALSE;
    double t0 = now_s();
    if (!request_detach(lv, d, a->vm_name, alias, &gone, error))
        return FALSE;
    lv->vf.stats.last_detach_request_s = now_s() - t0;
    if (gone) {
        detach_done(lv, d, alias, t0);
        sova_info("libvirt: VF %s of %s was gone already", alias, a->vm_name);
        return TRUE;
    }
    sova_lv_vf_pending_add(lv, a->uuid, alias);
    d->nics_stale = TRUE;   /* the next sample reads what the guest did */
    sova_info("libvirt: detaching VF %s from %s: requested in %.3f s; it stays in use until "
              "device-removed", alias, a->vm_name, lv->vf.stats.last_detach_request_s);
    return TRUE;
}

/* a pending detach past its timeout, or refused by the guest: reported, requested again */
static void retry_pending(SovaLibvirtBackend *lv, SovaLvDomain *d, const char *uuid,
                          SovaLvPending *p, gboolean refused)
{
    double now = now_s();
    if (!refused && now - p->requested_at < lv->vf.timeout_s)
        return;
    const char *name = virDomainGetName(d->dom);
    if (refused)
        sova_warn("libvirt: %s refused to release VF %s (device-removal-failed); asking again",
                  name, p->alias);
    else if (!p->late) {
        lv->vf.stats.detach_timeouts++;
        sova_warn("libvirt: VF %s of %s: no device-removed %.1f s after the detach request; "
                  "still pending, asked again every %.1f s", p->alias, name, now - p->t0,
                  lv->vf.timeout_s);
    }
    p->late |= !refused;
    p->requested_at = now;
    gboolean gone = FALSE;
    g_autoptr(GError) err = NULL;
    if (!request_detach(lv, d, name ? name : uuid, p->alias, &gone, &err))
        sova_warn("libvirt: retrying a pending detach: %s", err->message);
}

/* one pending detach: TRUE when settled (drop it) */
static gboolean settle_pending(SovaLibvirtBackend *lv, const char *uuid, SovaLvPending *p)
{
    SovaLvDomain *d = sova_lv_domain_lookup(lv, uuid);
    if (!d) {
        sova_info("libvirt: pending detach of %s: the VM is gone", p->alias);
        return TRUE;
    }
    g_autofree char *key = event_key(uuid, p->alias);
    gboolean event = g_hash_table_remove(lv->vf.removed, key);
    gboolean refused = g_hash_table_remove(lv->vf.refused, key);
    gboolean in_xml = FALSE;
    for (guint i = 0; d->nics && i < d->nics->len; i++)
        in_xml |= g_strcmp0(g_array_index(d->nics, SovaLvNic, i).alias, p->alias) == 0;
    if (event || !in_xml) {
        detach_done(lv, d, p->alias, p->t0);
        sova_info("libvirt: detached VF %s from %s: device-removed after %.3f s", p->alias,
                  virDomainGetName(d->dom), lv->vf.stats.last_detach_event_s);
        return TRUE;
    }
    retry_pending(lv, d, uuid, p, refused);
    d->nics_stale = TRUE;   /* check the XML at the next sample */
    return FALSE;
}

gboolean sova_lv_vf_settle(SovaLibvirtBackend *lv, const char *uuid)
{
    SovaLvPending *p = g_hash_table_lookup(lv->vf.pending, uuid);
    if (p && settle_pending(lv, uuid, p))
        g_hash_table_remove(lv->vf.pending, uuid);
    return !g_hash_table_contains(lv->vf.pending, uuid);
}

void sova_lv_vf_settle_all(SovaLibvirtBackend *lv)
{
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, lv->vf.pending);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (settle_pending(lv, k, v))
            g_hash_table_iter_remove(&it);
}

void sova_lv_vf_after_sample(SovaLibvirtBackend *lv)
{
    sova_lv_vf_settle_all(lv);
    /* events nobody waits for any more */
    g_hash_table_remove_all(lv->vf.refused);
    g_hash_table_remove_all(lv->vf.removed);
}
