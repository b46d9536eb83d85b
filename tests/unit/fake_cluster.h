/* fake_cluster.h — fake backends for the controller-loop tests (test_controller_loop*.c):
 * up to three hosts and six VMs on one simulated clock (waiting on any host moves it).
 * Every VM samples as one vCPU of 1 GiB on the host it runs on; a migration takes
 * `polls_needed` polls and then succeeds (downtime 0.05 s), unless migrate_abort asked
 * for its end (the next poll fails it, aborted, the VM stays) or starts are refused. A
 * host marked down cannot be sampled. The fake records what the controller did: starts,
 * the data URI of the last start, aborts. */
#pragma once
#include "daemon/controller.h"

typedef struct Fake Fake;

typedef struct {
    SovaBackend base;
    Fake *fake;
    guint index;
    gboolean down;
} FakeHost;

typedef struct {
    char uuid[SOVA_UUID_LEN];
    guint host;               /* where it runs */
    int to;                   /* migrating to; -1 none */
    guint polls;              /* polls so far */
    gboolean marked;          /* its leaving mark: set by a start, removed when it ends */
    gboolean abort_asked;     /* migrate_abort: the next poll ends it, the VM stays */
} FakeVm;

struct Fake {
    double clock;
    FakeHost hosts[3];
    guint n_hosts;
    FakeVm vms[6];
    guint n_vms;
    guint polls_needed;
    guint starts;
    char last_uri[64];        /* the data URI of the last start */
    guint aborts;             /* migrate_abort calls */
    SovaControllerStop *stop; /* a second stop request at the poll number ... */
    guint stop_again_at;      /* ... of a migration (0: none) */
    gboolean refuse_start;    /* migrate_start fails with "no room" */
};

/* n_hosts hosts and n_vms VMs, all on h0, at clock 100; a migration takes `polls` polls */
void fake_init(Fake *f, guint n_hosts, guint n_vms, guint polls);
