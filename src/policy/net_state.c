/* net_state.c — the net policies' memory between intervals: when each VM last
 * switched (dwell time), how long a holder has been idle or a candidate has been
 * beating a holder (hysteresis), failed attaches (exponential backoff), and the most
 * packets/s a virtio NIC was seen to carry while it dropped (the ceiling a VF lifts). */
#include "policy/net_private.h"

SovaNetState *sova_net_state_new(void)
{
    SovaNetState *s = g_new0(SovaNetState, 1);
    s->vms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return s;
}

void sova_net_state_free(SovaNetState *s)
{
    if (!s)
        return;
    g_hash_table_unref(s->vms);
    g_free(s);
}

SovaNetVmState *sova_net_state_vm(SovaNetState *s, const char *uuid)
{
    SovaNetVmState *vs = g_hash_table_lookup(s->vms, uuid);
    if (!vs) {
        vs = g_new0(SovaNetVmState, 1);
        g_hash_table_insert(s->vms, g_strdup(uuid), vs);
    }
    return vs;
}

static gboolean vanished(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    return ((SovaNetVmState *)value)->seen_at != ((SovaNetState *)data)->tick;
}

/* a ceiling moves up to a higher observation, and a tenth of the way down to a lower one
 * (an interval only partly at the ceiling shows less than it) */
static double ceiling_update(double ceiling, double seen)
{
    return seen >= ceiling ? seen : 0.9 * ceiling + 0.1 * seen;
}

static void observe_ceiling(SovaNetState *s, SovaNetVmState *vs, const SovaNetVmLoad *v)
{
    if (v->has_vf || v->fresh || sova_net_rates_drop_share(&v->raw) < SOVA_NET_CEILING_EVIDENCE)
        return;
    double seen = sova_net_rates_delivered_pps(&v->raw);
    vs->ceiling = ceiling_update(vs->ceiling, seen);
    s->ceiling = ceiling_update(s->ceiling, seen);
}

void sova_net_state_begin(SovaNetState *s, const SovaNetModel *m)
{
    s->tick++;
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(m, i);
        SovaNetVmState *vs = sova_net_state_vm(s, v->uuid);
        vs->seen_at = s->tick;
        if (v->has_vf) {
            vs->failures = 0;
        }
        if (!v->blind)
            vs->blind_since = 0;
        else if (!vs->blind_since)
            vs->blind_since = s->tick;
        observe_ceiling(s, vs, v);
    }
    g_hash_table_foreach_remove(s->vms, vanished, s);
}

double sova_net_state_ceiling(const SovaNetState *s, const SovaNetVmState *vs)
{
    return vs && vs->ceiling > 0 ? vs->ceiling : s->ceiling;
}

gboolean sova_net_state_dwelling(const SovaNetState *s, const SovaNetVmState *vs,
                                 const SovaNetPolicyParams *p)
{
    return vs->switched && s->tick - vs->last_switch < p->min_dwell;
}

gboolean sova_net_state_backing_off(const SovaNetState *s, const SovaNetVmState *vs,
                                    const SovaNetPolicyParams *p)
{
    if (vs->failures == 0)
        return FALSE;
    guint64 wait = p->backoff_base ? p->backoff_base : 1;
    for (guint i = 1; i < vs->failures && wait < p->backoff_max; i++)
        wait *= 2;
    if (p->backoff_max)
        wait = MIN(wait, p->backoff_max);
    return s->tick < vs->failed_at + wait;
}

void sova_net_state_record_switch(SovaNetState *s, SovaNetVmState *vs)
{
    vs->switched = TRUE;
    vs->last_switch = s->tick;
    vs->low = vs->beats = 0;
    s->switches++;
}

void sova_net_state_attach_failed(SovaNetState *s, const char *uuid)
{
    /* reported after the plan of interval `tick`; the wait is counted from it */
    SovaNetVmState *vs = sova_net_state_vm(s, uuid);
    vs->seen_at = s->tick;
    vs->failures++;
    vs->failed_at = s->tick;
    vs->switched = FALSE;   /* nothing switched: the backoff, not the dwell time, applies */
}

void sova_net_state_feedback(gpointer state, const SovaPlan *plan, const SovaPlanResults *results)
{
    (void)plan;
    for (guint i = 0; i < sova_plan_results_len(results); i++) {
        const SovaActionResult *r = sova_plan_result(results, i);
        if (r->outcome == SOVA_ACTION_FAILED && r->action->kind == SOVA_ACTION_ATTACH_VF)
            sova_net_state_attach_failed(state, r->action->uuid);
    }
}

guint64 sova_net_state_intervals(const SovaNetState *s)
{
    return s->tick;
}

guint64 sova_net_state_switches(const SovaNetState *s)
{
    return s->switches;
}
