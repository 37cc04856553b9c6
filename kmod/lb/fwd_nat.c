// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - forwarding mode nat: a packet to a VIP gets the dest's address and
 * port (DNAT) and goes back to the stack, which routes, decrements the TTL
 * and answers "frag needed" exactly as for any forwarded packet; a dest's
 * reply gets the VIP's address and port back (SNAT), so the dests must
 * route their replies through the LB.
 *
 * TCP and UDP checksums are updated incrementally (correct for
 * CHECKSUM_PARTIAL and CHECKSUM_COMPLETE packets); the SCTP CRC32c does not
 * cover addresses, so it is recomputed only when a port changes, and left to
 * the output path for CHECKSUM_PARTIAL (SCTP CRC offload and GSO) packets.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/sctp.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sctp/checksum.h>

#include "lb.h"

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
	if (lbnl_rewrite(skb, pkt, false, &dest->addr, dest->port))
		return LBNL_DROP_NOMEM;
	return 0;
}

/**
 * lbnl_nat_out() - SNAT a dest's reply back to the VIP
 * @skb: the packet, network header at skb->data
 * @pkt: the parsed packet
 * @vip: the VIP the dest serves
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_nat_out(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		 const struct lbnl_vip *vip)
{
	if (lbnl_rewrite(skb, pkt, true, &vip->addr, vip->port))
		return LBNL_DROP_NOMEM;
	return 0;
}

const struct lbnl_fwd lbnl_fwd_nat = {
	.name = "nat",
	.mode = LBNL_FWD_NAT,
	.nat = true,
	.verdict = NF_ACCEPT,
	.xmit = lbnl_nat_xmit,
	.out = lbnl_nat_out,
};
