/* cluster_build_host.c — a host's figures in the cluster the builder assembles
 * (cluster_build.c): capacity, its non-VM load (read only from intervals no VM came to or
 * left it in: vm_churn.h), VFs held, hot samples and NIC history. */
#include "model/cluster_build_private.h"

gboolean cb_holds_vf(const SovaVmSample *vm)
{
    for (guint i = 0; i < vm->nics->len; i++)
        if (sova_vm_nic(vm, i)->role == SOVA_NIC_VF)
            return TRUE;
    return FALSE;
}

static double net_other(const HostView *v);

/* the host's non-VM CPU load and NIC traffic: what its totals show beyond its VMs' rates,
 * or, in an interval a VM came or went in (vms_changed), the last reading of an interval
 * none did (the first, if none yet: the migration transient, not a change of load) */
static void fill_other(BuildHost *bh, const HostView *v, SovaClusterHost *h, double cpu_other)
{
    double net = net_other(v);
    if (v->vms_changed && bh->other_known) {
        h->cpu_other = bh->cpu_other;
        h->net_other_Bps = bh->net_other_Bps;
        return;
    }
    h->cpu_other = cpu_other;
    h->net_other_Bps = net;
    if (!v->vms_changed) {
        bh->cpu_other = cpu_other;
        bh->net_other_Bps = net;
        bh->other_known = TRUE;
    }
}

void cb_fill_host(BuildHost *bh, const HostView *v, SovaClusterHost *h)
{
    h->up = v->up;
    h->maintenance = bh->maintenance;
    h->excluded = bh->excluded;
    if (!v->up)
        return;
    const SovaModel *m = v->model;
    double busy = 0, vcpus = 0;
    for (guint i = 0; i < m->n_pcpus; i++) {
        const SovaPcpuLoad *p = sova_model_pcpu(m, i);
        if (!p->online)
            continue;
        h->cpu_capacity += 1.0;
        busy += p->util / 100.0;
    }
    if (v->busy_share >= 0)   /* the host's totals (a controller's reading) */
        busy = v->busy_share * h->cpu_capacity;
    /* what the vCPUs ran, wherever they ran (their pCPU need not be known) */
    for (guint i = 0; i < m->vcpus->len; i++)
        vcpus += sova_model_vcpu(m, i)->usage / 100.0;
    fill_other(bh, v, h, MAX(0.0, busy - vcpus));
    h->memory_kib = v->cur->memory_kib;
    h->nic_capacity_Bps = 2 * v->cur->host_nic_capacity_Bps;   /* rx + tx */
    h->vf_pool = v->cur->vf_pool;
}

/* traffic through the host NIC that no VM accounts for; 0 without host counters */
static double net_other(const HostView *v)
{
    if (!v->cur->has_host_nic)
        return 0;
    double vms = 0, x = 0;
    for (guint i = 0; i < v->cur->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(v->cur->vms, i);
        if (cb_raw_net(v->net, vm->uuid, &x))
            vms += x;
    }
    return MAX(0.0, v->net->nic_rx_Bps + v->net->nic_tx_Bps - vms);
}

guint cb_vfs_held(const SovaSnapshot *s)
{
    guint n = 0;
    for (guint i = 0; i < s->vms->len; i++)
        n += cb_holds_vf(g_ptr_array_index(s->vms, i));
    return n;
}

/* after the VMs are placed: hot samples and the NIC history (loads: every host's, per
 * resource) */
void cb_track_host(SovaClusterBuilder *b, SovaCluster *c, guint i, const HostView *v,
                       double *const loads[SOVA_RES_N])
{
    BuildHost *bh = &b->hosts[i];
    SovaClusterHost *h = sova_cluster_host(c, i);
    if (v->up) {
        double load[SOVA_RES_N];
        for (int r = 0; r < SOVA_RES_N; r++)
            load[r] = loads[r][i];
        double score = sova_cluster_score_of(c, h, load);
        bh->hot_samples = score > b->params.high_water ? bh->hot_samples + 1 : 0;
        double util = v->net->nic_util >= 0 ? v->net->nic_util
                                            : load[SOVA_RES_NET];
        g_array_append_val(bh->nic_history, util);
        if (bh->nic_history->len > SOVA_CLUSTER_NIC_HISTORY)
            g_array_remove_range(bh->nic_history, 0,
                                 bh->nic_history->len - SOVA_CLUSTER_NIC_HISTORY);
    }
    h->hot_samples = bh->hot_samples;
    if (!h->nic_history)
        h->nic_history = g_array_new(FALSE, FALSE, sizeof(double));
    g_array_set_size(h->nic_history, 0);
    g_array_append_vals(h->nic_history, bh->nic_history->data, bh->nic_history->len);
}
