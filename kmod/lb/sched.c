// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - scheduling: what every scheduler shares (the schedulers are
 * sched_NAME.c, see struct lbnl_scheduler in ops.h).
 *
 * A VIP's scheduler builds its data (a lookup table, weights, counters) in
 * process context whenever the VIP's dests change or the VIP changes
 * scheduler, from the dests that take new flows in address order (so that
 * LBs with the same configuration build the same data); the data is swapped
 * in under RCU and carries its scheduler's ops: the packet path only reads
 * it. No dest taking new flows, no data: new flows are dropped.
 */

#include <linux/slab.h>
#include <linux/sort.h>

#include "lb.h"

static int lbnl_dest_cmp(const void *a, const void *b)
{
	const struct lbnl_dest *x = *(const struct lbnl_dest * const *)a;
	const struct lbnl_dest *y = *(const struct lbnl_dest * const *)b;
	int r = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (r)
		return r;
	return (int)ntohs(x->port) - (int)ntohs(y->port);
}

static void lbnl_sched_data_free_rcu(struct rcu_head *rcu)
{
	struct lbnl_sched_data *data = container_of(rcu, struct lbnl_sched_data,
						    rcu);

	data->ops->free(data);
}

/* Replace a VIP's data, freeing the old one after a grace period. */
static void lbnl_sched_swap(struct lbnl_net *ln, struct lbnl_vip *vip,
			    struct lbnl_sched_data *data)
{
	struct lbnl_sched_data *old;

	old = rcu_replace_pointer(vip->sched_data, data,
				  lockdep_is_held(&ln->lock));
	if (old)
		call_rcu(&old->rcu, lbnl_sched_data_free_rcu);
}

/*
 * Out of memory: the old data may stay, unless it names a deleted dest
 * (whose memory may go): then no data, no new flows, until the next change.
 */
static void lbnl_sched_keep_old(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_sched_data *old;
	u32 i;

	old = rcu_dereference_protected(vip->sched_data,
					lockdep_is_held(&ln->lock));
	if (!old)
		return;
	for (i = 0; i < old->n_dests; i++) {
		if (old->dests[i]->dead) {
			lbnl_sched_swap(ln, vip, NULL);
			return;
		}
	}
}

/* Does @dest count for the data, and is there room for it? */
static bool lbnl_sched_takes(const struct lbnl_dest *dest, u32 n)
{
	return n < U16_MAX && lbnl_dest_takes_new(dest);
}

/**
 * lbnl_sched_build() - build a VIP's scheduler data, without using it yet
 * @ln: the namespace's state, locked
 * @vip: the VIP
 * @sched: the scheduler to build for (enum lbnl_sched; the VIP's, or the
 *	one it is about to get)
 * @extra: dests about to join the VIP (linked by &lbnl_dest.list, not in
 *	the VIP yet), or %NULL
 *
 * The data is built from the VIP's dests and @extra's; the caller installs
 * it with lbnl_sched_install() once the dests of @extra are the VIP's, or
 * frees it with lbnl_sched_data_free().
 *
 * Return: the data, %NULL if no dest takes new flows, or an ERR_PTR().
 */
struct lbnl_sched_data *lbnl_sched_build(struct lbnl_net *ln,
					 struct lbnl_vip *vip, u8 sched,
					 struct list_head *extra)
{
	const struct lbnl_scheduler *ops = lbnl_sched_get(sched);
	struct list_head *lists[] = { &vip->dests, extra };
	struct lbnl_sched_data *data;
	struct lbnl_dest **dests;
	struct lbnl_dest *dest;
	unsigned int k;
	u32 n = 0, i = 0;

	lockdep_assert_held(&ln->lock);
	for (k = 0; k < ARRAY_SIZE(lists) && lists[k]; k++)
		list_for_each_entry(dest, lists[k], list)
			if (lbnl_sched_takes(dest, n))
				n++;
	if (!n)
		return NULL;

