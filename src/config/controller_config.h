/* controller_config.h — `sova controller`'s settings: the [controller] section, one
 * [host NAME] section per named host and one [group NAME] section per anti-affinity
 * group, in the same sova.conf the agents read (each loader skips the other's sections).
 *
 * Precedence as for the agent: defaults < file < command-line options. Errors name the
 * file and line (util/keyfile.h). The format is documented in docs/sova.conf.5.md. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "policy/cluster_policy.h"

/* the smallest non-zero migration settings (0 turns each off; docs/sova.conf.5.md) */
#define SOVA_CTL_MIN_BANDWIDTH 1.0   /* MiB/s: libvirt reads less, rounded to 0, as unlimited */
#define SOVA_CTL_MIN_TIMEOUT 1.0     /* seconds */
#define SOVA_CTL_MIN_DOWNTIME 1.0    /* milliseconds */
/* drain-timeout: how long a stop waits for the migrations in flight before it aborts
 * them; never 0 or infinite (a stop must end, and must not abort at once by mistake) */
#define SOVA_CTL_DRAIN_TIMEOUT 60.0  /* seconds, the default */
#define SOVA_CTL_MIN_DRAIN_TIMEOUT 1.0
#define SOVA_CTL_MAX_DRAIN_TIMEOUT 86400.0

/* one host the controller manages */
typedef struct {
    char *name;               /* [host NAME], else derived from the URI (its server part) */
    char *uri;                /* libvirt URI */
    gboolean maintenance;     /* evacuate it */
    gboolean excluded;        /* neither source nor destination */
    double nic_gbps;          /* its physical NIC's capacity; 0 = [controller] nic-gbps */
    char *migrate_uri;        /* data channel into it; NULL = [controller] migrate-uri */
} SovaCtlHostConfig;

typedef struct {
    char *path;               /* the file loaded, or NULL */
    char **hosts;             /* [controller] hosts: URIs or names of [host NAME] sections */
    GPtrArray *host_sections; /* SovaCtlHostConfig* from [host NAME], in file order */
    double interval;          /* seconds between samples */
    char *policy;             /* cluster policy name */
    SovaMode mode;            /* full | partial | manual: how much the controller carries out */
    SovaClusterParams params;
    double weights[SOVA_RES_N];
    double ewma_alpha;
    double bandwidth_MiBps;   /* 0 = unlimited */
    double timeout_s;         /* 0 = never abort */
    double max_downtime_ms;   /* 0 = the hypervisor's default */
    gboolean auto_converge;
    double drain_timeout_s;   /* SOVA_CTL_MIN_DRAIN_TIMEOUT .. SOVA_CTL_MAX_DRAIN_TIMEOUT */
    guint sample_threads;     /* hosts sampled at once; 0 = the controller's default (64) */
    double sample_timeout_s;  /* a host's sample may take this long; 0 = default (10 s) */
    char *migrate_uri;        /* NULL = libvirt's default data channel */
    double nic_gbps;          /* every host's physical NIC capacity, Gbit/s; 0 = unknown
                               * (the network then does not count in the imbalance) */
    char **exclude;           /* VM names or UUIDs never migrated */
    char **groups;            /* "NAME:vm1,vm2" per [group NAME] */
    char *metrics_listen;     /* [metrics] controller-listen: ADDR:PORT of /metrics; NULL = none */
} SovaCtlConfig;

SovaCtlConfig *sova_ctl_config_new(void);
void sova_ctl_config_free(SovaCtlConfig *c);
/* loads a key file over the current values; FALSE with "FILE:LINE: message" */
gboolean sova_ctl_config_load(SovaCtlConfig *c, const char *path, GError **error);
/* the same from the file's text (`path` names it in messages) */
gboolean sova_ctl_config_load_data(SovaCtlConfig *c, const char *path, const char *text,
                                   GError **error);
/* the keys of a controller section ([controller], [host NAME], [group NAME]); NULL for
 * any other section */
const char *const *sova_controller_config_keys_of(const char *group);
/* values options may also have set (interval and drain-timeout in bounds, known policy,
 * at least one host) */
gboolean sova_ctl_config_validate(const SovaCtlConfig *c, GError **error);

/* The hosts to manage: each entry of c->hosts (the name of a [host NAME], or a URI,
 * which takes the settings of the [host NAME] with that uri if any); with no c->hosts,
 * every [host NAME]. Names are unique
 * (a repeated URI-derived name gets "#2", "#3" ...). `maintenance` lists host names or
 * URIs put in maintenance from the command line. Returns SovaCtlHostConfig* (owned);
 * NULL with error for an unknown name or a section without a uri. */
GPtrArray *sova_ctl_config_hosts(const SovaCtlConfig *c, char **maintenance, GError **error);
/* the host name a URI gets when no [host NAME] names it: its server part, else the URI */
char *sova_ctl_host_name_from_uri(const char *uri);

void sova_ctl_host_config_free(SovaCtlHostConfig *h);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaCtlConfig, sova_ctl_config_free)
