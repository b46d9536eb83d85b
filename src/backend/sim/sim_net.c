/* sim_net.c — the simulator's net model; see sim_net.h.
 *
 * Counters are kept as doubles (fractions of a packet accumulate over ticks) and
 * reported rounded down, so they never go backwards. A tap is a new device at every
 * attach (a VF's) or arrival (the standby's): its counters start from zero, as libvirt's
 * would. With vf-counters=pf the counters are the VF's (its pool slot's), cumulative
 * across holders, and reported as the PF's driver last refreshed them. */
#include "backend/sim/sim_net.h"
#include "util/error.h"
#include <math.h>
#include <string.h>

typedef struct {
    double rx_bytes, tx_bytes, rx_packets, tx_packets;
    double rx_drops;          /* packets for the guest the tap dropped (its queue was full) */
} Tap;

typedef enum {
    PATH_VIRTIO,
    PATH_VF,
    PATH_GAP,                 /* detached, the guest not yet back on its standby */
    PATH_PAUSED,              /* the VM is paused: nothing moves */
} Path;

/* what a VM's offered load remembers between ticks */
typedef struct {
    SovaDemandState shape;
    double jitter;            /* current offset, points */
    double next_jitter;       /* simulated second of the next draw */
} Offer;

typedef struct {
    const SovaSimVmSpec *spec;
    guint host;
    gboolean paused;
    Offer offer;
    GRand *rng;
    char mac[SOVA_MAC_LEN];
    char *standby_dev;        /* its tap */
    Tap standby, vf;
    int slot;                 /* VF pool slot held; -1 = none */
    char *vf_dev;             /* the VF's tap; NULL without counters or without a VF */
    double vf_from;           /* its traffic is on the VF from this time on */
    double gap_until;         /* after a detach: traffic lost until this time */
    SovaSimNetTruth truth;
    double offered;           /* this tick's offered load, packets/s */
    double want;              /* scratch: this tick's rate on its path, packets/s */
    Path path;                /* scratch */
} NetVm;

typedef struct {
    const SovaSimHostSpec *spec;
    gboolean *slot_used;      /* [spec->nic.vfs] */
    Tap *pf_live, *pf_seen;   /* vf-counters=pf: each VF's counters as the PF counts them, and
                               * as its driver last refreshed them ([spec->nic.vfs]) */
    double next_refresh;      /* simulated second of the driver's next refresh */
    guint next_tap;
    double nic_rx_bytes, nic_tx_bytes;
} NetHost;

struct SovaSimNet {
    gboolean enabled;         /* the scenario has network traffic */
    guint n_vms, n_hosts;
    NetVm *vms;
    NetHost *hosts;
    gboolean free_switches;
    gboolean ahead_without_jitter;   /* gain_ahead sees the demand shapes, not their jitter */
};

static GRand *vm_rng(guint64 seed, guint vm)
{
    guint32 s[4] = { (guint32)seed, (guint32)(seed >> 32), 0x6e6574u /* "net" */, vm };
    return g_rand_new_with_seed_array(s, 4);
}

static const SovaSimNicSpec *nic_of(const SovaSimNet *n, const NetVm *v)
{
    return &n->hosts[v->host].spec->nic;
}

SovaSimNet *sova_sim_net_new(const SovaSimScenario *sc, guint64 seed)
{
    SovaSimNet *n = g_new0(SovaSimNet, 1);
    n->enabled = sc->has_net;
    n->n_hosts = sc->hosts->len;
    n->hosts = g_new0(NetHost, n->n_hosts);
    for (guint h = 0; h < n->n_hosts; h++) {
        n->hosts[h].spec = sova_sim_scenario_host(sc, h);
        guint vfs = MAX(n->hosts[h].spec->nic.vfs, 1u);
        n->hosts[h].slot_used = g_new0(gboolean, vfs);
        n->hosts[h].pf_live = g_new0(Tap, vfs);
        n->hosts[h].pf_seen = g_new0(Tap, vfs);
        n->hosts[h].next_refresh = n->hosts[h].spec->nic.vf_stats_period / 2;
    }
    n->n_vms = sc->vms->len;
    n->vms = g_new0(NetVm, n->n_vms);
    for (guint m = 0; m < n->n_vms; m++) {
        NetVm *v = &n->vms[m];
        v->spec = sova_sim_scenario_vm(sc, m);
        v->host = v->spec->host;
        v->rng = vm_rng(seed, m);
        v->slot = -1;
        g_snprintf(v->mac, sizeof v->mac, "52:54:00:%02x:%02x:%02x", (m >> 16) & 0xff,
                   (m >> 8) & 0xff, m & 0xff);
        v->standby_dev = g_strdup_printf("vnet%u", n->hosts[v->host].next_tap++);
    }
    return n;
}

