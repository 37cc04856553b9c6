// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - the LB role's packet path.
 *
 * One netfilter hook per family at PRE_ROUTING, ahead of defragmentation and
 * conntrack (NF_IP_PRI_RAW_BEFORE_DEFRAG), registered in a namespace only
 * while it has VIPs. A packet to a VIP is checked, matched to its flow's
 * entry (or scheduled and given one), counted, and forwarded: DNATed and
 * handed back to the stack (nat), or wrapped and sent by the module (tun).
 * A packet from a dest of a nat VIP is a reply: it gets the VIP's address
 * back. Everything else is none of our business (NF_ACCEPT).
 *
 * Fragments for a VIP are dropped (and counted): a fragment without ports
 * cannot be matched to a flow without reassembly, and reassembly is what an
 * L4 balancer in the path of every packet should not do. Peers use PMTU
 * discovery: ICMP errors about the VIPs' flows are translated both ways
 * (icmp.c), and tun VIPs answer "fragmentation needed" themselves. A nat
 * dest's fragments are reassembled and then translated (defrag.c).
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "lb.h"

/* Fill the L3 part of @pkt. Return: 0, 1 (not ours), or a drop reason. */
static int lbnl_parse_l3(struct sk_buff *skb, u8 pf, struct lbnl_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		pkt->family = AF_INET;
		pkt->proto = iph->protocol;
		pkt->saddr.ip = iph->saddr;
		pkt->daddr.ip = iph->daddr;
		pkt->l4off = ip_hdrlen(skb);
		pkt->fragment = ip_is_fragment(iph);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		int fragflags = 0;
		unsigned int thoff = 0;
		int proto;

		pkt->family = AF_INET6;
		pkt->saddr.in6 = ip6h->saddr;
		pkt->daddr.in6 = ip6h->daddr;
		proto = ipv6_find_hdr(skb, &thoff, -1, NULL, &fragflags);
		if (proto < 0)
			return LBNL_DROP_EXTHDR;
		pkt->proto = proto;
		pkt->l4off = thoff;
		pkt->fragment = fragflags & IP6_FH_F_FRAG;
	}

	pkt->pp = lbnl_proto_get(pkt->proto);
	return pkt->pp ? 0 : 1;
}

static int lbnl_parse_l4(struct sk_buff *skb, struct lbnl_pkt *pkt)
{
	return INDIRECT_CALL_3(pkt->pp->parse, lbnl_tcp_parse, lbnl_udp_parse,
			       lbnl_sctp_parse, skb, pkt);
}

/* The ports alone, to find the VIP before the full checks. */
static int lbnl_peek_ports(struct sk_buff *skb, struct lbnl_pkt *pkt)
{
	__be16 _ports[2];
	const __be16 *ports;

	ports = skb_header_pointer(skb, pkt->l4off, sizeof(_ports), _ports);
	if (!ports)
		return LBNL_DROP_TRUNCATED;
	pkt->sport = ports[0];
	pkt->dport = ports[1];
	return 0;
}

static u8 lbnl_next_state(u8 state, const struct lbnl_pkt *pkt, bool reply)
{
	if (!pkt->pp->next_state)
		return state;
	return INDIRECT_CALL_2(pkt->pp->next_state, lbnl_tcp_next_state,
			       lbnl_sctp_next_state, state, pkt, reply);
}

/*
 * A packet of @c's flow went through (@reply: from the dest). One that is
 * not the flow's first, and says the other side answered (see
 * &lbnl_proto.confirms), confirms an unconfirmed entry (see conn.c).
 */
static void lbnl_conn_touch(struct lbnl_net *ln, struct lbnl_conn *c,
			    const struct lbnl_pkt *pkt, unsigned int len,
			    bool reply)
{
	u8 state = READ_ONCE(c->state), next;

	if (unlikely(READ_ONCE(c->flags) & LBNL_CONN_F_UNCONFIRMED) &&
	    (reply || READ_ONCE(c->packets)) &&
	    INDIRECT_CALL_3(pkt->pp->confirms, lbnl_tcp_confirms,
			    lbnl_udp_confirms, lbnl_sctp_confirms, pkt, reply))
		lbnl_conn_confirm(ln, c);

	next = lbnl_next_state(state, pkt, reply);
	if (next != state)
		WRITE_ONCE(c->state, next);
	if (READ_ONCE(c->last_seen) != (u32)jiffies)
		WRITE_ONCE(c->last_seen, (u32)jiffies);
	if (!reply) {
		/* Per-entry counters: one flow is one CPU's at a time. */
		WRITE_ONCE(c->packets, c->packets + 1);
		WRITE_ONCE(c->bytes, c->bytes + len);
	}
}

