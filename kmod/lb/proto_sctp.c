// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - SCTP: every chunk walked with bounds checks, the tags that key an
 * association, and the entry's states.
 *
 * The LB does not verify the CRC32c (the dest does, and the LB does not
 * change what it covers unless the ports change, see fwd_nat.c); it does refuse
 * packets whose chunk structure is broken, since it acts on their chunks.
 */

#include <linux/sctp.h>

#include "lb.h"

#define LBNL_SCTP_CHUNK(t)	BIT(t)

/**
 * lbnl_sctp_parse() - walk an SCTP packet's chunks
 * @skb: the packet
 * @pkt: the parsed packet; @pkt->l4off is set. Sets the ports, the vtag,
 *	the chunk types seen (@pkt->chunks) and an INIT's or INIT-ACK's
 *	initiate tag.
 *
 * Return: 0, or the LBNL_DROP_* reason to drop it.
 */
int lbnl_sctp_parse(struct sk_buff *skb, struct lbnl_pkt *pkt)
{
	unsigned int off = pkt->l4off + sizeof(struct sctphdr);
	unsigned int end = skb->len, n = 0;
	struct sctp_chunkhdr _ch;
	const struct sctp_chunkhdr *ch;
	struct sctphdr _sh;
	const struct sctphdr *sh;

	sh = skb_header_pointer(skb, pkt->l4off, sizeof(_sh), &_sh);
	if (!sh)
		return LBNL_DROP_TRUNCATED;
	pkt->sport = sh->source;
	pkt->dport = sh->dest;
	pkt->vtag = ntohl(sh->vtag);
	pkt->chunks = 0;

	if (off >= end)
		return LBNL_DROP_BAD_CHUNK;	/* a packet has a chunk */
	while (off < end) {
		unsigned int clen;

		ch = skb_header_pointer(skb, off, sizeof(_ch), &_ch);
		if (!ch)
			return LBNL_DROP_BAD_CHUNK;
		clen = ntohs(ch->length);
		if (clen < sizeof(_ch) || clen > end - off)
			return LBNL_DROP_BAD_CHUNK;
		if (ch->type < 32)
			pkt->chunks |= LBNL_SCTP_CHUNK(ch->type);

		if (ch->type == SCTP_CID_INIT || ch->type == SCTP_CID_INIT_ACK) {
			__be32 _tag;
			const __be32 *tag;

			/* Bundled with nothing; tag 0 in the header. */
			if (n || clen < sizeof(struct sctp_init_chunk) ||
			    (ch->type == SCTP_CID_INIT && pkt->vtag))
				return LBNL_DROP_BAD_CHUNK;
			tag = skb_header_pointer(skb, off + sizeof(_ch),
						 sizeof(_tag), &_tag);
			if (!tag || !*tag)
				return LBNL_DROP_BAD_CHUNK;
			pkt->init_tag = ntohl(*tag);
		}
		n++;
		/* The last chunk's padding may be missing; no more chunks. */
		off += min_t(unsigned int, ALIGN(clen, 4), end - off);
	}
	if (n > 1 && pkt->chunks & (LBNL_SCTP_CHUNK(SCTP_CID_INIT) |
				    LBNL_SCTP_CHUNK(SCTP_CID_INIT_ACK)))
		return LBNL_DROP_BAD_CHUNK;
	return 0;
}

/**
 * lbnl_sctp_next_state() - the entry's state after a packet
 * @state: the state before
 * @pkt: the packet
 * @reply: it came from the dest
 *
 * Return: the new state.
 */
u8 lbnl_sctp_next_state(u8 state, const struct lbnl_pkt *pkt, bool reply)
{
	u32 c = pkt->chunks;

	if (c & (LBNL_SCTP_CHUNK(SCTP_CID_ABORT) |
		 LBNL_SCTP_CHUNK(SCTP_CID_SHUTDOWN_COMPLETE)))
		return LBNL_CONN_SCTP_CLOSED;
	if (c & (LBNL_SCTP_CHUNK(SCTP_CID_SHUTDOWN) |
		 LBNL_SCTP_CHUNK(SCTP_CID_SHUTDOWN_ACK)))
		return LBNL_CONN_SCTP_SHUTDOWN;
	if (c & LBNL_SCTP_CHUNK(SCTP_CID_INIT))
		return state == LBNL_CONN_SCTP_CLOSED ? LBNL_CONN_SCTP_INIT :
							 state;
	if (c & LBNL_SCTP_CHUNK(SCTP_CID_COOKIE_ECHO))
		return state == LBNL_CONN_SCTP_INIT ? LBNL_CONN_SCTP_COOKIE :
						      state;
	if (c & LBNL_SCTP_CHUNK(SCTP_CID_COOKIE_ACK))
		return LBNL_CONN_SCTP_ESTABLISHED;
	/*
	 * In tun mode the LB never sees the COOKIE-ACK: the peer's first
	 * packet after its COOKIE-ECHO says the association is up.
	 */
	if (state == LBNL_CONN_SCTP_COOKIE && !reply && c)
		return LBNL_CONN_SCTP_ESTABLISHED;
	return state;
}
