/* action_log.c — one log record per action, with its journal fields; see action_log.h. */
#include "daemon/action_log.h"

void sova_action_log_init(SovaActionLog *l, const SovaAction *a, const char *host,
                          const char *result)
{
    *l = (SovaActionLog){ .f = { .action = sova_action_kind_name(a->kind), .vm = a->vm_name,
                                 .vm_uuid = a->uuid[0] ? a->uuid : NULL, .reason = a->reason,
                                 .host = host, .result = result } };
    switch (a->kind) {
    case SOVA_ACTION_PIN:
        l->from = a->from_pcpu >= 0 ? g_strdup_printf("%d", a->from_pcpu) : g_strdup("unpinned");
        l->to = a->to_set ? sova_cpuset_format(a->to_set) : g_strdup_printf("%d", a->to_pcpu);
        break;
    case SOVA_ACTION_ATTACH_VF:
    case SOVA_ACTION_DETACH_VF:
        l->from = g_strdup(a->kind == SOVA_ACTION_ATTACH_VF ? "virtio" : "vf");
        l->to = g_strdup(a->kind == SOVA_ACTION_ATTACH_VF ? "vf" : "virtio");
        break;
    case SOVA_ACTION_MIGRATE:
        l->from = g_strdup(a->from_host_name);
        l->to = g_strdup(a->to_host_name);
        if (!host)
            l->f.host = a->from_host_name;
        break;
    }
    l->f.from = l->from;
    l->f.to = l->to;
}

void sova_action_log_clear(SovaActionLog *l)
{
    g_clear_pointer(&l->from, g_free);
    g_clear_pointer(&l->to, g_free);
}

void sova_log_action(GLogLevelFlags level, const SovaAction *a, const char *host,
                     const char *result, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    SovaActionLog l;
    sova_action_log_init(&l, a, host, result);
    sova_log_record(level, &l.f, "%s", msg);
    sova_action_log_clear(&l);
}
