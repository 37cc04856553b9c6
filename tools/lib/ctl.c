// SPDX-License-Identifier: GPL-2.0
/*
 * The lbnl control protocol (ctl.h): TLS 1.3 identities (OpenSSL), the
 * handshakes, framing, TLV encoding and decoding of the messages, and the
 * pre-authentication gate. Non-blocking sockets, every wait bounded by
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

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <sys/eventfd.h>

#include "ctl.h"
#include "log.h"

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
	LBNL_CTL_T_SOURCE,		/* endpoint */
};

#define HDR_LEN		4		/* version .. reserved */
#define TLV_HDR_LEN	8
#define MIN_FRAME	HDR_LEN
#define ERR_MAX		384
#define PEER_MAX	(LBNL_ADDRPORTSTRLEN + LBNL_CTL_NAME_MAX + 16)

/* Fields each type requires. */
static const unsigned int required[__LBNL_CTL_TYPE_MAX] = {
	[LBNL_CTL_MIGRATE] = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_VIP |
			     LBNL_CTL_HAS_ASSOC | LBNL_CTL_HAS_TARGET |
			     LBNL_CTL_HAS_SOURCE |
			     LBNL_CTL_HAS_DEADLINE | LBNL_CTL_HAS_REPLY_PORT,
	[LBNL_CTL_TRANSFER] = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_ASSOC |
			      LBNL_CTL_HAS_STATE | LBNL_CTL_HAS_DEADLINE |
			      LBNL_CTL_HAS_SOURCE | LBNL_CTL_HAS_TARGET,
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
	"reply port", "commit", "state", "blob", "source",
};

/* What a certificate says (its subjectAltName, its CN). */
struct ident {
	enum lbnl_ctl_role role;
	unsigned int n_addrs;
	struct lbnl_addr addrs[LBNL_CTL_MAX_NAMES];
	char cn[LBNL_CTL_NAME_MAX];
};

struct lbnl_ctl_tls {
	SSL_CTX *ctx;
	struct ident me;
	int refs;			/* atomic */
};

