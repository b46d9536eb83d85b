/* libvirt_vf_queue.c — attaches that wait for the VF a pending detach frees.
 *
 * A hand-over (detach the VF of one VM, attach one to another, in one plan) finds the
 * pool full: the detached VF is free only once the guest released it (device-removed,
 * 0.15-0.4 s later). Rather than fail the attach, or wait for the event in a nested main
 * loop, the attach is queued and carried out by a main-loop source — the agent's own
 * wait for its next interval runs it — the moment a slot is free. It gives up (logged)
 * when no detach is pending any more and no slot is free, or after the detach timeout. */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>

#define QUEUE_TICK_MS 20

typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *name;
    double t0;
} Queued;

static void queued_free(gpointer p)
{
    g_free(((Queued *)p)->name);
    g_free(p);
}

static double now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

/* TRUE while q should go on waiting for a slot */
static gboolean waiting(SovaLibvirtBackend *lv, const Queued *q)
{
    return sova_lv_vf_free_slot(lv) < 0 && g_hash_table_size(lv->vf.pending) > 0 &&
           now_s() - q->t0 < lv->vf.timeout_s;
}

static void carry_out(SovaLibvirtBackend *lv, const Queued *q)
{
    SovaAction a = {.kind = SOVA_ACTION_ATTACH_VF, .vm_name = q->name, .from_host = -1,
                    .to_host = -1};
    g_strlcpy(a.uuid, q->uuid, sizeof a.uuid);
    g_autoptr(GError) err = NULL;
    if (!lv->conn || !sova_lv_vf_attach_now(lv, &a, &err))
        sova_warn("libvirt: the VF for %s, which waited for one being detached: %s", q->name,
                  err ? err->message : "not connected");
}

static gboolean drain(gpointer data)
{
    SovaLibvirtBackend *lv = data;
    sova_lv_vf_settle_all(lv);
    for (guint i = 0; i < lv->vf.queued->len;) {
        Queued *q = g_ptr_array_index(lv->vf.queued, i);
        if (waiting(lv, q)) {
            i++;
            continue;
        }
        g_ptr_array_steal_index(lv->vf.queued, i);
        carry_out(lv, q);
        queued_free(q);
    }
    if (lv->vf.queued->len)
        return G_SOURCE_CONTINUE;
    lv->vf.queue_src = 0;
    return G_SOURCE_REMOVE;
}

gboolean sova_lv_vf_queue(SovaLibvirtBackend *lv, const SovaAction *a)
{
    if (!lv->vf.queued)
        lv->vf.queued = g_ptr_array_new_with_free_func(queued_free);
    for (guint i = 0; i < lv->vf.queued->len; i++)
        if (strcmp(((Queued *)g_ptr_array_index(lv->vf.queued, i))->uuid, a->uuid) == 0)
            return TRUE;
    Queued *q = g_new0(Queued, 1);
    g_strlcpy(q->uuid, a->uuid, sizeof q->uuid);
    q->name = g_strdup(a->vm_name ? a->vm_name : a->uuid);
    q->t0 = now_s();
    g_ptr_array_add(lv->vf.queued, q);
    if (!lv->vf.queue_src)
        lv->vf.queue_src = g_timeout_add(QUEUE_TICK_MS, drain, lv);
    sova_info("libvirt: %s gets a VF the moment the one being detached is free", q->name);
    return TRUE;
}

guint sova_lv_vf_queued(SovaLibvirtBackend *lv)
{
    return lv->vf.queued ? lv->vf.queued->len : 0;
}

void sova_lv_vf_queue_clear(SovaLibvirtBackend *lv)
{
    if (lv->vf.queue_src)
        g_source_remove(lv->vf.queue_src);
    lv->vf.queue_src = 0;
    g_clear_pointer(&lv->vf.queued, g_ptr_array_unref);
}
