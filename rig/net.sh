# net.sh — the rig's network flavour, as shell functions (sourced after rig/lib.sh by the net
# plane's real-VM cases and bench/real_net.sh).
#
# What it adds to lib.sh: an isolated libvirt network of this run (its host address is where the
# guests send), q35 guests with spare pcie-root-ports whose standby is a virtio NIC with
# <teaming type='persistent'/> and alias ua-sova-net0, booted in the guest's net mode
# (guest/netload.c); a UDP sink on the host side; the VF stand-in's interface template for the
# agent's [net] vf-template (a vmxnet3 NIC with the standby's MAC on a free root port, see
# RIG.md); the guest's load changed at run time (a "rate=PPS" datagram to its control port);
# a 50 ms ping and a bridge-port watcher for the switch figures; the agent with a [net] section.
#
# The stand-in sits on the SAME isolated network as the standby: a real VF and the host's bridge
# share the physical L2 segment, so the guest's address stays reachable through either NIC (on a
# second network the guest's frames would carry the other bridge's MAC and never reach the host).
#
# Names: VMs and networks start with SOVA_RIG_NET_PREFIX (sova-netvm-), so clean-up touches
# nothing of anyone else's. Use:
#   . rig/lib.sh; . rig/net.sh; rig_init BUILD; rig_net_setup_traps; rig_libvirtd_up
#   rig_image; rig_virt_type; rig_net_up; rig_net_vm_create a 0; rig_vms_wait_ready 120
#   rig_net_agent vf-pool=1 enter=400 ...; rig_net_rate a 1500; rig_net_wait_action attach-vf a 30
# Used by tests/rig/net*.sh and bench/real_net.sh.

RIG_PREFIX=${SOVA_RIG_NET_PREFIX:-sova-netvm-}
RIG_NET_CTL_PORT=7001
RIG_NET_SINK_PORT=5600
RIG_NET_VMS=0                       # guests created so far (their index makes IP and MAC)

# rig_net_up: create this run's isolated network (no DHCP, no DNS: no dnsmasq), pick a free /24.
rig_net_up() {
    RIG_NET=${RIG_PREFIX}$$
    RIG_NET_BRIDGE=svnv$(( $$ % 100000 ))
    for k in $(seq $(( $$ % 150 + 50 )) 254) $(seq 50 254); do
        ip -4 route show | grep -q "^10\.93\.$k\." || { RIG_NET_THIRD=$k; break; }
    done
    RIG_NET_HOST=10.93.$RIG_NET_THIRD.1
    cat > "$RIG_RUN/$RIG_NET.xml" <<EOF
<network>
  <name>$RIG_NET</name>
  <bridge name='$RIG_NET_BRIDGE' stp='off' delay='0'/>
  <dns enable='no'/>
  <ip address='$RIG_NET_HOST' netmask='255.255.255.0'/>
</network>
EOF
    rig_virsh net-create "$RIG_RUN/$RIG_NET.xml" >/dev/null || rig_die "cannot create network $RIG_NET"
    RIG_NET_UP=1
    rig_net_vf_template > "$RIG_RUN/vf-template.xml"
    rig_net_sink_start
}

# rig_net_vf_template: the stand-in "VF" (rig/guest-xml.sh vf-template: vmxnet3, no teaming,
# an explicit free root port)
rig_net_vf_template() { "$RIG_GUEST_XML" vf-template; }

# rig_net_sink_start: a UDP sink on the network's host address (else the host answers every
# datagram with an ICMP port-unreachable, which would be traffic of its own).
rig_net_sink_start() {
    socat -u "UDP-RECV:$RIG_NET_SINK_PORT,bind=$RIG_NET_HOST,reuseaddr" OPEN:/dev/null 9>&- 8>&- &
    RIG_PIDS="$RIG_PIDS $!"
}

rig_net_ip() { echo "10.93.$RIG_NET_THIRD.$(( 10 + $1 ))"; }
rig_net_mac() { printf '52:54:00:93:%02x:%02x\n' "$RIG_NET_THIRD" $(( 10 + $1 )); }

