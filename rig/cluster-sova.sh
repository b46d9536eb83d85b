# cluster-sova.sh — the cluster rig's VF pool and sova's own daemons on it (sourced by
# rig/cluster.sh; its commands are cluster.sh's): both levels of sova on real guests (issue 15).
#
# VF pool: every host gets the net rig's stand-in pool (RIG.md, rig/net.sh): an isolated libvirt
# network of one name, sova-cl-vf, on every host (same bridge MAC and address, 10.94.0.1, in each
# host's namespace, so a guest that migrates keeps its neighbour: its ARP entry stays right), a
# UDP sink on that address in each host's namespace (else the host answers every datagram with
# an ICMP error), and the stand-in "VF" template (rig/guest-xml.sh vf-template: a vmxnet3 NIC
# with the standby's MAC on the same network). Net guests are q35 with a virtio standby carrying
# <teaming type='persistent'/> and alias ua-sova-net0, booted in the guest's net mode
# (guest/netload.c): they send UDP to the sink at a fixed rate from boot on.
# Daemons: `sova agent` per host (its unix-socket URI, cpu and net planes, --json) and one
# `sova controller`, each started in the background with its PID in the work dir and stopped by
# that PID (rig/pid.sh): on `down` too, before the guests and libvirtds go.
#
#   cluster.sh net-up                          the VF network and sink on every host (idempotent)
#   cluster.sh vm-start-net HOST NAME IDX PPS  define + start a persistent net guest (address
#                                              10.94.0.(10+IDX), sending PPS datagrams/s)
#   cluster.sh agent-start HOST CONF OUT       sova agent --json on HOST (stdout OUT, stderr OUT.log)
#   cluster.sh controller-start CONF OUT [ARGS]  sova controller --json (stdout OUT, stderr OUT.log)
#   cluster.sh sova-stop                       SIGINT the controller (it follows its migrations
#                                              to their end), TERM the agents; by PID

CL_VF_NET=${CL_PREFIX}vf
CL_VF_BRIDGE=sovaclvf
CL_VF_ADDR=10.94.0.1
CL_VF_MAC=52:54:00:94:00:01
CL_VF_SINK_PORT=5600

cl_sova_bin() { echo "$(readlink -f "${SOVA_BUILD_DIR:-build}")/src/cli/sova"; }

# cl_vf_template: the stand-in VF's interface template (the agents' and controller's vf-template)
cl_vf_template() { echo "$CL_DIR/vf-template.xml"; }

# cl_net_up: the VF network on every host (one name, one bridge MAC and address everywhere) and
# a UDP sink in each host's namespace; what exists already is kept
cl_net_up() {
    local h b
    mkdir -p "$CL_DIR/xml"
    cat > "$CL_DIR/xml/$CL_VF_NET.xml" <<EOF
<network>
  <name>$CL_VF_NET</name>
  <bridge name='$CL_VF_BRIDGE' stp='off' delay='0'/>
  <mac address='$CL_VF_MAC'/>
  <dns enable='no'/>
  <ip address='$CL_VF_ADDR' netmask='255.255.255.0'/>
</network>
EOF
    "$CL_SRC/rig/guest-xml.sh" vf-template > "$(cl_vf_template)"
    for h in $(cl_hosts); do
        b=$(cl_hdir "$h")
        mkdir -p "$b/lib/dnsmasq"          # the host's private /var/lib/libvirt starts empty
        cl_virsh "$h" net-info "$CL_VF_NET" >/dev/null 2>&1 ||
            cl_virsh "$h" net-create "$CL_DIR/xml/$CL_VF_NET.xml" >/dev/null ||
            cl_die "host $h: cannot create network $CL_VF_NET"
        cl_pid_is "$(cl_pidof "$h" sink)" socat && continue
        ip netns exec "$CL_PREFIX$h" socat -u "UDP-RECV:$CL_VF_SINK_PORT,bind=$CL_VF_ADDR,reuseaddr" \
            OPEN:/dev/null < /dev/null > /dev/null 2>&1 7>&- 8>&- 9>&- &
        echo $! > "$b/sink.pid"
    done
}

