/* cmd_sim.c — `sova sim SCENARIO`: what would sova do on this host?
 *
 * Runs the agent's real loop and a real cpu policy against the simulator (or, with
 * `--cpu-policy none`, plain CFS with every vCPU unpinned) and reports how fast the
 * pCPUs were balanced, how many pins it took, the pCPU spread over time, CPU delivered
 * against demanded per VM and Jain's fairness index. With network traffic in the
 * scenario, the agent's net plane runs too (`--net-policy`, or one of the simulator's
 * baselines: none, static, oracle) and the network figures follow: packets delivered
 * against offered, VF switches, the virtio path's host CPU. `--plot` draws the pCPUs'
 * utilisation with gnuplot. A bad scenario is reported as FILE:LINE, exit status 2. */
#include "util/error.h"
#include "cli/cli.h"
#include "sim/sim_run.h"
#include "backend/sim/sim_scenario.h"
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *policy, *net_policy, *seed, *plot, *config;
    double duration;
    gboolean json, keep_pins;
} SimOpts;

/* ---- progress: only once a run has taken ~2 s; in place on a terminal ---- */

typedef struct {
    gint64 start, last;
    gboolean tty, shown;
    int last_tenth;
} Progress;

static void on_progress(double done, gpointer data)
{
    Progress *pg = data;
    gint64 now = g_get_monotonic_time();
    if (now - pg->start < 2 * G_USEC_PER_SEC)
        return;
    if (pg->tty) {
        if (now - pg->last < G_USEC_PER_SEC / 5 && done < 1)
            return;
        fprintf(stderr, "\rsova sim: %3.0f %%", done * 100);
        if (done >= 1)
            fputc('\n', stderr);
    } else {
        int tenth = (int)(done * 10);
        if (tenth == pg->last_tenth)
            return;
        pg->last_tenth = tenth;
        fprintf(stderr, "sova sim: %d %% simulated\n", tenth * 10);
    }
    pg->last = now;
    pg->shown = TRUE;
}

/* ---- text report ---- */

static void print_timeline(const SovaSimResult *r)
{
    guint buckets = MIN(20u, r->n_intervals);
    guint per = (r->n_intervals + buckets - 1) / buckets;
    printf("pCPU stddev over time (max per %g s):", per * r->interval_s);
    for (guint k = 0; k < r->n_intervals; k += per) {
        double max = 0;
        for (guint j = k; j < MIN(k + per, r->n_intervals); j++)
            max = MAX(max, r->stddev[j]);
        printf(" %.0f", max);
    }
    printf("\n");
}

static gint by_ratio(gconstpointer a, gconstpointer b)
{
    const SovaSimVmResult *x = a, *y = b;
    double rx = x->demanded_s > 0 ? x->delivered_s / x->demanded_s : 1;
    double ry = y->demanded_s > 0 ? y->delivered_s / y->demanded_s : 1;
    return (rx > ry) - (rx < ry);
}

static void print_vms(const SovaSimResult *r)
{
    g_autoptr(GArray) vms = g_array_copy(r->vms);
    guint shown = vms->len;
    if (vms->len > 32) {
        g_array_sort(vms, by_ratio);
        shown = 10;
        printf("\nthe %u VMs that got the smallest share of what they demanded (of %u):\n", shown,
               vms->len);
    } else
        printf("\n");
    printf("%-16s %5s %11s %11s %7s\n", "VM", "vCPUs", "demanded", "delivered", "ratio");
    for (guint i = 0; i < shown; i++) {
        const SovaSimVmResult *v = &g_array_index(vms, SovaSimVmResult, i);
        printf("%-16s %5u %10.1fs %10.1fs %6.1f%%\n", v->name, v->n_vcpus, v->demanded_s,
               v->delivered_s, v->demanded_s > 0 ? 100 * v->delivered_s / v->demanded_s : 100.0);
    }
}

/* ---- the net plane ---- */

