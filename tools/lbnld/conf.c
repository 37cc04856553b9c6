// SPDX-License-Identifier: GPL-2.0
/*
 * lbnld's configuration file: "KEYWORD VALUE" lines, blank lines and
 * comments from "#" to the end of the line. Every keyword at most once
 * ("agent" once per dest), exactly one value each ("agent": two); anything
 * else is an error naming the line.
 *
 *	table 100		routing table of the table driver
 *	protocol 76		rtm_protocol that marks lbnld's routes
 *	driver table		or hook
 *	hook /usr/local/sbin/lbnl-router-hook
 *	hook-timeout 10		seconds
 *	self-dev lo		device of the "self" route
 *	log syslog		or stderr
 *	key-file /etc/lbnl/key.pem	this LB's TLS private key (ctl.h);
 *				none: migrations are not driven
 *	cert-file /etc/lbnl/cert.pem	its certificate (role lbnl:lb)
 *	ca-file /etc/lbnl/ca.pem	the cluster's CA
 *	agent-port 7342		where the agents listen, by default
 *	agent 203.0.113.11 10.0.0.11:7342	the agent of one dest
 *	listen [::]:7341	where agents send RESULTs
 *	migrate-timeout-margin-ms 100	kept from a migration's deadline
 *	state-dir /var/lib/lbnl	records of migrated associations (read at
 *				start only)
 *	restore-file /etc/lbnl/lbnl.conf	applied to a module without VIPs
 *	tag-key-file /etc/lbnl/tag.key	set in such a module (routable tags)
 *	cli /usr/local/sbin/lbnl	the CLI that applies them
 *	ready-timeout 30	seconds a new module instance is held at most
 *	on-stop withdraw	or keep: SIGTERM removes the routes, or not
 *	metrics-listen 127.0.0.1:9642	where /metrics is served; none: not
 *	check 192.0.2.1:80 proto tcp 10.0.0.1:8080 http /health rise 2
 *				a health check of one dest (health_conf.c),
 *				one line per dest, or "all" for every dest
 *				of the VIP but those with a line
 *	group etcd http://198.51.100.50:2379 prefix /lbnl/web name lb1
 *				an LB group: the configuration is the
 *				store's (group_store.h, group.c); not with
 *				restore-file
 *
 * A double-quoted "#" (a check's command) does not start a comment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "ctl.h"
#include "health.h"
#include "lbnld.h"
#include "util.h"

#define MAX_WORDS 4	/* one more than allowed: to say what is extra */

enum key {
	KEY_TABLE, KEY_PROTOCOL, KEY_DRIVER, KEY_HOOK, KEY_HOOK_TIMEOUT,
	KEY_SELF_DEV, KEY_LOG, KEY_KEY_FILE, KEY_AGENT_PORT, KEY_AGENT,
	KEY_LISTEN, KEY_MARGIN, KEY_CERT_FILE, KEY_CA_FILE, KEY_STATE_DIR,
	KEY_RESTORE_FILE, KEY_TAG_KEY_FILE, KEY_CLI, KEY_READY_TIMEOUT,
	KEY_ON_STOP, KEY_METRICS_LISTEN, KEY_CHECK, KEY_GROUP, NKEYS
};

static const char *const keywords[NKEYS] = {
	[KEY_TABLE] = "table",
	[KEY_PROTOCOL] = "protocol",
	[KEY_DRIVER] = "driver",
	[KEY_HOOK] = "hook",
	[KEY_HOOK_TIMEOUT] = "hook-timeout",
	[KEY_SELF_DEV] = "self-dev",
	[KEY_LOG] = "log",
	[KEY_KEY_FILE] = "key-file",
	[KEY_AGENT_PORT] = "agent-port",
	[KEY_AGENT] = "agent",
	[KEY_LISTEN] = "listen",
	[KEY_MARGIN] = "migrate-timeout-margin-ms",
	[KEY_CERT_FILE] = "cert-file",
	[KEY_CA_FILE] = "ca-file",
	[KEY_STATE_DIR] = "state-dir",
	[KEY_RESTORE_FILE] = "restore-file",
	[KEY_TAG_KEY_FILE] = "tag-key-file",
	[KEY_CLI] = "cli",
	[KEY_READY_TIMEOUT] = "ready-timeout",
	[KEY_ON_STOP] = "on-stop",
	[KEY_METRICS_LISTEN] = "metrics-listen",
	[KEY_CHECK] = "check",
	[KEY_GROUP] = "group",
};

#define GROUP_WORDS	16	/* "group etcd URL" and 5 keywords, and more */

