#!/bin/sh
# compare.sh — two builds of a simulator bench on the same seeds, compared seed by seed.
#
# The simulator is deterministic, so a seed's run in the baseline and in the variant differ
# only by what changed between them; pairing the runs by seed takes the seed-to-seed spread
# (often as large as the change judged) out of the comparison. For every scenario row and
# every policy asked for, it prints the baseline's and the variant's mean over the seeds,
# the mean paired difference (variant - baseline), its standard error, the difference over
# its standard error (t) and on how many seeds the variant won, lost or tied; once for what
# the policy delivered and once for what it cost (VF switches, migrations, pin changes).
#
# Benches: sim-net (bench-sim-net --json: each seed's runs from its "per_seed" lists),
# sim-cluster (bench-sim-cluster --json, once per seed with --seed-offset) and sim, the cpu
# plane's (bench-sim --part table --json: "per_seed" too).
#
# Needs jq (scripts/bootstrap.sh installs it) and awk. Results are deterministic, so the
# two builds run side by side and the machine's load does not matter.
set -eu

usage() {
    cat <<'EOF'
usage: bench/compare.sh [OPTION...] BASE_BUILD VARIANT_BUILD

Runs a simulator bench of two meson build directories (baseline, variant) on the same
seeds and compares them seed by seed. The two may be the same directory with different
--base-config / --variant-config.

  --bench NAME           sim-net (default), sim-cluster or sim (the cpu plane's bench-sim)
  --seeds N              seeds per scenario (10: every net scenario and mode takes about
                         2 minutes of a core per build, every cpu scenario about 25 s)
  --seed-offset K        start K seeds after each scenario file's (0)
  --only TEXT            only the scenario files whose name contains TEXT
  --policy LIST          the columns to compare, comma-separated (sim-net and sim: the
                         JSON's default_policy, balance; sim-cluster: "sova (cluster only)")
  --vf-counters MODE     sim-net: one mode only, yes, pf or no (all three)
  --config FILE          sim-net, sim: the sova.conf both builds' policies use ([net]
                         settings for sim-net, [cpu] ones for sim)
  --base-config FILE     sim-net, sim: a sova.conf for the baseline only
  --variant-config FILE  sim-net, sim: a sova.conf for the variant only
  --scenarios DIR        the scenario directory (default: each build's source tree's)
  --tie EPS              a seed whose |difference| is at most EPS is a tie (0)
  --keep DIR             keep the benches' JSON and the paired figures in DIR
  -h, --help             this text

Printed, per scenario row (SCENARIO:VF-COUNTERS for sim-net): base and variant = the mean
over the seeds of each seed's figure (sim-net: delivered x that seed's optimum, VF switches
per run; sim-cluster: CPU and network delivered / demanded, migrations; sim: the worst VM's
delivered/demanded x its own under CFS, CPU delivered x CFS, both against the same seed's
CFS run, and pin changes per run); diff = the mean of variant - base, seed by seed; se = its
standard error (sd / sqrt(seeds)); t = diff / se; W/L/T = seeds on which the variant did
better / worse / the same (better: more delivered, fewer switches, migrations or pin
changes). The "all" line pools every row's seeds.
Exit status: 0, 1 when a bench failed, 2 on bad usage.
EOF
}

die() { echo "compare.sh: $*" >&2; exit 2; }
fail() { echo "compare.sh: $*" >&2; exit 1; }

bench=sim-net seeds=10 offset=0 only="" policy="" vfc="" config="" bconfig="" vconfig=""
scenarios="" tie=0 keep=""
while [ $# -gt 0 ]; do
    case "$1" in
        --*=*) opt=${1%%=*}; val=${1#*=}; shift; set -- "$opt" "$val" "$@"; continue ;;
    esac
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --bench|--seeds|--seed-offset|--only|--policy|--vf-counters|--config|--base-config|\
        --variant-config|--scenarios|--tie|--keep)
            [ $# -ge 2 ] || die "$1 needs a value (--help)"
            case "$1" in
                --bench) bench=$2 ;; --seeds) seeds=$2 ;; --seed-offset) offset=$2 ;;
                --only) only=$2 ;; --policy) policy=$2 ;; --vf-counters) vfc=$2 ;;
                --config) config=$2 ;; --base-config) bconfig=$2 ;; --variant-config) vconfig=$2 ;;
                --scenarios) scenarios=$2 ;; --tie) tie=$2 ;; --keep) keep=$2 ;;
            esac
            shift 2 ;;
        --) shift; break ;;
        -*) die "unknown option $1 (--help)" ;;
        *) break ;;
    esac
