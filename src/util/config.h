/* config.h — sova's settings: defaults, the key file (/etc/sova/sova.conf), then
 * command-line options, in that order of precedence (later wins).
 *
 * Errors name the file and line: unknown groups or keys, bad values. The format is
 * documented in docs/sova.conf.5.md. */
#pragma once
#include <glib.h>
#include "model/cpuset.h"

#define SOVA_DEFAULT_URI "qemu:///system"
#define SOVA_DEFAULT_CONFIG "/etc/sova/sova.conf"
#define SOVA_MAX_PCPUS 8192

typedef struct {
    char *path;               /* the file loaded, or NULL */
    /* [agent] */
    char *connect;            /* libvirt URI */
    double interval;          /* seconds between samples, > 0 */
    double reconnect_max;     /* longest wait between reconnect attempts, seconds */
    guint affinity_refresh;   /* re-read every VM's pins every N intervals (0 = only new VMs) */
    /* [cpu] */
    char *cpu_policy;         /* balance | zigzag | lpt */
    double target_stddev;     /* points */
    double min_gain;          /* points */
    double ewma_alpha;        /* (0, 1] */
    SovaCpuSet *reserved;     /* pCPUs kept for the host; NULL = none */
    char **exclude;           /* VM names or UUIDs the agent leaves alone; NULL-terminated */
} SovaConfig;

SovaConfig *sova_config_new(void);
void sova_config_free(SovaConfig *c);
/* loads a key file over the current values; FALSE with "FILE:LINE: message" on error */
gboolean sova_config_load(SovaConfig *c, const char *path, GError **error);
/* checks values that options may also have set (interval > 0, known policy, ...) */
gboolean sova_config_validate(const SovaConfig *c, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaConfig, sova_config_free)
