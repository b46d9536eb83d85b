#!/bin/bash
# real_net.sh — the net plane's switch figures on a real guest (`make bench`, real-VM part).
# One q35 guest (virtio standby with persistent teaming) on an isolated network; `sova agent`
# with the net plane on the rig's stand-in pool of one VF. Each cycle the guest's UDP load goes
# busy (the agent attaches the stand-in) then quiet (the agent detaches it), while the host pings
# the guest every 50 ms and a watcher reads the bridge ports' counters every 20 ms. Per switch:
#   attach latency  the agent's attach request (its log line's time minus the call's duration)
#                   -> the guest's frames appear on the VF's tap
#   detach latency  the agent's detach request (its log) -> the guest's frames back on the standby
#   attach call     virDomainAttachDeviceFlags, as the agent logged it
#   device-removed  detach request -> libvirt's device-removed event, as the agent logged it
#   pings lost      from 0.5 s before to 3 s after the switch
# It is a benchmark: it asserts nothing (a switch that did not happen is reported as such).
#
# usage: bench/real_net.sh [--build DIR] [--cycles N] [--busy PPS] [--json]
#        defaults: build, 5, 1500   (about 15 s a cycle under TCG)
set -u
. "$(dirname "$(readlink -f "$0")")/../rig/lib.sh"
. "$(dirname "$(readlink -f "$0")")/../rig/net.sh"
RIG_PREFIX=${SOVA_RIG_NET_PREFIX:-sova-netvm-}bench-
BUILD=build CYCLES=5 BUSY=1500 JSON=0
while [ $# -gt 0 ]; do
    case $1 in
    --build) BUILD=$2; shift ;;
    --cycles) CYCLES=$2; shift ;;
    --busy) BUSY=$2; shift ;;
    --json) JSON=1 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
rig_init "$BUILD"
rig_net_setup_traps
note() { [ $JSON = 1 ] && echo "$*" >&2 || echo "$*"; }

rig_libvirtd_up
rig_image
rig_virt_type
rig_net_up
rig_net_vm_create a 0
rig_vms_wait_ready 120
SB=$(rig_net_tap a ua-sova-net0)
WATCH=$RIG_RUN/watch.txt
PING=$RIG_RUN/ping.txt
rig_net_watch_start "$WATCH"
rig_net_ping_start a "$PING"
rig_net_agent vf-pool=1 enter=400 exit=200 exit-intervals=3 min-dwell=3
rig_net_wait_intervals 3
VFS=""; ATTS=""; DETS=""
for c in $(seq "$CYCLES"); do
    rig_net_rate a "$BUSY"
    if rig_net_wait_action attach-vf a 30; then
        VFS="$VFS $(rig_net_vf_tap a)"
        ATTS="$ATTS $(rig_net_log_time "attached VF .* to ${RIG_PREFIX}a " "in")"
    else VFS="$VFS -"; ATTS="$ATTS -"; fi
    sleep 3
    rig_net_rate a 0
    if rig_net_wait_action detach-vf a 30; then
        DETS="$DETS $(rig_net_log_time "detached VF .* from ${RIG_PREFIX}a" "after")"
    else DETS="$DETS -"; fi
    sleep 2
    note "cycle $c done"
done
rig_agent_stop
rig_net_ping_stop
rig_net_watch_stop

# the agent's own timings, in order: "attach_call_s" and "device_removed_s" per switch
CALLS=($(grep -oE "attached VF .* in [0-9.]+ s" "$RIG_NET_AGENT.log" | awk '{print $(NF-1)}'))
REMOVED=($(grep -oE "device-removed after [0-9.]+ s" "$RIG_NET_AGENT.log" | awk '{print $(NF-1)}'))
VFS=($VFS); ATTS=($ATTS); DETS=($DETS)
RESULTS=$RIG_RUN/results.txt
: > "$RESULTS"
lost() { rig_net_ping_lost "$PING" "$(rig_net_sub "$1" 0.5)" "$(rig_net_sub "$1" -3)"; }
for i in $(seq 0 $(( CYCLES - 1 ))); do
    att=- datt=- latt=- det=- ddet=- ldet=-
    vf=${VFS[$i]:--}
    if [ "$vf" != - ]; then
        t=${ATTS[$i]:-}
        if [ -n "$t" ] && [ "$t" != - ]; then
            g=$(rig_net_first_growth "$WATCH" "$vf" "$t" 5)
            [ -n "$g" ] && att=$(rig_net_sub "$g" "$t")
            latt=$(lost "$t")
        fi
    fi
    td=${DETS[$i]:--}
    if [ "$td" != - ] && [ -n "$td" ]; then
        g=$(rig_net_first_growth "$WATCH" "$SB" "$td" 1)
        [ -n "$g" ] && det=$(rig_net_sub "$g" "$td")
        ldet=$(lost "$td")
    fi
    echo "$(( i + 1 )) $att ${CALLS[$i]:--} $latt $det ${REMOVED[$i]:--} $ldet" >> "$RESULTS"
done

# median, min, max of a column (skipping "-")
stats() { awk -v c="$1" '$c != "-" { v[n++] = $c + 0 } END { if (!n) { print "- - -"; exit }
    for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    printf "%s %s %s\n", (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1] }' "$RESULTS"; }
if [ $JSON = 1 ]; then
    jq -n -c --arg virt "$RIG_VIRT" --argjson busy "$BUSY" --rawfile r "$RESULTS" '
        { bench: "real_net", virt: $virt, busy_pps: $busy, ping_interval_ms: 50,
          cycles: [$r | split("\n")[] | select(length > 0) | split(" ") |
                   map(if . == "-" then null else tonumber end) |
                   { cycle: .[0], attach_latency_s: .[1], attach_call_s: .[2], attach_pings_lost: .[3],
                     detach_latency_s: .[4], device_removed_s: .[5], detach_pings_lost: .[6] }] }'
    exit 0
fi
echo
echo "net plane switches on a real $RIG_VIRT guest: stand-in VF, busy ${BUSY} pps UDP, ping every 50 ms"
printf "%-6s %12s %12s %10s %12s %14s %10s\n" cycle "attach lat s" "attach call" "pings lost" \
    "detach lat s" "dev-removed s" "pings lost"
while read -r c a ac la d dr ld; do
    printf "%-6s %12s %12s %10s %12s %14s %10s\n" "$c" "$a" "$ac" "$la" "$d" "$dr" "$ld"
done < "$RESULTS"
printf "%-6s %12s %12s %10s %12s %14s %10s\n" median "$(stats 2 | cut -d' ' -f1)" "$(stats 3 | cut -d' ' -f1)" \
    "$(stats 4 | cut -d' ' -f1)" "$(stats 5 | cut -d' ' -f1)" "$(stats 6 | cut -d' ' -f1)" "$(stats 7 | cut -d' ' -f1)"
printf "%-6s %12s %12s %10s %12s %14s %10s\n" max "$(stats 2 | cut -d' ' -f3)" "$(stats 3 | cut -d' ' -f3)" \
    "$(stats 4 | cut -d' ' -f3)" "$(stats 5 | cut -d' ' -f3)" "$(stats 6 | cut -d' ' -f3)" "$(stats 7 | cut -d' ' -f3)"
IN_WINDOWS=$(awk '{ for (i = 4; i <= 7; i += 3) if ($i != "-") n += $i } END { print n + 0 }' "$RESULTS")
echo "pings over the whole run: $(grep -c ' bytes from ' "$PING") answered, $(rig_net_ping_lost "$PING" 0 9e9) lost ($IN_WINDOWS of them around switches)"
