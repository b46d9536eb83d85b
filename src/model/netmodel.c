/* netmodel.c — per-VM network rates, VF holders and NIC utilisation; see netmodel.h.
 *
 * Counters are matched NIC by NIC between the two snapshots (by alias, else by
 * host-side device, else by MAC and role). A NIC missing from the previous snapshot
 * was just attached and counts from zero, so traffic on a freshly attached VF is not
 * lost; a NIC whose counters went backwards was re-created and counts from zero too.
 * A VF counted by its PF is the exception: its counters are the VF's since the driver
 * started, so the interval it appears in gives the VM no rate (it is fresh); and unless
 * its PF has refreshed them since the VF changed hands (netmodel_pf.h), their first move
 * (which may hold the last holder's last traffic) is a new baseline too (pf_settle). */
#include "model/netmodel.h"
#include "model/netmodel_pf.h"
#include <string.h>

static void vm_clear(gpointer p)
{
    SovaNetVmLoad *v = p;
    g_free(v->name);
    g_free(v->vf_alias);
}

SovaNetModel *sova_net_model_new(double capacity_Bps)
{
    SovaNetModel *m = g_new0(SovaNetModel, 1);
    m->interval_s = 1.0;
    m->vms = g_array_new(FALSE, TRUE, sizeof(SovaNetVmLoad));
    g_array_set_clear_func(m->vms, vm_clear);
    m->nic_capacity_Bps = capacity_Bps;
    m->nic_util = -1;
    return m;
}

void sova_net_model_free(SovaNetModel *m)
{
    if (!m)
        return;
    g_array_unref(m->vms);
    sova_net_pf_memo_free(m->pf_memo);
    g_free(m);
}

SovaNetVmLoad *sova_net_model_vm(const SovaNetModel *m, guint i)
{
    return &g_array_index(m->vms, SovaNetVmLoad, i);
}

SovaNetVmLoad *sova_net_model_find(const SovaNetModel *m, const char *uuid)
{
    for (guint i = 0; m && i < m->vms->len; i++)
        if (strcmp(sova_net_model_vm(m, i)->uuid, uuid) == 0)
            return sova_net_model_vm(m, i);
    return NULL;
}

double sova_net_rates_pps(const SovaNetRates *r)
{
    return r->rx_pps + r->tx_pps;
}

double sova_net_rates_bps(const SovaNetRates *r)
{
    return r->rx_bps + r->tx_bps;
}

double sova_net_rates_delivered_pps(const SovaNetRates *r)
{
    return MAX(r->rx_pps - r->rx_drop_pps, 0.0) + MAX(r->tx_pps - r->tx_drop_pps, 0.0);
}

static double share(double part, double whole)
{
    return whole > 0 ? CLAMP(part / whole, 0.0, 1.0) : 0;
}

double sova_net_rates_drop_share(const SovaNetRates *r)
{
    return MAX(share(r->rx_drop_pps, r->rx_pps), share(r->tx_drop_pps, r->tx_pps));
}

/* 1 / (1 - the drop share): what the delivered traffic is scaled by */
static double demand_scale(const SovaNetRates *r)
{
    if (r->drops_unproven)
        return 1;
    return 1 / (1 - MIN(sova_net_rates_drop_share(r), SOVA_NET_MAX_DROP_SHARE));
}

double sova_net_rates_demand_pps(const SovaNetRates *r)
{
    return sova_net_rates_delivered_pps(r) * demand_scale(r);
}

double sova_net_rates_demand_bps(const SovaNetRates *r)
{
    /* the load's bytes count the drops at the delivered mean size: take them out again */
    double rx = r->rx_bps * (1 - share(r->rx_drop_pps, r->rx_pps));
    double tx = r->tx_bps * (1 - share(r->tx_drop_pps, r->tx_pps));
    return (rx + tx) * demand_scale(r);
}

static SovaNetVmLoad *add_vm(SovaNetModel *m, const char *uuid, const char *name)
{
    SovaNetVmLoad v = {0};
    g_strlcpy(v.uuid, uuid, sizeof v.uuid);
    v.name = g_strdup(name);
    g_array_append_val(m->vms, v);
    return sova_net_model_vm(m, m->vms->len - 1);
}

