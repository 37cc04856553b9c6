// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - silencing local SCTP associations by verification tag.
 *
 * While an association moves between hosts, each host must keep its copy
 * from talking to the peer at the wrong moment: a stray SACK confuses it,
 * and a stray ABORT kills it. A silence entry names an association by its
 * two vtags and ports and says what to do with its packets:
 *
 *  FREEZE  export in progress: inbound DATA and I-DATA chunks newer than
 *          anything the local end has seen are stripped (the peer will
 *          retransmit them to wherever the association ends up); older
 *          ones pass, so that a gap in the received TSNs can still heal;
 *          every other chunk passes so that the local copy can finish
 *          draining; outbound passes.
 *  DROP    exported, released or discarded: every packet in and out is
 *          dropped, for good or until the entry expires.
 *  HOLD    import in progress: outbound is dropped (the COOKIE-ACK, and any
 *          ABORT a refused import would cause), inbound is dropped except
 *          the injected COOKIE-ECHO.
 *
 * Inbound packets carry the local end's tag (my_vtag); outbound ones the
 * peer's, except an ABORT with the T bit, which reflects my_vtag: outbound
 * is matched against both. The hooks sit in PRE_ROUTING (after defrag,
 * before conntrack) and LOCAL_OUT of the namespaces that have entries.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/sctp.h>
#include <linux/slab.h>
#include <asm/unaligned.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sctp/checksum.h>

#include "srv.h"

/* Entries are hashed twice, by each tag, in two tables: a bucket's chain
 * must hold one kind of node only.
 */
static struct hlist_head *lbnl_silence_bucket_my(struct lbnl_silence_table *st,
						 u32 vtag)
{
	return &st->by_my[jhash_1word(vtag, st->seed) &
			  (ARRAY_SIZE(st->by_my) - 1)];
}

static struct hlist_head *lbnl_silence_bucket_peer(struct lbnl_silence_table *st,
						   u32 vtag)
{
	return &st->by_peer[jhash_1word(vtag, st->seed) &
			    (ARRAY_SIZE(st->by_peer) - 1)];
}

/* Inbound: the packet carries @vtag == my_vtag, from pport to lport. */
static struct lbnl_silence *lbnl_silence_lookup_in(struct lbnl_silence_table *st,
						   u32 vtag, __be16 sport,
						   __be16 dport)
{
	struct lbnl_silence *e;

	hlist_for_each_entry_rcu(e, lbnl_silence_bucket_my(st, vtag), by_my)
		if (e->my_vtag == vtag && e->lport == dport &&
		    e->pport == sport)
			return e;
	return NULL;
}

/* Outbound: from lport to pport, carrying either tag. */
static struct lbnl_silence *lbnl_silence_lookup_out(struct lbnl_silence_table *st,
						    u32 vtag, __be16 sport,
						    __be16 dport)
{
	struct lbnl_silence *e;

	hlist_for_each_entry_rcu(e, lbnl_silence_bucket_peer(st, vtag), by_peer)
		if (e->peer_vtag == vtag && e->lport == sport &&
		    e->pport == dport)
			return e;
	hlist_for_each_entry_rcu(e, lbnl_silence_bucket_my(st, vtag), by_my)
		if (e->my_vtag == vtag && e->lport == sport &&
		    e->pport == dport)
			return e;
	return NULL;
}

/**
 * lbnl_silence_expired() - has an entry's grace period ended?
 * @e: the entry
 *
 * Return: true if it lapsed (the GC has not removed it yet).
 */
bool lbnl_silence_expired(const struct lbnl_silence *e)
{
	unsigned long expires = READ_ONCE(e->expires);

	return expires && time_after(jiffies, expires);
}

/* Fix the network header after the packet shrank to skb->len. */
static void lbnl_silence_fix_l3(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	} else {
		ipv6_hdr(skb)->payload_len =
			htons(skb->len - sizeof(struct ipv6hdr));
	}
}

