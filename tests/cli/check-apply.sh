#!/bin/sh
# check-apply.sh — `sova controller --recommend` and `sova apply` as an operator meets
# them, on two "hosts" of libvirt's in-process test driver (test:///FILE node files; the
# test driver cannot migrate, so what is checked is everything up to the start): the
# recommendation writes a plan and moves nothing; apply refuses a broken, a stale or a
# foreign file whole (exit 2), refuses one action whose VM is no longer where the plan
# says (the rest goes on), and without --yes off a terminal carries out nothing; and
# `sova status --host` shows a host in maintenance with its evacuation's progress.
# usage: check-apply.sh SOVA_BINARY
set -u
sova=$1; fails=0; n=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

expect() {
    want=$1; pat=$2; shift 3; n=$((n + 1))
    "$sova" "$@" > "$tmp/out" 2>&1 < /dev/null; got=$?
    if [ "$got" != "$want" ] || ! grep -Eq -- "$pat" "$tmp/out"; then
        echo "FAIL: sova $* -> exit $got (want $want), output:"; sed 's/^/    /' "$tmp/out" | head -20
        echo "    (wanted a line matching: $pat)"; fails=$((fails + 1))
    else
        echo "ok: sova $*"
    fi
}
check() {   # check WHAT CONDITION...
    what=$1; shift; n=$((n + 1))
    if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}

# host a: four 1 GiB VMs (a-vm0 and a-vm1 kept together, the others never migrated) on
# 3 GiB of memory: overloaded, demand the sova policy sees unmet there; b: none, 8 GiB
dom() { # NAME UUID-SUFFIX META
    printf "<domain type='test'><name>%s</name><uuid>00000000-0000-0000-0061-%012d</uuid><memory>1048576</memory><currentMemory>1048576</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os>%s</domain>" "$1" "$2" "$3"
}
meta="<metadata><sova:vm xmlns:sova='https://sova.dev/xmlns/vm/1' together='db'/></metadata>"
stay="<metadata><sova:vm xmlns:sova='https://sova.dev/xmlns/vm/1' migrate='no'/></metadata>"
node="<node><cpu><mhz>2000</mhz><model>test</model><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads></cpu><memory>8388608</memory>"
small=$(echo "$node" | sed 's|<memory>8388608</memory>|<memory>3145728</memory>|')
{ echo "$small"; dom a-vm0 0 "$meta"; dom a-vm1 1 "$meta"; dom a-vm2 2 "$stay"; dom a-vm3 3 "$stay"; echo "</node>"; } > "$tmp/a.xml"
{ echo "$node"; echo "</node>"; } > "$tmp/b.xml"
hosts="-H test://$tmp/a.xml -H test://$tmp/b.xml"

# --recommend: a plan with the pair moving together, nothing moved
expect 0 '2 migration\(s\) recommended, nothing moved' -- controller $hosts --recommend --interval 0.2 -o "$tmp/plan.json"
check "the plan names both VMs of the together group, to one host" \
    sh -c "grep -c '\"to\" : \"test://$tmp/b.xml\"' '$tmp/plan.json' | grep -qx 2 && grep -q 'together=.db.' '$tmp/plan.json'"
check "the plan says what it assumed of source and destination" \
    sh -c "grep -q '\"assumed\"' '$tmp/plan.json' && grep -q '\"destination\"' '$tmp/plan.json'"
expect 2 'goes with --recommend' -- controller $hosts --output "$tmp/x.json"

# broken, foreign, stale: refused whole, exit 2, nothing connected to
printf '{"sova_plan": 1, "created_unix": ' > "$tmp/broken.json"
expect 2 "broken.json: not applied: not JSON" -- apply "$tmp/broken.json" $hosts --yes
printf '{"hello": 1}' > "$tmp/foreign.json"
expect 2 'not applied: the plan: no "sova_plan"' -- apply "$tmp/foreign.json" $hosts --yes
sed 's/"created_unix" : [0-9.]*/"created_unix" : 1000/' "$tmp/plan.json" > "$tmp/stale.json"
expect 2 'older than --max-age 600 s' -- apply "$tmp/stale.json" $hosts --yes
# --interval as everywhere (0.1 to 86400: the message says so), --max-age positive
expect 2 'the --interval must be a number of seconds from 0.1 to 86400 \(got 0.01\)' -- apply "$tmp/plan.json" $hosts --interval 0.01
expect 2 '--max-age must be a positive number of seconds' -- apply "$tmp/plan.json" $hosts --max-age 0
sed 's/"action" : "migrate"/"action" : "pin"/' "$tmp/plan.json" > "$tmp/pin.json"
expect 2 'action 1: "pin" is not an action sova applies' -- apply "$tmp/pin.json" $hosts --yes
expect 2 'no-such.json' -- apply "$tmp/no-such.json" $hosts --yes

# without --yes off a terminal: checked, reported, nothing carried out
expect 1 'not applied: confirm with --yes' -- apply "$tmp/plan.json" $hosts
# a VM that is no longer where the plan says: that action refused, with why
python3 - "$tmp/plan.json" "$tmp/moved.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["actions"].append(dict(p["actions"][0], vm="a-vm2", uuid="00000000-0000-0000-0061-000000000002",
                         **{"from": p["actions"][0]["to"], "to": p["actions"][0]["from"]}))
json.dump(p, open(sys.argv[2], "w"))
PY
expect 1 'refused +migrate a-vm2: .*: a-vm2 runs on test://.*a.xml now, not on .*b.xml: the plan is stale for it' -- apply "$tmp/moved.json" $hosts --yes --interval 0.2
grep -Eq 'ok +migrate a-vm0' "$tmp/out"; check "the other actions of that plan pass the checks" test $? = 0

# status: a host in maintenance, the VMs left on it, one a controller is migrating away
leaving="<metadata><sova-ctl:leaving xmlns:sova-ctl='https://sova.dev/xmlns/controller/1' to='b'/></metadata>"
{ echo "$node"; dom a-vm0 0 "$leaving"; dom a-vm1 1 "$stay"; dom a-vm2 2 ""; echo "</node>"; } > "$tmp/m.xml"
printf '[controller]\nhosts = a;b\n[host a]\nuri = test://%s/m.xml\nmaintenance = yes\n[host b]\nuri = test://%s/b.xml\n' "$tmp" "$tmp" > "$tmp/m.conf"
expect 0 '^maintenance a: evacuating, 3 VM\(s\) left to move, 1 migrating away now; may not move: a-vm1 \(may not migrate\)' -- status --config "$tmp/m.conf" --host a --host b --sample 0.2
expect 0 '"left" : 3' -- status --config "$tmp/m.conf" --host a --host b --sample 0.2 --json
printf '[controller]\nhosts = b\n[host b]\nuri = test://%s/b.xml\nmaintenance = yes\n' "$tmp" > "$tmp/e.conf"
expect 0 '^maintenance b: empty, its evacuation is done' -- status --config "$tmp/e.conf" --host b --sample 0.2

# status names contradictory rules: the VM, the rule, not moved
clash="<metadata><sova:vm xmlns:sova='https://sova.dev/xmlns/vm/1' together='x' group='g'/></metadata>"
{ echo "$node"; dom c-vm0 0 "$clash"; dom c-vm1 1 "$clash"; echo "</node>"; } > "$tmp/c.xml"
expect 0 "c-vm0 is not moved: c-vm[01], c-vm[01]: together='x' keeps them on one host but group='g' keeps them apart" -- \
    status --host "test://$tmp/c.xml" --host "test://$tmp/b.xml" --sample 0.2

echo "$((n - fails))/$n passed"
[ $fails = 0 ]
