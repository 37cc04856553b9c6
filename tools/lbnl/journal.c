// SPDX-License-Identifier: GPL-2.0
/*
 * What "lbnl restore" changed, and how to undo it.
 *
 * Each change is applied together with its inverse, computed from the
 * state just before it (read from the kernel when the inverse needs old
 * values):
 *
 *   vip add          -> vip del (also of a VIP added with its dests)
 *   vip set          -> vip set with the old settings
 *   vip del, flush   -> re-create the VIPs with their old settings and dests
 *                       (each VIP with its dests in one change)
 *   dest add         -> dest del (each, when several were added at once)
 *   dest set         -> dest set with the old weight and state
 *   dest del         -> dest add with the old weight and state
 *
 * Changes to a VIP this restore created need no inverse of their own: the
 * inverse of its "vip add" deletes it with everything in it. Room for the
 * inverses is reserved before a change, so a change that succeeded is
 * always recorded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/lbnl.h>

#include "lbnl.h"
#include "util.h"

struct undo {
	unsigned int line;
	struct request req;
	struct lbu_dest *own;	/* req.dests, when the undo owns them */
};

struct journal {
	struct undo *undos;	/* run from last to first */
	size_t count;
	size_t cap;
	struct lbu_vip_key *created;	/* VIPs this restore added */
	size_t ncreated;
	size_t created_cap;
};

struct journal *journal_new(void)
{
	return calloc(1, sizeof(struct journal));
}

void journal_free(struct journal *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->count; i++)
		free(j->undos[i].own);
	free(j->undos);
	free(j->created);
	free(j);
}

size_t journal_size(const struct journal *j)
{
	return j->count;
}

static int reserve(struct journal *j, size_t undos)
{
	void *p = lbnl_grow_array(j->undos, &j->cap, j->count + undos,
				  sizeof(*j->undos));

	if (!p)
		return -ENOMEM;
	j->undos = p;
	p = lbnl_grow_array(j->created, &j->created_cap, j->ncreated + 1,
			    sizeof(*j->created));
	if (!p)
		return -ENOMEM;
	j->created = p;
	return 0;
}

static struct request *push(struct journal *j, unsigned int line,
			    enum lbnl_op op)
{
	struct undo *u = &j->undos[j->count++];

	u->line = line;
	u->req = (struct request){ .op = op };
	u->own = NULL;
	return &u->req;
}

static bool created(const struct journal *j, const struct lbu_vip_key *key)
{
	size_t i;

	for (i = 0; i < j->ncreated; i++)
		if (lbnl_vip_key_equal(&j->created[i], key))
			return true;
	return false;
}

static void forget_created(struct journal *j, const struct lbu_vip_key *key)
{
	size_t i;

	for (i = 0; i < j->ncreated; i++) {
		if (lbnl_vip_key_equal(&j->created[i], key)) {
			j->created[i] = j->created[--j->ncreated];
			return;
		}
	}
}

/*
 * The dests of each VIP of a snapshot, copied (the undos that re-create the
 * VIPs keep them): dests[i] for cfg->vips.vips[i], NULL if it has none.
 * Made before the change, so that recording its undo cannot fail.
 */
static struct lbu_dest **copy_dests(const struct config *cfg)
{
	struct lbu_dest **out = calloc(cfg->vips.count + 1, sizeof(*out));
	const struct lbu_dest *const *dests;
	size_t i, k, n;

	for (i = 0; out && i < cfg->vips.count; i++) {
		n = config_dests_of(cfg, &cfg->vips.vips[i].key, &dests);
		if (!n)
			continue;
		out[i] = malloc(n * sizeof(*out[i]));
		if (!out[i]) {
			while (i-- > 0)
				free(out[i]);
			free(out);
			return NULL;
		}
		for (k = 0; k < n; k++)
			out[i][k] = *dests[k];
	}
	return out;
}

/*
 * Undo entries that re-create vip with its n dests (copy_dests(), owned by
 * the undo from now on): one change, VIP and dests together (more than
 * LBNL_VIP_DESTS_MAX dests: then a change per that many more). Pushed in
 * reverse, as the journal runs backwards.
 */
static void push_recreate(struct journal *j, unsigned int line,
			  const struct lbu_vip *vip, struct lbu_dest *dests,
			  size_t n)
{
	size_t first = n > LBNL_VIP_DESTS_MAX ? LBNL_VIP_DESTS_MAX : n, at;
	struct request *r;

	for (at = n; at > first;) {
		size_t k = (at - first) % LBNL_VIP_DESTS_MAX;

		if (!k)
			k = LBNL_VIP_DESTS_MAX;
		at -= k;
		r = push(j, line, LBNL_OP_VIP_SET);
		r->vip.key = vip->key;
		r->dests = dests + at;
		r->ndests = k;
	}
	r = push(j, line, LBNL_OP_VIP_ADD);
	r->vip = *vip;
	r->vip.has &= LBNL_VIP_HAS_SETTABLE;
	r->dests = dests;
	r->ndests = first;
	j->undos[j->count - 1].own = dests;
}

static int apply_vip_add(struct journal *j, struct lbnl_nl *nl,
			 const struct request *req, unsigned int line,
			 size_t *bad)
{
	int err = reserve(j, 1);

	if (!err)
		err = request_apply_dests(nl, req, bad);
	if (err)
		return err;
	push(j, line, LBNL_OP_VIP_DEL)->vip.key = req->vip.key;
	j->created[j->ncreated++] = req->vip.key;
	return 0;
}

