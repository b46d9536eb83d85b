/* libvirt_hostnic.c — the host's physical NIC: its capacity and its counters.
 *
 * libvirt has no API for a host interface's traffic, and the net plane needs the
 * physical NIC's utilisation (VF traffic bypasses every tap). The agent runs on the host
 * it manages, so the backend reads the kernel's own counters from sysfs
 * (/sys/class/net/NIC/statistics) and the link speed (/sys/class/net/NIC/speed, Mbit/s)
 * when the operator names the NIC; a configured capacity wins over the link speed. For a
 * remote URI (the controller) nothing is read locally: the capacity comes from the
 * configuration only. */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>

static gboolean read_u64(const char *nic, const char *file, guint64 *out)
{
    g_autofree char *path = g_strdup_printf("/sys/class/net/%s/%s", nic, file);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    char *end = NULL;
    gint64 v = g_ascii_strtoll(g_strstrip(text), &end, 10);
    if (end == text || v < 0)
        return FALSE;
    *out = (guint64)v;
    return TRUE;
}

void sova_lv_hostnic_sample(SovaLibvirtBackend *lv, SovaSnapshot *s)
{
    const char *nic = lv->host_nic;
    guint64 speed_mbps = 0;
    if (lv->opts.nic_gbps > 0)
        s->host_nic_capacity_Bps = lv->opts.nic_gbps * 1e9 / 8;
    else if (nic && read_u64(nic, "speed", &speed_mbps) && speed_mbps > 0)
        s->host_nic_capacity_Bps = speed_mbps * 1e6 / 8;
    if (!nic)
        return;
    s->has_host_nic = read_u64(nic, "statistics/rx_bytes", &s->host_nic_rx_bytes) &&
                      read_u64(nic, "statistics/tx_bytes", &s->host_nic_tx_bytes);
    if (!s->has_host_nic && !lv->warned_host_nic) {
        lv->warned_host_nic = TRUE;
        sova_warn("cannot read the counters of host NIC %s in /sys/class/net: its utilisation "
                  "is estimated from the VMs' traffic", nic);
    }
}
