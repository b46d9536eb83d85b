#!/bin/bash
# Case 4: SIGTERM twice to the controller in the middle of a migration (issue 16 item 7). h1 runs
# four busy guests (h1 then leaves demand unmet, which the sova policy acts on), h2 one, h3 none;
# the migration bandwidth is capped at 4 MiB/s, with no migration timeout and one migration at a
# time, so the first migration (128 MiB of guest) lasts half a minute or more. As soon as its guest shows up on its destination (paused: the incoming
# side), the controller gets a SIGTERM (by PID): it must keep running, say it is waiting for the
# migration (drain-timeout 600 s: longer than the case), and start nothing more. A second SIGTERM
# must abort the job (virDomainAbortJob) and the controller exit promptly with status 0. Then: the
# guest runs on its source and nowhere else, no migration job is left on the source, no leaving
# mark in its metadata, the destination has no trace of it, and every guest kept running (one
# boot, every second on its console, one QEMU).
. "$(dirname "$(readlink -f "$0")")/common.sh"
CTL_NS=https://sova.dev/xmlns/controller/1
PROMPT_S=20                   # "promptly": an abort takes a second or two, the migration 30+ s
case_up
case_boot h1:a1:50 h1:a2:50 h1:a3:50 h1:a4:50 h2:b1:50
case_config "$RUN/sova.conf" "threshold = 0.10" "cooldown = 600" "backoff = 600" \
    "bandwidth = 4" "timeout = 0" "max-per-host = 1" "max-total = 1" "drain-timeout = 600"
case_lists_before
case_watch_start
sleep 1
case_work_snapshot "$RUN/work0"
CTL=$RUN/controller.json
case_controller_start "$CTL" --config "$RUN/sova.conf" --interval 2 --json

# the first migration: its guest, source and destination (DEST lists a guest it did not have)
case_wait_first_migration "$CTL"
STATE_DEST=$(cl_virsh "$DEST" domstate "$VM" 2>/dev/null | head -n 1)
N_TERM=$(case_intervals "$CTL")

# the first SIGTERM: it drains (waits), it does not exit, it starts nothing more
kill -TERM "$CASE_CTL_PID"
T1=$(date +%s.%N)
sleep 4
ALIVE_AFTER_1=no; rig_pid_alive "$CASE_CTL_PID" && ALIVE_AFTER_1=yes
WAITING=$(grep -c "stopping: waiting for 1 migration(s) in flight (at most 600 s" "$CTL.log")
STILL_ON_DEST=$(cl_virsh "$DEST" list --all --name 2>/dev/null | grep -cx "$VM")
JOB_AFTER_1=$(cl_virsh "$SRC" domjobinfo "$VM" 2>/dev/null | awk -F: '/^Job type/ {gsub(/ /, "", $2); print $2}')
INTERVALS_AFTER_1=$(( $(case_intervals "$CTL") - N_TERM ))

# the second SIGTERM: abort, exit promptly
kill -TERM "$CASE_CTL_PID"
T2=$(date +%s.%N)
for _ in $(seq $((PROMPT_S * 10 + 100))); do rig_pid_alive "$CASE_CTL_PID" || break; sleep 0.1; done
T3=$(date +%s.%N)
EXITED=no; rig_pid_alive "$CASE_CTL_PID" || EXITED=yes
rig_stop_pid "$CASE_CTL_PID" controller
wait "$CASE_CTL_PID"; CTL_RC=$?
CASE_PIDS=$(echo "$CASE_PIDS" | tr ' ' '\n' | grep -vx "$CASE_CTL_PID" | tr '\n' ' ')
EXIT_S=$(awk -v a="$T2" -v b="$T3" 'BEGIN { printf "%.1f", b - a }')
DRAIN_S=$(awk -v a="$T1" -v b="$T2" 'BEGIN { printf "%.1f", b - a }')
case_work_snapshot "$RUN/work1"
sleep 3
case_work_snapshot "$RUN/work2"
case_watch_stop

JOB=$(cl_virsh "$SRC" domjobinfo "$VM" 2>/dev/null | awk -F: '/^Job type/ {gsub(/ /, "", $2); print $2}')
MARKS=$(cl_virsh "$SRC" dumpxml "$VM" 2>/dev/null | grep -c "$CTL_NS\|leaving")
META=$(cl_virsh "$SRC" metadata "$VM" --uri "$CTL_NS" --live 2>/dev/null | grep -c leaving)
ON_DEST=$(cl_virsh "$DEST" list --all --name 2>/dev/null | grep -cx "$VM")
ABORTING=$(grep -c "aborting the migration of $VM to $DEST ($SRC): a second stop request" "$CTL.log")
ENDED=$(grep -c "migration of $VM: $SRC -> $DEST aborted after" "$CTL.log")
LOGGED_2=$(grep -c "SIGTERM again: aborting the migrations in flight" "$CTL.log")
STARTED=$(jq -s '[.[].started] | add' "$CTL")
echo "$CASE_NAME figures:"
echo "  $VM was migrating $SRC -> $DEST (state there: $STATE_DEST) when the first SIGTERM came, after interval $N_TERM"
echo "  after the first SIGTERM: running $ALIVE_AFTER_1, 'waiting' logged $WAITING, $VM still on $DEST $STILL_ON_DEST, job on $SRC ${JOB_AFTER_1:-?}, intervals since $INTERVALS_AFTER_1"
echo "  second SIGTERM after $DRAIN_S s; exited $EXITED, $EXIT_S s later, status $CTL_RC"
echo "  on $SRC now: job type ${JOB:-?}, sova-ctl/leaving in dumpxml $MARKS, in metadata $META; on $DEST: $ON_DEST"
echo "  migrations started: $STARTED"
echo "  controller log:"; sed 's/^/    /' "$CTL.log"
echo "  placement now: $(case_lists | tr '\n' ';')"
case_expect "the first SIGTERM came mid-migration ($VM on $DEST, paused)" eq "$STATE_DEST" paused
case_expect "after the first SIGTERM the controller still runs" eq "$ALIVE_AFTER_1" yes
case_expect "... and logged that it waits for the migration" le 1 "$WAITING"
case_expect "... which still ran" eq "$STILL_ON_DEST" 1
case_expect "... and it planned no more intervals (one at most, if it was in one)" le "$INTERVALS_AFTER_1" 1
case_expect "the second SIGTERM was logged" le 1 "$LOGGED_2"
case_expect "the controller logged that it aborts the migration of $VM to $DEST" le 1 "$ABORTING"
case_expect "... and that it ended aborted" le 1 "$ENDED"
case_expect "the controller exited after the second SIGTERM" eq "$EXITED" yes
case_expect "... promptly (within $PROMPT_S s)" le "$EXIT_S" "$PROMPT_S"
case_expect "... and cleanly (status 0)" eq "$CTL_RC" 0
case_expect "one migration was ever started" eq "$STARTED" 1
case_expect "$VM runs on its source $SRC" eq "$(cl_where "$VM")" "$SRC"
case_expect "no migration job is left on $SRC" eq "$JOB" None
case_expect "no leaving mark is left in $VM's XML" eq "$MARKS" 0
case_expect "... nor in its sova-ctl metadata" eq "$META" 0
case_expect "$DEST has no trace of $VM" eq "$ON_DEST" 0
case_guests_check "$RUN/work0" "$RUN/work2"
case_end