SovaNetVmLoad *sova_net_model_add_vm(SovaNetModel *m, const char *uuid, const char *name,
                                     double pps, double bps, gboolean has_vf)
{
    SovaNetVmLoad *v = add_vm(m, uuid, name);
    v->has_standby = TRUE;
    g_snprintf(v->mac, sizeof v->mac, "52:54:00:00:%02x:%02x", (m->vms->len >> 8) & 0xff,
               m->vms->len & 0xff);
    v->has_vf = has_vf;
    v->vf_alias = has_vf ? g_strdup_printf("ua-sova-vf%u", m->vms->len - 1) : NULL;
    v->raw = (SovaNetRates){bps / 2, bps / 2, pps / 2, pps / 2, 0, 0, FALSE};
    v->smooth = v->raw;
    if (has_vf)
        m->vfs_in_use++;
    return v;
}

static gboolean str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static gboolean same_nic(const SovaNicSample *a, const SovaNicSample *b)
{
    if (a->alias || b->alias)
        return str_eq(a->alias, b->alias);
    if (a->target_dev || b->target_dev)
        return str_eq(a->target_dev, b->target_dev);
    return a->role == b->role && a->mac[0] && strcmp(a->mac, b->mac) == 0;
}

static const SovaNicSample *find_nic(const SovaVmSample *vm, const SovaNicSample *want)
{
    for (guint i = 0; vm && i < vm->nics->len; i++)
        if (same_nic(sova_vm_nic(vm, i), want))
            return sova_vm_nic(vm, i);
    return NULL;
}

/* counters moved since prev; a new or re-created NIC (any counter went backwards) counts
 * from zero */
static void nic_delta(const SovaNicSample *cur, const SovaNicSample *prev, SovaNicSample *d)
{
    static const SovaNicSample zero;
    gboolean back = prev && (cur->rx_bytes < prev->rx_bytes || cur->tx_bytes < prev->tx_bytes ||
                             cur->rx_packets < prev->rx_packets ||
                             cur->tx_packets < prev->tx_packets ||
                             cur->rx_drops < prev->rx_drops || cur->tx_drops < prev->tx_drops);
    if (!prev || back)
        prev = &zero;
    d->rx_bytes = cur->rx_bytes - prev->rx_bytes;
    d->tx_bytes = cur->tx_bytes - prev->tx_bytes;
    d->rx_packets = cur->rx_packets - prev->rx_packets;
    d->tx_packets = cur->tx_packets - prev->tx_packets;
    d->rx_drops = cur->rx_drops - prev->rx_drops;
    d->tx_drops = cur->tx_drops - prev->tx_drops;
}

/* the standby NIC: the first with role STANDBY and a MAC */
static const SovaNicSample *standby_of(const SovaVmSample *vm)
{
    for (guint i = 0; i < vm->nics->len; i++) {
        const SovaNicSample *n = sova_vm_nic(vm, i);
        if (n->role == SOVA_NIC_STANDBY && n->mac[0])
            return n;
    }
    return NULL;
}

/* a NIC carrying this VM's managed traffic: the standby and VFs (with its MAC, when known) */
static gboolean counted(const SovaNicSample *n, const char *mac)
{
    if (n->role == SOVA_NIC_OTHER)
        return FALSE;
    return !mac[0] || !n->mac[0] || g_ascii_strcasecmp(n->mac, mac) == 0;
}

static void fill_identity(SovaNetVmLoad *v, const SovaVmSample *vm)
{
    const SovaNicSample *sb = standby_of(vm);
    v->has_standby = sb != NULL;
    g_strlcpy(v->mac, sb ? sb->mac : "", sizeof v->mac);
    v->override = vm->net_override;
    v->leaving = vm->leaving;
    for (guint i = 0; i < vm->nics->len && !v->has_vf; i++) {
        const SovaNicSample *n = sova_vm_nic(vm, i);
        if (n->role == SOVA_NIC_VF) {
            v->has_vf = TRUE;
            v->vf_alias = g_strdup(n->alias);
            v->blind = n->target_dev == NULL && !n->from_pf;
        }
    }
}