struct lbnl_ctl_conn {
	int fd;
	SSL *ssl;
	bool broken;
	bool server;
	struct ident peer_id;
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
	if (m->has & LBNL_CTL_HAS_SOURCE)
		ok &= tlv_endpoint(b, LBNL_CTL_T_SOURCE, &m->source.addr,
				   m->source.port, 0);
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
		case LBNL_CTL_T_SOURCE:
			n = dec_endpoint(v, vlen, &m->source.addr,
					 &m->source.port, &second);
			if (!n || n != vlen)
				goto bad_len;
			m->has |= LBNL_CTL_HAS_SOURCE;
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

/* Sockets and TLS --------------------------------------------------------- */

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

/* OpenSSL's reason for the last failure, verify result first. */
static void tls_why(SSL *ssl, char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	const char *r;

	if (v != X509_V_OK) {
		snprintf(buf, len, "certificate verify failed: %s",
			 X509_verify_cert_error_string(v));
		return;
	}
	r = e ? ERR_reason_error_string(e) : NULL;
	if (r)
		snprintf(buf, len, "%s", r);
	else if (e)
		snprintf(buf, len, "OpenSSL error %lx", e);
	else
		snprintf(buf, len, "protocol error");
}

/*
 * After an SSL call returned ret <= 0: wait for what it wants (0: call it
 * again), or the error: -ETIMEDOUT, -ECONNRESET (closed), -EPROTO (c->err
 * says what TLS said), -errno.
 */
static int tls_wait(struct lbnl_ctl_conn *c, int ret, int64_t deadline)
{
	char why[200];
	int e = SSL_get_error(c->ssl, ret);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return wait_ready(c->fd, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return wait_ready(c->fd, POLLOUT, deadline);
	case SSL_ERROR_ZERO_RETURN:
		return -ECONNRESET;
	case SSL_ERROR_SSL:
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
		    SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return -ECONNRESET;
		break;
	case SSL_ERROR_SYSCALL:
		if (!ERR_peek_error() && (!errno || errno == EPIPE ||
					  errno == ECONNRESET))
			return -ECONNRESET;
		if (!ERR_peek_error())
			return errno ? -errno : -ECONNRESET;
		break;
	default:
		break;
	}
	tls_why(c->ssl, why, sizeof(why));
	set_err(c, "TLS: %s", why);
	return -EPROTO;
}

/* Write all of buf by the deadline. */
static int write_all(struct lbnl_ctl_conn *c, const unsigned char *buf,
		     size_t len, int64_t deadline)
{
	while (len) {
		size_t n = 0;
		int r;

		ERR_clear_error();
		errno = 0;
		r = SSL_write_ex(c->ssl, buf, len, &n);
		if (r > 0) {
			buf += n;
			len -= n;
			continue;
		}
		r = tls_wait(c, r, deadline);
		if (r)
			return r;
	}
	return 0;
}

/* Read into buf until *got == len or the deadline. EOF: -ECONNRESET. */
static int read_some(struct lbnl_ctl_conn *c, unsigned char *buf,
		     size_t len, size_t *got, int64_t deadline)
{
	while (*got < len) {
		size_t n = 0;
		int r;

		ERR_clear_error();
		errno = 0;
		r = SSL_read_ex(c->ssl, buf + *got, len - *got, &n);
		if (r > 0) {
			*got += n;
			continue;
		}
		r = tls_wait(c, r, deadline);
		if (r)
			return r;
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

/* The error of a failed read, unless tls_wait() said it already. */
static void read_err(struct lbnl_ctl_conn *c, int err, const char *what)
{
	if (err == -EPROTO)
		return;
	if (err == -ECONNRESET)
		set_err(c, "%s", what);
	else if (err != -ETIMEDOUT)
		set_err(c, "recv: %s", strerror(-err));
}

/*
 * Read one whole frame (after the length field) into c->rx_body, checking
 * the length and the version. A timeout keeps what was read.
 */
static int read_frame(struct lbnl_ctl_conn *c, int64_t deadline)
{
	char what[96];
	int err;

	if (c->rx_hdr_got < 4) {
		err = read_some(c, c->rx_hdr, 4, &c->rx_hdr_got, deadline);
		if (err) {
			if (c->rx_hdr_got)
				snprintf(what, sizeof(what), "truncated frame "
					 "(closed after %zu bytes)",
					 c->rx_hdr_got);
			else
				snprintf(what, sizeof(what),
					 "connection closed");
			read_err(c, err, what);
			return err;
		}
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
	if (err) {
		snprintf(what, sizeof(what), "truncated frame (%zu of %zu "
			 "bytes, then closed)", c->rx_got, c->rx_len);
		read_err(c, err, what);
		return err;
	}
	if (c->rx_body[0] != LBNL_CTL_VERSION) {
		set_err(c, "version %u not supported (this is %u)",
			c->rx_body[0], LBNL_CTL_VERSION);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* Build a frame around b's TLVs (b starts with room for the header). */
static int finish_frame(struct buf *b, uint8_t type)
{
	if (b->len - 4 > LBNL_CTL_MAX_FRAME)
		return -EMSGSIZE;
	put_u32(b->data, (uint32_t)(b->len - 4));
	b->data[4] = LBNL_CTL_VERSION;
	b->data[5] = type;
	put_u16(b->data + 6, 0);
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
	else if (err && err != -EPROTO)
		set_err(c, "send: %s", strerror(-err));
	if (err)
		c->broken = true;
	return err;
}

static int build_and_send(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m,
			  int timeout_ms)
{
	struct buf b = { 0 };
	int err;

	buf_room(&b, 4 + HDR_LEN);
	err = encode_msg(c, m, &b);
	if (!err)
		err = b.failed ? -ENOMEM : finish_frame(&b, m->type);
	if (err == -EMSGSIZE)
		set_err(c, "send: %s message too long (%zu bytes)",
			lbnl_ctl_type_name(m->type), b.len);
	else if (err == -ENOMEM)
		set_err(c, "send: no memory");
	if (err) {
		free(b.data);
		return err;
	}
	return send_frame(c, &b, deadline_of(timeout_ms));
}

int lbnl_ctl_send(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m,
		  int timeout_ms)
{
	int err;

	if (c->broken) {
		set_err(c, "connection unusable after an error");
		return -ENOTCONN;
	}
	err = check_fields(c, m, true);
	if (err)
		return err;
	return build_and_send(c, m, timeout_ms);
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
	return build_and_send(c, m, timeout_ms);
}

int lbnl_ctl_recv(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *m,
		  int timeout_ms)
{
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
	m->type = c->rx_body[1];
	if (m->type <= LBNL_CTL_HELLO || m->type >= __LBNL_CTL_TYPE_MAX) {
		set_err(c, "unexpected %s message",
			lbnl_ctl_type_name(m->type));
		err = -EBADMSG;
		goto broken;
	}
	err = decode_msg(c, c->rx_body + HDR_LEN, c->rx_len - HDR_LEN, m);
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

/* Identities -------------------------------------------------------------- */

const char *lbnl_ctl_role_name(enum lbnl_ctl_role r)
{
	switch (r) {
	case LBNL_CTL_ROLE_LBNLD:
		return "lb";
	case LBNL_CTL_ROLE_AGENT:
		return "agent";
	default:
		return "no role";
	}
}

/* What x says: its role (SAN URI), addresses (SAN IP), CN. */
static void ident_of(X509 *x, struct ident *id)
{
	GENERAL_NAMES *gens;
	bool lb = false, agent = false;
	int i, n;

	memset(id, 0, sizeof(*id));
	if (!x)
		return;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
				      NID_commonName, id->cn,
				      sizeof(id->cn)) < 0)
		id->cn[0] = '\0';
	for (i = 0; id->cn[i]; i++)
		if ((unsigned char)id->cn[i] < 0x20 || id->cn[i] == 0x7f)
			id->cn[i] = '?';
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	n = gens ? sk_GENERAL_NAME_num(gens) : 0;
	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		int len;

		if (g->type == GEN_IPADD) {
			struct lbnl_addr *a;

			len = ASN1_STRING_length(g->d.iPAddress);
			d = ASN1_STRING_get0_data(g->d.iPAddress);
			if ((len != 4 && len != 16) ||
			    id->n_addrs == LBNL_CTL_MAX_NAMES)
				continue;
			a = &id->addrs[id->n_addrs++];
			memset(a, 0, sizeof(*a));
			a->family = len == 4 ? AF_INET : AF_INET6;
			memcpy(a->raw, d, len);
		} else if (g->type == GEN_URI) {
			len = ASN1_STRING_length(g->d.uniformResourceIdentifier);
			d = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
			if (len == 7 && !memcmp(d, "lbnl:lb", 7))
				lb = true;
			else if (len == 10 && !memcmp(d, "lbnl:agent", 10))
				agent = true;
		}
	}
	GENERAL_NAMES_free(gens);
	/* Both, or neither: no role (refused). */
	if (lb != agent)
		id->role = lb ? LBNL_CTL_ROLE_LBNLD : LBNL_CTL_ROLE_AGENT;
}

static bool ident_names(const struct ident *id, const struct lbnl_addr *a)
{
	unsigned int i;

	for (i = 0; i < id->n_addrs; i++)
		if (lbnl_addr_equal(&id->addrs[i], a))
			return true;
	return false;
}

static const char *ident_desc(const struct ident *id, char *buf, size_t len)
{
	size_t n;
	unsigned int i;

	n = snprintf(buf, len, "lbnl:%s %s", lbnl_ctl_role_name(id->role),
		     id->cn[0] ? id->cn : "(no CN)");
	for (i = 0; i < id->n_addrs && n < len; i++) {
		char a[LBNL_ADDRSTRLEN];

		lbnl_format_addr(&id->addrs[i], a, sizeof(a));
		n += snprintf(buf + n, len - n, "%s%s", i ? ", " : " (", a);
	}
	if (id->n_addrs && n < len)
		snprintf(buf + n, len - n, ")");
	return buf;
}

static int no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return 0;
}

/* The private key of path, if its file is the owner's only. */
static EVP_PKEY *load_key(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *pk = NULL;
	struct stat st;
	FILE *f;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, not by this "
			 "process's (uid %u) or root (chown it)", path,
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
		close(fd);
		return NULL;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: readable by others than its owner "
			 "(mode %03o; chmod 600 it)", path,
			 (unsigned int)(st.st_mode & 0777));
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	ERR_clear_error();
	pk = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (!pk) {
		char why[200];

		tls_why(NULL, why, sizeof(why));
		snprintf(err, errlen, "%s: no private key (PEM, not "
			 "encrypted): %s", path, why);
	}
	return pk;
}

int lbnl_ctl_tls_load(const char *ca, const char *cert, const char *key,
		      struct lbnl_ctl_tls **out, char *err, size_t errlen)
{
	struct lbnl_ctl_tls *t;
	char why[200];
	EVP_PKEY *pk;
	X509 *x;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "no memory");
		return -1;
	}
	t->refs = 1;
	ERR_clear_error();
	t->ctx = SSL_CTX_new(TLS_method());
	if (!t->ctx) {
		snprintf(err, errlen, "OpenSSL: cannot make a TLS context");
		free(t);
		return -1;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(t->ctx, 0);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_max_cert_list(t->ctx, LBNL_CTL_PREAUTH_BYTES);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(t->ctx, 4);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_load_verify_locations(t->ctx, ca, NULL) != 1) {
		tls_why(NULL, why, sizeof(why));
		snprintf(err, errlen, "%s: no CA certificate: %s", ca, why);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
		tls_why(NULL, why, sizeof(why));
		snprintf(err, errlen, "%s: no certificate: %s", cert, why);
		goto fail;
	}
	pk = load_key(key, err, errlen);
	if (!pk)
		goto fail;
	if (SSL_CTX_use_PrivateKey(t->ctx, pk) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		EVP_PKEY_free(pk);
		snprintf(err, errlen, "%s: not the key of %s", key, cert);
		goto fail;
	}
	EVP_PKEY_free(pk);
	/*
	 * Seed OpenSSL's random generator now, at the start: getrandom()
	 * may wait for the kernel's (a fresh VM) and that wait must not
	 * fall on the first migrations' deadlines.
	 */
	if (RAND_bytes((unsigned char *)why, 16) != 1) {
		snprintf(err, errlen, "OpenSSL: no random generator");
		goto fail;
	}
	x = SSL_CTX_get0_certificate(t->ctx);
	ident_of(x, &t->me);
	if (!t->me.role) {
		snprintf(err, errlen, "%s: the certificate names no role (one "
			 "subjectAltName URI: lbnl:lb or lbnl:agent)", cert);
		goto fail;
	}
	*out = t;
	return 0;
fail:
	SSL_CTX_free(t->ctx);
	free(t);
	return -1;
}

