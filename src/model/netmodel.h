/* netmodel.h — per-VM network load derived from two snapshots of one host.
 *
 * This is what net policies read. A VM's load is measured on the host side (tap
 * counters; nothing a guest writes is trusted) per MAC: the standby NIC and a VF with
 * the same MAC are summed, because while a VF is attached the guest's traffic moves
 * to it and the standby's counters stay flat. A VF passed through (hostdev) has no tap;
 * its counters come from the PF's per-VF statistics where the driver reports them
 * (SovaNicSample.from_pf: the VF's own since the driver started, so the interval a VM
 * takes one over counts as fresh, and so does their first move when the PF had not
 * refreshed them since the VF changed hands: pf_settling), else it has none: while a VM
 * holds such a VF its load is unknown (blind), and the model keeps its last smoothed rates
 * rather than report it idle; the first interval it is seen again replaces them (they
 * are old news). Rates are per second over the interval and smoothed by an EWMA; load
 * counts delivered and dropped packets (SovaNetRates). A NIC that is new (just
 * hot-attached) counts from zero; a NIC any of whose counters went backwards (the device
 * was re-created) counts all of them from zero as well. */
#pragma once
#include <glib.h>
#include "model/snapshot.h"

/* A VM's load: what it got through plus what the host side dropped (its tap's drop
 * counters), so a VM held at the virtio NIC's packet ceiling still shows more load than
 * one just at it. Dropped bytes are not counted by the host: they are estimated at the
 * mean size of the packets delivered in the same direction. */
typedef struct {
    double rx_bps, tx_bps;    /* bytes per second, delivered + dropped */
    double rx_pps, tx_pps;    /* packets per second, delivered + dropped */
    double rx_drop_pps, tx_drop_pps;  /* of those, packets per second dropped */
    /* the drops came without delivered traffic near the host's virtio ceiling: what a
     * guest that merely stops draining its queue shows (cheap to fake), so they raise no
     * demand (sova_net_rates_demand_*) */
    gboolean drops_unproven;
} SovaNetRates;

typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *name;
    char mac[SOVA_MAC_LEN];   /* the standby NIC's MAC; "" when the VM has no standby */
    gboolean has_standby;     /* it can be switched: a standby NIC with a MAC */
    gboolean has_vf;          /* it holds a VF now */
    char *vf_alias;           /* alias of the VF it holds, or NULL */
    SovaNetOverride override;
    gboolean leaving;         /* the controller is migrating it away: held as it is, no VF
                               * given or taken (the migration gives its VF back itself) */
    gboolean fresh;           /* no rate yet (new VM, or a VF counted by its PF just taken
                               * over): raw rates are 0, smooth is carried over or 0 */
    gboolean blind;           /* it holds a VF with no host-side counters (hostdev, no tap): its
                               * traffic is invisible, so smooth is carried over, not decayed */
    /* it holds a VF counted by its PF whose counters have not moved for pf_quiet_s
     * seconds (< SOVA_NET_PF_REFRESH_MAX): the PF's driver refreshes them only now and
     * then, so this interval brought no news; smooth is carried over, and when they move,
     * the rates are taken over the whole quiet time, with what its other NICs carried
     * meanwhile (pf_pending). Quiet for longer, the VF is taken to be idle. */
    gboolean no_news;
    double pf_quiet_s;
    /* it took over a VF counted by its PF that the PF had not refreshed since the VF
     * changed hands: their first move may hold the last holder's last traffic, so it is
     * a new baseline (fresh) rather than a rate; until then no news, as usual (settled
     * when the VF turns idle) */
    gboolean pf_settling;
    SovaNicSample pf_pending; /* what moved on its other NICs meanwhile (counted later) */
    SovaNetRates raw;         /* over this interval (over raw_s when a PF brought no news before) */
    double raw_s;             /* the seconds raw is taken over: the interval, or more after
                               * intervals without news from a PF; 0 when raw is none */
    SovaNetRates smooth;      /* EWMA of raw */
} SovaNetVmLoad;

typedef struct SovaNetPfMemo SovaNetPfMemo;

