#!/bin/bash
# Case 3: 4 unpinned 1-vCPU guests, 2 busy (100 %) and 2 half-busy (50 %): the agent (default
# policy) must end with one heavy and one light guest pinned to each pCPU, stddev <= 5, stable
# (no pin change in the last 10 intervals).
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_boot "heavy1 100 all" "heavy2 100 all" "light1 50 all" "light2 50 all"
case_pin_and_settle 3
case_run 20
case_figures
# per pCPU: "heavy light" counts from the final affinities (a guest still unpinned counts nowhere)
placement=$(rig_affinities "$MON" | awk -v p="$RIG_PREFIX" '
    { sub(p, "", $1); if ($2 !~ /^[0-9]+$/) { bad++; next }
      if ($1 ~ /^heavy/) h[$2]++; else l[$2]++; cpus[$2] = 1 }
    END { ok = (bad == 0); n = 0
          for (c in cpus) { n++; if (h[c] != 1 || l[c] != 1) ok = 0 }
          print (ok && n == 2) ? "ok" : "bad" }')
LAST10=$(jq -s '[.[-10:][] | .executed] | add // 0' "$AGENT")
echo "  pin changes in the last 10 intervals: $LAST10; placement: $placement"
case_expect "each pCPU has one heavy and one light guest, each pinned to one pCPU" eq "$placement" ok
case_expect "final stddev <= 5 (agent)" le "$FINAL_AGENT" 5
case_expect "final stddev <= 5 (monitor)" le "$FINAL_MON" 5
case_expect "stable: 0 pin changes in the last 10 intervals" eq "$LAST10" 0
case_end