done
[ $# -eq 2 ] || die "two build directories wanted, baseline and variant (--help)"
base=$1 variant=$2

command -v jq >/dev/null || die "jq is missing (apt-get install jq, or scripts/bootstrap.sh)"
case "$bench" in
    sim-net|sim-cluster|sim) ;;
    sim-cpu) bench=sim ;;
    *) die "unknown bench \"$bench\" (sim-net, sim-cluster, sim)" ;;
esac
case "$seeds" in ''|*[!0-9]*) die "--seeds takes a positive number, not \"$seeds\"" ;; esac
[ "$seeds" -ge 1 ] || die "--seeds takes a positive number"
case "$offset" in ''|*[!0-9]*) die "--seed-offset takes a number >= 0, not \"$offset\"" ;; esac
awk -v t="$tie" 'BEGIN { exit !(t ~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/) }' ||
    die "--tie takes a number >= 0, not \"$tie\""
case "$vfc" in ''|yes|pf|no) ;; *) die "--vf-counters takes yes, pf or no" ;; esac
[ "$bench" = sim-net ] || [ -z "$vfc" ] || die "--vf-counters is sim-net's"
if [ "$bench" = sim-cluster ] && [ -n "$config$bconfig$vconfig" ]; then
    die "--config, --base-config and --variant-config are sim-net's and sim's"
fi
for f in "$config" "$bconfig" "$vconfig"; do
    [ -z "$f" ] || [ -r "$f" ] || die "no readable config file $f"
done
[ -z "$scenarios" ] || [ -d "$scenarios" ] || die "no scenario directory $scenarios"
bin=bench-$bench
for d in "$base" "$variant"; do
    [ -d "$d" ] || die "no build directory $d"
    [ -x "$d/bench/$bin" ] || die "no $d/bench/$bin (not a sova build directory, or not built: ninja -C $d)"
    # bench-sim-net and bench-sim got --seed-offset with their per-seed JSON
    "$d/bench/$bin" --help | grep -q -e --seed-offset ||
        die "$d/bench/$bin has no per-seed figures (built before bench/compare.sh): rebuild it from a tree that has them"
done
[ -n "$policy" ] || [ "$bench" != sim-cluster ] || policy="sova (cluster only)"

if [ -n "$keep" ]; then
    mkdir -p "$keep" || die "cannot make $keep"
    tmp=$keep
else
    tmp=$(mktemp -d)
fi
# the two sides run in the background, where a non-interactive shell ignores ^C for them:
# stopped by their PIDs (a sim-net or sim side is the bench itself: exec)
bpid="" vpid=""
trap '[ -n "$keep" ] || rm -rf "$tmp"' EXIT
trap 'for p in $bpid $vpid; do kill "$p" 2>/dev/null || true; done; exit 130' INT TERM

# run_seeds DIR SIDE CONFIG: bench-sim-net or bench-sim --json of build DIR, every seed in
# one run, into $tmp/SIDE.json
run_seeds() {
    dir=$1 side=$2 cfg=$3
    set -- --json --seeds "$seeds" --seed-offset "$offset"
    [ "$bench" != sim ] || set -- "$@" --part table
    [ -z "$only" ] || set -- "$@" --only "$only"
    [ -z "$vfc" ] || set -- "$@" --vf-counters "$vfc"
    [ -z "$scenarios" ] || set -- "$@" --scenarios "$scenarios"
    [ -z "$cfg" ] || set -- "$@" --config "$cfg"
    exec "$dir/bench/$bin" "$@" >"$tmp/$side.json" 2>"$tmp/$side.err"
}

# run_cluster DIR SIDE: bench-sim-cluster --json of build DIR once per seed, into $tmp/SIDE.json
run_cluster() {
    dir=$1 side=$2 k=0
    : >"$tmp/$side.json"
    while [ "$k" -lt "$seeds" ]; do
        set -- --json --seed-offset $((offset + k))
        [ -z "$only" ] || set -- "$@" --only "$only"
        [ -z "$scenarios" ] || set -- "$@" --scenarios "$scenarios"
        "$dir/bench/$bin" "$@" >>"$tmp/$side.json" 2>>"$tmp/$side.err" || return 1
        k=$((k + 1))
    done
}

