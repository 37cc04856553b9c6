// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - weighted round robin (scheduler "wrr").
 *
 * New flows go to the dests in turn, a dest of weight w getting w of every
 * W flows (W the total weight), interleaved rather than in runs: flow c of a
 * CPU takes position (c * step) mod W of the dests' weight ranges laid end to
 * end, with step about 0.618 W and coprime with W, so every W consecutive
 * flows visit every position once. Each CPU counts its own flows (a per-CPU
 * counter, no lock, no atomic, no shared cache line); each CPU's share is
 * weighted, so the sum is.
 *
 * Not deterministic: where a flow goes depends on the flows before it and on
 * the CPU, so another LB, or this one after a reload, would send a flow's
 * mid-flow packets elsewhere. Pickups after a failover or a reload are then
 * not stateless (the dest that gets a picked-up TCP flow resets it), and
 * bypass auto is refused (vip.c). SCTP associations and their migrations
 * are fine: tags route them, and a migration's target is picked by hash.
 */

#include <linux/gcd.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "lb.h"

/**
 * struct lbnl_wrr - a VIP's weighted round robin
 * @data: the common part (its @dests point at @dests)
 * @next: per CPU: its flow counter
 * @total: W, the total weight
 * @step: the stride through the weight ranges, coprime with @total
 * @ends: per dest, the end of its weight range (the weights' running sum)
 * @dests: the dests that take new flows
 */
struct lbnl_wrr {
	struct lbnl_sched_data data;
	u32 __percpu *next;
	u32 total;
	u32 step;
	u32 *ends;
	struct lbnl_dest *dests[];
};

static void lbnl_wrr_free(struct lbnl_sched_data *data)
{
	struct lbnl_wrr *t = container_of(data, struct lbnl_wrr, data);

	free_percpu(t->next);
	kvfree(t);
}

static struct lbnl_sched_data *lbnl_wrr_build(struct lbnl_vip *vip,
					      struct lbnl_dest *const *dests,
					      u32 n)
{
	struct lbnl_wrr *t;
	u32 i, sum = 0;
	int cpu;

	t = kvzalloc(struct_size(t, dests, n) + n * sizeof(*t->ends),
		     GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->next = alloc_percpu(u32);
	if (!t->next) {
		kvfree(t);
		return ERR_PTR(-ENOMEM);
	}
	t->ends = (u32 *)&t->dests[n];
	for (i = 0; i < n; i++) {
		t->dests[i] = dests[i];
		/* <= U16_MAX dests of weight <= U16_MAX: no overflow. */
		sum += dests[i]->weight;
		t->ends[i] = sum;
	}
	t->total = sum;
	t->step = (u32)div_u64((u64)sum * 618034, 1000000);
	while (gcd(t->step, sum) != 1)
		t->step++;
	/* CPUs start apart, not all on the first dest. */
	for_each_possible_cpu(cpu) {
		u32 *next = per_cpu_ptr(t->next, cpu);

		*next = get_random_u32();
	}
	t->data.dests = t->dests;
	t->data.n_dests = n;
	return &t->data;
}

/* The dest whose weight range holds @pos (< total). */
static struct lbnl_dest *lbnl_wrr_at(const struct lbnl_wrr *t, u32 pos,
				     u32 *index)
{
	u32 lo = 0, hi = t->data.n_dests - 1;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (t->ends[mid] > pos)
			hi = mid;
		else
			lo = mid + 1;
	}
	*index = lo;
	return t->dests[lo];
}

static struct lbnl_dest *lbnl_wrr_pick(const struct lbnl_sched_data *data,
				       const struct lbnl_vip *vip,
				       const struct lbnl_pkt *pkt, bool init)
{
	const struct lbnl_wrr *t = container_of(data, struct lbnl_wrr, data);
	u32 c = this_cpu_inc_return(*t->next), pos, i;

	div_u64_rem((u64)c * t->step, t->total, &pos);
	return lbnl_wrr_at(t, pos, &i);
}

/* By the flow's hash, still weighted: the dest after @not if it is @not. */
static struct lbnl_dest *
lbnl_wrr_pick_other(const struct lbnl_sched_data *data, u32 hash,
		    const struct lbnl_dest *not)
{
	const struct lbnl_wrr *t = container_of(data, struct lbnl_wrr, data);
	struct lbnl_dest *d;
	u32 i;

	d = lbnl_wrr_at(t, hash % t->total, &i);
	if (d != not)
		return d;
	d = t->dests[(i + 1) % t->data.n_dests];
	return d != not ? d : NULL;
}

const struct lbnl_scheduler lbnl_sched_wrr = {
	.name = "wrr",
	.sched = LBNL_SCHED_WRR,
	.deterministic = false,
	.build = lbnl_wrr_build,
	.pick = lbnl_wrr_pick,
	.pick_other = lbnl_wrr_pick_other,
	.free = lbnl_wrr_free,
};
