#!/bin/sh
# run.sh — builds the libFuzzer targets (clang, -Dfuzzing=true, ASan + UBSan) in their own
# build directory and runs each for SECONDS from its seed corpus (corpus/TARGET/). New
# inputs go to BUILD/fuzz-corpus/TARGET (kept between runs, outside the tree); a crash,
# leak, UBSan report, timeout (10 s) or out-of-memory (2 GiB) leaves its input in
# BUILD/fuzz-artifacts/ and fails that target. One line per target, then a total:
#   fuzz TARGET: ok (N execs in S s, corpus C)    |    fuzz TARGET: FAIL (...)
# usage: tests/fuzz/run.sh [BUILD_DIR [SECONDS [TARGET...]]]   (default build-fuzz 60, all)
set -u
B=${1:-build-fuzz}; S=${2:-60}; [ $# -ge 2 ] && shift 2 || shift $#
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f "$B/build.ninja" ]; then
    CC=clang meson setup "$B" "$root" -Dfuzzing=true -Db_sanitize=address,undefined \
        -Db_lundef=false >/dev/null || exit 1
fi
targets=${*:-$(ls "$root/tests/fuzz/corpus")}
ninja -C "$B" $(for t in $targets; do printf 'tests/fuzz/fuzz-%s ' "$t"; done) >/dev/null ||
    { ninja -C "$B"; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
passed=0; failed=0
for t in $targets; do
    work="$B/fuzz-corpus/$t"; art="$B/fuzz-artifacts"; log="$B/fuzz-logs/$t.log"
    mkdir -p "$work" "$art" "$B/fuzz-logs"
    "$B/tests/fuzz/fuzz-$t" -max_total_time="$S" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$art/$t-" "$work" "$root/tests/fuzz/corpus/$t" \
        > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    units=$(ls "$work" | wc -l)
    if [ $rc = 0 ]; then
        echo "fuzz $t: ok (${execs:-?} execs in $S s, corpus $units)"; passed=$((passed + 1))
    else
        what=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|GLib.*CRITICAL|sova-CRITICAL' "$log")
        echo "fuzz $t: FAIL (${execs:-?} execs; ${what:-exit $rc}; input: $(sed -n 's/.*Test unit written to //p' "$log" | tail -1); log: $log)"
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed = 0 ]
