// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for dests: LBNL_CMD_DEST_NEW, DEST_SET, DEST_DEL and
 * DEST_GET. lbnl_pre_doit() has found the VIP, parsed the dest's key and
 * (but for DEST_NEW) found the dest, under the namespace's lock. Also the
 * dests a VIP_NEW or VIP_SET adds (LBNL_A_VIP_DESTS): they are taken as
 * DEST_NEW takes one.
 */

#include <net/genetlink.h>

#include "nl.h"

/* Has one of @dests (a request's new dests) tag id @id? */
static bool lbnl_tag_id_listed(const struct list_head *dests, u16 id)
{
	const struct lbnl_dest *dest;

	list_for_each_entry(dest, dests, list)
		if (dest->tag_id == id)
			return true;
	return false;
}

/*
 * Update @conf of @dest (%NULL: a new one) of @vip (%NULL: a VIP being
 * created) from the attributes; a new dest's siblings of the same request
 * are @dests (%NULL: none).
 */
static int lbnl_parse_dest_conf(struct nlattr **tb, struct lbnl_vip *vip,
				const struct lbnl_dest *dest,
				const struct list_head *dests,
				struct lbnl_dest_conf *conf,
				struct netlink_ext_ack *extack)
{
	if (tb[LBNL_A_DEST_WEIGHT]) {
		u32 weight = nla_get_u32(tb[LBNL_A_DEST_WEIGHT]);

		if (weight > LBNL_DEST_WEIGHT_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_DEST_WEIGHT],
					    "dest weight must be between 0 and 65535");
			return -EINVAL;
		}
		conf->weight = weight;
	}
	if (tb[LBNL_A_DEST_STATE])
		conf->state = nla_get_u8(tb[LBNL_A_DEST_STATE]);
	if (tb[LBNL_A_DEST_TAG_ID]) {
		u16 id = nla_get_u16(tb[LBNL_A_DEST_TAG_ID]);
		int err = id && vip ? lbnl_tag_id_check(vip, dest, id, extack) :
				      0;

		if (!err && id && dests && lbnl_tag_id_listed(dests, id)) {
			NL_SET_ERR_MSG(extack,
				       "another dest of this VIP has that tag id");
			err = -EEXIST;
		}
		if (err) {
			NL_SET_BAD_ATTR(extack, tb[LBNL_A_DEST_TAG_ID]);
			return err;
		}
		conf->tag_id = id;
	}
	return 0;
}

/* Is a dest of @key among @dests (a request's new dests)? */
static bool lbnl_dest_listed(const struct list_head *dests,
			     const struct lbnl_dest_key *key)
{
	const struct lbnl_dest *dest;

	list_for_each_entry(dest, dests, list)
		if (dest->port == key->port &&
		    nf_inet_addr_cmp(&dest->addr, &key->addr))
			return true;
	return false;
}

/*
 * A new dest of @vip (%NULL: of a VIP being created) from its nest @nest
 * (attributes @tb, key @key), as DEST_NEW and LBNL_A_VIP_DESTS add one:
 * checked against the VIP's dests and against @dests, the request's
 * others (@n of them), then allocated and appended to @dests. Every check
 * on a new dest belongs here, so that both ways take the same dests.
 */
static int lbnl_dest_prepare(struct lbnl_net *ln, struct lbnl_vip *vip,
			     const struct nlattr *nest, struct nlattr **tb,
			     const struct lbnl_dest_key *key,
			     struct list_head *dests, u32 n,
			     struct netlink_ext_ack *extack)
{
	struct lbnl_dest_conf conf = {
		.weight = 1,
		.state = LBNL_DEST_ACTIVE,
	};
	struct lbnl_dest *dest;
	int err;

