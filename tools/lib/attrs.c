// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute layout of <linux/lbnl.h>: every request names its VIP inside
 * an LBNL_A_VIP nest, its dest inside an LBNL_A_DEST nest; and of
 * <linux/lbnl_srv.h>: an SCTP association inside an LBNL_SRV_A_ASSOC nest. Attributes we do not know (a
 * newer kernel's) are ignored when parsing, except in the migration state
 * of an association, which is versioned instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#include "attrs.h"
#include "util.h"

#define NLA_ADDR_POLICY { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 }

static const struct nla_policy top_policy[LBNL_A_MAX + 1] = {
	[LBNL_A_VIP] = { .type = NLA_NESTED },
	[LBNL_A_DEST] = { .type = NLA_NESTED },
	[LBNL_A_CONN] = { .type = NLA_NESTED },
	[LBNL_A_STATS] = { .type = NLA_NESTED },
	[LBNL_A_MIGRATE] = { .type = NLA_NESTED },
};

static const struct nla_policy srv_top_policy[LBNL_SRV_A_MAX + 1] = {
	[LBNL_SRV_A_ASSOC] = { .type = NLA_NESTED },
};

static const struct nla_policy vip_policy[LBNL_A_VIP_MAX + 1] = {
	[LBNL_A_VIP_ADDR] = NLA_ADDR_POLICY,
	[LBNL_A_VIP_PORT] = { .type = NLA_U16 },
	[LBNL_A_VIP_PROTO] = { .type = NLA_U8 },
	[LBNL_A_VIP_MODE] = { .type = NLA_U8 },
	[LBNL_A_VIP_SCHED] = { .type = NLA_U8 },
	[LBNL_A_VIP_BYPASS] = { .type = NLA_U8 },
	[LBNL_A_VIP_MIGRATE_AFTER] = { .type = NLA_U32 },
	[LBNL_A_VIP_FLAGS] = { .type = NLA_U32 },
	[LBNL_A_VIP_DEST_COUNT] = { .type = NLA_U32 },
	[LBNL_A_VIP_ACTIVE_DESTS] = { .type = NLA_U32 },
	[LBNL_A_VIP_ROUTER] = { .type = NLA_U8 },
	[LBNL_A_VIP_BYPASS_DEST] = { .type = NLA_NESTED },
	[LBNL_A_VIP_CHANGED_MS] = { .type = NLA_U64 },
};

static const struct nla_policy dest_policy[LBNL_A_DEST_MAX + 1] = {
	[LBNL_A_DEST_ADDR] = NLA_ADDR_POLICY,
	[LBNL_A_DEST_PORT] = { .type = NLA_U16 },
	[LBNL_A_DEST_WEIGHT] = { .type = NLA_U32 },
	[LBNL_A_DEST_STATE] = { .type = NLA_U8 },
	[LBNL_A_DEST_TAG_ID] = { .type = NLA_U16 },
	[LBNL_A_DEST_MOVED] = { .type = NLA_U32 },
	[LBNL_A_DEST_LEFT] = { .type = NLA_U32 },
	[LBNL_A_DEST_UNMIGRATABLE] = { .type = NLA_U32 },
	[LBNL_A_DEST_STATE_IF] = { .type = NLA_U8 },
};

static const struct nla_policy assoc_policy[LBNL_A_ASSOC_MAX + 1] = {
	[LBNL_A_ASSOC_VERSION] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_LADDR] = NLA_ADDR_POLICY,
	[LBNL_A_ASSOC_LPORT] = { .type = NLA_U16 },
	[LBNL_A_ASSOC_PADDR] = NLA_ADDR_POLICY,
	[LBNL_A_ASSOC_PPORT] = { .type = NLA_U16 },
	[LBNL_A_ASSOC_LADDRS] = { .type = NLA_NESTED },
	[LBNL_A_ASSOC_PATHS] = { .type = NLA_NESTED },
	[LBNL_A_ASSOC_MY_VTAG] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_PEER_VTAG] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_NEXT_TSN] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_PEER_NEXT_TSN] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_OUT_STREAMS] = { .type = NLA_U16 },
	[LBNL_A_ASSOC_IN_STREAMS] = { .type = NLA_U16 },
	[LBNL_A_ASSOC_OUT_SSN] = { .type = NLA_UNSPEC },
	[LBNL_A_ASSOC_IN_SSN] = { .type = NLA_UNSPEC },
	[LBNL_A_ASSOC_PEER_RWND] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_FEATURES] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_ADDIP_SERIAL] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_PEER_ADDIP_SERIAL] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_STRRESET_OUTSEQ] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_STRRESET_INSEQ] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_ADAPTATION_IND] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_CREATED_MS] = { .type = NLA_U64 },
	[LBNL_A_ASSOC_STATE] = { .type = NLA_U8 },
	[LBNL_A_ASSOC_ID] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_STYLE] = { .type = NLA_U8 },
	[LBNL_A_ASSOC_UNACKED] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_PENDING] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_UNREAD] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_SILENCED] = { .type = NLA_U8 },
	[LBNL_A_ASSOC_MIGRATABLE] = { .type = NLA_U8 },
	[LBNL_A_ASSOC_REASON] = { .type = NLA_STRING },
};

static const struct nla_policy path_policy[LBNL_A_PATH_MAX + 1] = {
	[LBNL_A_PATH_ADDR] = NLA_ADDR_POLICY,
	[LBNL_A_PATH_RTO_US] = { .type = NLA_U32 },
	[LBNL_A_PATH_SRTT_US] = { .type = NLA_U32 },
	[LBNL_A_PATH_RTTVAR_US] = { .type = NLA_U32 },
	[LBNL_A_PATH_CWND] = { .type = NLA_U32 },
	[LBNL_A_PATH_SSTHRESH] = { .type = NLA_U32 },
};

static const struct nla_policy conn_policy[LBNL_A_CONN_MAX + 1] = {
	[LBNL_A_CONN_PEER_ADDR] = NLA_ADDR_POLICY,
	[LBNL_A_CONN_PEER_PORT] = { .type = NLA_U16 },
	[LBNL_A_CONN_DEST_ADDR] = NLA_ADDR_POLICY,
	[LBNL_A_CONN_DEST_PORT] = { .type = NLA_U16 },
	[LBNL_A_CONN_STATE] = { .type = NLA_U8 },
	[LBNL_A_CONN_FLAGS] = { .type = NLA_U32 },
	[LBNL_A_CONN_AGE_MS] = { .type = NLA_U64 },
	[LBNL_A_CONN_IDLE_MS] = { .type = NLA_U64 },
	[LBNL_A_CONN_EXPIRES_MS] = { .type = NLA_U64 },
	[LBNL_A_CONN_PACKETS] = { .type = NLA_U64 },
	[LBNL_A_CONN_BYTES] = { .type = NLA_U64 },
	[LBNL_A_CONN_MY_VTAG] = { .type = NLA_U32 },
	[LBNL_A_CONN_PEER_VTAG] = { .type = NLA_U32 },
	[LBNL_A_CONN_MIGRATE_FAILED] = { .type = NLA_U32 },
	[LBNL_A_CONN_MIGRATE_END] = { .type = NLA_NUL_STRING },
};

