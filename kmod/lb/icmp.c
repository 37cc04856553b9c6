// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - ICMP errors about the flows of VIPs, both ways, and "fragmentation
 * needed" for nat replies (as IPVS's ip_vs_in_icmp(), ip_vs_out_icmp() and
 * ip_vs_nat_icmp()).
 *
 * An ICMP error quotes the packet it is about, and that packet names a
 * flow; the error goes where the flow goes:
 *
 *  - To a VIP, quoting one of the VIP's packets to a peer (a router on the
 *    peer's side says "fragmentation needed", "unreachable", "time
 *    exceeded"): to the flow's dest, found by the flow's entry. nat
 *    rewrites the outer destination and the quoted source (address and
 *    port) to the dest's; tun wraps the error as any packet of the VIP (the
 *    dest owns the VIP). An error about a flow without an entry is dropped
 *    and counted (icmp_no_conn): the LB cannot tell which dest sent the
 *    quoted packet, and an error to a VIP is never its own business.
 *  - From a nat dest's side, quoting a packet of a peer the dest got (the
 *    dest's "port unreachable", a router's "fragmentation needed" between
 *    the LB and the dest): to the peer, the outer source and the quoted
 *    destination rewritten to the VIP's. Its source must pass reply_check
 *    (reply_check.c) like any reply.
 *
 * ICMP errors change no entry. The ICMP checksum is checked first (a bad
 * one is dropped, bad_checksum, never made good) and computed again; the
 * quoted IPv4 header checksum is fixed incrementally. The quoted TCP/UDP
 * checksum is left as it was: a quote is usually truncated, no stack checks
 * it, and IPVS does not fix it either.
 *
 * A nat reply too big for the LB's own way to the peer is the other half of
 * path MTU discovery: the stack would answer "fragmentation needed" only
 * after routing, to the translated source, the VIP, which is not the LB's
 * to answer for. So the LB routes the translated reply itself (the stack
 * keeps that route and does not look it up again) and, when it does not
 * fit, answers the dest with the untranslated packet quoted (too_big).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/netfilter_ipv6.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "lb.h"

/* Is this ICMP(v6) type an error quoting a packet? */
static bool lbnl_icmp_is_error(u8 family, u8 type)
{
	if (family == AF_INET6)
		return type == ICMPV6_DEST_UNREACH || type == ICMPV6_PKT_TOOBIG ||
		       type == ICMPV6_TIME_EXCEED || type == ICMPV6_PARAMPROB;
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/*
 * Parse the packet quoted by the ICMP error at @pkt->l4off into @q: its
 * addresses, protocol and ports; @pkt->inner_off and @pkt->inner_l4off get
 * where its headers are. Return: 0, or -EINVAL when it quotes no ports.
 */
static int lbnl_icmp_parse_quote(const struct sk_buff *skb,
				 struct lbnl_pkt *pkt, struct lbnl_pkt *q)
{
	unsigned int off = pkt->l4off + sizeof(struct icmphdr);
	__be16 _ports[2];
	const __be16 *ports;

	memset(q, 0, sizeof(*q));
	q->family = pkt->family;
	if (pkt->family == AF_INET) {
		const struct iphdr *iph;
		struct iphdr _iph;

		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		if (!iph || iph->version != 4 || iph->ihl < 5 ||
		    iph->frag_off & htons(IP_OFFSET))
			return -EINVAL;
		q->proto = iph->protocol;
		q->saddr.ip = iph->saddr;
		q->daddr.ip = iph->daddr;
		q->l4off = off + iph->ihl * 4;
	} else {
		const struct ipv6hdr *ip6h;
		struct ipv6hdr _ip6h;
		__be16 frag_off;
		u8 nexthdr;
		int l4off;

		ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
		if (!ip6h || ip6h->version != 6)
			return -EINVAL;
		nexthdr = ip6h->nexthdr;
		l4off = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr,
					 &frag_off);
		if (l4off < 0 || frag_off & htons(IP6_OFFSET))
			return -EINVAL;
		q->proto = nexthdr;
		q->saddr.in6 = ip6h->saddr;
		q->daddr.in6 = ip6h->daddr;
		q->l4off = l4off;
	}
	q->pp = lbnl_proto_get(q->proto);
	if (!q->pp)
		return -EINVAL;
	ports = skb_header_pointer(skb, q->l4off, sizeof(_ports), _ports);
	if (!ports)
		return -EINVAL;
	q->sport = ports[0];
	q->dport = ports[1];
	pkt->inner_off = off;
	pkt->inner_l4off = q->l4off;
	return 0;
}

