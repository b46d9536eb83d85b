#!/bin/sh
# check.sh — `make check`: builds sova twice (plain, and with AddressSanitizer +
# UndefinedBehaviorSanitizer), runs the unit and libvirt suites in both, then the
# real-VM suites (rig, netrig, netvm) once in the plain build, serially (the guests share
# the machine's pCPUs), under one libvirtd. Every libFuzzer target (tests/fuzz) runs for
# FUZZ_SECONDS (default 20) under ASan+UBSan in build-fuzz, each counted as one test.
# The Debian package is built (scripts/deb.sh, in build-deb) and checked (tests/pkg/), each
# check counted as one test.
# Ends with one "N passed, N failed, N skipped" line over everything.
#
# usage: scripts/check.sh [BUILD_DIR] [ASAN_BUILD_DIR]      env: SOVA_SKIP_RIG=1 skips real VMs,
#        SOVA_SKIP_FUZZ=1 the fuzzers, FUZZ_BUILD (build-fuzz), FUZZ_SECONDS (20),
#        SOVA_SKIP_DEB=1 the Debian package, DEB_BUILD (build-deb)
set -u
B=${1:-build}; A=${2:-build-asan}
passed=0; failed=0; skipped=0; status=0

setup() { # dir [meson options]
    d=$1; shift
    [ -f "$d/build.ninja" ] || meson setup "$d" "$@" >/dev/null || exit 1
    ninja -C "$d" >/dev/null || { ninja -C "$d"; exit 1; }
}

count() { # logfile: add a meson test run's results to the totals
    log=$1
    [ -f "$log" ] || return
    p=$(grep -c '"result": "OK"' "$log"); s=$(grep -c '"result": "SKIP"' "$log")
    f=$(grep -c '"result": "\(FAIL\|TIMEOUT\|ERROR\|UNEXPECTEDPASS\)"' "$log")
    passed=$((passed + p)); skipped=$((skipped + s)); failed=$((failed + f))
}

suite() { # dir logname label meson-test-args...: each run keeps its own log in DIR/meson-logs
    d=$1; logname=$2; label=$3; shift 3
    echo "== $label"
    rm -f "$d/meson-logs/$logname.json"
    meson test -C "$d" --logbase "$logname" --print-errorlogs "$@" || status=1
    count "$d/meson-logs/$logname.json"
}

setup "$B"
setup "$A" -Db_sanitize=address,undefined -Db_lundef=false
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
suite "$A" unit-libvirt "unit + libvirt (ASan, UBSan)" --suite unit --suite libvirt
suite "$B" unit-libvirt "unit + libvirt" --suite unit --suite libvirt
if [ -z "${SOVA_SKIP_DEB:-}" ]; then
    echo "== Debian package (dpkg-buildpackage, contents, lintian)"
    D=${DEB_BUILD:-build-deb}
    if deb=$(scripts/deb.sh "$D"); then
        tests/pkg/check-deb.sh "$deb" . > "$D/check.log" 2>&1 || status=1
        cat "$D/check.log"
        passed=$((passed + $(grep -c '^ok: deb' "$D/check.log")))
        failed=$((failed + $(grep -c '^FAIL: deb' "$D/check.log")))
    else
        failed=$((failed + 1)); status=1
    fi
fi
if [ -z "${SOVA_SKIP_FUZZ:-}" ]; then
    echo "== fuzzers (libFuzzer, ASan, UBSan), ${FUZZ_SECONDS:-20} s each"
    F=${FUZZ_BUILD:-build-fuzz}
    mkdir -p "$F"; log="$F/fuzz-run.log"
    tests/fuzz/run.sh "$F" "${FUZZ_SECONDS:-20}" > "$log" 2>&1 || status=1
    grep '^fuzz ' "$log"
    passed=$((passed + $(grep -c '^fuzz [a-z-]*: ok' "$log")))
    failed=$((failed + $(grep -c '^fuzz [a-z-]*: FAIL' "$log")))
    grep -q '^fuzz: ' "$log" || { cat "$log"; failed=$((failed + 1)); }
fi
if [ -z "${SOVA_SKIP_RIG:-}" ]; then
    # one libvirtd for all real-VM suites: an already running one is used and left
    # alone; one the rig starts here is stopped (by PID) when they are done
    rig/libvirtd.sh start --for $$ || status=1
    suite "$B" rig "real VMs: cpu scheduler cases (rig)" --suite rig --num-processes 1 --verbose
    suite "$B" netrig "real VMs: VF attach/detach (netrig)" --suite netrig --num-processes 1 --verbose
    suite "$B" netvm "real VMs: net plane cases (netvm)" --suite netvm --num-processes 1 --verbose
    rig/libvirtd.sh stop --for $$ || status=1
    # the real cluster: three libvirt "hosts" in namespaces (rig/cluster.sh), held up across
    # the suite; its last case takes it down (SOVA_CLUSTER_HOLDER) and checks nothing is left
    if rig/cluster.sh up --hosts 3 --for $$ >/dev/null; then
        export SOVA_CLUSTER_HOLDER=$$
        suite "$B" cluster "real cluster: sova controller migrations (cluster)" --suite cluster --num-processes 1 --verbose
    else
        status=1
    fi
    rig/cluster.sh down --for $$ || status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