cl_net_ip() { echo "10.94.0.$((10 + $1))"; }
cl_net_mac() { printf '52:54:00:94:01:%02x\n' "$((10 + $1))"; }

# cl_vm_start_net HOST NAME IDX PPS [CONSOLE_DIR]: a persistent q35 net guest on the VF network
# (its standby the teaming NIC, free root ports for the stand-in), sending PPS datagrams/s to the
# sink from boot on. Prints the console log path.
cl_vm_start_net() {
    local h name idx pps cdir log; h=$1; name=$2; idx=$3; pps=$4; cdir=${5:-$CL_DIR/console}
    case $name in "$CL_PREFIX"*) ;; *) name=$CL_PREFIX$name ;; esac
    [ -n "${CL_KERNEL:-}" ] || cl_image
    mkdir -p "$cdir" "$CL_DIR/xml"
    log=$cdir/$name.log
    rm -f "$log"
    "$CL_SRC/rig/guest-xml.sh" domain --name "$name" --type qemu --memory "${SOVA_CLUSTER_NET_MEM_MIB:-160}" \
        --machine q35 --kernel "$CL_KERNEL" --initrd "$CL_INITRD" --console "$log" --append \
        --cmdline "sova.mode=net sova.ip=$(cl_net_ip "$idx")/24 sova.dst=$CL_VF_ADDR:$CL_VF_SINK_PORT sova.net=$pps" \
        --nic "network=$CL_VF_NET,mac=$(cl_net_mac "$idx"),alias=ua-sova-net0,teaming=persistent,bus=0x01" \
        > "$CL_DIR/xml/$name.xml" || cl_die "no XML for $name"
    cl_virsh "$h" define "$CL_DIR/xml/$name.xml" >/dev/null || cl_die "cannot define $name on $h"
    cl_virsh "$h" start "$name" >/dev/null || cl_die "cannot start $name on $h"
    echo "$log"
}

# cl_agent_start HOST CONF OUT: sova agent on HOST, every second, JSON lines to OUT
cl_agent_start() {
    local h b; h=$1; b=$(cl_hdir "$1")
    cl_pid_is "$(cl_pidof "$h" agent)" "sova agent" && cl_die "host $h: an agent runs already"
    "$(cl_sova_bin)" agent --connect "$(cl_uri_unix "$h")" --config "$2" --interval 1 --json \
        < /dev/null > "$3" 2> "$3.log" 7>&- 8>&- 9>&- &
    echo $! > "$b/agent.pid"
}

# cl_controller_start CONF OUT [ARGS...]: one sova controller, JSON lines to OUT
cl_controller_start() {
    local conf out; conf=$1; out=$2; shift 2
    cl_pid_is "$(cat "$CL_DIR/controller.pid" 2>/dev/null)" "sova controller" && cl_die "a controller runs already"
    "$(cl_sova_bin)" controller --config "$conf" --json "$@" < /dev/null > "$out" 2> "$out.log" 7>&- 8>&- 9>&- &
    echo $! > "$CL_DIR/controller.pid"
}

# cl_controller_stop: SIGINT (it drains its migrations, drain-timeout at most), then by PID
cl_controller_stop() {
    local p; p=$(cat "$CL_DIR/controller.pid" 2>/dev/null)
    if cl_pid_is "$p" "sova controller"; then
        kill -INT "$p"
        rig_wait_gone "$p" 70 || cl_stop_pid "$p" controller
    fi
    rm -f "$CL_DIR/controller.pid"
}

# cl_sova_stop: the controller, then every host's agent (TERM, by PID)
cl_sova_stop() {
    local h p
    cl_controller_stop
    for h in $(cl_hosts); do
        p=$(cl_pidof "$h" agent)
        cl_pid_is "$p" "sova agent" && cl_stop_pid "$p" "agent of $h"
        rm -f "$(cl_hdir "$h")/agent.pid"
    done
}

# cl_net_down: the sinks, by PID (the network goes with its libvirtd and namespace)
cl_net_down() {
    local h p
    for h in $(cl_hosts); do
        p=$(cl_pidof "$h" sink)
        cl_pid_is "$p" socat && cl_stop_pid "$p" "sink of $h"
        rm -f "$(cl_hdir "$h")/sink.pid"
    done
}
