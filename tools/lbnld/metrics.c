// SPDX-License-Identifier: GPL-2.0
/*
 * lbnld's Prometheus metrics: what one scrape of /metrics shows, and how
 * it is written (the text exposition format, version 0.0.4). The HTTP
 * side is metrics_http.c.
 *
 * The module's counters are read afresh at each scrape (the same
 * requests as "lbnl -j stats", "lbnl vip show", "lbnl dest show" and
 * "lbnl migrate show"), on a netlink handle of the scraping thread's
 * own: lbnld's main loop and its handles are never touched. So the
 * values are the module's, not copies: a scrape after traffic stopped
 * shows exactly what "lbnl -j stats" shows.
 *
 *   lbnl_<counter>                  the namespace's counters (global)
 *   lbnl_vip_<counter>{vip,proto}   each VIP's
 *   lbnl_dest_<counter>{vip,proto,dest}   each dest's
 *
 * with <counter> one of packets_in_total, bytes_in_total,
 * packets_out_total, bytes_out_total, connections_total,
 * connections_picked_up_total, connections_active (gauge),
 * connections_unconfirmed (gauge: global and VIPs), connections_evicted_total;
 * lbnl_dropped_packets_total{reason} (global only: the module counts
 * drops by reason for the namespace, not per VIP; their sum is "dropped").
 * The configuration: lbnl_vip_info{mode,sched,bypass}, lbnl_vip_dests,
 * lbnl_vip_active_dests, lbnl_vip_router_state{state} (the bypass
 * state, one series per state, 1 for the current one), lbnl_vip_bypass_dest,
 * lbnl_vip_bypass_changed_timestamp_seconds, lbnl_dest_state{state}
 * (health: active, maint, drain, down), lbnl_dest_weight, and for a dest
 * in maint or drain lbnl_dest_emptying_{left,moved,unmigratable}.
 *
 * Migrations are counted by lbnld itself from the module's events (it
 * sees every one, whoever opened or ended it): lbnl_migrations_started_total,
 * lbnl_migrations_total{outcome}, lbnl_migrations_aborted_total{reason},
 * the histogram lbnl_migration_duration_seconds{outcome} (the events'
 * AGE_MS: the module's own measure, start to end); lbnl_migrations_open
 * is read from the module.
 *
 * No label names a peer (client): per-flow series would be as many as
 * the flows ("lbnl conn show" lists them).
 */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/lbnl.h>

#include "lbnld.h"
#include "names.h"

struct lbnld_metrics {
	pthread_mutex_t lock;
	struct lbnld_mig_counts c;
};

/* Upper bounds of the duration buckets: ms, and as the le label says. */
static const struct {
	uint64_t ms;
	const char *le;
} mig_bounds[LBNLD_MIG_BUCKETS] = {
	{ 5, "0.005" }, { 10, "0.01" }, { 25, "0.025" }, { 50, "0.05" },
	{ 100, "0.1" }, { 250, "0.25" }, { 500, "0.5" }, { 1000, "1" },
	{ 2500, "2.5" }, { 5000, "5" }, { 10000, "10" }, { 30000, "30" },
	{ 60000, "60" },
};

static const char *const mig_outcomes[LBNLD_MIG_OUTCOMES] = {
	[LBNLD_MIG_COMMITTED] = "committed",
	[LBNLD_MIG_ABORTED] = "aborted",
};

/* The module's reasons (kmod/lb/migrate.c), and their labels. */
static const struct {
	const char *module;
	const char *label;
} mig_reasons[LBNLD_MIG_REASONS] = {
	[LBNLD_MIG_REQUESTED] = { "requested", "requested" },
	[LBNLD_MIG_DEADLINE] = { "deadline", "deadline" },
	[LBNLD_MIG_BUFFER_FULL] = { "buffer full", "buffer_full" },
	[LBNLD_MIG_DEST_DELETED] = { "dest deleted", "dest_deleted" },
	[LBNLD_MIG_VIP_DELETED] = { "VIP deleted", "vip_deleted" },
	[LBNLD_MIG_OTHER] = { NULL, "other" },
};

/* Counting ---------------------------------------------------------------- */

static enum lbnld_mig_reason mig_reason(const struct lbnl_migrate *m)
{
	unsigned int r;

	if (!(m->has & LBNL_MIGRATE_HAS_REASON))
		return LBNLD_MIG_OTHER;
	for (r = 0; r < LBNLD_MIG_OTHER; r++)
		if (!strcmp(m->reason, mig_reasons[r].module))
			return r;
	return LBNLD_MIG_OTHER;
}

