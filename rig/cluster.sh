#!/bin/bash
# cluster.sh — sova's real-cluster rig: N libvirt "hosts" on this one machine, for the cluster
# plane's real-VM cases (tests/cluster/) and for trying `sova controller` by hand.
#
# Each host is a network + mount + UTS namespace (netns sova-cl-hI, hostname sova-cl-hI, address
# 10.231.0.1I on a bridge that lives in the switch namespace sova-cl-sw) with its own virtlogd and
# `libvirtd --listen` (TCP, no auth: test only). libvirtd's paths are compile-time constants, so each
# host gets private copies by bind mounts: /etc/libvirt, /var/lib/libvirt, /var/log/libvirt,
# /var/cache/libvirt, /etc/hosts and /run. Everything lives in one work directory (not under /run:
# each host's /run is its own, and the console logs, kernel and initramfs must be readable at the
# same path on every host). Each host's /run is a directory of the work dir, so its libvirt socket
# has a stable path in the root namespace too (it survives a libvirtd restart).
#
#   rig/cluster.sh up [--hosts N] [--for PID]   start (or reuse) the cluster; --for PID registers a
#                                               user: `down --for PID` only stops it when no other
#                                               registered user is alive
#   rig/cluster.sh down [--for PID]             destroy the rig's guests, stop the daemons by PID,
#                                               delete the namespaces; without --for: unconditionally
#                                               (also cleans up after a failed `up`)
#   rig/cluster.sh status                       hosts, daemons, URIs, guests
#   rig/cluster.sh uris [unix|tcp]              one URI per host, for `sova controller --host`
#   rig/cluster.sh vm-start HOST NAME DUTY      define + start a persistent guest (sova.mode=cpu)
#   rig/cluster.sh vm-destroy-all               destroy + undefine every sova-cl- guest on every host
#   rig/cluster.sh where VM                     the host a guest runs on
#   rig/cluster.sh kill-libvirtd HOST [--hard] | restart-libvirtd HOST   (by PID; guests keep running)
#   rig/cluster.sh leftovers                    prints what of the rig still exists; exit 1 if any
#   rig/cluster.sh net-up | vm-start-net HOST NAME IDX PPS | agent-start HOST CONF OUT |
#                  controller-start CONF OUT [ARGS] | sova-stop
#                                               the VF pool on every host, net guests, sova's agents
#                                               and controller by PID (rig/cluster-sova.sh)
#
# Reaching a host (HOST = h1, h2, ...):
#   from the root namespace:   qemu+unix:///system?socket=WORK/hosts/HOST/run/libvirt/libvirt-sock
#   from the switch namespace: ip netns exec sova-cl-sw virsh -c qemu+tcp://10.231.0.1I/system
# Both work for peer-to-peer migration: the source libvirtd opens the destination's URI itself
# (the unix path is visible in its mount namespace too) and QEMU's migration stream goes over the
# bridge (qemu.conf migration_host/migration_address).
# Knobs: SOVA_CLUSTER_DIR (/var/tmp/sova-cluster), SOVA_RIG_CACHE (/var/cache/sova-rig: guest image
# and the seeded QEMU capability cache), SOVA_BUILD_DIR (build: for the guest workload binary),
# SOVA_CLUSTER_MEM_MIB (128), SOVA_CLUSTER_NODE_STATS (frozen: each host's /proc/stat is a frozen
# copy, so node CPU utilisation reads 0 and a host's CPU load is its own guests' demand; real: the
# machine's, the same on every host).
# Sourcing this file (". rig/cluster.sh") gives the functions without running a command.
set -u

CL_PREFIX=sova-cl-
CL_NET=10.231.0
CL_DIR=${SOVA_CLUSTER_DIR:-/var/tmp/sova-cluster}; export SOVA_CLUSTER_DIR=$CL_DIR
CL_CACHE=${SOVA_RIG_CACHE:-/var/cache/sova-rig}
CL_SELF=$(readlink -f "${BASH_SOURCE[0]}")
CL_SRC=$(cd "$(dirname "$CL_SELF")/.." && pwd)

