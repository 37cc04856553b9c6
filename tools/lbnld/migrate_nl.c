// SPDX-License-Identifier: GPL-2.0
/*
 * What lbnld's migration sessions ask of the module (struct
 * lbnld_mig_ops), over an lbnl netlink handle of the calling thread's own
 * (libnl sockets are not thread-safe).
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/lbnl.h>

#include "lbnld.h"

static int nl_open(void **h)
{
	return lbnl_nl_open((struct lbnl_nl **)h);
}

static void nl_close(void *h)
{
	lbnl_nl_close(h);
}

static int nl_vip_get(void *h, const struct lbu_vip_key *key,
		      struct lbu_vip *vip)
{
	return lbnl_vip_get(h, key, vip);
}

static struct lbnl_migrate by_vtag(const struct lbu_vip_key *vip,
				   uint32_t vtag)
{
	return (struct lbnl_migrate){ .vip = *vip, .vtag = vtag,
				      .has = LBNL_MIGRATE_HAS_VTAG };
}

static int nl_commit(void *h, const struct lbu_vip_key *vip, uint32_t vtag)
{
	struct lbnl_migrate m = by_vtag(vip, vtag);

	return lbnl_migrate_commit(h, &m);
}

static int nl_abort(void *h, const struct lbu_vip_key *vip, uint32_t vtag)
{
	struct lbnl_migrate m = by_vtag(vip, vtag);

	return lbnl_migrate_abort(h, &m);
}

static int nl_find(void *h, const struct lbu_vip_key *vip, uint32_t vtag,
		   struct lbnl_migrate *m)
{
	struct lbnl_migrate_list l = { 0 };
	int err;
	size_t i;

	err = lbnl_migrate_dump(h, &l);
	if (err)
		return err;
	err = -ENOENT;
	for (i = 0; i < l.count; i++) {
		if (l.migrations[i].vtag == vtag &&
		    (l.migrations[i].has & LBNL_MIGRATE_HAS_VTAG) &&
		    lbnl_vip_key_equal(&l.migrations[i].vip, vip)) {
			*m = l.migrations[i];
			err = 0;
			break;
		}
	}
	lbnl_migrate_list_free(&l);
	return err;
}

static int nl_entry_dest(void *h, const struct lbu_vip_key *vip,
			 uint32_t vtag, struct lbnl_endpoint *dest)
{
	struct lbnl_conn_list l = { 0 };
	bool inconsistent = false;
	const struct lbu_conn *c;
	int err;
	size_t i;

	err = lbnl_conn_dump(h, vip, &l, &inconsistent);
	if (err)
		return err;
	err = -ENOENT;
	for (i = 0; i < l.count; i++) {
		c = &l.conns[i];
		if (c->vip.proto != IPPROTO_SCTP ||
		    !(c->has & LBNL_CONN_HAS_MY_VTAG) ||
		    !(c->has & LBNL_CONN_HAS_DEST) || c->my_vtag != vtag)
			continue;
		dest->addr = c->dest_addr;
		dest->port = c->dest_port;
		err = 0;
		break;
	}
	lbnl_conn_list_free(&l);
	return err;
}

static const char *nl_why(void *h)
{
	return lbnl_nl_extack(h);
}

const struct lbnld_mig_ops lbnld_mig_nl_ops = {
	.open = nl_open,
	.close = nl_close,
	.vip_get = nl_vip_get,
	.commit = nl_commit,
	.abort = nl_abort,
	.find = nl_find,
	.entry_dest = nl_entry_dest,
	.why = nl_why,
};
