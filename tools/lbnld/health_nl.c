// SPDX-License-Identifier: GPL-2.0
/*
 * What lbnld's health checks ask of the module (struct lbnld_health_ops),
 * over an lbnl netlink handle of the calling thread's own (libnl sockets
 * are not thread-safe): a dest's state, read and set as "lbnl dest set
 * ... state S" does (DEST_SET with the state alone: the weight and tag
 * id stay), on the condition that it is still what was read
 * (LBNL_A_DEST_STATE_IF): a state an operator set meanwhile stays; and
 * the dests of a VIP, for the checks of all its dests; the connection
 * entries of a dest (CONN_FLUSH with the dest), for "on-down flush".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "lbnld.h"

static int nl_open(void **h)
{
	return lbnl_nl_open((struct lbnl_nl **)h);
}

static void nl_close(void *h)
{
	lbnl_nl_close(h);
}

static void dest_key(const struct lbnld_check *c, struct lbu_dest *d)
{
	memset(d, 0, sizeof(*d));
	d->vip = c->vip;
	d->addr = c->dest.addr;
	d->port = c->dest.port;
}

static int nl_state_get(void *h, const struct lbnld_check *c, uint8_t *state)
{
	struct lbu_dest key, d;
	int err;

	dest_key(c, &key);
	err = lbnl_dest_get(h, &key, &d);
	if (!err)
		*state = d.state;
	return err;
}

static int nl_state_set(void *h, const struct lbnld_check *c, uint8_t from,
			uint8_t to)
{
	struct lbu_dest d;

	dest_key(c, &d);
	d.has = LBNL_DEST_HAS_STATE | LBNL_DEST_HAS_STATE_IF;
	d.state = to;
	d.state_if = from;
	return lbnl_dest_set(h, &d);
}

static int nl_conn_flush(void *h, const struct lbnld_check *c)
{
	struct lbu_dest d;

	dest_key(c, &d);
	return lbnl_dest_flush_conns(h, &d);
}

static int nl_dests_get(void *h, const struct lbu_vip_key *vip,
			struct lbnl_endpoint **dests, size_t *n)
{
	struct lbnl_dest_list l = { 0 };
	size_t i;
	int err;

	*dests = NULL;
	*n = 0;
	err = lbnl_dest_dump(h, vip, &l);
	if (err == -ENOENT)
		return 0;	/* no such VIP (yet): no dest */
	if (err)
		return err;
	if (l.count) {
		*dests = calloc(l.count, sizeof(**dests));
		if (!*dests) {
			lbnl_dest_list_free(&l);
			return -ENOMEM;
		}
	}
	for (i = 0; i < l.count; i++) {
		(*dests)[i].addr = l.dests[i].addr;
		(*dests)[i].port = l.dests[i].port;
	}
	*n = l.count;
	lbnl_dest_list_free(&l);
	return 0;
}

static const char *nl_why(void *h)
{
	return lbnl_nl_extack(h);
}

const struct lbnld_health_ops lbnld_health_nl_ops = {
	.open = nl_open,
	.close = nl_close,
	.state_get = nl_state_get,
	.state_set = nl_state_set,
	.dests_get = nl_dests_get,
	.conn_flush = nl_conn_flush,
	.why = nl_why,
};
