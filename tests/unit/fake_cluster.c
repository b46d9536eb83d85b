/* fake_cluster.c — the controller-loop tests' fake backends; see fake_cluster.h. */
#include "fake_cluster.h"
#include <string.h>

#define S(x) ((guint64)((x) * 1e9))

static SovaSnapshot *fake_sample(SovaBackend *be, GError **error)
{
    FakeHost *h = (FakeHost *)be;
    if (h->down) {
        g_set_error(error, g_quark_from_static_string("fake"), 1, "host %u is down", h->index);
        return NULL;
    }
    SovaSnapshot *s = sova_snapshot_new(2);
    s->time_us = (gint64)(h->fake->clock * 1e6);
    s->memory_kib = 4 << 20;
    for (guint p = 0; p < 2; p++)
        sova_snapshot_pcpu(s, p)->idle_ns = S(h->fake->clock);
    for (guint i = 0; i < h->fake->n_vms; i++) {
        const FakeVm *v = &h->fake->vms[i];
        if (v->host != h->index)
            continue;
        g_autofree char *name = g_strdup_printf("vm%u", i);
        SovaVmSample *vm = sova_snapshot_add_vm(s, v->uuid, name, 1);
        vm->memory_kib = 1 << 20;
    }
    return s;
}

static gboolean fake_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    ((FakeHost *)be)->fake->clock += seconds;
    return !(stop && g_atomic_int_get(stop));
}

static FakeVm *fake_vm(Fake *f, const char *uuid)
{
    for (guint i = 0; i < f->n_vms; i++)
        if (strcmp(f->vms[i].uuid, uuid) == 0)
            return &f->vms[i];
    return NULL;
}

static gboolean fake_start(SovaBackend *be, const char *uuid, SovaBackend *dest,
                           const SovaMigrateOptions *opts, GError **error)
{
    FakeHost *h = (FakeHost *)be;
    if (h->fake->refuse_start) {
        g_set_error(error, g_quark_from_static_string("fake"), 2, "no room on h%u",
                    ((FakeHost *)dest)->index);
        return FALSE;
    }
    g_strlcpy(h->fake->last_uri, opts->migrate_uri ? opts->migrate_uri : "", sizeof h->fake->last_uri);
    FakeVm *v = fake_vm(h->fake, uuid);
    g_assert_nonnull(v);
    g_assert_cmpuint(v->host, ==, h->index);
    g_assert_cmpint(v->to, ==, -1);
    v->to = (int)((FakeHost *)dest)->index;
    v->polls = 0;
    v->marked = TRUE;
    h->fake->starts++;
    return TRUE;
}

static gboolean fake_poll(SovaBackend *be, const char *uuid, SovaMigrationStatus *out)
{
    FakeHost *h = (FakeHost *)be;
    FakeVm *v = fake_vm(h->fake, uuid);
    memset(out, 0, sizeof *out);
    if (!v || v->to < 0 || v->host != h->index)
        return FALSE;
    out->elapsed_s = ++v->polls;
    if (h->fake->stop && v->polls == h->fake->stop_again_at)
        sova_controller_stop_request(h->fake->stop);
    if (v->abort_asked) {
        out->state = SOVA_MIGRATION_FAILED;
        out->aborted = TRUE;
        out->downtime_s = -1;
        out->error = g_strdup("aborted on request");
        v->to = -1;
        v->marked = v->abort_asked = FALSE;
        return TRUE;
    }
    if (v->polls < h->fake->polls_needed) {
        out->state = SOVA_MIGRATION_RUNNING;
        out->progress = (double)v->polls / h->fake->polls_needed;
        out->downtime_s = -1;
        return TRUE;
    }
    out->state = SOVA_MIGRATION_DONE;
    out->downtime_s = 0.05;
    v->host = (guint)v->to;
    v->to = -1;
    v->marked = FALSE;
    return TRUE;
}

static gboolean fake_abort(SovaBackend *be, const char *uuid, GError **error)
{
    FakeHost *h = (FakeHost *)be;
    FakeVm *v = fake_vm(h->fake, uuid);
    h->fake->aborts++;
    if (!v || v->to < 0 || v->host != h->index) {
        g_set_error(error, g_quark_from_static_string("fake"), 2, "no migration of %s", uuid);
        return FALSE;
    }
    v->abort_asked = TRUE;
    return TRUE;
}

static void fake_free(SovaBackend *be)
{
    (void)be;   /* embedded in Fake */
}

static const SovaBackendOps fake_ops = {
    .name = "fake", .sample = fake_sample, .wait = fake_wait,
    .migrate_start = fake_start, .migrate_poll = fake_poll, .migrate_abort = fake_abort,
    .free = fake_free,
};

void fake_init(Fake *f, guint n_hosts, guint n_vms, guint polls)
{
    memset(f, 0, sizeof *f);
    f->clock = 100;
    f->n_hosts = n_hosts;
    f->polls_needed = polls;
    for (guint i = 0; i < n_hosts; i++)
        f->hosts[i] = (FakeHost){ .base.ops = &fake_ops, .fake = f, .index = i };
    f->n_vms = n_vms;
    for (guint i = 0; i < n_vms; i++) {
        g_snprintf(f->vms[i].uuid, SOVA_UUID_LEN, "00000000-0000-0000-0000-%012u", i);
        f->vms[i].to = -1;
    }
}
