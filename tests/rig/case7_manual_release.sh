#!/bin/bash
# Case 7 (issue 14): an operator's VM and the hand-back. "manual" (100 %) is pinned by its
# operator to pCPU 0 and says cpu='manual' in its metadata; "a" and "b" (20 % each) start on
# pCPU 0 too, so pCPU 0 is overloaded and pCPU 1 idle. The agent (15 intervals) must take a
# and b under management (pins or shares: the policy's call, printed) and never touch
# "manual" (no action planned for it, its pin still pCPU 0). Then, the agent stopped,
# `sova release --vm` for each guest must leave no sova pin (a and b may run on every pCPU
# again), keep the operator's pin, and remove sova's metadata.
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_boot "manual 100 0" "a 20 0" "b 20 0"
rig_virsh metadata "${RIG_PREFIX}manual" https://sova.dev/xmlns/vm/1 --key sova --live \
    --set "<vm cpu='manual'/>" || rig_die "cannot set the metadata"
case_pin_and_settle 3
case_run 15
case_figures
MANUAL=${RIG_PREFIX}manual
# what the agent planned and carried out: each interval's plan and the first's take-over
TOUCHED=$(jq -s --arg v "$MANUAL" '[.[] | .plan.actions[]?, .takeover.plan.actions[]? | select(.vm == $v)] | length' "$AGENT")
acted() { jq -s --arg v "$RIG_PREFIX$1" '[.[] | .results[]?, .takeover.results[]? | select(.vm == $v and .outcome == "done")] | length' "$AGENT"; }
ACT_A=$(acted a); ACT_B=$(acted b)
pin_of() { rig_virsh vcpupin "$1" --live | awk '$1 == "0" || $1 == "0:" {print $2}'; }
BEFORE_RELEASE="$(pin_of "$MANUAL") $(pin_of "${RIG_PREFIX}a") $(pin_of "${RIG_PREFIX}b")"
ALL="0-$(( $(rig_npcpus) - 1 ))"
for v in manual a b; do
    "$RIG_SOVA" release --connect "$RIG_URI" --vm "$RIG_PREFIX$v" >> "$RIG_RUN/release.out" 2>&1 9>&-
    echo "rc $?" >> "$RIG_RUN/release.out"
done
AFTER_RELEASE="$(pin_of "$MANUAL") $(pin_of "${RIG_PREFIX}a") $(pin_of "${RIG_PREFIX}b")"
META=0
for v in manual a b; do
    for ns in vm/1 agent/1 controller/1; do
        rig_virsh metadata "$RIG_PREFIX$v" "https://sova.dev/xmlns/$ns" >/dev/null 2>&1 && META=$((META + 1))
    done
done
echo "  actions the agent planned for $MANUAL: $TOUCHED; carried out for a: $ACT_A, b: $ACT_B"
echo "  vCPU 0 pins (manual a b) before release: $BEFORE_RELEASE; after: $AFTER_RELEASE (every pCPU: $ALL)"
echo "  sova release:"; sed 's/^/    /' "$RIG_RUN/release.out"
echo "  sova metadata elements left: $META"
case_expect "the agent planned nothing for the cpu='manual' guest" eq "$TOUCHED" 0
case_expect "the cpu='manual' guest kept its operator's pin (pCPU 0)" eq "$(echo "$BEFORE_RELEASE" | cut -d' ' -f1)" 0
case_expect "the agent took a under management (actions carried out)" le 1 "$ACT_A"
case_expect "the agent took b under management (actions carried out)" le 1 "$ACT_B"
case_expect "release exited 0 for every guest" eq "$(grep -c '^rc 0$' "$RIG_RUN/release.out")" 3
case_expect "release left no sova pin (a, b on every pCPU) and the operator's pin" \
    eq "$AFTER_RELEASE" "0 $ALL $ALL"
case_expect "release left no sova metadata" eq "$META" 0
case_end
