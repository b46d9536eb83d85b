#!/bin/bash
# real_cpu.sh — the real-VM cpu benchmark (`make bench`, real-VM part): side by side, in one run,
# on the same guests and the same workload mixes:
#   cfs      Linux CFS with the VMs unpinned, no agent (what a user gets without sova)
#   zigzag   sova agent --cpu-policy zigzag   (the seed's algorithm)
#   lpt      sova agent --cpu-policy lpt
#   balance  sova agent --cpu-policy balance  (the default)
# Mixes (1-vCPU guests): all-busy (4 at 100 %), heavy-light (2 at 100 %, 2 at 50 %),
# three-busy (3 at 100 % on 2 pCPUs: pCPU balance and VM fairness disagree here).
#
# Each mix boots its guests once; every run starts from the same state (all VMs unpinned, settled
# for SETTLE s) and lasts --seconds. Figures per run: total guest work (sum of the guests' work
# counter rates) relative to the CFS run of the same mix, Jain's fairness index over the guests'
# work rates, median pCPU stddev (node stats, rig monitor), intervals until the agent first
# measured stddev <= 5, the interval of its last pin change, and the pin changes libvirt showed.
# It is a benchmark: it asserts nothing. Machine noise matters; compare ratios within one run.
#
# usage: bench/real_cpu.sh [--build DIR] [--seconds S] [--mixes LIST] [--policies LIST]
#                          [--start unpinned|pcpu0] [--json]
#        defaults: build, 30, all-busy,heavy-light,three-busy, cfs,zigzag,lpt,balance, unpinned
#        --start pcpu0: the agent runs start with every VM pinned to pCPU0 (the cfs run stays
#        unpinned), to see how each policy recovers from a bad placement
#        (3 mixes x 4 runs x 30 s: about 8 minutes)
set -u
. "$(dirname "$(readlink -f "$0")")/../rig/lib.sh"
RIG_PREFIX=${SOVA_RIG_PREFIX:-sova-rig-}bench-
BUILD=build SECS=30 JSON=0 START=unpinned SETTLE=${BENCH_SETTLE:-4}
MIXES=all-busy,heavy-light,three-busy
POLICIES=cfs,zigzag,lpt,balance
while [ $# -gt 0 ]; do
    case $1 in
    --build) BUILD=$2; shift ;;
    --seconds) SECS=$2; shift ;;
    --mixes) MIXES=$2; shift ;;
    --policies) POLICIES=$2; shift ;;
    --start) START=$2; shift ;;
    --json) JSON=1 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
rig_init "$BUILD"
rig_setup_traps
RESULTS=$RIG_RUN/results.jsonl
note() { [ $JSON = 1 ] && echo "$*" >&2 || echo "$*"; }

# mix_vms MIX: "name duty" lines
mix_vms() {
    case $1 in
    all-busy)    printf '%s\n' "b1 100" "b2 100" "b3 100" "b4 100" ;;
    heavy-light) printf '%s\n' "h1 100" "h2 100" "l1 50" "l2 50" ;;
    three-busy)  printf '%s\n' "b1 100" "b2 100" "b3 100" ;;
    *) rig_die "unknown mix $1" ;;
    esac
}

# work_snapshot: "vm guest_seconds count" for every VM of the mix
work_snapshot() { for v in $VMS; do echo "$v $(rig_work "$v")"; done; }

