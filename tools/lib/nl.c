// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl operations: build a request from plain structs, run it, and turn
 * replies back into plain structs. Dumps are restarted when the kernel
 * marks them inconsistent (NLM_F_DUMP_INTR).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#include "attrs.h"
#include "nl.h"
#include "transport.h"
#include "util.h"

#define DUMP_ATTEMPTS 10

/* Send a request built by put_vip/put_dest and wait for its ACK. */
static int change(struct lbnl_nl *nl, uint8_t cmd, const struct lbu_vip *vip,
		  const struct lbu_dest *dest, bool dest_key_only)
{
	struct nl_msg *msg = lbnl_msg_new(nl, cmd, NLM_F_ACK);
	int err;

	if (!msg)
		return -ENOMEM;
	if (vip)
		err = lbu_put_vip(msg, vip);
	else
		err = lbnl_put_vip_key(msg, &dest->vip);
	if (!err && dest)
		err = lbu_put_dest(msg, dest, dest_key_only);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return lbnl_transact(nl, msg, NULL, NULL, NULL);
}

int lbnl_vip_add(struct lbnl_nl *nl, const struct lbu_vip *vip)
{
	return change(nl, LBNL_CMD_VIP_NEW, vip, NULL, false);
}

int lbnl_vip_set(struct lbnl_nl *nl, const struct lbu_vip *vip)
{
	return change(nl, LBNL_CMD_VIP_SET, vip, NULL, false);
}

/* Room in a request for the VIP nest and each dest (IPv6, every attribute). */
#define VIP_DESTS_MSG_SIZE(n)	(1024 + (n) * 64)

/*
 * A VIP_NEW or VIP_SET with the dests nested, and which dest a refusal
 * names: the one whose nest holds the offending attribute.
 */
static int change_dests(struct lbnl_nl *nl, uint8_t cmd,
			const struct lbu_vip *vip, const struct lbu_dest *dests,
			size_t n, size_t *bad)
{
	struct nl_msg *msg;
	uint32_t *offs, at;
	size_t i;
	int err;

	if (bad)
		*bad = n;
	if (n > LBNL_VIP_DESTS_MAX)
		return -E2BIG;
	offs = calloc(n + 2, sizeof(*offs));
	msg = offs ? lbnl_msg_new_size(nl, cmd, NLM_F_ACK,
				       VIP_DESTS_MSG_SIZE(n)) : NULL;
	if (!msg) {
		free(offs);
		return -ENOMEM;
	}
	err = lbu_put_vip_dests(msg, vip, dests, n, offs);
	if (err) {
		nlmsg_free(msg);
		free(offs);
		return err;
	}
	err = lbnl_transact(nl, msg, NULL, NULL, NULL);
	at = nl->extack_offs;
	/* A module older than LBNL_A_VIP_DESTS: unknown attribute type. */
	if (err == -EINVAL && at && at == offs[n])
		err = -EOPNOTSUPP;
	else if (err && at > offs[n] && at < offs[n + 1] && bad)
		for (i = n; i-- > 0;)
			if (at >= offs[i]) {
				*bad = i;
				break;
			}
	free(offs);
	return err;
}

int lbnl_vip_add_dests(struct lbnl_nl *nl, const struct lbu_vip *vip,
		       const struct lbu_dest *dests, size_t n, size_t *bad)
{
	return change_dests(nl, LBNL_CMD_VIP_NEW, vip, dests, n, bad);
}

int lbnl_vip_set_dests(struct lbnl_nl *nl, const struct lbu_vip *vip,
		       const struct lbu_dest *dests, size_t n, size_t *bad)
{
	return change_dests(nl, LBNL_CMD_VIP_SET, vip, dests, n, bad);
}

int lbnl_vip_del(struct lbnl_nl *nl, const struct lbu_vip_key *key)
{
	struct lbu_vip vip = { .key = *key };

	return change(nl, LBNL_CMD_VIP_DEL, &vip, NULL, false);
}

int lbnl_dest_add(struct lbnl_nl *nl, const struct lbu_dest *dest)
{
	return change(nl, LBNL_CMD_DEST_NEW, NULL, dest, false);
}

int lbnl_dest_set(struct lbnl_nl *nl, const struct lbu_dest *dest)
{
	return change(nl, LBNL_CMD_DEST_SET, NULL, dest, false);
}

int lbnl_dest_del(struct lbnl_nl *nl, const struct lbu_dest *dest)
{
	return change(nl, LBNL_CMD_DEST_DEL, NULL, dest, true);
}

