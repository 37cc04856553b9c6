// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl sync FILE: make the namespace's configuration FILE's.
 *
 * FILE is what "lbnl save" prints: "vip add" lines, each followed by the
 * "dest add" lines of its VIP. restore applies commands to whatever is
 * there; sync works out the commands that turn what is there into FILE's
 * configuration and applies them as restore does (batch_apply: each VIP
 * with the dests it gains in one change, all or nothing):
 *
 *  1. "vip del" for every VIP that FILE lacks (first, so that they free
 *     their room under net.lbnl.max_vips);
 *  2. for every VIP of FILE, in its order: a new one is added with its
 *     dests at once; one that exists gets a "vip set" of the settings that
 *     differ, then its new dests in one change, then a "dest set" of each
 *     dest whose weight, state or tag id differs, then a "dest del" of
 *     each dest FILE lacks (after the additions: the VIP never has fewer
 *     dests than either configuration on the way).
 *
 * What FILE leaves out is the uapi's default (mode nat, sched maglev,
 * bypass off, migrate-after 0; weight 1, state active, no tag id).
 * Nothing that already matches is touched: its entries, flows and
 * migrations go on.
 *
 * One exception: a dest that is down (lbnld's health checks put it
 * there) where FILE says active is left down; its check sets it active
 * again. Configuration and health are two owners of a dest's state.
 *
 * This is how an LB of a group applies the group's configuration (lbnld
 * writes each revision to a file and runs "lbnl sync" on it), and how an
 * operator applies an edited "lbnl save" without a flush.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/lbnl.h>

#include "lbnl.h"
#include "util.h"

/* A VIP of FILE: its line, and its dests' lines. */
struct want_vip {
	const struct batch_line *vip;
	const struct batch_line **dests;
	size_t ndests;
	size_t cap;
};

struct want {
	struct want_vip *vips;
	size_t count;
	size_t cap;
};

static void want_free(struct want *w)
{
	size_t i;

	for (i = 0; i < w->count; i++)
		free(w->vips[i].dests);
	free(w->vips);
}

static struct want_vip *want_find(const struct want *w,
				  const struct lbu_vip_key *key)
{
	size_t i;

	for (i = 0; i < w->count; i++)
		if (lbnl_vip_key_equal(&w->vips[i].vip->req.vip.key, key))
			return &w->vips[i];
	return NULL;
}

static bool same_dest(const struct lbu_dest *a, const struct lbu_dest *b)
{
	return lbnl_vip_key_equal(&a->vip, &b->vip) &&
	       lbnl_addr_equal(&a->addr, &b->addr) && a->port == b->port;
}

static int out_of_memory(void)
{
	fprintf(stderr, "Error: out of memory\n");
	return EXIT_FAIL;
}

static int refuse_line(unsigned int number, const char *what)
{
	fprintf(stderr, "Error: line %u: %s\n", number, what);
	return EXIT_USAGE;
}

/*
 * FILE's lines as VIPs with their dests: only "vip add" and "dest add"
 * of a VIP added above, nothing twice.
 */
static int want_build(const struct batch *b, struct want *w)
{
	const struct batch_line *line, **d;
	struct want_vip *v, *p;
	size_t i, k;

	for (i = 0; i < b->count; i++) {
		line = &b->lines[i];
		switch (line->req.op) {
		case LBNL_OP_VIP_ADD:
			if (want_find(w, &line->req.vip.key))
				return refuse_line(line->number,
						   "VIP added twice");
			p = lbnl_grow_array(w->vips, &w->cap, w->count + 1,
					    sizeof(*p));
			if (!p)
				return out_of_memory();
			w->vips = p;
			w->vips[w->count++] = (struct want_vip){ .vip = line };
			break;
		case LBNL_OP_DEST_ADD:
			v = want_find(w, &line->req.dest.vip);
			if (!v)
				return refuse_line(line->number,
						   "dest of a VIP no line above adds");
			for (k = 0; k < v->ndests; k++)
				if (same_dest(&v->dests[k]->req.dest,
					      &line->req.dest))
					return refuse_line(line->number,
							   "dest added twice");
			d = lbnl_grow_array(v->dests, &v->cap, v->ndests + 1,
					    sizeof(*d));
			if (!d)
				return out_of_memory();
			v->dests = d;
			v->dests[v->ndests++] = line;
			break;
		default:
			return refuse_line(line->number,
					   "sync takes what 'lbnl save' prints: vip add and dest add lines only");
		}
	}
	return EXIT_OK;
}

