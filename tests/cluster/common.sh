# common.sh — shared steps of the real-cluster cases (sourced by tests/cluster/case*.sh).
#
# A case uses the cluster rig (rig/cluster.sh: three libvirt "hosts" in namespaces on this
# machine): it registers itself as a user (`up --for $$`; `make check` holds the rig up across the
# suite the same way), boots its persistent 1-vCPU TCG guests, writes a sova.conf with one
# [host hI] section per host (their unix-socket URIs), runs `sova controller --json`, and judges
# from three independent sources: the controller's own JSON lines (its imbalance, plans and
# finished migrations), a watcher that asks every host twice a second which guests it runs (where
# each guest really is), and the guests' serial consoles (each guest prints "SOVA-WORK <s> <count>"
# every second; the log file is shared by every host, so it follows the guest across migrations).
# Every case prints its figures before it judges. Exit 77 (meson: skipped) when this machine
# cannot run the cluster at all.
set -u
CASE_NAME=$(basename "$0" .sh)
CASE_SRC=$(readlink -f "${SOVA_SRC:-$(dirname "$(readlink -f "$0")")/../..}")
CASE_BUILD=$(readlink -f "${SOVA_BUILD_DIR:-build}")
export SOVA_BUILD_DIR=$CASE_BUILD
SOVA=$CASE_BUILD/src/cli/sova
CLUSTER=$CASE_SRC/rig/cluster.sh
. "$CASE_SRC/rig/lib.sh"      # rig_lock_run, rig_stop_pid, rig_pid_alive
. "$CLUSTER"                  # cl_* (sourcing runs no command)

case_skip() { echo "$CASE_NAME: skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || case_skip "needs root"
for t in libvirtd virtlogd virsh qemu-system-x86_64 ip nsenter unshare jq; do
    command -v $t >/dev/null || case_skip "$t not installed"
done
[ -x "$SOVA" ] || case_skip "no $SOVA"
"$SOVA" controller --help >/dev/null 2>&1 || case_skip "this sova has no controller command"

CASE_FAIL=0
CASE_PIDS=""
CASE_VMS=""
CASE_KEEP_HOST=""             # a host whose libvirtd a case stopped: restarted on clean-up
mkdir -p /var/tmp/sova-cluster-runs
RUN=$(mktemp -d "/var/tmp/sova-cluster-runs/$CASE_NAME-XXXXXX")
chmod 755 "$RUN"

# case_cleanup: the EXIT trap. Controller and watcher, a stopped libvirtd (restarted so that its
# guests can be destroyed), the case's guests, then the rig (only if no other user holds it).
case_cleanup() {
    rc=$?
    trap - EXIT INT TERM
    for p in $CASE_PIDS; do rig_stop_pid "$p" process; wait "$p" 2>/dev/null; done
    cl_sova_stop >/dev/null 2>&1     # the rig's agents and controller, if the case started them
    if [ -n "$CASE_KEEP_HOST" ] && ! cl_pid_is "$(cl_libvirtd_pid "$CASE_KEEP_HOST")" libvirtd; then
        "$CLUSTER" restart-libvirtd "$CASE_KEEP_HOST" >/dev/null 2>&1
    fi
    "$CLUSTER" vm-destroy-all >/dev/null 2>&1
    "$CLUSTER" down --for $$ >/dev/null 2>&1
    if [ "$rc" != 0 ] || [ -n "${SOVA_RIG_KEEP:-}" ]; then echo "$CASE_NAME: logs kept in $RUN"
    else rm -rf "$RUN"; fi
    exit "$rc"
}
trap case_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# one real-VM run on this machine at a time (the single-host rig's lock: guests share the pCPUs)
rig_lock_run

# case_up: the cluster rig, 3 hosts (reused when `make check` holds it up)
case_up() {
    "$CLUSTER" up --hosts 3 --for $$ > "$RUN/cluster-up.out" 2>&1 ||
        { cat "$RUN/cluster-up.out"; echo "$CASE_NAME: FAIL: the cluster rig did not come up"; exit 1; }
    "$CLUSTER" vm-destroy-all          # a previous run's guests, if any
}

# case_boot HOST:NAME:DUTY ...: define + start persistent guests, wait until each one works.
case_boot() {
    local spec h n d v ok
    cl_image
    for spec in "$@"; do
        IFS=: read -r h n d <<< "$spec"
        cl_vm_start "$h" "$n" "$d" "$RUN" >/dev/null || exit 1
        CASE_VMS="$CASE_VMS $CL_PREFIX$n"
    done
    case_wait_work
}

# case_boot_net HOST:NAME:IDX:PPS ...: the VF pool on every host (rig/cluster-sova.sh), then
# persistent q35 net guests sending PPS datagrams/s from boot on; waits until each one works.
case_boot_net() {
    local spec h n i r
    cl_image
    cl_net_up
    for spec in "$@"; do
        IFS=: read -r h n i r <<< "$spec"
        cl_vm_start_net "$h" "$n" "$i" "$r" "$RUN" >/dev/null || exit 1
        CASE_VMS="$CASE_VMS $CL_PREFIX$n"
    done
    case_wait_work
}

# case_wait_work: until every guest of the case prints its work line (90 s)
case_wait_work() {
    local v ok
    for _ in $(seq 360); do
        ok=1
        for v in $CASE_VMS; do grep -q '^SOVA-WORK' "$RUN/$v.log" 2>/dev/null || { ok=0; break; }; done
        [ $ok = 1 ] && { sleep 2; return 0; }
        sleep 0.25
    done
    for v in $CASE_VMS; do echo "$v console:"; tail -n 5 "$RUN/$v.log"; done
    echo "$CASE_NAME: FAIL: guests did not boot within 90 s"
    exit 1
}

# case_config FILE KEY=VALUE...: a sova.conf with [controller] settings and every rig host.
case_config() {
    local f kv h
    f=$1; shift
    { echo "[controller]"; for kv in "$@"; do echo "$kv"; done
      for h in $(cl_hosts); do printf '\n[host %s]\nuri = %s\n' "$h" "$(cl_uri_unix "$h")"; done
    } > "$f"
}

# case_lists: "host: guest guest ..." for every host (all defined guests, sorted)
case_lists() {
    local h
    for h in $(cl_hosts); do echo "$h: $(cl_virsh "$h" list --all --name 2>/dev/null | grep . | sort | tr '\n' ' ')"; done
}

# ---------------------------------------------------------------- the watcher

# case_watch_start: twice a second, "T host:vm ..." of every running guest ("host:DOWN" when a
# host cannot be read) into $RUN/watch.txt.
case_watch_start() {
    (
        while :; do
            line=$(date +%s.%N | cut -c1-14)
            for h in $(cl_hosts); do
                if out=$(cl_virsh "$h" list --state-running --name 2>/dev/null); then
                    for v in $out; do line="$line $h:$v"; done
                else
                    line="$line $h:DOWN"
                fi
            done
            echo "$line"
            sleep 0.5
        done
    ) > "$RUN/watch.txt" 9>&- &
    CASE_WATCH_PID=$!
    CASE_PIDS="$CASE_PIDS $CASE_WATCH_PID"
}

case_watch_stop() { rig_stop_pid "$CASE_WATCH_PID" watcher; wait "$CASE_WATCH_PID" 2>/dev/null; }

# case_moves VM: how often the watcher saw VM change host (samples where it ran on one host)
case_moves() {
    awk -v vm="$1" '{ n = 0; h = ""
        for (i = 2; i <= NF; i++) { split($i, a, ":"); if (a[2] == vm) { n++; h = a[1] } }
        if (n == 1) { if (last != "" && h != last) moves++; last = h } }
        END { print moves + 0 }' "$RUN/watch.txt"
}