static const struct nla_policy stats_policy[LBNL_A_STATS_MAX + 1] = {
	[LBNL_A_STATS_PACKETS_IN] = { .type = NLA_U64 },
	[LBNL_A_STATS_BYTES_IN] = { .type = NLA_U64 },
	[LBNL_A_STATS_PACKETS_OUT] = { .type = NLA_U64 },
	[LBNL_A_STATS_BYTES_OUT] = { .type = NLA_U64 },
	[LBNL_A_STATS_CONNS] = { .type = NLA_U64 },
	[LBNL_A_STATS_PICKED_UP] = { .type = NLA_U64 },
	[LBNL_A_STATS_ACTIVE_CONNS] = { .type = NLA_U64 },
	[LBNL_A_STATS_DROPS] = { .type = NLA_NESTED },
	[LBNL_A_STATS_DROPPED] = { .type = NLA_U64 },
	[LBNL_A_STATS_UNCONFIRMED] = { .type = NLA_U64 },
	[LBNL_A_STATS_EVICTED] = { .type = NLA_U64 },
};

static const struct nla_policy migrate_policy[LBNL_A_MIGRATE_MAX + 1] = {
	[LBNL_A_MIGRATE_ID] = { .type = NLA_U32 },
	[LBNL_A_MIGRATE_VTAG] = { .type = NLA_U32 },
	[LBNL_A_MIGRATE_PEER_ADDR] = NLA_ADDR_POLICY,
	[LBNL_A_MIGRATE_PEER_PORT] = { .type = NLA_U16 },
	[LBNL_A_MIGRATE_SOURCE] = { .type = NLA_NESTED },
	[LBNL_A_MIGRATE_TARGET] = { .type = NLA_NESTED },
	[LBNL_A_MIGRATE_TIMEOUT_MS] = { .type = NLA_U32 },
	[LBNL_A_MIGRATE_STATE] = { .type = NLA_U8 },
	[LBNL_A_MIGRATE_AGE_MS] = { .type = NLA_U64 },
	[LBNL_A_MIGRATE_BUFFERED] = { .type = NLA_U32 },
	[LBNL_A_MIGRATE_BUFFERED_MAX] = { .type = NLA_U32 },
	[LBNL_A_MIGRATE_REASON] = { .type = NLA_STRING },
};

static int put_key_attrs(struct nl_msg *msg, const struct lbu_vip_key *key)
{
	if (nla_put(msg, LBNL_A_VIP_ADDR, (int)lbnl_addr_len(&key->addr),
		    key->addr.raw) ||
	    nla_put_u16(msg, LBNL_A_VIP_PORT, key->port) ||
	    nla_put_u8(msg, LBNL_A_VIP_PROTO, key->proto))
		return -ENOMEM;
	return 0;
}

static int put_vip_settings(struct nl_msg *msg, const struct lbu_vip *vip)
{
	if ((vip->has & LBNL_VIP_HAS_MODE) &&
	    nla_put_u8(msg, LBNL_A_VIP_MODE, vip->mode))
		return -ENOMEM;
	if ((vip->has & LBNL_VIP_HAS_SCHED) &&
	    nla_put_u8(msg, LBNL_A_VIP_SCHED, vip->sched))
		return -ENOMEM;
	if ((vip->has & LBNL_VIP_HAS_BYPASS) &&
	    nla_put_u8(msg, LBNL_A_VIP_BYPASS, vip->bypass))
		return -ENOMEM;
	if ((vip->has & LBNL_VIP_HAS_MIGRATE_AFTER) &&
	    nla_put_u32(msg, LBNL_A_VIP_MIGRATE_AFTER, vip->migrate_after))
		return -ENOMEM;
	return 0;
}

static int put_vip_nest(struct nl_msg *msg, const struct lbu_vip_key *key,
			const struct lbu_vip *vip)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_VIP);

	if (!nest || put_key_attrs(msg, key) ||
	    (vip && put_vip_settings(msg, vip)))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

int lbu_put_vip(struct nl_msg *msg, const struct lbu_vip *vip)
{
	return put_vip_nest(msg, &vip->key, vip);
}

int lbnl_put_vip_key(struct nl_msg *msg, const struct lbu_vip_key *key)
{
	return put_vip_nest(msg, key, NULL);
}

/* A dest's address and port, the start of a nest of enum lbnl_dest_attr. */
static int put_dest_addr_port(struct nl_msg *msg, const struct lbnl_addr *addr,
			      uint16_t port)
{
	if (nla_put(msg, LBNL_A_DEST_ADDR, (int)lbnl_addr_len(addr),
		    addr->raw) ||
	    nla_put_u16(msg, LBNL_A_DEST_PORT, port))
		return -ENOMEM;
	return 0;
}

int lbu_put_dest(struct nl_msg *msg, const struct lbu_dest *dest,
		 bool key_only)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_DEST);

	if (!nest || put_dest_addr_port(msg, &dest->addr, dest->port))
		return -ENOMEM;
	if (!key_only && (dest->has & LBNL_DEST_HAS_WEIGHT) &&
	    nla_put_u32(msg, LBNL_A_DEST_WEIGHT, dest->weight))
		return -ENOMEM;
	if (!key_only && (dest->has & LBNL_DEST_HAS_STATE) &&
	    nla_put_u8(msg, LBNL_A_DEST_STATE, dest->state))
		return -ENOMEM;
	if (!key_only && (dest->has & LBNL_DEST_HAS_TAG_ID) &&
	    nla_put_u16(msg, LBNL_A_DEST_TAG_ID, dest->tag_id))
		return -ENOMEM;
	if (!key_only && (dest->has & LBNL_DEST_HAS_STATE_IF) &&
	    nla_put_u8(msg, LBNL_A_DEST_STATE_IF, dest->state_if))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

/* Offset of an attribute of msg, as NLMSGERR_ATTR_OFFS counts it. */
static uint32_t attr_offset(struct nl_msg *msg, const struct nlattr *attr)
{
	return (uint32_t)((const char *)attr - (const char *)nlmsg_hdr(msg));
}

