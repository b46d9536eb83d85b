/* sim_net.h — the simulator's net model: the VMs' NICs, each host's VF pool and NIC.
 *
 * Every VM of a scenario with network traffic keeps a virtio NIC (the standby, alias
 * "ua-sova-net0", a tap with counters) and may hold an SR-IOV VF with the same MAC
 * (alias "ua-sova-vfN" for pool slot N; modelled like the rig's stand-in, with a tap of
 * its own, or like a hostdev VF without one: vf-counters=pf, its counters from the PF's
 * per-VF stats, refreshed every vf-stats-period seconds; vf-counters=no, invisible). Each
 * tick, the offered load (a demand shape in percent of the VM's peak packet rate, plus a
 * seeded jitter) goes:
 *  - over virtio: at most virtio-pps-cap packets/s (rx + tx), each costing the host
 *    virtio-us-per-packet of CPU (vhost), which the caller charges to the pCPUs;
 *  - over the VF, once the guest has switched (vf-attach-latency after the attach):
 *    at line rate (vf-pps-cap when set), no host CPU;
 *  - nowhere for vf-detach-gap seconds after a detach of a VF that carried the traffic
 *    (lost while the guest fails back to the standby);
 * and all of it shares the physical NIC (nic-gbps per direction; when the traffic
 * exceeds it, every VM gets the same fraction of what it sent). Delivered packets are
 * split evenly between rx and tx and counted on the tap that carried them; what was
 * offered and not delivered is lost. Of what a path's cap (virtio's, or vf-pps-cap) holds
 * back, the guest-bound half shows as drops on the path's tap (rx drops, as libvirt names
 * them); the guest-sent half stays in the guest and the host never sees it.
 * The rules of the two paths and the NIC are sim_nic.h's. A VM paused by a migration
 * sends nothing; a VM that migrates gives its VF back and arrives with a new standby tap.
 * Deterministic: each VM's net demand draws from its own GRand stream, seeded from the
 * run's seed, apart from the CPU model's streams. */
#pragma once
#include <glib.h>
#include "model/snapshot.h"
#include "backend/sim/sim_scenario.h"

typedef struct SovaSimNet SovaSimNet;

/* what really happened to one VM's traffic since the start (no measurement involved) */
typedef struct {
    double offered_pkts, delivered_pkts;     /* packets, rx + tx */
    double offered_bytes, delivered_bytes;
    double vf_pkts;           /* delivered over the VF */
    double gap_pkts;          /* lost in detach gaps */
    double vhost_cpu_s;       /* host CPU its virtio traffic cost */
    double vf_s;              /* seconds holding a VF */
    guint attaches, detaches; /* executed */
    gboolean holds_vf;        /* now */
    gboolean on_vf;           /* now: its traffic flows over the VF */
} SovaSimNetTruth;

/* Every VM of `sc` on its starting host; each host has its own VF pool, taps and NIC.
 * `sc` must outlive the model. */
SovaSimNet *sova_sim_net_new(const SovaSimScenario *sc, guint64 seed);
void sova_sim_net_free(SovaSimNet *n);

/* Draws every VM's offered load for `dt` seconds from time `t`, wherever it is (what a VM
 * offers does not depend on where it runs or whether its host is up). */
void sova_sim_net_offer(SovaSimNet *n, double t, double dt);
/* Moves the offered traffic of `vms` (the VMs on `host`, scenario order) for `dt`
 * seconds; returns the host CPU the virtio path used meanwhile, in pCPUs. A paused VM
 * (sova_sim_net_set_paused) sends and receives nothing. */
double sova_sim_net_tick(SovaSimNet *n, guint host, const guint *vms, guint n_vms, double t,
                         double dt);
void sova_sim_net_set_paused(SovaSimNet *n, guint vm, gboolean paused);
/* The VM runs on `host` from now on, as a new domain: a new standby tap, its counters
 * from zero (a VF it held is given back first: sova_sim_net_detach). */
void sova_sim_net_move(SovaSimNet *n, guint vm, guint host);

/* VF moves at time `now`, on the VM's host's pool. Attach fails when the pool is
 * exhausted, the VM already holds a VF or has no standby NIC; detach when it holds none.
 * With free switches (the clairvoyant baseline), a switch takes effect at once and loses
 * nothing. */
gboolean sova_sim_net_attach(SovaSimNet *n, guint vm, double now, GError **error);
gboolean sova_sim_net_detach(SovaSimNet *n, guint vm, double now, GError **error);
void sova_sim_net_set_free_switches(SovaSimNet *n, gboolean on);

/* adds the VM's NICs (standby, and its VF while it holds one) with their counters */
void sova_sim_net_fill_vm(const SovaSimNet *n, guint vm, SovaVmSample *vs);
/* the host's pool size, its physical NIC's capacity and counters */
void sova_sim_net_fill_host(const SovaSimNet *n, guint host, SovaSnapshot *snap);

void sova_sim_net_truth(const SovaSimNet *n, guint vm, SovaSimNetTruth *out);
guint sova_sim_net_vfs_in_use(const SovaSimNet *n, guint host);

/* The future, for the clairvoyant baseline: per VM, the packets a VF would deliver over
 * virtio's over [now_ns, end_ns) on its host, stepping in ticks of tick_ns exactly as the
 * simulator will (so random walks come out the same); the model itself is not changed. */
/* gain_ahead from the demand shapes alone, without their per-second jitter: what a
 * clairvoyant that knows each VM's demand but not its noise would expect */
void sova_sim_net_set_ahead_without_jitter(SovaSimNet *n, gboolean on);
void sova_sim_net_gain_ahead(const SovaSimNet *n, guint64 now_ns, guint64 end_ns, guint64 tick_ns,
                             double *gain);
