/* fake_net_host.h — a tiny fake host for the net-policy tests (test_net_policy_*.c). It
 * keeps per-NIC counters: a VM's traffic goes to its VF while it holds one and to its
 * standby otherwise, a plan's actions add or remove the VF NIC (or fail, when told to),
 * an attached VF carrying the VM's traffic from the interval after next (the attach's
 * latency, as the simulator's vf-attach-latency: the standby carries the first one),
 * and each interval goes through sova_net_model_build, so the policies see what the agent
 * will see. With a cap, the standby carries at most `cap` packets/s and drops the rest
 * (rx drops, reported unless no_drops). A VF's counters can come from a PF that refreshes
 * them only every pf_period intervals (vf-counters=pf). */
#pragma once
#include "model/netmodel.h"
#include "policy/net_policy.h"

typedef struct {
    char name[16];
    char uuid[SOVA_UUID_LEN];
    double mean_pps;          /* true load: mean_pps * (1 + noise * U(-1, 1)) */
    gboolean vf;
    gboolean fail_attach;     /* every attach fails */
    guint64 sb_pkts, vf_pkts; /* cumulative packets on the standby and on the VF */
    guint64 sb_drops;         /* cumulative rx drops on the standby (above the cap) */
    guint64 vf_shown;         /* with pf_period: vf_pkts as the PF last refreshed them */
    guint attaches, detaches;
    guint vf_from;            /* the tick from which its traffic is on its VF (0 with vf set
                               * by the test: from the start) */
    GArray *attach_ticks;     /* guint: intervals whose plan attached it */
} FakeVm;

typedef struct {
    FakeVm vms[8];
    guint n;
    double noise;
    double cap;               /* packets/s the standby carries; 0 = no cap */
    gboolean no_drops;        /* the host reports no drop counters */
    guint pf_period;          /* a VF is counted by its PF, which refreshes its counters every
                               * pf_period intervals (ticks 1, 1 + pf_period, ...); 0 = a tap */
    GRand *rand;
    double t;
    guint tick;
    SovaSnapshot *prev;
    SovaNetModel *last;
    SovaNetState *st;
    SovaNetPolicyParams p;
    const SovaNetPolicy *pol;
} Fake;

/* an empty host planned by pol with `pool` VFs (default params otherwise), each VM's load
 * drawn every interval within +-noise of its mean, from a GRand seeded with seed */
void fake_init_seed(Fake *f, const SovaNetPolicy *pol, guint pool, double noise, guint32 seed);
/* the same with seed 4242 */
void fake_init(Fake *f, const SovaNetPolicy *pol, guint pool, double noise);
/* adds VM `name` (at most 8 VMs) with a mean load of mean_pps packets/s, without a VF */
FakeVm *fake_add(Fake *f, const char *name, double mean_pps);
/* frees what f holds */
void fake_clear(Fake *f);
/* one interval: traffic, sample, model, plan, apply; returns the number of actions */
guint fake_step(Fake *f);
/* `intervals` intervals; returns the number of actions */
guint fake_run(Fake *f, guint intervals);