cl_log() { echo "cluster: $*" >&2; }
cl_die() { echo "cluster: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- names and addresses

cl_nhosts() { cat "$CL_DIR/nhosts" 2>/dev/null || echo 0; }
cl_hosts() { local n i; n=$(cl_nhosts); i=1; while [ "$i" -le "$n" ]; do echo "h$i"; i=$((i + 1)); done; }
cl_addr() { echo "$CL_NET.$((10 + ${1#h}))"; }
cl_hdir() { echo "$CL_DIR/hosts/$1"; }
cl_uri_unix() { echo "qemu+unix:///system?socket=$(cl_hdir "$1")/run/libvirt/libvirt-sock"; }
cl_uri_tcp() { echo "qemu+tcp://$(cl_addr "$1")/system"; }
cl_virsh() { local h=$1; shift; virsh -q -c "$(cl_uri_unix "$h")" "$@"; }

# ---------------------------------------------------------------- PIDs

. "$(dirname "$CL_SELF")/pid.sh"   # rig_stop_pid, rig_kill_pid, rig_wait_gone, rig_wait_unlocked
. "$(dirname "$CL_SELF")/cluster-sova.sh"   # the VF pool, net guests, sova's agents and controller

# alive = running: a zombie (a killed daemon whose threads are still exiting) is not alive
cl_alive() { rig_pid_running "${1:-}"; }
# cl_pid_is PID PROGRAM: PID is alive and runs PROGRAM (guards against a recycled PID)
cl_pid_is() { cl_alive "$1" && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q "$2"; }
cl_pidof() { cat "$(cl_hdir "$1")/$2.pid" 2>/dev/null; }
cl_libvirtd_pid() { cl_pidof "$1" libvirtd; }

# cl_stop_pid PID NAME [PIDFILE]: TERM, up to 5 s, then KILL; until gone (and PIDFILE unlocked).
cl_stop_pid() { rig_stop_pid "$@"; }

# ---------------------------------------------------------------- one host's daemons

# cl_inner HOST ADDR UUID: runs inside the host's new mount + UTS namespace (and its netns);
# ends by exec'ing libvirtd in the foreground, so the caller's $! is libvirtd's PID.
cl_inner() {
    local h addr uuid b; h=$1; addr=$2; uuid=$3; b=$(cl_hdir "$h")
    mount --bind "$b/run" /run                  # sockets, pid files, /run/libvirt/qemu state
    mount --bind "$b/etc" /etc/libvirt
    mount --bind "$b/lib" /var/lib/libvirt
    mount --bind "$b/log" /var/log/libvirt
    mount --bind "$b/cache" /var/cache/libvirt
    mount --bind "$b/hosts" /etc/hosts         # resolve the hosts' names without DNS
    if [ "${SOVA_CLUSTER_NODE_STATS:-frozen}" = frozen ]; then
        # Every host shares the machine's kernel, so its node CPU statistics (/proc/stat,
        # virNodeGetCPUStats) would show all hosts' guests at once and make the hosts look
        # equally loaded. Frozen counters read as an idle node: a host's CPU load is then its
        # own guests' vCPU time + delay, which are per guest and real.
        cat /proc/stat > "$b/proc-stat"
        mount --bind "$b/proc-stat" /proc/stat
    fi
    hostname "$CL_PREFIX$h"
    ip link set lo up
    virtlogd -d -p /run/virtlogd.pid || exit 1
    exec libvirtd --listen --pid-file /run/libvirtd.pid
}

# cl_host_config HOST: the host's private configuration tree.
cl_host_config() {
    local h b addr o; h=$1; b=$(cl_hdir "$h"); addr=$(cl_addr "$h")
    mkdir -p "$b/etc" "$b/lib" "$b/log" "$b/cache/qemu/capabilities" "$b/run"
    cp -a /etc/libvirt/. "$b/etc/"
    rm -f "$b"/etc/qemu/networks/autostart/*   # no 'default' network, no dnsmasq
    [ -f "$b/uuid" ] || cat /proc/sys/kernel/random/uuid > "$b/uuid"
    {
        echo 'listen_tls = 0'
        echo 'listen_tcp = 1'
        echo "listen_addr = \"$addr\""
        echo 'auth_tcp = "none"'
        echo "host_uuid = \"$(cat "$b/uuid")\""    # must differ per host (migration checks it)
        echo 'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"'
    } > "$b/etc/libvirtd.conf"
    {
        echo 'user = "+0"'                      # qemu as root: no chown of the shared kernel,
        echo 'group = "+0"'                     # initramfs and console files
        echo 'dynamic_ownership = 0'
        echo 'remember_owner = 0'
        echo 'security_driver = "none"'
        echo 'cgroup_controllers = [ ]'         # /sys/fs/cgroup is shared by all hosts
        echo "migration_host = \"$addr\""       # where the source QEMU connects to
        echo "migration_address = \"$addr\""    # where this host's incoming QEMU listens
    } > "$b/etc/qemu.conf"
    {
        echo '127.0.0.1 localhost'
        for o in $(cl_hosts); do echo "$(cl_addr "$o") $CL_PREFIX$o"; done
    } > "$b/hosts"
    [ -d "$CL_CACHE/qemu-caps" ] && cp "$CL_CACHE"/qemu-caps/*.xml "$b/cache/qemu/capabilities/" 2>/dev/null
    true
}

# cl_libvirtd_start HOST [NSPID]: start the host's daemons in new namespaces, or (NSPID: a
# process already in the host's namespaces, e.g. its virtlogd) start only libvirtd in those.
cl_libvirtd_start() {
    local h b; h=$1; b=$(cl_hdir "$h")
    if [ -n "${2:-}" ]; then
        nsenter --target "$2" --net --mount --uts \
            libvirtd --listen --pid-file /run/libvirtd.pid < /dev/null >> "$b/daemon.out" 2>&1 7>&- 8>&- 9>&- &
    else
        nsenter --net="/run/netns/$CL_PREFIX$h" unshare --mount --uts --propagation private \
            "$CL_SELF" inner "$h" "$(cl_addr "$h")" "$(cat "$b/uuid")" < /dev/null > "$b/daemon.out" 2>&1 7>&- 8>&- 9>&- &
    fi
    echo $! > "$b/libvirtd.pid"
}

# cl_wait_host HOST: until its libvirtd answers on the unix socket (30 s).
cl_wait_host() {
    for _ in $(seq 300); do
        cl_virsh "$1" uri >/dev/null 2>&1 && return 0
        cl_alive "$(cl_libvirtd_pid "$1")" || break
        sleep 0.1
    done
    cat "$(cl_hdir "$1")/daemon.out" >&2
    cl_die "host $1: libvirtd does not answer"
}

# kill-libvirtd HOST [--hard]: stop only the host's libvirtd, by PID (TERM; --hard: KILL, as if
# it crashed); its guests keep running. Returns once it is gone and its pid file unlocked.
cl_kill_libvirtd() {
    local p f; p=$(cl_libvirtd_pid "$1"); f=$(cl_hdir "$1")/run/libvirtd.pid
    cl_pid_is "$p" libvirtd || cl_die "host $1: no libvirtd of the rig is running"
    if [ "${2:-}" = --hard ]; then
        rig_kill_pid "$p" "libvirtd of $1" "$f" || cl_die "host $1: libvirtd (pid $p) did not go away"
    else
        cl_stop_pid "$p" "libvirtd of $1" "$f" || cl_die "host $1: libvirtd (pid $p) did not go away"
    fi
    cl_log "host $1: stopped libvirtd (pid $p${2:+, $2})"
}

# restart-libvirtd HOST: a new libvirtd in the host's namespaces (entered through its virtlogd),
# once the old one is gone and has let go of its pid file (whoever stopped it; issue 16).
cl_restart_libvirtd() {
    local h vl p; h=$1; vl=$(cl_pidof "$h" virtlogd); p=$(cl_libvirtd_pid "$h")
    cl_pid_is "$vl" virtlogd || cl_die "host $h: its virtlogd is gone; run down and up"
    cl_pid_is "$p" libvirtd && cl_die "host $h: libvirtd is still running"
    rig_wait_gone "$p" 30 || cl_die "host $h: the old libvirtd (pid $p) is still exiting"
    rig_wait_unlocked "$(cl_hdir "$h")/run/libvirtd.pid" 30 ||
        cl_die "host $h: $(cl_hdir "$h")/run/libvirtd.pid is still locked"
    cl_libvirtd_start "$h" "$vl"
    cl_wait_host "$h"
    cl_log "host $h: libvirtd restarted (pid $(cl_libvirtd_pid "$h"))"
}

# ---------------------------------------------------------------- up / down

cl_holders_alive() {
    local u
    for u in "$CL_DIR"/users/*; do
        [ -e "$u" ] || continue
        cl_alive "${u##*/}" && return 0
        rm -f "$u"
    done
    return 1
}

