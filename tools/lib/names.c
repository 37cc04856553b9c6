// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>
#include <linux/sctp.h>	/* enum sctp_sstat_state; needs the above first */

#include "names.h"
#include "util.h"

#define TABLE(var, arr, ch) \
	const struct lbnl_name_table var = { arr, ARRAY_SIZE(arr), ch }

static const struct lbnl_name protos[] = {
	{ IPPROTO_TCP, "tcp" },
	{ IPPROTO_UDP, "udp" },
	{ IPPROTO_SCTP, "sctp" },
};
TABLE(lbnl_proto_names, protos, "{tcp|udp|sctp}");

static const struct lbnl_name modes[] = {
	{ LBNL_FWD_NAT, "nat" },
	{ LBNL_FWD_TUN, "tun" },
};
TABLE(lbnl_mode_names, modes, "{nat|tun}");

static const struct lbnl_mode_info mode_infos[] = {
	{ .mode = LBNL_FWD_NAT, .dnat = true },
	{ .mode = LBNL_FWD_TUN, .dnat = false },
};

const struct lbnl_mode_info *lbnl_mode_info(unsigned int mode)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mode_infos); i++) {
		if (mode_infos[i].mode == mode)
			return &mode_infos[i];
	}
	return NULL;
}

static const struct lbnl_name scheds[] = {
	{ LBNL_SCHED_MAGLEV, "maglev" },
	{ LBNL_SCHED_WRR, "wrr" },
};
TABLE(lbnl_sched_names, scheds, "{maglev|wrr}");

static const struct lbnl_name bypasses[] = {
	{ LBNL_BYPASS_AUTO, "auto" },
	{ LBNL_BYPASS_OFF, "off" },
};
TABLE(lbnl_bypass_names, bypasses, "{auto|off}");

static const struct lbnl_name states[] = {
	{ LBNL_DEST_ACTIVE, "active" },
	{ LBNL_DEST_MAINT, "maint" },
	{ LBNL_DEST_DRAIN, "drain" },
	{ LBNL_DEST_DOWN, "down" },
};
TABLE(lbnl_state_names, states, "{active|maint|drain|down}");

static const struct lbnl_name flags[] = {
	{ LBNL_VIP_F_SINGLE, "single" },
	{ LBNL_VIP_F_MULTI, "multi" },
};
TABLE(lbnl_flag_names, flags, "{single|multi}");

static const struct lbnl_name routers[] = {
	{ LBNL_ROUTER_LB, "lb" },
	{ LBNL_ROUTER_PENDING, "pending" },
	{ LBNL_ROUTER_ACTIVE, "active" },
	{ LBNL_ROUTER_WITHDRAWN, "withdrawn" },
};
TABLE(lbnl_router_names, routers, "{lb|pending|active|withdrawn}");

static const struct lbnl_name sctp_states[] = {
	{ SCTP_EMPTY, "empty" },
	{ SCTP_CLOSED, "closed" },
	{ SCTP_COOKIE_WAIT, "cookie-wait" },
	{ SCTP_COOKIE_ECHOED, "cookie-echoed" },
	{ SCTP_ESTABLISHED, "established" },
	{ SCTP_SHUTDOWN_PENDING, "shutdown-pending" },
	{ SCTP_SHUTDOWN_SENT, "shutdown-sent" },
	{ SCTP_SHUTDOWN_RECEIVED, "shutdown-received" },
	{ SCTP_SHUTDOWN_ACK_SENT, "shutdown-ack-sent" },
};
TABLE(lbnl_sctp_state_names, sctp_states,
      "{empty|closed|cookie-wait|cookie-echoed|established|shutdown-pending|"
      "shutdown-sent|shutdown-received|shutdown-ack-sent}");

static const struct lbnl_name assoc_styles[] = {
	{ LBNL_ASSOC_ONE_TO_MANY, "one-to-many" },
	{ LBNL_ASSOC_ONE_TO_ONE, "one-to-one" },
};
TABLE(lbnl_assoc_style_names, assoc_styles, "{one-to-many|one-to-one}");

static const struct lbnl_name features[] = {
	{ LBNL_ASSOC_F_ECN, "ecn" },
	{ LBNL_ASSOC_F_PRSCTP, "prsctp" },
	{ LBNL_ASSOC_F_AUTH, "auth" },
	{ LBNL_ASSOC_F_ASCONF, "asconf" },
	{ LBNL_ASSOC_F_RECONF, "reconf" },
	{ LBNL_ASSOC_F_IDATA, "idata" },
};
TABLE(lbnl_feature_names, features,
      "{ecn|prsctp|auth|asconf|reconf|idata}");

