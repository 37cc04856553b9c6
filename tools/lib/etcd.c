// SPDX-License-Identifier: GPL-2.0
/*
 * etcd v3 over its JSON gateway (etcd.h). Requests are POSTs of a JSON
 * object to URL/v3/<service>/<method> (etcd 3.4 serves /v3/, the older
 * /v3beta/ too: /v3/ is the one 3.5 keeps); a reply is a JSON object,
 * or {"error", "message", "code"} with an HTTP error status. A watch is
 * one POST whose reply never ends: one JSON object per message, each
 * {"result": {...}} (jansson's JSON_DISABLE_EOF_CHECK reads them one by
 * one from the buffered stream).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "etcd.h"

#define DEFAULT_TIMEOUT_MS	2000
#define REPLY_MAX		(64u << 20)	/* a range of a big group */

struct lbnl_etcd {
	struct lbnl_etcd_conf conf;
	CURL *curl;
	struct curl_slist *headers;
};

struct lbnl_etcd_txn {
	json_t *compare;
	json_t *success;
};

/* Base64 ------------------------------------------------------------------ */

char *lbnl_base64_encode(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

char *lbnl_base64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text), pad = 0;
	unsigned char *out;
	int got;

	if (n % 4)
		return NULL;
	out = malloc(3 * (n / 4) + 1);
	if (!out)
		return NULL;
	/* EVP_DecodeBlock counts the padding as zero bytes: taken off. */
	got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
	if (got < 0) {
		free(out);
		return NULL;
	}
	if (n && text[n - 1] == '=')
		pad++;
	if (n > 1 && text[n - 2] == '=')
		pad++;
	*len = (size_t)got - pad;
	out[*len] = '\0';
	return (char *)out;
}

/* JSON helpers ------------------------------------------------------------ */

/* The gateway prints int64 as strings; absent means 0 (proto3). */
static int64_t json_int64(const json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

static json_t *json_int64_string(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_string(buf);
}

/* A base64 field of a request; -ENOMEM. */
static int json_set_bytes(json_t *obj, const char *name, const void *data,
			  size_t len)
{
	char *b64 = lbnl_base64_encode(data, len);
	int err;

	if (!b64)
		return -ENOMEM;
	err = json_object_set_new(obj, name, json_string(b64)) ? -ENOMEM : 0;
	free(b64);
	return err;
}

static int kv_from_json(const json_t *j, struct lbnl_etcd_kv *kv)
{
	const char *key = json_string_value(json_object_get(j, "key"));
	json_t *value = json_object_get(j, "value");
	size_t len;

	memset(kv, 0, sizeof(*kv));
	if (!key)
		return -EPROTO;
	kv->key = lbnl_base64_decode(key, &len);
	if (!kv->key)
		return -EPROTO;
	/* proto3 leaves an empty value out. */
	kv->value = lbnl_base64_decode(value ? json_string_value(value) ?: "!" :
				       "", &kv->value_len);
	if (!kv->value) {
		free(kv->key);
		kv->key = NULL;
		return -EPROTO;
	}
	kv->mod_revision = json_int64(j, "mod_revision");
	kv->lease = json_int64(j, "lease");
	return 0;
}

/* Requests ---------------------------------------------------------------- */

struct reply {
	char *data;
	size_t len;
};

static size_t reply_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t more = size * n;
	char *p;

	if (r->len + more > REPLY_MAX)
		return 0;
	p = realloc(r->data, r->len + more + 1);
	if (!p)
		return 0;
	memcpy(p + r->len, ptr, more);
	r->data = p;
	r->len += more;
	r->data[r->len] = '\0';
	return more;
}

static CURL *curl_for(const struct lbnl_etcd_conf *c, struct curl_slist *h)
{
	CURL *curl = curl_easy_init();

	if (!curl)
		return NULL;
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(c->timeout_ms ?: DEFAULT_TIMEOUT_MS));
	if (c->ca_file[0])
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
	if (c->cert_file[0])
		curl_easy_setopt(curl, CURLOPT_SSLCERT, c->cert_file);
	if (c->key_file[0])
		curl_easy_setopt(curl, CURLOPT_SSLKEY, c->key_file);
	return curl;
}