struct lbnl_ctl_tls *lbnl_ctl_tls_get(struct lbnl_ctl_tls *t)
{
	if (t)
		__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
	return t;
}

void lbnl_ctl_tls_put(struct lbnl_ctl_tls *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

bool lbnl_ctl_tls_expired(const struct lbnl_ctl_tls *t)
{
	X509 *x = SSL_CTX_get0_certificate(t->ctx);

	return X509_cmp_current_time(X509_get0_notAfter(x)) <= 0;
}

enum lbnl_ctl_role lbnl_ctl_tls_role(const struct lbnl_ctl_tls *t)
{
	return t->me.role;
}

bool lbnl_ctl_tls_names(const struct lbnl_ctl_tls *t,
			const struct lbnl_addr *a)
{
	return ident_names(&t->me, a);
}

const char *lbnl_ctl_tls_desc(const struct lbnl_ctl_tls *t, char *buf,
			      size_t len)
{
	return ident_desc(&t->me, buf, len);
}

/* Connections ------------------------------------------------------------- */

static struct lbnl_ctl_conn *conn_new(int fd, const struct sockaddr_storage
				      *peer, struct lbnl_ctl_tls *tls,
				      bool server)
{
	struct lbnl_ctl_conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return NULL;
	c->fd = fd;
	c->server = server;
	endpoint_from_sockaddr(peer, &c->peer_addr);
	lbnl_format_addr_port(&c->peer_addr.addr, c->peer_addr.port, c->peer,
			      sizeof(c->peer));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c->ssl = SSL_new(tls->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
		SSL_free(c->ssl);
		free(c);
		return NULL;
	}
	if (server)
		SSL_set_accept_state(c->ssl);
	else
		SSL_set_connect_state(c->ssl);
	return c;
}

/* The handshake is done: who the peer is. 0, or -EACCES with c->err. */
static int handshake_done(struct lbnl_ctl_conn *c, enum lbnl_ctl_role want)
{
	char addr[LBNL_ADDRPORTSTRLEN];
	X509 *x = SSL_get0_peer_certificate(c->ssl);

	ident_of(x, &c->peer_id);
	lbnl_format_addr_port(&c->peer_addr.addr, c->peer_addr.port, addr,
			      sizeof(addr));
	snprintf(c->peer, sizeof(c->peer), "%s (%s%s%s)", addr,
		 lbnl_ctl_role_name(c->peer_id.role),
		 c->peer_id.cn[0] ? " " : "", c->peer_id.cn);
	if (!x) {
		set_err(c, "TLS: no certificate");
		return -EACCES;
	}
	if (!c->peer_id.role) {
		set_err(c, "certificate names no role (lbnl:lb or "
			"lbnl:agent)");
		return -EACCES;
	}
	if (want && c->peer_id.role != want) {
		set_err(c, "certificate of an %s, not of an %s",
			lbnl_ctl_role_name(c->peer_id.role),
			lbnl_ctl_role_name(want));
		return -EACCES;
	}
	return 0;
}

/*
 * One step of the handshake: 0 done, -EAGAIN with *events to wait for,
 * else the error (c->err set).
 */
static int handshake_step(struct lbnl_ctl_conn *c, short *events)
{
	char why[200];
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	if (r == 1)
		return 0;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		*events = POLLIN;
		return -EAGAIN;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		*events = POLLOUT;
		return -EAGAIN;
	}
	if (((e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) &&
	     !ERR_peek_error()) || ERR_GET_REASON(ERR_peek_last_error()) ==
	    SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		set_err(c, "TLS handshake: connection closed");
		return -ECONNRESET;
	}
	tls_why(c->ssl, why, sizeof(why));
	set_err(c, "TLS handshake: %s", why);
	return -EPROTO;
}

