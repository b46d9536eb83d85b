#!/bin/sh
# build-initramfs.sh — the test guests' boot image: Debian's cloud kernel + a tiny initramfs
# (busybox-static, the static sova-workload program, an /init script, the virtio/failover/vmxnet3
# modules that /init loads, in this order, for sova.mode=net: the workload's network mode
# (guest/netload.c) then finds the failover master, addresses it and sends).
#
# Guests boot it directly (libvirt <kernel>/<initrd>, no disk). The image is cached: its directory
# name carries a hash of every input (workload binary, this script, busybox, kernel version and
# file), so it is rebuilt exactly when an input changes and concurrent users never see a
# half-written image (it is built aside and renamed into place).
#
# usage: guest/build-initramfs.sh WORKLOAD_BINARY [CACHE_DIR]
#        CACHE_DIR defaults to $SOVA_RIG_CACHE or /var/cache/sova-rig; kernel: $SOVA_RIG_KERNEL or
#        the newest /boot/vmlinuz-*-cloud-amd64.
# prints: the image directory, holding vmlinuz and initramfs.gz. Needs root (mknod).
set -eu

WORKLOAD=${1:?usage: build-initramfs.sh WORKLOAD_BINARY [CACHE_DIR]}
CACHE=${2:-${SOVA_RIG_CACHE:-/var/cache/sova-rig}}
SELF=$(readlink -f "$0")
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && [ -f "$BUSYBOX" ] || { echo "build-initramfs: busybox-static is not installed" >&2; exit 1; }
readelf -l "$BUSYBOX" 2>/dev/null | grep -q "program interpreter" &&
    { echo "build-initramfs: $BUSYBOX is not static (install busybox-static)" >&2; exit 1; }
[ -x "$WORKLOAD" ] || { echo "build-initramfs: no workload binary at $WORKLOAD" >&2; exit 1; }

KERNEL=${SOVA_RIG_KERNEL:-$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)}
[ -n "$KERNEL" ] && [ -f "$KERNEL" ] || { echo "build-initramfs: no cloud kernel in /boot (linux-image-cloud-amd64)" >&2; exit 1; }
KVER=${KERNEL##*/vmlinuz-}
MODDIR=/lib/modules/$KVER/kernel
# load order matters (RIG.md): the failover pair first, then virtio, then the NIC drivers
MODULES="net/core/failover drivers/net/net_failover drivers/virtio/virtio_ring drivers/virtio/virtio
drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci
drivers/net/virtio_net drivers/net/vmxnet3/vmxnet3"

HASH=$( { sha256sum "$WORKLOAD" "$SELF" "$BUSYBOX" "$KERNEL" | cut -d' ' -f1; echo "$KVER $MODULES"; } |
        sha256sum | cut -c1-16)
OUT=$CACHE/img-$HASH
if [ -f "$OUT/initramfs.gz" ] && [ -f "$OUT/vmlinuz" ]; then
    echo "$OUT"
    exit 0
fi

mkdir -p "$CACHE"
chmod 755 "$CACHE"
TMP=$(mktemp -d "$CACHE/.build-XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
R=$TMP/root
mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys" "$R/tmp" "$R/lib/mods"
cp "$BUSYBOX" "$R/bin/busybox"
cp "$WORKLOAD" "$R/bin/sova-workload"
strip "$R/bin/sova-workload" 2>/dev/null || true
mknod -m 600 "$R/dev/console" c 5 1
mknod -m 666 "$R/dev/null" c 1 3
for m in $MODULES; do
    if [ -f "$MODDIR/$m.ko" ]; then cp "$MODDIR/$m.ko" "$R/lib/mods/"
    elif [ -f "$MODDIR/$m.ko.xz" ]; then xz -dc "$MODDIR/$m.ko.xz" > "$R/lib/mods/${m##*/}.ko"
    else echo "build-initramfs: warning: module $m not found in $MODDIR" >&2
    fi
done
cat > "$R/init" <<'EOF'
#!/bin/busybox sh
# PID 1 of sova's test guests: mount the basics, load NIC modules in net mode, run the workload.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
case " $(cat /proc/cmdline) " in
*" sova.mode=net"*)
    for m in failover net_failover virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
             virtio_pci virtio_net vmxnet3; do
        [ -f /lib/mods/$m.ko ] && { insmod /lib/mods/$m.ko || echo "SOVA-ERROR insmod $m"; }
    done ;;
esac
echo "SOVA-BOOT uptime=$(cut -d' ' -f1 /proc/uptime)"
/bin/sova-workload
echo "SOVA-ERROR workload exited with status $?"
while :; do sleep 3600; done
EOF
chmod 755 "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -6 > "$TMP/initramfs.gz")
cp "$KERNEL" "$TMP/vmlinuz"
echo "$KVER" > "$TMP/kernel-version"
chmod 644 "$TMP/initramfs.gz" "$TMP/vmlinuz"
rm -rf "$R"
chmod 755 "$TMP"
if ! mv -T "$TMP" "$OUT" 2>/dev/null; then
    [ -f "$OUT/initramfs.gz" ] || { echo "build-initramfs: cannot install $OUT" >&2; exit 1; }
fi                                   # (a concurrent build won the race: same inputs, same image)
trap - EXIT INT TERM
rm -rf "$TMP"
# keep the cache small: older images of other inputs go
for d in "$CACHE"/img-*; do
    [ "$d" = "$OUT" ] || [ ! -d "$d" ] || [ -z "$(find "$d" -maxdepth 0 -mmin +60)" ] || rm -rf "$d"
done
echo "$OUT"
