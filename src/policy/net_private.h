/* net_private.h — what the net policies share and nobody else sees: the per-VM
 * history kept in SovaNetState, and helpers that fill the result.
 * Time is the interval count (state->tick), never a clock. */
#pragma once
#include "policy/net_policy.h"

/* a VM's demand level: the mean of its readings since its demand last shifted
 * (net_level.c) */
#define SOVA_NET_LEVEL_WINDOW 16  /* readings a level is the mean of at most */
#define SOVA_NET_SHIFT_Z 3.0      /* standard errors apart that make a new regime */
#define SOVA_NET_NOISE_FLOOR 0.05 /* the noise taken at least, share of the level */
#define SOVA_NET_NOISE_WEIGHT 0.05 /* of the newest difference in the noise */
#define SOVA_NET_LEVEL_WEIGHT 0.3 /* each older reading of a regime weighs 1 - this of the
                                   * one after it (the level follows a slow drift) */
#define SOVA_NET_BLIND_MARGIN 1.5 /* a blind holder is beaten by at least this margin: what
                                   * it showed is old */
typedef struct {
    double benefit[SOVA_NET_LEVEL_WINDOW];   /* ring of per-interval benefit readings */
    double demand[SOVA_NET_LEVEL_WINDOW];    /* the same readings' demand, packets/s */
    guint head;               /* the newest reading's slot */
    guint n;                  /* readings in the current regime (<= the window) */
    double var;               /* a reading's variance: successive differences squared / 2 */
    guint diffs;              /* differences var was taken over */
    double step;              /* the newest reading made a regime on its own: that step's
                               * difference, counted into var if the next reading falls back
                               * (it was noise); 0 when none */
    double step_from;         /* the level before that step */
    gboolean stale;           /* read before a blind spell: the next reading starts afresh */
} SovaNetLevel;

void sova_net_level_add(SovaNetLevel *l, double benefit, double demand_pps);
/* the same for a reading that spans `span` intervals (a PF's per-VF counters refreshed
 * only now and then): one that makes a new regime on its own stands for its last interval */
void sova_net_level_add_span(SovaNetLevel *l, double benefit, double demand_pps, double span);
gboolean sova_net_level_known(const SovaNetLevel *l);
/* the regime's mean benefit and demand (packets/s) */
double sova_net_level_benefit(const SovaNetLevel *l);
double sova_net_level_demand(const SovaNetLevel *l);

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
    SovaNetLevel level;       /* its demand as the balance policy ranks it */
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

/* the benefit of one set of rates (sova_net_benefit is that of the smoothed ones) */
double sova_net_benefit_of(const SovaNetRates *r, const SovaNetPolicyParams *params);
/* what a VF gains a VM of this benefit and demand (packets/s) under the ceiling */
double sova_net_gain_at(double benefit, double demand_pps, double ceiling);

/* TRUE when the VM would use a VF now (override always; auto: benefit >= enter, or
 * >= exit while it holds one); never when it cannot be switched or is `never` */
gboolean sova_net_wants(const SovaNetVmLoad *v, double benefit, const SovaNetPolicyParams *p);
/* fills r from m and what plan does to it */
/* the head's state_new / state_free of every net policy: a SovaNetState */
gpointer sova_net_state_new_any(void);
void sova_net_state_free_any(gpointer state);
void sova_net_result_fill(SovaNetResult *r, const SovaNetModel *m, const SovaNetPolicyParams *p,
                          const SovaPlan *plan);
