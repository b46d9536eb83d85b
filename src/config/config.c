/* config.c — defaults and the sova.conf loader; see config.h. Errors name the file
 * and line (keyfile.c finds the line GKeyFile does not give). */
#include "config/config.h"
#include "util/error.h"
#include "util/keyfile.h"
#include "util/listen.h"
#include "config/controller_config.h"
#include "policy/cpu_policy.h"
#include "policy/net_policy.h"
#include <math.h>
#include <string.h>

SovaConfig *sova_config_new(void)
{
    SovaConfig *c = g_new0(SovaConfig, 1);
    c->connect = g_strdup(SOVA_DEFAULT_URI);
    c->interval = 1.0;
    c->reconnect_max = 30.0;
    c->affinity_refresh = 60;
    c->cpu_policy = g_strdup("balance");
    c->target_stddev = 5.0;
    c->min_gain = 2.0;
    c->ewma_alpha = 0.7;
    sova_config_net_defaults(c);
    return c;
}

void sova_config_free(SovaConfig *c)
{
    if (!c)
        return;
    g_free(c->path);
    g_free(c->connect);
    g_free(c->cpu_policy);
    sova_cpuset_free(c->reserved);
    g_strfreev(c->exclude);
    g_free(c->net_policy);
    g_free(c->vf_network);
    g_free(c->vf_template);
    g_free(c->vf_template_xml);
    g_free(c->host_nic);
    g_strfreev(c->net_exclude);
    g_free(c->metrics_listen);
    g_free(c);
}

static const char *const agent_keys[] = { "connect", "interval", "reconnect-max",
                                          "affinity-refresh", "mode", NULL };
static const char *const cpu_keys[] = { "policy", "target-stddev", "min-gain", "ewma-alpha",
                                        "reserved", "exclude", NULL };
static const char *const net_keys[] = { "policy", "vf-network", "vf-pool", "vf-template", "enter",
                                        "exit", "exit-intervals", "margin", "challenge-intervals",
                                        "min-dwell", "max-switches", "bytes-per-point",
                                        "detach-timeout", "nic", "nic-gbps", "exclude",
                                        "blind-half-life", NULL };
/* listen: the agent's; controller-listen: the controller's (one file may serve both on a host) */
static const char *const metrics_keys[] = { "listen", "controller-listen", NULL };

const char *const *sova_config_keys_of(const char *group)
{
    return strcmp(group, "agent") == 0 ? agent_keys
         : strcmp(group, "cpu") == 0   ? cpu_keys
         : strcmp(group, "net") == 0   ? net_keys
         : strcmp(group, "metrics") == 0 ? metrics_keys
                                       : NULL;
}

gboolean sova_config_get_mode(const SovaKeyFile *k, const char *group, SovaMode *out,
                              GError **error)
{
    g_autofree char *text = sova_keyfile_get_raw(k, group, "mode");
    if (text && !sova_mode_parse(g_strstrip(text), out))
        return sova_keyfile_fail(k, group, "mode", error,
                                 "mode: \"%s\" is not full, partial or manual", text);
    return TRUE;
}

static gboolean load_agent(const SovaKeyFile *k, SovaConfig *c, GError **error)
{
    guint64 refresh = c->affinity_refresh;
    if (!sova_keyfile_get_string(k, "agent", "connect", &c->connect, error) ||
        !sova_keyfile_get_double(k, "agent", "interval", SOVA_MIN_INTERVAL, SOVA_MAX_INTERVAL,
                                 &c->interval, error) ||
        !sova_keyfile_get_double(k, "agent", "reconnect-max", SOVA_MIN_RECONNECT, SOVA_MAX_INTERVAL,
                                 &c->reconnect_max, error) ||
        !sova_keyfile_get_uint(k, "agent", "affinity-refresh", 0, 1000000, &refresh, error) ||
        !sova_config_get_mode(k, "agent", &c->mode, error))
        return FALSE;
    c->affinity_refresh = (guint)refresh;
    return TRUE;
}

