// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - forwarding mode nat: a packet to a VIP gets the dest's address and
 * port (DNAT) and goes back to the stack, which routes, decrements the TTL
 * and answers "frag needed" exactly as for any forwarded packet; a dest's
 * reply gets the VIP's address and port back (SNAT), so the dests must
 * route their replies through the LB. ICMP errors about these flows are
 * translated both ways, and a reply too big for the way to the peer is
 * answered to the dest (icmp.c); a dest's fragments are reassembled first
 * (defrag.c).
 *
 * Each protocol rewrites its own packets (&lbnl_proto.nat, as IPVS's
 * *_dnat_handler and *_snat_handler): TCP and UDP checksums are updated
 * incrementally (correct for CHECKSUM_PARTIAL and CHECKSUM_COMPLETE
 * packets); the SCTP CRC32c does not cover addresses, so it is recomputed
 * only when a port changes (after checking it: a bad one is dropped, never
 * made valid), and left to the output path for CHECKSUM_PARTIAL (SCTP CRC
 * offload and GSO) packets.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "lb.h"

/**
 * lbnl_nat_mangle() - rewrite one address and one port of a packet
 * @skb: the packet, writable up to the L4 checksum field
 * @pkt: the parsed packet
 * @src: the source address and port, else the destination's
 * @addr: the new address
 * @port: the new port
 * @check: the L4 checksum covering a pseudo-header (fixed incrementally),
 *	or %NULL
 *
 * The IPv4 header checksum is fixed too; the protocol's &lbnl_proto.nat
 * makes the packet writable first and fixes what else its checksum needs.
 * Ports are the first 4 bytes of TCP, UDP and SCTP headers alike.
 */
void lbnl_nat_mangle(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		     bool src, const union nf_inet_addr *addr, __be16 port,
		     __sum16 *check)
{
	__be16 *pp, oldport;

	pp = (__be16 *)(skb_network_header(skb) + pkt->l4off) + (src ? 0 : 1);
	oldport = *pp;

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
	}
}

/* Return: 0, or the LBNL_DROP_* reason to drop the packet. */
static int lbnl_rewrite(struct sk_buff *skb, const struct lbnl_pkt *pkt,
			bool src, const union nf_inet_addr *addr, __be16 port)
{
	int err;

	err = INDIRECT_CALL_3(pkt->pp->nat, lbnl_tcp_nat, lbnl_udp_nat,
			      lbnl_sctp_nat, skb, pkt, src, addr, port);
	if (err == -EBADMSG)
		return LBNL_DROP_BAD_CHECKSUM;
	if (err)
		return LBNL_DROP_NOMEM;
	lbnl_untrack(skb);
	return 0;
}

/**
 * lbnl_nat_xmit() - DNAT a packet of a VIP to its dest
 * @net: the namespace
 * @skb: the packet, network header at skb->data
 * @pkt: the parsed packet
 * @dest: the dest
 *
 * The stack forwards it (&lbnl_fwd.verdict is NF_ACCEPT).
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_nat_xmit(struct net *net, struct sk_buff *skb,
		  const struct lbnl_pkt *pkt, const struct lbnl_dest *dest)
{
	return lbnl_rewrite(skb, pkt, false, &dest->addr, dest->port);
}

/**
 * lbnl_nat_out() - SNAT a dest's reply back to the VIP
 * @skb: the packet, network header at skb->data
 * @pkt: the parsed packet
 * @vip: the VIP the dest serves
 *
 * A reply too big for the way to the peer is answered "fragmentation
 * needed" here, to the dest, quoting what it sent (see icmp.c).
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_nat_out(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		 const struct lbnl_vip *vip)
{
	unsigned int mtu;
	int reason;

	reason = lbnl_rewrite(skb, pkt, true, &vip->addr, vip->port);
	if (reason)
		return reason;
	mtu = lbnl_reply_too_big(skb, pkt);
	if (likely(!mtu))
		return 0;
	/* Undone, so that the error quotes the dest's own packet. */
	reason = lbnl_rewrite(skb, pkt, true, &pkt->saddr, pkt->sport);
	if (reason)
		return reason;
	lbnl_reply_too_big_send(skb, pkt, mtu);
	return LBNL_DROP_TOO_BIG;
}

/**
 * lbnl_nat_icmp_xmit() - an ICMP error to the VIP goes to the flow's dest
 * @net: the namespace
 * @skb: the error, network header at skb->data
 * @pkt: the parsed error (see icmp.c)
 * @dest: the flow's dest
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_nat_icmp_xmit(struct net *net, struct sk_buff *skb,
		       const struct lbnl_pkt *pkt, const struct lbnl_dest *dest)
{
	return lbnl_icmp_nat(skb, pkt, true, &dest->addr, dest->port);
}

/**
 * lbnl_nat_icmp_out() - an ICMP error from a dest's side comes from the VIP
 * @skb: the error, network header at skb->data
 * @pkt: the parsed error (see icmp.c)
 * @vip: the VIP of the quoted packet's dest
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_nat_icmp_out(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		      const struct lbnl_vip *vip)
{
	return lbnl_icmp_nat(skb, pkt, false, &vip->addr, vip->port);
}

const struct lbnl_fwd lbnl_fwd_nat = {
	.name = "nat",
	.mode = LBNL_FWD_NAT,
	.nat = true,
	.verdict = NF_ACCEPT,
	.xmit = lbnl_nat_xmit,
	.out = lbnl_nat_out,
	.icmp_xmit = lbnl_nat_icmp_xmit,
	.icmp_out = lbnl_nat_icmp_out,
};
