/* net_policy.h — the net plane's policies: pure functions NetModel -> Plan of VF moves.
 *
 * A host has a few SR-IOV VFs and many VMs on para-virtual NICs. A policy decides
 * which VMs hold a VF: it reads a SovaNetModel, its parameters and its state (kept by
 * the caller between intervals, one interval per call) and returns a plan of
 * DETACH_VF then ATTACH_VF actions, plus a SovaNetResult (per-VM benefit, unmet
 * demand, the physical NIC's utilisation) that the agent publishes for the cluster
 * plane. No I/O, no clock: time is counted in intervals (calls).
 *
 * Every net policy has the shape all planes share (policy/registry.h) and the same
 * state, SovaNetState. The caller tells the state what happened to the plan through
 * the feedback call (sova_policy_feedback): a failed attach makes the policy back off
 * that VM exponentially. */
#pragma once
#include <glib.h>
#include "model/netmodel.h"
#include "model/plan.h"
#include "policy/registry.h"

typedef struct SovaNetPolicyParams {
    guint pool_size;          /* VFs on this host */
    double bytes_per_point;   /* benefit = packets/s + bytes/s / bytes_per_point (rx + tx);
                               * per-packet cost is what hurts virtio, so bytes weigh less */
    double enter;             /* benefit at which a VM wants a VF */
    double exit;              /* a holder below this ... */
    guint exit_intervals;     /* ... for this many intervals in a row gives its VF back */
    double margin;            /* a candidate beats the weakest holder when its gain (else its
                               * benefit) > margin * the holder's ... */
    guint challenge_intervals;/* ... for this many intervals, net of those it did not */
    guint min_dwell;          /* intervals after a switch before the VM may switch again */
    guint max_switches;       /* actions per interval; 0 = no cap */
    guint backoff_base;       /* intervals to wait after a first failed attach (doubles) */
    guint backoff_max;        /* longest wait, intervals */
    guint blind_half_life;    /* a holder whose VF the host cannot count (blind: a hostdev VF
                               * whose PF reports no per-VF stats) counts in a challenge for
                               * half the gain it last showed after this many intervals blind,
                               * a quarter after twice as many...; 0 = no decay */
} SovaNetPolicyParams;

#define SOVA_NET_PARAMS_DEFAULT ((SovaNetPolicyParams){ \
    .pool_size = 0, .bytes_per_point = 6000, .enter = 2000, .exit = 1000, .exit_intervals = 3, \
    .margin = 1.4, .challenge_intervals = 4, .min_dwell = 3, .max_switches = 4, \
    .backoff_base = 2, .backoff_max = 64, .blind_half_life = 80 })

/* what a VM needs, as the policy saw it this interval */
typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *name;
    double benefit;
    gboolean holds_vf;        /* after the plan */
    gboolean wants_vf;        /* benefit >= enter, or override always (never: FALSE) */
    gboolean unmet;           /* wants one and does not hold one after the plan */
} SovaNetVmStatus;

typedef struct {
    GArray *vms;              /* SovaNetVmStatus */
    guint pool_size, in_use;  /* in_use after the plan */
    guint unmet;              /* VMs with unmet demand */
    double nic_util;          /* the physical NIC's utilisation (0..1), -1 unknown */
} SovaNetResult;

/* state shared by every net policy: interval count, switch history, failures */
typedef struct SovaNetState SovaNetState;

typedef struct {
    SOVA_POLICY_HEAD;         /* state: a SovaNetState; feedback: sova_net_state_feedback */
    SovaPlan *(*plan)(const SovaNetModel *m, const SovaNetPolicyParams *params,
                      SovaNetState *state, SovaNetResult *result);
} SovaNetPolicy;

SovaNetState *sova_net_state_new(void);
void sova_net_state_free(SovaNetState *s);
/* the attach planned for uuid failed: back off (base, 2 base, 4 base ... max intervals) */
void sova_net_state_attach_failed(SovaNetState *s, const char *uuid);
/* every net policy's feedback: each attach that failed, as sova_net_state_attach_failed */
void sova_net_state_feedback(gpointer state, const SovaPlan *plan, const SovaPlanResults *results);
/* intervals planned so far */
guint64 sova_net_state_intervals(const SovaNetState *s);
/* switches (attach + detach actions) planned so far */
guint64 sova_net_state_switches(const SovaNetState *s);

SovaNetResult *sova_net_result_new(void);
void sova_net_result_free(SovaNetResult *r);
const SovaNetVmStatus *sova_net_result_find(const SovaNetResult *r, const char *uuid);

/* the benefit of giving this VM a VF, from its smoothed rates */
double sova_net_benefit(const SovaNetVmLoad *v, const SovaNetPolicyParams *params);

/* NULL when unknown */
const SovaNetPolicy *sova_net_policy_find(const char *name);
/* "balance, sova" */
const char *sova_net_policy_list(void);

extern const SovaNetPolicy sova_net_policy_balance;
extern const SovaNetPolicy sova_net_policy_sova;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaNetState, sova_net_state_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaNetResult, sova_net_result_free)