static gboolean load_cpu(const SovaKeyFile *k, SovaConfig *c, GError **error)
{
    if (!sova_keyfile_get_string(k, "cpu", "policy", &c->cpu_policy, error))
        return FALSE;
    if (!sova_cpu_policy_find(c->cpu_policy))
        return sova_keyfile_fail(k, "cpu", "policy", error,
                                 "policy: unknown cpu policy \"%s\" (known: %s)",
                                 c->cpu_policy, sova_cpu_policy_list());
    if (!sova_keyfile_get_double(k, "cpu", "target-stddev", 0, 100, &c->target_stddev, error) ||
        !sova_keyfile_get_double(k, "cpu", "min-gain", 0, 100, &c->min_gain, error) ||
        !sova_keyfile_get_double(k, "cpu", "ewma-alpha", 0.01, 1, &c->ewma_alpha, error))
        return FALSE;
    g_autofree char *reserved = sova_keyfile_get_raw(k, "cpu", "reserved");
    if (reserved) {
        g_autoptr(GError) e = NULL;
        SovaCpuSet *set = sova_cpuset_parse(reserved, SOVA_MAX_PCPUS, &e);
        if (!set)
            return sova_keyfile_fail(k, "cpu", "reserved", error, "reserved: %s", e->message);
        sova_cpuset_free(c->reserved);
        c->reserved = set;
    }
    return sova_keyfile_get_list(k, "cpu", "exclude", &c->exclude, error);
}

void sova_config_net_defaults(SovaConfig *c)
{
    SovaNetPolicyParams d = SOVA_NET_PARAMS_DEFAULT;
    c->net_policy = g_strdup("balance");
    c->net_enter = d.enter;
    c->net_exit = d.exit;
    c->net_exit_intervals = d.exit_intervals;
    c->net_margin = d.margin;
    c->net_challenge_intervals = d.challenge_intervals;
    c->net_min_dwell = d.min_dwell;
    c->net_max_switches = d.max_switches;
    c->net_blind_half_life = d.blind_half_life;
    c->net_bytes_per_point = d.bytes_per_point;
    c->detach_timeout = 5;
}

static gboolean load_vf_template(const SovaKeyFile *k, SovaConfig *c, GError **error)
{
    g_autofree char *path = NULL;
    if (!sova_keyfile_get_string(k, "net", "vf-template", &path, error))
        return FALSE;
    if (!path)
        return TRUE;
    g_autoptr(GError) e = NULL;
    g_autofree char *xml = NULL;
    if (!g_file_get_contents(path, &xml, NULL, &e))
        return sova_keyfile_fail(k, "net", "vf-template", error, "vf-template: %s", e->message);
    if (!strstr(xml, "{mac}"))
        return sova_keyfile_fail(k, "net", "vf-template", error,
                                 "vf-template: %s has no {mac} placeholder: the VF must carry the "
                                 "standby NIC's MAC", path);
    g_free(c->vf_template);
    c->vf_template = g_steal_pointer(&path);
    g_free(c->vf_template_xml);
    c->vf_template_xml = g_steal_pointer(&xml);
    return TRUE;
}

static gboolean load_net(const SovaKeyFile *k, SovaConfig *c, GError **error)
{
    if (!sova_keyfile_get_string(k, "net", "policy", &c->net_policy, error))
        return FALSE;
    if (!sova_net_policy_find(c->net_policy))
        return sova_keyfile_fail(k, "net", "policy", error,
                                 "policy: unknown net policy \"%s\" (known: %s)",
                                 c->net_policy, sova_net_policy_list());
    if (!sova_keyfile_get_string(k, "net", "vf-network", &c->vf_network, error) ||
        !sova_keyfile_get_string(k, "net", "nic", &c->host_nic, error) ||
        !sova_keyfile_get_guint(k, "net", "vf-pool", 0, 4096, &c->vf_pool, error) ||
        !load_vf_template(k, c, error) ||
        !sova_keyfile_get_double(k, "net", "enter", 0, 1e12, &c->net_enter, error) ||
        !sova_keyfile_get_double(k, "net", "exit", 0, 1e12, &c->net_exit, error) ||
        !sova_keyfile_get_guint(k, "net", "exit-intervals", 0, 100000, &c->net_exit_intervals,
                                error) ||
        !sova_keyfile_get_double(k, "net", "margin", 1, 1000, &c->net_margin, error) ||
        !sova_keyfile_get_guint(k, "net", "challenge-intervals", 0, 100000,
                                &c->net_challenge_intervals, error) ||
        !sova_keyfile_get_guint(k, "net", "min-dwell", 0, 100000, &c->net_min_dwell, error) ||
        !sova_keyfile_get_guint(k, "net", "max-switches", 0, 4096, &c->net_max_switches, error) ||
        !sova_keyfile_get_guint(k, "net", "blind-half-life", 0, 100000, &c->net_blind_half_life,
                                error) ||
        !sova_keyfile_get_double(k, "net", "bytes-per-point", 1, 1e12, &c->net_bytes_per_point,
                                 error) ||
        !sova_keyfile_get_double(k, "net", "detach-timeout", SOVA_MIN_DETACH_TIMEOUT, 3600,
                                 &c->detach_timeout, error) ||
        !sova_keyfile_get_double(k, "net", "nic-gbps", 0, 1e6, &c->nic_gbps, error))
        return FALSE;
    if (c->net_exit > c->net_enter)
        return sova_keyfile_fail(k, "net", "exit", error,
                                 "exit (%g) must not exceed enter (%g): a VM would switch back and "
                                 "forth", c->net_exit, c->net_enter);
    return sova_keyfile_get_list(k, "net", "exclude", &c->net_exclude, error);
}

