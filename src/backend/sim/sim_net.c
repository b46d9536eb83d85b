/* sim_net.c — the simulator's net model; see sim_net.h.
 *
 * Counters are kept as doubles (fractions of a packet accumulate over ticks) and
 * reported rounded down, so they never go backwards. A VF's tap is a new device at
 * every attach: its counters start from zero, as libvirt's would. */
#include "backend/sim/sim_net.h"
#include "util/error.h"
#include <math.h>

typedef struct {
    double rx_bytes, tx_bytes, rx_packets, tx_packets;
    double rx_drops;          /* packets for the guest the tap dropped (its queue was full) */
} Tap;

typedef enum {
    PATH_VIRTIO,
    PATH_VF,
    PATH_GAP,                 /* detached, the guest not yet back on its standby */
} Path;

/* what a VM's offered load remembers between ticks */
typedef struct {
    SovaDemandState shape;
    double jitter;            /* current offset, points */
    double next_jitter;       /* simulated second of the next draw */
} Offer;

typedef struct {
    const SovaSimVmSpec *spec;
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
    double offered;           /* scratch: this tick's offered load, packets/s */
    double want;              /* scratch: this tick's rate on its path, packets/s */
    Path path;                /* scratch */
} NetVm;

struct SovaSimNet {
    const SovaSimHostSpec *host;
    gboolean enabled;         /* the scenario has network traffic */
    guint n_vms;
    NetVm *vms;
    gboolean *slot_used;      /* [host->vfs] */
    guint next_tap;
    gboolean free_switches;
    double nic_rx_bytes, nic_tx_bytes;
};

static GRand *vm_rng(guint64 seed, guint vm)
{
    guint32 s[4] = { (guint32)seed, (guint32)(seed >> 32), 0x6e6574u /* "net" */, vm };
    return g_rand_new_with_seed_array(s, 4);
}