/* The entry of a packet from the peer, if it has one. */
static struct lbnl_conn *lbnl_find_in(struct lbnl_net *ln,
				      struct lbnl_vip *vip,
				      const struct lbnl_pkt *pkt)
{
	return INDIRECT_CALL_2(pkt->pp->find_in, lbnl_find_in_addr,
			       lbnl_sctp_find_in, ln, vip, pkt);
}

static enum lbnl_new_kind lbnl_new_kind(const struct lbnl_pkt *pkt)
{
	return INDIRECT_CALL_3(pkt->pp->new_kind, lbnl_tcp_new_kind,
			       lbnl_udp_new_kind, lbnl_sctp_new_kind, pkt);
}

/* Does this packet start a new flow on a finished flow's entry? */
static bool lbnl_conn_reused(const struct lbnl_conn *c,
			     const struct lbnl_pkt *pkt)
{
	return pkt->pp->reused &&
	       INDIRECT_CALL_1(pkt->pp->reused, lbnl_tcp_reused, c, pkt);
}

/*
 * The dest of a packet from the peer, creating the flow's entry if it has
 * none; *@found is the entry (none for stateless forwarding).
 * Return: the dest, or %NULL with *@drop set.
 */
static struct lbnl_dest *lbnl_schedule(struct lbnl_net *ln,
				       struct lbnl_vip *vip,
				       const struct lbnl_pkt *pkt,
				       unsigned int len, int *drop,
				       struct lbnl_conn **found)
{
	enum lbnl_new_kind kind;
	bool fresh, stateless;
	struct lbnl_dest *dest;
	struct lbnl_conn *c;

	c = lbnl_find_in(ln, vip, pkt);
	if (c) {
		dest = c->dest;
		if (READ_ONCE(dest->dead)) {
			if (!READ_ONCE(ln->settings.expire_nodest_conn)) {
				*drop = LBNL_DROP_DEST_GONE;
				return NULL;
			}
			lbnl_conn_unlink(ln, vip, c);
		} else if (lbnl_conn_reused(c, pkt) ||
			   lbnl_conn_expired(c, (u32)jiffies)) {
			/* A new flow on a finished or timed-out one's key. */
			lbnl_conn_unlink(ln, vip, c);
		} else {
			lbnl_conn_touch(ln, c, pkt, len, false);
			*found = c;
			return dest;
		}
	}

	kind = lbnl_new_kind(pkt);
	/* A bypassed VIP, or flows opened while it was (see bypass.c). */
	dest = lbnl_bypass_dest(vip, kind == LBNL_NEW_PICKUP, &stateless);
	if (stateless)
		return dest;
	/* What the packet names itself beats the bypass's pin (tag.c). */
	if (kind != LBNL_NEW_FLOW && pkt->pp->route) {
		struct lbnl_dest *named = pkt->pp->route(ln, vip, pkt);

		if (named)
			dest = named;
	}
	if (!dest)
		dest = lbnl_sched_pick(vip, pkt, kind == LBNL_NEW_FLOW);
	if (!dest || READ_ONCE(dest->dead)) {
		*drop = LBNL_DROP_NO_DEST;
		return NULL;
	}
	if (kind == LBNL_NEW_STATELESS)
		return dest;

	c = lbnl_conn_create(ln, vip, pkt, dest,
			     kind == LBNL_NEW_PICKUP ? pkt->pp->state_pickup :
						       pkt->pp->state_new,
			     kind == LBNL_NEW_PICKUP ? LBNL_CONN_F_PICKED_UP : 0,
			     drop, &fresh);
	if (!c)
		return NULL;
	if (!fresh) {
		/*
		 * Another CPU created it first, or (SCTP) the peer's address
		 * and port have an entry with another tag: follow that one.
		 */
		dest = c->dest;
	} else if (pkt->pp->conn_new) {
		pkt->pp->conn_new(ln, vip, c, pkt, kind);
	}
	lbnl_conn_touch(ln, c, pkt, len, false);
	*found = c;
	return dest;
}