static void print_net_timeline(const SovaSimResult *r)
{
    guint buckets = MIN(20u, r->n_intervals);
    guint per = (r->n_intervals + buckets - 1) / buckets;
    printf("delivered / offered packets over time (per %g s, %%):", per * r->interval_s);
    for (guint k = 0; k < r->n_intervals; k += per) {
        double off = 0, del = 0;
        for (guint j = k; j < MIN(k + per, r->n_intervals); j++) {
            off += r->net_offered_pps[j];
            del += r->net_delivered_pps[j];
        }
        printf(" %.0f", off > 0 ? 100 * del / off : 100.0);
    }
    printf("\n");
}

static void print_net_vms(const SovaSimResult *r)
{
    printf("\n%-16s %12s %12s %7s %8s %8s\n", "VM", "offered kpps", "deliv. kpps", "ratio",
           "VF time", "switches");
    double secs = r->n_intervals * r->interval_s;
    for (guint i = 0; i < r->vms->len && i < 64; i++) {
        const SovaSimVmResult *v = &g_array_index(r->vms, SovaSimVmResult, i);
        printf("%-16s %12.1f %12.1f %6.1f%% %7.0fs %8u\n", v->name,
               v->net_offered_pkts / secs / 1e3, v->net_delivered_pkts / secs / 1e3,
               v->net_offered_pkts > 0 ? 100 * v->net_delivered_pkts / v->net_offered_pkts : 100.0,
               v->vf_s, v->vf_switches);
    }
}

static void print_net(const SovaSimResult *r)
{
    double secs = r->n_intervals * r->interval_s;
    printf("\nnet: %s, %u VFs: delivered %.1f %% of the offered packets (%.1f of %.1f Mpkt; "
           "%.1f of %.1f GB)\n", r->net_mode, r->vfs, 100 * sova_sim_net_ratio(r),
           r->net_delivered_pkts / 1e6, r->net_offered_pkts / 1e6, r->net_delivered_bytes / 1e9,
           r->net_offered_bytes / 1e9);
    printf("VF switches: %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " attaches, %" G_GUINT64_FORMAT
           " detaches), %" G_GUINT64_FORMAT " refused; %.1f %% of the delivered packets over VFs; "
           "%.0f packets lost in detach gaps\n", r->vf_attaches + r->vf_detaches, r->vf_attaches,
           r->vf_detaches, r->vf_refused,
           r->net_delivered_pkts > 0 ? 100 * r->net_vf_pkts / r->net_delivered_pkts : 0.0,
           r->net_gap_pkts);
    printf("host CPU on the virtio path: %.1f s (%.2f pCPUs on average)\n", r->vhost_cpu_s,
           secs > 0 ? r->vhost_cpu_s / secs : 0.0);
    print_net_timeline(r);
    print_net_vms(r);
}

static void print_report(const SovaSimScenario *sc, const SovaSimResult *r)
{
    printf("scenario %s: %u pCPUs, %u VMs (%u vCPUs), %g s at %g s intervals, seed "
           "%" G_GUINT64_FORMAT "\n",
           r->scenario, r->n_pcpus, sc->vms->len, r->n_vcpus, r->n_intervals * r->interval_s,
           r->interval_s, r->seed);
    if (sc->description)
        printf("  %s\n", sc->description);
    if (r->calls)
        printf("policy %s: %" G_GUINT64_FORMAT " pin changes, %.1f libvirt calls per interval\n",
               r->policy, r->pin_changes, (double)r->calls / r->n_intervals);
    else
        printf("policy %s: no agent, %s\n", r->policy,
               strcmp(r->policy, "none") ? "the scenario's pins kept"
                                         : "CFS with every vCPU unpinned");
    if (r->settled < 0)
        printf("never balanced: pCPU stddev still above %.1f in the last interval (%u of %u "
               "intervals above)\n",
               r->target, r->above, r->n_intervals);
    else
        printf("balanced after %d interval%s (pCPU stddev <= %.1f from then on; %u interval%s "
               "above in all)\n",
               r->settled, r->settled == 1 ? "" : "s", r->target, r->above,
               r->above == 1 ? "" : "s");
    printf("pCPU stddev %s: mean %.1f, median %.1f, p95 %.1f points\n",
           r->settled < 0 ? "over the run" : "after balance", r->mean_after, r->median_after,
           r->p95_after);
    print_timeline(r);
    printf("CPU delivered / demanded: %.1f / %.1f s (%.1f %%)\n", r->delivered_s, r->demanded_s,
           r->demanded_s > 0 ? 100 * r->delivered_s / r->demanded_s : 100.0);
    printf("Jain's fairness index (delivered/demanded per VM): %.4f\n", r->jain);
    print_vms(r);
    if (r->has_net)
        print_net(r);
}

