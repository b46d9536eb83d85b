#!/bin/bash
# Case 4: case 2 (4 busy guests all pinned to pCPU0) with --cpu-policy zigzag, the seed's
# algorithm: it must balance too (final stddev <= 5); its pin changes are recorded and printed.
. "$(dirname "$(readlink -f "$0")")/common.sh"
case_boot "a 100 0" "b 100 0" "c 100 0" "d 100 0"
case_pin_and_settle 3
case_run 15 --cpu-policy zigzag
case_figures
case_expect "precondition: the pCPUs were unbalanced before the agent (monitor stddev > 20; else the machine is busy with other work)" le 20 "$BEFORE"
case_expect "it balances (some interval with stddev <= 5)" le 1 "$BALANCED_AT"
case_expect "final stddev <= 5 (agent)" le "$FINAL_AGENT" 5
case_expect "final stddev <= 5 (monitor)" le "$FINAL_MON" 5
case_expect "libvirt shows pin changes only when the agent executed some" le "$OBSERVED" "$EXECUTED"
case_end
