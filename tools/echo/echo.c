// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl-echo: the reference migration-aware application (include/lbnl_app.h).
 * A one-to-many (SOCK_SEQPACKET) SCTP echo server bound to one address and
 * port that counts the messages each association sent and appends the
 * count to every echo. The count is the association's application state:
 * when lbnl-agent moves the association to another server, the count
 * moves with it (prepare -> blob -> adopt), so the peer sees it go on
 * (1, 2, ... N, N+1, ...) instead of starting again at 1.
 *
 * Echo: the message received, byte for byte, then 8 bytes: the count of
 * messages received on that association so far, this one included (1 for
 * the first), unsigned, big-endian. Same stream, PPID and unordered flag.
 *
 * State blob: "LBE1" then the count, 8 bytes big-endian (12 bytes).
 *
 * An association is known by its peer's address and port (the source of
 * its messages, recvmsg's msg_name): an imported association has a new
 * sctp_assoc_t. See lbnl-echo(8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lbnl_app.h"

#define MAX_INSTREAMS	16
#define BACKLOG		128
#define MSG_MAX		(1u << 20)	/* largest message */
#define TRAILER		8		/* the count after an echo */
#define BLOB_MAGIC	"LBE1"
#define BLOB_LEN	12
#define PEER_ADDRS_MAX	16		/* a multi-homed peer's */

/* An echo waiting: no room in the send buffer, or the association frozen. */
struct pend {
	struct pend *next;
	struct sctp_sndinfo si;
	size_t len;
	unsigned char data[];
};

/* An association, by its peer. */
struct assoc {
	struct assoc *next;
	struct sockaddr_storage peer;	/* where its messages come from */
	sctp_assoc_t id;		/* 0: adopted, no message yet */
	uint64_t count;			/* messages received */
	bool frozen;			/* prepared: send nothing */
	bool gone;			/* sends failed for good */
	struct pend *head, *tail;
};

static struct {
	const char *addr_lit, *countfile, *agent_path;
	unsigned int port, ostreams;
	bool quiet, no_agent;

	int fd;
	struct sockaddr_storage bound;
	socklen_t bound_len;
	struct assoc *assocs;
	struct lbnl_app *app;
	int registered;
	unsigned char *rbuf;
	size_t rlen;
	struct sctp_rcvinfo rinfo;
	bool have_rinfo;
	uint64_t echoed, nassocs, moved_out, adopted;
} g;

static void logm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logm(const char *fmt, ...)
{
	va_list ap;

	fputs("lbnl-echo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define info(...) do { if (!g.quiet) logm(__VA_ARGS__); } while (0)

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
"usage: lbnl-echo -a ADDR -p PORT [-i OSTREAMS] [-c COUNTFILE]\n"
"                 [-A AGENT_SOCKET | -n] [-q]\n"
"SCTP echo server (one-to-many) that appends to every echo the count of\n"
"messages its association sent (8 bytes, big-endian) and hands the count\n"
"over when lbnl-agent migrates the association.\n"
"  -a ADDR          IPv4 or IPv6 address to bind (the VIP)\n"
"  -p PORT          port to listen on\n"
"  -i OSTREAMS      outbound streams offered (default 16)\n"
"  -c COUNTFILE     every 100 ms and at exit write \"ECHOED ASSOCS\\n\"\n"
"  -A AGENT_SOCKET  lbnl-agent's application socket\n"
"                   (default " LBNL_APP_SOCK_DEFAULT ")\n"
"  -n               no agent: do not register\n"
"  -q               quiet: log errors only\n"
"  -h, --help       this help\n");
	exit(rc);
}

/* ---- addresses ------------------------------------------------------- */

/* IPv4-mapped IPv6 addresses compare as IPv4. */
static void normalize(const struct sockaddr_storage *in,
		      struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *s6 = (const void *)in;

	*out = *in;
	if (in->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		struct sockaddr_in *s4 = (void *)out;
		uint16_t port = s6->sin6_port;
		struct in_addr a;

		memcpy(&a, &s6->sin6_addr.s6_addr[12], 4);
		memset(out, 0, sizeof(*out));
		s4->sin_family = AF_INET;
		s4->sin_port = port;
		s4->sin_addr = a;
	}
}

static bool same_peer(const struct sockaddr_storage *x,
		      const struct sockaddr_storage *y)
{
	struct sockaddr_storage a, b;

	normalize(x, &a);
	normalize(y, &b);
	if (a.ss_family != b.ss_family)
		return false;
	if (a.ss_family == AF_INET) {
		const struct sockaddr_in *p = (void *)&a, *q = (void *)&b;

		return p->sin_port == q->sin_port &&
		       p->sin_addr.s_addr == q->sin_addr.s_addr;
	}
	if (a.ss_family == AF_INET6) {
		const struct sockaddr_in6 *p = (void *)&a, *q = (void *)&b;

		return p->sin6_port == q->sin6_port &&
		       !memcmp(&p->sin6_addr, &q->sin6_addr, 16);
	}
	return false;
}

static const char *peer_str(const struct sockaddr_storage *ss, char *buf,
			    size_t len)
{
	struct sockaddr_storage n;
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	normalize(ss, &n);
	if (n.ss_family == AF_INET) {
		const struct sockaddr_in *s = (void *)&n;

		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		port = ntohs(s->sin_port);
	} else if (n.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (void *)&n;

		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		port = ntohs(s->sin6_port);
	}
	snprintf(buf, len, n.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 port);
	return buf;
}

/* ---- associations ---------------------------------------------------- */

static struct assoc *assoc_by_peer(const struct sockaddr_storage *peer)
{
	for (struct assoc *a = g.assocs; a; a = a->next)
		if (same_peer(&a->peer, peer))
			return a;
	return NULL;
}

static struct assoc *assoc_by_id(sctp_assoc_t id)
{
	for (struct assoc *a = g.assocs; a; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}

static struct assoc *assoc_new(const struct sockaddr_storage *peer,
			       sctp_assoc_t id)
{
	struct assoc *a = calloc(1, sizeof(*a));

	if (!a) {
		logm("out of memory");
		exit(1);
	}
	a->peer = *peer;
	a->id = id;
	a->next = g.assocs;
	g.assocs = a;
	return a;
}

static void assoc_free(struct assoc *a)
{
	for (struct assoc **pp = &g.assocs; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	while (a->head) {
		struct pend *p = a->head;

		a->head = p->next;
		free(p);
	}
	free(a);
}

/*
 * An adopted association (id 0) whose peer is multi-homed may send from
 * another address than the one the agent named: match any of the
 * association's peer addresses.
 */
static struct assoc *adopted_by_paddrs(sctp_assoc_t id)
{
	struct {
		struct sctp_getaddrs ga;
		struct sockaddr_in6 addrs[PEER_ADDRS_MAX];
	} buf;
	socklen_t len = sizeof(buf);
	const unsigned char *p;
	bool any = false;

	for (struct assoc *a = g.assocs; a; a = a->next)
		any |= !a->id;
	if (!any)
		return NULL;
	memset(&buf, 0, sizeof(buf));
	buf.ga.assoc_id = id;
	if (getsockopt(g.fd, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, &buf,
		       &len) < 0)
		return NULL;
	p = (const unsigned char *)buf.ga.addrs;
	for (unsigned int i = 0; i < buf.ga.addr_num; i++) {
		struct sockaddr_storage ss = { 0 };
		const struct sockaddr *sa = (const void *)p;
		size_t sl = sa->sa_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6);

		if (p + sl > (const unsigned char *)&buf + len)
			break;
		memcpy(&ss, p, sl);
		p += sl;
		for (struct assoc *a = g.assocs; a; a = a->next)
			if (!a->id && same_peer(&a->peer, &ss))
				return a;
	}
	return NULL;
}

/* The association a message of id from peer belongs to. */
static struct assoc *assoc_of(sctp_assoc_t id,
			      const struct sockaddr_storage *peer)
{
	struct assoc *a = assoc_by_id(id);
	char buf[64];

	if (a)
		return a;
	a = assoc_by_peer(peer);
	if (!a)
		a = adopted_by_paddrs(id);
	if (a && a->id) {
		/* The same peer on a new association: start over. */
		info("%s: new association %d (was %d): count starts at 0",
		     peer_str(peer, buf, sizeof(buf)), (int)id, (int)a->id);
		assoc_free(a);
		a = NULL;
	}
	if (a) {
		a->id = id;
		info("%s: adopted association is association %d, count %llu",
		     peer_str(peer, buf, sizeof(buf)), (int)id,
		     (unsigned long long)a->count);
		return a;
	}
	g.nassocs++;
	info("association %d from %s", (int)id,
	     peer_str(peer, buf, sizeof(buf)));
	return assoc_new(peer, id);
}

/* ---- echo ------------------------------------------------------------ */

static bool transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS ||
	       err == ENOMEM || err == EINTR;
}

static int send_one(const unsigned char *data, size_t len,
		    const struct sctp_sndinfo *si)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct sctp_sndinfo))];
	} cb;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cb.buf,
		.msg_controllen = sizeof(cb.buf),
	};
	struct cmsghdr *c;

	memset(&cb, 0, sizeof(cb));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = IPPROTO_SCTP;
	c->cmsg_type = SCTP_SNDINFO;
	c->cmsg_len = CMSG_LEN(sizeof(*si));
	memcpy(CMSG_DATA(c), si, sizeof(*si));
	if (sendmsg(g.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	return -errno;
}

static void assoc_failed(struct assoc *a, int err)
{
	char buf[64];

	if (!a->gone)
		logm("%s: echo failed: %s; dropping its messages",
		     peer_str(&a->peer, buf, sizeof(buf)), strerror(err));
	a->gone = true;
	while (a->head) {
		struct pend *p = a->head;

		a->head = p->next;
		free(p);
	}
	a->tail = NULL;
}

/* Send the waiting echoes of a, in order. */
static void assoc_flush(struct assoc *a)
{
	while (a->head && !a->frozen && !a->gone) {
		struct pend *p = a->head;
		int err = send_one(p->data, p->len, &p->si);

		if (err) {
			if (!transient(-err))
				assoc_failed(a, -err);
			return;
		}
		g.echoed++;
		a->head = p->next;
		if (!a->head)
			a->tail = NULL;
		free(p);
	}
}

static void echo(struct assoc *a, const unsigned char *data, size_t len,
		 const struct sctp_rcvinfo *ri)
{
	struct sctp_sndinfo si = {
		.snd_sid = ri->rcv_sid,
		.snd_flags = ri->rcv_flags & SCTP_UNORDERED,
		.snd_ppid = ri->rcv_ppid,
		.snd_assoc_id = ri->rcv_assoc_id,
	};
	struct pend *p;
	uint64_t count;
	char buf[64];

	if (a->gone)
		return;
	count = ++a->count;
	p = malloc(sizeof(*p) + len + TRAILER);
	if (!p) {
		logm("out of memory");
		exit(1);
	}
	p->next = NULL;
	p->si = si;
	p->len = len + TRAILER;
	memcpy(p->data, data, len);
	for (int i = 0; i < TRAILER; i++)
		p->data[len + i] = (unsigned char)(count >> (56 - 8 * i));
	if (a->frozen)
		logm("%s: message %llu arrived while prepared for migration:"
		     " echo held", peer_str(&a->peer, buf, sizeof(buf)),
		     (unsigned long long)count);
	if (a->tail)
		a->tail->next = p;
	else
		a->head = p;
	a->tail = p;
	assoc_flush(a);
}

/* ---- notifications --------------------------------------------------- */

static void on_notification(const unsigned char *data, size_t len)
{
	const union sctp_notification *n = (const void *)data;
	struct assoc *a;

	if (len < sizeof(n->sn_assoc_change) ||
	    n->sn_header.sn_type != SCTP_ASSOC_CHANGE)
		return;
	switch (n->sn_assoc_change.sac_state) {
	case SCTP_COMM_LOST:
	case SCTP_SHUTDOWN_COMP:
	case SCTP_CANT_STR_ASSOC:
		a = assoc_by_id(n->sn_assoc_change.sac_assoc_id);
		if (a && !a->frozen) {
			info("association %d ended: %llu messages",
			     (int)a->id, (unsigned long long)a->count);
			assoc_free(a);
		}
		break;
	}
}

/* ---- receive --------------------------------------------------------- */

static void receive(void)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
				 CMSG_SPACE(sizeof(struct sctp_nxtinfo))];
		} cb;
		struct sockaddr_storage from;
		struct iovec iov = {
			.iov_base = g.rbuf + g.rlen,
			.iov_len = MSG_MAX - g.rlen,
		};
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cb.buf,
			.msg_controllen = sizeof(cb.buf),
		};
		ssize_t n;

		if (!iov.iov_len) {
			logm("message larger than %u bytes: dropped", MSG_MAX);
			g.rlen = 0;
			g.have_rinfo = false;
			iov.iov_base = g.rbuf;
			iov.iov_len = MSG_MAX;
		}
		memset(&from, 0, sizeof(from));
		n = recvmsg(g.fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				logm("recvmsg: %s", strerror(errno));
			return;
		}
		if (!(mh.msg_flags & MSG_NOTIFICATION) && !g.have_rinfo) {
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
			     c = CMSG_NXTHDR(&mh, c)) {
				if (c->cmsg_level == IPPROTO_SCTP &&
				    c->cmsg_type == SCTP_RCVINFO &&
				    c->cmsg_len >= CMSG_LEN(sizeof(g.rinfo))) {
					memcpy(&g.rinfo, CMSG_DATA(c),
					       sizeof(g.rinfo));
					g.have_rinfo = true;
				}
			}
		}
		g.rlen += (size_t)n;
		if (!(mh.msg_flags & MSG_EOR))
			continue;
		if (mh.msg_flags & MSG_NOTIFICATION)
			on_notification(g.rbuf, g.rlen);
		else if (!g.have_rinfo)
			logm("message without SCTP_RCVINFO: dropped");
		else
			echo(assoc_of(g.rinfo.rcv_assoc_id, &from), g.rbuf,
			     g.rlen, &g.rinfo);
		g.rlen = 0;
		g.have_rinfo = false;
	}
}

