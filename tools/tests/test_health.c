// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lbnld's health checks (lbnld/health*.c), no module
 * needed: "check" lines (good ones read back, each bad one refused with
 * its line and reason, the configuration unchanged); the rise and fall
 * counts and what they do to a dest in each state; each checker against
 * listeners on 127.0.0.1 (tcp up and down; sctp when the host has it; an
 * HTTP server, libmicrohttpd, answering 200 then 500; one that accepts
 * and never answers, which must fail by timeout; https with a self-signed
 * certificate, passing unverified and refused with verify; a command
 * true, false, hung); the threads against a fake module: a dest goes down when its
 * listener closes, back to active when it opens again, and a dest in
 * maint stays in maint.
 * Prints one line per failure; exit status 0 if all passed.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/lbnl.h>
#include <microhttpd.h>

#include "../lbnld/health.h"
#include "../lbnld/lbnld.h"
#include "check.h"

/* "check" lines ---------------------------------------------------------- */

static int conf_text(const char *text, struct lbnld_conf *c, char *err,
		     size_t len)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int ret;

	err[0] = '\0';
	if (!fp)
		return -2;
	ret = lbnld_conf_read(fp, "t.conf", c, err, len);
	fclose(fp);
	return ret;
}

#define LINE1	"table 100\n"
#define CHECK1	"check 192.0.2.1:80 proto tcp 10.0.0.1 tcp\n"

/* LINE1 CHECK1 then line: refused with "t.conf:3: expect". */
static void check_bad(const char *line, const char *expect)
{
	char text[1024], err[512], want[512];
	struct lbnld_conf c;

	lbnld_conf_defaults(&c);
	snprintf(text, sizeof(text), "%s%s%s\n", LINE1, CHECK1, line);
	snprintf(want, sizeof(want), "t.conf:3: %s", expect);
	CHECK(conf_text(text, &c, err, sizeof(err)) == -1 &&
	      !strcmp(err, want), "'%s': got '%s', expected '%s'", line, err,
	      want);
	CHECK(!c.n_checks && !c.checks,
	      "'%s': a refused file changes nothing", line);
	lbnld_conf_free(&c);
}