void lbnld_metrics_count(struct lbnld_mig_counts *c,
			 const struct lbnl_event *ev)
{
	const struct lbnl_migrate *m = &ev->migrate;
	enum lbnld_mig_outcome o;
	unsigned int b;

	if (ev->srv)
		return;
	switch (ev->cmd) {
	case LBNL_CMD_MIGRATE_START:
		c->started++;
		return;
	case LBNL_CMD_MIGRATE_COMMIT:
		o = LBNLD_MIG_COMMITTED;
		break;
	case LBNL_CMD_MIGRATE_ABORT:
		o = LBNLD_MIG_ABORTED;
		break;
	default:
		return;
	}
	c->ended[o]++;
	if (o == LBNLD_MIG_ABORTED)
		c->aborted[ev->has_migrate ? mig_reason(m) : LBNLD_MIG_OTHER]++;
	if (!ev->has_migrate || !(m->has & LBNL_MIGRATE_HAS_AGE))
		return;
	for (b = 0; b < LBNLD_MIG_BUCKETS; b++)
		if (m->age_ms <= mig_bounds[b].ms)
			break;
	c->buckets[o][b]++;
	c->timed[o]++;
	c->sum_ms[o] += m->age_ms;
}

int lbnld_metrics_new(struct lbnld_metrics **out)
{
	struct lbnld_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
}

void lbnld_metrics_free(struct lbnld_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void lbnld_metrics_event(struct lbnld_metrics *m, const struct lbnl_event *ev)
{
	pthread_mutex_lock(&m->lock);
	lbnld_metrics_count(&m->c, ev);
	pthread_mutex_unlock(&m->lock);
}

void lbnld_metrics_events_lost(struct lbnld_metrics *m)
{
	pthread_mutex_lock(&m->lock);
	m->c.events_lost++;
	pthread_mutex_unlock(&m->lock);
}

/* Collecting -------------------------------------------------------------- */

void lbnld_metrics_snapshot_free(struct lbnld_metrics_snapshot *s)
{
	lbnl_stats_list_free(&s->stats);
	lbnl_vip_list_free(&s->vips);
	lbnl_dest_list_free(&s->dests);
	s->module = false;
}

static int collect_module(struct lbnl_nl *nl, struct lbnld_metrics_snapshot *s)
{
	struct lbnl_migrate_list open = { 0 };
	int err;

	err = lbnl_stats_get(nl, &s->global);
	if (!err)
		err = lbnl_stats_dump(nl, NULL, &s->stats);
	if (!err)
		err = lbnl_vip_dump(nl, &s->vips);
	if (!err)
		err = lbnl_dest_dump(nl, NULL, &s->dests);
	if (!err)
		err = lbnl_migrate_dump(nl, &open);
	s->migrations_open = open.count;
	lbnl_migrate_list_free(&open);
	return err;
}

int lbnld_metrics_collect(struct lbnld_metrics *m,
			  struct lbnld_metrics_snapshot *s)
{
	struct lbnl_nl *nl;
	int err;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&m->lock);
	s->mig = m->c;
	pthread_mutex_unlock(&m->lock);

	err = lbnl_nl_open(&nl);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	s->module = true;
	err = collect_module(nl, s);
	lbnl_nl_close(nl);
	if (err) {
		lbnld_metrics_snapshot_free(s);
		/* Unloaded meanwhile: as if it had not been there. */
		if (err == -ENOENT)
			err = 0;
	}
	return err;
}

/* Writing ----------------------------------------------------------------- */

/*
 * Labels of one sample: "name=\"value\",..." (escaped) in a buffer big
 * enough for any label set here (two addresses with ports and three short
 * words); one that would not fit is left out rather than cut.
 */
struct lbnld_metrics_labels {
	char text[512];
	size_t len;
};

int lbnld_metrics_escape(char *dst, size_t len, const char *value)
{
	char *p = dst, *end = dst + len;

	if (!len)
		return -ENOSPC;
	for (; *value; value++) {
		bool esc = *value == '\\' || *value == '"' || *value == '\n';

		if (end - p < (esc ? 3 : 2)) {
			*dst = '\0';
			return -ENOSPC;
		}
		if (esc)
			*p++ = '\\';
		*p++ = *value == '\n' ? 'n' : *value;
	}
	*p = '\0';
	return 0;
}

