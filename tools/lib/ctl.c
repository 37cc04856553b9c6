// SPDX-License-Identifier: GPL-2.0
/*
 * The lbnl control protocol (ctl.h): pre-shared keys, the HELLO exchange,
 * per-direction keys, framing, TLV encoding and decoding of the messages,
 * MACs and sequence numbers. Blocking sockets, every wait bounded by
 * poll() with the caller's timeout.
 *
 * TLV values, integers in network byte order:
 *	an endpoint	u8 family (4 or 6), u8 0, u16 port, 4 or 16 bytes
 *	a VIP		the same with the protocol in the second byte
 *	an association	two endpoints: local, then peer
 *	a string	its bytes, no NUL
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"

/* TLV types of the version 1 messages. */
enum lbnl_ctl_tlv {
	LBNL_CTL_T_SESSION = 1,		/* u64 */
	LBNL_CTL_T_STATUS,		/* s32 */
	LBNL_CTL_T_REASON,		/* string */
	LBNL_CTL_T_VIP,			/* VIP */
	LBNL_CTL_T_VTAG,		/* u32 */
	LBNL_CTL_T_ASSOC,		/* association */
	LBNL_CTL_T_TARGET,		/* endpoint */
	LBNL_CTL_T_TARGET_AGENT,	/* endpoint */
	LBNL_CTL_T_DEADLINE,		/* u32, ms */
	LBNL_CTL_T_REPLY_PORT,		/* u16 */
	LBNL_CTL_T_COMMIT,		/* u8, 0 or 1 */
	LBNL_CTL_T_STATE,		/* JSON text */
	LBNL_CTL_T_BLOB,		/* bytes */
	LBNL_CTL_T_NONCE = 32,		/* HELLO: 32 bytes */
	LBNL_CTL_T_ROLE,		/* HELLO: u8 */
	LBNL_CTL_T_NAME,		/* HELLO: string */
};

#define MAC_LEN		crypto_auth_hmacsha256_BYTES
#define NONCE_LEN	32
#define HDR_LEN		12		/* version .. seq */
#define TLV_HDR_LEN	8
#define MIN_FRAME	(HDR_LEN + MAC_LEN)
#define ERR_MAX		384
#define PEER_MAX	(LBNL_ADDRPORTSTRLEN + LBNL_CTL_NAME_MAX + 16)

/* Fields each type requires. */
static const unsigned int required[__LBNL_CTL_TYPE_MAX] = {
	[LBNL_CTL_MIGRATE] = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_VIP |
			     LBNL_CTL_HAS_ASSOC | LBNL_CTL_HAS_TARGET |
			     LBNL_CTL_HAS_DEADLINE | LBNL_CTL_HAS_REPLY_PORT,
	[LBNL_CTL_TRANSFER] = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_ASSOC |
			      LBNL_CTL_HAS_STATE | LBNL_CTL_HAS_DEADLINE,
	[LBNL_CTL_TRANSFER_ACK] = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS,
	[LBNL_CTL_RESULT] = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS |
			    LBNL_CTL_HAS_VIP | LBNL_CTL_HAS_ASSOC |
			    LBNL_CTL_HAS_TARGET,
	[LBNL_CTL_DECISION] = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_COMMIT,
	[LBNL_CTL_FINISH] = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_COMMIT,
	[LBNL_CTL_REFUSED] = LBNL_CTL_HAS_STATUS,
};

static const char *const has_names[] = {
	"session", "status", "vip", "assoc", "target", "deadline",
	"reply port", "commit", "state", "blob",
};

struct lbnl_ctl_conn {
	int fd;
	bool broken;
	bool server;
	unsigned char k_send[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char k_recv[crypto_auth_hmacsha256_KEYBYTES];
	uint64_t send_seq;
	uint64_t recv_seq;
	struct lbnl_endpoint peer_addr;
	char peer[PEER_MAX];
	char err[ERR_MAX];
	unsigned char *last;		/* the last frame sent */
	size_t last_len;
	/* A frame being received (kept across a timeout). */
	unsigned char rx_hdr[4];
	size_t rx_hdr_got;
	unsigned char *rx_body;
	size_t rx_len;
	size_t rx_got;
};

/* Helpers ---------------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Milliseconds left for poll() (-1: no limit), 0 when past. */
static int left_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : (int)left;
}

