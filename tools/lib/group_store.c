// SPDX-License-Identifier: GPL-2.0
/* The LB group's store: its layout and its configuration line (group_store.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "group_store.h"

#define MAX_WORDS	16

void lbnl_group_conf_init(struct lbnl_group_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->prefix, sizeof(c->prefix), "%s", LBNL_GROUP_PREFIX);
}

static int set_string(char *dst, size_t len, const char *kw, const char *v,
		      char *err, size_t errlen)
{
	if (strlen(v) >= len) {
		snprintf(err, errlen, "%s: longer than %zu characters", kw,
			 len - 1);
		return -EINVAL;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int lbnl_group_conf_parse(int argc, char **argv, struct lbnl_group_conf *c,
			  char *err, size_t errlen)
{
	static const char *const keywords[] = {
		"prefix", "ca-file", "cert-file", "key-file", "name",
	};
	struct { char *buf; size_t len; } dst[] = {
		{ c->prefix, sizeof(c->prefix) },
		{ c->etcd.ca_file, sizeof(c->etcd.ca_file) },
		{ c->etcd.cert_file, sizeof(c->etcd.cert_file) },
		{ c->etcd.key_file, sizeof(c->etcd.key_file) },
		{ c->name, sizeof(c->name) },
	};
	bool seen[5] = { false };
	size_t n, k;
	int i;

	if (argc < 2 || strcmp(argv[0], "etcd")) {
		snprintf(err, errlen, "group: expected \"etcd URL\"");
		return -EINVAL;
	}
	if (strncmp(argv[1], "http://", 7) && strncmp(argv[1], "https://", 8)) {
		snprintf(err, errlen, "group etcd: '%s' is not an http:// or https:// URL",
			 argv[1]);
		return -EINVAL;
	}
	if (set_string(c->etcd.url, sizeof(c->etcd.url), "etcd", argv[1], err,
		       errlen))
		return -EINVAL;
	n = strlen(c->etcd.url);
	while (n && c->etcd.url[n - 1] == '/')
		c->etcd.url[--n] = '\0';
	for (i = 2; i < argc; i += 2) {
		for (k = 0; k < 5 && strcmp(argv[i], keywords[k]); k++)
			;
		if (k == 5) {
			snprintf(err, errlen, "group: unknown keyword '%s'",
				 argv[i]);
			return -EINVAL;
		}
		if (seen[k]) {
			snprintf(err, errlen, "group: '%s' given twice",
				 argv[i]);
			return -EINVAL;
		}
		if (i + 1 == argc) {
			snprintf(err, errlen, "group: '%s' needs a value",
				 argv[i]);
			return -EINVAL;
		}
		seen[k] = true;
		if (set_string(dst[k].buf, dst[k].len, argv[i], argv[i + 1],
			       err, errlen))
			return -EINVAL;
	}
	n = strlen(c->prefix);
	while (n > 1 && c->prefix[n - 1] == '/')
		c->prefix[--n] = '\0';
	if (c->prefix[0] != '/' || n < 2) {
		snprintf(err, errlen, "group: prefix '%s' must start with '/' and name something",
			 c->prefix);
		return -EINVAL;
	}
	if (strchr(c->name, '/')) {
		snprintf(err, errlen, "group: name '%s' has a '/'", c->name);
		return -EINVAL;
	}
	if (!c->etcd.cert_file[0] != !c->etcd.key_file[0]) {
		snprintf(err, errlen, "group: cert-file and key-file go together");
		return -EINVAL;
	}
	return 0;
}

int lbnl_group_conf_load(const char *path, struct lbnl_group_conf *c,
			 char *err, size_t errlen)
{
	char *text = NULL, *words[MAX_WORDS], *save, *w, why[384];
	unsigned int number = 0, found = 0;
	size_t size = 0;
	FILE *fp = fopen(path, "r");
	int n, ret = 0;

	if (!fp) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (!ret && getline(&text, &size, fp) >= 0) {
		number++;
		text[strcspn(text, "#")] = '\0';
		n = 0;
		for (w = strtok_r(text, " \t\r\n", &save); w && n < MAX_WORDS;
		     w = strtok_r(NULL, " \t\r\n", &save))
			words[n++] = w;
		if (!n)
			continue;
		if (strcmp(words[0], "group")) {
			snprintf(err, errlen, "%s:%u: unknown keyword '%s'",
				 path, number, words[0]);
			ret = -EINVAL;
		} else if (found++) {
			snprintf(err, errlen, "%s:%u: a second group line",
				 path, number);
			ret = -EINVAL;
		} else if (lbnl_group_conf_parse(n - 1, words + 1, c, why,
						 sizeof(why))) {
			snprintf(err, errlen, "%s:%u: %s", path, number, why);
			ret = -EINVAL;
		}
	}
	free(text);
	fclose(fp);
	if (!ret && !found) {
		snprintf(err, errlen, "%s: no group line", path);
		ret = -EINVAL;
	}
	return ret;
}

const char *lbnl_group_name(const struct lbnl_group_conf *c, char *buf,
			    size_t len)
{
	if (c->name[0])
		return c->name;
	if (gethostname(buf, len))
		snprintf(buf, len, "unknown");
	buf[len - 1] = '\0';
	return buf;
}

void lbnl_group_key(const struct lbnl_group_conf *c, const char *dir,
		    const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", c->prefix, dir, name ? name : "");
}

char *lbnl_group_config_text(const struct lbnl_etcd_kvs *kvs)
{
	size_t i, len = 0;
	char *text, *p;

	for (i = 0; i < kvs->count; i++)
		len += kvs->kv[i].value_len + 1;
	text = malloc(len + 1);
	if (!text)
		return NULL;
	p = text;
	for (i = 0; i < kvs->count; i++) {
		memcpy(p, kvs->kv[i].value, kvs->kv[i].value_len);
		p += kvs->kv[i].value_len;
		/* Each value ends a line, whoever wrote it. */
		if (kvs->kv[i].value_len && p[-1] != '\n')
			*p++ = '\n';
	}
	*p = '\0';
	return text;
}

char *lbnl_group_status_json(struct lbnl_group_status *st)
{
	time_t now = time(NULL);
	struct tm tm;
	json_t *j;
	char *text;

	gmtime_r(&now, &tm);
	strftime(st->time, sizeof(st->time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = json_pack("{sIsbsIssss}", "revision", (json_int_t)st->revision,
		      "applied", st->applied, "applied_revision",
		      (json_int_t)st->applied_revision, "error", st->error,
		      "time", st->time);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}

int lbnl_group_status_parse(const char *text, struct lbnl_group_status *st)
{
	json_t *j = json_loads(text, 0, NULL), *v;
	const char *s;

	memset(st, 0, sizeof(*st));
	if (!json_is_object(j)) {
		json_decref(j);
		return -EINVAL;
	}
	v = json_object_get(j, "revision");
	st->revision = json_is_integer(v) ? json_integer_value(v) : 0;
	st->applied = json_is_true(json_object_get(j, "applied"));
	v = json_object_get(j, "applied_revision");
	st->applied_revision = json_is_integer(v) ? json_integer_value(v) : 0;
	s = json_string_value(json_object_get(j, "error"));
	snprintf(st->error, sizeof(st->error), "%s", s ? s : "");
	s = json_string_value(json_object_get(j, "time"));
	snprintf(st->time, sizeof(st->time), "%s", s ? s : "");
	json_decref(j);
	return 0;
}
