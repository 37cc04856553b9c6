// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - reassembling a nat dest's fragmented replies.
 *
 * A dest's reply must leave with the VIP's address and port, but only its
 * first fragment has ports, and a fragment alone cannot say which VIP (a
 * dest's address may serve several). So fragments from the address of a
 * nat dest, once their source passes reply_check (reply_check.c), are
 * reassembled here, before defragmentation and conntrack, as IPVS does
 * (ip_vs_gather_frags()); the whole reply is then translated like any
 * other, and the output path fragments it again to the size its fragments
 * had (IPCB/IP6CB frag_max_size), as after conntrack's reassembly. The
 * queues are the kernel's, per namespace, bounded by its ipfrag_high_thresh
 * sysctls (net.ipv4.ipfrag_*, and net.netfilter.nf_conntrack_frag6_* for
 * IPv6, whose reassembly is nf_defrag_ipv6's).
 *
 * Fragments for a VIP are still dropped (hooks.c): reassembling every
 * peer's fragments is what a balancer in the path of all traffic should
 * not do; peers use path MTU discovery, which icmp.c makes work.
 */

#include <net/ip.h>
#include <net/ipv6_frag.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

#include "lb.h"

/*
 * The reassembly queues' owners (enum ip_defrag_users, ip6_defrag_users):
 * IPv4 has a value for IPVS's reassembly of outgoing replies, which is what
 * this is; IPv6 has none, so one past nf_defrag_ipv6's last (a u32 key).
 */
#define LBNL_DEFRAG4_USER	IP_DEFRAG_VS_OUT
#define LBNL_DEFRAG6_USER	(__IP6_DEFRAG_CONNTRACK_BRIDGE_IN + 1)

/**
 * lbnl_defrag() - queue a fragment of a dest's reply
 * @net: the namespace
 * @skb: the fragment, network header at skb->data
 * @family: AF_INET or AF_INET6
 *
 * Return: 0 when @skb is now the whole packet; -EINPROGRESS when it was
 * queued or freed (the hook steals it); another negative errno when it
 * must be dropped (the hook drops it).
 */
int lbnl_defrag(struct net *net, struct sk_buff *skb, u8 family)
{
	int err;

	if (family == AF_INET6)
		return nf_ct_frag6_gather(net, skb, LBNL_DEFRAG6_USER);

	/* ip_defrag() frees the packet on any error. */
	local_bh_disable();
	err = ip_defrag(net, skb, LBNL_DEFRAG4_USER);
	local_bh_enable();
	if (err)
		return -EINPROGRESS;
	ip_send_check(ip_hdr(skb));
	return 0;
}