static void set_err(struct lbnl_ctl_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "what from PEER": the conn's error, for the log. */
static void set_err(struct lbnl_ctl_conn *c, const char *fmt, ...)
{
	char what[ERR_MAX - PEER_MAX - 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(c->err, sizeof(c->err), "%s from %s", what, c->peer);
}

static void put_u16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put_u64(unsigned char *p, uint64_t v)
{
	put_u32(p, v >> 32);
	put_u32(p + 4, (uint32_t)v);
}

static uint16_t get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

static void endpoint_from_sockaddr(const struct sockaddr_storage *ss,
				   struct lbnl_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		ep->addr.family = AF_INET;
		ep->addr.v4 = s4->sin_addr;
		ep->port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			ep->addr.family = AF_INET;
			memcpy(&ep->addr.v4, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			ep->addr.family = AF_INET6;
			ep->addr.v6 = s6->sin6_addr;
		}
		ep->port = ntohs(s6->sin6_port);
	}
}

static socklen_t sockaddr_from_endpoint(const struct lbnl_endpoint *ep,
					struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->addr.family == AF_INET) {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr = ep->addr.v4;
		s4->sin_port = htons(ep->port);
		return sizeof(*s4);
	}
	if (ep->addr.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = ep->addr.v6;
		s6->sin6_port = htons(ep->port);
		return sizeof(*s6);
	}
	return 0;
}

/* Messages --------------------------------------------------------------- */

void lbnl_ctl_msg_free(struct lbnl_ctl_msg *m)
{
	free(m->state);
	m->state = NULL;
	m->state_len = 0;
	free(m->blob);
	m->blob = NULL;
	m->blob_len = 0;
}

const char *lbnl_ctl_type_name(uint8_t type)
{
	static const char *const names[__LBNL_CTL_TYPE_MAX] = {
		[LBNL_CTL_HELLO] = "hello",
		[LBNL_CTL_MIGRATE] = "migrate",
		[LBNL_CTL_TRANSFER] = "transfer",
		[LBNL_CTL_TRANSFER_ACK] = "transfer-ack",
		[LBNL_CTL_RESULT] = "result",
		[LBNL_CTL_DECISION] = "decision",
		[LBNL_CTL_FINISH] = "finish",
		[LBNL_CTL_REFUSED] = "refused",
	};
	static char other[16];

	if (type < __LBNL_CTL_TYPE_MAX && names[type])
		return names[type];
	snprintf(other, sizeof(other), "type %u", type);
	return other;
}

static const char *missing_name(unsigned int missing)
{
	size_t i;

	for (i = 0; i < sizeof(has_names) / sizeof(has_names[0]); i++)
		if (missing & (1U << i))
			return has_names[i];
	return "?";
}

/* A frame being built: length, header, TLVs; the MAC is added last. */
struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	bool failed;
};

