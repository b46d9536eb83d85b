/* sim_demand.h — how much CPU a simulated vCPU wants, as a function of time.
 *
 * A demand spec is parsed once from its scenario text ("constant:100", "square:100:20:30",
 * "ramp:0:100:600", "walk:50:10", "phases:0-120=100,120-600=30", "trace:file.csv") and
 * evaluated every simulator tick. Specs are immutable and may be shared by many vCPUs;
 * what changes over time (a random walk's position) lives in a per-vCPU SovaDemandState,
 * and randomness comes only from the GRand the caller passes, so a run is reproducible
 * from its seed. Values are percent of one pCPU, 0..100. */
#pragma once
#include <glib.h>

typedef enum {
    SOVA_DEMAND_CONSTANT,     /* constant:VALUE */
    SOVA_DEMAND_SQUARE,       /* square:HIGH:LOW:PERIOD[:DUTY[:OFFSET]] — HIGH for DUTY of each
                                 period; OFFSET seconds into the wave at t = 0 */
    SOVA_DEMAND_RAMP,         /* ramp:FROM:TO:SECONDS[:START] — linear, then holds TO */
    SOVA_DEMAND_WALK,         /* walk:START:STEP[:LO:HI] — moves by ±STEP (uniform) every
                                 second */
    SOVA_DEMAND_PHASES,       /* phases:A-B=V,C-D=W,... — V during [A,B); 0 outside every phase */
    SOVA_DEMAND_TRACE,        /* trace:FILE.csv — time,value[,value...] rows; step function */
} SovaDemandKind;

typedef struct {
    double from, to, value;
} SovaDemandPhase;

typedef struct {
    SovaDemandKind kind;
    char *text;               /* as written, for messages */
    double p[5];              /* the numeric parameters, in the order written */
    GArray *phases;           /* PHASES: SovaDemandPhase, sorted by `from` */
    GArray *times;            /* TRACE: row times (double, increasing) */
    GArray *values;           /* TRACE: rows * columns values (double) */
    guint columns;            /* TRACE: value columns: 1 (every vCPU) or one per vCPU */
} SovaDemandSpec;

/* what one vCPU remembers between ticks */
typedef struct {
    double value;             /* WALK: current position */
    double next_step;         /* WALK: simulated second of the next step */
    gboolean started;
} SovaDemandState;

/* Parses `text`; a trace's relative file name is taken relative to `base_dir` (may be NULL).
 * On error: NULL with a message that does not name the scenario file (the caller adds it). */
SovaDemandSpec *sova_demand_parse(const char *text, const char *base_dir, GError **error);
void sova_demand_free(SovaDemandSpec *d);

/* The demand of vCPU `vcpu` at simulated time t (seconds), 0..100. `rng` is used only by
 * random shapes and must be the same stream, called in the same order, for a reproducible run. */
double sova_demand_at(const SovaDemandSpec *d, SovaDemandState *st, guint vcpu, double t,
                      GRand *rng);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaDemandSpec, sova_demand_free)
