/* sim_cluster_migration.c — the cluster simulator's hosts going down and coming back, and
 * its live migrations: when one starts, how long it lasts (model/migration_cost.h over the
 * link it gets), its downtime, and how it ends; see sim_cluster.h. */
#include "backend/sim/sim_cluster_private.h"
#include "model/migration_cost.h"

#define DEFAULT_MAX_DOWNTIME_S 0.3   /* QEMU's default downtime limit */

static const SovaSimHostSpec *host_spec(const SovaSimCluster *c, guint h)
{
    return c->hosts[h].spec;
}

/* ---- hosts up and down ---- */

gboolean sova_sim_cluster_scheduled_up(const SovaSimHostSpec *s, double t)
{
    if (s->down_at < 0 || t < s->down_at)
        return TRUE;
    return s->up_at >= 0 && t >= s->up_at;
}

void sova_sim_cluster_update_up(SovaSimCluster *c, double t)
{
    for (guint h = 0; h < c->n_hosts; h++) {
        SimHost *host = &c->hosts[h];
        host->up = host->forced >= 0 ? host->forced : sova_sim_cluster_scheduled_up(host->spec, t);
    }
}

/* ---- migrations ---- */

static void migration_end(SovaSimCluster *c, SimMigration *m, double t, const char *error)
{
    SimVm *vm = &c->vms[m->vm];
    SovaSimClusterMove mv = { .vm = m->vm, .from = m->from, .to = m->to, .start = m->start,
                              .end = t };
    vm->migration = NULL;
    m->end = t;   /* when it really ended (a failure may come early) */
    if (error) {
        m->state = SOVA_MIGRATION_FAILED;
        m->error = g_strdup(error);
    } else {
        m->state = SOVA_MIGRATION_DONE;
        mv.ok = TRUE;
        mv.downtime_s = m->downtime_s;
        sova_sim_cluster_arrive(c, m->vm, m->to);
    }
    mv.aborted = m->aborted;
    g_array_append_val(c->moves, mv);
}

void sova_sim_cluster_follow_migrations(SovaSimCluster *c, double t)
{
    for (guint i = 0; i < c->migrations->len; i++) {
        SimMigration *m = g_ptr_array_index(c->migrations, i);
        if (m->state != SOVA_MIGRATION_RUNNING)
            continue;
        if (!c->hosts[m->to].up)
            migration_end(c, m, t, "the destination host is unreachable");
        else if (!c->hosts[m->from].up)
            migration_end(c, m, t, "the source host is unreachable");
        else if (t >= m->end - 1e-9)
            migration_end(c, m, t, m->fails ? (m->aborted ? "aborted: ran past the timeout"
                                                          : "did not converge") : NULL);
    }
}

/* migrations already running through either end: a new one shares the link with them */
static guint sharing(const SovaSimCluster *c, guint from, guint to)
{
    guint n = 0;
    for (guint i = 0; i < c->migrations->len; i++) {
        const SimMigration *m = g_ptr_array_index(c->migrations, i);
        n += m->state == SOVA_MIGRATION_RUNNING &&
             (m->from == from || m->to == from || m->from == to || m->to == to);
    }
    return n;
}

/* the link a new migration gets: the smaller NIC (or migration-gbps), the bandwidth cap,
 * divided among the migrations already running through either host (fixed at the start:
 * a migration does not speed up when another ends) */
static double link_Bps(const SovaSimCluster *c, guint from, guint to,
                       const SovaMigrateOptions *opts)
{
    double gbps = c->sc->migration_gbps;
    double a = host_spec(c, from)->nic.nic_gbps, b = host_spec(c, to)->nic.nic_gbps;
    if (a > 0 && b > 0)
        gbps = MIN(a, b);
    else if (a > 0 || b > 0)
        gbps = MAX(a, b);
    double bps = gbps * 1e9 / 8;
    if (opts && opts->bandwidth_MiBps > 0)
        bps = MIN(bps, opts->bandwidth_MiBps * 1024 * 1024);
    return bps / (1 + sharing(c, from, to));
}