void sova_sim_net_free(SovaSimNet *n)
{
    if (!n)
        return;
    for (guint m = 0; m < n->n_vms; m++) {
        g_rand_free(n->vms[m].rng);
        g_free(n->vms[m].standby_dev);
        g_free(n->vms[m].vf_dev);
    }
    for (guint h = 0; h < n->n_hosts; h++) {
        g_free(n->hosts[h].slot_used);
        g_free(n->hosts[h].pf_live);
        g_free(n->hosts[h].pf_seen);
    }
    g_free(n->vms);
    g_free(n->hosts);
    g_free(n);
}

void sova_sim_net_set_free_switches(SovaSimNet *n, gboolean on)
{
    n->free_switches = on;
}

void sova_sim_net_set_ahead_without_jitter(SovaSimNet *n, gboolean on)
{
    n->ahead_without_jitter = on;
}

void sova_sim_net_set_paused(SovaSimNet *n, guint vm, gboolean paused)
{
    if (vm < n->n_vms)
        n->vms[vm].paused = paused;
}

void sova_sim_net_move(SovaSimNet *n, guint vm, guint host)
{
    NetVm *v = &n->vms[vm];
    v->host = host;
    v->standby = (Tap){ 0 };
    g_free(v->standby_dev);
    v->standby_dev = g_strdup_printf("vnet%u", n->hosts[host].next_tap++);
}

/* ---- traffic ---- */

/* the shape plus the jitter (drawn on the first tick at or after each second), 0..100 % of
 * the peak */
static double offered_pps_shape(const SovaSimVmSpec *spec, Offer *o, GRand *rng, double t,
                                double *shape_only)
{
    if (!spec->net_demand)
        return *shape_only = 0;
    double v = sova_demand_at(spec->net_demand, &o->shape, 0, t, rng);
    while (spec->net_jitter > 0 && t >= o->next_jitter) {
        o->jitter = g_rand_double_range(rng, -spec->net_jitter, spec->net_jitter);
        o->next_jitter = floor(t) + 1;
    }
    *shape_only = spec->net_peak_pps * CLAMP(v, 0.0, 100.0) / 100.0;
    return spec->net_peak_pps * CLAMP(v + o->jitter, 0.0, 100.0) / 100.0;
}

static double offered_pps(const SovaSimVmSpec *spec, Offer *o, GRand *rng, double t)
{
    double shape;
    return offered_pps_shape(spec, o, rng, t, &shape);
}

void sova_sim_net_offer(SovaSimNet *n, double t, double dt)
{
    if (!n->enabled)
        return;
    for (guint m = 0; m < n->n_vms; m++) {
        NetVm *v = &n->vms[m];
        v->offered = offered_pps(v->spec, &v->offer, v->rng, t);
        v->truth.offered_pkts += v->offered * dt;
        v->truth.offered_bytes += v->offered * dt * v->spec->net_packet_bytes;
    }
}

static Path path_at(const NetVm *v, double t)
{
    if (v->paused)
        return PATH_PAUSED;
    if (v->slot >= 0 && t >= v->vf_from)
        return PATH_VF;
    return t < v->gap_until ? PATH_GAP : PATH_VIRTIO;
}

static double path_rate(const SovaSimNicSpec *nic, Path path, double offered)
{
    return path == PATH_VF ? sova_sim_nic_vf_pps(nic, offered)
           : path == PATH_VIRTIO ? sova_sim_nic_virtio_pps(nic, offered) : 0;
}

static void tap_add(Tap *tap, double packets, double bytes)
{
    tap->rx_packets += packets / 2;
    tap->tx_packets += packets / 2;
    tap->rx_bytes += bytes / 2;
    tap->tx_bytes += bytes / 2;
}

/* what a tap drops over dt when its path carries `carried` of `offered` packets/s: the
 * guest-bound half of the excess. A host tap sees only that direction's excess (its queue
 * to a guest that cannot keep up overflows); the guest-sent excess never leaves the
 * guest's own full virtio queue, so the host does not see it. */
static double tap_drops(double offered, double carried, double dt)
{
    return offered > carried ? (offered - carried) / 2 * dt : 0;
}

/* books `got` packets/s over dt: the tap that carried them, the truth, the host NIC;
 * returns the host CPU (pCPUs) it cost */
