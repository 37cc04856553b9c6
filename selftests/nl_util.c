// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink helpers for the lbnl selftests (see nl_util.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl_util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nl_open(struct nl_sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int one = 1, rcvbuf = 4 << 20;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0) {
		perror("nl_open: socket(AF_NETLINK, NETLINK_GENERIC)");
		return -errno;
	}
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one))) {
		perror("nl_open: NETLINK_EXT_ACK/NETLINK_CAP_ACK");
		goto err;
	}
	/* Room for a batch of acks or a burst of events; best effort. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &salen)) {
		perror("nl_open: bind/getsockname");
		goto err;
	}
	s->portid = sa.nl_pid;
	s->seq = (__u32)getpid() << 8;
	s->rcvlen = NL_RECV_MAX;
	return 0;
err:
	one = -errno;
	close(s->fd);
	s->fd = -1;
	return one;
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int nl_join_group(struct nl_sock *s, __u32 group)
{
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group))) {
		perror("nl_join_group: NETLINK_ADD_MEMBERSHIP");
		return -errno;
	}
	return 0;
}

void nl_msg_init(struct nl_msg *m, __u16 type, __u8 cmd, __u8 version)
{
	struct genlmsghdr *g;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->overflow = false;
	m->nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->nlh.nlmsg_type = type;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = version;
}

static void *nl_tail(struct nl_msg *m)
{
	return m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len);
}

struct nlattr *nl_put(struct nl_msg *m, __u16 type, const void *data,
		      size_t len)
{
	size_t off = NLMSG_ALIGN(m->nlh.nlmsg_len);
	struct nlattr *a;

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf)) {
		fprintf(stderr, "nl_put: request overflow (type %u)\n", type);
		m->overflow = true;
		return NULL;
	}
	a = nl_tail(m);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(nla_payload(a), data, len);
	/* zero the padding so requests are reproducible */
	memset((__u8 *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->nlh.nlmsg_len = off + NLA_HDRLEN + NLA_ALIGN(len);
	return a;
}

struct nlattr *nl_put_u8(struct nl_msg *m, __u16 type, __u8 v)
{
	return nl_put(m, type, &v, sizeof(v));
}

struct nlattr *nl_put_u16(struct nl_msg *m, __u16 type, __u16 v)
{
	return nl_put(m, type, &v, sizeof(v));
}

struct nlattr *nl_put_u32(struct nl_msg *m, __u16 type, __u32 v)
{
	return nl_put(m, type, &v, sizeof(v));
}

struct nlattr *nl_put_str(struct nl_msg *m, __u16 type, const char *s)
{
	return nl_put(m, type, s, strlen(s) + 1);
}

struct nlattr *nl_nest_start(struct nl_msg *m, __u16 type)
{
	return nl_put(m, type | NLA_F_NESTED, NULL, 0);
}

void nl_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	if (nest)
		nest->nla_len = (__u8 *)nl_tail(m) - (__u8 *)nest;
}

void nl_put_raw(struct nl_msg *m, const void *data, size_t len)
{
	size_t off = m->nlh.nlmsg_len;

	if (off + len > sizeof(m->buf)) {
		m->overflow = true;
		return;
	}
	memcpy(m->buf + off, data, len);
	m->nlh.nlmsg_len = off + len;
}

void nl_reply_init(struct nl_reply *r)
{
	memset(r, 0, sizeof(*r));
}

void nl_reply_free(struct nl_reply *r)
{
	free(r->data);
	nl_reply_init(r);
}

static int reply_append(struct nl_reply *r, const struct nlmsghdr *nlh)
{
	size_t need = r->len + NLMSG_ALIGN(nlh->nlmsg_len);

	if (need > r->cap) {
		size_t cap = r->cap ? r->cap : 16384;
		__u8 *p;

		while (cap < need)
			cap *= 2;
		p = realloc(r->data, cap);
		if (!p)
			return -ENOMEM;
		r->data = p;
		r->cap = cap;
	}
	memcpy(r->data + r->len, nlh, nlh->nlmsg_len);
	memset(r->data + r->len + nlh->nlmsg_len, 0,
	       NLMSG_ALIGN(nlh->nlmsg_len) - nlh->nlmsg_len);
	r->len = need;
	return 0;
}

static void parse_ext_ack(struct nl_reply *r, struct nlattr *start, int rem)
{
	struct nlattr *a;

	nla_for_each(a, start, rem) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			snprintf(r->ext_msg, sizeof(r->ext_msg), "%.*s",
				 nla_payload_len(a), (char *)nla_payload(a));
			r->has_msg = true;
			break;
		case NLMSGERR_ATTR_OFFS:
			if (nla_payload_len(a) == 4) {
				memcpy(&r->offs, nla_payload(a), 4);
				r->has_offs = true;
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (nla_payload_len(a) == 4) {
				memcpy(&r->miss_type, nla_payload(a), 4);
				r->has_miss_type = true;
			}
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			if (nla_payload_len(a) == 4) {
				memcpy(&r->miss_nest, nla_payload(a), 4);
				r->has_miss_nest = true;
			}
			break;
		}
	}
}