# case_trail VM: the hosts VM was seen on, in order ("h1 h3")
case_trail() {
    awk -v vm="$1" '{ for (i = 2; i <= NF; i++) { split($i, a, ":"); if (a[2] == vm && a[1] != last) { t = t " " a[1]; last = a[1] } } }
        END { print substr(t, 2) }' "$RUN/watch.txt"
}

# ---------------------------------------------------------------- guests' consoles

# case_work VM: "s count" of its last work line
case_work() { rig_work_lines "$RUN/$1.log" | tail -n 1; }

# case_console VM: "boots lines first_s last_s gaps decreases longest_flat" over its whole log:
# gaps = a second's line missing (s not previous + 1), decreases = the counter went back,
# longest_flat = most consecutive seconds without progress.
case_console() {
    local boots
    boots=$(grep -c '^SOVA-BOOT' "$RUN/$1.log")
    rig_work_lines "$RUN/$1.log" | awk -v b="$boots" '
        { s = $1 + 0; c = $2 + 0 }
        NR == 1 { first = s }
        NR > 1 { if (s != ps + 1) gaps++; if (c < pc) dec++; if (c == pc) { f++; if (f > lf) lf = f } else f = 0 }
        { ps = s; pc = c }
        END { print b, NR, first, ps, gaps + 0, dec + 0, lf + 0 }'
}

# case_running_hosts VM: how many hosts run VM now
case_running_hosts() { local n=0 h; for h in $(cl_hosts); do cl_virsh "$h" list --state-running --name 2>/dev/null | grep -qx "$1" && n=$((n + 1)); done; echo $n; }

# case_qemus VM: QEMU processes of VM on this machine (any host)
case_qemus() {
    local n ns p
    n=0
    for ns in $(ip netns list | awk '{print $1}' | grep "^$CL_PREFIX"); do
        for p in $(ip netns pids "$ns"); do
            tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "qemu-system.* -name guest=$1," && n=$((n + 1))
        done
    done
    echo $n
}

