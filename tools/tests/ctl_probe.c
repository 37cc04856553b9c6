// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl-ctl-probe: a test tool of the control protocol (ctl.h), not
 * installed. It attacks an lbnl-agent (forge, noauth, replay: the agent
 * must close the connection without acting) or plays lbnld for one
 * migration (migrate). One line per step on stdout; exit status 0 when
 * the agent behaved as expected, 1 otherwise, 2 on usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <sodium.h>

#include "addr.h"
#include "ctl.h"
#include "util.h"

#define TIMEOUT_MS	5000

static const char usage_text[] =
	"Usage: lbnl-ctl-probe [-k KEYFILE] ADDR:PORT forge\n"
	"       lbnl-ctl-probe ADDR:PORT noauth\n"
	"       lbnl-ctl-probe -k KEYFILE ADDR:PORT replay\n"
	"       lbnl-ctl-probe -k KEYFILE ADDR:PORT migrate --vip V:P "
	"--vtag N\n"
	"           --assoc LADDR:LPORT PADDR:PPORT --target D:P "
	"--target-agent A:P\n"
	"           --deadline MS [--decide commit|abort|none] "
	"[--session N]\n"
	"           [--run CMD]   (CMD runs between the result and the "
	"decision)\n";

static struct lbnl_ctl_key key;
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

/* A MIGRATE for an association that does not exist. */
static void dummy_migrate(struct lbnl_ctl_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = LBNL_CTL_MIGRATE;
	m->has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_VIP | LBNL_CTL_HAS_ASSOC |
		 LBNL_CTL_HAS_TARGET | LBNL_CTL_HAS_DEADLINE |
		 LBNL_CTL_HAS_REPLY_PORT;
	randombytes_buf(&m->session, sizeof(m->session));
	m->session >>= 16;
	lbnl_parse_addr("192.0.2.250", &m->vip.addr);
	m->vip.port = 9;
	m->vip.proto = 132;
	m->vtag = 0x1badcafe;
	lbnl_parse_addr("192.0.2.250", &m->assoc.laddr);
	m->assoc.lport = 9;
	lbnl_parse_addr("198.51.100.250", &m->assoc.paddr);
	m->assoc.pport = 9;
	m->target.addr = m->assoc.laddr;
	m->target.port = 9;
	m->target_agent = agent;
	m->deadline_ms = 2000;
	m->reply_port = LBNL_CTL_LBNLD_PORT;
}

static struct lbnl_ctl_conn *connect_or_die(const struct lbnl_ctl_key *k)
{
	struct lbnl_ctl_conn *c;
	char err[512];

	if (lbnl_ctl_connect(&agent, k, LBNL_CTL_ROLE_TOOL, "ctl-probe",
			     TIMEOUT_MS, &c, err, sizeof(err))) {
		printf("connect: %s\n", err);
		exit(1);
	}
	printf("connected to %s\n", lbnl_ctl_peer(c));
	return c;
}

/*
 * After an attack: the agent must close the connection without an
 * answer (a RESULT or anything else would mean it acted). true if so.
 */
static bool closed_without_answer(struct lbnl_ctl_conn *c, const char *what)
{
	struct lbnl_ctl_msg m;
	int err = lbnl_ctl_recv(c, &m, TIMEOUT_MS);

	if (err == -ECONNRESET) {
		printf("%s: rejected (connection closed without an answer)\n",
		       what);
		return true;
	}
	if (!err) {
		printf("%s: NOT rejected: the agent answered %s (status %d "
		       "%s)\n", what, lbnl_ctl_type_name(m.type), m.status,
		       m.reason);
		lbnl_ctl_msg_free(&m);
	} else if (err == -ETIMEDOUT) {
		printf("%s: NOT rejected: the connection stays open\n", what);
	} else {
		/* An answer we cannot read is an answer too. */
		printf("%s: unexpected: %s\n", what, lbnl_ctl_error(c));
	}
	return false;
}

