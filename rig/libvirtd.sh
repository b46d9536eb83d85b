#!/bin/bash
# libvirtd.sh — make sure a libvirtd answers on qemu:///system, or stop the one the rig started.
#
#   rig/libvirtd.sh start [--for PID]
#                           use a live libvirtd (/run/libvirtd.pid alive and `virsh uri` answers),
#                           else start virtlogd -d and libvirtd -d and note their PIDs in /run/sova-rig;
#                           --for PID keeps it up for as long as PID lives (or until stop --for PID),
#                           across the rig runs in between (each of which would otherwise stop it)
#   rig/libvirtd.sh stop [--for PID]
#                           stop, by PID, only the daemons the rig started, and only when no other
#                           rig run uses them and no domain of someone else runs under them
#   rig/libvirtd.sh status
# The rig's scripts call the same functions themselves (rig/lib.sh); this is for hands-on use.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
[ "$(id -u)" = 0 ] || rig_die "needs root"
holder=""
[ "${2:-}" = --for ] && holder=${3:?--for needs a PID}
case "${1:-}" in
start)
    rig_libvirtd_up
    rm -f $RIG_STATE/users/$$          # this script is not a user: it exits now
    [ -n "$holder" ] && : > $RIG_STATE/users/$holder
    echo "libvirtd pid $(cat /run/libvirtd.pid) on $RIG_URI$( [ -f $RIG_STATE/libvirtd.started ] && echo ' (started by the rig)')" ;;
stop)
    mkdir -p $RIG_STATE/users
    [ -n "$holder" ] && rm -f $RIG_STATE/users/$holder
    RIG_LIBVIRTD_USER=1
    rig_libvirtd_down ;;
status)
    if rig_pidfile_alive /run/libvirtd.pid; then echo "libvirtd pid $(cat /run/libvirtd.pid)"; else echo "libvirtd not running"; fi
    [ -f $RIG_STATE/libvirtd.started ] && echo "started by the rig: pid $(cat $RIG_STATE/libvirtd.started)"
    true ;;
*) echo "usage: $0 start|stop [--for PID] | status" >&2; exit 2 ;;
esac