static int handshake(struct lbnl_ctl_conn *c, enum lbnl_ctl_role want,
		     int64_t deadline)
{
	short events = 0;
	int r;

	while ((r = handshake_step(c, &events)) == -EAGAIN) {
		r = wait_ready(c->fd, events, deadline);
		if (r == -ETIMEDOUT) {
			set_err(c, "TLS handshake timed out");
			return r;
		}
		if (r)
			return r;
	}
	return r ? r : handshake_done(c, want);
}

int lbnl_ctl_connect(const struct lbnl_endpoint *to, struct lbnl_ctl_tls *tls,
		     enum lbnl_ctl_role want, int timeout_ms,
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
	c = conn_new(fd, &ss, tls, false);
	if (!c) {
		r = -ENOMEM;
		goto fail;
	}
	r = handshake(c, want, deadline);
	if (r) {
		snprintf(err, errlen, "%s", c->err);
		lbnl_ctl_close(c);
		return r;
	}
	c->err[0] = '\0';
	*out = c;
	return 0;
fail:
	close(fd);
	snprintf(err, errlen, "connect %s: %s", addr, strerror(-r));
	return r;
}

int lbnl_ctl_accept(int fd, struct lbnl_ctl_tls *tls, int timeout_ms,
		    struct lbnl_ctl_conn **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	struct lbnl_ctl_conn *c;
	int r;

	*out = NULL;
	getpeername(fd, (struct sockaddr *)&ss, &sl);
	c = conn_new(fd, &ss, tls, true);
	if (!c) {
		close(fd);
		snprintf(err, errlen, "accept: no memory");
		return -ENOMEM;
	}
	r = handshake(c, LBNL_CTL_ROLE_NONE, deadline_of(timeout_ms));
	if (r) {
		snprintf(err, errlen, "%s", c->err);
		lbnl_ctl_close(c);
		return r;
	}
	c->err[0] = '\0';
	*out = c;
	return 0;
}

