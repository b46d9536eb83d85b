#!/bin/bash
# Case 5: both levels together (issue 15): a guest starved of a VF moves to a host that has one.
# Every host has the stand-in VF pool (rig/cluster-sova.sh), one VF each; h1 runs two net guests
# that both send more than the agents' enter threshold (the guest's own traffic generator,
# guest/netload.c), h2 runs none. `sova agent` runs on h1 and h2 (cpu and net planes), then one
# `sova controller` over h1 and h2 whose threshold and high-water are out of reach, so that only
# the VF signal can move a guest. Expected, end to end:
#   h1's agent gives its VF to one guest (the holder) and publishes the other's unmet demand in
#   its metadata; the controller reads it through libvirt and migrates that guest (the starved
#   one, never the holder) to h2; h2's agent attaches h2's VF to it; both guests' traffic then
#   goes through their VF's tap, each on its own host; both kept working across it (one boot, a
#   console line every second, a counter that only grows). While the guest is marked leaving no
#   agent acts on it (neither pin nor VF; the agents' JSON shows the mark); no leaving mark is
#   left behind and no agent action failed.
# Printed: the timeline (seconds from the agents' start), the migration's duration and downtime,
# the packets each guest sent through each tap.
. "$(dirname "$(readlink -f "$0")")/common.sh"
command -v socat >/dev/null || case_skip "socat not installed"
PPS=${CASE5_PPS:-1200}
META=https://sova.dev/xmlns/agent/1
case_up
case_boot_net h1:va:1:"$PPS" h1:vb:2:"$PPS"
NETCONF="vf-network = $CL_VF_NET
vf-template = $(cl_vf_template)
vf-pool = 1"
for h in h1 h2; do
    printf '[net]\n%s\nenter = 300\nexit = 150\nexit-intervals = 3\nmin-dwell = 3\n' "$NETCONF" > "$RUN/agent-$h.conf"
done
{ printf '[controller]\nhosts = h1;h2\ninterval = 2\nthreshold = 0.95\nhigh-water = 0.99\ncooldown = 600\n'
  printf '\n[net]\n%s\n' "$NETCONF"
  for h in h1 h2; do printf '\n[host %s]\nuri = %s\n' "$h" "$(cl_uri_unix "$h")"; done
} > "$RUN/sova.conf"

T0=$EPOCHREALTIME
at() { awk -v a="$1" -v b="$T0" 'BEGIN { printf "%6.1f", a - b }'; }
# logt FILE PATTERN: unix time of FILE's first log line matching PATTERN ("" if none)
logt() {
    local l; l=$(grep -E "$2" "$1" 2>/dev/null | head -n 1 | cut -d' ' -f1)
    [ -n "$l" ] && date -d "$l" +%s.%N
}
# until CMD holds (0) or TIMEOUT_S passed (1), polling every 0.25 s
until_t() { local n=$(( $1 * 4 )); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.25; done; return 1; }
vf_of() { cl_virsh "$1" dumpxml "$CL_PREFIX$2" 2>/dev/null | grep -o "alias name='ua-sova-vf[0-9]*'" | head -n 1 | cut -d"'" -f2; }
has_vf() { [ -n "$(vf_of "$1" "$2")" ]; }
unmet_on() { cl_virsh "$1" metadata "$CL_PREFIX$2" "$META" 2>/dev/null | grep -Eq "unmet=[\"']1"; }
tap_of() {   # tap_of HOST VM ALIAS
    cl_virsh "$1" dumpxml "$CL_PREFIX$2" | awk -v a="$3" '
        /<interface/ { dev = ""; al = "" }
        /<target dev=/ { match($0, /dev=.[^'"'"'"]*/); dev = substr($0, RSTART + 5, RLENGTH - 5) }
        /<alias name=/ { match($0, /name=.[^'"'"'"]*/); al = substr($0, RSTART + 6, RLENGTH - 6) }
        /<\/interface>/ { if (al == a) print dev }'
}
tx_of() { [ -n "$3" ] && cl_virsh "$1" domifstat "$CL_PREFIX$2" "$3" 2>/dev/null | awk '$2 == "tx_packets" { print $3 }' || echo 0; }

