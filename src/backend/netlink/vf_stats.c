/* vf_stats.c — a PF's per-VF statistics over rtnetlink; see vf_stats.h. */
#include "backend/netlink/vf_stats.h"
#include "util/error.h"
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* room for the answer of a PF with a few hundred VFs (about 200 bytes each) */
#define ANSWER_BYTES (256 * 1024)

static gboolean fail(GError **error, const char *fmt, const char *what)
{
    g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, fmt, what);
    return FALSE;
}

/* the u64 counters of IFLA_VF_STATS */
static gboolean parse_counters(const struct nlattr *stats, SovaVfStat *v)
{
    const struct nlattr *a;
    gboolean rx_drop = FALSE, tx_drop = FALSE;
    mnl_attr_for_each_nested(a, stats) {
        guint16 type = mnl_attr_get_type(a);
        if (type == IFLA_VF_STATS_PAD)
            continue;
        if (mnl_attr_validate((struct nlattr *)a, MNL_TYPE_U64) < 0)
            return FALSE;
        guint64 x = mnl_attr_get_u64(a);
        switch (type) {
        case IFLA_VF_STATS_RX_PACKETS: v->rx_packets = x; break;
        case IFLA_VF_STATS_TX_PACKETS: v->tx_packets = x; break;
        case IFLA_VF_STATS_RX_BYTES: v->rx_bytes = x; break;
        case IFLA_VF_STATS_TX_BYTES: v->tx_bytes = x; break;
        case IFLA_VF_STATS_RX_DROPPED: v->rx_dropped = x; rx_drop = TRUE; break;
        case IFLA_VF_STATS_TX_DROPPED: v->tx_dropped = x; tx_drop = TRUE; break;
        default: break;   /* broadcast, multicast, and what later kernels add */
        }
    }
    v->has_stats = TRUE;
    v->has_drops = rx_drop && tx_drop;
    return TRUE;
}

static void format_mac(const struct ifla_vf_mac *m, char *out)
{
    static const guint8 zero[6];
    if (memcmp(m->mac, zero, 6) == 0) {
        out[0] = 0;
        return;
    }
    g_snprintf(out, SOVA_MAC_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->mac[0], m->mac[1], m->mac[2],
               m->mac[3], m->mac[4], m->mac[5]);
}

/* one IFLA_VF_INFO; FALSE when malformed or without IFLA_VF_MAC (no index) */
static gboolean parse_vf(const struct nlattr *info, SovaVfStat *v)
{
    const struct nlattr *a;
    gboolean has_index = FALSE;
    mnl_attr_for_each_nested(a, info) {
        switch (mnl_attr_get_type(a)) {
        case IFLA_VF_MAC: {
            if (mnl_attr_validate2((struct nlattr *)a, MNL_TYPE_UNSPEC,
                                   sizeof(struct ifla_vf_mac)) < 0)
                return FALSE;
            const struct ifla_vf_mac *m = mnl_attr_get_payload(a);
            v->vf = m->vf;
            format_mac(m, v->mac);
            has_index = TRUE;
            break;
        }
        case IFLA_VF_STATS:
            if (mnl_attr_validate((struct nlattr *)a, MNL_TYPE_NESTED) < 0 || !parse_counters(a, v))
                return FALSE;
            break;
        default:
            break;
        }
    }
    return has_index;
}

static gboolean parse_link(const struct nlmsghdr *nlh, GArray *out, GError **error)
{
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
        return fail(error, "netlink: %s: RTM_NEWLINK too short", "answer");
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
        if (mnl_attr_get_type(a) != IFLA_VFINFO_LIST)
            continue;
        if (mnl_attr_validate((struct nlattr *)a, MNL_TYPE_NESTED) < 0)
            return fail(error, "netlink: %s: IFLA_VFINFO_LIST malformed", "answer");
        const struct nlattr *info;
        mnl_attr_for_each_nested(info, a) {
            if (mnl_attr_get_type(info) != IFLA_VF_INFO)
                continue;
            SovaVfStat v = {0};
            if (mnl_attr_validate((struct nlattr *)info, MNL_TYPE_NESTED) < 0 ||
                !parse_vf(info, &v))
                return fail(error, "netlink: %s: IFLA_VF_INFO malformed", "answer");
            g_array_append_val(out, v);
        }
    }
    return TRUE;
}

