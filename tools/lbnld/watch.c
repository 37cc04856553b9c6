// SPDX-License-Identifier: GPL-2.0
/*
 * The lbnl family coming and going: generic netlink's controller announces
 * every family it unregisters on its "notify" group. When the module is
 * unloaded, lbnld's sockets stay open but deaf (their family and group
 * are gone); this is how lbnld learns it must connect again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/genetlink.h>
#include <linux/lbnl.h>

#include "lbnld.h"

struct lbnld_watch {
	struct nl_sock *sk;
	struct nl_cb *cb;	/* the socket's, referenced */
	bool gone;
};

static int on_ctrl(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct lbnld_watch *w = arg;

	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) ||
	    genlmsg_hdr(nlh)->cmd != CTRL_CMD_DELFAMILY ||
	    !tb[CTRL_ATTR_FAMILY_NAME])
		return NL_OK;
	if (!strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]),
		    LBNL_GENL_NAME))
		w->gone = true;
	return NL_OK;
}

int lbnld_watch_open(struct lbnld_watch **wp)
{
	struct lbnld_watch *w = calloc(1, sizeof(*w));
	int group, err = -ENOMEM;

	if (!w)
		return -ENOMEM;
	w->sk = nl_socket_alloc();
	if (!w->sk)
		goto fail;
	err = -EIO;
	if (genl_connect(w->sk) < 0)
		goto fail;
	group = genl_ctrl_resolve_grp(w->sk, "nlctrl", "notify");
	if (group < 0 || nl_socket_add_membership(w->sk, group) < 0)
		goto fail;
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_ctrl, w);
	w->cb = nl_socket_get_cb(w->sk);
	if (!w->cb || nl_socket_set_nonblocking(w->sk) < 0)
		goto fail;
	*wp = w;
	return 0;

fail:
	lbnld_watch_close(w);
	return err;
}

int lbnld_watch_fd(const struct lbnld_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

bool lbnld_watch_read(struct lbnld_watch *w)
{
	/* Until the queue is empty (0 messages) or the socket fails. */
	while (nl_recvmsgs_report(w->sk, w->cb) > 0)
		;
	if (!w->gone)
		return false;
	w->gone = false;
	return true;
}

void lbnld_watch_close(struct lbnld_watch *w)
{
	if (!w)
		return;
	if (w->cb)
		nl_cb_put(w->cb);
	nl_socket_free(w->sk);
	free(w);
}