int lbu_put_vip_dests(struct nl_msg *msg, const struct lbu_vip *vip,
		      const struct lbu_dest *dests, size_t n, uint32_t *offs)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_VIP), *list;
	size_t i;

	if (!nest || put_key_attrs(msg, &vip->key) ||
	    put_vip_settings(msg, vip))
		return -ENOMEM;
	list = nla_nest_start(msg, LBNL_A_VIP_DESTS);
	if (!list)
		return -ENOMEM;
	offs[n] = attr_offset(msg, list);
	for (i = 0; i < n; i++) {
		offs[i] = (uint32_t)nlmsg_hdr(msg)->nlmsg_len;
		if (lbu_put_dest(msg, &dests[i], false))
			return -ENOMEM;
	}
	offs[n + 1] = (uint32_t)nlmsg_hdr(msg)->nlmsg_len;
	nla_nest_end(msg, list);
	nla_nest_end(msg, nest);
	return 0;
}

static int parse_addr(const struct nlattr *attr, struct lbnl_addr *addr)
{
	if (lbnl_addr_from_raw(addr, nla_data(attr), (size_t)nla_len(attr)))
		return -EPROTO;
	return 0;
}

/* Associations ------------------------------------------------------------ */

static int put_addr(struct nl_msg *msg, int type, const struct lbnl_addr *a)
{
	return nla_put(msg, type, (int)lbnl_addr_len(a), a->raw) ? -ENOMEM : 0;
}

static int put_assoc_key_attrs(struct nl_msg *msg,
			       const struct lbnl_assoc_key *key)
{
	if (put_addr(msg, LBNL_A_ASSOC_LADDR, &key->laddr) ||
	    nla_put_u16(msg, LBNL_A_ASSOC_LPORT, key->lport) ||
	    put_addr(msg, LBNL_A_ASSOC_PADDR, &key->paddr) ||
	    nla_put_u16(msg, LBNL_A_ASSOC_PPORT, key->pport))
		return -ENOMEM;
	return 0;
}

int lbu_put_assoc_key(struct nl_msg *msg, const struct lbnl_assoc_key *key)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_SRV_A_ASSOC);

	if (!nest || put_assoc_key_attrs(msg, key))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_assoc_laddrs(struct nl_msg *msg,
			    const struct lbu_assoc_state *s)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_ASSOC_LADDRS);
	size_t i;

	if (!nest)
		return -ENOMEM;
	for (i = 0; i < s->n_laddrs; i++)
		if (put_addr(msg, LBNL_A_ADDR, &s->laddrs[i]))
			return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_assoc_paths(struct nl_msg *msg,
			   const struct lbu_assoc_state *s)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_ASSOC_PATHS);
	size_t i;

	if (!nest)
		return -ENOMEM;
	for (i = 0; i < s->n_paths; i++) {
		const struct lbu_assoc_path *p = &s->paths[i];
		struct nlattr *path = nla_nest_start(msg, LBNL_A_PATH);

		if (!path || put_addr(msg, LBNL_A_PATH_ADDR, &p->addr) ||
		    nla_put_u32(msg, LBNL_A_PATH_RTO_US, p->rto_us) ||
		    nla_put_u32(msg, LBNL_A_PATH_SRTT_US, p->srtt_us) ||
		    nla_put_u32(msg, LBNL_A_PATH_RTTVAR_US, p->rttvar_us) ||
		    nla_put_u32(msg, LBNL_A_PATH_CWND, p->cwnd) ||
		    nla_put_u32(msg, LBNL_A_PATH_SSTHRESH, p->ssthresh))
			return -ENOMEM;
		nla_nest_end(msg, path);
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* An SSN list: count host-order u32s, as one attribute. */
static int put_ssns(struct nl_msg *msg, int type, const uint32_t *ssn,
		    uint16_t count)
{
	if (count > LBU_ASSOC_MAX_STREAMS)
		return -EMSGSIZE;	/* nla_len would wrap */
	return nla_put(msg, type, (int)(count * sizeof(*ssn)), ssn) ?
	       -ENOMEM : 0;
}

int lbu_put_assoc_state(struct nl_msg *msg, const struct lbu_assoc_state *s)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_SRV_A_ASSOC);
	int err;

	if (!nest)
		return -ENOMEM;
	if (nla_put_u32(msg, LBNL_A_ASSOC_VERSION, s->version) ||
	    put_assoc_key_attrs(msg, &s->key) ||
	    put_assoc_laddrs(msg, s) || put_assoc_paths(msg, s) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_MY_VTAG, s->my_vtag) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_PEER_VTAG, s->peer_vtag) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_NEXT_TSN, s->next_tsn) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_PEER_NEXT_TSN, s->peer_next_tsn) ||
	    nla_put_u16(msg, LBNL_A_ASSOC_OUT_STREAMS, s->out_streams) ||
	    nla_put_u16(msg, LBNL_A_ASSOC_IN_STREAMS, s->in_streams))
		return -ENOMEM;
	err = put_ssns(msg, LBNL_A_ASSOC_OUT_SSN, s->out_ssn, s->out_streams);
	if (!err)
		err = put_ssns(msg, LBNL_A_ASSOC_IN_SSN, s->in_ssn,
			       s->in_streams);
	if (err)
		return err;
	if (nla_put_u32(msg, LBNL_A_ASSOC_PEER_RWND, s->peer_rwnd) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_FEATURES, s->features) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_ADDIP_SERIAL, s->addip_serial) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_PEER_ADDIP_SERIAL,
			s->peer_addip_serial) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_STRRESET_OUTSEQ,
			s->strreset_outseq) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_STRRESET_INSEQ, s->strreset_inseq) ||
	    nla_put_u32(msg, LBNL_A_ASSOC_ADAPTATION_IND, s->adaptation_ind) ||
	    nla_put_u64(msg, LBNL_A_ASSOC_CREATED_MS, s->created_ms))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

static int parse_assoc_key(struct nlattr **tb, struct lbnl_assoc_key *key)
{
	if (!tb[LBNL_A_ASSOC_LADDR] || !tb[LBNL_A_ASSOC_LPORT] ||
	    !tb[LBNL_A_ASSOC_PADDR] || !tb[LBNL_A_ASSOC_PPORT] ||
	    parse_addr(tb[LBNL_A_ASSOC_LADDR], &key->laddr) ||
	    parse_addr(tb[LBNL_A_ASSOC_PADDR], &key->paddr))
		return -EPROTO;
	key->lport = nla_get_u16(tb[LBNL_A_ASSOC_LPORT]);
	key->pport = nla_get_u16(tb[LBNL_A_ASSOC_PPORT]);
	return 0;
}

