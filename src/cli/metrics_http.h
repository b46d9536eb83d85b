/* metrics_http.h — the daemons' Prometheus endpoint: GET /metrics over HTTP (libsoup-3),
 * served on the default GLib main context, which the daemons' loops iterate while they
 * wait between intervals. Opt-in: nothing listens unless `--metrics-listen` or [metrics]
 * gives an address. */
#pragma once
#include <glib.h>
#include "daemon/metrics.h"

typedef struct SovaMetricsHttp SovaMetricsHttp;

/* listens on `listen` (ADDR:PORT, util/listen.h) and serves sova_metrics_render(registry)
 * at /metrics; the registry stays the caller's and must outlive the server. NULL with
 * error when the address is bad or cannot be bound. */
SovaMetricsHttp *sova_metrics_http_start(const char *listen, const SovaMetrics *registry,
                                         GError **error);
/* the URL it serves, with the port actually bound ("http://127.0.0.1:9464/metrics") */
const char *sova_metrics_http_url(const SovaMetricsHttp *s);
void sova_metrics_http_stop(SovaMetricsHttp *s);

/* --- what `sova agent` and `sova controller` share --- */

/* --metrics-listen's value, checked (prints "sova: ..." and returns FALSE when it is not
 * ADDR:PORT), over *out (the configuration's); NULL: not given, *out unchanged */
gboolean sova_cli_listen(const char *option, char **out);
/* listen NULL: no listener, NULL returned. Else `init` adds the daemon's families to the
 * registry, the server starts and its URL is logged; NULL with error when it cannot. */
SovaMetricsHttp *sova_cli_metrics_serve(const char *listen, SovaMetrics *registry,
                                        void (*init)(SovaMetrics *), GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaMetricsHttp, sova_metrics_http_stop)
