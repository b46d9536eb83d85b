#!/bin/sh
# check-metrics.sh — Prometheus metrics as an operator scrapes them: `sova agent` and
# `sova controller` on libvirt's in-process test driver (test:///default) with
# --metrics-listen (and [metrics] listen in a file), scraped with curl, the scrape checked
# by `promtool check metrics` (Debian's prometheus package) and for the families and
# values sova(1) documents; no listener without the option; a bad address or a port
# already taken refused.
# usage: check-metrics.sh SOVA_BINARY
set -u
sova=$1; fails=0
tmp=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
for tool in curl promtool ss; do
    command -v $tool >/dev/null || { echo "SKIP: $tool missing (scripts/bootstrap.sh test)"; exit 77; }
done
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# start NAME ARGS...: runs sova in the background, its stderr in $tmp/NAME.log; sets $pid
start() {
    name=$1; shift
    "$sova" "$@" > "$tmp/$name.out" 2> "$tmp/$name.log" &
    pid=$!; pids="$pids $pid"
}
# url NAME: the URL the daemon logged ("metrics: serving URL"), waiting for the line (10 s at most)
url() {
    i=0
    while [ $i -lt 100 ]; do
        u=$(sed -n 's/.*metrics: serving \(http[^ ]*\).*/\1/p' "$tmp/$1.log")
        [ -n "$u" ] && { echo "$u"; return 0; }
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
# scrape URL FILE PATTERN: scrapes until a line matches PATTERN (the first intervals done; 10 s at most)
scrape() {
    i=0
    while [ $i -lt 100 ]; do
        curl -sf "$1" > "$2" && grep -Eq "$3" "$2" && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
# stop PID: SIGTERM, and it exits 0
stop() {
    kill -TERM "$1"; wait "$1"; rc=$?
    [ $rc = 0 ] || fail "exit status $rc after SIGTERM"
}
has() {   # has FILE LINE-REGEX WHAT
    grep -Eq "$2" "$1" && ok "$3" || { fail "$3: no line matching $2"; sed 's/^/    /' "$1" | head -60; }
}

# --- the agent ---
start agent agent --connect test:///default --interval 0.2 --dry-run --metrics-listen 127.0.0.1:0
agent=$pid
u=$(url agent) || { fail "the agent logged no metrics URL"; cat "$tmp/agent.log"; exit 1; }
case $u in http://127.0.0.1:[0-9]*/metrics) ok "agent serves $u" ;; *) fail "odd URL $u" ;; esac
scrape "$u" "$tmp/agent.prom" '^sova_agent_intervals_total [2-9]' || fail "no second interval in the scrape"
if promtool check metrics < "$tmp/agent.prom" > "$tmp/promtool" 2>&1; then
    ok "promtool check metrics: agent"
else
    fail "promtool check metrics (agent):"; cat "$tmp/promtool"
fi
f=$tmp/agent.prom
has "$f" '^# TYPE sova_pcpu_utilisation_ratio gauge$' "pCPU utilisation is a gauge"
# test:///default: 16 pCPUs, some offline; one domain "test" with 2 vCPUs
has "$f" '^sova_pcpu_utilisation_ratio\{cpu="0",state="online"\} (0|0\.[0-9e-]+|1)$' "pCPU 0's utilisation, a ratio"
has "$f" '^sova_pcpu_utilisation_ratio\{cpu="15",state="online"\} ' "one line per pCPU"
has "$f" '^sova_pcpu_utilisation_stddev_ratio [0-9.e-]+$' "the pCPUs' stddev"
has "$f" '^sova_vcpu_demand_ratio\{vm="test",vcpu="1"\} [0-9.e-]+$' "vCPU demand per VM"
has "$f" '^sova_vcpu_run_delay_ratio\{vm="test",vcpu="0"\} [0-9.e-]+$' "run-queue delay per vCPU"
has "$f" '^sova_pin_changes_total\{reason="balance"\} 0$' "pin changes by reason (none in a dry run)"
has "$f" '^# TYPE sova_actions_failed_total counter$' "failed actions, a counter"
has "$f" '^sova_vf_pool 0$' "VF pool"
has "$f" '^sova_vf_in_use 0$' "VFs in use"
has "$f" '^# TYPE sova_vf_switches_total counter$' "VF switches, a counter"
has "$f" '^sova_agent_interval_duration_seconds_bucket\{le="\+Inf"\} [0-9]+$' "interval duration histogram"
ct=$(curl -s -o /dev/null -w '%{content_type}' "$u")
[ "$ct" = "text/plain; version=0.0.4; charset=utf-8" ] && ok "content type $ct" || fail "content type \"$ct\""
code=$(curl -s -o /dev/null -w '%{http_code}' "${u%/metrics}/")
[ "$code" = 404 ] && ok "/ is 404" || fail "/ answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$u")
[ "$code" = 405 ] && ok "POST /metrics is 405" || fail "POST answered $code"
# the port is taken: a second agent on it refuses to start, exit status 1
port=${u##*:}; port=${port%/metrics}
"$sova" agent --connect test:///default --once --metrics-listen "127.0.0.1:$port" > /dev/null 2> "$tmp/taken"
rc=$?
[ $rc = 1 ] && grep -q "metrics: cannot listen on 127.0.0.1:$port" "$tmp/taken" && ok "a port in use: exit 1" ||
    { fail "a port in use: exit $rc"; cat "$tmp/taken"; }
stop "$agent"

# a bad address: usage error, before anything runs
"$sova" agent --connect test:///default --once --metrics-listen 9464 > /dev/null 2> "$tmp/bad"
rc=$?
[ $rc = 2 ] && grep -q -- '--metrics-listen: "9464" is not ADDR:PORT' "$tmp/bad" && ok "bad address: exit 2" ||
    { fail "bad address: exit $rc"; cat "$tmp/bad"; }

# no option, no [metrics]: nothing listens
start quiet agent --connect test:///default --interval 0.2 --dry-run --config /dev/null
quiet=$pid
sleep 0.5   # let it start; what is checked is that it never listens, not when
if ss -ltnpH | grep -q "pid=$quiet,"; then fail "the agent listens without --metrics-listen"; else ok "no listener by default"; fi
grep -q "metrics:" "$tmp/quiet.log" && fail "the agent logged metrics without --metrics-listen"
stop "$quiet"

# [metrics] listen from the file
printf '[metrics]\nlisten = 127.0.0.1:0\n' > "$tmp/sova.conf"
start conf agent --connect test:///default --interval 0.2 --dry-run --config "$tmp/sova.conf"
conf=$pid
u=$(url conf) && ok "[metrics] listen: serves $u" || fail "[metrics] listen: no listener"
stop "$conf"

# --- the controller ---
start ctl controller --host test:///default --interval 0.2 --dry-run --metrics-listen 127.0.0.1:0
ctl=$pid
u=$(url ctl) || { fail "the controller logged no metrics URL"; cat "$tmp/ctl.log"; exit 1; }
scrape "$u" "$tmp/ctl.prom" '^sova_host_up\{host="test:///default"\} 1$' || fail "no host in the controller's scrape"
if promtool check metrics < "$tmp/ctl.prom" > "$tmp/promtool" 2>&1; then
    ok "promtool check metrics: controller"
else
    fail "promtool check metrics (controller):"; cat "$tmp/promtool"
fi
f=$tmp/ctl.prom
has "$f" '^sova_host_load_ratio\{host="test:///default",resource="cpu"\} [0-9.e-]+$' "host load per resource"
has "$f" '^sova_host_load_ratio\{host="test:///default",resource="memory"\} [0-9.e-]+$' "host memory load"
has "$f" '^sova_cluster_imbalance [0-9.e-]+$' "imbalance"
has "$f" '^sova_hosts_down 0$' "hosts down"
has "$f" '^sova_migrations_started_total 0$' "migrations started"
has "$f" '^sova_migrations_completed_total 0$' "migrations completed"
has "$f" '^sova_migrations_failed_total\{phase="start"\} 0$' "migrations failed"
has "$f" '^# TYPE sova_migration_duration_seconds histogram$' "migration duration histogram"
has "$f" '^sova_migration_downtime_seconds_count 0$' "migration downtime histogram"
stop "$ctl"

[ $fails = 0 ] && echo "metrics: all checks passed" || echo "metrics: $fails failed"
exit $((fails > 0))