static uint32_t get_u32_or(struct nlattr *attr, uint32_t value)
{
	return attr ? nla_get_u32(attr) : value;
}

static uint8_t get_u8_or(struct nlattr *attr, uint8_t value)
{
	return attr ? nla_get_u8(attr) : value;
}

/* An ASSOC_GET reply (everything) or an event (key and vtags). */
static int parse_assoc(struct nlattr *nest, struct lbnl_assoc *a)
{
	struct nlattr *tb[LBNL_A_ASSOC_MAX + 1];

	memset(a, 0, sizeof(*a));
	if (nla_parse_nested(tb, LBNL_A_ASSOC_MAX, nest, assoc_policy) ||
	    parse_assoc_key(tb, &a->key))
		return -EPROTO;
	if (tb[LBNL_A_ASSOC_MY_VTAG] && tb[LBNL_A_ASSOC_PEER_VTAG]) {
		a->has |= LBNL_ASSOC_HAS_VTAGS;
		a->my_vtag = nla_get_u32(tb[LBNL_A_ASSOC_MY_VTAG]);
		a->peer_vtag = nla_get_u32(tb[LBNL_A_ASSOC_PEER_VTAG]);
	}
	if (tb[LBNL_A_ASSOC_STATE]) {
		a->has |= LBNL_ASSOC_HAS_INFO;
		a->state = nla_get_u8(tb[LBNL_A_ASSOC_STATE]);
		a->style = get_u8_or(tb[LBNL_A_ASSOC_STYLE], 0);
		a->id = get_u32_or(tb[LBNL_A_ASSOC_ID], 0);
		a->unacked = get_u32_or(tb[LBNL_A_ASSOC_UNACKED], 0);
		a->pending = get_u32_or(tb[LBNL_A_ASSOC_PENDING], 0);
		a->unread = get_u32_or(tb[LBNL_A_ASSOC_UNREAD], 0);
		a->silenced = get_u8_or(tb[LBNL_A_ASSOC_SILENCED], 0);
		a->migratable = get_u8_or(tb[LBNL_A_ASSOC_MIGRATABLE], 0);
	}
	if (tb[LBNL_A_ASSOC_CREATED_MS]) {
		a->has |= LBNL_ASSOC_HAS_CREATED;
		a->created_ms = nla_get_u64(tb[LBNL_A_ASSOC_CREATED_MS]);
	}
	if (tb[LBNL_A_ASSOC_REASON]) {
		a->has |= LBNL_ASSOC_HAS_REASON;
		snprintf(a->reason, sizeof(a->reason), "%s",
			 nla_get_string(tb[LBNL_A_ASSOC_REASON]));
	}
	return 0;
}

static int parse_assoc_laddrs(struct nlattr *nest, struct lbu_assoc_state *s)
{
	struct nlattr *a;
	size_t n = 0;
	int rem;

	nla_for_each_nested(a, nest, rem)
		n++;
	s->laddrs = calloc(n ? n : 1, sizeof(*s->laddrs));
	if (!s->laddrs)
		return -ENOMEM;
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != LBNL_A_ADDR)
			continue;
		if (parse_addr(a, &s->laddrs[s->n_laddrs]))
			return -EPROTO;
		s->n_laddrs++;
	}
	return 0;
}

static int parse_assoc_paths(struct nlattr *nest, struct lbu_assoc_state *s)
{
	struct nlattr *tb[LBNL_A_PATH_MAX + 1];
	struct nlattr *a;
	size_t n = 0;
	int rem;

	nla_for_each_nested(a, nest, rem)
		n++;
	s->paths = calloc(n ? n : 1, sizeof(*s->paths));
	if (!s->paths)
		return -ENOMEM;
	nla_for_each_nested(a, nest, rem) {
		struct lbu_assoc_path *p = &s->paths[s->n_paths];

		if (nla_type(a) != LBNL_A_PATH)
			continue;
		if (nla_parse_nested(tb, LBNL_A_PATH_MAX, a, path_policy) ||
		    !tb[LBNL_A_PATH_ADDR] || !tb[LBNL_A_PATH_RTO_US] ||
		    !tb[LBNL_A_PATH_SRTT_US] || !tb[LBNL_A_PATH_RTTVAR_US] ||
		    !tb[LBNL_A_PATH_CWND] || !tb[LBNL_A_PATH_SSTHRESH] ||
		    parse_addr(tb[LBNL_A_PATH_ADDR], &p->addr))
			return -EPROTO;
		p->rto_us = nla_get_u32(tb[LBNL_A_PATH_RTO_US]);
		p->srtt_us = nla_get_u32(tb[LBNL_A_PATH_SRTT_US]);
		p->rttvar_us = nla_get_u32(tb[LBNL_A_PATH_RTTVAR_US]);
		p->cwnd = nla_get_u32(tb[LBNL_A_PATH_CWND]);
		p->ssthresh = nla_get_u32(tb[LBNL_A_PATH_SSTHRESH]);
		s->n_paths++;
	}
	return 0;
}

static int parse_ssns(struct nlattr *attr, uint16_t count, uint32_t **ssn)
{
	size_t len = (size_t)count * sizeof(**ssn);

	if ((size_t)nla_len(attr) != len)
		return -EPROTO;
	*ssn = malloc(len ? len : 1);
	if (!*ssn)
		return -ENOMEM;
	memcpy(*ssn, nla_data(attr), len);
	return 0;
}

/* Every attribute of the state, in the order of enum lbnl_assoc_attr. */
static const int state_attrs[] = {
	LBNL_A_ASSOC_VERSION, LBNL_A_ASSOC_LADDR, LBNL_A_ASSOC_LPORT,
	LBNL_A_ASSOC_PADDR, LBNL_A_ASSOC_PPORT, LBNL_A_ASSOC_LADDRS,
	LBNL_A_ASSOC_PATHS, LBNL_A_ASSOC_MY_VTAG, LBNL_A_ASSOC_PEER_VTAG,
	LBNL_A_ASSOC_NEXT_TSN, LBNL_A_ASSOC_PEER_NEXT_TSN,
	LBNL_A_ASSOC_OUT_STREAMS, LBNL_A_ASSOC_IN_STREAMS,
	LBNL_A_ASSOC_OUT_SSN, LBNL_A_ASSOC_IN_SSN, LBNL_A_ASSOC_PEER_RWND,
	LBNL_A_ASSOC_FEATURES, LBNL_A_ASSOC_ADDIP_SERIAL,
	LBNL_A_ASSOC_PEER_ADDIP_SERIAL, LBNL_A_ASSOC_STRRESET_OUTSEQ,
	LBNL_A_ASSOC_STRRESET_INSEQ, LBNL_A_ASSOC_ADAPTATION_IND,
	LBNL_A_ASSOC_CREATED_MS,
};