struct parser {
	const char *name;
	unsigned int line;
	unsigned int seen[NKEYS];	/* line of each keyword, 0: not yet */
	size_t checks_cap;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (p->line)
		n = (size_t)snprintf(p->err, p->errlen, "%s:%u: ", p->name,
				     p->line);
	else
		n = (size_t)snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void lbnld_conf_defaults(struct lbnld_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->table = LBNLD_DEFAULT_TABLE;
	c->protocol = LBNLD_DEFAULT_PROTOCOL;
	c->driver = LBNLD_DRIVER_TABLE;
	c->hook_timeout = LBNLD_DEFAULT_HOOK_TIMEOUT;
	snprintf(c->self_dev, sizeof(c->self_dev), "lo");
	c->log = LBNLD_LOG_AUTO;
	c->agent_port = LBNL_CTL_AGENT_PORT;
	c->listen.addr.family = AF_INET6;	/* [::]: both families */
	c->listen.port = LBNL_CTL_LBNLD_PORT;
	c->margin_ms = LBNLD_DEFAULT_MARGIN_MS;
	snprintf(c->cert_file, sizeof(c->cert_file), "%s", LBNL_CTL_CERT_FILE);
	snprintf(c->ca_file, sizeof(c->ca_file), "%s", LBNL_CTL_CA_FILE);
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", LBNLD_STATE_DIR);
	snprintf(c->cli, sizeof(c->cli), "%s", LBNLD_CLI_PATH);
	c->ready_timeout = LBNLD_DEFAULT_READY_TIMEOUT;
	c->metrics_listen.addr.family = AF_INET;
	c->metrics_listen.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	c->metrics_listen.port = LBNLD_METRICS_PORT;
}

/* A number in [min, max]; what is refused is said by the caller. */
static bool number_in(const char *s, uint32_t min, uint32_t max,
		      uint32_t *v)
{
	return !lbnl_parse_u32(s, v) && *v >= min && *v <= max;
}

static int parse_table(struct parser *p, const char *v, struct lbnld_conf *c)
{
	/* The kernel's own tables: lbnld's must be a table of its own. */
	if (!number_in(v, 1, UINT32_MAX, &c->table) ||
	    c->table == RT_TABLE_DEFAULT || c->table == RT_TABLE_MAIN ||
	    c->table == RT_TABLE_LOCAL)
		return fail(p, "invalid table '%s': a number from 1 to 4294967295 other than 253 (default), 254 (main) and 255 (local)",
			    v);
	return 0;
}

static int parse_protocol(struct parser *p, const char *v,
			  struct lbnld_conf *c)
{
	uint32_t n;

	/*
	 * 0-4 are the kernel's (unspec, redirect, kernel, boot, static:
	 * lbnld deletes routes of its protocol it did not want), 12 is
	 * BIRD's own, which BIRD does not learn.
	 */
	if (!number_in(v, 5, 255, &n) || n == RTPROT_BIRD)
		return fail(p, "invalid protocol '%s': a number from 5 to 255 other than 12 (bird)",
			    v);
	c->protocol = (uint8_t)n;
	return 0;
}

static int parse_choice(struct parser *p, const char *key, const char *v,
			const char *a, const char *b, bool *is_b)
{
	if (strcmp(v, a) && strcmp(v, b))
		return fail(p, "invalid %s '%s', expected %s or %s", key, v,
			    a, b);
	*is_b = !strcmp(v, b);
	return 0;
}

static int parse_hook(struct parser *p, const char *v, struct lbnld_conf *c)
{
	if (v[0] != '/')
		return fail(p, "invalid hook '%s': an absolute path is needed",
			    v);
	if (strlen(v) >= sizeof(c->hook))
		return fail(p, "invalid hook: path too long");
	snprintf(c->hook, sizeof(c->hook), "%s", v);
	return 0;
}

/* What the kernel takes as a device name (dev_valid_name()). */
static int parse_self_dev(struct parser *p, const char *v,
			  struct lbnld_conf *c)
{
	if (strlen(v) >= sizeof(c->self_dev) || !strcmp(v, ".") ||
	    !strcmp(v, "..") || strpbrk(v, "/:"))
		return fail(p, "invalid self-dev '%s': not a device name", v);
	snprintf(c->self_dev, sizeof(c->self_dev), "%s", v);
	return 0;
}

static int parse_path(struct parser *p, const char *key, const char *v,
		      char *dst, size_t size)
{
	if (v[0] != '/')
		return fail(p, "invalid %s '%s': an absolute path is needed",
			    key, v);
	if (strlen(v) >= size)
		return fail(p, "invalid %s: path too long", key);
	snprintf(dst, size, "%s", v);
	return 0;
}

/* ADDR or ADDR:PORT ([v6]:PORT); port 0 if none is given. */
static int parse_endpoint(struct parser *p, const char *key, const char *v,
			  struct lbnl_endpoint *e)
{
	bool has_port = false;
	int err;

