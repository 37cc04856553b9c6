/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl - what the LB role (lbnl.ko, kmod/lb/) and the server role
 * (lbnl_srv.ko, kmod/srv/) both use: header-only, so that neither module
 * depends on the other.
 */
#ifndef _LBNL_COMMON_H
#define _LBNL_COMMON_H

#include <net/genetlink.h>
#include <net/netlink.h>

/*
 * NL_REQ_ATTR_CHECK() (the missing-attribute pointer) with a message too,
 * which the core's macro does not set: true if @type is missing from @tb.
 */
#define lbnl_req_attr_check(extack, nest, tb, type, msg) ({		\
	struct netlink_ext_ack *ea__ = (extack);			\
	bool missing__ = NL_REQ_ATTR_CHECK(ea__, nest, tb, type);	\
									\
	if (missing__)							\
		NL_SET_ERR_MSG(ea__, msg);				\
	missing__;							\
})

/* GENL_REQ_ATTR_CHECK() with a message: a top-level attribute. */
#define lbnl_genl_req_attr_check(info, attr, msg) ({			\
	struct genl_info *info__ = (info);				\
	bool missing__ = GENL_REQ_ATTR_CHECK(info__, attr);		\
									\
	if (missing__)							\
		NL_SET_ERR_MSG(info__->extack, msg);			\
	missing__;							\
})

/* Policy of an attribute replies carry and requests may not. */
#define LBNL_READ_ONLY { .type = NLA_REJECT, \
			 .reject_message = "attribute is read-only" }

/*
 * Set an extack message that is not a string literal (a static reason
 * chosen at run time), which NL_SET_ERR_MSG() cannot take.
 */
static inline void lbnl_set_err_msg(struct netlink_ext_ack *extack,
				    const char *msg)
{
	if (extack && msg)
		extack->_msg = msg;
}

/*
 * Close @nest, or (@err: one of its attributes did not fit) take it back:
 * return 0, or -EMSGSIZE.
 */
static inline int lbnl_nest_end(struct sk_buff *skb, struct nlattr *nest,
				int err)
{
	if (err) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Start an event message of @family for its multicast @group, if anyone
 * listens in @net: %NULL if nobody does or memory is short.
 */
static inline struct sk_buff *lbnl_genl_event_new(const struct genl_family *family,
						  struct net *net,
						  unsigned int group, u8 cmd,
						  void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(family, net, group))
		return NULL;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

#endif /* _LBNL_COMMON_H */
