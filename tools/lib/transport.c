// SPDX-License-Identifier: GPL-2.0
/*
 * One netlink socket per handle (generic netlink for the lbnl family, or
 * rtnetlink for lbnld's routes), used for one request at a time.
 * NETLINK_EXT_ACK is on so refusals carry the kernel's message; we ask for
 * ACKs explicitly (auto-ack off) so dumps are not followed by a stray ACK.
 *
 * The kernel runs a (non-dump) request while we are in sendmsg(): by the
 * time it returns, the reply and the ACK are queued, or will never come
 * (a handler returning -EINTR gets no ACK at all). So those are read
 * without blocking, and nothing there is an error (-ENOMSG), not a hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#include "attrs.h"
#include "nl.h"
#include "transport.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define EVENT_BUF_SIZE	(64 * 1024)
#define EVENT_RCVBUF	(4 * 1024 * 1024)

enum { TXN_PENDING = 1 };

struct txn {
	struct lbnl_nl *nl;
	uint32_t seq;
	int err;		/* TXN_PENDING, then 0 or -errno */
	int reply_err;
	bool interrupted;
	lbnl_reply_fn reply;
	void *arg;
};

static int nlerr_to_errno(int nlerr)
{
	switch (abs(nlerr)) {
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_PERM:		return -EPERM;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_MSG_TRUNC:	return -EMSGSIZE;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	default:		return -EIO;
	}
}

static void set_sockopt_flag(struct lbnl_nl *nl, int opt)
{
	int one = 1;

	/* Best effort: older kernels lack some of these options. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, opt, &one,
		   sizeof(one));
}

/*
 * A handle on a socket of protocol (NETLINK_GENERIC, NETLINK_ROUTE), with
 * extended ACKs on and auto-ACK off. -errno.
 */
static int handle_open(struct lbnl_nl **nlp, int protocol)
{
	struct lbnl_nl *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	err = nl_connect(nl->sk, protocol);
	if (err < 0) {
		nl_socket_free(nl->sk);
		free(nl);
		return nlerr_to_errno(err);
	}
	set_sockopt_flag(nl, NETLINK_EXT_ACK);
	set_sockopt_flag(nl, NETLINK_CAP_ACK);
	nl_socket_disable_auto_ack(nl->sk);
	*nlp = nl;
	return 0;
}

/* The family's name, version and events group by role. */
static const char *family_name(const struct lbnl_nl *nl)
{
	return nl->srv ? LBNL_SRV_GENL_NAME : LBNL_GENL_NAME;
}

static int genl_open(struct lbnl_nl **nlp, bool srv)
{
	struct lbnl_nl *nl;
	int err;

	err = handle_open(&nl, NETLINK_GENERIC);
	if (err)
		return err;
	nl->srv = srv;
	err = genl_ctrl_resolve(nl->sk, family_name(nl));
	if (err < 0) {
		lbnl_nl_close(nl);
		return nlerr_to_errno(err);
	}
	nl->family = err;
	*nlp = nl;
	return 0;
}

int lbnl_nl_open(struct lbnl_nl **nlp)
{
	return genl_open(nlp, false);
}

int lbnl_srv_nl_open(struct lbnl_nl **nlp)
{
	return genl_open(nlp, true);
}

int lbnl_route_nl_open(struct lbnl_nl **nlp)
{
	struct lbnl_nl *nl;
	int err;

	err = handle_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	/* Dumps filtered by the kernel (table, protocol) where it can. */
	set_sockopt_flag(nl, NETLINK_GET_STRICT_CHK);
	*nlp = nl;
	return 0;
}

void lbnl_nl_close(struct lbnl_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl->evbuf);
	free(nl);
}

const char *lbnl_nl_extack(const struct lbnl_nl *nl)
{
	return nl->extack[0] ? nl->extack : NULL;
}

struct nl_msg *lbnl_msg_new(struct lbnl_nl *nl, uint8_t cmd, int flags)
{
	return lbnl_msg_new_size(nl, cmd, flags, 0);
}

struct nl_msg *lbnl_msg_new_size(struct lbnl_nl *nl, uint8_t cmd, int flags,
				 size_t size)
{
	struct nl_msg *msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				flags, cmd,
				nl->srv ? LBNL_SRV_GENL_VERSION :
					  LBNL_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/*
 * Keep the NLMSGERR_ATTR_MSG and NLMSGERR_ATTR_OFFS of an extended ACK
 * (tlvs, len bytes).
 */
static void save_extack(struct lbnl_nl *nl, void *tlvs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *attr;
	size_t n;

	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, tlvs, len, NULL))
		return;
	attr = tb[NLMSGERR_ATTR_OFFS];
	if (attr && nla_len(attr) == sizeof(uint32_t))
		nl->extack_offs = nla_get_u32(attr);
	attr = tb[NLMSGERR_ATTR_MSG];
	if (!attr)
		return;
	n = strnlen(nla_data(attr), (size_t)nla_len(attr));
	if (n >= sizeof(nl->extack))
		n = sizeof(nl->extack) - 1;
	memcpy(nl->extack, nla_data(attr), n);
	nl->extack[n] = '\0';
}

