// SPDX-License-Identifier: GPL-2.0
/*
 * A "check" line of lbnld.conf (conf.c hands over what follows "check"):
 *
 *	check VIP:PORT proto P DEST[:PORT]|all CHECKER [SETTING VALUE]...
 *
 * "all": every dest of the VIP, as many as it has at any time, each with
 * counts of its own; a line for one of its dests takes that dest over.
 * Each dest being probed on its own address, such a line takes no full
 * URL (a path) and no command.
 *
 * CHECKER is one of
 *	tcp			a TCP connection set up
 *	sctp			an SCTP association set up and shut down
 *	sctp heartbeat		a HEARTBEAT answered on an association kept
 *				open (health_sctp.c)
 *	http URL [status N]	a GET answered with status N (default 200)
 *	https URL [status N] [verify] [ca-file PATH]
 *	command "COMMAND"	/bin/sh -c COMMAND exits 0
 *
 * URL is a full http:// (https://) URL, or a path ("/health") on the
 * dest's address and port. The settings: interval MS, timeout MS (each
 * from 10 to 3600000), rise N, fall N (1 to 100), port N (tcp, sctp and
 * a path-only URL: where to connect instead of the dest's port); https:
 * verify (the certificate, against the system's CAs), ca-file PATH (the
 * CAs to verify against: implies verify); on-down keep|flush (what
 * becomes of the flows of a dest set down: kept until they end, the
 * default, or their entries flushed so that their next packets are
 * scheduled to a dest that is up). Each at
 * most once; a word may be quoted with double quotes (no escapes), which
 * COMMAND needs if it has spaces.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/lbnl.h>

#include "health.h"
#include "lbnld.h"
#include "names.h"
#include "util.h"

#define MAX_WORDS	32

static const char *const kind_names[LBNLD_CHECK_KINDS] = {
	[LBNLD_CHECK_TCP] = "tcp",
	[LBNLD_CHECK_SCTP] = "sctp",
	[LBNLD_CHECK_HTTP] = "http",
	[LBNLD_CHECK_HTTPS] = "https",
	[LBNLD_CHECK_COMMAND] = "command",
	[LBNLD_CHECK_SCTP_HEARTBEAT] = "sctp heartbeat",
};

const char *lbnld_check_kind_name(enum lbnld_check_kind kind)
{
	return kind < LBNLD_CHECK_KINDS ? kind_names[kind] : "?";
}

static int __attribute__((format(printf, 3, 4)))
refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Split text into words; a double-quoted word keeps its spaces (quotes
 * removed). -1 on an unterminated quote or too many words.
 */
static int split(char *text, char **words, unsigned int *n, char *err,
		 size_t errlen)
{
	char *s = text, *end;

	*n = 0;
	for (;;) {
		s += strspn(s, " \t\r\n");
		if (!*s)
			return 0;
		if (*n == MAX_WORDS)
			return refuse(err, errlen, "more than %d words",
				      MAX_WORDS);
		if (*s == '"') {
			end = strchr(s + 1, '"');
			if (!end)
				return refuse(err, errlen, "a quote (\") is not closed");
			words[(*n)++] = s + 1;
			*end = '\0';
			s = end + 1;
			if (*s && !strchr(" \t\r\n", *s))
				return refuse(err, errlen, "a space is needed after a closing quote");
			continue;
		}
		words[(*n)++] = s;
		s += strcspn(s, " \t\r\n");
		if (*s)
			*s++ = '\0';
	}
}

static bool number_in(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	return !lbnl_parse_u32(s, v) && *v >= min && *v <= max;
}

