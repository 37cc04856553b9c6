// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the control protocol (lib/ctl.c) over loopback TLS: every
 * message type round trip, the peers' identities (role, addresses),
 * certificates refused (expired, of an unknown CA, without a role, the
 * wrong role), a truncated frame, an overlong length, an unknown version,
 * missing required fields, key files (mode, owner), and the
 * pre-authentication gate (a handshake that does not finish, too many at
 * once, too many bytes). Test certificates are made with mkcert.sh (next
 * to this program) in a temporary directory. Prints one line per failure;
 * exit status 0 if all passed.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libgen.h>
#include <poll.h>
#include <time.h>

#include "check.h"
#include "ctl.h"

int lbnl_ctl_test_send_unchecked(struct lbnl_ctl_conn *c,
				 const struct lbnl_ctl_msg *m, int timeout_ms);

static int lfd;
static struct lbnl_endpoint lep;

static char dir[] = "/tmp/test_ctl.XXXXXX";
static char mkcert[512];

struct acceptor {
	struct lbnl_ctl_tls *tls;
	struct lbnl_ctl_conn *conn;
	int ret;
	char err[512];
};

static void *accept_thread(void *arg)
{
	struct acceptor *a = arg;
	int fd = accept(lfd, NULL, NULL);

	a->ret = lbnl_ctl_accept(fd, a->tls, 2000, &a->conn, a->err,
				 sizeof(a->err));
	return NULL;
}

/* A connected pair: client with ctls, server with stls. */
static int pair(struct lbnl_ctl_tls *ctls, struct lbnl_ctl_tls *stls,
		struct lbnl_ctl_conn **cli, struct lbnl_ctl_conn **srv)
{
	struct acceptor a = { .tls = stls };
	char err[512];
	pthread_t t;
	int ret;

	pthread_create(&t, NULL, accept_thread, &a);
	ret = lbnl_ctl_connect(&lep, ctls, LBNL_CTL_ROLE_NONE, 2000, cli,
			       err, sizeof(err));
	pthread_join(t, NULL);
	if (!ret && a.ret)
		lbnl_ctl_close(*cli);
	if (ret && !a.ret)
		lbnl_ctl_close(a.conn);
	CHECK(!ret && !a.ret, "handshake: %s / %s", ret ? err : "",
	      a.ret ? a.err : "");
	*srv = a.conn;
	return ret || a.ret ? -1 : 0;
}

static void set_assoc(struct lbnl_assoc_key *k)
{
	lbnl_parse_addr("192.0.2.2", &k->laddr);
	k->lport = 3868;
	lbnl_parse_addr("2001:db8::7", &k->paddr);
	k->pport = 40001;
}

static void full_msg(struct lbnl_ctl_msg *m, uint8_t type)
{
	static char state[] = "{\"version\":1}";
	static unsigned char blob[] = { 0, 1, 2, 255 };

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS |
		 LBNL_CTL_HAS_VIP | LBNL_CTL_HAS_ASSOC | LBNL_CTL_HAS_TARGET |
		 LBNL_CTL_HAS_DEADLINE | LBNL_CTL_HAS_REPLY_PORT |
		 LBNL_CTL_HAS_COMMIT | LBNL_CTL_HAS_STATE | LBNL_CTL_HAS_BLOB |
		 LBNL_CTL_HAS_SOURCE;
	m->session = 0x123456789abcULL + type;
	m->status = -EBUSY;
	snprintf(m->reason, sizeof(m->reason), "reason of %u", type);
	lbnl_parse_addr("2001:db8:10::2", &m->vip.addr);
	m->vip.port = 3869;
	m->vip.proto = 132;
	m->vtag = 0xdeadbeef;
	set_assoc(&m->assoc);
	lbnl_parse_addr("203.0.113.11", &m->source.addr);
	m->source.port = 3867;
	lbnl_parse_addr("203.0.113.12", &m->target.addr);
	m->target.port = 3868;
	lbnl_parse_addr("203.0.113.12", &m->target_agent.addr);
	m->target_agent.port = 7342;
	m->deadline_ms = 4321;
	m->reply_port = 7341;
	m->commit = true;
	m->state = state;
	m->state_len = strlen(state);
	m->blob = blob;
	m->blob_len = sizeof(blob);
}