/* FILE's VIP with the defaults for what it leaves out. */
static struct lbu_vip vip_with_defaults(const struct lbu_vip *v)
{
	struct lbu_vip full = { .key = v->key, .has = LBNL_VIP_HAS_SETTABLE,
				.mode = LBNL_FWD_NAT,
				.sched = LBNL_SCHED_MAGLEV,
				.bypass = LBNL_BYPASS_OFF };

	if (v->has & LBNL_VIP_HAS_MODE)
		full.mode = v->mode;
	if (v->has & LBNL_VIP_HAS_SCHED)
		full.sched = v->sched;
	if (v->has & LBNL_VIP_HAS_BYPASS)
		full.bypass = v->bypass;
	if (v->has & LBNL_VIP_HAS_MIGRATE_AFTER)
		full.migrate_after = v->migrate_after;
	return full;
}

static struct lbu_dest dest_with_defaults(const struct lbu_dest *d)
{
	struct lbu_dest full = *d;

	full.has = LBNL_DEST_HAS_WEIGHT | LBNL_DEST_HAS_STATE |
		   LBNL_DEST_HAS_TAG_ID;
	full.weight = d->has & LBNL_DEST_HAS_WEIGHT ? d->weight : 1;
	full.state = d->has & LBNL_DEST_HAS_STATE ? d->state : LBNL_DEST_ACTIVE;
	full.tag_id = d->has & LBNL_DEST_HAS_TAG_ID ? d->tag_id : 0;
	return full;
}

/* The settings of @want that @have lacks (LBNL_VIP_HAS_* bits). */
static unsigned int vip_diff(const struct lbu_vip *want,
			     const struct lbu_vip *have)
{
	unsigned int has = 0;

	if (want->mode != have->mode)
		has |= LBNL_VIP_HAS_MODE;
	if (want->sched != have->sched)
		has |= LBNL_VIP_HAS_SCHED;
	if (want->bypass != have->bypass)
		has |= LBNL_VIP_HAS_BYPASS;
	if (want->migrate_after != have->migrate_after)
		has |= LBNL_VIP_HAS_MIGRATE_AFTER;
	return has;
}

static unsigned int dest_diff(const struct lbu_dest *want,
			      const struct lbu_dest *have)
{
	unsigned int has = 0;

	if (want->weight != have->weight)
		has |= LBNL_DEST_HAS_WEIGHT;
	/* down is the health checks' (see the top) */
	if (want->state != have->state &&
	    !(want->state == LBNL_DEST_ACTIVE &&
	      have->state == LBNL_DEST_DOWN))
		has |= LBNL_DEST_HAS_STATE;
	if (want->tag_id != have->tag_id)
		has |= LBNL_DEST_HAS_TAG_ID;
	return has;
}

static int plan_add(struct batch *plan, unsigned int number,
		    const struct request *req)
{
	struct batch_line *line = batch_add(plan);

	if (!line)
		return out_of_memory();
	line->number = number;
	line->req = *req;
	return EXIT_OK;
}