static void test_conf(void)
{
	static const char good[] =
		"check 192.0.2.1:80 proto tcp 10.0.0.1:8080 tcp interval 1000 timeout 500 rise 1 fall 5\n"
		"check 192.0.2.1:80 proto tcp 10.0.0.2 http /health status 204 port 8081\n"
		"  check [2001:db8::1]:443 proto tcp [2001:db8::2] https https://[2001:db8::2]/x verify\n"
		"check 192.0.2.1:80 proto tcp 10.0.0.3 command \"test -e '/tmp/a b' # no comment\" # comment\n"
		"check 192.0.2.2:3868 proto sctp 10.0.0.3 sctp port 3869\n"
		"check 192.0.2.2:3868 proto sctp all sctp heartbeat port 3870 interval 1000 timeout 500\n"
		"check 192.0.2.1:80 proto tcp all http /health port 8081\n"
		"check 192.0.2.1:80 proto tcp 10.0.0.4 https /h ca-file /dev/null on-down flush\n";
	char err[512], text[128];
	struct lbnld_conf c, before;
	const struct lbnld_check *k;

	lbnld_conf_defaults(&c);
	CHECK(!conf_text(good, &c, err, sizeof(err)) && c.n_checks == 8,
	      "good checks: %s, %zu", err, c.n_checks);
	if (c.n_checks != 8)
		return;
	k = &c.checks[0];
	CHECK(k->kind == LBNLD_CHECK_TCP && k->dest.port == 8080 &&
	      k->vip.port == 80 && k->vip.proto == IPPROTO_TCP &&
	      k->interval_ms == 1000 && k->timeout_ms == 500 &&
	      k->rise == 1 && k->fall == 5 && k->line == 1,
	      "tcp check read back");
	CHECK(!strcmp(lbnld_check_text(k, text, sizeof(text)),
		      "tcp 192.0.2.1:80 dest 10.0.0.1:8080 (tcp)"),
	      "check text: %s", text);
	k = &c.checks[1];
	CHECK(k->kind == LBNLD_CHECK_HTTP && k->dest.port == 80 &&
	      !strcmp(k->url, "/health") && k->status == 204 &&
	      k->port == 8081 && k->interval_ms == LBNLD_CHECK_INTERVAL_MS &&
	      k->timeout_ms == LBNLD_CHECK_TIMEOUT_MS &&
	      k->rise == LBNLD_CHECK_RISE && k->fall == LBNLD_CHECK_FALL,
	      "http check: the defaults, the dest port the VIP's");
	k = &c.checks[2];
	CHECK(k->kind == LBNLD_CHECK_HTTPS && k->verify &&
	      k->dest.addr.family == AF_INET6 &&
	      !strcmp(k->url, "https://[2001:db8::2]/x") &&
	      k->status == 200, "https check");
	k = &c.checks[3];
	CHECK(k->kind == LBNLD_CHECK_COMMAND &&
	      !strcmp(k->command, "test -e '/tmp/a b' # no comment"),
	      "command check: '%s'", k->command);
	k = &c.checks[4];
	CHECK(k->kind == LBNLD_CHECK_SCTP && k->port == 3869 &&
	      k->vip.proto == IPPROTO_SCTP, "sctp check");
	k = &c.checks[5];
	CHECK(k->kind == LBNLD_CHECK_SCTP_HEARTBEAT && k->all_dests &&
	      k->port == 3870 && k->interval_ms == 1000 &&
	      !strcmp(lbnld_check_text(k, text, sizeof(text)),
		      "sctp 192.0.2.2:3868 dest all (sctp heartbeat)"),
	      "sctp heartbeat: '%s'", text);
	k = &c.checks[6];
	CHECK(k->all_dests && k->kind == LBNLD_CHECK_HTTP && k->port == 8081 &&
	      !strcmp(lbnld_check_text(k, text, sizeof(text)),
		      "tcp 192.0.2.1:80 dest all (http)"),
	      "check of all dests: '%s'", text);
	k = &c.checks[7];
	CHECK(k->kind == LBNLD_CHECK_HTTPS && k->verify &&
	      !strcmp(k->ca_file, "/dev/null") && k->on_down_flush,
	      "https ca-file: verify; on-down flush");
	CHECK(!c.checks[0].on_down_flush, "on-down keep by default");
	CHECK(!lbnld_check_equal(&c.checks[1], &c.checks[6]),
	      "check_equal: all is not one dest");
	CHECK(lbnld_check_equal(&c.checks[0], &c.checks[0]) &&
	      !lbnld_check_equal(&c.checks[0], &c.checks[1]),
	      "check_equal");

	/* A refused file leaves the checks read before as they were. */
	before = c;
	CHECK(conf_text("check 192.0.2.1:80 proto tcp 10.0.0.9 tcp rise 0\n",
			&c, err, sizeof(err)) == -1 &&
	      c.checks == before.checks && c.n_checks == 8,
	      "refused over a configuration: unchanged");
	lbnld_conf_free(&c);

	check_bad("check", "'check' needs a VIP (ADDR:PORT proto P), a dest and a checker");
	check_bad("check 192.0.2.1 proto tcp 10.0.0.1 tcp",
		  "invalid VIP '192.0.2.1': missing port (write ADDR:PORT, or [ADDR]:PORT for IPv6)");
	check_bad("check 192.0.2.1:80 tcp 10.0.0.1 tcp",
		  "expected 'proto {tcp|udp|sctp}' after the VIP '192.0.2.1:80'");
	check_bad("check 192.0.2.1:80 proto icmp 10.0.0.1 tcp",
		  "invalid proto 'icmp', expected {tcp|udp|sctp}");
	check_bad("check 192.0.2.1:80 proto tcp",
		  "missing the dest (DEST[:PORT] or all) after 'proto tcp'");
	check_bad("check 192.0.2.1:80 proto tcp host1 tcp",
		  "invalid dest 'host1': not an IPv4 or IPv6 address");
	check_bad("check 192.0.2.1:80 proto tcp 2001:db8::1 tcp",
		  "dest '2001:db8::1' is not of the VIP's address family");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2",
		  "missing the checker: tcp, sctp, sctp heartbeat, http URL, https URL or command \"COMMAND\"");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 ping",
		  "unknown checker 'ping', expected tcp, sctp, sctp heartbeat, http, https or command");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 sctp heartbeat status 200",
		  "unexpected 'status' in a sctp heartbeat check");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 sctp beat",
		  "unexpected 'beat' in a sctp check");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 http",
		  "'http' needs a URL");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 http ftp://x/",
		  "invalid http URL 'ftp://x/': http://... or a path (/...) expected");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 https http://x/",
		  "invalid https URL 'http://x/': https://... or a path (/...) expected");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 http \"/a b\"",
		  "invalid http URL '/a b': spaces must be encoded (%20)");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 command",
		  "'command' needs a command (quoted if it has spaces)");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 command \"true",
		  "a quote (\") is not closed");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 command \"true\"x",
		  "a space is needed after a closing quote");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp status 200",
		  "unexpected 'status' in a tcp check");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 http http://x/ port 81",
		  "unexpected 'port' in a http check");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 http /x verify",
		  "unexpected 'verify' in a http check");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp rise 0",
		  "invalid rise '0': a number from 1 to 100");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp fall 101",
		  "invalid fall '101': a number from 1 to 100");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp interval 5",
		  "invalid interval '5': a number of milliseconds from 10 to 3600000");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp timeout x",
		  "invalid timeout 'x': a number of milliseconds from 10 to 3600000");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp timeout 6000",
		  "timeout 6000 ms is longer than the interval (5000 ms)");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp port 0",
		  "invalid port '0': a number from 1 to 65535");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 http / status 99",
		  "invalid status '99': an HTTP status from 100 to 599");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp rise",
		  "missing value for 'rise'");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp rise 1 rise 2",
		  "'rise' given twice");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.1:80 sctp",
		  "a second check for dest 10.0.0.1:80 of tcp 192.0.2.1:80 (first on line 2)");
	check_bad("check 192.0.2.1:80 proto tcp all http http://x/",
		  "a check of all dests takes a path (/...), not a full URL: each dest is asked on its own address");
	check_bad("check 192.0.2.1:80 proto tcp all command true",
		  "a check of all dests cannot be a command (the same for every dest): one line per dest");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 tcp on-down drop",
		  "invalid on-down 'drop', expected keep or flush");
	check_bad("check 192.0.2.1:80 proto tcp all tcp port",
		  "missing value for 'port'");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 https /x ca-file ca.pem",
		  "invalid ca-file 'ca.pem': an absolute path expected");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 https /x ca-file /nonexistent/ca.pem",
		  "ca-file '/nonexistent/ca.pem' cannot be read: No such file or directory");
	check_bad("check 192.0.2.1:80 proto tcp 10.0.0.2 http /x ca-file /dev/null",
		  "unexpected 'ca-file' in a http check");
	{
		/* Two "all" lines for one VIP; one for all, one per dest. */
		char text[512], err[512];
		struct lbnld_conf c2;

		lbnld_conf_defaults(&c2);
		snprintf(text, sizeof(text), "%s%s%s",
			 "check 192.0.2.1:80 proto tcp all tcp\n",
			 "check 192.0.2.1:80 proto tcp 10.0.0.1 http /\n",
			 "check 192.0.2.1:80 proto tcp all sctp\n");
		CHECK(conf_text(text, &c2, err, sizeof(err)) == -1 &&
		      !strcmp(err, "t.conf:3: a second check of all dests of tcp 192.0.2.1:80 (first on line 1)"),
		      "two all lines: '%s'", err);
		lbnld_conf_free(&c2);
	}
}