# cl_is_up: every host's libvirtd and virtlogd run and answer.
cl_is_up() {
    local h
    [ "$(cl_nhosts)" -gt 0 ] || return 1
    ip netns list | grep -q "^${CL_PREFIX}sw\b" || return 1
    for h in $(cl_hosts); do
        cl_pid_is "$(cl_libvirtd_pid "$h")" libvirtd || return 1
        cl_pid_is "$(cl_pidof "$h" virtlogd)" virtlogd || return 1
        cl_virsh "$h" uri >/dev/null 2>&1 || return 1
    done
}

cl_lock() { mkdir -p "$CL_DIR"; exec 7>"$CL_DIR/.lock"; flock -w 300 7 || cl_die "another cluster.sh holds $CL_DIR/.lock"; }

cl_network_up() {
    local sw h ns
    sw=${CL_PREFIX}sw
    ip netns add "$sw" || cl_die "cannot create netns $sw"
    ip -n "$sw" link set lo up
    ip -n "$sw" link add ${CL_PREFIX}br type bridge
    ip -n "$sw" addr add $CL_NET.1/24 dev ${CL_PREFIX}br
    ip -n "$sw" link set ${CL_PREFIX}br up
    for h in $(cl_hosts); do
        ns=$CL_PREFIX$h
        ip netns add "$ns" || cl_die "cannot create netns $ns"
        ip -n "$ns" link add eth0 type veth peer name "${CL_PREFIX}v${h#h}" netns "$sw"
        ip -n "$sw" link set "${CL_PREFIX}v${h#h}" master ${CL_PREFIX}br up
        ip -n "$ns" addr add "$(cl_addr "$h")/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
    done
}