/* ---- plot ---- */

static char *gnuplot_quote(const char *s)
{
    g_auto(GStrv) parts = g_strsplit(s, "'", -1);
    g_autofree char *joined = g_strjoinv("''", parts);
    return g_strdup_printf("'%s'", joined);
}

static char *plot_script(const SovaSimResult *r, const char *file)
{
    GString *g = g_string_new(NULL);
    g_autofree char *out = gnuplot_quote(file);
    g_autofree char *title = g_strdup_printf("%s, policy %s", r->scenario, r->policy);
    g_autofree char *qtitle = gnuplot_quote(title);
    g_string_append_printf(g, "set terminal pngcairo size 1200,600 noenhanced\nset output %s\n"
                           "set title %s\nset xlabel 'simulated time (s)'\n"
                           "set ylabel 'utilisation / stddev (%%)'\nset yrange [0:105]\n%s",
                           out, qtitle,
                           r->n_pcpus <= 16 ? "set key outside right\n" : "unset key\n");
    g_string_append(g, "plot ");
    for (guint p = 0; p < r->n_pcpus; p++)
        g_string_append_printf(g, "'-' using 1:2 with lines lw 1 title 'pCPU %u', ", p);
    g_string_append(g, "'-' using 1:2 with lines lw 3 lc rgb 'black' title 'stddev'\n");
    for (guint p = 0; p <= r->n_pcpus; p++) {
        for (guint k = 0; k < r->n_intervals; k++)
            g_string_append_printf(g, "%g %.2f\n", (k + 1) * r->interval_s,
                                   p < r->n_pcpus ? r->util[(gsize)k * r->n_pcpus + p]
                                                  : r->stddev[k]);
        g_string_append(g, "e\n");
    }
    return g_string_free(g, FALSE);
}

static gboolean plot(const SovaSimResult *r, const char *file)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *script = plot_script(r, file);
    g_autofree char *errors = NULL;
    const char *argv[] = { "gnuplot", NULL };
    g_autoptr(GSubprocess) proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                    G_SUBPROCESS_FLAGS_STDERR_PIPE, &err);
    if (!proc || !g_subprocess_communicate_utf8(proc, script, NULL, NULL, &errors, &err)) {
        g_printerr("sova: cannot run gnuplot: %s\n", err->message);
        return FALSE;
    }
    if (!g_subprocess_get_successful(proc)) {
        g_printerr("sova: gnuplot failed: %s\n", errors ? errors : "");
        return FALSE;
    }
    return TRUE;
}

/* ---- run ---- */

/* --net-policy: a net policy the agent runs, or one of the simulator's baselines */
static gboolean net_mode(const char *name, SovaSimRunOptions *ro)
{
    static const struct {
        const char *name;
        SovaSimNetMode mode;
    } modes[] = { { "none", SOVA_SIM_NET_OFF }, { "static", SOVA_SIM_NET_STATIC },
                  { "oracle", SOVA_SIM_NET_ORACLE } };
    if (!name)
        return TRUE;   /* the config's policy */
    for (guint i = 0; i < G_N_ELEMENTS(modes); i++)
        if (!strcmp(name, modes[i].name)) {
            ro->net_mode = modes[i].mode;
            return TRUE;
        }
    if ((ro->net_policy = sova_net_policy_find(name)))
        return TRUE;
    g_printerr("sova: unknown net policy \"%s\" (known: %s, and the simulator's baselines "
               "none, static, oracle)\n", name, sova_net_policy_list());
    return FALSE;
}

