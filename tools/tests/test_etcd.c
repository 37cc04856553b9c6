// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the etcd client (lib/etcd.c) against a real etcd
 * (test_etcd.sh starts one):
 *
 *	test_etcd URL           the checks; exit status 0 if all passed
 *
 * base64 both ways (binary bytes, every padding); put and range (a key,
 * a prefix in key order, at an old revision, a compacted one); a txn
 * guarded by a prefix's revision (applied at one revision, refused when
 * a key under it changed); delete; a lease (its key goes when revoked,
 * keepalive of an expired one says 0); a watch from a revision (puts and
 * a delete in order); a store that does not answer; an LB's status as
 * lbnld writes it and "lbnl group status" reads it (group_store.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etcd.h"
#include "group_store.h"
#include "check.h"

static char err[512];

static void test_base64(void)
{
	static const unsigned char bin[] = { 0, 0xff, '\n', 0x80, 'a', 0 };
	size_t n, len;
	char *enc, *dec;

	for (n = 0; n <= sizeof(bin); n++) {
		enc = lbnl_base64_encode(bin, n);
		dec = enc ? lbnl_base64_decode(enc, &len) : NULL;
		CHECK(dec && len == n && !memcmp(dec, bin, n) && !dec[n],
		      "base64 of %zu bytes: %s", n, enc ? enc : "NULL");
		free(enc);
		free(dec);
	}
	enc = lbnl_base64_encode("/lbnl/g/vips/", 13);
	CHECK(enc && !strcmp(enc, "L2xibmwvZy92aXBzLw=="), "encode: %s", enc);
	free(enc);
	CHECK(!lbnl_base64_decode("abc", &len), "3 characters decoded");
	CHECK(!lbnl_base64_decode("ab!=", &len), "'!' decoded");
}

static void test_prefix_end(void)
{
	char end[16];

	CHECK(!lbnl_etcd_prefix_end("/a/", end, sizeof(end)) &&
	      !strcmp(end, "/a0"), "prefix end of /a/: %s", end);
	CHECK(!lbnl_etcd_prefix_end("a\xff", end, sizeof(end)) &&
	      !strcmp(end, "b"), "prefix end of a\\xff: %s", end);
	CHECK(lbnl_etcd_prefix_end("0123456789abcdef", end, sizeof(end)),
	      "a prefix longer than its buffer");
}

/* lbnl_group_status_json() and _parse(): one format, both ways. */
static void test_group_status(void)
{
	struct lbnl_group_status st = {
		.revision = 42, .applied = false, .applied_revision = 41,
		.error = "revision 42 refused by the module: Error: \"x\"",
	}, back;
	char *json = lbnl_group_status_json(&st);

	CHECK(json != NULL, "status to JSON");
	if (!json)
		return;
	CHECK(!lbnl_group_status_parse(json, &back) && back.revision == 42 &&
	      !back.applied && back.applied_revision == 41 &&
	      !strcmp(back.error, st.error) && !strcmp(back.time, st.time) &&
	      strlen(back.time) == 20, "status from JSON: %s", json);
	free(json);
	CHECK(lbnl_group_status_parse("[1]", &back) == -EINVAL,
	      "a status that is not an object");
}

static void test_kv(struct lbnl_etcd *e)
{
	struct lbnl_etcd_kvs kvs;
	int64_t r1, r2, r3, n;
	int ret;

	CHECK(!lbnl_etcd_put(e, "/t/kv/b", "B1", 2, 0, &r1, err, sizeof(err)),
	      "put: %s", err);
	CHECK(!lbnl_etcd_put(e, "/t/kv/a", "", 0, 0, &r2, err, sizeof(err)),
	      "put empty: %s", err);
	CHECK(!lbnl_etcd_put(e, "/t/kv/b", "B2\n", 3, 0, &r3, err, sizeof(err)),
	      "put again: %s", err);
	CHECK(!lbnl_etcd_put(e, "/t/kw", "out", 3, 0, NULL, err, sizeof(err)),
	      "put outside: %s", err);
	CHECK(r1 < r2 && r2 < r3, "revisions %lld %lld %lld", (long long)r1,
	      (long long)r2, (long long)r3);

	ret = lbnl_etcd_range(e, "/t/kv/", true, 0, &kvs, err, sizeof(err));
	CHECK(!ret && kvs.count == 2, "range: %d %zu %s", ret, kvs.count, err);
	if (!ret && kvs.count == 2) {
		CHECK(!strcmp(kvs.kv[0].key, "/t/kv/a") && !kvs.kv[0].value_len &&
		      !strcmp(kvs.kv[0].value, ""), "first: %s", kvs.kv[0].key);
		CHECK(!strcmp(kvs.kv[1].key, "/t/kv/b") &&
		      !strcmp(kvs.kv[1].value, "B2\n") &&
		      kvs.kv[1].mod_revision == r3, "second: %s", kvs.kv[1].value);
		CHECK(kvs.revision >= r3 + 1, "range's revision %lld",
		      (long long)kvs.revision);
	}
	lbnl_etcd_kvs_free(&kvs);

	/* At r1: b's first value, no a. */
	ret = lbnl_etcd_range(e, "/t/kv/", true, r1, &kvs, err, sizeof(err));
	CHECK(!ret && kvs.count == 1 && !strcmp(kvs.kv[0].value, "B1"),
	      "range at r1: %d %zu %s", ret, kvs.count, err);
	lbnl_etcd_kvs_free(&kvs);

	ret = lbnl_etcd_range(e, "/t/kv/b", false, 0, &kvs, err, sizeof(err));
	CHECK(!ret && kvs.count == 1, "one key: %d %s", ret, err);
	lbnl_etcd_kvs_free(&kvs);
	ret = lbnl_etcd_range(e, "/t/none", false, 0, &kvs, err, sizeof(err));
	CHECK(!ret && !kvs.count && kvs.revision, "no key: %d %s", ret, err);
	lbnl_etcd_kvs_free(&kvs);

	ret = lbnl_etcd_range(e, "/t/kv/", true, r3 + 1000, &kvs, err,
			      sizeof(err));
	CHECK(ret == -ERANGE, "a future revision: %d %s", ret, err);

	CHECK(!lbnl_etcd_delete(e, "/t/kv/", true, &n, err, sizeof(err)) &&
	      n == 2, "delete prefix: %lld %s", (long long)n, err);
	ret = lbnl_etcd_range(e, "/t/k", true, 0, &kvs, err, sizeof(err));
	CHECK(!ret && kvs.count == 1 && !strcmp(kvs.kv[0].key, "/t/kw"),
	      "after delete: %zu", kvs.count);
	lbnl_etcd_kvs_free(&kvs);
}

static void test_txn(struct lbnl_etcd *e)
{
	struct lbnl_etcd_txn *t;
	struct lbnl_etcd_kvs kvs;
	int64_t base, rev;
	bool ok = false;
	int ret;

	lbnl_etcd_put(e, "/t/x/old", "o", 1, 0, NULL, err, sizeof(err));
	ret = lbnl_etcd_range(e, "/t/x/", true, 0, &kvs, err, sizeof(err));
	base = kvs.revision;
	lbnl_etcd_kvs_free(&kvs);

	CHECK(!lbnl_etcd_txn_new(&t), "txn_new");
	CHECK(!lbnl_etcd_txn_guard(t, "/t/x/", base + 1) &&
	      !lbnl_etcd_txn_delete(t, "/t/x/old") &&
	      !lbnl_etcd_txn_put(t, "/t/x/n1", "1", 1) &&
	      !lbnl_etcd_txn_put(t, "/t/x/n2", "2", 1), "txn ops");
	ret = lbnl_etcd_txn_commit(e, t, &ok, &rev, err, sizeof(err));
	CHECK(!ret && ok && rev == base + 1, "txn: %d %d %lld %s", ret, ok,
	      (long long)rev, err);
	ret = lbnl_etcd_range(e, "/t/x/", true, 0, &kvs, err, sizeof(err));
	CHECK(!ret && kvs.count == 2 && kvs.kv[0].mod_revision == rev &&
	      kvs.kv[1].mod_revision == rev, "one revision: %zu", kvs.count);
	lbnl_etcd_kvs_free(&kvs);

	/* The same again: its guard (nothing changed since base) fails. */
	ret = lbnl_etcd_txn_commit(e, t, &ok, &rev, err, sizeof(err));
	CHECK(!ret && !ok, "a stale txn applied: %d %s", ret, err);
	lbnl_etcd_txn_free(t);
}

static void test_lease(struct lbnl_etcd *e)
{
	struct lbnl_etcd_kvs kvs;
	int64_t lease = 0, ttl = -1;
	int ret;

	ret = lbnl_etcd_lease_grant(e, 10, &lease, err, sizeof(err));
	CHECK(!ret && lease, "grant: %d %s", ret, err);
	CHECK(!lbnl_etcd_put(e, "/t/lease", "x", 1, lease, NULL, err,
			     sizeof(err)), "put with lease: %s", err);
	ret = lbnl_etcd_lease_keepalive(e, lease, &ttl, err, sizeof(err));
	CHECK(!ret && ttl > 5 && ttl <= 10, "keepalive: %d ttl %lld %s", ret,
	      (long long)ttl, err);
	ret = lbnl_etcd_range(e, "/t/lease", false, 0, &kvs, err, sizeof(err));
	CHECK(!ret && kvs.count == 1 && kvs.kv[0].lease == lease,
	      "leased key: %zu", kvs.count);
	lbnl_etcd_kvs_free(&kvs);
	CHECK(!lbnl_etcd_lease_revoke(e, lease, err, sizeof(err)),
	      "revoke: %s", err);
	ret = lbnl_etcd_range(e, "/t/lease", false, 0, &kvs, err, sizeof(err));
	CHECK(!ret && !kvs.count, "the key outlived its lease: %zu", kvs.count);
	lbnl_etcd_kvs_free(&kvs);
	ret = lbnl_etcd_lease_keepalive(e, lease, &ttl, err, sizeof(err));
	CHECK(!ret && ttl == 0, "keepalive of a revoked lease: %d ttl %lld %s",
	      ret, (long long)ttl, err);
}

struct seen {
	char log[512];
	int n;
};

static int on_event(const struct lbnl_etcd_kv *kv, int64_t revision,
		    void *arg)
{
	struct seen *s = arg;
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "%s=%s@%d ", kv->key,
		 kv->value ? kv->value : "(deleted)", revision > 0);
	return ++s->n == 3 ? 1 : 0;
}

