// SPDX-License-Identifier: GPL-2.0
/*
 * Records of migrated SCTP associations: what outlives the LB's table.
 *
 * A committed migration leaves its association on a dest its routable tag
 * does not name (the tag names the source); only the LB's entry, flagged
 * LBNL_CONN_F_MIGRATED, sends its packets there. An LB restart, a module
 * reload or another LB of the group has no such entry: the tag sends the
 * packets to the source, which drops them for a grace period and then
 * aborts the association. So lbnld keeps a record of every such
 * association in STATE-DIR/migrated.json and installs its entry again
 * (LBNL_CMD_CONN_NEW) wherever its VIP and dest exist and its entry does
 * not.
 *
 * Each reconciliation (at start, on configuration events, soon after each
 * MIGRATE_COMMIT event, every minute, after lost events) dumps the entries
 * of the SCTP VIPs and:
 *   - adds a record for every migrated entry not recorded;
 *   - installs every record whose VIP and dest exist and whose entry is
 *     absent, unless it has been seen ending (below); an entry its packets
 *     made meanwhile that sends it elsewhere is replaced (CONN_DEL, NEW);
 *   - removes a record when its association ended: its entry was in the
 *     table of this module instance and is gone (timed out, closed, or
 *     deleted by hand), another association has its peer's address and
 *     port, its VIP or dest was deleted while lbnld watched (an event, or
 *     present in an earlier reconciliation of this instance and absent
 *     now), or it has not been seen in the table for LBNLD_RECORD_MAX_AGE
 *     (24 hours: SCTP heartbeats every 30 s keep a live entry far fresher).
 * Then the routes are written (reconcile.c): where lbnld's routes are what
 * announces the VIPs, a VIP is announced only once its records are in.
 *
 * Why from the table, not from lbnld's own sessions: the table is the
 * authority on which association is where. A migration committed by
 * "lbnl migrate commit", by another lbnld, or by a previous lbnld that
 * died before writing its record, is flagged there all the same, and an
 * association's later moves (migrated again) show there first.
 *
 * The order at start and after a module reload: lbnld takes no record for
 * ended before it has seen its entry in the table of the module instance
 * it talks to (the flags "seen" start clear when lbnld starts and when it
 * connects to a new instance: watch.c tells it the old one went). So the
 * first reconciliation of an instance installs every record it can before
 * any absence counts, and the deletions of an unload (no events) remove
 * nothing.
 *
 * What survives what:
 *   - lbnld restart, module running: everything (the file, and the table
 *     it reads again). An association that ended while lbnld was down is
 *     installed once more; its entry times out (net.lbnl.timeout_sctp),
 *     then the record goes.
 *   - module reload, host reboot, another LB: the file. Stop lbnld, reload
 *     and restore the configuration, start lbnld (lbnld(8), RESTARTS); or
 *     let it run: it installs the records as soon as each VIP and dest
 *     come back.
 *   - lbnld crash between a commit and the next reconciliation (about 100
 *     ms): the entry is still flagged in the table, and the next lbnld
 *     records it from there, unless the module restarts too before lbnld
 *     is back: then that record is lost, and so is the association at the
 *     next LB restart.
 *   - the file: written to a temporary file, fsync'ed, renamed over the
 *     old one, the directory fsync'ed: a crash leaves the old file or the
 *     new one. A file that cannot be parsed is moved aside
 *     (migrated.json.corrupt-TIME) and logged as an error: its records are
 *     lost, lbnld goes on. One that cannot be read (permissions, I/O, a
 *     newer format) is left alone and read again at each reconciliation;
 *     nothing is saved over it meanwhile.
 *
 * The dumps read every entry of every SCTP VIP (the module has no filter
 * by flag), keeping only those flagged migrated or matching a record.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <netinet/in.h>
#include <linux/lbnl.h>

#include "errors.h"
#include "lbnld.h"
#include "util.h"

#define RECORDS_VERSION	1

/* A VIP_DEL (vip), DEST_DEL (vip, dest) or FLUSH (all) seen as an event. */
struct deletion {
	bool all;
	bool has_dest;
	struct lbu_vip_key vip;
	struct lbnl_endpoint dest;
};

