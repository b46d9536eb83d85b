/* sim_cluster.h — the simulator: N simulated hosts on ONE simulated clock, each behind
 * its own SovaBackend, and live migration between them. A single-host scenario is a
 * cluster of one host (sim_backend.h is that host's convenience face).
 *
 * The controller (daemon/controller.h) and the host agents (daemon/agent.h) run unchanged
 * against it: every host samples like the libvirt backend (cumulative vCPU time and
 * delay, pCPU busy/idle, NIC counters, the VM's metadata), pins vCPUs, attaches and
 * detaches VFs, stores what an agent publishes, and migrates. Waiting on ANY host's
 * backend advances the whole cluster, so the controller's "wait on the first host" moves
 * every host's time.
 *
 * One rule, one implementation: every host's CPU is sim_cpu.h's model, applied every tick
 * to the VMs on the host at that moment; demand shapes are sim_demand.h's, drawn for
 * every VM in scenario order from one stream (what VMs want does not depend on where
 * they run or on what the policies did); the network is sim_net.h's model with each
 * host's NIC and VF pool (sim_nic.h's rules).
 *
 * A migration (migrate_start on the source's backend) lasts what the pre-copy model
 * (model/migration_cost.h) gives for the VM's memory, dirty rate and the link (the smaller
 * host NIC, the migration bandwidth cap, shared with migrations already running through
 * either host); while it runs it costs `migration-cpu` pCPUs on both ends and the VM keeps
 * running on the source; its last `downtime` seconds the VM is paused (it wants CPU and
 * gets none, its traffic is lost); then it runs on the destination as a new domain: fresh
 * counters, no pins, a new standby tap. A migration to a host that is down, or whose host
 * goes down meanwhile, fails and the VM stays. A VM holding a VF gives it back when the
 * migration starts. migrate_abort ends a migration before its switch-over at once: the VM
 * stays on the source and gets back the VF it gave. Deterministic for a scenario and a
 * seed. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "backend/sim/sim_scenario.h"

typedef struct SovaSimCluster SovaSimCluster;

/* `sc` must outlive the cluster. With `unpin_all` every vCPU starts unpinned (within its
 * VM's affinity), whatever the scenario says: the "no sova, plain CFS" baseline. */
SovaSimCluster *sova_sim_cluster_new(const SovaSimScenario *sc, guint64 seed, gboolean unpin_all);
void sova_sim_cluster_free(SovaSimCluster *c);

guint sova_sim_cluster_n_hosts(const SovaSimCluster *c);
guint sova_sim_cluster_n_vms(const SovaSimCluster *c);
/* host i's backend, owned by the cluster (sova_backend_free() on it does nothing) */
SovaBackend *sova_sim_cluster_backend(SovaSimCluster *c, guint host);
/* the host a backend of this cluster is, or -1 */
int sova_sim_cluster_host_of_backend(const SovaSimCluster *c, const SovaBackend *be);

/* the shared clock: simulated seconds since the start; advance() is what every host's
 * wait() does */
double sova_sim_cluster_now(const SovaSimCluster *c);
gboolean sova_sim_cluster_advance(SovaSimCluster *c, double seconds, const volatile gint *stop);

/* tests and scenarios: take a host down (unreachable, its VMs stopped) or bring it back */
void sova_sim_cluster_set_host_up(SovaSimCluster *c, guint host, gboolean up);
gboolean sova_sim_cluster_host_up(const SovaSimCluster *c, guint host);

/* ---- ground truth, for figures and tests (VM index = scenario order) ---- */

typedef struct {
    int host;                 /* where it runs now */
    gboolean migrating;       /* a migration is in flight */
    gboolean paused;          /* in a migration's downtime */
    double cpu_wanted_s, cpu_ran_s;      /* whole run, CPU seconds */
    double net_offered_bytes, net_delivered_bytes;
    double paused_s;          /* seconds spent in downtimes */
    gboolean holds_vf;
    guint moves;              /* migrations completed */
} SovaSimClusterVmTruth;

void sova_sim_cluster_vm_truth(const SovaSimCluster *c, guint vm, SovaSimClusterVmTruth *out);
const char *sova_sim_cluster_vm_uuid(const SovaSimCluster *c, guint vm);
int sova_sim_cluster_find_vm(const SovaSimCluster *c, const char *uuid);
/* host i's pCPU busy seconds, summed over its pCPUs, whole run */
double sova_sim_cluster_host_busy_s(const SovaSimCluster *c, guint host);
guint sova_sim_cluster_host_vfs_in_use(const SovaSimCluster *c, guint host);

/* one completed or failed migration, in the order they ended */
typedef struct SovaSimClusterMove {
    guint vm;
    guint from, to;
    double start, end;        /* simulated seconds */
    double downtime_s;        /* 0 when it failed */
    gboolean ok, aborted;
} SovaSimClusterMove;

guint sova_sim_cluster_n_moves(const SovaSimCluster *c);
const SovaSimClusterMove *sova_sim_cluster_move(const SovaSimCluster *c, guint i);
