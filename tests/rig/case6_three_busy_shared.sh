#!/bin/bash
# Case 6 (issue 18): 3 busy (100 %) 1-vCPU guests on 2 pCPUs, pinned 2 + 1: one-pCPU pins give
# them 50 / 50 / 100 % where the kernel's scheduler gives each 67 %. The agent (default policy)
# must put all three into one shared pin set (every guest allowed on both pCPUs), and then each
# guest's work over WINDOW seconds must be within 10 % of the others' (and Jain's index over
# their work >= 0.98). Precondition: the guests had the pCPUs over the window (>= 80 % of them
# in vCPU time): on a machine busy with other work the kernel shares with that work, unevenly.
# WINDOW is 90 s: how the kernel shares 3 busy tasks over 2 pCPUs wanders over tens of seconds
# (vCPU time per guest, 10-s steps of one quiet run: 3.9 % apart at 40 s, 2.7 % at 90 s, 1.3 % at
# 120 s); at 40 s quiet runs read 2.8-11 %, and one failed CI at 11.0 %.
. "$(dirname "$(readlink -f "$0")")/common.sh"
WINDOW=90
case_boot "busy1 100 0" "busy2 100 0" "busy3 100 1"
case_pin_and_settle 3
case_run 8
case_figures
# the guests' final affinities: every one on every pCPU ("0-1")
all="0-$(( $(rig_npcpus) - 1 ))"
shared=$(rig_affinities "$MON" | awk -v a="$all" '{ n++; if ($2 == a) s++ } END { print (n == 3 && s == 3) ? "ok" : "bad" }')
# work over the window, with the pins the agent left (it does not unpin when it stops)
declare -A W0
count() { rig_work "$1" | tr -d '\r' | awk '{print $2}'; }
vtime() { rig_virsh domstats --vcpu "$RIG_PREFIX$1" | awk -F= '/vcpu.0.time=/ {print $2}'; }
declare -A T0
for g in busy1 busy2 busy3; do W0[$g]=$(count "$g"); T0[$g]=$(vtime "$g"); done
sleep "$WINDOW"
works="" times=""
for g in busy1 busy2 busy3; do
    works="$works $(( $(count "$g") - ${W0[$g]} ))"
    times="$times $(( ($(vtime "$g") - ${T0[$g]}) / 10000000 ))"
done
echo "  vCPU time over ${WINDOW} s (busy1 busy2 busy3, centiseconds):$times"
# the guests must have had the pCPUs (at least 80 % of them): else other work on the machine
# took them, and what is measured is how the kernel shares with that, not among the guests
got=$(echo "$times" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }')
floor=$(( WINDOW * 100 * $(rig_npcpus) * 8 / 10 ))
read -r SPREAD JAIN <<<"$(echo "$works" | awk '{ min = $1; max = $1; s = 0; q = 0
    for (i = 1; i <= NF; i++) { if ($i < min) min = $i; if ($i > max) max = $i; s += $i; q += $i * $i }
    printf "%.3f %.4f\n", (max > 0 ? (max - min) / max : 1), (q > 0 ? s * s / (NF * q) : 0) }')"
echo "  work over ${WINDOW} s (busy1 busy2 busy3):$works; (max - min) / max $SPREAD; Jain $JAIN"
case_expect "precondition: the guests ran $got of >= $floor centiseconds (else the machine is busy with other work)" le "$floor" "$got"
case_expect "all three guests share pCPUs $all" eq "$shared" ok
case_expect "each guest's work within 10 % of the others'" le "$SPREAD" 0.10
case_expect "Jain's index over the guests' work >= 0.98" le 0.98 "$JAIN"
case_end