/* The records sorted both ways (indices into r->recs). */
struct rec_index {
	const struct lbnld_records *r;
	size_t n;
	size_t *by_tag;
	size_t *by_peer;
};

struct lbnld_records {
	char dir[PATH_MAX];
	char path[PATH_MAX + 32];
	struct lbnld_record *recs;
	size_t count;
	size_t cap;
	bool loaded;		/* the file was read, or absent */
	bool dirty;		/* the file differs from recs */
	int unreadable;		/* errno the file was logged with, 0: none */
	struct deletion *dels;	/* since the last reconciliation */
	size_t n_dels;
	size_t cap_dels;
	struct rec_index idx;	/* lbnld_records_index() */
};

/* Keys and text ------------------------------------------------------------ */

static bool endpoint_equal(const struct lbnl_endpoint *a,
			   const struct lbnl_endpoint *b)
{
	return a->port == b->port && lbnl_addr_equal(&a->addr, &b->addr);
}

/* By VIP, then by (tag, peer port): how the module finds an association. */
static int tag_key_cmp(const struct lbu_vip_key *va, uint32_t ta, uint16_t pa,
		       const struct lbu_vip_key *vb, uint32_t tb, uint16_t pb)
{
	int r = lbnl_vip_key_compare(va, vb);

	if (r)
		return r;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return pa < pb ? -1 : pa > pb;
}

/* By VIP, then by peer address and port (the module's other key). */
static int peer_key_cmp(const struct lbu_vip_key *va,
			const struct lbnl_addr *aa, uint16_t pa,
			const struct lbu_vip_key *vb,
			const struct lbnl_addr *ab, uint16_t pb)
{
	int r = lbnl_vip_key_compare(va, vb);

	if (r)
		return r;
	r = lbnl_addr_compare(aa, ab);
	if (r)
		return r;
	return pa < pb ? -1 : pa > pb;
}

/* "sctp 192.0.2.2:3868 peer 198.51.100.1:40000 vtag 0x1a2b3c4d" */
static const char *record_text(const struct lbnld_record *rec, char *buf,
			       size_t len)
{
	char vip[LBNL_ADDRPORTSTRLEN + 16], peer[LBNL_ADDRPORTSTRLEN];

	snprintf(buf, len, "%s peer %s vtag 0x%08x",
		 lbnld_vip_text(&rec->vip, vip, sizeof(vip)),
		 lbnld_endpoint_text(&rec->peer, peer, sizeof(peer)),
		 rec->my_vtag);
	return buf;
}

#define RECORD_TEXT_LEN	(3 * LBNL_ADDRPORTSTRLEN + 64)

/* Indexes ------------------------------------------------------------------ */

/* qsort() and bsearch() have no argument: the array being sorted. */
static const struct lbnld_record *sort_recs;

static int rec_by_tag(const void *a, const void *b)
{
	const struct lbnld_record *x = &sort_recs[*(const size_t *)a];
	const struct lbnld_record *y = &sort_recs[*(const size_t *)b];

	return tag_key_cmp(&x->vip, x->my_vtag, x->peer.port,
			   &y->vip, y->my_vtag, y->peer.port);
}

static int rec_by_peer(const void *a, const void *b)
{
	const struct lbnld_record *x = &sort_recs[*(const size_t *)a];
	const struct lbnld_record *y = &sort_recs[*(const size_t *)b];

	return peer_key_cmp(&x->vip, &x->peer.addr, x->peer.port,
			    &y->vip, &y->peer.addr, y->peer.port);
}

static int conn_by_tag(const void *a, const void *b)
{
	const struct lbu_conn *x = *(const struct lbu_conn *const *)a;
	const struct lbu_conn *y = *(const struct lbu_conn *const *)b;

	return tag_key_cmp(&x->vip, x->my_vtag, x->peer_port,
			   &y->vip, y->my_vtag, y->peer_port);
}

static int conn_by_peer(const void *a, const void *b)
{
	const struct lbu_conn *x = *(const struct lbu_conn *const *)a;
	const struct lbu_conn *y = *(const struct lbu_conn *const *)b;

	return peer_key_cmp(&x->vip, &x->peer_addr, x->peer_port,
			    &y->vip, &y->peer_addr, y->peer_port);
}