SovaSimNet *sova_sim_net_new(const SovaSimScenario *sc, guint64 seed)
{
    SovaSimNet *n = g_new0(SovaSimNet, 1);
    n->host = &sc->host;
    n->enabled = sc->has_net;
    n->n_vms = sc->vms->len;
    n->vms = g_new0(NetVm, n->n_vms);
    n->slot_used = g_new0(gboolean, MAX(sc->host.nic.vfs, 1u));
    for (guint m = 0; m < n->n_vms; m++) {
        NetVm *v = &n->vms[m];
        v->spec = g_ptr_array_index(sc->vms, m);
        v->rng = vm_rng(seed, m);
        v->slot = -1;
        g_snprintf(v->mac, sizeof v->mac, "52:54:00:5a:%02x:%02x", (m >> 8) & 0xff, m & 0xff);
        v->standby_dev = g_strdup_printf("vnet%u", n->next_tap++);
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
    g_free(n->vms);
    g_free(n->slot_used);
    g_free(n);
}

void sova_sim_net_set_free_switches(SovaSimNet *n, gboolean on)
{
    n->free_switches = on;
}

/* ---- traffic ---- */

/* the shape plus the jitter (drawn on the first tick at or after each second), 0..100 % of
 * the peak */
static double offered_pps(const SovaSimVmSpec *spec, Offer *o, GRand *rng, double t)
{
    if (!spec->net_demand)
        return 0;
    double v = sova_demand_at(spec->net_demand, &o->shape, 0, t, rng);
    while (spec->net_jitter > 0 && t >= o->next_jitter) {
        o->jitter = g_rand_double_range(rng, -spec->net_jitter, spec->net_jitter);
        o->next_jitter = floor(t) + 1;
    }
    return spec->net_peak_pps * CLAMP(v + o->jitter, 0.0, 100.0) / 100.0;
}

static double virtio_rate(const SovaSimHostSpec *h, double offered)
{
    return sova_sim_nic_virtio_pps(&h->nic, offered);
}

static double vf_rate(const SovaSimHostSpec *h, double offered)
{
    return sova_sim_nic_vf_pps(&h->nic, offered);
}

static Path path_at(const NetVm *v, double t)
{
    if (v->slot >= 0 && t >= v->vf_from)
        return PATH_VF;
    return t < v->gap_until ? PATH_GAP : PATH_VIRTIO;
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

/* the fraction of what the VMs send that the physical NIC carries (1 below capacity) */
static double nic_share(const SovaSimNet *n)
{
    double per_dir = 0;
    for (guint m = 0; m < n->n_vms; m++)
        per_dir += n->vms[m].want * n->vms[m].spec->net_packet_bytes / 2;
    return sova_sim_nic_share(&n->host->nic, per_dir);
}

/* books `got` packets/s over dt: the tap that carried them, the truth, the host NIC;
 * returns the host CPU (pCPUs) it cost */
static double deliver(SovaSimNet *n, NetVm *v, double offered, double got, double dt)
{
    const SovaSimHostSpec *h = n->host;
    double pkts = got * dt, bytes = pkts * v->spec->net_packet_bytes;
    SovaSimNetTruth *tr = &v->truth;
    tr->offered_pkts += offered * dt;
    tr->offered_bytes += offered * dt * v->spec->net_packet_bytes;
    tr->delivered_pkts += pkts;
    tr->delivered_bytes += bytes;
    if (v->slot >= 0)
        tr->vf_s += dt;
    n->nic_rx_bytes += bytes / 2;
    n->nic_tx_bytes += bytes / 2;
    if (v->path == PATH_GAP) {
        tr->gap_pkts += offered * dt;
        return 0;
    }
    if (v->path == PATH_VF) {
        tr->vf_pkts += pkts;
        if (v->vf_dev) {
            tap_add(&v->vf, pkts, bytes);
            v->vf.rx_drops += tap_drops(offered, v->want, dt);
        }
        return 0;
    }
    tap_add(&v->standby, pkts, bytes);
    v->standby.rx_drops += tap_drops(offered, v->want, dt);
    double cpu = sova_sim_nic_vhost_pcpus(&h->nic, got);
    tr->vhost_cpu_s += cpu * dt;
    return cpu;
}

double sova_sim_net_tick(SovaSimNet *n, double t, double dt)
{
    if (!n->enabled)
        return 0;
    for (guint m = 0; m < n->n_vms; m++) {
        NetVm *v = &n->vms[m];
        v->offered = offered_pps(v->spec, &v->offer, v->rng, t);
        v->path = path_at(v, t);
        v->want = v->path == PATH_VF ? vf_rate(n->host, v->offered)
                  : v->path == PATH_VIRTIO ? virtio_rate(n->host, v->offered) : 0;
    }
    double share = nic_share(n), cpu = 0;
    for (guint m = 0; m < n->n_vms; m++) {
        NetVm *v = &n->vms[m];
        cpu += deliver(n, v, v->offered, v->want * share, dt);
        v->truth.on_vf = v->path == PATH_VF;
    }
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

static int free_slot(const SovaSimNet *n)
{
    for (guint s = 0; s < n->host->nic.vfs; s++)
        if (!n->slot_used[s])
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
    int slot = free_slot(n);
    if (slot < 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "no free VF: all %u of the pool are in use",
                    n->host->nic.vfs);
        return FALSE;
    }
    n->slot_used[slot] = TRUE;
    v->slot = slot;
    v->vf = (Tap){ 0 };
    v->vf_dev = n->host->vf_counters ? g_strdup_printf("vnet%u", n->next_tap++) : NULL;
    v->vf_from = now + (n->free_switches ? 0 : n->host->vf_attach_latency);
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
        v->gap_until = now + n->host->vf_detach_gap;
    n->slot_used[v->slot] = FALSE;
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
    g_autofree char *alias = g_strdup_printf("ua-sova-vf%d", v->slot);
    SovaNicSample *vf = sova_vm_add_nic(vs, alias, v->mac, v->vf_dev, SOVA_NIC_VF);
    if (v->vf_dev)
        nic_counters(vf, &v->vf);
}

void sova_sim_net_fill_host(const SovaSimNet *n, SovaSnapshot *snap)
{
    snap->vf_pool = n->host->nic.vfs;
    snap->host_nic_capacity_Bps = sova_sim_nic_capacity_Bps(&n->host->nic);
    snap->has_host_nic = n->enabled && n->host->nic.nic_gbps > 0;
    if (snap->has_host_nic) {
        snap->host_nic_rx_bytes = (guint64)floor(n->nic_rx_bytes);
        snap->host_nic_tx_bytes = (guint64)floor(n->nic_tx_bytes);
    }
}

void sova_sim_net_truth(const SovaSimNet *n, guint vm, SovaSimNetTruth *out)
{
    *out = vm < n->n_vms ? n->vms[vm].truth : (SovaSimNetTruth){ 0 };
}

guint sova_sim_net_vfs_in_use(const SovaSimNet *n)
{
    guint used = 0;
    for (guint s = 0; s < n->host->nic.vfs; s++)
        used += n->slot_used[s];
    return used;
}

void sova_sim_net_gain_ahead(const SovaSimNet *n, guint64 now_ns, guint64 end_ns, guint64 tick_ns,
                             double *gain)
{
    for (guint m = 0; m < n->n_vms; m++) {
        const NetVm *v = &n->vms[m];
        gain[m] = 0;
        if (!n->enabled || !v->spec->net_demand)
            continue;
        Offer st = v->offer;
        g_autoptr(GRand) rng = g_rand_copy(v->rng);
        for (guint64 t = now_ns; t < end_ns; t += MIN(tick_ns, end_ns - t)) {
            double dt = (double)MIN(tick_ns, end_ns - t) / 1e9;
            double off = offered_pps(v->spec, &st, rng, (double)t / 1e9);
            gain[m] += (vf_rate(n->host, off) - virtio_rate(n->host, off)) * dt;
        }
    }
}