# rig_net_domain_xml NAME INDEX SCHEDULE: a q35 net-mode guest whose standby is on this run's
# network (rig/guest-xml.sh; its free root ports take the stand-in VF)
rig_net_domain_xml() {
    "$RIG_GUEST_XML" domain --name "$1" --type "$RIG_VIRT" --memory "${SOVA_RIG_NET_MEM_MIB:-160}" \
        --machine q35 --kernel "$RIG_KERNEL" --initrd "$RIG_INITRD" --console "$RIG_RUN/$1.log" \
        --cmdline "sova.mode=net sova.ip=$(rig_net_ip "$2")/24 sova.dst=$RIG_NET_HOST:$RIG_NET_SINK_PORT sova.ctl=$RIG_NET_CTL_PORT sova.net=$3" \
        --nic "network=$RIG_NET,mac=$(rig_net_mac "$2"),alias=ua-sova-net0,teaming=persistent,bus=0x01"
}

# rig_net_vm_create SHORTNAME [SCHEDULE]: boot a net-mode guest (schedule: guest/netload.c's
# sova.net, default 0 = quiet until told otherwise). Sets RIG_NET_IDX_<short> for its address.
rig_net_vm_create() {
    name=$RIG_PREFIX$1
    idx=$RIG_NET_VMS
    RIG_NET_VMS=$(( RIG_NET_VMS + 1 ))
    eval "RIG_NET_IDX_${1//-/_}=$idx"
    rig_net_domain_xml "$name" "$idx" "${2:-0}" > "$RIG_RUN/$name.xml"
    rig_virsh create "$RIG_RUN/$name.xml" >/dev/null || rig_die "cannot create $name"
    RIG_VMS="$RIG_VMS $name"
}

rig_net_vm_ip() { eval "rig_net_ip \$RIG_NET_IDX_${1//-/_}"; }

# rig_net_rate SHORTNAME PPS: set the guest's send rate (the datagram goes through its NICs
# like any host -> guest traffic; a few are sent, the guest applies the last).
rig_net_rate() {
    ip=$(rig_net_vm_ip "$1")
    for _ in 1 2 3; do echo -n "rate=$2" > "/dev/udp/$ip/$RIG_NET_CTL_PORT" 2>/dev/null; sleep 0.05; done
}

# rig_net_tap SHORTNAME ALIAS: the host tap of the VM's NIC with that alias ("" if none).
rig_net_tap() {
    rig_virsh dumpxml "$RIG_PREFIX$1" | awk -v a="$2" '
        /<interface/ { dev = ""; al = "" }
        /<target dev=/ { match($0, /dev=.[^'"'"'"]*/); dev = substr($0, RSTART + 5, RLENGTH - 5) }
        /<alias name=/ { match($0, /name=.[^'"'"'"]*/); al = substr($0, RSTART + 6, RLENGTH - 6) }
        /<\/interface>/ { if (al == a) print dev }'
}

# rig_net_ifstat SHORTNAME TAP: "rx_pkts tx_pkts" of virsh domifstat (the guest's view: rx is
# what reached the guest, tx what it sent); "0 0" when the tap is gone.
rig_net_ifstat() {
    [ -n "$2" ] || { echo "0 0"; return; }
    rig_virsh domifstat "$RIG_PREFIX$1" "$2" 2>/dev/null |
        awk '$2 == "rx_packets" { r = $3 } $2 == "tx_packets" { t = $3 } END { print r + 0, t + 0 }'
}

# rig_net_ping_start SHORTNAME OUT: host -> guest ping every 50 ms, timestamped, reporting gaps.
rig_net_ping_start() {
    ping -D -O -n -i 0.05 -W 1 "$(rig_net_vm_ip "$1")" > "$2" 2>&1 9>&- 8>&- &
    RIG_NET_PING_PID=$!
    RIG_PIDS="$RIG_PIDS $RIG_NET_PING_PID"
}

rig_net_ping_stop() { rig_bg_stop "${RIG_NET_PING_PID:-}" ping; RIG_NET_PING_PID=""; }

# rig_net_ping_lost FILE T0 T1: pings sent in [T0, T1) (unix seconds) that never got an answer
# (ping -O reports each unanswered one as the next is sent; a late answer still counts).
rig_net_ping_lost() {
    awk -v t0="$2" -v t1="$3" '
        { gsub(/[\[\]]/, "", $1) }
        /icmp_seq=/ { match($0, /icmp_seq=[0-9]+/); s = substr($0, RSTART + 9, RLENGTH - 9) + 0 }
        / bytes from / { got[s] = 1 }
        /no answer yet/ { sent[s] = $1 }
        END { n = 0; for (s in sent) if (sent[s] >= t0 && sent[s] < t1 && !(s in got)) n++; print n }' "$1"
}

