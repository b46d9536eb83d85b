/* cpu_numa.h — when load moves between NUMA cells, whole VMs move, fewest vCPUs first (the
 * `balance` cpu policy, before its local search: cpu_search.c).
 *
 * The search moves one vCPU at a time and leaves a VM's cell only for a large gain
 * (NUMA_PENALTY), so a cell that is overloaded while another has room ends with VMs split
 * across cells, one vCPU here and there. Instead, first: while a cell's load exceeds its
 * capacity (100 points per usable pCPU) by more than NUMA_OVER (tau + 10 points) and another
 * cell has room, one VM whose vCPUs are all in the overloaded cell moves there whole:
 *   - among the VMs whose demand covers the excess and fits the room, the one with the
 *     fewest vCPUs (then the least demand);
 *   - else the one whose demand fits the room and is the largest (then fewest vCPUs);
 * each of its vCPUs, largest first, onto the least loaded pCPU of that cell, which becomes
 * the VM's cell for the search. Only vCPUs the search may move are moved (loose ones, or
 * managed ones when it may move those). */
#pragma once
#include "policy/cpu_layout.h"

/* moves whole VMs between cells as above; returns the number of vCPUs moved */
guint cpu_numa_spread(Balancer *b);
