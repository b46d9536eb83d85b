/* reload.h — SIGHUP reloads sova.conf in `sova agent` and `sova controller`.
 *
 * The signal only marks a reload pending; the daemon's loop applies it between two
 * intervals (its `between` hook), so nothing changes under an interval in progress.
 * The file is read and loaded afresh, the command line's options applied over it again,
 * and then either the daemon takes what can change at run time (config_reload.h) and a
 * warning names each changed key that cannot, or — for a file that does not load — the
 * running configuration stays and the error names FILE:LINE. */
#pragma once
#include <glib.h>
#include "cli/notify.h"
#include "config/config.h"
#include "daemon/agent.h"
#include "daemon/controller.h"
#include "util/keyfile.h"

typedef struct {
    char *config;             /* --config, or NULL: the default file when it exists */
    char *start_text;         /* the file when the daemon started; NULL: none */
    char *text;               /* as last applied */
    char **overridden;        /* "[cpu] policy" ...: keys the command line overrides */
    SovaNotify *notify;       /* told the new interval */
    volatile gint pending;    /* a SIGHUP came */
    guint source;
    /* the command's own part */
    gpointer opts;            /* the command line's options */
    gboolean (*apply)(gpointer cfg, gpointer opts);   /* options over a loaded config */
    gpointer cluster;         /* controller: the running SovaCliCluster */
    char **maintenance;       /* controller: --maintenance (not owned) */
} SovaReload;

/* installs the SIGHUP handler; `overridden`: the keys options given override (copied) */
void sova_reload_start(SovaReload *r, const char *config, const char *const *overridden,
                       SovaNotify *notify);
void sova_reload_stop(SovaReload *r);

/* the `between` hooks of the two daemons' loops, data the SovaReload: a pending reload is
 * applied, and the watchdog told the loop came round (sova_notify_alive) */
void sova_reload_agent(SovaAgent *a, gpointer data);
void sova_reload_controller(SovaController *c, gpointer data);
