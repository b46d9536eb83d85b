# net_common.sh — shared steps of the net plane's real-VM cases (sourced by tests/rig/net*.sh).
#
# Builds on common.sh (skips, rig_init, case_expect/case_end) and rig/net.sh (the isolated
# network, q35 net-mode guests, stand-in VF template, ping, bridge watcher). A case boots its
# guests on its own network (VMs and network named sova-netvm-<case>-...), changes their load
# from the host (a "rate=PPS" datagram), runs `sova agent --json` with a [net] section on the
# stand-in pool, and judges from what libvirt shows (the VF alias in the live XML, `virsh
# domifstat` of each tap) and from the agent's per-interval JSON (its net plan). Figures
# (switch latency, ping loss) are printed, never asserted.
. "$(dirname "$(readlink -f "$0")")/common.sh"
. "$RIG_SRC/rig/net.sh"
RIG_PREFIX=${SOVA_RIG_NET_PREFIX:-sova-netvm-}$(echo "$CASE_NAME" | cut -d_ -f1)-
rig_net_setup_traps
command -v socat >/dev/null || { echo "$CASE_NAME: skipped: socat not installed"; exit 77; }
command -v ping >/dev/null || { echo "$CASE_NAME: skipped: ping not installed"; exit 77; }

# net_boot "SHORT" ...: the network, then the guests (quiet until told), booted in parallel.
net_boot() {
    rig_libvirtd_up
    rig_image
    rig_virt_type
    rig_net_up
    for v in "$@"; do rig_net_vm_create "$v" 0; done
    rig_vms_wait_ready 120
}