int lbnl_etcd_open(const struct lbnl_etcd_conf *conf, struct lbnl_etcd **ep)
{
	struct lbnl_etcd *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->conf = *conf;
	if (!e->conf.timeout_ms)
		e->conf.timeout_ms = DEFAULT_TIMEOUT_MS;
	e->headers = curl_slist_append(NULL, "Content-Type: application/json");
	e->curl = e->headers ? curl_for(&e->conf, e->headers) : NULL;
	if (!e->curl) {
		lbnl_etcd_close(e);
		return -ENOMEM;
	}
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, (long)e->conf.timeout_ms);
	*ep = e;
	return 0;
}

void lbnl_etcd_close(struct lbnl_etcd *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	curl_slist_free_all(e->headers);
	free(e);
}

/* etcd's refusal: its message, and an errno for it. */
static int etcd_error(const json_t *reply, char *err, size_t errlen)
{
	const char *msg = json_string_value(json_object_get(reply, "message"));

	if (!msg)
		msg = json_string_value(json_object_get(reply, "error"));
	snprintf(err, errlen, "etcd: %s", msg ? msg : "an error it did not describe");
	if (msg && (strstr(msg, "compacted") || strstr(msg, "future revision")))
		return -ERANGE;
	return -EINVAL;
}

/* POST body (stolen) to /v3/path: the reply's object in *out. */
static int request(struct lbnl_etcd *e, const char *path, json_t *body,
		   json_t **out, char *err, size_t errlen)
{
	char url[LBNL_ETCD_URL_MAX + 64], *text;
	struct reply r = { 0 };
	json_error_t jerr;
	long status = 0;
	CURLcode rc;
	json_t *reply;
	int ret;

	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(url, sizeof(url), "%s/v3/%s", e->conf.url, path);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, reply_write);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &r);
	rc = curl_easy_perform(e->curl);
	free(text);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "etcd at %s: %s", e->conf.url,
			 curl_easy_strerror(rc));
		free(r.data);
		return -EIO;
	}
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
	reply = r.data ? json_loads(r.data, 0, &jerr) : NULL;
	free(r.data);
	if (!json_is_object(reply)) {
		snprintf(err, errlen, "etcd at %s: HTTP status %ld, a reply that is not a JSON object",
			 e->conf.url, status);
		json_decref(reply);
		return -EPROTO;
	}
	if (status != 200 || json_object_get(reply, "error")) {
		ret = etcd_error(reply, err, errlen);
		json_decref(reply);
		return ret;
	}
	*out = reply;
	return 0;
}

static int header_revision(const json_t *reply, int64_t *revision)
{
	json_t *h = json_object_get(reply, "header");

	if (!json_is_object(h))
		return -EPROTO;
	if (revision)
		*revision = json_int64(h, "revision");
	return 0;
}

int lbnl_etcd_prefix_end(const char *prefix, char *end, size_t len)
{
	size_t n = strlen(prefix);

	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(end, prefix, n + 1);
	/* The first key after every one starting with prefix. */
	while (n && (unsigned char)end[n - 1] == 0xff)
		end[--n] = '\0';
	if (!n) {
		/* "\0": to the end of the key space. */
		return -EINVAL;
	}
	end[n - 1]++;
	return 0;
}

/* key, and range_end for a prefix, into a request. */
static int set_range(json_t *req, const char *key, bool prefix)
{
	char end[LBNL_ETCD_PATH_MAX];
	int err;

	err = json_set_bytes(req, "key", key, strlen(key));
	if (err || !prefix)
		return err;
	err = lbnl_etcd_prefix_end(key, end, sizeof(end));
	if (err)
		return err;
	return json_set_bytes(req, "range_end", end, strlen(end));
}

void lbnl_etcd_kvs_free(struct lbnl_etcd_kvs *kvs)
{
	size_t i;

	for (i = 0; i < kvs->count; i++) {
		free(kvs->kv[i].key);
		free(kvs->kv[i].value);
	}
	free(kvs->kv);
	memset(kvs, 0, sizeof(*kvs));
}