/* Counts and decisions --------------------------------------------------- */

static void test_counts(void)
{
	struct lbnld_check c = { .rise = 2, .fall = 3 };
	struct lbnld_health_state s = { 0 };

	CHECK(!lbnld_health_count(&s, &c, false) &&
	      !lbnld_health_count(&s, &c, false) &&
	      s.verdict == LBNLD_VERDICT_UNKNOWN, "2 failures: unknown");
	CHECK(lbnld_health_count(&s, &c, false) &&
	      s.verdict == LBNLD_VERDICT_DOWN, "3 failures: down");
	CHECK(!lbnld_health_count(&s, &c, false) &&
	      s.verdict == LBNLD_VERDICT_DOWN, "4 failures: still down");
	CHECK(!lbnld_health_count(&s, &c, true) &&
	      !lbnld_health_count(&s, &c, false) &&
	      !lbnld_health_count(&s, &c, true) &&
	      s.verdict == LBNLD_VERDICT_DOWN,
	      "successes not in a row: still down");
	CHECK(lbnld_health_count(&s, &c, true) &&
	      s.verdict == LBNLD_VERDICT_UP, "2 successes in a row: up");
	CHECK(!lbnld_health_count(&s, &c, false) &&
	      !lbnld_health_count(&s, &c, false) &&
	      !lbnld_health_count(&s, &c, true) &&
	      !lbnld_health_count(&s, &c, false) &&
	      !lbnld_health_count(&s, &c, false) &&
	      s.verdict == LBNLD_VERDICT_UP,
	      "failures not in a row: still up");
	CHECK(lbnld_health_count(&s, &c, false) &&
	      s.verdict == LBNLD_VERDICT_DOWN, "3 in a row: down");

	c.rise = c.fall = 1;
	s = (struct lbnld_health_state){ 0 };
	CHECK(lbnld_health_count(&s, &c, true) &&
	      s.verdict == LBNLD_VERDICT_UP, "rise 1: up at once");
	CHECK(lbnld_health_count(&s, &c, false) &&
	      s.verdict == LBNLD_VERDICT_DOWN, "fall 1: down at once");
}