/* ---- the agent's callbacks ------------------------------------------- */

static int on_prepare(void *arg, const struct lbnl_app_assoc *as,
		      void **blob, size_t *len)
{
	struct sockaddr_storage peer = as->peer;
	struct assoc *a;
	unsigned char *b;
	uint64_t count = 0;
	char buf[64];

	(void)arg;
	/*
	 * Freeze, then count whatever the socket still holds (nothing, if
	 * the export quiesced it). An echo not yet sent would be lost on
	 * the way: refuse then, the association stays here.
	 */
	a = assoc_by_peer(&peer);
	if (a)
		a->frozen = true;
	receive();
	a = assoc_by_peer(&peer);
	if (a && a->head) {
		logm("%s: prepare refused: echoes still waiting to be sent",
		     peer_str(&peer, buf, sizeof(buf)));
		a->frozen = false;
		assoc_flush(a);
		return -EBUSY;
	}
	if (a) {
		a->frozen = true;
		count = a->count;
	}
	b = malloc(BLOB_LEN);
	if (!b)
		return -ENOMEM;
	memcpy(b, BLOB_MAGIC, 4);
	for (int i = 0; i < 8; i++)
		b[4 + i] = (unsigned char)(count >> (56 - 8 * i));
	*blob = b;
	*len = BLOB_LEN;
	info("%s: prepared for migration, count %llu",
	     peer_str(&peer, buf, sizeof(buf)), (unsigned long long)count);
	return 0;
}

