// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for the LB role's connection table: LBNL_CMD_CONN_GET
 * (dump), CONN_DEL and CONN_FLUSH.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "nl.h"

/* A peer's or a dest's address: 4 bytes (IPv4) or 16 (IPv6). */
#define LBNL_CONN_ADDR_POLICY	NLA_POLICY_RANGE(NLA_BINARY,		\
						 sizeof(struct in_addr),	\
						 sizeof(struct in6_addr))

/* What CONN_GET shows and no request sets: state and counters. */
#define LBNL_CONN_READ_ONLY_RANGE					\
	[LBNL_A_CONN_STATE ... LBNL_A_CONN_BYTES] = LBNL_READ_ONLY

const struct nla_policy lbnl_conn_policy[LBNL_A_CONN_MAX + 1] = {
	[LBNL_A_CONN_PEER_ADDR] = LBNL_CONN_ADDR_POLICY,
	[LBNL_A_CONN_PEER_PORT] = { .type = NLA_U16 },
	[LBNL_A_CONN_DEST_ADDR] = LBNL_READ_ONLY,
	[LBNL_A_CONN_DEST_PORT] = LBNL_READ_ONLY,
	LBNL_CONN_READ_ONLY_RANGE,
	[LBNL_A_CONN_MY_VTAG] = LBNL_READ_ONLY,
	[LBNL_A_CONN_PEER_VTAG] = LBNL_READ_ONLY,
	[LBNL_A_CONN_MIGRATE_FAILED] = LBNL_READ_ONLY,
	[LBNL_A_CONN_MIGRATE_END] = LBNL_READ_ONLY,
};

/* CONN_NEW's entry: what CONN_GET shows read-only is given here. */
const struct nla_policy lbnl_conn_new_policy[LBNL_A_CONN_MAX + 1] = {
	[LBNL_A_CONN_PEER_ADDR] = LBNL_CONN_ADDR_POLICY,
	[LBNL_A_CONN_PEER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[LBNL_A_CONN_DEST_ADDR] = LBNL_CONN_ADDR_POLICY,
	[LBNL_A_CONN_DEST_PORT] = { .type = NLA_U16 },
	LBNL_CONN_READ_ONLY_RANGE,
	[LBNL_A_CONN_MY_VTAG] = NLA_POLICY_MIN(NLA_U32, 1),
	[LBNL_A_CONN_PEER_VTAG] = { .type = NLA_U32 },
	[LBNL_A_CONN_MIGRATE_FAILED] = LBNL_READ_ONLY,
	[LBNL_A_CONN_MIGRATE_END] = LBNL_READ_ONLY,
};

/* An SCTP entry's verification tags, those known. */
static int lbnl_put_conn_vtags(struct sk_buff *skb, struct lbnl_conn *c)
{
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);

	return (READ_ONCE(c->flags) & LBNL_CONN_F_BOUND &&
		nla_put_u32(skb, LBNL_A_CONN_MY_VTAG,
			    READ_ONCE(sc->my_vtag))) ||
	       (READ_ONCE(sc->peer_vtag) &&
		nla_put_u32(skb, LBNL_A_CONN_PEER_VTAG,
			    READ_ONCE(sc->peer_vtag)));
}

/* An SCTP entry's failed migrations, if any (maint.c). */
static int lbnl_put_conn_migrate(struct sk_buff *skb, struct lbnl_conn *c)
{
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);
	u8 failed = READ_ONCE(sc->mig_failed);

	return failed &&
	       (nla_put_u32(skb, LBNL_A_CONN_MIGRATE_FAILED, failed) ||
		nla_put_string(skb, LBNL_A_CONN_MIGRATE_END,
			       lbnl_migrate_end_text(READ_ONCE(sc->mig_end))));
}

/* The flags a dump shows: those kept, and those the entry implies. */
static u32 lbnl_conn_uapi_flags(const struct lbnl_vip *vip,
				struct lbnl_conn *c)
{
	u32 flags = READ_ONCE(c->flags) & LBNL_CONN_F_UAPI;