static void test_decide(void)
{
	struct lbnld_health_state s = { .verdict = LBNLD_VERDICT_DOWN };

	CHECK(lbnld_health_decide(&s, LBNL_DEST_ACTIVE) ==
	      LBNLD_HEALTH_SET_DOWN && s.ours, "down, active: set down");
	CHECK(lbnld_health_decide(&s, LBNL_DEST_DOWN) == LBNLD_HEALTH_KEEP,
	      "down, down: kept");
	s.verdict = LBNLD_VERDICT_UP;
	CHECK(lbnld_health_decide(&s, LBNL_DEST_DOWN) ==
	      LBNLD_HEALTH_SET_ACTIVE && !s.ours,
	      "up, down by lbnld: set active");
	CHECK(lbnld_health_decide(&s, LBNL_DEST_DOWN) == LBNLD_HEALTH_KEEP,
	      "up, down by someone else: kept");
	CHECK(lbnld_health_decide(&s, LBNL_DEST_ACTIVE) == LBNLD_HEALTH_KEEP,
	      "up, active: kept");

	/* The operator's states, whatever the verdict. */
	s = (struct lbnld_health_state){ .verdict = LBNLD_VERDICT_DOWN };
	CHECK(lbnld_health_decide(&s, LBNL_DEST_MAINT) == LBNLD_HEALTH_KEEP &&
	      lbnld_health_decide(&s, LBNL_DEST_DRAIN) == LBNLD_HEALTH_KEEP,
	      "down, maint or drain: kept");
	s.verdict = LBNLD_VERDICT_UP;
	CHECK(lbnld_health_decide(&s, LBNL_DEST_MAINT) == LBNLD_HEALTH_KEEP,
	      "up, maint: kept");
	/* Down by lbnld, then set maint by the operator: not ours any more. */
	s = (struct lbnld_health_state){ .verdict = LBNLD_VERDICT_DOWN };
	lbnld_health_decide(&s, LBNL_DEST_ACTIVE);
	lbnld_health_decide(&s, LBNL_DEST_MAINT);
	s.verdict = LBNLD_VERDICT_UP;
	CHECK(lbnld_health_decide(&s, LBNL_DEST_DOWN) == LBNLD_HEALTH_KEEP,
	      "up, down by the operator after maint: kept");

	/* Found down at the first look: a previous lbnld's. */
	s = (struct lbnld_health_state){ .verdict = LBNLD_VERDICT_UP };
	CHECK(lbnld_health_decide(&s, LBNL_DEST_DOWN) ==
	      LBNLD_HEALTH_SET_ACTIVE, "up, found down at start: set active");
	s = (struct lbnld_health_state){ 0 };
	CHECK(lbnld_health_decide(&s, LBNL_DEST_ACTIVE) == LBNLD_HEALTH_KEEP,
	      "unknown: nothing done");
}

/* Listeners on 127.0.0.1 -------------------------------------------------- */

/* A listening socket on 127.0.0.1 (port 0: any): fd, *port. */
static int listen_on(int type, int protocol, uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(*port) };
	socklen_t len = sizeof(sin);
	int fd, one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, type | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static struct lbnld_check local_check(enum lbnld_check_kind kind,
				      uint16_t port)
{
	struct lbnld_check c = {
		.kind = kind, .interval_ms = 10000, .timeout_ms = 5000,
		.rise = 1, .fall = 1, .status = 200,
	};

	c.vip.addr.family = AF_INET;
	c.vip.addr.v4.s_addr = htonl(0xc0000201);	/* 192.0.2.1 */
	c.vip.port = 80;
	c.vip.proto = kind == LBNLD_CHECK_SCTP ? IPPROTO_SCTP : IPPROTO_TCP;
	c.dest.addr.family = AF_INET;
	c.dest.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	c.dest.port = port;
	return c;
}

static void test_connect(enum lbnld_check_kind kind, int protocol)
{
	const char *name = lbnld_check_kind_name(kind);
	struct lbnld_check c;
	uint16_t port = 0;
	char why[256];
	int fd;

	fd = listen_on(SOCK_STREAM, protocol, &port);
	if (fd < 0 && protocol == IPPROTO_SCTP) {
		printf("test_health: no SCTP on this host: the sctp checker is tested in the VM (selftests/health.sh)\n");
		return;
	}
	CHECK(fd >= 0, "%s: cannot listen on 127.0.0.1", name);
	if (fd < 0)
		return;
	c = local_check(kind, port);
	CHECK(!lbnld_probe(&c, NULL, why, sizeof(why)), "%s up: %s", name, why);
	close(fd);
	CHECK(lbnld_probe(&c, NULL, why, sizeof(why)) &&
	      !strcmp(why, "Connection refused"), "%s down: '%s'", name, why);
	/* Checked on another port than the dest's. */
	fd = listen_on(SOCK_STREAM, protocol, &port);
	c.dest.port = 9;
	c.port = port;
	CHECK(fd >= 0 && !lbnld_probe(&c, NULL, why, sizeof(why)),
	      "%s on port: %s", name, why);
	close(fd);
}

/* libmicrohttpd: answers every GET with http_status. */
static unsigned int http_status = 200;