# cl_warm_caps: probe QEMU's capabilities on every host at once (a seeded cache makes this
# instant) and keep the first host's result as the seed for the next `up`.
cl_warm_caps() {
    local w h p src
    w=""
    for h in $(cl_hosts); do cl_virsh "$h" domcapabilities >/dev/null & w="$w $!"; done
    for p in $w; do wait "$p" || cl_die "domcapabilities failed"; done
    src=$(cl_hdir h1)/cache/qemu/capabilities
    if ! diff -rq "$src" "$CL_CACHE/qemu-caps" >/dev/null 2>&1; then
        mkdir -p "$CL_CACHE/qemu-caps.new.$$"
        cp "$src"/*.xml "$CL_CACHE/qemu-caps.new.$$/" &&
            rm -rf "$CL_CACHE/qemu-caps" && mv "$CL_CACHE/qemu-caps.new.$$" "$CL_CACHE/qemu-caps"
        rm -rf "$CL_CACHE/qemu-caps.new.$$"
    fi
}

cl_up() {
    n=$1; holder=$2
    [ "$(id -u)" = 0 ] || cl_die "needs root"
    for t in virsh virtlogd libvirtd qemu-system-x86_64 ip nsenter unshare; do
        command -v $t >/dev/null || cl_die "missing $t (run: scripts/bootstrap.sh test)"
    done
    [ "$n" -ge 1 ] && [ "$n" -le 9 ] || cl_die "--hosts must be 1..9"
    cl_lock
    if cl_is_up && [ "$(cl_nhosts)" = "$n" ]; then
        cl_log "already up ($n hosts)"
    else
        if [ "$(cl_nhosts)" != "$n" ] && cl_is_up && cl_holders_alive; then
            cl_die "up with $(cl_nhosts) hosts and in use by PID(s) $(ls "$CL_DIR/users" | tr '\n' ' ')"
        fi
        cl_down_locked
        t0=$(date +%s.%N)
        mkdir -p "$CL_DIR/hosts" "$CL_DIR/users" "$CL_DIR/console" "$CL_DIR/xml" "$CL_CACHE"
        chmod 755 "$CL_DIR"
        echo "$n" > "$CL_DIR/nhosts"
        cl_network_up
        for h in $(cl_hosts); do cl_host_config "$h"; cl_libvirtd_start "$h"; done
        for h in $(cl_hosts); do
            cl_wait_host "$h"
            cp "$(cl_hdir "$h")/run/virtlogd.pid" "$(cl_hdir "$h")/virtlogd.pid"
        done
        cl_warm_caps
        cl_log "up: $n hosts in $(echo "$(date +%s.%N) - $t0" | bc) s"
    fi
    [ -n "$holder" ] && : > "$CL_DIR/users/$holder"
    cl_status
}

# cl_host_guests_down HOST: destroy and undefine its guests, stop leftover QEMUs by PID.
cl_host_guests_down() {
    local h b d f q; h=$1; b=$(cl_hdir "$h")
    if cl_pid_is "$(cl_libvirtd_pid "$h")" libvirtd; then
        for d in $(cl_virsh "$h" list --all --name 2>/dev/null); do
            cl_virsh "$h" destroy "$d" >/dev/null 2>&1
            cl_virsh "$h" undefine "$d" >/dev/null 2>&1
        done
    fi
    for f in "$b"/run/libvirt/qemu/*.pid; do
        [ -f "$f" ] || continue
        q=$(cat "$f" 2>/dev/null)
        cl_pid_is "$q" qemu-system && { cl_log "host $h: leftover QEMU pid $q"; cl_stop_pid "$q" qemu "$f"; }
    done
}

# cl_daemons_down HOST...: TERM every host's libvirtd and virtlogd at once (libvirtd takes ~2 s
# to exit), then wait until each is gone (KILL after 5 s); by PID, checked against the program name.
cl_daemons_down() {
    local pids h b p vl
    pids=""
    for h in "$@"; do
        b=$(cl_hdir "$h"); p=$(cl_libvirtd_pid "$h"); vl=$(cl_pidof "$h" virtlogd)
        [ -n "$vl" ] || vl=$(cat "$b/run/virtlogd.pid" 2>/dev/null)
        cl_pid_is "$p" libvirtd && { kill "$p"; pids="$pids $p"; }
        cl_pid_is "$vl" virtlogd && { kill "$vl"; pids="$pids $vl"; }
        rm -f "$b/libvirtd.pid" "$b/virtlogd.pid"
    done
    for p in $pids; do cl_stop_pid "$p" daemon; done
}

# cl_ns_leftovers: processes still inside one of the rig's network namespaces
cl_ns_pids() { for ns in $(ip netns list | awk '{print $1}' | grep "^$CL_PREFIX"); do ip netns pids "$ns"; done; }

cl_down_locked() {
    hs=""
    cl_sova_stop                          # sova first: nothing acts while the guests go
    cl_net_down
    for d in "$CL_DIR"/hosts/h*; do [ -d "$d" ] && hs="$hs ${d##*/}"; done
    for h in $hs; do cl_host_guests_down "$h"; done
    cl_daemons_down $hs
    # anything still running in our namespaces is ours (e.g. from a failed up): stop it by PID
    for p in $(cl_ns_pids); do
        cl_log "leftover process $p in a ${CL_PREFIX} namespace: $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | cut -c1-80)"
        cl_stop_pid "$p" "leftover"
    done
    for ns in $(ip netns list | awk '{print $1}' | grep "^$CL_PREFIX"); do ip netns del "$ns"; done
    rm -rf "$CL_DIR/hosts" "$CL_DIR/xml" "$CL_DIR/console" "$CL_DIR/nhosts"
}

