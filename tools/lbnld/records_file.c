// SPDX-License-Identifier: GPL-2.0
/*
 * STATE-DIR/migrated.json, the records of migrated associations on disk
 * (records.c says what they are and when they change).
 *
 * Written whole at each change: to a temporary file, fsync'ed, renamed over
 * the old one, the directory fsync'ed, so that a crash leaves the old file
 * or the new one. A file that cannot be parsed is moved aside
 * (migrated.json.corrupt-TIME) and logged as an error: its records are
 * lost, lbnld goes on. One that cannot be read (permissions, I/O, a newer
 * format) is left alone and read again at each reconciliation; nothing is
 * saved over it meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <netinet/in.h>

#include "records.h"
#include "util.h"

#define RECORDS_VERSION	1

/* The file ----------------------------------------------------------------- */

static json_t *record_json(const struct lbnld_record *rec)
{
	char vip[LBNL_ADDRPORTSTRLEN], peer[LBNL_ADDRPORTSTRLEN],
	     dest[LBNL_ADDRPORTSTRLEN];
	json_t *o;

	lbnl_format_addr_port(&rec->vip.addr, rec->vip.port, vip, sizeof(vip));
	lbnl_format_addr_port(&rec->peer.addr, rec->peer.port, peer,
			      sizeof(peer));
	lbnl_format_addr_port(&rec->dest.addr, rec->dest.port, dest,
			      sizeof(dest));
	o = json_pack("{s:s, s:s, s:s, s:I}", "vip", vip, "proto", "sctp",
		      "peer", peer, "my_vtag", (json_int_t)rec->my_vtag);
	if (o && rec->peer_vtag &&
	    json_object_set_new(o, "peer_vtag",
				json_integer((json_int_t)rec->peer_vtag))) {
		json_decref(o);
		return NULL;
	}
	if (o && (json_object_set_new(o, "dest", json_string(dest)) ||
		  json_object_set_new(o, "first_seen",
				      json_integer(rec->first_seen)) ||
		  json_object_set_new(o, "last_seen",
				      json_integer(rec->last_seen)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* text into r->path: a temporary file, fsync, rename, fsync the directory. */
static int write_file(struct lbnld_records *r, const char *text)
{
	char tmp[sizeof(r->path) + 8];
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", r->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, text, strlen(text));
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, r->path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int lbnld_records_save(struct lbnld_records *r)
{
	json_t *root, *list;
	char *text;
	size_t i;
	int err;

	if (!r->dirty)
		return 0;
	if (!r->loaded)
		return -EAGAIN;
	list = json_array();
	root = json_pack("{s:i, s:o}", "version", RECORDS_VERSION, "records",
			 list);
	if (!root)
		return -ENOMEM;
	for (i = 0; i < r->count; i++)
		if (json_array_append_new(list, record_json(&r->recs[i]))) {
			json_decref(root);
			return -ENOMEM;
		}
	text = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	if (!text)
		return -ENOMEM;
	err = write_file(r, text);
	free(text);
	if (err)
		return err;
	for (i = 0; i < r->count; i++)
		r->recs[i].saved_last_seen = r->recs[i].last_seen;
	r->dirty = false;
	return 0;
}

/* "ADDR:PORT" of family (0: any), a port required. */
static bool parse_endpoint(const char *s, int family, struct lbnl_endpoint *e)
{
	bool has_port = false;

	memset(e, 0, sizeof(*e));
	return !lbnl_parse_addr_port(s, &e->addr, &e->port, &has_port) &&
	       has_port && e->port &&
	       (!family || e->addr.family == family);
}

/* One record of the file: 0, or -1 with why in err. */
static int parse_record(json_t *o, struct lbnld_record *rec, char *err,
			size_t len)
{
	const char *vip, *proto, *peer, *dest;
	json_int_t my_vtag, peer_vtag = 0, first, last;
	json_error_t jerr;

	memset(rec, 0, sizeof(*rec));
	if (json_unpack_ex(o, &jerr, JSON_STRICT,
			   "{s:s, s:s, s:s, s:I, s?I, s:s, s:I, s:I}",
			   "vip", &vip, "proto", &proto, "peer", &peer,
			   "my_vtag", &my_vtag, "peer_vtag", &peer_vtag,
			   "dest", &dest, "first_seen", &first,
			   "last_seen", &last)) {
		snprintf(err, len, "%s", jerr.text);
		return -1;
	}
	if (strcmp(proto, "sctp")) {
		snprintf(err, len, "proto '%.32s', expected sctp", proto);
		return -1;
	}
	if (!parse_endpoint(vip, 0, &rec->peer)) {
		snprintf(err, len, "vip '%.64s' is not ADDR:PORT", vip);
		return -1;
	}
	rec->vip.addr = rec->peer.addr;
	rec->vip.port = rec->peer.port;
	rec->vip.proto = IPPROTO_SCTP;
	if (!parse_endpoint(peer, rec->vip.addr.family, &rec->peer) ||
	    !parse_endpoint(dest, rec->vip.addr.family, &rec->dest)) {
		snprintf(err, len, "peer '%.64s' or dest '%.64s' is not ADDR:PORT of the VIP's family",
			 peer, dest);
		return -1;
	}
	if (my_vtag < 1 || my_vtag > UINT32_MAX || peer_vtag < 0 ||
	    peer_vtag > UINT32_MAX || first < 0 || last < 0) {
		snprintf(err, len, "a tag or a time out of range");
		return -1;
	}
	rec->my_vtag = (uint32_t)my_vtag;
	rec->peer_vtag = (uint32_t)peer_vtag;
	rec->first_seen = first;
	rec->last_seen = rec->saved_last_seen = last;
	return 0;
}

/*
 * The file's text into recs: 0, -1 (not a records file: why in err) or
 * -EPROTONOSUPPORT (another version: left alone).
 */
static int parse_file(const char *text, size_t size, struct lbnld_record **recs,
		      size_t *count, char *err, size_t len)
{
	json_t *root, *list, *o;
	json_int_t version;
	json_error_t jerr;
	size_t i, n;
	int ret = -1;

	*recs = NULL;
	*count = 0;
	root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, len, "line %d: %s", jerr.line, jerr.text);
		return -1;
	}
	if (json_unpack_ex(root, &jerr, JSON_STRICT, "{s:I, s:o}", "version",
			   &version, "records", &list)) {
		snprintf(err, len, "%s", jerr.text);
		goto out;
	}
	if (!json_is_array(list)) {
		snprintf(err, len, "records is not an array");
		goto out;
	}
	if (version != RECORDS_VERSION) {
		snprintf(err, len, "version %" JSON_INTEGER_FORMAT
			 " (this lbnld reads %d)", version, RECORDS_VERSION);
		ret = -EPROTONOSUPPORT;
		goto out;
	}
	n = json_array_size(list);
	*recs = calloc(n ? n : 1, sizeof(**recs));
	if (!*recs) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	json_array_foreach(list, i, o) {
		char why[192];

		if (parse_record(o, &(*recs)[i], why, sizeof(why))) {
			snprintf(err, len, "record %zu: %s", i, why);
			goto out;
		}
	}
	*count = n;
	ret = 0;
out:
	if (ret) {
		free(*recs);
		*recs = NULL;
	}
	json_decref(root);
	return ret;
}

/* The whole file (NUL-terminated): 0 or -errno (-ENOENT: none). */
static int read_file(const char *path, char **text, size_t *size)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *p;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		if (!buf || n + 1 >= cap) {
			if (buf)
				cap *= 2;
			p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*text = buf;
	*size = n;
	return 0;
}

/* Append rec unless a record has its tag key already. */
static int add_record(struct lbnld_records *r, const struct lbnld_record *rec)
{
	struct lbnld_record *p;
	size_t i;

	for (i = 0; i < r->count; i++)
		if (!lbnld_rec_tag_cmp(&r->recs[i].vip, r->recs[i].my_vtag,
				 r->recs[i].peer.port, &rec->vip,
				 rec->my_vtag, rec->peer.port))
			return 0;
	p = lbnl_grow_array(r->recs, &r->cap, r->count + 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->recs = p;
	r->recs[r->count++] = *rec;
	return 0;
}

/* The unreadable file, once per kind of failure. */
static void log_unreadable(struct lbnld_records *r, int err, const char *what)
{
	if (r->unreadable == err)
		return;
	r->unreadable = err;
	lbnl_log(LOG_ERR, "%s: %s: the records of migrated associations are not read nor saved until it is (tried again at each reconciliation)",
		 r->path, what);
}

/* A file that cannot be parsed: aside, its records lost, logged loudly. */
static int set_aside(struct lbnld_records *r, const char *why)
{
	char aside[sizeof(r->path) + 32];

	snprintf(aside, sizeof(aside), "%s.corrupt-%lld", r->path,
		 (long long)time(NULL));
	if (rename(r->path, aside)) {
		log_unreadable(r, errno, "not a records file, and it cannot be moved aside");
		return -errno;
	}
	lbnl_log(LOG_ERR, "%s: not a records file (%s): moved to %s; the migrated associations it recorded are not installed again",
		 r->path, why, aside);
	return 0;
}

int lbnld_records_load(struct lbnld_records *r)
{
	struct lbnld_record *recs = NULL;
	char *text = NULL, why[256];
	size_t size = 0, count = 0, i;
	int err;

	if (r->loaded)
		return 0;
	err = read_file(r->path, &text, &size);
	if (err == -ENOENT) {
		r->loaded = true;
		r->unreadable = 0;
		r->dirty = r->count > 0;
		return 0;
	}
	if (err) {
		log_unreadable(r, -err, strerror(-err));
		return err;
	}
	err = parse_file(text, size, &recs, &count, why, sizeof(why));
	free(text);
	if (err == -EPROTONOSUPPORT) {
		log_unreadable(r, EPROTONOSUPPORT, why);
		return err;
	}
	if (err) {
		err = set_aside(r, why);
		if (err)
			return err;
		r->dirty = true;
	}
	/* Records made while the file could not be read join it. */
	if (r->count)
		r->dirty = true;
	for (i = 0; i < count; i++)
		if (add_record(r, &recs[i])) {
			free(recs);
			return -ENOMEM;
		}
	free(recs);
	r->loaded = true;
	r->unreadable = 0;
	lbnl_log(LOG_INFO, "%s: %zu records of migrated associations", r->path,
		 count);
	return 0;
}