static enum MHD_Result http_answer(void *cls, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *data,
				   size_t *size, void **state)
{
	static const char body[] = "health\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls; (void)url; (void)method; (void)version; (void)data;
	(void)size; (void)state;
	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(conn, __atomic_load_n(&http_status,
						       __ATOMIC_SEQ_CST), r);
	MHD_destroy_response(r);
	return ret;
}

static void test_http(void)
{
	struct MHD_Daemon *d;
	struct lbnld_check c;
	long long t0, took;
	uint16_t port = 0;
	char why[256];
	int fd;

	fd = listen_on(SOCK_STREAM, IPPROTO_TCP, &port);
	if (fd < 0) {
		CHECK(0, "http: cannot listen on 127.0.0.1");
		return;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			     http_answer, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_END);
	CHECK(d, "http: libmicrohttpd does not start");
	if (!d) {
		close(fd);
		return;
	}
	c = local_check(LBNLD_CHECK_HTTP, port);
	snprintf(c.url, sizeof(c.url), "/health");
	CHECK(!lbnld_probe(&c, NULL, why, sizeof(why)), "http 200, path: %s", why);
	snprintf(c.url, sizeof(c.url), "http://127.0.0.1:%u/x", port);
	CHECK(!lbnld_probe(&c, NULL, why, sizeof(why)), "http 200, URL: %s", why);
	__atomic_store_n(&http_status, 500, __ATOMIC_SEQ_CST);
	CHECK(lbnld_probe(&c, NULL, why, sizeof(why)) &&
	      !strcmp(why, "status 500, expected 200"), "http 500: '%s'", why);
	c.status = 500;
	CHECK(!lbnld_probe(&c, NULL, why, sizeof(why)), "http status 500 expected: %s",
	      why);
	MHD_stop_daemon(d);
	close(fd);
	c.status = 200;
	CHECK(lbnld_probe(&c, NULL, why, sizeof(why)) && strstr(why, "onnect"),
	      "http, nobody listening: '%s'", why);

	/* Accepts (the kernel's backlog), never answers: the timeout. */
	port = 0;
	fd = listen_on(SOCK_STREAM, IPPROTO_TCP, &port);
	c = local_check(LBNLD_CHECK_HTTP, port);
	snprintf(c.url, sizeof(c.url), "/");
	c.timeout_ms = 300;
	t0 = lbnld_now_ms();
	CHECK(fd >= 0 && lbnld_probe(&c, NULL, why, sizeof(why)) &&
	      !strcmp(why, "no answer within 300 ms"), "http hung: '%s'", why);
	took = lbnld_now_ms() - t0;
	CHECK(took >= 290 && took < 2000, "http hung: failed after %lld ms",
	      took);
	close(fd);
}

/* Read a whole (small) file: malloc'd text, or NULL. */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL;
	size_t n;

	if (!fp)
		return NULL;
	buf = calloc(1, 65536);
	if (buf) {
		n = fread(buf, 1, 65535, fp);
		buf[n] = '\0';
	}
	fclose(fp);
	return buf;
}

/*
 * https: libmicrohttpd with a self-signed certificate (openssl req):
 * without verify the GET passes, with verify the certificate is refused.
 */
static void test_https(void)
{
	char dir[] = "/tmp/test_health.XXXXXX", cmd[512], path[64], why[256];
	char *key = NULL, *cert = NULL;
	struct MHD_Daemon *d = NULL;
	struct lbnld_check c;
	uint16_t port = 0;
	int fd = -1;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		printf("test_health: libmicrohttpd without TLS: https not tested\n");
		return;
	}
	if (!mkdtemp(dir)) {
		CHECK(0, "https: mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s/key.pem -out %s/cert.pem -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null",
		 dir, dir);
	if (system(cmd)) {
		printf("test_health: no openssl to make a certificate: https not tested\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	key = slurp(path);
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	cert = slurp(path);
	fd = listen_on(SOCK_STREAM, IPPROTO_TCP, &port);
	if (key && cert && fd >= 0)
		d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				     MHD_USE_TLS, 0, NULL, NULL, http_answer,
				     NULL, MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_HTTPS_MEM_KEY, key,
				     MHD_OPTION_HTTPS_MEM_CERT, cert,
				     MHD_OPTION_END);
	CHECK(d, "https: libmicrohttpd does not start with TLS");
	if (!d)
		goto out;
	__atomic_store_n(&http_status, 200, __ATOMIC_SEQ_CST);
	c = local_check(LBNLD_CHECK_HTTPS, port);
	snprintf(c.url, sizeof(c.url), "/health");
	CHECK(!lbnld_probe(&c, NULL, why, sizeof(why)), "https, not verified: %s",
	      why);
	c.verify = true;
	CHECK(lbnld_probe(&c, NULL, why, sizeof(why)) && strstr(why, "certificate"),
	      "https, verified, self-signed: '%s'", why);
	/* Its own certificate as the CA: verified. */
	snprintf(c.ca_file, sizeof(c.ca_file), "%s/cert.pem", dir);
	CHECK(!lbnld_probe(&c, NULL, why, sizeof(why)),
	      "https, verified against ca-file: %s", why);
	/* Another CA: refused. */
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s/k2.pem -out %s/other.pem -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null",
		 dir, dir);
	snprintf(c.ca_file, sizeof(c.ca_file), "%s/other.pem", dir);
	CHECK(!system(cmd) && lbnld_probe(&c, NULL, why, sizeof(why)) &&
	      strstr(why, "certificate"),
	      "https, ca-file of another CA: '%s'", why);
	MHD_stop_daemon(d);
out:
	if (fd >= 0)
		close(fd);
	free(key);
	free(cert);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		CHECK(0, "%s", cmd);
}

