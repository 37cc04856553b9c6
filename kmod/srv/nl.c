// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl_srv - generic netlink family "lbnl_srv": its commands and events.
 * The protocol is described in include/uapi/linux/lbnl_srv.h; the
 * handlers are in assoc_nl.c and tag_nl.c.
 *
 * Every command needs CAP_NET_ADMIN: each either changes an association
 * or shows its verification tags (with which anyone on the path could
 * inject into or abort it), or sets or shows how the namespace chooses
 * those tags; so does joining the events group, which names the same
 * associations.
 */

#include <linux/slab.h>
#include <net/genetlink.h>

#include "srv.h"

enum lbnl_srv_mcgrp {
	LBNL_SRV_MCGRP_EVENTS_IDX,
};

/*
 * Before a command's handler, the association nest and key its
 * internal_flags ask for. On failure nothing is left allocated: the core
 * does not call lbnl_srv_post_doit() then.
 */
static int lbnl_srv_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			     struct genl_info *info)
{
	struct lbnl_srv_nl_req *req;
	int err;

	if (!ops->internal_flags)
		return 0;
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	err = lbnl_nl_assoc_request(info, req, ops->internal_flags &
					       LBNL_SRV_NL_F_KEY);
	if (err) {
		kfree(req);
		return err;
	}
	info->user_ptr[0] = req;
	return 0;
}

static void lbnl_srv_post_doit(const struct genl_ops *ops,
			       struct sk_buff *skb, struct genl_info *info)
{
	kfree(lbnl_srv_nl_req(info));
}

/*
 * The association commands share one policy; the tag commands have theirs
 * (each of the top-level attributes: highest LBNL_SRV_A_MAX).
 */
#define LBNL_SRV_CMD_POLICY	.policy = lbnl_assoc_cmd_policy, \
			.maxattr = ARRAY_SIZE(lbnl_assoc_cmd_policy) - 1

static const struct genl_ops lbnl_srv_genl_ops[] = {
	{
		.cmd = LBNL_SRV_CMD_ASSOC_GET,
		.doit = lbnl_nl_assoc_get,
		.dumpit = lbnl_nl_assoc_dump,
		LBNL_SRV_CMD_POLICY,
		.internal_flags = LBNL_SRV_NL_F_ASSOC | LBNL_SRV_NL_F_KEY,
		.flags = GENL_ADMIN_PERM,	/* shows vtags */
	},
	{
		.cmd = LBNL_SRV_CMD_ASSOC_EXPORT,
		.doit = lbnl_nl_assoc_export,
		LBNL_SRV_CMD_POLICY,
		.internal_flags = LBNL_SRV_NL_F_ASSOC | LBNL_SRV_NL_F_KEY,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_SRV_CMD_ASSOC_IMPORT,
		.doit = lbnl_nl_assoc_import,
		LBNL_SRV_CMD_POLICY,
		.internal_flags = LBNL_SRV_NL_F_ASSOC,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_SRV_CMD_ASSOC_RESUME,
		.doit = lbnl_nl_assoc_resume,
		LBNL_SRV_CMD_POLICY,
		.internal_flags = LBNL_SRV_NL_F_ASSOC | LBNL_SRV_NL_F_KEY,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_SRV_CMD_ASSOC_RELEASE,
		.doit = lbnl_nl_assoc_release,
		LBNL_SRV_CMD_POLICY,
		.internal_flags = LBNL_SRV_NL_F_ASSOC | LBNL_SRV_NL_F_KEY,
		.flags = GENL_ADMIN_PERM,
	},
	/* Routable tags: no association, nothing for the pre_doit to parse. */
	{
		.cmd = LBNL_SRV_CMD_TAG_SET,
		.doit = lbnl_nl_tag_set,
		.policy = lbnl_tag_set_cmd_policy,
		.maxattr = LBNL_SRV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_SRV_CMD_TAG_DEL,
		.doit = lbnl_nl_tag_del,
		.policy = lbnl_no_attr_policy,
		.maxattr = LBNL_SRV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_SRV_CMD_TAG_GET,
		.doit = lbnl_nl_tag_get,
		.policy = lbnl_no_attr_policy,
		.maxattr = LBNL_SRV_A_MAX,
		.flags = GENL_ADMIN_PERM,	/* how tags are chosen */
	},
};

/* Joining it needs CAP_NET_ADMIN too (see lbnl's family.c). */
static const struct genl_multicast_group lbnl_srv_mcgrps[] = {
	[LBNL_SRV_MCGRP_EVENTS_IDX] = {
		.name = LBNL_SRV_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family lbnl_srv_genl_family __ro_after_init = {
	.name = LBNL_SRV_GENL_NAME,
	.version = LBNL_SRV_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.pre_doit = lbnl_srv_pre_doit,
	.post_doit = lbnl_srv_post_doit,
	.ops = lbnl_srv_genl_ops,
	.n_ops = ARRAY_SIZE(lbnl_srv_genl_ops),
	/* resv_start_op 0: every command is validated strictly. */
	.mcgrps = lbnl_srv_mcgrps,
	.n_mcgrps = ARRAY_SIZE(lbnl_srv_mcgrps),
};

/**
 * lbnl_srv_msg_put() - start a message of the lbnl_srv family
 * @skb: the buffer
 * @portid: destination
 * @seq: sequence number
 * @flags: netlink flags
 * @cmd: LBNL_SRV_CMD_*
 *
 * Return: the family header, or %NULL if @skb is full.
 */
void *lbnl_srv_msg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		       u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &lbnl_srv_genl_family, flags,
			   cmd);
}

/**
 * lbnl_srv_event_new() - start an event message, if anyone listens
 * @net: the namespace the event belongs to
 * @cmd: LBNL_SRV_CMD_* of the event
 * @hdr: the family header, to pass to lbnl_srv_event_send()
 *
 * Return: the message, or %NULL if nobody listens or memory is short.
 */
struct sk_buff *lbnl_srv_event_new(struct net *net, u8 cmd, void **hdr)
{
	return lbnl_genl_event_new(&lbnl_srv_genl_family, net,
				   LBNL_SRV_MCGRP_EVENTS_IDX, cmd, hdr);
}

/**
 * lbnl_srv_event_send() - finish an event message and multicast it
 * @net: the namespace the event belongs to
 * @skb: from lbnl_srv_event_new()
 * @hdr: from lbnl_srv_event_new()
 */
void lbnl_srv_event_send(struct net *net, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&lbnl_srv_genl_family, net, skb, 0,
				LBNL_SRV_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

/**
 * lbnl_srv_genl_init() - register the generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int __init lbnl_srv_genl_init(void)
{
	return genl_register_family(&lbnl_srv_genl_family);
}

/**
 * lbnl_srv_genl_exit() - unregister the generic netlink family
 */
void lbnl_srv_genl_exit(void)
{
	genl_unregister_family(&lbnl_srv_genl_family);
}