# 1. the agents: h1's gives its one VF to one guest and publishes the other's unmet demand
case_watch_start
case_work_snapshot "$RUN/work0"
for h in h1 h2; do cl_agent_start "$h" "$RUN/agent-$h.conf" "$RUN/agent-$h.json"; done
HOLDER=""; STARVED=""
if until_t 40 eval 'has_vf h1 va || has_vf h1 vb'; then
    T_ATT1=$EPOCHREALTIME
    if has_vf h1 va; then HOLDER=va; STARVED=vb; else HOLDER=vb; STARVED=va; fi
fi
[ -n "$HOLDER" ] || { tail -n 20 "$RUN/agent-h1.json.log"; echo "$CASE_NAME: FAIL: h1's agent gave no guest its VF"; exit 1; }
until_t 30 unmet_on h1 "$STARVED" && T_PUB=$EPOCHREALTIME
HOLDER_VF_H1=$(vf_of h1 "$HOLDER")

# what each guest sends through which tap on h1, over 2 s
declare -A SB VF TX0 TX1 PRE
for v in "$HOLDER" "$STARVED"; do
    SB[$v]=$(tap_of h1 "$v" ua-sova-net0); VF[$v]=$(tap_of h1 "$v" "$(vf_of h1 "$v")")
    TX0[$v]="$(tx_of h1 "$v" "${SB[$v]}") $(tx_of h1 "$v" "${VF[$v]}")"
done
sleep 2
for v in "$HOLDER" "$STARVED"; do
    PRE[$v]="$(( $(tx_of h1 "$v" "${SB[$v]}") - ${TX0[$v]% *} )) $(( $(tx_of h1 "$v" "${VF[$v]}") - ${TX0[$v]#* } ))"
    PRE[$v]="standby ${SB[$v]:-?} ${PRE[$v]% *}, VF ${VF[$v]:-none} ${PRE[$v]#* }"
done

# 2. the controller: reads the signal, moves the starved guest to h2
T_CTL=$EPOCHREALTIME
cl_controller_start "$RUN/sova.conf" "$RUN/controller.json"
CTL=$RUN/controller.json
moved() { jq -e -s '[.[].finished[]? | select(.ok)] | length > 0' "$CTL" >/dev/null 2>&1; }
until_t 90 moved
# 3. h2's agent gives it h2's VF
until_t 40 has_vf h2 "$STARVED" && T_ATT2=$EPOCHREALTIME
sleep 2                                      # the guest's net_failover makes the VF primary
case_work_snapshot "$RUN/work1"
# 4. both guests' traffic, per tap, over 3 s
for v in "$HOLDER" "$STARVED"; do
    h=$(cl_where "$CL_PREFIX$v"); [ -n "$h" ] || h=h1
    SB[$v]=$(tap_of "$h" "$v" ua-sova-net0); VF[$v]=$(tap_of "$h" "$v" "$(vf_of "$h" "$v")")
    TX0[$v]="$(tx_of "$h" "$v" "${SB[$v]}") $(tx_of "$h" "$v" "${VF[$v]}")"
done
sleep 3
for v in "$HOLDER" "$STARVED"; do
    h=$(cl_where "$CL_PREFIX$v"); [ -n "$h" ] || h=h1
    TX1[$v]="$(( $(tx_of "$h" "$v" "${SB[$v]}") - ${TX0[$v]% *} )) $(( $(tx_of "$h" "$v" "${VF[$v]}") - ${TX0[$v]#* } ))"
done
cl_controller_stop
for h in h1 h2; do p=$(cl_pidof "$h" agent); cl_stop_pid "$p" "agent of $h"; done
case_work_snapshot "$RUN/work2"
case_watch_stop
T_END=$EPOCHREALTIME

