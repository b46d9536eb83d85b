/* vm_churn.h — whether a VM came to or left a host between two of its snapshots.
 *
 * In such an interval the host's CPU totals (and NIC counters) hold time (traffic) of a VM
 * that no VM's rate accounts for: a migrated VM's on both ends, on the destination since it
 * arrived (its counters start there: no rate until the next sample), on the source until it
 * left (it is not in the newer snapshot). What the totals show beyond the VMs' rates is then
 * no reading of the host's non-VM load (cluster_build.c keeps the last one that is).
 * The pCPUs a VM that left used there are free now: the run-queue delay its host's other
 * VMs measured while it was there (smoothed) is that much less a reading of the host now
 * (sova_vms_left_cpu; cluster_vm_cpu.h's sova_vm_cpu_credit). */
#pragma once
#include "model/model.h"

/* a VM came or went between prev and cur: one of m's vCPUs (m built from prev and cur) has
 * no rate (new on the host, or its counters restarted), or a VM that was not off in prev
 * is off or gone in cur */
gboolean sova_vms_changed(const SovaSnapshot *prev, const SovaSnapshot *cur, const SovaModel *m);

/* the pCPUs the VMs that were not off in prev and are off or gone in cur used on the host:
 * the sum of used(uuid, data) over them (their demand less its unmet part; 0 for a VM the
 * caller does not know) */
double sova_vms_left_cpu(const SovaSnapshot *prev, const SovaSnapshot *cur,
                         double (*used)(const char *uuid, gpointer data), gpointer data);
