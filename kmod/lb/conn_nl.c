// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for the LB role's connection table and counters:
 * LBNL_CMD_CONN_GET (dump), CONN_DEL, CONN_FLUSH and STATS_GET.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "lb.h"

/* ---- connection entries ----------------------------------------------- */

const struct nla_policy lbnl_conn_policy[LBNL_A_CONN_MAX + 1] = {
	[LBNL_A_CONN_PEER_ADDR] = NLA_POLICY_RANGE(NLA_BINARY,
						   sizeof(struct in_addr),
						   sizeof(struct in6_addr)),
	[LBNL_A_CONN_PEER_PORT] = { .type = NLA_U16 },
	[LBNL_A_CONN_DEST_ADDR] = LBNL_READ_ONLY,
	[LBNL_A_CONN_DEST_PORT] = LBNL_READ_ONLY,
	[LBNL_A_CONN_STATE] = LBNL_READ_ONLY,
	[LBNL_A_CONN_FLAGS] = LBNL_READ_ONLY,
	[LBNL_A_CONN_AGE_MS] = LBNL_READ_ONLY,
	[LBNL_A_CONN_IDLE_MS] = LBNL_READ_ONLY,
	[LBNL_A_CONN_EXPIRES_MS] = LBNL_READ_ONLY,
	[LBNL_A_CONN_PACKETS] = LBNL_READ_ONLY,
	[LBNL_A_CONN_BYTES] = LBNL_READ_ONLY,
	[LBNL_A_CONN_MY_VTAG] = LBNL_READ_ONLY,
	[LBNL_A_CONN_PEER_VTAG] = LBNL_READ_ONLY,
};

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
	if (lbnl_put_addr(skb, LBNL_A_CONN_PEER_ADDR, &c->peer, vip->family) ||
	    nla_put_u16(skb, LBNL_A_CONN_PEER_PORT, ntohs(c->pport)) ||
	    lbnl_put_addr(skb, LBNL_A_CONN_DEST_ADDR, &c->dest->addr,
			  vip->family) ||
	    nla_put_u16(skb, LBNL_A_CONN_DEST_PORT, ntohs(c->dest->port)) ||
	    nla_put_u8(skb, LBNL_A_CONN_STATE, READ_ONCE(c->state)) ||
	    nla_put_u32(skb, LBNL_A_CONN_FLAGS,
			(READ_ONCE(c->flags) & LBNL_CONN_F_UAPI) |
			(READ_ONCE(c->dest->dead) ? LBNL_CONN_F_DEST_GONE : 0)) ||
	    nla_put_u64_64bit(skb, LBNL_A_CONN_AGE_MS, age * MSEC_PER_SEC,
			      LBNL_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, LBNL_A_CONN_IDLE_MS, jiffies_to_msecs(idle),
			      LBNL_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, LBNL_A_CONN_EXPIRES_MS,
			      idle < timeout ?
			      jiffies_to_msecs(timeout - idle) : 0,
			      LBNL_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, LBNL_A_CONN_PACKETS, READ_ONCE(c->packets),
			      LBNL_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, LBNL_A_CONN_BYTES, READ_ONCE(c->bytes),
			      LBNL_A_CONN_PAD))
		goto cancel;
	if (vip->proto == IPPROTO_SCTP) {
		struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);

		if ((READ_ONCE(c->flags) & LBNL_CONN_F_BOUND &&
		     nla_put_u32(skb, LBNL_A_CONN_MY_VTAG,
				 READ_ONCE(sc->my_vtag))) ||
		    (READ_ONCE(sc->peer_vtag) &&
		     nla_put_u32(skb, LBNL_A_CONN_PEER_VTAG,
				 READ_ONCE(sc->peer_vtag))))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int lbnl_fill_conn(struct sk_buff *skb, struct netlink_callback *cb,
			  const struct lbnl_vip *vip, struct lbnl_conn *c)
{
	void *hdr;

	hdr = lbnl_msg_put(skb, NETLINK_CB(cb->skb).portid,
			   cb->nlh->nlmsg_seq, NLM_F_MULTI, LBNL_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (lbnl_put_vip(skb, vip, false) || lbnl_put_conn(skb, vip, c)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The VIP a dump or flush request names, if any: -ENOENT if not found. */
static int lbnl_optional_vip(struct lbnl_net *ln, struct nlattr **attrs,
			     struct lbnl_vip **vip,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];
	struct lbnl_vip_key key;
	int err;

	*vip = NULL;
	if (!attrs || !attrs[LBNL_A_VIP])
		return 0;
	err = lbnl_parse_vip(attrs, tb, &key, extack);
	if (err)
		return err;
	*vip = lbnl_vip_find(ln, &key);
	if (!*vip) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[LBNL_A_VIP], "VIP not found");
		return -ENOENT;
	}
	return 0;
}

