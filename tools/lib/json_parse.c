// SPDX-License-Identifier: GPL-2.0
/*
 * Strict JSON parsing by recursive descent (depth-limited). The text need
 * not be NUL-terminated; a NUL byte in it is an error like any other
 * character that may not appear where it is.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"
#include "util.h"

#define PATH_MAX_LEN	256

struct parser {
	const char *start;
	const char *p;
	const char *end;
	char *err;
	size_t errlen;
	bool failed;
	int depth;
	char path[PATH_MAX_LEN];	/* of the value being parsed */
	size_t path_len;
};

static void __attribute__((format(printf, 2, 3)))
fail(struct parser *ps, const char *fmt, ...)
{
	unsigned int line = 1, column = 1;
	const char *q;
	size_t n;
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	for (q = ps->start; q < ps->p; q++) {
		if (*q == '\n') {
			line++;
			column = 1;
		} else {
			column++;
		}
	}
	n = (size_t)snprintf(ps->err, ps->errlen, "line %u, column %u: ",
			     line, column);
	if (n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
}

static void fail_nomem(struct parser *ps)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "out of memory");
	ps->failed = true;
}

/* What is at the current position, for messages. */
static const char *describe_here(const struct parser *ps, char *buf,
				 size_t len)
{
	unsigned char c;

	if (ps->p >= ps->end)
		return "end of input";
	c = (unsigned char)*ps->p;
	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", c);
	return buf;
}

static void fail_expected(struct parser *ps, const char *what)
{
	char buf[16];

	fail(ps, "expected %s, found %s", what,
	     describe_here(ps, buf, sizeof(buf)));
}

/* Path of the value being parsed ------------------------------------------ */

