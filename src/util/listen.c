/* listen.c — parsing ADDR:PORT; see listen.h. */
#include "util/listen.h"
#include "util/error.h"
#include <gio/gio.h>
#include <string.h>

static gboolean bad(GError **error, const char *text, const char *why)
{
    g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                "\"%s\" is not ADDR:PORT (%s; e.g. 127.0.0.1:9464, [::1]:9464, :9464)", text, why);
    return FALSE;
}

gboolean sova_listen_parse(const char *text, char **host, guint *port, GError **error)
{
    const char *colon = text ? strrchr(text, ':') : NULL;
    if (!colon)
        return bad(error, text ? text : "", "no port");
    guint64 p = 0;
    if (!g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &p, NULL))
        return bad(error, text, "the port is not a number from 0 to 65535");
    g_autofree char *addr = g_strndup(text, colon - text);
    gsize n = strlen(addr);
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
        memmove(addr, addr + 1, n - 2);
        addr[n - 2] = '\0';
        if (!strchr(addr, ':'))
            return bad(error, text, "brackets are for an IPv6 address");
    } else if (strchr(addr, ':')) {
        return bad(error, text, "an IPv6 address goes in brackets");
    }
    gboolean any = !*addr || !strcmp(addr, "*");
    if (!any && strcmp(addr, "localhost")) {
        g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(addr);
        if (!ia)
            return bad(error, text, "the address is not a numeric IP address or localhost");
    }
    if (host)
        *host = any ? NULL : g_steal_pointer(&addr);
    if (port)
        *port = (guint)p;
    return TRUE;
}
