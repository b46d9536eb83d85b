#!/bin/bash
# Case 1: 4 busy 1-vCPU guests already pinned 2 per pCPU: the load is balanced, so the agent
# (default policy) must make 0 pin changes in 20 intervals.
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_boot "a 100 0" "b 100 0" "c 100 1" "d 100 1"
case_pin_and_settle 3
case_run 20
case_figures
case_expect "20 intervals ran" le 20 "$INTERVALS"
case_expect "agent executed 0 pin changes" eq "$EXECUTED" 0
case_expect "libvirt shows 0 pin changes" eq "$OBSERVED" 0
case_expect "final stddev <= 5 (monitor)" le "$FINAL_MON" 5
case_end
