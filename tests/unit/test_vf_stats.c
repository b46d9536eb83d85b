/* test_vf_stats.c — the PF's per-VF statistics parser (backend/netlink/vf_stats.h) on
 * RTM_NEWLINK messages built here byte by byte from the kernel's uapi layout
 * (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h), as rtnl_fill_vf() lays them out:
 * IFLA_VFINFO_LIST { IFLA_VF_INFO { IFLA_VF_MAC, IFLA_VF_VLAN, IFLA_VF_STATS { u64 ...,
 * IFLA_VF_STATS_PAD } } ... }; and the request the backend sends. */
#include "backend/netlink/vf_stats.h"
#include "util/error.h"
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>

/* ---- a tiny message builder: attributes nest by remembering where each one starts ---- */

typedef struct {
    GByteArray *b;
    guint open[8];
    guint depth;
} Msg;

static void pad(Msg *m)
{
    static const guint8 zero[4];
    g_byte_array_append(m->b, zero, NLA_ALIGN(m->b->len) - m->b->len);
}

static void msg_begin(Msg *m, guint16 type, guint32 seq)
{
    m->b = g_byte_array_new();
    struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_seq = seq };
    g_byte_array_append(m->b, (guint8 *)&h, sizeof h);
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 4, .ifi_flags = IFF_UP };
    g_byte_array_append(m->b, (guint8 *)&ifi, sizeof ifi);
}

static void attr(Msg *m, guint16 type, const void *data, guint16 len)
{
    struct nlattr a = { .nla_len = NLA_HDRLEN + len, .nla_type = type };
    g_byte_array_append(m->b, (guint8 *)&a, sizeof a);
    g_byte_array_append(m->b, data, len);
    pad(m);
}

static void u64_attr(Msg *m, guint16 type, guint64 v)
{
    attr(m, type, &v, sizeof v);
}

static void nest_begin(Msg *m, guint16 type)
{
    struct nlattr a = { .nla_len = 0, .nla_type = type | NLA_F_NESTED };
    m->open[m->depth++] = m->b->len;
    g_byte_array_append(m->b, (guint8 *)&a, sizeof a);
}

static void nest_end(Msg *m)
{
    guint at = m->open[--m->depth];
    ((struct nlattr *)(m->b->data + at))->nla_len = m->b->len - at;
}

static GByteArray *msg_end(Msg *m)
{
    ((struct nlmsghdr *)m->b->data)->nlmsg_len = m->b->len;
    return m->b;
}

/* one IFLA_VF_INFO as rtnl_fill_vfinfo() writes it; last_mac_byte 0: no MAC set (all
 * zero); stats NULL: the driver has none */
static void vf_info(Msg *m, guint32 vf, guint8 last_mac_byte, const guint64 *stats, gboolean drops)
{
    nest_begin(m, IFLA_VF_INFO);
    struct ifla_vf_mac mac = { .vf = vf };
    if (last_mac_byte)
        memcpy(mac.mac, (guint8[]){ 0x52, 0x54, 0x00, 0x00, 0x01, last_mac_byte }, 6);
    attr(m, IFLA_VF_MAC, &mac, sizeof mac);
    struct ifla_vf_vlan vlan = { .vf = vf };
    attr(m, IFLA_VF_VLAN, &vlan, sizeof vlan);
    struct ifla_vf_spoofchk sp = { .vf = vf, .setting = 1 };
    attr(m, IFLA_VF_SPOOFCHK, &sp, sizeof sp);
    if (stats) {
        nest_begin(m, IFLA_VF_STATS);
        u64_attr(m, IFLA_VF_STATS_RX_PACKETS, stats[0]);
        u64_attr(m, IFLA_VF_STATS_TX_PACKETS, stats[1]);
        u64_attr(m, IFLA_VF_STATS_RX_BYTES, stats[2]);
        u64_attr(m, IFLA_VF_STATS_TX_BYTES, stats[3]);
        u64_attr(m, IFLA_VF_STATS_BROADCAST, 7);
        u64_attr(m, IFLA_VF_STATS_MULTICAST, 9);
        if (drops) {
            u64_attr(m, IFLA_VF_STATS_RX_DROPPED, stats[4]);
            u64_attr(m, IFLA_VF_STATS_TX_DROPPED, stats[5]);
        }
        nest_end(m);
    }
    nest_end(m);
}