	memset(e, 0, sizeof(*e));
	err = lbnl_parse_addr_port(v, &e->addr, &e->port, &has_port);
	if (!err && has_port && !e->port)
		err = LBNL_ADDR_EPORT;
	if (err)
		return fail(p, "invalid %s '%s': %s", key, v,
			    err == LBNL_ADDR_EPORT ? "port not a number from 1 to 65535" :
			    lbnl_addr_strerror(err));
	return 0;
}

static int parse_agent(struct parser *p, const char *dest, const char *at,
		       struct lbnld_conf *c)
{
	struct lbnld_agent *a = &c->agents[c->n_agents];
	struct lbnl_endpoint e;
	char text[LBNL_ADDRSTRLEN];
	size_t i;

	if (lbnl_parse_addr(dest, &a->dest))
		return fail(p, "invalid agent dest '%s': not an IPv4 or IPv6 address",
			    dest);
	for (i = 0; i < c->n_agents; i++)
		if (lbnl_addr_equal(&c->agents[i].dest, &a->dest))
			return fail(p, "a second agent for dest %s",
				    lbnl_format_addr(&a->dest, text,
						     sizeof(text)));
	if (c->n_agents == LBNLD_MAX_AGENTS)
		return fail(p, "more than %d agent lines", LBNLD_MAX_AGENTS);
	if (parse_endpoint(p, "agent address", at, &e))
		return -1;
	a->addr = e.addr;
	a->port = e.port;
	c->n_agents++;
	return 0;
}

static int parse_listen(struct parser *p, const char *v, struct lbnld_conf *c)
{
	if (parse_endpoint(p, "listen", v, &c->listen))
		return -1;
	if (!c->listen.port)
		c->listen.port = LBNL_CTL_LBNLD_PORT;
	return 0;
}

/* ADDR[:PORT] (default port LBNLD_METRICS_PORT), or none. */
static int parse_metrics_listen(struct parser *p, const char *v,
				struct lbnld_conf *c)
{
	c->metrics_off = !strcmp(v, "none");
	if (c->metrics_off)
		return 0;
	if (parse_endpoint(p, "metrics-listen", v, &c->metrics_listen))
		return -1;
	if (!c->metrics_listen.port)
		c->metrics_listen.port = LBNLD_METRICS_PORT;
	return 0;
}

/*
 * "check ..." (the rest of the line: text), one per dest of a VIP, and
 * one for all of them.
 */
static int parse_check(struct parser *p, char *text, struct lbnld_conf *c)
{
	char why[256], vip[LBNL_ADDRPORTSTRLEN + 16], dest[LBNL_ADDRPORTSTRLEN];
	struct lbnld_check chk, *a;
	size_t i, cap;

	if (lbnld_check_parse(text, &chk, why, sizeof(why)))
		return fail(p, "%s", why);
	chk.line = p->line;
	for (i = 0; i < c->n_checks; i++) {
		a = &c->checks[i];
		/* A line for one dest takes it over from an "all" line. */
		if (a->vip.proto != chk.vip.proto ||
		    a->vip.port != chk.vip.port ||
		    !lbnl_addr_equal(&a->vip.addr, &chk.vip.addr) ||
		    a->all_dests != chk.all_dests ||
		    a->dest.port != chk.dest.port ||
		    !lbnl_addr_equal(&a->dest.addr, &chk.dest.addr))
			continue;
		lbnld_vip_text(&chk.vip, vip, sizeof(vip));
		if (chk.all_dests)
			return fail(p, "a second check of all dests of %s (first on line %u)",
				    vip, a->line);
		lbnl_format_addr_port(&chk.dest.addr, chk.dest.port, dest,
				      sizeof(dest));
		return fail(p, "a second check for dest %s of %s (first on line %u)",
			    dest, vip, a->line);
	}
	if (c->n_checks == LBNLD_MAX_CHECKS)
		return fail(p, "more than %d check lines", LBNLD_MAX_CHECKS);
	if (c->n_checks == p->checks_cap) {
		cap = p->checks_cap ? 2 * p->checks_cap : 16;
		a = realloc(c->checks, cap * sizeof(*a));
		if (!a)
			return fail(p, "out of memory");
		c->checks = a;
		p->checks_cap = cap;
	}
	c->checks[c->n_checks++] = chk;
	return 0;
}

static int parse_value(struct parser *p, enum key key, const char *v,
		       struct lbnld_conf *c)
{
	uint32_t n;
	bool b;