static void test_watch(struct lbnl_etcd *e, const struct lbnl_etcd_conf *c)
{
	struct seen s = { "", 0 };
	int64_t start;
	int ret;

	lbnl_etcd_put(e, "/t/w/a", "1", 1, 0, &start, err, sizeof(err));
	lbnl_etcd_put(e, "/t/wx", "no", 2, 0, NULL, err, sizeof(err));
	lbnl_etcd_put(e, "/t/w/b", "2", 1, 0, NULL, err, sizeof(err));
	lbnl_etcd_delete(e, "/t/w/a", false, NULL, err, sizeof(err));
	/* From start: the history, then it ends at the third event. */
	ret = lbnl_etcd_watch(c, "/t/w/", start, on_event, &s, err,
			      sizeof(err));
	CHECK(ret == 1 && !strcmp(s.log, "/t/w/a=1@1 /t/w/b=2@1 /t/w/a=(deleted)@1 "),
	      "watch: %d %s (%s)", ret, s.log, err);
}

static void test_unreachable(const struct lbnl_etcd_conf *c)
{
	struct lbnl_etcd_conf dead = *c;
	struct lbnl_etcd_kvs kvs;
	struct lbnl_etcd *e;
	int ret;

	/* Port 1 on 127.0.0.1: refused at once. */
	snprintf(dead.url, sizeof(dead.url), "http://127.0.0.1:1");
	CHECK(!lbnl_etcd_open(&dead, &e), "open");
	ret = lbnl_etcd_range(e, "/t/", true, 0, &kvs, err, sizeof(err));
	CHECK(ret == -EIO && strstr(err, "http://127.0.0.1:1"),
	      "unreachable: %d %s", ret, err);
	lbnl_etcd_close(e);
}

int main(int argc, char **argv)
{
	struct lbnl_etcd_conf c = { .timeout_ms = 2000 };
	struct lbnl_etcd *e;

	if (argc != 2) {
		fprintf(stderr, "usage: test_etcd URL\n");
		return 2;
	}
	test_base64();
	test_prefix_end();
	test_group_status();
	snprintf(c.url, sizeof(c.url), "%s", argv[1]);
	if (lbnl_etcd_open(&c, &e)) {
		printf("FAIL: lbnl_etcd_open\n");
		return 1;
	}
	test_kv(e);
	test_txn(e);
	test_lease(e);
	test_watch(e, &c);
	test_unreachable(&c);
	lbnl_etcd_close(e);
	printf("test_etcd: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