/* an RTM_NEWLINK of PF "enp3s0f0" with the link's other attributes around the VF list */
static GByteArray *newlink(void (*vfs)(Msg *))
{
    Msg m = {0};
    msg_begin(&m, RTM_NEWLINK, 42);
    attr(&m, IFLA_IFNAME, "enp3s0f0", 9);
    guint32 mtu = 1500;
    attr(&m, IFLA_MTU, &mtu, sizeof mtu);
    guint32 nvf = 3;
    attr(&m, IFLA_NUM_VF, &nvf, sizeof nvf);
    if (vfs) {
        nest_begin(&m, IFLA_VFINFO_LIST);
        vfs(&m);
        nest_end(&m);
    }
    attr(&m, IFLA_QDISC, "mq", 3);
    return msg_end(&m);
}

static const guint64 stats0[] = { 1000, 2000, 1500000, 3000000, 5, 6 };
static const guint64 stats2[] = { 10, 20, 30, 40, 0, 0 };

static void three_vfs(Msg *m)
{
    vf_info(m, 0, 0x10, stats0, TRUE);
    vf_info(m, 1, 0x11, NULL, FALSE);      /* a VF without stats */
    vf_info(m, 2, 0x00, stats2, FALSE);    /* a kernel before rx/tx_dropped; no MAC set */
}

static GArray *parse_ok(GByteArray *b)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(SovaVfStat));
    g_autoptr(GError) err = NULL;
    g_assert_true(sova_vf_stats_parse(b->data, b->len, out, &err));
    g_assert_no_error(err);
    return out;
}

static void test_several_vfs(void)
{
    g_autoptr(GByteArray) b = newlink(three_vfs);
    g_autoptr(GArray) vfs = parse_ok(b);
    g_assert_cmpuint(vfs->len, ==, 3);
    const SovaVfStat *v0 = sova_vf_stats_find(vfs, 0), *v1 = sova_vf_stats_find(vfs, 1),
                     *v2 = sova_vf_stats_find(vfs, 2);
    g_assert_nonnull(v0);
    g_assert_true(v0->has_stats);
    g_assert_true(v0->has_drops);
    g_assert_cmpuint(v0->rx_packets, ==, 1000);
    g_assert_cmpuint(v0->tx_packets, ==, 2000);
    g_assert_cmpuint(v0->rx_bytes, ==, 1500000);
    g_assert_cmpuint(v0->tx_bytes, ==, 3000000);
    g_assert_cmpuint(v0->rx_dropped, ==, 5);
    g_assert_cmpuint(v0->tx_dropped, ==, 6);
    g_assert_cmpstr(v0->mac, ==, "52:54:00:00:01:10");
    g_assert_nonnull(v1);
    g_assert_false(v1->has_stats);
    g_assert_cmpuint(v1->rx_packets, ==, 0);
    g_assert_nonnull(v2);
    g_assert_true(v2->has_stats);
    g_assert_false(v2->has_drops);
    g_assert_cmpuint(v2->tx_bytes, ==, 40);
    g_assert_cmpstr(v2->mac, ==, "");
    g_assert_null(sova_vf_stats_find(vfs, 3));
    g_assert_true(sova_vf_stats_any(vfs));
}

static void no_stats(Msg *m)
{
    vf_info(m, 0, 1, NULL, FALSE);
    vf_info(m, 1, 2, NULL, FALSE);
}

/* a driver without ndo_get_vf_stats: VFs listed, none with stats */
static void test_driver_without_stats(void)
{
    g_autoptr(GByteArray) b = newlink(no_stats);
    g_autoptr(GArray) vfs = parse_ok(b);
    g_assert_cmpuint(vfs->len, ==, 2);
    g_assert_false(sova_vf_stats_any(vfs));
}

/* a link without SR-IOV: no IFLA_VFINFO_LIST */
static void test_no_vfs(void)
{
    g_autoptr(GByteArray) b = newlink(NULL);
    g_autoptr(GArray) vfs = parse_ok(b);
    g_assert_cmpuint(vfs->len, ==, 0);
}

static GError *parse_fails(const void *data, size_t len)
{
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(SovaVfStat));
    GError *err = NULL;
    g_assert_false(sova_vf_stats_parse(data, len, out, &err));
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_BACKEND);
    return err;
}

