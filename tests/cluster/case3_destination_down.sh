#!/bin/bash
# Case 3: a destination's libvirtd dies in the middle of a migration. h1 runs four busy guests,
# h2 one, h3 none; the controller's bandwidth cap (16 MiB/s) makes a migration last long enough to
# be cut. As soon as a guest appears on a host that did not have it (the incoming side of the
# first migration), that host's libvirtd is killed (SIGKILL, by PID). Then: the migration failed,
# the guest still runs on its source (one boot, every second on its console, one QEMU), the
# controller logged the failure and the unreadable host and carried on (more intervals, none
# planning a move to the dead host). libvirtd is restarted; the controller reads that host again.
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_up
case_boot h1:a1:50 h1:a2:50 h1:a3:50 h1:a4:50 h2:b1:50
case_config "$RUN/sova.conf" "threshold = 0.10" "cooldown = 600" "backoff = 600" \
    "bandwidth = 16" "timeout = 120" "max-per-host = 1" "max-total = 1"
case_lists_before
case_watch_start
sleep 1
case_work_snapshot "$RUN/work0"
CTL=$RUN/controller.json
case_controller_start "$CTL" --config "$RUN/sova.conf" --interval 2 --json

# the first migration: its guest, source and destination (DEST lists a guest it did not have)
case_wait_first_migration "$CTL"
STATE_AT_KILL=$(cl_virsh "$DEST" domstate "$VM" 2>/dev/null)
CASE_KEEP_HOST=$DEST
cl_kill_libvirtd "$DEST" --hard
N_KILL=$(case_intervals "$CTL")
case_work_snapshot "$RUN/work_kill"
echo "$CASE_NAME: $VM was migrating $SRC -> $DEST (state there: $STATE_AT_KILL); killed $DEST's libvirtd after interval $N_KILL"

# the controller must see the failure and go on with the host down for a few intervals
for _ in $(seq 30); do
    case_controller_wait "$CTL" $(( $(case_intervals "$CTL") + 1 ))
    fails=$(jq -s --arg vm "$VM" '[.[].finished[]? | select(.vm == $vm and (.ok | not))] | length' "$CTL")
    down=$(jq -s --arg h "$DEST" '[.[] | select(any(.cluster.hosts[]?; .name == $h and (.up | not)))] | length' "$CTL")
    [ "$fails" -ge 1 ] && [ "$down" -ge 3 ] && break
done
N_RESTART=$(case_intervals "$CTL")
"$CLUSTER" restart-libvirtd "$DEST"
# until it reads the host again (and two intervals more)
for _ in $(seq 20); do
    case_controller_wait "$CTL" $(( $(case_intervals "$CTL") + 1 ))
    back=$(jq -s --arg h "$DEST" --argjson k "$N_RESTART" '[.[] | select(.interval > $k and any(.cluster.hosts[]?; .name == $h and .up))] | length' "$CTL")
    [ "$back" -ge 2 ] && break
done
case_controller_stop
case_work_snapshot "$RUN/work1"
sleep 3
case_work_snapshot "$RUN/work2"
case_watch_stop

FAILED=$(jq -s --arg vm "$VM" '[.[].finished[]? | select(.vm == $vm and (.ok | not))] | length' "$CTL")
ERR=$(jq -r -s --arg vm "$VM" '[.[].finished[]? | select(.vm == $vm and (.ok | not)) | .error] | first // ""' "$CTL")
DOWN_IV=$(jq -r -s --arg h "$DEST" '[.[] | select(any(.cluster.hosts[]?; .name == $h and (.up | not))) | .interval] | map(tostring) | join(" ")' "$CTL")
TO_DEAD=$(jq -s --arg h "$DEST" '[.[] | select(any(.cluster.hosts[]?; .name == $h and (.up | not))) | .plan.actions[]? | select(.to == $h)] | length' "$CTL")
AFTER_KILL=$(( $(case_intervals "$CTL") - N_KILL ))
BACK=$(jq -s --arg h "$DEST" --argjson k "$N_RESTART" '[.[] | select(.interval > $k and any(.cluster.hosts[]?; .name == $h and .up))] | length' "$CTL")
LOGGED_DOWN=$(grep -c "host $DEST cannot be read" "$CTL.log")
LOGGED_BACK=$(grep -c "host $DEST can be read again" "$CTL.log")
echo "$CASE_NAME figures:"
echo "  cut: $VM $SRC -> $DEST; intervals: $(case_intervals "$CTL") ($AFTER_KILL after the kill), $DEST down in intervals: $DOWN_IV"
echo "  imbalance per interval: $(case_imbalances "$CTL")"
case_migrations "$CTL"
echo "  controller log:"; sed 's/^/    /' "$CTL.log"
echo "  placement now: $(case_lists | tr '\n' ';')"
case_expect "the controller reported the cut migration as failed" le 1 "$FAILED"
case_expect "the failure says why" test -n "$ERR"
case_expect "$VM still runs on its source $SRC" eq "$(cl_where "$VM")" "$SRC"
case_expect "the controller logged that $DEST could not be read" le 1 "$LOGGED_DOWN"
case_expect "the controller carried on (intervals after the kill)" le 3 "$AFTER_KILL"
case_expect "it planned no move to $DEST while it was down" eq "$TO_DEAD" 0
case_expect "it read $DEST again after the restart" le 1 "$BACK"
case_expect "... and logged that" le 1 "$LOGGED_BACK"
case_guests_check "$RUN/work0" "$RUN/work2"
c0=$(awk -v v="$VM" '$1 == v {print $3}' "$RUN/work_kill"); c1=$(awk -v v="$VM" '$1 == v {print $3}' "$RUN/work2")
case_expect "$VM worked on after the cut" gt "${c1:-0}" "${c0:-0}"
case_expect "the controller exited cleanly" eq "$CASE_CTL_RC" 0
case_end
