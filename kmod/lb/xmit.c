// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - forwarding: NAT rewrites and IPIP / ip6ip6 tunnelling.
 *
 * nat: a packet to a VIP gets the dest's address and port (DNAT) and goes
 * back to the stack, which routes, decrements the TTL and answers "frag
 * needed" exactly as for any forwarded packet; a dest's reply gets the VIP's
 * address and port back (SNAT). TCP and UDP checksums are updated
 * incrementally (correct for CHECKSUM_PARTIAL and CHECKSUM_COMPLETE
 * packets); the SCTP CRC32c does not cover addresses, so it is recomputed
 * only when a port changes, and left to the output path for CHECKSUM_PARTIAL
 * (SCTP CRC offload and GSO) packets.
 *
 * tun: the packet is wrapped, untouched, in an IPv4 (IPIP) or IPv6 (ip6ip6)
 * header from this host to the dest, and sent by the module itself. A packet
 * that would not fit the path to the dest once wrapped gets "fragmentation
 * needed" / "packet too big" back to the peer, with the MTU it must use.
 * IPv4 packets without DF are wrapped anyway (the outer packet may then be
 * fragmented, as the IPv4 tunnel drivers do).
 *
 * Packets the module forwards are marked untracked: conntrack does not need
 * to know them (the module tracks them) and would otherwise see each rewritten
 * flow as a new one.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/sctp.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/dst.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/sctp/checksum.h>

#include "lb.h"

static void lbnl_untrack(struct sk_buff *skb)
{
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
}

/* Where the L4 checksum field is, and how far the packet must be writable. */
static unsigned int lbnl_l4_writable(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	}
	return sizeof(struct sctphdr);
}

/*
 * Rewrite one address and one port of a packet, both the source (@src) or
 * both the destination, fixing the IP and L4 checksums.
 */
static int lbnl_rewrite(struct sk_buff *skb, const struct lbnl_pkt *pkt,
			bool src, const union nf_inet_addr *addr, __be16 port)
{
	unsigned int off = pkt->l4off;
	__be16 *pp, oldport;
	__sum16 *check = NULL;
	bool mangled_0 = false;
	int err;

	err = skb_ensure_writable(skb, off + lbnl_l4_writable(pkt->proto));
	if (err)
		return err;

	/* Ports are the first 4 bytes of TCP, UDP and SCTP headers alike. */
	pp = (__be16 *)(skb_network_header(skb) + off) + (src ? 0 : 1);
	oldport = *pp;

	switch (pkt->proto) {
	case IPPROTO_TCP:
		check = &((struct tcphdr *)(skb_network_header(skb) + off))->check;
		break;
	case IPPROTO_UDP:
		check = &((struct udphdr *)(skb_network_header(skb) + off))->check;
		/* IPv4 UDP without a checksum stays without one. */
		if (pkt->family == AF_INET && !*check &&
		    skb->ip_summed != CHECKSUM_PARTIAL)
			check = NULL;
		mangled_0 = true;
		break;
	}

	if (pkt->family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);
		__be32 *a = src ? &iph->saddr : &iph->daddr;

		if (check)
			inet_proto_csum_replace4(check, skb, *a, addr->ip,
						 true);
		csum_replace4(&iph->check, *a, addr->ip);
		*a = addr->ip;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct in6_addr *a = src ? &ip6h->saddr : &ip6h->daddr;

		if (check)
			inet_proto_csum_replace16(check, skb, a->s6_addr32,
						  addr->in6.s6_addr32, true);
		*a = addr->in6;
	}

	if (oldport != port) {
		*pp = port;
		if (check)
			inet_proto_csum_replace2(check, skb, oldport, port,
						 false);
		if (pkt->proto == IPPROTO_SCTP &&
		    skb->ip_summed != CHECKSUM_PARTIAL) {
			unsigned int l4 = skb_network_offset(skb) + off;
			struct sctphdr *sh = (struct sctphdr *)(skb->data + l4);

			sh->checksum = sctp_compute_cksum(skb, l4);
			skb->ip_summed = CHECKSUM_NONE;
		}
	}
	if (check && mangled_0 && !*check)
		*check = CSUM_MANGLED_0;

	lbnl_untrack(skb);
	return 0;
}

/**
 * lbnl_nat_in() - DNAT a packet of a VIP to its dest
 * @skb: the packet, network header at skb->data
 * @pkt: the parsed packet
 * @dest: the dest
 *
 * Return: 0, or a negative errno (drop the packet).
 */
int lbnl_nat_in(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		const struct lbnl_dest *dest)
{
	return lbnl_rewrite(skb, pkt, false, &dest->addr, dest->port);
}

/**
 * lbnl_nat_out() - SNAT a dest's reply back to the VIP
 * @skb: the packet, network header at skb->data
 * @pkt: the parsed packet
 * @vip: the VIP the dest serves
 *
 * Return: 0, or a negative errno (drop the packet).
 */
int lbnl_nat_out(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		 const struct lbnl_vip *vip)
{
	return lbnl_rewrite(skb, pkt, true, &vip->addr, vip->port);
}

/* Would @skb, grown by @overhead, fit @mtu? GSO packets: each segment. */
static bool lbnl_fits(const struct sk_buff *skb, unsigned int overhead,
		      unsigned int mtu)
{
	if (skb_is_gso(skb))
		return skb_gso_validate_network_len(skb, mtu - overhead);
	return skb->len + overhead <= mtu;
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

	mtu = dst_mtu(&rt->dst);
	if (df && !lbnl_fits(skb, overhead, mtu)) {
		/* icmp_send() wants a route on the packet: ours will do. */
		skb_dst_set(skb, &rt->dst);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			  htonl(mtu - overhead));
		return LBNL_DROP_TOO_BIG;
	}

	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) + overhead) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4)) {
		ip_rt_put(rt);
		return LBNL_DROP_NOMEM;
	}
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);

	inner = ip_hdr(skb);
	tos = inner->tos;
	ttl = inner->ttl;
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

	mtu = dst_mtu(dst);
	if (!lbnl_fits(skb, overhead, mtu)) {
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0,
			    max_t(unsigned int, mtu - overhead, IPV6_MIN_MTU));
		dst_release(dst);
		return LBNL_DROP_TOO_BIG;
	}

	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + overhead) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP6)) {
		dst_release(dst);
		return LBNL_DROP_NOMEM;
	}
	skb_set_inner_ipproto(skb, IPPROTO_IPV6);

	inner = ipv6_hdr(skb);
	flowinfo = ip6_flowinfo(inner);
	hop_limit = inner->hop_limit;
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