cl_down() {
    holder=$1
    cl_lock
    if [ -n "$holder" ]; then
        rm -f "$CL_DIR/users/$holder"
        if cl_holders_alive; then cl_log "still in use by: $(ls "$CL_DIR/users" | tr '\n' ' ')"; return 0; fi
    fi
    cl_down_locked
    rm -rf "$CL_DIR/users"
    cl_log "down"
}

# cl_leftovers: what of the rig still exists (namespaces, processes in them, daemons); 1 if any
cl_leftovers() {
    local left ns p f
    left=0
    for ns in $(ip netns list | awk '{print $1}' | grep "^$CL_PREFIX"); do echo "netns $ns"; left=1; done
    for p in $(cl_ns_pids); do echo "process $p"; left=1; done
    for f in "$CL_DIR"/hosts/h*/libvirtd.pid "$CL_DIR"/hosts/h*/virtlogd.pid "$CL_DIR"/hosts/h*/agent.pid \
             "$CL_DIR"/hosts/h*/sink.pid "$CL_DIR/controller.pid"; do
        [ -f "$f" ] && cl_alive "$(cat "$f")" && { echo "daemon $(cat "$f") ($f)"; left=1; }
    done
    return $left
}

cl_status() {
    local up h p vl st doms
    if ! [ "$(cl_nhosts)" -gt 0 ]; then echo "cluster: down"; return 1; fi
    up=1; cl_is_up || up=0
    echo "cluster: $(cl_nhosts) hosts, work dir $CL_DIR$( [ $up = 1 ] || echo ' (NOT all up)')"
    for h in $(cl_hosts); do
        p=$(cl_libvirtd_pid "$h"); vl=$(cl_pidof "$h" virtlogd)
        st=down; cl_pid_is "$p" libvirtd && st="libvirtd $p, virtlogd $vl"
        doms=$(cl_virsh "$h" list --all 2>/dev/null | awk '{printf "%s(%s %s) ", $2, $3, $4}')
        echo "  $h ${CL_PREFIX}$h $(cl_addr "$h"): $st; guests: ${doms:-none}"
        echo "     root netns:  $(cl_uri_unix "$h")"
        echo "     ${CL_PREFIX}sw:   $(cl_uri_tcp "$h")"
    done
    [ $up = 1 ]
}

