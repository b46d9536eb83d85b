/* listen.h — the ADDR:PORT a listener is given (`--metrics-listen`, `[metrics] listen`). */
#pragma once
#include <glib.h>

/* "127.0.0.1:9464", "[::1]:9464", "localhost:9464" (the loopback addresses), or ":9464" /
 * "*:9464" (every address, *host NULL). ADDR is a numeric IPv4 or IPv6 address (IPv6 in
 * brackets) or localhost; PORT 0..65535 (0: any free port). FALSE with error otherwise;
 * host and port may be NULL (only check). */
gboolean sova_listen_parse(const char *text, char **host, guint *port, GError **error);
