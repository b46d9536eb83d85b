#!/bin/bash
# Net case 1: one q35 guest on an isolated network, its failover NIC a virtio standby; the agent
# (net plane on, the stand-in pool of 1) must give it the stand-in VF when its traffic rises and
# take it back when the traffic stops:
#   quiet (only a 50 ms ping from the host)   -> no VF
#   busy (the guest sends UDP to the host)    -> attach; the guest's traffic moves to the
#                                                stand-in's tap: its counters grow, the
#                                                standby's stay flat; the guest never stops
#                                                sending
#   quiet again                               -> detach; traffic back on the standby
# Figures (printed, not asserted): switch latency (request -> the guest's frames on the new
# tap) for attach and detach, pings lost (50 ms) around each switch, the longest gap in the
# guest's frames.
. "$(dirname "$(readlink -f "$0")")/net_common.sh"
BUSY=${NET1_BUSY_PPS:-1500}
net_boot a
SB=$(rig_net_tap a ua-sova-net0)
WATCH=$RIG_RUN/watch.txt
PING=$RIG_RUN/ping.txt
rig_net_watch_start "$WATCH"
rig_net_ping_start a "$PING"
rig_net_agent vf-pool=1 enter=300 exit=150 exit-intervals=3 min-dwell=3
rig_net_wait_intervals 5
QUIET_VF=0; rig_net_has_vf a && QUIET_VF=1
QUIET_ATT=$(rig_net_actions attach-vf a)
echo "  quiet phase: standby $SB, VF held: $QUIET_VF, attaches: $QUIET_ATT"

# busy: the agent must attach, and the traffic must move to the stand-in
G0=$(rig_net_guest_second a)
T_BUSY=$EPOCHREALTIME
rig_net_rate a "$BUSY"
ATTACHED=0; rig_net_wait_action attach-vf a 30 && ATTACHED=1
VF=""; [ $ATTACHED = 1 ] && VF=$(rig_net_vf_tap a)
sleep 2                                      # the guest brings the NIC up (TCG: ~0.5 s)
DELTA=$(rig_net_tx_delta a "$SB" "$VF" 4)
SB_TX=${DELTA% *}; VF_TX=${DELTA#* }
echo "  busy phase: attached=$ATTACHED, VF tap ${VF:-none}; over 4 s the guest sent $VF_TX packets through the VF, $SB_TX through the standby"
BUSY_ATT=$(rig_net_actions attach-vf a)

# quiet again: the agent must detach, and the ping's replies come back through the standby
G1=$(rig_net_guest_second a)
T_QUIET=$EPOCHREALTIME
rig_net_rate a 0
DETACHED=0; rig_net_wait_action detach-vf a 30 && DETACHED=1
sleep 1
STILL_VF=0; rig_net_has_vf a && STILL_VF=1
DELTA2=$(rig_net_tx_delta a "$SB" "" 3)
SB_TX2=${DELTA2% *}
rig_net_wait_intervals 3
rig_agent_stop
rig_net_ping_stop
rig_net_watch_stop
INTERVALS=$(rig_net_intervals)
ATTACHES=$(rig_net_actions attach-vf); DETACHES=$(rig_net_actions detach-vf); FAILED=$(rig_net_failed)
GAPS=$(rig_net_guest_gaps a "$(( G0 + 1 ))" "$G1")
ERRS=$(rig_net_guest_errors a)

# figures: attach = the agent's attach request (its log: the line's time minus the call's
# duration) -> the guest's frames on the VF's tap; detach = its detach request -> the guest's
# frames back on the standby (the bridge ports' counters, every 20 ms)
T_ATT=""; T_ATT_TRAFFIC=""; T_DET=""; T_DET_TRAFFIC=""
if [ -n "$VF" ]; then
    T_ATT=$(rig_net_log_time "attached VF .* to ${RIG_PREFIX}a " "in")
    [ -n "$T_ATT" ] && T_ATT_TRAFFIC=$(rig_net_first_growth "$WATCH" "$VF" "$T_ATT" 5)
fi
T_DET=$(rig_net_log_time "detached VF .* from ${RIG_PREFIX}a" "after")
[ -n "$T_DET" ] && T_DET_TRAFFIC=$(rig_net_first_growth "$WATCH" "$SB" "$T_DET" 1)
fig() { [ -n "$1" ] && [ -n "$2" ] && rig_net_sub "$2" "$1" || echo "n/a"; }
win_lost() { [ -n "$1" ] && rig_net_ping_lost "$PING" "$(rig_net_sub "$1" 0.5)" "$(rig_net_sub "$1" -3)" || echo "n/a"; }
echo "$CASE_NAME figures:"
echo "  intervals run: $INTERVALS; VF actions executed: $ATTACHES attach, $DETACHES detach, $FAILED failed"
echo "  agent's reasons:"
jq -r -s '.[] | .interval as $i | .net.plan.actions[]? | "    interval \($i): \(.action) \(.vm): \(.reason)"' "$RIG_NET_AGENT"
echo "  switch latency, attach (attach request -> guest traffic on the VF tap): $(fig "$T_ATT" "$T_ATT_TRAFFIC") s"
echo "  switch latency, detach (detach request -> guest traffic on the standby): $(fig "$T_DET" "$T_DET_TRAFFIC") s"
echo "  pings lost (50 ms, host -> guest) from 0.5 s before to 3 s after: attach $(win_lost "$T_ATT"), detach $(win_lost "$T_DET")"
echo "  pings: $(grep -c ' bytes from ' "$PING") answered, $(rig_net_ping_lost "$PING" 0 9e9) lost over the whole run"
echo "  longest gap in the guest's frames while busy (host side): $(rig_net_max_gap "$WATCH" "${T_BUSY%.*}" "${T_QUIET%.*}") s"
echo "  guest seconds with nothing sent while busy: $GAPS; guest send errors: $ERRS"

case_expect "quiet: no VF, no attach" eq "$QUIET_VF$QUIET_ATT" 00
case_expect "busy: the agent attached the stand-in VF" eq "$ATTACHED" 1
case_expect "busy: the VF is in the live XML with a tap" test -n "$VF"
case_expect "busy: the guest's traffic goes through the VF's tap (>= 100 packets in 4 s)" rig_net_ge "${VF_TX:-0}" 100
case_expect "busy: the standby's counters stay flat (< 2% of the VF's)" le "$(( SB_TX * 50 ))" "${VF_TX:-0}"
case_expect "busy: attached exactly once" eq "$BUSY_ATT" 1
case_expect "busy: the guest sent every second across the switch" eq "$GAPS" 0
case_expect "quiet again: the agent detached it" eq "$DETACHED" 1
case_expect "quiet again: no VF in the live XML" eq "$STILL_VF" 0
case_expect "quiet again: the ping's replies flow through the standby" rig_net_ge "${SB_TX2:-0}" 10
case_expect "no VF action failed; one attach, one detach in all" eq "$FAILED $ATTACHES $DETACHES" "0 1 1"
case_end