static void test_command(void)
{
	struct lbnld_check c = local_check(LBNLD_CHECK_COMMAND, 80);
	long long t0, took;
	char why[256];

	snprintf(c.command, sizeof(c.command), "true");
	CHECK(!lbnld_probe(&c, NULL, why, sizeof(why)), "command true: %s", why);
	snprintf(c.command, sizeof(c.command), "false");
	CHECK(lbnld_probe(&c, NULL, why, sizeof(why)), "command false passed");
	snprintf(c.command, sizeof(c.command), "test \"$((1 + 1))\" = 2");
	CHECK(!lbnld_probe(&c, NULL, why, sizeof(why)), "command with a shell: %s",
	      why);
	snprintf(c.command, sizeof(c.command), "sleep 5");
	c.timeout_ms = 200;
	t0 = lbnld_now_ms();
	CHECK(lbnld_probe(&c, NULL, why, sizeof(why)) &&
	      !strcmp(why, "killed after 200 ms"), "command hung: '%s'", why);
	took = lbnld_now_ms() - t0;
	CHECK(took < 2000, "command hung: failed after %lld ms", took);
}

/* The threads, against a fake module ------------------------------------- */

/* The dest of the check under test, and (port 9) the dest of another. */
#define OTHER_PORT	9

static struct {
	pthread_mutex_t lock;
	uint8_t state;
	uint8_t other;
	unsigned int sets;
	unsigned int stale;	/* sets refused: not in the state expected */
	/* The next reads show state as lie (an operator's change between). */
	unsigned int lies;
	uint8_t lie;
	/* The VIP's dests (on 127.0.0.1), for checks of all its dests. */
	uint16_t dests[4];
	size_t n_dests;
	unsigned int flushes;		/* of the dest on OTHER_PORT */
	unsigned int flushes_wrong;	/* of any other */
} fm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int fm_open(void **h)
{
	*h = &fm;
	return 0;
}

static void fm_close(void *h)
{
	(void)h;
}

static int fm_get(void *h, const struct lbnld_check *c, uint8_t *state)
{
	(void)h;
	pthread_mutex_lock(&fm.lock);
	*state = c->dest.port == OTHER_PORT ? fm.other : fm.state;
	if (fm.lies && c->dest.port != OTHER_PORT) {
		fm.lies--;
		*state = fm.lie;
	}
	pthread_mutex_unlock(&fm.lock);
	return 0;
}

static int fm_set(void *h, const struct lbnld_check *c, uint8_t from,
		  uint8_t to)
{
	uint8_t *s = c->dest.port == OTHER_PORT ? &fm.other : &fm.state;
	int err = 0;

	(void)h;
	pthread_mutex_lock(&fm.lock);
	if (*s == from) {
		*s = to;
		fm.sets++;
	} else {
		fm.stale++;
		err = -ESTALE;
	}
	pthread_mutex_unlock(&fm.lock);
	return err;
}

static uint8_t fm_other(void)
{
	uint8_t s;

	pthread_mutex_lock(&fm.lock);
	s = fm.other;
	pthread_mutex_unlock(&fm.lock);
	return s;
}

static int fm_dests_get(void *h, const struct lbu_vip_key *vip,
			struct lbnl_endpoint **dests, size_t *n)
{
	size_t i;

	(void)h;
	(void)vip;
	pthread_mutex_lock(&fm.lock);
	*n = fm.n_dests;
	*dests = calloc(fm.n_dests + 1, sizeof(**dests));
	for (i = 0; *dests && i < fm.n_dests; i++) {
		(*dests)[i].addr.family = AF_INET;
		(*dests)[i].addr.v4.s_addr = htonl(INADDR_LOOPBACK);
		(*dests)[i].port = fm.dests[i];
	}
	pthread_mutex_unlock(&fm.lock);
	return *dests ? 0 : -ENOMEM;
}

