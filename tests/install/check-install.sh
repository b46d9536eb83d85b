#!/bin/sh
# check-install.sh — what `meson install` (and so `make install` and the Debian package)
# puts on a machine, run from a DESTDIR: the installed sova runs; the example sova.conf is
# accepted by the installed `sova check-config` as it is and with any one key uncommented;
# a second install keeps the operator's sova.conf; both systemd units pass
# `systemd-analyze verify` and carry the hardening; both man pages render with no groff
# warning; the bash completion loads and completes commands, options and policies.
# usage: check-install.sh BUILD_DIR
set -u
build=$1; fails=0; n=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

ok()   { n=$((n + 1)); echo "ok: $*"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
check() { # description command...: passes when the command succeeds
    d=$1; shift
    if "$@" > "$tmp/out" 2>&1; then ok "$d"; else fail "$d"; sed 's/^/    /' "$tmp/out" | head -20; fi
}

meson install -C "$build" --no-rebuild --quiet --destdir "$root" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; echo "FAIL: meson install --destdir"; exit 1; }
one() { # the one installed file matching a find -path pattern
    f=$(find "$root" -path "$1" -type f)
    [ "$(printf '%s\n' "$f" | grep -c .)" = 1 ] || { echo "FAIL: not one installed $1: $f"; exit 1; }
    printf '%s' "$f"
}
sova=$(one '*/bin/sova'); conf=$(one '*/etc/sova/sova.conf')
agent_unit=$(one '*/systemd/system/sova-agent.service')
ctl_unit=$(one '*/systemd/system/sova-controller.service')
man1=$(one '*/man/man1/sova.1'); man5=$(one '*/man/man5/sova.conf.5')
completion=$(one '*/bash-completion/completions/sova')

# the binary
check "installed sova --help lists the commands" sh -c "'$sova' --help | grep -q '^  check-config'"
check "installed sova agent --help" sh -c "'$sova' agent --help | grep -q -- '--cpu-policy'"

# the example configuration: valid as it is, and with any one key set as shown
check "sova check-config accepts the installed sova.conf" \
    sh -c "'$sova' check-config '$conf' | grep -q ': valid: '"
keys=0
for ln in $(grep -n '^#[a-z-]* = ' "$conf" | cut -d: -f1); do
    key=$(sed -n "${ln}p" "$conf" | sed 's/^#\([a-z-]*\) = .*/\1/')
    [ "$key" = vf-template ] && continue   # names a file this machine need not have
    # uncomment the line, and the [host ...] / [group ...] header above it if commented
    hdr=$(head -n "$ln" "$conf" | grep -n '^#\?\[' | tail -1 | cut -d: -f1)
    sed -e "${ln}s/^#//" -e "${hdr}s/^#\[/[/" "$conf" > "$tmp/one.conf"
    case $(sed -n "${hdr}p" "$conf") in
        "#[host"*) sed -i "$((hdr + 1)),\$ s/^#uri = /uri = /" "$tmp/one.conf" ;;   # required
        "#[group"*) sed -i "$((hdr + 1)),\$ s/^#vms = /vms = /" "$tmp/one.conf" ;;
    esac
    if "$sova" check-config "$tmp/one.conf" > "$tmp/out" 2>&1; then keys=$((keys + 1))
    else fail "sova.conf with line $ln ($key) uncommented is refused: $(cat "$tmp/out")"; fi
done
[ "$keys" -gt 40 ] && ok "sova.conf: each of $keys keys uncommented alone is accepted" ||
    fail "sova.conf: only $keys keys could be uncommented"

# a second install keeps the operator's sova.conf
echo '[agent]' > "$conf"
meson install -C "$build" --no-rebuild --quiet --destdir "$root" > "$tmp/install.log" 2>&1
check "a second install keeps sova.conf, puts the example beside it" \
    sh -c "[ \"\$(cat '$conf')\" = '[agent]' ] && cmp -s '$conf.example' '$(dirname "$0")/../../data/sova.conf'"

# the units
bindir=$(dirname "$sova"); bindir=${bindir#"$root"}
for u in "$agent_unit" "$ctl_unit"; do
    name=$(basename "$u")
    check "$name: ExecStart runs the installed sova" grep -q "^ExecStart=$bindir/sova " "$u"
    # verify against the DESTDIR's binary and man pages (the unit names their final paths)
    mkdir -p "$tmp/units"; sed "s|^ExecStart=$bindir/|ExecStart=$root$bindir/|" "$u" > "$tmp/units/$name"
    check "$name: systemd-analyze verify" \
        env MANPATH="$(dirname "$(dirname "$man1")")" systemd-analyze verify "$tmp/units/$name"
    check "$name: ordered after libvirtd" grep -q '^After=.*libvirtd\.service' "$u"
    for d in 'ProtectSystem=strict' 'ProtectHome=' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
             'CapabilityBoundingSet=$' 'Type=notify'; do
        check "$name: $d" grep -q "^$d" "$u"
    done
    check "$name: ExecReload sends SIGHUP (sova.conf(5), Reload)" \
        grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' "$u"
done
# the agent's watchdog: above twice its default reconnect-max (30 s), which a loop waiting
# for libvirtd may take to come round
wd=$(sed -n 's/^WatchdogSec=\([0-9]*\)min$/\1/p' "$agent_unit")
check "agent: WatchdogSec (${wd:-none} min) exceeds 2 x reconnect-max" test "$(( ${wd:-0} * 60 ))" -gt 60
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$ctl_unit")
check "controller: TimeoutStopSec ($stop s) exceeds the 60 s drain limit" test "${stop:-0}" -gt 60

# the man pages: render with no warning from groff or man
for m in "$man1" "$man5"; do
    check "$(basename "$m"): groff -ww renders it without warnings" \
        sh -c "LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 '$m' 2>&1 | tee /dev/stderr | [ \$(wc -c) = 0 ]"
    check "$(basename "$m"): man -l renders it without warnings" \
        sh -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$m' 2>&1 >'$tmp/page' | tee /dev/stderr | [ \$(wc -c) = 0 ] && grep -q '^NAME' '$tmp/page'"
done
check "sova.conf.5 has every section of the reference" \
    sh -c "for s in '\\[agent\\]' '\\[cpu\\]' '\\[net\\]' '\\[controller\\]' '\\[host NAME\\]' '\\[group NAME\\]'; do
               grep -q \"^\\.SH \$s\" '$man5' || exit 1; done"

# the completion: loads in a plain bash and completes
comp() { # expected words... -- command line words (the last one being completed)
    want=""; while [ "$1" != -- ]; do want="$want $1"; shift; done; shift
    got=$(bash --norc --noprofile -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sova
                                      echo ${COMPREPLY[*]}' "$completion" "$@" 2>&1)
    [ "$got" = "${want# }" ] && ok "completion of '$*': $got" || fail "completion of '$*': '$got', want '${want# }'"
}
comp agent -- sova ag
comp check-config -- sova ch
comp --cpu-policy -- sova agent --cpu
comp lpt -- sova agent --cpu-policy l
comp balance zigzag lpt -- sova agent --cpu-policy ""
comp balance zigzag lpt none -- sova sim x.conf --cpu-policy ""
comp sova sova-prototype -- sova controller --policy so
comp both cluster host -- sova sim-cluster --levels ""
comp --quiet -- sova check-config --q

echo "$((n - fails)) of $n passed"
[ "$fails" = 0 ]