int lbnl_etcd_range(struct lbnl_etcd *e, const char *key, bool prefix,
		    int64_t revision, struct lbnl_etcd_kvs *out,
		    char *err, size_t errlen)
{
	json_t *req = json_object(), *reply, *kvs;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!req || set_range(req, key, prefix) ||
	    (revision && json_object_set_new(req, "revision",
					     json_int64_string(revision)))) {
		json_decref(req);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = request(e, "kv/range", req, &reply, err, errlen);
	if (ret)
		return ret;
	ret = header_revision(reply, &out->revision);
	kvs = json_object_get(reply, "kvs");
	if (!ret && kvs && !json_is_array(kvs))
		ret = -EPROTO;
	if (!ret && json_array_size(kvs)) {
		out->kv = calloc(json_array_size(kvs), sizeof(*out->kv));
		if (!out->kv)
			ret = -ENOMEM;
	}
	for (i = 0; !ret && i < json_array_size(kvs); i++) {
		ret = kv_from_json(json_array_get(kvs, i), &out->kv[i]);
		if (!ret)
			out->count++;
	}
	json_decref(reply);
	if (ret) {
		snprintf(err, errlen, "etcd at %s: %s", e->conf.url,
			 ret == -ENOMEM ? "out of memory" : "a range reply not as etcd sends it");
		lbnl_etcd_kvs_free(out);
	}
	return ret;
}