static int parse_state_nest(struct nlattr *nest, struct lbu_assoc_state *s)
{
	struct nlattr *tb[LBNL_A_ASSOC_MAX + 1];
	size_t i;
	int err;

	if (nla_parse_nested(tb, LBNL_A_ASSOC_MAX, nest, assoc_policy) ||
	    !tb[LBNL_A_ASSOC_VERSION])
		return -EPROTO;
	s->version = nla_get_u32(tb[LBNL_A_ASSOC_VERSION]);
	if (s->version != LBNL_ASSOC_STATE_VERSION)
		return -EPROTONOSUPPORT;
	for (i = 0; i < ARRAY_SIZE(state_attrs); i++)
		if (!tb[state_attrs[i]])
			return -EPROTO;
	err = parse_assoc_key(tb, &s->key);
	if (!err)
		err = parse_assoc_laddrs(tb[LBNL_A_ASSOC_LADDRS], s);
	if (!err)
		err = parse_assoc_paths(tb[LBNL_A_ASSOC_PATHS], s);
	if (err)
		return err;
	s->my_vtag = nla_get_u32(tb[LBNL_A_ASSOC_MY_VTAG]);
	s->peer_vtag = nla_get_u32(tb[LBNL_A_ASSOC_PEER_VTAG]);
	s->next_tsn = nla_get_u32(tb[LBNL_A_ASSOC_NEXT_TSN]);
	s->peer_next_tsn = nla_get_u32(tb[LBNL_A_ASSOC_PEER_NEXT_TSN]);
	s->out_streams = nla_get_u16(tb[LBNL_A_ASSOC_OUT_STREAMS]);
	s->in_streams = nla_get_u16(tb[LBNL_A_ASSOC_IN_STREAMS]);
	err = parse_ssns(tb[LBNL_A_ASSOC_OUT_SSN], s->out_streams, &s->out_ssn);
	if (!err)
		err = parse_ssns(tb[LBNL_A_ASSOC_IN_SSN], s->in_streams,
				 &s->in_ssn);
	if (err)
		return err;
	s->peer_rwnd = nla_get_u32(tb[LBNL_A_ASSOC_PEER_RWND]);
	s->features = nla_get_u32(tb[LBNL_A_ASSOC_FEATURES]);
	s->addip_serial = nla_get_u32(tb[LBNL_A_ASSOC_ADDIP_SERIAL]);
	s->peer_addip_serial = nla_get_u32(tb[LBNL_A_ASSOC_PEER_ADDIP_SERIAL]);
	s->strreset_outseq = nla_get_u32(tb[LBNL_A_ASSOC_STRRESET_OUTSEQ]);
	s->strreset_inseq = nla_get_u32(tb[LBNL_A_ASSOC_STRRESET_INSEQ]);
	s->adaptation_ind = nla_get_u32(tb[LBNL_A_ASSOC_ADAPTATION_IND]);
	s->created_ms = nla_get_u64(tb[LBNL_A_ASSOC_CREATED_MS]);
	return 0;
}

int lbu_parse_assoc_state(struct nlmsghdr *nlh, struct lbu_assoc_state *s)
{
	struct nlattr *tb[LBNL_SRV_A_MAX + 1];
	int err;

	memset(s, 0, sizeof(*s));
	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, tb, LBNL_SRV_A_MAX, srv_top_policy) ||
	    !tb[LBNL_SRV_A_ASSOC])
		return -EPROTO;
	err = parse_state_nest(tb[LBNL_SRV_A_ASSOC], s);
	if (err)
		lbu_assoc_state_free(s);
	return err;
}

static uint64_t get_u64(struct nlattr *attr)
{
	return nla_get_u64(attr);	/* copies: 4-byte alignment is fine */
}

/* An optional attribute: if present, its value, and bit set in *has. */
static void take_u32(struct nlattr *attr, uint32_t *value, unsigned int bit,
		     unsigned int *has)
{
	if (attr) {
		*value = nla_get_u32(attr);
		*has |= bit;
	}
}

static void take_u64(struct nlattr *attr, uint64_t *value, unsigned int bit,
		     unsigned int *has)
{
	if (attr) {
		*value = get_u64(attr);
		*has |= bit;
	}
}

static int parse_dest(struct nlattr *nest, struct lbu_dest *dest);

/*
 * A nest naming a dest of vip by address and port (0 or none: the VIP's),
 * such as BYPASS_DEST or a migration's SOURCE and TARGET.
 */
static int parse_dest_endpoint(struct nlattr *nest,
			       const struct lbu_vip_key *vip,
			       struct lbnl_addr *addr, uint16_t *port)
{
	struct lbu_dest dest = { .vip = *vip };

	if (parse_dest(nest, &dest))
		return -EPROTO;
	*addr = dest.addr;
	*port = dest.port;
	return 0;
}

/* The read-only bypass attributes (single-address tenants). */
static int parse_vip_bypass(struct nlattr **tb, struct lbu_vip *vip)
{
	if (tb[LBNL_A_VIP_ACTIVE_DESTS]) {
		vip->has |= LBNL_VIP_HAS_ACTIVE_DESTS;
		vip->active_dests = nla_get_u32(tb[LBNL_A_VIP_ACTIVE_DESTS]);
	}
	if (tb[LBNL_A_VIP_ROUTER]) {
		vip->has |= LBNL_VIP_HAS_ROUTER;
		vip->router = nla_get_u8(tb[LBNL_A_VIP_ROUTER]);
	}
	if (tb[LBNL_A_VIP_CHANGED_MS]) {
		vip->has |= LBNL_VIP_HAS_CHANGED;
		vip->changed_ms = get_u64(tb[LBNL_A_VIP_CHANGED_MS]);
	}
	if (tb[LBNL_A_VIP_BYPASS_DEST]) {
		if (parse_dest_endpoint(tb[LBNL_A_VIP_BYPASS_DEST], &vip->key,
					&vip->bypass_addr, &vip->bypass_port))
			return -EPROTO;
		vip->has |= LBNL_VIP_HAS_BYPASS_DEST;
	}
	return 0;
}

