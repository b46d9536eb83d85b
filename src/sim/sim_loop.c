/* sim_loop.c — the loop that drives the daemons on the simulator; see sim_loop.h. */
#include "sim/sim_loop.h"
#include "backend/sim/sim_backend.h"

/* one agent step, timing its own CPU apart from the simulator's */
static gboolean agent_step(SovaSimLoop *l, guint h, GError **error)
{
    SovaBackend *be = sova_sim_cluster_backend(l->cluster, h);
    guint64 t0 = l->measure_cpu ? sova_sim_process_cpu_ns() : 0,
            s0 = l->measure_cpu ? sova_sim_backend_cpu_ns(be) : 0;
    gboolean ok = sova_agent_step(l->agents[h], error);
    if (l->measure_cpu) {
        guint64 spent = sova_sim_process_cpu_ns() - t0, in_sim = sova_sim_backend_cpu_ns(be) - s0;
        l->agent_cpu_s += (double)(spent > in_sim ? spent - in_sim : 0) / 1e9;
    }
    return ok;
}

static gboolean agents_step(SovaSimLoop *l, GError **error)
{
    guint n = sova_sim_cluster_n_hosts(l->cluster);
    for (guint h = 0; h < n; h++) {
        g_autoptr(GError) e = NULL;
        if (!l->agents[h] || agent_step(l, h, &e))
            continue;
        if (l->agent_errors_end) {
            g_propagate_error(error, g_steal_pointer(&e));
            return FALSE;
        }
    }
    return TRUE;
}

/* the shortest first wait of the agents (the interval when none is shorter) */
static double first_wait(const SovaSimLoop *l)
{
    double w = l->interval;
    for (guint h = 0; h < sova_sim_cluster_n_hosts(l->cluster); h++)
        if (l->agents[h])
            w = MIN(w, sova_agent_next_wait(l->agents[h]));
    return w;
}

/* the clock advances `seconds`, the agents stepping after every agent interval of it but
 * the last (the next interval's steps follow that one) */
static gboolean advance(SovaSimLoop *l, double seconds, GError **error)
{
    double step = l->agent_interval > 0 && l->agent_interval < l->interval ? l->agent_interval
                                                                           : seconds;
    while (seconds > 1e-9) {
        double w = seconds - step > 1e-9 ? step : seconds;
        sova_sim_cluster_advance(l->cluster, w, NULL);
        seconds -= w;
        if (seconds > 1e-9 && !agents_step(l, error))
            return FALSE;
    }
    return TRUE;
}

gboolean sova_sim_loop_run(SovaSimLoop *l, GError **error)
{
    for (guint k = 0; k < l->n_intervals; k++) {
        if (l->controller && !sova_controller_step(l->controller, error))
            return FALSE;
        if (!agents_step(l, error))
            return FALSE;
        if (l->before)
            l->before(k, l->data);
        double w = k == 0 && l->first_wait ? first_wait(l) : l->interval;
        if (w < l->interval) {
            sova_sim_cluster_advance(l->cluster, w, NULL);
            if (!agents_step(l, error))
                return FALSE;
        }
        if (!advance(l, l->interval - (w < l->interval ? w : 0), error))
            return FALSE;
        if (l->after)
            l->after(k, l->data);
    }
    return !l->final_step || agents_step(l, error);
}