/*
 * Dump one VIP's entries from the @skip-th on; return the index reached.
 * The table may change under the walk: entries may be missed or repeated,
 * as in any rhashtable walk (the dump is a snapshot of a moving table).
 */
static long lbnl_dump_vip_conns(struct sk_buff *skb,
				struct netlink_callback *cb,
				struct lbnl_vip *vip, long skip, bool *full)
{
	struct rhashtable_iter iter;
	struct lbnl_conn *c;
	long idx = 0;

	rhashtable_walk_enter(&vip->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c)) {
			if (PTR_ERR(c) == -EAGAIN)
				continue;
			break;
		}
		if (idx >= skip && lbnl_fill_conn(skb, cb, vip, c)) {
			*full = true;
			break;
		}
		idx++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return idx;
}

/**
 * lbnl_nl_conn_dump() - LBNL_CMD_CONN_GET dumpit
 * @skb: the reply
 * @cb: cursor: cb->args[0] is the VIP's index, cb->args[1] the entry's
 *
 * Return: the reply's length, or a negative errno.
 */
int lbnl_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct lbnl_net *ln = lbnl_pernet(sock_net(skb->sk));
	struct lbnl_vip *only, *vip;
	long vidx = 0, cidx = 0;
	bool full = false;
	int err;

	mutex_lock(&ln->lock);
	err = lbnl_optional_vip(ln, info->attrs, &only, cb->extack);
	if (err)
		goto out;
	cb->seq = ln->gen;
	list_for_each_entry(vip, &ln->vips, list) {
		if (vidx < cb->args[0] || (only && vip != only)) {
			vidx++;
			continue;
		}
		cidx = lbnl_dump_vip_conns(skb, cb, vip, cb->args[1], &full);
		if (full)
			break;
		cb->args[1] = 0;
		cidx = 0;
		vidx++;
	}
	cb->args[0] = vidx;
	cb->args[1] = cidx;
out:
	mutex_unlock(&ln->lock);
	return err ?: skb->len;
}

/**
 * lbnl_nl_conn_del() - LBNL_CMD_CONN_DEL
 * @skb: the request
 * @info: its attributes
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_conn_del(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_net *ln = lbnl_pernet(genl_info_net(info));
	struct nlattr *tb[LBNL_A_CONN_MAX + 1];
	union nf_inet_addr peer;
	struct lbnl_conn *c;
	struct lbnl_vip *vip;
	u16 port;
	u8 family;
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
	if (lbnl_nla_get_addr(tb[LBNL_A_CONN_PEER_ADDR], &peer, &family)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LBNL_A_CONN_PEER_ADDR],
				    "peer address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	port = nla_get_u16(tb[LBNL_A_CONN_PEER_PORT]);

	mutex_lock(&ln->lock);
	err = lbnl_optional_vip(ln, info->attrs, &vip, info->extack);
	if (err)
		goto out;
	if (family != vip->family) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LBNL_A_CONN_PEER_ADDR],
				    "peer address family must match the VIP's");
		err = -EINVAL;
		goto out;
	}
	rcu_read_lock();
	c = lbnl_conn_lookup(vip, &peer, htons(port));
	if (!c || !lbnl_conn_unlink(ln, vip, c)) {
		NL_SET_ERR_MSG(info->extack, "connection not found");
		err = -ENOENT;
	}
	rcu_read_unlock();
out:
	mutex_unlock(&ln->lock);
	return err;
}

/**
 * lbnl_nl_conn_flush() - LBNL_CMD_CONN_FLUSH
 * @skb: the request
 * @info: its attributes
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_conn_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_net *ln = lbnl_pernet(genl_info_net(info));
	struct lbnl_vip *only, *vip;
	int err;

	mutex_lock(&ln->lock);
	err = lbnl_optional_vip(ln, info->attrs, &only, info->extack);
	if (!err)
		list_for_each_entry(vip, &ln->vips, list)
			if (!only || vip == only)
				lbnl_conn_flush_vip(ln, vip);
	mutex_unlock(&ln->lock);
	return err;
}

/* ---- counters ----------------------------------------------------------- */