/* Is this DATA or I-DATA chunk (@len bytes at @ch) newer than the freeze? */
static bool lbnl_silence_data_is_new(const struct lbnl_silence *e,
				     const struct sctp_chunkhdr *ch,
				     unsigned int len)
{
	u32 tsn;

	if (!READ_ONCE(e->freeze_tsn_set) || len < sizeof(*ch) + sizeof(tsn))
		return true;
	/* DATA and I-DATA both start with the TSN. */
	tsn = get_unaligned_be32(ch + 1);
	return (s32)(tsn - READ_ONCE(e->freeze_tsn)) > 0;
}

/*
 * Remove the new DATA and I-DATA chunks of an inbound packet of a frozen
 * association. Packets with a bad checksum or malformed chunks are dropped
 * rather than laundered by a fresh checksum.
 */
static unsigned int lbnl_silence_strip(struct lbnl_silence *e,
				       struct sk_buff *skb, unsigned int thoff)
{
	unsigned int pos, end, removed = 0;
	struct sctp_chunkhdr *ch;
	struct sctphdr *sh;

	if (skb_ensure_writable(skb, skb->len) || skb_linearize(skb))
		return NF_DROP;
	/*
	 * An SCTP GSO packet (veth may hand one over whole) keeps its chunks
	 * in frag_list skbs; linearized, it is one long packet, and must not
	 * claim to be GSO any more (sctp_inq_pop() would look for the list).
	 */
	if (skb_is_gso(skb))
		skb_gso_reset(skb);
	if (skb_network_offset(skb) != 0)
		return NF_DROP;

	sh = (struct sctphdr *)(skb->data + thoff);
	if (!skb_csum_unnecessary(skb) &&
	    sctp_compute_cksum(skb, thoff) != sh->checksum)
		return NF_DROP;

	pos = thoff + sizeof(*sh);
	end = skb->len;
	while (pos + sizeof(*ch) <= end) {
		unsigned int len, padded;

		ch = (struct sctp_chunkhdr *)(skb->data + pos);
		len = ntohs(ch->length);
		if (len < sizeof(*ch) || len > end - pos)
			return NF_DROP;
		padded = min(SCTP_PAD4(len), end - pos);
		if ((ch->type == SCTP_CID_DATA || ch->type == SCTP_CID_I_DATA) &&
		    lbnl_silence_data_is_new(e, ch, len)) {
			memmove(ch, (u8 *)ch + padded, end - pos - padded);
			end -= padded;
			removed++;
			continue;
		}
		pos += padded;
	}
	if (!removed)
		return NF_ACCEPT;

	atomic64_add(removed, &e->stripped);
	if (end == thoff + sizeof(*sh))
		return NF_DROP;

	skb_trim(skb, end);
	lbnl_silence_fix_l3(skb);
	sh->checksum = sctp_compute_cksum(skb, thoff);
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	return NF_ACCEPT;
}

/* Offset of the SCTP header, or -1 if this is not a whole SCTP packet. */
static int lbnl_silence_sctp_offset(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->protocol != IPPROTO_SCTP || ip_is_fragment(iph))
			return -1;
		return skb_network_offset(skb) + ip_hdrlen(skb);
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		unsigned int off = 0;
		unsigned short frag = 0;

		if (ipv6_find_hdr(skb, &off, IPPROTO_SCTP, &frag, NULL) !=
		    IPPROTO_SCTP || frag)
			return -1;
		return off;
	}
	return -1;
}

static unsigned int lbnl_silence_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct lbnl_silence_table *st = &lbnl_srv_pernet(state->net)->silence;
	bool inbound = state->hook == NF_INET_PRE_ROUTING;
	struct sctphdr _sh, *sh;
	struct lbnl_silence *e;
	u8 _type, *type;
	int thoff;
	u32 vtag;

	if (!READ_ONCE(st->count))
		return NF_ACCEPT;
	thoff = lbnl_silence_sctp_offset(skb);
	if (thoff < 0)
		return NF_ACCEPT;
	sh = skb_header_pointer(skb, thoff, sizeof(_sh), &_sh);
	if (!sh)
		return NF_ACCEPT;

	vtag = ntohl(sh->vtag);
	rcu_read_lock();
	e = inbound ? lbnl_silence_lookup_in(st, vtag, sh->source, sh->dest) :
		      lbnl_silence_lookup_out(st, vtag, sh->source, sh->dest);
	if (!e || lbnl_silence_expired(e)) {
		rcu_read_unlock();
		return NF_ACCEPT;
	}

	switch (READ_ONCE(e->mode)) {
	case LBNL_SILENCE_FREEZE:
		if (inbound) {
			unsigned int verdict = lbnl_silence_strip(e, skb, thoff);

			rcu_read_unlock();
			return verdict;
		}
		break;
	case LBNL_SILENCE_HOLD:
		type = skb_header_pointer(skb, thoff + sizeof(*sh),
					  sizeof(_type), &_type);
		if (inbound && type && *type == SCTP_CID_COOKIE_ECHO)
			break;
		fallthrough;
	case LBNL_SILENCE_DROP:
		atomic64_inc(inbound ? &e->dropped_in : &e->dropped_out);
		rcu_read_unlock();
		return NF_DROP;
	}
	rcu_read_unlock();
	return NF_ACCEPT;
}

