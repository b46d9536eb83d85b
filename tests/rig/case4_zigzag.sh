#!/bin/bash
# Case 4: case 2 (4 busy guests all pinned to pCPU0) with --cpu-policy zigzag, the seed's
# algorithm: it must balance too (final stddev <= 5); its pin changes are recorded and printed.
# Meanwhile its Prometheus endpoint (--metrics-listen) is scraped with curl: the pCPU
# utilisation it serves must match the rig monitor's (its own reading of libvirt's node
# stats, rig/monitor.c) before the balance (pCPU 0 full, pCPU 1 idle; within 20 points over
# the agent's half-second first window) and after it (both busy; within 10 points). Here, not
# in case 2: zigzag has no take-over, so its first interval still sees the stacked layout.
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_boot "a 100 0" "b 100 0" "c 100 0" "d 100 0"
case_pin_and_settle 3
CASE_SCRAPE=1
case_run 15 --cpu-policy zigzag --metrics-listen 127.0.0.1:0
case_figures
# before: the scrape after interval 1 (the pins not yet changed) against the monitor's
# one-second record nearest in time to the end of that interval (between the last scrape
# that saw 0 intervals and the first that saw 1), from before the first pin change the
# monitor saw
FIRST_PIN_T=$(jq -s --argjson t0 "$T0" '[.[] | select(.t > $t0 and (.pin_changes | length) > 0) | .t] | first // 1e12' "$MON")
SCRAPE_T=$(awk '$2 == 0 { a = $1 } $2 == 1 { printf "%.3f\n", a ? (a + $1) / 2 : $1 - 0.125; exit }' "$SCRAPES")
SCRAPE_BEFORE=$(awk '$2 == 1 { $1 = ""; $2 = ""; print; exit }' "$SCRAPES" | xargs)
MON_BEFORE=$(jq -r -s --argjson ts "${SCRAPE_T:-0}" --argjson t1 "$FIRST_PIN_T" '[.[] | select(.t < $t1)] |
    min_by((.t - $ts) | fabs) // {} | .node // [] | map(tostring) | join(" ")' "$MON")
# after: the medians of the last 5 scrapes and of the monitor's last 5 records, per pCPU
MON_AFTER=$(jq -r -s '[.[-5:][] | .node] | transpose | map(sort | .[2] * 10 | round / 10) | map(tostring) | join(" ")' "$MON")
SCRAPE_AFTER=$(n=$(tail -n 1 "$SCRAPES" | awk '{ print NF }'); for i in $(seq 3 "${n:-2}"); do
    tail -n 5 "$SCRAPES" | awk -v i="$i" '{ print $i }' | sort -n | sed -n 3p; done | xargs)
# the largest difference per pCPU between two "u0 u1 ..." lists; 999 when either is missing
maxdiff() { awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); m = split(b, y, " ")
    if (n == 0 || n != m) { print 999; exit } d = 0
    for (i = 1; i <= n; i++) { e = x[i] - y[i]; if (e < 0) e = -e; if (e > d) d = e } print d }'; }
echo "  scraped pCPU utilisation % (sova_pcpu_utilisation_ratio): before balance [$SCRAPE_BEFORE], after [$SCRAPE_AFTER]"
echo "  monitor pCPU utilisation %:                              before balance [$MON_BEFORE], after [$MON_AFTER]"
echo "  scrapes: $(wc -l < "$SCRAPES")"
# before, within 20 points: the agent's interval 1 is its first wait (SOVA_AGENT_FIRST_WAIT,
# 0.5 s), which holds its own and libvirtd's start-up work and reads clock ticks to +-2
# points, against the monitor's nearest whole second (fresh clones read the idle pCPU at
# 9.8-14 % against the monitor's 1-2 %); a metric off by a pCPU or by a scale is off by 50+
case_expect "scraped pCPU utilisation matches the monitor's within 20 points before the balance (a half-second window)" le "$(maxdiff "$SCRAPE_BEFORE" "$MON_BEFORE")" 20
case_expect "  ... and after it" le "$(maxdiff "$SCRAPE_AFTER" "$MON_AFTER")" 10
case_expect "precondition: the pCPUs were unbalanced before the agent (monitor stddev > 20; else the machine is busy with other work)" le 20 "$BEFORE"
case_expect "it balances (some interval with stddev <= 5)" le 1 "$BALANCED_AT"
case_expect "final stddev <= 5 (agent)" le "$FINAL_AGENT" 5
case_expect "final stddev <= 5 (monitor)" le "$FINAL_MON" 5
case_expect "libvirt shows pin changes only when the agent executed some" le "$OBSERVED" "$EXECUTED"
case_end