static unsigned int lbnl_drop(struct lbnl_net *ln, int reason)
{
	lbnl_stats_drop(ln, reason);
	return NF_DROP;
}

static unsigned int lbnl_in(struct lbnl_net *ln, struct net *net,
			    struct lbnl_vip *vip, struct sk_buff *skb,
			    struct lbnl_pkt *pkt)
{
	unsigned int len = skb->len;
	const struct lbnl_fwd *fwd;
	struct lbnl_conn *c = NULL;
	struct lbnl_dest *dest;
	int reason;

	reason = lbnl_parse_l4(skb, pkt);
	if (reason)
		return lbnl_drop(ln, reason);

	dest = lbnl_schedule(ln, vip, pkt, len, &reason, &c);
	if (!dest)
		return lbnl_drop(ln, reason);
	lbnl_stats_in(ln, vip, dest, len);

	/* A migrating association: keep a copy, before any rewrite. */
	if (c && READ_ONCE(c->flags) & LBNL_CONN_F_SCTP &&
	    unlikely(rcu_access_pointer(lbnl_sctp_conn(c)->mig))) {
		reason = lbnl_migrate_copy(ln, c, skb, pkt);
		if (reason)
			lbnl_stats_drop(ln, reason);
	}

	fwd = lbnl_fwd_get(READ_ONCE(vip->mode));
	reason = INDIRECT_CALL_2(fwd->xmit, lbnl_nat_xmit, lbnl_tun_xmit,
				 net, skb, pkt, dest);
	if (reason)
		return lbnl_drop(ln, reason);
	return fwd->verdict;
}

/* A reply from a dest of a nat VIP? Then give it the VIP's address back. */
static unsigned int lbnl_out(struct lbnl_net *ln, struct sk_buff *skb,
			     struct lbnl_pkt *pkt)
{
	const struct lbnl_fwd *fwd;
	unsigned int len = skb->len;
	struct lbnl_dest *dest;
	struct lbnl_conn *c;
	struct lbnl_vip *vip;
	int reason;

	dest = lbnl_dest_for_reply(ln, &pkt->saddr, pkt->family, pkt->proto,
				   pkt->sport, &pkt->daddr, pkt->dport, &c);
	if (!dest)
		return NF_ACCEPT;
	/* A dest's address is only a claim: see reply_check.c. */
	if (!lbnl_reply_path_ok(ln, skb, pkt))
		return lbnl_drop(ln, LBNL_DROP_SPOOFED_REPLY);
	vip = dest->vip;

	reason = lbnl_parse_l4(skb, pkt);
	if (reason)
		return lbnl_drop(ln, reason);
	/* Not this entry's (another tag): translated, but changes nothing. */
	if (c && pkt->pp->reply_matches &&
	    !INDIRECT_CALL_1(pkt->pp->reply_matches, lbnl_sctp_reply_matches,
			     c, pkt))
		c = NULL;
	if (c) {
		lbnl_conn_touch(ln, c, pkt, len, true);
		if (pkt->pp->reply)
			pkt->pp->reply(ln, vip, c, pkt);
	}
	/*
	 * lbnl_dest_for_reply() found only dests of &lbnl_fwd.nat modes,
	 * but a VIP_SET may have changed the mode since.
	 */
	fwd = lbnl_fwd_get(READ_ONCE(vip->mode));
	if (unlikely(!fwd->out))
		return NF_ACCEPT;
	reason = INDIRECT_CALL_1(fwd->out, lbnl_nat_out, skb, pkt, vip);
	if (reason)
		return lbnl_drop(ln, reason);
	lbnl_stats_out(ln, vip, dest, len);
	return NF_ACCEPT;
}

/*
 * A fragment not for a VIP: one from a nat dest's address is reassembled
 * (defrag.c), then translated as a whole like any reply.
 */
