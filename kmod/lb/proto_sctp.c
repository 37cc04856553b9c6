// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - SCTP: every chunk walked with bounds checks, the tags that key an
 * association, and the entry's states.
 *
 * The LB verifies the CRC32c only where it would otherwise recompute it: a
 * nat rewrite of a port (see lbnl_sctp_nat()); elsewhere it leaves what the
 * CRC covers alone and the dest checks it. It does refuse packets whose
 * chunk structure is broken, since it acts on their chunks.
 */

#include <linux/jhash.h>
#include <linux/sctp.h>
#include <net/sctp/checksum.h>

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

/**
 * lbnl_sctp_confirms() - does a packet confirm its association's entry?
 * @pkt: the packet (not the first from the peer)
 * @reply: it came from the dest
 *
 * A dest answers any INIT with an INIT-ACK and a packet of no association
 * with an ABORT; a peer's INIT may come again. Anything else (a
 * COOKIE-ECHO, DATA, SACKs, the dest's COOKIE-ACK) means both ends have
 * the association.
 *
 * Return: true if it confirms.
 */
bool lbnl_sctp_confirms(const struct lbnl_pkt *pkt, bool reply)
{
	return !(pkt->chunks & (LBNL_SCTP_CHUNK(SCTP_CID_INIT) |
				LBNL_SCTP_CHUNK(SCTP_CID_INIT_ACK) |
				LBNL_SCTP_CHUNK(SCTP_CID_ABORT) |
				LBNL_SCTP_CHUNK(SCTP_CID_SHUTDOWN_COMPLETE)));
}

/* Is @c the entry of this SCTP packet? Tags decide, not addresses. */
static bool lbnl_sctp_conn_matches(struct lbnl_conn *c,
				   const struct lbnl_pkt *pkt)
{
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);

	if (!(READ_ONCE(c->flags) & LBNL_CONN_F_BOUND))
		return true;		/* set-up in progress: tag unknown */
	if (READ_ONCE(sc->my_vtag) == pkt->vtag)
		return true;
	/* An ABORT or SHUTDOWN-COMPLETE may reflect the peer's own tag. */
	return pkt->vtag == READ_ONCE(sc->peer_vtag) &&
	       pkt->chunks & (BIT(SCTP_CID_ABORT) |
			      BIT(SCTP_CID_SHUTDOWN_COMPLETE));
}

/**
 * lbnl_sctp_find_in() - the entry of a packet from the peer
 * @ln: the namespace's state
 * @vip: the VIP
 * @pkt: the packet
 *
 * By the dest's tag, which every packet but an INIT carries; else by the
 * address the association was set up from (INITs, and packets racing the
 * tag's binding).
 *
 * Return: the entry, or %NULL.
 */
struct lbnl_conn *lbnl_sctp_find_in(struct lbnl_net *ln, struct lbnl_vip *vip,
				    const struct lbnl_pkt *pkt)
{
	struct lbnl_conn *c;

	if (pkt->vtag) {
		c = lbnl_conn_lookup_tag(vip, pkt->vtag, pkt->sport);
		if (c)
			return c;
	}
	c = lbnl_conn_lookup(vip, &pkt->saddr, pkt->sport);
	if (!c)
		return NULL;
	if (pkt->chunks & BIT(SCTP_CID_INIT))
		return c;	/* retransmission or restart: same dest */
	if (!lbnl_sctp_conn_matches(c, pkt))
		return NULL;
	if (pkt->chunks & BIT(SCTP_CID_COOKIE_ECHO))
		lbnl_conn_bind_tag(ln, vip, c, pkt->vtag);
	return c;
}

/**
 * lbnl_sctp_new_kind() - what a packet without an entry is
 * @pkt: the packet
 *
 * Return: an association's start (INIT), its last word (ABORT, SHUTDOWN-
 * COMPLETE, SHUTDOWN-ACK) or its middle.
 */