/* bytes/s of one direction: delivered, plus the drops at the delivered packets' mean size */
static double load_bps(guint64 bytes, guint64 packets, guint64 drops, double secs)
{
    double mean = packets ? (double)bytes / packets : 0;
    return (bytes + drops * mean) / secs;
}

/* a VF whose counters come from its PF and that the VM did not hold at the last sample:
 * they hold whatever went over the VF before (another holder's traffic), so this
 * interval's share of them is unknown */
static gboolean pf_nic_new(const SovaVmSample *vm, const SovaVmSample *pvm, const char *mac)
{
    for (guint i = 0; i < vm->nics->len; i++) {
        const SovaNicSample *n = sova_vm_nic(vm, i);
        if (n->from_pf && counted(n, mac) && !find_nic(pvm, n))
            return TRUE;
    }
    return FALSE;
}

/* the VFs counted by their PF that the VM did not hold at the last sample have been
 * refreshed by their PF since they changed hands (netmodel_pf.h) */
static gboolean pf_taken_refreshed(const SovaNetModel *last, const SovaVmSample *vm,
                                   const SovaVmSample *pvm, const char *mac, double secs)
{
    for (guint i = 0; i < vm->nics->len; i++) {
        const SovaNicSample *n = sova_vm_nic(vm, i);
        if (n->from_pf && counted(n, mac) && !find_nic(pvm, n) &&
            !sova_net_pf_refreshed(last, n, secs))
            return FALSE;
    }
    return TRUE;
}

/* it holds a VF counted by its PF */
static gboolean pf_held(const SovaVmSample *vm, const char *mac)
{
    for (guint i = 0; i < vm->nics->len; i++)
        if (sova_vm_nic(vm, i)->from_pf && counted(sova_vm_nic(vm, i), mac))
            return TRUE;
    return FALSE;
}

/* its VF counted by its PF shows the same counters as at the last sample */
static gboolean pf_unmoved(const SovaVmSample *vm, const SovaVmSample *pvm, const char *mac)
{
    for (guint i = 0; i < vm->nics->len; i++) {
        const SovaNicSample *n = sova_vm_nic(vm, i);
        const SovaNicSample *p = n->from_pf && counted(n, mac) ? find_nic(pvm, n) : NULL;
        if (p && sova_net_pf_same_counters(n, p))
            return TRUE;
    }
    return FALSE;
}

/* a PF that has not refreshed its counters yet: no news (v->no_news, v->pf_quiet_s) */
static void pf_news(SovaNetVmLoad *v, const SovaVmSample *vm, const SovaVmSample *pvm,
                    const SovaNetVmLoad *old, double secs)
{
    double quiet = old && old->no_news ? old->pf_quiet_s : 0;
    if (pf_unmoved(vm, pvm, v->mac)) {
        v->pf_quiet_s = quiet + secs;
        v->no_news = v->pf_quiet_s < SOVA_NET_PF_REFRESH_MAX;
    }
}

/* A VF just taken over whose PF has not refreshed its counters since it changed hands
 * (v->pf_settling): they may still lack the last holder's last traffic and the new holder's
 * first, which the next refresh would bring in one lump. Their first move is that lump: a
 * new baseline, fresh, no rate. Until then the intervals bring no news, as usual; unmoved
 * for SOVA_NET_PF_REFRESH_MAX, a refresh came and brought nothing: idle, and settled. */
static void pf_settle(SovaNetVmLoad *v, const SovaNetModel *last, const SovaVmSample *vm,
                      const SovaVmSample *pvm, const SovaNetVmLoad *old, double secs)
{
    if (pf_nic_new(vm, pvm, v->mac)) {
        v->pf_settling = !pf_taken_refreshed(last, vm, pvm, v->mac, secs);
        return;
    }
    if (!old || !old->pf_settling || !pf_held(vm, v->mac))
        return;
    if (pf_unmoved(vm, pvm, v->mac))
        v->pf_settling = TRUE;   /* no news as usual (pf_news), until idle */
    else
        v->fresh = TRUE;         /* the lump: a new baseline */
}

