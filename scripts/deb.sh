#!/bin/sh
# deb.sh — `make deb`: builds OUT/sova_VERSION_ARCH.deb with debhelper (debian/,
# `dpkg-buildpackage -b -us -uc`) from a copy of the work tree's files (tracked and new,
# not ignored: no build directories), so the tree itself stays clean.
# usage: scripts/deb.sh [OUT]   (default build-deb)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build-deb}; mkdir -p "$out"; out=$(cd "$out" && pwd)
work=$out/work; rm -rf "$work"; mkdir -p "$work/sova"
cd "$root"
if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$work/sova"
else
    tar --exclude='./build*' --exclude=./debian/sova --exclude='./obj-*' -cf - . | tar -xf - -C "$work/sova"
fi
cd "$work/sova"
DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }noddebs" dpkg-buildpackage -b -us -uc > "$out/build.log" 2>&1 ||
    { tail -40 "$out/build.log"; echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2; exit 1; }
version=$(dpkg-parsechangelog -S Version); arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=sova_${version}_${arch}.deb
mv "$work/$deb" "$out/$deb"
rm -rf "$work"
echo "$out/$deb"