enum lbnl_ctl_role lbnl_ctl_peer_role(const struct lbnl_ctl_conn *c)
{
	return c->peer_id.role;
}

bool lbnl_ctl_peer_names(const struct lbnl_ctl_conn *c,
			 const struct lbnl_addr *a)
{
	return ident_names(&c->peer_id, a);
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
	if (c->ssl) {
		/* A close_notify if it goes at once; no waiting. */
		if (SSL_is_init_finished(c->ssl) && !c->broken) {
			ERR_clear_error();
			SSL_shutdown(c->ssl);
		}
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	rx_reset(c);
	free(c->last);
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

	if (err && err != -EPROTO)
		set_err(c, "send: %s", strerror(-err));
	return err;
}

/* The pre-authentication gate --------------------------------------------- */

struct pend {
	struct lbnl_ctl_conn *c;
	int64_t hello_deadline;		/* for the first bytes */
	int64_t deadline;		/* for the whole handshake */
	short events;
};

static uint64_t pend_read(const struct pend *p)
{
	return BIO_number_read(SSL_get_rbio(p->c->ssl));
}

struct lbnl_ctl_gate {
	pthread_mutex_t lock;
	int efd;			/* wakes the thread */
	struct lbnl_ctl_tls *tls;	/* under lock */
	int in[LBNL_CTL_PREAUTH_MAX];	/* accepted, not taken yet */
	unsigned int n_in;
	unsigned int n_pend_shown;	/* n_pend, under lock */
	lbnl_ctl_gate_fn fn;
	void *arg;
	/* The thread's own. */
	struct pend pend[LBNL_CTL_PREAUTH_MAX];
	unsigned int n_pend;
	unsigned long dropped, timed_out, too_big;
	int64_t last_summary;
	/* Totals, under lock. */
	unsigned long total[3];
	unsigned long shown[3];		/* totals with the current counts */
};

static void pend_drop(struct lbnl_ctl_gate *g, unsigned int i,
		      const char *why)
{
	lbnl_log(LOG_DEBUG, "control connection from %s dropped before "
		  "authentication: %s", g->pend[i].c->peer, why);
	lbnl_ctl_close(g->pend[i].c);
	memmove(&g->pend[i], &g->pend[i + 1],
		(g->n_pend - i - 1) * sizeof(g->pend[0]));
	g->n_pend--;
}

/*
 * The one to drop to make room: of those from a (NULL: of all), the one
 * that made the least progress (bytes read), the oldest of those.
 */
static unsigned int pend_victim(struct lbnl_ctl_gate *g,
				const struct lbnl_addr *a)
{
	unsigned int i, v = g->n_pend;
	uint64_t least = 0;

	for (i = 0; i < g->n_pend; i++) {
		uint64_t r;

		if (a && !lbnl_addr_equal(&g->pend[i].c->peer_addr.addr, a))
			continue;
		r = pend_read(&g->pend[i]);
		if (v == g->n_pend || r < least) {
			v = i;
			least = r;
		}
	}
	return v;
}

/* Make room for c (drop what must go), then add it. */
static void pend_add(struct lbnl_ctl_gate *g, struct lbnl_ctl_conn *c)
{
	unsigned int i, same = 0;
	int64_t now = now_ms();

	for (i = 0; i < g->n_pend; i++)
		if (lbnl_addr_equal(&g->pend[i].c->peer_addr.addr,
				    &c->peer_addr.addr))
			same++;
	if (same >= LBNL_CTL_PREAUTH_PER_ADDR) {
		g->dropped++;
		pend_drop(g, pend_victim(g, &c->peer_addr.addr),
			  "too many handshakes from its address");
	} else if (g->n_pend == LBNL_CTL_PREAUTH_MAX) {
		g->dropped++;
		pend_drop(g, pend_victim(g, NULL),
			  "too many handshakes at once");
	}
	g->pend[g->n_pend++] = (struct pend){
		.c = c,
		.hello_deadline = now + LBNL_CTL_HELLO_MS,
		.deadline = now + LBNL_CTL_HANDSHAKE_MS,
		.events = POLLIN,
	};
}

/* Step pend[i]: true if it left the list. */
static bool pend_step(struct lbnl_ctl_gate *g, unsigned int i)
{
	struct pend *p = &g->pend[i];
	struct lbnl_ctl_conn *c = p->c;
	int r = handshake_step(c, &p->events);

	if (r == -EAGAIN) {
		if (pend_read(p) <= LBNL_CTL_PREAUTH_BYTES)
			return false;
		g->too_big++;
		lbnl_log(LOG_WARNING, "control connection from %s rejected: "
			  "more than %d bytes before authenticating", c->peer,
			  LBNL_CTL_PREAUTH_BYTES);
		pend_drop(g, i, "too big");
		return true;
	}
	if (!r)
		r = handshake_done(c, LBNL_CTL_ROLE_NONE);
	memmove(&g->pend[i], &g->pend[i + 1],
		(g->n_pend - i - 1) * sizeof(g->pend[0]));
	g->n_pend--;
	if (r) {
		lbnl_log(r == -ECONNRESET ? LOG_DEBUG : LOG_WARNING,
			  "control connection rejected: %s", c->err);
		lbnl_ctl_close(c);
		return true;
	}
	c->err[0] = '\0';
	g->fn(c, g->arg);
	return true;
}

static void *gate_main(void *arg)
{
	struct lbnl_ctl_gate *g = arg;
	struct pollfd pfd[LBNL_CTL_PREAUTH_MAX + 1];
	int in[LBNL_CTL_PREAUTH_MAX];
	struct lbnl_ctl_tls *tls;
	unsigned int i, n_in;
	int64_t now, next;
	uint64_t junk;

	for (;;) {
		pthread_mutex_lock(&g->lock);
		n_in = g->n_in;
		memcpy(in, g->in, n_in * sizeof(in[0]));
		g->n_in = 0;
		tls = lbnl_ctl_tls_get(g->tls);
		pthread_mutex_unlock(&g->lock);
		for (i = 0; i < n_in; i++) {
			struct sockaddr_storage ss = { 0 };
			socklen_t sl = sizeof(ss);
			struct lbnl_ctl_conn *c;

			getpeername(in[i], (struct sockaddr *)&ss, &sl);
			c = tls ? conn_new(in[i], &ss, tls, true) : NULL;
			if (!c) {
				close(in[i]);
				continue;
			}
			pend_add(g, c);
			pend_step(g, g->n_pend - 1);
		}
		lbnl_ctl_tls_put(tls);

		now = now_ms();
		for (i = 0; i < g->n_pend;) {
			struct pend *p = &g->pend[i];

			if (p->deadline <= now) {
				g->timed_out++;
				pend_drop(g, i, "handshake timed out");
			} else if (p->hello_deadline <= now && !pend_read(p)) {
				g->timed_out++;
				pend_drop(g, i, "nothing sent");
			} else {
				i++;
			}
		}
		if ((g->dropped || g->timed_out || g->too_big) &&
		    now - g->last_summary >= 10000) {
			pthread_mutex_lock(&g->lock);
			g->total[0] += g->timed_out;
			g->total[1] += g->dropped;
			g->total[2] += g->too_big;
			pthread_mutex_unlock(&g->lock);
			lbnl_log(LOG_WARNING, "unauthenticated control "
				  "connections: %lu timed out (%d ms, %d ms "
				  "idle), %lu dropped (more than %d at once, "
				  "or %d from one address), %lu too big",
				  g->timed_out, LBNL_CTL_HANDSHAKE_MS,
				  LBNL_CTL_HELLO_MS,
				  g->dropped, LBNL_CTL_PREAUTH_MAX,
				  LBNL_CTL_PREAUTH_PER_ADDR, g->too_big);
			g->dropped = g->timed_out = g->too_big = 0;
			g->last_summary = now;
		}
		pthread_mutex_lock(&g->lock);
		g->n_pend_shown = g->n_pend;
		g->shown[0] = g->total[0] + g->timed_out;
		g->shown[1] = g->total[1] + g->dropped;
		g->shown[2] = g->total[2] + g->too_big;
		pthread_mutex_unlock(&g->lock);

		next = now + 60000;
		for (i = 0; i < g->n_pend; i++) {
			pfd[i].fd = g->pend[i].c->fd;
			pfd[i].events = g->pend[i].events;
			pfd[i].revents = 0;
			if (g->pend[i].deadline < next)
				next = g->pend[i].deadline;
			if (g->pend[i].hello_deadline < next &&
			    g->pend[i].hello_deadline > now)
				next = g->pend[i].hello_deadline;
		}
		pfd[i].fd = g->efd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
		if (poll(pfd, g->n_pend + 1, (int)(next - now) + 1) < 0 &&
		    errno != EINTR)
			usleep(10000);
		if (pfd[g->n_pend].revents & POLLIN)
			while (read(g->efd, &junk, sizeof(junk)) > 0)
				;
		/* From the last: a step removes only its own entry. */
		for (i = g->n_pend; i-- > 0;)
			if (pfd[i].revents)
				pend_step(g, i);
	}
	return NULL;
}

int lbnl_ctl_gate_start(struct lbnl_ctl_tls *tls, lbnl_ctl_gate_fn fn,
			void *arg, struct lbnl_ctl_gate **out)
{
	struct lbnl_ctl_gate *g = calloc(1, sizeof(*g));
	pthread_attr_t attr;
	pthread_t t;
	int err;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	g->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->efd < 0) {
		err = -errno;
		free(g);
		return err;
	}
	pthread_mutex_init(&g->lock, NULL);
	g->tls = lbnl_ctl_tls_get(tls);
	g->fn = fn;
	g->arg = arg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	err = pthread_create(&t, &attr, gate_main, g);
	pthread_attr_destroy(&attr);
	if (err) {
		lbnl_ctl_tls_put(g->tls);
		close(g->efd);
		free(g);
		return -err;
	}
	*out = g;
	return 0;
}