/* The ICMP checksum over the message at @pkt->l4off (0 when it is good). */
static __sum16 lbnl_icmp_csum(const struct sk_buff *skb,
			      const struct lbnl_pkt *pkt)
{
	unsigned int len = skb->len - pkt->l4off;
	__wsum csum = skb_checksum(skb, pkt->l4off, len, 0);

	if (pkt->family == AF_INET)
		return csum_fold(csum);
	return csum_ipv6_magic(&ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr,
			       len, IPPROTO_ICMPV6, csum);
}

/**
 * lbnl_icmp_nat() - rewrite an ICMP error about a nat flow
 * @skb: the error, network header at skb->data
 * @pkt: the parsed error (inner_off, inner_l4off set)
 * @to_dest: towards the dest: the outer destination and the quoted source
 *	get @addr and @port; else the outer source and the quoted destination
 * @addr: the new address
 * @port: the new port (of the quoted packet)
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_icmp_nat(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		  bool to_dest, const union nf_inet_addr *addr, __be16 port)
{
	unsigned int len;
	__be16 *pp;
	u8 *quote;

	if (skb_ensure_writable(skb, pkt->inner_l4off + 2 * sizeof(__be16)))
		return LBNL_DROP_NOMEM;
	if (lbnl_icmp_csum(skb, pkt))
		return LBNL_DROP_BAD_CHECKSUM;

	quote = skb_network_header(skb) + pkt->inner_off;
	pp = (__be16 *)(skb_network_header(skb) + pkt->inner_l4off) +
	     (to_dest ? 0 : 1);
	*pp = port;
	if (pkt->family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb), *qiph = (struct iphdr *)quote;
		__be32 *outer = to_dest ? &iph->daddr : &iph->saddr;
		__be32 *inner = to_dest ? &qiph->saddr : &qiph->daddr;

		csum_replace4(&iph->check, *outer, addr->ip);
		*outer = addr->ip;
		csum_replace4(&qiph->check, *inner, addr->ip);
		*inner = addr->ip;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct ipv6hdr *qip6h = (struct ipv6hdr *)quote;

		if (to_dest) {
			ip6h->daddr = addr->in6;
			qip6h->saddr = addr->in6;
		} else {
			ip6h->saddr = addr->in6;
			qip6h->daddr = addr->in6;
		}
	}

	/* A rare packet: the checksum is computed again, in full. */
	len = skb->len - pkt->l4off;
	if (pkt->family == AF_INET) {
		struct icmphdr *icmph = (void *)skb_network_header(skb) +
					pkt->l4off;

		icmph->checksum = 0;
		icmph->checksum = csum_fold(skb_checksum(skb, pkt->l4off, len,
							 0));
	} else {
		struct icmp6hdr *icmp6h = (void *)skb_network_header(skb) +
					  pkt->l4off;

		icmp6h->icmp6_cksum = 0;
		icmp6h->icmp6_cksum = lbnl_icmp_csum(skb, pkt);
	}
	skb->ip_summed = CHECKSUM_NONE;
	lbnl_untrack(skb);
	return 0;
}