static int run_forge(void)
{
	struct lbnl_ctl_key fake = { .len = 32 };
	struct lbnl_ctl_conn *c;
	struct lbnl_ctl_msg m;
	bool ok;

	randombytes_buf(fake.bytes, fake.len);
	c = connect_or_die(&fake);
	dummy_migrate(&m);
	if (lbnl_ctl_send(c, &m, TIMEOUT_MS)) {
		printf("send: %s\n", lbnl_ctl_error(c));
		lbnl_ctl_close(c);
		return 1;
	}
	printf("sent a migrate MAC'd with a random key\n");
	ok = closed_without_answer(c, "forged migrate");
	lbnl_ctl_close(c);
	return ok ? 0 : 1;
}

/* A MIGRATE frame as sent with a random key, its MAC then zeroed. */
static unsigned char *zero_mac_frame(size_t *len)
{
	struct lbnl_ctl_key fake = { .len = 32 };
	const unsigned char *f;
	struct lbnl_ctl_conn *c;
	struct lbnl_ctl_msg m;
	unsigned char *copy;

	/* Sent once with a random key (rejected too), to get its bytes. */
	randombytes_buf(fake.bytes, fake.len);
	c = connect_or_die(&fake);
	dummy_migrate(&m);
	lbnl_ctl_send(c, &m, TIMEOUT_MS);
	if (lbnl_ctl_last_frame(c, &f, len)) {
		lbnl_ctl_close(c);
		return NULL;
	}
	copy = malloc(*len);
	if (copy) {
		memcpy(copy, f, *len);
		memset(copy + *len - 32, 0, 32);
	}
	closed_without_answer(c, "(frame builder) forged migrate");
	lbnl_ctl_close(c);
	return copy;
}

static int run_noauth(void)
{
	struct lbnl_ctl_key fake = { .len = 32 };
	struct lbnl_ctl_conn *c;
	unsigned char *frame;
	size_t len;
	bool ok = true;
	int fd;

	frame = zero_mac_frame(&len);
	if (!frame) {
		printf("could not build a frame\n");
		return 1;
	}
	/* 1: with a HELLO, a zero MAC. */
	randombytes_buf(fake.bytes, fake.len);
	c = connect_or_die(&fake);
	if (lbnl_ctl_send_raw(c, frame, len, TIMEOUT_MS)) {
		printf("send: %s\n", lbnl_ctl_error(c));
		ok = false;
	} else {
		printf("sent a migrate with a zero MAC after a HELLO\n");
		ok &= closed_without_answer(c, "zero-MAC migrate");
	}
	lbnl_ctl_close(c);

	/* 2: no HELLO at all, the frame first (seq 1, zero MAC). */
	fd = socket(agent.addr.family, SOCK_STREAM, 0);
	if (fd >= 0) {
		struct sockaddr_storage ss = { 0 };
		socklen_t sl;
		char buf[256];
		ssize_t n;

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
		if (connect(fd, (struct sockaddr *)&ss, sl) ||
		    write(fd, frame, len) != (ssize_t)len) {
			printf("no-HELLO connection: %s\n", strerror(errno));
			ok = false;
		} else {
			struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
			size_t total = 0;

			printf("sent a migrate without a HELLO\n");
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				   sizeof(tv));
			/* Its HELLO may come; then nothing but the close. */
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				total += n;
			if (n == 0 && total < 200) {
				printf("no-HELLO migrate: rejected (closed "
				       "after %zu bytes: its HELLO)\n", total);
			} else {
				printf("no-HELLO migrate: NOT rejected (%s, "
				       "%zu bytes)\n", n < 0 ?
				       strerror(errno) : "closed", total);
				ok = false;
			}
		}
		close(fd);
	}
	free(frame);
	return ok ? 0 : 1;
}

