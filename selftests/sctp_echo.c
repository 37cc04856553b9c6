// SPDX-License-Identifier: GPL-2.0
/*
 * sctp_echo: an ordinary, migration-unaware SCTP echo server.
 *
 *   sctp_echo [-s seqpacket|stream] -p PORT -a ADDR [-a ADDR...]
 *             [-i OSTREAMS] [-I MAXINSTREAMS] [-c COUNTFILE] [-q]
 *
 * Every message received is sent back on the same association and stream,
 * with the same PPID and the same unordered flag. It uses nothing but the
 * standard socket API (RFC 6458: SCTP_RECVRCVINFO / SCTP_SNDINFO); it
 * subscribes to no notifications and knows nothing about lbnl.
 *
 *   -s seqpacket   one-to-many socket (SOCK_SEQPACKET), the default
 *   -s stream      one-to-one: listen/accept; all sockets served by poll(2)
 *   -p PORT        port to listen on (every address)
 *   -a ADDR        IPv4/IPv6 literal to bind (repeat: multi-homed; the
 *                  first with bind(2), the others with sctp_bindx(3));
 *                  the socket is AF_INET6 if any address is IPv6
 *   -i OSTREAMS    SCTP_INITMSG sinit_num_ostreams (default 16)
 *   -I MAXINSTREAMS SCTP_INITMSG sinit_max_instreams (default 16)
 *   -c COUNTFILE   every 100 ms and at exit, atomically rewrite COUNTFILE
 *                  with "ECHOED ASSOCS\n": messages echoed so far and
 *                  associations seen (accepted sockets for stream;
 *                  distinct association ids that sent data for
 *                  seqpacket). It is first written once the server
 *                  listens, so a test can wait for it to appear.
 *   -q             quiet: log errors only
 *
 * Echoes never block the server: sends are non-blocking, and a message
 * that does not fit the send buffer waits in a per-association queue (in
 * order) and is retried every few ms. A socket that fails or reaches EOF is
 * closed; the server keeps going. SIGTERM/SIGINT: write COUNTFILE, exit 0.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "sctp_common.h"

#define MAX_INSTREAMS	16
#define BACKLOG		128
#define RETRY_MS	5		/* retry queued echoes this often */
#define PEND_LIMIT	(4u << 20)	/* stop reading above this many bytes queued */
#define MSG_MAX		(1u << 20)	/* largest message we reassemble */

/* An echo waiting for send buffer space. */
struct pend {
	struct pend *next;
	struct sctp_sndinfo si;
	size_t len;
	char data[];
};

/*
 * A connection: an accepted socket (stream mode) or an association of the
 * one-to-many socket (seqpacket mode, keyed by assoc id, fd shared).
 */
struct conn {
	int fd;
	sctp_assoc_t id;
	bool dead;		/* stream: socket closed, entry to be freed */
	bool gone;		/* seqpacket: sends failed for good */
	/* Echoes waiting for room, in order. */
	struct pend *head, *tail;
	size_t pend_bytes;
	/* Message being reassembled (stream mode: per socket). */
	char *rbuf;
	size_t rlen, rcap;
	struct sctp_rcvinfo rinfo;
	bool have_rinfo;
	char peer[INET6_ADDRSTRLEN];
	uint16_t peer_port;
};

static struct {
	bool stream;
	bool quiet;
	bool reuseport;
	unsigned int port;
	unsigned int ostreams;
	unsigned int max_instreams;
	const char *countfile;
	struct sc_addrs addrs;

	int lfd;			/* listener / one-to-many socket */
	struct conn **conns;
	int nconns, capconns;
	/* seqpacket: one reassembly buffer for the socket */
	struct conn sock;
	size_t pend_total;

	uint64_t echoed;
	uint64_t assocs;
	uint64_t dropped;	/* messages of gone associations */
} g;

