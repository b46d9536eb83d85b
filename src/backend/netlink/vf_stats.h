/* vf_stats.h — the per-VF statistics a PF's driver keeps, read over rtnetlink.
 *
 * A VF passed through to a guest (<interface type='hostdev'>) has no tap: the host sees
 * its traffic only through its PF, whose driver counts each VF's packets, bytes and drops
 * (ndo_get_vf_stats). One RTM_GETLINK request for the PF with IFLA_EXT_MASK =
 * RTEXT_FILTER_VF returns them all: an RTM_NEWLINK whose IFLA_VFINFO_LIST holds one
 * IFLA_VF_INFO per VF, each with IFLA_VF_MAC (the VF's index and MAC) and, where the
 * driver implements it, IFLA_VF_STATS (nested u64 counters; rx_dropped and tx_dropped since
 * Linux 4.20). rx and tx are the VF's: rx is what the VF received, i.e. traffic to the
 * guest, as libvirt's interface counters have it.
 *
 * The parser is separate from the socket so that tests can feed it messages built from
 * the kernel's uapi layout; libmnl walks the attributes. Backend code: it touches the
 * system (a netlink socket), decides nothing. */
#pragma once
#include <glib.h>
#include <stddef.h>
#include "model/snapshot.h"

typedef struct {
    guint vf;                 /* its index on the PF */
    char mac[SOVA_MAC_LEN];   /* the VF's MAC as the PF has it; "" when none was given */
    gboolean has_stats;       /* the driver reported IFLA_VF_STATS for it */
    gboolean has_drops;       /* ... with rx_dropped and tx_dropped */
    guint64 rx_packets, tx_packets, rx_bytes, tx_bytes;
    guint64 rx_dropped, tx_dropped;
} SovaVfStat;

/* The VFs of the first RTM_NEWLINK in `buf` (len bytes of netlink messages), in the
 * order the kernel lists them, appended to `out` (SovaVfStat). A link without
 * IFLA_VFINFO_LIST has no VFs (TRUE, nothing appended). FALSE with error on an
 * NLMSG_ERROR answer (its errno), a truncated or malformed message, or no RTM_NEWLINK. */
gboolean sova_vf_stats_parse(const void *buf, size_t len, GArray *out, GError **error);
/* the VF with index `vf` in `stats`, or NULL */
const SovaVfStat *sova_vf_stats_find(const GArray *stats, guint vf);
/* TRUE when the driver reported statistics for at least one of the VFs */
gboolean sova_vf_stats_any(const GArray *stats);

/* The request: RTM_GETLINK for the link named `pf`, IFLA_EXT_MASK = RTEXT_FILTER_VF, into
 * buf (size bytes); its length, 0 when it does not fit or the name is too long. */
size_t sova_vf_stats_request(void *buf, size_t size, const char *pf, guint32 seq);

typedef struct SovaVfStatsSock SovaVfStatsSock;
/* a NETLINK_ROUTE socket; NULL with error */
SovaVfStatsSock *sova_vf_stats_open(GError **error);
void sova_vf_stats_close(SovaVfStatsSock *s);
/* one request for `pf`: every VF's statistics (SovaVfStat), or NULL with error */
GArray *sova_vf_stats_query(SovaVfStatsSock *s, const char *pf, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaVfStatsSock, sova_vf_stats_close)
