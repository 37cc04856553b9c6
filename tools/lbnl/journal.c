// SPDX-License-Identifier: GPL-2.0
/*
 * What "lbnl restore" changed, and how to undo it.
 *
 * Each change is applied together with its inverse, computed from the
 * state just before it (read from the kernel when the inverse needs old
 * values):
 *
 *   vip add          -> vip del
 *   vip set          -> vip set with the old settings
 *   vip del, flush   -> re-create the VIPs with their old settings and dests
 *   dest add         -> dest del
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

#include "lbnl.h"
#include "util.h"

struct undo {
	unsigned int line;
	struct request req;
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
	if (!j)
		return;
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
 * Undo entries that re-create vip and its dests. Pushed in reverse, as
 * the journal runs backwards: the VIP comes back first, then its dests.
 */
static void push_recreate(struct journal *j, unsigned int line,
			  const struct config *cfg, const struct lbu_vip *vip)
{
	const struct lbu_dest *const *dests;
	size_t n = config_dests_of(cfg, &vip->key, &dests);
	struct request *r;

	while (n-- > 0)
		push(j, line, LBNL_OP_DEST_ADD)->dest = *dests[n];
	r = push(j, line, LBNL_OP_VIP_ADD);
	r->vip = *vip;
	r->vip.has &= LBNL_VIP_HAS_SETTABLE;
}

static int apply_vip_add(struct journal *j, struct lbnl_nl *nl,
			 const struct request *req, unsigned int line)
{
	int err = reserve(j, 1);

	if (!err)
		err = request_apply(nl, req);
	if (err)
		return err;
	push(j, line, LBNL_OP_VIP_DEL)->vip.key = req->vip.key;
	j->created[j->ncreated++] = req->vip.key;
	return 0;
}

static int apply_vip_set(struct journal *j, struct lbnl_nl *nl,
			 const struct request *req, unsigned int line)
{
	struct request *r;
	struct lbu_vip old;
	int err;

	if (created(j, &req->vip.key))
		return request_apply(nl, req);
	err = lbnl_vip_get(nl, &req->vip.key, &old);
	if (!err)
		err = reserve(j, 1);
	if (!err)
		err = request_apply(nl, req);
	if (err)
		return err;
	r = push(j, line, LBNL_OP_VIP_SET);
	r->vip = old;
	r->vip.has &= LBNL_VIP_HAS_SETTABLE;
	return 0;
}

/* vip del (one VIP) and flush (vip NULL: all of them). */
static int apply_delete(struct journal *j, struct lbnl_nl *nl,
			const struct request *req, unsigned int line,
			const struct lbu_vip_key *vip)
{
	struct config snap;
	size_t i;
	int err;

	err = config_fetch(nl, vip, &snap);
	if (err)
		return err;
	err = reserve(j, snap.vips.count + snap.dests.count);
	if (!err)
		err = request_apply(nl, req);
	if (!err) {
		for (i = snap.vips.count; i-- > 0;)
			push_recreate(j, line, &snap, &snap.vips.vips[i]);
		if (vip)
			forget_created(j, vip);
		else
			j->ncreated = 0;
	}
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
		  const struct request *req, unsigned int line)
{
	switch (req->op) {
	case LBNL_OP_VIP_ADD:
		return apply_vip_add(j, nl, req, line);
	case LBNL_OP_VIP_SET:
		return apply_vip_set(j, nl, req, line);
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
		const struct undo *u = &j->undos[--j->count];
		int err = request_apply(nl, &u->req);

		if (err) {
			fprintf(stderr, "Warning: cannot undo line %u: %s\n",
				u->line, error_text(nl, u->req.op, err));
			failed++;
		}
	}
	j->ncreated = 0;
	return failed;
}