static void round_trip(struct lbnl_ctl_tls *lb, struct lbnl_ctl_tls *srv1)
{
	struct lbnl_ctl_conn *c, *s;
	struct lbnl_ctl_msg m, r;
	struct lbnl_addr a1, a3;
	uint8_t type;

	if (pair(lb, srv1, &c, &s))
		return;
	lbnl_parse_addr("127.0.0.1", &a1);
	lbnl_parse_addr("127.0.0.3", &a3);
	CHECK(lbnl_ctl_peer_role(s) == LBNL_CTL_ROLE_LBNLD &&
	      lbnl_ctl_peer_role(c) == LBNL_CTL_ROLE_AGENT &&
	      lbnl_ctl_peer_names(c, &a1) && !lbnl_ctl_peer_names(c, &a3) &&
	      !lbnl_ctl_peer_names(s, &a1),
	      "identities: server sees %s, client sees %s",
	      lbnl_ctl_peer(s), lbnl_ctl_peer(c));
	CHECK(lbnl_ctl_tls_names(srv1, &a1) && !lbnl_ctl_tls_names(srv1, &a3),
	      "own names");
	for (type = LBNL_CTL_MIGRATE; type < __LBNL_CTL_TYPE_MAX; type++) {
		int err;

		full_msg(&m, type);
		err = lbnl_ctl_send(c, &m, 1000);
		CHECK(!err, "send %s: %s", lbnl_ctl_type_name(type),
		      lbnl_ctl_error(c));
		err = lbnl_ctl_recv(s, &r, 1000);
		CHECK(!err, "recv %s: %s", lbnl_ctl_type_name(type),
		      lbnl_ctl_error(s));
		if (err)
			break;
		CHECK(r.type == type && r.has == m.has &&
		      r.session == m.session && r.status == m.status &&
		      !strcmp(r.reason, m.reason) && r.vtag == m.vtag &&
		      lbnl_addr_equal(&r.vip.addr, &m.vip.addr) &&
		      r.vip.port == m.vip.port && r.vip.proto == 132 &&
		      lbnl_addr_equal(&r.assoc.laddr, &m.assoc.laddr) &&
		      lbnl_addr_equal(&r.assoc.paddr, &m.assoc.paddr) &&
		      r.assoc.lport == 3868 && r.assoc.pport == 40001 &&
		      lbnl_addr_equal(&r.target.addr, &m.target.addr) &&
		      lbnl_addr_equal(&r.source.addr, &m.source.addr) &&
		      r.source.port == 3867 &&
		      r.target.port == 3868 && r.target_agent.port == 7342 &&
		      r.deadline_ms == 4321 && r.reply_port == 7341 &&
		      r.commit && r.state_len == m.state_len &&
		      !strcmp(r.state, m.state) && r.blob_len == 4 &&
		      !memcmp(r.blob, m.blob, 4),
		      "%s differs after the round trip",
		      lbnl_ctl_type_name(type));
		lbnl_ctl_msg_free(&r);
		/* And back (the other direction's key). */
		full_msg(&m, type);
		m.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS |
			LBNL_CTL_HAS_COMMIT;
		if (type == LBNL_CTL_MIGRATE || type == LBNL_CTL_TRANSFER ||
		    type == LBNL_CTL_RESULT)
			continue;
		err = lbnl_ctl_send(s, &m, 1000);
		CHECK(!err, "send back %s: %s", lbnl_ctl_type_name(type),
		      lbnl_ctl_error(s));
		err = lbnl_ctl_recv(c, &r, 1000);
		CHECK(!err && r.type == type && r.session == m.session,
		      "recv back %s: %s", lbnl_ctl_type_name(type),
		      lbnl_ctl_error(c));
		lbnl_ctl_msg_free(&r);
	}
	CHECK(strstr(lbnl_ctl_peer(s), "(lb lb)") != NULL &&
	      strstr(lbnl_ctl_peer(c), "(agent srv1)") != NULL, "peer '%s'",
	      lbnl_ctl_peer(s));
	/* A timeout leaves the connection usable. */
	CHECK(lbnl_ctl_recv(s, &r, 50) == -ETIMEDOUT, "no timeout");
	full_msg(&m, LBNL_CTL_DECISION);
	CHECK(!lbnl_ctl_send(c, &m, 1000) && !lbnl_ctl_recv(s, &r, 1000),
	      "not usable after a timeout: %s", lbnl_ctl_error(s));
	lbnl_ctl_msg_free(&r);
	lbnl_ctl_close(c);
	lbnl_ctl_close(s);
}