static unsigned char *buf_room(struct buf *b, size_t n)
{
	unsigned char *p;

	if (b->failed)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->failed = true;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

static void tlv_put(struct buf *b, uint16_t type, const void *val,
		    size_t len)
{
	unsigned char *p = buf_room(b, TLV_HDR_LEN + len);

	if (!p)
		return;
	put_u16(p, type);
	put_u16(p + 2, 0);
	put_u32(p + 4, (uint32_t)len);
	if (len)
		memcpy(p + TLV_HDR_LEN, val, len);
}

static void tlv_u8(struct buf *b, uint16_t type, uint8_t v)
{
	tlv_put(b, type, &v, 1);
}

static void tlv_u16(struct buf *b, uint16_t type, uint16_t v)
{
	unsigned char p[2];

	put_u16(p, v);
	tlv_put(b, type, p, sizeof(p));
}

static void tlv_u32(struct buf *b, uint16_t type, uint32_t v)
{
	unsigned char p[4];

	put_u32(p, v);
	tlv_put(b, type, p, sizeof(p));
}

static void tlv_u64(struct buf *b, uint16_t type, uint64_t v)
{
	unsigned char p[8];

	put_u64(p, v);
	tlv_put(b, type, p, sizeof(p));
}

static void tlv_str(struct buf *b, uint16_t type, const char *s, size_t max)
{
	tlv_put(b, type, s, strnlen(s, max - 1));
}

/* Encode an address and port; 0 bytes if the family is neither. */
static size_t enc_endpoint(unsigned char *p, const struct lbnl_addr *a,
			   uint16_t port, uint8_t second)
{
	if (a->family == AF_INET) {
		p[0] = 4;
		memcpy(p + 4, &a->v4, 4);
	} else if (a->family == AF_INET6) {
		p[0] = 6;
		memcpy(p + 4, &a->v6, 16);
	} else {
		return 0;
	}
	p[1] = second;
	put_u16(p + 2, port);
	return p[0] == 4 ? 8 : 20;
}

/* Decode one; the bytes it took, 0 if malformed. */
static size_t dec_endpoint(const unsigned char *p, size_t len,
			   struct lbnl_addr *a, uint16_t *port,
			   uint8_t *second)
{
	size_t need;

	if (len < 4)
		return 0;
	need = p[0] == 4 ? 8 : p[0] == 6 ? 20 : 0;
	if (!need || len < need)
		return 0;
	memset(a, 0, sizeof(*a));
	a->family = p[0] == 4 ? AF_INET : AF_INET6;
	memcpy(a->raw, p + 4, need - 4);
	*second = p[1];
	*port = get_u16(p + 2);
	return need;
}

static bool tlv_endpoint(struct buf *b, uint16_t type,
			 const struct lbnl_addr *a, uint16_t port,
			 uint8_t second)
{
	unsigned char p[20];
	size_t n = enc_endpoint(p, a, port, second);

	if (!n)
		return false;
	tlv_put(b, type, p, n);
	return true;
}

static bool tlv_assoc(struct buf *b, const struct lbnl_assoc_key *k)
{
	unsigned char p[40];
	size_t n1, n2;

	n1 = enc_endpoint(p, &k->laddr, k->lport, 0);
	n2 = n1 ? enc_endpoint(p + n1, &k->paddr, k->pport, 0) : 0;
	if (!n2)
		return false;
	tlv_put(b, LBNL_CTL_T_ASSOC, p, n1 + n2);
	return true;
}

/* -EINVAL with c->err set if m lacks what its type requires. */
static int check_fields(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m,
			bool sending)
{
	unsigned int missing;

	if (m->type <= LBNL_CTL_HELLO || m->type >= __LBNL_CTL_TYPE_MAX) {
		set_err(c, "%s: cannot %s a %s message",
			sending ? "send" : "recv", sending ? "send" : "accept",
			lbnl_ctl_type_name(m->type));
		return -EINVAL;
	}
	missing = required[m->type] & ~m->has;
	if (missing) {
		set_err(c, "%s: %s message without %s",
			sending ? "send" : "recv", lbnl_ctl_type_name(m->type),
			missing_name(missing));
		return -EINVAL;
	}
	if (m->type == LBNL_CTL_REFUSED && !m->reason[0]) {
		set_err(c, "%s: refused message without a reason",
			sending ? "send" : "recv");
		return -EINVAL;
	}
	return 0;
}

static int encode_msg(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m,
		      struct buf *b)
{
	bool ok = true;

	if (m->has & LBNL_CTL_HAS_SESSION)
		tlv_u64(b, LBNL_CTL_T_SESSION, m->session);
	if (m->has & LBNL_CTL_HAS_STATUS) {
		tlv_u32(b, LBNL_CTL_T_STATUS, (uint32_t)m->status);
		tlv_str(b, LBNL_CTL_T_REASON, m->reason, sizeof(m->reason));
	} else if (m->reason[0]) {
		tlv_str(b, LBNL_CTL_T_REASON, m->reason, sizeof(m->reason));
	}
	if (m->has & LBNL_CTL_HAS_VIP) {
		ok &= tlv_endpoint(b, LBNL_CTL_T_VIP, &m->vip.addr,
				   m->vip.port, m->vip.proto);
		tlv_u32(b, LBNL_CTL_T_VTAG, m->vtag);
	}
	if (m->has & LBNL_CTL_HAS_ASSOC)
		ok &= tlv_assoc(b, &m->assoc);
	if (m->has & LBNL_CTL_HAS_TARGET) {
		ok &= tlv_endpoint(b, LBNL_CTL_T_TARGET, &m->target.addr,
				   m->target.port, 0);
		ok &= tlv_endpoint(b, LBNL_CTL_T_TARGET_AGENT,
				   &m->target_agent.addr,
				   m->target_agent.port, 0);
	}
	if (m->has & LBNL_CTL_HAS_DEADLINE)
		tlv_u32(b, LBNL_CTL_T_DEADLINE, m->deadline_ms);
	if (m->has & LBNL_CTL_HAS_REPLY_PORT)
		tlv_u16(b, LBNL_CTL_T_REPLY_PORT, m->reply_port);
	if (m->has & LBNL_CTL_HAS_COMMIT)
		tlv_u8(b, LBNL_CTL_T_COMMIT, m->commit);
	if (m->has & LBNL_CTL_HAS_STATE) {
		if (!m->state && m->state_len)
			ok = false;
		tlv_put(b, LBNL_CTL_T_STATE, m->state, m->state_len);
	}
	if (m->has & LBNL_CTL_HAS_BLOB) {
		if (!m->blob && m->blob_len)
			ok = false;
		tlv_put(b, LBNL_CTL_T_BLOB, m->blob, m->blob_len);
	}
	if (!ok) {
		set_err(c, "send: %s message with an address of no family",
			lbnl_ctl_type_name(m->type));
		return -EINVAL;
	}
	return 0;
}

/* Decode the TLVs of a (non-HELLO) frame into m. */
static int decode_msg(struct lbnl_ctl_conn *c, const unsigned char *p,
		      size_t len, struct lbnl_ctl_msg *m)
{
	bool vtag_seen = false, target_agent_seen = false;

	while (len) {
		uint16_t type;
		uint32_t vlen;
		const unsigned char *v;
		uint8_t second;
		size_t n;

		if (len < TLV_HDR_LEN) {
			set_err(c, "%s: truncated field header",
				lbnl_ctl_type_name(m->type));
			return -EBADMSG;
		}
		type = get_u16(p);
		vlen = get_u32(p + 4);
		if (vlen > len - TLV_HDR_LEN) {
			set_err(c, "%s: field %u longer than the frame",
				lbnl_ctl_type_name(m->type), type);
			return -EBADMSG;
		}
		v = p + TLV_HDR_LEN;
		p += TLV_HDR_LEN + vlen;
		len -= TLV_HDR_LEN + vlen;

		switch (type) {
		case LBNL_CTL_T_SESSION:
			if (vlen != 8)
				goto bad_len;
			m->session = get_u64(v);
			m->has |= LBNL_CTL_HAS_SESSION;
			break;
		case LBNL_CTL_T_STATUS:
			if (vlen != 4)
				goto bad_len;
			m->status = (int32_t)get_u32(v);
			m->has |= LBNL_CTL_HAS_STATUS;
			break;
		case LBNL_CTL_T_REASON:
			if (vlen >= sizeof(m->reason))
				goto bad_len;
			memcpy(m->reason, v, vlen);
			m->reason[vlen] = '\0';
			break;
		case LBNL_CTL_T_VIP:
			n = dec_endpoint(v, vlen, &m->vip.addr, &m->vip.port,
					 &second);
			if (!n || n != vlen)
				goto bad_len;
			m->vip.proto = second;
			m->has |= LBNL_CTL_HAS_VIP;
			break;
		case LBNL_CTL_T_VTAG:
			if (vlen != 4)
				goto bad_len;
			m->vtag = get_u32(v);
			vtag_seen = true;
			break;
		case LBNL_CTL_T_ASSOC:
			n = dec_endpoint(v, vlen, &m->assoc.laddr,
					 &m->assoc.lport, &second);
			if (!n)
				goto bad_len;
			if (dec_endpoint(v + n, vlen - n, &m->assoc.paddr,
					 &m->assoc.pport, &second) !=
			    vlen - n)
				goto bad_len;
			m->has |= LBNL_CTL_HAS_ASSOC;
			break;
		case LBNL_CTL_T_TARGET:
			n = dec_endpoint(v, vlen, &m->target.addr,
					 &m->target.port, &second);
			if (!n || n != vlen)
				goto bad_len;
			m->has |= LBNL_CTL_HAS_TARGET;
			break;
		case LBNL_CTL_T_TARGET_AGENT:
			n = dec_endpoint(v, vlen, &m->target_agent.addr,
					 &m->target_agent.port, &second);
			if (!n || n != vlen)
				goto bad_len;
			target_agent_seen = true;
			break;
		case LBNL_CTL_T_DEADLINE:
			if (vlen != 4)
				goto bad_len;
			m->deadline_ms = get_u32(v);
			m->has |= LBNL_CTL_HAS_DEADLINE;
			break;
		case LBNL_CTL_T_REPLY_PORT:
			if (vlen != 2)
				goto bad_len;
			m->reply_port = get_u16(v);
			m->has |= LBNL_CTL_HAS_REPLY_PORT;
			break;
		case LBNL_CTL_T_COMMIT:
			if (vlen != 1 || v[0] > 1)
				goto bad_len;
			m->commit = v[0];
			m->has |= LBNL_CTL_HAS_COMMIT;
			break;
		case LBNL_CTL_T_STATE:
			if (m->state)
				goto twice;
			m->state = malloc(vlen + 1);
			if (!m->state)
				return -ENOMEM;
			memcpy(m->state, v, vlen);
			m->state[vlen] = '\0';
			m->state_len = vlen;
			m->has |= LBNL_CTL_HAS_STATE;
			break;
		case LBNL_CTL_T_BLOB:
			if (m->blob)
				goto twice;
			m->blob = malloc(vlen ? vlen : 1);
			if (!m->blob)
				return -ENOMEM;
			memcpy(m->blob, v, vlen);
			m->blob_len = vlen;
			m->has |= LBNL_CTL_HAS_BLOB;
			break;
		default:
			break;	/* a later minor version's: skipped */
		}
		continue;
bad_len:
		set_err(c, "%s: field %u malformed (%u bytes)",
			lbnl_ctl_type_name(m->type), type, vlen);
		return -EBADMSG;
twice:
		set_err(c, "%s: field %u twice", lbnl_ctl_type_name(m->type),
			type);
		return -EBADMSG;
	}
	/* The pairs: a VIP with its vtag, a target with its agent. */
	if (!vtag_seen)
		m->has &= ~LBNL_CTL_HAS_VIP;
	if (!target_agent_seen)
		m->has &= ~LBNL_CTL_HAS_TARGET;
	if (check_fields(c, m, false))
		return -EBADMSG;
	return 0;
}

/* Sockets ---------------------------------------------------------------- */

/* Wait until fd is ready for events: 0, -ETIMEDOUT or -errno. */
static int wait_ready(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&pfd, 1, left_ms(deadline));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

/* Write all of buf by the deadline. */
static int write_all(struct lbnl_ctl_conn *c, const unsigned char *buf,
		     size_t len, int64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;
		int r = wait_ready(c->fd, POLLOUT, deadline);

		if (r)
			return r;
		n = send(c->fd, buf + done, len - done,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno == EPIPE ? -ECONNRESET : -errno;
		}
		done += n;
	}
	return 0;
}