static int parse_vip(struct nlattr *nest, struct lbu_vip *vip)
{
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];

	memset(vip, 0, sizeof(*vip));
	if (nla_parse_nested(tb, LBNL_A_VIP_MAX, nest, vip_policy) ||
	    !tb[LBNL_A_VIP_ADDR] || !tb[LBNL_A_VIP_PORT] ||
	    !tb[LBNL_A_VIP_PROTO] || parse_addr(tb[LBNL_A_VIP_ADDR],
						&vip->key.addr))
		return -EPROTO;
	vip->key.port = nla_get_u16(tb[LBNL_A_VIP_PORT]);
	vip->key.proto = nla_get_u8(tb[LBNL_A_VIP_PROTO]);

	if (tb[LBNL_A_VIP_MODE]) {
		vip->has |= LBNL_VIP_HAS_MODE;
		vip->mode = nla_get_u8(tb[LBNL_A_VIP_MODE]);
	}
	if (tb[LBNL_A_VIP_SCHED]) {
		vip->has |= LBNL_VIP_HAS_SCHED;
		vip->sched = nla_get_u8(tb[LBNL_A_VIP_SCHED]);
	}
	if (tb[LBNL_A_VIP_BYPASS]) {
		vip->has |= LBNL_VIP_HAS_BYPASS;
		vip->bypass = nla_get_u8(tb[LBNL_A_VIP_BYPASS]);
	}
	if (tb[LBNL_A_VIP_MIGRATE_AFTER]) {
		vip->has |= LBNL_VIP_HAS_MIGRATE_AFTER;
		vip->migrate_after = nla_get_u32(tb[LBNL_A_VIP_MIGRATE_AFTER]);
	}
	if (tb[LBNL_A_VIP_FLAGS]) {
		vip->has |= LBNL_VIP_HAS_FLAGS;
		vip->flags = nla_get_u32(tb[LBNL_A_VIP_FLAGS]);
	}
	if (tb[LBNL_A_VIP_DEST_COUNT]) {
		vip->has |= LBNL_VIP_HAS_DEST_COUNT;
		vip->dest_count = nla_get_u32(tb[LBNL_A_VIP_DEST_COUNT]);
	}
	return parse_vip_bypass(tb, vip);
}

/* The dest's VIP key must already be in dest->vip (for the port default). */
static int parse_dest(struct nlattr *nest, struct lbu_dest *dest)
{
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];

	if (nla_parse_nested(tb, LBNL_A_DEST_MAX, nest, dest_policy) ||
	    !tb[LBNL_A_DEST_ADDR] || parse_addr(tb[LBNL_A_DEST_ADDR],
						&dest->addr))
		return -EPROTO;
	if (tb[LBNL_A_DEST_PORT])
		dest->port = nla_get_u16(tb[LBNL_A_DEST_PORT]);
	if (!dest->port)
		dest->port = dest->vip.port;
	if (tb[LBNL_A_DEST_WEIGHT]) {
		dest->has |= LBNL_DEST_HAS_WEIGHT;
		dest->weight = nla_get_u32(tb[LBNL_A_DEST_WEIGHT]);
	}
	if (tb[LBNL_A_DEST_STATE]) {
		dest->has |= LBNL_DEST_HAS_STATE;
		dest->state = nla_get_u8(tb[LBNL_A_DEST_STATE]);
	}
	if (tb[LBNL_A_DEST_TAG_ID]) {
		dest->has |= LBNL_DEST_HAS_TAG_ID;
		dest->tag_id = nla_get_u16(tb[LBNL_A_DEST_TAG_ID]);
	}
	if (tb[LBNL_A_DEST_LEFT]) {
		dest->has |= LBNL_DEST_HAS_EMPTYING;
		dest->left = nla_get_u32(tb[LBNL_A_DEST_LEFT]);
		if (tb[LBNL_A_DEST_MOVED])
			dest->moved = nla_get_u32(tb[LBNL_A_DEST_MOVED]);
		if (tb[LBNL_A_DEST_UNMIGRATABLE])
			dest->unmigratable =
				nla_get_u32(tb[LBNL_A_DEST_UNMIGRATABLE]);
	}
	return 0;
}

/* Migrations ---------------------------------------------------------------- */

/* An endpoint dest (0: the VIP's port) in a nest of enum lbnl_dest_attr. */
static int put_migrate_dest(struct nl_msg *msg, int type,
			    const struct lbnl_endpoint *dest)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest || put_dest_addr_port(msg, &dest->addr, dest->port))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

int lbnl_put_migrate(struct nl_msg *msg, const struct lbnl_migrate *m,
		     bool key_only)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_MIGRATE);

	if (!nest)
		return -ENOMEM;
	if ((m->has & LBNL_MIGRATE_HAS_VTAG) &&
	    nla_put_u32(msg, LBNL_A_MIGRATE_VTAG, m->vtag))
		return -ENOMEM;
	if ((m->has & LBNL_MIGRATE_HAS_PEER) &&
	    (put_addr(msg, LBNL_A_MIGRATE_PEER_ADDR, &m->peer.addr) ||
	     nla_put_u16(msg, LBNL_A_MIGRATE_PEER_PORT, m->peer.port)))
		return -ENOMEM;
	if (!key_only && (m->has & LBNL_MIGRATE_HAS_TARGET) &&
	    put_migrate_dest(msg, LBNL_A_MIGRATE_TARGET, &m->target))
		return -ENOMEM;
	if (!key_only && (m->has & LBNL_MIGRATE_HAS_TIMEOUT) &&
	    nla_put_u32(msg, LBNL_A_MIGRATE_TIMEOUT_MS, m->timeout_ms))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

/* SOURCE or TARGET, into *dest, marking bit in m->has. */
static int migrate_dest(struct nlattr **tb, int type, unsigned int bit,
			struct lbnl_migrate *m, struct lbnl_endpoint *dest)
{
	if (!tb[type])
		return 0;
	m->has |= bit;
	return parse_dest_endpoint(tb[type], &m->vip, &dest->addr,
				   &dest->port);
}

