/* cpu_group.h — shared pin sets of the `balance` cpu policy (cpu_balance.c): where one-pCPU
 * pins cannot serve some vCPUs fairly, those vCPUs are pinned to a group of pCPUs and the
 * kernel shares inside it, while the rest of the host stays pinned one vCPU per pCPU.
 *
 * Pins cannot serve k busy vCPUs on m pCPUs fairly when k is not a multiple of m (3 busy
 * vCPUs on 2 pCPUs: 100/50/50 % pinned against 67 % each under the kernel), nor demand that
 * swings faster than the interval. Sharing the whole host fixes both but gives up every
 * pin; a group gives up only the pins that cost something.
 *
 * Which pCPUs (cpu_group_find), from the best one-pCPU layout the search found:
 *   1. the "hot" pCPUs: two or more vCPUs (or a vCPU beside non-VM load) whose predicted
 *      load is within the noise margin of 100 % or over it — where pins lose work — or one
 *      of which is "fast" (its demand swings faster than the agent can follow, cpu_robust.h:
 *      its pin is right for a second at a time, the kernel's placement always);
 *   2. then, one at a time, the least loaded usable pCPU of a NUMA cell the group already
 *      covers (another cell only when those run out), until the group has two pCPUs and its
 *      mean load is at most max(100 - margin, h), h the level the kernel would give the
 *      whole host (cpu_service.h): inside the group every vCPU then gets at least what it
 *      would unpinned; and while its mean load is over 100 % by more than the margin and the
 *      next pCPU has room (under 100 %), that pCPU too: pinned apart it would idle while the
 *      group's members wait, where the kernel would run them (24 vCPUs at 85 % on 16 pCPUs:
 *      a group of 12 pCPUs at 142 % beside 4 pinned at 85-90 % lost 0.6 of a pCPU and gave
 *      its members 0.9x what they get unpinned, within the margin of h's 135 as read).
 * The group's members are the vCPUs the layout placed on those pCPUs. Once made, a group is
 * left as it is (cpu_layout_new_frozen): the rest of the host is balanced around it, and it
 * goes back to one-pCPU pins by the same calm rule as a shared host (cpu_share.h). A group
 * that covers every usable pCPU is the shared host. */
#pragma once
#include "policy/cpu_layout.h"
#include "model/plan.h"

/* the pCPUs of the group for b's layout (see above; n_pcpus wide); NULL when no pCPU is
 * hot. margin: the noise margin (points); level: the kernel's level h */
SovaCpuSet *cpu_group_find(const Balancer *b, double margin, double level);
/* b's layout was made around a frozen group (cpu_layout_new_frozen): when the group's mean
 * load (its members' demand, and its pCPUs' busy time that its members did not run, over its
 * pCPUs) exceeds max(100 - margin, level) by more than the margin, or would spill onto the
 * least loaded pCPU of the rest (step 2 above), the group with the least loaded pCPUs of the
 * rest added as in step 2; else NULL */
SovaCpuSet *cpu_group_extend(const Balancer *b, double margin, double level);
/* TRUE when a fast vCPU (b->fast) shares a pCPU with another vCPU or non-VM load in b's
 * layout: pins cannot serve it (`balance` shares, and a shared host is not calm) */
gboolean cpu_group_fast_crowded(const Balancer *b);
gboolean cpu_group_holds_fast(const Balancer *b, guint p);
/* TRUE when some vCPU of m has exactly `group` as its affinity */
gboolean cpu_group_present(const SovaModel *m, const SovaCpuSet *group);
/* the loss estimate (cpu_share.h) of b's layout over b's own usable pCPUs (without the
 * pCPUs of a frozen group) */
double cpu_group_rest_loss(const Balancer *b, double margin);