static int run_replay(void)
{
	struct lbnl_ctl_conn *c;
	struct lbnl_ctl_msg m, r;
	const unsigned char *f;
	unsigned char *copy;
	size_t len;
	bool ok = true;
	int err;

	c = connect_or_die(&key);
	dummy_migrate(&m);
	if (lbnl_ctl_send(c, &m, TIMEOUT_MS) ||
	    lbnl_ctl_last_frame(c, &f, &len)) {
		printf("send: %s\n", lbnl_ctl_error(c));
		lbnl_ctl_close(c);
		return 1;
	}
	copy = malloc(len);
	if (!copy)
		return 1;
	memcpy(copy, f, len);
	printf("sent a valid migrate (session %" PRIu64 ", no such "
	       "association)\n", m.session);
	err = lbnl_ctl_recv(c, &r, TIMEOUT_MS);
	if (err) {
		printf("no result: %s\n", lbnl_ctl_error(c));
		ok = false;
	} else {
		printf("answer: %s status %d (%s)\n",
		       lbnl_ctl_type_name(r.type), r.status, r.reason);
		/* An agent fails it; lbnld takes RESULTs only. */
		if ((r.type != LBNL_CTL_RESULT &&
		     r.type != LBNL_CTL_REFUSED) || !r.status)
			ok = false;
		lbnl_ctl_msg_free(&r);
	}
	if (lbnl_ctl_send_raw(c, copy, len, TIMEOUT_MS)) {
		printf("replay send: %s\n", lbnl_ctl_error(c));
		ok = false;
	} else {
		printf("sent the same frame again\n");
		ok &= closed_without_answer(c, "replayed migrate");
	}
	lbnl_ctl_close(c);

	c = connect_or_die(&key);
	if (lbnl_ctl_send_raw(c, copy, len, TIMEOUT_MS)) {
		printf("replay send: %s\n", lbnl_ctl_error(c));
		ok = false;
	} else {
		printf("sent the recorded frame on a new connection\n");
		ok &= closed_without_answer(c, "migrate of another "
					    "connection");
	}
	lbnl_ctl_close(c);
	free(copy);
	return ok ? 0 : 1;
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
		{ NULL, 0, NULL, 0 },
	};
	struct lbnl_ctl_msg m = { .type = LBNL_CTL_MIGRATE }, r;
	struct lbnl_endpoint ep;
	const char *decide = "commit", *run = NULL;
	int run_status = 0;
	unsigned int need = 0;
	struct lbnl_ctl_conn *c;
	int opt, err;
	uint32_t u;

	randombytes_buf(&m.session, sizeof(m.session));
	m.session >>= 16;
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
		default:
			usage();
		}
	}
	if (need != 63 || optind != argc)
		usage();
	m.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_VIP | LBNL_CTL_HAS_ASSOC |
		LBNL_CTL_HAS_TARGET | LBNL_CTL_HAS_DEADLINE |
		LBNL_CTL_HAS_REPLY_PORT;

	c = connect_or_die(&key);
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
	char err[512];
	const char *keyfile = NULL, *mode;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+k:h")) != -1) {
		switch (opt) {
		case 'k':
			keyfile = optarg;
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
	if (sodium_init() < 0)
		return 1;
	parse_ep(argv[optind], &agent);
	mode = argv[optind + 1];
	if (keyfile && lbnl_ctl_key_load(keyfile, &key, err, sizeof(err))) {
		fprintf(stderr, "lbnl-ctl-probe: %s\n", err);
		return 2;
	}
	if (!strcmp(mode, "forge") && optind + 2 == argc)
		return run_forge();
	if (!strcmp(mode, "noauth") && optind + 2 == argc)
		return run_noauth();
	if (!keyfile)
		usage();
	if (!strcmp(mode, "replay") && optind + 2 == argc)
		return run_replay();
	if (!strcmp(mode, "migrate"))
		return run_migrate(argc - optind - 1, argv + optind + 1);
	usage();
	return 2;
}