/* Send m (or raw bytes) on a new pair; the server's recv must fail. */
static void expect_reject(struct lbnl_ctl_tls *ctls,
			  struct lbnl_ctl_tls *stls,
			  const void *raw, size_t raw_len, int want,
			  const char *want_text, const char *what)
{
	struct lbnl_ctl_conn *c, *s;
	struct lbnl_ctl_msg m;
	int err;

	if (pair(ctls, stls, &c, &s))
		return;
	if (raw) {
		lbnl_ctl_send_raw(c, raw, raw_len, 1000);
	} else {
		full_msg(&m, LBNL_CTL_DECISION);
		lbnl_ctl_send(c, &m, 1000);
	}
	lbnl_ctl_close(c);	/* a truncated frame ends here */
	err = lbnl_ctl_recv(s, &m, 1000);
	CHECK(err == want, "%s: recv %d, wanted %d (%s)", what, err, want,
	      lbnl_ctl_error(s));
	CHECK(strstr(lbnl_ctl_error(s), want_text) != NULL,
	      "%s: error '%s' lacks '%s'", what, lbnl_ctl_error(s),
	      want_text);
	CHECK(lbnl_ctl_recv(s, &m, 100) == -ENOTCONN,
	      "%s: usable after the rejection", what);
	lbnl_ctl_close(s);
}

/*
 * A handshake that must fail: client ctls (wanting want), server stls;
 * the side that refuses says why (its error has want_text).
 */
static void expect_refused(struct lbnl_ctl_tls *ctls,
			   struct lbnl_ctl_tls *stls, enum lbnl_ctl_role want,
			   const char *want_text, const char *what)
{
	struct acceptor a = { .tls = stls };
	struct lbnl_ctl_conn *c = NULL;
	struct lbnl_ctl_msg m;
	char err[512] = "";
	pthread_t t;
	int ret;

	pthread_create(&t, NULL, accept_thread, &a);
	ret = lbnl_ctl_connect(&lep, ctls, want, 2000, &c, err, sizeof(err));
	if (!ret) {
		/* TLS 1.3: the server checks the client's after. */
		full_msg(&m, LBNL_CTL_DECISION);
		lbnl_ctl_send(c, &m, 1000);
		ret = lbnl_ctl_recv(c, &m, 1000);
		snprintf(err, sizeof(err), "%s", lbnl_ctl_error(c));
		lbnl_ctl_close(c);
	}
	pthread_join(t, NULL);
	if (!a.ret)
		lbnl_ctl_close(a.conn);
	CHECK(ret && (a.ret || want), "%s: not refused (%d/%d)", what, ret,
	      a.ret);
	CHECK(strstr(err, want_text) || strstr(a.err, want_text),
	      "%s: errors '%s' / '%s' lack '%s'", what, err, a.err,
	      want_text);
}

static void attacks(struct lbnl_ctl_tls *lb, struct lbnl_ctl_tls *srv1,
		    struct lbnl_ctl_tls *expired, struct lbnl_ctl_tls *alien)
{
	struct lbnl_ctl_conn *c, *s;
	struct lbnl_ctl_msg m, r;
	const unsigned char *f;
	unsigned char *frame, bad[64];
	size_t len;

	/* Certificates. */
	expect_refused(expired, srv1, LBNL_CTL_ROLE_NONE,
		       "certificate verify failed: certificate has expired",
		       "expired client certificate");
	expect_refused(lb, expired, LBNL_CTL_ROLE_NONE,
		       "certificate verify failed: certificate has expired",
		       "expired server certificate");
	expect_refused(alien, srv1, LBNL_CTL_ROLE_NONE,
		       "certificate verify failed: unable to get local issuer",
		       "client certificate of another CA");
	expect_refused(lb, alien, LBNL_CTL_ROLE_NONE,
		       "certificate verify failed: unable to get local issuer",
		       "server certificate of another CA");
	expect_refused(lb, srv1, LBNL_CTL_ROLE_LBNLD,
		       "certificate of an agent, not of an lb",
		       "an agent where an LB is wanted");

