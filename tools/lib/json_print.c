// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>

#include "json_print.h"

#define MAX_DEPTH 16
#define INDENT "    "

struct frame {
	bool array;
	bool empty;
};

static struct {
	FILE *fp;
	bool json;
	bool pretty;
	int depth;
	struct frame stack[MAX_DEPTH];
} jp = { .fp = NULL };

void json_print_init(FILE *fp, bool json, bool pretty)
{
	jp.fp = fp;
	jp.json = json;
	jp.pretty = pretty;
	jp.depth = 0;
}

bool is_json_context(void)
{
	return jp.json;
}

static bool want(enum output_type t)
{
	return (t & (jp.json ? PRINT_JSON : PRINT_FP)) != 0;
}

static void newline_indent(int depth)
{
	fputc('\n', jp.fp);
	while (depth-- > 0)
		fputs(INDENT, jp.fp);
}

static void write_json_string(const char *s)
{
	fputc('"', jp.fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(jp.fp, "\\%c", c);
		else if (c < 0x20)
			fprintf(jp.fp, "\\u%04x", c);
		else
			fputc(c, jp.fp);
	}
	fputc('"', jp.fp);
}

/* Separator, indentation and key before a value. */
static void begin_value(const char *key)
{
	struct frame *f;

	if (!jp.depth)
		return;
	f = &jp.stack[jp.depth - 1];
	if (!f->empty)
		fputc(',', jp.fp);
	f->empty = false;
	if (jp.pretty)
		newline_indent(jp.depth);
	if (!f->array && key) {
		write_json_string(key);
		fputs(jp.pretty ? ": " : ":", jp.fp);
	}
}

static void end_value(void)
{
	if (!jp.depth)
		fputc('\n', jp.fp);
}

static void open_container(const char *key, bool array)
{
	if (!jp.json || jp.depth == MAX_DEPTH)
		return;
	begin_value(key);
	fputc(array ? '[' : '{', jp.fp);
	jp.stack[jp.depth++] = (struct frame){ .array = array, .empty = true };
}

static void close_container(void)
{
	struct frame f;

	if (!jp.json || !jp.depth)
		return;
	f = jp.stack[--jp.depth];
	if (!f.empty && jp.pretty)
		newline_indent(jp.depth);
	fputc(f.array ? ']' : '}', jp.fp);
	end_value();
}

void open_json_object(const char *key)
{
	open_container(key, false);
}

void close_json_object(void)
{
	close_container();
}

void open_json_array(const char *key)
{
	open_container(key, true);
}

void close_json_array(void)
{
	close_container();
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (!want(t))
		return;
	if (jp.json) {
		begin_value(key);
		write_json_string(value);
		end_value();
	} else if (fmt) {
		fprintf(jp.fp, fmt, value);
	}
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int value)
{
	if (!want(t))
		return;
	if (jp.json) {
		begin_value(key);
		fprintf(jp.fp, "%u", value);
		end_value();
	} else if (fmt) {
		fprintf(jp.fp, fmt, value);
	}
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	if (!want(t))
		return;
	if (jp.json) {
		begin_value(key);
		fprintf(jp.fp, "%" PRIu64, value);
		end_value();
	} else if (fmt) {
		fprintf(jp.fp, fmt, value);
	}
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value)
{
	if (!want(t))
		return;
	if (jp.json) {
		begin_value(key);
		fputs(value ? "true" : "false", jp.fp);
		end_value();
	} else if (fmt) {
		fprintf(jp.fp, fmt, value ? "yes" : "no");
	}
}

void print_null(enum output_type t, const char *key, const char *fmt)
{
	if (!want(t))
		return;
	if (jp.json) {
		begin_value(key);
		fputs("null", jp.fp);
		end_value();
	} else if (fmt) {
		fputs(fmt, jp.fp);
	}
}

void print_text(const char *text)
{
	if (!jp.json)
		fputs(text, jp.fp);
}

void print_nl(void)
{
	if (!jp.json)
		fputc('\n', jp.fp);
}
