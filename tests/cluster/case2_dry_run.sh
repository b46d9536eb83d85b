#!/bin/bash
# Case 2: --dry-run moves nothing. The same hot host as case 1 (h1 four busy guests, h2 one,
# h3 none). `sova controller --dry-run --once` must print the migrations it would start; then
# `--dry-run --json` for 5 intervals must plan migrations in its JSON and start none: every
# host's domain list is unchanged, the watcher never sees a guest change host, every guest keeps
# working.
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_up
case_boot h1:a1:50 h1:a2:50 h1:a3:50 h1:a4:50 h2:b1:50
case_config "$RUN/sova.conf" "threshold = 0.10" "cooldown = 600"
BEFORE_LISTS=$(case_lists)
case_watch_start
sleep 1
case_work_snapshot "$RUN/work0"
"$SOVA" controller --config "$RUN/sova.conf" --interval 2 --dry-run --once > "$RUN/once.out" 2> "$RUN/once.log" 9>&-
ONCE_RC=$?
CTL=$RUN/controller.json
case_controller_start "$CTL" --config "$RUN/sova.conf" --interval 2 --dry-run --json
case_controller_wait "$CTL" 5
case_controller_stop
sleep 1
case_work_snapshot "$RUN/work1"
case_watch_stop
AFTER_LISTS=$(case_lists)

WOULD=$(grep -c '^would ' "$RUN/once.out")
PLANNED=$(jq -s '[.[].plan.actions[]? | select(.action == "migrate")] | length' "$CTL")
STARTED=$(jq -s '[.[].started] | add // 0' "$CTL")
FINISHED=$(jq -s '[.[].finished[]?] | length' "$CTL")
NOT_DRY=$(jq -s '[.[] | select(.dry_run != true)] | length' "$CTL")
echo "$CASE_NAME figures:"
echo "  --once --dry-run (exit status $ONCE_RC) printed:"
sed 's/^/    /' "$RUN/once.out"
echo "  --dry-run --json: $(case_intervals "$CTL") intervals, imbalance per interval: $(case_imbalances "$CTL")"
jq -r '.interval as $i | .plan.actions[]? | "    interval \($i): would migrate \(.vm) \(.from) -> \(.to): \(.reason)"' "$CTL"
echo "  planned migrations (JSON) $PLANNED, started $STARTED, finished $FINISHED"
echo "  placement before: $(echo "$BEFORE_LISTS" | tr '\n' ';')"
echo "  placement after:  $(echo "$AFTER_LISTS" | tr '\n' ';')"
case_expect "--dry-run --once exited 0" eq "$ONCE_RC" 0
case_expect "--dry-run --once printed the migrations it would start" le 1 "$WOULD"
case_expect "--dry-run --json planned migrations" le 1 "$PLANNED"
case_expect "every interval says dry_run" eq "$NOT_DRY" 0
case_expect "it started no migration" eq "$STARTED" 0
case_expect "no migration finished" eq "$FINISHED" 0
case_expect "every host's domain list is unchanged" eq "$BEFORE_LISTS" "$AFTER_LISTS"
for v in $CASE_VMS; do
    case_expect "$v never changed host (watcher)" eq "$(case_moves "$v")" 0
done
case_guests_check "$RUN/work0" "$RUN/work1"
case_expect "the controller exited cleanly" eq "$CASE_CTL_RC" 0
case_end