static double deliver(NetHost *h, NetVm *v, double got, double dt)
{
    double offered = v->offered, pkts = got * dt, bytes = pkts * v->spec->net_packet_bytes;
    SovaSimNetTruth *tr = &v->truth;
    if (v->path == PATH_PAUSED)
        return 0;
    tr->delivered_pkts += pkts;
    tr->delivered_bytes += bytes;
    if (v->slot >= 0)
        tr->vf_s += dt;
    h->nic_rx_bytes += bytes / 2;
    h->nic_tx_bytes += bytes / 2;
    if (v->path == PATH_GAP) {
        tr->gap_pkts += offered * dt;
        return 0;
    }
    if (v->path == PATH_VF) {
        tr->vf_pkts += pkts;
        Tap *ctr = v->vf_dev ? &v->vf
                   : h->spec->nic.vf_counters == SOVA_SIM_VF_COUNTERS_PF ? &h->pf_live[v->slot]
                                                                         : NULL;
        if (ctr) {
            tap_add(ctr, pkts, bytes);
            ctr->rx_drops += tap_drops(offered, v->want, dt);
        }
        return 0;
    }
    tap_add(&v->standby, pkts, bytes);
    v->standby.rx_drops += tap_drops(offered, v->want, dt);
    double cpu = sova_sim_nic_vhost_pcpus(&h->spec->nic, got);
    tr->vhost_cpu_s += cpu * dt;
    return cpu;
}

/* vf-counters=pf: the PF's driver refreshes what it reports of its VFs every
 * vf-stats-period seconds (0: at every tick) */
static void refresh_pf(NetHost *h, double now)
{
    const SovaSimNicSpec *nic = &h->spec->nic;
    if (nic->vf_counters != SOVA_SIM_VF_COUNTERS_PF || now < h->next_refresh)
        return;
    memcpy(h->pf_seen, h->pf_live, sizeof(Tap) * nic->vfs);
    if (nic->vf_stats_period <= 0)
        h->next_refresh = now;
    while (nic->vf_stats_period > 0 && h->next_refresh <= now)
        h->next_refresh += nic->vf_stats_period;
}

double sova_sim_net_tick(SovaSimNet *n, guint host, const guint *vms, guint n_vms, double t,
                         double dt)
{
    if (!n->enabled)
        return 0;
    NetHost *h = &n->hosts[host];
    double per_dir = 0;
    for (guint i = 0; i < n_vms; i++) {
        NetVm *v = &n->vms[vms[i]];
        v->path = path_at(v, t);
        v->want = path_rate(&h->spec->nic, v->path, v->offered);
        per_dir += v->want * v->spec->net_packet_bytes / 2;
    }
    double share = sova_sim_nic_share(&h->spec->nic, per_dir), cpu = 0;
    for (guint i = 0; i < n_vms; i++) {
        NetVm *v = &n->vms[vms[i]];
        cpu += deliver(h, v, v->want * share, dt);
        v->truth.on_vf = v->path == PATH_VF;
    }
    refresh_pf(h, t + dt);
    return cpu;
}

/* ---- VF moves ---- */

static NetVm *vm_of(SovaSimNet *n, guint vm, GError **error)
{
    if (!n->enabled || vm >= n->n_vms) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND,
                    "the simulated VM has no standby NIC (the scenario has no network traffic)");
        return NULL;
    }
    return &n->vms[vm];
}

static int free_slot(const NetHost *h)
{
    for (guint s = 0; s < h->spec->nic.vfs; s++)
        if (!h->slot_used[s])
            return (int)s;
    return -1;
}

gboolean sova_sim_net_attach(SovaSimNet *n, guint vm, double now, GError **error)
{
    NetVm *v = vm_of(n, vm, error);
    if (!v)
        return FALSE;
    if (v->slot >= 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "%s already holds VF %d", v->spec->name,
                    v->slot);
        return FALSE;
    }
    NetHost *h = &n->hosts[v->host];
    int slot = free_slot(h);
    if (slot < 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND,
                    "no free VF: all %u of the pool are in use", h->spec->nic.vfs);
        return FALSE;
    }
    h->slot_used[slot] = TRUE;
    v->slot = slot;
    v->vf = (Tap){ 0 };
    v->vf_dev = h->spec->nic.vf_counters == SOVA_SIM_VF_COUNTERS_YES
                    ? g_strdup_printf("vnet%u", h->next_tap++) : NULL;
    v->vf_from = now + (n->free_switches ? 0 : h->spec->nic.vf_attach_latency);
    v->truth.attaches++;
    v->truth.holds_vf = TRUE;
    return TRUE;
}

