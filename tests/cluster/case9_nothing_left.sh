#!/bin/bash
# Case 9 (runs last): the cluster rig is taken down — released by `make check`'s hold
# (SOVA_CLUSTER_HOLDER); run on its own, unless another live process holds it (then: skipped) —
# and nothing of it may remain: no sova-cl- namespace, no process in one, no daemon the rig recorded, no guest QEMU.
set -u
SRC=$(readlink -f "${SOVA_SRC:-$(dirname "$(readlink -f "$0")")/../..}")
CLUSTER=$SRC/rig/cluster.sh
[ "$(id -u)" = 0 ] || { echo "case9_nothing_left: skipped: needs root"; exit 77; }
. "$SRC/rig/lib.sh"
rig_lock_run                  # not while another real-VM run (maybe another cluster case) goes on
# release make check's hold; the rig goes down unless some other live process still holds it
"$CLUSTER" down --for "${SOVA_CLUSTER_HOLDER:-$$}"
users=$(ls "${SOVA_CLUSTER_DIR:-/var/tmp/sova-cluster}/users" 2>/dev/null | tr '\n' ' ')
if [ -n "$users" ]; then
    echo "case9_nothing_left: skipped: the cluster rig is still held by PID(s) $users"
    exit 77
fi
left=$("$CLUSTER" leftovers)
qemus=$(ps -eo args | grep -c '^[^ ]*qemu-system[^ ]* .*-name guest=sova-cl-')
echo "case9_nothing_left figures:"
echo "  rig leftovers: ${left:-none}"
echo "  sova-cl- guest QEMUs: $qemus"
fail=0
[ -z "$left" ] && echo "  ok:   no sova-cl- namespace, process or daemon remains" || { echo "  FAIL: the rig left: $left"; fail=1; }
[ "$qemus" = 0 ] && echo "  ok:   no sova-cl- guest runs" || { echo "  FAIL: $qemus sova-cl- guests still run"; fail=1; }
[ $fail = 0 ] && echo "case9_nothing_left: PASS" || echo "case9_nothing_left: FAIL"
exit $fail
