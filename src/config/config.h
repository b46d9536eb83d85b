/* config.h — sova's settings: defaults, the key file (/etc/sova/sova.conf), then
 * command-line options, in that order of precedence (later wins).
 *
 * Errors name the file and line: unknown groups or keys, bad values. The format is
 * documented in docs/sova.conf.5.md. */
#pragma once
#include <glib.h>
#include "model/cpuset.h"
#include "model/plan.h"
#include "util/keyfile.h"

#define SOVA_DEFAULT_URI "qemu:///system"
#define SOVA_DEFAULT_CONFIG "/etc/sova/sova.conf"

/* the bounds of durations, in seconds (docs/sova.conf.5.md, sova(1)): a shorter interval
 * would only keep libvirtd busy answering samples; NaN and infinities are refused too */
#define SOVA_MIN_INTERVAL 0.1         /* [agent] interval, [controller] interval, --sample */
#define SOVA_MAX_INTERVAL 86400.0
#define SOVA_MIN_RECONNECT 0.1        /* [agent] reconnect-max */
#define SOVA_MIN_DETACH_TIMEOUT 0.1   /* [net] detach-timeout */

typedef struct {
    char *path;               /* the file loaded, or NULL */
    /* [agent] */
    char *connect;            /* libvirt URI */
    double interval;          /* seconds between samples, SOVA_MIN_INTERVAL .. SOVA_MAX_INTERVAL */
    double reconnect_max;     /* longest wait between reconnect attempts, seconds */
    guint affinity_refresh;   /* re-read every VM's pins every N intervals (0 = only new VMs) */
    SovaMode mode;            /* full | partial | manual: how much the agent carries out */
    /* [cpu] */
    char *cpu_policy;         /* balance | zigzag | lpt */
    double target_stddev;     /* points */
    double min_gain;          /* points */
    double ewma_alpha;        /* (0, 1] */
    SovaCpuSet *reserved;     /* pCPUs kept for the host; NULL = none */
    char **exclude;           /* VM names or UUIDs the agent leaves alone; NULL-terminated */
    /* [net] — the net plane runs when vf_network is set */
    char *net_policy;         /* balance | sova */
    char *vf_network;         /* libvirt network the VFs come from (hostdev, or the stand-in's) */
    guint vf_pool;            /* VFs this host hands out; 0 = count the hostdev network's VFs */
    char *vf_template;        /* file holding the VF interface XML template; NULL = built in */
    char *vf_template_xml;    /* its contents, read at load time */
    double net_enter, net_exit;           /* benefit thresholds (packets/s equivalents) */
    guint net_exit_intervals;
    double net_margin;
    guint net_challenge_intervals, net_min_dwell, net_max_switches;
    guint net_blind_half_life;            /* intervals; 0 = off */
    double net_bytes_per_point;
    double detach_timeout;    /* seconds */
    char *host_nic;           /* the physical NIC (for its counters and speed); NULL = none */
    double nic_gbps;          /* its capacity, Gbit/s; 0 = read its speed from sysfs */
    char **net_exclude;       /* VM names or UUIDs the net plane leaves alone */
    /* [metrics] */
    char *metrics_listen;     /* listen: ADDR:PORT of the agent's /metrics; NULL = none */
} SovaConfig;

/* the net plane is configured */
#define sova_config_net_enabled(c) ((c)->vf_network && (c)->vf_network[0])

struct SovaNetPolicyParams;

SovaConfig *sova_config_new(void);
void sova_config_net_defaults(SovaConfig *c);
/* the net policy's parameters from [net], for a pool of pool_size VFs */
void sova_config_net_params(const SovaConfig *c, guint pool_size, struct SovaNetPolicyParams *out);
void sova_config_free(SovaConfig *c);
/* loads a key file over the current values; FALSE with "FILE:LINE: message" on error */
gboolean sova_config_load(SovaConfig *c, const char *path, GError **error);
/* the same from the file's text (`path` names it in messages) */
gboolean sova_config_load_data(SovaConfig *c, const char *path, const char *text, GError **error);

/* every section sova.conf may have, for error messages */
#define SOVA_CONFIG_SECTIONS \
    "[agent], [cpu], [net], [metrics], [controller], [host NAME], [group NAME]"
/* the keys of an agent section ([agent], [cpu], [net], [metrics]: the controller reads its
 * own key there too); NULL for any other section */
const char *const *sova_config_keys_of(const char *group);
/* `seconds` is a finite interval from SOVA_MIN_INTERVAL to SOVA_MAX_INTERVAL; else an
 * error naming `what` ("interval", "--sample" ...) */
gboolean sova_config_check_interval(const char *what, double seconds, GError **error);
/* `mode = full | partial | manual` of section `group` into *out (unchanged when absent) */
gboolean sova_config_get_mode(const SovaKeyFile *k, const char *group, SovaMode *out,
                              GError **error);
/* checks values that options may also have set (interval in bounds, known policy, ...) */
gboolean sova_config_validate(const SovaConfig *c, GError **error);
/* [metrics] `key` (listen, controller-listen) into *out when present: ADDR:PORT
 * (util/listen.h), else "PATH:LINE: ..." */
gboolean sova_config_load_listen(const SovaKeyFile *k, const char *key, char **out,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaConfig, sova_config_free)
