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
 *   - module reload, host reboot: the file. With restore-file lbnld
 *     restores the module itself and installs the records before it
 *     writes a route (ready.c); without, it installs them as soon as each
 *     VIP and dest come back. Another LB: only if the file is there too.
 *   - lbnld crash between a commit and the next reconciliation (about 100
 *     ms): the entry is still flagged in the table, and the next lbnld
 *     records it from there, unless the module restarts too before lbnld
 *     is back: then that record is lost, and so is the association at the
 *     next LB restart.
 *   - the file (records_file.c): replaced atomically; one that cannot be
 *     parsed is moved aside and its records lost, one that cannot be read
 *     is left alone and read again.
 *
 * The dumps read every entry of every SCTP VIP (the module has no filter
 * by flag), keeping only those flagged migrated or matching a record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/lbnl.h>

#include "errors.h"
#include "records.h"
#include "util.h"

/* Keys and text ------------------------------------------------------------ */

static bool endpoint_equal(const struct lbnl_endpoint *a,
			   const struct lbnl_endpoint *b)
{
	return a->port == b->port && lbnl_addr_equal(&a->addr, &b->addr);
}

/* By VIP, then by (tag, peer port): how the module finds an association. */
int lbnld_rec_tag_cmp(const struct lbu_vip_key *va, uint32_t ta, uint16_t pa,
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

	return lbnld_rec_tag_cmp(&x->vip, x->my_vtag, x->peer.port,
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

	return lbnld_rec_tag_cmp(&x->vip, x->my_vtag, x->peer_port,
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
			     lbnld_rec_tag_cmp(&c->vip, c->my_vtag, c->peer_port,
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
			dup = !lbnld_rec_tag_cmp(&r->recs[j].vip, r->recs[j].my_vtag,
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
