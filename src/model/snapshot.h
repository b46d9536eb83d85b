/* snapshot.h — what a backend saw on one host at one instant.
 *
 * Plain data with cumulative counters, exactly as the hypervisor reports them:
 * no rates (those need two snapshots: see model.h) and no pointers into libvirt
 * objects, so a snapshot can be built by the libvirt backend, the simulator or a
 * unit test alike. VMs are identified by UUID, never by position or name. */
#pragma once
#include <glib.h>
#include "model/cpuset.h"

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" + NUL (VIR_UUID_STRING_BUFLEN) */
#define SOVA_UUID_LEN 37

typedef struct {
    guint id;
    gboolean online;
    int socket, core, cell;   /* topology; -1 when unknown. Siblings share (socket, core). */
    guint64 busy_ns;          /* cumulative: user + system + ... (everything but idle/iowait) */
    guint64 idle_ns;          /* cumulative: idle + iowait */
} SovaPcpuSample;

typedef struct {
    guint64 time_ns;          /* cumulative time running (vcpu.N.time) */
    guint64 delay_ns;         /* cumulative run-queue wait (vcpu.N.delay); 0 when !has_delay */
    gboolean has_delay;
    int pcpu;                 /* pCPU it last ran on; -1 unknown */
    SovaCpuSet *affinity;     /* pCPUs it may run on; NULL when unknown */
} SovaVcpuSample;

typedef enum {
    SOVA_VM_RUNNING,
    SOVA_VM_PAUSED,
    SOVA_VM_OTHER,            /* shutting down, crashed, ...: not scheduled */
} SovaVmState;

/* what a VM's network interface is for the net plane (see netmodel.h) */
typedef enum {
    SOVA_NIC_STANDBY,         /* the para-virtual NIC every managed VM keeps (teaming persistent) */
    SOVA_NIC_VF,              /* an SR-IOV VF (or its stand-in) handed out by sova, same MAC */
    SOVA_NIC_OTHER,           /* anything else: not counted by the net plane */
} SovaNicRole;

#define SOVA_MAC_LEN 18       /* "52:54:00:00:00:01" + NUL */

typedef struct {
    char *alias;              /* libvirt device alias ("ua-sova-net0"); NULL when unknown */
    char mac[SOVA_MAC_LEN];   /* "" when unknown */
    char *target_dev;         /* host-side device (tap), NULL when none (hostdev VF) */
    SovaNicRole role;
    /* a hostdev VF (no tap) whose counters below come from its PF's per-VF statistics
     * (rtnetlink IFLA_VF_STATS): they count the VF's traffic since the PF's driver started,
     * whoever held the VF, and the driver may refresh them only every second or two.
     * FALSE and no target_dev: the VF's traffic is invisible to the host. */
    gboolean from_pf;
    /* Cumulative, host side of the NIC; rx/tx as the guest sees them (libvirt's net.N.*:
     * rx = to the guest). Drops are packets the host side discarded (net.N.rx.drop: traffic
     * for the guest that its tap could not hand over, because the guest's virtio queue was
     * full; net.N.tx.drop: traffic from the guest the host could not take); they count as
     * load the VM offered but did not get through. */
    guint64 rx_bytes, tx_bytes;
    guint64 rx_packets, tx_packets;
    guint64 rx_drops, tx_drops;
} SovaNicSample;

/* per-VM net-plane override, from the VM's metadata (see docs/sova.conf.5.md,
 * "Domain metadata"): always, never or auto */
typedef enum {
    SOVA_NET_AUTO,            /* the policy decides */
    SOVA_NET_ALWAYS,          /* wants a VF whatever its load */
    SOVA_NET_NEVER,           /* never gets a VF; one it holds is taken back */
} SovaNetOverride;

/* A VM's CPU summary as its host agent publishes it (namespace SOVA_META_CPU_NS,
 * <sova-cpu:cpu demand='D' unmet='U' interval='I' every='E' seq='N' at='T'/>): the agent's
 * smoothed demand (vCPU time + run-queue delay) and the part of it the host left unmet
 * (the delay), in pCPUs; the agent's interval and the longest gap between two of its
 * publications of this VM, in seconds; a sequence number that grows with each publication
 * of this agent; when it was published (the backend's clock: wall time for libvirt,
 * simulated time for the simulator). A backend that reads it also gives its age at the
 * sample (age_s: now − at on the writer's clock kind), so a reader tells fresh from stale
 * without comparing clocks itself (model/cpu_summary.h). */
typedef struct {
    gboolean has;             /* the element is there and readable */
    double demand, unmet;     /* pCPUs */
    double interval_s, every_s;
    guint64 seq;
    double at;                /* seconds (see above); set by the backend on publication */
    double age_s;             /* at the sample: its age; set by the reading backend */
} SovaCpuSummary;

typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *name;
    SovaVmState state;
    guint64 cpu_time_ns;      /* cumulative cpu.time of the whole VM (all threads) */
    guint64 memory_kib;       /* current memory */
    GArray *vcpus;            /* SovaVcpuSample, index = vCPU number */
    GArray *nics;             /* SovaNicSample, order not significant; empty when not sampled */
    /* From the domain metadata. The operator's element (namespace SOVA_META_NS):
     * <sova:vm net='always|never|auto|manual' migrate='auto|yes|manual|no' cpu='auto|manual'
     *          group='NAME' together='NAME' hosts='h1,h2'/> */
    SovaNetOverride net_override;
    gboolean no_migrate;      /* migrate='no': the controller never moves it */
    char *group;              /* anti-affinity group: no two VMs of a group on one host; NULL */
    char *together;           /* keep-together group: its VMs on one host move as one; NULL */
    char **hosts;             /* hosts='h1,h2': the only hosts it may run on; NULL = any */
    gboolean cpu_manual;      /* cpu='manual': the agent never pins or unpins it */
    gboolean migrate_manual;  /* migrate='manual': its migrations are only recommended */
    gboolean net_manual;      /* net='manual': its VF attach/detach are only recommended */
    gboolean has_meta;        /* some element of sova's namespaces is there (any writer) */
    /* What the host agent published for the controller (namespace SOVA_META_STATUS_NS):
     * <sova-agent:net wants-vf='0|1' unmet='0|1' benefit='B' nic-util='U' vf-detach='0|1'/>.
     * has_status is FALSE when the backend did not read it or no agent wrote it. */
    gboolean has_net_status;
    gboolean net_wants_vf, net_unmet;
    gboolean net_vf_detaching;/* its agent's detach of its VF is still pending */
    double net_benefit;
    double host_nic_util;     /* as the agent saw it; -1 unknown */
    gboolean leaving;         /* <sova-ctl:leaving to='HOST'/> (namespace SOVA_META_CTL_NS),
                               * set by the controller before a migration and removed after:
                               * the agent leaves the VM as it is (no pin, no VF given or
                               * taken: the migration gives its VF back), publishes nothing */
    SovaCpuSummary cpu_summary;   /* its agent's CPU summary; .has FALSE when none */
} SovaVmSample;

#define SOVA_META_NS "https://sova.dev/xmlns/vm/1"
#define SOVA_META_PREFIX "sova"
#define SOVA_META_STATUS_NS "https://sova.dev/xmlns/agent/1"
#define SOVA_META_STATUS_PREFIX "sova-agent"
#define SOVA_META_CPU_NS "https://sova.dev/xmlns/agent-cpu/1"
#define SOVA_META_CPU_PREFIX "sova-cpu"
#define SOVA_META_CTL_NS "https://sova.dev/xmlns/controller/1"
#define SOVA_META_CTL_PREFIX "sova-ctl"

typedef struct {
    gint64 time_us;           /* when sampled: monotonic (real backends) or simulated clock */
    char *host;               /* host name, for messages */
    guint n_pcpus;            /* pCPU ids are 0 .. n_pcpus-1 */
    GArray *pcpus;            /* SovaPcpuSample, index = id */
    GPtrArray *vms;           /* SovaVmSample*, order not significant */
    guint64 memory_kib;       /* host memory */
    guint vf_pool;            /* SR-IOV VFs (or stand-ins) this host can hand out; 0 = none */
    double host_nic_capacity_Bps; /* the physical NIC's capacity per direction; 0 = unknown */
    gboolean has_host_nic;    /* the physical NIC's counters below are known */
    guint64 host_nic_rx_bytes, host_nic_tx_bytes;   /* cumulative */
    gboolean placement_cached;/* the vCPU pins come from the backend's cache, which it can
                               * drop and re-read (a REREAD plan, model/plan.h) */
    gboolean has_cpu_totals;  /* the host's busy/idle time summed over its pCPUs is below
                               * (a controller's reading: then the pCPUs carry no times) */
    guint64 cpu_busy_ns, cpu_idle_ns;   /* cumulative, all pCPUs */
} SovaSnapshot;

SovaSnapshot *sova_snapshot_new(guint n_pcpus);
void sova_snapshot_free(SovaSnapshot *s);
/* a new VM with n_vcpus zeroed vCPUs (pcpu -1, affinity NULL), owned by s */
SovaVmSample *sova_snapshot_add_vm(SovaSnapshot *s, const char *uuid, const char *name,
                                   guint n_vcpus);
SovaVmSample *sova_snapshot_find_vm(const SovaSnapshot *s, const char *uuid);
SovaVcpuSample *sova_vm_vcpu(const SovaVmSample *vm, guint i);
/* `want` names the VM: its name (exactly) or its UUID (in any case) */
gboolean sova_vm_named(const SovaVmSample *vm, const char *want);
/* some entry of `list` (NULL-terminated; may be NULL) names the VM as sova_vm_named has it:
 * the match of every VM list of the config (exclude=, a group's members) */
gboolean sova_vm_listed(const SovaVmSample *vm, const char *const *list);
/* appends a NIC with zero counters, owned by vm; alias, mac and target_dev may be NULL */
SovaNicSample *sova_vm_add_nic(SovaVmSample *vm, const char *alias, const char *mac,
                               const char *target_dev, SovaNicRole role);
SovaNicSample *sova_vm_nic(const SovaVmSample *vm, guint i);
const char *sova_nic_role_name(SovaNicRole role);
SovaPcpuSample *sova_snapshot_pcpu(const SovaSnapshot *s, guint id);
/* the online pCPUs of s that are not in reserved (may be NULL); the caller frees it */
SovaCpuSet *sova_snapshot_usable_pcpus(const SovaSnapshot *s, const SovaCpuSet *reserved);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaSnapshot, sova_snapshot_free)
