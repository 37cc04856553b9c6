// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - UDP: header checks. A UDP flow has one state; its entry lives
 * until it has been idle for timeout_udp.
 */

#include <linux/udp.h>

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
