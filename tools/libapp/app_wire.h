/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire format between liblbnl_app (tools/libapp/app.c) and lbnl-agent
 * (tools/agent/apps.c). Private to lbnl: applications use lbnl_app.h.
 *
 * A unix SOCK_SEQPACKET connection, one message per packet, host byte
 * order (both ends are on the same host) except addresses (network
 * order). A packet is a header, a fixed part that depends on the type,
 * then blob_len bytes of blob (only ADOPT and ANSWER carry one). The
 * receiver checks the version and that the packet is exactly as long as
 * the header says; anything else is a protocol error (the connection is
 * closed).
 *
 *   REGISTER  app -> agent  fixed: service           answered
 *   PREPARE   agent -> app  fixed: local, peer       answered (+blob)
 *   FINISH    agent -> app  fixed: local, peer       answered (ignored)
 *                           flags: LBNL_APP_W_MOVED
 *   ADOPT     agent -> app  fixed: local, peer, blob answered
 *   ANSWER    either way    id: the request's; status: 0 or -errno
 *
 * Ids are chosen by the sender of the request and only have to be unique
 * among its requests waiting for an answer.
 */
#ifndef LBNL_APP_WIRE_H
#define LBNL_APP_WIRE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define LBNL_APP_WIRE_VERSION	1
#define LBNL_APP_WIRE_BLOB_MAX	65536	/* = LBNL_APP_BLOB_MAX */

enum lbnl_app_wire_type {
	LBNL_APP_W_REGISTER = 1,
	LBNL_APP_W_PREPARE,
	LBNL_APP_W_FINISH,
	LBNL_APP_W_ADOPT,
	LBNL_APP_W_ANSWER,
};

/* Bits of lbnl_app_wire_hdr.flags. */
#define LBNL_APP_W_MOVED	(1U << 0)	/* FINISH: it left this host */

/* An address and port: 24 bytes. */
struct lbnl_app_wire_addr {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint16_t port;		/* host order */
	uint32_t scope_id;	/* IPv6 link-local; else 0 */
	uint8_t addr[16];	/* network order; IPv4: the first 4 bytes */
};

struct lbnl_app_wire_hdr {
	uint16_t version;	/* LBNL_APP_WIRE_VERSION */
	uint16_t type;		/* enum lbnl_app_wire_type */
	uint32_t id;		/* ANSWER: the id of the request */
	int32_t status;		/* ANSWER: 0 or -errno; else 0 */
	uint32_t flags;		/* LBNL_APP_W_* */
	uint32_t blob_len;	/* bytes after the fixed part */
	uint32_t reserved;	/* 0 */
};

/* The association of PREPARE, FINISH and ADOPT. */
struct lbnl_app_wire_assoc {
	struct lbnl_app_wire_addr local;
	struct lbnl_app_wire_addr peer;
};

_Static_assert(sizeof(struct lbnl_app_wire_addr) == 24, "wire addr");
_Static_assert(sizeof(struct lbnl_app_wire_hdr) == 24, "wire hdr");

/* The largest packet either side may send (receive buffers: one more). */
#define LBNL_APP_WIRE_MAX	(sizeof(struct lbnl_app_wire_hdr) + \
				 sizeof(struct lbnl_app_wire_assoc) + \
				 LBNL_APP_WIRE_BLOB_MAX)

/* Size of the fixed part of a type; -1: no such type. */
static inline long lbnl_app_wire_fixed_len(unsigned int type)
{
	switch (type) {
	case LBNL_APP_W_REGISTER:
		return sizeof(struct lbnl_app_wire_addr);
	case LBNL_APP_W_PREPARE:
	case LBNL_APP_W_FINISH:
	case LBNL_APP_W_ADOPT:
		return sizeof(struct lbnl_app_wire_assoc);
	case LBNL_APP_W_ANSWER:
		return 0;
	}
	return -1;
}

/*
 * Check a received packet of n bytes (the header copied into *h).
 * 0, -EPROTONOSUPPORT (another version: h->version says which), or
 * -EBADMSG (short, unknown type, lengths that do not add up, a blob where
 * none belongs, a bad address family).
 */
static inline int lbnl_app_wire_check(const void *buf, size_t n,
				      struct lbnl_app_wire_hdr *h)
{
	const unsigned char *p = buf;
	long fixed;

	if (n < sizeof(*h))
		return -EBADMSG;
	memcpy(h, p, sizeof(*h));
	if (h->version != LBNL_APP_WIRE_VERSION)
		return -EPROTONOSUPPORT;
	fixed = lbnl_app_wire_fixed_len(h->type);
	if (fixed < 0 || h->reserved)
		return -EBADMSG;
	if (h->blob_len > LBNL_APP_WIRE_BLOB_MAX ||
	    n != sizeof(*h) + (size_t)fixed + h->blob_len)
		return -EBADMSG;
	if (h->blob_len && h->type != LBNL_APP_W_ADOPT &&
	    h->type != LBNL_APP_W_ANSWER)
		return -EBADMSG;
	if (h->type == LBNL_APP_W_ANSWER && h->status > 0)
		return -EBADMSG;
	for (long off = 0; off < fixed;
	     off += sizeof(struct lbnl_app_wire_addr)) {
		struct lbnl_app_wire_addr a;

		memcpy(&a, p + sizeof(*h) + off, sizeof(a));
		if (a.family != AF_INET && a.family != AF_INET6)
			return -EBADMSG;
	}
	return 0;
}

/* sockaddr_in/sockaddr_in6 -> wire; -EINVAL for another family. */
static inline int lbnl_app_wire_from_sockaddr(struct lbnl_app_wire_addr *w,
					      const struct sockaddr *sa,
					      socklen_t len)
{
	memset(w, 0, sizeof(*w));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const void *)sa;

		w->family = AF_INET;
		w->port = ntohs(s->sin_port);
		memcpy(w->addr, &s->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const void *)sa;

		w->family = AF_INET6;
		w->port = ntohs(s->sin6_port);
		w->scope_id = s->sin6_scope_id;
		memcpy(w->addr, &s->sin6_addr, 16);
		return 0;
	}
	return -EINVAL;
}

/* wire -> sockaddr_storage; returns the sockaddr's length. */
static inline socklen_t lbnl_app_wire_to_sockaddr(
	const struct lbnl_app_wire_addr *w, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (w->family == AF_INET) {
		struct sockaddr_in *s = (void *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(w->port);
		memcpy(&s->sin_addr, w->addr, 4);
		return sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (void *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(w->port);
		s->sin6_scope_id = w->scope_id;
		memcpy(&s->sin6_addr, w->addr, 16);
		return sizeof(*s);
	}
}

/*
 * Send one packet: header (version filled in here), fixed part, blob of
 * h->blob_len bytes. flags: MSG_DONTWAIT to never block. 0 or -errno.
 */
static inline int lbnl_app_wire_send(int fd, struct lbnl_app_wire_hdr *h,
				     const void *fixed, size_t fixed_len,
				     const void *blob, int flags)
{
	struct iovec iov[3] = {
		{ .iov_base = h, .iov_len = sizeof(*h) },
		{ .iov_base = (void *)fixed, .iov_len = fixed_len },
		{ .iov_base = (void *)blob, .iov_len = h->blob_len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 3 };

	h->version = LBNL_APP_WIRE_VERSION;
	h->reserved = 0;
	while (sendmsg(fd, &mh, MSG_NOSIGNAL | flags) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

#endif /* LBNL_APP_WIRE_H */