int lbnl_flush(struct lbnl_nl *nl)
{
	struct nl_msg *msg = lbnl_msg_new(nl, LBNL_CMD_FLUSH, NLM_F_ACK);

	if (!msg)
		return -ENOMEM;
	return lbnl_transact(nl, msg, NULL, NULL, NULL);
}

int lbnl_bypass_active(struct lbnl_nl *nl, const struct lbu_dest *dest)
{
	return change(nl, LBNL_CMD_BYPASS_ACTIVE, NULL, dest, true);
}

/* GET (doit) ----------------------------------------------------------- */

struct get_reply {
	struct lbnl_event ev;
	bool got;
};

static int on_get_reply(struct nlmsghdr *nlh, void *arg)
{
	struct get_reply *r = arg;

	if (lbnl_parse_msg(nlh, &r->ev) || !r->ev.has_vip)
		return -EPROTO;
	r->got = true;
	return 0;
}

/* Send msg (always freed); its one reply into r. */
static int get_transact(struct lbnl_nl *nl, struct nl_msg *msg,
			struct get_reply *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	err = lbnl_transact(nl, msg, on_get_reply, r, NULL);
	if (!err && !r->got)
		err = -EPROTO;
	return err;
}

static int get(struct lbnl_nl *nl, uint8_t cmd, const struct lbu_vip_key *key,
	       const struct lbu_dest *dest, struct get_reply *r)
{
	struct nl_msg *msg = lbnl_msg_new(nl, cmd, NLM_F_ACK);
	int err;

	if (!msg)
		return -ENOMEM;
	err = lbnl_put_vip_key(msg, key);
	if (!err && dest)
		err = lbu_put_dest(msg, dest, true);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return get_transact(nl, msg, r);
}

int lbnl_vip_get(struct lbnl_nl *nl, const struct lbu_vip_key *key,
		 struct lbu_vip *vip)
{
	struct get_reply r;
	int err = get(nl, LBNL_CMD_VIP_GET, key, NULL, &r);

	if (!err)
		*vip = r.ev.vip;
	return err;
}

int lbnl_dest_get(struct lbnl_nl *nl, const struct lbu_dest *key,
		  struct lbu_dest *dest)
{
	struct get_reply r;
	int err = get(nl, LBNL_CMD_DEST_GET, &key->vip, key, &r);

	if (!err && !r.ev.has_dest)
		err = -EPROTO;
	if (!err)
		*dest = r.ev.dest;
	return err;
}

/* Dumps ------------------------------------------------------------------ */

/* Which part of a parsed message (struct lbnl_event) a dump collects. */
enum event_part {
	PART_VIP,
	PART_DEST,
	PART_ASSOC,
	PART_MIGRATE,
};

/* Growable array of fixed-size items, shared by every list type. */
struct collector {
	void *items;
	size_t count;
	size_t cap;
	size_t item_size;
	enum event_part part;	/* for on_event_entry() */
	bool srv;		/* a dump of the "lbnl_srv" family */
	lbnl_conn_keep_fn keep;	/* on_conn_entry(): NULL keeps all */
	void *keep_arg;
};

static void *collector_add(struct collector *c)
{
	void *p = lbnl_grow_array(c->items, &c->cap, c->count + 1,
				  c->item_size);

	if (!p)
		return NULL;
	c->items = p;
	return (char *)c->items + c->count++ * c->item_size;
}

static void collector_reset(struct collector *c)
{
	free(c->items);
	c->items = NULL;
	c->count = 0;
	c->cap = 0;
}

/* The part of ev a dump collects, or NULL if ev lacks it. */
static const void *event_part(const struct lbnl_event *ev,
			      enum event_part part)
{
	switch (part) {
	case PART_VIP:
		return ev->has_vip ? &ev->vip : NULL;
	case PART_DEST:
		return ev->has_dest ? &ev->dest : NULL;
	case PART_ASSOC:
		return ev->has_assoc ? &ev->assoc : NULL;
	case PART_MIGRATE:
		return ev->has_migrate ? &ev->migrate : NULL;
	}
	return NULL;
}

/* A dump message: its part the collector wants (which it must carry). */
static int on_event_entry(struct nlmsghdr *nlh, void *arg)
{
	struct collector *c = arg;
	struct lbnl_event ev;
	const void *part;
	void *item;

	if (c->srv ? lbnl_parse_srv_msg(nlh, &ev) : lbnl_parse_msg(nlh, &ev))
		return -EPROTO;
	part = event_part(&ev, c->part);
	if (!part)
		return -EPROTO;
	item = collector_add(c);
	if (!item)
		return -ENOMEM;
	memcpy(item, part, c->item_size);
	return 0;
}