/* Handle one message for request @seq; 1 when it ends the request. */
static int handle_msg(struct nl_reply *r, struct nlmsghdr *nlh)
{
	__u8 *end = (__u8 *)nlh + nlh->nlmsg_len;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->ndumpintr++;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nlh);
		__u8 *tlv;

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EBADMSG;
		r->error = e->error;
		r->done = true;
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
			tlv = (__u8 *)e + sizeof(*e);
			if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
				tlv += NLMSG_ALIGN(e->msg.nlmsg_len -
						   NLMSG_HDRLEN);
			if (tlv < end)
				parse_ext_ack(r, (struct nlattr *)tlv,
					      end - tlv);
		}
		return 1;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		int err = 0;

		if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
			memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
		r->error = err;
		r->done = true;
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
			__u8 *tlv = (__u8 *)NLMSG_DATA(nlh) +
				    NLMSG_ALIGN(sizeof(int));

			if (tlv < end)
				parse_ext_ack(r, (struct nlattr *)tlv,
					      end - tlv);
		}
		return 1;
	}
	if (nlh->nlmsg_flags & NLM_F_MULTI)
		r->nmulti++;
	r->nmsgs++;
	return reply_append(r, nlh) ? -ENOMEM : 0;
}

int nl_send(struct nl_sock *s, struct nl_msg *m, __u16 flags)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t ret;

	if (m->overflow) {
		fprintf(stderr, "nl_send: request was truncated\n");
		return NL_ETRANSPORT;
	}
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->nlh.nlmsg_seq = ++s->seq;
	m->nlh.nlmsg_pid = 0;
	ret = sendto(s->fd, m->buf, m->nlh.nlmsg_len, 0,
		     (struct sockaddr *)&sa, sizeof(sa));
	if (ret != (ssize_t)m->nlh.nlmsg_len) {
		perror("nl_send: sendto");
		return NL_ETRANSPORT;
	}
	return 0;
}

static __u8 *recv_buf(void)
{
	static __u8 *buf;

	if (!buf)
		buf = malloc(NL_RECV_MAX);
	return buf;
}

int nl_recv_step(struct nl_sock *s, __u32 seq, struct nl_reply *r)
{
	struct iovec iov = { .iov_base = recv_buf(), };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct nlmsghdr *nlh;
	int done = 0, ret;
	ssize_t n;

	iov.iov_len = s->rcvlen > NL_RECV_MAX ? NL_RECV_MAX : s->rcvlen;
	if (!iov.iov_base)
		return NL_ETRANSPORT;
	/*
	 * Never block forever: a kernel that never answers is a failure, not
	 * a hang (the harness' timeout would hide where it happened).
	 */
	{
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

		ret = poll(&pfd, 1, 20000);
		if (ret <= 0) {
			fprintf(stderr, "nl_recv: no answer from the kernel in 20 s (seq %u)\n",
				seq);
			return NL_ETRANSPORT;
		}
	}
	n = recvmsg(s->fd, &mh, 0);
	if (n < 0) {
		perror("nl_recv: recvmsg");
		return NL_ETRANSPORT;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		fprintf(stderr, "nl_recv: message truncated by a %zu byte buffer\n",
			iov.iov_len);
		return NL_ETRANSPORT;
	}
	r->nrecv++;
	for (nlh = iov.iov_base; NLMSG_OK(nlh, (size_t)n);
	     nlh = NLMSG_NEXT(nlh, n)) {
		if (nlh->nlmsg_seq != seq) {
			fprintf(stderr, "nl_recv: ignoring message type %u seq %u (want %u)\n",
				nlh->nlmsg_type, nlh->nlmsg_seq, seq);
			continue;
		}
		ret = handle_msg(r, nlh);
		if (ret < 0) {
			fprintf(stderr, "nl_recv: bad message: %s\n",
				strerror(-ret));
			return NL_ETRANSPORT;
		}
		if (ret)
			done = 1;
	}
	if (n > 0 && !done)
		fprintf(stderr, "nl_recv: %zd trailing bytes\n", n);
	return done;
}

static int nl_transact(struct nl_sock *s, struct nl_msg *m,
		       struct nl_reply *r, __u16 flags)
{
	int ret;

	nl_reply_init(r);
	ret = nl_send(s, m, flags);
	if (ret)
		return ret;
	do {
		ret = nl_recv_step(s, m->nlh.nlmsg_seq, r);
		if (ret < 0)
			return ret;
	} while (!ret);
	return r->error;
}

int nl_do(struct nl_sock *s, struct nl_msg *m, struct nl_reply *r)
{
	return nl_transact(s, m, r, NLM_F_ACK);
}

int nl_dump(struct nl_sock *s, struct nl_msg *m, struct nl_reply *r)
{
	return nl_transact(s, m, r, NLM_F_DUMP);
}

