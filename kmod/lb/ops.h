/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl - the LB role's ops tables, the IPVS way (include/net/ip_vs.h:
 * struct ip_vs_protocol, struct ip_vs_scheduler, ip_vs_bind_xmit()).
 *
 * A forwarding mode is a struct lbnl_fwd in fwd_NAME.c, found by its
 * enum lbnl_fwd_mode. Adding one is its file, its name in Kbuild's list
 * (which declares it and puts it in the table), a value in the uapi enum
 * and the CLI's name table: nothing else tests a mode.
 */
#ifndef _LBNL_OPS_H
#define _LBNL_OPS_H

#include <linux/indirect_call_wrapper.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>

struct lbnl_dest;
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
};

/*
 * The implementations, by the names Kbuild lists (LBNL_FWDS(x) expands to
 * "x(nat); x(tun);"). ops.c fills the tables from these at module load.
 */
#define LBNL_FWD_DECLARE(n)	extern const struct lbnl_fwd lbnl_fwd_##n
LBNL_FWDS(LBNL_FWD_DECLARE)

/* ops.c */
extern const struct lbnl_fwd *lbnl_fwds[__LBNL_FWD_MAX];
int lbnl_ops_init(void);
void lbnl_untrack(struct sk_buff *skb);

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

/* fwd_nat.c, fwd_tun.c: named for INDIRECT_CALL_*() on the packet path. */
int lbnl_nat_xmit(struct net *net, struct sk_buff *skb,
		  const struct lbnl_pkt *pkt, const struct lbnl_dest *dest);
int lbnl_nat_out(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		 const struct lbnl_vip *vip);
int lbnl_tun_xmit(struct net *net, struct sk_buff *skb,
		  const struct lbnl_pkt *pkt, const struct lbnl_dest *dest);

#endif /* _LBNL_OPS_H */
