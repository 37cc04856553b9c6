/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small etcd v3 client over etcd's JSON gateway (grpc-gateway, served
 * on the client URL under /v3/ by etcd 3.4, Debian 12's etcd-server):
 * range, put, delete, txn, leases and watch, with libcurl and jansson.
 * The gateway carries keys and values as base64 and 64-bit integers as
 * JSON strings; this API takes and gives plain bytes and int64_t.
 *
 * One struct lbnl_etcd is one connection (a curl handle, kept alive
 * between requests): one thread at a time. Every call returns 0 or a
 * negative errno and, on failure, a readable reason in err:
 *   -EIO        the store could not be reached (or no reply in time)
 *   -EPROTO     a reply that is not what etcd sends
 *   -ERANGE     the revision asked for is compacted (or in the future)
 *   -EINVAL     etcd refused the request (its message in err)
 *   -ENOMEM
 */
#ifndef LBNL_ETCD_H
#define LBNL_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LBNL_ETCD_URL_MAX	256
#define LBNL_ETCD_PATH_MAX	4096

struct lbnl_etcd_conf {
	char url[LBNL_ETCD_URL_MAX];	/* http://HOST:PORT or https:// */
	char ca_file[LBNL_ETCD_PATH_MAX];	/* "": the system's CAs */
	char cert_file[LBNL_ETCD_PATH_MAX];	/* "": no client certificate */
	char key_file[LBNL_ETCD_PATH_MAX];
	unsigned int timeout_ms;	/* per request; 0: 2000 */
};

struct lbnl_etcd;

int lbnl_etcd_open(const struct lbnl_etcd_conf *conf, struct lbnl_etcd **ep);
void lbnl_etcd_close(struct lbnl_etcd *e);

/* A key and its value (value NUL-terminated too: a text). */
struct lbnl_etcd_kv {
	char *key;
	char *value;
	size_t value_len;
	int64_t mod_revision;
	int64_t lease;
};

struct lbnl_etcd_kvs {
	int64_t revision;		/* the store's, the read's */
	struct lbnl_etcd_kv *kv;	/* in key order */
	size_t count;
};

void lbnl_etcd_kvs_free(struct lbnl_etcd_kvs *kvs);

/* The end of the range of every key starting with prefix (etcd's rule). */
int lbnl_etcd_prefix_end(const char *prefix, char *end, size_t len);

/*
 * The keys starting with prefix (or the key itself if exact), at revision
 * (0: the latest).
 */
int lbnl_etcd_range(struct lbnl_etcd *e, const char *key, bool prefix,
		    int64_t revision, struct lbnl_etcd_kvs *out,
		    char *err, size_t errlen);

/* lease 0: none. revision (may be NULL): the put's. */
int lbnl_etcd_put(struct lbnl_etcd *e, const char *key, const char *value,
		  size_t value_len, int64_t lease, int64_t *revision,
		  char *err, size_t errlen);

int lbnl_etcd_delete(struct lbnl_etcd *e, const char *key, bool prefix,
		     int64_t *deleted, char *err, size_t errlen);

/*
 * A transaction: if every key under the guard's prefix was last changed
 * before revision guard_below (none created or changed since), its puts
 * and deletes are applied at one revision. Built, then committed.
 */
struct lbnl_etcd_txn;

int lbnl_etcd_txn_new(struct lbnl_etcd_txn **tp);
void lbnl_etcd_txn_free(struct lbnl_etcd_txn *t);
int lbnl_etcd_txn_guard(struct lbnl_etcd_txn *t, const char *prefix,
			int64_t guard_below);
int lbnl_etcd_txn_put(struct lbnl_etcd_txn *t, const char *key,
		      const char *value, size_t value_len);
int lbnl_etcd_txn_delete(struct lbnl_etcd_txn *t, const char *key);
/* *succeeded false: the guard failed, nothing was written. */
int lbnl_etcd_txn_commit(struct lbnl_etcd *e, struct lbnl_etcd_txn *t,
			 bool *succeeded, int64_t *revision,
			 char *err, size_t errlen);

/* Leases: a key put under one goes when it is neither kept alive nor revoked. */
int lbnl_etcd_lease_grant(struct lbnl_etcd *e, unsigned int ttl_s,
			  int64_t *lease, char *err, size_t errlen);
/* *ttl_s: what is left; 0: the lease has expired (grant another). */
int lbnl_etcd_lease_keepalive(struct lbnl_etcd *e, int64_t lease,
			      int64_t *ttl_s, char *err, size_t errlen);
int lbnl_etcd_lease_revoke(struct lbnl_etcd *e, int64_t lease,
			   char *err, size_t errlen);

/*
 * Watch the keys under prefix from revision start (0: from now), as a
 * streaming response: on_event is called for each change, in order, with
 * kv->value NULL for a deletion; a non-zero return ends the watch (and
 * is returned). Returns when the stream ends (-EIO), when etcd cancels
 * it (-ERANGE if start is compacted), or on_event's value. Its own
 * connection: no timeout but the stream's.
 */
typedef int (*lbnl_etcd_event_fn)(const struct lbnl_etcd_kv *kv,
				  int64_t revision, void *arg);
int lbnl_etcd_watch(const struct lbnl_etcd_conf *conf, const char *prefix,
		    int64_t start, lbnl_etcd_event_fn on_event, void *arg,
		    char *err, size_t errlen);

/* Base64 (the gateway's encoding of bytes): malloc'ed, NUL-terminated. */
char *lbnl_base64_encode(const void *data, size_t len);
/* NULL if not base64; *len: the bytes (a NUL follows them). */
char *lbnl_base64_decode(const char *text, size_t *len);

#endif
