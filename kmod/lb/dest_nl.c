// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for dests: LBNL_CMD_DEST_NEW, DEST_SET, DEST_DEL and
 * DEST_GET. lbnl_pre_doit() has found the VIP, parsed the dest's key and
 * (but for DEST_NEW) found the dest, under the namespace's lock.
 */

#include <net/genetlink.h>

#include "nl.h"

/* Update @conf of @dest (%NULL: a new one) of @vip from the attributes. */
static int lbnl_parse_dest_conf(struct nlattr **tb, struct lbnl_vip *vip,
				const struct lbnl_dest *dest,
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
		int err = id ? lbnl_tag_id_check(vip, dest, id, extack) : 0;

		if (err) {
			NL_SET_BAD_ATTR(extack, tb[LBNL_A_DEST_TAG_ID]);
			return err;
		}
		conf->tag_id = id;
	}
	return 0;
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
	struct lbnl_dest_conf conf = {
		.weight = 1,
		.state = LBNL_DEST_ACTIVE,
	};
	struct lbnl_vip *vip = req->vip;
	struct lbnl_dest *dest;
	int err;

	if (lbnl_dest_find(req->ln, vip, &req->dkey)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_DEST],
				    "dest already exists");
		return -EEXIST;
	}
	if (vip->dest_count >= READ_ONCE(req->ln->settings.max_dests)) {
		NL_SET_ERR_MSG(info->extack,
			       "too many dests for this VIP (sysctl net.lbnl.max_dests)");
		return -ENOSPC;
	}
	err = lbnl_parse_dest_conf(req->dtb, vip, NULL, &conf, info->extack);
	if (err)
		return err;
	dest = lbnl_dest_create(req->ln, vip, &req->dkey, &conf);
	if (!dest)
		return -ENOMEM;
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
	u8 was = dest->state;
	int err;

	err = lbnl_parse_dest_conf(req->dtb, req->vip, dest, &conf,
				   info->extack);
	if (err)
		return err;
	lbnl_dest_apply(req->ln, dest, &conf);
	lbnl_notify(req->ln->net, LBNL_CMD_DEST_SET, req->vip, dest);
	lbnl_bypass_update(req->ln, req->vip);
	if (conf.state == LBNL_DEST_MAINT && was != LBNL_DEST_MAINT)
		lbnl_migrate_maint(req->ln, req->vip, dest);
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
