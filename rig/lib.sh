# lib.sh — sova's real-VM test rig, as shell functions (sourced by rig/*.sh, tests/rig/*, bench/).
#
# What it gives: a libvirtd on qemu:///system (an already running one, or one it starts and later
# stops by PID), the KVM-or-TCG decision (a trial boot, cached), the guest image
# (guest/build-initramfs.sh), transient test VMs whose names all start with ONE prefix (nothing else
# is ever touched), initial pinnings, the per-second monitor (sova-rig-monitor), the agent under
# test, and one clean-up that runs on success, failure and Ctrl-C.
#
# Use:   . rig/lib.sh; rig_init BUILD_DIR; trap rig_cleanup EXIT; trap 'exit 130' INT TERM
#        rig_libvirtd_up; rig_vm_create NAME DUTY ...; rig_vms_wait_ready; rig_vm_pin NAME 0 ...
# Knobs: SOVA_RIG_PREFIX (sova-rig-), SOVA_RIG_URI (qemu:///system), SOVA_RIG_CACHE
#        (/var/cache/sova-rig), SOVA_RIG_VIRT (kvm|qemu: skip the trial boot), SOVA_RIG_MEM_MIB (96),
#        SOVA_RIG_KEEP=1 (keep the run directory with its logs).
# Everything a run makes lives in its run directory (RIG_RUN): console logs, monitor and agent output.

RIG_PREFIX=${SOVA_RIG_PREFIX:-sova-rig-}
RIG_URI=${SOVA_RIG_URI:-qemu:///system}
RIG_CACHE=${SOVA_RIG_CACHE:-/var/cache/sova-rig}
RIG_STATE=/run/sova-rig             # which daemons the rig started, and who is using them
RIG_VMS=""                          # VMs this run created
RIG_PIDS=""                         # background processes this run started (agent, monitor)
RIG_LIBVIRTD_USER=0

rig_log() { echo "rig: $*" >&2; }
rig_die() { echo "rig: error: $*" >&2; exit 1; }
rig_virsh() { virsh -q -c "$RIG_URI" "$@"; }

# rig_init BUILD_DIR: locate the binaries and make the run directory.
rig_init() {
    RIG_BUILD=$(readlink -f "${1:-build}")
    RIG_SRC=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE:-$0}")")/.." 2>/dev/null && pwd)
    [ -f "$RIG_SRC/rig/lib.sh" ] || RIG_SRC=${SOVA_SRC:?set SOVA_SRC to the source tree}
    RIG_SOVA=${SOVA_RIG_SOVA:-$RIG_BUILD/src/cli/sova}   # override: another agent binary to try
    RIG_WORKLOAD=$RIG_BUILD/guest/sova-workload
    RIG_MONITOR=$RIG_BUILD/rig/sova-rig-monitor
    [ "$(id -u)" = 0 ] || rig_die "the rig needs root (libvirtd, qemu:///system)"
    for b in "$RIG_WORKLOAD" "$RIG_MONITOR"; do
        [ -x "$b" ] || rig_die "missing $b (build with: ninja -C $RIG_BUILD)"
    done
    for t in virsh virtlogd libvirtd qemu-system-x86_64 jq; do
        command -v $t >/dev/null || rig_die "missing $t (run: scripts/bootstrap.sh test)"
    done
    rig_lock_run
    mkdir -p /var/tmp/sova-rig
    chmod 755 /var/tmp/sova-rig
    RIG_RUN=$(mktemp -d /var/tmp/sova-rig/run-XXXXXX)
    chmod 755 "$RIG_RUN"
}

# rig_lock_run: one rig run (test case, demo, benchmark) per host at a time. An agent manages
# every VM on its host, so two runs at once would pin each other's guests and measure each other's
# load. Held on fd 9 until this process exits; daemons never inherit it.
rig_lock_run() {
    mkdir -p $RIG_STATE
    exec 9>$RIG_STATE/run.lock
    if ! flock -n 9; then
        rig_log "waiting for another rig run to finish (up to ${SOVA_RIG_LOCK_WAIT:-600} s) ..."
        flock -w "${SOVA_RIG_LOCK_WAIT:-600}" 9 || rig_die "another rig run holds $RIG_STATE/run.lock"
    fi
}

