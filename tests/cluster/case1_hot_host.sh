#!/bin/bash
# Case 1: one host is hot. h1 runs four busy guests, h2 one, h3 none. `sova controller` must
# live-migrate until h1 serves its guests: h1 loses guests, and the controller converges — no host
# leaves demand unmet (every host's CPU load, time plus run-queue delay, under its pCPUs in each of
# the last three intervals: the sova policy's objective, issue 17), or the imbalance ends under the
# threshold (0.10, the default), or the hosts are within one guest of each other (measured here:
# 2-2-1 guests per host 0.05-0.095, 3-1-1 0.11-0.15; with the sova policy 3-1-1, h1 at 0.94-0.97); every guest keeps running through its migration (one
# boot, a console line every second, a counter that only grows, on exactly one host, one QEMU);
# no guest moves twice within the cooldown (600 s: longer than the case). The controller runs
# until it has migrated and then planned nothing for 4 intervals in a row (at most 30 intervals).
. "$(dirname "$(readlink -f "$0")")/common.sh"
THRESHOLD=0.10
case_up
case_boot h1:a1:50 h1:a2:50 h1:a3:50 h1:a4:50 h2:b1:50
case_config "$RUN/sova.conf" "threshold = $THRESHOLD" "cooldown = 600" "max-per-host = 1" "max-total = 2"
BEFORE_LISTS=$(case_lists)
case_watch_start
sleep 1
case_work_snapshot "$RUN/work0"
CTL=$RUN/controller.json
case_controller_start "$CTL" --config "$RUN/sova.conf" --interval 2 --json
# until it migrated and then was quiet (nothing in flight, nothing planned) for 4 intervals
for _ in $(seq 30); do
    n=$(case_intervals "$CTL")
    case_controller_wait "$CTL" $((n + 1))
    done_ok=$(jq -s '[.[].finished[]? | select(.ok)] | length' "$CTL")
    quiet=$(jq -s '.[-4:] | map(select(.in_flight == 0 and .started == 0 and (.plan.actions | length) == 0)) | length' "$CTL")
    [ "$done_ok" -ge 1 ] && [ "$quiet" -ge 4 ] && break
done
case_controller_stop
case_work_snapshot "$RUN/work1"
sleep 3
case_work_snapshot "$RUN/work2"
case_watch_stop
AFTER_LISTS=$(case_lists)

IMB=$(case_imbalances "$CTL")
QUIET=$(jq -s '.[-4:] | map(select(.in_flight == 0 and .started == 0 and (.plan.actions | length) == 0)) | length' "$CTL")
FIRST=$(jq -s '.[0].imbalance' "$CTL")
FINAL=$(jq -s '[.[-3:][] | .imbalance] | sort | .[(length/2|floor)]' "$CTL")
OK=$(jq -s '[.[].finished[]? | select(.ok)] | length' "$CTL")
FAILED=$(jq -s '[.[].finished[]? | select(.ok | not)] | length' "$CTL")
TWICE=$(jq -s '[.[].finished[]? | select(.ok) | .vm] | group_by(.) | map(select(length > 1)) | length' "$CTL")
H1=$(cl_virsh h1 list --name | grep -c .)
COUNTS=$(for h in $(cl_hosts); do cl_virsh "$h" list --state-running --name | grep -c .; done | tr '\n' ' ')
SPREAD=$(echo "$COUNTS" | awk '{ mn = $1; mx = $1; for (i = 2; i <= NF; i++) { if ($i < mn) mn = $i; if ($i > mx) mx = $i } print mx - mn }')
echo "$CASE_NAME figures:"
echo "  placement before: $(echo "$BEFORE_LISTS" | tr '\n' ';')"
echo "  placement after:  $(echo "$AFTER_LISTS" | tr '\n' ';')"
echo "  intervals: $(case_intervals "$CTL"); imbalance per interval: $IMB"
echo "  imbalance before $FIRST, after (median of the last 3) $FINAL, threshold $THRESHOLD"
echo "  migrations: $OK ok, $FAILED failed (controller exit status $CASE_CTL_RC)"
case_migrations "$CTL"
echo "  guests per host now: $COUNTS"
case_expect "the controller migrated at least one guest" le 1 "$OK"
case_expect "no migration failed" eq "$FAILED" 0
SERVED=$(jq -s '[.[-3:][] | .cluster.hosts[] | select(.up and .cpu >= 1)] | length' "$CTL")
HOTTEST=$(jq -s '[.[-3:][] | .cluster.hosts[] | .cpu] | max' "$CTL")
echo "  largest host CPU load over the last 3 intervals: $HOTTEST"
converged() { [ "$SERVED" = 0 ] || lt "$FINAL" "$THRESHOLD" || le "$SPREAD" 1; }
case_expect "the imbalance went down" lt "$FINAL" "$FIRST"
case_expect "the hot host h1 gave guests away" lt "$H1" 4
case_expect "it converged: no host left demand unmet (largest CPU load $HOTTEST < 1), or imbalance under the threshold ($FINAL < $THRESHOLD), or hosts within one guest ($COUNTS)" converged
case_expect "it ended planning nothing" eq "$QUIET" 4
case_expect "the controller reported no guest migrated twice" eq "$TWICE" 0
for v in $CASE_VMS; do
    case_expect "$v moved at most once (watcher)" le "$(case_moves "$v")" 1
done
while read -r v to; do
    case_expect "$v runs on $to, where the controller said it migrated it" eq "$(cl_where "$v")" "$to"
done < <(jq -r '.finished[]? | select(.ok) | "\(.vm) \(.to)"' "$CTL")
case_guests_check "$RUN/work0" "$RUN/work2"
for v in $CASE_VMS; do
    c1=$(awk -v v="$v" '$1 == v {print $3}' "$RUN/work1"); c2=$(awk -v v="$v" '$1 == v {print $3}' "$RUN/work2")
    case_expect "$v still works after the controller stopped" gt "${c2:-0}" "${c1:-0}"
done
case_expect "no leaving mark was left behind to clean up" eq "$(grep -c 'stale leaving mark' "$CTL.log")" 0
case_expect "the controller exited cleanly" eq "$CASE_CTL_RC" 0
case_end
