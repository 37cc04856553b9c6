// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for migrations (see migrate.c): LBNL_CMD_MIGRATE_START,
 * MIGRATE_COMMIT, MIGRATE_ABORT and the MIGRATE_GET dump. lbnl_pre_doit()
 * has parsed the migration nest and found the SCTP VIP, under the
 * namespace's lock.
 */

#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "nl.h"

static struct netlink_range_validation lbnl_migrate_timeout_range = {
	.min = 10,
	.max = 600000,
};

const struct nla_policy lbnl_migrate_policy[LBNL_A_MIGRATE_MAX + 1] = {
	[LBNL_A_MIGRATE_ID] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_VTAG] = { .type = NLA_U32 },
	[LBNL_A_MIGRATE_PEER_ADDR] = NLA_POLICY_RANGE(NLA_BINARY,
						      sizeof(struct in_addr),
						      sizeof(struct in6_addr)),
	[LBNL_A_MIGRATE_PEER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[LBNL_A_MIGRATE_SOURCE] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_TARGET] = NLA_POLICY_NESTED(lbnl_dest_policy),
	[LBNL_A_MIGRATE_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &lbnl_migrate_timeout_range),
	[LBNL_A_MIGRATE_STATE] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_AGE_MS] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_BUFFERED] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_BUFFERED_MAX] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_REASON] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_PAD] = { .type = NLA_REJECT },
};

/* The entry a request names: by the dest's vtag or by the peer. */
static struct lbnl_conn *lbnl_migrate_entry(struct lbnl_vip *vip,
					    struct nlattr **tb,
					    struct netlink_ext_ack *extack)
{
	struct rhashtable_iter iter;
	union nf_inet_addr peer;
	struct lbnl_conn *c;
	u8 family;
	u32 vtag;

	if (tb[LBNL_A_MIGRATE_PEER_ADDR] && tb[LBNL_A_MIGRATE_PEER_PORT]) {
		if (lbnl_nla_get_addr(tb[LBNL_A_MIGRATE_PEER_ADDR], &peer,
				      &family) || family != vip->family) {
			NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_MIGRATE_PEER_ADDR],
					    "peer address family must match the VIP's");
			return ERR_PTR(-EINVAL);
		}
		return lbnl_conn_lookup(vip, &peer,
					htons(nla_get_u16(tb[LBNL_A_MIGRATE_PEER_PORT])));
	}
	if (!tb[LBNL_A_MIGRATE_VTAG]) {
		NL_SET_ERR_MSG(extack,
			       "name the association: its vtag, or the peer's address and port");
		return ERR_PTR(-EINVAL);
	}
	vtag = nla_get_u32(tb[LBNL_A_MIGRATE_VTAG]);
	rhashtable_walk_enter(&vip->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = lbnl_conn_walk_next(&iter))) {
		if (READ_ONCE(c->flags) & LBNL_CONN_F_BOUND &&
		    READ_ONCE(lbnl_sctp_conn(c)->my_vtag) == vtag)
			break;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return c;
}

static int lbnl_migrate_reply(struct genl_info *info,
			      const struct lbnl_migration *m)
{
	struct sk_buff *skb;
	void *hdr;

	skb = lbnl_reply_new(info, LBNL_CMD_MIGRATE_START, &hdr);
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	return lbnl_reply_send(info, skb, hdr,
			       lbnl_put_migration(skb, m, true, NULL));
}

static struct lbnl_dest *lbnl_migrate_target(struct lbnl_net *ln,
					     struct lbnl_vip *vip,
					     struct nlattr *attr,
					     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	struct lbnl_dest_key key = {};
	struct lbnl_dest *dest;

	if (nla_parse_nested(tb, LBNL_A_DEST_MAX, attr, lbnl_dest_policy,
			     extack))
		return ERR_PTR(-EINVAL);
	if (!tb[LBNL_A_DEST_ADDR] ||
	    lbnl_nla_get_addr(tb[LBNL_A_DEST_ADDR], &key.addr, &key.family) ||
	    key.family != vip->family) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "target address missing or not of the VIP's family");
		return ERR_PTR(-EINVAL);
	}
	key.port = tb[LBNL_A_DEST_PORT] && nla_get_u16(tb[LBNL_A_DEST_PORT]) ?
		   htons(nla_get_u16(tb[LBNL_A_DEST_PORT])) : vip->port;
	dest = lbnl_dest_find(ln, vip, &key);
	if (!dest) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "target dest not found");
		return ERR_PTR(-ENOENT);
	}
	if (!lbnl_dest_takes_new(dest)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "target dest does not take new flows (maint, drain or weight 0)");
		return ERR_PTR(-EINVAL);
	}
	return dest;
}