/* vip set, and dests added to a VIP at once (a VIP_SET with dests). */
static int apply_vip_set(struct journal *j, struct lbnl_nl *nl,
			 const struct request *req, unsigned int line,
			 size_t *bad)
{
	struct request *r;
	struct lbu_vip old;
	size_t i;
	int err;

	if (created(j, &req->vip.key))
		return request_apply_dests(nl, req, bad);
	err = lbnl_vip_get(nl, &req->vip.key, &old);
	if (!err)
		err = reserve(j, 1 + req->ndests);
	if (!err)
		err = request_apply_dests(nl, req, bad);
	if (err)
		return err;
	for (i = 0; i < req->ndests; i++) {
		r = push(j, line, LBNL_OP_DEST_DEL);
		r->dest = req->dests[i];
		r->dest.vip = req->vip.key;
	}
	if (req->vip.has & LBNL_VIP_HAS_SETTABLE) {
		r = push(j, line, LBNL_OP_VIP_SET);
		r->vip = old;
		r->vip.has &= LBNL_VIP_HAS_SETTABLE;
	}
	return 0;
}

/* vip del (one VIP) and flush (vip NULL: all of them). */
static int apply_delete(struct journal *j, struct lbnl_nl *nl,
			const struct request *req, unsigned int line,
			const struct lbu_vip_key *vip)
{
	struct lbu_dest **dests = NULL;
	const struct lbu_dest *const *unused;
	struct config snap;
	size_t i;
	int err;

	err = config_fetch(nl, vip, &snap);
	if (err)
		return err;
	err = reserve(j, snap.vips.count + snap.dests.count);
	if (!err) {
		dests = copy_dests(&snap);
		if (!dests)
			err = -ENOMEM;
	}
	if (!err)
		err = request_apply(nl, req);
	for (i = snap.vips.count; i-- > 0 && dests;) {
		const struct lbu_vip *v = &snap.vips.vips[i];

		if (err)
			free(dests[i]);
		else
			push_recreate(j, line, v, dests[i],
				      config_dests_of(&snap, &v->key, &unused));
	}
	if (!err) {
		if (vip)
			forget_created(j, vip);
		else
			j->ncreated = 0;
	}
	free(dests);
	config_free(&snap);
	return err;
}

static int apply_dest_add(struct journal *j, struct lbnl_nl *nl,
			  const struct request *req, unsigned int line)
{
	int err = reserve(j, 1);

	if (!err)
		err = request_apply(nl, req);
	if (!err && !created(j, &req->dest.vip))
		push(j, line, LBNL_OP_DEST_DEL)->dest = req->dest;
	return err;
}

/* dest set and dest del: the inverse restores the old dest. */
static int apply_dest_change(struct journal *j, struct lbnl_nl *nl,
			     const struct request *req, unsigned int line)
{
	enum lbnl_op undo_op = req->op == LBNL_OP_DEST_SET ? LBNL_OP_DEST_SET :
							     LBNL_OP_DEST_ADD;
	struct lbu_dest old;
	int err;

	if (created(j, &req->dest.vip))
		return request_apply(nl, req);
	err = lbnl_dest_get(nl, &req->dest, &old);
	if (!err && !(old.has & LBNL_DEST_HAS_TAG_ID)) {
		/* The kernel omits a tag id of 0: the inverse sets it. */
		old.has |= LBNL_DEST_HAS_TAG_ID;
		old.tag_id = 0;
	}
	if (!err)
		err = reserve(j, 1);
	if (!err)
		err = request_apply(nl, req);
	if (!err)
		push(j, line, undo_op)->dest = old;
	return err;
}

int journal_apply(struct journal *j, struct lbnl_nl *nl,
		  const struct request *req, unsigned int line, size_t *bad)
{
	*bad = req->ndests;
	switch (req->op) {
	case LBNL_OP_VIP_ADD:
		return apply_vip_add(j, nl, req, line, bad);
	case LBNL_OP_VIP_SET:
		return apply_vip_set(j, nl, req, line, bad);
	case LBNL_OP_VIP_DEL:
		return apply_delete(j, nl, req, line, &req->vip.key);
	case LBNL_OP_FLUSH:
		return apply_delete(j, nl, req, line, NULL);
	case LBNL_OP_DEST_ADD:
		return apply_dest_add(j, nl, req, line);
	case LBNL_OP_DEST_SET:
	case LBNL_OP_DEST_DEL:
		return apply_dest_change(j, nl, req, line);
	default:
		return -EINVAL;
	}
}

/* Undo everything recorded, newest first; returns how many undos failed. */
size_t journal_rollback(struct journal *j, struct lbnl_nl *nl)
{
	size_t failed = 0;

	while (j->count > 0) {
		struct undo *u = &j->undos[--j->count];
		int err = request_apply(nl, &u->req);

		if (err) {
			fprintf(stderr, "Warning: cannot undo line %u: %s\n",
				u->line, error_text(nl, u->req.op, err));
			failed++;
		}
		free(u->own);
		u->own = NULL;
	}
	j->ncreated = 0;
	return failed;
}