static unsigned int lbnl_out_fragment(struct lbnl_net *ln,
				      const struct nf_hook_state *state,
				      struct sk_buff *skb, struct lbnl_pkt *pkt)
{
	int err;

	if (!lbnl_dest_addr_nat(ln, &pkt->saddr, pkt->family))
		return NF_ACCEPT;
	/* Only the dest's own fragments take reassembly memory. */
	if (!lbnl_reply_path_ok(ln, skb, pkt))
		return lbnl_drop(ln, LBNL_DROP_SPOOFED_REPLY);
	err = lbnl_defrag(state->net, skb, pkt->family);
	if (err == -EINPROGRESS)
		return NF_STOLEN;
	if (err)
		return lbnl_drop(ln, LBNL_DROP_REASM);

	err = lbnl_parse_l3(skb, state->pf, pkt);
	if (err == 1)
		return NF_ACCEPT;
	if (err)
		return lbnl_drop(ln, err);
	if (pkt->fragment)	/* an IPv6 atomic fragment */
		return lbnl_drop(ln, LBNL_DROP_REASM);
	if (lbnl_peek_ports(skb, pkt))
		return lbnl_drop(ln, LBNL_DROP_TRUNCATED);
	return lbnl_out(ln, skb, pkt);
}

static unsigned int lbnl_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct lbnl_net *ln = lbnl_pernet(state->net);
	struct lbnl_vip *vip;
	struct lbnl_pkt pkt;
	int reason;

	reason = lbnl_parse_l3(skb, state->pf, &pkt);
	if (reason == 1)	/* not a balanced protocol: ICMP errors? */
		return lbnl_icmp(ln, state->net, skb, &pkt);
	if (reason) {
		/* Unparsable extension headers: ours if sent to a VIP. */
		if (lbnl_vip_addr_known(ln, &pkt.daddr, pkt.family, 0))
			return lbnl_drop(ln, reason);
		return NF_ACCEPT;
	}

	if (pkt.fragment) {
		if (lbnl_vip_addr_known(ln, &pkt.daddr, pkt.family, pkt.proto))
			return lbnl_drop(ln, LBNL_DROP_FRAGMENT);
		return lbnl_out_fragment(ln, state, skb, &pkt);
	}
	if (lbnl_peek_ports(skb, &pkt)) {
		if (lbnl_vip_addr_known(ln, &pkt.daddr, pkt.family, pkt.proto))
			return lbnl_drop(ln, LBNL_DROP_TRUNCATED);
		return NF_ACCEPT;
	}

	vip = lbnl_vip_lookup(ln, &pkt.daddr, pkt.family, pkt.proto,
			      pkt.dport);
	if (vip)
		return lbnl_in(ln, state->net, vip, skb, &pkt);
	return lbnl_out(ln, skb, &pkt);
}

static const struct nf_hook_ops lbnl_hook_ops[] = {
	{
		.hook = lbnl_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_RAW_BEFORE_DEFRAG,
	},
	{
		.hook = lbnl_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_RAW_BEFORE_DEFRAG,
	},
};

/**
 * lbnl_hooks_get() - a VIP appeared: make sure the hooks are in place
 * @ln: the namespace's state, locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_hooks_get(struct lbnl_net *ln)
{
	int err;

	lockdep_assert_held(&ln->lock);
	if (ln->hooks_registered)
		return 0;
	err = nf_register_net_hooks(ln->net, lbnl_hook_ops,
				    ARRAY_SIZE(lbnl_hook_ops));
	if (err)
		return err;
	ln->hooks_registered = true;
	lbnl_conn_kick_gc(ln);
	return 0;
}

/**
 * lbnl_hooks_put() - a VIP went away: drop the hooks with the last one
 * @ln: the namespace's state, locked
 */
void lbnl_hooks_put(struct lbnl_net *ln)
{
	lockdep_assert_held(&ln->lock);
	if (ln->vip_count || !ln->hooks_registered)
		return;
	nf_unregister_net_hooks(ln->net, lbnl_hook_ops,
				ARRAY_SIZE(lbnl_hook_ops));
	ln->hooks_registered = false;
}
