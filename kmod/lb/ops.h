/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl - the LB role's ops tables, the IPVS way (include/net/ip_vs.h:
 * struct ip_vs_protocol, struct ip_vs_scheduler, ip_vs_bind_xmit()).
 *
 * A forwarding mode is a struct lbnl_fwd in fwd_NAME.c, found by its
 * enum lbnl_fwd_mode; a protocol a struct lbnl_proto in proto_NAME.c, found
 * by its IPPROTO_* number; a scheduler a struct lbnl_scheduler in sched_NAME.c,
 * found by its enum lbnl_sched. Adding one is its file, its name in Kbuild's
 * list (which declares it and puts it in the table) and, for a mode or a
 * scheduler, a value in the uapi enum and the CLI's name table: nothing else
 * tests a mode, a protocol or a scheduler.
 */
#ifndef _LBNL_OPS_H
#define _LBNL_OPS_H

#include <linux/indirect_call_wrapper.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>

struct lbnl_conn;
struct lbnl_dest;
struct lbnl_net;
struct lbnl_pkt;
struct lbnl_vip;

/**
 * struct lbnl_fwd - a forwarding mode (enum lbnl_fwd_mode)
 * @name: as the CLI spells it
 * @mode: its enum lbnl_fwd_mode
 * @nat: the dests' replies come back through the LB, which gives them the
 *	VIP's address back (@out); a reply's source finds its dest
 * @bypass: the dests own the VIP (direct server return), so the router can
 *	send them the VIP's traffic itself: bypass auto is possible
 * @verdict: the hook's verdict once @xmit succeeded: NF_ACCEPT (the stack
 *	forwards the rewritten packet) or NF_STOLEN (@xmit sent it)
 * @xmit: forward a packet of the VIP to @dest. Return: 0, or the
 *	LBNL_DROP_* reason to drop it
 * @out: @nat: rewrite a dest's reply to come from the VIP. Return: 0, or
 *	the LBNL_DROP_* reason to drop it
 * @icmp_xmit: forward an ICMP error about a flow of the VIP (pkt->inner_off
 *	and inner_l4off say where the quoted packet is) to the flow's @dest;
 *	%NULL: dropped. Return and verdict as @xmit
 * @icmp_out: @nat: rewrite an ICMP error from a dest's side about a peer's
 *	packet to come from the VIP. Return as @out
 */
struct lbnl_fwd {
	const char *name;
	u8 mode;
	bool nat;
	bool bypass;
	unsigned int verdict;
	int (*xmit)(struct net *net, struct sk_buff *skb,
		    const struct lbnl_pkt *pkt, const struct lbnl_dest *dest);
	int (*out)(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		   const struct lbnl_vip *vip);
	int (*icmp_xmit)(struct net *net, struct sk_buff *skb,
			 const struct lbnl_pkt *pkt,
			 const struct lbnl_dest *dest);
	int (*icmp_out)(struct sk_buff *skb, const struct lbnl_pkt *pkt,
			const struct lbnl_vip *vip);
};

/* Does a packet without an entry start a flow, or is it mid-flow? */
enum lbnl_new_kind {
	LBNL_NEW_FLOW,		/* SYN, INIT, any UDP */
	LBNL_NEW_PICKUP,	/* mid-flow: an entry is created */
	LBNL_NEW_STATELESS,	/* a last word (RST, ABORT): no entry */
};

/* Seed of the flow hash (&lbnl_proto.hash): fixed, see sched.c. */
#define LBNL_FLOW_SEED		0x666c6f77	/* "flow" */

