/* backend.c — what all backends share: freeing, the optional operations' fallbacks, and
 * real-time waiting on the GLib main context (where libvirt's events and the daemons'
 * signal sources run). */
#include "backend/backend.h"
#include "util/error.h"

void sova_backend_free(SovaBackend *be)
{
    if (be)
        be->ops->free(be);
}

gboolean sova_backend_migrate_abort(SovaBackend *be, const char *uuid, GError **error)
{
    if (be->ops->migrate_abort)
        return be->ops->migrate_abort(be, uuid, error);
    g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "the %s backend cannot abort a migration",
                be->ops->name);
    return FALSE;
}

static gboolean on_deadline(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

gboolean sova_wait_realtime(double seconds, const volatile gint *stop)
{
    GMainContext *ctx = g_main_context_default();
    gboolean expired = seconds <= 0;
    guint id = 0;
    if (!expired)
        id = g_timeout_add((guint)(seconds * 1000.0 + 0.5), on_deadline, &expired);
    while (!expired && !(stop && g_atomic_int_get(stop)))
        g_main_context_iteration(ctx, TRUE);
    if (!expired)
        g_source_remove(id);
    return !(stop && g_atomic_int_get(stop));
}