static const struct nf_hook_ops lbnl_silence_ops[] = {
	{
		.hook = lbnl_silence_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK - 1,
	},
	{
		.hook = lbnl_silence_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_CONNTRACK - 1,
	},
	{
		.hook = lbnl_silence_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK - 1,
	},
	{
		.hook = lbnl_silence_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_CONNTRACK - 1,
	},
};

static void lbnl_silence_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct lbnl_silence, rcu));
}

/**
 * lbnl_silence_del() - remove a silence entry
 * @net: its namespace
 * @e: the entry
 *
 * Call with the namespace's assoc_lock held.
 */
void lbnl_silence_del(struct net *net, struct lbnl_silence *e)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);

	lockdep_assert_held(&sn->assoc_lock);
	hlist_del_rcu(&e->by_my);
	hlist_del_rcu(&e->by_peer);
	WRITE_ONCE(sn->silence.count, sn->silence.count - 1);
	call_rcu(&e->rcu, lbnl_silence_free_rcu);
}

static void lbnl_silence_gc(struct work_struct *work)
{
	struct lbnl_srv_net *sn = container_of(to_delayed_work(work),
					       struct lbnl_srv_net, silence.gc);
	struct lbnl_silence_table *st = &sn->silence;
	struct lbnl_silence *e;
	struct hlist_node *tmp;
	bool pending = false;
	unsigned int i;

	mutex_lock(&sn->assoc_lock);
	for (i = 0; i < ARRAY_SIZE(st->by_my); i++) {
		hlist_for_each_entry_safe(e, tmp, &st->by_my[i], by_my) {
			if (lbnl_silence_expired(e))
				lbnl_silence_del(st->net, e);
			else if (e->expires)
				pending = true;
		}
	}
	if (pending)
		schedule_delayed_work(&st->gc, HZ);
	mutex_unlock(&sn->assoc_lock);
}

/**
 * lbnl_silence_find() - find the silence entry of an association
 * @net: the namespace
 * @my_vtag: the local end's verification tag
 * @lport: local port, network order
 * @pport: peer port, network order
 *
 * Call with the namespace's assoc_lock held.
 *
 * Return: the entry or %NULL.
 */
struct lbnl_silence *lbnl_silence_find(struct net *net, u32 my_vtag,
				       __be16 lport, __be16 pport)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	struct lbnl_silence *e;

	lockdep_assert_held(&sn->assoc_lock);
	hlist_for_each_entry(e, lbnl_silence_bucket_my(&sn->silence, my_vtag),
			     by_my)
		if (e->my_vtag == my_vtag && e->lport == lport &&
		    e->pport == pport)
			return e;
	return NULL;
}

/**
 * lbnl_silence_add() - start silencing an association
 * @net: the namespace
 * @my_vtag: the local end's verification tag
 * @peer_vtag: the peer's verification tag
 * @lport: local port, network order
 * @pport: peer port, network order
 * @mode: enum lbnl_silence_mode
 *
 * Call with the namespace's assoc_lock held. An existing entry for the
 * association (say, one left to expire by an earlier release) is reused.
 *
 * Return: the entry, or an ERR_PTR().
 */
