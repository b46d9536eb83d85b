/* controller_sample.h — the controller's sampling of every host in parallel.
 *
 * Each interval every host is sampled (sova_backend_sample) by a worker of a bounded
 * GThreadPool: libvirt connections may be used from several threads, and each host has
 * its own connection, so N hosts take about N / threads sample times instead of N. A host
 * whose sample has not returned `timeout` seconds after it started is "late": it is not
 * sampled this interval (its snapshot is NULL, as for a host that cannot be read), its
 * worker no longer counts against the pool's bound (the pool grows by one while it is
 * late, so a hung host never starves the others), and the next interval does not wait for
 * it either: a host whose previous sample is still running is not sampled again until
 * that sample returns (its late result is thrown away: it is stale). While a host's sample
 * runs, nothing else may use its backend: sova_sampler_busy() says which hosts to leave
 * alone. With threads = 1 and no late host it samples the hosts one after the other, in
 * order: the same snapshots as a serial loop. */
#pragma once
#include <glib.h>
#include "backend/backend.h"

typedef struct SovaSampler SovaSampler;

#define SOVA_SAMPLE_THREADS 64        /* default bound on concurrent samples */
#define SOVA_SAMPLE_TIMEOUT 10.0      /* default seconds a host's sample may take */

/* backends[i] is host i's (the caller's; they must outlive the sampler) */
SovaSampler *sova_sampler_new(SovaBackend *const *backends, guint n, guint threads,
                              double timeout_s);
/* waits for every sample still running (a hung host: until it returns), then frees */
void sova_sampler_free(SovaSampler *s);

typedef enum {
    SOVA_SAMPLE_OK,           /* snaps[i] is set */
    SOVA_SAMPLE_FAILED,       /* the backend failed: errors[i] says why */
    SOVA_SAMPLE_LATE,         /* it did not return within the timeout (this interval) */
    SOVA_SAMPLE_STILL_LATE,   /* its sample of an earlier interval still runs: not asked */
} SovaSampleOutcome;

/* samples every host: snaps[i] (owned by the caller) or NULL; outcome[i]; errors[i] set
 * for FAILED (owned by the caller). Returns once each host's sample has returned or run
 * past its timeout. */
void sova_sampler_run(SovaSampler *s, SovaSnapshot **snaps, SovaSampleOutcome *outcome,
                      GError **errors);
/* host i's backend is in use by a sample that is still running (a late one) */
gboolean sova_sampler_busy(SovaSampler *s, guint i);