/* An error to a VIP (@q is what it quotes: a packet of @vip to a peer). */
static unsigned int lbnl_icmp_in(struct lbnl_net *ln, struct net *net,
				 struct sk_buff *skb, struct lbnl_pkt *pkt,
				 struct lbnl_vip *vip,
				 const struct lbnl_pkt *q)
{
	const struct lbnl_fwd *fwd = lbnl_fwd_get(READ_ONCE(vip->mode));
	unsigned int len = skb->len;
	struct lbnl_dest *dest;
	struct lbnl_conn *c;
	int reason;

	c = lbnl_conn_lookup(vip, &q->daddr, q->dport);
	dest = c ? c->dest : NULL;
	if (!dest || READ_ONCE(dest->dead) || !fwd->icmp_xmit) {
		lbnl_stats_drop(ln, LBNL_DROP_ICMP_NO_CONN);
		return NF_DROP;
	}
	reason = INDIRECT_CALL_2(fwd->icmp_xmit, lbnl_nat_icmp_xmit,
				 lbnl_tun_xmit, net, skb, pkt, dest);
	if (reason) {
		lbnl_stats_drop(ln, reason);
		return NF_DROP;
	}
	lbnl_stats_in(ln, vip, dest, len);
	return fwd->verdict;
}

/*
 * An error from a nat dest's side (@q: a packet from a peer to the dest),
 * for the dest lbnl_dest_for_reply() finds, as a reply.
 */
static unsigned int lbnl_icmp_out(struct lbnl_net *ln, struct sk_buff *skb,
				  struct lbnl_pkt *pkt,
				  const struct lbnl_pkt *q)
{
	unsigned int len = skb->len;
	const struct lbnl_fwd *fwd;
	struct lbnl_dest *dest;
	struct lbnl_conn *c;
	int reason;

	dest = lbnl_dest_for_reply(ln, &q->daddr, q->family, q->proto,
				   q->dport, &q->saddr, q->sport, &c);
	if (!dest)
		return NF_ACCEPT;
	if (!lbnl_reply_path_ok(ln, skb, pkt)) {
		lbnl_stats_drop(ln, LBNL_DROP_SPOOFED_REPLY);
		return NF_DROP;
	}
	fwd = lbnl_fwd_get(READ_ONCE(dest->vip->mode));
	if (unlikely(!fwd->icmp_out))
		return NF_ACCEPT;
	reason = INDIRECT_CALL_1(fwd->icmp_out, lbnl_nat_icmp_out, skb, pkt,
				 dest->vip);
	if (reason) {
		lbnl_stats_drop(ln, reason);
		return NF_DROP;
	}
	lbnl_stats_out(ln, dest->vip, dest, len);
	return NF_ACCEPT;
}

/**
 * lbnl_icmp() - the packet path for ICMP and ICMPv6
 * @ln: the namespace's state
 * @net: the namespace
 * @skb: the packet, network header at skb->data
 * @pkt: its L3 part, parsed (pkt->pp is %NULL: not a balanced protocol)
 *
 * Return: the hook's verdict. Anything but an error about a VIP's flow is
 * none of our business (NF_ACCEPT).
 */
unsigned int lbnl_icmp(struct lbnl_net *ln, struct net *net,
		       struct sk_buff *skb, struct lbnl_pkt *pkt)
{
	u8 icmp = pkt->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	struct lbnl_vip *vip;
	struct lbnl_pkt q;
	u8 _type;
	const u8 *type;

	if (pkt->proto != icmp || pkt->fragment)
		return NF_ACCEPT;
	type = skb_header_pointer(skb, pkt->l4off, sizeof(_type), &_type);
	if (!type || !lbnl_icmp_is_error(pkt->family, *type))
		return NF_ACCEPT;
	if (lbnl_icmp_parse_quote(skb, pkt, &q)) {
		if (!lbnl_vip_addr_known(ln, &pkt->daddr, pkt->family, 0))
			return NF_ACCEPT;
		lbnl_stats_drop(ln, LBNL_DROP_ICMP_NO_CONN);
		return NF_DROP;
	}

