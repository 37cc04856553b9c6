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
	const struct lbnl_scheduler *ops = lbnl_sched_get(vip->sched);
	struct lbnl_sched_data *data = NULL;
	struct lbnl_dest **dests = NULL;
	struct lbnl_dest *dest;
	u32 n = 0, i = 0;
	int err = -ENOMEM;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry(dest, &vip->dests, list)
		if (lbnl_dest_takes_new(dest))
			n++;
	n = min_t(u32, n, U16_MAX);

	if (n) {
		dests = kvmalloc_array(n, sizeof(*dests), GFP_KERNEL);
		if (!dests)
			goto err;
		list_for_each_entry(dest, &vip->dests, list) {
			if (i == n)
				break;
			if (lbnl_dest_takes_new(dest))
				dests[i++] = dest;
		}
		sort(dests, n, sizeof(dests[0]), lbnl_dest_cmp, NULL);
		data = ops->build(vip, dests, n);
		kvfree(dests);
		if (IS_ERR(data)) {
			err = PTR_ERR(data);
			goto err;
		}
		data->ops = ops;
	}
	lbnl_sched_swap(ln, vip, data);
	return 0;

err:
	lbnl_sched_keep_old(ln, vip);
	return err;
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
