#!/bin/bash
# pid_gone.sh — issue 16's rig race, without VMs: a daemon killed while it still holds its pid
# file's lock (rig/pid.sh explains how that happens). pid-linger (pid_linger.c) plays the daemon:
# on SIGTERM its main thread becomes a zombie while another thread keeps the lock until a gate
# file appears. Each way of "stop, then start a new daemon" is run the same way: stop the holder,
# then take the lock as a new daemon would, in the background; the gate opens once that finished
# or after 3 s. The old ways (start as soon as kill returned; start once `kill -0` or a cmdline
# check says it is not running) take the lock while it is held and fail as libvirtd did; the
# rig's helpers wait for the holder to be gone and the file unlocked, and succeed.
# Usage: pid_gone.sh PID_LINGER_BINARY SOURCE_DIR
set -u
HELPER=$1
. "$2/rig/pid.sh"
W=$(mktemp -d)
HOLDERS=""
cleanup() { touch "$W/gate"; for p in $HOLDERS; do rig_wait_gone "$p" 10; done; rm -rf "$W"; }
trap cleanup EXIT
FAIL=0
expect() { local d=$1; shift; if "$@"; then echo "ok:   $d"; else echo "FAIL: $d"; FAIL=1; fi; }

# holder_start: a new lingering holder of $W/pidfile; sets PID
holder_start() {
    rm -f "$W/gate"
    PID=$("$HELPER" hold "$W/pidfile" "$W/gate") || { echo "FAIL: pid-linger hold"; exit 1; }
    HOLDERS="$HOLDERS $PID"
}

# restart_with STOP...: STOP PID, then take the lock ("restart"); 0 if the restart got the lock
restart_with() {
    local j i rc
    holder_start
    ( "$@" "$PID"; "$HELPER" acquire "$W/pidfile" ) > "$W/restart.out" 2>&1 &
    j=$!
    # a wrong stop returns early and its restart fails at once; a right one waits for the gate,
    # however long that takes
    for i in $(seq 60); do kill -0 "$j" 2>/dev/null || break; sleep 0.05; done
    touch "$W/gate"
    wait "$j"; rc=$?
    sed 's/^/      /' "$W/restart.out"
    rig_wait_gone "$PID" 10
    return $rc
}

# the old ways
old_kill() { kill "$1"; }                                   # restart as soon as kill returned
old_kill0() { kill "$1"; for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0   # lib.sh
                          grep -q . "/proc/$1/cmdline" 2>/dev/null || return 0; sleep 0.1; done; }
# the rig's
new_stop() { rig_stop_pid "$1" holder "$W/pidfile"; }
new_kill_wait() { kill "$1"; rig_wait_gone "$1" 30; }
new_kill_unlocked() { kill "$1"; rig_wait_unlocked "$W/pidfile" 30; }

# first, the state itself: a zombie main thread, a lock still held
holder_start
expect "the holder runs and holds the lock" rig_pid_running "$PID"
expect "/proc/locks shows the lock on the pid file" rig_file_locked "$W/pidfile"
kill "$PID"
for _ in $(seq 200); do [ "$(rig_pid_state "$PID")" = Z ] && break; sleep 0.05; done
expect "after TERM its main thread is a zombie" [ "$(rig_pid_state "$PID")" = Z ]
expect "kill -0 still succeeds (what the old checks relied on)" kill -0 "$PID"
expect "it is not running" eval '! rig_pid_running "$PID"'
expect "it is not gone: a thread still holds its files" eval '! rig_pid_gone "$PID"'
expect "its pid file is still locked" rig_file_locked "$W/pidfile"
expect "a restart now fails" eval '! "$HELPER" acquire "$W/pidfile" 2>/dev/null'
touch "$W/gate"
expect "once its last thread exits it is gone" rig_wait_gone "$PID" 30
expect "and its pid file is unlocked" rig_wait_unlocked "$W/pidfile" 30

for way in old_kill old_kill0; do
    echo "$way:"
    expect "$way: the restart fails while the killed daemon holds the lock" eval '! restart_with $way'
    grep -q "Resource temporarily unavailable" "$W/restart.out" ||
        { echo "FAIL: $way: not the pid-file lock failure"; FAIL=1; }
done
for way in new_stop new_kill_wait new_kill_unlocked; do
    echo "$way:"
    expect "$way: the restart gets the lock" restart_with $way
done
expect "a PID that never existed is gone" rig_pid_gone 999999999
expect "rig_stop_pid on a gone PID returns 0" rig_stop_pid 999999999 nothing
exit $FAIL
