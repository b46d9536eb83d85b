#!/bin/bash
# unit_sandbox.sh — the hardening of the systemd units (data/sova-*.service.in), checked
# against a real libvirtd without systemd: each daemon runs, for one interval, in the
# sandbox its unit declares, rebuilt from the unit's own lines with unshare and setpriv:
# CapabilityBoundingSet= (empty: no capability at all), NoNewPrivileges=,
# ProtectSystem=strict (/, /usr, /etc, /var, /run read-only), ProtectHome= (yes: an empty
# read-only /root and /home; read-only: as they are, read-only), PrivateTmp=. Under strace,
# the address families of the sockets it opens must be within RestrictAddressFamilies=.
# `sova agent --once` (also with its metrics listener), `sova controller --once --dry-run`
# (on this host) and `sova status` must work there. (The agent's rtnetlink socket, for
# hostdev VFs' counters, needs SR-IOV to be opened: not exercised here.) No VMs are needed.
set -u
CASE_NAME=unit_sandbox
. "${SOVA_SRC:-$(dirname "$(readlink -f "$0")")/../..}/rig/lib.sh"
[ "$(id -u)" = 0 ] || { echo "$CASE_NAME: skipped: needs root"; exit 77; }
for t in libvirtd virsh unshare setpriv strace; do
    command -v $t >/dev/null || { echo "$CASE_NAME: skipped: $t not installed"; exit 77; }
done
RIG_PREFIX=sova-rig-sandbox-
rig_init "${SOVA_BUILD_DIR:-build}"
rig_setup_traps
rig_libvirtd_up
fails=0
# the sandbox hides /tmp (PrivateTmp=), where a checkout may live (CI clones into one): sova
# runs from a copy in the run directory under /var, visible read-only as an installed one is
SANDBOX_SOVA=$RIG_RUN/sova
cp "$RIG_SOVA" "$SANDBOX_SOVA"

# sandboxed UNIT CMD...: run CMD in the sandbox UNIT's lines declare
sandboxed() {
    local unit=$RIG_BUILD/data/$1; shift
    val() { sed -n "s/^$1=//p" "$unit" | tail -1; }
    [ "$(val ProtectSystem)" = strict ] && [ "$(val NoNewPrivileges)" = yes ] &&
        [ "$(val PrivateTmp)" = yes ] && grep -qx 'CapabilityBoundingSet=' "$unit" ||
        { echo "FAIL: $unit lacks part of the hardening this case rebuilds"; return 1; }
    unshare -m --propagation private bash -c '
        set -e
        for m in / /usr /etc /var /run; do
            mountpoint -q $m && { mount --bind $m $m; mount -o remount,bind,ro $m; } || true
        done
        case $0 in
            yes) mount -t tmpfs -o ro tmpfs /root; mount -t tmpfs -o ro tmpfs /home ;;
            read-only) for h in /root /home; do mount --bind $h $h; mount -o remount,bind,ro $h; done ;;
        esac
        mount -t tmpfs tmpfs /tmp
        exec setpriv --bounding-set=-all --inh-caps=-all --no-new-privs -- "$@"' "$(val ProtectHome)" "$@"
}

# check UNIT DESCRIPTION SOVA-ARGS...: run sova in UNIT's sandbox under strace
check() {
    local unit=$1 what=$2; shift 2
    local log=$RIG_RUN/strace-$unit.log allowed used f
    # strace's log goes to /dev/shm: the sandbox's file systems are read-only
    if sandboxed "$unit" strace -f -qq -e trace=socket -o "/dev/shm/sova-$$-$unit" \
            "$SANDBOX_SOVA" "$@" > "$RIG_RUN/out" 2>&1; then
        echo "ok: $what in the sandbox of $unit"
    else
        echo "FAIL: $what in the sandbox of $unit:"; sed 's/^/    /' "$RIG_RUN/out" | tail -15; fails=$((fails + 1))
    fi
    mv "/dev/shm/sova-$$-$unit" "$log" 2>/dev/null || true
    allowed=$(sed -n 's/^RestrictAddressFamilies=//p' "$RIG_BUILD/data/$unit")
    used=$(grep -o 'socket(AF_[A-Z0-9]*' "$log" 2>/dev/null | sed 's/socket(//' | sort -u | tr '\n' ' ')
    [ -n "$used" ] || { echo "FAIL: $unit: strace saw no socket at all"; fails=$((fails + 1)); }
    for f in $used; do
        case " $allowed " in *" $f "*) ;;
            *) echo "FAIL: $unit: sova opened an $f socket, not in RestrictAddressFamilies=$allowed"
               fails=$((fails + 1)) ;;
        esac
    done
    echo "    sockets: $used(allowed: $allowed)"
}

check sova-agent.service "sova agent --once" agent --once --connect "$RIG_URI"
# its opt-in metrics listener opens an IP socket: the unit must allow it
check sova-agent.service "sova agent --once --metrics-listen" agent --once --connect "$RIG_URI" \
    --metrics-listen 127.0.0.1:0
check sova-agent.service "sova status" status --connect "$RIG_URI" --sample 0.2
check sova-controller.service "sova controller --once --dry-run" controller --once --dry-run --host "$RIG_URI"
[ $fails = 0 ] && echo "$CASE_NAME: ok" || echo "$CASE_NAME: $fails failures"
[ $fails = 0 ]
