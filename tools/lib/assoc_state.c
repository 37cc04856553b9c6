// SPDX-License-Identifier: GPL-2.0
/*
 * The association state document: printed through json_print, read back
 * with jansson and checked member by member against a table per object
 * (the top level, "local"/"peer", each of "paths").
 * Fields are converted in table order, so "out_ssn" can be checked
 * against "out_streams".
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#include "assoc_state.h"
#include "json_print.h"
#include "names.h"
#include "util.h"

/* Printing ---------------------------------------------------------------- */

static void print_addr(const char *key, const struct lbnl_addr *a)
{
	char buf[LBNL_ADDRSTRLEN];

	print_string(PRINT_JSON, key, NULL, lbnl_format_addr(a, buf, sizeof(buf)));
}

static void print_endpoint(const char *key, const struct lbnl_addr *a,
			   uint16_t port)
{
	open_json_object(key);
	print_addr("addr", a);
	print_uint(PRINT_JSON, "port", NULL, port);
	close_json_object();
}

static void print_u32_array(const char *key, const uint32_t *v, size_t n)
{
	size_t i;

	open_json_array(key);
	for (i = 0; i < n; i++)
		print_uint(PRINT_JSON, NULL, NULL, v[i]);
	close_json_array();
}

static void print_features(uint32_t features)
{
	uint32_t bit;

	open_json_array("features");
	for (bit = 1; bit; bit <<= 1) {
		const char *name = lbnl_name(&lbnl_feature_names, bit);

		if (!(features & bit))
			continue;
		if (name)
			print_string(PRINT_JSON, NULL, NULL, name);
		else
			print_uint(PRINT_JSON, NULL, NULL, bit);
	}
	close_json_array();
}

void lbnl_assoc_state_print(const struct lbu_assoc_state *s)
{
	size_t i;

	open_json_object(NULL);
	print_uint(PRINT_JSON, "version", NULL, s->version);
	print_endpoint("local", &s->key.laddr, s->key.lport);
	print_endpoint("peer", &s->key.paddr, s->key.pport);
	open_json_array("local_addrs");
	for (i = 0; i < s->n_laddrs; i++)
		print_addr(NULL, &s->laddrs[i]);
	close_json_array();
	open_json_array("paths");
	for (i = 0; i < s->n_paths; i++) {
		const struct lbu_assoc_path *p = &s->paths[i];

		open_json_object(NULL);
		print_addr("addr", &p->addr);
		print_uint(PRINT_JSON, "rto_us", NULL, p->rto_us);
		print_uint(PRINT_JSON, "srtt_us", NULL, p->srtt_us);
		print_uint(PRINT_JSON, "rttvar_us", NULL, p->rttvar_us);
		print_uint(PRINT_JSON, "cwnd", NULL, p->cwnd);
		print_uint(PRINT_JSON, "ssthresh", NULL, p->ssthresh);
		close_json_object();
	}
	close_json_array();
	print_uint(PRINT_JSON, "vtag", NULL, s->my_vtag);
	print_uint(PRINT_JSON, "peer_vtag", NULL, s->peer_vtag);
	print_uint(PRINT_JSON, "next_tsn", NULL, s->next_tsn);
	print_uint(PRINT_JSON, "peer_next_tsn", NULL, s->peer_next_tsn);
	print_uint(PRINT_JSON, "out_streams", NULL, s->out_streams);
	print_uint(PRINT_JSON, "in_streams", NULL, s->in_streams);
	print_u32_array("out_ssn", s->out_ssn, s->out_streams);
	print_u32_array("in_ssn", s->in_ssn, s->in_streams);
	print_uint(PRINT_JSON, "peer_rwnd", NULL, s->peer_rwnd);
	print_features(s->features);
	print_uint(PRINT_JSON, "addip_serial", NULL, s->addip_serial);
	print_uint(PRINT_JSON, "peer_addip_serial", NULL,
		   s->peer_addip_serial);
	print_uint(PRINT_JSON, "strreset_outseq", NULL, s->strreset_outseq);
	print_uint(PRINT_JSON, "strreset_inseq", NULL, s->strreset_inseq);
	print_uint(PRINT_JSON, "adaptation_ind", NULL, s->adaptation_ind);
	print_u64(PRINT_JSON, "created_ms", NULL, s->created_ms);
	close_json_object();
}

/* Parsing ----------------------------------------------------------------- */

/*
 * created_ms (u64) is read as a json_int_t: jansson refuses integers
 * beyond INT64_MAX ("too big integer"), which is also this field's upper
 * bound; milliseconds since the epoch stay below it for 292 million years.
 */
_Static_assert(sizeof(json_int_t) == sizeof(int64_t), "json_int_t: 64 bits");

struct ctx {
	char *err;
	size_t errlen;
	struct lbu_assoc_state *s;
	char path[256];		/* of the value being converted */
	size_t path_len;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct ctx *c, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;