static int on_seq_check(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	/* Leftovers of an earlier request are skipped. */
	return nlmsg_hdr(msg)->nlmsg_seq == t->seq ? NL_OK : NL_SKIP;
}

static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	(void)msg;
	t->interrupted = true;
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;
	int err;

	if (!t->reply)
		return NL_OK;
	err = t->reply(nlmsg_hdr(msg), t->arg);
	if (err && !t->reply_err)
		t->reply_err = err;
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	(void)msg;
	t->err = 0;
	return NL_STOP;
}

/*
 * NLMSG_ERROR: the TLVs follow the nlmsgerr and, unless NLM_F_CAPPED, the
 * echoed request payload.
 */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (void *)((char *)e - NLMSG_HDRLEN);
	struct txn *t = arg;
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	(void)who;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > NLMSG_HDRLEN)
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < nlh->nlmsg_len)
		save_extack(t->nl, (char *)nlh + off,
			    (int)(nlh->nlmsg_len - off));
	t->err = e->error < 0 ? e->error : -e->error;
	return NL_STOP;
}

/* NLMSG_DONE carries the dump's result and, on error, TLVs after it. */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int len = nlmsg_datalen(nlh);
	struct txn *t = arg;
	int err = 0;

	if (len >= (int)sizeof(err))
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err < 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		save_extack(t->nl, (char *)nlmsg_data(nlh) +
			    NLMSG_ALIGN(sizeof(err)),
			    len - (int)NLMSG_ALIGN(sizeof(err)));
	t->err = err < 0 ? err : 0;
	return NL_STOP;
}

static struct nl_cb *txn_callbacks(struct txn *t)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, t);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, t);
	return cb;
}

/* O_NONBLOCK on or off; returns the old flags (or -1). */
static int set_nonblocking(struct lbnl_nl *nl, bool on)
{
	int fd = nl_socket_get_fd(nl->sk);
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
	return flags;
}

int lbnl_transact(struct lbnl_nl *nl, struct nl_msg *msg, lbnl_reply_fn reply,
		  void *arg, bool *interrupted)
{
	struct txn t = {
		.nl = nl, .err = TXN_PENDING, .reply = reply, .arg = arg,
	};
	bool dump = nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP;
	struct nl_cb *cb;
	int ret;

	nl->extack[0] = '\0';
	nl->extack_offs = 0;
	ret = nl_send_auto(nl->sk, msg);
	t.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0)
		return nlerr_to_errno(ret);

	cb = txn_callbacks(&t);
	if (!cb)
		return -ENOMEM;
	if (!dump)
		set_nonblocking(nl, true);
	/* Returns the number of messages read, or an error. */
	while (t.err == TXN_PENDING) {
		ret = nl_recvmsgs_report(nl->sk, cb);
		if (ret <= 0 && t.err == TXN_PENDING) {
			if (!dump && (!ret || ret == -NLE_AGAIN))
				t.err = -ENOMSG;	/* no answer, ever */
			else
				t.err = ret ? nlerr_to_errno(ret) : -EIO;
		}
	}
	if (!dump)
		set_nonblocking(nl, false);
	nl_cb_put(cb);

	if (interrupted)
		*interrupted = t.interrupted;
	return t.err ? t.err : t.reply_err;
}

/* Events ------------------------------------------------------------- */

static void grow_rcvbuf(int fd)
{
	int size = EVENT_RCVBUF;

	/* SO_RCVBUFFORCE passes rmem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int lbnl_events_join(struct lbnl_nl *nl)
{
	int group, err;

	nl->evbuf = malloc(EVENT_BUF_SIZE);
	if (!nl->evbuf)
		return -ENOMEM;
	group = genl_ctrl_resolve_grp(nl->sk, family_name(nl),
				      nl->srv ? LBNL_SRV_MCGRP_EVENTS :
						LBNL_MCGRP_EVENTS);
	if (group < 0)
		return nlerr_to_errno(group);
	err = nl_socket_add_membership(nl->sk, group);
	if (err < 0)
		return nlerr_to_errno(err);
	grow_rcvbuf(nl_socket_get_fd(nl->sk));
	return 0;
}

int lbnl_nl_fd(const struct lbnl_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

int lbnl_events_read(struct lbnl_nl *nl, lbnl_event_cb cb, void *arg)
{
	struct lbnl_event ev;
	struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	n = recv(nl_socket_get_fd(nl->sk), nl->evbuf, EVENT_BUF_SIZE, 0);
	if (n < 0)
		return -errno;
	len = (int)n;
	for (nlh = (void *)nl->evbuf; nlmsg_ok(nlh, len);
	     nlh = nlmsg_next(nlh, &len)) {
		/* Skip other traffic and messages we cannot parse. */
		if (nlh->nlmsg_type != nl->family ||
		    (nl->srv ? lbnl_parse_srv_msg(nlh, &ev) :
			       lbnl_parse_msg(nlh, &ev)))
			continue;
		cb(&ev, arg);
	}
	return 0;
}