/* the counters moved since the last sample, NIC by NIC, summed into *sum */
static void add_deltas(SovaNicSample *sum, const SovaVmSample *vm, const SovaVmSample *pvm,
                       const char *mac)
{
    for (guint i = 0; i < vm->nics->len; i++) {
        const SovaNicSample *n = sova_vm_nic(vm, i);
        if (!counted(n, mac))
            continue;
        SovaNicSample d = {0};
        nic_delta(n, find_nic(pvm, n), &d);
        sum->rx_bytes += d.rx_bytes;
        sum->tx_bytes += d.tx_bytes;
        sum->rx_packets += d.rx_packets;
        sum->tx_packets += d.tx_packets;
        sum->rx_drops += d.rx_drops;
        sum->tx_drops += d.tx_drops;
    }
}

/* the rates over the interval; after intervals without news from a PF, over all of them
 * (what moved meanwhile, on the standby, was kept in pf_pending) */
static void fill_raw(SovaNetVmLoad *v, const SovaVmSample *vm, const SovaVmSample *pvm,
                     const SovaNetVmLoad *old, double secs)
{
    SovaNicSample sum = {0};
    if (old && old->no_news) {
        sum = old->pf_pending;
        secs += old->pf_quiet_s;
    }
    add_deltas(&sum, vm, pvm, v->mac);
    if (v->no_news) {
        v->pf_pending = sum;   /* counted when the PF's counters move */
        return;
    }
    v->raw_s = secs;
    v->raw = (SovaNetRates){
        .rx_bps = load_bps(sum.rx_bytes, sum.rx_packets, sum.rx_drops, secs),
        .tx_bps = load_bps(sum.tx_bytes, sum.tx_packets, sum.tx_drops, secs),
        .rx_pps = (sum.rx_packets + sum.rx_drops) / secs,
        .tx_pps = (sum.tx_packets + sum.tx_drops) / secs,
        .rx_drop_pps = sum.rx_drops / secs,
        .tx_drop_pps = sum.tx_drops / secs,
    };
}

static double ewma(double alpha, double now, double before)
{
    return alpha * now + (1 - alpha) * before;
}

static void fill_smooth(SovaNetVmLoad *v, const SovaNetVmLoad *old, double alpha)
{
    if (!old) {
        v->smooth = v->raw;
        return;
    }
    if (v->fresh || v->blind || v->no_news) {
        v->smooth = old->smooth;
        return;
    }
    if (old->blind) {
        v->smooth = v->raw;   /* what was carried through a blind spell is old news */
        return;
    }
    v->smooth.rx_bps = ewma(alpha, v->raw.rx_bps, old->smooth.rx_bps);
    v->smooth.tx_bps = ewma(alpha, v->raw.tx_bps, old->smooth.tx_bps);
    v->smooth.rx_pps = ewma(alpha, v->raw.rx_pps, old->smooth.rx_pps);
    v->smooth.tx_pps = ewma(alpha, v->raw.tx_pps, old->smooth.tx_pps);
    v->smooth.rx_drop_pps = ewma(alpha, v->raw.rx_drop_pps, old->smooth.rx_drop_pps);
    v->smooth.tx_drop_pps = ewma(alpha, v->raw.tx_drop_pps, old->smooth.tx_drop_pps);
}

static void fill_nic_util(SovaNetModel *m, const SovaSnapshot *prev, const SovaSnapshot *cur)
{
    if (prev && prev->has_host_nic && cur->has_host_nic &&
        cur->host_nic_rx_bytes >= prev->host_nic_rx_bytes &&
        cur->host_nic_tx_bytes >= prev->host_nic_tx_bytes) {
        m->nic_rx_Bps = (cur->host_nic_rx_bytes - prev->host_nic_rx_bytes) / m->interval_s;
        m->nic_tx_Bps = (cur->host_nic_tx_bytes - prev->host_nic_tx_bytes) / m->interval_s;
    } else {
        for (guint i = 0; i < m->vms->len; i++) {
            m->nic_rx_Bps += sova_net_model_vm(m, i)->smooth.rx_bps;
            m->nic_tx_Bps += sova_net_model_vm(m, i)->smooth.tx_bps;
        }
    }
    m->nic_util = m->nic_capacity_Bps > 0 ? MAX(m->nic_rx_Bps, m->nic_tx_Bps) / m->nic_capacity_Bps
                                          : -1;
}