	/* A frame to copy. */
	if (pair(lb, srv1, &c, &s))
		return;
	full_msg(&m, LBNL_CTL_DECISION);
	lbnl_ctl_send(c, &m, 1000);
	lbnl_ctl_last_frame(c, &f, &len);
	frame = malloc(len);
	memcpy(frame, f, len);
	CHECK(!lbnl_ctl_recv(s, &r, 1000), "first: %s", lbnl_ctl_error(s));
	lbnl_ctl_msg_free(&r);
	lbnl_ctl_close(c);
	lbnl_ctl_close(s);

	/* Truncated: half a frame, then closed. */
	expect_reject(lb, srv1, frame, len / 2, -ECONNRESET, "truncated",
		      "truncated frame");
	/* Unknown version. */
	frame[4] = LBNL_CTL_VERSION + 1;
	expect_reject(lb, srv1, frame, len, -EPROTONOSUPPORT,
		      "not supported", "next version");
	free(frame);
	/* Overlong length. */
	memset(bad, 0, sizeof(bad));
	bad[1] = 0x20;	/* 2 MiB */
	expect_reject(lb, srv1, bad, sizeof(bad), -EBADMSG, "frame too long",
		      "overlong length");

	/* Required fields: send refuses, recv rejects. */
	if (pair(lb, srv1, &c, &s))
		return;
	full_msg(&m, LBNL_CTL_MIGRATE);
	m.has &= ~LBNL_CTL_HAS_DEADLINE;
	CHECK(lbnl_ctl_send(c, &m, 1000) == -EINVAL &&
	      strstr(lbnl_ctl_error(c), "without deadline"),
	      "migrate without deadline sent: %s", lbnl_ctl_error(c));
	CHECK(!lbnl_ctl_test_send_unchecked(c, &m, 1000), "unchecked send");
	CHECK(lbnl_ctl_recv(s, &r, 1000) == -EBADMSG &&
	      strstr(lbnl_ctl_error(s), "migrate message without deadline"),
	      "migrate without deadline accepted: %s", lbnl_ctl_error(s));
	lbnl_ctl_close(c);
	lbnl_ctl_close(s);
	if (pair(lb, srv1, &c, &s))
		return;
	full_msg(&m, LBNL_CTL_TRANSFER);
	m.has &= ~LBNL_CTL_HAS_SOURCE;
	CHECK(!lbnl_ctl_test_send_unchecked(c, &m, 1000), "unchecked send");
	CHECK(lbnl_ctl_recv(s, &r, 1000) == -EBADMSG &&
	      strstr(lbnl_ctl_error(s), "transfer message without source"),
	      "transfer without source accepted: %s", lbnl_ctl_error(s));
	lbnl_ctl_close(c);
	lbnl_ctl_close(s);
	if (pair(lb, srv1, &c, &s))
		return;
	full_msg(&m, LBNL_CTL_RESULT);
	m.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS;
	CHECK(!lbnl_ctl_test_send_unchecked(c, &m, 1000), "unchecked send");
	CHECK(lbnl_ctl_recv(s, &r, 1000) == -EBADMSG &&
	      strstr(lbnl_ctl_error(s), "result message without vip"),
	      "result without vip accepted: %s", lbnl_ctl_error(s));
	lbnl_ctl_close(c);
	lbnl_ctl_close(s);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static struct lbnl_ctl_tls *load(const char *cadir, const char *name)
{
	char ca[300], cert[300], key[300], err[512];
	struct lbnl_ctl_tls *t;

	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/%s.pem", cadir, name);
	snprintf(key, sizeof(key), "%s/%s.key", cadir, name);
	if (lbnl_ctl_tls_load(ca, cert, key, &t, err, sizeof(err))) {
		CHECK(0, "load %s: %s", name, err);
		return NULL;
	}
	return t;
}

/* Key and certificate files: what is refused, and why. */
static void key_files(void)
{
	char ca[300], cert[300], key[300], err[512];
	struct lbnl_ctl_tls *t = NULL;

	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/srv1.pem", dir);
	snprintf(key, sizeof(key), "%s/srv1.key", dir);

	chmod(key, 0640);
	CHECK(lbnl_ctl_tls_load(ca, cert, key, &t, err, sizeof(err)) &&
	      strstr(err, "readable by others"), "group-readable: '%s'", err);
	chmod(key, 0600);
	if (!geteuid()) {
		/* Neither the euid's nor root's. */
		CHECK(!chown(key, 65534, 65534), "chown");
		CHECK(lbnl_ctl_tls_load(ca, cert, key, &t, err, sizeof(err)) &&
		      strstr(err, "owned by uid 65534"),
		      "owned by another user: '%s'", err);
		CHECK(!chown(key, 0, 0), "chown back");
	} else {
		printf("test_ctl: not root: the owner check is not tested\n");
	}
	CHECK(!lbnl_ctl_tls_load(ca, cert, key, &t, err, sizeof(err)),
	      "srv1: %s", err);
	lbnl_ctl_tls_put(t);

	snprintf(key, sizeof(key), "%s/srv3.key", dir);
	CHECK(lbnl_ctl_tls_load(ca, cert, key, &t, err, sizeof(err)) &&
	      strstr(err, "not the key of"), "another's key: '%s'", err);
	snprintf(cert, sizeof(cert), "%s/norole.pem", dir);
	snprintf(key, sizeof(key), "%s/norole.key", dir);
	CHECK(lbnl_ctl_tls_load(ca, cert, key, &t, err, sizeof(err)) &&
	      strstr(err, "names no role"), "no role: '%s'", err);
	snprintf(key, sizeof(key), "%s/missing", dir);
	CHECK(lbnl_ctl_tls_load(ca, cert, key, &t, err, sizeof(err)) &&
	      strstr(err, "No such file"), "missing: '%s'", err);
}

/* The gate: what it passes on. */
static struct {
	pthread_mutex_t lock;
	int got;
	char peer[128];
} gated = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_gate(struct lbnl_ctl_conn *c, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gated.lock);
	gated.got++;
	snprintf(gated.peer, sizeof(gated.peer), "%s", lbnl_ctl_peer(c));
	pthread_mutex_unlock(&gated.lock);
	lbnl_ctl_close(c);
}

