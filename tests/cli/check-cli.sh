#!/bin/sh
# check-cli.sh — the `sova` command as a user meets it: help, exit statuses and
# messages for bad input, and `sova status` / `sova agent` against libvirt's
# in-process test driver (test:///default: 16 pCPUs, one domain "test").
# usage: check-cli.sh SOVA_BINARY
set -u
sova=$1; fails=0; n=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# expect STATUS PATTERN -- ARGS...: exit status and a line of stdout+stderr matching PATTERN
expect() {
    want=$1; pat=$2; shift 3; n=$((n + 1))
    "$sova" "$@" > "$tmp/out" 2>&1; got=$?
    if [ "$got" != "$want" ] || ! grep -Eq -- "$pat" "$tmp/out"; then
        echo "FAIL: sova $* -> exit $got (want $want), output:"; sed 's/^/    /' "$tmp/out" | head -20
        echo "    (wanted a line matching: $pat)"; fails=$((fails + 1))
    else
        echo "ok: sova $*"
    fi
}

expect 0 'agent' -- --help
expect 0 '--cpu-policy' -- agent --help
expect 2 'unknown command "frobnicate"' -- frobnicate
expect 2 'unknown cpu policy "fastest"' -- agent --connect test:///default --cpu-policy fastest
expect 2 'interval must be a number of seconds from 0.1 to 86400' -- agent --connect test:///default --interval -1
expect 2 'interval must be a number of seconds from 0.1' -- agent --connect test:///default --interval 0
# issue 16 item 5: not finite, or below the minimum (0.1 s): refused before anything runs
for v in 1e-9 0.09 inf nan -inf 1e300; do
    expect 2 'interval must be a number of seconds from 0.1' -- agent --connect test:///default --once --interval $v
    expect 2 'interval must be a number of seconds from 0.1' -- controller --host test:///default --once --interval $v
    expect 2 'sample must be a number of seconds from 0.1' -- status --connect test:///default --sample $v
done
# issue 16 item 7: a stop always ends, within a finite drain-timeout of at least 1 s
for v in 0 0.5 inf nan 1e6; do
    expect 2 'drain-timeout must be a number of seconds from 1 to 86400' -- controller --host test:///default --once --drain-timeout $v
done
expect 2 'is not a number of seconds' -- controller --host test:///default --drain-timeout soon
# SIGTERM (by PID, once it runs: its first log line comes after the handlers) stops the
# controller, logged, exit 0; a second one while nothing migrates changes nothing
n=$((n + 1))
"$sova" controller --host test:///default --interval 0.2 > "$tmp/ctl" 2>&1 & pid=$!
for _ in $(seq 100); do grep -q 'sova controller: 1 hosts' "$tmp/ctl" && break; sleep 0.1; done
kill -TERM $pid; wait $pid; rc=$?
if [ $rc = 0 ] && grep -q 'SIGTERM: stopping' "$tmp/ctl" && grep -q 'sova controller stopped' "$tmp/ctl"; then
    echo "ok: sova controller stops on SIGTERM"; else
    echo "FAIL: sova controller on SIGTERM: exit $rc, output:"; sed 's/^/    /' "$tmp/ctl"; fails=$((fails + 1)); fi
expect 2 'Unknown option --frob' -- agent --frob
expect 2 'unexpected argument "extra"' -- status extra
expect 1 'nonexistent:///nowhere' -- status --connect nonexistent:///nowhere

printf '[agent]\ninterval = 1\n\n[cpu]\npolicy = balanse\n' > "$tmp/bad.conf"
expect 2 "$tmp/bad.conf:5: policy: unknown cpu policy \"balanse\"" -- agent --config "$tmp/bad.conf" --connect test:///default
expect 2 "$tmp/missing.conf" -- agent --config "$tmp/missing.conf"

# check-config: every section, no connection; all errors with FILE:LINE, in line order
printf '[agent]\ninterval = 2\n[cpu]\nexclude = a ; b\n[controller]\nhosts = h1;h2\n[host h1]\nuri = qemu+ssh://nowhere.invalid/system\n[host h2]\nuri = test:///default\n' > "$tmp/ok.conf"
expect 0 "^$tmp/ok.conf: valid: agent \(cpu policy balance, interval 2 s, net plane off\); controller \(2 hosts" -- check-config "$tmp/ok.conf"
n=$((n + 1)); out=$("$sova" check-config --quiet "$tmp/ok.conf" 2>&1)
if [ $? = 0 ] && [ -z "$out" ]; then echo "ok: check-config --quiet"; else
    echo "FAIL: check-config --quiet printed: $out"; fails=$((fails + 1)); fi