	if (READ_ONCE(c->dest->dead))
		flags |= LBNL_CONN_F_DEST_GONE;
	if (vip->proto == IPPROTO_SCTP &&
	    READ_ONCE(lbnl_sctp_conn(c)->mig_failed) >
	    READ_ONCE(vip->ln->settings.migrate_retries))
		flags |= LBNL_CONN_F_UNMIGRATABLE;
	return flags;
}

static int lbnl_put_conn(struct sk_buff *skb, const struct lbnl_vip *vip,
			 struct lbnl_conn *c)
{
	u32 idle = lbnl_conn_idle(c, (u32)jiffies);
	unsigned long timeout = lbnl_conn_timeout(c);
	u64 age = ktime_get_boottime_seconds() - c->created;
	struct nlattr *nest;

	nest = nla_nest_start(skb, LBNL_A_CONN);
	if (!nest)
		return -EMSGSIZE;
	return lbnl_nest_end(skb, nest,
		lbnl_put_addr(skb, LBNL_A_CONN_PEER_ADDR, &c->peer,
			      vip->family) ||
		nla_put_u16(skb, LBNL_A_CONN_PEER_PORT, ntohs(c->pport)) ||
		lbnl_put_addr(skb, LBNL_A_CONN_DEST_ADDR, &c->dest->addr,
			      vip->family) ||
		nla_put_u16(skb, LBNL_A_CONN_DEST_PORT, ntohs(c->dest->port)) ||
		nla_put_u8(skb, LBNL_A_CONN_STATE, READ_ONCE(c->state)) ||
		nla_put_u32(skb, LBNL_A_CONN_FLAGS,
			    lbnl_conn_uapi_flags(vip, c)) ||
		nla_put_u64_64bit(skb, LBNL_A_CONN_AGE_MS, age * MSEC_PER_SEC,
				  LBNL_A_CONN_PAD) ||
		nla_put_u64_64bit(skb, LBNL_A_CONN_IDLE_MS,
				  jiffies_to_msecs(idle), LBNL_A_CONN_PAD) ||
		nla_put_u64_64bit(skb, LBNL_A_CONN_EXPIRES_MS,
				  idle < timeout ?
				  jiffies_to_msecs(timeout - idle) : 0,
				  LBNL_A_CONN_PAD) ||
		nla_put_u64_64bit(skb, LBNL_A_CONN_PACKETS,
				  READ_ONCE(c->packets), LBNL_A_CONN_PAD) ||
		nla_put_u64_64bit(skb, LBNL_A_CONN_BYTES, READ_ONCE(c->bytes),
				  LBNL_A_CONN_PAD) ||
		(vip->proto == IPPROTO_SCTP &&
		 (lbnl_put_conn_vtags(skb, c) ||
		  lbnl_put_conn_migrate(skb, c))));
}

static int lbnl_fill_conn(struct sk_buff *skb, struct netlink_callback *cb,
			  const struct lbnl_vip *vip, struct lbnl_conn *c)
{
	void *hdr;

	hdr = lbnl_dump_msg_put(skb, cb, LBNL_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;
	return lbnl_msg_end(skb, hdr, lbnl_put_vip(skb, vip, false) ?:
				      lbnl_put_conn(skb, vip, c));
}

/*
 * Dump one VIP's entries from the *@pos-th on.
 * The table may change under the walk: entries may be missed or repeated,
 * as in any rhashtable walk (the dump is a snapshot of a moving table).
 */
static int lbnl_dump_conns(struct sk_buff *skb, struct netlink_callback *cb,
			   struct lbnl_vip *vip, u32 *pos)
{
	struct rhashtable_iter iter;
	struct lbnl_conn *c;
	int full = 0;
	u32 idx = 0;

	rhashtable_walk_enter(&vip->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = lbnl_conn_walk_next(&iter))) {
		if (idx >= *pos) {
			full = lbnl_fill_conn(skb, cb, vip, c);
			if (full)
				break;
		}
		idx++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	*pos = idx;
	return full;
}

/**
 * lbnl_nl_conn_dump() - LBNL_CMD_CONN_GET dumpit: the entries of the VIP
 * the request names, else of all
 * @skb: the reply
 * @cb: the dump
 *
 * Return: the reply's length, or a negative errno.
 */
int lbnl_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return lbnl_nl_dump_vips(skb, cb, lbnl_dump_conns);
}