# rig_net_watch_start OUT: every 20 ms, "unixtime port:rx_pkts:tx_pkts ..." of each bridge port
# (host side: a tap's rx is what the guest sent); for attach/detach latencies.
rig_net_watch_start() {
    (
        exec 9>&- 8>&-
        br=/sys/class/net/$RIG_NET_BRIDGE/brif
        while :; do
            line=$EPOCHREALTIME
            for p in "$br"/*; do
                n=${p##*/}
                [ -e "/sys/class/net/$n/statistics/rx_packets" ] || continue
                read -r rx < "/sys/class/net/$n/statistics/rx_packets" 2>/dev/null || continue
                read -r tx < "/sys/class/net/$n/statistics/tx_packets" 2>/dev/null || continue
                line="$line $n:$rx:$tx"
            done
            echo "$line"
            sleep 0.02
        done
    ) > "$1" &
    RIG_NET_WATCH_PID=$!
    RIG_PIDS="$RIG_PIDS $RIG_NET_WATCH_PID"
}

rig_net_watch_stop() { rig_bg_stop "${RIG_NET_WATCH_PID:-}" watcher; RIG_NET_WATCH_PID=""; }

# rig_net_agent_conf OUT KEY=VALUE...: the agent's config: [cpu] and [net] exclude whatever is
# not this run's, [net] runs the net plane on this run's network with the stand-in template.
rig_net_agent_conf() {
    out=$1; shift
    others=$(rig_virsh list --name 2>/dev/null | grep . | grep -vxF -f <(echo "$RIG_VMS" | tr ' ' '\n' | grep .) | tr '\n' ';')
    {
        echo "[cpu]"
        [ -z "$others" ] || echo "exclude=$others"
        echo "[net]"
        echo "vf-network=$RIG_NET"
        echo "vf-template=$RIG_RUN/vf-template.xml"
        [ -z "$others" ] || echo "exclude=$others"
        for kv in "$@"; do echo "$kv"; done
    } > "$out"
}

# rig_net_agent_start OUTFILE CONF: sova agent --json with that config (stderr to OUTFILE.log).
rig_net_agent_start() {
    [ -x "$RIG_SOVA" ] || rig_die "missing $RIG_SOVA"
    "$RIG_SOVA" agent --connect "$RIG_URI" --config "$2" --interval 1 --json > "$1" 2> "$1.log" 9>&- 8>&- &
    RIG_AGENT_PID=$!
    RIG_PIDS="$RIG_PIDS $RIG_AGENT_PID"
    RIG_AGENT_T0=$EPOCHREALTIME
}

# ---------------------------------------------------------------- the agent and the analysis

# rig_net_agent KEY=VALUE...: start the agent with [net] on this run's stand-in pool.
rig_net_agent() {
    RIG_NET_AGENT=$RIG_RUN/agent.json
    rig_net_agent_conf "$RIG_RUN/agent.conf" "$@"
    rig_net_agent_start "$RIG_NET_AGENT" "$RIG_RUN/agent.conf"
}

rig_net_intervals() { n=$(grep -c '^{' "$RIG_NET_AGENT" 2>/dev/null); echo "${n:-0}"; }

# rig_net_wait_intervals N: until the agent printed N more intervals than now.
rig_net_wait_intervals() {
    target=$(( $(rig_net_intervals) + $1 ))
    rig_agent_wait_intervals "$RIG_NET_AGENT" "$target"
}

# rig_net_actions KIND [VM]: VF actions of that kind the agent executed (net plan of intervals
# whose net part failed nothing; failed ones are counted by rig_net_failed).
rig_net_actions() {
    jq -s --arg k "$1" --arg vm "${2:+$RIG_PREFIX$2}" \
        '[.[] | select(.net) | select(.net.failed == 0) | .net.plan.actions[] |
          select(.action == $k and ($vm == "" or .vm == $vm))] | length' "$RIG_NET_AGENT"
}
rig_net_failed() { jq -s '[.[] | .net.failed // 0] | add // 0' "$RIG_NET_AGENT"; }

# rig_net_wait_action KIND SHORT MAX_INTERVALS: until the agent executed such an action (0) or not (1).
rig_net_wait_action() {
    n0=$(rig_net_actions "$1" "$2")
    for _ in $(seq "$3"); do
        rig_net_wait_intervals 1
        [ "$(rig_net_actions "$1" "$2")" -gt "$n0" ] && return 0
    done
    return 1
}

# rig_net_has_vf SHORT: the live XML holds a stand-in VF
rig_net_has_vf() { rig_virsh dumpxml "$RIG_PREFIX$1" | grep -q "alias name='ua-sova-vf"; }

