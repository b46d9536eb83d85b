/* sim_net_text.c — bench-sim-net's text output (sim_net_bench.c runs the seeds): the
 * scenarios, one table per figure (a column per policy or baseline) and the N1/N2 verdict
 * of the default net policy. */
#include "sim_net_bench.h"
#include <stdio.h>
#include <string.h>

#define N1_THROUGHPUT 0.97    /* of the optimum */
#define N1_SWITCHES 2.0       /* times the optimum's */
/* "above the Sova-style rule" where both are this close to the optimum accepts a tie (to
 * N1_TIE): what is left there is the attach latency of the few switches the scenario needs,
 * which both make alike (net-two-vfs-halfway: the same 6 switches, 0.997 each); no rule can
 * be "above" another by more than the nothing that is left */
#define N1_CEILING 0.005
#define N1_TIE 0.001

static double delivered_pct(const Sum *s, guint seeds)
{
    (void)seeds;
    return 100 * s->delivered / MAX(s->offered, 1);
}

static double switches(const Sum *s, guint seeds)
{
    return (double)s->switches / seeds;
}

static double gap_pct(const Sum *s, guint seeds)
{
    (void)seeds;
    return 100 * s->gap / MAX(s->offered, 1);
}

static double vhost(const Sum *s, guint seeds)
{
    return s->vhost_s / seeds;
}

/* one scenario's row: f of every column */
static void line(const Row *r, guint seeds, double (*f)(const Sum *, guint), const char *fmt)
{
    printf("%-28s", r->name);
    for (guint c = 0; c < cols->len; c++) {
        g_autofree char *cell = g_strdup_printf(fmt, f(&r->sums[c], seeds));
        printf(c ? " %9s" : " %10s", cell);
    }
    printf("\n");
}

static void header(const char *title, const char *first)
{
    printf("\n%s\n%-28s %10s", title, "scenario:vf-counters", first);
    for (guint c = 1; c < cols->len; c++)
        printf(" %9s", col(c)->name);
    printf("\n");
}

void net_print_table(GPtrArray *rows, guint seeds)
{
    printf("== simulator: net plane (TARGETS N1); every run: cpu policy balance, the net plane as in\n"
           "   the column; figures over %u seed%s per scenario (optimum = clairvoyant, switches free)\n",
           seeds, seeds == 1 ? "" : "s");
    for (guint i = 0; i < rows->len; i++) {
        const Row *r = g_ptr_array_index(rows, i);
        printf("   %s: %u VMs, %u VFs: %s\n", r->name, r->vms, r->vfs, r->description ? r->description : "");
    }
    header("packets delivered (x the optimum; the optimum's own in Mpkt per run)", "optimum");
    for (guint i = 0; i < rows->len; i++) {
        const Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.1f", r->name, r->sums[0].delivered / 1e6 / seeds);
        for (guint c = 1; c < cols->len; c++)
            printf(" %9.3f", x_opt(r, c));
        printf("\n");
    }
    header("worst seed's packets delivered (x that seed's optimum)", "optimum");
    for (guint i = 0; i < rows->len; i++) {
        const Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.3f", r->name, 1.0);
        for (guint c = 1; c < cols->len; c++)
            printf(" %9.3f", r->sums[c].min_ratio);
        printf("\n");
    }
    header("packets delivered / offered (%)", "optimum");
    for (guint i = 0; i < rows->len; i++)
        line(g_ptr_array_index(rows, i), seeds, delivered_pct, "%.1f");
    header("VF switches per run (attaches + detaches)", "optimum");
    for (guint i = 0; i < rows->len; i++)
        line(g_ptr_array_index(rows, i), seeds, switches, "%.1f");
    header("packets lost in detach gaps (% of offered)", "optimum");
    for (guint i = 0; i < rows->len; i++)
        line(g_ptr_array_index(rows, i), seeds, gap_pct, "%.2f");
    header("host CPU on the virtio path (pCPUs, mean)", "optimum");
    for (guint i = 0; i < rows->len; i++)
        line(g_ptr_array_index(rows, i), seeds, vhost, "%.2f");
}

static const char *mark(gboolean ok)
{
    return ok ? "ok" : "MISSED";
}

/* the default policy's d against the rule's sv, both x the optimum: above, or a tie at the
 * ceiling */
static const char *above_rule(double d, double sv)
{
    if (d > sv)
        return "ok";
    if (d >= 1 - N1_CEILING && sv >= 1 - N1_CEILING && sv - d < N1_TIE)
        return "ok (a tie at the ceiling)";
    return "MISSED";
}

static guint sova_col(void)
{
    for (guint c = 1; c < cols->len; c++)
        if (col(c)->policy && !strcmp(col(c)->name, "sova"))
            return c;
    return 0;
}

void net_print_verdict(GPtrArray *rows)
{
    guint d = default_col, sv = sova_col();
    printf("\nN1 (default net policy %s; vf-counters yes and pf): >= %.0f %% of the optimum, <= %.0fx "
           "its switches, above the Sova-style rule (a tie within %.3f when both are within %.3f of the "
           "optimum)\nN2 (vf-counters no): at least the Sova-style "
           "rule\n", col(d)->name, 100 * N1_THROUGHPUT, N1_SWITCHES, N1_TIE, N1_CEILING);
    for (guint i = 0; i < rows->len; i++) {
        const Row *r = g_ptr_array_index(rows, i);
        double sw = (double)r->sums[d].switches / MAX(opt_switches(r), 1);
        if (r->mode == SOVA_SIM_VF_COUNTERS_NO) {
            printf("%-28s N2: %.3f of the optimum", r->name, x_opt(r, d));
            if (sv)
                printf(", sova %.3f: %s", x_opt(r, sv), mark(x_opt(r, d) >= x_opt(r, sv)));
            printf("\n");
            continue;
        }
        printf("%-28s %.3f of the optimum: %s; %.2fx its switches: %s", r->name, x_opt(r, d),
               mark(x_opt(r, d) >= N1_THROUGHPUT), sw, mark(sw <= N1_SWITCHES));
        if (sv)
            printf("; vs sova %.3f: %s", x_opt(r, sv), above_rule(x_opt(r, d), x_opt(r, sv)));
        printf("\n");
    }
}