/* the kernel's answer for a PF name it does not know: NLMSG_ERROR with -ENODEV */
static void test_error_answer(void)
{
    Msg m = {0};
    m.b = g_byte_array_new();
    struct nlmsghdr h = { .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = 42 };
    g_byte_array_append(m.b, (guint8 *)&h, sizeof h);
    struct nlmsgerr e = { .error = -ENODEV };
    g_byte_array_append(m.b, (guint8 *)&e, sizeof e);
    g_autoptr(GByteArray) b = msg_end(&m);
    g_autoptr(GError) err = parse_fails(b->data, b->len);
    g_assert_nonnull(strstr(err->message, g_strerror(ENODEV)));
}

/* cut short anywhere: an error, never a read past the end (ASan watches the copy) */
static void test_truncated(void)
{
    g_autoptr(GByteArray) b = newlink(three_vfs);
    for (guint len = 0; len < b->len; len++) {
        g_autofree guint8 *copy = g_memdup2(b->data, len);
        g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(SovaVfStat));
        g_autoptr(GError) err = NULL;
        g_assert_false(sova_vf_stats_parse(copy, len, out, &err));
        g_assert_nonnull(err);
    }
}

/* a VF_INFO whose IFLA_VF_MAC is shorter than struct ifla_vf_mac: malformed, refused */
static void short_mac(Msg *m)
{
    nest_begin(m, IFLA_VF_INFO);
    guint32 vf = 0;
    attr(m, IFLA_VF_MAC, &vf, sizeof vf);
    nest_end(m);
}

static void test_malformed(void)
{
    g_autoptr(GByteArray) b = newlink(short_mac);
    g_autoptr(GError) err = parse_fails(b->data, b->len);
    g_assert_nonnull(strstr(err->message, "IFLA_VF_INFO"));
}

/* the request: RTM_GETLINK, NLM_F_REQUEST, IFLA_IFNAME = the PF, IFLA_EXT_MASK =
 * RTEXT_FILTER_VF */
static void test_request(void)
{
    guint8 buf[256];
    size_t len = sova_vf_stats_request(buf, sizeof buf, "enp3s0f0", 7);
    g_assert_cmpuint(len, >, sizeof(struct nlmsghdr) + sizeof(struct ifinfomsg));
    const struct nlmsghdr *h = (const void *)buf;
    g_assert_cmpuint(h->nlmsg_len, ==, len);
    g_assert_cmpuint(h->nlmsg_type, ==, RTM_GETLINK);
    g_assert_cmpuint(h->nlmsg_flags, ==, NLM_F_REQUEST);
    g_assert_cmpuint(h->nlmsg_seq, ==, 7);
    const guint8 *p = buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg));
    gboolean name = FALSE, mask = FALSE;
    while (p < buf + len) {
        const struct nlattr *a = (const void *)p;
        if (a->nla_type == IFLA_IFNAME)
            name = strcmp((const char *)p + NLA_HDRLEN, "enp3s0f0") == 0;
        if (a->nla_type == IFLA_EXT_MASK)
            mask = *(const guint32 *)(p + NLA_HDRLEN) == RTEXT_FILTER_VF;
        p += NLA_ALIGN(a->nla_len);
    }
    g_assert_true(name);
    g_assert_true(mask);
    g_assert_cmpuint(sova_vf_stats_request(buf, sizeof buf, "a-name-longer-than-16", 1), ==, 0);
    g_assert_cmpuint(sova_vf_stats_request(buf, 16, "eth0", 1), ==, 0);
}

/* the real kernel answers the request: loopback has no VFs; an unknown name is ENODEV */
static void test_kernel(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaVfStatsSock) s = sova_vf_stats_open(&err);
    if (!s) {
        g_test_skip(err->message);
        return;
    }
    g_autoptr(GArray) lo = sova_vf_stats_query(s, "lo", &err);
    g_assert_no_error(err);
    g_assert_nonnull(lo);
    g_assert_cmpuint(lo->len, ==, 0);
    g_autoptr(GArray) none = sova_vf_stats_query(s, "sova-no-such", &err);
    g_assert_null(none);
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_BACKEND);
    g_assert_nonnull(strstr(err->message, g_strerror(ENODEV)));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vf-stats/several-vfs", test_several_vfs);
    g_test_add_func("/vf-stats/driver-without-stats", test_driver_without_stats);
    g_test_add_func("/vf-stats/no-vfs", test_no_vfs);
    g_test_add_func("/vf-stats/error-answer", test_error_answer);
    g_test_add_func("/vf-stats/truncated", test_truncated);
    g_test_add_func("/vf-stats/malformed", test_malformed);
    g_test_add_func("/vf-stats/request", test_request);
    g_test_add_func("/vf-stats/kernel", test_kernel);
    return g_test_run();
}
