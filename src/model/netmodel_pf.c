/* netmodel_pf.c — the net model's memory of the VFs counted by their PF; see netmodel_pf.h. */
#include "model/netmodel_pf.h"
#include <string.h>

static void seen_clear(gpointer p)
{
    g_free(((SovaNetPfSeen *)p)->alias);
}

void sova_net_pf_memo_free(SovaNetPfMemo *memo)
{
    if (!memo)
        return;
    g_array_unref(memo->seen);
    g_free(memo);
}

static SovaNetPfSeen *find_seen(const SovaNetPfMemo *memo, const char *alias)
{
    for (guint i = 0; memo && alias && i < memo->seen->len; i++) {
        SovaNetPfSeen *e = &g_array_index(memo->seen, SovaNetPfSeen, i);
        if (strcmp(e->alias, alias) == 0)
            return e;
    }
    return NULL;
}

static void remember(SovaNetPfMemo *memo, const SovaNicSample *n)
{
    SovaNetPfSeen *e = find_seen(memo, n->alias);
    if (!e) {
        SovaNetPfSeen add = { .alias = g_strdup(n->alias) };
        g_array_append_val(memo->seen, add);
        e = &g_array_index(memo->seen, SovaNetPfSeen, memo->seen->len - 1);
    }
    e->counters = *n;
    e->counters.alias = e->counters.target_dev = NULL;
    e->at_s = memo->clock_s;
}

void sova_net_pf_memo_update(SovaNetModel *m, const SovaNetModel *last, const SovaSnapshot *cur)
{
    SovaNetPfMemo *memo = g_new0(SovaNetPfMemo, 1);
    memo->seen = g_array_new(FALSE, TRUE, sizeof(SovaNetPfSeen));
    g_array_set_clear_func(memo->seen, seen_clear);
    const SovaNetPfMemo *old = last ? last->pf_memo : NULL;
    memo->clock_s = old ? old->clock_s + m->interval_s : 0;
    for (guint i = 0; old && i < old->seen->len; i++) {
        const SovaNetPfSeen *e = &g_array_index(old->seen, SovaNetPfSeen, i);
        if (memo->clock_s - e->at_s < SOVA_NET_PF_REFRESH_MAX) {
            SovaNetPfSeen keep = *e;
            keep.alias = g_strdup(e->alias);
            g_array_append_val(memo->seen, keep);
        }
    }
    for (guint i = 0; i < cur->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(cur->vms, i);
        for (guint j = 0; vm->state == SOVA_VM_RUNNING && j < vm->nics->len; j++) {
            const SovaNicSample *n = sova_vm_nic(vm, j);
            if (n->from_pf && n->alias)
                remember(memo, n);
        }
    }
    m->pf_memo = memo;
}

gboolean sova_net_pf_same_counters(const SovaNicSample *a, const SovaNicSample *b)
{
    return a->rx_packets == b->rx_packets && a->tx_packets == b->tx_packets &&
           a->rx_bytes == b->rx_bytes && a->tx_bytes == b->tx_bytes &&
           a->rx_drops == b->rx_drops && a->tx_drops == b->tx_drops;
}

gboolean sova_net_pf_refreshed(const SovaNetModel *last, const SovaNicSample *n, double secs)
{
    const SovaNetPfSeen *e = last ? find_seen(last->pf_memo, n->alias) : NULL;
    if (!e)   /* nobody held it at a sample for SOVA_NET_PF_REFRESH_MAX, or since we look */
        return TRUE;
    return !sova_net_pf_same_counters(&e->counters, n) ||
           last->pf_memo->clock_s + secs - e->at_s >= SOVA_NET_PF_REFRESH_MAX;
}
