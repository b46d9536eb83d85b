/* libvirt_events.c — libvirt's domain events against a sample running on another thread.
 *
 * The controller samples its hosts from worker threads (daemon/controller_sample.h), while
 * libvirt's events are dispatched on the main loop's thread; both touch the backend's
 * per-VM caches (a METADATA_CHANGE marks a VM's XML stale, DEVICE_REMOVED and
 * DEVICE_REMOVAL_FAILED fill the VF tables). So a sample holds the backend's lock for its
 * whole length, and an event that finds it held never waits (a hung host's sample would
 * stall the main loop): it is kept aside and applied at the start of the next sample,
 * in the order it came. An event that finds the lock free is applied at once. */
#include "backend/libvirt/libvirt_private.h"

typedef struct {
    SovaLvEvent kind;
    char uuid[VIR_UUID_STRING_BUFLEN];
    char *alias;
} Deferred;

static void deferred_free(Deferred *d)
{
    g_free(d->alias);
    g_free(d);
}

static void apply(SovaLibvirtBackend *lv, SovaLvEvent kind, const char *uuid, const char *alias)
{
    if (kind == SOVA_LV_EVENT_METADATA)
        sova_lv_meta_changed(lv, uuid);
    else
        sova_lv_vf_device_event(lv, kind == SOVA_LV_EVENT_REMOVED, uuid, alias);
}

void sova_lv_events_init(SovaLibvirtBackend *lv)
{
    g_mutex_init(&lv->lock);
    g_mutex_init(&lv->deferred_lock);
    lv->deferred = g_ptr_array_new_with_free_func((GDestroyNotify)deferred_free);
}

void sova_lv_events_clear(SovaLibvirtBackend *lv)
{
    g_clear_pointer(&lv->deferred, g_ptr_array_unref);
    g_mutex_clear(&lv->deferred_lock);
    g_mutex_clear(&lv->lock);
}

void sova_lv_event(SovaLibvirtBackend *lv, SovaLvEvent kind, const char *uuid, const char *alias)
{
    if (g_mutex_trylock(&lv->lock)) {
        apply(lv, kind, uuid, alias);
        g_mutex_unlock(&lv->lock);
        return;
    }
    Deferred *d = g_new0(Deferred, 1);
    d->kind = kind;
    g_strlcpy(d->uuid, uuid, sizeof d->uuid);
    d->alias = g_strdup(alias);
    g_mutex_lock(&lv->deferred_lock);
    g_ptr_array_add(lv->deferred, d);
    g_mutex_unlock(&lv->deferred_lock);
}

void sova_lv_sample_begin(SovaLibvirtBackend *lv)
{
    g_mutex_lock(&lv->lock);
    g_mutex_lock(&lv->deferred_lock);
    g_autoptr(GPtrArray) todo = g_steal_pointer(&lv->deferred);
    lv->deferred = g_ptr_array_new_with_free_func((GDestroyNotify)deferred_free);
    g_mutex_unlock(&lv->deferred_lock);
    for (guint i = 0; i < todo->len; i++) {
        const Deferred *d = g_ptr_array_index(todo, i);
        apply(lv, d->kind, d->uuid, d->alias);
    }
}

void sova_lv_sample_end(SovaLibvirtBackend *lv)
{
    g_mutex_unlock(&lv->lock);
}
