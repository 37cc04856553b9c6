// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - weighted Maglev scheduling.
 *
 * Each VIP has a lookup table of a prime number of slots, each slot naming a
 * dest (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016). A new flow takes the slot its hash selects. The
 * table is built in process context whenever the VIP's dests change, and
 * swapped in under RCU: the packet path only reads it.
 *
 * Weights: each dest fills slots in turn, a dest of weight w getting w turns
 * for every max-weight turns of the heaviest dest, so its share of the
 * slots is its share of the total weight.
 *
 * Determinism: the permutations and the flow hash use fixed seeds, and dests
 * are taken in address order, so LBs with the same configuration build the
 * same table and send a flow's mid-flow packets to the same dest (after a
 * failover or a module reload) without sharing state. The price is that the
 * flow hash is predictable: a peer choosing its ports can choose its dest,
 * which it could also do by retrying, and it cannot make the table lopsided.
 */

#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "lb.h"

#define LBNL_MAGLEV_SEED_OFFSET	0x6c626e6c	/* "lbnl" */
#define LBNL_MAGLEV_SEED_SKIP	0x6d61676c	/* "magl" */

/* At least 100 slots per dest, as the paper advises, from these primes. */
static const u32 lbnl_maglev_sizes[] = { 4093, 16381, 65521 };

#define LBNL_MAGLEV_EMPTY	U16_MAX

static u32 lbnl_maglev_size(u32 n_dests)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lbnl_maglev_sizes) - 1; i++)
		if (lbnl_maglev_sizes[i] >= 100 * n_dests)
			break;
	return lbnl_maglev_sizes[i];
}

static u32 lbnl_dest_hash(const struct lbnl_dest *dest, u32 seed)
{
	return jhash_2words(jhash2(dest->addr.all, ARRAY_SIZE(dest->addr.all),
				   seed),
			    (__force u32)dest->port, seed);
}

static int lbnl_dest_cmp(const void *a, const void *b)
{
	const struct lbnl_dest *x = *(const struct lbnl_dest * const *)a;
	const struct lbnl_dest *y = *(const struct lbnl_dest * const *)b;
	int r = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (r)
		return r;
	return (int)ntohs(x->port) - (int)ntohs(y->port);
}

/* Fill @t->slots from @t->dests (sorted), all of weight > 0. */
static int lbnl_maglev_populate(struct lbnl_maglev *t)
{
	u32 n = t->n_dests, m = t->size, filled = 0, max_w = 0, i;
	u32 *offset, *skip, *next, *credit;

	offset = kcalloc(4 * n, sizeof(u32), GFP_KERNEL);
	if (!offset)
		return -ENOMEM;
	skip = offset + n;
	next = skip + n;
	credit = next + n;

	for (i = 0; i < n; i++) {
		offset[i] = lbnl_dest_hash(t->dests[i],
					   LBNL_MAGLEV_SEED_OFFSET) % m;
		skip[i] = lbnl_dest_hash(t->dests[i],
					 LBNL_MAGLEV_SEED_SKIP) % (m - 1) + 1;
		max_w = max_t(u32, max_w, t->dests[i]->weight);
	}
	memset(t->slots, 0xff, m * sizeof(*t->slots));

	while (filled < m) {
		for (i = 0; i < n && filled < m; i++) {
			u32 c;

			credit[i] += t->dests[i]->weight;
			if (credit[i] < max_w)
				continue;
			credit[i] -= max_w;
			do {
				c = (offset[i] + (u64)next[i] * skip[i]) % m;
				next[i]++;
			} while (t->slots[c] != LBNL_MAGLEV_EMPTY);
			t->slots[c] = i;
			filled++;
		}
		cond_resched();
	}
	kfree(offset);
	return 0;
}

/*
 * Out of memory: the old table may stay, unless it names a deleted dest
 * (whose memory may go): then no table, no new flows, until the next change.
 */