gboolean sova_vf_stats_parse(const void *buf, size_t len, GArray *out, GError **error)
{
    /* walked by hand: libmnl's mnl_nlmsg_ok() takes a length above 2 GiB for a negative
     * one and lets the walk jump out of the buffer (found by fuzzing) */
    for (size_t off = 0; len - off >= sizeof(struct nlmsghdr);) {
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)buf + off);
        if (nlh->nlmsg_len < sizeof *nlh || nlh->nlmsg_len > len - off)
            break;
        if (nlh->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *e))
                return fail(error, "netlink: %s: NLMSG_ERROR too short", "answer");
            if (e->error != 0) {
                g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "netlink: RTM_GETLINK: %s",
                            e->error < 0 && e->error > G_MININT ? g_strerror(-e->error)
                                                                : "bad error code");
                return FALSE;
            }
        } else if (nlh->nlmsg_type == RTM_NEWLINK)
            return parse_link(nlh, out, error);
        off += NLMSG_ALIGN(nlh->nlmsg_len);
        if (off > len)
            break;
    }
    return fail(error, "netlink: %s: no RTM_NEWLINK (truncated?)", "answer");
}

const SovaVfStat *sova_vf_stats_find(const GArray *stats, guint vf)
{
    for (guint i = 0; stats && i < stats->len; i++)
        if (g_array_index(stats, SovaVfStat, i).vf == vf)
            return &g_array_index(stats, SovaVfStat, i);
    return NULL;
}

gboolean sova_vf_stats_any(const GArray *stats)
{
    for (guint i = 0; stats && i < stats->len; i++)
        if (g_array_index(stats, SovaVfStat, i).has_stats)
            return TRUE;
    return FALSE;
}

size_t sova_vf_stats_request(void *buf, size_t size, const char *pf, guint32 seq)
{
    size_t need = mnl_nlmsg_size(sizeof(struct ifinfomsg)) + MNL_ALIGN(MNL_ATTR_HDRLEN + IFNAMSIZ) +
                  MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(guint32));
    if (!pf || !pf[0] || strlen(pf) >= IFNAMSIZ || size < need)
        return 0;
    memset(buf, 0, need);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    nlh->nlmsg_seq = seq;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, pf);
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_VF);
    return nlh->nlmsg_len;
}

struct SovaVfStatsSock {
    struct mnl_socket *nl;
    guint32 seq;
    guint portid;
    char *buf;                /* ANSWER_BYTES */
};

SovaVfStatsSock *sova_vf_stats_open(GError **error)
{
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "netlink: opening a route socket: %s",
                    g_strerror(errno));
        if (nl)
            mnl_socket_close(nl);
        return NULL;
    }
    SovaVfStatsSock *s = g_new0(SovaVfStatsSock, 1);
    s->nl = nl;
    s->portid = mnl_socket_get_portid(nl);
    s->seq = (guint32)time(NULL);
    s->buf = g_malloc(ANSWER_BYTES);
    return s;
}

void sova_vf_stats_close(SovaVfStatsSock *s)
{
    if (!s)
        return;
    mnl_socket_close(s->nl);
    g_free(s->buf);
    g_free(s);
}

GArray *sova_vf_stats_query(SovaVfStatsSock *s, const char *pf, GError **error)
{
    char req[256];
    guint32 seq = ++s->seq;
    size_t len = sova_vf_stats_request(req, sizeof req, pf, seq);
    if (!len) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "netlink: bad PF name \"%s\"",
                    pf ? pf : "");
        return NULL;
    }
    if (mnl_socket_sendto(s->nl, req, len) < 0) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "netlink: asking for %s: %s", pf,
                    g_strerror(errno));
        return NULL;
    }
    for (;;) {
        ssize_t got = mnl_socket_recvfrom(s->nl, s->buf, ANSWER_BYTES);
        if (got < 0) {
            g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "netlink: the answer for %s: %s", pf,
                        g_strerror(errno));
            return NULL;
        }
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)s->buf;
        if (got >= (ssize_t)sizeof *nlh && nlh->nlmsg_seq != seq)
            continue;   /* a late answer to an earlier request */
        GArray *out = g_array_new(FALSE, TRUE, sizeof(SovaVfStat));
        g_autoptr(GError) e = NULL;
        if (!sova_vf_stats_parse(s->buf, (size_t)got, out, &e)) {
            g_array_unref(out);
            g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND, "%s (PF %s)", e->message, pf);
            return NULL;
        }
        return out;
    }
}