enum lbnl_new_kind lbnl_sctp_new_kind(const struct lbnl_pkt *pkt)
{
	if (pkt->chunks & BIT(SCTP_CID_INIT))
		return LBNL_NEW_FLOW;
	if (pkt->chunks & (BIT(SCTP_CID_ABORT) |
			   BIT(SCTP_CID_SHUTDOWN_COMPLETE) |
			   BIT(SCTP_CID_SHUTDOWN_ACK)))
		return LBNL_NEW_STATELESS;
	return LBNL_NEW_PICKUP;
}

/* An INIT's entry learns the peer's tag; a picked-up one is bound to ours. */
static void lbnl_sctp_conn_new(struct lbnl_net *ln, struct lbnl_vip *vip,
			       struct lbnl_conn *c, const struct lbnl_pkt *pkt,
			       enum lbnl_new_kind kind)
{
	if (kind == LBNL_NEW_FLOW)
		WRITE_ONCE(lbnl_sctp_conn(c)->peer_vtag, pkt->init_tag);
	else
		lbnl_conn_bind_tag(ln, vip, c, pkt->vtag);
}

/**
 * lbnl_sctp_reply_matches() - is a packet from the dest this entry's?
 * @c: the entry of the packet's addresses and ports
 * @pkt: the packet
 *
 * The dest puts the peer's tag on its packets; an ABORT or SHUTDOWN-COMPLETE
 * may reflect its own (T bit). An entry picked up mid-association does not
 * know the peer's tag yet: the first reply teaches it (lbnl_sctp_reply()).
 * A restart's COOKIE-ACK carries the peer's new tag (see lbnl_sctp_reply()).
 * Anything else belongs to another association of the same addresses (or
 * is forged) and must not close or rebind this one.
 *
 * Return: true if it is.
 */
bool lbnl_sctp_reply_matches(struct lbnl_conn *c, const struct lbnl_pkt *pkt)
{
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);
	u32 peer_vtag = READ_ONCE(sc->peer_vtag);

	if (pkt->vtag == peer_vtag || !peer_vtag)
		return true;
	if (pkt->chunks & (BIT(SCTP_CID_ABORT) |
			   BIT(SCTP_CID_SHUTDOWN_COMPLETE)) &&
	    READ_ONCE(c->flags) & LBNL_CONN_F_BOUND &&
	    pkt->vtag == READ_ONCE(sc->my_vtag))
		return true;
	peer_vtag = READ_ONCE(sc->restart_peer_vtag);
	return peer_vtag && pkt->vtag == peer_vtag &&
	       pkt->chunks & BIT(SCTP_CID_COOKIE_ACK);
}

/*
 * The dest's INIT-ACK names the tag the peer will put on its packets: it
 * binds the entry while the association is being set up. Once it is up,
 * an INIT-ACK only answers an INIT, which anyone on the peer's side can
 * send with the peer's addresses (the dest must answer even those, RFC
 * 9260 5.2.2): the new tags wait, and are bound only when the dest's
 * COOKIE-ACK says it accepted the restart (a COOKIE-ECHO only the real
 * peer, which got the INIT-ACK, can send).
 */
static void lbnl_sctp_reply(struct lbnl_net *ln, struct lbnl_vip *vip,
			    struct lbnl_conn *c, const struct lbnl_pkt *pkt)
{
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);
	u32 tag;

	if (!READ_ONCE(sc->peer_vtag))
		WRITE_ONCE(sc->peer_vtag, pkt->vtag);
	if (pkt->chunks & BIT(SCTP_CID_INIT_ACK)) {
		if (READ_ONCE(c->state) == LBNL_CONN_SCTP_INIT) {
			lbnl_conn_bind_tag(ln, vip, c, pkt->init_tag);
			return;
		}
		WRITE_ONCE(sc->restart_my_vtag, pkt->init_tag);
		WRITE_ONCE(sc->restart_peer_vtag, pkt->vtag);
		return;
	}
	if (!(pkt->chunks & BIT(SCTP_CID_COOKIE_ACK)))
		return;
	tag = READ_ONCE(sc->restart_my_vtag);
	if (!tag || pkt->vtag != READ_ONCE(sc->restart_peer_vtag))
		return;
	WRITE_ONCE(sc->peer_vtag, pkt->vtag);
	lbnl_conn_bind_tag(ln, vip, c, tag);
	WRITE_ONCE(sc->restart_my_vtag, 0);
	WRITE_ONCE(sc->restart_peer_vtag, 0);
}