	switch (key) {
	case KEY_TABLE:
		return parse_table(p, v, c);
	case KEY_PROTOCOL:
		return parse_protocol(p, v, c);
	case KEY_DRIVER:
		if (parse_choice(p, "driver", v, "table", "hook", &b))
			return -1;
		c->driver = b ? LBNLD_DRIVER_HOOK : LBNLD_DRIVER_TABLE;
		return 0;
	case KEY_HOOK:
		return parse_hook(p, v, c);
	case KEY_HOOK_TIMEOUT:
		if (!number_in(v, 1, 3600, &n))
			return fail(p, "invalid hook-timeout '%s': a number of seconds from 1 to 3600",
				    v);
		c->hook_timeout = n;
		return 0;
	case KEY_SELF_DEV:
		return parse_self_dev(p, v, c);
	case KEY_LOG:
		if (parse_choice(p, "log", v, "stderr", "syslog", &b))
			return -1;
		c->log = b ? LBNLD_LOG_SYSLOG : LBNLD_LOG_STDERR;
		return 0;
	case KEY_KEY_FILE:
		return parse_path(p, "key-file", v, c->key_file,
				  sizeof(c->key_file));
	case KEY_CERT_FILE:
		return parse_path(p, "cert-file", v, c->cert_file,
				  sizeof(c->cert_file));
	case KEY_CA_FILE:
		return parse_path(p, "ca-file", v, c->ca_file,
				  sizeof(c->ca_file));
	case KEY_STATE_DIR:
		return parse_path(p, "state-dir", v, c->state_dir,
				  sizeof(c->state_dir));
	case KEY_RESTORE_FILE:
		return parse_path(p, "restore-file", v, c->restore_file,
				  sizeof(c->restore_file));
	case KEY_TAG_KEY_FILE:
		return parse_path(p, "tag-key-file", v, c->tag_key_file,
				  sizeof(c->tag_key_file));
	case KEY_CLI:
		return parse_path(p, "cli", v, c->cli, sizeof(c->cli));
	case KEY_READY_TIMEOUT:
		if (!number_in(v, 1, 3600, &n))
			return fail(p, "invalid ready-timeout '%s': a number of seconds from 1 to 3600",
				    v);
		c->ready_timeout = n;
		return 0;
	case KEY_ON_STOP:
		return parse_choice(p, "on-stop", v, "withdraw", "keep",
				    &c->on_stop_keep);
	case KEY_AGENT_PORT:
		if (!number_in(v, 1, 65535, &n))
			return fail(p, "invalid agent-port '%s': a number from 1 to 65535",
				    v);
		c->agent_port = (uint16_t)n;
		return 0;
	case KEY_LISTEN:
		return parse_listen(p, v, c);
	case KEY_METRICS_LISTEN:
		return parse_metrics_listen(p, v, c);
	case KEY_MARGIN:
		if (!number_in(v, 0, 10000, &n))
			return fail(p, "invalid migrate-timeout-margin-ms '%s': a number of milliseconds from 0 to 10000",
				    v);
		c->margin_ms = n;
		return 0;
	default:
		return -1;
	}
}

/* Cut the comment off: from a "#" that is not between double quotes. */
static void strip_comment(char *text)
{
	bool quoted = false;

	for (; *text; text++) {
		if (*text == '"')
			quoted = !quoted;
		else if (*text == '#' && !quoted)
			break;
	}
	*text = '\0';
}

/* "group etcd URL ..." (the rest of the line: text): group_store.h's. */
static int parse_group(struct parser *p, char *text, struct lbnld_conf *c)
{
	char *words[GROUP_WORDS + 1], *save, *w, why[LBNL_ETCD_PATH_MAX + 64];
	int n = 0;

	if (p->seen[KEY_GROUP])
		return fail(p, "'group' given twice (first on line %u)",
			    p->seen[KEY_GROUP]);
	p->seen[KEY_GROUP] = p->line;
	for (w = strtok_r(text, " \t\r\n", &save); w && n <= GROUP_WORDS;
	     w = strtok_r(NULL, " \t\r\n", &save))
		words[n++] = w;
	if (n > GROUP_WORDS)
		return fail(p, "group: too many words");
	lbnl_group_conf_init(&c->group_store);
	if (lbnl_group_conf_parse(n, words, &c->group_store, why, sizeof(why)))
		return fail(p, "%s", why);
	c->group = true;
	return 0;
}

static int parse_line(struct parser *p, char *text, struct lbnld_conf *c)
{
	char *words[MAX_WORDS], *save, *w;
	unsigned int n = 0, k;
	size_t skip;

	strip_comment(text);
	/* A check has its own words (quotes): what follows goes to it. */
	skip = strspn(text, " \t\r\n");
	if (!strncmp(text + skip, "check", 5) &&
	    (!text[skip + 5] || strchr(" \t\r\n", text[skip + 5])))
		return parse_check(p, text + skip + 5, c);
	if (!strncmp(text + skip, "group", 5) &&
	    (!text[skip + 5] || strchr(" \t\r\n", text[skip + 5])))
		return parse_group(p, text + skip + 5, c);
	for (w = strtok_r(text, " \t\r\n", &save); w && n < MAX_WORDS;
	     w = strtok_r(NULL, " \t\r\n", &save))
		words[n++] = w;
	if (!n)
		return 0;
	for (k = 0; k < NKEYS; k++)
		if (!strcmp(words[0], keywords[k]))
			break;
	if (k == NKEYS)
		return fail(p, "unknown keyword '%s'", words[0]);
	if (n < 2)
		return fail(p, "missing value for '%s'", words[0]);
	if (k == KEY_AGENT) {
		if (n < 3)
			return fail(p, "'agent' needs a dest address and the agent's address");
		if (n > 3)
			return fail(p, "unexpected '%s' after 'agent %s %s'",
				    words[3], words[1], words[2]);
		return parse_agent(p, words[1], words[2], c);
	}
	if (n > 2)
		return fail(p, "unexpected '%s' after '%s %s'", words[2],
			    words[0], words[1]);
	if (p->seen[k])
		return fail(p, "'%s' given twice (first on line %u)",
			    words[0], p->seen[k]);
	p->seen[k] = p->line;
	return parse_value(p, k, words[1], c);
}

/* What no single line shows: the hook and its driver go together. */
static int check_whole(struct parser *p, struct lbnld_conf *c)
{
	struct stat st;

	p->line = 0;
	if (c->group && c->restore_file[0])
		return fail(p, "'group' and 'restore-file' (line %u) exclude each other: an LB of a group takes its configuration from the group's store only",
			    p->seen[KEY_RESTORE_FILE]);
	if (c->driver != LBNLD_DRIVER_HOOK) {
		if (c->hook[0])
			return fail(p, "'hook' given but the driver is 'table' (add 'driver hook')");
		return 0;
	}
	if (!c->hook[0])
		return fail(p, "'driver hook' needs a 'hook' command");
	if (stat(c->hook, &st) || !S_ISREG(st.st_mode) ||
	    access(c->hook, X_OK))
		return fail(p, "hook '%s' is not an executable file", c->hook);
	return 0;
}

void lbnld_conf_free(struct lbnld_conf *c)
{
	free(c->checks);
	c->checks = NULL;
	c->n_checks = 0;
}

int lbnld_conf_read(FILE *fp, const char *name, struct lbnld_conf *c,
		    char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	struct lbnld_conf tmp;
	char *text = NULL;
	size_t cap = 0;
	int ret = 0;

	tmp = *c;
	/* c's checks stay c's: tmp starts from a copy. */
	tmp.checks = NULL;
	tmp.n_checks = 0;
	if (c->n_checks) {
		tmp.checks = malloc(c->n_checks * sizeof(*c->checks));
		if (!tmp.checks) {
			p.line = 0;
			return fail(&p, "out of memory");
		}
		memcpy(tmp.checks, c->checks,
		       c->n_checks * sizeof(*c->checks));
		tmp.n_checks = p.checks_cap = c->n_checks;
	}
	while (getline(&text, &cap, fp) >= 0) {
		p.line++;
		ret = parse_line(&p, text, &tmp);
		if (ret)
			break;
	}
	free(text);
	if (!ret && ferror(fp)) {
		p.line = 0;
		ret = fail(&p, "read error");
	}
	if (!ret)
		ret = check_whole(&p, &tmp);
	if (ret) {
		lbnld_conf_free(&tmp);
		return ret;
	}
	lbnld_conf_free(c);
	*c = tmp;
	return 0;
}

int lbnld_conf_load(const char *path, bool required, struct lbnld_conf *c,
		    char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	int ret;

	if (!fp) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	ret = lbnld_conf_read(fp, path, c, err, errlen);
	fclose(fp);
	return ret;
}