static void rec_index_free(struct rec_index *x)
{
	free(x->by_tag);
	free(x->by_peer);
	memset(x, 0, sizeof(*x));
}

static int rec_index_build(struct rec_index *x, const struct lbnld_records *r)
{
	size_t i;

	rec_index_free(x);
	x->r = r;
	x->n = r->count;
	x->by_tag = calloc(x->n ? x->n : 1, sizeof(size_t));
	x->by_peer = calloc(x->n ? x->n : 1, sizeof(size_t));
	if (!x->by_tag || !x->by_peer) {
		rec_index_free(x);
		return -ENOMEM;
	}
	for (i = 0; i < x->n; i++)
		x->by_tag[i] = x->by_peer[i] = i;
	sort_recs = r->recs;
	qsort(x->by_tag, x->n, sizeof(size_t), rec_by_tag);
	qsort(x->by_peer, x->n, sizeof(size_t), rec_by_peer);
	return 0;
}

/* The record with c's tag key, or with its peer key (peer): -1 if none. */
static ssize_t rec_find(const struct rec_index *x, const struct lbu_conn *c,
			bool peer)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, i;
		const struct lbnld_record *rec;
		int cmp;

		i = peer ? x->by_peer[mid] : x->by_tag[mid];
		rec = &x->r->recs[i];
		cmp = peer ? peer_key_cmp(&c->vip, &c->peer_addr, c->peer_port,
					  &rec->vip, &rec->peer.addr,
					  rec->peer.port) :
			     tag_key_cmp(&c->vip, c->my_vtag, c->peer_port,
					 &rec->vip, rec->my_vtag,
					 rec->peer.port);
		if (!cmp)
			return (ssize_t)i;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int lbnld_records_index(struct lbnld_records *r)
{
	return rec_index_build(&r->idx, r);
}

bool lbnld_records_keep(const struct lbu_conn *c, void *arg)
{
	const struct rec_index *x = &((struct lbnld_records *)arg)->idx;

	if (c->vip.proto != IPPROTO_SCTP)
		return false;
	if (c->flags & LBNL_CONN_F_MIGRATED)
		return true;
	return (c->has & LBNL_CONN_HAS_MY_VTAG && rec_find(x, c, false) >= 0) ||
	       rec_find(x, c, true) >= 0;
}

/* The entries of a view sorted both ways; the tag index has tagged ones. */
struct conn_index {
	const struct lbu_conn **by_tag;
	size_t n_tag;
	const struct lbu_conn **by_peer;
	size_t n_peer;
};

static void conn_index_free(struct conn_index *x)
{
	free(x->by_tag);
	free(x->by_peer);
}

static int conn_index_build(struct conn_index *x,
			    const struct lbnld_rec_view *v)
{
	size_t i, n = v->n_conns ? v->n_conns : 1;

	memset(x, 0, sizeof(*x));
	x->by_tag = calloc(n, sizeof(*x->by_tag));
	x->by_peer = calloc(n, sizeof(*x->by_peer));
	if (!x->by_tag || !x->by_peer) {
		conn_index_free(x);
		return -ENOMEM;
	}
	for (i = 0; i < v->n_conns; i++) {
		const struct lbu_conn *c = &v->conns[i];

		if (c->vip.proto != IPPROTO_SCTP)
			continue;
		if (c->has & LBNL_CONN_HAS_MY_VTAG)
			x->by_tag[x->n_tag++] = c;
		x->by_peer[x->n_peer++] = c;
	}
	qsort(x->by_tag, x->n_tag, sizeof(*x->by_tag), conn_by_tag);
	qsort(x->by_peer, x->n_peer, sizeof(*x->by_peer), conn_by_peer);
	return 0;
}