	if (tb[LBNL_A_DEST_STATE_IF]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_DEST_STATE_IF],
				    "a state condition is for DEST_SET only");
		return -EINVAL;
	}
	if ((vip && lbnl_dest_find(ln, vip, key)) ||
	    lbnl_dest_listed(dests, key)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "dest already exists");
		return -EEXIST;
	}
	if ((vip ? vip->dest_count : 0) + n >=
	    READ_ONCE(ln->settings.max_dests)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "too many dests for this VIP (sysctl net.lbnl.max_dests)");
		return -ENOSPC;
	}
	err = lbnl_parse_dest_conf(tb, vip, NULL, dests, &conf, extack);
	if (err)
		return err;
	dest = lbnl_dest_alloc(key, &conf);
	if (!dest)
		return -ENOMEM;
	list_add_tail(&dest->list, dests);
	return 0;
}

/**
 * lbnl_nl_vip_dests() - the dests of a VIP_NEW or VIP_SET request
 * (LBNL_A_VIP_DESTS), checked and allocated
 * @req: the request: the VIP's key and attributes, and (VIP_SET) the VIP
 * @dests: an empty list, for the dests in the request's order
 * @extack: for the reason of a refusal
 *
 * Nothing changes: lbnl_vip_create() or lbnl_vip_update() then takes
 * @dests, or lbnl_dests_free() frees them. Each nest is parsed and checked
 * as DEST_NEW's dest nest is.
 *
 * Return: 0, or a negative errno with @dests empty and the reason in
 * @extack, which names the offending dest (or its attribute).
 */
int lbnl_nl_vip_dests(struct lbnl_nl_req *req, struct list_head *dests,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	struct nlattr *nest = req->vtb[LBNL_A_VIP_DESTS], *d;
	struct lbnl_dest_key key;
	int rem, err = 0;
	u32 n = 0;

	BUILD_BUG_ON(LBNL_VIP_DESTS_MAX != 1024);	/* the message below */
	if (!nest)
		return 0;
	nla_for_each_nested(d, nest, rem) {
		/* the core checks neither in an NLA_NESTED_ARRAY */
		if (nla_type(d) != LBNL_A_DEST ||
		    !(d->nla_type & NLA_F_NESTED)) {
			NL_SET_ERR_MSG_ATTR(extack, d,
					    "LBNL_A_VIP_DESTS holds LBNL_A_DEST nests only");
			err = -EINVAL;
			break;
		}
		if (n == LBNL_VIP_DESTS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, d,
					    "too many dests in one request (at most 1024)");
			err = -E2BIG;
			break;
		}
		err = lbnl_parse_dest_nest(d, &req->vkey, tb, &key, extack);
		if (!err)
			err = lbnl_dest_prepare(req->ln, req->vip, d, tb, &key,
						dests, n, extack);
		if (err)
			break;
		n++;
	}
	if (err)
		lbnl_dests_free(dests);
	return err;
}

/**
 * lbnl_nl_notify_dests() - announce the dests a request added
 * @ln: the namespace's state, locked
 * @vip: their VIP
 * @first: the first of them; the others follow it in &lbnl_vip.dests
 *
 * One DEST_NEW each, in their order, as if added one by one.
 */
void lbnl_nl_notify_dests(struct lbnl_net *ln, struct lbnl_vip *vip,
			  struct lbnl_dest *first)
{
	struct lbnl_dest *dest = first;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry_from(dest, &vip->dests, list)
		lbnl_notify(ln->net, LBNL_CMD_DEST_NEW, vip, dest);
}