/**
 * lbnl_nl_migrate_start() - LBNL_CMD_MIGRATE_START
 * @skb: the request
 * @info: its attributes; the SCTP VIP found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_migrate_start(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	unsigned int timeout_ms = lbnl_migrate_timeout(req->ln);
	struct lbnl_dest *target = NULL;
	struct nlattr **tb = req->mtb;
	struct lbnl_vip *vip = req->vip;
	struct lbnl_migration *m;
	struct lbnl_conn *c;
	const char *why;
	int err;

	if (tb[LBNL_A_MIGRATE_TIMEOUT_MS])
		timeout_ms = nla_get_u32(tb[LBNL_A_MIGRATE_TIMEOUT_MS]);
	if (tb[LBNL_A_MIGRATE_TARGET]) {
		target = lbnl_migrate_target(req->ln, vip,
					     tb[LBNL_A_MIGRATE_TARGET],
					     info->extack);
		if (IS_ERR(target))
			return PTR_ERR(target);
	}

	rcu_read_lock();
	c = lbnl_migrate_entry(vip, tb, info->extack);
	if (IS_ERR_OR_NULL(c)) {
		err = c ? PTR_ERR(c) : -ENOENT;
		if (!c)
			NL_SET_ERR_MSG(info->extack, "association not found");
		goto out_unlock;
	}
	why = lbnl_migrate_refusal(c);
	if (why) {
		lbnl_set_err_msg(info->extack, why);
		err = rcu_access_pointer(lbnl_sctp_conn(c)->mig) ? -EBUSY :
								   -EINVAL;
		goto out_unlock;
	}
	if (!target)
		target = lbnl_migrate_pick(vip, c, READ_ONCE(c->dest));
	if (!target) {
		NL_SET_ERR_MSG(info->extack, "no other dest takes new flows");
		err = -EINVAL;
		goto out_unlock;
	}
	if (target == READ_ONCE(c->dest)) {
		NL_SET_ERR_MSG(info->extack,
			       "the target is the association's dest already");
		err = -EINVAL;
		goto out_unlock;
	}
	m = lbnl_migrate_open(req->ln, vip, c, target, timeout_ms);
	rcu_read_unlock();
	if (PTR_ERR_OR_ZERO(m) == -ENOBUFS)
		NL_SET_ERR_MSG(info->extack,
			       "the namespace's migration buffer is all reserved (sysctl net.lbnl.migrate_buffer_bytes, migrate_buffer_share)");
	if (IS_ERR(m))
		return PTR_ERR(m);
	lbnl_notify_migration(req->ln, LBNL_CMD_MIGRATE_START, m, NULL);
	return lbnl_migrate_reply(info, m);

out_unlock:
	rcu_read_unlock();
	return err;
}

/* COMMIT and ABORT: find the open migration the request names. */
static int lbnl_nl_migrate_close(struct genl_info *info, bool commit)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct lbnl_migration *m = NULL;
	struct lbnl_conn *c;

	rcu_read_lock();
	c = lbnl_migrate_entry(req->vip, req->mtb, info->extack);
	if (IS_ERR(c)) {
		rcu_read_unlock();
		return PTR_ERR(c);
	}
	if (c)
		m = lbnl_migrate_find(req->ln, req->vip, &c->peer, c->pport);
	rcu_read_unlock();
	if (!m) {
		NL_SET_ERR_MSG(info->extack,
			       "no open migration of that association");
		return -ENOENT;
	}
	lbnl_migrate_close(req->ln, m, commit ? LBNL_MIGRATE_COMMITTED :
			   LBNL_MIGRATE_REQUESTED);
	return 0;
}

/**
 * lbnl_nl_migrate_commit() - LBNL_CMD_MIGRATE_COMMIT
 * @skb: the request
 * @info: its attributes; the SCTP VIP found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_migrate_commit(struct sk_buff *skb, struct genl_info *info)
{
	return lbnl_nl_migrate_close(info, true);
}

/**
 * lbnl_nl_migrate_abort() - LBNL_CMD_MIGRATE_ABORT
 * @skb: the request
 * @info: its attributes; the SCTP VIP found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_migrate_abort(struct sk_buff *skb, struct genl_info *info)
{
	return lbnl_nl_migrate_close(info, false);
}

/**
 * lbnl_nl_migrate_dump() - LBNL_CMD_MIGRATE_GET dumpit: every open
 * migration of the namespace (the request's attributes are not looked at)
 * @skb: the reply
 * @cb: the dump; &lbnl_dump_ctx.pos is the next migration's index
 *
 * Return: the reply's length.
 */
int lbnl_nl_migrate_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct lbnl_net *ln = lbnl_pernet(sock_net(skb->sk));
	struct lbnl_dump_ctx *ctx = lbnl_dump_ctx(cb);
	struct lbnl_migration *m;
	u32 idx = 0;
	void *hdr;

	mutex_lock(&ln->lock);
	list_for_each_entry(m, &ln->migrations, list) {
		if (idx < ctx->pos) {
			idx++;
			continue;
		}
		hdr = lbnl_dump_msg_put(skb, cb, LBNL_CMD_MIGRATE_GET);
		if (!hdr || lbnl_msg_end(skb, hdr,
					 lbnl_put_migration(skb, m, true, NULL)))
			break;
		idx++;
	}
	mutex_unlock(&ln->lock);
	ctx->pos = idx;
	return skb->len;
}
