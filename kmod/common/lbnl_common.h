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

/* Fail with @msg, pointing at the missing attribute, unless it is there. */
#define lbnl_attr_required(extack, nest, tb, type, msg) ({		\
	struct netlink_ext_ack *ea__ = (extack);			\
	bool __present = !!(tb)[type];					\
									\
	if (!__present) {						\
		NL_SET_ERR_ATTR_MISS(ea__, nest, type);		\
		NL_SET_ERR_MSG(ea__, msg);				\
	}								\
	__present;							\
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

#endif /* _LBNL_COMMON_H */
