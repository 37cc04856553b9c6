/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print path for text and JSON output (after iproute2's json_print.h):
 *
 *	print_string(PRINT_ANY, "proto", " proto %s", "tcp");
 *
 * prints " proto tcp" in text mode and "proto":"tcp" in JSON mode.
 * PRINT_FP prints in text mode only, PRINT_JSON in JSON mode only. In JSON
 * mode a newline follows every completed top-level value, so a stream of
 * top-level objects is one object per line (unless pretty).
 */
#ifndef LBNL_JSON_PRINT_H
#define LBNL_JSON_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

void json_print_init(FILE *fp, bool json, bool pretty);
bool is_json_context(void);

/* Containers exist in JSON only; key is NULL inside arrays. */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int value);
/* fmt takes a uint64_t (PRIu64). */
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value);
/* JSON true/false; fmt (text) takes a string, "yes" or "no". */
void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value);
/* JSON null; fmt (text) is printed as is. */
void print_null(enum output_type t, const char *key, const char *fmt);
/* Text mode only. */
void print_text(const char *text);
void print_nl(void);

#endif
