/* cluster_sova_noise.c — how noisy host loads are, learnt by the `sova` cluster policy from
 * plan to plan.
 *
 * Each plan remembers the host loads it predicts (its moves done); the next one measures
 * how far the loads it is given are from them, on the hosts no migration touched, and
 * keeps an EWMA of the weighted mean squared miss:
 *     sigma2 = (1 - NOISE_ALPHA) * sigma2 + NOISE_ALPHA * sum(w[r] * miss^2) / sum(w[r])
 * Loads that wobble by sigma show an imbalance of about sigma though nothing is wrong, so
 * the policy widens its threshold to hypot(threshold, NOISE_K * sigma) and a relief move's
 * minimum by RELIEF_NOISE_K * sigma: a wobbling but balanced cluster is left alone, a real
 * hot spot is far above both. Hosts with a migration planned or in flight are left out: a moving
 * VM's load shifts over the migration and the smoothing after it, a transition, not noise. */
#include "policy/cluster_sova.h"

/* how far the loads measured now are from what the last plan predicted, on hosts where no
 * migration was planned or in flight then or is in flight now (a moving VM's load shifts
 * over the migration and the smoothing after it: a transition, not noise) */
void cs_learn_noise(SovaState *st, const ClPlanner *P)
{
    double err = 0, w = 0;
    if (!st->pred || st->n_hosts != P->n_hosts)
        return;
    for (guint h = 0; h < P->n_hosts; h++) {
        if (!P->counted[h] || st->moving[h] || P->inflight[h])
            continue;
        for (int r = 0; r < CL_R; r++) {
            double d = cl_load(P, h, r) - st->pred[h * CL_R + r];
            err += P->w[r] * d * d;
            w += P->w[r];
        }
    }
    if (w <= 0)
        return;
    st->sigma2 = st->learnt ? (1 - NOISE_ALPHA) * st->sigma2 + NOISE_ALPHA * err / w : err / w;
    st->learnt = TRUE;
}

/* the loads once the plan is carried out: the next plan's prediction */
void cs_remember(SovaState *st, const ClPlanner *P)
{
    st->n_hosts = P->n_hosts;
    st->pred = g_renew(double, st->pred, (gsize)P->n_hosts * CL_R);
    st->moving = g_renew(gboolean, st->moving, P->n_hosts);
    for (guint h = 0; h < P->n_hosts; h++) {
        st->moving[h] = P->inflight[h] > 0;
        for (int r = 0; r < CL_R; r++)
            st->pred[h * CL_R + r] = cl_load(P, h, r);
    }
}
