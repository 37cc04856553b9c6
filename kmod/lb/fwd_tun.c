// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - forwarding mode tun: the packet is wrapped, untouched, in an IPv4
 * (IPIP) or IPv6 (ip6ip6) header from this host to the dest, and sent by the
 * module itself. The dests own the VIP on a local device and reply to the
 * peer directly (DSR), which is also what lets a router send them a VIP's
 * traffic itself (bypass, see bypass.c).
 *
 * The LB forwards the packet as a router would: the inner TTL / hop limit
 * loses one (the outer header gets the result), so that a routing loop
 * through the LB ends; a packet that arrives with 1 or less is not
 * forwarded but answered with ICMP "time exceeded" (as IPVS does for its
 * tunnels, decrement_ttl() in ip_vs_xmit.c).
 *
 * A packet that would not fit the path to the dest once wrapped gets
 * "fragmentation needed" / "packet too big" back to the peer, with the MTU
 * it must use. IPv4 packets without DF are wrapped anyway (the outer packet
 * may then be fragmented, as the IPv4 tunnel drivers do).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/dst.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "lb.h"

/* Would @skb, grown by @overhead, fit @mtu? GSO packets: each segment. */
static bool lbnl_fits(const struct sk_buff *skb, unsigned int overhead,
		      unsigned int mtu)
{
	if (skb_is_gso(skb))
		return skb_gso_validate_network_len(skb, mtu - overhead);
	return skb->len + overhead <= mtu;
}

/*
 * ICMP @type/@code (@info) back to the source of @skb, which the caller then
 * drops. icmp_send() wants a route on the packet: the one to the dest, @rt,
 * will do (the skb takes our reference and frees it with the packet). The
 * packet may already hold a dst of its own even at PRE_ROUTING: one that
 * came in over loopback keeps the route it was sent with (loopback_xmit()),
 * one decapsulated by a collect_md tunnel carries a metadata dst. Setting
 * ours over it would leak that reference: drop it first, as ip_vs_xmit.c
 * does before every skb_dst_set().
 */
static void lbnl_tun_icmp4(struct sk_buff *skb, struct rtable *rt, int type,
			   int code, __be32 info)
{
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	icmp_send(skb, type, code, info);
}

static int lbnl_tun_xmit4(struct net *net, struct sk_buff *skb,
			  const struct lbnl_dest *dest)
{
	const struct iphdr *inner = ip_hdr(skb);
	unsigned int overhead = sizeof(struct iphdr);
	struct flowi4 fl4 = {
		.daddr = dest->addr.ip,
		.flowi4_proto = IPPROTO_IPIP,
		.flowi4_tos = RT_TOS(inner->tos),
		.flowi4_mark = skb->mark,
	};
	bool df = inner->frag_off & htons(IP_DF);
	unsigned int mtu;
	struct iphdr *iph;
	struct rtable *rt;
	u8 tos, ttl;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return LBNL_DROP_NO_ROUTE;
	if (rt->rt_type != RTN_UNICAST) {
		ip_rt_put(rt);
		return LBNL_DROP_NO_ROUTE;
	}

	/* A router checks the TTL first (ip_forward()): the ICMP quotes it. */
	if (inner->ttl <= 1) {
		lbnl_tun_icmp4(skb, rt, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
		return LBNL_DROP_TTL_EXCEEDED;
	}

	mtu = dst_mtu(&rt->dst);
	if (df && !lbnl_fits(skb, overhead, mtu)) {
		lbnl_tun_icmp4(skb, rt, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			       htonl(mtu - overhead));
		return LBNL_DROP_TOO_BIG;
	}

	/* The inner header is written (TTL): not in a clone's shared data. */
	if (skb_ensure_writable(skb, sizeof(struct iphdr)) ||
	    skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) + overhead) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4)) {
		ip_rt_put(rt);
		return LBNL_DROP_NOMEM;
	}
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);

	/* ip_decrease_ttl() fixes the header checksum; the outer gets the TTL. */
	ttl = ip_decrease_ttl(ip_hdr(skb));
	inner = ip_hdr(skb);
	tos = inner->tos;
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	skb_push(skb, overhead);
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = overhead / 4;
	iph->tos = tos;
	iph->frag_off = df ? htons(IP_DF) : 0;
	iph->ttl = ttl;
	iph->protocol = IPPROTO_IPIP;
	iph->saddr = fl4.saddr;
	iph->daddr = dest->addr.ip;
	iph->tot_len = htons(skb->len);
	ip_select_ident(net, skb, NULL);

	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	skb->protocol = htons(ETH_P_IP);
	lbnl_untrack(skb);
	/* The tunnel may fragment a packet without DF. */
	skb->ignore_df = !df;
	ip_local_out(net, NULL, skb);
	return 0;
}