# ---------------------------------------------------------------- guests

# cl_image: the guest image (guest/build-initramfs.sh, cached); sets CL_KERNEL and CL_INITRD.
cl_image() {
    local wl img
    wl=$(readlink -f "${SOVA_BUILD_DIR:-build}")/guest/sova-workload
    img=$("$CL_SRC/guest/build-initramfs.sh" "$wl" "$CL_CACHE") || cl_die "guest image build failed"
    CL_KERNEL=$img/vmlinuz
    CL_INITRD=$img/initramfs.gz
}

# cl_domain_xml NAME CMDLINE CONSOLE_LOG: diskless TCG guest (rig/guest-xml.sh), serial console
# appended to a file that every host sees at the same path (the log follows the guest across
# migrations).
cl_domain_xml() {
    "$CL_SRC/rig/guest-xml.sh" domain --name "$1" --type qemu --memory "${SOVA_CLUSTER_MEM_MIB:-128}" \
        --kernel "$CL_KERNEL" --initrd "$CL_INITRD" --console "$3" --append --cmdline "$2"
}

# cl_vm_start HOST NAME DUTY [CONSOLE_DIR]: define and start a persistent guest running the cpu
# workload at DUTY % (NAME gets the sova-cl- prefix if it lacks it). Prints the console log path.
cl_vm_start() {
    local h name duty cdir log; h=$1; name=$2; duty=$3; cdir=${4:-$CL_DIR/console}
    case $name in "$CL_PREFIX"*) ;; *) name=$CL_PREFIX$name ;; esac
    [ -n "${CL_KERNEL:-}" ] || cl_image
    mkdir -p "$cdir" "$CL_DIR/xml"
    log=$cdir/$name.log
    rm -f "$log"
    cl_domain_xml "$name" "sova.mode=cpu sova.duty=$duty sova.threads=1" "$log" > "$CL_DIR/xml/$name.xml"
    cl_virsh "$h" define "$CL_DIR/xml/$name.xml" >/dev/null || cl_die "cannot define $name on $h"
    cl_virsh "$h" start "$name" >/dev/null || cl_die "cannot start $name on $h"
    echo "$log"
}

