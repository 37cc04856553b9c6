// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - UDP: header checks. A UDP flow has one state; its entry lives
 * until it has been idle for timeout_udp.
 */

#include <linux/udp.h>
#include <net/checksum.h>

#include "lb.h"

/**
 * lbnl_udp_parse() - check a UDP header
 * @skb: the packet
 * @pkt: the parsed packet; @pkt->l4off is set
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_udp_parse(struct sk_buff *skb, struct lbnl_pkt *pkt)
{
	unsigned int len = skb->len - pkt->l4off;
	struct udphdr _uh;
	const struct udphdr *uh;
	unsigned int ulen;

	uh = skb_header_pointer(skb, pkt->l4off, sizeof(_uh), &_uh);
	if (!uh)
		return LBNL_DROP_TRUNCATED;
	/* The IP layer trimmed the packet to its length: UDP must match. */
	ulen = ntohs(uh->len);
	if (ulen < sizeof(_uh) || ulen > len)
		return LBNL_DROP_BAD_HEADER;
	pkt->sport = uh->source;
	pkt->dport = uh->dest;
	return 0;
}

/**
 * lbnl_udp_new_kind() - what a packet without an entry is
 * @pkt: the packet
 *
 * Return: always a flow's start: UDP has no middle to tell.
 */
enum lbnl_new_kind lbnl_udp_new_kind(const struct lbnl_pkt *pkt)
{
	return LBNL_NEW_FLOW;
}

/**
 * lbnl_udp_nat() - rewrite an address and port of a UDP packet
 * @skb: the packet
 * @pkt: the parsed packet
 * @src: the source's, else the destination's
 * @addr: the new address
 * @port: the new port
 *
 * Return: 0 or a negative errno.
 */
int lbnl_udp_nat(struct sk_buff *skb, const struct lbnl_pkt *pkt, bool src,
		 const union nf_inet_addr *addr, __be16 port)
{
	struct udphdr *uh;
	__sum16 *check;
	int err;

	err = skb_ensure_writable(skb, pkt->l4off + sizeof(*uh));
	if (err)
		return err;
	uh = (struct udphdr *)(skb_network_header(skb) + pkt->l4off);
	check = &uh->check;
	/* IPv4 UDP without a checksum stays without one. */
	if (pkt->family == AF_INET && !*check &&
	    skb->ip_summed != CHECKSUM_PARTIAL)
		check = NULL;
	lbnl_nat_mangle(skb, pkt, src, addr, port, check);
	if (check && !*check)
		*check = CSUM_MANGLED_0;
	return 0;
}

/**
 * lbnl_udp_confirms() - does a datagram confirm its flow's entry?
 * @pkt: the datagram (not the first from the peer)
 * @reply: it came from the dest
 *
 * A server answers a spoofed query as a real one: only the peer's second
 * datagram confirms (a one-shot query and its answer need no entry past
 * timeout_unconfirmed).
 *
 * Return: true if it confirms.
 */
bool lbnl_udp_confirms(const struct lbnl_pkt *pkt, bool reply)
{
	return !reply;
}

const struct lbnl_proto lbnl_proto_udp = {
	.name = "udp",
	.protocol = IPPROTO_UDP,
	.state_new = LBNL_CONN_UDP,
	.state_pickup = LBNL_CONN_UDP,
	.parse = lbnl_udp_parse,
	.new_kind = lbnl_udp_new_kind,
	.confirms = lbnl_udp_confirms,
	.find_in = lbnl_find_in_addr,
	.hash = lbnl_hash_addr,
	.nat = lbnl_udp_nat,
};
