/* cmd_release.c — `sova release`: hands every VM sova manages on this host (or one) back
 * to the kernel's scheduler and to the operator — vCPUs allowed on every usable pCPU, sova's
 * VFs detached (the standby NIC carries the traffic), sova's metadata removed — what an
 * operator runs before removing sova (daemon/release.h). `--dry-run` shows it first. A
 * running agent would take the VMs back at its next interval: stop it first. */
#include "cli/cli.h"
#include "daemon/release.h"
#include "util/log.h"
#include <stdio.h>

typedef struct {
    char *connect, *config, *vm;
    gboolean dry_run;
} ReleaseOpts;

static void print_results(const SovaPlanResults *r)
{
    for (guint i = 0; i < sova_plan_results_len(r); i++) {
        const SovaActionResult *res = sova_plan_result(r, i);
        g_autofree char *what = sova_action_describe(res->action);
        if (res->outcome == SOVA_ACTION_FAILED)
            printf("failed: %s: %s\n", what, res->error);
        else
            printf("%s %s\n", res->outcome == SOVA_ACTION_SKIPPED ? "would" : "done:", what);
    }
}

static int run_release(const SovaConfig *cfg, const ReleaseOpts *o)
{
    g_autoptr(GError) err = NULL;
    SovaLibvirtOptions lo = sova_cli_backend_options(cfg);
    lo.net = TRUE;            /* sova's VFs are found (and taken back) even without [net] */
    g_autoptr(SovaBackend) be = sova_libvirt_backend_open(cfg->connect, &lo, &err);
    if (!be) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_FAILURE;
    }
    SovaReleaseOptions ro = { .params = { .reserved = cfg->reserved,
                                          .exclude = (const char *const *)cfg->exclude,
                                          .vm = o->vm },
                              .dry_run = o->dry_run, .detach_timeout = 2 * cfg->detach_timeout };
    SovaReleaseOutcome out;
    if (!sova_release_run(be, &ro, &out, &err)) {
        g_printerr("sova: %s\n", err->message);
        return g_error_matches(err, SOVA_ERROR, SOVA_ERROR_INVALID) ? SOVA_EXIT_USAGE
                                                                     : SOVA_EXIT_FAILURE;
    }
    print_results(out.results);
    printf("%s%s%s\n", out.plan->reason, o->dry_run ? "; dry run: nothing changed" : "",
           out.vfs_left ? "; some VFs are still detaching (the guest has not let go yet)" : "");
    int rc = out.results->failed || out.vfs_left ? SOVA_EXIT_FAILURE : SOVA_EXIT_OK;
    sova_release_outcome_clear(&out);
    return rc;
}

int sova_cmd_release(int argc, char **argv)
{
    ReleaseOpts o = { 0 };
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &o.connect,
          "libvirt URI (default " SOVA_DEFAULT_URI ")", "URI" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &o.config,
          "configuration file (default " SOVA_DEFAULT_CONFIG " if it exists)", "FILE" },
        { "vm", 0, 0, G_OPTION_ARG_STRING, &o.vm, "only this VM (name or UUID)", "NAME" },
        { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &o.dry_run,
          "print what it would do, change nothing", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- hand the VMs sova manages back to the "
                                                         "kernel's scheduler");
    g_option_context_set_summary(ctx,
        "Unpins every vCPU of the VMs sova manages on this host (each may run on every\n"
        "usable pCPU), takes back sova's VFs (the standby NIC carries the traffic) and\n"
        "removes sova's metadata: what to run before removing sova. Stop the agent first.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc = SOVA_EXIT_USAGE;
    if (sova_cli_parse(ctx, &argc, &argv)) {
        g_autoptr(SovaConfig) cfg = sova_cli_config(o.config);
        if (cfg && o.connect) {
            g_free(cfg->connect);
            cfg->connect = g_strdup(o.connect);
        }
        if (cfg)
            rc = run_release(cfg, &o);
    }
    g_free(o.connect);
    g_free(o.config);
    g_free(o.vm);
    return rc;
}