/*
 * On success c holds the entries of one consistent dump. If every attempt
 * was interrupted: -EAGAIN, or with best_effort, success with the entries
 * of the last attempt and *best_effort set.
 */
static int dump_ex(struct lbnl_nl *nl, uint8_t cmd,
		   const struct lbu_vip_key *filter, lbnl_reply_fn on_entry,
		   struct collector *c, bool *best_effort)
{
	bool interrupted = false;
	int attempt, err = 0;

	for (attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		struct nl_msg *msg = lbnl_msg_new(nl, cmd, NLM_F_DUMP);

		if (!msg)
			return -ENOMEM;
		if (filter && lbnl_put_vip_key(msg, filter)) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		collector_reset(c);
		err = lbnl_transact(nl, msg, on_entry, c, &interrupted);
		if (err || !interrupted)
			break;
		err = best_effort ? 0 : -EAGAIN;
	}
	if (best_effort)
		*best_effort = !err && interrupted;
	if (err)
		collector_reset(c);
	return err;
}

static int dump(struct lbnl_nl *nl, uint8_t cmd,
		const struct lbu_vip_key *filter, lbnl_reply_fn on_entry,
		struct collector *c)
{
	return dump_ex(nl, cmd, filter, on_entry, c, NULL);
}

int lbnl_vip_dump(struct lbnl_nl *nl, struct lbnl_vip_list *list)
{
	struct collector c = { .item_size = sizeof(*list->vips),
			       .part = PART_VIP };
	int err = dump(nl, LBNL_CMD_VIP_GET, NULL, on_event_entry, &c);

	list->vips = c.items;
	list->count = c.count;
	return err;
}

int lbnl_dest_dump(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		   struct lbnl_dest_list *list)
{
	struct collector c = { .item_size = sizeof(*list->dests),
			       .part = PART_DEST };
	int err = dump(nl, LBNL_CMD_DEST_GET, vip, on_event_entry, &c);

	list->dests = c.items;
	list->count = c.count;
	return err;
}

/* SCTP associations ------------------------------------------------------ */

int lbnl_assoc_dump(struct lbnl_nl *nl, struct lbnl_assoc_list *list)
{
	struct collector c = { .item_size = sizeof(*list->assocs),
			       .part = PART_ASSOC, .srv = true };
	int err = dump(nl, LBNL_SRV_CMD_ASSOC_GET, NULL, on_event_entry, &c);

	list->assocs = c.items;
	list->count = c.count;
	return err;
}

struct assoc_reply {
	struct lbnl_assoc *assoc;
	bool got;
};

static int on_assoc_reply(struct nlmsghdr *nlh, void *arg)
{
	struct assoc_reply *r = arg;
	struct lbnl_event ev;

	if (r->got || lbnl_parse_srv_msg(nlh, &ev) || !ev.has_assoc)
		return -EPROTO;
	*r->assoc = ev.assoc;
	r->got = true;
	return 0;
}

/* Send msg (freed); if assoc, its one reply is an association. */
static int assoc_transact(struct lbnl_nl *nl, struct nl_msg *msg,
			  struct lbnl_assoc *assoc)
{
	struct assoc_reply r = { .assoc = assoc };
	int err;

	err = lbnl_transact(nl, msg, assoc ? on_assoc_reply : NULL, &r, NULL);
	if (!err && assoc && !r.got)
		err = -EPROTO;
	return err;
}

/* A request naming one association; its reply into assoc (may be NULL). */
static int assoc_key_request(struct lbnl_nl *nl, uint8_t cmd,
			     const struct lbnl_assoc_key *key,
			     struct lbnl_assoc *assoc)
{
	struct nl_msg *msg = lbnl_msg_new(nl, cmd, NLM_F_ACK);