struct lbnl_silence *lbnl_silence_add(struct net *net, u32 my_vtag,
				      u32 peer_vtag, __be16 lport,
				      __be16 pport, u8 mode)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	struct lbnl_silence_table *st = &sn->silence;
	struct lbnl_silence *e;
	int err;

	lockdep_assert_held(&sn->assoc_lock);
	e = lbnl_silence_find(net, my_vtag, lport, pport);
	if (e && e->peer_vtag == peer_vtag) {
		WRITE_ONCE(e->expires, 0);
		WRITE_ONCE(e->freeze_tsn_set, false);
		WRITE_ONCE(e->mode, mode);
		return e;
	}
	if (e)
		lbnl_silence_del(net, e);

	if (!st->hooks_registered) {
		err = nf_register_net_hooks(net, lbnl_silence_ops,
					    ARRAY_SIZE(lbnl_silence_ops));
		if (err)
			return ERR_PTR(err);
		st->hooks_registered = true;
	}

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->my_vtag = my_vtag;
	e->peer_vtag = peer_vtag;
	e->lport = lport;
	e->pport = pport;
	e->mode = mode;
	hlist_add_head_rcu(&e->by_my, lbnl_silence_bucket_my(st, my_vtag));
	hlist_add_head_rcu(&e->by_peer, lbnl_silence_bucket_peer(st, peer_vtag));
	WRITE_ONCE(st->count, st->count + 1);
	return e;
}

/**
 * lbnl_silence_set_mode() - change what happens to an association's packets
 * @e: the entry
 * @mode: enum lbnl_silence_mode
 */
void lbnl_silence_set_mode(struct lbnl_silence *e, u8 mode)
{
	WRITE_ONCE(e->mode, mode);
}

/**
 * lbnl_silence_set_freeze_tsn() - set the newest TSN a freeze lets pass
 * @e: the entry
 * @tsn: the highest TSN the local end has seen
 */
void lbnl_silence_set_freeze_tsn(struct lbnl_silence *e, u32 tsn)
{
	WRITE_ONCE(e->freeze_tsn, tsn);
	smp_wmb();	/* the TSN before the flag that makes it count */
	WRITE_ONCE(e->freeze_tsn_set, true);
}

/**
 * lbnl_silence_expire() - let an entry lapse after a grace period
 * @net: its namespace
 * @e: the entry
 * @grace: how long it still holds, in jiffies
 *
 * Call with the namespace's assoc_lock held.
 */
void lbnl_silence_expire(struct net *net, struct lbnl_silence *e,
			 unsigned long grace)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);

	lockdep_assert_held(&sn->assoc_lock);
	WRITE_ONCE(e->expires, (jiffies + grace) | 1);
	schedule_delayed_work(&sn->silence.gc, HZ);
}

/**
 * lbnl_silence_net_init() - set up a namespace's silence table
 * @net: the namespace
 */
void lbnl_silence_net_init(struct net *net)
{
	struct lbnl_silence_table *st = &lbnl_srv_pernet(net)->silence;
	unsigned int i;

	st->net = net;
	st->seed = get_random_u32();
	for (i = 0; i < ARRAY_SIZE(st->by_my); i++) {
		INIT_HLIST_HEAD(&st->by_my[i]);
		INIT_HLIST_HEAD(&st->by_peer[i]);
	}
	INIT_DELAYED_WORK(&st->gc, lbnl_silence_gc);
}

/**
 * lbnl_silence_net_exit() - drop a namespace's silence table and hooks
 * @net: the namespace
 */
void lbnl_silence_net_exit(struct net *net)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	struct lbnl_silence_table *st = &sn->silence;
	struct lbnl_silence *e;
	struct hlist_node *tmp;
	unsigned int i;

	cancel_delayed_work_sync(&st->gc);
	mutex_lock(&sn->assoc_lock);
	if (st->hooks_registered)
		nf_unregister_net_hooks(net, lbnl_silence_ops,
					ARRAY_SIZE(lbnl_silence_ops));
	st->hooks_registered = false;
	for (i = 0; i < ARRAY_SIZE(st->by_my); i++)
		hlist_for_each_entry_safe(e, tmp, &st->by_my[i], by_my)
			lbnl_silence_del(net, e);
	mutex_unlock(&sn->assoc_lock);
}
