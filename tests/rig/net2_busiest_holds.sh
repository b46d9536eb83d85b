#!/bin/bash
# Net case 2: scarcity. Three q35 guests send UDP to the host at different rates (low < mid <
# high), all above the enter threshold; the stand-in pool has ONE VF. First only low and mid
# send: the agent gives the VF to mid. Then high starts sending too: the VF must move to high
# (one hand-over: detach mid, attach high) and stay there. Judged: at each phase's end the
# busiest holds it (live XML and the agent's view) and, at the end, high's traffic goes through
# the VF's tap with its standby flat; the pool is never over-committed; nothing flaps (no more
# than those moves, none at all once high holds it); low and mid end as unmet demand.
# Then the hand-back (issue 14), the agent stopped and high still holding sova's VF and
# sending (and a vCPU pinned: the agent's pin, or one set in its place when it shared them
# all): `sova release --dry-run` for each guest changes nothing (VF, pins, metadata), then
# `sova release --vm` for each leaves no VF in the live XML (the pool's VF free again, as
# `sova status` counts it), high's traffic on its standby, every vCPU allowed on every pCPU
# and no sova metadata. A timeline of the hand-back is printed.
. "$(dirname "$(readlink -f "$0")")/net_common.sh"
LOW=${NET2_LOW_PPS:-400} MID=${NET2_MID_PPS:-800} HIGH=${NET2_HIGH_PPS:-2000}
RUN=${NET2_INTERVALS:-15}
holders() { h=""; for v in low mid high; do rig_net_has_vf $v && h="$h $v"; done; echo "${h# }"; }
pins() { for v in low mid high; do rig_virsh vcpupin "$RIG_PREFIX$v" --live |
             awk '$1 == "0" || $1 == "0:" {print $2}'; done | tr '\n' ' ' | sed 's/ $//'; }
metas() {   # sova metadata elements on the three guests
    n=0
    for v in low mid high; do for ns in vm/1 agent/1 controller/1; do
        rig_virsh metadata "$RIG_PREFIX$v" "https://sova.dev/xmlns/$ns" >/dev/null 2>&1 && n=$((n + 1))
    done; done
    echo $n
}
release_all() {   # release_all [--dry-run]: `sova release --vm` for each guest, one "rc N" line each
    for v in low mid high; do
        "$RIG_SOVA" release --connect "$RIG_URI" --vm "$RIG_PREFIX$v" "$@" 2>&1 9>&- 8>&-
        echo "rc $?"
    done
}
pool_in_use() { "$RIG_SOVA" status --connect "$RIG_URI" --config "$RIG_RUN/agent.conf" --json 2>/dev/null 9>&- 8>&- |
                    jq -r '.net.vf_in_use // "?"'; }
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

# the hand-back: high holds sova's VF and still sends
ALL="0-$(( $(rig_npcpus) - 1 ))"
tl() { printf '    %6.2f s  %s\n' "$(rig_net_sub "$EPOCHREALTIME" "$T_HB")" "$1" >> "$RIG_RUN/timeline.txt"; }
T_HB=$EPOCHREALTIME; : > "$RIG_RUN/timeline.txt"
# the agent pins or shares as its policy sees fit: a pin to take back whatever it chose
[ "$(pins)" = "$ALL $ALL $ALL" ] && rig_virsh vcpupin "${RIG_PREFIX}low" 0 1 --live >/dev/null
PINS0=$(pins); META0=$(metas); VF0=$(holders); POOL0=$(pool_in_use)
tl "before: VF held by ${VF0:-none}, pool in use $POOL0, vCPU 0 pins (low mid high) $PINS0, sova metadata elements $META0"
release_all --dry-run > "$RIG_RUN/release-dry.out"
PINS1=$(pins); META1=$(metas); VF1=$(holders)
tl "release --dry-run x3 done: VF held by ${VF1:-none}, pins $PINS1, metadata elements $META1"
release_all > "$RIG_RUN/release.out"
tl "release x3 done (exit codes: $(grep '^rc ' "$RIG_RUN/release.out" | cut -d' ' -f2 | tr '\n' ' '))"
VF2=$(holders)
for _ in $(seq 50); do [ -z "$VF2" ] && break; sleep 0.1; VF2=$(holders); done
tl "VF in the live XML: ${VF2:-none}"
PINS2=$(pins); META2=$(metas); POOL2=$(pool_in_use)
DELTA3=$(rig_net_tx_delta high "$HIGH_SB" "" 3)
HB_SB_TX=${DELTA3% *}
tl "after: pool in use $POOL2, pins $PINS2, sova metadata elements $META2; high sent $HB_SB_TX packets through its standby in 3 s"

echo "$CASE_NAME figures:"
echo "  target rates (pps): low $LOW, mid $MID, high $HIGH; intervals run: $INTERVALS"
echo "  agent's last view (smoothed pps rx+tx, benefit, mode):"
echo "$LAST" | jq -r '.vms[] | "    \(.vm): \((.rx_pps + .tx_pps) | round) pps, benefit \(.benefit | round), \(.mode)\(if .unmet then ", unmet" else "" end)"'
echo "  VF actions executed: $ATTACHES attach, $DETACHES detach, $FAILED failed; after high got it: $LATE"
jq -r -s '.[] | .interval as $i | .net.plan.actions[]? | "    interval \($i): \(.action) \(.vm): \(.reason)"' "$RIG_NET_AGENT"
echo "  holder in the live XML: ${HOLDERS:-none}; in the agent's last interval: ${AGENT_HOLDER:-none}"
echo "  high's traffic over 3 s: $VF_TX packets through the VF, $SB_TX through the standby"
echo "  hand-back timeline (from the agent's stop):"; cat "$RIG_RUN/timeline.txt"
echo "  sova release --dry-run:"; sed 's/^/    /' "$RIG_RUN/release-dry.out"
echo "  sova release:"; sed 's/^/    /' "$RIG_RUN/release.out"

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
case_expect "hand-back: before it, high holds sova's VF, a vCPU is pinned, sova's metadata is there" \
    eq "$VF0 $([ "$PINS0" != "$ALL $ALL $ALL" ] && echo 1) $(( META0 > 0 ))" "high 1 1"
case_expect "release --dry-run: exit 0, and the VF, the pins and the metadata are unchanged" \
    eq "$(grep -c '^rc 0$' "$RIG_RUN/release-dry.out") $VF1|$PINS1|$META1" "3 $VF0|$PINS0|$META0"
case_expect "release: exit 0 for every guest" eq "$(grep -c '^rc 0$' "$RIG_RUN/release.out")" 3
case_expect "release: the VF is gone from the live XML and the pool's VF is free" \
    eq "${VF2:-none} $POOL2" "none 0"
case_expect "release: high's traffic goes through its standby (>= 100 packets in 3 s)" \
    rig_net_ge "${HB_SB_TX:-0}" 100
case_expect "release: no sova pin (every vCPU on every pCPU, $ALL)" eq "$PINS2" "$ALL $ALL $ALL"
case_expect "release: no sova metadata left" eq "$META2" 0
case_end
