#!/bin/bash
# Net case 2: scarcity. Three q35 guests send UDP to the host at different rates (low < mid <
# high), all above the enter threshold; the stand-in pool has ONE VF. First only low and mid
# send: the agent gives the VF to mid. Then high starts sending too: the VF must move to high
# (one hand-over: detach mid, attach high) and stay there. Judged: at each phase's end the
# busiest holds it (live XML and the agent's view) and, at the end, high's traffic goes through
# the VF's tap with its standby flat; the pool is never over-committed; nothing flaps (no more
# than those moves, none at all once high holds it); low and mid end as unmet demand.
. "$(dirname "$(readlink -f "$0")")/net_common.sh"
LOW=${NET2_LOW_PPS:-400} MID=${NET2_MID_PPS:-800} HIGH=${NET2_HIGH_PPS:-2000}
RUN=${NET2_INTERVALS:-15}
holders() { h=""; for v in low mid high; do rig_net_has_vf $v && h="$h $v"; done; echo "${h# }"; }
net_boot low mid high
rig_net_rate low "$LOW"; rig_net_rate mid "$MID"
sleep 3                                      # both are sending before the agent looks
rig_net_agent vf-pool=1 enter=200 exit=100 exit-intervals=3 min-dwell=3 margin=1.5 challenge-intervals=4
rig_net_wait_intervals 6
PHASE1=$(holders)
echo "  low and mid busy: holder $PHASE1"
rig_net_rate high "$HIGH"
TOOK=0; rig_net_wait_action attach-vf high 30 && TOOK=1
HANDOVER=$(rig_net_intervals)
echo "  high busy too: it got the VF: $TOOK (interval $HANDOVER)"
rig_net_wait_intervals "$RUN"
HIGH_SB=$(rig_net_tap high ua-sova-net0)
HIGH_VF=$(rig_net_vf_tap high)
DELTA=$(rig_net_tx_delta high "$HIGH_SB" "$HIGH_VF" 3)
SB_TX=${DELTA% *}; VF_TX=${DELTA#* }
HOLDERS=$(holders)
rig_agent_stop
INTERVALS=$(rig_net_intervals)
ATTACHES=$(rig_net_actions attach-vf); DETACHES=$(rig_net_actions detach-vf); FAILED=$(rig_net_failed)
LATE=$(jq -s --argjson h "$HANDOVER" '[.[] | select(.interval > $h) | .net.plan.actions[]?] | length' "$RIG_NET_AGENT")
MAX_IN_USE=$(jq -s '[.[] | .net.in_use] | max' "$RIG_NET_AGENT")
LAST=$(jq -c -s '.[-1].net' "$RIG_NET_AGENT")
AGENT_HOLDER=$(echo "$LAST" | jq -r '[.vms[] | select(.mode == "vf") | .vm] | join(" ")')
UNMET=$(echo "$LAST" | jq -r --arg p "$RIG_PREFIX" '[.vms[] | select(.unmet) | .vm | ltrimstr($p)] | sort | join(" ")')

echo "$CASE_NAME figures:"
echo "  target rates (pps): low $LOW, mid $MID, high $HIGH; intervals run: $INTERVALS"
echo "  agent's last view (smoothed pps rx+tx, benefit, mode):"
echo "$LAST" | jq -r '.vms[] | "    \(.vm): \((.rx_pps + .tx_pps) | round) pps, benefit \(.benefit | round), \(.mode)\(if .unmet then ", unmet" else "" end)"'
echo "  VF actions executed: $ATTACHES attach, $DETACHES detach, $FAILED failed; after high got it: $LATE"
jq -r -s '.[] | .interval as $i | .net.plan.actions[]? | "    interval \($i): \(.action) \(.vm): \(.reason)"' "$RIG_NET_AGENT"
echo "  holder in the live XML: ${HOLDERS:-none}; in the agent's last interval: ${AGENT_HOLDER:-none}"
echo "  high's traffic over 3 s: $VF_TX packets through the VF, $SB_TX through the standby"

case_expect "low and mid busy: mid (the busiest) holds the VF" eq "$PHASE1" mid
case_expect "high busy too: the agent moved the VF to high" eq "$TOOK" 1
case_expect "at the end the busiest holds the VF (live XML)" eq "$HOLDERS" high
case_expect "the busiest holds the VF (agent)" eq "$AGENT_HOLDER" "${RIG_PREFIX}high"
case_expect "the pool of 1 is never over-committed" le "$MAX_IN_USE" 1
case_expect "high's traffic goes through the VF's tap, the standby stays flat" \
    le "$(( SB_TX * 50 + 1 ))" "${VF_TX:-0}"
case_expect "no flapping: one hand-over in all (2 attaches, 1 detach)" eq "$ATTACHES $DETACHES" "2 1"
case_expect "no flapping: no VF action once high holds it ($RUN intervals)" eq "$LATE" 0
case_expect "no VF action failed" eq "$FAILED" 0
case_expect "low and mid are reported as unmet demand" eq "$UNMET" "low mid"
case_end