static void label(struct lbnld_metrics_labels *l, const char *name,
		  const char *value)
{
	char esc[2 * LBNL_ADDRPORTSTRLEN + 64];
	size_t room = sizeof(l->text) - l->len;
	int n;

	if (lbnld_metrics_escape(esc, sizeof(esc), value))
		return;
	n = snprintf(l->text + l->len, room, "%s%s=\"%s\"",
		     l->len ? "," : "", name, esc);
	if (n < 0 || (size_t)n >= room) {
		l->text[l->len] = '\0';
		return;
	}
	l->len += (size_t)n;
}

static void header(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name,
		   const struct lbnld_metrics_labels *l, uint64_t v)
{
	if (l && l->len)
		fprintf(f, "%s{%s} %" PRIu64 "\n", name, l->text, v);
	else
		fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* A value in ms, as seconds with 3 decimals. */
static void sample_ms(FILE *f, const char *name,
		      const struct lbnld_metrics_labels *l, uint64_t ms)
{
	if (l && l->len)
		fprintf(f, "%s{%s} %" PRIu64 ".%03" PRIu64 "\n", name, l->text,
			ms / 1000, ms % 1000);
	else
		fprintf(f, "%s %" PRIu64 ".%03" PRIu64 "\n", name, ms / 1000,
			ms % 1000);
}

/* A name of t, or the value as a number (a newer module's). */
static const char *name_of(const struct lbnl_name_table *t, unsigned int v,
			   char *buf, size_t len)
{
	const char *name = lbnl_name(t, v);

	if (name)
		return name;
	snprintf(buf, len, "%u", v);
	return buf;
}

static void vip_labels(struct lbnld_metrics_labels *l,
		       const struct lbu_vip_key *key)
{
	char addr[LBNL_ADDRPORTSTRLEN], num[16];

	l->len = 0;
	l->text[0] = '\0';
	label(l, "vip", lbnl_format_addr_port(&key->addr, key->port, addr,
					      sizeof(addr)));
	label(l, "proto", name_of(&lbnl_proto_names, key->proto, num,
				  sizeof(num)));
}

static void dest_labels(struct lbnld_metrics_labels *l,
			const struct lbu_vip_key *vip,
			const struct lbnl_addr *addr, uint16_t port)
{
	char text[LBNL_ADDRPORTSTRLEN];

	vip_labels(l, vip);
	label(l, "dest", lbnl_format_addr_port(addr, port, text,
					       sizeof(text)));
}

/* The counters of LBNL_A_STATS, as metrics (dropped: by reason, apart). */
static const struct {
	enum lbnl_counter counter;
	const char *name;		/* after lbnl_, lbnl_vip_, lbnl_dest_ */
	const char *type;
	const char *help;
} stat_metrics[] = {
	{ LBNL_COUNTER_PACKETS_IN, "packets_in_total", "counter",
	  "Packets forwarded from peers to dests" },
	{ LBNL_COUNTER_BYTES_IN, "bytes_in_total", "counter",
	  "Bytes forwarded from peers to dests" },
	{ LBNL_COUNTER_PACKETS_OUT, "packets_out_total", "counter",
	  "Packets from dests to peers translated back (nat)" },
	{ LBNL_COUNTER_BYTES_OUT, "bytes_out_total", "counter",
	  "Bytes from dests to peers translated back (nat)" },
	{ LBNL_COUNTER_CONNS, "connections_total", "counter",
	  "Connection-table entries created" },
	{ LBNL_COUNTER_PICKED_UP, "connections_picked_up_total", "counter",
	  "Connection-table entries created mid-flow" },
	{ LBNL_COUNTER_ACTIVE_CONNS, "connections_active", "gauge",
	  "Connection-table entries now" },
	{ LBNL_COUNTER_UNCONFIRMED, "connections_unconfirmed", "gauge",
	  "Connection-table entries now whose flow is not confirmed" },
	{ LBNL_COUNTER_EVICTED, "connections_evicted_total", "counter",
	  "Unconfirmed entries evicted to make room for new flows" },
};

enum scope { SCOPE_GLOBAL, SCOPE_VIP, SCOPE_DEST };

static const struct {
	const char *prefix;
	const char *of;
} scopes[] = {
	[SCOPE_GLOBAL] = { "lbnl_", "the namespace" },
	[SCOPE_VIP] = { "lbnl_vip_", "each VIP" },
	[SCOPE_DEST] = { "lbnl_dest_", "each dest" },
};

static bool in_scope(const struct lbnl_stats_entry *e, enum scope scope)
{
	return scope == SCOPE_DEST ? e->is_dest : !e->is_dest;
}

/* One counter of one scope: its samples, after a header if there is one. */
static void stat_family(FILE *f, const struct lbnld_metrics_snapshot *s,
			enum scope scope, unsigned int i)
{
	unsigned int bit = 1U << stat_metrics[i].counter;
	struct lbnld_metrics_labels l;
	char name[64], help[160];
	bool any = false;
	size_t j;

	snprintf(name, sizeof(name), "%s%s", scopes[scope].prefix,
		 stat_metrics[i].name);
	snprintf(help, sizeof(help), "%s, of %s", stat_metrics[i].help,
		 scopes[scope].of);
	if (scope == SCOPE_GLOBAL) {
		if (!(s->global.has & bit))
			return;
		header(f, name, stat_metrics[i].type, help);
		sample(f, name, NULL, s->global.counters[stat_metrics[i].counter]);
		return;
	}
	for (j = 0; j < s->stats.count; j++) {
		const struct lbnl_stats_entry *e = &s->stats.entries[j];

		if (!in_scope(e, scope) || !(e->stats.has & bit))
			continue;
		if (!any)
			header(f, name, stat_metrics[i].type, help);
		any = true;
		if (scope == SCOPE_VIP)
			vip_labels(&l, &e->vip);
		else
			dest_labels(&l, &e->vip, &e->dest.addr, e->dest.port);
		sample(f, name, &l, e->stats.counters[stat_metrics[i].counter]);
	}
}

static void render_drops(FILE *f, const struct lbnl_stats *st)
{
	static const char name[] = "lbnl_dropped_packets_total";
	struct lbnld_metrics_labels l;
	char num[16];
	unsigned int r;

	if (!st->has_drops)
		return;
	header(f, name, "counter",
	       "Packets dropped, by reason, of the namespace (their sum is \"dropped\" in lbnl stats)");
	for (r = 1; r < LBNL_DROP_SLOTS; r++) {
		if (!(st->drops_present & (1ULL << r)))
			continue;
		l.len = 0;
		label(&l, "reason", name_of(&lbnl_drop_reason_names, r, num,
					    sizeof(num)));
		sample(f, name, &l, st->drops[r]);
	}
}

/* One series per value of t (and the current one if t lacks it). */
static void state_samples(FILE *f, const char *name,
			  const struct lbnld_metrics_labels *base,
			  const struct lbnl_name_table *t, unsigned int now)
{
	struct lbnld_metrics_labels l;
	bool known = false;
	char num[16];
	unsigned int i;

	for (i = 0; i < t->count; i++) {
		l = *base;
		label(&l, "state", t->names[i].name);
		sample(f, name, &l, t->names[i].value == now);
		known |= t->names[i].value == now;
	}
	if (!known) {
		l = *base;
		snprintf(num, sizeof(num), "%u", now);
		label(&l, "state", num);
		sample(f, name, &l, 1);
	}
}

/* A family over the VIPs that have what "has" says. */
enum vip_family {
	VIP_INFO, VIP_DESTS, VIP_ACTIVE_DESTS, VIP_ROUTER, VIP_BYPASS_DEST,
	VIP_CHANGED, VIP_FAMILIES
};

static const struct {
	const char *name;
	const char *type;
	const char *help;
	unsigned int has;		/* LBNL_VIP_HAS_*: needed */
} vip_families[VIP_FAMILIES] = {
	[VIP_INFO] = { "lbnl_vip_info", "gauge",
		       "Each VIP's settings, as labels (always 1)", 0 },
	[VIP_DESTS] = { "lbnl_vip_dests", "gauge", "Dests of each VIP",
			LBNL_VIP_HAS_DEST_COUNT },
	[VIP_ACTIVE_DESTS] = { "lbnl_vip_active_dests", "gauge",
			       "Dests of each VIP taking new flows",
			       LBNL_VIP_HAS_ACTIVE_DESTS },
	[VIP_ROUTER] = { "lbnl_vip_router_state", "gauge",
			 "Where the router sends each VIP's traffic (bypass state): 1 for the current state",
			 LBNL_VIP_HAS_ROUTER },
	[VIP_BYPASS_DEST] = { "lbnl_vip_bypass_dest", "gauge",
			      "The single dest of each VIP that has one, or had one at its last bypass (always 1)",
			      LBNL_VIP_HAS_BYPASS_DEST },
	[VIP_CHANGED] = { "lbnl_vip_bypass_changed_timestamp_seconds", "gauge",
			  "Time of each VIP's last bypass transition, seconds since the epoch",
			  LBNL_VIP_HAS_CHANGED },
};

static void vip_sample(FILE *f, enum vip_family fam, const struct lbu_vip *v)
{
	const char *name = vip_families[fam].name;
	struct lbnld_metrics_labels l;
	char num[3][16], text[LBNL_ADDRPORTSTRLEN];

	vip_labels(&l, &v->key);
	switch (fam) {
	case VIP_INFO:
		label(&l, "mode", v->has & LBNL_VIP_HAS_MODE ?
		      name_of(&lbnl_mode_names, v->mode, num[0], 16) : "");
		label(&l, "sched", v->has & LBNL_VIP_HAS_SCHED ?
		      name_of(&lbnl_sched_names, v->sched, num[1], 16) : "");
		label(&l, "bypass", v->has & LBNL_VIP_HAS_BYPASS ?
		      name_of(&lbnl_bypass_names, v->bypass, num[2], 16) : "");
		sample(f, name, &l, 1);
		break;
	case VIP_DESTS:
		sample(f, name, &l, v->dest_count);
		break;
	case VIP_ACTIVE_DESTS:
		sample(f, name, &l, v->active_dests);
		break;
	case VIP_ROUTER:
		state_samples(f, name, &l, &lbnl_router_names, v->router);
		break;
	case VIP_BYPASS_DEST:
		label(&l, "dest", lbnl_format_addr_port(&v->bypass_addr,
							v->bypass_port, text,
							sizeof(text)));
		sample(f, name, &l, 1);
		break;
	case VIP_CHANGED:
		sample_ms(f, name, &l, v->changed_ms);
		break;
	default:
		break;
	}
}

static bool vip_has(enum vip_family fam, const struct lbu_vip *v)
{
	if ((v->has & vip_families[fam].has) != vip_families[fam].has)
		return false;
	return fam != VIP_CHANGED || v->changed_ms;
}

static void render_vips(FILE *f, const struct lbnld_metrics_snapshot *s)
{
	unsigned int fam;
	bool any;
	size_t i;

	for (fam = 0; fam < VIP_FAMILIES; fam++) {
		any = false;
		for (i = 0; i < s->vips.count; i++) {
			if (!vip_has(fam, &s->vips.vips[i]))
				continue;
			if (!any)
				header(f, vip_families[fam].name,
				       vip_families[fam].type,
				       vip_families[fam].help);
			any = true;
			vip_sample(f, fam, &s->vips.vips[i]);
		}
	}
}


/* A dest in maint or drain (the module's counts, see maint.c). */
static void render_dest_emptying(FILE *f,
				 const struct lbnld_metrics_snapshot *s)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} g[] = {
		{ "lbnl_dest_emptying_left",
		  "Connection entries left on a dest in maint or drain",
		  offsetof(struct lbu_dest, left) },
		{ "lbnl_dest_emptying_moved",
		  "Associations migrated away since the dest entered maint or drain",
		  offsetof(struct lbu_dest, moved) },
		{ "lbnl_dest_emptying_unmigratable",
		  "Associations on a dest in maint whose migrations were given up",
		  offsetof(struct lbu_dest, unmigratable) },
	};
	struct lbnld_metrics_labels l;
	const struct lbu_dest *d;
	size_t i, k;
	bool any;

	for (k = 0; k < sizeof(g) / sizeof(g[0]); k++) {
		any = false;
		for (i = 0; i < s->dests.count; i++) {
			d = &s->dests.dests[i];
			if (!(d->has & LBNL_DEST_HAS_EMPTYING))
				continue;
			if (!any)
				header(f, g[k].name, "gauge", g[k].help);
			any = true;
			dest_labels(&l, &d->vip, &d->addr, d->port);
			sample(f, g[k].name, &l,
			       *(const uint32_t *)((const char *)d + g[k].off));
		}
	}
}

