/* sim_scenario.h — a simulator scenario: the host, its VMs (their CPU demand and network
 * traffic) and how long to run.
 *
 * Loaded from a GLib key file (format: docs/scenario.md) and validated completely before
 * anything runs: unknown groups or keys, bad values and impossible layouts (a vCPU pinned
 * to a pCPU the host does not have, a topology that does not divide) are errors of the
 * form "FILE:LINE: message". The result is plain data; the simulator backend copies what
 * it changes (pins), so one scenario can be run many times (every policy, every seed). */
#pragma once
#include <glib.h>
#include "model/cpuset.h"
#include "backend/sim/sim_demand.h"
#include "backend/sim/sim_nic.h"

typedef enum {
    SOVA_SIM_PIN_EXPLICIT,    /* pin= list, or unpinned */
    SOVA_SIM_PIN_BALANCED,    /* placed at load time by initial demand (largest first) */
} SovaSimPinMode;

typedef struct {
    char *name;
    guint n_pcpus;
    guint sockets, cells, threads_per_core;   /* pCPU p: socket p/(P/sockets), cell p/(P/cells),
                                                 core p/threads_per_core */
    guint64 memory_kib;
    double *background;       /* n_pcpus values, percent of each pCPU used by non-VM work */
    double noise;             /* measurement noise: ± points (uniform) on every reported counter */
    /* the net model (sim_net.h; docs/scenario.md, "The net model") */
    SovaSimNicSpec nic;       /* the physical NIC, the VF pool, the two paths' rules */
    double vf_attach_latency; /* seconds from an attach until the guest's traffic is on the VF */
    double vf_detach_gap;     /* seconds of traffic lost after a detach */
    gboolean vf_counters;     /* a VF has a host-side tap with counters (the rig's stand-in);
                                 FALSE: a hostdev VF, invisible to the host */
} SovaSimHostSpec;

typedef struct {
    char *name;
    guint n_vcpus;
    guint64 memory_kib;
    const SovaDemandSpec **demand;   /* per vCPU; owned by the scenario */
    int *pin;                 /* per vCPU: pCPU, or -1 = unpinned (affinity below) */
    SovaCpuSet *affinity;     /* unpinned vCPUs may run here; NULL = every pCPU */
    int line;                 /* where the VM (or its [vms] group) is defined */
    const SovaDemandSpec *net_demand; /* offered network load in percent of net_peak_pps;
                                         NULL = no traffic; owned by the scenario */
    double net_peak_pps;      /* packets/s (rx + tx) that a net demand of 100 means */
    double net_packet_bytes;  /* bytes per packet */
    double net_jitter;        /* ± points (uniform) added to the net demand, redrawn every second */
} SovaSimVmSpec;

typedef struct {
    char *path;               /* the file, for messages */
    char *description;
    double duration;          /* simulated seconds */
    double interval;          /* agent interval, seconds */
    double tick;              /* simulator time step, seconds */
    guint64 seed;
    SovaSimHostSpec host;
    GPtrArray *vms;           /* SovaSimVmSpec*, in file order */
    GPtrArray *demands;       /* SovaDemandSpec*, owned */
    gboolean has_net;         /* some VM has a net demand: every VM gets a standby NIC */
} SovaSimScenario;

SovaSimScenario *sova_sim_scenario_load(const char *path, GError **error);
/* the same, from text (path is used for messages and to find trace files) */
SovaSimScenario *sova_sim_scenario_load_data(const char *path, const char *text, GError **error);
void sova_sim_scenario_free(SovaSimScenario *sc);
guint sova_sim_scenario_n_vcpus(const SovaSimScenario *sc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaSimScenario, sova_sim_scenario_free)