printf '[agent]\ninterval = 1e-9\n[cpu]\nexclude = test   # keep\npolicy = balanse\n[host x]\nuri = a\n[host x]\nuri = b\n[controller]\ntimeout = inf\ndrain-timeout = 0\n' > "$tmp/bad2.conf"
expect 2 "^sova: $tmp/bad2.conf:2: interval" -- check-config "$tmp/bad2.conf"
expect 2 "^sova: $tmp/bad2.conf:4: inline comment" -- check-config "$tmp/bad2.conf"
expect 2 "^sova: $tmp/bad2.conf:5: policy: unknown cpu policy" -- check-config "$tmp/bad2.conf"
expect 2 "^sova: $tmp/bad2.conf:8: section \[host x\] again \(first at line 6\)" -- check-config "$tmp/bad2.conf"
expect 2 "^sova: $tmp/bad2.conf:11: timeout" -- check-config "$tmp/bad2.conf"
expect 2 "^sova: $tmp/bad2.conf:12: drain-timeout" -- check-config "$tmp/bad2.conf"
expect 2 "^sova: $tmp/bad2.conf: 6 errors" -- check-config "$tmp/bad2.conf"
expect 2 "$tmp/missing.conf" -- check-config "$tmp/missing.conf"
expect 2 'unexpected argument "b"' -- check-config a b
expect 2 'is not a number of seconds' -- agent --connect test:///default --interval fast

# status: the test driver's 16 pCPUs and its domain
expect 0 '16 pCPUs' -- status --connect test:///default --sample 0.2
expect 0 '^VM test ' -- status --connect test:///default --sample 0.2
"$sova" status --connect test:///default --sample 0.2 > "$tmp/st" 2>&1
rows=$(grep -cE '^ +[0-9]+ +-?[0-9]+ +-?[0-9]+ +-?[0-9]+ +(online|offline|reserved) ' "$tmp/st")
n=$((n + 1)); if [ "$rows" = 16 ]; then echo "ok: status lists 16 pCPU rows"; else
    echo "FAIL: status lists $rows pCPU rows, want 16"; cat "$tmp/st"; fails=$((fails + 1)); fi
expect 0 '"uuid" : "6695eb01-f6a4-8304-79aa-97f2502e193f"' -- status --connect test:///default --sample 0.2 --json

# agent: one interval against the test driver, as JSON; dry-run says "would pin"
expect 0 '"interval":1' -- agent --connect test:///default --once --json --interval 0.2
expect 0 '^would pin test vcpu' -- agent --connect test:///default --once --dry-run --interval 0.2

# sim-cluster: a bad scenario names FILE:LINE (exit 2); a good one runs (cluster simulator)
printf '[cluster]\nduration = 100\n[host a]\n[vm v]\nhost = b\ndemand = constant:10\n' > "$tmp/bad-cluster.conf"
expect 2 "$tmp/bad-cluster.conf:5: host: no host named \"b\"" -- sim-cluster "$tmp/bad-cluster.conf"
expect 2 'unknown cluster policy "dpm"' -- sim-cluster --policy dpm "$tmp/bad-cluster.conf"
# the agents' policies are checked too: a typo'd --net-policy once ran without any net plane
expect 2 'unknown net policy "balanse" \(known: balance, sova\)' -- sim-cluster --net-policy balanse "$tmp/bad-cluster.conf"
expect 2 'unknown cpu policy "zigzga" \(known: ' -- sim-cluster --cpu-policy zigzga "$tmp/bad-cluster.conf"
printf '[cluster]\nduration = 100\ninterval = 10\n[hosts h]\ncount = 2\n[vm v]\nhost = h1\ndemand = constant:10\n' > "$tmp/cluster.conf"
expect 0 '"migrations":0' -- sim-cluster --levels host --json "$tmp/cluster.conf"
# a --duration too long for the run's series is bad input like a bad scenario: exit 2
expect 2 'too long a run: 10000000 intervals' -- sim-cluster --duration 1e8 "$tmp/cluster.conf"
printf '[host]\npcpus = 2\n[vm a]\nvcpus = 1\ndemand = constant:10\n' > "$tmp/host.conf"
expect 2 'too long a run: 100000000 intervals' -- sim --duration 1e8 "$tmp/host.conf"
# status --host: the cluster view (two test-driver hosts), and a bad host URI named. The
# test driver's VM is configured with 8 GiB on a node of 3 GiB: overloaded, yet no move pays
expect 0 '^next \(policy sova\): .*(nothing to do|no move serves more than it costs)' -- status --host test:///default --host test:///default --sample 0.1
expect 0 '"imbalance"' -- status --host test:///default --host test:///default --sample 0.1 --json
expect 1 'no host could be read' -- status --host test:///nonexistent.xml --host test:///nonexistent2.xml --sample 0.1

echo "$((n - fails)) passed, $fails failed"
[ $fails = 0 ]
