#!/bin/bash
# guest-xml.sh — the one domain-XML template of the rig's test guests (issue 11 item 5): the
# cpu-scheduler guests (rig/lib.sh), the net plane's q35 guests (rig/net.sh), the cluster's
# persistent guests (rig/cluster.sh) and the netrig test's guest (tests/libvirt/test_netrig.c, run
# through SOVA_GUEST_XML) all come from here; so does the stand-in VF's interface template.
#
#   guest-xml.sh domain --name NAME --kernel FILE --initrd FILE --console FILE [options]
#       --type kvm|qemu        domain type (qemu: TCG, with the qemu64 CPU model); default qemu
#       --memory MIB           default 128
#       --vcpus N              default 1
#       --machine pc|q35       default pc; q35 gets a pcie-root and --root-ports free root ports
#       --root-ports N         default 4 on q35 (a hot-plugged NIC needs a free one), 0 on pc
#       --emulator PATH        default /usr/bin/qemu-system-x86_64
#       --cmdline ARGS         appended to "console=ttyS0 quiet panic=-1"
#       --append               the console file is appended to (a persistent guest's log that
#                              follows it across migrations), not truncated
#       --nic KEY=VALUE,...    one NIC, repeatable: network= (required), mac=, model= (virtio),
#                              alias=, teaming= (persistent), bus= (0x01: its PCI address)
#   guest-xml.sh vf-template [--network NET] [--bus BUS]
#       the stand-in "VF" for the agent's [net] vf-template: a vmxnet3 NIC with the standby's
#       MAC ({mac}) and the agent's alias ({alias}) on NET (default {network}: the agent's
#       vf-network), no teaming (libvirt allows transient teaming on hostdev only), at an explicit
#       free root port (default bus 0x03: conventional PCI needs one on q35)
# Every value is XML-escaped. The guests power off, reboot and crash into "destroyed".
set -u

gx_die() { echo "guest-xml.sh: $*" >&2; exit 2; }

# gx_esc VALUE: VALUE with & < > ' " escaped
gx_esc() {
    local v=$1
    v=${v//&/&amp;}; v=${v//</&lt;}; v=${v//>/&gt;}; v=${v//\'/&apos;}; v=${v//\"/&quot;}
    printf '%s' "$v"
}

# gx_nic KEY=VALUE,...: one <interface> (one line)
gx_nic() {
    local kv k v network="" mac="" model=virtio alias="" teaming="" bus=""
    local IFS=,
    for kv in $1; do
        k=${kv%%=*}; v=${kv#*=}
        case $k in
            network) network=$v ;; mac) mac=$v ;; model) model=$v ;; alias) alias=$v ;;
            teaming) teaming=$v ;; bus) bus=$v ;;
            *) gx_die "unknown NIC key '$k'" ;;
        esac
    done
    [ -n "$network" ] || gx_die "a NIC needs network="
    printf "<interface type='network'><source network='%s'/>" "$(gx_esc "$network")"
    [ -z "$mac" ] || printf "<mac address='%s'/>" "$(gx_esc "$mac")"
    printf "<model type='%s'/>" "$(gx_esc "$model")"
    [ -z "$alias" ] || printf "<alias name='%s'/>" "$(gx_esc "$alias")"
    [ -z "$teaming" ] || printf "<teaming type='%s'/>" "$(gx_esc "$teaming")"
    [ -z "$bus" ] || printf "<address type='pci' domain='0x0000' bus='%s' slot='0x00' function='0x0'/>" "$(gx_esc "$bus")"
    printf '</interface>\n'
}

gx_domain() {
    local name="" kernel="" initrd="" console="" type=qemu memory=128 vcpus=1 machine=pc ports=""
    local emulator=/usr/bin/qemu-system-x86_64 cmdline="" append="" nics=() i n line nicxml
    while [ $# -gt 0 ]; do
        case $1 in
            --append) append=" append='on'"; shift; continue ;;
            --name|--kernel|--initrd|--console|--type|--memory|--vcpus|--machine|--root-ports|\
            --emulator|--cmdline|--nic) [ $# -ge 2 ] || gx_die "$1 needs a value" ;;
            *) gx_die "unknown option '$1'" ;;
        esac
        case $1 in
            --name) name=$2 ;; --kernel) kernel=$2 ;; --initrd) initrd=$2 ;; --console) console=$2 ;;
            --type) type=$2 ;; --memory) memory=$2 ;; --vcpus) vcpus=$2 ;; --machine) machine=$2 ;;
            --root-ports) ports=$2 ;; --emulator) emulator=$2 ;; --cmdline) cmdline=$2 ;;
            --nic) nics+=("$2") ;;
        esac
        shift 2
    done
    [ -n "$name" ] && [ -n "$kernel" ] && [ -n "$initrd" ] && [ -n "$console" ] ||
        gx_die "domain needs --name, --kernel, --initrd and --console"
    case $type in kvm|qemu) ;; *) gx_die "--type must be kvm or qemu" ;; esac
    case $machine in pc|q35) ;; *) gx_die "--machine must be pc or q35" ;; esac
    [ -n "$ports" ] || { [ "$machine" = q35 ] && ports=4 || ports=0; }
    console=$(gx_esc "$console")
    nicxml=""
    for n in "${nics[@]+"${nics[@]}"}"; do line=$(gx_nic "$n") || exit 2; nicxml+="    $line"$'\n'; done
    cat <<EOF
<domain type='$type'>
  <name>$(gx_esc "$name")</name>
  <memory unit='MiB'>$(gx_esc "$memory")</memory>
  <vcpu placement='static'>$(gx_esc "$vcpus")</vcpu>
  <os>
    <type arch='x86_64' machine='$machine'>hvm</type>
    <kernel>$(gx_esc "$kernel")</kernel>
    <initrd>$(gx_esc "$initrd")</initrd>
    <cmdline>console=ttyS0 quiet panic=-1$( [ -z "$cmdline" ] || printf ' %s' "$(gx_esc "$cmdline")")</cmdline>
  </os>
  <features><acpi/></features>
EOF
    [ "$type" = qemu ] &&
        echo "  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>"
    cat <<EOF
  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <emulator>$(gx_esc "$emulator")</emulator>
    <controller type='usb' model='none'/>
EOF
    if [ "$machine" = q35 ]; then
        echo "    <controller type='pci' index='0' model='pcie-root'/>"
        for ((i = 0; i < ports; i++)); do echo "    <controller type='pci' model='pcie-root-port'/>"; done
    fi
    printf '%s' "$nicxml"
    cat <<EOF
    <serial type='file'><source path='$console'$append/><target port='0'/></serial>
    <console type='file'><source path='$console'$append/><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

gx_vf_template() {
    local network='{network}' bus=0x03
    while [ $# -gt 0 ]; do
        [ $# -ge 2 ] || gx_die "$1 needs a value"
        case $1 in --network) network=$2 ;; --bus) bus=$2 ;; *) gx_die "unknown option '$1'" ;; esac
        shift 2
    done
    gx_nic "network=$network,mac={mac},model=vmxnet3,alias={alias},bus=$bus"
}

case ${1:-} in
    domain) shift; gx_domain "$@" ;;
    vf-template) shift; gx_vf_template "$@" ;;
    *) sed -n '/^#   guest-xml.sh/,/^# Every/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
