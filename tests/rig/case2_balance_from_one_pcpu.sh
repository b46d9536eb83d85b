#!/bin/bash
# Case 2: 4 busy 1-vCPU guests all pinned to pCPU0: the agent (default policy) must bring the
# pCPU stddev to <= 5 points within 3 intervals of its start, and then change nothing. The
# default policy's take-over (cpu_takeover.h) shares the four stacked vCPUs over both pCPUs at
# its first sample, before it has measured anything; its pin changes count as executed.
# (The Prometheus endpoint's check against the monitor, which needs a first interval that
# still sees pCPU 0 full and pCPU 1 idle, is in case 4: zigzag has no take-over.)
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_boot "a 100 0" "b 100 0" "c 100 0" "d 100 0"
case_pin_and_settle 3
case_run 15
case_figures
case_expect "precondition: the pCPUs were unbalanced before the agent (monitor stddev > 20; else the machine is busy with other work)" le 20 "$BEFORE"
case_expect "balanced (stddev <= 5) within 3 intervals" le 1 "$BALANCED_AT"
case_expect "  ... i.e. interval $BALANCED_AT <= 3" le "$BALANCED_AT" 3
case_expect "0 pin changes from the balanced interval on" eq "$AFTER" 0
case_expect "libvirt shows exactly the pin changes the agent executed" eq "$OBSERVED" "$EXECUTED"
case_expect "final stddev <= 5 (monitor)" le "$FINAL_MON" 5
case_end
