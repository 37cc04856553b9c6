// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for the bypass (see bypass.c): LBNL_CMD_BYPASS_ACTIVE,
 * lbnld's word that the router now sends a VIP's traffic to its dest.
 */

#include <net/genetlink.h>

#include "nl.h"

/**
 * lbnl_nl_bypass_active() - LBNL_CMD_BYPASS_ACTIVE
 * @skb: the request
 * @info: its attributes; the dest found, the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_bypass_active(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	int err;

	if (req->dtb[LBNL_A_DEST_WEIGHT] || req->dtb[LBNL_A_DEST_STATE] ||
	    req->dtb[LBNL_A_DEST_TAG_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_DEST],
				    "only the dest's address and port belong here");
		return -EINVAL;
	}
	err = lbnl_bypass_confirm(req->ln, req->vip, req->dest);
	if (err)
		NL_SET_ERR_MSG(info->extack,
			       "the VIP is not bypassed to that dest (it changed since the event)");
	return err;
}