# case_guests_figures_and_checks W0_FILE W1_FILE: per guest, console continuity and progress
# between two work snapshots (files of "vm s count"), printed, then judged.
case_guests_check() {
    local v b n f l g d lf c0 c1
    echo "  guests (boots, work lines, guest seconds first..last, missing seconds, counter went back, longest flat run, trail):"
    for v in $CASE_VMS; do
        read -r b n f l g d lf <<< "$(case_console "$v")"
        c0=$(awk -v v="$v" '$1 == v {print $3}' "$1"); c1=$(awk -v v="$v" '$1 == v {print $3}' "$2")
        echo "    $v: boots $b, lines $n, s $f..$l, missing $g, back $d, flat $lf s, counter ${c0:-?} -> ${c1:-?}, hosts: $(case_trail "$v")"
        case_expect "$v booted once (never restarted)" eq "$b" 1
        case_expect "$v's console has every second (no missing line)" eq "$g" 0
        case_expect "$v's work counter never went back" eq "$d" 0
        case_expect "$v's work counter grew" gt "${c1:-0}" "${c0:-0}"
        case_expect "$v runs on exactly one host" eq "$(case_running_hosts "$v")" 1
        case_expect "$v has exactly one QEMU process" eq "$(case_qemus "$v")" 1
    done
}

# the guests each host lists now, for case_wait_first_migration
case_lists_before() { local h; for h in $(cl_hosts); do cl_virsh "$h" list --all --name | grep . | sort > "$RUN/list0.$h"; done; }

# waits (at most 60 s, while the controller runs) for the first migration's guest to show up
# on a host that did not list it in case_lists_before; sets VM, SRC and DEST, or fails the case
# with the controller's log (CTL_JSON.log)
case_wait_first_migration() {
    local ctl=$1 h new
    DEST=""; VM=""
    for _ in $(seq 600); do
        for h in $(cl_hosts); do
            new=$(cl_virsh "$h" list --all --name 2>/dev/null | grep . | sort | comm -13 "$RUN/list0.$h" - | head -n 1)
            [ -n "$new" ] && { DEST=$h; VM=$new; break 2; }
        done
        rig_pid_alive "$CASE_CTL_PID" || break
        sleep 0.1
    done
    [ -n "$DEST" ] || { cat "$ctl.log"; echo "$CASE_NAME: FAIL: no migration started"; exit 1; }
    SRC=$(grep -lx "$VM" "$RUN"/list0.h* | head -n 1); SRC=${SRC##*.}
}

case_work_snapshot() { local v; for v in $CASE_VMS; do echo "$v $(case_work "$v")"; done > "$1"; }

# ---------------------------------------------------------------- the controller

# case_controller_start OUT ARGS...: sova controller in the background (stderr to OUT.log).
case_controller_start() {
    local out=$1; shift
    "$SOVA" controller "$@" > "$out" 2> "$out.log" 9>&- &
    CASE_CTL_PID=$!
    CASE_PIDS="$CASE_PIDS $CASE_CTL_PID"
}

# case_intervals OUT: intervals printed so far
case_intervals() { grep -c '^{' "$1" 2>/dev/null || true; }

# case_controller_wait OUT N [TIMEOUT_S]: until N intervals were printed
case_controller_wait() {
    for _ in $(seq $(( ${3:-$(( $2 * 4 + 30 ))} * 5 ))); do
        [ "$(case_intervals "$1")" -ge "$2" ] && return 0
        rig_pid_alive "$CASE_CTL_PID" || { cat "$1.log"; echo "$CASE_NAME: FAIL: the controller exited early"; exit 1; }
        sleep 0.2
    done
    cat "$1.log"
    echo "$CASE_NAME: FAIL: the controller printed fewer than $2 intervals"
    exit 1
}

# case_controller_stop: SIGINT (it follows migrations in flight to their end); sets CASE_CTL_RC
case_controller_stop() {
    kill -INT "$CASE_CTL_PID" 2>/dev/null
    for _ in $(seq 600); do rig_pid_alive "$CASE_CTL_PID" || break; sleep 0.1; done
    rig_stop_pid "$CASE_CTL_PID" controller
    wait "$CASE_CTL_PID"; CASE_CTL_RC=$?
    CASE_PIDS=$(echo "$CASE_PIDS" | tr ' ' '\n' | grep -vx "$CASE_CTL_PID" | tr '\n' ' ')
}

# case_migrations OUT: every finished migration the controller reported, one line each
case_migrations() {
    jq -r '.interval as $i | .finished[]? | "    interval \($i): \(.vm) \(.from) -> \(.to): \(if .ok then "ok" else "FAILED (\(.error))" end) in \(.duration_s * 10 | round / 10) s, downtime \(if .downtime_s < 0 then "?" else "\(.downtime_s * 1000 | round) ms" end); imbalance \(.imbalance_before * 1000 | round / 1000) -> \(.imbalance_after * 1000 | round / 1000) expected; \(.reason)"' "$1"
}

# case_imbalances OUT: the controller's imbalance per interval
case_imbalances() { jq -r '.imbalance * 1000 | round / 1000' "$1" | tr '\n' ' '; }

# ---------------------------------------------------------------- judging

case_expect() {
    local desc=$1; shift
    if "$@"; then echo "  ok:   $desc"; else echo "  FAIL: $desc"; CASE_FAIL=1; fi
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
eq() { [ "$1" = "$2" ]; }

case_end() {
    [ $CASE_FAIL = 0 ] && echo "$CASE_NAME: PASS" || echo "$CASE_NAME: FAIL"
    exit $CASE_FAIL
}
