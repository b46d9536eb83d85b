/* controller_reload.c — a reload of the running controller (SIGHUP in the CLI): new
 * options, policy and host flags from the next interval on; see controller.h. */
#include "daemon/controller_private.h"
#include "util/log.h"
#include <string.h>

static void free_options(SovaControllerOptions *o)
{
    g_strfreev(o->exclude);
    g_strfreev(o->groups);
    g_free((char *)o->migrate.migrate_uri);
}

/* the flags of the running host named like one of hosts */
static void reconfigure_hosts(SovaController *c, const SovaControllerHost *hosts, guint n)
{
    for (guint i = 0; i < c->n_hosts; i++) {
        SovaControllerHost *run = &c->hosts[i];
        for (guint k = 0; k < n; k++) {
            if (strcmp(hosts[k].name, run->name) != 0)
                continue;
            SovaLogFields f = { .action = "maintenance", .host = run->name,
                                .result = hosts[k].maintenance ? "on" : "off",
                                .reason = "configuration reloaded" };
            if (run->maintenance != hosts[k].maintenance && !c->opts.quiet)
                sova_log_record(G_LOG_LEVEL_INFO, &f, "host %s %s maintenance", run->name,
                                hosts[k].maintenance ? "enters" : "leaves");
            if (run->excluded != hosts[k].excluded && !c->opts.quiet)
                sova_info("host %s is %s", run->name,
                          hosts[k].excluded ? "excluded" : "no longer excluded");
            run->maintenance = hosts[k].maintenance;
            run->excluded = hosts[k].excluded;
            g_free((char *)run->migrate_uri);
            run->migrate_uri = g_strdup(hosts[k].migrate_uri);
            sova_cluster_builder_set_host(c->builder, i, run->maintenance, run->excluded);
        }
    }
}

void sova_controller_reconfigure(SovaController *c, const SovaControllerHost *hosts,
                                 guint n_hosts, const SovaClusterPolicy *policy,
                                 const SovaControllerOptions *opts)
{
    g_return_if_fail(policy && opts);
    if (policy != c->policy) {
        sova_policy_state_free(&c->policy->head, c->policy_state);
        c->policy = policy;
        c->policy_state = sova_policy_state_new(&policy->head);
    }
    SovaControllerOptions old = c->opts;
    sova_ctl_copy_options(c, opts);
    /* what the caller set up at the start stays */
    c->opts.dry_run = old.dry_run;
    c->opts.json = old.json;
    c->opts.quiet = old.quiet;
    c->opts.hold_unconfirmed = old.hold_unconfirmed;
    c->opts.observer = old.observer;
    c->opts.observer_data = old.observer_data;
    c->opts.between = old.between;
    c->opts.between_data = old.between_data;
    c->opts.sample_threads = old.sample_threads;   /* the sampler's, set at the start */
    c->opts.sample_timeout = old.sample_timeout;
    free_options(&old);
    SovaClusterBuildParams bp;
    sova_ctl_build_params(c, &bp);
    sova_cluster_builder_set_params(c->builder, &bp);
    reconfigure_hosts(c, hosts, n_hosts);
}
