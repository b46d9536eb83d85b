/* cpu_summary.c — fresh or stale, for the agents' CPU summaries; see cpu_summary.h. */
#include "model/cpu_summary.h"
#include <math.h>

gboolean sova_cpu_summary_fresh(const SovaCpuSummary *s, double interval_s)
{
    if (!s || !s->has || !isfinite(s->age_s) || !isfinite(s->every_s))
        return FALSE;
    double slack = SOVA_CPU_SUMMARY_SLACK_INTERVALS * MAX(interval_s, s->interval_s);
    return s->age_s >= -slack && s->age_s <= s->every_s + slack;
}

double sova_cpu_summary_choose(const SovaCpuSummary *s, double interval_s, double own,
                               SovaCpuSummaryTrack *track, gboolean *used)
{
    gboolean take = sova_cpu_summary_fresh(s, interval_s);
    gboolean had_last = track->has_last;
    double last = track->last_own;
    track->has_last = TRUE;
    track->last_own = own;
    if (used)
        *used = take;
    if (!take) {
        track->has = FALSE;
        return own;
    }
    /* a new publication: another sequence number, or the same one from another agent
     * (the VM migrated; each agent counts from 1) at another time */
    if (!track->has || track->seq != s->seq || track->at != s->at) {
        track->has = TRUE;
        track->seq = s->seq;
        track->at = s->at;
        track->base = had_last && s->age_s >= interval_s / 2 ? last : own;
    }
    /* the summary's difference from the controller's own estimate beyond the agent's
     * noise; never beyond what either says: the agent's figure may already hold a change
     * that the controller's smoother estimate is still catching up with */
    double noise = MAX(SOVA_CPU_SUMMARY_NOISE, SOVA_CPU_SUMMARY_SHARE * s->demand);
    double off = s->demand - track->base;
    off = off > noise ? off - noise : off < -noise ? off + noise : 0;
    double moved = own + off;
    return CLAMP(moved, MIN(s->demand, own), MAX(s->demand, own));
}