/**
 * lbnl_nl_dest_new() - LBNL_CMD_DEST_NEW
 * @skb: the request
 * @info: its attributes; the VIP found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_dest_new(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct lbnl_vip *vip = req->vip;
	struct lbnl_dest *dest;
	LIST_HEAD(dests);
	int err;

	err = lbnl_dest_prepare(req->ln, vip, info->attrs[LBNL_A_DEST],
				req->dtb, &req->dkey, &dests, 0, info->extack);
	if (err)
		return err;
	dest = list_first_entry(&dests, struct lbnl_dest, list);
	err = lbnl_vip_update(req->ln, vip, NULL, &dests);
	if (err) {
		lbnl_dests_free(&dests);
		return err;
	}
	lbnl_notify(req->ln->net, LBNL_CMD_DEST_NEW, vip, dest);
	lbnl_bypass_update(req->ln, vip);
	return 0;
}

/**
 * lbnl_nl_dest_set() - LBNL_CMD_DEST_SET
 * @skb: the request
 * @info: its attributes; the dest found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_dest_set(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct lbnl_dest *dest = req->dest;
	struct lbnl_dest_conf conf = {
		.weight = dest->weight,
		.state = dest->state,
		.tag_id = dest->tag_id,
	};
	bool emptying = false;
	u32 last = 0;
	int err;

	/* Under the namespace's lock: a compare-and-set of the state. */
	if (req->dtb[LBNL_A_DEST_STATE_IF] &&
	    nla_get_u8(req->dtb[LBNL_A_DEST_STATE_IF]) != dest->state) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    req->dtb[LBNL_A_DEST_STATE_IF],
				    "the dest is not in the state the request expects");
		return -ESTALE;
	}
	err = lbnl_parse_dest_conf(req->dtb, req->vip, dest, NULL, &conf,
				   info->extack);
	if (err)
		return err;
	/*
	 * Set to maint or drain, even if it already was: it starts afresh
	 * (maint.c), so that an operator can retry what was given up. Down
	 * does not empty: its flows stay until they end or time out.
	 */
	if (req->dtb[LBNL_A_DEST_STATE] &&
	    (conf.state == LBNL_DEST_MAINT || conf.state == LBNL_DEST_DRAIN))
		emptying = true;
	lbnl_dest_apply(req->ln, dest, &conf);
	if (emptying)
		last = lbnl_maint_begin(req->ln, req->vip, dest);
	lbnl_notify(req->ln->net, LBNL_CMD_DEST_SET, req->vip, dest);
	lbnl_bypass_update(req->ln, req->vip);
	if (emptying)
		lbnl_maint_begun(req->ln, last);
	return 0;
}

/**
 * lbnl_nl_dest_del() - LBNL_CMD_DEST_DEL
 * @skb: the request
 * @info: its attributes; the dest found, the namespace locked
 *
 * Return: 0.
 */
int lbnl_nl_dest_del(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);

	lbnl_notify(req->ln->net, LBNL_CMD_DEST_DEL, req->vip, req->dest);
	lbnl_dest_destroy(req->ln, req->vip, req->dest);
	lbnl_bypass_update(req->ln, req->vip);
	return 0;
}

/**
 * lbnl_nl_dest_get() - LBNL_CMD_DEST_GET doit
 * @skb: the request
 * @info: its attributes; the dest found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_dest_get(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);

	return lbnl_reply(info, LBNL_CMD_DEST_GET, req->vip, req->dest);
}

/* One VIP's dests, from the *@pos-th on. */
static int lbnl_dump_dests(struct sk_buff *skb, struct netlink_callback *cb,
			   struct lbnl_vip *vip, u32 *pos)
{
	struct lbnl_dest *dest;
	u32 idx = 0;

	list_for_each_entry(dest, &vip->dests, list) {
		if (idx >= *pos &&
		    lbnl_dump_obj(skb, cb, LBNL_CMD_DEST_GET, vip, dest)) {
			*pos = idx;
			return -EMSGSIZE;
		}
		idx++;
	}
	return 0;
}

/**
 * lbnl_nl_dest_dump() - LBNL_CMD_DEST_GET dumpit: the dests of the VIP the
 * request names, else of all
 * @skb: the reply
 * @cb: the dump
 *
 * Return: the reply's length, or a negative errno.
 */
int lbnl_nl_dest_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return lbnl_nl_dump_vips(skb, cb, lbnl_dump_dests);
}