/* m->vip must already be set (for the dest ports). */
static int parse_migrate(struct nlattr *nest, struct lbnl_migrate *m)
{
	struct nlattr *tb[LBNL_A_MIGRATE_MAX + 1];
	struct nlattr *peer_addr, *peer_port;

	if (nla_parse_nested(tb, LBNL_A_MIGRATE_MAX, nest, migrate_policy))
		return -EPROTO;
	peer_addr = tb[LBNL_A_MIGRATE_PEER_ADDR];
	peer_port = tb[LBNL_A_MIGRATE_PEER_PORT];
	if (!peer_addr != !peer_port)
		return -EPROTO;		/* half a peer */
	if (peer_addr) {
		if (parse_addr(peer_addr, &m->peer.addr))
			return -EPROTO;
		m->peer.port = nla_get_u16(peer_port);
		m->has |= LBNL_MIGRATE_HAS_PEER;
	}
	if (migrate_dest(tb, LBNL_A_MIGRATE_SOURCE, LBNL_MIGRATE_HAS_SOURCE,
			 m, &m->source) ||
	    migrate_dest(tb, LBNL_A_MIGRATE_TARGET, LBNL_MIGRATE_HAS_TARGET,
			 m, &m->target))
		return -EPROTO;
	take_u32(tb[LBNL_A_MIGRATE_ID], &m->id, LBNL_MIGRATE_HAS_ID, &m->has);
	take_u32(tb[LBNL_A_MIGRATE_VTAG], &m->vtag, LBNL_MIGRATE_HAS_VTAG,
		 &m->has);
	take_u32(tb[LBNL_A_MIGRATE_TIMEOUT_MS], &m->timeout_ms,
		 LBNL_MIGRATE_HAS_TIMEOUT, &m->has);
	take_u32(tb[LBNL_A_MIGRATE_BUFFERED], &m->buffered,
		 LBNL_MIGRATE_HAS_BUFFERED, &m->has);
	take_u32(tb[LBNL_A_MIGRATE_BUFFERED_MAX], &m->buffered_max,
		 LBNL_MIGRATE_HAS_BUFFERED_MAX, &m->has);
	take_u64(tb[LBNL_A_MIGRATE_AGE_MS], &m->age_ms, LBNL_MIGRATE_HAS_AGE,
		 &m->has);
	if (tb[LBNL_A_MIGRATE_STATE]) {
		m->state = nla_get_u8(tb[LBNL_A_MIGRATE_STATE]);
		m->has |= LBNL_MIGRATE_HAS_STATE;
	}
	if (tb[LBNL_A_MIGRATE_REASON]) {
		snprintf(m->reason, sizeof(m->reason), "%s",
			 nla_get_string(tb[LBNL_A_MIGRATE_REASON]));
		m->has |= LBNL_MIGRATE_HAS_REASON;
	}
	return 0;
}

int lbnl_parse_msg(struct nlmsghdr *nlh, struct lbnl_event *ev)
{
	struct nlattr *tb[LBNL_A_MAX + 1];

	memset(ev, 0, sizeof(*ev));
	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, tb, LBNL_A_MAX, top_policy))
		return -EPROTO;
	ev->cmd = genlmsg_hdr(nlh)->cmd;

	if (tb[LBNL_A_VIP]) {
		if (parse_vip(tb[LBNL_A_VIP], &ev->vip))
			return -EPROTO;
		ev->has_vip = true;
	}
	/* A dest or a migration always comes with the key of its VIP. */
	if ((tb[LBNL_A_DEST] || tb[LBNL_A_MIGRATE]) && !ev->has_vip)
		return -EPROTO;
	ev->dest.vip = ev->vip.key;
	ev->migrate.vip = ev->vip.key;
	if (tb[LBNL_A_DEST]) {
		if (parse_dest(tb[LBNL_A_DEST], &ev->dest))
			return -EPROTO;
		ev->has_dest = true;
	}
	if (tb[LBNL_A_MIGRATE]) {
		if (parse_migrate(tb[LBNL_A_MIGRATE], &ev->migrate))
			return -EPROTO;
		ev->has_migrate = true;
	}
	return 0;
}

int lbnl_parse_srv_msg(struct nlmsghdr *nlh, struct lbnl_event *ev)
{
	struct nlattr *tb[LBNL_SRV_A_MAX + 1];

	memset(ev, 0, sizeof(*ev));
	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, tb, LBNL_SRV_A_MAX, srv_top_policy))
		return -EPROTO;
	ev->srv = true;
	ev->cmd = genlmsg_hdr(nlh)->cmd;
	if (tb[LBNL_SRV_A_ASSOC]) {
		if (parse_assoc(tb[LBNL_SRV_A_ASSOC], &ev->assoc))
			return -EPROTO;
		ev->has_assoc = true;
	}
	return 0;
}

/* Connections and counters ------------------------------------------------ */

int lbnl_put_conn_key(struct nl_msg *msg, const struct lbnl_addr *peer,
		      uint16_t peer_port)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_CONN);

	if (!nest || put_addr(msg, LBNL_A_CONN_PEER_ADDR, peer) ||
	    nla_put_u16(msg, LBNL_A_CONN_PEER_PORT, peer_port))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

int lbnl_put_conn_new(struct nl_msg *msg, const struct lbu_conn *c)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_CONN);

	if (!nest || put_addr(msg, LBNL_A_CONN_PEER_ADDR, &c->peer_addr) ||
	    nla_put_u16(msg, LBNL_A_CONN_PEER_PORT, c->peer_port) ||
	    nla_put_u32(msg, LBNL_A_CONN_MY_VTAG, c->my_vtag) ||
	    ((c->has & LBNL_CONN_HAS_PEER_VTAG) &&
	     nla_put_u32(msg, LBNL_A_CONN_PEER_VTAG, c->peer_vtag)) ||
	    put_addr(msg, LBNL_A_CONN_DEST_ADDR, &c->dest_addr) ||
	    (c->dest_port &&
	     nla_put_u16(msg, LBNL_A_CONN_DEST_PORT, c->dest_port)))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

