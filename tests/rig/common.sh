# common.sh — shared steps of the real-VM scheduler cases (sourced by tests/rig/case*.sh).
#
# A case boots its 1-vCPU guests in parallel (once), sets their initial pinning, starts the rig's
# monitor, runs `sova agent --json --interval 1` for a number of intervals, stops everything and
# then judges from two sources: the agent's own per-interval JSON (its stddev from node stats, the
# actions it executed) and the monitor's independent record (node-stats stddev, and the pin
# changes libvirt actually shows). Every case prints its figures before it judges, so a failure
# says why. Exit 77 (meson: skipped) when this machine cannot run real VMs at all.
set -u
CASE_NAME=$(basename "$0" .sh)
. "${SOVA_SRC:-$(dirname "$(readlink -f "$0")")/../..}/rig/lib.sh"

[ "$(id -u)" = 0 ] || { echo "$CASE_NAME: skipped: needs root"; exit 77; }
for t in libvirtd virsh qemu-system-x86_64; do
    command -v $t >/dev/null || { echo "$CASE_NAME: skipped: $t not installed"; exit 77; }
done
RIG_PREFIX=${SOVA_RIG_PREFIX:-sova-rig-}$(echo "$CASE_NAME" | cut -d_ -f1)-
rig_init "${SOVA_BUILD_DIR:-build}"
rig_setup_traps
CASE_FAIL=0

# case_boot "NAME DUTY PIN" ...: boot the guests, pin them (PIN "all" = unpinned), let them settle.
case_boot() {
    rig_libvirtd_up
    rig_image
    rig_virt_type
    CASE_SPECS=("$@")
    for spec in "${CASE_SPECS[@]}"; do set -- $spec; rig_vm_create "$1" "$2"; done
    rig_vms_wait_ready 90
}

# case_pin_and_settle: apply each spec's initial pinning, then wait SETTLE seconds.
case_pin_and_settle() {
    settle=${1:-3}
    for spec in "${CASE_SPECS[@]}"; do set -- $spec; rig_vm_pin "$1" "$3"; done
    sleep "$settle"
}

# case_run INTERVALS AGENT_ARGS...: monitor + agent for INTERVALS intervals, then stop both.
case_run() {
    n=$1; shift
    MON=$RIG_RUN/monitor.json
    AGENT=$RIG_RUN/agent.json
    rig_monitor_start "$MON"
    sleep 1.2
    rig_agent_start "$AGENT" "$@"
    [ -n "${CASE_SCRAPE:-}" ] && case_scrape_start
    rig_agent_wait_intervals "$AGENT" "$n"
    rig_agent_stop
    [ -n "${CASE_SCRAPE:-}" ] && case_scrape_stop
    sleep 1.2                               # one more monitor second sees the last pins
    rig_monitor_stop
    T0=$RIG_AGENT_T0
    # the monitor's view of the second before the agent started (the starting imbalance)
    BEFORE=$(jq -s --argjson t0 "$T0" '[.[] | select(.t <= $t0)] | last | .node_stddev // -1' "$MON")
    BEFORE_UTIL=$(jq -r -s --argjson t0 "$T0" '[.[] | select(.t <= $t0)] | last | .node // [] | map(tostring) | join(" / ")' "$MON")
    INTERVALS=$(grep -c '^{' "$AGENT")
    # executed: each interval's plan, and the first's take-over (cpu_takeover.h) with it
    EXECUTED=$(jq -s '[.[] | .executed + (.takeover.executed // 0)] | add // 0' "$AGENT")
    OBSERVED=$(rig_pin_changes "$MON" "$T0")
    # first agent interval whose measured pCPU stddev is within the target (none: 0)
    BALANCED_AT=$(jq -s '[.[] | select(.stddev <= 5) | .interval] | first // 0' "$AGENT")
    # (the take-over came before interval 1 measured anything: never "from the balanced on")
    AFTER=$(jq -s --argjson k "$BALANCED_AT" '[.[] | select($k > 0 and .interval >= $k) | .executed] | add // 0' "$AGENT")
    FINAL_AGENT=$(jq -s '[.[-5:][] | .stddev] | sort | .[(length/2|floor)] * 100 | round / 100' "$AGENT")
    FINAL_MON=$(rig_final_stddev "$MON" 5)
    STDDEVS=$(jq -r -s '[.[] | .stddev * 10 | round / 10] | map(tostring) | join(" ")' "$AGENT")
}

# case_scrape_start: with CASE_SCRAPE set (and the agent given --metrics-listen), scrape its
# /metrics with curl every 0.25 s into $SCRAPES, one line per scrape:
# "TIME INTERVALS UTIL_PCPU0 UTIL_PCPU1 ..." (utilisation in %, from sova_pcpu_utilisation_ratio)
case_scrape_start() {
    SCRAPES=$RIG_RUN/scrapes.txt
    : > "$SCRAPES"
    (
        url=""
        while :; do
            [ -n "$url" ] || url=$(sed -n 's/.*metrics: serving \(http[^ ]*\).*/\1/p' "$AGENT.log")
            [ -n "$url" ] && curl -sf "$url" | awk -v t="$(date +%s.%N)" '
                /^sova_agent_intervals_total / { k = $2 }
                /^sova_pcpu_utilisation_ratio\{/ { match($0, /cpu="[0-9]+"/)
                    u[substr($0, RSTART + 5, RLENGTH - 6) + 0] = $NF * 100; n++ }
                END { if (k != "") { printf "%s %d", t, k; for (i = 0; i < n; i++) printf " %.1f", u[i]; print "" } }' >> "$SCRAPES"
            sleep 0.25
        done
    ) 9>&- &
    CASE_SCRAPER_PID=$!
    RIG_PIDS="$RIG_PIDS $CASE_SCRAPER_PID"
}
case_scrape_stop() { rig_bg_stop "${CASE_SCRAPER_PID:-}" scraper; CASE_SCRAPER_PID=""; }

# case_figures: print what was measured.
case_figures() {
    echo "$CASE_NAME figures:"
    echo "  before the agent (monitor): pCPU util $BEFORE_UTIL %, stddev $BEFORE"
    echo "  intervals run:              $INTERVALS"
    echo "  agent stddev per interval:  $STDDEVS"
    echo "  intervals to balance:       $BALANCED_AT   (first interval with stddev <= 5; 0 = never)"
    echo "  final stddev (median of last 5): agent $FINAL_AGENT, monitor $FINAL_MON"
    echo "  pin changes: agent executed $EXECUTED, monitor observed $OBSERVED, executed from the balanced interval on $AFTER"
    jq -r -s '.[] | .interval as $i | (.takeover.plan.actions[]? | "    take-over (interval \($i)): \(.vm) vcpu \(.vcpu) \(.from) -> \(.to_set // .to): \(.reason)"),
        (.plan.actions[]? | "    interval \($i): \(.vm) vcpu \(.vcpu) \(.from) -> \(.to_set // .to): \(.reason)")' "$AGENT"
    echo "  final affinities (monitor):"
    rig_affinities "$MON" | sed 's/^/    /'
}

# case_expect DESCRIPTION CONDITION...: record a failure (the case goes on to print everything).
case_expect() {
    d=$1; shift
    if "$@"; then echo "  ok:   $d"; else echo "  FAIL: $d"; CASE_FAIL=1; fi
}

le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
eq() { [ "$1" = "$2" ]; }

case_end() {
    [ $CASE_FAIL = 0 ] && echo "$CASE_NAME: PASS" || echo "$CASE_NAME: FAIL"
    exit $CASE_FAIL
}
