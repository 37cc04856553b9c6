/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl - in-kernel L4 load balancer: internal definitions.
 */
#ifndef _LBNL_H
#define _LBNL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/rculist.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/lbnl.h>

#define LBNL_VIP_HASH_BITS	10

/**
 * struct lbnl_dest - a backend of a VIP
 * @list: entry in &lbnl_vip.dests (RCU, written under &lbnl_net.lock)
 * @rcu: deferred free
 * @addr: address, same family as the VIP
 * @port: port, network order
 * @weight: scheduling weight, 0..LBNL_DEST_WEIGHT_MAX
 * @state: enum lbnl_dest_state
 */
struct lbnl_dest {
	struct list_head list;
	struct rcu_head rcu;
	union nf_inet_addr addr;
	__be16 port;
	u16 weight;
	u8 state;
};

/**
 * struct lbnl_vip - a virtual service (address, port, protocol)
 * @hnode: entry in &lbnl_net.vip_hash (RCU, written under &lbnl_net.lock)
 * @list: entry in &lbnl_net.vips, in creation order (under &lbnl_net.lock)
 * @dests: the VIP's dests, in creation order
 * @rcu: deferred free
 * @addr: address
 * @port: port, network order
 * @family: AF_INET or AF_INET6, for the VIP and all its dests
 * @proto: IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP
 * @mode: enum lbnl_fwd_mode
 * @sched: enum lbnl_sched
 * @bypass: enum lbnl_bypass_policy
 * @migrate_after: migration age threshold, seconds
 * @flags: LBNL_VIP_F_*
 * @dest_count: number of entries in @dests
 */
struct lbnl_vip {
	struct hlist_node hnode;
	struct list_head list;
	struct list_head dests;
	struct rcu_head rcu;
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 proto;
	u8 mode;
	u8 sched;
	u8 bypass;
	u32 migrate_after;
	u32 flags;
	u32 dest_count;
};

/**
 * struct lbnl_net - per network namespace state
 * @lock: serialises every configuration change in the namespace
 * @vips: all VIPs, in creation order (dumps walk this)
 * @vip_hash: VIPs by key, for lookups
 * @hash_seed: random seed of @vip_hash
 * @vip_count: number of VIPs
 * @gen: bumped on every change; dumps use it to detect concurrent changes.
 *	Never 0, so that the netlink core's consistency check is armed.
 */
struct lbnl_net {
	struct mutex lock;	/* serialises configuration changes */
	struct list_head vips;
	struct hlist_head vip_hash[1 << LBNL_VIP_HASH_BITS];
	u32 hash_seed;
	u32 vip_count;
	u32 gen;
};

/* Identifies a VIP: what a netlink request names. */
struct lbnl_vip_key {
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 proto;
};

/* Identifies a dest within its VIP. */
struct lbnl_dest_key {
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
};

/* Configurable attributes of a VIP, as requested. */
struct lbnl_vip_conf {
	u8 mode;
	u8 sched;
	u8 bypass;
	u32 migrate_after;
};

/* Configurable attributes of a dest, as requested. */
struct lbnl_dest_conf {
	u16 weight;
	u8 state;
};

/* main.c */
extern unsigned int lbnl_net_id;
extern unsigned int lbnl_max_vips;
extern unsigned int lbnl_max_dests;
extern atomic_t lbnl_vips_live;
extern atomic_t lbnl_dests_live;

static inline struct lbnl_net *lbnl_pernet(const struct net *net)
{
	return net_generic(net, lbnl_net_id);
}

/* vip.c */
void lbnl_net_init_vips(struct lbnl_net *ln);
void lbnl_net_bump_gen(struct lbnl_net *ln);
struct lbnl_vip *lbnl_vip_find(struct lbnl_net *ln,
			       const struct lbnl_vip_key *key);
struct lbnl_vip *lbnl_vip_create(struct lbnl_net *ln,
				 const struct lbnl_vip_key *key,
				 const struct lbnl_vip_conf *conf);
void lbnl_vip_apply(struct lbnl_net *ln, struct lbnl_vip *vip,
		    const struct lbnl_vip_conf *conf);
void lbnl_vip_destroy(struct lbnl_net *ln, struct lbnl_vip *vip);
void lbnl_vip_flush(struct lbnl_net *ln);
struct lbnl_dest *lbnl_dest_find(struct lbnl_net *ln, struct lbnl_vip *vip,
				 const struct lbnl_dest_key *key);
struct lbnl_dest *lbnl_dest_create(struct lbnl_net *ln, struct lbnl_vip *vip,
				   const struct lbnl_dest_key *key,
				   const struct lbnl_dest_conf *conf);
void lbnl_dest_apply(struct lbnl_net *ln, struct lbnl_dest *dest,
		     const struct lbnl_dest_conf *conf);
void lbnl_dest_destroy(struct lbnl_net *ln, struct lbnl_vip *vip,
		       struct lbnl_dest *dest);

/* netlink.c */
int lbnl_genl_init(void);
void lbnl_genl_exit(void);

#endif /* _LBNL_H */
