// SPDX-License-Identifier: GPL-2.0
/*
 * VIPs and their dests as one picture. They come from two dumps, so a
 * change between them can make a VIP's dest_count disagree with the dests
 * we got: then read both again (a few times at most).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lbnl.h"

#define FETCH_ATTEMPTS 3

/* By VIP, then by position in the dump (the pointers share one array). */
static int compare_dest_ptr(const void *pa, const void *pb)
{
	const struct lbu_dest *a = *(const struct lbu_dest *const *)pa;
	const struct lbu_dest *b = *(const struct lbu_dest *const *)pb;
	int r = lbnl_vip_key_compare(&a->vip, &b->vip);

	if (r)
		return r;
	return a < b ? -1 : a > b;
}

static int build_index(struct config *cfg)
{
	size_t i, n = cfg->dests.count;

	cfg->by_vip = malloc((n ? n : 1) * sizeof(*cfg->by_vip));
	if (!cfg->by_vip)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		cfg->by_vip[i] = &cfg->dests.dests[i];
	qsort(cfg->by_vip, n, sizeof(*cfg->by_vip), compare_dest_ptr);
	return 0;
}

size_t config_dests_of(const struct config *cfg,
		       const struct lbu_vip_key *vip,
		       const struct lbu_dest *const **first)
{
	size_t lo = 0, hi = cfg->dests.count, end;

	while (lo < hi) {	/* first entry not below vip */
		size_t mid = lo + (hi - lo) / 2;

		if (lbnl_vip_key_compare(&cfg->by_vip[mid]->vip, vip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < cfg->dests.count; end++)
		if (!lbnl_vip_key_equal(&cfg->by_vip[end]->vip, vip))
			break;
	*first = cfg->by_vip + lo;
	return end - lo;
}

static bool consistent(const struct config *cfg)
{
	const struct lbu_dest *const *first;
	size_t i;

	for (i = 0; i < cfg->vips.count; i++) {
		const struct lbu_vip *vip = &cfg->vips.vips[i];

		if ((vip->has & LBNL_VIP_HAS_DEST_COUNT) &&
		    config_dests_of(cfg, &vip->key, &first) != vip->dest_count)
			return false;
	}
	return true;
}

static int fetch_vips(struct lbnl_nl *nl, const struct lbu_vip_key *filter,
		      struct lbnl_vip_list *list)
{
	if (!filter)
		return lbnl_vip_dump(nl, list);
	list->vips = malloc(sizeof(*list->vips));
	if (!list->vips)
		return -ENOMEM;
	list->count = 1;
	return lbnl_vip_get(nl, filter, list->vips);
}

static int fetch_once(struct lbnl_nl *nl, const struct lbu_vip_key *filter,
		      struct config *cfg)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	err = fetch_vips(nl, filter, &cfg->vips);
	if (!err)
		err = lbnl_dest_dump(nl, filter, &cfg->dests);
	if (!err)
		err = build_index(cfg);
	return err;
}

int config_fetch(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		 struct config *cfg)
{
	int attempt, err;

	for (attempt = 1; ; attempt++) {
		err = fetch_once(nl, vip, cfg);
		if (err || attempt == FETCH_ATTEMPTS || consistent(cfg))
			break;
		config_free(cfg);
	}
	if (err)
		config_free(cfg);
	return err;
}

void config_free(struct config *cfg)
{
	lbnl_vip_list_free(&cfg->vips);
	lbnl_dest_list_free(&cfg->dests);
	free(cfg->by_vip);
	cfg->by_vip = NULL;
}