static void render_dests(FILE *f, const struct lbnld_metrics_snapshot *s)
{
	struct lbnld_metrics_labels l;
	const struct lbu_dest *d;
	bool any = false;
	size_t i;

	for (i = 0; i < s->dests.count; i++) {
		d = &s->dests.dests[i];
		if (!(d->has & LBNL_DEST_HAS_STATE))
			continue;
		if (!any)
			header(f, "lbnl_dest_state", "gauge",
			       "State (health) of each dest: 1 for the current state");
		any = true;
		dest_labels(&l, &d->vip, &d->addr, d->port);
		state_samples(f, "lbnl_dest_state", &l, &lbnl_state_names,
			      d->state);
	}
	any = false;
	for (i = 0; i < s->dests.count; i++) {
		d = &s->dests.dests[i];
		if (!(d->has & LBNL_DEST_HAS_WEIGHT))
			continue;
		if (!any)
			header(f, "lbnl_dest_weight", "gauge",
			       "Weight of each dest");
		any = true;
		dest_labels(&l, &d->vip, &d->addr, d->port);
		sample(f, "lbnl_dest_weight", &l, d->weight);
	}
	render_dest_emptying(f, s);
}

static void render_migrations(FILE *f, const struct lbnld_metrics_snapshot *s)
{
	static const char hist[] = "lbnl_migration_duration_seconds";
	const struct lbnld_mig_counts *c = &s->mig;
	struct lbnld_metrics_labels l, lb;
	char name[64];
	uint64_t cum;
	unsigned int o, r, b;

	if (s->module) {
		header(f, "lbnl_migrations_open", "gauge",
		       "SCTP migrations open now");
		sample(f, "lbnl_migrations_open", NULL, s->migrations_open);
	}
	header(f, "lbnl_migrations_started_total", "counter",
	       "SCTP migrations opened, seen by lbnld since it started");
	sample(f, "lbnl_migrations_started_total", NULL, c->started);
	header(f, "lbnl_migrations_total", "counter",
	       "SCTP migrations ended, by outcome, seen by lbnld since it started");
	for (o = 0; o < LBNLD_MIG_OUTCOMES; o++) {
		l.len = 0;
		label(&l, "outcome", mig_outcomes[o]);
		sample(f, "lbnl_migrations_total", &l, c->ended[o]);
	}
	header(f, "lbnl_migrations_aborted_total", "counter",
	       "SCTP migrations aborted, by reason, seen by lbnld since it started");
	for (r = 0; r < LBNLD_MIG_REASONS; r++) {
		l.len = 0;
		label(&l, "reason", mig_reasons[r].label);
		sample(f, "lbnl_migrations_aborted_total", &l, c->aborted[r]);
	}
	header(f, hist, "histogram",
	       "Time from the start of an SCTP migration to its commit or abort, by outcome");
	for (o = 0; o < LBNLD_MIG_OUTCOMES; o++) {
		l.len = 0;
		label(&l, "outcome", mig_outcomes[o]);
		snprintf(name, sizeof(name), "%s_bucket", hist);
		for (b = 0, cum = 0; b <= LBNLD_MIG_BUCKETS; b++) {
			cum += c->buckets[o][b];
			lb = l;
			label(&lb, "le", b < LBNLD_MIG_BUCKETS ?
			      mig_bounds[b].le : "+Inf");
			sample(f, name, &lb, cum);
		}
		snprintf(name, sizeof(name), "%s_sum", hist);
		sample_ms(f, name, &l, c->sum_ms[o]);
		snprintf(name, sizeof(name), "%s_count", hist);
		sample(f, name, &l, c->timed[o]);
	}
	header(f, "lbnl_events_lost_total", "counter",
	       "Times lbnld's queue of the module's events overflowed (the migration counters miss what was lost)");
	sample(f, "lbnl_events_lost_total", NULL, c->events_lost);
}

int lbnld_metrics_render(const struct lbnld_metrics_snapshot *s, FILE *f)
{
	unsigned int scope, i;

	header(f, "lbnl_module_loaded", "gauge",
	       "Whether the lbnl module is loaded (its netlink family is there)");
	sample(f, "lbnl_module_loaded", NULL, s->module);
	if (s->module) {
		for (scope = SCOPE_GLOBAL; scope <= SCOPE_DEST; scope++) {
			for (i = 0; i < sizeof(stat_metrics) /
					sizeof(stat_metrics[0]); i++)
				stat_family(f, s, scope, i);
			if (scope == SCOPE_GLOBAL)
				render_drops(f, &s->global);
			else if (scope == SCOPE_VIP)
				render_vips(f, s);
			else
				render_dests(f, s);
		}
	}
	render_migrations(f, s);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
