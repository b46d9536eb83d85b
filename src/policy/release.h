/* release.h — the hand-back (`sova release`): what returns the VMs sova manages on one
 * host to the kernel's scheduler and to the operator, as a plan like any other (pure:
 * from a snapshot), so that a dry run shows it and the executor carries it out. */
#pragma once
#include <glib.h>
#include "model/plan.h"
#include "model/snapshot.h"

typedef struct {
    const SovaCpuSet *reserved;   /* [cpu] reserved: pCPUs vCPUs do not go to; may be NULL */
    const char *const *exclude;   /* [cpu] exclude: VMs sova does not manage; may be NULL */
    const char *vm;               /* only this VM (name or UUID); NULL: every managed VM */
} SovaReleaseParams;

/* For every running VM sova manages (not excluded; `vm` only when given): each vCPU not
 * already allowed on exactly the usable pCPUs (online, not reserved) shared to them all,
 * unless the VM is cpu='manual' (its pins are the operator's); sova's VF detached (the
 * standby carries the traffic; a VF the operator attached stays); every element of sova's
 * metadata namespaces removed. Each action says why. NULL with SOVA_ERROR_INVALID when
 * `vm` names no VM of the snapshot. */
SovaPlan *sova_release_plan(const SovaSnapshot *s, const SovaReleaseParams *p, GError **error);