# ---------------------------------------------------------------- libvirtd

. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/pid.sh"   # rig_stop_pid, rig_wait_gone, ...
RIG_GUEST_XML=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/guest-xml.sh   # the guests' XML

# alive = running: a zombie (a killed daemon whose threads are still exiting) is not alive
rig_pid_alive() { rig_pid_running "${1:-}"; }
rig_pidfile_alive() { [ -f "$1" ] && rig_pid_alive "$(cat "$1" 2>/dev/null)"; }

# rig_daemon_start PIDFILE NAME CMD...: start a daemon (CMD daemonises) once the pid file of
# the one before it is unlocked: a daemon that was just stopped or killed may still hold it.
rig_daemon_start() {
    local f=$1 n=$2; shift 2
    rig_wait_unlocked "$f" 30 || { rig_log "$f is still locked (by $(cat "$f" 2>/dev/null))"; return 1; }
    "$@" 8>&- 9>&- || { rig_log "$n failed"; return 1; }
}

# rig_libvirtd_start: libvirtd -d (after the last one let go of its pid file), until it answers.
rig_libvirtd_start() {
    rig_daemon_start /run/libvirtd.pid "libvirtd -d" libvirtd -d || return 1
    for _ in $(seq 150); do rig_virsh uri >/dev/null 2>&1 && return 0; sleep 0.2; done
    rig_log "libvirtd does not answer on $RIG_URI"
    return 1
}

# rig_libvirtd_up: use a live libvirtd, or start virtlogd + libvirtd and remember that we did.
# Registers this process as a user, so the last user stops what the rig started.
rig_libvirtd_up() {
    mkdir -p $RIG_STATE/users
    exec 8>$RIG_STATE/lock
    flock 8
    if rig_pidfile_alive /run/libvirtd.pid && rig_virsh uri >/dev/null 2>&1; then
        :
    else
        if ! rig_pidfile_alive /run/virtlogd.pid; then
            rig_daemon_start /run/virtlogd.pid "virtlogd -d" virtlogd -d || { flock -u 8; rig_die "cannot start virtlogd"; }
            for _ in $(seq 50); do rig_pidfile_alive /run/virtlogd.pid && break; sleep 0.1; done
            cat /run/virtlogd.pid > $RIG_STATE/virtlogd.started
            rig_log "started virtlogd (pid $(cat /run/virtlogd.pid))"
        fi
        if rig_pidfile_alive /run/libvirtd.pid; then
            for _ in $(seq 150); do rig_virsh uri >/dev/null 2>&1 && break; sleep 0.2; done
        else
            rig_libvirtd_start || { flock -u 8; rig_die "cannot start libvirtd"; }
        fi
        rig_virsh uri >/dev/null 2>&1 || { flock -u 8; rig_die "libvirtd does not answer on $RIG_URI"; }
        [ -f $RIG_STATE/libvirtd.started ] || cat /run/libvirtd.pid > $RIG_STATE/libvirtd.started
        rig_log "started libvirtd (pid $(cat /run/libvirtd.pid))"
    fi
    : > $RIG_STATE/users/$$
    RIG_LIBVIRTD_USER=1
    flock -u 8
}