/* The changes that make an existing VIP @v's dests FILE's. */
static int plan_dests(struct batch *plan, const struct config *have,
		      const struct want_vip *v)
{
	const struct lbu_vip_key *key = &v->vip->req.vip.key;
	const struct lbu_dest *const *cur;
	size_t i, k, n = config_dests_of(have, key, &cur);
	struct lbu_dest want;
	struct request req;
	int ret = EXIT_OK;
	bool found;

	/* new dests (batch_apply groups them into one change) */
	for (i = 0; i < v->ndests && !ret; i++) {
		for (k = 0; k < n; k++)
			if (same_dest(cur[k], &v->dests[i]->req.dest))
				break;
		if (k == n)
			ret = plan_add(plan, v->dests[i]->number,
				       &v->dests[i]->req);
	}
	/* changed ones */
	for (i = 0; i < v->ndests && !ret; i++) {
		want = dest_with_defaults(&v->dests[i]->req.dest);
		for (k = 0; k < n; k++)
			if (same_dest(cur[k], &want))
				break;
		if (k == n || !dest_diff(&want, cur[k]))
			continue;
		req = (struct request){ .op = LBNL_OP_DEST_SET, .dest = want };
		req.dest.has = dest_diff(&want, cur[k]);
		ret = plan_add(plan, v->dests[i]->number, &req);
	}
	/* those FILE lacks */
	for (k = 0; k < n && !ret; k++) {
		found = false;
		for (i = 0; i < v->ndests && !found; i++)
			found = same_dest(cur[k], &v->dests[i]->req.dest);
		if (found)
			continue;
		req = (struct request){ .op = LBNL_OP_DEST_DEL,
					.dest = *cur[k] };
		ret = plan_add(plan, 0, &req);
	}
	return ret;
}

/* The changes that turn @have into @w, in the order of the top. */
static int plan_build(const struct config *have, const struct want *w,
		      struct batch *plan)
{
	const struct lbu_vip *cur;
	struct lbu_vip want;
	struct request req;
	int ret = EXIT_OK;
	size_t i, k;

	for (i = 0; i < have->vips.count && !ret; i++) {
		cur = &have->vips.vips[i];
		if (want_find(w, &cur->key))
			continue;
		req = (struct request){ .op = LBNL_OP_VIP_DEL };
		req.vip.key = cur->key;
		ret = plan_add(plan, 0, &req);
	}
	for (i = 0; i < w->count && !ret; i++) {
		const struct want_vip *v = &w->vips[i];

		want = vip_with_defaults(&v->vip->req.vip);
		cur = NULL;
		for (k = 0; k < have->vips.count; k++)
			if (lbnl_vip_key_equal(&have->vips.vips[k].key,
					       &want.key))
				cur = &have->vips.vips[k];
		if (!cur) {
			ret = plan_add(plan, v->vip->number, &v->vip->req);
			for (k = 0; k < v->ndests && !ret; k++)
				ret = plan_add(plan, v->dests[k]->number,
					       &v->dests[k]->req);
			continue;
		}
		if (vip_diff(&want, cur)) {
			req = (struct request){ .op = LBNL_OP_VIP_SET,
						.vip = want };
			req.vip.has = vip_diff(&want, cur);
			ret = plan_add(plan, v->vip->number, &req);
		}
		if (!ret)
			ret = plan_dests(plan, have, v);
	}
	return ret;
}

static int run_sync(int argc, char **argv)
{
	const char *path = argc ? argv[0] : "-";
	struct batch file = { 0 }, plan = { 0 };
	struct want w = { 0 };
	struct config have;
	struct lbnl_nl *nl;
	FILE *fp;
	int ret, err;

	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	fp = input_open(path);
	if (!fp)
		return EXIT_FAIL;
	ret = batch_read(fp, &file);
	input_close(fp);
	if (ret == EXIT_OK)
		ret = want_build(&file, &w);
	if (ret != EXIT_OK)
		goto out;

	nl = cli_nl_open();
	if (!nl) {
		ret = EXIT_FAIL;
		goto out;
	}
	err = config_fetch(nl, NULL, &have);
	if (err) {
		report_error(nl, LBNL_OP_VIP_GET, err, "");
		ret = EXIT_FAIL;
	} else {
		ret = plan_build(&have, &w, &plan);
		if (ret == EXIT_OK && plan.count)
			ret = batch_apply(nl, &plan);
		config_free(&have);
	}
	lbnl_nl_close(nl);
out:
	want_free(&w);
	free(plan.lines);
	free(file.lines);
	return ret;
}

const struct cmd sync_cmds[] = {
	{ NULL, "[FILE]",
	  "Make the configuration FILE's (what \"lbnl save\" prints): VIPs\n"
	  "and dests it lacks deleted, the others added or changed, all or none",
	  run_sync, NULL },
	{ 0 },
};
