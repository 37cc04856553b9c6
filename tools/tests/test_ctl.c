// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the control protocol (lib/ctl.c) over loopback TCP: every
 * message type round trip, a wrong key, a replayed frame, frames of
 * another connection, a truncated frame, an overlong length, an unknown
 * version, missing required fields, and key files. Prints one line per
 * failure; exit status 0 if all passed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "ctl.h"

int lbnl_ctl_test_send_unchecked(struct lbnl_ctl_conn *c,
				 const struct lbnl_ctl_msg *m, int timeout_ms);

static int lfd;
static struct lbnl_endpoint lep;

struct acceptor {
	const struct lbnl_ctl_key *key;
	struct lbnl_ctl_conn *conn;
	int ret;
	char err[512];
};

static void *accept_thread(void *arg)
{
	struct acceptor *a = arg;
	int fd = accept(lfd, NULL, NULL);

	a->ret = lbnl_ctl_accept(fd, a->key, LBNL_CTL_ROLE_AGENT, "srv",
				 2000, &a->conn, a->err, sizeof(a->err));
	return NULL;
}

/* A connected pair: client with ckey, server with skey. */
static int pair(const struct lbnl_ctl_key *ckey,
		const struct lbnl_ctl_key *skey, struct lbnl_ctl_conn **cli,
		struct lbnl_ctl_conn **srv)
{
	struct acceptor a = { .key = skey };
	char err[512];
	pthread_t t;
	int ret;

	pthread_create(&t, NULL, accept_thread, &a);
	ret = lbnl_ctl_connect(&lep, ckey, LBNL_CTL_ROLE_LBNLD, "lb", 2000,
			       cli, err, sizeof(err));
	pthread_join(t, NULL);
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
		 LBNL_CTL_HAS_COMMIT | LBNL_CTL_HAS_STATE | LBNL_CTL_HAS_BLOB;
	m->session = 0x123456789abcULL + type;
	m->status = -EBUSY;
	snprintf(m->reason, sizeof(m->reason), "reason of %u", type);
	lbnl_parse_addr("2001:db8:10::2", &m->vip.addr);
	m->vip.port = 3869;
	m->vip.proto = 132;
	m->vtag = 0xdeadbeef;
	set_assoc(&m->assoc);
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

static void round_trip(const struct lbnl_ctl_key *key)
{
	struct lbnl_ctl_conn *c, *s;
	struct lbnl_ctl_msg m, r;
	uint8_t type;

	if (pair(key, key, &c, &s))
		return;
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
	CHECK(strstr(lbnl_ctl_peer(s), "(lbnld lb)") != NULL, "peer '%s'",
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
static void expect_reject(const struct lbnl_ctl_key *ckey,
			  const struct lbnl_ctl_key *skey,
			  const void *raw, size_t raw_len, int want,
			  const char *want_text, const char *what)
{
	struct lbnl_ctl_conn *c, *s;
	struct lbnl_ctl_msg m;
	int err;

	if (pair(ckey, skey, &c, &s))
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

static void attacks(const struct lbnl_ctl_key *key)
{
	struct lbnl_ctl_key other = { .len = 32 };
	struct lbnl_ctl_conn *c, *s;
	struct lbnl_ctl_msg m, r;
	const unsigned char *f;
	unsigned char *frame, bad[64];
	size_t len;

	randombytes_buf(other.bytes, other.len);
	expect_reject(key, &other, NULL, 0, -EBADMSG, "bad MAC", "other key");

	/* The same frame twice on one connection. */
	if (pair(key, key, &c, &s))
		return;
	full_msg(&m, LBNL_CTL_DECISION);
	lbnl_ctl_send(c, &m, 1000);
	lbnl_ctl_last_frame(c, &f, &len);
	frame = malloc(len);
	memcpy(frame, f, len);
	CHECK(!lbnl_ctl_recv(s, &r, 1000), "first: %s", lbnl_ctl_error(s));
	lbnl_ctl_msg_free(&r);
	lbnl_ctl_send_raw(c, frame, len, 1000);
	CHECK(lbnl_ctl_recv(s, &r, 1000) == -EBADMSG &&
	      strstr(lbnl_ctl_error(s), "frame 1: expected sequence 2"),
	      "replay accepted: %s", lbnl_ctl_error(s));
	lbnl_ctl_close(c);
	lbnl_ctl_close(s);

	/* Recorded on that connection, replayed on a new one. */
	expect_reject(key, key, frame, len, -EBADMSG, "bad MAC",
		      "another connection's frame");
	/* Truncated: half a frame, then closed. */
	expect_reject(key, key, frame, len / 2, -ECONNRESET, "truncated",
		      "truncated frame");
	/* Unknown version. */
	frame[4] = 2;
	expect_reject(key, key, frame, len, -EPROTONOSUPPORT,
		      "version 2 not supported", "version 2");
	free(frame);
	/* Overlong length. */
	memset(bad, 0, sizeof(bad));
	bad[1] = 0x20;	/* 2 MiB */
	expect_reject(key, key, bad, sizeof(bad), -EBADMSG, "frame too long",
		      "overlong length");

	/* Required fields: send refuses, recv rejects. */
	if (pair(key, key, &c, &s))
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
	if (pair(key, key, &c, &s))
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

static int write_key(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

static void key_files(const char *dir, struct lbnl_ctl_key *key)
{
	char path[256], err[512], hex[2 * 40 + 2];
	unsigned char raw[40];
	struct lbnl_ctl_key k;

	snprintf(path, sizeof(path), "%s/key", dir);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	strcat(hex, "\n");
	write_key(path, hex, 0600);
	CHECK(!lbnl_ctl_key_load(path, key, err, sizeof(err)) &&
	      key->len == 40 && !memcmp(key->bytes, raw, 40),
	      "40-byte key: %s", err);

	write_key(path, hex, 0640);
	CHECK(lbnl_ctl_key_load(path, &k, err, sizeof(err)) &&
	      strstr(err, "readable by others"), "group-readable: '%s'", err);

	hex[62] = '\n';
	hex[63] = '\0';	/* 31 bytes */
	write_key(path, hex, 0600);
	CHECK(lbnl_ctl_key_load(path, &k, err, sizeof(err)) &&
	      strstr(err, "too short"), "31 bytes: '%s'", err);

	write_key(path, "zz\n", 0600);
	CHECK(lbnl_ctl_key_load(path, &k, err, sizeof(err)) &&
	      strstr(err, "hex"), "not hex: '%s'", err);

	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(lbnl_ctl_key_load(path, &k, err, sizeof(err)) &&
	      strstr(err, "No such file"), "missing: '%s'", err);
}

int main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char dir[] = "/tmp/test_ctl.XXXXXX", path[64];
	struct lbnl_ctl_key key;
	socklen_t sl = sizeof(sin);

	if (!mkdtemp(dir) || sodium_init() < 0)
		return 1;
	key_files(dir, &key);
	if (!key.len)
		return 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 8) || getsockname(lfd, (struct sockaddr *)&sin, &sl)) {
		perror("test_ctl: listen");
		return 1;
	}
	lep.addr.family = AF_INET;
	lep.addr.v4 = sin.sin_addr;
	lep.port = ntohs(sin.sin_port);

	round_trip(&key);
	attacks(&key);

	close(lfd);
	snprintf(path, sizeof(path), "%s/key", dir);
	unlink(path);
	rmdir(dir);
	printf("test_ctl: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