# ---------------------------------------------------------------- the timeline
MIG=$(jq -c -s '[.[].finished[]? | select(.ok)] | .[0] // empty' "$CTL")
MIG_VM=$(echo "$MIG" | jq -r '.vm // ""'); MIG_FROM=$(echo "$MIG" | jq -r '.from // ""'); MIG_TO=$(echo "$MIG" | jq -r '.to // ""')
MIG_DUR=$(echo "$MIG" | jq -r '.duration_s // 0'); MIG_DOWN=$(echo "$MIG" | jq -r '.downtime_s // -1')
MIG_WHY=$(echo "$MIG" | jq -r '.reason // ""')
N_OK=$(jq -s '[.[].finished[]? | select(.ok)] | length' "$CTL"); N_BAD=$(jq -s '[.[].finished[]? | select(.ok | not)] | length' "$CTL")
T_SEEN=$(jq -s --arg v "$CL_PREFIX$STARVED" '[.[] | select(any(.cluster.vms[]?; .name == $v and .unmet_vf))] | length' "$CTL")
T_MIG0=$(logt "$CTL.log" "started: migrate $CL_PREFIX$STARVED")
T_MIG1=$(logt "$CTL.log" "migrated $CL_PREFIX$STARVED")
A1=$(logt "$RUN/agent-h1.json.log" "attached VF .* to $CL_PREFIX$HOLDER ")
A2=$(logt "$RUN/agent-h2.json.log" "attached VF .* to $CL_PREFIX$STARVED ")
FAILED=$(cat "$RUN"/agent-h?.json | jq -s '[.[] | (.net.failed // 0) + ((.results // []) | map(select(.outcome == "failed")) | length)] | add // 0')
VF_ACTS() { jq -r -s '.[] | .interval as $i | .net.plan.actions[]? | "\(.action) \(.vm)"' "$1" | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }
PINS() { jq -s --arg v "${2:+$CL_PREFIX$2}" '[.[] | .plan.actions[]? | select(.action == "pin" and ($v == "" or .vm == $v))] | length' "$RUN/agent-$1.json"; }
# intervals in which the agent on HOST saw VM marked leaving, and its actions on VM in them
LEAVING() { jq -s --arg v "$CL_PREFIX$2" '[.[] | select(any(.net.vms[]?; .vm == $v and .leaving))] | length' "$RUN/agent-$1.json"; }
ACTS_LEAVING() { jq -s --arg v "$CL_PREFIX$2" '[.[] | select(any(.net.vms[]?; .vm == $v and .leaving)) | (.plan.actions[]?, .net.plan.actions[]?) | select(.vm == $v)] | length' "$RUN/agent-$1.json"; }
PINS_H2=$(PINS h2 "$STARVED")
LV1=$(LEAVING h1 "$STARVED"); LV2=$(LEAVING h2 "$STARVED")
ACTS_LV=$(( $(ACTS_LEAVING h1 "$STARVED") + $(ACTS_LEAVING h2 "$STARVED") ))
ago() { [ -n "${1:-}" ] && at "$1" || echo "     ?"; }
echo "$CASE_NAME timeline (s from the agents' start; h1 and h2 one stand-in VF each, both guests sending $PPS datagrams/s):"
echo "  $(ago "$A1")  h1 agent: attached its VF to $HOLDER (sova log; seen in the live XML at $(ago "$T_ATT1"))"
echo "  $(ago "${T_PUB:-}")  h1 agent: $STARVED's unmet VF demand published (read back from its metadata: unmet='1')"
for v in "$HOLDER" "$STARVED"; do echo "          packets $v sent in 2 s on h1: ${PRE[$v]}"; done
echo "  $(ago "$T_CTL")  controller started (h1, h2; threshold 0.95, high-water 0.99: only the VF signal can move a guest)"
echo "  $(ago "$T_MIG0")  controller: started migrating $MIG_VM: $MIG_FROM -> $MIG_TO ($MIG_WHY)"
echo "  $(ago "$T_MIG1")  controller: migrated in $(awk -v d="$MIG_DUR" 'BEGIN { printf "%.1f", d }') s, downtime $(awk -v d="$MIG_DOWN" 'BEGIN { printf "%.0f", d * 1000 }') ms"
echo "  $(ago "$A2")  h2 agent: attached its VF to $STARVED (seen in the live XML at $(ago "${T_ATT2:-}"))"
for v in "$HOLDER" "$STARVED"; do
    echo "  packets $v sent in 3 s on $(cl_where "$CL_PREFIX$v"): standby ${SB[$v]:-?} ${TX1[$v]% *}, VF ${VF[$v]:-none} ${TX1[$v]#* }"