#define info(...) do { if (!g.quiet) sc_log(__VA_ARGS__); } while (0)

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: sctp_echo [-s seqpacket|stream] -p PORT -a ADDR [-a ADDR...]\n"
		"                 [-i OSTREAMS] [-I MAXINSTREAMS] [-c COUNTFILE] [-q] [-R]\n"
		"  -R  SO_REUSEPORT: join the other listeners on ADDR and PORT\n");
	exit(rc);
}

static void write_countfile(void)
{
	char line[64];
	int err;

	if (!g.countfile)
		return;
	snprintf(line, sizeof(line), "%llu %llu\n",
		 (unsigned long long)g.echoed, (unsigned long long)g.assocs);
	err = sc_write_file_atomic(g.countfile, line);
	if (err)
		sc_log("cannot write %s: %s", g.countfile, strerror(-err));
}

/* ---- connections ----------------------------------------------------- */

static struct conn *conn_new(int fd, sctp_assoc_t id)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		sc_log("out of memory");
		exit(1);
	}
	c->fd = fd;
	c->id = id;
	if (g.nconns == g.capconns) {
		g.capconns = g.capconns ? 2 * g.capconns : 16;
		g.conns = realloc(g.conns, g.capconns * sizeof(*g.conns));
		if (!g.conns) {
			sc_log("out of memory");
			exit(1);
		}
	}
	g.conns[g.nconns++] = c;
	g.assocs++;
	return c;
}

static void conn_drop_queue(struct conn *c)
{
	while (c->head) {
		struct pend *p = c->head;

		c->head = p->next;
		g.pend_total -= p->len;
		free(p);
	}
	c->tail = NULL;
	c->pend_bytes = 0;
}

/* Stream mode: close the socket; the entry is reaped by conn_reap(). */
static void conn_close(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	if (c->head)
		info("fd %d (%s:%u): %s; dropping %zu queued bytes", c->fd,
		     c->peer, c->peer_port, why, c->pend_bytes);
	else
		info("fd %d (%s:%u): %s", c->fd, c->peer, c->peer_port, why);
	conn_drop_queue(c);
	if (g.stream)
		close(c->fd);
	c->dead = true;
}

static void conn_reap(void)
{
	int j = 0;

	for (int i = 0; i < g.nconns; i++) {
		struct conn *c = g.conns[i];

		if (c->dead && g.stream) {
			free(c->rbuf);
			free(c);
			continue;
		}
		g.conns[j++] = c;
	}
	g.nconns = j;
}

static struct conn *conn_by_id(sctp_assoc_t id)
{
	for (int i = 0; i < g.nconns; i++)
		if (g.conns[i]->id == id)
			return g.conns[i];
	return NULL;
}

/* ---- echo ------------------------------------------------------------ */

static bool send_err_is_transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS ||
	       err == ENOMEM || err == EINTR;
}

/*
 * An echo could not be sent for good (the association is shutting down or
 * gone). Stream mode: close the socket. Seqpacket: forget the queue and
 * drop whatever else that association still delivers, quietly.
 */
static void conn_failed(struct conn *c, int err)
{
	if (g.stream) {
		sc_log("fd %d (%s:%u): echo failed: %s", c->fd, c->peer,
		       c->peer_port, strerror(err));
		conn_close(c, "send failed");
		return;
	}
	if (!c->gone)
		sc_log("association %d (%s:%u): echo failed: %s; dropping"
		       " its messages from now on", (int)c->id, c->peer,
		       c->peer_port, strerror(err));
	c->gone = true;
	conn_drop_queue(c);
}

/* Try to send the queued echoes of c, in order. */
static void conn_flush(struct conn *c)
{
	while (c->head && !c->dead) {
		struct pend *p = c->head;

		if (sc_send(c->fd, p->data, p->len, &p->si, MSG_DONTWAIT) < 0) {
			int err = errno;

			if (send_err_is_transient(err))
				return;
			conn_failed(c, err);
			return;
		}
		g.echoed++;
		c->head = p->next;
		if (!c->head)
			c->tail = NULL;
		c->pend_bytes -= p->len;
		g.pend_total -= p->len;
		free(p);
	}
}