static int run(const char *path, const SimOpts *o, const SovaConfig *cfg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load(path, &err);
    if (!sc) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_USAGE;
    }
    SovaSimRunOptions ro = { .cfg = cfg, .duration = o->duration, .keep_pins = o->keep_pins };
    const char *name = o->policy ? o->policy : cfg->cpu_policy;
    if (strcmp(name, "none") != 0 && !(ro.policy = sova_cpu_policy_find(name))) {
        g_printerr("sova: unknown cpu policy \"%s\" (known: %s, none)\n", name,
                   sova_cpu_policy_list());
        return SOVA_EXIT_USAGE;
    }
    if (o->seed && !g_ascii_string_to_unsigned(o->seed, 10, 0, G_MAXUINT64, &ro.seed, NULL)) {
        g_printerr("sova: --seed: \"%s\" is not a whole number\n", o->seed);
        return SOVA_EXIT_USAGE;
    }
    ro.has_seed = o->seed != NULL;
    if (!net_mode(o->net_policy, &ro))
        return SOVA_EXIT_USAGE;
    Progress pg = { .start = g_get_monotonic_time(), .tty = isatty(STDERR_FILENO),
                    .last_tenth = -1 };
    ro.progress = on_progress;
    ro.progress_data = &pg;
    g_autoptr(SovaSimResult) r = sova_sim_run(sc, &ro, &err);
    if (!r) {
        g_printerr("sova: %s\n", err->message);
        /* a run the options make too long is bad input, like a bad scenario */
        return g_error_matches(err, SOVA_ERROR, SOVA_ERROR_INVALID) ? SOVA_EXIT_USAGE
                                                                   : SOVA_EXIT_FAILURE;
    }
    if (o->json) {
        g_autoptr(JsonNode) node = sova_sim_result_to_json(r, TRUE);
        g_autofree char *text = json_to_string(node, FALSE);
        printf("%s\n", text);
    } else
        print_report(sc, r);
    if (o->plot && !plot(r, o->plot))
        return SOVA_EXIT_FAILURE;
    return SOVA_EXIT_OK;
}

int sova_cmd_sim(int argc, char **argv)
{
    SimOpts o = { 0 };
    GOptionEntry entries[] = {
        { "cpu-policy", 'p', 0, G_OPTION_ARG_STRING, &o.policy,
          "balance (default), zigzag, lpt, or none (no agent: CFS with every vCPU unpinned)",
          "POLICY" },
        { "net-policy", 0, 0, G_OPTION_ARG_STRING, &o.net_policy,
          "with network traffic in the scenario: the agent's net policy (balance, the default, "
          "or sova), or a baseline: none (no VFs), static (first come, kept), oracle (knows the "
          "future, switches free)", "POLICY" },
        { "seed", 's', 0, G_OPTION_ARG_STRING, &o.seed, "random seed (default: the scenario's)",
          "N" },
        { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o.duration,
          "simulated seconds (default: the scenario's)", "SECONDS" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &o.json,
          "print the results (with per-interval series) as JSON", NULL },
        { "plot", 0, 0, G_OPTION_ARG_FILENAME, &o.plot,
          "draw pCPU utilisation over time into a PNG (gnuplot)", "FILE.png" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &o.config, "sova.conf for the policies' settings "
          "(target, reserved pCPUs, [net] thresholds, ...); default: built-in defaults", "FILE" },
        { "keep-pins", 0, 0, G_OPTION_ARG_NONE, &o.keep_pins,
          "with --cpu-policy none: keep the scenario's pins instead of unpinning", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - run a cpu policy against a "
                                                         "simulated host");
    g_option_context_set_summary(ctx,
        "Plays the scenario (a host, its VMs and their CPU demand over time; see\n"
        "docs/scenario.md) in simulated time with the agent's real loop and policy,\n"
        "and reports how quickly and how well the pCPUs were balanced.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    int rc = SOVA_EXIT_USAGE;
    if (!g_option_context_parse(ctx, &argc, &argv, &err))
        g_printerr("sova: %s (see --help)\n", err->message);
    else if (argc != 2)
        g_printerr("sova: sim needs exactly one SCENARIO file (see --help)\n");
    else if (o.duration < 0)
        g_printerr("sova: --duration must be positive\n");
    else {
        /* only an explicit --config: a run must not depend on this machine's /etc/sova */
        g_autoptr(SovaConfig) cfg = o.config ? sova_cli_config(o.config) : sova_config_new();
        if (cfg)
            rc = run(argv[1], &o, cfg);
    }
    g_free(o.policy);
    g_free(o.net_policy);
    g_free(o.seed);
    g_free(o.plot);
    g_free(o.config);
    return rc;
}
