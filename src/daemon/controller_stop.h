/* controller_stop.h — internal to the controller: the drain after a stop
 * (controller_stop.c) and what controller.c lends it of the migrations in flight. Not for
 * other users: they have SovaControllerStop and sova_controller_run (controller.h). */
#pragma once
#include "daemon/controller.h"

/* after the loop: follow the migrations in flight to their end; from the first stop
 * request for at most the drain timeout, then (or at the second request) abort them */
void sova_ctl_drain(SovaController *c, const SovaControllerStop *stop);

/* controller.c's side */
guint sova_ctl_flights(const SovaController *c);             /* migrations in flight */
SovaBackend *sova_ctl_clock(const SovaController *c);        /* whose wait() is the clock */
gboolean sova_ctl_quiet(const SovaController *c);
double sova_ctl_drain_timeout(const SovaController *c);
void sova_ctl_follow_flights(SovaController *c);   /* poll each; log and forget those that ended */
/* migrate_abort on each, each logged with `why`; how many the backends accepted */
guint sova_ctl_abort_flights(SovaController *c, const char *why);
