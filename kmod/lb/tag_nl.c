// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - netlink for routable SCTP tags: LBNL_CMD_TAG_SET, TAG_DEL and
 * TAG_GET. lbnl_pre_doit() has locked the namespace. The key goes in and
 * never comes out: TAG_GET shows its fingerprint.
 */

#include <net/genetlink.h>

#include "nl.h"

/**
 * lbnl_nl_tag_set() - LBNL_CMD_TAG_SET
 * @skb: the request
 * @info: its attributes; the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_tag_set(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct nlattr *tb[LBNL_A_TAG_MAX + 1];
	int err;

	if (lbnl_genl_req_attr_check(info, LBNL_A_TAG,
				     "the tag nest is missing"))
		return -EINVAL;
	err = nla_parse_nested(tb, LBNL_A_TAG_MAX, info->attrs[LBNL_A_TAG],
			       lbnl_tag_policy, info->extack);
	if (err)
		return err;
	if (lbnl_req_attr_check(info->extack, info->attrs[LBNL_A_TAG], tb,
				LBNL_A_TAG_KEY, "the tag key is missing"))
		return -EINVAL;
	return lbnl_tag_key_set(req->ln, nla_data(tb[LBNL_A_TAG_KEY]));
}

/**
 * lbnl_nl_tag_del() - LBNL_CMD_TAG_DEL
 * @skb: the request
 * @info: its attributes; the namespace locked
 *
 * Return: 0.
 */
int lbnl_nl_tag_del(struct sk_buff *skb, struct genl_info *info)
{
	lbnl_tag_key_del(lbnl_nl_req(info)->ln);
	return 0;
}

/**
 * lbnl_nl_tag_get() - LBNL_CMD_TAG_GET
 * @skb: the request
 * @info: its attributes; the namespace locked
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_tag_get(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);
	struct nlattr *nest;
	struct sk_buff *msg;
	u32 fingerprint;
	u64 routed;
	void *hdr;

	if (!lbnl_tag_key_info(req->ln, &fingerprint, &routed)) {
		NL_SET_ERR_MSG(info->extack, "no tag key is set");
		return -ENOENT;
	}
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &lbnl_genl_family, 0,
				LBNL_CMD_TAG_GET);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, LBNL_A_TAG);
	if (!nest ||
	    nla_put_u32(msg, LBNL_A_TAG_FINGERPRINT, fingerprint) ||
	    nla_put_u64_64bit(msg, LBNL_A_TAG_ROUTED, routed, LBNL_A_TAG_PAD))
		goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}
