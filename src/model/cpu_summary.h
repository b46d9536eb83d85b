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

/* The demand the controller plans on. Fresh, the controller's own estimate `own`
 * (smoothed, >= 0) moved by the part of the summary's difference from it beyond the
 * agent's publication noise (SOVA_CPU_SUMMARY_NOISE pCPU or SOVA_CPU_SUMMARY_SHARE of the
 * summary's demand, the larger), never beyond what either says. The difference is measured
 * once per publication, against its own estimate at the reading nearest the summary's age
 * (this one, or the one before when the summary is half an interval old or more), and kept
 * until the next one. Both measure the same time + delay; the agent's figure is a snapshot of
 * its one-second reading, fresher but noisier at the controller's interval, and written only
 * now and then: a change beyond its noise (a step the controller's EWMA is still catching up
 * with) is followed at once, and not counted twice as its own estimate catches up; a
 * difference within it (the snapshot's noise, the few seconds' lead of a fresher reading of
 * a slowly moving demand) is not read, so the controller's series moves as smoothly as its
 * own (cluster_sova_trend.c reads trends from it; taking the summary's level read a
 * staircase, flat between publications and a jump at each). Stale or absent: `own`.
 * *used tells which (may be NULL). Call once per reading. */
double sova_cpu_summary_choose(const SovaCpuSummary *s, double interval_s, double own,
                               SovaCpuSummaryTrack *track, gboolean *used);
