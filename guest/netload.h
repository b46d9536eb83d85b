/* netload.h — the test guest's network mode (sova.mode=net), see netload.c.
 *
 * Kept apart from workload.c (the cpu mode) so that each file holds one concept; both are
 * linked into the one static sova-workload program of the rig's initramfs. */
#pragma once

/* Brings up the guest's failover NIC and sends UDP traffic on the command line's schedule;
 * never returns unless it cannot start (then a SOVA-ERROR line is printed, returns 1). */
int sova_netload_run(int argc, char **argv);
