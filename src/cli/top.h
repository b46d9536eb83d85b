/* top.h — `sova top`: a live view of a host (cmd_top.c drives the agent's own loop in a dry
 * run) or of a cluster (`--host`: the controller's loop in a dry run), refreshed each
 * interval. The frames are built as text from the daemons' interval records
 * (top_host.c, top_cluster.c); the terminal — raw mode for `q`, restored on every way
 * out — is top_term.c's. */
#pragma once
#include <glib.h>
#include "daemon/agent.h"
#include "daemon/controller.h"

/* ---- the host view (top_host.c) ---- */

#define SOVA_TOP_HISTORY 8    /* changes kept in "recent changes" */

/* what the host view remembers between frames: the changes it saw and the plan of the
 * interval before (a change it predicted gets that plan's reason) */
typedef struct {
    GPtrArray *history;       /* char*, oldest first, at most SOVA_TOP_HISTORY */
    GPtrArray *planned;       /* SovaAction* copies (kind, uuid, vcpu, reason) of the last plan */
} SovaTopHost;

void sova_top_host_init(SovaTopHost *t);
void sova_top_host_clear(SovaTopHost *t);
/* notes what changed from iv->prev to iv->snapshot (pins, VFs) at `clock` ("12:03:04"),
 * then keeps iv's plan for the next interval's changes */
void sova_top_host_note(SovaTopHost *t, const SovaAgentInterval *iv, const char *clock);
/* the frame: header, pCPU bars, VMs with their vCPUs, NICs, the next plan, recent changes */
void sova_top_host_frame(GString *out, const SovaTopHost *t, const SovaAgentInterval *iv,
                         const char *uri, const char *policy, const char *clock);

/* ---- the cluster view (top_cluster.c) ---- */

/* the frame: header with the imbalance, hosts' load per resource, migrations in flight, the
 * next planned moves and why */
void sova_top_cluster_frame(GString *out, const SovaControllerInterval *iv,
                            const char *policy, const char *clock);

/* ---- the terminal (top_term.c) ---- */

/* when stdout and stdin are a terminal: cbreak mode (no echo, a key at a time; ^C still
 * signals), the alternate screen, no cursor; restored by sova_top_term_leave, at exit,
 * and on SIGINT/SIGTERM/SIGHUP (which also set *stop). FALSE when not a terminal. */
gboolean sova_top_term_enter(volatile gint *stop);
void sova_top_term_leave(void);
/* a key on stdin: `q` sets *stop (added to the default main context) */
guint sova_top_term_watch_keys(volatile gint *stop);
/* writes the frame over the screen, cut to the terminal's size */
void sova_top_term_show(const char *frame);