# rig_libvirtd_down: unregister; if no other rig user remains and the rig started the daemons,
# stop them by PID — unless domains that are not ours run under them (someone else's work).
rig_libvirtd_down() {
    [ "$RIG_LIBVIRTD_USER" = 1 ] || return 0
    RIG_LIBVIRTD_USER=0
    exec 8>$RIG_STATE/lock
    flock 8
    rm -f $RIG_STATE/users/$$
    for u in $RIG_STATE/users/*; do
        [ -e "$u" ] || continue
        rig_pid_alive "${u##*/}" && { flock -u 8; return 0; }   # another rig run still uses it
        rm -f "$u"
    done
    if [ -f $RIG_STATE/libvirtd.started ]; then
        pid=$(cat $RIG_STATE/libvirtd.started)
        if [ "$pid" = "$(cat /run/libvirtd.pid 2>/dev/null)" ] && rig_pid_alive "$pid"; then
            others=$(rig_virsh list --name 2>/dev/null | grep -v "^$RIG_PREFIX" | grep -c . || true)
            if [ "${others:-0}" -gt 0 ]; then
                rig_log "leaving libvirtd (pid $pid) running: $others domain(s) of someone else run under it"
                flock -u 8
                return 0
            fi
            rig_stop_pid "$pid" libvirtd /run/libvirtd.pid
            rig_log "stopped libvirtd (pid $pid)"
        fi
        rm -f $RIG_STATE/libvirtd.started
    fi
    if [ -f $RIG_STATE/virtlogd.started ]; then
        pid=$(cat $RIG_STATE/virtlogd.started)
        if [ "$pid" = "$(cat /run/virtlogd.pid 2>/dev/null)" ] && ! rig_pidfile_alive /run/libvirtd.pid; then
            rig_stop_pid "$pid" virtlogd /run/virtlogd.pid
            rig_log "stopped virtlogd (pid $pid)"
        fi
        rm -f $RIG_STATE/virtlogd.started
    fi
    flock -u 8
}

# ---------------------------------------------------------------- guest image and VMs

# rig_image: build (or reuse) the guest image; sets RIG_KERNEL and RIG_INITRD.
rig_image() {
    img=$("$RIG_SRC/guest/build-initramfs.sh" "$RIG_WORKLOAD" "$RIG_CACHE") || rig_die "guest image build failed"
    RIG_KERNEL=$img/vmlinuz
    RIG_INITRD=$img/initramfs.gz
}

# rig_domain_xml NAME TYPE CMDLINE: a 1-vCPU pc guest (rig/guest-xml.sh), console to the run dir
rig_domain_xml() {
    "$RIG_GUEST_XML" domain --name "$1" --type "$2" --memory "${SOVA_RIG_MEM_MIB:-96}" \
        --kernel "$RIG_KERNEL" --initrd "$RIG_INITRD" --console "$RIG_RUN/$1.log" --cmdline "$3"
}

# rig_virt_type: "kvm" if a KVM guest really boots here (trial boot, result cached per qemu,
# guest kernel and host kernel), else "qemu" (TCG). Sets RIG_VIRT.
rig_virt_type() {
    if [ -n "${SOVA_RIG_VIRT:-}" ]; then RIG_VIRT=$SOVA_RIG_VIRT; return; fi
    key=$( { qemu-system-x86_64 --version | head -n 1; uname -r; cat "${RIG_KERNEL%/*}/kernel-version"; } | sha256sum | cut -c1-12)
    cache=$RIG_CACHE/virt-type-$key
    if [ -f "$cache" ]; then RIG_VIRT=$(cat "$cache"); return; fi
    RIG_VIRT=qemu
    if [ -c /dev/kvm ] && rig_virsh domcapabilities --virttype kvm >/dev/null 2>&1; then
        name=${RIG_PREFIX}kvm-trial-$$
        rig_domain_xml "$name" kvm "sova.mode=idle" > "$RIG_RUN/$name.xml"
        if rig_virsh create "$RIG_RUN/$name.xml" >/dev/null 2>&1; then
            RIG_VMS="$RIG_VMS $name"
            for _ in $(seq 40); do                      # a KVM guest boots in < 2 s; give it 10
                grep -q 'SOVA-WORK' "$RIG_RUN/$name.log" 2>/dev/null && { RIG_VIRT=kvm; break; }
                sleep 0.25
            done
            rig_vm_destroy "$name"
        fi
    fi
    echo "$RIG_VIRT" > "$cache"
    rig_log "KVM trial boot: using domain type '$RIG_VIRT' (cached in $cache)"
}

