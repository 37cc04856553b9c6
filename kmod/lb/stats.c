// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - the LB role's counters: per-CPU, per namespace, per VIP, per dest;
 * summed over CPUs only when read.
 */

#include <linux/netdevice.h>

#include "lb.h"

/**
 * lbnl_stats_net_init() - allocate a namespace's counters
 * @ln: the namespace's state
 *
 * Return: 0 or -ENOMEM.
 */
int lbnl_stats_net_init(struct lbnl_net *ln)
{
	ln->stats = netdev_alloc_pcpu_stats(struct lbnl_net_stats);
	return ln->stats ? 0 : -ENOMEM;
}

/**
 * lbnl_stats_net_exit() - free a namespace's counters
 * @ln: the namespace's state
 */
void lbnl_stats_net_exit(struct lbnl_net *ln)
{
	free_percpu(ln->stats);
}

/**
 * lbnl_stats_drop() - count a dropped packet
 * @ln: the namespace's state
 * @reason: LBNL_DROP_*
 */
void lbnl_stats_drop(struct lbnl_net *ln, unsigned int reason)
{
	struct lbnl_net_stats *s = this_cpu_ptr(ln->stats);

	if (WARN_ON_ONCE(reason > LBNL_DROP_MAX))
		reason = LBNL_DROP_UNSPEC;
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[reason]);
	u64_stats_update_end(&s->syncp);
}

static void lbnl_count_packet(struct lbnl_pcpu_counters *c,
			      struct u64_stats_sync *syncp, bool out,
			      unsigned int len)
{
	u64_stats_update_begin(syncp);
	if (out) {
		u64_stats_inc(&c->packets_out);
		u64_stats_add(&c->bytes_out, len);
	} else {
		u64_stats_inc(&c->packets_in);
		u64_stats_add(&c->bytes_in, len);
	}
	u64_stats_update_end(syncp);
}

static void lbnl_count_conn(struct lbnl_pcpu_counters *c,
			    struct u64_stats_sync *syncp, bool picked_up)
{
	u64_stats_update_begin(syncp);
	u64_stats_inc(&c->conns);
	if (picked_up)
		u64_stats_inc(&c->picked_up);
	u64_stats_update_end(syncp);
}

static void lbnl_count_evicted(struct lbnl_pcpu_counters *c,
			       struct u64_stats_sync *syncp)
{
	u64_stats_update_begin(syncp);
	u64_stats_inc(&c->evicted);
	u64_stats_update_end(syncp);
}

/* A packet (@out: a reply) of a flow of @vip to @dest, everywhere. */
static void lbnl_stats_packet(struct lbnl_net *ln, struct lbnl_vip *vip,
			      struct lbnl_dest *dest, bool out,
			      unsigned int len)
{
	struct lbnl_net_stats *n = this_cpu_ptr(ln->stats);
	struct lbnl_obj_stats *v = this_cpu_ptr(vip->stats);
	struct lbnl_obj_stats *d = this_cpu_ptr(dest->stats);

	lbnl_count_packet(&n->c, &n->syncp, out, len);
	lbnl_count_packet(&v->c, &v->syncp, out, len);
	lbnl_count_packet(&d->c, &d->syncp, out, len);
}

/**
 * lbnl_stats_in() - count a packet forwarded from the peer to a dest
 * @ln: the namespace's state
 * @vip: its VIP
 * @dest: its dest
 * @len: its length
 */
void lbnl_stats_in(struct lbnl_net *ln, struct lbnl_vip *vip,
		   struct lbnl_dest *dest, unsigned int len)
{
	lbnl_stats_packet(ln, vip, dest, false, len);
}

/**
 * lbnl_stats_out() - count a reply rewritten back to the VIP
 * @ln: the namespace's state
 * @vip: its VIP
 * @dest: the dest it came from
 * @len: its length
 */
void lbnl_stats_out(struct lbnl_net *ln, struct lbnl_vip *vip,
		    struct lbnl_dest *dest, unsigned int len)
{
	lbnl_stats_packet(ln, vip, dest, true, len);
}

/**
 * lbnl_stats_evicted() - count an unconfirmed entry evicted for a new one
 * @ln: the namespace's state
 * @vip: its VIP
 * @dest: its dest
 */
void lbnl_stats_evicted(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_dest *dest)
{
	struct lbnl_net_stats *n = this_cpu_ptr(ln->stats);
	struct lbnl_obj_stats *v = this_cpu_ptr(vip->stats);
	struct lbnl_obj_stats *d = this_cpu_ptr(dest->stats);

	lbnl_count_evicted(&n->c, &n->syncp);
	lbnl_count_evicted(&v->c, &v->syncp);
	lbnl_count_evicted(&d->c, &d->syncp);
}

/**
 * lbnl_stats_conn() - count a new connection entry
 * @ln: the namespace's state
 * @vip: its VIP
 * @dest: its dest
 * @picked_up: created mid-flow
 */
void lbnl_stats_conn(struct lbnl_net *ln, struct lbnl_vip *vip,
		     struct lbnl_dest *dest, bool picked_up)
{
	struct lbnl_net_stats *n = this_cpu_ptr(ln->stats);
	struct lbnl_obj_stats *v = this_cpu_ptr(vip->stats);
	struct lbnl_obj_stats *d = this_cpu_ptr(dest->stats);

	lbnl_count_conn(&n->c, &n->syncp, picked_up);
	lbnl_count_conn(&v->c, &v->syncp, picked_up);
	lbnl_count_conn(&d->c, &d->syncp, picked_up);
}
