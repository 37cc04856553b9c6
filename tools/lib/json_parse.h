/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small, strict JSON parser (RFC 8259) into a tree of values.
 *
 * Strict: exactly one value, surrounded by nothing but blanks (space, tab,
 * CR, LF); no comments, no trailing commas, no duplicate keys in an object,
 * no control characters or invalid UTF-8 in strings, nesting at most
 * JSON_MAX_DEPTH deep. Numbers keep their text; integers (no fraction, no
 * exponent) are also decoded exactly, for the caller to range-check.
 */
#ifndef LBNL_JSON_PARSE_H
#define LBNL_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH	64

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	union {
		bool boolean;
		struct {
			char *text;		/* as written */
			bool integer;		/* no fraction, no exponent */
			bool negative;		/* a leading '-' */
			bool overflow;		/* |value| > UINT64_MAX */
			uint64_t magnitude;	/* |value| if integer */
		} number;
		struct {
			char *s;		/* UTF-8, NUL-terminated */
			size_t len;		/* may hold NULs (\u0000) */
		} string;
		struct {
			struct json_value *items;
			size_t count;
		} array;
		struct {
			struct json_member *members;	/* in document order */
			size_t count;
		} object;
	};
};

struct json_member {
	char *key;
	size_t key_len;
	struct json_value value;
};

/*
 * Parse len bytes of text. On failure returns NULL and writes to err a
 * message: "line L, column C: what" for syntax errors, "PATH: duplicate
 * key" for a repeated key (PATH as in "paths[0].cwnd").
 */
struct json_value *json_parse(const char *text, size_t len, char *err,
			      size_t errlen);
void json_free(struct json_value *v);

/* The member of an object named key, or NULL. */
const struct json_value *json_get(const struct json_value *obj,
				  const char *key);
/* "a string", "an array", ...: for messages. */
const char *json_type_name(enum json_type type);

#endif
