/* sim_nic.c — the rules of a simulated host's NIC; see sim_nic.h. */
#include "backend/sim/sim_nic.h"

double sova_sim_nic_virtio_pps(const SovaSimNicSpec *nic, double offered)
{
    return MIN(offered, nic->virtio_pps_cap);
}

double sova_sim_nic_vf_pps(const SovaSimNicSpec *nic, double offered)
{
    return nic->vf_pps_cap > 0 ? MIN(offered, nic->vf_pps_cap) : offered;
}

double sova_sim_nic_capacity_Bps(const SovaSimNicSpec *nic)
{
    return nic->nic_gbps * 1e9 / 8;
}

double sova_sim_nic_share(const SovaSimNicSpec *nic, double per_dir_Bps)
{
    double cap = sova_sim_nic_capacity_Bps(nic);
    return cap > 0 && per_dir_Bps > cap ? cap / per_dir_Bps : 1.0;
}

double sova_sim_nic_vhost_pcpus(const SovaSimNicSpec *nic, double pps)
{
    return pps * nic->virtio_us_per_packet * 1e-6;
}