static int tcp_to(const struct lbnl_endpoint *ep)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr = ep->addr.v4;
	sin.sin_port = htons(ep->port);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the daemon closed fd (within ms). */
static bool closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	while (poll(&p, 1, ms) > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return true;
	}
	return false;
}

static void *gate_accepts(void *arg)
{
	struct lbnl_ctl_gate *g = arg;
	int fd;

	while ((fd = accept(lfd, NULL, NULL)) >= 0)
		lbnl_ctl_gate_add(g, fd);
	return NULL;
}

static void gate(struct lbnl_ctl_tls *lb, struct lbnl_ctl_tls *srv1)
{
	struct lbnl_ctl_gate *g;
	struct lbnl_ctl_conn *c;
	int idle[LBNL_CTL_PREAUTH_MAX + 8];
	char err[512], junk[1024];
	unsigned long st[3];
	unsigned int i, n;
	pthread_t t;
	int fd, ret;

	CHECK(!lbnl_ctl_gate_start(srv1, on_gate, NULL, &g), "gate start");
	pthread_create(&t, NULL, gate_accepts, g);

	/* An authenticated connection is passed on. */
	ret = lbnl_ctl_connect(&lep, lb, LBNL_CTL_ROLE_AGENT, 2000, &c, err,
			       sizeof(err));
	CHECK(!ret, "through the gate: %s", err);
	if (!ret)
		lbnl_ctl_close(c);
	usleep(200000);
	CHECK(gated.got == 1 && strstr(gated.peer, "(lb lb)"),
	      "gate passed %d: %s", gated.got, gated.peer);

	/* Idle: closed by the handshake deadline. */
	fd = tcp_to(&lep);
	CHECK(fd >= 0 && !closed_within(fd, LBNL_CTL_HELLO_MS - 500) &&
	      closed_within(fd, 1500), "idle connection not closed at %d ms",
	      LBNL_CTL_HELLO_MS);
	close(fd);

	/*
	 * Too many bytes before the handshake ends: a ClientHello of
	 * 100000 bytes (TLS allows it), in records of 1 KiB: closed once
	 * LBNL_CTL_PREAUTH_BYTES are read.
	 */
	fd = tcp_to(&lep);
	for (i = 0; i < 40 && fd >= 0; i++) {
		memset(junk, 0, sizeof(junk));
		junk[0] = 0x16;		/* handshake record */
		junk[1] = 3;
		junk[2] = 1;
		junk[3] = (sizeof(junk) - 5) >> 8;
		junk[4] = (sizeof(junk) - 5) & 0xff;
		if (!i) {
			junk[5] = 1;	/* ClientHello, 100000 bytes */
			junk[6] = 0x01;
			junk[7] = 0x86;
			junk[8] = 0xa0;
		}
		if (send(fd, junk, sizeof(junk), MSG_NOSIGNAL) < 0)
			break;
	}
	CHECK(fd >= 0 && closed_within(fd, 1000),
	      "40 KiB before authenticating: not closed");
	if (fd >= 0)
		close(fd);
	usleep(100000);
	lbnl_ctl_gate_stats(g, &st[0], &st[1], &st[2]);
	CHECK(st[0] == 1 && st[2] == 1,
	      "gate: %lu timed out (1), %lu too big (1)", st[0], st[2]);

	/* More than LBNL_CTL_PREAUTH_MAX (here: per address) at once. */
	n = 0;
	for (i = 0; i < LBNL_CTL_PREAUTH_MAX + 8; i++) {
		idle[i] = tcp_to(&lep);
		if (idle[i] >= 0)
			n++;
	}
	for (i = 0; i < 20; i++) {
		usleep(100000);
		lbnl_ctl_gate_stats(g, &st[0], &st[1], &st[2]);
		if (st[1] >= n - LBNL_CTL_PREAUTH_PER_ADDR)
			break;
	}
	CHECK(lbnl_ctl_gate_pending(g) <= LBNL_CTL_PREAUTH_PER_ADDR,
	      "%u handshakes pending from one address",
	      lbnl_ctl_gate_pending(g));
	lbnl_ctl_gate_stats(g, &st[0], &st[1], &st[2]);
	CHECK(st[1] >= n - LBNL_CTL_PREAUTH_PER_ADDR,
	      "gate: %lu dropped of %u", st[1], n);
	/* ... and a real one still gets through (idle ones go first). */
	ret = lbnl_ctl_connect(&lep, lb, LBNL_CTL_ROLE_AGENT, 2000, &c, err,
			       sizeof(err));
	CHECK(!ret, "through the gate while flooded: %s", err);
	if (!ret)
		lbnl_ctl_close(c);
	for (i = 0; i < LBNL_CTL_PREAUTH_MAX + 8; i++)
		if (idle[i] >= 0)
			close(idle[i]);
	usleep(200000);
	CHECK(gated.got == 2, "gate passed %d, not 2", gated.got);
	shutdown(lfd, SHUT_RDWR);
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct lbnl_ctl_tls *lb, *srv1, *expired, *alien;
	char other[300], self[512];
	socklen_t sl = sizeof(sin);

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(mkcert, sizeof(mkcert), "%s/mkcert.sh", dirname(self));
	if (!mkdtemp(dir))
		return 1;
	snprintf(other, sizeof(other), "%s/other", dir);
	if (sh("%s ca %s", mkcert, dir) ||
	    sh("%s cert %s lb lb 1", mkcert, dir) ||
	    sh("%s cert %s srv1 agent 1 127.0.0.1", mkcert, dir) ||
	    sh("%s cert %s srv3 agent 1 127.0.0.3", mkcert, dir) ||
	    sh("%s cert %s old agent -1 127.0.0.1", mkcert, dir) ||
	    sh("%s cert %s norole none 1 127.0.0.1", mkcert, dir) ||
	    sh("%s ca %s", mkcert, other) ||
	    sh("%s cert %s alien lb 1", mkcert, other)) {
		printf("test_ctl: %s failed\n", mkcert);
		return 1;
	}
	key_files();
	lb = load(dir, "lb");
	srv1 = load(dir, "srv1");
	expired = load(dir, "old");
	alien = load(other, "alien");
	if (!lb || !srv1 || !expired || !alien)
		return 1;
	CHECK(lbnl_ctl_tls_expired(expired) && !lbnl_ctl_tls_expired(lb),
	      "expiry");

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 128) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl)) {
		perror("test_ctl: listen");
		return 1;
	}
	lep.addr.family = AF_INET;
	lep.addr.v4 = sin.sin_addr;
	lep.port = ntohs(sin.sin_port);

	round_trip(lb, srv1);
	attacks(lb, srv1, expired, alien);
	gate(lb, srv1);

	close(lfd);
	sh("rm -rf %s", dir);
	printf("test_ctl: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