# rig_vm_create SHORTNAME DUTY [THREADS]: boot a transient 1-vCPU test VM running the cpu workload.
rig_vm_create() {
    name=$RIG_PREFIX$1
    rig_domain_xml "$name" "$RIG_VIRT" "sova.mode=cpu sova.duty=$2 sova.threads=${3:-1}" > "$RIG_RUN/$name.xml"
    rig_virsh create "$RIG_RUN/$name.xml" >/dev/null || rig_die "cannot create $name"
    RIG_VMS="$RIG_VMS $name"
}

rig_vm_destroy() {
    rig_virsh destroy "$1" >/dev/null 2>&1
    RIG_VMS=$(echo "$RIG_VMS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# rig_vms_wait_ready [TIMEOUT_S]: until every VM of this run prints its work counter.
rig_vms_wait_ready() {
    t=$(( ${1:-90} * 4 ))
    for _ in $(seq "$t"); do
        ok=1
        for v in $RIG_VMS; do grep -q '^SOVA-WORK' "$RIG_RUN/$v.log" 2>/dev/null || { ok=0; break; }; done
        [ $ok = 1 ] && return 0
        sleep 0.25
    done
    for v in $RIG_VMS; do rig_log "$v console:"; tail -n 5 "$RIG_RUN/$v.log" >&2; done
    rig_die "VMs did not boot within ${1:-90} s"
}

# rig_vm_pin SHORTNAME CPULIST: pin vCPU 0 (live); "all" unpins (every pCPU).
rig_vm_pin() {
    set -- "$RIG_PREFIX$1" "$2"
    [ "$2" = all ] && set -- "$1" "0-$(( $(rig_npcpus) - 1 ))"
    rig_virsh vcpupin "$1" 0 "$2" --live >/dev/null || rig_die "vcpupin $1 $2 failed"
}

rig_npcpus() { rig_virsh nodeinfo | awk '/^CPU\(s\)/ {print $2}'; }

# rig_console_lines FILE: the complete lines of a guest's console log, carriage returns dropped.
# The guest writes while we read: a last line without its newline may hold a figure cut short (a
# read of "SOVA-WORK 31 12345" before "678" arrives), which made a work counter seem to go back.
rig_console_lines() { perl -ne 's/\r+\n\z/\n/; print if /\n\z/' "$1"; }

# rig_work_lines FILE: "guest_seconds count" of every complete work line of a console log.
rig_work_lines() { rig_console_lines "$1" | awk '$1 == "SOVA-WORK" { print $2, $3 }'; }

# rig_work SHORTNAME: "guest_seconds count" of the last complete work line of its console.
rig_work() { rig_work_lines "$RIG_RUN/$RIG_PREFIX$1.log" | tail -n 1; }

# ---------------------------------------------------------------- monitor and agent

# rig_monitor_start OUTFILE
rig_monitor_start() {
    "$RIG_MONITOR" --connect "$RIG_URI" --prefix "$RIG_PREFIX" --console-dir "$RIG_RUN" --out "$1" 9>&- &
    RIG_MONITOR_PID=$!
    RIG_PIDS="$RIG_PIDS $RIG_MONITOR_PID"
}

# rig_agent_start OUTFILE ARGS...: sova agent --json in the background (stderr to OUTFILE.log).
rig_agent_start() {
    out=$1; shift
    [ -x "$RIG_SOVA" ] || rig_die "missing $RIG_SOVA"
    # domains that are not this run's are someone else's: the agent must leave them alone
    others=$(rig_virsh list --name 2>/dev/null | grep . | grep -vxF -f <(echo "$RIG_VMS" | tr ' ' '\n' | grep .) | tr '\n' ';')
    { echo "[cpu]"; [ -z "$others" ] || echo "exclude=$others"; } > "$out.conf"
    [ -n "$others" ] && rig_log "other domains are running (excluded from the agent, but they load the pCPUs): $others"
    "$RIG_SOVA" agent --connect "$RIG_URI" --config "$out.conf" --interval 1 --json "$@" > "$out" 2> "$out.log" 9>&- &
    RIG_AGENT_PID=$!
    RIG_PIDS="$RIG_PIDS $RIG_AGENT_PID"
    RIG_AGENT_T0=$(date +%s.%N)
}

# rig_agent_wait_intervals OUTFILE N [TIMEOUT_S]: until the agent printed N intervals.
rig_agent_wait_intervals() {
    for _ in $(seq $(( ${3:-$(( $2 * 3 + 15 ))} * 5 ))); do
        [ "$(grep -c '^{' "$1" 2>/dev/null)" -ge "$2" ] && return 0
        rig_pid_alive "$RIG_AGENT_PID" || { cat "$1.log" >&2; rig_die "the agent exited early"; }
        sleep 0.2
    done
    cat "$1.log" >&2
    rig_die "the agent printed fewer than $2 intervals"
}

# rig_bg_stop PID NAME: stop one of our background processes.
rig_bg_stop() {
    [ -n "${1:-}" ] || return 0
    rig_stop_pid "$1" "$2"
    wait "$1" 2>/dev/null
    RIG_PIDS=$(echo "$RIG_PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

rig_agent_stop() { rig_bg_stop "${RIG_AGENT_PID:-}" agent; RIG_AGENT_PID=""; }
rig_monitor_stop() { rig_bg_stop "${RIG_MONITOR_PID:-}" monitor; RIG_MONITOR_PID=""; }

# rig_cleanup: the EXIT trap. Stops what this run started, in order: agent and monitor, VMs,
# daemons (if the rig started them and nobody else needs them), run directory.
rig_cleanup() {
    rc=$?
    trap - EXIT INT TERM
    for p in $RIG_PIDS; do rig_stop_pid "$p" "process"; wait "$p" 2>/dev/null; done
    RIG_PIDS=""
    for v in $RIG_VMS; do rig_virsh destroy "$v" >/dev/null 2>&1; done
    RIG_VMS=""
    rig_libvirtd_down
    if [ -n "${RIG_RUN:-}" ] && [ -d "$RIG_RUN" ]; then
        if [ $rc != 0 ] || [ -n "${SOVA_RIG_KEEP:-}" ]; then rig_log "logs kept in $RIG_RUN"
        else rm -rf "$RIG_RUN"; fi
    fi
    exit $rc
}

# rig_setup_traps: clean-up on exit, failure and Ctrl-C.
rig_setup_traps() {
    trap rig_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# ---------------------------------------------------------------- analysis (jq over JSON lines)

# rig_mon_since FILE T0: the monitor records taken after T0 (unix seconds), as one JSON array.
rig_mon_since() { jq -s --argjson t0 "$2" '[.[] | select(.t > $t0)]' "$1"; }

# rig_pin_changes FILE T0 [T1]: pin changes the monitor saw after T0 (and up to T1).
rig_pin_changes() {
    jq -s --argjson t0 "$2" --argjson t1 "${3:-1e18}" \
        '[.[] | select(.t > $t0 and .t <= $t1) | .pin_changes[]] | length' "$1"
}

# rig_final_stddev FILE N: median node stddev of the monitor's last N records.
rig_final_stddev() {
    jq -s --argjson n "$2" '[.[-$n:][] | .node_stddev] | sort | .[(length/2|floor)]' "$1"
}

# rig_affinities FILE: "vm affinity" lines from the monitor's last record.
rig_affinities() { jq -r -s '.[-1].vms[] | "\(.name) \(.vcpus[0].affinity)"' "$1"; }

# rig_jain RATES...: Jain's fairness index of the given numbers.
rig_jain() { echo "$@" | awk '{ s = 0; q = 0; for (i = 1; i <= NF; i++) { s += $i; q += $i * $i } printf "%.3f\n", (q > 0) ? s * s / (NF * q) : 0 }'; }