	if (!msg)
		return -ENOMEM;
	if (lbu_put_assoc_key(msg, key)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return assoc_transact(nl, msg, assoc);
}

int lbnl_assoc_get(struct lbnl_nl *nl, const struct lbnl_assoc_key *key,
		   struct lbnl_assoc *assoc)
{
	return assoc_key_request(nl, LBNL_SRV_CMD_ASSOC_GET, key, assoc);
}

int lbu_assoc_resume(struct lbnl_nl *nl, const struct lbnl_assoc_key *key)
{
	return assoc_key_request(nl, LBNL_SRV_CMD_ASSOC_RESUME, key, NULL);
}

int lbu_assoc_release(struct lbnl_nl *nl, const struct lbnl_assoc_key *key)
{
	return assoc_key_request(nl, LBNL_SRV_CMD_ASSOC_RELEASE, key, NULL);
}

struct export_reply {
	struct lbu_assoc_state *state;
	bool got;		/* the kernel replied: it exported */
	bool parsed;
};

static int on_export_reply(struct nlmsghdr *nlh, void *arg)
{
	struct export_reply *r = arg;
	int err;

	if (r->got)
		return -EPROTO;
	r->got = true;
	err = lbu_parse_assoc_state(nlh, r->state);
	r->parsed = !err;
	return err;
}

int lbu_assoc_export(struct lbnl_nl *nl, const struct lbnl_assoc_key *key,
		     const uint32_t *timeout_ms, struct lbu_assoc_state *s)
{
	struct nl_msg *msg = lbnl_msg_new(nl, LBNL_SRV_CMD_ASSOC_EXPORT, NLM_F_ACK);
	struct export_reply r = { .state = s };
	int err;

	memset(s, 0, sizeof(*s));
	if (!msg)
		return -ENOMEM;
	if (lbu_put_assoc_key(msg, key) ||
	    (timeout_ms && nla_put_u32(msg, LBNL_SRV_A_TIMEOUT_MS, *timeout_ms))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = lbnl_transact(nl, msg, on_export_reply, &r, NULL);
	if (!err && !r.got)
		err = -EPROTO;
	/*
	 * The kernel exported it but we cannot hand its state on, or we do
	 * not know whether it did (its reply was lost): give it back. (Not
	 * after a refusal: "busy" means someone else's export.)
	 */
	if (err && (r.got || err == -ENOMSG || err == -ENOMEM ||
		    err == -EIO)) {
		lbu_assoc_resume(nl, key);
		nl->extack[0] = '\0';
	}
	if (err && r.parsed)
		lbu_assoc_state_free(s);
	return err;
}

int lbu_assoc_import(struct lbnl_nl *nl, const struct lbu_assoc_state *s,
		     struct lbnl_assoc *assoc)
{
	/* The SSN lists, and room for the rest (addresses, paths, ...). */
	size_t size = 4096 + ((size_t)s->out_streams + s->in_streams) * 4 +
		      (s->n_laddrs + s->n_paths) * 64;
	struct nl_msg *msg = lbnl_msg_new_size(nl, LBNL_SRV_CMD_ASSOC_IMPORT,
					       NLM_F_ACK, size);
	int err;

	if (!msg)
		return -ENOMEM;
	err = lbu_put_assoc_state(msg, s);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return assoc_transact(nl, msg, assoc);
}

/* Connections and counters (LB role) ------------------------------------- */

static int on_conn_entry(struct nlmsghdr *nlh, void *arg)
{
	struct lbu_conn conn, *c;

	struct collector *col = arg;

	if (lbnl_parse_conn_msg(nlh, &conn))
		return -EPROTO;
	if (col->keep && !col->keep(&conn, col->keep_arg))
		return 0;
	c = collector_add(col);
	if (!c)
		return -ENOMEM;
	*c = conn;
	return 0;
}

int lbnl_conn_dump(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		   struct lbnl_conn_list *list, bool *inconsistent)
{
	return lbnl_conn_dump_kept(nl, vip, NULL, NULL, list, inconsistent);
}

int lbnl_conn_dump_kept(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
			lbnl_conn_keep_fn keep, void *arg,
			struct lbnl_conn_list *list, bool *inconsistent)
{
	struct collector c = { .item_size = sizeof(*list->conns),
			       .keep = keep, .keep_arg = arg };
	int err = dump_ex(nl, LBNL_CMD_CONN_GET, vip, on_conn_entry, &c,
			  inconsistent);

	list->conns = c.items;
	list->count = c.count;
	return err;
}

int lbnl_conn_del(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		  const struct lbnl_addr *peer, uint16_t peer_port)
{
	struct nl_msg *msg = lbnl_msg_new(nl, LBNL_CMD_CONN_DEL, NLM_F_ACK);

	if (!msg)
		return -ENOMEM;
	if (lbnl_put_vip_key(msg, vip) ||
	    lbnl_put_conn_key(msg, peer, peer_port)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return lbnl_transact(nl, msg, NULL, NULL, NULL);
}

int lbnl_conn_new(struct lbnl_nl *nl, const struct lbu_conn *c)
{
	struct nl_msg *msg = lbnl_msg_new(nl, LBNL_CMD_CONN_NEW, NLM_F_ACK);

	if (!msg)
		return -ENOMEM;
	if (lbnl_put_vip_key(msg, &c->vip) || lbnl_put_conn_new(msg, c)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return lbnl_transact(nl, msg, NULL, NULL, NULL);
}

int lbnl_conn_flush(struct lbnl_nl *nl, const struct lbu_vip_key *vip)
{
	struct nl_msg *msg = lbnl_msg_new(nl, LBNL_CMD_CONN_FLUSH, NLM_F_ACK);

	if (!msg)
		return -ENOMEM;
	if (vip && lbnl_put_vip_key(msg, vip)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return lbnl_transact(nl, msg, NULL, NULL, NULL);
}

int lbnl_dest_flush_conns(struct lbnl_nl *nl, const struct lbu_dest *dest)
{
	return change(nl, LBNL_CMD_CONN_FLUSH, NULL, dest, true);
}

struct stats_reply {
	struct lbnl_stats *stats;
	bool got;
};

static int on_stats_reply(struct nlmsghdr *nlh, void *arg)
{
	struct stats_reply *r = arg;
	struct lbnl_stats_entry e;
	bool has_vip;

	if (r->got || lbnl_parse_stats_msg(nlh, &e, &has_vip) || has_vip)
		return -EPROTO;
	*r->stats = e.stats;
	r->got = true;
	return 0;
}

int lbnl_stats_get(struct lbnl_nl *nl, struct lbnl_stats *stats)
{
	struct nl_msg *msg = lbnl_msg_new(nl, LBNL_CMD_STATS_GET, NLM_F_ACK);
	struct stats_reply r = { .stats = stats };
	int err;

	memset(stats, 0, sizeof(*stats));
	if (!msg)
		return -ENOMEM;
	err = lbnl_transact(nl, msg, on_stats_reply, &r, NULL);
	if (!err && !r.got)
		err = -EPROTO;
	return err;
}

static int on_stats_entry(struct nlmsghdr *nlh, void *arg)
{
	struct lbnl_stats_entry entry, *e;
	bool has_vip;

	if (lbnl_parse_stats_msg(nlh, &entry, &has_vip) || !has_vip)
		return -EPROTO;
	e = collector_add(arg);
	if (!e)
		return -ENOMEM;
	*e = entry;
	return 0;
}

int lbnl_stats_dump(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		    struct lbnl_stats_list *list)
{
	struct collector c = { .item_size = sizeof(*list->entries) };
	int err = dump(nl, LBNL_CMD_STATS_GET, vip, on_stats_entry, &c);

	list->entries = c.items;
	list->count = c.count;
	return err;
}

/* Migrations (LB role) ----------------------------------------------------- */

/*
 * A request naming one migration's association (with start's options
 * unless key_only); with reply, its one reply is a migration.
 */
static int migrate_request(struct lbnl_nl *nl, uint8_t cmd,
			   const struct lbnl_migrate *m, bool key_only,
			   struct lbnl_migrate *reply)
{
	struct nl_msg *msg = lbnl_msg_new(nl, cmd, NLM_F_ACK);
	struct get_reply r;
	int err;

	if (!msg)
		return -ENOMEM;
	if (lbnl_put_vip_key(msg, &m->vip) ||
	    lbnl_put_migrate(msg, m, key_only)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	if (!reply)
		return lbnl_transact(nl, msg, NULL, NULL, NULL);
	err = get_transact(nl, msg, &r);
	if (!err && !r.ev.has_migrate)
		err = -EPROTO;
	if (!err)
		*reply = r.ev.migrate;
	return err;
}

int lbnl_migrate_start(struct lbnl_nl *nl, const struct lbnl_migrate *m,
		       struct lbnl_migrate *opened)
{
	return migrate_request(nl, LBNL_CMD_MIGRATE_START, m, false, opened);
}

int lbnl_migrate_commit(struct lbnl_nl *nl, const struct lbnl_migrate *m)
{
	return migrate_request(nl, LBNL_CMD_MIGRATE_COMMIT, m, true, NULL);
}

int lbnl_migrate_abort(struct lbnl_nl *nl, const struct lbnl_migrate *m)
{
	return migrate_request(nl, LBNL_CMD_MIGRATE_ABORT, m, true, NULL);
}

int lbnl_migrate_dump(struct lbnl_nl *nl, struct lbnl_migrate_list *list)
{
	struct collector c = { .item_size = sizeof(*list->migrations),
			       .part = PART_MIGRATE };
	int err = dump(nl, LBNL_CMD_MIGRATE_GET, NULL, on_event_entry, &c);

	list->migrations = c.items;
	list->count = c.count;
	return err;
}
