/* agent_cpu_pub.c — the agent's per-VM CPU summaries; see agent_cpu_pub.h. */
#include "daemon/agent_cpu_pub.h"
#include "util/log.h"
#include <math.h>
#include <string.h>

typedef struct {
    double unmet;             /* smoothed delay, pCPUs; < 0 none yet */
    gboolean published;
    double demand_pub, unmet_pub;
    guint64 at;               /* interval of the last publication */
    guint64 seen;             /* interval it was last in the model */
} VmPub;

struct SovaAgentCpuPub {
    GHashTable *vms;          /* uuid -> VmPub* */
    guint64 intervals;
    guint64 seq;              /* grows with each publication */
};

typedef struct {
    const SovaVmLoad *vm;
    VmPub *st;
    double demand, score;
    double rank;              /* the order among the owed: the larger first */
} Candidate;

SovaAgentCpuPub *sova_agent_cpu_pub_new(void)
{
    SovaAgentCpuPub *p = g_new0(SovaAgentCpuPub, 1);
    p->vms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return p;
}

void sova_agent_cpu_pub_free(SovaAgentCpuPub *p)
{
    if (!p)
        return;
    g_hash_table_unref(p->vms);
    g_free(p);
}

/* a VM's demand and delay this interval in pCPUs; FALSE when a vCPU has no rate yet */
static gboolean vm_load(const SovaModel *m, const SovaVmLoad *vm, double *demand, double *delay)
{
    *demand = *delay = 0;
    for (guint k = 0; k < vm->n_vcpus; k++) {
        const SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + k);
        if (v->fresh)
            return FALSE;
        *demand += v->demand / 100.0;
        *delay += MIN(v->delay, 100.0) / 100.0;
    }
    return vm->n_vcpus > 0;
}

static VmPub *vm_state(SovaAgentCpuPub *p, const char *uuid)
{
    VmPub *st = g_hash_table_lookup(p->vms, uuid);
    if (!st) {
        st = g_new0(VmPub, 1);
        st->unmet = -1;
        g_hash_table_insert(p->vms, g_strdup(uuid), st);
    }
    return st;
}

/* how much this VM's summary is owed: ≥ 1 when it changed beyond the noise or is due */
static double score(const VmPub *st, double demand, guint64 now, guint republish)
{
    if (!st->published)
        return 3;
    double noise = MAX(SOVA_CPU_PUB_NOISE, SOVA_CPU_PUB_SHARE * st->demand_pub);
    double change = MAX(fabs(demand - st->demand_pub), fabs(st->unmet - st->unmet_pub)) / noise;
    double due = (double)(now - st->at) / republish;
    return MAX(change, due);
}

/* among the owed: never published first, then by the intervals since the last
 * publication times how much it is owed (capped), so that a VM left waiting rises
 * however much the others change */
static double rank(const VmPub *st, double score, guint64 now)
{
    return st->published ? (double)(now - st->at) * MIN(score, 4.0) : G_MAXDOUBLE;
}

static gint by_rank(gconstpointer a, gconstpointer b)
{
    const Candidate *x = a, *y = b;
    return x->rank < y->rank ? 1 : x->rank > y->rank ? -1 : strcmp(x->vm->uuid, y->vm->uuid);
}

/* the VMs owed a publication, most owed first */
static GArray *candidates(SovaAgentCpuPub *p, const SovaModel *m, double alpha, guint republish)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(Candidate));
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaVmLoad *vm = sova_model_vm(m, i);
        double demand, delay;
        if (!vm_load(m, vm, &demand, &delay))
            continue;
        VmPub *st = vm_state(p, vm->uuid);
        st->seen = p->intervals;
        st->unmet = st->unmet < 0 ? delay : alpha * delay + (1 - alpha) * st->unmet;
        st->unmet = MIN(st->unmet, demand);
        Candidate c = { vm, st, demand, score(st, demand, p->intervals, republish), 0 };
        c.rank = rank(st, c.score, p->intervals);
        if (!vm->leaving && c.score >= 1)
            g_array_append_val(out, c);
    }
    g_array_sort(out, by_rank);
    return out;
}

static void forget_gone(SovaAgentCpuPub *p)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, p->vms);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (((VmPub *)v)->seen != p->intervals)
            g_hash_table_iter_remove(&it);
}

guint sova_agent_cpu_pub_step(SovaAgentCpuPub *p, SovaBackend *be, const SovaModel *model,
                              double alpha, double interval_s, gboolean dry_run)
{
    p->intervals++;
    if (dry_run || !be->ops->publish_cpu || !model)
        return 0;
    interval_s = interval_s > 0 ? interval_s : 1;
    guint republish = MAX(1u, (guint)ceil(SOVA_CPU_PUB_REPUBLISH_S / interval_s));
    g_autoptr(GArray) owed = candidates(p, model, alpha > 0 ? alpha : 1, republish);
    forget_gone(p);
    /* every: the longest a VM may wait for its turn (the budget goes round the VMs),
     * twice over, as one left waiting may be late by as much again */
    guint cycle = MAX(republish, (model->vms->len + SOVA_CPU_PUB_BUDGET - 1) / SOVA_CPU_PUB_BUDGET);
    guint written = 0;
    for (guint i = 0; i < owed->len && i < SOVA_CPU_PUB_BUDGET; i++) {
        Candidate *c = &g_array_index(owed, Candidate, i);
        SovaCpuSummary s = { .has = TRUE, .demand = c->demand, .unmet = c->st->unmet,
                             .interval_s = interval_s, .every_s = 2 * cycle * interval_s,
                             .seq = p->seq + 1 };
        g_autoptr(GError) err = NULL;
        if (!sova_backend_publish_cpu(be, c->vm->uuid, &s, &err)) {
            sova_debug("publishing the CPU summary of %s: %s", c->vm->name,
                       err ? err->message : "not supported");
            continue;
        }
        p->seq++;
        written++;
        c->st->published = TRUE;
        c->st->demand_pub = s.demand;
        c->st->unmet_pub = s.unmet;
        c->st->at = p->intervals;
    }
    return written;
}