static int fm_conn_flush(void *h, const struct lbnld_check *c)
{
	(void)h;
	pthread_mutex_lock(&fm.lock);
	if (c->dest.port == OTHER_PORT)
		fm.flushes++;
	else
		fm.flushes_wrong++;
	pthread_mutex_unlock(&fm.lock);
	return 0;
}

static void fm_dests(size_t n, uint16_t a, uint16_t b)
{
	pthread_mutex_lock(&fm.lock);
	fm.dests[0] = a;
	fm.dests[1] = b;
	fm.n_dests = n;
	pthread_mutex_unlock(&fm.lock);
}

static const char *fm_why(void *h)
{
	(void)h;
	return NULL;
}

static const struct lbnld_health_ops fake_module = {
	.open = fm_open, .close = fm_close, .state_get = fm_get,
	.state_set = fm_set, .dests_get = fm_dests_get,
	.conn_flush = fm_conn_flush, .why = fm_why,
};

static void fm_put(uint8_t state)
{
	pthread_mutex_lock(&fm.lock);
	fm.state = state;
	pthread_mutex_unlock(&fm.lock);
}

static uint8_t fm_state(unsigned int *sets)
{
	uint8_t s;

	pthread_mutex_lock(&fm.lock);
	s = fm.state;
	if (sets)
		*sets = fm.sets;
	pthread_mutex_unlock(&fm.lock);
	return s;
}

/* Wait up to ms for the fake dest to be in state. */
static bool fm_wait(uint8_t state, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (fm_state(NULL) == state)
			return true;
		poll(NULL, 0, 10);
	}
	return fm_state(NULL) == state;
}

static bool fm_wait_other(uint8_t state, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (fm_other() == state)
			return true;
		poll(NULL, 0, 10);
	}
	return fm_other() == state;
}

static void test_threads(void)
{
	struct lbnld_health *h;
	struct lbnld_check c[2];
	unsigned int sets, sets2;
	uint16_t port = 0;
	int fd;

	fd = listen_on(SOCK_STREAM, IPPROTO_TCP, &port);
	if (fd < 0 || lbnld_health_new(&fake_module, &h)) {
		CHECK(0, "threads: cannot listen or start");
		return;
	}
	c[0] = local_check(LBNLD_CHECK_TCP, port);
	c[0].interval_ms = 30;
	c[0].timeout_ms = 20;
	c[0].rise = 2;
	c[0].fall = 2;
	fm_put(LBNL_DEST_ACTIVE);
	CHECK(!lbnld_health_configure(h, c, 1) &&
	      lbnld_health_running(h) == 1, "threads: one check running");
	poll(NULL, 0, 150);
	CHECK(fm_state(&sets) == LBNL_DEST_ACTIVE && !sets,
	      "threads: a dest that answers is left alone");

	close(fd);
	CHECK(fm_wait(LBNL_DEST_DOWN, 3000),
	      "threads: listener closed: the dest goes down (%u)",
	      fm_state(NULL));
	fd = listen_on(SOCK_STREAM, IPPROTO_TCP, &port);
	CHECK(fd >= 0 && fm_wait(LBNL_DEST_ACTIVE, 3000),
	      "threads: listener back: the dest is active again (%u)",
	      fm_state(NULL));

	/*
	 * The operator's maint, whatever the check says; also when it came
	 * between lbnld's read (active) and its write: refused (ESTALE).
	 */
	pthread_mutex_lock(&fm.lock);
	fm.state = LBNL_DEST_MAINT;
	fm.lies = 1000;
	fm.lie = LBNL_DEST_ACTIVE;
	fm.stale = 0;
	pthread_mutex_unlock(&fm.lock);
	close(fd);
	poll(NULL, 0, 300);
	pthread_mutex_lock(&fm.lock);
	fm.lies = 0;
	pthread_mutex_unlock(&fm.lock);
	poll(NULL, 0, 100);
	CHECK(fm_state(&sets) == LBNL_DEST_MAINT && fm.stale >= 1,
	      "threads: maint is left alone while the check fails (stale %u)",
	      fm.stale);
	/* Set active by the operator while failing: down again. */
	fm_put(LBNL_DEST_ACTIVE);
	CHECK(fm_wait(LBNL_DEST_DOWN, 3000),
	      "threads: active again while failing: down");

	/* Down by someone else while passing: left alone. */
	fd = listen_on(SOCK_STREAM, IPPROTO_TCP, &port);
	CHECK(fm_wait(LBNL_DEST_ACTIVE, 3000), "threads: up again");
	fm_put(LBNL_DEST_DOWN);
	poll(NULL, 0, 300);
	CHECK(fm_state(NULL) == LBNL_DEST_DOWN,
	      "threads: down by the operator while passing: left alone");
	fm_put(LBNL_DEST_ACTIVE);

	/* The same check again: the same thread; another: a new one. */
	fm_state(&sets);
	CHECK(!lbnld_health_configure(h, c, 1) &&
	      lbnld_health_running(h) == 1, "threads: same check kept");
	c[1] = c[0];
	c[1].dest.port = OTHER_PORT;	/* nobody listens: down */
	c[0].rise = 3;
	CHECK(!lbnld_health_configure(h, c, 2),
	      "threads: two checks configured");
	for (sets = 0; sets < 300 && fm_other() != LBNL_DEST_DOWN; sets++)
		poll(NULL, 0, 10);
	CHECK(fm_other() == LBNL_DEST_DOWN &&
	      fm_state(NULL) == LBNL_DEST_ACTIVE,
	      "threads: the new check's dest goes down, the other stays");
	CHECK(!lbnld_health_configure(h, NULL, 0),
	      "threads: no check configured");
	fm_state(&sets);
	poll(NULL, 0, 200);
	fm_state(&sets2);
	CHECK(sets == sets2, "threads: stopped checks set nothing");
	CHECK(!fm.flushes && !fm.flushes_wrong,
	      "threads: on-down keep: no entry flushed (%u, %u)", fm.flushes,
	      fm.flushes_wrong);
	lbnld_health_free(h);
	close(fd);
}

