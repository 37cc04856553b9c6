/*
 * lbnl-ctl-probe: a test tool of the control protocol (ctl.h), not
 * installed. It attacks an lbnl-agent or lbnld (the daemon must refuse
 * without acting: plain, nocert, attack with a certificate it must not
 * accept or act on), floods it with idle and slow connections (flood), or
 * plays lbnld for one migration (migrate). One line per step on stdout;
 * exit status 0 when the daemon behaved as expected, 1 otherwise, 2 on
 * usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "ctl.h"
#include "util.h"

#define TIMEOUT_MS	5000

static const char usage_text[] =
	"Usage: lbnl-ctl-probe ADDR:PORT plain|nocert\n"
	"       lbnl-ctl-probe -A CA -C CERT -k KEY ADDR:PORT attack\n"
	"           [--type migrate|transfer|finish|result] [--source ADDR]\n"
	"           [--target ADDR]\n"
	"       lbnl-ctl-probe ADDR:PORT flood IDLE SLOW SECONDS\n"
	"       lbnl-ctl-probe -A CA -C CERT -k KEY ADDR:PORT migrate "
	"--vip V:P --vtag N\n"
	"           --assoc LADDR:LPORT PADDR:PPORT --target D:P "
	"--target-agent A:P\n"
	"           --deadline MS [--source S:P] [--decide commit|abort|none]"
	"\n           [--session N] [--run CMD]   (CMD runs between the "
	"result and the decision)\n";

static struct lbnl_ctl_tls *tls;
static struct lbnl_endpoint agent;

static void usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static void parse_ep(const char *s, struct lbnl_endpoint *ep)
{
	if (lbnl_parse_addr_port(s, &ep->addr, &ep->port, NULL)) {
		fprintf(stderr, "lbnl-ctl-probe: '%s': not an ADDR:PORT\n", s);
		exit(2);
	}
}

static uint64_t random_session(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint64_t)time(NULL);
	return v >> 16;
}

/* A message of type for an association that does not exist. */
static void dummy_msg(struct lbnl_ctl_msg *m, uint8_t type,
		      const struct lbnl_addr *source,
		      const struct lbnl_addr *target)
{
	static char state[] = "{}";

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->session = random_session();
	lbnl_parse_addr("192.0.2.250", &m->vip.addr);
	m->vip.port = 9;
	m->vip.proto = 132;
	m->vtag = 0x1badcafe;
	lbnl_parse_addr("192.0.2.250", &m->assoc.laddr);
	m->assoc.lport = 9;
	lbnl_parse_addr("198.51.100.250", &m->assoc.paddr);
	m->assoc.pport = 9;
	m->source.addr = *source;
	m->source.port = 9;
	m->target.addr = *target;
	m->target.port = 9;
	m->target_agent = agent;
	m->deadline_ms = 2000;
	m->reply_port = LBNL_CTL_LBNLD_PORT;
	switch (type) {
	case LBNL_CTL_MIGRATE:
		m->has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_VIP |
			 LBNL_CTL_HAS_ASSOC | LBNL_CTL_HAS_TARGET |
			 LBNL_CTL_HAS_DEADLINE | LBNL_CTL_HAS_REPLY_PORT |
			 LBNL_CTL_HAS_SOURCE;
		break;
	case LBNL_CTL_TRANSFER:
		m->has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_ASSOC |
			 LBNL_CTL_HAS_STATE | LBNL_CTL_HAS_DEADLINE |
			 LBNL_CTL_HAS_SOURCE | LBNL_CTL_HAS_TARGET;
		m->state = state;
		m->state_len = 2;
		break;
	case LBNL_CTL_FINISH:
		m->has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_COMMIT;
		break;
	default:
		m->has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS |
			 LBNL_CTL_HAS_VIP | LBNL_CTL_HAS_ASSOC |
			 LBNL_CTL_HAS_TARGET;
		break;
	}
}

static struct lbnl_ctl_conn *connect_or_die(void)
{
	struct lbnl_ctl_conn *c;
	char err[512];