	dests = kvmalloc_array(n, sizeof(*dests), GFP_KERNEL);
	if (!dests)
		return ERR_PTR(-ENOMEM);
	for (k = 0; k < ARRAY_SIZE(lists) && lists[k]; k++)
		list_for_each_entry(dest, lists[k], list)
			if (lbnl_sched_takes(dest, i))
				dests[i++] = dest;
	sort(dests, n, sizeof(dests[0]), lbnl_dest_cmp, NULL);
	data = ops->build(vip, dests, n);
	kvfree(dests);
	if (!IS_ERR(data))
		data->ops = ops;
	return data;
}

/**
 * lbnl_sched_install() - make data from lbnl_sched_build() the VIP's
 * @ln: the namespace's state, locked
 * @vip: the VIP, with every dest the data names
 * @data: the data, or %NULL (no dest takes new flows)
 *
 * The packet path sees the new data at once; the old one is freed after a
 * grace period.
 */
void lbnl_sched_install(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_sched_data *data)
{
	lbnl_sched_swap(ln, vip, data);
}

/**
 * lbnl_sched_data_free() - free data lbnl_sched_build() made and nobody
 * uses
 * @data: the data, or %NULL
 */
void lbnl_sched_data_free(struct lbnl_sched_data *data)
{
	if (data)
		data->ops->free(data);
}

/**
 * lbnl_sched_rebuild() - rebuild a VIP's scheduler data after its dests or
 * its scheduler changed
 * @ln: the namespace's state, locked
 * @vip: the VIP
 *
 * Return: 0, or a negative errno: the old data then stays in use if it
 * names no deleted dest, even if it is the former scheduler's (the next
 * change rebuilds).
 */
int lbnl_sched_rebuild(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_sched_data *data;

	data = lbnl_sched_build(ln, vip, vip->sched, NULL);
	if (IS_ERR(data)) {
		lbnl_sched_keep_old(ln, vip);
		return PTR_ERR(data);
	}
	lbnl_sched_swap(ln, vip, data);
	return 0;
}

/**
 * lbnl_sched_free() - free a VIP's data; nobody can see the VIP any more
 * @vip: the VIP
 */
void lbnl_sched_free(struct lbnl_vip *vip)
{
	struct lbnl_sched_data *data;

	data = rcu_dereference_protected(vip->sched_data, true);
	if (data)
		data->ops->free(data);
}

/**
 * lbnl_sched_hash() - the flow hash a deterministic scheduler selects by
 * @vip: the VIP
 * @pkt: the packet
 * @init: it starts the flow (SCTP: hash the INIT's initiate tag)
 *
 * Of what identifies the flow on every LB (&lbnl_proto.hash): TCP and UDP
 * the peer's address and port, SCTP a tag and ports.
 *
 * Return: the hash.
 */
u32 lbnl_sched_hash(const struct lbnl_vip *vip, const struct lbnl_pkt *pkt,
		    bool init)
{
	return INDIRECT_CALL_2(pkt->pp->hash, lbnl_hash_addr, lbnl_sctp_hash,
			       pkt, init);
}

/**
 * lbnl_sched_pick() - the dest a packet without an entry goes to
 * @vip: the VIP
 * @pkt: the packet
 * @init: it starts its flow (SYN, INIT, UDP), else it is picked up mid-flow
 *
 * Call under rcu_read_lock(). The dest is not referenced.
 *
 * Return: the dest, or %NULL if no dest takes new flows.
 */
struct lbnl_dest *lbnl_sched_pick(struct lbnl_vip *vip,
				  const struct lbnl_pkt *pkt, bool init)
{
	struct lbnl_sched_data *data = rcu_dereference(vip->sched_data);

	if (!data)
		return NULL;
	return INDIRECT_CALL_1(data->ops->pick, lbnl_maglev_pick, data, vip,
			       pkt, init);
}

/**
 * lbnl_sched_pick_other() - where a flow goes if not to @not
 * @vip: the VIP
 * @hash: the flow's hash
 * @not: a dest to avoid (a migration's source)
 *
 * Call under rcu_read_lock().
 *
 * Return: the dest, or %NULL if no other dest takes new flows.
 */
struct lbnl_dest *lbnl_sched_pick_other(struct lbnl_vip *vip, u32 hash,
					const struct lbnl_dest *not)
{
	struct lbnl_sched_data *data = rcu_dereference(vip->sched_data);

	if (!data)
		return NULL;
	return data->ops->pick_other(data, hash, not);
}