done
echo "  agents' intervals that saw $STARVED marked leaving: h1 $LV1, h2 $LV2 (it arrives marked; the controller then removes the mark); their actions on it then: $ACTS_LV"
echo "  pins: $STARVED on h2: $PINS_H2 (all pins: h1 $(PINS h1 ""), h2 $(PINS h2 ""))"
echo "  controller intervals that saw $STARVED's unmet VF demand: $T_SEEN; migrations: $N_OK ok, $N_BAD failed"
echo "  VF actions: h1 $(VF_ACTS "$RUN/agent-h1.json") h2 $(VF_ACTS "$RUN/agent-h2.json"); failed agent actions: $FAILED"
echo "  case time: $(awk -v a="$T_END" -v b="$T0" 'BEGIN { printf "%.0f", a - b }') s from the agents' start"

case_expect "h1's agent gave its VF to one guest ($HOLDER)" test -n "$HOLDER_VF_H1"
case_expect "h1's agent published $STARVED's unmet demand in its metadata" test -n "${T_PUB:-}"
case_expect "the controller read that demand through libvirt" gt "$T_SEEN" 0
case_expect "the controller migrated exactly one guest, and none failed" eq "$N_OK $N_BAD" "1 0"
case_expect "it migrated the starved guest $STARVED h1 -> h2" eq "$MIG_VM $MIG_FROM $MIG_TO" "$CL_PREFIX$STARVED h1 h2"
case_expect "the migration's reason is the VF" grep -q VF <<< "$MIG_WHY"
case_expect "$STARVED runs on h2, $HOLDER still on h1" eq "$(cl_where "$CL_PREFIX$STARVED") $(cl_where "$CL_PREFIX$HOLDER")" "h2 h1"
case_expect "h2's agent attached h2's VF to $STARVED after the migration" test -n "${T_ATT2:-}" -a -n "$T_MIG1"
case_expect "... after the migration ended, not before" lt "${T_MIG1:-9e9}" "${T_ATT2:-0}"
case_expect "$HOLDER kept its VF on h1 throughout (one attach on h1, no detach)" eq "$(VF_ACTS "$RUN/agent-h1.json")" " 1 attach-vf $CL_PREFIX$HOLDER;"
for v in "$HOLDER" "$STARVED"; do
    read -r sb vf <<< "${TX1[$v]}"
    case_expect "$v's traffic goes through its VF's tap (>= 100 packets in 3 s: $vf)" le 100 "${vf:-0}"
    case_expect "$v's standby stays flat (< 2% of its VF's: $sb)" le "$(( ${sb:-0} * 50 ))" "${vf:-0}"
done
case_expect "the agents saw $STARVED marked leaving (h1 as the migration began, h2 from its arrival until the controller removed the mark)" gt "$(( LV1 + LV2 ))" 0
case_expect "no agent pinned $STARVED or gave it, or took from it, a VF while it was marked" eq "$ACTS_LV" 0
case_expect "h2's agent placed $STARVED at most once" le "$PINS_H2" 1
case_expect "no agent action failed" eq "$FAILED" 0
case_expect "no leaving mark was left to clean up" eq "$(grep -c 'leaving mark' "$CTL.log")" 0
case_guests_check "$RUN/work0" "$RUN/work2"
case_end
