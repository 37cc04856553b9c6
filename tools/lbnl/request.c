// SPDX-License-Identifier: GPL-2.0
/* Opening the netlink handle, running change requests, reporting errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lbnl.h"

/* The LB role's family ("lbnl"), or the server role's ("lbnl_srv"). */
static struct lbnl_nl *open_family(bool srv)
{
	const char *module = srv ? "lbnl_srv" : "lbnl";
	struct lbnl_nl *nl;
	int err = srv ? lbnl_srv_nl_open(&nl) : lbnl_nl_open(&nl);

	if (err == -ENOENT) {
		fprintf(stderr, "Error: %s kernel module not loaded (modprobe %s)\n",
			module, module);
		return NULL;
	}
	if (err) {
		fprintf(stderr, "Error: cannot open a generic netlink socket: %s\n",
			strerror(-err));
		return NULL;
	}
	return nl;
}

struct lbnl_nl *cli_nl_open(void)
{
	return open_family(false);
}

struct lbnl_nl *cli_srv_nl_open(void)
{
	return open_family(true);
}

/* The kernel's own message if it gave one, else ours for (op, err). */
const char *error_text(struct lbnl_nl *nl, enum lbnl_op op, int err)
{
	const char *msg = nl ? lbnl_nl_extack(nl) : NULL;

	return msg ? msg : lbnl_strerror(op, err);
}

void report_error(struct lbnl_nl *nl, enum lbnl_op op, int err,
		  const char *prefix)
{
	fprintf(stderr, "Error: %s%s\n", prefix, error_text(nl, op, err));
}

/* Undo the first n dests of req (one by one, below), on another handle. */
static void undo_dests(const struct request *req, size_t n)
{
	struct lbnl_nl *nl2;
	struct lbu_dest d;

	/* The refusal's message stays on the caller's handle. */
	if (lbnl_nl_open(&nl2))
		return;
	if (req->op == LBNL_OP_VIP_ADD) {
		lbnl_vip_del(nl2, &req->vip.key);
	} else {
		while (n-- > 0) {
			d = req->dests[n];
			d.vip = req->vip.key;
			lbnl_dest_del(nl2, &d);
		}
	}
	lbnl_nl_close(nl2);
}

/*
 * A module older than LBNL_A_VIP_DESTS: the VIP, then its dests one at a
 * time, as lbnl did before (packets meanwhile may meet a part of them);
 * still all or nothing.
 */
static int apply_one_by_one(struct lbnl_nl *nl, const struct request *req,
			    size_t *bad)
{
	static bool warned;
	struct lbu_dest d;
	size_t i;
	int err;

	if (req->op == LBNL_OP_VIP_SET && (req->vip.has & LBNL_VIP_HAS_SETTABLE))
		return -EOPNOTSUPP;
	if (!warned) {
		fprintf(stderr, "Warning: the lbnl module takes a VIP's dests one at a time (it predates LBNL_A_VIP_DESTS): packets may meet a part of them meanwhile\n");
		warned = true;
	}
	if (req->op == LBNL_OP_VIP_ADD) {
		err = lbnl_vip_add(nl, &req->vip);
		if (err)
			return err;
	}
	for (i = 0; i < req->ndests; i++) {
		d = req->dests[i];
		d.vip = req->vip.key;
		err = lbnl_dest_add(nl, &d);
		if (err) {
			*bad = i;
			undo_dests(req, i);
			return err;
		}
	}
	return 0;
}

int request_apply_dests(struct lbnl_nl *nl, const struct request *req,
			size_t *bad)
{
	int err;

	*bad = req->ndests;
	if (!req->ndests ||
	    (req->op != LBNL_OP_VIP_ADD && req->op != LBNL_OP_VIP_SET))
		return request_apply(nl, req);
	if (req->op == LBNL_OP_VIP_ADD)
		err = lbnl_vip_add_dests(nl, &req->vip, req->dests,
					 req->ndests, bad);
	else
		err = lbnl_vip_set_dests(nl, &req->vip, req->dests,
					 req->ndests, bad);
	if (err == -EOPNOTSUPP)
		err = apply_one_by_one(nl, req, bad);
	return err;
}

int request_apply(struct lbnl_nl *nl, const struct request *req)
{
	size_t bad;

	switch (req->op) {
	case LBNL_OP_VIP_ADD:
		if (req->ndests)
			return request_apply_dests(nl, req, &bad);
		return lbnl_vip_add(nl, &req->vip);
	case LBNL_OP_VIP_SET:
		if (req->ndests)
			return request_apply_dests(nl, req, &bad);
		return lbnl_vip_set(nl, &req->vip);
	case LBNL_OP_VIP_DEL:
		return lbnl_vip_del(nl, &req->vip.key);
	case LBNL_OP_DEST_ADD:
		return lbnl_dest_add(nl, &req->dest);
	case LBNL_OP_DEST_SET:
		return lbnl_dest_set(nl, &req->dest);
	case LBNL_OP_DEST_DEL:
		return lbnl_dest_del(nl, &req->dest);
	case LBNL_OP_FLUSH:
		return lbnl_flush(nl);
	case LBNL_OP_BYPASS_ACTIVE:
		return lbnl_bypass_active(nl, &req->dest);
	default:
		return -EINVAL;
	}
}

int call_kernel(enum lbnl_op op, int (*fn)(struct lbnl_nl *nl, void *arg),
		void *arg)
{
	struct lbnl_nl *nl = cli_nl_open();
	int err;

	if (!nl)
		return EXIT_FAIL;
	err = fn(nl, arg);
	if (err)
		report_error(nl, op, err, "");
	lbnl_nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

static int apply(struct lbnl_nl *nl, void *req)
{
	return request_apply(nl, req);
}

int run_request(const struct request *req)
{
	return call_kernel(req->op, apply, (void *)req);
}