static int parse_url(const char *v, struct lbnld_check *c, char *err,
		     size_t errlen)
{
	const char *scheme = c->kind == LBNLD_CHECK_HTTPS ? "https://" :
							     "http://";
	const char *name = lbnld_check_kind_name(c->kind);

	if (strlen(v) >= sizeof(c->url))
		return refuse(err, errlen, "invalid %s URL: longer than %zu characters",
			      name, sizeof(c->url) - 1);
	if (v[0] != '/' && strncmp(v, scheme, strlen(scheme)))
		return refuse(err, errlen, "invalid %s URL '%s': %s... or a path (/...) expected",
			      name, v, scheme);
	if (strpbrk(v, " \t\r\n"))
		return refuse(err, errlen, "invalid %s URL '%s': spaces must be encoded (%%20)",
			      name, v);
	snprintf(c->url, sizeof(c->url), "%s", v);
	return 0;
}

enum setting {
	SET_INTERVAL, SET_TIMEOUT, SET_RISE, SET_FALL, SET_PORT, SET_STATUS,
	SET_VERIFY, SET_CA_FILE, SET_ON_DOWN, NSETTINGS
};

static const char *const setting_names[NSETTINGS] = {
	[SET_INTERVAL] = "interval",
	[SET_TIMEOUT] = "timeout",
	[SET_RISE] = "rise",
	[SET_FALL] = "fall",
	[SET_PORT] = "port",
	[SET_STATUS] = "status",
	[SET_VERIFY] = "verify",
	[SET_CA_FILE] = "ca-file",
	[SET_ON_DOWN] = "on-down",
};

/* Which checkers take a setting (the common ones: all). */
static bool setting_applies(enum setting s, const struct lbnld_check *c)
{
	switch (s) {
	case SET_PORT:
		return c->kind == LBNLD_CHECK_TCP ||
		       c->kind == LBNLD_CHECK_SCTP ||
		       c->kind == LBNLD_CHECK_SCTP_HEARTBEAT ||
		       ((c->kind == LBNLD_CHECK_HTTP ||
			 c->kind == LBNLD_CHECK_HTTPS) && c->url[0] == '/');
	case SET_STATUS:
		return c->kind == LBNLD_CHECK_HTTP ||
		       c->kind == LBNLD_CHECK_HTTPS;
	case SET_VERIFY:
	case SET_CA_FILE:
		return c->kind == LBNLD_CHECK_HTTPS;
	default:
		return true;
	}
}

static int parse_setting(enum setting s, const char *v,
			 struct lbnld_check *c, char *err, size_t errlen)
{
	const char *name = setting_names[s];
	uint32_t n;

	switch (s) {
	case SET_INTERVAL:
	case SET_TIMEOUT:
		if (!number_in(v, LBNLD_CHECK_MS_MIN, LBNLD_CHECK_MS_MAX, &n))
			return refuse(err, errlen, "invalid %s '%s': a number of milliseconds from %d to %d",
				      name, v, LBNLD_CHECK_MS_MIN,
				      LBNLD_CHECK_MS_MAX);
		*(s == SET_INTERVAL ? &c->interval_ms : &c->timeout_ms) = n;
		return 0;
	case SET_RISE:
	case SET_FALL:
		if (!number_in(v, 1, LBNLD_CHECK_COUNT_MAX, &n))
			return refuse(err, errlen, "invalid %s '%s': a number from 1 to %d",
				      name, v, LBNLD_CHECK_COUNT_MAX);
		*(s == SET_RISE ? &c->rise : &c->fall) = n;
		return 0;
	case SET_PORT:
		if (!number_in(v, 1, 65535, &n))
			return refuse(err, errlen, "invalid port '%s': a number from 1 to 65535",
				      v);
		c->port = (uint16_t)n;
		return 0;
	case SET_STATUS:
		if (!number_in(v, 100, 599, &n))
			return refuse(err, errlen, "invalid status '%s': an HTTP status from 100 to 599",
				      v);
		c->status = n;
		return 0;
	case SET_CA_FILE:
		if (v[0] != '/')
			return refuse(err, errlen, "invalid ca-file '%s': an absolute path expected",
				      v);
		if (strlen(v) >= sizeof(c->ca_file))
			return refuse(err, errlen, "invalid ca-file: longer than %zu characters",
				      sizeof(c->ca_file) - 1);
		/* Refused now rather than failing every probe. */
		if (access(v, R_OK))
			return refuse(err, errlen, "ca-file '%s' cannot be read: %s",
				      v, strerror(errno));
		snprintf(c->ca_file, sizeof(c->ca_file), "%s", v);
		c->verify = true;
		return 0;
	case SET_ON_DOWN:
		if (strcmp(v, "keep") && strcmp(v, "flush"))
			return refuse(err, errlen, "invalid on-down '%s', expected keep or flush",
				      v);
		c->on_down_flush = !strcmp(v, "flush");
		return 0;
	default:
		return -1;
	}
}

