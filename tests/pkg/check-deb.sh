#!/bin/sh
# check-deb.sh — the Debian package `make deb` built: its files (the binary, both units,
# the example /etc/sova/sova.conf as a conffile, both man pages, the completion), its
# version (meson's), maintainer scripts that enable and start nothing on a first install,
# lintian without errors, and the packaged sova run from the unpacked package.
# Prints one ok:/FAIL: line per check and lintian's tags.
# usage: check-deb.sh DEB SOURCE_ROOT
set -u
deb=$1; root=$2; fails=0; n=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok()   { n=$((n + 1)); echo "ok: deb: $*"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "FAIL: deb: $*"; }
check() { d=$1; shift
    if "$@" > "$tmp/out" 2>&1; then ok "$d"; else fail "$d"; sed 's/^/    /' "$tmp/out" | head -20; fi; }

[ -f "$deb" ] || { echo "FAIL: deb: no package $deb"; exit 1; }
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' > "$tmp/files"
for f in /usr/bin/sova /lib/systemd/system/sova-agent.service /lib/systemd/system/sova-controller.service \
         /etc/sova/sova.conf /usr/share/man/man1/sova.1.gz /usr/share/man/man5/sova.conf.5.gz \
         /usr/share/bash-completion/completions/sova /usr/share/doc/sova/copyright; do
    check "contains $f" grep -qx "$f" "$tmp/files"
done
version=$(sed -n "s/^ *version : '\([^']*\)',.*/\1/p" "$root/meson.build")
check "version is meson's ($version)" sh -c "dpkg-deb -f '$deb' Version | grep -qx '$version'"
check "file name is sova_VERSION_ARCH.deb" \
    test "$(basename "$deb")" = "sova_${version}_$(dpkg-deb -f "$deb" Architecture).deb"

dpkg-deb -e "$deb" "$tmp/control"
check "/etc/sova/sova.conf is a conffile" grep -qx /etc/sova/sova.conf "$tmp/control/conffiles"
# dh_installsystemd --no-enable: a unit is enabled again only if it was (was-enabled), and
# deb-systemd-invoke starts only enabled units; nothing calls systemctl enable or start
check "postinst enables a unit only when it was enabled before" \
    awk '/was-enabled/ { w = NR } /deb-systemd-helper enable/ && NR > w + 2 { bad = 1 }
         /systemctl .*(enable|start)/ { bad = 1 } END { exit bad || !w }' "$tmp/control/postinst"

# the packaged binary and configuration, unpacked
dpkg-deb -x "$deb" "$tmp/root"
check "packaged sova --help" sh -c "'$tmp/root/usr/bin/sova' --help | grep -q '^  agent'"
check "packaged sova check-config accepts the packaged sova.conf" \
    sh -c "'$tmp/root/usr/bin/sova' check-config '$tmp/root/etc/sova/sova.conf' | grep -q ': valid: '"
check "units run /usr/bin/sova with /etc/sova/sova.conf" \
    sh -c "grep -q '^ExecStart=/usr/bin/sova agent --config /etc/sova/sova.conf\$' '$tmp/root/lib/systemd/system/sova-agent.service' &&
           grep -q '^ExecStart=/usr/bin/sova controller --config /etc/sova/sova.conf\$' '$tmp/root/lib/systemd/system/sova-controller.service'"

# lintian: errors fail; the tags it prints (warnings, info) are shown
lintian --fail-on error --display-info "$deb" > "$tmp/lintian" 2>&1; rc=$?
grep -v 'running with root privileges' "$tmp/lintian" | sed 's/^/    lintian: /'
[ $rc = 0 ] && ok "lintian: no errors ($(grep -c '^W: ' "$tmp/lintian") warnings)" || fail "lintian: errors"

echo "deb: $((n - fails)) of $n passed"
[ "$fails" = 0 ]
