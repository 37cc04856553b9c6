// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl_srv - generic netlink commands of routable SCTP tags: TAG_SET,
 * TAG_DEL, TAG_GET (see tag.c and <linux/lbnl_srv.h>). The key is
 * write-only: no reply or event carries it, only its fingerprint.
 */

#include <net/genetlink.h>

#include "../common/lbnl_tag.h"
#include "srv.h"

static const struct nla_policy lbnl_tag_policy[LBNL_SRV_A_TAG_MAX + 1] = {
	[LBNL_SRV_A_TAG_KEY] = NLA_POLICY_EXACT_LEN(LBNL_TAG_KEY_LEN),
	[LBNL_SRV_A_TAG_SERVER_ID] = NLA_POLICY_RANGE(NLA_U16, 1,
						      LBNL_TAG_ID_MAX),
	[LBNL_SRV_A_TAG_FINGERPRINT] = LBNL_READ_ONLY,
	[LBNL_SRV_A_TAG_HOOK] = LBNL_READ_ONLY,
	[LBNL_SRV_A_TAG_CHOSEN] = LBNL_READ_ONLY,
	[LBNL_SRV_A_TAG_MISSED] = LBNL_READ_ONLY,
};

/* Top level of TAG_SET: the tag nest only. */
const struct nla_policy lbnl_tag_set_cmd_policy[LBNL_SRV_A_MAX + 1] = {
	[LBNL_SRV_A_TAG] = NLA_POLICY_NESTED(lbnl_tag_policy),
};

/*
 * Commands without attributes (TAG_DEL, TAG_GET): every type is NLA_UNSPEC,
 * which strict validation refuses.
 */
const struct nla_policy lbnl_no_attr_policy[LBNL_SRV_A_MAX + 1] = {};

int lbnl_nl_tag_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[LBNL_SRV_A_TAG_MAX + 1];
	struct nlattr *nest;
	int err;

	if (lbnl_genl_req_attr_check(info, LBNL_SRV_A_TAG,
				     "missing tag attributes"))
		return -EINVAL;
	nest = info->attrs[LBNL_SRV_A_TAG];
	err = nla_parse_nested(tb, LBNL_SRV_A_TAG_MAX, nest, lbnl_tag_policy,
			       info->extack);
	if (err)
		return err;
	if (lbnl_req_attr_check(info->extack, nest, tb, LBNL_SRV_A_TAG_KEY,
				"missing tag key") ||
	    lbnl_req_attr_check(info->extack, nest, tb,
				LBNL_SRV_A_TAG_SERVER_ID, "missing server id"))
		return -EINVAL;
	if (!lbnl_tag_hooked()) {
		NL_SET_ERR_MSG(info->extack,
			       "the SCTP tag hook is not installed: see the kernel log of when lbnl_srv was loaded");
		return -EOPNOTSUPP;
	}
	return lbnl_tag_set(genl_info_net(info),
			    nla_data(tb[LBNL_SRV_A_TAG_KEY]),
			    nla_get_u16(tb[LBNL_SRV_A_TAG_SERVER_ID]));
}

int lbnl_nl_tag_del(struct sk_buff *skb, struct genl_info *info)
{
	int err = lbnl_tag_del(genl_info_net(info));

	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no tag key is set");
	return err;
}

int lbnl_nl_tag_get(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_srv_tag_info ti;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = lbnl_tag_get(genl_info_net(info), &ti);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "no tag key is set");
		return err;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = lbnl_srv_msg_put(msg, info->snd_portid, info->snd_seq, 0,
			       LBNL_SRV_CMD_TAG_GET);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, LBNL_SRV_A_TAG);
	if (!nest)
		goto nospace;
	if (lbnl_nest_end(msg, nest,
			  nla_put_u16(msg, LBNL_SRV_A_TAG_SERVER_ID, ti.id) ||
			  nla_put_u32(msg, LBNL_SRV_A_TAG_FINGERPRINT,
				      ti.fingerprint) ||
			  nla_put_u8(msg, LBNL_SRV_A_TAG_HOOK,
				     lbnl_tag_hooked()) ||
			  nla_put_u64_64bit(msg, LBNL_SRV_A_TAG_CHOSEN,
					    ti.chosen, LBNL_SRV_A_TAG_PAD) ||
			  nla_put_u64_64bit(msg, LBNL_SRV_A_TAG_MISSED,
					    lbnl_tag_hook_missed(),
					    LBNL_SRV_A_TAG_PAD)))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}
