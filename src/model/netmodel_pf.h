/* netmodel_pf.h — what the net model remembers of the VFs counted by their PF, from one
 * model to the next (netmodel.c's own; policies do not read it).
 *
 * A VF's counters from its PF are the VF's, refreshed by the PF's driver on its own clock.
 * When a VM takes a VF over, its first sample is the baseline of its rates; it is a clean
 * one only if the PF has refreshed the VF's counters since the VF changed hands, else the
 * next refresh brings the last holder's last traffic (and the new holder's own since the
 * attach) in one lump. The model remembers each VF's counters as last sampled (whoever held
 * it) to tell: moved since, or last seen SOVA_NET_PF_REFRESH_MAX ago or more, it has been
 * refreshed. */
#pragma once
#include "model/netmodel.h"

typedef struct {
    char *alias;              /* the VF's slot alias (one VF per slot) */
    SovaNicSample counters;   /* as last sampled (alias and device not kept) */
    double at_s;              /* when, on the model's clock (SovaNetPfMemo.clock_s) */
} SovaNetPfSeen;

struct SovaNetPfMemo {
    double clock_s;           /* seconds since the first model of the chain */
    GArray *seen;             /* SovaNetPfSeen, entries younger than SOVA_NET_PF_REFRESH_MAX */
};

/* m's memory: last's (may be NULL), advanced by m->interval_s, with every running VM's
 * VFs counted by their PF in cur (excluded VMs too: their traffic is on the VF as well) */
void sova_net_pf_memo_update(SovaNetModel *m, const SovaNetModel *last, const SovaSnapshot *cur);
/* a and b show the same counters (packets, bytes, drops each way): the PF has not refreshed
 * them in between */
gboolean sova_net_pf_same_counters(const SovaNicSample *a, const SovaNicSample *b);
/* the VF `n` (counted by its PF, just taken over) was refreshed since it changed hands,
 * judged from last's memory; `secs` is the interval since last */
gboolean sova_net_pf_refreshed(const SovaNetModel *last, const SovaNicSample *n, double secs);
void sova_net_pf_memo_free(SovaNetPfMemo *memo);