# rig_net_vf_tap SHORT: the tap of the VF it holds ("" if none)
rig_net_vf_tap() {
    a=$(rig_virsh dumpxml "$RIG_PREFIX$1" | grep -o "alias name='ua-sova-vf[0-9]*'" | head -n 1 | cut -d"'" -f2)
    [ -n "$a" ] && rig_net_tap "$1" "$a"
}

# rig_net_tx_delta SHORT TAP_SB TAP_VF SECONDS: "standby_tx vf_tx" packets the guest sent through
# each NIC over SECONDS (virsh domifstat, the guest's view).
rig_net_tx_delta() {
    set -- "$1" "$2" "$3" "$4" "$(rig_net_ifstat "$1" "$2")" "$(rig_net_ifstat "$1" "$3")"
    sleep "$4"
    s1=$(rig_net_ifstat "$1" "$2"); v1=$(rig_net_ifstat "$1" "$3")
    echo "$(( ${s1#* } - ${5#* } )) $(( ${v1#* } - ${6#* } ))"
}

# rig_net_guest_gaps SHORT FROM_S TO_S: seconds (guest clock, FROM..TO) in which the guest sent nothing
rig_net_guest_gaps() {
    rig_console_lines "$RIG_RUN/$RIG_PREFIX$1.log" |
        awk -v a="$2" -v b="$3" '/^SOVA-NET / { s = $2 + 0; split($3, kv, "="); n = kv[2] + 0
            if (s > a && s <= b && seen && n == last) gaps++; last = n; seen = 1 }
        END { print gaps + 0 }'
}
rig_net_guest_second() { rig_console_lines "$RIG_RUN/$RIG_PREFIX$1.log" | grep '^SOVA-NET' | tail -n 1 | awk '{print $2}'; }
rig_net_guest_errors() { rig_console_lines "$RIG_RUN/$RIG_PREFIX$1.log" | grep '^SOVA-NET' | tail -n 1 | sed 's/.*err=//'; }

# rig_net_log_time PATTERN: unix time of the agent log's last line matching PATTERN, minus the
# seconds the line reports after "MARK" (e.g. "in", "after"): the moment the call began.
rig_net_log_time() {
    line=$(grep -E "$1" "$RIG_NET_AGENT.log" | tail -n 1)
    [ -n "$line" ] || { echo ""; return; }
    t=$(date -d "$(echo "$line" | cut -d' ' -f1)" +%s.%N)
    back=$(echo "$line" | grep -oE "$2 [0-9.]+ s" | tail -n 1 | awk '{print $2}')
    awk -v t="$t" -v b="${back:-0}" 'BEGIN { printf "%.3f\n", t - b }'
}

# rig_net_first_growth WATCHFILE PORT T0 MIN: first watcher time >= T0 at which PORT's rx (frames from
# the guest) grew by MIN since its first value at or after T0 ("" if never).
rig_net_first_growth() {
    awk -v p="$2" -v t0="$3" -v m="$4" '$1 >= t0 { for (i = 2; i <= NF; i++) { split($i, f, ":")
            if (f[1] != p) continue; if (base == "") base = f[2]
            if (f[2] - base >= m) { printf "%.3f\n", $1; exit } } }' "$1"
}

# rig_net_max_gap WATCHFILE T0 T1: longest time (s) in [T0, T1] with no frame from the guest on any port
rig_net_max_gap() {
    awk -v t0="$2" -v t1="$3" '$1 >= t0 && $1 <= t1 { s = 0
            for (i = 2; i <= NF; i++) { split($i, f, ":"); s += f[2] }
            if (last == "" || s > lsum) { if (last != "" && $1 - last > gap) gap = $1 - last; last = $1 }
            lsum = s }
        END { printf "%.2f\n", gap }' "$1"
}

rig_net_sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a - b }'; }
rig_net_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# rig_net_cleanup: the EXIT trap: our processes and VMs (lib.sh), then this run's network.
rig_net_cleanup() {
    rc=$?
    for p in $RIG_PIDS; do rig_stop_pid "$p" process; wait "$p" 2>/dev/null; done
    RIG_PIDS=""
    for v in $RIG_VMS; do rig_virsh destroy "$v" >/dev/null 2>&1; done
    RIG_VMS=""
    [ -n "${RIG_NET_UP:-}" ] && rig_virsh net-destroy "$RIG_NET" >/dev/null 2>&1
    RIG_NET_UP=""
    ( exit $rc )
    rig_cleanup
}

rig_net_setup_traps() {
    trap rig_net_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