/* "VIP:PORT proto P DEST[:PORT]|all": the first four words. */
static int parse_dest(char **w, unsigned int n, struct lbnld_check *c,
		      char *err, size_t errlen)
{
	unsigned int proto;
	bool has_port;
	int e;

	if (n < 1)
		return refuse(err, errlen, "'check' needs a VIP (ADDR:PORT proto P), a dest and a checker");
	e = lbnl_parse_addr_port(w[0], &c->vip.addr, &c->vip.port, NULL);
	if (e)
		return refuse(err, errlen, "invalid VIP '%s': %s", w[0],
			      lbnl_addr_strerror(e));
	if (n < 3 || strcmp(w[1], "proto"))
		return refuse(err, errlen, "expected 'proto %s' after the VIP '%s'",
			      lbnl_proto_names.choices, w[0]);
	if (lbnl_value(&lbnl_proto_names, w[2], &proto))
		return refuse(err, errlen, "invalid proto '%s', expected %s",
			      w[2], lbnl_proto_names.choices);
	c->vip.proto = (uint8_t)proto;
	if (n < 4)
		return refuse(err, errlen, "missing the dest (DEST[:PORT] or all) after 'proto %s'",
			      w[2]);
	if (!strcmp(w[3], "all")) {
		c->all_dests = true;
		return 0;
	}
	e = lbnl_parse_addr_port(w[3], &c->dest.addr, &c->dest.port,
				 &has_port);
	if (e)
		return refuse(err, errlen, "invalid dest '%s': %s", w[3],
			      lbnl_addr_strerror(e));
	if (c->dest.addr.family != c->vip.addr.family)
		return refuse(err, errlen, "dest '%s' is not of the VIP's address family",
			      w[3]);
	if (!has_port)
		c->dest.port = c->vip.port;
	return 0;
}

/* The checker and its argument: the words used. */
static int parse_checker(char **w, unsigned int n, struct lbnld_check *c,
			 unsigned int *used, char *err, size_t errlen)
{
	unsigned int k;

	if (!n)
		return refuse(err, errlen, "missing the checker: tcp, sctp, sctp heartbeat, http URL, https URL or command \"COMMAND\"");
	for (k = 0; k < LBNLD_CHECK_KINDS; k++)
		if (!strcmp(w[0], kind_names[k]))
			break;
	if (k == LBNLD_CHECK_KINDS)
		return refuse(err, errlen, "unknown checker '%s', expected tcp, sctp, sctp heartbeat, http, https or command",
			      w[0]);
	c->kind = k;
	*used = 1;
	if (c->kind == LBNLD_CHECK_SCTP && n > 1 && !strcmp(w[1], "heartbeat")) {
		c->kind = LBNLD_CHECK_SCTP_HEARTBEAT;
		*used = 2;
	}
	switch (c->kind) {
	case LBNLD_CHECK_HTTP:
	case LBNLD_CHECK_HTTPS:
		if (n < 2)
			return refuse(err, errlen, "'%s' needs a URL", w[0]);
		*used = 2;
		return parse_url(w[1], c, err, errlen);
	case LBNLD_CHECK_COMMAND:
		if (n < 2 || !w[1][0])
			return refuse(err, errlen, "'command' needs a command (quoted if it has spaces)");
		if (strlen(w[1]) >= sizeof(c->command))
			return refuse(err, errlen, "invalid command: longer than %zu characters",
				      sizeof(c->command) - 1);
		snprintf(c->command, sizeof(c->command), "%s", w[1]);
		*used = 2;
		return 0;
	default:
		return 0;
	}
}