	if (lbnl_ctl_connect(&agent, tls, LBNL_CTL_ROLE_NONE, TIMEOUT_MS, &c,
			     err, sizeof(err))) {
		printf("connect: %s\n", err);
		exit(1);
	}
	printf("connected to %s\n", lbnl_ctl_peer(c));
	return c;
}

/* A plain TCP connection to the daemon (-1: failed, said). */
static int tcp_connect(bool nonblock)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd;

	fd = socket(agent.addr.family, SOCK_STREAM | SOCK_CLOEXEC |
		    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	if (agent.addr.family == AF_INET) {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr = agent.addr.v4;
		s4->sin_port = htons(agent.port);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = agent.addr.v6;
		s6->sin6_port = htons(agent.port);
		sl = sizeof(*s6);
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read until the daemon closes (true) or TIMEOUT_MS pass (false). */
static bool closed_by_peer(int fd, size_t *total)
{
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
	char buf[512];
	ssize_t n;

	*total = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*total += n;
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* A frame in clear, no TLS: the handshake fails, nothing is done. */
static int run_plain(void)
{
	static const unsigned char frame[] = {
		0, 0, 0, 20, LBNL_CTL_VERSION, LBNL_CTL_MIGRATE, 0, 0,
		0, 1, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7,
	};
	size_t total;
	int fd = tcp_connect(false);

	if (fd < 0 || write(fd, frame, sizeof(frame)) != sizeof(frame)) {
		printf("plain: %s\n", strerror(errno));
		return 1;
	}
	printf("sent a migrate frame without TLS\n");
	if (closed_by_peer(fd, &total)) {
		printf("plain migrate: rejected (closed after %zu bytes)\n",
		       total);
		close(fd);
		return 0;
	}
	printf("plain migrate: NOT rejected (open after %d ms)\n",
	       TIMEOUT_MS);
	close(fd);
	return 1;
}

/* TLS without a certificate: refused in the handshake. */
static int run_nocert(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	static const char junk[] = "a frame without a certificate";
	bool ok = false;
	char buf[256];
	SSL *ssl;
	int fd, r;

	fd = tcp_connect(false);
	if (!ctx || fd < 0) {
		printf("nocert: %s\n", strerror(errno));
		return 1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	r = SSL_connect(ssl);
	if (r != 1) {
		printf("nocert: rejected in the handshake: %s\n",
		       ERR_reason_error_string(ERR_peek_last_error()) ?:
		       "closed");
		ok = true;
	} else {
		struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };

		printf("handshake done without a certificate (TLS 1.3: the "
		       "server checks after)\n");
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		SSL_write(ssl, junk, sizeof(junk));
		r = SSL_read(ssl, buf, sizeof(buf));
		if (r <= 0 && SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) {
			printf("nocert: rejected: %s\n",
			       ERR_reason_error_string(ERR_peek_last_error()) ?:
			       "closed");
			ok = true;
		} else {
			printf("nocert: NOT rejected (%s)\n", r > 0 ?
			       "answered" : "open");
		}
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return ok ? 0 : 1;
}

/*
 * A message the daemon must not act on, with the certificate given: the
 * handshake fails, the connection closes without an answer, or the
 * answer refuses it (REFUSED, or a FINISH echo, with -EPERM).
 */
static int run_attack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "source", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *type = "migrate";
	struct lbnl_addr source, target;
	struct lbnl_ctl_msg m, r;
	struct lbnl_ctl_conn *c;
	char err[512];
	uint8_t t;
	int opt, ret;

	lbnl_parse_addr("192.0.2.250", &source);
	lbnl_parse_addr("192.0.2.250", &target);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			type = optarg;
			break;
		case 's':
			if (lbnl_parse_addr(optarg, &source))
				usage();
			break;
		case 'd':
			if (lbnl_parse_addr(optarg, &target))
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!strcmp(type, "migrate"))
		t = LBNL_CTL_MIGRATE;
	else if (!strcmp(type, "transfer"))
		t = LBNL_CTL_TRANSFER;
	else if (!strcmp(type, "finish"))
		t = LBNL_CTL_FINISH;
	else if (!strcmp(type, "result"))
		t = LBNL_CTL_RESULT;
	else
		usage();

	ret = lbnl_ctl_connect(&agent, tls, LBNL_CTL_ROLE_NONE, TIMEOUT_MS,
			       &c, err, sizeof(err));
	if (ret) {
		printf("%s: rejected in the handshake: %s\n", type, err);
		return 0;
	}
	printf("connected to %s\n", lbnl_ctl_peer(c));
	dummy_msg(&m, t, &source, &target);
	if (lbnl_ctl_send(c, &m, TIMEOUT_MS)) {
		printf("%s: rejected (send: %s)\n", type, lbnl_ctl_error(c));
		lbnl_ctl_close(c);
		return 0;
	}
	printf("sent a %s (session %" PRIu64 ")\n", type, m.session);
	ret = lbnl_ctl_recv(c, &r, TIMEOUT_MS);
	if (ret == -ETIMEDOUT) {
		printf("%s: NOT rejected: the connection stays open\n", type);
		lbnl_ctl_close(c);
		return 1;
	}
	if (ret) {
		printf("%s: rejected (closed without an answer: %s)\n", type,
		       lbnl_ctl_error(c));
		lbnl_ctl_close(c);
		return 0;
	}
	lbnl_ctl_close(c);
	lbnl_ctl_msg_free(&r);
	if ((r.type == LBNL_CTL_REFUSED || r.type == LBNL_CTL_FINISH) &&
	    r.status == -EPERM) {
		printf("%s: rejected (%s: %s)\n", type,
		       lbnl_ctl_type_name(r.type), r.reason);
		return 0;
	}
	printf("%s: NOT rejected: answered %s (status %d %s)\n", type,
	       lbnl_ctl_type_name(r.type), r.status, r.reason);
	return 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * IDLE connections that send nothing and SLOW ones that send a byte of a
 * TLS record every 250 ms, held SECONDS: how many the daemon closed.
 */
static int run_flood(int argc, char **argv)
{
	static const unsigned char hello[] = { 0x16, 0x03, 0x01, 0x3f, 0xff };
	unsigned int idle, slow, secs, i, n, closed_idle = 0, closed_slow = 0;
	unsigned int up_idle = 0, up_slow = 0;
	struct rlimit rl;
	struct pollfd *pfd;
	bool *up;
	size_t *sent;
	int64_t end, next_byte;

	if (argc != 4 || lbnl_parse_u32(argv[1], &idle) ||
	    lbnl_parse_u32(argv[2], &slow) || lbnl_parse_u32(argv[3], &secs))
		usage();
	n = idle + slow;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < n + 64) {
		rl.rlim_cur = rl.rlim_max < n + 64 ? rl.rlim_max : n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pfd = calloc(n, sizeof(*pfd));
	sent = calloc(n, sizeof(*sent));
	up = calloc(n, sizeof(*up));
	if (!pfd || !sent || !up)
		return 1;
	for (i = 0; i < n; i++) {
		pfd[i].fd = tcp_connect(true);
		pfd[i].events = POLLIN | POLLOUT;
		if (pfd[i].fd < 0) {
			printf("flood: connection %u: %s\n", i,
			       strerror(errno));
			return 1;
		}
	}
	printf("flood: %u idle and %u slow connections opened\n", idle, slow);
	end = mono_ms() + (int64_t)secs * 1000;
	next_byte = mono_ms();
	while (mono_ms() < end) {
		if (mono_ms() >= next_byte) {
			for (i = idle; i < n; i++) {
				unsigned char b;

				if (pfd[i].fd < 0)
					continue;
				b = sent[i] < sizeof(hello) ? hello[sent[i]] :
				    (unsigned char)sent[i];
				if (send(pfd[i].fd, &b, 1, MSG_NOSIGNAL |
					 MSG_DONTWAIT) == 1)
					sent[i]++;
			}
			next_byte = mono_ms() + 250;
		}
		if (poll(pfd, n, 100) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			char buf[256];
			ssize_t r;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if ((pfd[i].revents & POLLOUT) && !up[i]) {
				/* Connected: from now on, wait for the close. */
				up[i] = true;
				pfd[i].events = POLLIN;
				if (i < idle)
					up_idle++;
				else
					up_slow++;
				if (!(pfd[i].revents & (POLLIN | POLLHUP |
							POLLERR)))
					continue;
			}
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0 || (r < 0 && errno == EAGAIN))
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			if (!up[i])
				continue;	/* refused: never up */
			if (i < idle)
				closed_idle++;
			else
				closed_slow++;
		}
	}
	/*
	 * Connections still connecting (SYNs the kernel dropped, a full
	 * backlog) never reached the daemon: not counted.
	 */
	printf("flood: after %u s the daemon had closed %u of %u idle and "
	       "%u of %u slow connections (%u and %u of them connected)\n",
	       secs, closed_idle, up_idle, closed_slow, up_slow, up_idle,
	       up_slow);
	free(up);
	for (i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	free(pfd);
	free(sent);
	return 0;
}

static void print_result(const struct lbnl_ctl_msg *r)
{
	char a[LBNL_ADDRPORTSTRLEN], b[LBNL_ADDRPORTSTRLEN];
	const char *q = r->reason;

	lbnl_format_addr_port(&r->assoc.laddr, r->assoc.lport, a, sizeof(a));
	lbnl_format_addr_port(&r->assoc.paddr, r->assoc.pport, b, sizeof(b));
	printf("{\"type\":\"%s\",\"session\":%" PRIu64 ",\"status\":%d,"
	       "\"reason\":\"", lbnl_ctl_type_name(r->type), r->session,
	       r->status);
	for (; *q; q++) {
		if (*q == '"' || *q == '\\')
			putchar('\\');
		if ((unsigned char)*q >= 0x20)
			putchar(*q);
	}
	printf("\",\"vtag\":%u,\"local\":\"%s\",\"peer\":\"%s\"}\n",
	       r->vtag, a, b);
	fflush(stdout);
}

static int run_migrate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vip", required_argument, NULL, 'V' },
		{ "vtag", required_argument, NULL, 'T' },
		{ "assoc", required_argument, NULL, 'A' },
		{ "target", required_argument, NULL, 'D' },
		{ "target-agent", required_argument, NULL, 'G' },
		{ "deadline", required_argument, NULL, 'L' },
		{ "decide", required_argument, NULL, 'C' },
		{ "session", required_argument, NULL, 'S' },
		{ "run", required_argument, NULL, 'R' },
		{ "source", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	bool has_source = false;
	struct lbnl_ctl_msg m = { .type = LBNL_CTL_MIGRATE }, r;
	struct lbnl_endpoint ep;
	const char *decide = "commit", *run = NULL;
	int run_status = 0;
	unsigned int need = 0;
	struct lbnl_ctl_conn *c;
	int opt, err;
	uint32_t u;

	m.session = random_session();
	m.reply_port = LBNL_CTL_LBNLD_PORT;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'V':
			parse_ep(optarg, &ep);
			m.vip.addr = ep.addr;
			m.vip.port = ep.port;
			m.vip.proto = 132;
			need |= 1;
			break;
		case 'T':
			if (lbnl_parse_u32_or_hex(optarg, &m.vtag))
				usage();
			need |= 2;
			break;
		case 'A':
			if (optind >= argc)
				usage();
			parse_ep(optarg, &ep);
			m.assoc.laddr = ep.addr;
			m.assoc.lport = ep.port;
			parse_ep(argv[optind++], &ep);
			m.assoc.paddr = ep.addr;
			m.assoc.pport = ep.port;
			need |= 4;
			break;
		case 'D':
			parse_ep(optarg, &m.target);
			need |= 8;
			break;
		case 'G':
			parse_ep(optarg, &m.target_agent);
			need |= 16;
			break;
		case 'L':
			if (lbnl_parse_u32(optarg, &m.deadline_ms))
				usage();
			need |= 32;
			break;
		case 'C':
			decide = optarg;
			if (strcmp(decide, "commit") &&
			    strcmp(decide, "abort") && strcmp(decide, "none"))
				usage();
			break;
		case 'R':
			run = optarg;
			break;
		case 'S':
			if (lbnl_parse_u32(optarg, &u))
				usage();
			m.session = u;
			break;
		case 'O':
			parse_ep(optarg, &m.source);
			has_source = true;
			break;
		default:
			usage();
		}
	}
	if (need != 63 || optind != argc)
		usage();
	m.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_VIP | LBNL_CTL_HAS_ASSOC |
		LBNL_CTL_HAS_TARGET | LBNL_CTL_HAS_DEADLINE |
		LBNL_CTL_HAS_REPLY_PORT | LBNL_CTL_HAS_SOURCE;
	if (!has_source) {
		m.source.addr = m.assoc.laddr;
		m.source.port = m.assoc.lport;
	}

	c = connect_or_die();
	if (lbnl_ctl_send(c, &m, TIMEOUT_MS)) {
		printf("send: %s\n", lbnl_ctl_error(c));
		return 1;
	}
	printf("sent migrate session %" PRIu64 "\n", m.session);
	fflush(stdout);
	err = lbnl_ctl_recv(c, &r, (int)m.deadline_ms + 10000);
	if (err) {
		printf("no result: %s\n", lbnl_ctl_error(c));
		lbnl_ctl_close(c);
		return 1;
	}
	print_result(&r);
	lbnl_ctl_msg_free(&r);
	if (r.type != LBNL_CTL_RESULT) {
		lbnl_ctl_close(c);
		return 1;
	}
	if (run) {
		run_status = system(run);
		printf("ran '%s': status %d\n", run, run_status);
	}
	if (!strcmp(decide, "none")) {
		printf("closed without a decision\n");
		lbnl_ctl_close(c);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.type = LBNL_CTL_DECISION;
	m.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_COMMIT;
	m.session = r.session;
	m.commit = !strcmp(decide, "commit");
	if (lbnl_ctl_send(c, &m, TIMEOUT_MS)) {
		printf("decision: %s\n", lbnl_ctl_error(c));
		lbnl_ctl_close(c);
		return 1;
	}
	printf("sent decision %s\n", decide);
	/* The agent closes once it is done. */
	err = lbnl_ctl_recv(c, &r, 30000);
	if (!err)
		lbnl_ctl_msg_free(&r);
	printf("agent closed the connection\n");
	lbnl_ctl_close(c);
	return run_status ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *ca = NULL, *cert = NULL, *key = NULL, *mode;
	char err[512];
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+A:C:k:h")) != -1) {
		switch (opt) {
		case 'A':
			ca = optarg;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			usage();
		}
	}
	if (argc - optind < 2)
		usage();
	parse_ep(argv[optind], &agent);
	mode = argv[optind + 1];
	if (!strcmp(mode, "plain") && optind + 2 == argc)
		return run_plain();
	if (!strcmp(mode, "nocert") && optind + 2 == argc)
		return run_nocert();
	if (!strcmp(mode, "flood"))
		return run_flood(argc - optind - 1, argv + optind + 1);
	if (!ca || !cert || !key)
		usage();
	if (lbnl_ctl_tls_load(ca, cert, key, &tls, err, sizeof(err))) {
		fprintf(stderr, "lbnl-ctl-probe: %s\n", err);
		return 2;
	}
	if (!strcmp(mode, "attack"))
		return run_attack(argc - optind - 1, argv + optind + 1);
	if (!strcmp(mode, "migrate"))
		return run_migrate(argc - optind - 1, argv + optind + 1);
	usage();
	return 2;
}
