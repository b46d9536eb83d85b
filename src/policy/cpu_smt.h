/* cpu_smt.h — busy vCPUs on separate cores first, for the `balance` cpu policy (cpu_balance.c).
 *
 * Two hardware threads of one core share its execution units: two busy vCPUs on sibling
 * threads each get well under a full pCPU, while the kernel's scheduler spreads busy tasks
 * over idle cores before it doubles up siblings. The pCPU loads the search evens out cannot
 * see that (8 vCPUs, one per pCPU, 4 busy ones on two cores: no move changes a pCPU's load).
 * So after the search, the layout's cores are looked at, siblings being the usable pCPUs of
 * one (socket, core) as the host reports them. A core's overlap is the time both threads
 * must be busy at once:
 *     overlap(core) = max(0, sum over its threads of min(100, load) - 100)
 * While some core overlaps by SMT_MIN (10) points or more, the whole contents of one of its
 * pCPUs are swapped with those of a pCPU of another core when that cuts the two cores'
 * overlap by SMT_GAIN (10) points or more: within the VM's NUMA cell first, out of it only
 * for SMT_GAIN + 10 points. A swap leaves every pCPU's load as it was (the search has no
 * reason to undo it), and when every thread is busy anyway no swap helps and none is made. */
#pragma once
#include "policy/cpu_layout.h"

#define SMT_MIN 10.0
#define SMT_GAIN 10.0

/* swaps pCPU contents of b's layout as above; returns the number of vCPUs moved. The moved
 * vCPUs' notes say NOTE_SMT (cpu_reasons.c) */
guint cpu_smt_spread(Balancer *b);
