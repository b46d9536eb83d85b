/* libvirt_caps.c — pCPU topology (socket, core, NUMA cell) and the host's UUID from
 * libvirt's capabilities.
 *
 * Parsed with GLib's GMarkup (a real, strict XML parser already linked): only
 * capabilities/host/topology/cells/cell[@id]/cpus/cpu[@id,@socket_id,@core_id] is
 * read, and capabilities/host/uuid (what tells two names for one libvirt host apart
 * from two hosts); everything else (host cpu model, guests, secmodel) is skipped. Hyper-thread
 * siblings are the pCPUs sharing (socket, core), which is how SovaPcpuSample says it. */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>
#include "model/cpuset.h"

typedef struct {
    GPtrArray *path;          /* names of the open elements, outermost first */
    int cell;                 /* id of the <cell> being read, -1 outside one */
    GArray *topo;             /* SovaLvTopo, grown to the highest cpu id seen */
    GString *uuid;            /* text of capabilities/host/uuid */
} CapsParse;

static const char *const cpu_path[] = {"capabilities", "host", "topology", "cells", "cell",
                                       "cpus", "cpu"};

/* TRUE when the open elements plus `name` are exactly the first `depth` of cpu_path */
static gboolean path_is(const CapsParse *p, const char *name, guint depth)
{
    if (p->path->len + 1 != depth)
        return FALSE;
    for (guint i = 0; i < p->path->len; i++)
        if (strcmp(g_ptr_array_index(p->path, i), cpu_path[i]) != 0)
            return FALSE;
    return strcmp(name, cpu_path[depth - 1]) == 0;
}

static int attr_int(const char **names, const char **values, const char *want)
{
    for (guint i = 0; names[i]; i++) {
        if (strcmp(names[i], want) == 0) {
            gint64 v;
            if (g_ascii_string_to_signed(values[i], 10, 0, G_MAXINT, &v, NULL))
                return (int)v;
        }
    }
    return -1;
}

static void add_cpu(CapsParse *p, const char **names, const char **values)
{
    int id = attr_int(names, values, "id");
    if (id < 0 || id >= SOVA_MAX_PCPUS)
        return;
    guint old = p->topo->len;
    if ((guint)id >= old) {
        g_array_set_size(p->topo, id + 1);
        for (guint i = old; i < p->topo->len; i++)
            g_array_index(p->topo, SovaLvTopo, i) = (SovaLvTopo){-1, -1, -1};
    }
    SovaLvTopo *t = &g_array_index(p->topo, SovaLvTopo, id);
    t->socket = attr_int(names, values, "socket_id");
    t->core = attr_int(names, values, "core_id");
    t->cell = p->cell;
}

static void on_start(GMarkupParseContext *ctx, const char *name, const char **names,
                     const char **values, gpointer data, GError **error)
{
    CapsParse *p = data;
    (void)ctx;
    (void)error;
    if (path_is(p, name, 5))
        p->cell = attr_int(names, values, "id");
    else if (path_is(p, name, 7))
        add_cpu(p, names, values);
    g_ptr_array_add(p->path, g_strdup(name));
}

static void on_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
    CapsParse *p = data;
    (void)ctx;
    (void)error;
    g_ptr_array_set_size(p->path, p->path->len - 1);
    if (strcmp(name, "cell") == 0 && p->path->len == 4)
        p->cell = -1;
}

static void on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
                    GError **error)
{
    CapsParse *p = data;
    (void)ctx;
    (void)error;
    if (p->path->len == 3 && strcmp(g_ptr_array_index(p->path, 0), "capabilities") == 0 &&
        strcmp(g_ptr_array_index(p->path, 1), "host") == 0 &&
        strcmp(g_ptr_array_index(p->path, 2), "uuid") == 0)
        g_string_append_len(p->uuid, text, (gssize)len);
}

GArray *sova_lv_caps_read(const char *xml, char **host_uuid, GError **error)
{
    static const GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
    CapsParse p = {g_ptr_array_new_with_free_func(g_free), -1,
                   g_array_new(FALSE, TRUE, sizeof(SovaLvTopo)), g_string_new(NULL)};
    g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
    gboolean ok = g_markup_parse_context_parse(ctx, xml, -1, error) &&
                  g_markup_parse_context_end_parse(ctx, error);
    g_ptr_array_unref(p.path);
    g_strstrip(p.uuid->str);
    gboolean has_uuid = ok && p.uuid->str[0];
    char *uuid = g_string_free(p.uuid, !has_uuid);
    if (host_uuid)
        *host_uuid = uuid;
    else
        g_free(uuid);
    if (!ok) {
        g_prefix_error(error, "capabilities XML: ");
        g_array_unref(p.topo);
        return NULL;
    }
    return p.topo;
}

GArray *sova_lv_caps_topology(const char *xml, GError **error)
{
    return sova_lv_caps_read(xml, NULL, error);
}
