/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the SCTP test applications (sctp_echo.c, sctp_peer.c):
 * address parsing, packed address lists for sctp_bindx()/sctp_connectx(),
 * clocks, atomic file writes, the SCTP_SNDINFO/SCTP_RCVINFO cmsgs and the
 * test message that sctp_peer sends and sctp_echo reflects.
 *
 * Everything is static and header-only: each program is one .c file.
 */
#ifndef LBNL_SCTP_COMMON_H
#define LBNL_SCTP_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SC_UNUSED __attribute__((unused))

/* ---- the test message ------------------------------------------------ */

/*
 * What sctp_peer sends and expects back, byte for byte. Host byte order:
 * only sctp_peer (the same process) ever interprets it; sctp_echo treats
 * messages as opaque bytes.
 */
#define PEER_MSG_MAGIC	0x4c424e4cu	/* "LBNL" */
#define PEER_MSG_SIZE	64

struct peer_msg {
	uint32_t magic;
	uint32_t run_id;	/* random per sctp_peer run: stale echoes are bad */
	uint16_t assoc;		/* association index, 0..NASSOC-1 */
	uint16_t stream;	/* stream the message was sent on */
	uint32_t seq;		/* per (association, stream), from 0 */
	uint64_t send_ns;	/* CLOCK_MONOTONIC when handed to the stack */
	uint8_t pad[PEER_MSG_SIZE - 24];	/* pad[i] = seq + stream + i */
};

_Static_assert(sizeof(struct peer_msg) == PEER_MSG_SIZE, "peer_msg size");

/* ---- logging --------------------------------------------------------- */

static const char *sc_prog = "sctp";

static SC_UNUSED void sc_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", sc_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- clocks ---------------------------------------------------------- */

static SC_UNUSED uint64_t sc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static SC_UNUSED uint64_t sc_now_ms(void)
{
	return sc_now_ns() / 1000000ull;
}

/* ---- numbers --------------------------------------------------------- */

/* Parse an unsigned decimal in [min, max]; false on garbage. */
static SC_UNUSED bool sc_parse_uint(const char *s, unsigned long min,
				    unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- addresses ------------------------------------------------------- */

/*
 * A numeric IPv4 or IPv6 literal ("198.51.100.1", "2001:db8::1",
 * "[2001:db8::1]", "fe80::1%veth0") plus a port into a sockaddr_storage.
 */
static SC_UNUSED bool sc_parse_addr(const char *lit, uint16_t port,
				    struct sockaddr_storage *ss,
				    socklen_t *len)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST,
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res;
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 4];
	size_t n = strlen(lit);

	if (n >= sizeof(buf))
		return false;
	if (lit[0] == '[' && n > 2 && lit[n - 1] == ']') {
		memcpy(buf, lit + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, lit, n + 1);
	}
	if (getaddrinfo(buf, NULL, &hints, &res) != 0 || !res)
		return false;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		return false;
	return true;
}

/* "198.51.100.1" or "2001:db8::1" (no port) into buf. */
static SC_UNUSED const char *sc_fmt_ip(const void *sa, char *buf, size_t len)
{
	const struct sockaddr *s = sa;

	if (s->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  buf, len);
	else if (s->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr,
			  buf, len);
	else
		snprintf(buf, len, "?");
	return buf;
}

static SC_UNUSED uint16_t sc_port(const void *sa)
{
	const struct sockaddr *s = sa;

	if (s->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (s->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

/* A list of addresses, kept both as sockaddr_storage and packed. */
struct sc_addrs {
	int n;
	struct sockaddr_storage a[16];
	socklen_t len[16];
};

static SC_UNUSED bool sc_addrs_add(struct sc_addrs *l, const char *lit,
				   uint16_t port)
{
	if (l->n >= (int)(sizeof(l->a) / sizeof(l->a[0])))
		return false;
	if (!sc_parse_addr(lit, port, &l->a[l->n], &l->len[l->n]))
		return false;
	l->n++;
	return true;
}

static SC_UNUSED bool sc_addrs_any_v6(const struct sc_addrs *l)
{
	for (int i = 0; i < l->n; i++)
		if (l->a[i].ss_family == AF_INET6)
			return true;
	return false;
}

/*
 * sctp_bindx() and sctp_connectx() take the addresses packed back to back,
 * each of its own size. buf must hold n * sizeof(sockaddr_storage).
 */
static SC_UNUSED struct sockaddr *sc_addrs_pack(const struct sc_addrs *l,
						int from, void *buf)
{
	char *p = buf;

	for (int i = from; i < l->n; i++) {
		memcpy(p, &l->a[i], l->len[i]);
		p += l->len[i];
	}
	return buf;
}

/* ---- files ----------------------------------------------------------- */

/* Replace path with content atomically (write path.tmp, rename). */
static SC_UNUSED int sc_write_file_atomic(const char *path, const char *content)
{
	char tmp[4096];
	size_t len = strlen(content), off = 0;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, content + off, len - off);

		if (w < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			unlink(tmp);
			return -err;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int err = errno;

		unlink(tmp);
		return -err;
	}
	return 0;
}

/* ---- SCTP ancillary data --------------------------------------------- */

/* Room for any one SCTP cmsg we send or receive. */
#define SC_CMSG_SPACE \
	(CMSG_SPACE(sizeof(struct sctp_rcvinfo)) + \
	 CMSG_SPACE(sizeof(struct sctp_sndinfo)) + \
	 CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) + \
	 CMSG_SPACE(sizeof(struct sctp_nxtinfo)))

union sc_cmsgbuf {
	struct cmsghdr align;
	char buf[SC_CMSG_SPACE];
};

/* The SCTP_RCVINFO of a received message (needs SCTP_RECVRCVINFO on). */
static SC_UNUSED bool sc_get_rcvinfo(struct msghdr *mh,
				     struct sctp_rcvinfo *ri)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c;
	     c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_SCTP &&
		    c->cmsg_type == SCTP_RCVINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*ri))) {
			memcpy(ri, CMSG_DATA(c), sizeof(*ri));
			return true;
		}
	}
	return false;
}

/*
 * sendmsg() one message with an SCTP_SNDINFO cmsg. Returns what sendmsg
 * returns (errno set on -1).
 */
static SC_UNUSED ssize_t sc_send(int fd, const void *data, size_t len,
				 const struct sctp_sndinfo *si, int flags)
{
	union sc_cmsgbuf cb;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cb.buf,
		.msg_controllen = CMSG_SPACE(sizeof(*si)),
	};
	struct cmsghdr *c;

	memset(&cb, 0, sizeof(cb));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = IPPROTO_SCTP;
	c->cmsg_type = SCTP_SNDINFO;
	c->cmsg_len = CMSG_LEN(sizeof(*si));
	memcpy(CMSG_DATA(c), si, sizeof(*si));
	return sendmsg(fd, &mh, flags | MSG_NOSIGNAL);
}

/* Set SCTP_INITMSG: stream counts offered/accepted on new associations. */
static SC_UNUSED int sc_set_initmsg(int fd, unsigned int ostreams,
				    unsigned int max_instreams)
{
	struct sctp_initmsg im = {
		.sinit_num_ostreams = (uint16_t)ostreams,
		.sinit_max_instreams = (uint16_t)max_instreams,
	};

	return setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im));
}

static SC_UNUSED int sc_set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

static SC_UNUSED int sc_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

#endif /* LBNL_SCTP_COMMON_H */