/* Read into buf until *got == len or the deadline. EOF: -ECONNRESET. */
static int read_some(struct lbnl_ctl_conn *c, unsigned char *buf,
		     size_t len, size_t *got, int64_t deadline)
{
	while (*got < len) {
		ssize_t n;
		int r = wait_ready(c->fd, POLLIN, deadline);

		if (r)
			return r;
		n = recv(c->fd, buf + *got, len - *got, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (!n)
			return -ECONNRESET;
		*got += n;
	}
	return 0;
}

static void rx_reset(struct lbnl_ctl_conn *c)
{
	free(c->rx_body);
	c->rx_body = NULL;
	c->rx_hdr_got = 0;
	c->rx_len = 0;
	c->rx_got = 0;
}

/*
 * Read one whole frame (after the length field) into c->rx_body, checking
 * the length and the version. A timeout keeps what was read.
 */
static int read_frame(struct lbnl_ctl_conn *c, int64_t deadline)
{
	int err;

	if (c->rx_hdr_got < 4) {
		err = read_some(c, c->rx_hdr, 4, &c->rx_hdr_got, deadline);
		if (err == -ECONNRESET && c->rx_hdr_got)
			set_err(c, "truncated frame (closed after %zu bytes)",
				c->rx_hdr_got);
		else if (err == -ECONNRESET)
			set_err(c, "connection closed");
		if (err)
			return err;
		c->rx_len = get_u32(c->rx_hdr);
		if (c->rx_len > LBNL_CTL_MAX_FRAME) {
			set_err(c, "frame too long (%zu bytes, at most %u)",
				c->rx_len, LBNL_CTL_MAX_FRAME);
			return -EBADMSG;
		}
		if (c->rx_len < MIN_FRAME) {
			set_err(c, "frame too short (%zu bytes)", c->rx_len);
			return -EBADMSG;
		}
		c->rx_body = malloc(c->rx_len);
		if (!c->rx_body) {
			set_err(c, "no memory for a %zu-byte frame",
				c->rx_len);
			return -ENOMEM;
		}
		c->rx_got = 0;
	}
	err = read_some(c, c->rx_body, c->rx_len, &c->rx_got, deadline);
	if (err == -ECONNRESET)
		set_err(c, "truncated frame (%zu of %zu bytes, then closed)",
			c->rx_got, c->rx_len);
	if (err)
		return err;
	if (c->rx_body[0] != LBNL_CTL_VERSION) {
		set_err(c, "version %u not supported (this is %u)",
			c->rx_body[0], LBNL_CTL_VERSION);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* Build a frame around b's TLVs (b starts with room for the header). */
static int finish_frame(struct buf *b, uint8_t type, uint64_t seq,
			const unsigned char *key)
{
	unsigned char *mac;

	mac = buf_room(b, MAC_LEN);
	if (!mac)
		return -ENOMEM;
	if (b->len - 4 > LBNL_CTL_MAX_FRAME)
		return -EMSGSIZE;
	put_u32(b->data, (uint32_t)(b->len - 4));
	b->data[4] = LBNL_CTL_VERSION;
	b->data[5] = type;
	put_u16(b->data + 6, 0);
	put_u64(b->data + 8, seq);
	if (key)
		crypto_auth_hmacsha256(mac, b->data + 4, b->len - 4 - MAC_LEN,
				       key);
	else
		memset(mac, 0, MAC_LEN);
	return 0;
}

static int send_frame(struct lbnl_ctl_conn *c, struct buf *b,
		      int64_t deadline)
{
	int err;

	free(c->last);
	c->last = b->data;
	c->last_len = b->len;
	b->data = NULL;
	err = write_all(c, c->last, c->last_len, deadline);
	if (err == -ETIMEDOUT)
		set_err(c, "timed out sending");
	else if (err == -ECONNRESET)
		set_err(c, "connection closed");
	else if (err)
		set_err(c, "send: %s", strerror(-err));
	if (err)
		c->broken = true;
	return err;
}

int lbnl_ctl_send(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m,
		  int timeout_ms)
{
	struct buf b = { 0 };
	int err;

	if (c->broken) {
		set_err(c, "connection unusable after an error");
		return -ENOTCONN;
	}
	err = check_fields(c, m, true);
	if (err)
		return err;
	buf_room(&b, 4 + HDR_LEN);
	err = encode_msg(c, m, &b);
	if (!err)
		err = b.failed ? -ENOMEM : finish_frame(&b, m->type,
							c->send_seq + 1,
							c->k_send);
	if (err == -EMSGSIZE)
		set_err(c, "send: %s message too long (%zu bytes)",
			lbnl_ctl_type_name(m->type), b.len);
	else if (err == -ENOMEM)
		set_err(c, "send: no memory");
	if (err) {
		free(b.data);
		return err;
	}
	c->send_seq++;
	return send_frame(c, &b, deadline_of(timeout_ms));
}

/*
 * For the unit tests only (not in ctl.h): send m without checking its
 * required fields, to see the receiver reject it.
 */
int lbnl_ctl_test_send_unchecked(struct lbnl_ctl_conn *c,
				 const struct lbnl_ctl_msg *m, int timeout_ms);
int lbnl_ctl_test_send_unchecked(struct lbnl_ctl_conn *c,
				 const struct lbnl_ctl_msg *m, int timeout_ms)
{
	struct buf b = { 0 };
	int err;

	buf_room(&b, 4 + HDR_LEN);
	err = encode_msg(c, m, &b);
	if (!err)
		err = b.failed ? -ENOMEM : finish_frame(&b, m->type,
							++c->send_seq,
							c->k_send);
	if (err) {
		free(b.data);
		return err;
	}
	return send_frame(c, &b, deadline_of(timeout_ms));
}

int lbnl_ctl_recv(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *m,
		  int timeout_ms)
{
	unsigned char *body;
	uint64_t seq;
	size_t len;
	int err;

	memset(m, 0, sizeof(*m));
	if (c->broken) {
		set_err(c, "connection unusable after an error");
		return -ENOTCONN;
	}
	err = read_frame(c, deadline_of(timeout_ms));
	if (err == -ETIMEDOUT) {
		set_err(c, "timed out waiting for a message");
		return err;
	}
	if (err)
		goto broken;
	body = c->rx_body;
	len = c->rx_len;
	seq = get_u64(body + 4);
	if (crypto_auth_hmacsha256_verify(body + len - MAC_LEN, body,
					  len - MAC_LEN, c->k_recv)) {
		set_err(c, "bad MAC (forged, or another key) on a %s frame",
			lbnl_ctl_type_name(body[1]));
		err = -EBADMSG;
		goto broken;
	}
	if (seq != c->recv_seq + 1) {
		set_err(c, "frame %llu: expected sequence %llu "
			"(replayed or reordered)", (unsigned long long)seq,
			(unsigned long long)(c->recv_seq + 1));
		err = -EBADMSG;
		goto broken;
	}
	c->recv_seq = seq;
	m->type = body[1];
	if (m->type == LBNL_CTL_HELLO || m->type >= __LBNL_CTL_TYPE_MAX ||
	    !m->type) {
		set_err(c, "unexpected %s message",
			lbnl_ctl_type_name(m->type));
		err = -EBADMSG;
		goto broken;
	}
	err = decode_msg(c, body + HDR_LEN, len - HDR_LEN - MAC_LEN, m);
	if (err) {
		lbnl_ctl_msg_free(m);
		goto broken;
	}
	rx_reset(c);
	return 0;

broken:
	rx_reset(c);
	c->broken = true;
	return err;
}

/* Keys and the HELLO exchange -------------------------------------------- */

int lbnl_ctl_key_load(const char *path, struct lbnl_ctl_key *key,
		      char *err, size_t errlen)
{
	char text[2 * LBNL_CTL_KEY_MAX + 8];
	struct stat st;
	size_t n = 0, end;
	ssize_t r;
	int fd;

	memset(key, 0, sizeof(*key));
	if (sodium_init() < 0) {
		snprintf(err, errlen, "%s: libsodium failed to initialise",
			 path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: readable by others than its owner "
			 "(mode %03o; chmod 600 it)", path,
			 (unsigned int)(st.st_mode & 0777));
		goto fail;
	}
	while (n < sizeof(text) &&
	       (r = read(fd, text + n, sizeof(text) - n)) > 0)
		n += r;
	close(fd);
	fd = -1;
	end = n;
	while (end && (text[end - 1] == '\n' || text[end - 1] == '\r' ||
		       text[end - 1] == ' ' || text[end - 1] == '\t'))
		end--;
	if (n == sizeof(text) || end > 2 * LBNL_CTL_KEY_MAX) {
		snprintf(err, errlen, "%s: key too long (at most %d hex "
			 "digits)", path, 2 * LBNL_CTL_KEY_MAX);
		goto fail;
	}
	if (sodium_hex2bin(key->bytes, sizeof(key->bytes), text, end, NULL,
			   &key->len, NULL) || key->len * 2 != end) {
		snprintf(err, errlen, "%s: not one line of hex digits", path);
		goto fail;
	}
	if (key->len < LBNL_CTL_KEY_MIN) {
		snprintf(err, errlen, "%s: key too short (%zu bytes, at least "
			 "%d: %d hex digits)", path, key->len,
			 LBNL_CTL_KEY_MIN, 2 * LBNL_CTL_KEY_MIN);
		goto fail;
	}
	sodium_memzero(text, sizeof(text));
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(key, sizeof(key->bytes));
	key->len = 0;
	return -1;
}

static void derive(unsigned char *out, const struct lbnl_ctl_key *psk,
		   const char *label, const unsigned char *nonce_c,
		   const unsigned char *nonce_s)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, psk->bytes, psk->len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label,
				      strlen(label));
	crypto_auth_hmacsha256_update(&st, nonce_c, NONCE_LEN);
	crypto_auth_hmacsha256_update(&st, nonce_s, NONCE_LEN);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

static const char *role_name(uint8_t role)
{
	switch (role) {
	case LBNL_CTL_ROLE_LBNLD:
		return "lbnld";
	case LBNL_CTL_ROLE_AGENT:
		return "agent";
	case LBNL_CTL_ROLE_TOOL:
		return "tool";
	}
	return "unknown";
}

/* Parse the other side's HELLO (already read into c->rx_body). */
static int parse_hello(struct lbnl_ctl_conn *c, unsigned char *nonce)
{
	const unsigned char *p = c->rx_body + HDR_LEN;
	size_t len = c->rx_len - HDR_LEN - MAC_LEN;
	char name[LBNL_CTL_NAME_MAX] = "";
	bool got_nonce = false;
	int role = -1;
	char addr[LBNL_ADDRPORTSTRLEN];

	if (c->rx_body[1] != LBNL_CTL_HELLO) {
		set_err(c, "no HELLO (got a %s frame first)",
			lbnl_ctl_type_name(c->rx_body[1]));
		return -EBADMSG;
	}
	if (get_u64(c->rx_body + 4)) {
		set_err(c, "HELLO with sequence %llu, not 0",
			(unsigned long long)get_u64(c->rx_body + 4));
		return -EBADMSG;
	}
	while (len) {
		uint16_t type;
		uint32_t vlen;

		if (len < TLV_HDR_LEN)
			goto bad;
		type = get_u16(p);
		vlen = get_u32(p + 4);
		if (vlen > len - TLV_HDR_LEN)
			goto bad;
		if (type == LBNL_CTL_T_NONCE) {
			if (vlen != NONCE_LEN)
				goto bad;
			memcpy(nonce, p + TLV_HDR_LEN, NONCE_LEN);
			got_nonce = true;
		} else if (type == LBNL_CTL_T_ROLE) {
			if (vlen != 1)
				goto bad;
			role = p[TLV_HDR_LEN];
		} else if (type == LBNL_CTL_T_NAME) {
			size_t i;

			if (vlen >= sizeof(name))
				goto bad;
			memcpy(name, p + TLV_HDR_LEN, vlen);
			name[vlen] = '\0';
			for (i = 0; i < vlen; i++)
				if ((unsigned char)name[i] < 0x20 ||
				    name[i] == 0x7f)
					name[i] = '?';
		}
		p += TLV_HDR_LEN + vlen;
		len -= TLV_HDR_LEN + vlen;
	}
	if (!got_nonce || role < 0) {
		set_err(c, "HELLO without %s", got_nonce ? "role" : "nonce");
		return -EBADMSG;
	}
	lbnl_format_addr_port(&c->peer_addr.addr, c->peer_addr.port, addr,
			      sizeof(addr));
	snprintf(c->peer, sizeof(c->peer), "%s (%s%s%s)", addr,
		 role_name(role), name[0] ? " " : "", name);
	return 0;
bad:
	set_err(c, "malformed HELLO");
	return -EBADMSG;
}

static int handshake(struct lbnl_ctl_conn *c, const struct lbnl_ctl_key *key,
		     enum lbnl_ctl_role role, const char *name,
		     int64_t deadline)
{
	unsigned char mine[NONCE_LEN], theirs[NONCE_LEN];
	struct buf b = { 0 };
	int err;

	randombytes_buf(mine, sizeof(mine));
	buf_room(&b, 4 + HDR_LEN);
	tlv_put(&b, LBNL_CTL_T_NONCE, mine, sizeof(mine));
	tlv_u8(&b, LBNL_CTL_T_ROLE, role);
	tlv_str(&b, LBNL_CTL_T_NAME, name ? name : "", LBNL_CTL_NAME_MAX);
	err = b.failed ? -ENOMEM : finish_frame(&b, LBNL_CTL_HELLO, 0, NULL);
	if (err) {
		free(b.data);
		set_err(c, "no memory");
		return err;
	}
	err = send_frame(c, &b, deadline);
	if (err)
		return err;
	err = read_frame(c, deadline);
	if (err == -ETIMEDOUT)
		set_err(c, "timed out waiting for HELLO");
	if (!err)
		err = parse_hello(c, theirs);
	rx_reset(c);
	if (err)
		return err;
	if (c->server) {
		derive(c->k_recv, key, "lbnl-ctl-1 c2s", theirs, mine);
		derive(c->k_send, key, "lbnl-ctl-1 s2c", theirs, mine);
	} else {
		derive(c->k_send, key, "lbnl-ctl-1 c2s", mine, theirs);
		derive(c->k_recv, key, "lbnl-ctl-1 s2c", mine, theirs);
	}
	return 0;
}

static struct lbnl_ctl_conn *conn_new(int fd, const struct sockaddr_storage
				      *peer)
{
	struct lbnl_ctl_conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return NULL;
	c->fd = fd;
	endpoint_from_sockaddr(peer, &c->peer_addr);
	lbnl_format_addr_port(&c->peer_addr.addr, c->peer_addr.port, c->peer,
			      sizeof(c->peer));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return c;
}

static int finish_open(struct lbnl_ctl_conn *c,
		       const struct lbnl_ctl_key *key, enum lbnl_ctl_role role,
		       const char *name, int64_t deadline,
		       struct lbnl_ctl_conn **out, char *err, size_t errlen)
{
	int ret;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		lbnl_ctl_close(c);
		return -EIO;
	}
	ret = handshake(c, key, role, name, deadline);
	if (ret) {
		snprintf(err, errlen, "%s", c->err);
		lbnl_ctl_close(c);
		return ret;
	}
	c->err[0] = '\0';
	*out = c;
	return 0;
}

int lbnl_ctl_connect(const struct lbnl_endpoint *to,
		     const struct lbnl_ctl_key *key, enum lbnl_ctl_role role,
		     const char *name, int timeout_ms,
		     struct lbnl_ctl_conn **out, char *err, size_t errlen)
{
	int64_t deadline = deadline_of(timeout_ms);
	char addr[LBNL_ADDRPORTSTRLEN];
	struct sockaddr_storage ss;
	struct lbnl_ctl_conn *c;
	socklen_t sl;
	int fd, r, so = 0;

	*out = NULL;
	lbnl_format_addr_port(&to->addr, to->port, addr, sizeof(addr));
	sl = sockaddr_from_endpoint(to, &ss);
	if (!sl) {
		snprintf(err, errlen, "connect: address of no family");
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "connect %s: %s", addr, strerror(-r));
		return r;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		r = -errno;
		goto fail;
	}
	r = wait_ready(fd, POLLOUT, deadline);
	if (r)
		goto fail;
	sl = sizeof(so);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
	if (so) {
		r = -so;
		goto fail;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	c = conn_new(fd, &ss);
	if (!c) {
		r = -ENOMEM;
		goto fail;
	}
	return finish_open(c, key, role, name, deadline, out, err, errlen);
fail:
	close(fd);
	snprintf(err, errlen, "connect %s: %s", addr, strerror(-r));
	return r;
}

int lbnl_ctl_accept(int fd, const struct lbnl_ctl_key *key,
		    enum lbnl_ctl_role role, const char *name, int timeout_ms,
		    struct lbnl_ctl_conn **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	struct lbnl_ctl_conn *c;

	*out = NULL;
	getpeername(fd, (struct sockaddr *)&ss, &sl);
	c = conn_new(fd, &ss);
	if (!c) {
		close(fd);
		snprintf(err, errlen, "accept: no memory");
		return -ENOMEM;
	}
	c->server = true;
	return finish_open(c, key, role, name, deadline_of(timeout_ms), out,
			   err, errlen);
}

const char *lbnl_ctl_error(const struct lbnl_ctl_conn *c)
{
	return c->err[0] ? c->err : "no error";
}

const char *lbnl_ctl_peer(const struct lbnl_ctl_conn *c)
{
	return c->peer;
}

const struct lbnl_endpoint *lbnl_ctl_peer_addr(const struct lbnl_ctl_conn *c)
{
	return &c->peer_addr;
}

int lbnl_ctl_fd(const struct lbnl_ctl_conn *c)
{
	return c->fd;
}

void lbnl_ctl_close(struct lbnl_ctl_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	rx_reset(c);
	free(c->last);
	sodium_memzero(c->k_send, sizeof(c->k_send));
	sodium_memzero(c->k_recv, sizeof(c->k_recv));
	free(c);
}

int lbnl_ctl_last_frame(const struct lbnl_ctl_conn *c,
			const unsigned char **frame, size_t *len)
{
	if (!c->last)
		return -ENOENT;
	*frame = c->last;
	*len = c->last_len;
	return 0;
}

int lbnl_ctl_send_raw(struct lbnl_ctl_conn *c, const void *buf, size_t len,
		      int timeout_ms)
{
	int err = write_all(c, buf, len, deadline_of(timeout_ms));

	if (err)
		set_err(c, "send: %s", strerror(-err));
	return err;
}