static int parse_conn(struct nlattr *nest, struct lbu_conn *c)
{
	struct nlattr *tb[LBNL_A_CONN_MAX + 1];

	if (nla_parse_nested(tb, LBNL_A_CONN_MAX, nest, conn_policy) ||
	    !tb[LBNL_A_CONN_PEER_ADDR] || !tb[LBNL_A_CONN_PEER_PORT] ||
	    parse_addr(tb[LBNL_A_CONN_PEER_ADDR], &c->peer_addr))
		return -EPROTO;
	c->peer_port = nla_get_u16(tb[LBNL_A_CONN_PEER_PORT]);
	if (tb[LBNL_A_CONN_DEST_ADDR]) {
		if (parse_addr(tb[LBNL_A_CONN_DEST_ADDR], &c->dest_addr))
			return -EPROTO;
		c->dest_port = tb[LBNL_A_CONN_DEST_PORT] ?
			       nla_get_u16(tb[LBNL_A_CONN_DEST_PORT]) : 0;
		if (!c->dest_port)
			c->dest_port = c->vip.port;
		c->has |= LBNL_CONN_HAS_DEST;
	}
	if (tb[LBNL_A_CONN_STATE]) {
		c->state = nla_get_u8(tb[LBNL_A_CONN_STATE]);
		c->has |= LBNL_CONN_HAS_STATE;
	}
	if (tb[LBNL_A_CONN_FLAGS]) {
		c->flags = nla_get_u32(tb[LBNL_A_CONN_FLAGS]);
		c->has |= LBNL_CONN_HAS_FLAGS;
	}
	take_u64(tb[LBNL_A_CONN_AGE_MS], &c->age_ms, LBNL_CONN_HAS_AGE,
		 &c->has);
	take_u64(tb[LBNL_A_CONN_IDLE_MS], &c->idle_ms, LBNL_CONN_HAS_IDLE,
		 &c->has);
	take_u64(tb[LBNL_A_CONN_EXPIRES_MS], &c->expires_ms,
		 LBNL_CONN_HAS_EXPIRES, &c->has);
	take_u64(tb[LBNL_A_CONN_PACKETS], &c->packets, LBNL_CONN_HAS_PACKETS,
		 &c->has);
	take_u64(tb[LBNL_A_CONN_BYTES], &c->bytes, LBNL_CONN_HAS_BYTES,
		 &c->has);
	/* Each as the kernel knows it: a picked-up entry has no peer tag. */
	if (tb[LBNL_A_CONN_MY_VTAG]) {
		c->my_vtag = nla_get_u32(tb[LBNL_A_CONN_MY_VTAG]);
		c->has |= LBNL_CONN_HAS_MY_VTAG;
	}
	if (tb[LBNL_A_CONN_PEER_VTAG]) {
		c->peer_vtag = nla_get_u32(tb[LBNL_A_CONN_PEER_VTAG]);
		c->has |= LBNL_CONN_HAS_PEER_VTAG;
	}
	if (tb[LBNL_A_CONN_MIGRATE_FAILED]) {
		c->migrate_failed = nla_get_u32(tb[LBNL_A_CONN_MIGRATE_FAILED]);
		if (tb[LBNL_A_CONN_MIGRATE_END])
			nla_strlcpy(c->migrate_end,
				    tb[LBNL_A_CONN_MIGRATE_END],
				    sizeof(c->migrate_end));
		c->has |= LBNL_CONN_HAS_MIGRATE_FAILED;
	}
	return 0;
}

int lbnl_parse_conn_msg(struct nlmsghdr *nlh, struct lbu_conn *c)
{
	struct nlattr *tb[LBNL_A_MAX + 1];
	struct lbu_vip vip;

	memset(c, 0, sizeof(*c));
	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, tb, LBNL_A_MAX, top_policy) ||
	    !tb[LBNL_A_VIP] || !tb[LBNL_A_CONN] ||
	    parse_vip(tb[LBNL_A_VIP], &vip))
		return -EPROTO;
	c->vip = vip.key;
	return parse_conn(tb[LBNL_A_CONN], c);
}

/* enum lbnl_counter -> its attribute. */
static const int counter_attrs[LBNL_COUNTERS] = {
	[LBNL_COUNTER_PACKETS_IN] = LBNL_A_STATS_PACKETS_IN,
	[LBNL_COUNTER_BYTES_IN] = LBNL_A_STATS_BYTES_IN,
	[LBNL_COUNTER_PACKETS_OUT] = LBNL_A_STATS_PACKETS_OUT,
	[LBNL_COUNTER_BYTES_OUT] = LBNL_A_STATS_BYTES_OUT,
	[LBNL_COUNTER_CONNS] = LBNL_A_STATS_CONNS,
	[LBNL_COUNTER_PICKED_UP] = LBNL_A_STATS_PICKED_UP,
	[LBNL_COUNTER_ACTIVE_CONNS] = LBNL_A_STATS_ACTIVE_CONNS,
	[LBNL_COUNTER_DROPPED] = LBNL_A_STATS_DROPPED,
	[LBNL_COUNTER_UNCONFIRMED] = LBNL_A_STATS_UNCONFIRMED,
	[LBNL_COUNTER_EVICTED] = LBNL_A_STATS_EVICTED,
};

/*
 * LBNL_A_STATS_DROPS: one u64 per reason, the type being the reason.
 * Zero-length attributes are alignment padding; reasons past what we
 * keep are ignored.
 */
static int parse_drops(struct nlattr *nest, struct lbnl_stats *st)
{
	struct nlattr *a;
	int rem;

	st->has_drops = true;
	nla_for_each_nested(a, nest, rem) {
		int type = nla_type(a);

		if (!nla_len(a))
			continue;
		if (nla_len(a) != sizeof(uint64_t))
			return -EPROTO;
		if (type <= 0 || type >= LBNL_DROP_SLOTS)
			continue;
		st->drops[type] = get_u64(a);
		st->drops_present |= 1ULL << type;
	}
	return 0;
}

static int parse_stats(struct nlattr *nest, struct lbnl_stats *st)
{
	struct nlattr *tb[LBNL_A_STATS_MAX + 1];
	unsigned int i;

	if (nla_parse_nested(tb, LBNL_A_STATS_MAX, nest, stats_policy))
		return -EPROTO;
	for (i = 0; i < LBNL_COUNTERS; i++) {
		if (!tb[counter_attrs[i]])
			continue;
		st->counters[i] = get_u64(tb[counter_attrs[i]]);
		st->has |= 1U << i;
	}
	if (tb[LBNL_A_STATS_DROPS])
		return parse_drops(tb[LBNL_A_STATS_DROPS], st);
	return 0;
}

int lbnl_parse_stats_msg(struct nlmsghdr *nlh, struct lbnl_stats_entry *e,
			 bool *has_vip)
{
	struct nlattr *tb[LBNL_A_MAX + 1];
	struct lbu_vip vip;

	memset(e, 0, sizeof(*e));
	*has_vip = false;
	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, tb, LBNL_A_MAX, top_policy) ||
	    !tb[LBNL_A_STATS])
		return -EPROTO;
	if (tb[LBNL_A_VIP]) {
		if (parse_vip(tb[LBNL_A_VIP], &vip))
			return -EPROTO;
		e->vip = vip.key;
		*has_vip = true;
	}
	if (tb[LBNL_A_DEST]) {
		if (!*has_vip)
			return -EPROTO;
		e->dest.vip = e->vip;
		if (parse_dest(tb[LBNL_A_DEST], &e->dest))
			return -EPROTO;
		e->is_dest = true;
	}
	return parse_stats(tb[LBNL_A_STATS], &e->stats);
}