/* Wait up to ms for n check threads. */
static bool running_wait(struct lbnld_health *h, size_t n, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (lbnld_health_running(h) == n)
			return true;
		poll(NULL, 0, 10);
	}
	return lbnld_health_running(h) == n;
}

/*
 * A check of all the dests of a VIP: a thread per dest the (fake) module
 * has, dests added and deleted followed, a line of one dest taking it
 * over.
 */
static void test_all(void)
{
	struct lbnld_health *h;
	struct lbnld_check c[2];
	uint16_t port = 0;
	int fd;

	fd = listen_on(SOCK_STREAM, IPPROTO_TCP, &port);
	if (fd < 0 || lbnld_health_new(&fake_module, &h)) {
		CHECK(0, "all: cannot listen or start");
		return;
	}
	pthread_mutex_lock(&fm.lock);
	fm.state = fm.other = LBNL_DEST_ACTIVE;
	pthread_mutex_unlock(&fm.lock);
	fm_dests(1, port, 0);
	c[0] = local_check(LBNLD_CHECK_TCP, 0);
	c[0].all_dests = true;
	memset(&c[0].dest, 0, sizeof(c[0].dest));
	c[0].interval_ms = 30;
	c[0].timeout_ms = 20;
	c[0].rise = 2;
	c[0].fall = 2;
	c[0].on_down_flush = true;
	CHECK(!lbnld_health_configure(h, c, 1) && running_wait(h, 1, 3000),
	      "all: one dest, one check (%zu)", lbnld_health_running(h));
	fm_dests(2, port, OTHER_PORT);
	CHECK(running_wait(h, 2, 3000) && fm_wait_other(LBNL_DEST_DOWN, 3000),
	      "all: a dest added is checked: down, nobody listens (%zu, %u)",
	      lbnld_health_running(h), fm_other());
	CHECK(fm_state(NULL) == LBNL_DEST_ACTIVE,
	      "all: the dest that answers stays active");
	pthread_mutex_lock(&fm.lock);
	CHECK(fm.flushes == 1 && !fm.flushes_wrong,
	      "on-down flush: the dest set down flushed once, no other (%u, %u)",
	      fm.flushes, fm.flushes_wrong);
	pthread_mutex_unlock(&fm.lock);
	fm_dests(1, port, 0);
	CHECK(running_wait(h, 1, 3000), "all: a dest deleted loses its check (%zu)",
	      lbnld_health_running(h));
	/* Back, with a line of its own that passes: that line's. */
	fm_dests(2, port, OTHER_PORT);
	c[1] = local_check(LBNLD_CHECK_COMMAND, OTHER_PORT);
	snprintf(c[1].command, sizeof(c[1].command), "true");
	c[1].interval_ms = 30;
	c[1].timeout_ms = 20;
	CHECK(!lbnld_health_configure(h, c, 2) &&
	      fm_wait_other(LBNL_DEST_ACTIVE, 3000) && running_wait(h, 2, 3000),
	      "all: a line of its own takes the dest over (%u, %zu)",
	      fm_other(), lbnld_health_running(h));
	lbnld_health_free(h);
	close(fd);
}

int main(void)
{
	lbnl_log_init("lbnld", false, false);
	test_conf();
	test_counts();
	test_decide();
	if (lbnld_probe_init()) {
		CHECK(0, "libcurl cannot be initialized");
	} else {
		test_connect(LBNLD_CHECK_TCP, IPPROTO_TCP);
		test_connect(LBNLD_CHECK_SCTP, IPPROTO_SCTP);
		test_http();
		test_https();
		test_command();
		test_threads();
		test_all();
		lbnld_probe_cleanup();
	}
	printf("test_health: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