/**
 * struct lbnl_proto - a transport protocol of VIPs
 * @name: as the CLI spells it
 * @protocol: its IPPROTO_* number
 * @state_new: an entry's state when a packet starts a flow
 * @state_pickup: an entry's state when it is created mid-flow
 * @parse: check the header at @pkt->l4off and fill the rest of @pkt (ports,
 *	flags, tags). Return: 0, or the LBNL_DROP_* reason to drop it
 * @next_state: optional (one state if %NULL): an entry's state after a packet
 *	from the peer, or from the dest if @reply
 * @new_kind: what a packet without an entry is
 * @confirms: does a packet of a flow, from the peer (not its first) or
 *	from the dest (@reply), prove that both ends take part, so that its
 *	unconfirmed entry is confirmed (see conn.c)? Not what a dest answers
 *	to anything (a SYN-ACK, an INIT-ACK, a RST, an ABORT, a UDP answer),
 *	nor what a peer's first word may repeat (a SYN, an INIT)
 * @reused: optional: does this packet start a new flow on the key of @c,
 *	a finished one?
 * @find_in: the entry of a packet from the peer, if any
 * @conn_new: optional: a packet from the peer has just created @c
 * @reply_matches: optional (the ports decide if %NULL): is a packet from the
 *	dest, with @c's ports, @c's? If not it changes nothing on @c
 * @reply: optional: a packet from the dest matched @c
 * @route: optional: the dest a packet from the peer without an entry, not
 *	the first of its flow, names by itself (SCTP: its routable tag, see
 *	tag.c), whatever the dest's state; %NULL: the scheduler decides
 * @hash: the flow hash a deterministic scheduler selects a dest by: of what
 *	identifies the flow on every LB (@init: the packet starts the flow)
 * @nat: rewrite a packet's source (@src) or destination address and port to
 *	@addr and @port, and fix the L4 checksum (see lbnl_nat_mangle()).
 *	Return: 0, -EBADMSG (a bad checksum it will not make valid) or another
 *	negative errno
 */
struct lbnl_proto {
	const char *name;
	u8 protocol;
	u8 state_new;
	u8 state_pickup;
	int (*parse)(struct sk_buff *skb, struct lbnl_pkt *pkt);
	u8 (*next_state)(u8 state, const struct lbnl_pkt *pkt, bool reply);
	enum lbnl_new_kind (*new_kind)(const struct lbnl_pkt *pkt);
	bool (*confirms)(const struct lbnl_pkt *pkt, bool reply);
	bool (*reused)(const struct lbnl_conn *c, const struct lbnl_pkt *pkt);
	struct lbnl_conn *(*find_in)(struct lbnl_net *ln, struct lbnl_vip *vip,
				     const struct lbnl_pkt *pkt);
	void (*conn_new)(struct lbnl_net *ln, struct lbnl_vip *vip,
			 struct lbnl_conn *c, const struct lbnl_pkt *pkt,
			 enum lbnl_new_kind kind);
	bool (*reply_matches)(struct lbnl_conn *c, const struct lbnl_pkt *pkt);
	void (*reply)(struct lbnl_net *ln, struct lbnl_vip *vip,
		      struct lbnl_conn *c, const struct lbnl_pkt *pkt);
	struct lbnl_dest *(*route)(struct lbnl_net *ln, struct lbnl_vip *vip,
				   const struct lbnl_pkt *pkt);
	u32 (*hash)(const struct lbnl_pkt *pkt, bool init);
	int (*nat)(struct sk_buff *skb, const struct lbnl_pkt *pkt, bool src,
		   const union nf_inet_addr *addr, __be16 port);
};

/**
 * struct lbnl_sched_data - what a scheduler built for a VIP (see sched.c)
 * @ops: the scheduler that built it: readers call its ops with it, so a
 *	change of scheduler never pairs one's pick with another's data
 * @rcu: deferred free
 * @n_dests: number of entries in @dests
 * @dests: the dests taking new flows when it was built, in address and
 *	port order; part of the scheduler's allocation
 *
 * Each scheduler's data starts with this.
 */
struct lbnl_sched_data {
	const struct lbnl_scheduler *ops;
	struct rcu_head rcu;
	u32 n_dests;
	struct lbnl_dest **dests;
};

