#!/bin/sh
# bootstrap.sh — install the Debian packages sova needs to build, test and demo.
#
# Called by the Makefile before every target that needs them, so `make check` and
# `make demo` work on a fresh Debian 12 machine as root. It only touches apt when a
# package is actually missing (and only then runs `apt-get update`), so on a machine
# that already has everything it costs one dpkg-query.
#
# usage: scripts/bootstrap.sh [build|deb|test|demo|all]
#        (default: all; deb: the Debian package; test: everything make check needs)
set -eu

BUILD="meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev libjson-glib-dev libvirt-dev libvirt-glib-1.0-dev libsystemd-dev libmnl-dev"
# the daemons' Prometheus endpoint (--metrics-listen)
BUILD="$BUILD libsoup-3.0-dev"
# libFuzzer targets (make fuzz, scripts/check.sh): clang and its fuzzer runtime
FUZZ="clang libfuzzer-14-dev"
# real libvirt + QEMU guests (TCG) for the rig, the demo and the real-VM tests (jq: also
# bench/compare.sh and its unit test, which skips without it; test, demo and bench get RIG)
RIG="libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils linux-image-cloud-amd64
     busybox-static dnsmasq-base cpio gzip iproute2 iputils-ping socat bc util-linux jq procps strace"
DEMO="gnuplot-nox"
# the metrics test (promtool check metrics; installed with policy-rc.d: its service does not
# start) and `sova top` driven in tmux
TOOLS="prometheus tmux"
# the Debian package (make deb) and the install checks: debhelper, lintian, systemd-analyze
# (systemd; also gives systemd.pc), bash-completion.pc, man and groff for the man pages
PKG="build-essential dpkg-dev debhelper lintian systemd bash-completion man-db groff-base python3"

case "${1:-all}" in
    build) WANT="$BUILD" ;;
    deb)   WANT="$BUILD $PKG" ;;
    test)  WANT="$BUILD $PKG $RIG $FUZZ $TOOLS" ;;
    demo)  WANT="$BUILD $RIG $DEMO" ;;
    all)   WANT="$BUILD $PKG $RIG $FUZZ $DEMO $TOOLS" ;;
    *) echo "usage: $0 [build|deb|test|demo|all]" >&2; exit 2 ;;
esac

missing=""
for p in $WANT; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: missing packages:$missing" >&2
    echo "bootstrap: run as root (or install them) and try again" >&2
    exit 1
fi
echo "bootstrap: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the package scripts from trying to start services (no systemd here);
# the rig starts the daemons it needs itself and stops them by PID.
prc=/usr/sbin/policy-rc.d
made_prc=0
if [ ! -e $prc ]; then printf '#!/bin/sh\nexit 101\n' > $prc; chmod +x $prc; made_prc=1; fi
rc=0
apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ $made_prc = 1 ] && rm -f $prc
exit $rc