static void on_finish(void *arg, const struct lbnl_app_assoc *as, bool moved)
{
	struct sockaddr_storage peer = as->peer;
	struct assoc *a = assoc_by_peer(&peer);
	char buf[64];

	(void)arg;
	if (!a)
		return;
	peer_str(&peer, buf, sizeof(buf));
	if (moved) {
		info("%s: moved away with count %llu", buf,
		     (unsigned long long)a->count);
		g.moved_out++;
		assoc_free(a);
		return;
	}
	info("%s: stays here, count %llu", buf, (unsigned long long)a->count);
	a->frozen = false;
	assoc_flush(a);
}

static int on_adopt(void *arg, const struct lbnl_app_assoc *as,
		    const void *blob, size_t len)
{
	struct sockaddr_storage peer = as->peer;
	const unsigned char *b = blob;
	struct assoc *a;
	uint64_t count = 0;
	char buf[64];

	(void)arg;
	peer_str(&peer, buf, sizeof(buf));
	if (len != BLOB_LEN || memcmp(b, BLOB_MAGIC, 4)) {
		logm("%s: adopt refused: state of %zu bytes is not lbnl-echo's",
		     buf, len);
		return -EINVAL;
	}
	for (int i = 0; i < 8; i++)
		count = count << 8 | b[4 + i];
	a = assoc_by_peer(&peer);
	if (a)
		assoc_free(a);	/* the peer's older association */
	a = assoc_new(&peer, 0);
	a->count = count;
	g.adopted++;
	info("%s: adopted with count %llu", buf, (unsigned long long)count);
	return 0;
}