# both builds side by side
run_side() {
    if [ "$bench" = sim-cluster ]; then run_cluster "$1" "$2"; else run_seeds "$1" "$2" "${3:-$config}"; fi
}
run_side "$base" base "$bconfig" & bpid=$!
run_side "$variant" variant "$vconfig" & vpid=$!
for side in base variant; do
    rc=0
    if [ $side = base ]; then wait $bpid || rc=$?; else wait $vpid || rc=$?; fi
    if [ "$rc" != 0 ]; then
        cat "$tmp/$side.err" >&2
        fail "the $side's $bin failed (exit $rc)"
    fi
    jq -e . "$tmp/$side.json" >/dev/null 2>&1 || fail "the $side's $bin printed no JSON ($tmp/$side.json)"
done

# $tmp/SIDE.tsv: row, policy, seed, metric, value; one line per seed's figure
if [ "$bench" = sim-net ]; then
    [ -n "$policy" ] || policy=$(jq -r .default_policy "$tmp/base.json")
    metrics='delivered_x_optimum	1	4	delivered x that seed'"'"'s optimum
switches	-1	2	VF switches per run (attaches + detaches)'
    extract='.scenarios[] as $r | $pols[] as $p |
        if ($r[$p] | type) != "object" then error("no column \"\($p)\" in \($side)'"'"'s JSON (columns: \([$r | to_entries[] | select(.value | type == "object") | .key] | join(", ")))")
        elif ($r[$p] | has("per_seed") | not) then error("no per-seed figures in \($side)'"'"'s JSON: its bench-sim-net is older than bench/compare.sh; rebuild it from a tree that has it")
        else $r[$p].per_seed[] | [$r.scenario, $p, .seed, "delivered_x_optimum", .delivered_x_optimum],
                                 [$r.scenario, $p, .seed, "switches", .switches] | @tsv end'
elif [ "$bench" = sim ]; then
    [ -n "$policy" ] || policy=$(jq -r .default_policy "$tmp/base.json")
    metrics='worst_vm_x_cfs	1	4	the worst VM'"'"'s delivered/demanded x its own under CFS
total_x_cfs	1	4	CPU delivered x CFS
pin_changes	-1	1	pin changes per run'
    extract='.policies[] as $r | $pols[] as $p |
        if ($r[$p] | type) != "object" then error("no policy \"\($p)\" in \($side)'"'"'s JSON (policies: \([$r | to_entries[] | select(.value | type == "object" and has("run")) | .key] | join(", ")))")
        elif ($r[$p] | has("per_seed") | not) then error("no per-seed figures in \($side)'"'"'s JSON: its bench-sim is older than bench/compare.sh; rebuild it from a tree that has it")
        else $r[$p].per_seed[] | [$r.scenario, $p, .seed, "worst_vm_x_cfs", .worst_vm_x_cfs],
                                 [$r.scenario, $p, .seed, "total_x_cfs", .total_x_cfs],
                                 [$r.scenario, $p, .seed, "pin_changes", .pin_changes] | @tsv end'
else
    metrics='cpu_delivered_ratio	1	4	CPU delivered / demanded
net_delivered_ratio	1	4	network delivered / demanded
migrations	-1	2	migrations'
    extract='.[] as $s | $pols[] as $p |
        ([$s.runs[] | select(.run == $p)] | first) as $run |
        if $run == null then error("no run \"\($p)\" in \($side)'"'"'s JSON (runs: \([$s.runs[].run] | join(", ")))")
        else ($run | [$s.scenario, $p, .seed, "cpu_delivered_ratio", .cpu_delivered_ratio],
                     [$s.scenario, $p, .seed, "net_delivered_ratio", .net_delivered_ratio],
                     [$s.scenario, $p, .seed, "migrations", .migrations]) | @tsv end'
fi
pols=$(printf %s "$policy" | jq -R -c 'split(",") | map(select(length > 0))')
for side in base variant; do
    jq -r --argjson pols "$pols" --arg side "$side" "$extract" "$tmp/$side.json" >"$tmp/$side.tsv" \
        2>"$tmp/$side.jqerr" || { sed 's/^jq: error (at [^)]*): /compare.sh: /' "$tmp/$side.jqerr" >&2; exit 1; }
    [ -s "$tmp/$side.tsv" ] || fail "no scenario run by the $side's $bin${only:+ (--only $only)}"
done
[ "$(wc -l <"$tmp/base.tsv")" = "$(wc -l <"$tmp/variant.tsv")" ] ||
    fail "the two runs do not pair: different scenarios or seeds ($tmp/base.tsv, $tmp/variant.tsv)"

echo "== $bin, each scenario file's seed +$offset .. +$((offset + seeds - 1))${only:+, --only $only}${vfc:+, --vf-counters $vfc}"
bcfg=${bconfig:-$config} vcfg=${vconfig:-$config}
echo "   base:    $base${bcfg:+ --config $bcfg}"
echo "   variant: $variant${vcfg:+ --config $vcfg}"
echo "   diff = variant - base, seed by seed; se its standard error; t = diff / se; W/L/T = seeds the"
echo "   variant did better / worse / the same (|diff| <= $tie)"
printf '%s\n' "$metrics" >"$tmp/metrics.tsv"
awk -F '\t' -v tie="$tie" -v pols="$policy" '
FILENAME == ARGV[1] { name[++nm] = $1; dir[$1] = $2; digits[$1] = $3; title[$1] = $4; next }
FILENAME == ARGV[2] {
    k = $2 SUBSEP $4 SUBSEP $1
    if (!(k SUBSEP "n" in cnt)) { cnt[k SUBSEP "n"] = 0 }
    if (!($1 in seen)) { seen[$1] = 1; row[++nr] = $1 }
    s[k SUBSEP (++cnt[k SUBSEP "n"])] = $3; b[k SUBSEP $3] = $5; next
}
{ v[$2 SUBSEP $4 SUBSEP $1 SUBSEP $3] = $5 }
function fmt_t(d, se) { return se > 0 ? sprintf("%.1f", d / se) : d == 0 ? "-" : (d > 0 ? "inf" : "-inf") }
function line(label, n, sb, sv, sd, sdd, w, l, t, dg,   mean, var, se) {
    mean = sd / n; var = n > 1 ? (sdd - n * mean * mean) / (n - 1) : 0; if (var < 0) var = 0
    se = sqrt(var / n)
    printf "%-28s %10.*f %10.*f %+10.*f %9.*f %6s %11s\n", label, dg, sb / n, dg, sv / n, dg, mean, dg, se,
        fmt_t(mean, se), w "/" l "/" t
}
END {
    np = split(pols, pol, ",")
    for (p = 1; p <= np; p++) for (m = 1; m <= nm; m++) {
        mt = name[m]; dg = digits[mt] + 0
        printf "\n%s, %s (mean over the seeds)\n", pol[p], title[mt]
        printf "%-28s %10s %10s %10s %9s %6s %11s\n", "scenario", "base", "variant", "diff", "se", "t", "W/L/T"
        an = asb = asv = asd = asdd = aw = al = at = rows = 0
        for (r = 1; r <= nr; r++) {
            k = pol[p] SUBSEP mt SUBSEP row[r]; n = cnt[k SUBSEP "n"]
            if (!n) continue
            sb = sv = sd = sdd = w = l = t = 0
            for (i = 1; i <= n; i++) {
                seed = s[k SUBSEP i]
                if (!((k SUBSEP seed) in v)) {
                    printf "compare.sh: %s seed %s: in the base, not in the variant\n", row[r], seed > "/dev/stderr"
                    bad = 1; continue
                }
                x = b[k SUBSEP seed] + 0; y = v[k SUBSEP seed] + 0; d = y - x
                sb += x; sv += y; sd += d; sdd += d * d
                if (d <= tie && -d <= tie) t++; else if (d * dir[mt] > 0) w++; else l++
            }
            line(row[r], n, sb, sv, sd, sdd, w, l, t, dg)
            rows++; an += n; asb += sb; asv += sv; asd += sd; asdd += sdd; aw += w; al += l; at += t
        }
        if (rows > 1) line("all", an, asb, asv, asd, asdd, aw, al, at, dg)
    }
    exit bad
}' "$tmp/metrics.tsv" "$tmp/base.tsv" "$tmp/variant.tsv" || fail "the two runs do not pair (different scenarios or seeds)"
