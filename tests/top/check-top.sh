#!/bin/sh
# check-top.sh — `sova top` as a person uses it, against libvirt's in-process test driver
# (test:///default: 16 pCPUs, one domain "test" with 2 vCPUs): `--once` frames of a host
# and of a cluster asserted line by line; then the live view in a tmux pane (its own tmux
# server): the frame appears, `q` quits with status 0, ^C and SIGTERM end it too, and each
# time the terminal is as it was (stty settings, the normal screen back).
# usage: check-top.sh SOVA_BINARY
set -u
sova=$1; fails=0
tmp=$(mktemp -d)
sock=sova-top-test-$$
cleanup() { tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
has() {   # has FILE REGEX WHAT
    grep -Eq -- "$2" "$1" && ok "$3" || { fail "$3: no line matching $2 in:"; sed 's/^/    /' "$1"; }
}

# --- --once: one frame, no escape sequences ---
"$sova" top --connect test:///default --once --interval 0.2 > "$tmp/host" 2> "$tmp/err"
rc=$?
[ $rc = 0 ] && ok "top --once: exit 0" || { fail "top --once: exit $rc"; cat "$tmp/err"; }
f=$tmp/host
has "$f" '^sova top - .* \(test:///default\) - [0-9:]+ - interval 0\.2 s$' "header: host, URI, time, interval"
has "$f" '^16 pCPUs, util mean [0-9.]+%, stddev [0-9.]+; 1 VMs managed$' "summary line"
has "$f" '^   0 \[\.*#*\.*\] +[0-9.]+% .* 8 \[' "pCPU bars, two columns"
has "$f" '^   7 \[.*\] +[0-9.]+% off +15 \[' "offline pCPUs marked"
has "$f" '^test +0 +15 +0-15 +[0-9.]+% +[0-9.]+% +[0-9.]+%$' "VM test vCPU 0: pCPU, affinity, usage, demand, delay"
has "$f" '^ +1 +15 +0-15 ' "VM test vCPU 1"
has "$f" '^NIC .*\(VF pool 0, in use 0\)$' "NIC table with the VF pool"
has "$f" '^test +- +0\.00 +0\.00 ' "test's NIC mode and rates"
has "$f" '^next \(cpu, policy balance\): ' "the next plan and its reason"
has "$f" '^  would pin test vcpu 0: pCPU 15 -> pCPU 15 \(unpinned: bring under management\)$' "a planned action with its reason"
has "$f" '^recent changes:$' "recent changes"
grep -q "$(printf '\033')" "$f" && fail "--once output has escape sequences"

"$sova" top --host test:///default --once --interval 0.2 > "$tmp/cluster" 2> "$tmp/err"
rc=$?
[ $rc = 0 ] && ok "top --host --once: exit 0" || { fail "top --host --once: exit $rc"; cat "$tmp/err"; }
f=$tmp/cluster
has "$f" '^sova top - cluster of 1 hosts, 1 VMs - [0-9:]+$' "cluster header"
has "$f" '^imbalance [0-9.]+ \(cpu [0-9.]+, memory [0-9.]+, network [0-9.]+\)$' "imbalance per resource"
has "$f" '^test:///default +up +\[[#.]{8}\] +[0-9]+% \[[#.]{8}\] +[0-9]+% +- +1$' "host load per resource, VMs"
has "$f" '^migrations in flight:$' "migrations in flight"
has "$f" '^next \(policy sova\): ' "the next planned move and why"

"$sova" top --connect test:///default --host test:///default --once > /dev/null 2> "$tmp/err"
[ $? = 2 ] && ok "--connect with --host: exit 2" || fail "--connect with --host accepted"

# --- live, in tmux ---
command -v tmux > /dev/null || { echo "SKIP: tmux missing (scripts/bootstrap.sh test)"; exit $((fails > 0)); }
tmux -L "$sock" new-session -d -s top -x 100 -y 40 sh
pane_has() {   # pane_has REGEX: the pane shows a line matching it (within 10 s)
    i=0
    while [ $i -lt 100 ]; do
        tmux -L "$sock" capture-pane -p -t top > "$tmp/pane"
        grep -Eq -- "$1" "$tmp/pane" && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
# live RUN-NAME HOW: starts top in the pane, waits for its frame, ends it HOW (q, ^C, TERM)
live() {
    name=$1; how=$2
    rm -f "$tmp/done"
    tmux -L "$sock" send-keys -t top "clear; stty -g > $tmp/stty.before; $sova top --connect test:///default --interval 0.3; echo \$? > $tmp/rc; stty -g > $tmp/stty.after; echo top-ended; touch $tmp/done" Enter
    if pane_has '^VM +vcpu +pCPU +affinity' && pane_has '^q quits' && pane_has '^test +0 +15 '; then
        ok "$name: the live frame is drawn"
    else
        fail "$name: no frame; the pane:"; sed 's/^/    /' "$tmp/pane"
    fi
    grep -q 'stty -g' "$tmp/pane" && fail "$name: the command line is still on the screen (no alternate screen)"
    case $how in
        q) tmux -L "$sock" send-keys -t top q ;;
        ^C) tmux -L "$sock" send-keys -t top C-c ;;
        TERM) shell=$(tmux -L "$sock" display -p -t top '#{pane_pid}')
              kill -TERM "$(pgrep -P "$shell")" ;;
    esac
    i=0; while [ ! -e "$tmp/done" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "$tmp/done" ] || { fail "$name: top did not end"; return; }
    [ "$(cat "$tmp/rc")" = 0 ] && ok "$name: exit 0" || fail "$name: exit $(cat "$tmp/rc")"
    cmp -s "$tmp/stty.before" "$tmp/stty.after" && ok "$name: terminal settings restored" ||
        fail "$name: stty before $(cat "$tmp/stty.before"), after $(cat "$tmp/stty.after")"
    pane_has '^top-ended$' || fail "$name: the shell did not go on"
    if grep -q '^q quits' "$tmp/pane"; then fail "$name: the frame is still on the screen"; else ok "$name: the normal screen is back"; fi
    # the terminal echoes again: what is typed shows
    tmux -L "$sock" send-keys -t top "echo typed-$name"
    pane_has "echo typed-$name" && ok "$name: typing echoes" || fail "$name: no echo after top"
    tmux -L "$sock" send-keys -t top C-u
}
live q q
live ctrl-c ^C
live sigterm TERM

[ $fails = 0 ] && echo "top: all checks passed" || echo "top: $fails failed"
exit $((fails > 0))
