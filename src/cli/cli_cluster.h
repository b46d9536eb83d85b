/* cli_cluster.h — what `sova controller` and `sova status --host` share: the controller
 * config (with the command line's hosts and maintenance) and one libvirt backend per host. */
#pragma once
#include <glib.h>
#include "daemon/controller.h"
#include "config/controller_config.h"
#include "daemon/controller_options.h"

typedef struct {
    SovaCtlConfig *cfg;       /* [controller], [host NAME], [group NAME] */
    SovaConfig *agent_cfg;    /* the same file's [net] (VF network and pool of every host) */
    GPtrArray *host_cfgs;     /* SovaCtlHostConfig* */
    SovaControllerHost *hosts;/* names point into host_cfgs; backends owned */
    guint n_hosts;
} SovaCliCluster;

/* Loads `config` (or the default file when it exists), replaces its hosts with `hosts`
 * when given, applies `maintenance` and opens every host (one that cannot be reached now
 * starts down and is retried at each sample). On bad usage prints "sova: ..." and
 * returns FALSE. */
gboolean sova_cli_cluster_open(SovaCliCluster *cl, const char *config, char **hosts,
                               char **maintenance);
/* for options that override the file before the hosts are opened */
gboolean sova_cli_cluster_load(SovaCliCluster *cl, const char *config, char **hosts);
gboolean sova_cli_cluster_connect(SovaCliCluster *cl, char **maintenance);
void sova_cli_cluster_clear(SovaCliCluster *cl);

/* `sova status --host …`: the cluster now, and what the controller would do next */
int sova_cluster_status(const char *config, char **hosts, double seconds, gboolean json);