int lbnld_check_parse(char *text, struct lbnld_check *c, char *err,
		      size_t errlen)
{
	unsigned int seen[NSETTINGS] = { 0 };
	char *w[MAX_WORDS];
	unsigned int n, i, used = 0, s;

	memset(c, 0, sizeof(*c));
	c->interval_ms = LBNLD_CHECK_INTERVAL_MS;
	c->timeout_ms = LBNLD_CHECK_TIMEOUT_MS;
	c->rise = LBNLD_CHECK_RISE;
	c->fall = LBNLD_CHECK_FALL;
	c->status = LBNLD_CHECK_STATUS;
	if (split(text, w, &n, err, errlen) ||
	    parse_dest(w, n, c, err, errlen) ||
	    parse_checker(w + 4, n - 4, c, &used, err, errlen))
		return -1;
	for (i = 4 + used; i < n; i++) {
		for (s = 0; s < NSETTINGS; s++)
			if (!strcmp(w[i], setting_names[s]))
				break;
		if (s == NSETTINGS || !setting_applies(s, c))
			return refuse(err, errlen, "unexpected '%s' in a %s check",
				      w[i], kind_names[c->kind]);
		if (seen[s])
			return refuse(err, errlen, "'%s' given twice",
				      setting_names[s]);
		seen[s] = 1;
		if (s == SET_VERIFY) {
			c->verify = true;
			continue;
		}
		if (i + 1 == n)
			return refuse(err, errlen, "missing value for '%s'",
				      setting_names[s]);
		if (parse_setting(s, w[++i], c, err, errlen))
			return -1;
	}
	if (c->all_dests && (c->kind == LBNLD_CHECK_HTTP ||
			     c->kind == LBNLD_CHECK_HTTPS) && c->url[0] != '/')
		return refuse(err, errlen, "a check of all dests takes a path (/...), not a full URL: each dest is asked on its own address");
	if (c->all_dests && c->kind == LBNLD_CHECK_COMMAND)
		return refuse(err, errlen, "a check of all dests cannot be a command (the same for every dest): one line per dest");
	if (c->timeout_ms > c->interval_ms)
		return refuse(err, errlen, "timeout %u ms is longer than the interval (%u ms)",
			      c->timeout_ms, c->interval_ms);
	return 0;
}

bool lbnld_check_equal(const struct lbnld_check *a,
		       const struct lbnld_check *b)
{
	return a->vip.proto == b->vip.proto && a->vip.port == b->vip.port &&
	       lbnl_addr_equal(&a->vip.addr, &b->vip.addr) &&
	       a->all_dests == b->all_dests &&
	       lbnl_addr_equal(&a->dest.addr, &b->dest.addr) &&
	       a->dest.port == b->dest.port && a->kind == b->kind &&
	       a->port == b->port && !strcmp(a->url, b->url) &&
	       a->status == b->status && a->verify == b->verify &&
	       !strcmp(a->ca_file, b->ca_file) &&
	       !strcmp(a->command, b->command) &&
	       a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->rise == b->rise &&
	       a->fall == b->fall && a->on_down_flush == b->on_down_flush;
}

void lbnld_check_target(const struct lbnld_check *c, struct lbnl_endpoint *at)
{
	at->addr = c->dest.addr;
	at->port = c->port ? c->port : c->dest.port;
}

const char *lbnld_check_text(const struct lbnld_check *c, char *buf,
			     size_t len)
{
	char vip[LBNL_ADDRPORTSTRLEN + 16], dest[LBNL_ADDRPORTSTRLEN];

	lbnld_vip_text(&c->vip, vip, sizeof(vip));
	if (c->all_dests)
		snprintf(dest, sizeof(dest), "all");
	else
		lbnl_format_addr_port(&c->dest.addr, c->dest.port, dest,
				      sizeof(dest));
	snprintf(buf, len, "%s dest %s (%s)", vip, dest, kind_names[c->kind]);
	return buf;
}