/**
 * struct lbnl_scheduler - a scheduler (enum lbnl_sched; IPVS: ip_vs_scheduler)
 * @name: as the CLI spells it
 * @sched: its enum lbnl_sched
 * @deterministic: every LB with the same configuration sends a flow to the
 *	same dest, whichever packet of the flow it sees first and whatever it
 *	saw before. LB failover, module reloads and the end of a bypass rely
 *	on it to pick up flows without state (see DESIGN.md 3, 3b); bypass
 *	auto is refused without it.
 * @build: in process context, under &lbnl_net.lock: the data for @n dests
 *	taking new flows (@dests, in address and port order; @n >= 1),
 *	which the scheduler copies. Return: the data, or an ERR_PTR()
 * @pick: under rcu_read_lock(): the dest of a packet without an entry
 *	(@init: it starts its flow). The packet is passed, not its hash:
 *	a scheduler that hashes calls lbnl_sched_hash(), one that does not
 *	(round robin, least connections) does not pay for it
 * @pick_other: under rcu_read_lock(): a dest other than @not for the flow of
 *	hash @hash (a migration's target), or %NULL
 * @free: free the data; any context
 */
struct lbnl_scheduler {
	const char *name;
	u8 sched;
	bool deterministic;
	struct lbnl_sched_data *(*build)(struct lbnl_vip *vip,
					 struct lbnl_dest *const *dests,
					 u32 n);
	struct lbnl_dest *(*pick)(const struct lbnl_sched_data *data,
				  const struct lbnl_vip *vip,
				  const struct lbnl_pkt *pkt, bool init);
	struct lbnl_dest *(*pick_other)(const struct lbnl_sched_data *data,
					u32 hash, const struct lbnl_dest *not);
	void (*free)(struct lbnl_sched_data *data);
};

/*
 * The implementations, by the names Kbuild lists (LBNL_FWDS(x) expands to
 * "x(nat); x(tun);"). ops.c fills the tables from these at module load.
 */
#define LBNL_FWD_DECLARE(n)	extern const struct lbnl_fwd lbnl_fwd_##n
LBNL_FWDS(LBNL_FWD_DECLARE)
#define LBNL_PROTO_DECLARE(n)	extern const struct lbnl_proto lbnl_proto_##n
LBNL_PROTOS(LBNL_PROTO_DECLARE)
#define LBNL_SCHED_DECLARE(n)	extern const struct lbnl_scheduler lbnl_sched_##n
LBNL_SCHEDS(LBNL_SCHED_DECLARE)

/* ops.c */
extern const struct lbnl_fwd *lbnl_fwds[__LBNL_FWD_MAX];
extern const struct lbnl_proto *lbnl_protos[U8_MAX + 1];
extern const struct lbnl_scheduler *lbnl_scheds[__LBNL_SCHED_MAX];
int lbnl_ops_init(void);
void lbnl_untrack(struct sk_buff *skb);
struct lbnl_conn *lbnl_find_in_addr(struct lbnl_net *ln, struct lbnl_vip *vip,
				    const struct lbnl_pkt *pkt);
u32 lbnl_hash_addr(const struct lbnl_pkt *pkt, bool init);

/**
 * lbnl_proto_get() - a protocol's ops
 * @protocol: IPPROTO_*
 *
 * Return: the ops, or %NULL if the LB does not balance that protocol.
 */
static inline const struct lbnl_proto *lbnl_proto_get(u8 protocol)
{
	return lbnl_protos[protocol];
}

/**
 * lbnl_fwd_get() - a forwarding mode's ops
 * @mode: enum lbnl_fwd_mode, validated
 *
 * Return: the ops, or %NULL if no such mode is built in.
 */
static inline const struct lbnl_fwd *lbnl_fwd_get(u8 mode)
{
	return mode < ARRAY_SIZE(lbnl_fwds) ? lbnl_fwds[mode] : NULL;
}