gboolean sova_sim_net_detach(SovaSimNet *n, guint vm, double now, GError **error)
{
    NetVm *v = vm_of(n, vm, error);
    if (!v)
        return FALSE;
    if (v->slot < 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "%s holds no VF", v->spec->name);
        return FALSE;
    }
    /* the guest loses traffic only if it had switched to the VF */
    if (now >= v->vf_from && !n->free_switches)
        v->gap_until = now + nic_of(n, v)->vf_detach_gap;
    n->hosts[v->host].slot_used[v->slot] = FALSE;
    v->slot = -1;
    g_clear_pointer(&v->vf_dev, g_free);
    v->truth.detaches++;
    v->truth.holds_vf = v->truth.on_vf = FALSE;
    return TRUE;
}

/* ---- what the backend reports ---- */

static void nic_counters(SovaNicSample *s, const Tap *tap)
{
    s->rx_bytes = (guint64)floor(tap->rx_bytes);
    s->tx_bytes = (guint64)floor(tap->tx_bytes);
    s->rx_packets = (guint64)floor(tap->rx_packets);
    s->tx_packets = (guint64)floor(tap->tx_packets);
    s->rx_drops = (guint64)floor(tap->rx_drops);
}

void sova_sim_net_fill_vm(const SovaSimNet *n, guint vm, SovaVmSample *vs)
{
    if (!n->enabled || vm >= n->n_vms)
        return;
    const NetVm *v = &n->vms[vm];
    nic_counters(sova_vm_add_nic(vs, "ua-sova-net0", v->mac, v->standby_dev, SOVA_NIC_STANDBY),
                 &v->standby);
    if (v->slot < 0)
        return;
    const NetHost *h = &n->hosts[v->host];
    g_autofree char *alias = g_strdup_printf("ua-sova-vf%d", v->slot);
    SovaNicSample *vf = sova_vm_add_nic(vs, alias, v->mac, v->vf_dev, SOVA_NIC_VF);
    if (v->vf_dev)
        nic_counters(vf, &v->vf);
    else if (h->spec->nic.vf_counters == SOVA_SIM_VF_COUNTERS_PF) {
        vf->from_pf = TRUE;
        nic_counters(vf, &h->pf_seen[v->slot]);
    }
}

void sova_sim_net_fill_host(const SovaSimNet *n, guint host, SovaSnapshot *snap)
{
    const NetHost *h = &n->hosts[host];
    snap->vf_pool = h->spec->nic.vfs;
    snap->host_nic_capacity_Bps = sova_sim_nic_capacity_Bps(&h->spec->nic);
    snap->has_host_nic = n->enabled && h->spec->nic.nic_gbps > 0;
    if (snap->has_host_nic) {
        snap->host_nic_rx_bytes = (guint64)floor(h->nic_rx_bytes);
        snap->host_nic_tx_bytes = (guint64)floor(h->nic_tx_bytes);
    }
}

void sova_sim_net_truth(const SovaSimNet *n, guint vm, SovaSimNetTruth *out)
{
    *out = vm < n->n_vms ? n->vms[vm].truth : (SovaSimNetTruth){ 0 };
}

guint sova_sim_net_vfs_in_use(const SovaSimNet *n, guint host)
{
    guint used = 0;
    for (guint s = 0; host < n->n_hosts && s < n->hosts[host].spec->nic.vfs; s++)
        used += n->hosts[host].slot_used[s];
    return used;
}

void sova_sim_net_gain_ahead(const SovaSimNet *n, guint64 now_ns, guint64 end_ns, guint64 tick_ns,
                             double *gain)
{
    for (guint m = 0; m < n->n_vms; m++) {
        const NetVm *v = &n->vms[m];
        const SovaSimNicSpec *nic = nic_of(n, v);
        gain[m] = 0;
        if (!n->enabled || !v->spec->net_demand)
            continue;
        Offer st = v->offer;
        g_autoptr(GRand) rng = g_rand_copy(v->rng);
        for (guint64 t = now_ns; t < end_ns; t += MIN(tick_ns, end_ns - t)) {
            double dt = (double)MIN(tick_ns, end_ns - t) / 1e9;
            double shape, off = offered_pps_shape(v->spec, &st, rng, (double)t / 1e9, &shape);
            if (n->ahead_without_jitter)
                off = shape;
            gain[m] += (sova_sim_nic_vf_pps(nic, off) - sova_sim_nic_virtio_pps(nic, off)) * dt;
        }
    }
}
