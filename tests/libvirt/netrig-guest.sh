#!/bin/sh
# netrig-guest.sh — builds the netrig test's guest: the cloud kernel and a busybox
# initramfs that loads the failover + virtio_net + vmxnet3 modules (so the guest's
# net_failover pairs the stand-in VF with the standby, as on the rig), brings its
# links up, puts gip=ADDR/LEN on the interface with gmac=MAC, prints GUEST READY, then logs NETDEV-ADDED/-REMOVED lines as NICs come and go.
# Usage: netrig-guest.sh WORKDIR   -> WORKDIR/vmlinuz, WORKDIR/initrd.gz
set -eu
W=$1
KV=$(ls /lib/modules | grep cloud-amd64 | sort | tail -1)
[ -n "$KV" ] && [ -f /boot/vmlinuz-$KV ] || { echo "no cloud-amd64 kernel" >&2; exit 1; }
MODS=/lib/modules/$KV/kernel
R=$W/rootfs
mkdir -p $R/bin $R/dev $R/proc $R/sys $R/lib/mods
cp /bin/busybox $R/bin/
[ -e $R/dev/console ] || mknod -m 600 $R/dev/console c 5 1
[ -e $R/dev/null ] || mknod -m 666 $R/dev/null c 1 3
for m in net/core/failover drivers/net/net_failover drivers/virtio/virtio_ring drivers/virtio/virtio \
         drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev \
         drivers/virtio/virtio_pci drivers/net/virtio_net drivers/net/vmxnet3/vmxnet3; do
    [ -f $MODS/$m.ko ] && cp $MODS/$m.ko $R/lib/mods/
done
cat > $R/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in failover net_failover virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_net vmxnet3; do
  [ -f /lib/mods/$m.ko ] && insmod /lib/mods/$m.ko
done
for a in $(cat /proc/cmdline); do case $a in gip=*) GIP=${a#gip=};; gmac=*) GMAC=${a#gmac=};; esac; done
ip link set lo up
for p in /sys/class/net/*; do i=${p##*/}; ip link set $i up
  # the failover master (no 'master' link of its own) carries the guest's address
  [ -n "${GIP:-}" ] && [ ! -e $p/master ] && [ "$(cat $p/address)" = "${GMAC:-}" ] && ip addr add $GIP dev $i
done
echo "GUEST READY"
OLD=" $(ls /sys/class/net | tr '\n' ' ')"
while :; do NEW=" $(ls /sys/class/net | tr '\n' ' ')"
  if [ "$NEW" != "$OLD" ]; then
    for i in $NEW; do case "$OLD " in *" $i "*) ;; *) ip link set $i up; echo "NETDEV-ADDED $i";; esac; done
    for i in $OLD; do case "$NEW " in *" $i "*) ;; *) echo "NETDEV-REMOVED $i";; esac; done
    OLD="$NEW"; fi
  sleep 0.05; done
INIT
chmod +x $R/init
(cd $R && find . | cpio -o -H newc 2>/dev/null | gzip > $W/initrd.gz)
cp /boot/vmlinuz-$KV $W/vmlinuz