	if (c->path_len)
		n = (size_t)snprintf(c->err, c->errlen, "%s: ", c->path);
	if (n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static size_t path_push(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t path_push(struct ctx *c, const char *fmt, ...)
{
	size_t saved = c->path_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + saved, sizeof(c->path) - saved, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->path_len += (size_t)n;
	if (c->path_len >= sizeof(c->path))
		c->path_len = sizeof(c->path) - 1;
	return saved;
}

static void path_pop(struct ctx *c, size_t saved)
{
	c->path_len = saved;
	c->path[saved] = '\0';
}

/* s for a message: printable ASCII ('?' for other bytes), "..." past max. */
static const char *printable(const char *s, size_t max, char *buf,
			     size_t len)
{
	size_t n = 0;

	for (; *s && n < max && n + 4 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		buf[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	snprintf(buf + n, len - n, "%s", *s ? "..." : "");
	return buf;
}

/* "a string", "an array", ...: for messages. */
static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:
	case JSON_REAL:		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:	return "a boolean";
	default:		return "null";
	}
}

/* A number or a string for a message (a real as jansson writes it). */
static const char *value_text(const json_t *v, char *buf, size_t len)
{
	char text[56], *real;	/* 48 bytes, "...": fits buf[64] quoted */

	if (json_is_integer(v)) {
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	} else if (json_is_real(v)) {
		real = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		snprintf(buf, len, "%s", real ? real : "a number");
		free(real);
	} else if (json_is_string(v)) {
		snprintf(buf, len, "\"%s\"", printable(json_string_value(v), 48,
						       text, sizeof(text)));
	} else {
		return type_name(v);
	}
	return buf;
}

/* Unsigned: a negative integer is out of range (jansson reads -0 as 0). */
static int get_uint(struct ctx *c, const json_t *v, uint64_t max,
		    uint64_t *out)
{
	char text[64];

	if (!json_is_number(v))
		return fail(c, "expected an integer, got %s", type_name(v));
	if (!json_is_integer(v))
		return fail(c, "expected an integer, got %s",
			    value_text(v, text, sizeof(text)));
	if (json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return fail(c, "%s is out of range (0..%llu)",
			    value_text(v, text, sizeof(text)),
			    (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

typedef int (*conv_fn)(struct ctx *c, json_t *v, void *dst);

static int conv_u16(struct ctx *c, json_t *v, void *dst)
{
	uint64_t x;

	if (get_uint(c, v, UINT16_MAX, &x))
		return -1;
	*(uint16_t *)dst = (uint16_t)x;
	return 0;
}

/* A stream count: its SSN list must fit one netlink attribute. */
static int conv_streams(struct ctx *c, json_t *v, void *dst)
{
	uint64_t x;

	if (get_uint(c, v, LBU_ASSOC_MAX_STREAMS, &x))
		return -1;
	*(uint16_t *)dst = (uint16_t)x;
	return 0;
}

static int conv_u32(struct ctx *c, json_t *v, void *dst)
{
	uint64_t x;

	if (get_uint(c, v, UINT32_MAX, &x))
		return -1;
	*(uint32_t *)dst = (uint32_t)x;
	return 0;
}

/* At most INT64_MAX: see json_int_t above. */
static int conv_u64(struct ctx *c, json_t *v, void *dst)
{
	return get_uint(c, v, INT64_MAX, dst);
}

/*
 * An IPv4 or IPv6 literal, without brackets, zone or blanks. The string
 * holds no NUL: jansson refuses \u0000 (no JSON_ALLOW_NUL).
 */
static int conv_addr(struct ctx *c, json_t *v, void *dst)
{
	struct lbnl_addr *a = dst;
	char text[64];

	if (!json_is_string(v))
		return fail(c, "expected an address (a string), got %s",
			    type_name(v));
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, json_string_value(v), a->raw) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, json_string_value(v), a->raw) == 1)
		a->family = AF_INET6;
	else
		return fail(c, "%s is not an IPv4 or IPv6 address",
			    value_text(v, text, sizeof(text)));
	return 0;
}

/* The array v (checked) with its items converted by item into dst. */
static int conv_items(struct ctx *c, json_t *v, size_t item_size,
		      conv_fn item, void **dst, size_t *count)
{
	size_t i, n = json_array_size(v);
	char *items;

	if (!json_is_array(v))
		return fail(c, "expected an array, got %s", type_name(v));
	items = calloc(n ? n : 1, item_size);
	if (!items)
		return fail(c, "out of memory");
	*dst = items;
	*count = n;
	for (i = 0; i < n; i++) {
		size_t saved = path_push(c, "[%zu]", i);
		int err = item(c, json_array_get(v, i), items + i * item_size);

		path_pop(c, saved);
		if (err)
			return -1;
	}
	return 0;
}

/* Objects: exactly the keys of a table ------------------------------------ */

struct field {
	const char *key;
	conv_fn conv;
	size_t offset;		/* of the destination in the object's struct */
};

#define FIELD(k, fn, type, member) { k, fn, offsetof(type, member) }

/* Unknown keys first (in document order), then the table's in its order. */
static int conv_object(struct ctx *c, json_t *v, const struct field *fields,
		       size_t n, void *base)
{
	char key[64];
	size_t j, saved;
	void *it;

	if (!json_is_object(v))
		return fail(c, "expected an object, got %s", type_name(v));
	for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
		for (j = 0; j < n; j++)
			if (!strcmp(fields[j].key, json_object_iter_key(it)))
				break;
		if (j == n) {
			path_push(c, "%s%s", c->path_len ? "." : "",
				  printable(json_object_iter_key(it), 48, key,
					    sizeof(key)));
			return fail(c, "unknown key");
		}
	}
	for (j = 0; j < n; j++) {
		json_t *member = json_object_get(v, fields[j].key);

		saved = path_push(c, "%s%s", c->path_len ? "." : "",
				  fields[j].key);
		if (!member)
			return fail(c, "missing");
		if (fields[j].conv(c, member, (char *)base + fields[j].offset))
			return -1;
		path_pop(c, saved);
	}
	return 0;
}

static const struct field local_fields[] = {
	FIELD("addr", conv_addr, struct lbnl_assoc_key, laddr),
	FIELD("port", conv_u16, struct lbnl_assoc_key, lport),
};

static const struct field peer_fields[] = {
	FIELD("addr", conv_addr, struct lbnl_assoc_key, paddr),
	FIELD("port", conv_u16, struct lbnl_assoc_key, pport),
};

static const struct field path_fields[] = {
	FIELD("addr", conv_addr, struct lbu_assoc_path, addr),
	FIELD("rto_us", conv_u32, struct lbu_assoc_path, rto_us),
	FIELD("srtt_us", conv_u32, struct lbu_assoc_path, srtt_us),
	FIELD("rttvar_us", conv_u32, struct lbu_assoc_path, rttvar_us),
	FIELD("cwnd", conv_u32, struct lbu_assoc_path, cwnd),
	FIELD("ssthresh", conv_u32, struct lbu_assoc_path, ssthresh),
};

/* dst: the key (both endpoints live in it). */
static int conv_local(struct ctx *c, json_t *v, void *dst)
{
	return conv_object(c, v, local_fields, ARRAY_SIZE(local_fields), dst);
}

static int conv_peer(struct ctx *c, json_t *v, void *dst)
{
	return conv_object(c, v, peer_fields, ARRAY_SIZE(peer_fields), dst);
}

static int conv_path(struct ctx *c, json_t *v, void *dst)
{
	return conv_object(c, v, path_fields, ARRAY_SIZE(path_fields), dst);
}

static int conv_laddrs(struct ctx *c, json_t *v, void *dst)
{
	(void)dst;
	return conv_items(c, v, sizeof(*c->s->laddrs), conv_addr,
			  (void **)&c->s->laddrs, &c->s->n_laddrs);
}

static int conv_paths(struct ctx *c, json_t *v, void *dst)
{
	(void)dst;
	return conv_items(c, v, sizeof(*c->s->paths), conv_path,
			  (void **)&c->s->paths, &c->s->n_paths);
}

/* An SSN list: one u32 per stream, streams already converted. */
static int conv_ssns(struct ctx *c, json_t *v, uint32_t **ssn,
		     uint16_t streams)
{
	size_t count;

	if (json_is_array(v) && json_array_size(v) != streams)
		return fail(c, "expected %u entries, got %zu", streams,
			    json_array_size(v));
	return conv_items(c, v, sizeof(**ssn), conv_u32, (void **)ssn,
			  &count);
}

static int conv_out_ssn(struct ctx *c, json_t *v, void *dst)
{
	(void)dst;
	return conv_ssns(c, v, &c->s->out_ssn, c->s->out_streams);
}

static int conv_in_ssn(struct ctx *c, json_t *v, void *dst)
{
	(void)dst;
	return conv_ssns(c, v, &c->s->in_ssn, c->s->in_streams);
}

/* Names, or the bit value of a feature without a name here. */
static int conv_feature(struct ctx *c, const json_t *v, uint32_t *bit)
{
	unsigned int value;
	char text[64];
	uint64_t x;

	if (json_is_string(v)) {
		if (lbnl_value(&lbnl_feature_names, json_string_value(v),
			       &value))
			return fail(c, "unknown feature %s, expected one of %s",
				    value_text(v, text, sizeof(text)),
				    lbnl_feature_names.choices);
		*bit = value;
		return 0;
	}
	if (!json_is_number(v))
		return fail(c, "expected a feature name, got %s",
			    type_name(v));
	if (get_uint(c, v, UINT32_MAX, &x))
		return -1;
	if (!x || (x & (x - 1)))
		return fail(c, "%s is not a feature bit (a power of 2)",
			    value_text(v, text, sizeof(text)));
	*bit = (uint32_t)x;
	return 0;
}

static int conv_features(struct ctx *c, json_t *v, void *dst)
{
	uint32_t *features = dst, bit = 0;
	size_t i;

	if (!json_is_array(v))
		return fail(c, "expected an array, got %s", type_name(v));
	*features = 0;
	for (i = 0; i < json_array_size(v); i++) {
		size_t saved = path_push(c, "[%zu]", i);

		if (conv_feature(c, json_array_get(v, i), &bit))
			return -1;
		if (*features & bit)
			return fail(c, "listed twice");
		*features |= bit;
		path_pop(c, saved);
	}
	return 0;
}

static const struct field state_fields[] = {
	FIELD("version", conv_u32, struct lbu_assoc_state, version),
	FIELD("local", conv_local, struct lbu_assoc_state, key),
	FIELD("peer", conv_peer, struct lbu_assoc_state, key),
	FIELD("local_addrs", conv_laddrs, struct lbu_assoc_state, laddrs),
	FIELD("paths", conv_paths, struct lbu_assoc_state, paths),
	FIELD("vtag", conv_u32, struct lbu_assoc_state, my_vtag),
	FIELD("peer_vtag", conv_u32, struct lbu_assoc_state, peer_vtag),
	FIELD("next_tsn", conv_u32, struct lbu_assoc_state, next_tsn),
	FIELD("peer_next_tsn", conv_u32, struct lbu_assoc_state,
	      peer_next_tsn),
	FIELD("out_streams", conv_streams, struct lbu_assoc_state,
	      out_streams),
	FIELD("in_streams", conv_streams, struct lbu_assoc_state,
	      in_streams),
	FIELD("out_ssn", conv_out_ssn, struct lbu_assoc_state, out_ssn),
	FIELD("in_ssn", conv_in_ssn, struct lbu_assoc_state, in_ssn),
	FIELD("peer_rwnd", conv_u32, struct lbu_assoc_state, peer_rwnd),
	FIELD("features", conv_features, struct lbu_assoc_state, features),
	FIELD("addip_serial", conv_u32, struct lbu_assoc_state,
	      addip_serial),
	FIELD("peer_addip_serial", conv_u32, struct lbu_assoc_state,
	      peer_addip_serial),
	FIELD("strreset_outseq", conv_u32, struct lbu_assoc_state,
	      strreset_outseq),
	FIELD("strreset_inseq", conv_u32, struct lbu_assoc_state,
	      strreset_inseq),
	FIELD("adaptation_ind", conv_u32, struct lbu_assoc_state,
	      adaptation_ind),
	FIELD("created_ms", conv_u64, struct lbu_assoc_state, created_ms),
};

/* The version first: another version may have other keys. */
static int check_version(struct ctx *c, json_t *doc)
{
	uint64_t version;
	char text[64];
	size_t saved;
	json_t *v;

	if (!json_is_object(doc))
		return fail(c, "expected an object, got %s", type_name(doc));
	v = json_object_get(doc, "version");
	saved = path_push(c, "version");
	if (!v)
		return fail(c, "missing");
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) != LBNL_ASSOC_STATE_VERSION) {
		path_pop(c, saved);
		return fail(c, "unknown version %s",
			    value_text(v, text, sizeof(text)));
	}
	if (get_uint(c, v, UINT32_MAX, &version))
		return -1;
	path_pop(c, saved);
	return 0;
}

/*
 * jansson checks the JSON (RFC 8259: one value, nothing after it, no
 * duplicate keys with JSON_REJECT_DUPLICATES, no \u0000, valid UTF-8,
 * integers within json_int_t); the tables above check the document.
 */
int lbnl_assoc_state_parse(const char *text, size_t len,
			   struct lbu_assoc_state *s, char *err,
			   size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen, .s = s };
	char what[sizeof(((json_error_t *)0)->text)];
	json_error_t error;
	json_t *doc;
	int ret;

	memset(s, 0, sizeof(*s));
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			 &error);
	if (!doc) {
		printable(error.text, sizeof(what), what, sizeof(what));
		if (error.line < 0)
			snprintf(err, errlen, "%s", what);
		else
			snprintf(err, errlen, "line %d, column %d: %s",
				 error.line, error.column, what);
		return -1;
	}
	ret = check_version(&c, doc);
	if (!ret)
		ret = conv_object(&c, doc, state_fields,
				  ARRAY_SIZE(state_fields), s);
	json_decref(doc);
	if (ret)
		lbu_assoc_state_free(s);
	return ret;
}