/**
 * lbnl_sctp_hash() - the flow hash of an association's packet
 * @pkt: a packet from the peer
 * @init: it is an INIT: hash the tag it chooses, else the one it carries
 *
 * Never the peer's address: a multi-homed peer may use any of its own.
 *
 * Return: the hash.
 */
u32 lbnl_sctp_hash(const struct lbnl_pkt *pkt, bool init)
{
	u32 ports = (u32)ntohs(pkt->sport) << 16 | ntohs(pkt->dport);

	return jhash_2words(init ? pkt->init_tag : pkt->vtag, ports,
			    LBNL_FLOW_SEED);
}

/**
 * lbnl_sctp_nat() - rewrite an address and port of an SCTP packet
 * @skb: the packet
 * @pkt: the parsed packet
 * @src: the source's, else the destination's
 * @addr: the new address
 * @port: the new port
 *
 * The CRC32c covers the ports, not the addresses: recomputed if a port
 * changes, unless the output path computes it (CHECKSUM_PARTIAL). A CRC
 * recomputed over a corrupted packet would make it valid: the dest would
 * take the damage as data. So a packet whose port changes has its CRC
 * verified first, and a bad one is dropped (-EBADMSG, counted as
 * bad_checksum), as a firewall or the dest itself would drop it. Updating
 * the CRC incrementally instead (a bad CRC staying bad) would also do:
 * CRC32c is linear, but the kernel has no helper for that as it has for
 * the Internet checksum, and forwarding a packet the dest must drop helps
 * no one. A port that does not change leaves the CRC as it came: the dest
 * checks it.
 *
 * Return: 0, -EBADMSG (bad CRC32c) or another negative errno.
 */
int lbnl_sctp_nat(struct sk_buff *skb, const struct lbnl_pkt *pkt, bool src,
		  const union nf_inet_addr *addr, __be16 port)
{
	unsigned int l4 = skb_network_offset(skb) + pkt->l4off;
	struct sctphdr *sh;
	__be16 oldport;
	bool recompute;
	int err;

	err = skb_ensure_writable(skb, pkt->l4off + sizeof(*sh));
	if (err)
		return err;
	sh = (struct sctphdr *)(skb->data + l4);
	oldport = src ? sh->source : sh->dest;
	/*
	 * CHECKSUM_PARTIAL with csum_not_inet (sent by this host or from a
	 * namespace behind a veth, SCTP GSO): the CRC is not computed yet,
	 * the output path or the NIC computes it over what we write.
	 * CHECKSUM_UNNECESSARY: the NIC checked it. Else we check it.
	 */
	recompute = oldport != port && !(skb->ip_summed == CHECKSUM_PARTIAL &&
					 skb->csum_not_inet);
	if (recompute && skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    sh->checksum != sctp_compute_cksum(skb, l4))
		return -EBADMSG;
	lbnl_nat_mangle(skb, pkt, src, addr, port, NULL);
	if (recompute) {
		sh->checksum = sctp_compute_cksum(skb, l4);
		skb->ip_summed = CHECKSUM_NONE;
	}
	return 0;
}

const struct lbnl_proto lbnl_proto_sctp = {
	.name = "sctp",
	.protocol = IPPROTO_SCTP,
	.state_new = LBNL_CONN_SCTP_INIT,
	.state_pickup = LBNL_CONN_SCTP_ESTABLISHED,
	.parse = lbnl_sctp_parse,
	.next_state = lbnl_sctp_next_state,
	.new_kind = lbnl_sctp_new_kind,
	.confirms = lbnl_sctp_confirms,
	.find_in = lbnl_sctp_find_in,
	.conn_new = lbnl_sctp_conn_new,
	.reply_matches = lbnl_sctp_reply_matches,
	.reply = lbnl_sctp_reply,
	.route = lbnl_tag_route,
	.hash = lbnl_sctp_hash,
	.nat = lbnl_sctp_nat,
};
