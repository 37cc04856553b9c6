/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal raw generic netlink helpers for the lbnl selftests: build requests
 * with (nested) attributes, send them with NLM_F_ACK, collect replies and the
 * ack with its extended ack (message, offending attribute offset, missing
 * attribute), run dumps while counting recv() buffers, resolve a family and
 * its multicast groups. No libnl: the tests must see exactly what goes on
 * the wire, including malformed attributes.
 */
#ifndef LBNL_SELFTEST_NL_UTIL_H
#define LBNL_SELFTEST_NL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/types.h>

#define NL_MSG_MAX	32768		/* one request (1025 nested dests fit) */
#define NL_RECV_MAX	(64 * 1024)	/* one recv() buffer, at most */

struct nl_sock {
	int fd;
	__u32 portid;
	__u32 seq;
	/*
	 * Length passed to recv(). The kernel sizes dump parts after the
	 * largest length a socket ever received with, so a small value here
	 * makes a dump take many recv() calls.
	 */
	size_t rcvlen;
};

/* A request being built: netlink header, genetlink header, attributes. */
struct nl_msg {
	union {
		struct nlmsghdr nlh;
		__u8 buf[NL_MSG_MAX];
	};
	bool overflow;		/* an nl_put did not fit */
};

/* Everything a request got back. */
struct nl_reply {
	bool done;		/* ack (or NLMSG_DONE) seen */
	int error;		/* 0 or -errno of the ack / NLMSG_DONE */
	char ext_msg[512];	/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_msg;
	bool has_offs;
	__u32 offs;		/* NLMSGERR_ATTR_OFFS */
	bool has_miss_type;
	__u32 miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
	bool has_miss_nest;
	__u32 miss_nest;	/* NLMSGERR_ATTR_MISS_NEST: the nest's offset */
	/* the other messages (doit replies, dump entries), back to back */
	__u8 *data;
	size_t len, cap;
	unsigned int nmsgs;
	unsigned int nrecv;	/* recv() calls that returned data */
	unsigned int ndumpintr;	/* messages carrying NLM_F_DUMP_INTR */
	unsigned int nmulti;	/* messages carrying NLM_F_MULTI */
};

#define nl_reply_for_each(nlh, r)					\
	for ((nlh) = (struct nlmsghdr *)(r)->data;			\
	     (r)->data && (__u8 *)(nlh) < (r)->data + (r)->len;		\
	     (nlh) = (struct nlmsghdr *)((__u8 *)(nlh) +		\
					 NLMSG_ALIGN((nlh)->nlmsg_len)))

#define nla_for_each(pos, start, rem)					\
	for ((pos) = (start);						\
	     (rem) >= (int)sizeof(struct nlattr) &&			\
	     (pos)->nla_len >= sizeof(struct nlattr) &&			\
	     (pos)->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN((pos)->nla_len),			\
	     (pos) = (struct nlattr *)((__u8 *)(pos) + NLA_ALIGN((pos)->nla_len)))

/* Socket. nl_open returns 0 or -errno (and says why on stderr). */
int nl_open(struct nl_sock *s);
void nl_close(struct nl_sock *s);
int nl_join_group(struct nl_sock *s, __u32 group);

/* Building requests. */
void nl_msg_init(struct nl_msg *m, __u16 type, __u8 cmd, __u8 version);
struct nlattr *nl_put(struct nl_msg *m, __u16 type, const void *data,
		      size_t len);
struct nlattr *nl_put_u8(struct nl_msg *m, __u16 type, __u8 v);
struct nlattr *nl_put_u16(struct nl_msg *m, __u16 type, __u16 v);
struct nlattr *nl_put_u32(struct nl_msg *m, __u16 type, __u32 v);
struct nlattr *nl_put_str(struct nl_msg *m, __u16 type, const char *s);
struct nlattr *nl_nest_start(struct nl_msg *m, __u16 type);
void nl_nest_end(struct nl_msg *m, struct nlattr *nest);
/* Append raw bytes after the last attribute (trailing garbage tests). */
void nl_put_raw(struct nl_msg *m, const void *data, size_t len);
/* Offset of a pointer into the request, as NLMSGERR_ATTR_OFFS counts it. */
static inline __u32 nl_offset(const struct nl_msg *m, const void *p)
{
	return (__u32)((const __u8 *)p - m->buf);
}

/*
 * Transactions. All return the kernel's answer (0 or -errno from the ack
 * or NLMSG_DONE) once the transaction completed, or NL_ETRANSPORT if it
 * could not (the reason is on stderr). The reply is reset first and must
 * be released with nl_reply_free.
 */
#define NL_ETRANSPORT	(-10000)
/* NLM_F_REQUEST | NLM_F_ACK; collects doit replies until the ack. */
int nl_do(struct nl_sock *s, struct nl_msg *m, struct nl_reply *r);
/* NLM_F_REQUEST | NLM_F_DUMP; collects every part until NLMSG_DONE. */
int nl_dump(struct nl_sock *s, struct nl_msg *m, struct nl_reply *r);
/* The same in steps: send, then one recv() at a time. */
int nl_send(struct nl_sock *s, struct nl_msg *m, __u16 flags);
/* One recv() for request @seq: 1 if it completed, 0 if more to come. */
int nl_recv_step(struct nl_sock *s, __u32 seq, struct nl_reply *r);
/* Send many requests in one sendmsg, wait for all acks; -errno of first. */
int nl_do_batch(struct nl_sock *s, struct nl_msg *msgs, unsigned int n,
		int *errors);

void nl_reply_init(struct nl_reply *r);
void nl_reply_free(struct nl_reply *r);

/* Receive one multicast message; timeout_ms < 0: block, 0: don't wait.
 * Returns its length, 0 on timeout, or -errno. */
int nl_recv_event(struct nl_sock *s, void *buf, size_t len, int timeout_ms);

/* Attributes of a message / nest. */
struct nlattr *genl_attrs(const struct nlmsghdr *nlh, int *rem);
static inline struct genlmsghdr *genl_hdr(const struct nlmsghdr *nlh)
{
	return (struct genlmsghdr *)NLMSG_DATA(nlh);
}
static inline void *nla_payload(const struct nlattr *a)
{
	return (__u8 *)a + NLA_HDRLEN;
}
static inline int nla_payload_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}
/* Index attributes by type into tb[0..max]; -1 if malformed or duplicate. */
int nla_parse_all(struct nlattr **tb, int max, struct nlattr *start, int rem);
int nla_parse_nest(struct nlattr **tb, int max, const struct nlattr *nest);

/* Resolve a family (and optionally a multicast group) by name. */
int genl_resolve(struct nl_sock *s, const char *family, __u16 *id,
		 __u32 *version, const char *group, __u32 *group_id);

#endif