static void lbnl_sched_keep_old(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_maglev *old;
	u32 i;

	old = rcu_dereference_protected(vip->maglev,
					lockdep_is_held(&ln->lock));
	if (!old)
		return;
	for (i = 0; i < old->n_dests; i++) {
		if (old->dests[i]->dead) {
			RCU_INIT_POINTER(vip->maglev, NULL);
			kvfree_rcu(old, rcu);
			return;
		}
	}
}

/**
 * lbnl_sched_rebuild() - rebuild a VIP's table after its dests changed
 * @ln: the namespace's state, locked
 * @vip: the VIP
 *
 * Return: 0, or -ENOMEM (the old table then stays in use, if it can).
 */
int lbnl_sched_rebuild(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_maglev *t, *old;
	struct lbnl_dest *dest;
	u32 n = 0, size;
	int err = -ENOMEM;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry(dest, &vip->dests, list)
		if (lbnl_dest_takes_new(dest))
			n++;
	n = min_t(u32, n, LBNL_MAGLEV_EMPTY);

	t = NULL;
	if (n) {
		size = lbnl_maglev_size(n);
		t = kvzalloc(struct_size(t, dests, n) +
			     size * sizeof(*t->slots), GFP_KERNEL);
		if (!t)
			goto err;
		t->size = size;
		t->slots = (u16 *)&t->dests[n];
		list_for_each_entry(dest, &vip->dests, list) {
			if (t->n_dests == n)
				break;
			if (lbnl_dest_takes_new(dest))
				t->dests[t->n_dests++] = dest;
		}
		sort(t->dests, n, sizeof(t->dests[0]), lbnl_dest_cmp, NULL);
		err = lbnl_maglev_populate(t);
		if (err) {
			kvfree(t);
			goto err;
		}
	}

	old = rcu_replace_pointer(vip->maglev, t, lockdep_is_held(&ln->lock));
	if (old)
		kvfree_rcu(old, rcu);
	return 0;

err:
	lbnl_sched_keep_old(ln, vip);
	return err;
}

/**
 * lbnl_sched_free() - free a VIP's table; nobody can see the VIP any more
 * @vip: the VIP
 */
void lbnl_sched_free(struct lbnl_vip *vip)
{
	kvfree(rcu_dereference_protected(vip->maglev, true));
}

/**
 * lbnl_sched_hash() - the flow hash that selects a slot
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
 * lbnl_sched_pick() - the dest a new flow goes to
 * @vip: the VIP
 * @hash: from lbnl_sched_hash()
 *
 * Call under rcu_read_lock(). The dest is not referenced.
 *
 * Return: the dest, or %NULL if no dest takes new flows.
 */
struct lbnl_dest *lbnl_sched_pick(struct lbnl_vip *vip, u32 hash)
{
	struct lbnl_maglev *t = rcu_dereference(vip->maglev);

	if (!t)
		return NULL;
	return t->dests[t->slots[hash % t->size]];
}

/**
 * lbnl_sched_pick_other() - where a flow goes if not to @not
 * @vip: the VIP
 * @hash: the flow's hash
 * @not: a dest to avoid (a migration's source)
 *
 * The first slot from the flow's own on that names another dest: still
 * weighted (a dest has as many slots as its share), still the same on
 * every LB. Call under rcu_read_lock().
 *
 * Return: the dest, or %NULL if no other dest takes new flows.
 */
struct lbnl_dest *lbnl_sched_pick_other(struct lbnl_vip *vip, u32 hash,
					const struct lbnl_dest *not)
{
	struct lbnl_maglev *t = rcu_dereference(vip->maglev);
	struct lbnl_dest *d;
	u32 i;

	if (!t)
		return NULL;
	for (i = 0; i < t->size; i++) {
		d = t->dests[t->slots[(hash + i) % t->size]];
		if (d != not)
			return d;
	}
	return NULL;
}