static void echo(struct conn *c, const char *data, size_t len,
		 const struct sctp_rcvinfo *ri)
{
	struct sctp_sndinfo si = {
		.snd_sid = ri->rcv_sid,
		.snd_flags = ri->rcv_flags & SCTP_UNORDERED,
		.snd_ppid = ri->rcv_ppid,	/* network order both ways */
		.snd_context = 0,
		.snd_assoc_id = ri->rcv_assoc_id,
	};
	struct pend *p;

	if (c->gone) {
		g.dropped++;
		return;
	}
	if (!c->head) {
		if (sc_send(c->fd, data, len, &si, MSG_DONTWAIT) >= 0) {
			g.echoed++;
			return;
		}
		if (!send_err_is_transient(errno)) {
			conn_failed(c, errno);
			return;
		}
	}
	/* No room (or older echoes still waiting): queue, keep the order. */
	p = malloc(sizeof(*p) + len);
	if (!p) {
		sc_log("out of memory");
		exit(1);
	}
	p->next = NULL;
	p->si = si;
	p->len = len;
	memcpy(p->data, data, len);
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->pend_bytes += len;
	g.pend_total += len;
}

/* ---- receive --------------------------------------------------------- */

/*
 * Read what is available on fd into the reassembly buffer of rc. Complete
 * messages are echoed (data) or dropped (notifications). Returns false if
 * the socket is finished (EOF or error; only possible in stream mode).
 */
static bool receive(int fd, struct conn *rc)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		union sc_cmsgbuf cb;
		struct sockaddr_storage from;
		struct sctp_rcvinfo ri;
		struct iovec iov;
		struct msghdr mh;
		ssize_t n;

		if (rc->rcap - rc->rlen < 2048) {
			size_t ncap = rc->rcap ? 2 * rc->rcap : 4096;

			if (ncap > MSG_MAX + 4096) {
				sc_log("message larger than %u bytes: dropped",
				       MSG_MAX);
				rc->rlen = 0;
				rc->have_rinfo = false;
				ncap = rc->rcap;
			}
			if (ncap != rc->rcap) {
				rc->rbuf = realloc(rc->rbuf, ncap);
				if (!rc->rbuf) {
					sc_log("out of memory");
					exit(1);
				}
				rc->rcap = ncap;
			}
		}
		iov.iov_base = rc->rbuf + rc->rlen;
		iov.iov_len = rc->rcap - rc->rlen;
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cb.buf;
		mh.msg_controllen = sizeof(cb.buf);

		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return true;
			if (!g.stream) {
				sc_log("recvmsg: %s", strerror(errno));
				return true;
			}
			conn_close(rc, strerror(errno));
			return false;
		}
		if (n == 0 && !(mh.msg_flags & MSG_NOTIFICATION)) {
			if (g.stream) {
				conn_close(rc, "closed by peer");
				return false;
			}
			continue;
		}
		/* The first piece of a message carries the info we echo with. */
		if (!(mh.msg_flags & MSG_NOTIFICATION) && !rc->have_rinfo) {
			if (sc_get_rcvinfo(&mh, &ri)) {
				rc->rinfo = ri;
				rc->have_rinfo = true;
			}
		}
		rc->rlen += (size_t)n;
		if (!(mh.msg_flags & MSG_EOR))
			continue;	/* partial message: read on */

		if (!(mh.msg_flags & MSG_NOTIFICATION)) {
			struct conn *c = rc;

			if (!rc->have_rinfo) {
				sc_log("message without SCTP_RCVINFO: dropped");
			} else {
				if (!g.stream) {
					c = conn_by_id(rc->rinfo.rcv_assoc_id);
					if (!c) {
						c = conn_new(g.lfd,
							     rc->rinfo.rcv_assoc_id);
						sc_fmt_ip(&from, c->peer,
							  sizeof(c->peer));
						c->peer_port = sc_port(&from);
						info("association %d from %s:%u",
						     (int)c->id, c->peer,
						     c->peer_port);
					}
				}
				echo(c, rc->rbuf, rc->rlen, &rc->rinfo);
			}
		}
		rc->rlen = 0;
		rc->have_rinfo = false;
		if (g.stream && rc->dead)
			return false;
		if (g.pend_total > PEND_LIMIT)
			return true;	/* back-pressure: stop reading */
	}
	return true;
}

