#!/bin/bash
# Case 3: 4 unpinned 1-vCPU guests, 2 busy (100 %) and 2 half-busy (50 %): the agent (default
# policy) must end with one heavy and one light guest pinned to each pCPU, or with the host
# shared (every guest on every pCPU), stddev <= 5, stable (no pin change in the last 10 of 30
# intervals). Both are right: on this mix pins and the kernel's sharing give each guest about
# the same, and balance shares when its smoothed per-VM check (cpu_service.h, the finer
# tolerance of a saturated host, confirmed over 10 intervals) reads a guest pinned below its
# CFS share (a CI run: pinned at interval 4, shared at 16; the pins then read heavy2 at
# 0.91x). Precondition: the guests had the pCPUs over the run (>= 80 % of them in vCPU time).
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_boot "heavy1 100 all" "heavy2 100 all" "light1 50 all" "light2 50 all"
case_pin_and_settle 3
# the guests' vCPU time over the run: they ask for 3 pCPUs of 2, so they must get at least 80 %
# of the pCPUs; else other work on the machine took them, and the agent measured that
vtimes() { for g in heavy1 heavy2 light1 light2; do rig_virsh domstats --vcpu "$RIG_PREFIX$g"; done |
           awk -F= '/vcpu.0.time=/ { s += $2 } END { printf "%.0f\n", s / 1e7 }'; }
VT0=$(vtimes) VS0=$(date +%s)
case_run 30
VT1=$(vtimes) VS1=$(date +%s)
case_figures
got=$(( VT1 - VT0 )) floor=$(( (VS1 - VS0) * 100 * $(rig_npcpus) * 8 / 10 ))
echo "  guests' vCPU time over the run: $got centiseconds in $(( VS1 - VS0 )) s"
case_expect "precondition: the guests ran $got of >= $floor centiseconds (else the machine is busy with other work)" le "$floor" "$got"
# per pCPU: "heavy light" counts from the final affinities (a guest still unpinned counts
# nowhere); "shared" when every guest may run on every pCPU
all="0-$(( $(rig_npcpus) - 1 ))"
placement=$(rig_affinities "$MON" | awk -v p="$RIG_PREFIX" -v all="$all" '
    { sub(p, "", $1); guests++; if ($2 == all) shared++
      if ($2 !~ /^[0-9]+$/) { bad++; next }
      if ($1 ~ /^heavy/) h[$2]++; else l[$2]++; cpus[$2] = 1 }
    END { ok = (bad == 0); n = 0
          for (c in cpus) { n++; if (h[c] != 1 || l[c] != 1) ok = 0 }
          print (ok && n == 2) ? "pinned" : (guests == 4 && shared == 4) ? "shared" : "bad" }')
not_bad() { [ "$1" = pinned ] || [ "$1" = shared ]; }
LAST10=$(jq -s '[.[-10:][] | .executed] | add // 0' "$AGENT")
echo "  pin changes in the last 10 intervals: $LAST10; placement: $placement"
case_expect "each pCPU has one heavy and one light guest, each pinned to one pCPU, or the host is shared" not_bad "$placement"
case_expect "final stddev <= 5 (agent)" le "$FINAL_AGENT" 5
case_expect "final stddev <= 5 (monitor)" le "$FINAL_MON" 5
case_expect "stable: 0 pin changes in the last 10 intervals" eq "$LAST10" 0
case_end