/* the host's virtio ceiling: the highest delivered rate of a VM on virtio whose tap
 * dropped, up at once, a tenth of the way down (an interval only partly at the ceiling
 * shows less); the last model's when nobody dropped */
static void update_ceiling(SovaNetModel *m, const SovaNetModel *last)
{
    double before = last ? last->virtio_ceiling_pps : 0, seen = 0;
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(m, i);
        if (!v->has_vf && !v->fresh &&
            sova_net_rates_drop_share(&v->raw) >= SOVA_NET_DROP_EVIDENCE)
            seen = MAX(seen, sova_net_rates_delivered_pps(&v->raw));
    }
    m->virtio_ceiling_pps = seen >= before ? seen : seen > 0 ? 0.9 * before + 0.1 * seen : before;
}

static gboolean unproven(const SovaNetRates *r, double ceiling)
{
    return (r->rx_drop_pps > 0 || r->tx_drop_pps > 0) &&
           sova_net_rates_delivered_pps(r) < SOVA_NET_NEAR_CEILING * ceiling;
}

/* drops count as demand only next to delivered traffic near the ceiling */
static void weigh_drops(SovaNetModel *m)
{
    for (guint i = 0; i < m->vms->len; i++) {
        SovaNetVmLoad *v = sova_net_model_vm(m, i);
        if (v->fresh || v->blind || v->no_news)
            continue;   /* raw is empty, smooth carried over with its verdict */
        v->raw.drops_unproven = unproven(&v->raw, m->virtio_ceiling_pps);
        v->smooth.drops_unproven = unproven(&v->smooth, m->virtio_ceiling_pps);
    }
}

SovaNetModel *sova_net_model_build(const SovaSnapshot *prev, const SovaSnapshot *cur,
                                   const SovaNetModel *last, const SovaNetModelParams *params)
{
    SovaNetModel *m = sova_net_model_new(params ? params->nic_capacity_Bps : 0);
    double alpha = params && params->ewma_alpha > 0 ? MIN(params->ewma_alpha, 1.0) : 1.0;
    gint64 dt_us = prev ? cur->time_us - prev->time_us : 0;
    m->interval_s = dt_us > 0 ? dt_us / 1e6 : 0;
    for (guint i = 0; i < cur->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(cur->vms, i);
        if (vm->state != SOVA_VM_RUNNING || sova_vm_listed(vm, params ? params->exclude : NULL))
            continue;
        const SovaVmSample *pvm = prev ? sova_snapshot_find_vm(prev, vm->uuid) : NULL;
        SovaNetVmLoad *v = add_vm(m, vm->uuid, vm->name);
        fill_identity(v, vm);
        v->fresh = !pvm || m->interval_s <= 0 || pf_nic_new(vm, pvm, v->mac);
        const SovaNetVmLoad *old = sova_net_model_find(last, vm->uuid);
        if (pvm && m->interval_s > 0)
            pf_settle(v, last, vm, pvm, old, m->interval_s);
        if (!v->fresh) {
            pf_news(v, vm, pvm, old, m->interval_s);
            v->pf_settling = v->pf_settling && v->no_news;
            fill_raw(v, vm, pvm, old, m->interval_s);
        }
        fill_smooth(v, old, alpha);
        m->vfs_in_use += v->has_vf;
    }
    update_ceiling(m, last);
    weigh_drops(m);
    sova_net_pf_memo_update(m, last, cur);
    if (m->interval_s <= 0)
        m->interval_s = 1.0;   /* rates are all zero; keep a sane divisor */
    fill_nic_util(m, prev, cur);
    return m;
}