struct lbnl_counters {
	u64 packets_in;
	u64 bytes_in;
	u64 packets_out;
	u64 bytes_out;
	u64 conns;
	u64 picked_up;
	u64 drops[__LBNL_DROP_MAX];
};

/* Add one CPU's counters (and @n_drops drop counters) to @sum. */
static void lbnl_add_counters(struct lbnl_counters *sum,
			      const struct lbnl_pcpu_counters *c,
			      const u64_stats_t *drops, unsigned int n_drops,
			      const struct u64_stats_sync *syncp)
{
	struct lbnl_counters one;
	unsigned int start, i;

	do {
		start = u64_stats_fetch_begin(syncp);
		one.packets_in = u64_stats_read(&c->packets_in);
		one.bytes_in = u64_stats_read(&c->bytes_in);
		one.packets_out = u64_stats_read(&c->packets_out);
		one.bytes_out = u64_stats_read(&c->bytes_out);
		one.conns = u64_stats_read(&c->conns);
		one.picked_up = u64_stats_read(&c->picked_up);
		for (i = 0; i < n_drops; i++)
			one.drops[i] = u64_stats_read(&drops[i]);
	} while (u64_stats_fetch_retry(syncp, start));
	sum->packets_in += one.packets_in;
	sum->bytes_in += one.bytes_in;
	sum->packets_out += one.packets_out;
	sum->bytes_out += one.bytes_out;
	sum->conns += one.conns;
	sum->picked_up += one.picked_up;
	for (i = 0; i < n_drops; i++)
		sum->drops[i] += one.drops[i];
}

static void lbnl_sum_obj(struct lbnl_obj_stats __percpu *stats,
			 struct lbnl_counters *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct lbnl_obj_stats *s = per_cpu_ptr(stats, cpu);

		lbnl_add_counters(sum, &s->c, NULL, 0, &s->syncp);
	}
}

static void lbnl_sum_net(struct lbnl_net *ln, struct lbnl_counters *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct lbnl_net_stats *s = per_cpu_ptr(ln->stats, cpu);

		lbnl_add_counters(sum, &s->c, s->drops, __LBNL_DROP_MAX,
				  &s->syncp);
	}
}

static int lbnl_put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, LBNL_A_STATS_PAD);
}

