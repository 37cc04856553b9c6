// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - weighted Maglev scheduling (scheduler "maglev").
 *
 * Each VIP has a lookup table of a prime number of slots, each slot naming a
 * dest (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016). A new flow takes the slot its hash selects. The
 * table is built in process context whenever the VIP's dests change, and
 * swapped in under RCU (sched.c): the packet path only reads it.
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

#include "lb.h"

#define LBNL_MAGLEV_SEED_OFFSET	0x6c626e6c	/* "lbnl" */
#define LBNL_MAGLEV_SEED_SKIP	0x6d61676c	/* "magl" */

/* At least 100 slots per dest, as the paper advises, from these primes. */
static const u32 lbnl_maglev_sizes[] = { 4093, 16381, 65521 };

#define LBNL_MAGLEV_EMPTY	U16_MAX

/**
 * struct lbnl_maglev - a VIP's Maglev lookup table
 * @data: the common part (its @dests point at @dests)
 * @size: number of slots, a prime
 * @slots: dest index per slot (points into @dests)
 * @dests: the dests that take new flows
 */
struct lbnl_maglev {
	struct lbnl_sched_data data;
	u32 size;
	u16 *slots;
	struct lbnl_dest *dests[];
};

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

/* Fill @t->slots from @t->dests (sorted), all of weight > 0. */
static int lbnl_maglev_populate(struct lbnl_maglev *t)
{
	u32 n = t->data.n_dests, m = t->size, filled = 0, max_w = 0, i;
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

static struct lbnl_sched_data *lbnl_maglev_build(struct lbnl_vip *vip,
						 struct lbnl_dest *const *dests,
						 u32 n)
{
	struct lbnl_maglev *t;
	u32 size;
	int err;

	/* Slots hold 16-bit dest indexes; sched.c passes at most U16_MAX. */
	if (WARN_ON_ONCE(n > LBNL_MAGLEV_EMPTY))
		return ERR_PTR(-E2BIG);
	size = lbnl_maglev_size(n);
	t = kvzalloc(struct_size(t, dests, n) + size * sizeof(*t->slots),
		     GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->size = size;
	t->slots = (u16 *)&t->dests[n];
	memcpy(t->dests, dests, n * sizeof(*dests));
	t->data.dests = t->dests;
	t->data.n_dests = n;
	err = lbnl_maglev_populate(t);
	if (err) {
		kvfree(t);
		return ERR_PTR(err);
	}
	return &t->data;
}

/**
 * lbnl_maglev_pick() - the dest a new flow goes to: the slot its hash selects
 * @data: the VIP's table
 * @vip: the VIP
 * @pkt: the packet
 * @init: it starts its flow
 *
 * Return: the dest.
 */
struct lbnl_dest *lbnl_maglev_pick(const struct lbnl_sched_data *data,
				   const struct lbnl_vip *vip,
				   const struct lbnl_pkt *pkt, bool init)
{
	const struct lbnl_maglev *t = container_of(data, struct lbnl_maglev,
						   data);

	return t->dests[t->slots[lbnl_sched_hash(vip, pkt, init) % t->size]];
}

/*
 * The first slot from the flow's own on that names another dest: still
 * weighted (a dest has as many slots as its share), still the same on
 * every LB.
 */
static struct lbnl_dest *
lbnl_maglev_pick_other(const struct lbnl_sched_data *data, u32 hash,
		       const struct lbnl_dest *not)
{
	const struct lbnl_maglev *t = container_of(data, struct lbnl_maglev,
						   data);
	struct lbnl_dest *d;
	u32 i;

	for (i = 0; i < t->size; i++) {
		d = t->dests[t->slots[(hash + i) % t->size]];
		if (d != not)
			return d;
	}
	return NULL;
}

static void lbnl_maglev_free(struct lbnl_sched_data *data)
{
	kvfree(container_of(data, struct lbnl_maglev, data));
}

const struct lbnl_scheduler lbnl_sched_maglev = {
	.name = "maglev",
	.sched = LBNL_SCHED_MAGLEV,
	.deterministic = true,
	.build = lbnl_maglev_build,
	.pick = lbnl_maglev_pick,
	.pick_other = lbnl_maglev_pick_other,
	.free = lbnl_maglev_free,
};
