/* controller_sample.c — every host sampled in parallel, each within its own timeout; see
 * controller_sample.h.
 *
 * One job per host and interval, pushed in host order to a GThreadPool of at most
 * `threads` workers. The jobs are shared between the workers and the controller's thread
 * under one mutex: a worker marks its job running (with the time it started) and then
 * done (with the snapshot or the error); the controller's thread waits on the condition
 * until every job is done or has run past its deadline (started + timeout; a job still
 * queued has no deadline yet: it waits for a worker, and workers are never all held by
 * late hosts, since each late one adds a worker to the bound). A late job stays with its
 * host until it is done; only then is the host sampled again. */
#include "daemon/controller_sample.h"

typedef enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE } JobState;

typedef struct {
    SovaBackend *backend;
    JobState state;
    gint64 started_us;        /* monotonic, when a worker took it */
    gboolean late;            /* ran past its deadline: counted in SovaSampler.extra */
    SovaSnapshot *snap;
    GError *error;
} Job;

struct SovaSampler {
    SovaBackend **backends;
    guint n;
    guint threads;
    gint64 timeout_us;
    GThreadPool *pool;
    GMutex lock;
    GCond cond;
    Job **jobs;               /* host i's job of this or an earlier interval; NULL none */
    guint extra;              /* late jobs still running: the pool's bound is threads + extra */
    gboolean closing;         /* the pool is being freed: its bound no longer changes */
};

static void job_free(Job *j)
{
    if (!j)
        return;
    sova_snapshot_free(j->snap);
    g_clear_error(&j->error);
    g_free(j);
}

/* with s->lock held */
static void set_bound(SovaSampler *s)
{
    if (!s->closing)
        g_thread_pool_set_max_threads(s->pool, (gint)(s->threads + s->extra), NULL);
}

static void work(gpointer data, gpointer user_data)
{
    Job *j = data;
    SovaSampler *s = user_data;
    g_mutex_lock(&s->lock);
    j->state = JOB_RUNNING;
    j->started_us = g_get_monotonic_time();
    g_cond_broadcast(&s->cond);   /* its deadline is known now */
    g_mutex_unlock(&s->lock);
    GError *err = NULL;
    SovaSnapshot *snap = sova_backend_sample(j->backend, &err);
    g_mutex_lock(&s->lock);
    j->snap = snap;
    j->error = err;
    j->state = JOB_DONE;
    if (j->late) {
        s->extra--;
        set_bound(s);
    }
    g_cond_broadcast(&s->cond);
    g_mutex_unlock(&s->lock);
}

SovaSampler *sova_sampler_new(SovaBackend *const *backends, guint n, guint threads,
                              double timeout_s)
{
    SovaSampler *s = g_new0(SovaSampler, 1);
    s->n = n;
    s->backends = g_memdup2(backends, n * sizeof *backends);
    s->threads = CLAMP(threads ? threads : SOVA_SAMPLE_THREADS, 1, MAX(n, 1));
    s->timeout_us = (gint64)((timeout_s > 0 ? timeout_s : SOVA_SAMPLE_TIMEOUT) * 1e6);
    s->jobs = g_new0(Job *, n);
    g_mutex_init(&s->lock);
    g_cond_init(&s->cond);
    s->pool = g_thread_pool_new(work, s, (gint)s->threads, FALSE, NULL);
    return s;
}

void sova_sampler_free(SovaSampler *s)
{
    if (!s)
        return;
    g_mutex_lock(&s->lock);
    s->closing = TRUE;
    g_mutex_unlock(&s->lock);
    g_thread_pool_free(s->pool, FALSE, TRUE);   /* every job runs to its end */
    for (guint i = 0; i < s->n; i++)
        job_free(s->jobs[i]);
    g_free(s->jobs);
    g_free(s->backends);
    g_mutex_clear(&s->lock);
    g_cond_clear(&s->cond);
    g_free(s);
}

/* with s->lock held: a job of an earlier interval that is done is dropped (a late result
 * is stale); TRUE when host i may be sampled now */
static gboolean host_free(SovaSampler *s, guint i)
{
    if (s->jobs[i] && s->jobs[i]->state == JOB_DONE)
        g_clear_pointer(&s->jobs[i], job_free);
    return s->jobs[i] == NULL;
}

/* with s->lock held: marks the running jobs past their deadline late; the earliest
 * deadline still ahead (G_MAXINT64: none); *pending whether any job is still awaited */
static gint64 scan(SovaSampler *s, const gboolean *asked, gboolean *pending)
{
    gint64 now = g_get_monotonic_time(), next = G_MAXINT64;
    *pending = FALSE;
    for (guint i = 0; i < s->n; i++) {
        Job *j = s->jobs[i];
        if (!asked[i] || j->state == JOB_DONE || j->late)
            continue;
        if (j->state == JOB_RUNNING && now >= j->started_us + s->timeout_us) {
            j->late = TRUE;
            s->extra++;
            set_bound(s);
            continue;
        }
        if (j->state == JOB_RUNNING)
            next = MIN(next, j->started_us + s->timeout_us);
        *pending = TRUE;
    }
    return next;
}

void sova_sampler_run(SovaSampler *s, SovaSnapshot **snaps, SovaSampleOutcome *outcome,
                      GError **errors)
{
    g_autofree gboolean *asked = g_new0(gboolean, s->n);
    g_mutex_lock(&s->lock);
    for (guint i = 0; i < s->n; i++) {
        snaps[i] = NULL;
        outcome[i] = SOVA_SAMPLE_STILL_LATE;
        if (!host_free(s, i))
            continue;
        s->jobs[i] = g_new0(Job, 1);
        s->jobs[i]->backend = s->backends[i];
        asked[i] = TRUE;
        g_thread_pool_push(s->pool, s->jobs[i], NULL);
    }
    for (;;) {
        gboolean pending;
        gint64 next = scan(s, asked, &pending);
        if (!pending)
            break;
        if (next == G_MAXINT64)
            g_cond_wait(&s->cond, &s->lock);
        else
            g_cond_wait_until(&s->cond, &s->lock, next);
    }
    for (guint i = 0; i < s->n; i++) {
        Job *j = s->jobs[i];
        if (!asked[i])
            continue;
        if (j->state != JOB_DONE) {
            outcome[i] = SOVA_SAMPLE_LATE;
            continue;
        }
        snaps[i] = g_steal_pointer(&j->snap);
        outcome[i] = snaps[i] ? SOVA_SAMPLE_OK : SOVA_SAMPLE_FAILED;
        if (!snaps[i] && errors)
            errors[i] = g_steal_pointer(&j->error);
        g_clear_pointer(&s->jobs[i], job_free);
    }
    g_mutex_unlock(&s->lock);
}

gboolean sova_sampler_busy(SovaSampler *s, guint i)
{
    g_return_val_if_fail(i < s->n, FALSE);
    g_mutex_lock(&s->lock);
    gboolean busy = s->jobs[i] && s->jobs[i]->state != JOB_DONE;
    g_mutex_unlock(&s->lock);
    return busy;
}
