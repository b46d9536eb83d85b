/* net_private.h — what the net policies share and nobody else sees: the per-VM
 * history kept in SovaNetState, and helpers that fill the result.
 * Time is the interval count (state->tick), never a clock. */
#pragma once
#include "policy/net_policy.h"

typedef struct {
    gboolean switched;        /* a switch was planned for it at least once */
    guint64 last_switch;      /* tick of the last planned switch */
    guint low;                /* consecutive intervals holding a VF below `exit` */
    guint beats;              /* intervals beating the weakest holder by `margin`, less those
                               * it did not (never below 0) */
    guint failures;           /* failed attaches in a row */
    guint64 failed_at;        /* tick of the plan whose attach failed last */
    guint64 seen_at;          /* tick it was last in the model */
    double ceiling;           /* packets/s its virtio NIC carried while dropping; 0 unknown */
    guint64 blind_since;      /* first tick of its current blind spell (a VF the host cannot
                               * count); 0 = not blind */
} SovaNetVmState;

struct SovaNetState {
    guint64 tick;             /* intervals planned; the current one during a plan */
    guint64 switches;
    GHashTable *vms;          /* uuid -> SovaNetVmState* */
    double ceiling;           /* the same from every VM of the host (a VM with none of its
                               * own is taken to have this one); 0 unknown */
};

/* the drop share of an interval on virtio that shows the VM at its NIC's ceiling */
#define SOVA_NET_CEILING_EVIDENCE 0.02

/* starts an interval: tick++, an entry for each VM of m, entries of vanished VMs dropped,
 * failures forgotten for VMs that hold a VF, virtio ceilings observed: a VM on its
 * standby that dropped at least SOVA_NET_CEILING_EVIDENCE of its load this interval
 * shows what its virtio NIC carries at most (its delivered rate); the VM's and the host's
 * ceilings rise to a higher observation at once and sink slowly toward a lower one */
void sova_net_state_begin(SovaNetState *s, const SovaNetModel *m);
SovaNetVmState *sova_net_state_vm(SovaNetState *s, const char *uuid);
/* switched less than min_dwell intervals ago */
gboolean sova_net_state_dwelling(const SovaNetState *s, const SovaNetVmState *vs,
                                 const SovaNetPolicyParams *p);
/* an attach failed recently: no attach before failed_at + min(base * 2^(failures-1), max) */
gboolean sova_net_state_backing_off(const SovaNetState *s, const SovaNetVmState *vs,
                                    const SovaNetPolicyParams *p);
void sova_net_state_record_switch(SovaNetState *s, SovaNetVmState *vs);

/* the virtio ceiling that applies to the VM: its own when observed, else the host's;
 * 0 when nothing was ever observed */
double sova_net_state_ceiling(const SovaNetState *s, const SovaNetVmState *vs);
/* what a VF gains the VM: the part of its benefit above the virtio ceiling (its
 * estimated demand beyond what virtio carries), 0 when below it or the ceiling is unknown */
double sova_net_gain(const SovaNetVmLoad *v, double benefit, double ceiling);

/* TRUE when the VM would use a VF now (override always; auto: benefit >= enter, or
 * >= exit while it holds one); never when it cannot be switched or is `never` */
gboolean sova_net_wants(const SovaNetVmLoad *v, double benefit, const SovaNetPolicyParams *p);
/* fills r from m and what plan does to it */
/* the head's state_new / state_free of every net policy: a SovaNetState */
gpointer sova_net_state_new_any(void);
void sova_net_state_free_any(gpointer state);
void sova_net_result_fill(SovaNetResult *r, const SovaNetModel *m, const SovaNetPolicyParams *p,
                          const SovaPlan *plan);
