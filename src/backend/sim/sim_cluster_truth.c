/* sim_cluster_truth.c — reading the simulator: its hosts and their backends, and the
 * ground truth figures and tests are computed from (never what a policy estimated); see
 * sim_cluster.h. */
#include "backend/sim/sim_cluster_private.h"
#include <string.h>

guint sova_sim_cluster_n_hosts(const SovaSimCluster *c) { return c->n_hosts; }
guint sova_sim_cluster_n_vms(const SovaSimCluster *c) { return c->n_vms; }
double sova_sim_cluster_now(const SovaSimCluster *c) { return sova_sim_cluster_now_of(c); }

SovaBackend *sova_sim_cluster_backend(SovaSimCluster *c, guint host)
{
    return host < c->n_hosts ? &c->hosts[host].parent : NULL;
}

int sova_sim_cluster_host_of_backend(const SovaSimCluster *c, const SovaBackend *be)
{
    for (guint h = 0; h < c->n_hosts; h++)
        if (&c->hosts[h].parent == be)
            return (int)h;
    return -1;
}

void sova_sim_cluster_set_host_up(SovaSimCluster *c, guint host, gboolean up)
{
    if (host >= c->n_hosts)
        return;
    c->hosts[host].forced = up ? 1 : 0;
    c->hosts[host].up = up;
    sova_sim_cluster_follow_migrations(c, sova_sim_cluster_now_of(c));
}

gboolean sova_sim_cluster_host_up(const SovaSimCluster *c, guint host)
{
    return host < c->n_hosts && c->hosts[host].up;
}

void sova_sim_cluster_vm_truth(const SovaSimCluster *c, guint v, SovaSimClusterVmTruth *out)
{
    memset(out, 0, sizeof *out);
    out->host = -1;
    if (v >= c->n_vms)
        return;
    const SimVm *vm = &c->vms[v];
    SovaSimNetTruth net;
    sova_sim_net_truth(c->net, v, &net);
    out->host = vm->host;
    out->migrating = vm->migration != NULL;
    out->paused = sova_sim_cluster_paused(vm, sova_sim_cluster_now_of(c));
    guint64 wanted = 0, ran = 0;
    for (guint i = 0; i < vm->spec->n_vcpus; i++) {
        wanted += vm->vcpus[i].wanted_ns;
        ran += vm->vcpus[i].work_ns;
    }
    out->cpu_wanted_s = (double)wanted / 1e9;
    out->cpu_ran_s = (double)ran / 1e9;
    out->net_offered_bytes = net.offered_bytes;
    out->net_delivered_bytes = net.delivered_bytes;
    out->paused_s = vm->paused_s;
    out->holds_vf = net.holds_vf;
    out->moves = vm->moves;
}

const char *sova_sim_cluster_vm_uuid(const SovaSimCluster *c, guint vm)
{
    return vm < c->n_vms ? c->vms[vm].uuid : NULL;
}

int sova_sim_cluster_find_vm(const SovaSimCluster *c, const char *uuid)
{
    const SimVm *vm = g_hash_table_lookup(c->by_uuid, uuid);
    return vm ? (int)(vm - c->vms) : -1;
}

double sova_sim_cluster_host_busy_s(const SovaSimCluster *c, guint host)
{
    double s = 0;
    for (guint p = 0; host < c->n_hosts && p < c->hosts[host].spec->n_pcpus; p++)
        s += (double)c->hosts[host].pbusy[p].truth / 1e9;
    return s;
}

guint sova_sim_cluster_host_vfs_in_use(const SovaSimCluster *c, guint host)
{
    return sova_sim_net_vfs_in_use(c->net, host);
}

guint sova_sim_cluster_n_moves(const SovaSimCluster *c) { return c->moves->len; }

const SovaSimClusterMove *sova_sim_cluster_move(const SovaSimCluster *c, guint i)
{
    return i < c->moves->len ? &g_array_index(c->moves, SovaSimClusterMove, i) : NULL;
}