/**
 * lbnl_nl_conn_key() - lbnl_pre_doit()'s LBNL_NL_F_CONN: the entry a
 * request names (a VIP nest must be there too)
 * @info: the request
 * @req: where the peer's address and port go
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_conn_key(struct genl_info *info, struct lbnl_nl_req *req)
{
	struct nlattr **tb = req->ctb;
	int err;

	if (!info->attrs[LBNL_A_VIP]) {
		NL_SET_ERR_MSG(info->extack, "missing VIP attributes");
		return -EINVAL;
	}
	if (!info->attrs[LBNL_A_CONN]) {
		NL_SET_ERR_MSG(info->extack, "missing connection attributes");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, LBNL_A_CONN_MAX, info->attrs[LBNL_A_CONN],
			       lbnl_conn_policy, info->extack);
	if (err)
		return err;
	if (!tb[LBNL_A_CONN_PEER_ADDR] || !tb[LBNL_A_CONN_PEER_PORT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_CONN],
				    "missing peer address or port");
		return -EINVAL;
	}
	if (lbnl_nla_get_addr(tb[LBNL_A_CONN_PEER_ADDR], &req->peer,
			      &req->family)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LBNL_A_CONN_PEER_ADDR],
				    "peer address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	req->pport = htons(nla_get_u16(tb[LBNL_A_CONN_PEER_PORT]));
	return 0;
}

/**
 * lbnl_nl_conn_del() - LBNL_CMD_CONN_DEL
 * @skb: the request
 * @info: its attributes; the entry's key parsed, the VIP found, the
 *	namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_conn_del(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct lbnl_vip *vip = req->vip;
	struct lbnl_conn *c;
	int err = 0;

	if (req->family != vip->family) {
		NL_SET_ERR_MSG_ATTR(info->extack, req->ctb[LBNL_A_CONN_PEER_ADDR],
				    "peer address family must match the VIP's");
		return -EINVAL;
	}
	rcu_read_lock();
	c = lbnl_conn_lookup(vip, &req->peer, req->pport);
	if (!c || !lbnl_conn_unlink(req->ln, vip, c)) {
		NL_SET_ERR_MSG(info->extack, "connection not found");
		err = -ENOENT;
	}
	rcu_read_unlock();
	return err;
}

/**
 * lbnl_nl_conn_flush() - LBNL_CMD_CONN_FLUSH: the entries of the dest the
 * request names, else of the VIP it names, else of all
 * @skb: the request
 * @info: its attributes; the VIP and dest found if named, the namespace
 *	locked
 *
 * Return: 0.
 */
int lbnl_nl_conn_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct lbnl_vip *vip;

	if (req->dest) {
		lbnl_conn_flush_dest(req->ln, req->vip, req->dest);
		return 0;
	}
	list_for_each_entry(vip, &req->ln->vips, list)
		if (!req->vip || vip == req->vip)
			lbnl_conn_flush_vip(req->ln, vip);
	return 0;
}

/* CONN_NEW's addresses: the family of each must be the VIP's. */
static int lbnl_conn_new_addr(const struct nlattr *attr,
			      const struct lbnl_vip *vip,
			      union nf_inet_addr *addr,
			      struct netlink_ext_ack *extack)
{
	u8 family;

	if (lbnl_nla_get_addr(attr, addr, &family) || family != vip->family) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address family must match the VIP's");
		return -EINVAL;
	}
	return 0;
}

