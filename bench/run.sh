#!/bin/sh
# run.sh — `make bench`: every benchmark, figures as ratios against baselines run
# side by side in the same run. Benchmarks assert nothing.
#   1. simulator: every cpu policy against CFS on bench/scenarios (with each VM against its
#      own CFS share and pin changes per vCPU: TARGETS P5); libvirt calls per
#      interval with 1, 10 and 100 domains (test driver); the agent's own CPU time
#      per interval with 100 VMs                       (bench-sim, about a second)
#  1b. simulator: the net plane (net policies, static first-come, no VFs) against a
#      clairvoyant optimum on bench/scenarios/net-*.conf, each with VF counters from a tap,
#      from the PF and none (bench-sim-net, seconds)
#  1c. cluster simulator: cluster policies (watcher, proxlb, drs, sova-prototype, sova), host
#      agents only, and both levels on bench/scenarios/cluster-*.conf (bench-sim-cluster, seconds)
#   2. the balance planner's cost growth, 256 pCPU x 4096 vCPU vs 16x smaller
#                                                      (bench-cpu-planner, seconds)
#  2b. the sova cluster planner's time, 1,000 hosts x 20,000 VMs vs 10x smaller
#                                                      (bench-cluster-planner, ~15 s)
#  2c. one controller interval over 1,000 simulated hosts, 20 ms a sample, planning
#      included                                         (bench-cluster-interval, ~20 s)
#   3. real guests: CFS, zigzag, lpt, balance on three workload mixes
#                                                      (bench/real_cpu.sh, ~8 minutes)
#   4. real guest: the net plane's VF switches (attach/detach latency, pings lost at 50 ms)
#                                                      (bench/real_net.sh, ~2 minutes)
#
# usage: bench/run.sh [BUILD_DIR]     env: BENCH_REAL=0 skips the real-VM part,
#                                          BENCH_JSON=1 prints JSON instead of tables
set -eu
B=${1:-build}
here=$(dirname "$(readlink -f "$0")")
json=""; [ "${BENCH_JSON:-0}" = 1 ] && json=--json

echo "== 1. simulator: cpu policies vs CFS, libvirt calls, agent CPU"
"$B/bench/bench-sim" $json
echo
echo "== 1b. simulator: net plane vs a clairvoyant optimum (TARGETS N1)"
"$B/bench/bench-sim-net" $json
echo
echo "== 1c. cluster simulator: cluster policies and levels (TARGETS C1, K1)"
"$B/bench/bench-sim-cluster" $json
echo
echo "== 2. balance planner cost growth (TARGETS P4)"
"$B/bench/bench-cpu-planner"
echo
echo "== 2b. cluster planner time, 1,000 hosts x 20,000 VMs vs 10x smaller (TARGETS C2)"
"$B/bench/bench-cluster-planner"
echo
echo "== 2c. controller interval, 1,000 simulated hosts at 20 ms a sample (TARGETS C4)"
"$B/bench/bench-cluster-interval"
if [ "${BENCH_REAL:-1}" != 0 ]; then
    echo
    echo "== 3. real guests: CFS vs zigzag vs lpt vs balance (TARGETS P1, P2)"
    "$here/real_cpu.sh" --build "$B" $json
    echo
    echo "== 4. real guest: net plane switch latency and ping loss (stand-in VF)"
    "$here/real_net.sh" --build "$B" $json
fi