void sova_config_net_params(const SovaConfig *c, guint pool_size, SovaNetPolicyParams *out)
{
    *out = SOVA_NET_PARAMS_DEFAULT;
    out->pool_size = pool_size;
    out->enter = c->net_enter;
    out->exit = c->net_exit;
    out->exit_intervals = c->net_exit_intervals;
    out->margin = c->net_margin;
    out->challenge_intervals = c->net_challenge_intervals;
    out->min_dwell = c->net_min_dwell;
    out->max_switches = c->net_max_switches;
    out->blind_half_life = c->net_blind_half_life;
    out->bytes_per_point = c->net_bytes_per_point;
}

gboolean sova_config_load_data(SovaConfig *c, const char *path, const char *text, GError **error)
{
    SovaKeyFile k = { 0 };
    gboolean ok = sova_keyfile_parse(&k, path, text, error) &&
                  sova_keyfile_check_duplicates(&k, error) &&
                  sova_keyfile_check_known(&k, sova_config_keys_of,
                                           sova_controller_config_keys_of, SOVA_CONFIG_SECTIONS,
                                           error) &&
                  load_agent(&k, c, error) && load_cpu(&k, c, error) && load_net(&k, c, error) &&
                  sova_config_load_listen(&k, "listen", &c->metrics_listen, error);
    sova_keyfile_clear(&k);
    if (ok) {
        g_free(c->path);
        c->path = g_strdup(path);
    }
    return ok;
}

gboolean sova_config_load(SovaConfig *c, const char *path, GError **error)
{
    g_autofree char *text = sova_keyfile_read(path, error);
    return text && sova_config_load_data(c, path, text, error);
}

gboolean sova_config_load_listen(const SovaKeyFile *k, const char *key, char **out,
                                 GError **error)
{
    g_autofree char *text = NULL;
    if (!sova_keyfile_get_string(k, "metrics", key, &text, error))
        return FALSE;
    g_autoptr(GError) e = NULL;
    if (text && !sova_listen_parse(text, NULL, NULL, &e))
        return sova_keyfile_fail(k, "metrics", key, error, "%s: %s", key, e->message);
    if (text) {
        g_free(*out);
        *out = g_steal_pointer(&text);
    }
    return TRUE;
}

gboolean sova_config_check_interval(const char *what, double seconds, GError **error)
{
    if (isfinite(seconds) && seconds >= SOVA_MIN_INTERVAL && seconds <= SOVA_MAX_INTERVAL)
        return TRUE;
    g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                "the %s must be a number of seconds from %g to %g (got %g)", what,
                SOVA_MIN_INTERVAL, SOVA_MAX_INTERVAL, seconds);
    return FALSE;
}

gboolean sova_config_validate(const SovaConfig *c, GError **error)
{
    if (!sova_config_check_interval("interval", c->interval, error))
        return FALSE;
    if (!sova_cpu_policy_find(c->cpu_policy)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "unknown cpu policy \"%s\" (known: %s)",
                    c->cpu_policy, sova_cpu_policy_list());
        return FALSE;
    }
    if (!sova_net_policy_find(c->net_policy)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "unknown net policy \"%s\" (known: %s)",
                    c->net_policy, sova_net_policy_list());
        return FALSE;
    }
    if (!c->connect || !*c->connect) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "empty libvirt URI");
        return FALSE;
    }
    return TRUE;
}