/* The LBNL_A_STATS nest; @drops only for the global counters. */
static int lbnl_put_stats(struct sk_buff *skb, const struct lbnl_counters *c,
			  u64 active, bool drops)
{
	struct nlattr *nest, *dnest;
	u64 total = 0;
	int i;

	nest = nla_nest_start(skb, LBNL_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (lbnl_put_u64(skb, LBNL_A_STATS_PACKETS_IN, c->packets_in) ||
	    lbnl_put_u64(skb, LBNL_A_STATS_BYTES_IN, c->bytes_in) ||
	    lbnl_put_u64(skb, LBNL_A_STATS_PACKETS_OUT, c->packets_out) ||
	    lbnl_put_u64(skb, LBNL_A_STATS_BYTES_OUT, c->bytes_out) ||
	    lbnl_put_u64(skb, LBNL_A_STATS_CONNS, c->conns) ||
	    lbnl_put_u64(skb, LBNL_A_STATS_PICKED_UP, c->picked_up) ||
	    lbnl_put_u64(skb, LBNL_A_STATS_ACTIVE_CONNS, active))
		goto cancel;
	if (drops) {
		dnest = nla_nest_start(skb, LBNL_A_STATS_DROPS);
		if (!dnest)
			goto cancel;
		for (i = 1; i < __LBNL_DROP_MAX; i++) {
			total += c->drops[i];
			if (nla_put_u64_64bit(skb, i, c->drops[i], 0))
				goto cancel;
		}
		nla_nest_end(skb, dnest);
		if (lbnl_put_u64(skb, LBNL_A_STATS_DROPPED, total))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/**
 * lbnl_nl_stats_get() - LBNL_CMD_STATS_GET doit: the global counters
 * @skb: the request
 * @info: its attributes
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_net *ln = lbnl_pernet(genl_info_net(info));
	struct lbnl_counters sum;
	struct sk_buff *msg;
	void *hdr;

	lbnl_sum_net(ln, &sum);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = lbnl_msg_put(msg, info->snd_portid, info->snd_seq, 0,
			   LBNL_CMD_STATS_GET);
	if (!hdr ||
	    lbnl_put_stats(msg, &sum, atomic_read(&ln->conn_count), true)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int lbnl_fill_stats(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct lbnl_vip *vip,
			   const struct lbnl_dest *dest)
{
	struct lbnl_counters sum;
	void *hdr;

	hdr = lbnl_msg_put(skb, NETLINK_CB(cb->skb).portid,
			   cb->nlh->nlmsg_seq, NLM_F_MULTI, LBNL_CMD_STATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (lbnl_put_vip(skb, vip, false))
		goto cancel;
	if (dest) {
		if (lbnl_put_dest(skb, LBNL_A_DEST, vip, dest, false))
			goto cancel;
		lbnl_sum_obj(dest->stats, &sum);
		if (lbnl_put_stats(skb, &sum, refcount_read(&dest->refcnt) - 1,
				   false))
			goto cancel;
	} else {
		lbnl_sum_obj(vip->stats, &sum);
		if (lbnl_put_stats(skb, &sum, atomic_read(&vip->conn_count),
				   false))
			goto cancel;
	}
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * lbnl_nl_stats_dump() - LBNL_CMD_STATS_GET dumpit: per VIP, per dest
 * @skb: the reply
 * @cb: cursor: cb->args[0] is the VIP's index, cb->args[1] is 0 for the VIP
 *	itself, then 1 + the dest's index
 *
 * Return: the reply's length, or a negative errno.
 */
int lbnl_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct lbnl_net *ln = lbnl_pernet(sock_net(skb->sk));
	struct lbnl_vip *only, *vip;
	struct lbnl_dest *dest;
	long vidx = 0, didx = 0;
	int err;

	mutex_lock(&ln->lock);
	err = lbnl_optional_vip(ln, info->attrs, &only, cb->extack);
	if (err)
		goto out;
	cb->seq = ln->gen;
	list_for_each_entry(vip, &ln->vips, list) {
		if (vidx < cb->args[0] || (only && vip != only)) {
			vidx++;
			continue;
		}
		didx = 0;
		if (cb->args[1] == 0) {
			if (lbnl_fill_stats(skb, cb, vip, NULL))
				goto stop;
		}
		didx = 1;
		list_for_each_entry(dest, &vip->dests, list) {
			if (didx >= cb->args[1] &&
			    lbnl_fill_stats(skb, cb, vip, dest))
				goto stop;
			didx++;
		}
		cb->args[1] = 0;
		didx = 0;
		vidx++;
	}
stop:
	cb->args[0] = vidx;
	cb->args[1] = didx;
out:
	mutex_unlock(&ln->lock);
	return err ?: skb->len;
}
