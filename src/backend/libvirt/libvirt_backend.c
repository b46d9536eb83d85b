/* libvirt_backend.c — SovaBackendOps for libvirt: open, sample, execute, wait, free.
 *
 * Glue only: a sample is the node's pCPUs (libvirt_node.c) plus the VMs
 * (libvirt_domains.c) on a connection that is re-opened first if it was lost
 * (libvirt_conn.c); execute is a pin (libvirt_pin.c) or a VF switch (libvirt_vf.c);
 * wait runs the GLib main loop, where libvirt's events are dispatched. */
#include "backend/libvirt/libvirt_private.h"

#define DEFAULT_AFFINITY_REFRESH 60

static SovaSnapshot *sample_locked(SovaLibvirtBackend *lv, GError **error)
{
    lv->samples++;
    if (!sova_lv_ensure_connected(lv, error))
        return NULL;
    g_autoptr(SovaSnapshot) s = sova_lv_node_sample(lv, error);
    if (!s)
        return NULL;
    s->time_us = g_get_monotonic_time();
    if (!sova_lv_domains_sample(lv, s, error))
        return NULL;
    sova_lv_vf_after_sample(lv);
    if (lv->opts.net)
        s->vf_pool = lv->vf.pool;
    sova_lv_pf_sample(lv, s);
    sova_lv_hostnic_sample(lv, s);
    s->placement_cached = TRUE;   /* pins are cached between samples (libvirt_domains.c) */
    return g_steal_pointer(&s);
}

/* the controller samples from a worker thread: events wait for the sample's end
 * (libvirt_events.c) */
static SovaSnapshot *lv_sample(SovaBackend *be, GError **error)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    sova_lv_sample_begin(lv);
    SovaSnapshot *s = sample_locked(lv, error);
    sova_lv_sample_end(lv);
    return s;
}

static gboolean lv_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    if (!lv->conn || g_atomic_int_get(&lv->dead)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_CONNECT,
                    "%s: not connected (reconnects at the next sample); action not carried out",
                    lv->uri ? lv->uri : "libvirt");
        return FALSE;
    }
    switch (a->kind) {
    case SOVA_ACTION_PIN:
        return sova_lv_pin(lv, a, error);
    case SOVA_ACTION_ATTACH_VF:
        return sova_lv_vf_attach(lv, a, error);
    case SOVA_ACTION_DETACH_VF:
        return sova_lv_vf_detach(lv, a, error);
    case SOVA_ACTION_CLEAR_META:
        return sova_lv_meta_clear_all(lv, a, error);
    case SOVA_ACTION_MIGRATE:
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "a migration is started with migrate_start, not execute");
        return FALSE;
    default:
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "the libvirt backend does not carry out action kind %d yet", a->kind);
        return FALSE;
    }
}

static gboolean lv_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    (void)be;
    return sova_wait_realtime(seconds, stop);
}

static void lv_forget_placement(SovaBackend *be)
{
    sova_lv_domains_forget_affinity((SovaLibvirtBackend *)be);
}

static void lv_free(SovaBackend *be)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    sova_lv_migrate_clear(lv);   /* first: its threads use the connection */
    sova_lv_disconnect(lv);
    sova_lv_vf_clear(lv);
    sova_lv_pf_clear(lv);
    g_hash_table_unref(lv->domains);
    g_clear_pointer(&lv->topo, g_array_unref);
    g_free(lv->host);
    g_free(lv->host_uuid);
    g_free(lv->host_nic);
    g_free(lv->uri);
    sova_lv_events_clear(lv);
    g_free(lv);
}

static const SovaBackendOps libvirt_ops = {
    .name = "libvirt",
    .sample = lv_sample,
    .execute = lv_execute,
    .wait = lv_wait,
    .forget_placement = lv_forget_placement,
    .publish_net = sova_lv_publish_net,
    .publish_cpu = sova_lv_publish_cpu,
    .migrate_start = sova_lv_migrate_start,
    .migrate_poll = sova_lv_migrate_poll,
    .migrate_abort = sova_lv_migrate_abort,
    .clear_stale_leaving = sova_lv_clear_stale_leaving,
    .free = lv_free,
};

