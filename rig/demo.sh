#!/bin/bash
# demo.sh — the body of `make demo`: sova balancing real VMs, live, then as a picture.
#
# Boots 4 small 1-vCPU VMs (TCG, or KVM where it works) running a busy loop, all pinned to pCPU0,
# so pCPU0 is saturated and the others idle. Then runs `sova agent` for DEMO_SECONDS (40) with a
# live per-interval view (per-pCPU utilisation bars, each pin change with its reason), writes a PNG
# of pCPU utilisation over time with the pin changes marked (gnuplot), prints where it is, and
# removes the VMs. Ctrl-C at any point cleans up (VMs, agent, monitor, daemons the rig started).
#
# usage: rig/demo.sh [BUILD_DIR]        env: DEMO_SECONDS (40), DEMO_POLICY (balance), DEMO_VMS (4)
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RIG_PREFIX=${SOVA_RIG_PREFIX:-sova-rig-}demo-
SECS=${DEMO_SECONDS:-40}
POLICY=${DEMO_POLICY:-balance}
NVMS=${DEMO_VMS:-4}
rig_init "${1:-build}"
[ -x "$RIG_SOVA" ] || rig_die "missing $RIG_SOVA: build first (make)"
command -v gnuplot >/dev/null || rig_die "missing gnuplot (scripts/bootstrap.sh demo)"
rig_setup_traps
OUTDIR=$RIG_BUILD/demo
mkdir -p "$OUTDIR"

# bar PERCENT WIDTH: a utilisation bar
bar() {
    n=$(awk -v p="$1" -v w="$2" 'BEGIN { n = int(p * w / 100 + 0.5); print (n > w) ? w : (n < 0 ? 0 : n) }')
    printf '%*s' "$n" '' | tr ' ' '#'
    printf '%*s' $(( $2 - n )) '' | tr ' ' '.'
}

# show_interval JSON_LINE: one compact line per interval, then one line per pin change
show_interval() {
    line=$1
    set -- $(echo "$line" | jq -r '[.interval, (.stddev * 10 | round / 10)] + [.pcpus[] | .util * 10 | round / 10] | map(tostring) | join(" ")')
    iv=$1; sd=$2; shift 2
    utils="$*"
    printf '  %3ss ' "$iv"
    i=0
    for u in $utils; do printf ' pCPU%d [%s] %5.1f%%' "$i" "$(bar "$u" 20)" "$u"; i=$((i + 1)); done
    printf '   stddev %5.1f\n' "$sd"
    # the first interval's take-over (stacked vCPUs shared before anything is measured), then
    # the plan: a pin to one pCPU, or a share over a set of them
    echo "$line" | jq -r '.takeover.plan.actions[]?, .plan.actions[]? |
        if .to_set then "        -> share \(.vm) vCPU\(.vcpu): pCPU\(.from) -> pCPUs \(.to_set)   (\(.reason))"
        else "        -> pin \(.vm) vCPU\(.vcpu): pCPU\(.from) -> pCPU\(.to)   (\(.reason))" end'
}

echo "sova demo: $NVMS busy VMs, all pinned to pCPU0; then sova agent (--cpu-policy $POLICY) for ${SECS} s"
rig_libvirtd_up
rig_image
rig_virt_type
echo "  booting $NVMS VMs ($([ "$RIG_VIRT" = kvm ] && echo KVM || echo 'TCG: KVM does not boot guests here')) ..."
for i in $(seq "$NVMS"); do rig_vm_create "vm$i" 100; done
rig_vms_wait_ready 90
for i in $(seq "$NVMS"); do rig_vm_pin "vm$i" 0; done
MON=$OUTDIR/monitor.json
AGENT=$OUTDIR/agent.json
rig_monitor_start "$MON"
echo "  all on pCPU0; measuring 5 s before the agent starts ..."
sleep 5
echo "  sova agent --interval 1 --cpu-policy $POLICY:"
rig_agent_start "$AGENT" --cpu-policy "$POLICY"
seen=0
end=$(( $(date +%s) + SECS ))
while [ "$(date +%s)" -lt "$end" ]; do
    rig_pid_alive "$RIG_AGENT_PID" || { cat "$AGENT.log" >&2; rig_die "the agent stopped"; }
    total=$(grep -c '^{' "$AGENT" 2>/dev/null)
    while [ "$seen" -lt "${total:-0}" ]; do
        seen=$((seen + 1))
        show_interval "$(grep '^{' "$AGENT" | sed -n "${seen}p")"
    done
    sleep 0.2
done
rig_agent_stop
sleep 1.2
rig_monitor_stop

# the picture: per-second pCPU utilisation from node stats (t = 0 at the agent's start),
# the pin changes libvirt showed as vertical lines with labels
T0=$RIG_AGENT_T0
DATA=$OUTDIR/pcpu-util.dat
jq -r --argjson t0 "$T0" '"\(.t - $t0) \(.node | map(tostring) | join(" ")) \(.node_stddev)"' "$MON" > "$DATA"
NP=$(head -n 1 "$DATA" | awk '{print NF - 2}')
MARKS=$(jq -r --argjson t0 "$T0" 'select(.pin_changes | length > 0) | (.t - $t0 - 0.5) as $x |
    "set arrow from \($x), graph 0 to \($x), graph 1 nohead dt 2 lc rgb \"gray40\"\n" +
    "set label \"\([.pin_changes[] | "\(.vm | sub(".*-"; "")) -> pCPU\(.to)"] | join(", "))\" at \($x), graph 0.97 rotate by 90 right font \",8\""' "$MON")
PNG=$OUTDIR/sova-demo.png
PLOT="plot '$DATA' using 1:$((NP + 2)) with lines lw 1 dt 3 lc rgb 'black' title 'stddev'"
for c in $(seq 0 $((NP - 1))); do PLOT="$PLOT, '' using 1:$((c + 2)) with lines lw 2 title 'pCPU$c'"; done
gnuplot <<EOF || rig_die "gnuplot failed"
set terminal pngcairo size 1000,500 noenhanced
set output '$PNG'
set title 'sova demo: $NVMS busy VMs start pinned to pCPU0; sova agent (--cpu-policy $POLICY) starts at t = 0'
set xlabel 'seconds since the agent started'
set ylabel 'pCPU utilisation, node stats (%)'
set yrange [0:110]
set grid
set key outside right
set arrow from 0, graph 0 to 0, graph 1 nohead lw 2 lc rgb 'red'
$MARKS
$PLOT
EOF
PINS=$(jq -s '[.[] | select(.t > '"$T0"') | .pin_changes[]] | length' "$MON")
echo "  pin changes: $PINS; final pCPU stddev (median of the last 5 s): $(rig_final_stddev "$MON" 5)"
echo "  picture: $PNG"
echo "  data:    $AGENT (agent, one JSON object per interval), $MON (rig monitor, per second)"