typedef struct {
    double interval_s;
    GArray *vms;              /* SovaNetVmLoad, managed VMs only */
    guint vfs_in_use;         /* VMs holding a VF */
    double nic_capacity_Bps;  /* the physical NIC's capacity per direction, bytes/s; 0 = unknown */
    double nic_rx_Bps, nic_tx_Bps;  /* traffic through the physical NIC (host counters when known,
                                     * else the sum of the managed VMs' traffic) */
    double nic_util;          /* max(rx, tx) / capacity, 0..1 (may exceed 1 when
                               * estimated); -1 unknown */
    /* the most packets/s (rx + tx) a VM's virtio path was seen to deliver while its tap
     * dropped at least SOVA_NET_DROP_EVIDENCE of its load, over every VM of the host:
     * rises to a higher observation at once, sinks a tenth of the way toward a lower one;
     * carried from the last model; 0 unknown. One guest cannot raise it without really
     * taking that much traffic. */
    double virtio_ceiling_pps;
    SovaNetPfMemo *pf_memo;   /* the VFs counted by their PF as last sampled (netmodel_pf.h) */
} SovaNetModel;

typedef struct {
    double ewma_alpha;        /* weight of the newest sample, (0, 1]; 1 = no smoothing */
    double nic_capacity_Bps;  /* 0 = unknown */
    const char *const *exclude; /* VM names or UUIDs left alone; NULL-terminated; may be NULL */
} SovaNetModelParams;

/* Builds the net model of prev -> cur. `last` (may be NULL) carries the EWMA. VMs not
 * running in cur are left out. */
SovaNetModel *sova_net_model_build(const SovaSnapshot *prev, const SovaSnapshot *cur,
                                   const SovaNetModel *last, const SovaNetModelParams *params);
void sova_net_model_free(SovaNetModel *m);
SovaNetVmLoad *sova_net_model_vm(const SovaNetModel *m, guint i);
SovaNetVmLoad *sova_net_model_find(const SovaNetModel *m, const char *uuid);

/* packets/s and bytes/s, rx + tx, delivered + dropped */
double sova_net_rates_pps(const SovaNetRates *r);
double sova_net_rates_bps(const SovaNetRates *r);
/* packets/s delivered, rx + tx (the load without the drops) */
double sova_net_rates_delivered_pps(const SovaNetRates *r);
/* the share of its load the host side dropped, in the direction where it is larger, 0..1 */
double sova_net_rates_drop_share(const SovaNetRates *r);
/* What the VM would send and receive unhindered, estimated: a host sees drops in one
 * direction only (a tap drops traffic for a guest whose virtio queue is full; traffic the
 * guest cannot send stays in the guest), so the other direction is taken to be held back
 * in the same share: delivered / (1 - drop share), the share capped at SOVA_NET_MAX_DROP_SHARE
 * (at most 4x what it delivered). Drops are guest-influenced — a guest that stops draining
 * its queue makes its tap drop everything sent to it — so they count only with evidence
 * a guest cannot fake cheaply: delivered traffic of at least SOVA_NET_NEAR_CEILING of the
 * host's virtio ceiling (SovaNetModel.virtio_ceiling_pps); otherwise (drops_unproven) the
 * demand is what was delivered. Equal to the load when nothing was dropped. */
double sova_net_rates_demand_pps(const SovaNetRates *r);
double sova_net_rates_demand_bps(const SovaNetRates *r);
#define SOVA_NET_MAX_DROP_SHARE 0.75
/* the longest a PF's driver is taken to leave its per-VF counters unrefreshed, seconds
 * (ixgbe refreshes them every 2 s, i40e and ice about every second, mlx5 on each query) */
#define SOVA_NET_PF_REFRESH_MAX 2.5
#define SOVA_NET_NEAR_CEILING 0.75
/* the drop share of an interval that shows a virtio path at its ceiling */
#define SOVA_NET_DROP_EVIDENCE 0.02

/* helpers for tests and the simulator: an empty model, and a VM with given smoothed
 * (= raw) rates, a standby NIC and optionally a VF (the pointer returned is valid
 * until the next VM is added) */
SovaNetModel *sova_net_model_new(double capacity_Bps);
SovaNetVmLoad *sova_net_model_add_vm(SovaNetModel *m, const char *uuid, const char *name,
                                     double pps, double bps, gboolean has_vf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaNetModel, sova_net_model_free)