static void on_log(void *arg, const char *msg)
{
	(void)arg;
	info("agent: %s", msg);
}

/* ---- set-up ---------------------------------------------------------- */

static int setup_socket(void)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST,
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_SEQPACKET,
		.ai_protocol = IPPROTO_SCTP,
	};
	struct sctp_initmsg im = {
		.sinit_num_ostreams = (uint16_t)g.ostreams,
		.sinit_max_instreams = MAX_INSTREAMS,
	};
	struct sctp_event ev = {
		.se_assoc_id = SCTP_FUTURE_ASSOC,
		.se_type = SCTP_ASSOC_CHANGE,
		.se_on = 1,
	};
	struct addrinfo *res;
	char lit[INET6_ADDRSTRLEN + 2], port[8];
	size_t n = strlen(g.addr_lit);
	int one = 1, fd;

	if (n >= sizeof(lit))
		return -1;
	if (g.addr_lit[0] == '[' && n > 2 && g.addr_lit[n - 1] == ']') {
		memcpy(lit, g.addr_lit + 1, n - 2);
		lit[n - 2] = '\0';
	} else {
		strcpy(lit, g.addr_lit);
	}
	snprintf(port, sizeof(port), "%u", g.port);
	if (getaddrinfo(lit, port, &hints, &res) || !res) {
		logm("bad address '%s' (numeric IPv4/IPv6 only)", g.addr_lit);
		return -1;
	}
	memcpy(&g.bound, res->ai_addr, res->ai_addrlen);
	g.bound_len = res->ai_addrlen;
	freeaddrinfo(res);

	fd = socket(g.bound.ss_family, SOCK_SEQPACKET | SOCK_CLOEXEC,
		    IPPROTO_SCTP);
	if (fd < 0) {
		logm("socket(SCTP): %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im)) < 0 ||
	    setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) < 0) {
		logm("socket options: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&g.bound, g.bound_len) < 0) {
		logm("bind %s port %u: %s", g.addr_lit, g.port,
		     strerror(errno));
		goto fail;
	}
	if (listen(fd, BACKLOG) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		logm("listen: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void write_countfile(void)
{
	char tmp[4096], line[64];
	int fd, len;

	if (!g.countfile)
		return;
	len = snprintf(line, sizeof(line), "%llu %llu\n",
		       (unsigned long long)g.echoed,
		       (unsigned long long)g.nassocs);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", g.countfile,
		     (int)getpid()) >= (int)sizeof(tmp))
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, len) != len || close(fd) < 0 ||
	    rename(tmp, g.countfile) < 0) {
		logm("cannot write %s: %s", g.countfile, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	}
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max,
		       unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	g.ostreams = 16;
	while ((opt = getopt_long(argc, argv, "a:p:i:c:A:nqh", lopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'a':
			g.addr_lit = optarg;
			break;
		case 'p':
			if (!parse_uint(optarg, 1, 65535, &g.port)) {
				logm("bad port '%s'", optarg);
				usage(2);
			}
			break;
		case 'i':
			if (!parse_uint(optarg, 1, 65535, &g.ostreams)) {
				logm("bad stream count '%s'", optarg);
				usage(2);
			}
			break;
		case 'c':
			g.countfile = optarg;
			break;
		case 'A':
			g.agent_path = optarg;
			break;
		case 'n':
			g.no_agent = true;
			break;
		case 'q':
			g.quiet = true;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || !g.addr_lit || !g.port)
		usage(2);
}

int main(int argc, char **argv)
{
	static const struct lbnl_app_ops ops = {
		.prepare = on_prepare,
		.finish = on_finish,
		.adopt = on_adopt,
		.log = on_log,
	};
	struct itimerspec its = {
		.it_interval = { .tv_nsec = 100 * 1000000L },
		.it_value = { .tv_nsec = 100 * 1000000L },
	};
	sigset_t mask;
	int sfd, tfd, err;

	parse_args(argc, argv);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	g.rbuf = malloc(MSG_MAX);
	if (sfd < 0 || tfd < 0 || !g.rbuf ||
	    timerfd_settime(tfd, 0, &its, NULL) < 0) {
		logm("set-up: %s", strerror(errno));
		return 1;
	}
	g.fd = setup_socket();
	if (g.fd < 0)
		return 1;
	if (!g.no_agent) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		/* Register what the socket is bound to, port included. */
		if (getsockname(g.fd, (struct sockaddr *)&ss, &len) < 0) {
			ss = g.bound;
			len = g.bound_len;
		}
		err = lbnl_app_open(g.agent_path, &ops, NULL, &g.app);
		if (!err)
			err = lbnl_app_register(g.app, (struct sockaddr *)&ss,
						len);
		if (err) {
			logm("agent interface: %s", strerror(-err));
			return 1;
		}
	}
	info("echo server on %s port %u, %u outbound streams%s", g.addr_lit,
	     g.port, g.ostreams, g.no_agent ? ", no agent" : "");
	write_countfile();

	for (;;) {
		struct pollfd pfd[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
			{ .fd = g.fd, .events = POLLIN },
			{ .fd = g.app ? lbnl_app_fd(g.app) : -1,
			  .events = POLLIN },
		};
		bool waiting = false;

		for (struct assoc *a = g.assocs; a; a = a->next)
			waiting |= a->head && !a->frozen;
		if (poll(pfd, 4, waiting ? 5 : -1) < 0) {
			if (errno == EINTR)
				continue;
			logm("poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			uint64_t exp;

			if (read(tfd, &exp, sizeof(exp)) == sizeof(exp))
				write_countfile();
		}
		/* The agent first: a prepare must see no new echo sent. */
		if (pfd[3].revents)
			lbnl_app_process(g.app);
		for (struct assoc *a = g.assocs; a; a = a->next)
			assoc_flush(a);
		if (pfd[2].revents)
			receive();
	}
	info("exiting: %llu messages echoed, %llu associations, %llu moved"
	     " away, %llu adopted", (unsigned long long)g.echoed,
	     (unsigned long long)g.nassocs, (unsigned long long)g.moved_out,
	     (unsigned long long)g.adopted);
	write_countfile();
	lbnl_app_close(g.app);
	while (g.assocs)
		assoc_free(g.assocs);
	free(g.rbuf);
	close(g.fd);
	return 0;
}
