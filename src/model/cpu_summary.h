/* cpu_summary.h — whether a VM's CPU summary, as its host agent published it
 * (SovaCpuSummary, model/snapshot.h), is fresh enough for the controller to use instead
 * of its own estimate.
 *
 * The agent publishes a VM's summary when it changes beyond the noise and at least every
 * `every_s` seconds otherwise; so a summary is fresh while its age is within every_s plus
 * a slack of a few controller intervals (a publication the reader has not yet seen, a
 * small clock skew between the agent's host and the controller's). Older, or from the
 * future beyond the slack (a clock far off), it is stale: the agent is gone, stopped, or
 * cannot write, and the controller falls back to its own estimate. */
#pragma once
#include "model/snapshot.h"

/* a controller interval of `interval_s` seconds: how many of them a summary may be late */
#define SOVA_CPU_SUMMARY_SLACK_INTERVALS 3
/* a change the agent publishes at once: more than NOISE pCPU and SHARE of the demand */
#define SOVA_CPU_SUMMARY_NOISE 0.05
#define SOVA_CPU_SUMMARY_SHARE 0.10

/* TRUE when s is there and fresh at a sample read by a controller of interval interval_s */
gboolean sova_cpu_summary_fresh(const SovaCpuSummary *s, double interval_s);

/* what the controller keeps per VM about the summaries it used: the sequence number and
 * time of the newest, and its own estimate when that one was written; its own estimate at its
 * previous reading */
typedef struct {
    gboolean has;
    guint64 seq;
    double at;
    double base;
    gboolean has_last;
    double last_own;
} SovaCpuSummaryTrack;

/* The demand the controller plans on. Fresh, the summary's level wins (the agent sees the
 * VM at its own interval and plans on the same figure), moved by however much the
 * controller's own estimate `own` (smoothed, >= 0) has changed since that summary was
 * written (its own estimate at the reading nearest the summary's age: this one, or the
 * one before when the summary is half an interval old or more): a change the agent has
 * not published yet (its write waits its turn, or is within its noise) is followed
 * without waiting for it, and a new publication sets the level again. Stale or absent:
 * `own`. *used tells which (may be NULL). Call once per reading. */
double sova_cpu_summary_choose(const SovaCpuSummary *s, double interval_s, double own,
                               SovaCpuSummaryTrack *track, gboolean *used);
