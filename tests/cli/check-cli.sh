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
expect 2 'interval must be a positive' -- agent --connect test:///default --interval -1
expect 2 'interval must be a positive' -- agent --connect test:///default --interval 0
expect 2 'Unknown option --frob' -- agent --frob
expect 2 'unexpected argument "extra"' -- status extra
expect 1 'nonexistent:///nowhere' -- status --connect nonexistent:///nowhere

printf '[agent]\ninterval = 1\n\n[cpu]\npolicy = balanse\n' > "$tmp/bad.conf"
expect 2 "$tmp/bad.conf:5: policy: unknown cpu policy \"balanse\"" -- agent --config "$tmp/bad.conf" --connect test:///default
expect 2 "$tmp/missing.conf" -- agent --config "$tmp/missing.conf"

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
expect 2 'unknown cluster policy "drs"' -- sim-cluster --policy drs "$tmp/bad-cluster.conf"
printf '[cluster]\nduration = 100\ninterval = 10\n[hosts h]\ncount = 2\n[vm v]\nhost = h1\ndemand = constant:10\n' > "$tmp/cluster.conf"
expect 0 '"migrations":0' -- sim-cluster --levels host --json "$tmp/cluster.conf"
# status --host: the cluster view (two test-driver hosts), and a bad host URI named. The
# test driver's VM is configured with 8 GiB on a node of 3 GiB: overloaded, yet no move pays
expect 0 '^next \(policy sova\): .*(nothing to do|no move gains more than it costs)' -- status --host test:///default --host test:///default --sample 0.1
expect 0 '"imbalance"' -- status --host test:///default --host test:///default --sample 0.1 --json
expect 1 'no host could be read' -- status --host test:///nonexistent.xml --host test:///nonexistent2.xml --sample 0.1

echo "$((n - fails)) passed, $fails failed"
[ $fails = 0 ]