int nl_do_batch(struct nl_sock *s, struct nl_msg *msgs, unsigned int n,
		int *errors)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	__u8 *buf, *p;
	size_t total = 0;
	unsigned int i, acked = 0;
	__u32 first;
	int ret = 0;

	for (i = 0; i < n; i++)
		total += NLMSG_ALIGN(msgs[i].nlh.nlmsg_len);
	buf = p = calloc(1, total);
	if (!buf)
		return NL_ETRANSPORT;
	first = s->seq + 1;
	for (i = 0; i < n; i++) {
		struct nl_msg *m = &msgs[i];

		m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		m->nlh.nlmsg_seq = ++s->seq;
		m->nlh.nlmsg_pid = 0;
		memcpy(p, m->buf, m->nlh.nlmsg_len);
		p += NLMSG_ALIGN(m->nlh.nlmsg_len);
		errors[i] = 1;	/* not acked yet */
	}
	if (sendto(s->fd, buf, total, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) != (ssize_t)total) {
		perror("nl_do_batch: sendto");
		free(buf);
		return NL_ETRANSPORT;
	}
	free(buf);
	while (acked < n) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		struct nlmsghdr *nlh;
		ssize_t len;

		if (poll(&pfd, 1, 20000) <= 0) {
			fprintf(stderr, "nl_do_batch: %u of %u acks missing after 20 s\n",
				n - acked, n);
			return NL_ETRANSPORT;
		}
		len = recv(s->fd, recv_buf(), NL_RECV_MAX, 0);
		if (len < 0) {
			perror("nl_do_batch: recv");
			return NL_ETRANSPORT;
		}
		for (nlh = (struct nlmsghdr *)recv_buf(); NLMSG_OK(nlh, (size_t)len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq - first >= n)
				continue;
			i = nlh->nlmsg_seq - first;
			if (errors[i] != 1)
				continue;
			errors[i] = e->error;
			acked++;
			if (e->error && !ret)
				ret = e->error;
		}
	}
	return ret;
}

int nl_recv_event(struct nl_sock *s, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	n = recv(s->fd, buf, len, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return (int)n;
}

struct nlattr *genl_attrs(const struct nlmsghdr *nlh, int *rem)
{
	*rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	return (struct nlattr *)((__u8 *)NLMSG_DATA(nlh) + GENL_HDRLEN);
}

int nla_parse_all(struct nlattr **tb, int max, struct nlattr *start, int rem)
{
	struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	nla_for_each(a, start, rem) {
		int type = a->nla_type & NLA_TYPE_MASK;

		if (type > max)
			continue;
		if (tb[type])
			return -1;
		tb[type] = a;
	}
	return rem == 0 ? 0 : -1;
}

int nla_parse_nest(struct nlattr **tb, int max, const struct nlattr *nest)
{
	return nla_parse_all(tb, max, nla_payload(nest), nla_payload_len(nest));
}

int genl_resolve(struct nl_sock *s, const char *family, __u16 *id,
		 __u32 *version, const char *group, __u32 *group_id)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *a, *g;
	struct nl_reply r;
	struct nl_msg m;
	struct nlmsghdr *nlh;
	int ret, rem;

	nl_msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	nl_put_str(&m, CTRL_ATTR_FAMILY_NAME, family);
	ret = nl_do(s, &m, &r);
	if (ret)
		goto out;
	ret = -EBADMSG;
	nl_reply_for_each(nlh, &r) {
		a = genl_attrs(nlh, &rem);
		if (nla_parse_all(tb, CTRL_ATTR_MAX, a, rem) ||
		    !tb[CTRL_ATTR_FAMILY_ID])
			goto out;
		*id = *(__u16 *)nla_payload(tb[CTRL_ATTR_FAMILY_ID]);
		if (version && tb[CTRL_ATTR_VERSION])
			*version = *(__u32 *)nla_payload(tb[CTRL_ATTR_VERSION]);
		ret = 0;
		if (!group)
			goto out;
		ret = -ESRCH;
		if (!tb[CTRL_ATTR_MCAST_GROUPS])
			goto out;
		rem = nla_payload_len(tb[CTRL_ATTR_MCAST_GROUPS]);
		nla_for_each(g, (struct nlattr *)nla_payload(tb[CTRL_ATTR_MCAST_GROUPS]), rem) {
			struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];

			if (nla_parse_nest(gtb, CTRL_ATTR_MCAST_GRP_MAX, g) ||
			    !gtb[CTRL_ATTR_MCAST_GRP_NAME] ||
			    !gtb[CTRL_ATTR_MCAST_GRP_ID])
				continue;
			if (strcmp(nla_payload(gtb[CTRL_ATTR_MCAST_GRP_NAME]),
				   group))
				continue;
			*group_id = *(__u32 *)nla_payload(gtb[CTRL_ATTR_MCAST_GRP_ID]);
			ret = 0;
		}
		break;
	}
out:
	nl_reply_free(&r);
	return ret;
}
