// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - the ops tables (see ops.h), filled at module load from the
 * implementations Kbuild lists, and what the implementations share.
 */

#include <linux/jhash.h>
#include <net/netfilter/nf_conntrack.h>

#include "lb.h"

/* Forwarding modes by enum lbnl_fwd_mode. */
const struct lbnl_fwd *lbnl_fwds[__LBNL_FWD_MAX] __ro_after_init;

static void __init lbnl_fwd_register(const struct lbnl_fwd *fwd, int *err)
{
	if (WARN_ON(fwd->mode >= ARRAY_SIZE(lbnl_fwds) || lbnl_fwds[fwd->mode]))
		*err = -EINVAL;
	else
		lbnl_fwds[fwd->mode] = fwd;
}

#define LBNL_FWD_REGISTER(n)	lbnl_fwd_register(&lbnl_fwd_##n, &err)

/* Protocols by IPPROTO_*. */
const struct lbnl_proto *lbnl_protos[U8_MAX + 1] __ro_after_init;

static void __init lbnl_proto_register(const struct lbnl_proto *pp, int *err)
{
	if (WARN_ON(lbnl_protos[pp->protocol]))
		*err = -EINVAL;
	else
		lbnl_protos[pp->protocol] = pp;
}

#define LBNL_PROTO_REGISTER(n)	lbnl_proto_register(&lbnl_proto_##n, &err)

/* Schedulers by enum lbnl_sched. */
const struct lbnl_scheduler *lbnl_scheds[__LBNL_SCHED_MAX] __ro_after_init;

static void __init lbnl_sched_register(const struct lbnl_scheduler *sched,
				       int *err)
{
	if (WARN_ON(sched->sched >= ARRAY_SIZE(lbnl_scheds) ||
		    lbnl_scheds[sched->sched]))
		*err = -EINVAL;
	else
		lbnl_scheds[sched->sched] = sched;
}

#define LBNL_SCHED_REGISTER(n)	lbnl_sched_register(&lbnl_sched_##n, &err)

/**
 * lbnl_ops_init() - fill the tables
 *
 * Return: 0, or -EINVAL if two implementations claim one value (a build
 * mistake, refused loudly rather than half-working).
 */
int __init lbnl_ops_init(void)
{
	int err = 0;

	LBNL_FWDS(LBNL_FWD_REGISTER)
	LBNL_PROTOS(LBNL_PROTO_REGISTER)
	LBNL_SCHEDS(LBNL_SCHED_REGISTER)
	return err;
}

/**
 * lbnl_untrack() - mark a packet the module forwards as untracked
 * @skb: the packet
 *
 * Conntrack does not need to know it (the module tracks it) and would
 * otherwise see each rewritten flow as a new one.
 */
void lbnl_untrack(struct sk_buff *skb)
{
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
}

/**
 * lbnl_find_in_addr() - &lbnl_proto.find_in of protocols whose entries are
 * keyed by the peer's address and port
 * @ln: the namespace's state
 * @vip: the VIP
 * @pkt: a packet from the peer
 *
 * Return: the entry, or %NULL.
 */
struct lbnl_conn *lbnl_find_in_addr(struct lbnl_net *ln, struct lbnl_vip *vip,
				    const struct lbnl_pkt *pkt)
{
	return lbnl_conn_lookup(vip, &pkt->saddr, pkt->sport);
}

/**
 * lbnl_hash_addr() - &lbnl_proto.hash of the peer's address and the ports
 * @pkt: a packet from the peer
 * @init: unused: every packet of a flow has its address and ports
 *
 * Return: the hash.
 */
u32 lbnl_hash_addr(const struct lbnl_pkt *pkt, bool init)
{
	u32 ports = (u32)ntohs(pkt->sport) << 16 | ntohs(pkt->dport);

	return jhash_2words(jhash2(pkt->saddr.all, ARRAY_SIZE(pkt->saddr.all),
				   LBNL_FLOW_SEED),
			    ports, LBNL_FLOW_SEED);
}