SimMigration *sova_sim_cluster_start_migration(SovaSimCluster *c, guint v, guint to,
                                                      const SovaMigrateOptions *opts)
{
    SimVm *vm = &c->vms[v];
    double max_down = opts && opts->max_downtime_ms > 0 ? opts->max_downtime_ms / 1000
                                                        : DEFAULT_MAX_DOWNTIME_S;
    SovaMigrationCost cost = sova_migration_cost((double)vm->spec->memory_kib * 1024,
                                                 vm->spec->dirty_Bps,
                                                 link_Bps(c, (guint)vm->host, to, opts), max_down);
    SimMigration *m = g_new0(SimMigration, 1);
    m->vm = v;
    m->from = (guint)vm->host;
    m->to = to;
    m->start = sova_sim_cluster_now_of(c);
    m->total_s = cost.total_s;
    m->downtime_s = cost.downtime_s;
    /* without auto-converge a migration that does not converge never switches over */
    m->fails = !cost.converges && !(opts && opts->auto_converge);
    double timeout = opts ? opts->timeout_s : 0;
    if (timeout > 0 && m->total_s > timeout) {
        m->fails = m->aborted = TRUE;
        m->total_s = timeout;
    }
    m->end = m->start + m->total_s;
    m->state = SOVA_MIGRATION_RUNNING;
    /* a VF is given back before the VM leaves */
    SovaSimNetTruth net;
    sova_sim_net_truth(c->net, v, &net);
    if (net.holds_vf && sova_sim_net_detach(c->net, v, m->start, NULL))
        vm->nics_stale = m->gave_vf = TRUE;
    vm->migration = m;
    g_ptr_array_add(c->migrations, m);
    return m;
}

gboolean sova_sim_cluster_abort_migration(SovaSimCluster *c, SimMigration *m)
{
    double t = sova_sim_cluster_now_of(c);
    if (m->state != SOVA_MIGRATION_RUNNING || sova_sim_cluster_paused(&c->vms[m->vm], t))
        return FALSE;   /* over, or switching over: too late, it ends as it would have */
    m->fails = m->aborted = TRUE;
    migration_end(c, m, t, "aborted on request");
    /* like the libvirt backend: the VF it gave back for the migration, at once */
    if (m->gave_vf && sova_sim_net_attach(c->net, m->vm, t, NULL))
        c->vms[m->vm].nics_stale = TRUE;
    return TRUE;
}

SimMigration *sova_sim_cluster_find_migration(SovaSimCluster *c, guint vm, guint from,
                                                     guint *index)
{
    for (guint i = 0; i < c->migrations->len; i++) {
        SimMigration *m = g_ptr_array_index(c->migrations, i);
        if (m->vm == vm && m->from == from) {
            if (index)
                *index = i;
            return m;
        }
    }
    return NULL;
}

gboolean sova_sim_cluster_paused(const SimVm *vm, double t)
{
    return vm->migration && !vm->migration->fails &&
           t >= vm->migration->end - vm->migration->downtime_s - 1e-9;
}

void sova_sim_cluster_arrive(SovaSimCluster *c, guint v, guint host)
{
    SimVm *vm = &c->vms[v];
    guint n_pcpus = c->hosts[host].spec->n_pcpus;
    vm->host = (int)host;
    c->grouped = FALSE;
    vm->moves++;
    vm->has_status = FALSE;
    for (guint i = 0; i < vm->spec->n_vcpus; i++) {
        SimVcpu *vc = &vm->vcpus[i];
        sova_cpuset_free(vc->affinity);
        vc->affinity = sova_cpuset_new(n_pcpus);
        for (guint p = 0; p < n_pcpus; p++)
            sova_cpuset_add(vc->affinity, p);
        vc->pcpu = -1;
        /* the new domain's counters start from zero; the truth goes on */
        vc->time.reported = vc->delay.reported = 0;
        vc->time.last = vc->time.truth;
        vc->delay.last = vc->delay.truth;
    }
    sova_sim_net_move(c->net, v, host);
}