	/* An error goes back to the quoted packet's source. */
	if (!nf_inet_addr_cmp(&pkt->daddr, &q.saddr))
		return NF_ACCEPT;
	/* To a VIP, about a packet of the VIP... */
	vip = lbnl_vip_lookup(ln, &q.saddr, q.family, q.proto, q.sport);
	if (vip)
		return lbnl_icmp_in(ln, net, skb, pkt, vip, &q);
	if (lbnl_vip_addr_known(ln, &q.saddr, q.family, 0)) {
		lbnl_stats_drop(ln, LBNL_DROP_ICMP_NO_CONN);
		return NF_DROP;
	}
	/* ... or to a peer, about one of its packets to a nat dest. */
	return lbnl_icmp_out(ln, skb, pkt, &q);
}

/* Would @skb exceed @mtu once forwarded? As ip_exceeds_mtu(). */
static bool lbnl_exceeds_mtu4(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb->len <= mtu)
		return false;
	if (!(ip_hdr(skb)->frag_off & htons(IP_DF)))
		return false;
	if (IPCB(skb)->frag_max_size > mtu)
		return true;
	if (skb->ignore_df)
		return false;
	if (skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu))
		return false;
	return true;
}

/* As ip6_pkt_too_big(). */
static bool lbnl_exceeds_mtu6(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb->len <= mtu)
		return false;
	if (IP6CB(skb)->frag_max_size && IP6CB(skb)->frag_max_size > mtu)
		return true;
	if (skb->ignore_df)
		return false;
	if (skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu))
		return false;
	return true;
}

/*
 * Route a translated IPv4 reply as ip_rcv_finish() would (the route stays
 * on the packet). Return: the MTU it exceeds, or 0.
 */
static unsigned int lbnl_reply_too_big4(struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct rtable *rt;
	unsigned int mtu;

	if (!(iph->frag_off & htons(IP_DF)) || skb_dst(skb))
		return 0;
	if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos,
				 skb->dev))
		return 0;	/* the stack fails the same way and drops it */
	rt = skb_rtable(skb);
	if (!rt || rt->rt_type != RTN_UNICAST)
		return 0;
	mtu = ip_dst_mtu_maybe_forward(&rt->dst, true);
	return lbnl_exceeds_mtu4(skb, mtu) ? mtu : 0;
}

static unsigned int lbnl_reply_too_big6(struct sk_buff *skb)
{
	const struct nf_ipv6_ops *v6ops = nf_get_ipv6_ops();
	struct dst_entry *dst;
	unsigned int mtu;

	if (skb->len <= IPV6_MIN_MTU || skb_dst(skb) || !v6ops ||
	    ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr))
		return 0;
	v6ops->route_input(skb);	/* ip6_route_input() */
	dst = skb_dst(skb);
	if (!dst || dst->error ||
	    ((struct rt6_info *)dst)->rt6i_flags & (RTF_LOCAL | RTF_ANYCAST))
		return 0;
	mtu = max_t(unsigned int, ip6_dst_mtu_maybe_forward(dst, true),
		    IPV6_MIN_MTU);
	return lbnl_exceeds_mtu6(skb, mtu) ? mtu : 0;
}

/**
 * lbnl_reply_too_big() - does a translated nat reply fit the way to its peer?
 * @skb: the reply, translated (its source is the VIP's)
 * @pkt: the reply as parsed before the translation
 *
 * The reply is routed now, as the stack would route it next. If it does not
 * fit, the caller translates it back and calls lbnl_reply_too_big_send().
 *
 * Return: 0 if it fits, else the MTU of the way.
 */
unsigned int lbnl_reply_too_big(struct sk_buff *skb, const struct lbnl_pkt *pkt)
{
	if (pkt->family == AF_INET)
		return lbnl_reply_too_big4(skb);
	return lbnl_reply_too_big6(skb);
}

/**
 * lbnl_reply_too_big_send() - answer a dest "fragmentation needed"
 * @skb: the dest's reply as it sent it (the caller drops it)
 * @pkt: the parsed reply
 * @mtu: from lbnl_reply_too_big()
 */
void lbnl_reply_too_big_send(struct sk_buff *skb, const struct lbnl_pkt *pkt,
			     unsigned int mtu)
{
	if (pkt->family == AF_INET)
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	else
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
}