static const struct lbu_conn *conn_find(const struct conn_index *x,
					const struct lbnld_record *rec,
					bool peer)
{
	struct lbu_conn key = { .vip = rec->vip, .peer_addr = rec->peer.addr,
				.peer_port = rec->peer.port,
				.my_vtag = rec->my_vtag };
	const struct lbu_conn *k = &key, **found;

	if (peer)
		found = bsearch(&k, x->by_peer, x->n_peer, sizeof(*found),
				conn_by_peer);
	else
		found = bsearch(&k, x->by_tag, x->n_tag, sizeof(*found),
				conn_by_tag);
	return found ? *found : NULL;
}

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
		if (!tag_key_cmp(&r->recs[i].vip, r->recs[i].my_vtag,
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

struct lbnld_records *lbnld_records_open(const char *dir)
{
	struct lbnld_records *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	snprintf(r->path, sizeof(r->path), "%s/%s", dir, LBNLD_RECORDS_FILE);
	if (mkdir(dir, 0700) && errno != EEXIST)
		lbnl_log(LOG_ERR, "state-dir %s: %s", dir, strerror(errno));
	lbnld_records_load(r);
	return r;
}

void lbnld_records_free(struct lbnld_records *r)
{
	if (!r)
		return;
	rec_index_free(&r->idx);
	free(r->recs);
	free(r->dels);
	free(r);
}

size_t lbnld_records_count(const struct lbnld_records *r)
{
	return r->count;
}

const struct lbnld_record *lbnld_records_get(const struct lbnld_records *r,
					     size_t i)
{
	return i < r->count ? &r->recs[i] : NULL;
}

bool lbnld_records_loaded(const struct lbnld_records *r)
{
	return r->loaded;
}

void lbnld_records_new_instance(struct lbnld_records *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		r->recs[i].seen = r->recs[i].dest_seen = false;
	/* Deletions in the instance gone are no news for the new one. */
	r->n_dels = 0;
}

void lbnld_records_event(struct lbnld_records *r, const struct lbnl_event *ev)
{
	struct deletion d = { 0 }, *p;

	switch (ev->cmd) {
	case LBNL_CMD_FLUSH:
		d.all = true;
		break;
	case LBNL_CMD_VIP_DEL:
		if (!ev->has_vip)
			return;
		d.vip = ev->vip.key;
		break;
	case LBNL_CMD_DEST_DEL:
		if (!ev->has_dest)
			return;
		d.vip = ev->dest.vip;
		d.has_dest = true;
		d.dest.addr = ev->dest.addr;
		d.dest.port = ev->dest.port;
		break;
	default:
		return;
	}
	if (!d.all && d.vip.proto != IPPROTO_SCTP)
		return;
	p = lbnl_grow_array(r->dels, &r->cap_dels, r->n_dels + 1, sizeof(*p));
	if (!p) {
		/* Then the dumps' absences say it, a little later. */
		lbnl_log(LOG_ERR, "out of memory: a deletion event not kept for the records");
		return;
	}
	r->dels = p;
	r->dels[r->n_dels++] = d;
}

/* Decisions ---------------------------------------------------------------- */

static bool deleted(const struct lbnld_records *r,
		    const struct lbnld_record *rec)
{
	size_t i;

	for (i = 0; i < r->n_dels; i++) {
		const struct deletion *d = &r->dels[i];

		if (d->all || (lbnl_vip_key_equal(&d->vip, &rec->vip) &&
			       (!d->has_dest ||
				endpoint_equal(&d->dest, &rec->dest))))
			return true;
	}
	return false;
}

static bool dest_exists(const struct lbnld_rec_view *v,
			const struct lbnld_record *rec)
{
	size_t i;

	for (i = 0; i < v->n_dests; i++) {
		const struct lbu_dest *d = &v->dests[i];

		if (d->port == rec->dest.port &&
		    lbnl_addr_equal(&d->addr, &rec->dest.addr) &&
		    lbnl_vip_key_equal(&d->vip, &rec->vip))
			return true;
	}
	return false;
}

/* The entry is in the table: the record is fresh. */
static void refresh(struct lbnld_records *r, struct lbnld_record *rec,
		    const struct lbnld_rec_view *v)
{
	rec->seen = rec->dest_seen = true;
	rec->last_seen = v->now;
	if (v->now - rec->saved_last_seen >= LBNLD_RECORD_REFRESH)
		r->dirty = true;
}

static void decide_one(struct lbnld_records *r, struct lbnld_record *rec,
		       const struct lbnld_rec_view *v,
		       const struct conn_index *ci,
		       struct lbnld_rec_decision *d)
{
	const struct lbu_conn *e;
	char text[RECORD_TEXT_LEN], to[LBNL_ADDRPORTSTRLEN];
	bool exists;

	if (deleted(r, rec)) {
		d->action = LBNLD_REC_REMOVE;
		d->why = "its VIP or dest was deleted";
		return;
	}
	e = conn_find(ci, rec, false);
	if (e) {
		struct lbnl_endpoint dest = { .addr = e->dest_addr,
					      .port = e->dest_port };

		if (!(e->has & LBNL_CONN_HAS_DEST))
			dest = rec->dest;	/* not said: not moved */
		if (!(e->flags & LBNL_CONN_F_MIGRATED) &&
		    !endpoint_equal(&dest, &rec->dest)) {
			/* Its packets came before the install, went astray. */
			d->action = LBNLD_REC_REPLACE;
			d->entry = e;
			return;
		}
		if (!endpoint_equal(&dest, &rec->dest)) {
			lbnl_log(LOG_NOTICE, "record %s: migrated again, now on %s",
				 record_text(rec, text, sizeof(text)),
				 lbnld_endpoint_text(&dest, to, sizeof(to)));
			rec->dest = dest;
			r->dirty = true;
		}
		if (e->has & LBNL_CONN_HAS_PEER_VTAG &&
		    e->peer_vtag != rec->peer_vtag) {
			rec->peer_vtag = e->peer_vtag;
			r->dirty = true;
		}
		refresh(r, rec, v);
		return;
	}
	if (conn_find(ci, rec, true)) {
		d->action = LBNLD_REC_REMOVE;
		d->why = "another association has its peer's address and port";
		return;
	}
	if (rec->seen) {
		if (v->complete) {
			d->action = LBNLD_REC_REMOVE;
			d->why = "its entry is gone: the association ended";
		}
		return;
	}
	exists = dest_exists(v, rec);
	if (v->now - rec->last_seen > v->max_age) {
		d->action = LBNLD_REC_REMOVE;
		d->why = "not seen in the table for too long";
	} else if (exists) {
		rec->dest_seen = true;
		d->action = LBNLD_REC_INSTALL;
	} else if (rec->dest_seen) {
		d->action = LBNLD_REC_REMOVE;
		d->why = "its VIP or dest was deleted";
	}
}

/* A record for each migrated entry without one (n: records before). */
static int add_migrated(struct lbnld_records *r, const struct lbnld_rec_view *v,
			const struct rec_index *ri,
			const struct lbnld_rec_decision *d, size_t n)
{
	char text[RECORD_TEXT_LEN], to[LBNL_ADDRPORTSTRLEN];
	struct lbnld_record *p;
	size_t i, j;

	for (i = 0; i < v->n_conns; i++) {
		const struct lbu_conn *c = &v->conns[i];
		struct lbnld_record rec = { 0 };
		ssize_t k;
		bool dup = false;

		if (c->vip.proto != IPPROTO_SCTP ||
		    !(c->flags & LBNL_CONN_F_MIGRATED) ||
		    !(c->has & LBNL_CONN_HAS_MY_VTAG) ||
		    !(c->has & LBNL_CONN_HAS_DEST) || !c->my_vtag)
			continue;
		k = rec_find(ri, c, false);
		if (k >= 0 && d[k].action != LBNLD_REC_REMOVE)
			continue;
		/* Added already: a dump may list an entry twice. */
		for (j = n; j < r->count && !dup; j++)
			dup = !tag_key_cmp(&r->recs[j].vip, r->recs[j].my_vtag,
					   r->recs[j].peer.port, &c->vip,
					   c->my_vtag, c->peer_port);
		if (dup)
			continue;
		rec.vip = c->vip;
		rec.peer.addr = c->peer_addr;
		rec.peer.port = c->peer_port;
		rec.my_vtag = c->my_vtag;
		if (c->has & LBNL_CONN_HAS_PEER_VTAG)
			rec.peer_vtag = c->peer_vtag;
		rec.dest.addr = c->dest_addr;
		rec.dest.port = c->dest_port;
		rec.first_seen = rec.last_seen = v->now;
		rec.seen = rec.dest_seen = true;
		p = lbnl_grow_array(r->recs, &r->cap, r->count + 1,
				    sizeof(rec));
		if (!p)
			return -ENOMEM;
		r->recs = p;
		r->recs[r->count++] = rec;
		r->dirty = true;
		lbnl_log(LOG_NOTICE, "record added: %s on %s",
			 record_text(&rec, text, sizeof(text)),
			 lbnld_endpoint_text(&rec.dest, to, sizeof(to)));
	}
	return 0;
}

int lbnld_records_decide(struct lbnld_records *r,
			 const struct lbnld_rec_view *v,
			 struct lbnld_rec_decision **out, size_t *n)
{
	struct lbnld_rec_decision *d;
	struct conn_index ci;
	size_t i, count = r->count;
	int err;

	*out = NULL;
	*n = 0;
	d = calloc(count ? count : 1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	err = conn_index_build(&ci, v);
	if (err) {
		free(d);
		return err;
	}
	for (i = 0; i < count; i++)
		decide_one(r, &r->recs[i], v, &ci, &d[i]);
	conn_index_free(&ci);
	err = lbnld_records_index(r);
	if (!err)
		err = add_migrated(r, v, &r->idx, d, count);
	rec_index_free(&r->idx);
	if (err) {
		free(d);
		return err;
	}
	*out = d;
	*n = count;
	return 0;
}

/* The whole pass ----------------------------------------------------------- */

/* Install (or replace) one record's entry: false if to be tried again. */
static bool install_one(struct lbnld_record *rec,
			const struct lbnld_rec_decision *d,
			const struct lbnld_rec_view *v,
			lbnld_install_fn install, void *arg)
{
	char text[RECORD_TEXT_LEN], dest[LBNL_ADDRPORTSTRLEN],
	     was[LBNL_ADDRPORTSTRLEN] = "";
	const char *why = NULL;
	int err;

	if (d->entry)
		lbnl_format_addr_port(&d->entry->dest_addr,
				      d->entry->dest_port, was, sizeof(was));
	err = install(arg, rec, d->entry, &why);
	record_text(rec, text, sizeof(text));
	lbnld_endpoint_text(&rec->dest, dest, sizeof(dest));
	if (!err) {
		rec->seen = true;
		rec->last_seen = v->now;
		if (d->entry)
			lbnl_log(LOG_NOTICE, "record %s: entry to %s replaced by one to %s",
				 text, was, dest);
		else
			lbnl_log(LOG_NOTICE, "record %s: entry installed on %s",
				 text, dest);
		return true;
	}
	if (err == -ENOENT) {	/* the VIP or dest went meanwhile */
		lbnl_log(LOG_INFO, "record %s: not installed: %s", text,
			 why ? why : lbnl_strerror(LBNL_OP_CONN_NEW, err));
		return true;
	}
	lbnl_log(err == -EEXIST ? LOG_INFO : LOG_WARNING,
		 "record %s: not installed on %s (tried again): %s", text,
		 dest, why ? why : lbnl_strerror(LBNL_OP_CONN_NEW, err));
	return false;
}

int lbnld_records_sync(struct lbnld_records *r,
		       const struct lbnld_rec_view *v,
		       lbnld_install_fn install, void *arg)
{
	struct lbnld_rec_decision *d;
	char text[RECORD_TEXT_LEN];
	size_t i, n, kept = 0;
	bool ok = true;
	int err;

	lbnld_records_load(r);
	err = lbnld_records_decide(r, v, &d, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (d[i].action == LBNLD_REC_INSTALL ||
		    d[i].action == LBNLD_REC_REPLACE)
			ok &= install_one(&r->recs[i], &d[i], v, install, arg);
	for (i = 0; i < r->count; i++) {
		if (i < n && d[i].action == LBNLD_REC_REMOVE) {
			lbnl_log(LOG_NOTICE, "record removed: %s: %s",
				 record_text(&r->recs[i], text, sizeof(text)),
				 d[i].why);
			r->dirty = true;
			continue;
		}
		r->recs[kept++] = r->recs[i];
	}
	r->count = kept;
	r->n_dels = 0;
	free(d);
	err = lbnld_records_save(r);
	if (err && err != -EAGAIN)
		lbnl_log(LOG_ERR, "%s: cannot save the records of migrated associations: %s",
			 r->path, strerror(-err));
	return ok && !err ? 0 : -EAGAIN;
}

/* Against the module ------------------------------------------------------- */

static int nl_install(void *arg, const struct lbnld_record *rec,
		      const struct lbu_conn *replace, const char **why)
{
	struct lbnld *ld = arg;
	struct lbu_conn c = {
		.vip = rec->vip, .peer_addr = rec->peer.addr,
		.peer_port = rec->peer.port, .my_vtag = rec->my_vtag,
		.peer_vtag = rec->peer_vtag, .dest_addr = rec->dest.addr,
		.dest_port = rec->dest.port,
	};
	int err;

	if (rec->peer_vtag)
		c.has |= LBNL_CONN_HAS_PEER_VTAG;
	if (replace) {
		err = lbnl_conn_del(ld->lbnl, &replace->vip,
				    &replace->peer_addr, replace->peer_port);
		if (err && err != -ENOENT) {
			*why = lbnl_nl_extack(ld->lbnl);
			return err;
		}
	}
	err = lbnl_conn_new(ld->lbnl, &c);
	*why = err ? lbnl_nl_extack(ld->lbnl) : NULL;
	return err;
}

/* The entries of every SCTP VIP the records need, appended to all. */
static int dump_entries(struct lbnld *ld, const struct lbu_vip *vips, size_t n,
			struct lbnl_conn_list *all, bool *complete)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		struct lbnl_conn_list l;
		bool inconsistent = false;
		void *p;

		if (vips[i].key.proto != IPPROTO_SCTP)
			continue;
		err = lbnl_conn_dump_kept(ld->lbnl, &vips[i].key,
					  lbnld_records_keep, ld->records, &l,
					  &inconsistent);
		if (err == -ENOENT) {	/* deleted since: its event follows */
			*complete = false;
			continue;
		}
		if (err)
			return err;
		*complete &= !inconsistent;
		p = realloc(all->conns, (all->count + l.count + 1) *
				sizeof(*all->conns));
		if (!p) {
			lbnl_conn_list_free(&l);
			return -ENOMEM;
		}
		all->conns = p;
		if (l.count)
			memcpy(all->conns + all->count, l.conns,
			       l.count * sizeof(*l.conns));
		all->count += l.count;
		lbnl_conn_list_free(&l);
	}
	return 0;
}

int lbnld_records_reconcile(struct lbnld *ld, const struct lbu_vip *vips,
			    size_t n)
{
	struct lbnld_records *r = ld->records;
	struct lbnl_conn_list conns = { 0 };
	struct lbnl_dest_list dests = { 0 };
	struct lbnld_rec_view v = { .complete = true,
				    .max_age = LBNLD_RECORD_MAX_AGE };
	const char *why;
	size_t i;
	bool sctp = false;
	int err;

	if (!r || !ld->lbnl)
		return 0;
	for (i = 0; i < n; i++)
		sctp |= vips[i].key.proto == IPPROTO_SCTP;
	if (!sctp && !r->count && !r->n_dels)
		return 0;
	err = lbnl_dest_dump(ld->lbnl, NULL, &dests);
	if (err) {
		why = lbnl_nl_extack(ld->lbnl);
		lbnl_log(LOG_ERR, "records: cannot read the dests: %s",
			 why ? why : lbnl_strerror(LBNL_OP_DEST_GET, err));
		return err;
	}
	err = lbnld_records_index(r);
	if (!err)
		err = dump_entries(ld, vips, n, &conns, &v.complete);
	rec_index_free(&r->idx);
	if (err) {
		why = lbnl_nl_extack(ld->lbnl);
		lbnl_log(LOG_ERR, "records: cannot read the SCTP entries: %s",
			 why ? why : lbnl_strerror(LBNL_OP_CONN_GET, err));
	} else {
		v.dests = dests.dests;
		v.n_dests = dests.count;
		v.conns = conns.conns;
		v.n_conns = conns.count;
		v.now = (int64_t)time(NULL);
		err = lbnld_records_sync(r, &v, nl_install, ld);
	}
	lbnl_conn_list_free(&conns);
	lbnl_dest_list_free(&dests);
	return err;
}
