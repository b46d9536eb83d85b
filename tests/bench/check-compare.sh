#!/bin/sh
# check-compare.sh — bench/compare.sh pairs two builds' bench-sim-net runs seed by seed:
#  - one build against itself (2 seeds of one scenario, one mode): a difference of exactly 0
#    and a tie on every seed, for what is delivered and for the switches;
#  - the same build with [net] margin changed for the variant only: the switches differ;
#  - bench-sim-net's per-seed figures (--json "per_seed") add up to its pooled ones;
#  - --bench sim (the cpu plane's bench-sim), 2 seeds of one scenario whose seeds differ:
#    against itself 0 and ties; with [cpu] target-stddev changed for the variant only, the pin
#    changes on a scenario where that setting matters differ; bench-sim's per_seed are the
#    seeds asked for and their median (the mean of two) is its top-level figure;
#  - bad input (no such build directory, an unknown bench) exits 2 with a message.
# Skipped (77) without jq.
# usage: check-compare.sh COMPARE_SH BUILD_ROOT
set -u
compare=$1; build=$2; bad=0
command -v jq >/dev/null || { echo "no jq: skipped"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; bad=1; }
args="--only net-hot-set-40s --vf-counters pf --seeds 2 --seed-offset 3"

# the row of scenario $3 (net-hot-set-40s:pf) in the table after the line containing $2
row() { awk -v t="$2" -v r="${3:-net-hot-set-40s:pf}" 'index($0, t) { on = 1 } on && $1 == r { print; exit }' "$1"; }

"$compare" $args --keep "$tmp/same" "$build" "$build" >"$tmp/same.out" 2>&1 || fail "same build: exit $?"
cat "$tmp/same.out"
for t in "delivered x" "VF switches"; do
    r=$(row "$tmp/same.out" "$t")
    echo "$r" | grep -Eq '^net-hot-set-40s:pf +[0-9.]+ +[0-9.]+ +\+0\.0+ +0\.0+ +- +0/0/2$' ||
        fail "same build, $t: not 0 with a tie on both seeds: '$r'"
done
# per_seed: the seeds asked for, and their mean is the pooled figure
jq -e '.seed_offset == 3 and (.scenarios | length) == 1 and (.scenarios[0].balance as $c |
        ($c.per_seed | map(.seed)) == [41 + 3, 41 + 4] and
        (($c.per_seed | map(.delivered_pkts) | add / 2) - $c.delivered_pkts_per_run | fabs) < 1 and
        ($c.per_seed | map(.switches) | add / 2) == $c.switches_per_run)' "$tmp/same/base.json" >/dev/null ||
    fail "bench-sim-net's per_seed does not match its pooled figures"

printf '[net]\nmargin = 1.1\n' >"$tmp/margin.conf"
"$compare" $args --variant-config "$tmp/margin.conf" "$build" "$build" >"$tmp/margin.out" 2>&1 ||
    fail "margin variant: exit $?"
cat "$tmp/margin.out"
grep -q "variant: $build --config $tmp/margin.conf" "$tmp/margin.out" || fail "the variant's config not shown"
r=$(row "$tmp/margin.out" "VF switches")
echo "$r" | grep -Eq '\+0\.00 +0\.00 +- +0/0/2$' && fail "margin 1.1: the same switches as 1.4: '$r'"
echo "$r" | grep -Eq '^net-hot-set-40s:pf +[0-9.]+ +[0-9.]+ +[-+][0-9.]+ ' || fail "no switches row: '$r'"

# the cpu plane: noisy-walk's seeds give different pin changes
sargs="--bench sim --only noisy-walk --seeds 2 --seed-offset 2"
"$compare" $sargs --keep "$tmp/sim" "$build" "$build" >"$tmp/sim.out" 2>&1 || fail "sim, same build: exit $?"
cat "$tmp/sim.out"
for t in "worst VM" "CPU delivered x CFS" "pin changes"; do
    r=$(row "$tmp/sim.out" "$t" noisy-walk)
    echo "$r" | grep -Eq '^noisy-walk +[0-9.]+ +[0-9.]+ +\+0\.0+ +0\.0+ +- +0/0/2$' ||
        fail "sim, same build, $t: not 0 with a tie on both seeds: '$r'"
done
jq -e '.seeds == 2 and .seed_offset == 2 and (.policies | length) == 1 and (.policies[0].balance as $c |
        ($c.per_seed | map(.seed)) == [$c.run.seed, $c.run.seed + 1] and
        (($c.per_seed | map(.worst_vm_x_cfs) | add / 2) - $c.worst_vm_x_cfs | fabs) < 1e-9 and
        ($c.per_seed | map(.pin_changes) | unique | length) == 2)' "$tmp/sim/base.json" >/dev/null ||
    fail "bench-sim's per_seed: not the seeds asked for, not different, or not its median"
printf '[cpu]\ntarget-stddev = 10\n' >"$tmp/target.conf"
"$compare" --bench sim --only course-unpinned-heavy-light --seeds 2 --variant-config "$tmp/target.conf" \
    "$build" "$build" >"$tmp/target.out" 2>&1 || fail "sim target-stddev variant: exit $?"
cat "$tmp/target.out"
r=$(row "$tmp/target.out" "pin changes" course-unpinned-heavy-light)
echo "$r" | grep -Eq '^course-unpinned-heavy-light +[0-9.]+ +[0-9.]+ +-[0-9.]+ .* 2/0/0$' ||
    fail "target-stddev 10: not fewer pin changes on both seeds: '$r'"

"$compare" "$tmp/nowhere" "$build" >"$tmp/err.out" 2>&1
[ $? = 2 ] && grep -q "no build directory" "$tmp/err.out" || fail "a missing build directory: $(cat "$tmp/err.out")"
"$compare" --bench nosuch "$build" "$build" >"$tmp/err.out" 2>&1
[ $? = 2 ] && grep -q 'unknown bench "nosuch"' "$tmp/err.out" || fail "an unknown bench: $(cat "$tmp/err.out")"
exit $bad
