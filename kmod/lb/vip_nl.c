// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for VIPs: LBNL_CMD_VIP_NEW, VIP_SET, VIP_DEL, VIP_GET and
 * FLUSH. lbnl_pre_doit() has parsed the VIP's key, taken the lock and (but
 * for VIP_NEW) found the VIP. VIP_NEW and VIP_SET may bring dests
 * (LBNL_A_VIP_DESTS, dest_nl.c): all of them are checked before anything
 * changes, and the VIP changes once (vip.c).
 */

#include <net/genetlink.h>

#include "nl.h"

/* Update @conf from the attributes given, then check it as a whole. */
static int lbnl_parse_vip_conf(struct nlattr **tb, struct lbnl_vip_conf *conf,
			       struct netlink_ext_ack *extack)
{
	if (tb[LBNL_A_VIP_MODE])
		conf->mode = nla_get_u8(tb[LBNL_A_VIP_MODE]);
	if (tb[LBNL_A_VIP_SCHED])
		conf->sched = nla_get_u8(tb[LBNL_A_VIP_SCHED]);
	if (tb[LBNL_A_VIP_BYPASS])
		conf->bypass = nla_get_u8(tb[LBNL_A_VIP_BYPASS]);
	if (tb[LBNL_A_VIP_MIGRATE_AFTER])
		conf->migrate_after = nla_get_u32(tb[LBNL_A_VIP_MIGRATE_AFTER]);

	return lbnl_vip_conf_check(conf, tb, extack);
}

/**
 * lbnl_nl_vip_new() - LBNL_CMD_VIP_NEW
 * @skb: the request
 * @info: its attributes; the VIP's key parsed, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_vip_new(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct lbnl_net *ln = req->ln;
	struct lbnl_vip_conf conf = {
		.mode = LBNL_FWD_NAT,
		.sched = LBNL_SCHED_MAGLEV,
		.bypass = LBNL_BYPASS_OFF,
	};
	struct lbnl_vip *vip;
	LIST_HEAD(dests);
	int err;

	err = lbnl_parse_vip_conf(req->vtb, &conf, info->extack);
	if (err)
		return err;
	if (lbnl_vip_find(ln, &req->vkey)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_VIP],
				    "VIP already exists");
		return -EEXIST;
	}
	if (ln->vip_count >= READ_ONCE(ln->settings.max_vips)) {
		NL_SET_ERR_MSG(info->extack,
			       "too many VIPs in this namespace (sysctl net.lbnl.max_vips)");
		return -ENOSPC;
	}
	err = lbnl_nl_vip_dests(req, &dests, info->extack);
	if (err)
		return err;
	vip = lbnl_vip_create(ln, &req->vkey, &conf, &dests);
	if (!vip) {
		lbnl_dests_free(&dests);
		return -ENOMEM;
	}
	lbnl_notify(ln->net, LBNL_CMD_VIP_NEW, vip, NULL);
	if (!list_empty(&vip->dests)) {
		lbnl_nl_notify_dests(ln, vip, list_first_entry(&vip->dests,
							       struct lbnl_dest,
							       list));
		lbnl_bypass_update(ln, vip);
	}
	return 0;
}

/**
 * lbnl_nl_vip_set() - LBNL_CMD_VIP_SET
 * @skb: the request
 * @info: its attributes; the VIP found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_vip_set(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct lbnl_vip *vip = req->vip;
	struct lbnl_vip_conf conf = {
		.mode = vip->mode,
		.sched = vip->sched,
		.bypass = vip->bypass,
		.migrate_after = vip->migrate_after,
	};
	struct lbnl_dest *first;
	LIST_HEAD(dests);
	int err;

	err = lbnl_parse_vip_conf(req->vtb, &conf, info->extack);
	if (err)
		return err;
	err = lbnl_nl_vip_dests(req, &dests, info->extack);
	if (err)
		return err;
	first = list_first_entry_or_null(&dests, struct lbnl_dest, list);
	err = lbnl_vip_update(req->ln, vip, &conf, &dests);
	if (err) {
		lbnl_dests_free(&dests);
		return err;
	}
	lbnl_notify(req->ln->net, LBNL_CMD_VIP_SET, vip, NULL);
	if (first)
		lbnl_nl_notify_dests(req->ln, vip, first);
	lbnl_bypass_update(req->ln, vip);
	return 0;
}

/**
 * lbnl_nl_vip_del() - LBNL_CMD_VIP_DEL
 * @skb: the request
 * @info: its attributes; the VIP found, the namespace locked
 *
 * Return: 0.
 */
int lbnl_nl_vip_del(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);

	lbnl_notify(req->ln->net, LBNL_CMD_VIP_DEL, req->vip, NULL);
	lbnl_vip_destroy(req->ln, req->vip);
	return 0;
}

/**
 * lbnl_nl_vip_get() - LBNL_CMD_VIP_GET doit
 * @skb: the request
 * @info: its attributes; the VIP found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_vip_get(struct sk_buff *skb, struct genl_info *info)
{
	return lbnl_reply(info, LBNL_CMD_VIP_GET, lbnl_nl_req(info)->vip, NULL);
}

static int lbnl_dump_vip(struct sk_buff *skb, struct netlink_callback *cb,
			 struct lbnl_vip *vip, u32 *pos)
{
	return lbnl_dump_obj(skb, cb, LBNL_CMD_VIP_GET, vip, NULL);
}

/**
 * lbnl_nl_vip_dump() - LBNL_CMD_VIP_GET dumpit: every VIP (the request's
 * attributes are not looked at)
 * @skb: the reply
 * @cb: the dump
 *
 * Return: the reply's length.
 */
int lbnl_nl_vip_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return lbnl_nl_dump_vips(skb, cb, lbnl_dump_vip);
}

/**
 * lbnl_nl_flush() - LBNL_CMD_FLUSH: delete every VIP
 * @skb: the request
 * @info: the namespace locked
 *
 * Return: 0.
 */
int lbnl_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_net *ln = lbnl_nl_req(info)->ln;

	lbnl_vip_flush(ln);
	lbnl_notify(ln->net, LBNL_CMD_FLUSH, NULL, NULL);
	return 0;
}