static int lbnl_tun_xmit6(struct net *net, struct sk_buff *skb,
			  const struct lbnl_dest *dest)
{
	unsigned int overhead = sizeof(struct ipv6hdr);
	struct flowi6 fl6 = {
		.daddr = dest->addr.in6,
		.flowi6_proto = IPPROTO_IPV6,
		.flowi6_mark = skb->mark,
	};
	const struct ipv6hdr *inner = ipv6_hdr(skb);
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	unsigned int mtu;
	__be32 flowinfo;
	u8 hop_limit;

	if (ip6_dst_lookup(net, NULL, &dst, &fl6))
		return LBNL_DROP_NO_ROUTE;

	/* As ip6_forward(): the hop limit first, the ICMP quotes it. */
	if (inner->hop_limit <= 1) {
		icmpv6_send(skb, ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0);
		dst_release(dst);
		return LBNL_DROP_TTL_EXCEEDED;
	}

	mtu = dst_mtu(dst);
	if (!lbnl_fits(skb, overhead, mtu)) {
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0,
			    max_t(unsigned int, mtu - overhead, IPV6_MIN_MTU));
		dst_release(dst);
		return LBNL_DROP_TOO_BIG;
	}

	/* The inner header is written (hop limit): not in a clone's data. */
	if (skb_ensure_writable(skb, sizeof(struct ipv6hdr)) ||
	    skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + overhead) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP6)) {
		dst_release(dst);
		return LBNL_DROP_NOMEM;
	}
	skb_set_inner_ipproto(skb, IPPROTO_IPV6);

	/* The outer header gets the hop limit left. */
	hop_limit = --ipv6_hdr(skb)->hop_limit;
	inner = ipv6_hdr(skb);
	flowinfo = ip6_flowinfo(inner);
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	skb_push(skb, overhead);
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, ip6_tclass(flowinfo),
		     ip6_make_flowlabel(net, skb, 0, true, &fl6));
	ip6h->nexthdr = IPPROTO_IPV6;
	ip6h->hop_limit = hop_limit;
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = dest->addr.in6;

	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	skb->protocol = htons(ETH_P_IPV6);
	lbnl_untrack(skb);
	ip6_local_out(net, NULL, skb);
	return 0;
}

/**
 * lbnl_tun_xmit() - wrap a packet of a VIP and send it to its dest
 * @net: the namespace
 * @skb: the packet, network header at skb->data; consumed on success
 * @pkt: the parsed packet
 * @dest: the dest
 *
 * Return: 0 (sent: the hook steals the packet), or the LBNL_DROP_* reason
 * to drop it.
 */
int lbnl_tun_xmit(struct net *net, struct sk_buff *skb,
		  const struct lbnl_pkt *pkt, const struct lbnl_dest *dest)
{
	/* Decapsulated, the inner packet's L4 header is where we found it. */
	skb_set_transport_header(skb, pkt->l4off);
	if (pkt->family == AF_INET)
		return lbnl_tun_xmit4(net, skb, dest);
	return lbnl_tun_xmit6(net, skb, dest);
}

const struct lbnl_fwd lbnl_fwd_tun = {
	.name = "tun",
	.mode = LBNL_FWD_TUN,
	.bypass = true,
	.verdict = NF_STOLEN,
	.xmit = lbnl_tun_xmit,
	/* The dest owns the VIP: an error to it goes as any of its packets. */
	.icmp_xmit = lbnl_tun_xmit,
};
