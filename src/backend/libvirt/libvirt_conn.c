/* libvirt_conn.c — the backend's connection: open, close, notice loss, reconnect.
 *
 * libvirt's events run on GLib's main loop (libvirt-glib's gvir_event_register), so
 * the close callback and keepalive fire while the agent waits in sova_wait_realtime().
 * A lost connection (close callback, or a call failing because the link is down) only
 * marks the backend dead; the next sample tries to reconnect once. The agent loop owns
 * the backoff between attempts. libvirt's own stderr printing is silenced: every
 * error reaches the caller as a GError carrying libvirt's message. */
#include "backend/libvirt/libvirt_private.h"
#include <libvirt-glib/libvirt-glib.h>
#include <stdarg.h>

static void on_libvirt_error(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;   /* reported through GError by whoever made the call */
}

static void sova_lv_global_init(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        virSetErrorFunc(NULL, on_libvirt_error);
        gvir_event_register();
        g_once_init_leave(&done, 1);
    }
}

static const char *close_reason(int reason)
{
    switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_ERROR: return "I/O error";
    case VIR_CONNECT_CLOSE_REASON_EOF: return "libvirtd closed it";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE: return "keepalive timeout";
    case VIR_CONNECT_CLOSE_REASON_CLIENT: return "closed by sova";
    }
    return "unknown reason";
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
    SovaLibvirtBackend *lv = opaque;
    (void)conn;
    g_atomic_int_set(&lv->dead, 1);
    if (reason != VIR_CONNECT_CLOSE_REASON_CLIENT)
        sova_warn("libvirt: lost the connection to %s (%s); reconnecting at the next sample",
                  lv->uri ? lv->uri : "(default URI)", close_reason(reason));
}

gboolean sova_lv_last_error_is_gone(void)
{
    int code = virGetLastErrorCode();
    return code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID;
}

gboolean sova_lv_check_conn_lost(SovaLibvirtBackend *lv)
{
    int code = virGetLastErrorCode();
    gboolean lost = code == VIR_ERR_NO_CONNECT || code == VIR_ERR_INVALID_CONN ||
                    !lv->conn || virConnectIsAlive(lv->conn) == 0;
    if (lost)
        g_atomic_int_set(&lv->dead, 1);
    return lost;
}

void sova_lv_set_error(SovaLibvirtBackend *lv, GError **error, SovaErrorCode code,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* read the message before classifying: virConnectIsAlive may reset it */
    g_autofree char *msg = g_strdup(virGetLastErrorMessage());
    if (sova_lv_last_error_is_gone())
        code = SOVA_ERROR_GONE;
    else if (sova_lv_check_conn_lost(lv))
        code = SOVA_ERROR_CONNECT;
    g_set_error(error, SOVA_ERROR, code, "%s: %s", what, msg);
}

static void enable_keepalive(SovaLibvirtBackend *lv)
{
    /* remote drivers ping the daemon every 5 s and declare it dead after 3 misses;
     * in-process drivers (test:///) do not support keepalive, which is fine */
    if (virConnectSetKeepAlive(lv->conn, 5, 3) < 0 && virGetLastErrorCode() != VIR_ERR_NO_SUPPORT)
        sova_debug("libvirt: no keepalive on %s: %s", lv->uri, virGetLastErrorMessage());
    virResetLastError();
}

/* The live connections of this process by host UUID: one libvirt host reached under two
 * URIs (two [host] names for one libvirtd) would be a phantom host, and migrations to
 * itself. The second such connection is refused, whenever it is made. */
static GMutex hosts_lock;
static GPtrArray *hosts;   /* SovaLibvirtBackend* with a host UUID, connected */

gboolean sova_lv_host_claim(SovaLibvirtBackend *lv, GError **error)
{
    if (!lv->host_uuid)
        return TRUE;
    g_mutex_lock(&hosts_lock);
    if (!hosts)
        hosts = g_ptr_array_new();
    const SovaLibvirtBackend *twin = NULL;
    for (guint i = 0; !twin && i < hosts->len; i++) {
        const SovaLibvirtBackend *o = g_ptr_array_index(hosts, i);
        if (o != lv && g_ascii_strcasecmp(o->host_uuid, lv->host_uuid) == 0 &&
            g_strcmp0(o->uri, lv->uri) != 0)
            twin = o;
    }
    if (twin)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "%s and %s are one libvirt host (host UUID %s): list it once, or give each "
                    "libvirtd its own host_uuid", twin->uri ? twin->uri : "(default URI)",
                    lv->uri ? lv->uri : "(default URI)", lv->host_uuid);
    else if (!g_ptr_array_find(hosts, lv, NULL))
        g_ptr_array_add(hosts, lv);
    g_mutex_unlock(&hosts_lock);
    return twin == NULL;
}

void sova_lv_host_release(SovaLibvirtBackend *lv)
{
    g_mutex_lock(&hosts_lock);
    if (hosts)
        g_ptr_array_remove(hosts, lv);
    g_mutex_unlock(&hosts_lock);
}

gboolean sova_lv_connect(SovaLibvirtBackend *lv, GError **error)
{
    const char *uri = lv->uri ? lv->uri : "(libvirt default URI)";
    sova_lv_global_init();
    lv->conn = SOVA_LV_CALL(lv, virConnectOpen(lv->uri));
    if (!lv->conn) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_CONNECT, "cannot connect to libvirt at %s: %s",
                    uri, virGetLastErrorMessage());
        return FALSE;
    }
    g_atomic_int_set(&lv->dead, 0);
    if (virConnectRegisterCloseCallback(lv->conn, on_close, lv, NULL) < 0)
        sova_debug("libvirt: no close callback on %s: %s", uri, virGetLastErrorMessage());
    enable_keepalive(lv);
    sova_lv_vf_connected(lv);
    sova_lv_meta_connected(lv);
    if (!sova_lv_node_read_static(lv, error) || !sova_lv_host_claim(lv, error)) {
        g_prefix_error(error, "%s: ", uri);
        sova_lv_disconnect(lv);
        return FALSE;
    }
    return TRUE;
}

void sova_lv_disconnect(SovaLibvirtBackend *lv)
{
    g_hash_table_remove_all(lv->domains);   /* domain handles belong to this connection */
    sova_lv_host_release(lv);
    if (!lv->conn)
        return;
    sova_lv_vf_disconnecting(lv);
    sova_lv_meta_disconnecting(lv);
    virConnectUnregisterCloseCallback(lv->conn, on_close);
    virConnectClose(lv->conn);
    lv->conn = NULL;
    lv->pin_legacy = FALSE;
}

gboolean sova_lv_ensure_connected(SovaLibvirtBackend *lv, GError **error)
{
    if (lv->conn && !g_atomic_int_get(&lv->dead))
        return TRUE;
    sova_lv_disconnect(lv);
    if (!sova_lv_connect(lv, error))
        return FALSE;
    lv->reconnects++;
    sova_info("libvirt: reconnected to %s", lv->uri ? lv->uri : "(default URI)");
    return TRUE;
}