int lbnl_etcd_put(struct lbnl_etcd *e, const char *key, const char *value,
		  size_t value_len, int64_t lease, int64_t *revision,
		  char *err, size_t errlen)
{
	json_t *req = json_object(), *reply;
	int ret;

	if (!req || json_set_bytes(req, "key", key, strlen(key)) ||
	    json_set_bytes(req, "value", value, value_len) ||
	    (lease && json_object_set_new(req, "lease",
					  json_int64_string(lease)))) {
		json_decref(req);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = request(e, "kv/put", req, &reply, err, errlen);
	if (ret)
		return ret;
	ret = header_revision(reply, revision);
	json_decref(reply);
	if (ret)
		snprintf(err, errlen, "etcd at %s: a put reply without a header",
			 e->conf.url);
	return ret;
}

int lbnl_etcd_delete(struct lbnl_etcd *e, const char *key, bool prefix,
		     int64_t *deleted, char *err, size_t errlen)
{
	json_t *req = json_object(), *reply;

	if (!req || set_range(req, key, prefix)) {
		json_decref(req);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int ret = request(e, "kv/deleterange", req, &reply, err, errlen);

	if (ret)
		return ret;
	if (deleted)
		*deleted = json_int64(reply, "deleted");
	json_decref(reply);
	return 0;
}

/* Transactions ------------------------------------------------------------ */

int lbnl_etcd_txn_new(struct lbnl_etcd_txn **tp)
{
	struct lbnl_etcd_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->compare = json_array();
	t->success = json_array();
	if (!t->compare || !t->success) {
		lbnl_etcd_txn_free(t);
		return -ENOMEM;
	}
	*tp = t;
	return 0;
}

void lbnl_etcd_txn_free(struct lbnl_etcd_txn *t)
{
	if (!t)
		return;
	json_decref(t->compare);
	json_decref(t->success);
	free(t);
}

int lbnl_etcd_txn_guard(struct lbnl_etcd_txn *t, const char *prefix,
			int64_t guard_below)
{
	json_t *c = json_object();

	/* Every key in the range: mod_revision < guard_below. */
	if (!c || set_range(c, prefix, true) ||
	    json_object_set_new(c, "target", json_string("MOD")) ||
	    json_object_set_new(c, "result", json_string("LESS")) ||
	    json_object_set_new(c, "mod_revision",
				json_int64_string(guard_below)) ||
	    json_array_append_new(t->compare, c))
		return -ENOMEM;
	return 0;
}

static int txn_add(struct lbnl_etcd_txn *t, const char *op, json_t *req)
{
	json_t *o = json_object();

	if (!o || !req || json_object_set_new(o, op, req) ||
	    json_array_append_new(t->success, o)) {
		json_decref(o);
		return -ENOMEM;
	}
	return 0;
}

int lbnl_etcd_txn_put(struct lbnl_etcd_txn *t, const char *key,
		      const char *value, size_t value_len)
{
	json_t *req = json_object();

	if (!req || json_set_bytes(req, "key", key, strlen(key)) ||
	    json_set_bytes(req, "value", value, value_len)) {
		json_decref(req);
		return -ENOMEM;
	}
	return txn_add(t, "request_put", req);
}

int lbnl_etcd_txn_delete(struct lbnl_etcd_txn *t, const char *key)
{
	json_t *req = json_object();

	if (!req || json_set_bytes(req, "key", key, strlen(key))) {
		json_decref(req);
		return -ENOMEM;
	}
	return txn_add(t, "request_delete_range", req);
}

int lbnl_etcd_txn_commit(struct lbnl_etcd *e, struct lbnl_etcd_txn *t,
			 bool *succeeded, int64_t *revision,
			 char *err, size_t errlen)
{
	json_t *req = json_object(), *reply;
	int ret;

	if (!req || json_object_set(req, "compare", t->compare) ||
	    json_object_set(req, "success", t->success)) {
		json_decref(req);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = request(e, "kv/txn", req, &reply, err, errlen);
	if (ret)
		return ret;
	ret = header_revision(reply, revision);
	*succeeded = json_is_true(json_object_get(reply, "succeeded"));
	json_decref(reply);
	if (ret)
		snprintf(err, errlen, "etcd at %s: a txn reply without a header",
			 e->conf.url);
	return ret;
}

/* Leases ------------------------------------------------------------------ */

int lbnl_etcd_lease_grant(struct lbnl_etcd *e, unsigned int ttl_s,
			  int64_t *lease, char *err, size_t errlen)
{
	json_t *req = json_pack("{sI}", "TTL", (json_int_t)ttl_s), *reply;
	int ret;

	if (!req) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = request(e, "lease/grant", req, &reply, err, errlen);
	if (ret)
		return ret;
	*lease = json_int64(reply, "ID");
	json_decref(reply);
	if (!*lease) {
		snprintf(err, errlen, "etcd at %s: a lease without an ID",
			 e->conf.url);
		return -EPROTO;
	}
	return 0;
}

int lbnl_etcd_lease_keepalive(struct lbnl_etcd *e, int64_t lease,
			      int64_t *ttl_s, char *err, size_t errlen)
{
	json_t *req = json_object(), *reply, *result;
	int ret;

	if (!req || json_object_set_new(req, "ID", json_int64_string(lease))) {
		json_decref(req);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* A stream of one reply here: {"result": {"ID", "TTL"}}. */
	ret = request(e, "lease/keepalive", req, &reply, err, errlen);
	if (ret)
		return ret;
	result = json_object_get(reply, "result");
	*ttl_s = json_int64(result ?: reply, "TTL");
	json_decref(reply);
	return 0;
}

int lbnl_etcd_lease_revoke(struct lbnl_etcd *e, int64_t lease,
			   char *err, size_t errlen)
{
	json_t *req = json_object(), *reply;
	int ret;

	if (!req || json_object_set_new(req, "ID", json_int64_string(lease))) {
		json_decref(req);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = request(e, "lease/revoke", req, &reply, err, errlen);
	if (!ret)
		json_decref(reply);
	return ret;
}

/* Watch ------------------------------------------------------------------- */

struct watch {
	lbnl_etcd_event_fn on_event;
	void *arg;
	char *buf;		/* what came and is not a whole message yet */
	size_t len;
	int ret;		/* what ends the stream */
	char *err;
	size_t errlen;
};

/* One message: {"result": {"header", "created"?, "canceled"?, "events"?}}. */
static int watch_message(struct watch *w, const json_t *msg)
{
	json_t *res = json_object_get(msg, "result"), *events, *ev;
	struct lbnl_etcd_kv kv;
	size_t i;
	int ret = 0;

	if (!json_is_object(res)) {
		if (json_object_get(msg, "error"))
			return etcd_error(msg, w->err, w->errlen);
		snprintf(w->err, w->errlen, "etcd: a watch message without a result");
		return -EPROTO;
	}
	if (json_is_true(json_object_get(res, "canceled"))) {
		if (json_int64(res, "compact_revision")) {
			snprintf(w->err, w->errlen, "etcd: the watch's start revision is compacted (oldest %" PRId64 ")",
				 json_int64(res, "compact_revision"));
			return -ERANGE;
		}
		snprintf(w->err, w->errlen, "etcd canceled the watch: %s",
			 json_string_value(json_object_get(res, "cancel_reason")) ?: "no reason given");
		return -EIO;
	}
	events = json_object_get(res, "events");
	json_array_foreach(events, i, ev) {
		if (kv_from_json(json_object_get(ev, "kv"), &kv)) {
			snprintf(w->err, w->errlen, "etcd: a watch event not as etcd sends it");
			return -EPROTO;
		}
		if (!strcmp(json_string_value(json_object_get(ev, "type")) ?: "PUT",
			    "DELETE")) {
			free(kv.value);
			kv.value = NULL;
			kv.value_len = 0;
		}
		ret = w->on_event(&kv, kv.mod_revision, w->arg);
		free(kv.key);
		free(kv.value);
		if (ret)
			return ret;
	}
	return 0;
}

static size_t watch_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct watch *w = arg;
	size_t more = size * n, used;
	json_error_t jerr;
	json_t *msg;
	char *p;

	if (w->len + more > REPLY_MAX)
		return 0;
	p = realloc(w->buf, w->len + more + 1);
	if (!p)
		return 0;
	memcpy(p + w->len, ptr, more);
	w->buf = p;
	w->len += more;
	w->buf[w->len] = '\0';
	/* As many whole messages as there are. */
	for (;;) {
		used = strspn(w->buf, " \t\r\n");
		if (used == w->len) {
			w->len = 0;
			break;
		}
		msg = json_loadb(w->buf + used, w->len - used,
				 JSON_DISABLE_EOF_CHECK, &jerr);
		if (!msg)
			break;	/* not whole yet (or never: REPLY_MAX ends it) */
		used += jerr.position;
		w->ret = watch_message(w, msg);
		json_decref(msg);
		memmove(w->buf, w->buf + used, w->len - used);
		w->len -= used;
		if (w->ret)
			return 0;
	}
	return more;
}

int lbnl_etcd_watch(const struct lbnl_etcd_conf *conf, const char *prefix,
		    int64_t start, lbnl_etcd_event_fn on_event, void *arg,
		    char *err, size_t errlen)
{
	struct watch w = { .on_event = on_event, .arg = arg, .err = err,
			   .errlen = errlen };
	json_t *create = json_object(), *req;
	char url[LBNL_ETCD_URL_MAX + 64], *text = NULL;
	struct curl_slist *h;
	CURL *curl = NULL;
	CURLcode rc;

	h = curl_slist_append(NULL, "Content-Type: application/json");
	req = json_object();
	if (!create || !req || !h || set_range(create, prefix, true) ||
	    (start && json_object_set_new(create, "start_revision",
					  json_int64_string(start))) ||
	    json_object_set(req, "create_request", create) ||
	    !(text = json_dumps(req, JSON_COMPACT)) ||
	    !(curl = curl_for(conf, h))) {
		snprintf(err, errlen, "out of memory");
		w.ret = -ENOMEM;
		goto out;
	}
	snprintf(url, sizeof(url), "%s/v3/watch", conf->url);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, watch_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &w);
	rc = curl_easy_perform(curl);
	if (!w.ret) {
		snprintf(err, errlen, "etcd at %s: the watch ended: %s",
			 conf->url, rc == CURLE_OK ? "the stream closed" :
			 curl_easy_strerror(rc));
		w.ret = -EIO;
	}
out:
	if (curl)
		curl_easy_cleanup(curl);
	curl_slist_free_all(h);
	json_decref(create);
	json_decref(req);
	free(text);
	free(w.buf);
	return w.ret;
}