/* TCP and SCTP both have "established": the VIP's protocol tells them apart. */
static const struct lbnl_name conn_states[] = {
	{ LBNL_CONN_TCP_SYN, "syn" },
	{ LBNL_CONN_TCP_ESTABLISHED, "established" },
	{ LBNL_CONN_TCP_FIN, "fin" },
	{ LBNL_CONN_TCP_CLOSE, "close" },
	{ LBNL_CONN_UDP, "udp" },
	{ LBNL_CONN_SCTP_INIT, "init" },
	{ LBNL_CONN_SCTP_COOKIE, "cookie_echoed" },
	{ LBNL_CONN_SCTP_ESTABLISHED, "established" },
	{ LBNL_CONN_SCTP_SHUTDOWN, "shutdown" },
	{ LBNL_CONN_SCTP_CLOSED, "closed" },
};
TABLE(lbnl_conn_state_names, conn_states,
      "{syn|established|fin|close|udp|init|cookie_echoed|shutdown|closed}");

static const struct lbnl_name conn_flags[] = {
	{ LBNL_CONN_F_PICKED_UP, "picked_up" },
	{ LBNL_CONN_F_DEST_GONE, "dest_gone" },
	{ LBNL_CONN_F_UNCONFIRMED, "unconfirmed" },
	{ LBNL_CONN_F_MIGRATED, "migrated" },
	{ LBNL_CONN_F_UNMIGRATABLE, "unmigratable" },
};
TABLE(lbnl_conn_flag_names, conn_flags,
      "{picked_up|dest_gone|unconfirmed|migrated|unmigratable}");

static const struct lbnl_name drop_reasons[] = {
	{ LBNL_DROP_TRUNCATED, "truncated" },
	{ LBNL_DROP_BAD_HEADER, "bad_header" },
	{ LBNL_DROP_BAD_CHUNK, "bad_chunk" },
	{ LBNL_DROP_FRAGMENT, "fragment" },
	{ LBNL_DROP_EXTHDR, "exthdr" },
	{ LBNL_DROP_NO_DEST, "no_dest" },
	{ LBNL_DROP_CONN_LIMIT, "conn_limit" },
	{ LBNL_DROP_DEST_GONE, "dest_gone" },
	{ LBNL_DROP_NOMEM, "nomem" },
	{ LBNL_DROP_TOO_BIG, "too_big" },
	{ LBNL_DROP_NO_ROUTE, "no_route" },
	{ LBNL_DROP_XMIT, "xmit" },
	{ LBNL_DROP_MIGRATE_FULL, "migrate_full" },
	{ LBNL_DROP_TTL_EXCEEDED, "ttl_exceeded" },
	{ LBNL_DROP_BAD_CHECKSUM, "bad_checksum" },
	{ LBNL_DROP_SPOOFED_REPLY, "spoofed_reply" },
	{ LBNL_DROP_MIGRATE_FLUSH, "migrate_flush" },
	{ LBNL_DROP_ICMP_NO_CONN, "icmp_no_conn" },
	{ LBNL_DROP_REASM, "reasm" },
};
TABLE(lbnl_drop_reason_names, drop_reasons,
      "{truncated|bad_header|bad_chunk|fragment|exthdr|no_dest|conn_limit|"
      "dest_gone|nomem|too_big|no_route|xmit|migrate_full|ttl_exceeded|"
      "bad_checksum|spoofed_reply|migrate_flush|icmp_no_conn|reasm}");

static const struct lbnl_name migrate_states[] = {
	{ LBNL_MIGRATE_BUFFERING, "buffering" },
};
TABLE(lbnl_migrate_state_names, migrate_states, "{buffering}");

const char *lbnl_name(const struct lbnl_name_table *t, unsigned int value)
{
	unsigned int i;

	for (i = 0; i < t->count; i++)
		if (t->names[i].value == value)
			return t->names[i].name;
	return NULL;
}

int lbnl_value(const struct lbnl_name_table *t, const char *name,
	       unsigned int *value)
{
	unsigned int i;

	for (i = 0; i < t->count; i++) {
		if (!strcmp(t->names[i].name, name)) {
			*value = t->names[i].value;
			return 0;
		}
	}
	return -1;
}