/**
 * lbnl_sched_get() - a scheduler's ops
 * @sched: enum lbnl_sched, validated
 *
 * Return: the ops, or %NULL if no such scheduler is built in.
 */
static inline const struct lbnl_scheduler *lbnl_sched_get(u8 sched)
{
	return sched < ARRAY_SIZE(lbnl_scheds) ? lbnl_scheds[sched] : NULL;
}

/* fwd_nat.c, fwd_tun.c: named for INDIRECT_CALL_*() on the packet path. */
int lbnl_nat_xmit(struct net *net, struct sk_buff *skb,
		  const struct lbnl_pkt *pkt, const struct lbnl_dest *dest);
int lbnl_nat_out(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		 const struct lbnl_vip *vip);
int lbnl_nat_icmp_xmit(struct net *net, struct sk_buff *skb,
		       const struct lbnl_pkt *pkt, const struct lbnl_dest *dest);
int lbnl_nat_icmp_out(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		      const struct lbnl_vip *vip);
int lbnl_tun_xmit(struct net *net, struct sk_buff *skb,
		  const struct lbnl_pkt *pkt, const struct lbnl_dest *dest);
void lbnl_nat_mangle(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		     bool src, const union nf_inet_addr *addr, __be16 port,
		     __sum16 *check);

/* proto_tcp.c, proto_udp.c, proto_sctp.c: named for INDIRECT_CALL_*(). */
int lbnl_tcp_parse(struct sk_buff *skb, struct lbnl_pkt *pkt);
u8 lbnl_tcp_next_state(u8 state, const struct lbnl_pkt *pkt, bool reply);
bool lbnl_tcp_confirms(const struct lbnl_pkt *pkt, bool reply);
enum lbnl_new_kind lbnl_tcp_new_kind(const struct lbnl_pkt *pkt);
bool lbnl_tcp_reused(const struct lbnl_conn *c, const struct lbnl_pkt *pkt);
int lbnl_tcp_nat(struct sk_buff *skb, const struct lbnl_pkt *pkt, bool src,
		 const union nf_inet_addr *addr, __be16 port);
int lbnl_udp_parse(struct sk_buff *skb, struct lbnl_pkt *pkt);
enum lbnl_new_kind lbnl_udp_new_kind(const struct lbnl_pkt *pkt);
bool lbnl_udp_confirms(const struct lbnl_pkt *pkt, bool reply);
int lbnl_udp_nat(struct sk_buff *skb, const struct lbnl_pkt *pkt, bool src,
		 const union nf_inet_addr *addr, __be16 port);
int lbnl_sctp_parse(struct sk_buff *skb, struct lbnl_pkt *pkt);
u8 lbnl_sctp_next_state(u8 state, const struct lbnl_pkt *pkt, bool reply);
bool lbnl_sctp_confirms(const struct lbnl_pkt *pkt, bool reply);
enum lbnl_new_kind lbnl_sctp_new_kind(const struct lbnl_pkt *pkt);
struct lbnl_conn *lbnl_sctp_find_in(struct lbnl_net *ln, struct lbnl_vip *vip,
				    const struct lbnl_pkt *pkt);
bool lbnl_sctp_reply_matches(struct lbnl_conn *c, const struct lbnl_pkt *pkt);
u32 lbnl_sctp_hash(const struct lbnl_pkt *pkt, bool init);
int lbnl_sctp_nat(struct sk_buff *skb, const struct lbnl_pkt *pkt, bool src,
		  const union nf_inet_addr *addr, __be16 port);

/* sched_maglev.c: named for INDIRECT_CALL_*(). */
struct lbnl_dest *lbnl_maglev_pick(const struct lbnl_sched_data *data,
				   const struct lbnl_vip *vip,
				   const struct lbnl_pkt *pkt, bool init);

#endif /* _LBNL_OPS_H */
