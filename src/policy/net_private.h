/* net_private.h — what the net policies share and nobody else sees: the per-VM
 * history kept in SovaNetState, and helpers that fill the result.
 * Time is the interval count (state->tick), never a clock. */
#pragma once
#include "net_policy.h"

typedef struct {
    gboolean switched;        /* a switch was planned for it at least once */
    guint64 last_switch;      /* tick of the last planned switch */
    guint low;                /* consecutive intervals holding a VF below `exit` */
    guint beats;              /* consecutive intervals beating the weakest holder by `margin` */
    guint failures;           /* failed attaches in a row */
    guint64 failed_at;        /* tick of the plan whose attach failed last */
    guint64 seen_at;          /* tick it was last in the model */
} SovaNetVmState;

struct SovaNetState {
    guint64 tick;             /* intervals planned; the current one during a plan */
    guint64 switches;
    GHashTable *vms;          /* uuid -> SovaNetVmState* */
};

/* starts an interval: tick++, an entry for each VM of m, entries of vanished VMs dropped,
 * failures forgotten for VMs that hold a VF */
void sova_net_state_begin(SovaNetState *s, const SovaNetModel *m);
SovaNetVmState *sova_net_state_vm(SovaNetState *s, const char *uuid);
/* switched less than min_dwell intervals ago */
gboolean sova_net_state_dwelling(const SovaNetState *s, const SovaNetVmState *vs,
                                 const SovaNetPolicyParams *p);
/* an attach failed recently: no attach before failed_at + min(base * 2^(failures-1), max) */
gboolean sova_net_state_backing_off(const SovaNetState *s, const SovaNetVmState *vs,
                                    const SovaNetPolicyParams *p);
void sova_net_state_record_switch(SovaNetState *s, SovaNetVmState *vs);

/* TRUE when the VM would use a VF now (override always; auto: benefit >= enter, or
 * >= exit while it holds one); never when it cannot be switched or is `never` */
gboolean sova_net_wants(const SovaNetVmLoad *v, double benefit, const SovaNetPolicyParams *p);
/* fills r from m and what plan does to it */
void sova_net_result_fill(SovaNetResult *r, const SovaNetModel *m, const SovaNetPolicyParams *p,
                          const SovaPlan *plan);