SovaBackend *sova_libvirt_backend_open(const char *uri, const SovaLibvirtOptions *opts,
                                       GError **error)
{
    SovaLibvirtBackend *lv = g_new0(SovaLibvirtBackend, 1);
    lv->base.ops = &libvirt_ops;
    lv->uri = g_strdup(uri);
    if (opts)
        lv->opts = *opts;
    else
        lv->opts.affinity_refresh = DEFAULT_AFFINITY_REFRESH;
    lv->domains = sova_lv_domains_new();
    lv->meta_cb = -1;
    sova_lv_events_init(lv);
    lv->host_nic = g_strdup(opts ? opts->host_nic : NULL);
    lv->opts.host_nic = NULL;   /* the caller's string */
    sova_lv_vf_init(lv);
    sova_lv_pf_init(lv);
    sova_lv_migrate_init(lv);
    g_autoptr(GError) err = NULL;
    if (!sova_lv_connect(lv, &err)) {
        if (lv->opts.connect_later) {   /* not fatal: the first sample connects again */
            sova_warn("%s; trying again at the next sample", err->message);
            return &lv->base;
        }
        g_propagate_error(error, g_steal_pointer(&err));
        lv_free(&lv->base);
        return NULL;
    }
    return &lv->base;
}

gboolean sova_backend_is_libvirt(SovaBackend *be)
{
    return be && be->ops == &libvirt_ops;
}

const char *sova_libvirt_backend_uri(SovaBackend *be)
{
    g_return_val_if_fail(sova_backend_is_libvirt(be), NULL);
    return ((SovaLibvirtBackend *)be)->uri;
}

virConnectPtr sova_libvirt_backend_conn(SovaBackend *be)
{
    g_return_val_if_fail(sova_backend_is_libvirt(be), NULL);
    return ((SovaLibvirtBackend *)be)->conn;
}

guint64 sova_libvirt_backend_reconnects(SovaBackend *be)
{
    g_return_val_if_fail(sova_backend_is_libvirt(be), 0);
    return ((SovaLibvirtBackend *)be)->reconnects;
}

gboolean sova_libvirt_backend_connected(SovaBackend *be)
{
    g_return_val_if_fail(sova_backend_is_libvirt(be), FALSE);
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    return lv->conn && !g_atomic_int_get(&lv->dead);
}

void sova_libvirt_backend_vf_stats(SovaBackend *be, SovaLibvirtVfStats *out)
{
    g_return_if_fail(sova_backend_is_libvirt(be));
    *out = ((SovaLibvirtBackend *)be)->vf.stats;
}

guint sova_libvirt_backend_vf_in_use(SovaBackend *be)
{
    g_return_val_if_fail(sova_backend_is_libvirt(be), 0);
    return sova_lv_vf_in_use((SovaLibvirtBackend *)be);
}

guint sova_libvirt_backend_vf_pending(SovaBackend *be)
{
    g_return_val_if_fail(sova_backend_is_libvirt(be), 0);
    return g_hash_table_size(((SovaLibvirtBackend *)be)->vf.pending);
}

guint sova_libvirt_backend_vf_pool(SovaBackend *be)
{
    g_return_val_if_fail(sova_backend_is_libvirt(be), 0);
    return ((SovaLibvirtBackend *)be)->vf.pool;
}

const char *sova_libvirt_backend_host_uuid(SovaBackend *be)
{
    g_return_val_if_fail(sova_backend_is_libvirt(be), NULL);
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    return lv->conn ? lv->host_uuid : NULL;
}

gboolean sova_libvirt_backends_distinct(SovaBackend *const *bes, const char *const *names,
                                        guint n, GError **error)
{
    for (guint i = 0; i < n; i++) {
        const char *u = bes[i] && sova_backend_is_libvirt(bes[i])
                            ? sova_libvirt_backend_host_uuid(bes[i]) : NULL;
        for (guint j = i + 1; u && j < n; j++) {
            const char *v = bes[j] && sova_backend_is_libvirt(bes[j])
                                ? sova_libvirt_backend_host_uuid(bes[j]) : NULL;
            if (v && g_ascii_strcasecmp(u, v) == 0) {
                g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                            "hosts %s and %s are one libvirt host (host UUID %s): list it "
                            "once, or give each libvirtd its own host_uuid", names[i], names[j],
                            u);
                return FALSE;
            }
        }
    }
    return TRUE;
}
