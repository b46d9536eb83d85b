/* sim_nic.h — a simulated host's NIC and the rules its traffic follows, shared by the
 * single-host net model (sim_net.c) and the cluster simulator (sim_cluster.c), so that
 * one rule has one implementation:
 *  - a VM's virtio path carries at most virtio-pps-cap packets/s (rx + tx), each costing
 *    the host virtio-us-per-packet of CPU (vhost);
 *  - a VF carries at line rate (vf-pps-cap when set) and costs the host nothing;
 *  - the physical NIC carries nic-gbps per direction; when the VMs' traffic exceeds it,
 *    every VM gets the same fraction of what its path carries.
 * Loaded from the same keys in both scenario formats (sim_load.h). */
#pragma once
#include <glib.h>

/* where the host sees a VF's traffic (scenario key vf-counters) */
typedef enum {
    SOVA_SIM_VF_COUNTERS_NO,  /* nowhere: a hostdev VF whose PF reports no per-VF stats */
    SOVA_SIM_VF_COUNTERS_YES, /* on a tap of its own, fresh, new at every attach (the rig's
                               * stand-in) */
    SOVA_SIM_VF_COUNTERS_PF,  /* from the PF's per-VF stats (rtnetlink IFLA_VF_STATS): a
                               * hostdev VF; the counters belong to the VF, not to the VM
                               * (they go on across holders), and the PF's driver refreshes
                               * them every vf-stats-period seconds */
} SovaSimVfCounters;

typedef struct {
    double nic_gbps;          /* physical NIC bandwidth per direction, Gbit/s; 0 = unlimited */
    guint vfs;                /* SR-IOV VF pool size */
    double virtio_pps_cap;    /* packets/s (rx + tx) one VM's virtio NIC carries at most */
    double virtio_us_per_packet; /* host CPU per packet on the virtio path (vhost), µs */
    double vf_pps_cap;        /* packets/s one VF carries at most; 0 = only the NIC limits it */
    double vf_attach_latency; /* seconds from an attach until the guest's traffic is on the VF */
    double vf_detach_gap;     /* seconds of traffic lost after a detach */
    SovaSimVfCounters vf_counters;
    double vf_stats_period;   /* PF: seconds between two refreshes of its per-VF stats */
} SovaSimNicSpec;

/* packets/s the path carries of `offered`, before the NIC's limit */
double sova_sim_nic_virtio_pps(const SovaSimNicSpec *nic, double offered);
double sova_sim_nic_vf_pps(const SovaSimNicSpec *nic, double offered);
/* the fraction of what the VMs send that the NIC carries, given the bytes/s they send in
 * each direction (1 below capacity) */
double sova_sim_nic_share(const SovaSimNicSpec *nic, double per_dir_Bps);
/* host CPU (pCPUs) the virtio path spends carrying `pps` packets/s */
double sova_sim_nic_vhost_pcpus(const SovaSimNicSpec *nic, double pps);
/* the NIC's capacity per direction, bytes/s (0 = unlimited) */
double sova_sim_nic_capacity_Bps(const SovaSimNicSpec *nic);
