#!/bin/bash
# Case 6 (issue 14): recommendations an operator applies, and a keep-together pair. h1 runs
# four busy guests (h1 then leaves demand unmet, which the sova policy acts on: each works
# 65 % of the time, so h1 is clearly over its two pCPUs — at 50 % it read exactly full, 0.014
# of a host unmet, within the burst model's noise, and --recommend rightly planned nothing) — a1 and a2
# kept together (together='db'), a3 and a4 never migrated (migrate='no'): only the pair can
# relieve h1 — h2 one, h3 none. `sova controller --recommend` must write a plan and move
# nothing; the plan moves the pair whole (both to one host) or not at all. `sova apply --yes`
# must carry out the plan's migrations: each guest ends where the plan said, the pair on one
# host. Applying the same plan again (its VMs moved meanwhile) must refuse every action as
# stale, with exit status 1, and move nothing.
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_up
case_boot h1:a1:65 h1:a2:65 h1:a3:65 h1:a4:65 h2:b1:50
for v in a1 a2; do
    cl_virsh h1 metadata "${CL_PREFIX}$v" https://sova.dev/xmlns/vm/1 --key sova --live --config \
        --set "<vm together='db'/>" || { echo "$CASE_NAME: FAIL: metadata"; exit 1; }
done
for v in a3 a4; do
    cl_virsh h1 metadata "${CL_PREFIX}$v" https://sova.dev/xmlns/vm/1 --key sova --live --config \
        --set "<vm migrate='no'/>"
done
case_config "$RUN/sova.conf" "threshold = 0.10" "cooldown = 600" "max-per-host = 1" "max-total = 2"
PLAN=$RUN/plan.json
BEFORE_LISTS=$(case_lists)
case_watch_start
sleep 1
case_work_snapshot "$RUN/work0"

"$SOVA" controller --config "$RUN/sova.conf" --interval 2 --recommend --output "$PLAN" \
    > "$RUN/recommend.out" 2> "$RUN/recommend.log" 9>&-
REC_RC=$?
sleep 1
RECOMMEND_LISTS=$(case_lists)
N=$(jq '.actions | length' "$PLAN" 2>/dev/null || echo 0)
PAIR=$(jq -r --arg a "${CL_PREFIX}a1" --arg b "${CL_PREFIX}a2" \
    '[.actions[] | select(.vm == $a or .vm == $b) | .to] | "\(length) \(unique | length)"' "$PLAN")

"$SOVA" apply "$PLAN" --config "$RUN/sova.conf" --yes --interval 1 > "$RUN/apply.out" 2> "$RUN/apply.log" 9>&-
APPLY_RC=$?
APPLIED_LISTS=$(case_lists)
"$SOVA" apply "$PLAN" --config "$RUN/sova.conf" --yes --interval 1 > "$RUN/again.out" 2> "$RUN/again.log" 9>&-
AGAIN_RC=$?
sleep 1
case_work_snapshot "$RUN/work1"
case_watch_stop
AGAIN_LISTS=$(case_lists)

STALE=$(grep -c 'refused .*the plan is stale for it' "$RUN/again.out")
DONE=$(grep -c '^  done ' "$RUN/apply.out")
echo "$CASE_NAME figures:"
echo "  --recommend (exit status $REC_RC): $(tail -n 1 "$RUN/recommend.log")"
jq -r '.actions[] | "    plan: migrate \(.vm) \(.from) -> \(.to): \(.reason); expected \(.expected.imbalance_before * 1000 | round / 1000) -> \(.expected.imbalance_after * 1000 | round / 1000), cost \(.cost_s * 10 | round / 10) s"' "$PLAN"
echo "  the pair in the plan (moves, destinations): $PAIR"
echo "  apply (exit status $APPLY_RC):"; sed 's/^/    /' "$RUN/apply.out"
echo "  apply again (exit status $AGAIN_RC):"; sed 's/^/    /' "$RUN/again.out"
echo "  placement before:    $(echo "$BEFORE_LISTS" | tr '\n' ';')"
echo "  after --recommend:   $(echo "$RECOMMEND_LISTS" | tr '\n' ';')"
echo "  after apply:         $(echo "$APPLIED_LISTS" | tr '\n' ';')"
echo "  after apply again:   $(echo "$AGAIN_LISTS" | tr '\n' ';')"
case_expect "--recommend exited 0" eq "$REC_RC" 0
case_expect "--recommend wrote a plan with migrations" le 1 "$N"
case_expect "--recommend moved nothing (every host's domain list unchanged)" eq "$BEFORE_LISTS" "$RECOMMEND_LISTS"
case_expect "the plan moves the keep-together pair whole (2 moves, 1 destination) or not at all" \
    eval '[ "$PAIR" = "2 1" ] || [ "$PAIR" = "0 0" ]'
case_expect "apply exited 0" eq "$APPLY_RC" 0
case_expect "apply carried out every migration of the plan" eq "$DONE" "$N"
while read -r v to; do
    case_expect "$v runs on $to, as the plan said" eq "$(cl_where "$v")" "$to"
done < <(jq -r '.actions[] | "\(.vm) \(.to)"' "$PLAN")
case_expect "a1 and a2 are on one host" eq "$(cl_where "${CL_PREFIX}a1")" "$(cl_where "${CL_PREFIX}a2")"
case_expect "a3 (migrate='no') stayed on h1" eq "$(cl_where "${CL_PREFIX}a3")" h1
case_expect "a4 (migrate='no') stayed on h1" eq "$(cl_where "${CL_PREFIX}a4")" h1
case_expect "the same plan again: every action refused as stale" eq "$STALE" "$N"
case_expect "the same plan again: exit status 1" eq "$AGAIN_RC" 1
case_expect "the same plan again moved nothing" eq "$APPLIED_LISTS" "$AGAIN_LISTS"
for v in $CASE_VMS; do
    case_expect "$v moved at most once (watcher)" le "$(case_moves "$v")" 1
done
case_guests_check "$RUN/work0" "$RUN/work1"
case_end
