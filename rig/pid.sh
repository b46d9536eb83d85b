# pid.sh — the rig's process helpers: stop a daemon by PID and know when it is really gone
# (sourced by rig/lib.sh and rig/cluster.sh; functions only, bash).
#
# Why not `kill -0`: a killed multi-threaded daemon (libvirtd) first leaves its main thread as a
# zombie while its other threads are still exiting; they still hold its open files, so its pid
# file stays locked. `kill -0` says such a PID exists, /proc/PID/cmdline is already empty (so a
# "does PID run libvirtd?" check says no), and a new daemon started then fails with "Failed to
# acquire pid file ...: Resource temporarily unavailable" (issue 16). So:
#   - a PID is *running* while /proc/PID exists and its State is neither Z nor X;
#   - a PID is *gone* once /proc/PID no longer exists (reaped), or it is a zombie whose every
#     thread has exited (only the main thread is left in /proc/PID/task: a dead process that
#     only waits for its parent to reap it, holding no file and no lock); a zombie with threads
#     still exiting is not gone yet. A PID reused by a new process (other start time) is gone.
#   - a pid file is *unlocked* once /proc/locks lists no lock on its inode.
# Every stop and restart of libvirtd, virtlogd or QEMU in the rig goes through these.
#
#   rig_pid_running PID            0 if running (not a zombie)
#   rig_pid_gone PID [START]       0 if gone (START: its start time, from rig_pid_start)
#   rig_wait_gone PID [TIMEOUT_S]  until gone (default 30 s); 1 on timeout
#   rig_wait_unlocked FILE [TIMEOUT_S]   until no process holds a lock on FILE (30 s); 1 on timeout
#   rig_stop_pid PID NAME [PIDFILE]      TERM, up to 5 s, then KILL; waits until gone (and PIDFILE
#                                        unlocked); 1 if it is not
#   rig_kill_pid PID NAME [PIDFILE]      KILL (as if it crashed); waits the same way

rig_pid_log() { echo "rig: $*" >&2; }

# rig_pid_state PID: the State letter of /proc/PID/status ("" if there is no such process)
rig_pid_state() {
    local s
    [ -n "${1:-}" ] || return 0
    s=$(awk '$1 == "State:" { print $2; exit }' "/proc/$1/status" 2>/dev/null)
    echo "$s"
}

# rig_pid_start PID: its start time (field 22 of /proc/PID/stat, after the parenthesised name)
rig_pid_start() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    echo "$s" | awk '{ print $20 }'
}

rig_pid_running() {
    local s
    [ -n "${1:-}" ] && [ "$1" -gt 0 ] 2>/dev/null || return 1
    s=$(rig_pid_state "$1")
    [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

rig_pid_gone() {
    local s n
    [ -n "${1:-}" ] || return 0
    [ -d "/proc/$1" ] || return 0
    [ -z "${2:-}" ] || [ "$(rig_pid_start "$1")" = "$2" ] || return 0    # reused
    s=$(rig_pid_state "$1")
    case $s in
        "") return 0 ;;
        Z|X)
            n=$(ls "/proc/$1/task" 2>/dev/null | grep -c .)
            [ "${n:-0}" -le 1 ] ;;
        *) return 1 ;;
    esac
}

rig_wait_gone() {
    local start i
    start=$(rig_pid_start "$1")
    for i in $(seq $(( ${2:-30} * 20 ))); do
        rig_pid_gone "$1" "$start" && return 0
        sleep 0.05
    done
    rig_pid_gone "$1" "$start"
}

# rig_file_locked FILE: 0 if /proc/locks lists a lock on FILE's inode (device and inode number)
rig_file_locked() {
    local dev ino maj min
    read -r dev ino < <(stat -L -c '%d %i' "$1" 2>/dev/null) || return 1
    [ -n "$ino" ] || return 1
    maj=$(( (dev >> 8) & 0xfff | ((dev >> 32) & ~0xfff) ))
    min=$(( (dev & 0xff) | ((dev >> 12) & ~0xff) ))
    awk -v want="$(printf '%02x:%02x:%s' "$maj" "$min" "$ino")" '
        { for (i = 1; i <= NF; i++) if ($i == want) found = 1 }
        END { exit !found }' /proc/locks
}

rig_wait_unlocked() {
    local i
    [ -e "$1" ] || return 0
    for i in $(seq $(( ${2:-30} * 20 ))); do
        rig_file_locked "$1" || return 0
        sleep 0.05
    done
    ! rig_file_locked "$1"
}

# rig_pid_settle PID NAME START [PIDFILE]: wait until PID is gone and PIDFILE unlocked (30 s each)
rig_pid_settle() {
    local i
    for i in $(seq 600); do rig_pid_gone "$1" "$3" && break; sleep 0.05; done
    rig_pid_gone "$1" "$3" || { rig_pid_log "$2 (pid $1) is still not gone (state $(rig_pid_state "$1"))"; return 1; }
    [ -z "${4:-}" ] && return 0
    rig_wait_unlocked "$4" 30 || { rig_pid_log "$4 is still locked after $2 (pid $1) is gone"; return 1; }
}

rig_stop_pid() {
    local start i
    [ -n "${1:-}" ] || return 0
    start=$(rig_pid_start "$1")
    if rig_pid_running "$1"; then
        kill "$1" 2>/dev/null
        for i in $(seq 100); do rig_pid_gone "$1" "$start" && break; sleep 0.05; done
        if ! rig_pid_gone "$1" "$start"; then
            rig_pid_log "${2:-process} (pid $1) ignores TERM: KILL"
            kill -9 "$1" 2>/dev/null
        fi
    fi
    rig_pid_settle "$1" "${2:-process}" "$start" "${3:-}"
}

rig_kill_pid() {
    local start
    [ -n "${1:-}" ] || return 0
    start=$(rig_pid_start "$1")
    rig_pid_running "$1" && kill -9 "$1" 2>/dev/null
    rig_pid_settle "$1" "${2:-process}" "$start" "${3:-}"
}