/* Append text to the path (bytes outside printable ASCII as '?'). */
static size_t path_push(struct parser *ps, const char *prefix,
			const char *text, size_t len)
{
	size_t saved = ps->path_len, i;

	for (; *prefix && ps->path_len + 1 < sizeof(ps->path); prefix++)
		ps->path[ps->path_len++] = *prefix;
	for (i = 0; i < len && ps->path_len + 1 < sizeof(ps->path); i++) {
		unsigned char c = (unsigned char)text[i];

		ps->path[ps->path_len++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	ps->path[ps->path_len] = '\0';
	return saved;
}

static void path_pop(struct parser *ps, size_t saved)
{
	ps->path_len = saved;
	ps->path[saved] = '\0';
}

/* Lexical pieces ---------------------------------------------------------- */

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool peek(struct parser *ps, char c)
{
	return ps->p < ps->end && *ps->p == c;
}

static bool is_digit(struct parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

static bool buf_add(struct buf *b, const char *bytes, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return false;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, bytes, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

static size_t encode_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
	uint32_t cp, min;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2, cp = p[0] & 0x1f, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3, cp = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int hex4(struct parser *ps, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++, ps->p++) {
		char c = ps->p < ps->end ? *ps->p : '\0';

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else {
			fail_expected(ps, "4 hex digits after \\u");
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* \uXXXX (the "\u" already read), a surrogate pair as one code point. */
static int unicode_escape(struct parser *ps, uint32_t *cp)
{
	uint32_t lo;

	if (hex4(ps, cp))
		return -1;
	if (*cp >= 0xdc00 && *cp <= 0xdfff) {
		fail(ps, "unpaired surrogate in \\u escape");
		return -1;
	}
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
		fail(ps, "unpaired surrogate in \\u escape");
		return -1;
	}
	ps->p += 2;
	if (hex4(ps, &lo))
		return -1;
	if (lo < 0xdc00 || lo > 0xdfff) {
		fail(ps, "unpaired surrogate in \\u escape");
		return -1;
	}
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

static int escape(struct parser *ps, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	char out[4];
	const char *q;
	uint32_t cp;

	ps->p++;	/* the backslash */
	if (ps->p < ps->end && *ps->p && (q = strchr(from, *ps->p))) {
		ps->p++;
		return buf_add(b, &to[q - from], 1) ? 0 : (fail_nomem(ps), -1);
	}
	if (!peek(ps, 'u')) {
		fail_expected(ps, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
		return -1;
	}
	ps->p++;
	if (unicode_escape(ps, &cp))
		return -1;
	return buf_add(b, out, encode_utf8(cp, out)) ? 0 : (fail_nomem(ps), -1);
}

/* A string at ps->p (the opening quote) into *s (NUL-terminated). */
static int parse_string(struct parser *ps, char **s, size_t *len)
{
	struct buf b = { NULL, 0, 0 };

	ps->p++;
	if (!buf_add(&b, "", 0))
		goto nomem;
	for (;;) {
		const unsigned char *u = (const unsigned char *)ps->p;
		size_t n;

		if (ps->p >= ps->end) {
			fail(ps, "unterminated string");
			goto fail;
		}
		if (*u == '"') {
			ps->p++;
			break;
		}
		if (*u == '\\') {
			if (escape(ps, &b))
				goto fail;
			continue;
		}
		if (*u < 0x20) {
			fail(ps, "control character 0x%02x in a string (write it as \\u%04x)",
			     *u, *u);
			goto fail;
		}
		n = *u < 0x80 ? 1 :
		    utf8_sequence(u, (const unsigned char *)ps->end);
		if (!n) {
			fail(ps, "invalid UTF-8 in a string");
			goto fail;
		}
		if (!buf_add(&b, ps->p, n))
			goto nomem;
		ps->p += n;
	}
	*s = b.data;
	*len = b.len;
	return 0;

nomem:
	fail_nomem(ps);
fail:
	free(b.data);
	return -1;
}

static int parse_number(struct parser *ps, struct json_value *v)
{
	const char *begin = ps->p;
	uint64_t m = 0;
	bool overflow = false;
	size_t len;

	v->type = JSON_NUMBER;
	v->number.integer = true;
	if (peek(ps, '-')) {
		v->number.negative = true;
		ps->p++;
	}
	if (!is_digit(ps)) {
		fail_expected(ps, "a digit");
		return -1;
	}
	if (*ps->p == '0') {
		ps->p++;
		if (is_digit(ps)) {
			fail(ps, "leading zeros are not allowed in numbers");
			return -1;
		}
	} else {
		for (; is_digit(ps); ps->p++) {
			unsigned int d = (unsigned int)(*ps->p - '0');

			if (m > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				m = m * 10 + d;
		}
	}
	if (peek(ps, '.')) {
		v->number.integer = false;
		ps->p++;
		if (!is_digit(ps)) {
			fail_expected(ps, "a digit after the decimal point");
			return -1;
		}
		while (is_digit(ps))
			ps->p++;
	}
	if (peek(ps, 'e') || peek(ps, 'E')) {
		v->number.integer = false;
		ps->p++;
		if (peek(ps, '+') || peek(ps, '-'))
			ps->p++;
		if (!is_digit(ps)) {
			fail_expected(ps, "a digit in the exponent");
			return -1;
		}
		while (is_digit(ps))
			ps->p++;
	}
	v->number.magnitude = overflow ? 0 : m;
	v->number.overflow = overflow;
	len = (size_t)(ps->p - begin);
	v->number.text = malloc(len + 1);
	if (!v->number.text) {
		fail_nomem(ps);
		return -1;
	}
	memcpy(v->number.text, begin, len);
	v->number.text[len] = '\0';
	return 0;
}

static int parse_literal(struct parser *ps, struct json_value *v)
{
	static const struct {
		const char *word;
		enum json_type type;
		bool value;
	} words[] = {
		{ "true", JSON_BOOL, true },
		{ "false", JSON_BOOL, false },
		{ "null", JSON_NULL, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i].word);

		if ((size_t)(ps->end - ps->p) >= n &&
		    !memcmp(ps->p, words[i].word, n)) {
			ps->p += n;
			v->type = words[i].type;
			v->boolean = words[i].value;
			return 0;
		}
	}
	fail_expected(ps, "a value");
	return -1;
}

/* Containers -------------------------------------------------------------- */

static int parse_value(struct parser *ps, struct json_value *v);

static int parse_array(struct parser *ps, struct json_value *v)
{
	size_t cap = 0;

	v->type = JSON_ARRAY;
	ps->p++;
	skip_blanks(ps);
	if (peek(ps, ']')) {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct json_value *items;
		char index[32];
		size_t saved;
		int err;

		items = lbnl_grow_array(v->array.items, &cap,
					v->array.count + 1, sizeof(*items));
		if (!items) {
			fail_nomem(ps);
			return -1;
		}
		v->array.items = items;
		snprintf(index, sizeof(index), "[%zu]", v->array.count);
		saved = path_push(ps, "", index, strlen(index));
		memset(&items[v->array.count], 0, sizeof(*items));
		err = parse_value(ps, &items[v->array.count]);
		v->array.count++;	/* freed with the array, even if bad */
		path_pop(ps, saved);
		if (err)
			return -1;
		skip_blanks(ps);
		if (peek(ps, ']')) {
			ps->p++;
			return 0;
		}
		if (!peek(ps, ',')) {
			fail_expected(ps, "',' or ']' in an array");
			return -1;
		}
		ps->p++;
		skip_blanks(ps);
	}
}

/* qsort_r: member indices a and b by key, in the members array base. */
static int compare_members(const void *a, const void *b, void *base)
{
	const struct json_member *x = (struct json_member *)base +
				      *(const size_t *)a;
	const struct json_member *y = (struct json_member *)base +
				      *(const size_t *)b;

	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return memcmp(x->key, y->key, x->key_len);
}

/* The first repeated key of an object, in sorted order; NULL if none. */
static int find_duplicate(struct parser *ps, const struct json_value *v,
			  const struct json_member **dup)
{
	size_t *order, i;

	*dup = NULL;
	if (v->object.count < 2)
		return 0;
	order = malloc(v->object.count * sizeof(*order));
	if (!order) {
		fail_nomem(ps);
		return -1;
	}
	for (i = 0; i < v->object.count; i++)
		order[i] = i;
	qsort_r(order, v->object.count, sizeof(*order), compare_members,
		v->object.members);
	for (i = 1; i < v->object.count && !*dup; i++)
		if (!compare_members(&order[i - 1], &order[i],
				     v->object.members))
			*dup = &v->object.members[order[i]];
	free(order);
	return 0;
}

static int parse_object(struct parser *ps, struct json_value *v)
{
	const struct json_member *dup;
	size_t cap = 0;

	v->type = JSON_OBJECT;
	ps->p++;
	skip_blanks(ps);
	if (peek(ps, '}')) {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct json_member *members, *m;
		size_t saved;
		int err;

		if (!peek(ps, '"')) {
			fail_expected(ps, "a string (an object key)");
			return -1;
		}
		members = lbnl_grow_array(v->object.members, &cap,
					  v->object.count + 1,
					  sizeof(*members));
		if (!members) {
			fail_nomem(ps);
			return -1;
		}
		v->object.members = members;
		m = &members[v->object.count];
		memset(m, 0, sizeof(*m));
		v->object.count++;	/* freed with the object, even if bad */
		if (parse_string(ps, &m->key, &m->key_len))
			return -1;
		skip_blanks(ps);
		if (!peek(ps, ':')) {
			fail_expected(ps, "':' after an object key");
			return -1;
		}
		ps->p++;
		saved = path_push(ps, ps->path_len ? "." : "", m->key,
				  m->key_len);
		err = parse_value(ps, &m->value);
		path_pop(ps, saved);
		if (err)
			return -1;
		skip_blanks(ps);
		if (peek(ps, '}')) {
			ps->p++;
			break;
		}
		if (!peek(ps, ',')) {
			fail_expected(ps, "',' or '}' in an object");
			return -1;
		}
		ps->p++;
		skip_blanks(ps);
	}

	if (find_duplicate(ps, v, &dup))
		return -1;
	if (dup) {
		size_t saved = path_push(ps, ps->path_len ? "." : "", dup->key,
					 dup->key_len);

		snprintf(ps->err, ps->errlen, "%s: duplicate key", ps->path);
		ps->failed = true;
		path_pop(ps, saved);
		return -1;
	}
	return 0;
}

static int parse_value(struct parser *ps, struct json_value *v)
{
	int err;

	skip_blanks(ps);
	if (ps->p >= ps->end) {
		fail_expected(ps, "a value");
		return -1;
	}
	switch (*ps->p) {
	case '{':
	case '[':
		if (ps->depth == JSON_MAX_DEPTH) {
			fail(ps, "nested more than %d deep", JSON_MAX_DEPTH);
			return -1;
		}
		ps->depth++;
		err = *ps->p == '{' ? parse_object(ps, v) : parse_array(ps, v);
		ps->depth--;
		return err;
	case '"':
		v->type = JSON_STRING;
		return parse_string(ps, &v->string.s, &v->string.len);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, v);
		return parse_literal(ps, v);
	}
}

/* API ------------------------------------------------------------------- */

struct json_value *json_parse(const char *text, size_t len, char *err,
			      size_t errlen)
{
	struct parser ps = {
		.start = text, .p = text, .end = text + len,
		.err = err, .errlen = errlen,
	};
	struct json_value *v = calloc(1, sizeof(*v));

	if (errlen)
		err[0] = '\0';
	if (!v) {
		fail_nomem(&ps);
		return NULL;
	}
	if (!parse_value(&ps, v)) {
		skip_blanks(&ps);
		if (ps.p < ps.end)
			fail(&ps, "unexpected data after the end of the document");
	}
	if (ps.failed) {
		json_free(v);
		return NULL;
	}
	return v;
}

static void free_contents(struct json_value *v)
{
	size_t i;

	switch (v->type) {
	case JSON_NUMBER:
		free(v->number.text);
		break;
	case JSON_STRING:
		free(v->string.s);
		break;
	case JSON_ARRAY:
		for (i = 0; i < v->array.count; i++)
			free_contents(&v->array.items[i]);
		free(v->array.items);
		break;
	case JSON_OBJECT:
		for (i = 0; i < v->object.count; i++) {
			free(v->object.members[i].key);
			free_contents(&v->object.members[i].value);
		}
		free(v->object.members);
		break;
	default:
		break;
	}
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	free_contents(v);
	free(v);
}

const struct json_value *json_get(const struct json_value *obj,
				  const char *key)
{
	size_t i, len = strlen(key);

	if (obj->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < obj->object.count; i++) {
		const struct json_member *m = &obj->object.members[i];

		if (m->key_len == len && !memcmp(m->key, key, len))
			return &m->value;
	}
	return NULL;
}

const char *json_type_name(enum json_type type)
{
	switch (type) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "a boolean";
	case JSON_NUMBER:
		return "a number";
	case JSON_STRING:
		return "a string";
	case JSON_ARRAY:
		return "an array";
	case JSON_OBJECT:
		return "an object";
	}
	return "?";
}
