/* metrics_http.c — GET /metrics over libsoup-3's SoupServer; see metrics_http.h. */
#include "cli/metrics_http.h"
#include "util/listen.h"
#include "util/log.h"
#include <libsoup/soup.h>
#include <string.h>

struct SovaMetricsHttp {
    SoupServer *server;
    const SovaMetrics *registry;
    char *url;
};

#define EXPOSITION "text/plain; version=0.0.4; charset=utf-8"

static void on_metrics(SoupServer *server, SoupServerMessage *msg, const char *path,
                       GHashTable *query, gpointer data)
{
    (void)server;
    (void)query;
    const SovaMetricsHttp *s = data;
    const char *method = soup_server_message_get_method(msg);
    if (strcmp(path, "/metrics") != 0) {
        soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
        return;
    }
    if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
        soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
        soup_message_headers_append(soup_server_message_get_response_headers(msg), "Allow",
                                    "GET, HEAD");
        return;
    }
    char *text = sova_metrics_render(s->registry);
    soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
    soup_server_message_set_response(msg, EXPOSITION, SOUP_MEMORY_TAKE, text, strlen(text));
}

static gboolean listen_on(SoupServer *server, const char *host, guint port, GError **error)
{
    if (!host)
        return soup_server_listen_all(server, port, 0, error);
    if (!strcmp(host, "localhost"))
        return soup_server_listen_local(server, port, 0, error);
    g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(host);
    g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(ia, port);
    return soup_server_listen(server, sa, 0, error);
}

/* the first URI the server listens on, as http://ADDR:PORT/metrics */
static char *first_url(SoupServer *server)
{
    GSList *uris = soup_server_get_uris(server);
    char *url = NULL;
    if (uris) {
        g_autofree char *base = g_uri_to_string(uris->data);
        url = g_strdup_printf("%smetrics", base);
    }
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    return url ? url : g_strdup("?");
}

SovaMetricsHttp *sova_metrics_http_start(const char *listen, const SovaMetrics *registry,
                                         GError **error)
{
    g_autofree char *host = NULL;
    guint port = 0;
    if (!sova_listen_parse(listen, &host, &port, error))
        return NULL;
    SovaMetricsHttp *s = g_new0(SovaMetricsHttp, 1);
    s->registry = registry;
    s->server = soup_server_new("server-header", "sova", NULL);
    soup_server_add_handler(s->server, NULL, on_metrics, s, NULL);
    g_autoptr(GError) e = NULL;
    if (!listen_on(s->server, host, port, &e)) {
        g_set_error(error, e->domain, e->code, "metrics: cannot listen on %s: %s", listen,
                    e->message);
        sova_metrics_http_stop(s);
        return NULL;
    }
    s->url = first_url(s->server);
    return s;
}

const char *sova_metrics_http_url(const SovaMetricsHttp *s)
{
    return s->url;
}

void sova_metrics_http_stop(SovaMetricsHttp *s)
{
    if (!s)
        return;
    soup_server_disconnect(s->server);
    g_object_unref(s->server);
    g_free(s->url);
    g_free(s);
}

gboolean sova_cli_listen(const char *option, char **out)
{
    if (!option)
        return TRUE;
    g_autoptr(GError) e = NULL;
    if (!sova_listen_parse(option, NULL, NULL, &e)) {
        g_printerr("sova: --metrics-listen: %s\n", e->message);
        return FALSE;
    }
    g_free(*out);
    *out = g_strdup(option);
    return TRUE;
}

SovaMetricsHttp *sova_cli_metrics_serve(const char *listen, SovaMetrics *registry,
                                        void (*init)(SovaMetrics *), GError **error)
{
    if (!listen)
        return NULL;
    init(registry);
    SovaMetricsHttp *s = sova_metrics_http_start(listen, registry, error);
    if (s)
        sova_info("metrics: serving %s", sova_metrics_http_url(s));
    return s;
}
