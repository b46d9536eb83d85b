#!/bin/bash
# Case 5: the agent survives a libvirtd restart. Two busy guests run balanced; libvirtd is
# stopped and started again (by PID) while the agent runs; during the outage both guests are
# re-pinned to pCPU0 behind the agent's back. The agent must keep running, reconnect, see the
# new pins and balance again. Only a libvirtd that the rig itself started is restarted: an
# operator's daemon is never touched (then the case is skipped).
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_boot "a 100 0" "b 100 1"
pid=$(cat /run/libvirtd.pid 2>/dev/null)
if [ ! -f "$RIG_STATE/libvirtd.started" ] || [ "$(cat "$RIG_STATE/libvirtd.started")" != "$pid" ]; then
    echo "$CASE_NAME: skipped: libvirtd (pid $pid) was not started by the rig"
    exit 77
fi
case_pin_and_settle 2
AGENT=$RIG_RUN/agent.json
rig_agent_start "$AGENT"
rig_agent_wait_intervals "$AGENT" 3

# restart libvirtd: its guests keep running (QEMU does not depend on it). The new one starts
# once the old one is gone and its pid file unlocked (rig/pid.sh; issue 16).
rig_stop_pid "$pid" libvirtd /run/libvirtd.pid || rig_die "libvirtd (pid $pid) did not go away"
n_down=$(grep -c '^{' "$AGENT")
rig_libvirtd_start || rig_die "libvirtd did not come back"
cat /run/libvirtd.pid > "$RIG_STATE/libvirtd.started"       # the rig stops the new one
rig_log "restarted libvirtd: pid $pid -> $(cat /run/libvirtd.pid)"
rig_vm_pin a 0
rig_vm_pin b 0
rig_agent_wait_intervals "$AGENT" $((n_down + 8)) 60
rig_agent_stop

AFTER=$(jq -s --argjson k "$n_down" '[.[] | select(.interval > $k) | .executed] | add // 0' "$AGENT")
FINAL=$(jq -s '[.[-3:][] | .stddev] | sort | .[1] * 100 | round / 100' "$AGENT")
LOST=$(grep -c "lost the connection\|retrying in" "$AGENT.log")
echo "$CASE_NAME figures:"
echo "  intervals before the restart: $n_down, in all: $(grep -c '^{' "$AGENT")"
echo "  connection losses and failed samples logged: $LOST"
echo "  agent stddev per interval: $(jq -r -s '[.[] | .stddev * 10 | round / 10] | map(tostring) | join(" ")' "$AGENT")"
echo "  pin changes after the restart: $AFTER; final stddev (median of last 3): $FINAL"
jq -r -s '.[] | .interval as $i | .plan.actions[]? | "    interval \($i): \(.vm) vcpu \(.vcpu) \(.from) -> \(.to): \(.reason)"' "$AGENT"
case_expect "the agent noticed the outage (logged it)" le 1 "$LOST"
case_expect "after reconnecting it re-balanced the guests re-pinned behind its back" le 1 "$AFTER"
case_expect "final stddev <= 5" le "$FINAL" 5
case_end