void lbnl_ctl_gate_add(struct lbnl_ctl_gate *g, int fd)
{
	uint64_t one = 1;

	pthread_mutex_lock(&g->lock);
	if (g->n_in == LBNL_CTL_PREAUTH_MAX) {
		/* The thread is behind: the oldest not even started goes. */
		close(g->in[0]);
		g->total[1]++;
		memmove(&g->in[0], &g->in[1],
			(g->n_in - 1) * sizeof(g->in[0]));
		g->n_in--;
	}
	g->in[g->n_in++] = fd;
	pthread_mutex_unlock(&g->lock);
	if (write(g->efd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: the thread wakes anyway */
}

void lbnl_ctl_gate_set_tls(struct lbnl_ctl_gate *g, struct lbnl_ctl_tls *t)
{
	struct lbnl_ctl_tls *old;

	pthread_mutex_lock(&g->lock);
	old = g->tls;
	g->tls = lbnl_ctl_tls_get(t);
	pthread_mutex_unlock(&g->lock);
	lbnl_ctl_tls_put(old);
}

unsigned int lbnl_ctl_gate_pending(struct lbnl_ctl_gate *g)
{
	unsigned int n;

	pthread_mutex_lock(&g->lock);
	n = g->n_pend_shown + g->n_in;
	pthread_mutex_unlock(&g->lock);
	return n;
}

void lbnl_ctl_gate_stats(struct lbnl_ctl_gate *g, unsigned long *timed_out,
			 unsigned long *dropped, unsigned long *too_big)
{
	pthread_mutex_lock(&g->lock);
	*timed_out = g->shown[0];
	*dropped = g->shown[1];
	*too_big = g->shown[2];
	pthread_mutex_unlock(&g->lock);
}
