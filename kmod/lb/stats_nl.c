// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for the counters: LBNL_CMD_STATS_GET, the namespace's
 * (doit) or every VIP's and dest's (dump).
 */

#include <linux/percpu.h>
#include <net/genetlink.h>

#include "nl.h"

struct lbnl_counters {
	u64 packets_in;
	u64 bytes_in;
	u64 packets_out;
	u64 bytes_out;
	u64 conns;
	u64 picked_up;
	u64 evicted;
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
		one.evicted = u64_stats_read(&c->evicted);
		for (i = 0; i < n_drops; i++)
			one.drops[i] = u64_stats_read(&drops[i]);
	} while (u64_stats_fetch_retry(syncp, start));
	sum->packets_in += one.packets_in;
	sum->bytes_in += one.bytes_in;
	sum->packets_out += one.packets_out;
	sum->bytes_out += one.bytes_out;
	sum->conns += one.conns;
	sum->picked_up += one.picked_up;
	sum->evicted += one.evicted;
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

/* The drop counters by reason (LBNL_A_STATS_DROPS), then their total. */
static int lbnl_put_drops(struct sk_buff *skb, const struct lbnl_counters *c)
{
	struct nlattr *nest;
	u64 total = 0;
	int i, err = 0;

	nest = nla_nest_start(skb, LBNL_A_STATS_DROPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i < __LBNL_DROP_MAX && !err; i++) {
		total += c->drops[i];
		err = nla_put_u64_64bit(skb, i, c->drops[i], 0);
	}
	return lbnl_nest_end(skb, nest, err) ?:
	       lbnl_put_u64(skb, LBNL_A_STATS_DROPPED, total);
}

/*
 * The LBNL_A_STATS nest; @drops only for the global counters, @unconfirmed
 * for them and a VIP's (U64_MAX: not for a dest).
 */
static int lbnl_put_stats(struct sk_buff *skb, const struct lbnl_counters *c,
			  u64 active, u64 unconfirmed, bool drops)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, LBNL_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	return lbnl_nest_end(skb, nest,
		lbnl_put_u64(skb, LBNL_A_STATS_PACKETS_IN, c->packets_in) ||
		lbnl_put_u64(skb, LBNL_A_STATS_BYTES_IN, c->bytes_in) ||
		lbnl_put_u64(skb, LBNL_A_STATS_PACKETS_OUT, c->packets_out) ||
		lbnl_put_u64(skb, LBNL_A_STATS_BYTES_OUT, c->bytes_out) ||
		lbnl_put_u64(skb, LBNL_A_STATS_CONNS, c->conns) ||
		lbnl_put_u64(skb, LBNL_A_STATS_PICKED_UP, c->picked_up) ||
		lbnl_put_u64(skb, LBNL_A_STATS_ACTIVE_CONNS, active) ||
		(unconfirmed != U64_MAX &&
		 lbnl_put_u64(skb, LBNL_A_STATS_UNCONFIRMED, unconfirmed)) ||
		lbnl_put_u64(skb, LBNL_A_STATS_EVICTED, c->evicted) ||
		(drops && lbnl_put_drops(skb, c)));
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
	struct lbnl_vip *vip;
	u64 unconfirmed = 0;
	struct sk_buff *msg;
	void *hdr;

	lbnl_sum_net(ln, &sum);
	mutex_lock(&ln->lock);
	list_for_each_entry(vip, &ln->vips, list)
		unconfirmed += atomic_read(&vip->unconfirmed);
	mutex_unlock(&ln->lock);
	msg = lbnl_reply_new(info, LBNL_CMD_STATS_GET, &hdr);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return lbnl_reply_send(info, msg, hdr,
			       lbnl_put_stats(msg, &sum,
					      atomic_read(&ln->conn_count),
					      unconfirmed, true));
}

static int lbnl_fill_stats(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct lbnl_vip *vip,
			   const struct lbnl_dest *dest)
{
	u64 active, unconfirmed = U64_MAX;
	struct lbnl_counters sum;
	void *hdr;

	hdr = lbnl_dump_msg_put(skb, cb, LBNL_CMD_STATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (dest) {
		lbnl_sum_obj(dest->stats, &sum);
		active = refcount_read(&dest->refcnt) - 1;
	} else {
		lbnl_sum_obj(vip->stats, &sum);
		active = atomic_read(&vip->conn_count);
		unconfirmed = atomic_read(&vip->unconfirmed);
	}
	return lbnl_msg_end(skb, hdr, lbnl_put_vip(skb, vip, false) ?:
				      (dest ? lbnl_put_dest(skb, LBNL_A_DEST,
							    vip, dest, false) : 0) ?:
				      lbnl_put_stats(skb, &sum, active,
						     unconfirmed, false));
}

/*
 * One VIP's counters then its dests', from *@pos on: 0 is the VIP itself,
 * 1 + i its i-th dest.
 */
static int lbnl_dump_stats(struct sk_buff *skb, struct netlink_callback *cb,
			   struct lbnl_vip *vip, u32 *pos)
{
	struct lbnl_dest *dest;
	u32 idx = 0;

	if (*pos == 0 && lbnl_fill_stats(skb, cb, vip, NULL))
		goto full;
	idx = 1;
	list_for_each_entry(dest, &vip->dests, list) {
		if (idx >= *pos && lbnl_fill_stats(skb, cb, vip, dest))
			goto full;
		idx++;
	}
	return 0;

full:
	*pos = idx;
	return -EMSGSIZE;
}

/**
 * lbnl_nl_stats_dump() - LBNL_CMD_STATS_GET dumpit: per VIP, per dest, of
 * the VIP the request names, else of all
 * @skb: the reply
 * @cb: the dump
 *
 * Return: the reply's length, or a negative errno.
 */
int lbnl_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return lbnl_nl_dump_vips(skb, cb, lbnl_dump_stats);
}
