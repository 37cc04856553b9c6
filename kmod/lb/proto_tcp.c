// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - TCP: header checks and the connection entry's states.
 *
 * The LB sees the peer's half of a flow (and in nat mode the dest's too), so
 * the states are coarse: enough to pick a timeout, not to validate TCP.
 */

#include <linux/tcp.h>
#include <net/tcp.h>

#include "lb.h"

/**
 * lbnl_tcp_parse() - check a TCP header and note its flags
 * @skb: the packet
 * @pkt: the parsed packet; @pkt->l4off is set
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_tcp_parse(struct sk_buff *skb, struct lbnl_pkt *pkt)
{
	unsigned int len = skb->len - pkt->l4off;
	struct tcphdr _th;
	const struct tcphdr *th;

	th = skb_header_pointer(skb, pkt->l4off, sizeof(_th), &_th);
	if (!th)
		return LBNL_DROP_TRUNCATED;
	if (th->doff < sizeof(_th) / 4 || th->doff * 4 > len)
		return LBNL_DROP_BAD_HEADER;
	pkt->sport = th->source;
	pkt->dport = th->dest;
	pkt->tcp_flags = ((const u8 *)th)[13];
	return 0;
}

/**
 * lbnl_tcp_next_state() - the entry's state after a packet
 * @state: the state before
 * @pkt: the packet
 * @reply: it came from the dest
 *
 * Return: the new state.
 */
u8 lbnl_tcp_next_state(u8 state, const struct lbnl_pkt *pkt, bool reply)
{
	u8 f = pkt->tcp_flags;

	if (f & TCPHDR_RST)
		return LBNL_CONN_TCP_CLOSE;
	/*
	 * A FIN on a closing flow is taken for the other side's (a
	 * retransmitted one shortens the entry's life; a packet after its
	 * end is picked up, to the same dest, like any mid-flow packet).
	 */
	if (f & TCPHDR_FIN)
		return state >= LBNL_CONN_TCP_FIN ? LBNL_CONN_TCP_CLOSE :
						    LBNL_CONN_TCP_FIN;
	if (state == LBNL_CONN_TCP_SYN && !reply && !(f & TCPHDR_SYN) &&
	    (f & TCPHDR_ACK))
		return LBNL_CONN_TCP_ESTABLISHED;
	return state;
}

/**
 * lbnl_tcp_new_kind() - what a packet without an entry is
 * @pkt: the packet
 *
 * Return: a flow's start (SYN), its last word (RST) or its middle.
 */
enum lbnl_new_kind lbnl_tcp_new_kind(const struct lbnl_pkt *pkt)
{
	if (pkt->tcp_flags & TCPHDR_RST)
		return LBNL_NEW_STATELESS;
	if ((pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN)
		return LBNL_NEW_FLOW;
	return LBNL_NEW_PICKUP;
}

/**
 * lbnl_tcp_reused() - does a packet start a new flow on a finished one's entry
 * @c: the entry
 * @pkt: the packet
 *
 * Return: true for a SYN on a finished flow's entry (port reuse).
 */
bool lbnl_tcp_reused(const struct lbnl_conn *c, const struct lbnl_pkt *pkt)
{
	u8 state = READ_ONCE(c->state);

	return (pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN &&
	       (state == LBNL_CONN_TCP_FIN || state == LBNL_CONN_TCP_CLOSE);
}

/**
 * lbnl_tcp_nat() - rewrite an address and port of a TCP packet
 * @skb: the packet
 * @pkt: the parsed packet
 * @src: the source's, else the destination's
 * @addr: the new address
 * @port: the new port
 *
 * Return: 0 or a negative errno.
 */
int lbnl_tcp_nat(struct sk_buff *skb, const struct lbnl_pkt *pkt, bool src,
		 const union nf_inet_addr *addr, __be16 port)
{
	struct tcphdr *th;
	int err;

	err = skb_ensure_writable(skb, pkt->l4off + sizeof(*th));
	if (err)
		return err;
	th = (struct tcphdr *)(skb_network_header(skb) + pkt->l4off);
	lbnl_nat_mangle(skb, pkt, src, addr, port, &th->check);
	return 0;
}

/**
 * lbnl_tcp_confirms() - does a segment confirm its connection's entry?
 * @pkt: the segment (not the first from the peer)
 * @reply: it came from the dest
 *
 * A dest answers a spoofed SYN with a SYN-ACK and a spoofed mid-flow
 * segment with a RST; the peer's SYN may come again. Anything else (the
 * handshake's ACK, data, the dest's data) means both ends have the
 * connection, as conntrack's "assured".
 *
 * Return: true if it confirms.
 */
bool lbnl_tcp_confirms(const struct lbnl_pkt *pkt, bool reply)
{
	return !(pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_RST));
}

const struct lbnl_proto lbnl_proto_tcp = {
	.name = "tcp",
	.protocol = IPPROTO_TCP,
	.state_new = LBNL_CONN_TCP_SYN,
	.state_pickup = LBNL_CONN_TCP_ESTABLISHED,
	.parse = lbnl_tcp_parse,
	.next_state = lbnl_tcp_next_state,
	.new_kind = lbnl_tcp_new_kind,
	.confirms = lbnl_tcp_confirms,
	.reused = lbnl_tcp_reused,
	.find_in = lbnl_find_in_addr,
	.hash = lbnl_hash_addr,
	.nat = lbnl_tcp_nat,
};