/**
 * lbnl_nl_conn_new() - LBNL_CMD_CONN_NEW: install a migrated association's
 * entry
 * @skb: the request
 * @info: its attributes; the VIP found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_conn_new(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct nlattr *tb[LBNL_A_CONN_MAX + 1], *nest;
	struct lbnl_vip *vip = req->vip;
	struct lbnl_pkt pkt = {};
	struct lbnl_dest_key dkey = {};
	struct lbnl_dest *dest;
	struct lbnl_conn *c;
	int err, drop;
	bool fresh;
	u32 vtag;

	if (lbnl_genl_req_attr_check(info, LBNL_A_CONN,
				     "missing connection attributes"))
		return -EINVAL;
	nest = info->attrs[LBNL_A_CONN];
	err = nla_parse_nested(tb, LBNL_A_CONN_MAX, nest, lbnl_conn_new_policy,
			       info->extack);
	if (err)
		return err;
	if (lbnl_req_attr_check(info->extack, nest, tb, LBNL_A_CONN_PEER_ADDR,
				"missing peer address or port") ||
	    lbnl_req_attr_check(info->extack, nest, tb, LBNL_A_CONN_PEER_PORT,
				"missing peer address or port") ||
	    lbnl_req_attr_check(info->extack, nest, tb, LBNL_A_CONN_MY_VTAG,
				"missing the dest's verification tag") ||
	    lbnl_req_attr_check(info->extack, nest, tb, LBNL_A_CONN_DEST_ADDR,
				"missing the dest's address"))
		return -EINVAL;
	if (vip->proto != IPPROTO_SCTP) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_VIP],
				    "only SCTP associations are installed (TCP and UDP flows find their dest by the scheduler)");
		return -EOPNOTSUPP;
	}
	err = lbnl_conn_new_addr(tb[LBNL_A_CONN_PEER_ADDR], vip, &pkt.saddr,
				 info->extack) ?:
	      lbnl_conn_new_addr(tb[LBNL_A_CONN_DEST_ADDR], vip, &dkey.addr,
				 info->extack);
	if (err)
		return err;
	dkey.family = vip->family;
	dkey.port = tb[LBNL_A_CONN_DEST_PORT] &&
		    nla_get_u16(tb[LBNL_A_CONN_DEST_PORT]) ?
		    htons(nla_get_u16(tb[LBNL_A_CONN_DEST_PORT])) : vip->port;
	dest = lbnl_dest_find(req->ln, vip, &dkey);
	if (!dest) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LBNL_A_CONN_DEST_ADDR],
				    "dest not found");
		return -ENOENT;
	}
	pkt.family = vip->family;
	pkt.proto = vip->proto;
	pkt.sport = htons(nla_get_u16(tb[LBNL_A_CONN_PEER_PORT]));
	vtag = nla_get_u32(tb[LBNL_A_CONN_MY_VTAG]);

	rcu_read_lock();
	if (lbnl_conn_lookup_tag(vip, vtag, pkt.sport) ||
	    lbnl_conn_lookup(vip, &pkt.saddr, pkt.sport)) {
		err = -EEXIST;
		goto out;
	}
	c = lbnl_conn_create(req->ln, vip, &pkt, dest,
			     LBNL_CONN_SCTP_ESTABLISHED, 0, &drop, &fresh);
	if (!c || !fresh) {
		err = !c && drop != LBNL_DROP_CONN_LIMIT ? -ENOMEM :
		      !c ? -ENOSPC : -EEXIST;
		goto out;
	}
	if (tb[LBNL_A_CONN_PEER_VTAG])
		WRITE_ONCE(lbnl_sctp_conn(c)->peer_vtag,
			   nla_get_u32(tb[LBNL_A_CONN_PEER_VTAG]));
	lbnl_conn_bind_tag(req->ln, vip, c, vtag);
	lbnl_conn_confirm(req->ln, c);
	lbnl_conn_set_migrated(req->ln, c);
out:
	rcu_read_unlock();
	if (err == -EEXIST)
		NL_SET_ERR_MSG(info->extack,
			       "the association already has an entry");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack,
			       "the connection table is full (sysctl net.lbnl.conn_max)");
	return err;
}