cl_vm_destroy_all() {
    local h d
    for h in $(cl_hosts); do
        cl_pid_is "$(cl_libvirtd_pid "$h")" libvirtd || continue
        for d in $(cl_virsh "$h" list --all --name 2>/dev/null | grep "^$CL_PREFIX"); do
            cl_virsh "$h" destroy "$d" >/dev/null 2>&1
            cl_virsh "$h" undefine "$d" >/dev/null 2>&1
        done
    done
}

# cl_where VM: the host(s) where VM is running ("" if none)
cl_where() {
    local h
    for h in $(cl_hosts); do
        cl_virsh "$h" list --name 2>/dev/null | grep -qx "$1" && echo "$h"
    done
}

# ---------------------------------------------------------------- command line

cl_main() {
    cmd=${1:-}; shift || true
    n=3; holder=""
    while [ $# -gt 0 ]; do
        case $1 in
            --hosts) n=${2:?--hosts needs a number}; shift 2 ;;
            --for) holder=${2:?--for needs a PID}; shift 2 ;;
            *) break ;;
        esac
    done
    case $cmd in
        inner) cl_inner "$@" ;;
        up) cl_up "$n" "$holder" ;;
        down) [ "$(id -u)" = 0 ] || cl_die "needs root"; cl_down "$holder" ;;
        status) cl_status ;;
        uris) for h in $(cl_hosts); do if [ "${1:-unix}" = tcp ]; then cl_uri_tcp "$h"; else cl_uri_unix "$h"; fi; done ;;
        vm-start) cl_vm_start "${1:?HOST}" "${2:?NAME}" "${3:?DUTY}" ;;
        vm-destroy-all) cl_vm_destroy_all ;;
        where) cl_where "${1:?VM}" ;;
        kill-libvirtd) cl_kill_libvirtd "${1:?HOST}" "${2:-}" ;;
        restart-libvirtd) cl_restart_libvirtd "${1:?HOST}" ;;
        leftovers) cl_leftovers ;;
        net-up) cl_net_up ;;
        vm-start-net) cl_vm_start_net "${1:?HOST}" "${2:?NAME}" "${3:?IDX}" "${4:?PPS}" ;;
        agent-start) cl_agent_start "${1:?HOST}" "${2:?CONF}" "${3:?OUT}" ;;
        controller-start) cl_controller_start "${1:?CONF}" "${2:?OUT}" "${@:3}" ;;
        sova-stop) cl_sova_stop ;;
        *) sed -n '/^#   rig/p' "$CL_SELF" | sed 's/^#   //' >&2; exit 2 ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then cl_main "$@"; fi