/* ---- set-up ---------------------------------------------------------- */

static int setup_socket(void)
{
	int family = sc_addrs_any_v6(&g.addrs) ? AF_INET6 : AF_INET;
	int type = g.stream ? SOCK_STREAM : SOCK_SEQPACKET;
	int fd = socket(family, type | SOCK_CLOEXEC, IPPROTO_SCTP);
	char ip[INET6_ADDRSTRLEN];

	if (fd < 0) {
		sc_log("socket(SCTP): %s", strerror(errno));
		return -1;
	}
	if (sc_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0)
		sc_log("SO_REUSEADDR: %s", strerror(errno));
	if (g.reuseport && sc_set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0) {
		sc_log("SO_REUSEPORT: %s", strerror(errno));
		goto fail;
	}
	if (sc_set_initmsg(fd, g.ostreams, g.max_instreams) < 0) {
		sc_log("SCTP_INITMSG: %s", strerror(errno));
		goto fail;
	}
	if (sc_set_int(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1) < 0) {
		sc_log("SCTP_RECVRCVINFO: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&g.addrs.a[0], g.addrs.len[0]) < 0) {
		sc_log("bind %s port %u: %s",
		       sc_fmt_ip(&g.addrs.a[0], ip, sizeof(ip)), g.port,
		       strerror(errno));
		goto fail;
	}
	if (g.addrs.n > 1) {
		struct sockaddr_storage packed[16];

		if (sctp_bindx(fd, sc_addrs_pack(&g.addrs, 1, packed),
			       g.addrs.n - 1, SCTP_BINDX_ADD_ADDR) < 0) {
			sc_log("sctp_bindx: %s", strerror(errno));
			goto fail;
		}
	}
	if (listen(fd, BACKLOG) < 0) {
		sc_log("listen: %s", strerror(errno));
		goto fail;
	}
	if (sc_set_nonblock(fd) < 0) {
		sc_log("O_NONBLOCK: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void accept_all(void)
{
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		struct conn *c;
		int fd = accept4(g.lfd, (struct sockaddr *)&from, &flen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				sc_log("accept: %s", strerror(errno));
			return;
		}
		/* Inherited from the listener; set again to be sure. */
		if (sc_set_int(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1) < 0)
			sc_log("SCTP_RECVRCVINFO: %s", strerror(errno));
		c = conn_new(fd, 0);
		sc_fmt_ip(&from, c->peer, sizeof(c->peer));
		c->peer_port = sc_port(&from);
		info("fd %d: association from %s:%u", fd, c->peer,
		     c->peer_port);
	}
}

int main(int argc, char **argv)
{
	const char *addr_lit[16];
	int naddr = 0, opt, sfd, tfd;
	unsigned long v;
	sigset_t mask;
	struct itimerspec its = {
		.it_interval = { .tv_nsec = 100 * 1000000L },
		.it_value = { .tv_nsec = 100 * 1000000L },
	};
	struct pollfd *pfd = NULL;
	struct conn **pconn = NULL;
	int cappfd = 0;

	sc_prog = "sctp_echo";
	g.ostreams = 16;
	g.max_instreams = MAX_INSTREAMS;
	while ((opt = getopt(argc, argv, "s:p:a:i:I:c:qRh")) != -1) {
		switch (opt) {
		case 's':
			if (!strcmp(optarg, "stream"))
				g.stream = true;
			else if (!strcmp(optarg, "seqpacket"))
				g.stream = false;
			else
				usage(2);
			break;
		case 'p':
			if (!sc_parse_uint(optarg, 1, 65535, &v)) {
				sc_log("bad port '%s'", optarg);
				usage(2);
			}
			g.port = v;
			break;
		case 'a':
			if (naddr >= 16) {
				sc_log("at most 16 addresses");
				usage(2);
			}
			addr_lit[naddr++] = optarg;
			break;
		case 'i':
			if (!sc_parse_uint(optarg, 1, 65535, &v)) {
				sc_log("bad stream count '%s'", optarg);
				usage(2);
			}
			g.ostreams = v;
			break;
		case 'I':
			if (!sc_parse_uint(optarg, 1, 65535, &v)) {
				sc_log("bad stream count '%s'", optarg);
				usage(2);
			}
			g.max_instreams = v;
			break;
		case 'c':
			g.countfile = optarg;
			break;
		case 'q':
			g.quiet = true;
			break;
		case 'R':
			g.reuseport = true;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || !g.port || !naddr)
		usage(2);
	for (int i = 0; i < naddr; i++) {
		if (!sc_addrs_add(&g.addrs, addr_lit[i], g.port)) {
			sc_log("bad address '%s' (numeric IPv4/IPv6 only)",
			       addr_lit[i]);
			return 2;
		}
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		sc_log("signalfd/timerfd: %s", strerror(errno));
		return 1;
	}

	g.lfd = setup_socket();
	if (g.lfd < 0)
		return 1;
	g.sock.fd = g.lfd;
	info("%s server on port %u, %d address(es), %u outbound streams",
	     g.stream ? "one-to-one (stream)" : "one-to-many (seqpacket)",
	     g.port, g.addrs.n, g.ostreams);
	write_countfile();

	for (;;) {
		int n = 3, timeout = -1;
		bool any_pending = false;

		if (cappfd < g.nconns + 3) {
			cappfd = 2 * (g.nconns + 3);
			pfd = realloc(pfd, cappfd * sizeof(*pfd));
			pconn = realloc(pconn, cappfd * sizeof(*pconn));
			if (!pfd || !pconn) {
				sc_log("out of memory");
				return 1;
			}
		}
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = g.lfd, .events = POLLIN };
		if (!g.stream && g.pend_total > PEND_LIMIT)
			pfd[2].events = 0;
		for (int i = 0; i < g.nconns; i++) {
			struct conn *c = g.conns[i];

			if (c->head)
				any_pending = true;
			if (!g.stream)
				continue;
			pconn[n] = c;
			pfd[n++] = (struct pollfd){
				.fd = c->fd,
				.events = c->pend_bytes > PEND_LIMIT / 4 ?
					  0 : POLLIN,
			};
		}
		if (any_pending)
			timeout = RETRY_MS;

		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			sc_log("poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				info("signal %u: %llu messages echoed, %llu associations, %llu dropped",
				     si.ssi_signo,
				     (unsigned long long)g.echoed,
				     (unsigned long long)g.assocs,
				     (unsigned long long)g.dropped);
				break;
			}
		}
		if (pfd[1].revents) {
			uint64_t exp;

			if (read(tfd, &exp, sizeof(exp)) == sizeof(exp))
				write_countfile();
		}
		/* Older echoes first, then new messages. */
		for (int i = 0; i < g.nconns; i++)
			conn_flush(g.conns[i]);
		if (pfd[2].revents) {
			if (g.stream)
				accept_all();
			else
				receive(g.lfd, &g.sock);
		}
		for (int i = 3; i < n; i++)
			if (pfd[i].revents && !pconn[i]->dead)
				receive(pconn[i]->fd, pconn[i]);
		conn_reap();
	}

	write_countfile();
	for (int i = 0; i < g.nconns; i++) {
		struct conn *c = g.conns[i];

		if (g.stream && !c->dead)
			close(c->fd);
		conn_drop_queue(c);
		free(c->rbuf);
		free(c);
	}
	free(g.conns);
	free(g.sock.rbuf);
	free(pfd);
	free(pconn);
	close(g.lfd);
	return 0;
}
