// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - did a dest's reply come from that dest?
 *
 * The reply path (hooks.c, lbnl_out()) sees a nat dest's packets at
 * PRE_ROUTING, before the kernel's reverse-path filter would look at them,
 * and acts on them: it gives them the VIP's address and lets them close or
 * rebind the client's entry. A source address is only a claim: any host on
 * the server segment, or behind any other interface, can claim a dest's.
 * So a packet whose source is a nat dest's (address, port) is believed
 * only when it comes the way the LB itself reaches that dest:
 *
 *  - on the interface of the LB's route to the dest's address (any path of
 *    a multipath IPv4 route), a strict reverse-path check; and
 *  - on an Ethernet-like interface, from the link-layer address the LB's
 *    neighbour table has for the route's next hop (the dest itself when it
 *    is on-link, else its router), so that another host of the same
 *    segment cannot claim the dest's address. A next hop the LB has no
 *    valid neighbour entry for cannot be checked and fails: the LB
 *    resolved it to forward the flow's packets to the dest, so a real
 *    reply finds it.
 *
 * What fails is dropped and counted (spoofed_reply): neither translated
 * nor allowed to change an entry. What this cannot stop: a host that also
 * spoofs the dest's link-layer address, or poisons the LB's neighbour
 * table (ARP/ND spoofing); a switch's port security or static neighbour
 * entries on the LB close that. Setups where replies legitimately come
 * back another way (asymmetric routing, IPv6 multipath routes towards
 * the dests) set net.lbnl.reply_check to 0, which turns this off.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <net/arp.h>
#include <net/ip6_route.h>
#include <net/ip_fib.h>
#include <net/ndisc.h>

#include "lb.h"

/* Does @skb come from @n's link-layer address? */
static bool lbnl_from_neigh(const struct sk_buff *skb, struct neighbour *n)
{
	const struct net_device *dev = skb->dev;
	u8 ha[MAX_ADDR_LEN];

	if (!n || !(READ_ONCE(n->nud_state) & NUD_VALID))
		return false;
	neigh_ha_snapshot(ha, n, dev);
	return ether_addr_equal(ha, eth_hdr(skb)->h_source);
}

/* Can @skb's link-layer source be checked at all? */
static bool lbnl_l2_checkable(const struct sk_buff *skb)
{
	const struct net_device *dev = skb->dev;

	return dev->type == ARPHRD_ETHER && dev->addr_len == ETH_ALEN &&
	       skb_mac_header_was_set(skb) &&
	       skb_mac_header_len(skb) >= ETH_HLEN;
}

static bool lbnl_reply_path_ok4(struct net *net, const struct sk_buff *skb,
				__be32 src)
{
	struct net_device *dev = skb->dev;
	struct flowi4 fl4 = {
		.daddr = src,
		.flowi4_scope = RT_SCOPE_UNIVERSE,
	};
	const struct fib_nh_common *nhc;
	struct fib_result res;
	struct neighbour *n;
	__be32 nexthop;
	bool ok;

	if (fib_lookup(net, &fl4, &res, 0) || res.type != RTN_UNICAST)
		return false;
	if (!fib_info_nh_uses_dev(res.fi, dev))
		return false;
	if (!lbnl_l2_checkable(skb))
		return true;
	nhc = FIB_RES_NHC(res);
	if (nhc->nhc_dev != dev)
		return true;	/* another path of a multipath route */
	if (nhc->nhc_gw_family == AF_INET6)
		return true;	/* an IPv6 next hop for IPv4: not checked */
	nexthop = nhc->nhc_gw_family ? nhc->nhc_gw.ipv4 : src;
	rcu_read_lock_bh();
	n = __ipv4_neigh_lookup_noref(dev, (__force u32)nexthop);
	ok = lbnl_from_neigh(skb, n);
	rcu_read_unlock_bh();
	return ok;
}

static bool lbnl_reply_path_ok6(struct net *net, const struct sk_buff *skb,
				const struct in6_addr *src)
{
	struct net_device *dev = skb->dev;
	struct flowi6 fl6 = { .daddr = *src };
	const struct in6_addr *nexthop;
	struct dst_entry *dst;
	struct neighbour *n;
	bool ok;

	dst = ip6_route_output(net, NULL, &fl6);
	ok = !dst->error && dst->dev == dev;
	if (ok && lbnl_l2_checkable(skb)) {
		nexthop = rt6_nexthop(container_of(dst, struct rt6_info, dst),
				      src);
		rcu_read_lock_bh();
		n = __ipv6_neigh_lookup_noref(dev, nexthop);
		ok = lbnl_from_neigh(skb, n);
		rcu_read_unlock_bh();
	}
	dst_release(dst);
	return ok;
}

/**
 * lbnl_reply_path_ok() - did a packet from a dest's address come from it?
 * @ln: the namespace's state
 * @skb: the packet, at PRE_ROUTING (skb->dev is where it came in)
 * @pkt: the parsed packet: its source is a nat dest's address
 *
 * Return: true if it came the way the LB reaches that address (or the
 * check is off, or the packet was sent on this host), else false.
 */
bool lbnl_reply_path_ok(struct lbnl_net *ln, const struct sk_buff *skb,
			const struct lbnl_pkt *pkt)
{
	if (!READ_ONCE(ln->settings.reply_check) ||
	    skb->dev->flags & IFF_LOOPBACK)
		return true;
	if (pkt->family == AF_INET)
		return lbnl_reply_path_ok4(ln->net, skb, pkt->saddr.ip);
	return lbnl_reply_path_ok6(ln->net, skb, &pkt->saddr.in6);
}