# run_one MIX POLICY: one measured run on the booted guests; appends a JSON line to RESULTS
run_one() {
    mix=$1 policy=$2
    pin=all
    [ "$START" = pcpu0 ] && [ "$policy" != cfs ] && pin=0
    for v in $VMS; do rig_vm_pin "$v" "$pin"; done
    sleep "$SETTLE"
    mon=$RIG_RUN/$mix-$policy.monitor.json
    agent=$RIG_RUN/$mix-$policy.agent.json
    rig_monitor_start "$mon"
    sleep 1.1
    w0=$(work_snapshot)
    t0=$(date +%s.%N)
    if [ "$policy" = cfs ]; then
        : > "$agent"
        sleep "$SECS"
    else
        rig_agent_start "$agent" --cpu-policy "$policy"
        t0=$RIG_AGENT_T0
        sleep "$SECS"
        rig_agent_stop
    fi
    w1=$(work_snapshot)
    sleep 1.1
    rig_monitor_stop
    rates=$(join <(echo "$w0" | sort) <(echo "$w1" | sort) |
            awk '{ ds = $4 - $2; printf "%.0f ", (ds > 0) ? ($5 - $3) / ds : 0 }')
    jq -n -c --arg mix "$mix" --arg policy "$policy" --arg rates "$rates" \
        --argjson pins "$(rig_pin_changes "$mon" "$t0")" \
        --argjson stddev "$(jq -s --argjson t0 "$t0" '[.[] | select(.t > $t0 + 2) | .node_stddev] | sort | .[(length/2|floor)] // null' "$mon")" \
        --slurpfile a "$agent" '
        ($rates | split(" ") | map(select(length > 0) | tonumber)) as $r |
        { mix: $mix, policy: $policy, rates: $r, work: ($r | add),
          jain: (if ($r | map(. * .) | add) > 0 then (($r | add) * ($r | add)) / (($r | length) * ($r | map(. * .) | add)) else 0 end),
          stddev: $stddev, pin_changes: $pins,
          intervals: ($a | length),
          executed: ([$a[] | .executed + (.takeover.executed // 0)] | add // 0),
          balanced_at: ([$a[] | select(.stddev <= 5) | .interval] | first // null),
          last_pin_at: ([$a[] | select(.executed + (.takeover.executed // 0) > 0) | .interval] | last // null) }' >> "$RESULTS"
    note "  $(tail -n 1 "$RESULTS" | jq -r '"\(.policy): work \(.work / 1e6 | round) M/s, Jain \(.jain * 1000 | round / 1000), stddev \(.stddev), pin changes \(.pin_changes)"')"
}

case $START in unpinned|pcpu0) ;; *) rig_die "--start unpinned|pcpu0" ;; esac
note "real-VM cpu benchmark: mixes $MIXES; runs $POLICIES; $SECS s each; agent runs start $START"
rig_libvirtd_up
rig_image
rig_virt_type
for mix in ${MIXES//,/ }; do
    VMS=$(mix_vms "$mix" | awk '{print $1}' | tr '\n' ' ')
    note "mix $mix: booting $(echo $VMS | wc -w) VMs ($RIG_VIRT) ..."
    while read -r v duty; do rig_vm_create "$v" "$duty"; done < <(mix_vms "$mix")
    rig_vms_wait_ready 120
    for p in ${POLICIES//,/ }; do run_one "$mix" "$p"; done
    for v in $VMS; do rig_vm_destroy "$RIG_PREFIX$v"; done
done

# the table: ratios against the CFS run of the same mix
TABLE=$(jq -s '
    group_by(.mix) | map(
        (map(select(.policy == "cfs")) | first) as $cfs |
        .[] | . + { work_vs_cfs: (if $cfs and $cfs.work > 0 then .work / $cfs.work else null end) })' "$RESULTS")
if [ $JSON = 1 ]; then
    echo "$TABLE" | jq '{ seconds_per_run: '"$SECS"', start: "'"$START"'", virt: "'"$RIG_VIRT"'", runs: . }'
else
    echo
    printf '%-12s %-8s %9s %6s %7s %9s %8s %5s\n' mix policy work/CFS Jain stddev balanced last-pin pins
    echo "$TABLE" | jq -r '.[] | [.mix, .policy,
        (if .work_vs_cfs then (.work_vs_cfs * 1000 | round / 1000 | tostring) else "-" end),
        (.jain * 1000 | round / 1000 | tostring),
        (if .stddev then (.stddev * 10 | round / 10 | tostring) else "-" end),
        (if .policy == "cfs" then "-" else (.balanced_at // "never" | tostring) end),
        (if .policy == "cfs" then "-" else (.last_pin_at // "none" | tostring) end),
        (.pin_changes | tostring)] | @tsv' |
        while IFS=$'\t' read -r a b c d e f g h; do
            printf '%-12s %-8s %9s %6s %7s %9s %8s %5s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h"
        done
    echo "(work/CFS: total guest work vs the CFS run of the same mix; Jain over the guests' work;"
    echo " stddev: median pCPU stddev from node stats; balanced / last-pin: agent interval of its first"
    echo " stddev <= 5 and of its last pin change; pins: pin changes libvirt showed. ${SECS} s per run;"
    echo " agent runs start $START, the cfs run unpinned.)"
fi
