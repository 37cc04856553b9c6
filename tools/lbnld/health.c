// SPDX-License-Identifier: GPL-2.0
/*
 * lbnld's health checks at work: each check has a thread of its own,
 * which probes its dest every interval (health_probe.c: a probe may block
 * up to its timeout, never lbnld's event loop), counts the results in a
 * row, and when the verdict is known brings the dest's state in line
 * with it over a netlink handle of its own (health_nl.c):
 *
 *	fall failures in a row	verdict down: an active dest is set down
 *	rise successes in a row	verdict up: a dest lbnld put down is set
 *				active again
 *
 * The verdict is applied after every probe once known, not only when it
 * changes: a dest added again, or a module reloaded, gets it too. A dest
 * in maint or drain is the operator's and is never touched; set active
 * again while its check still fails, it goes down at the next probe.
 *
 * The change is conditional (LBNL_A_DEST_STATE_IF): made only if the
 * dest is still in the state read, so that an operator's change between
 * the read and the write stays; the next probe looks again.
 *
 * Reconfiguring (SIGHUP) keeps the threads of unchanged checks with their
 * counts; the threads of removed or changed ones are told to stop and end
 * on their own once their probe returns, so nothing waits for one.
 *
 * A check of "all" the dests of a VIP is a check per dest, each with a
 * thread and counts of its own, as if each had its line (but those that
 * have one). Which dests the VIP has is read again by a thread of its
 * own (the expander), every interval of the line, over a handle of its
 * own: a dest added is probed from the next read, a dest deleted loses
 * its thread. Read, not followed from the module's DEST_NEW and DEST_DEL
 * events: the event loop would have to hand them over and still read
 * everything again after lost events, a module reloaded or lbnld
 * started, the cases the reconciliation (reconcile.c) handles by reading
 * everything; a read per interval is that, costs one small dump, and a
 * new dest waits at most an interval, less than the rise it needs anyway.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/lbnl.h>

#include "health.h"
#include "lbnld.h"
#include "names.h"

#define WHY_LEN		256

bool lbnld_health_count(struct lbnld_health_state *s,
			const struct lbnld_check *c, bool ok)
{
	enum lbnld_verdict was = s->verdict;

	if (ok) {
		s->failures = 0;
		if (s->successes < UINT32_MAX)
			s->successes++;
		if (s->successes >= c->rise)
			s->verdict = LBNLD_VERDICT_UP;
	} else {
		s->successes = 0;
		if (s->failures < UINT32_MAX)
			s->failures++;
		if (s->failures >= c->fall)
			s->verdict = LBNLD_VERDICT_DOWN;
	}
	return s->verdict != was;
}

enum lbnld_health_action lbnld_health_decide(struct lbnld_health_state *s,
					     uint8_t state)
{
	bool first = !s->seen;

	s->seen = true;
	if (state != LBNL_DEST_ACTIVE && state != LBNL_DEST_DOWN) {
		/* maint, drain (or a newer module's state): the operator's */
		s->ours = false;
		return LBNLD_HEALTH_KEEP;
	}
	/* Found down the first time: put down by a previous lbnld. */
	if (first && state == LBNL_DEST_DOWN)
		s->ours = true;
	switch (s->verdict) {
	case LBNLD_VERDICT_DOWN:
		if (state == LBNL_DEST_DOWN) {
			s->ours = true;
			return LBNLD_HEALTH_KEEP;
		}
		s->ours = true;
		return LBNLD_HEALTH_SET_DOWN;
	case LBNLD_VERDICT_UP:
		if (state != LBNL_DEST_DOWN || !s->ours)
			return LBNLD_HEALTH_KEEP;
		s->ours = false;
		return LBNLD_HEALTH_SET_ACTIVE;
	default:
		return LBNLD_HEALTH_KEEP;
	}
}

/* The threads ------------------------------------------------------------ */

struct runner {
	struct lbnld_health *h;
	struct lbnld_check check;
	struct lbnld_health_state state;
	struct lbnld_probe_ctx probe;	/* kept between probes */
	pthread_t thread;
	bool stop;			/* under h->lock */
	void *nl;			/* the thread's module handle, or NULL */
	int last_err;			/* of applying: logged once */
	bool foreign_logged;		/* "left alone" logged */
	struct runner *next;		/* in h->running */
};

/* The dests of the VIP of an "all" line, as last read. */
struct vip_dests {
	struct lbu_vip_key vip;
	struct lbnl_endpoint *dests;
	size_t n;
};

struct lbnld_health {
	const struct lbnld_health_ops *ops;
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* CLOCK_MONOTONIC: stop, or freed */
	struct runner *running;
	size_t threads;			/* running and stopping */
	/* The checks as configured, "all" lines unexpanded. */
	struct lbnld_check *conf;
	size_t n_conf;
	struct vip_dests *vips;		/* one per "all" line, in order */
	size_t n_vips;
	unsigned int generation;	/* of conf: a read of another is void */
	uint32_t reread_ms;		/* the shortest "all" interval */
	bool reread;			/* read the dests now */
	bool expander_started;
	bool expander_stop;
	pthread_t expander;
};

/*
 * libcurl's global state, set up by the first check thread rather than
 * by the event loop (OpenSSL's initialization takes a while); kept until
 * lbnld exits.
 */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static int probe_err;

static void probe_init_once(void)
{
	probe_err = lbnld_probe_init();
	if (probe_err)
		lbnl_log(LOG_ERR, "libcurl cannot be initialized: no health check runs");
}

static bool runner_stopped(struct runner *r)
{
	bool stop;

	pthread_mutex_lock(&r->h->lock);
	stop = r->stop;
	pthread_mutex_unlock(&r->h->lock);
	return stop;
}

static const char *state_name(uint8_t state)
{
	const char *name = lbnl_name(&lbnl_state_names, state);

	return name ? name : "unknown";
}

static void log_apply_error(struct runner *r, const char *what, int err)
{
	const char *why = r->nl ? r->h->ops->why(r->nl) : NULL;
	char text[LBNL_ADDRPORTSTRLEN * 2 + 64];

	if (err == r->last_err)
		return;
	r->last_err = err;
	lbnld_check_text(&r->check, text, sizeof(text));
	if (err == -ENOENT)
		lbnl_log(LOG_NOTICE, "check %s: %s: no such dest in the module (yet): retried at each probe",
			  text, what);
	else if (err == -ENOPKG)
		lbnl_log(LOG_NOTICE, "check %s: %s is absent: retried at each probe",
			  text, what);
	else
		lbnl_log(LOG_ERR, "check %s: %s: %s", text, what,
			  why ? why : strerror(-err));
}

/*
 * on-down flush: the dest just set down, its entries are flushed, so
 * that its flows' next packets are scheduled again, to a dest that is up
 * (a TCP client then gets a RST and connects again at once, as with
 * IPVS's expire_nodest_conn). Once: a failure is logged, not retried
 * (the dest stays down; its flows end as with on-down keep).
 */
static void runner_flush(struct runner *r, const char *text)
{
	const struct lbnld_health_ops *ops = r->h->ops;
	const char *why;
	int err;

	err = ops->conn_flush(r->nl, &r->check);
	if (!err) {
		lbnl_log(LOG_WARNING, "check %s: the dest's connection entries flushed (on-down flush)",
			  text);
		return;
	}
	why = ops->why(r->nl);
	lbnl_log(LOG_ERR, "check %s: flushing the dest's connection entries: %s",
		  text, why ? why : strerror(-err));
}

/* Bring the dest in line with the verdict. */
static void runner_apply(struct runner *r)
{
	const struct lbnld_health_ops *ops = r->h->ops;
	char text[LBNL_ADDRPORTSTRLEN * 2 + 64];
	enum lbnld_health_action action;
	uint8_t state, want;
	bool was_ours;
	int err;

	if (!r->nl) {
		err = ops->open(&r->nl);
		if (err) {
			r->nl = NULL;
			log_apply_error(r, "the lbnl module", err == -ENOENT ?
					-ENOPKG : err);
			return;
		}
	}
	err = ops->state_get(r->nl, &r->check, &state);
	if (err) {
		log_apply_error(r, "reading the dest", err);
		if (err != -ENOENT) {
			ops->close(r->nl);
			r->nl = NULL;
		}
		return;
	}
	lbnld_check_text(&r->check, text, sizeof(text));
	was_ours = r->state.ours;
	action = lbnld_health_decide(&r->state, state);
	if (action == LBNLD_HEALTH_KEEP) {
		r->last_err = 0;
		if (r->state.verdict == LBNLD_VERDICT_DOWN &&
		    state != LBNL_DEST_DOWN && !r->foreign_logged) {
			lbnl_log(LOG_NOTICE, "check %s: the dest is %s (the operator's): left alone",
				  text, state_name(state));
			r->foreign_logged = true;
		}
		return;
	}
	r->foreign_logged = false;
	want = action == LBNLD_HEALTH_SET_DOWN ? LBNL_DEST_DOWN :
						 LBNL_DEST_ACTIVE;
	/* A check being replaced leaves the dest to its successor. */
	if (runner_stopped(r))
		return;
	err = ops->state_set(r->nl, &r->check, state, want);
	if (err == -ESTALE) {
		/* Changed meanwhile (by an operator): looked at again. */
		r->state.ours = was_ours;
		lbnl_log(LOG_NOTICE, "check %s: the dest's state changed while it was set %s: left as it is",
			  text, state_name(want));
		return;
	}
	if (err) {
		/* Not done: the next probe tries again. */
		r->state.ours = was_ours;
		log_apply_error(r, "setting the dest's state", err);
		return;
	}
	r->last_err = 0;
	lbnl_log(LOG_WARNING, "check %s: dest set %s (was %s)", text,
		  state_name(want), state_name(state));
	if (want == LBNL_DEST_DOWN && r->check.on_down_flush)
		runner_flush(r, text);
}

static void runner_count(struct runner *r, bool ok, const char *why)
{
	char text[LBNL_ADDRPORTSTRLEN * 2 + 64];

	lbnld_check_text(&r->check, text, sizeof(text));
	if (!lbnld_health_count(&r->state, &r->check, ok)) {
		if (!ok)
			lbnl_log(LOG_DEBUG, "check %s: failed (%u in a row): %s",
				  text, r->state.failures, why);
		return;
	}
	if (r->state.verdict == LBNLD_VERDICT_DOWN)
		lbnl_log(LOG_WARNING, "check %s: down after %u failure%s in a row: %s",
			  text, r->state.failures,
			  r->state.failures == 1 ? "" : "s", why);
	else
		lbnl_log(LOG_NOTICE, "check %s: up after %u success%s in a row",
			  text, r->state.successes,
			  r->state.successes == 1 ? "" : "es");
}

static void deadline_after(struct timespec *ts, long long ms)
{
	if (ms < 0)
		ms = 0;
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static void *runner_main(void *arg)
{
	struct runner *r = arg;
	struct lbnld_health *h = r->h;
	char why[WHY_LEN];
	struct timespec next;
	long long started;
	bool stop;
	int ok;

	pthread_once(&probe_once, probe_init_once);
	for (;;) {
		if (probe_err)
			break;
		started = lbnld_now_ms();
		ok = !lbnld_probe(&r->check, &r->probe, why, sizeof(why));
		if (runner_stopped(r))
			break;
		runner_count(r, ok, why);
		if (r->state.verdict != LBNLD_VERDICT_UNKNOWN)
			runner_apply(r);
		deadline_after(&next, started + r->check.interval_ms -
				      lbnld_now_ms());
		pthread_mutex_lock(&h->lock);
		while (!r->stop &&
		       pthread_cond_timedwait(&h->wake, &h->lock, &next) !=
		       ETIMEDOUT)
			;
		stop = r->stop;
		pthread_mutex_unlock(&h->lock);
		if (stop)
			break;
	}
	lbnld_probe_end(&r->probe);
	if (r->nl)
		h->ops->close(r->nl);
	pthread_mutex_lock(&h->lock);
	h->threads--;
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
	free(r);
	return NULL;
}

int lbnld_health_new(const struct lbnld_health_ops *ops,
		     struct lbnld_health **out)
{
	struct lbnld_health *h = calloc(1, sizeof(*h));
	pthread_condattr_t attr;

	if (!h)
		return -ENOMEM;
	h->ops = ops;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &attr);
	pthread_condattr_destroy(&attr);
	*out = h;
	return 0;
}

/* Tell r's thread to stop (h->lock held); it frees r. */
static void runner_stop(struct lbnld_health *h, struct runner *r)
{
	r->stop = true;
	pthread_cond_broadcast(&h->wake);
}

static int runner_start(struct lbnld_health *h, const struct lbnld_check *c)
{
	char text[LBNL_ADDRPORTSTRLEN * 2 + 64];
	struct runner *r = calloc(1, sizeof(*r));
	pthread_attr_t attr;
	int err;

	if (!r)
		return -ENOMEM;
	r->h = h;
	r->check = *c;
	r->probe = (struct lbnld_probe_ctx)LBNLD_PROBE_CTX_INIT;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	h->threads++;
	err = pthread_create(&r->thread, &attr, runner_main, r);
	pthread_attr_destroy(&attr);
	lbnld_check_text(c, text, sizeof(text));
	if (err) {
		h->threads--;
		free(r);
		lbnl_log(LOG_ERR, "check %s: cannot start its thread: %s",
			  text, strerror(err));
		return -err;
	}
	r->next = h->running;
	h->running = r;
	lbnl_log(LOG_INFO, "check %s: every %u ms, timeout %u ms, rise %u, fall %u",
		  text, c->interval_ms, c->timeout_ms, c->rise, c->fall);
	return 0;
}

/* Run these checks (h->lock held): keep the equal ones, stop the rest. */
static int runners_set(struct lbnld_health *h,
		       const struct lbnld_check *checks, size_t n)
{
	char text[LBNL_ADDRPORTSTRLEN * 2 + 64];
	struct runner **pp, *r, *kept = NULL;
	bool *found;
	int ret = 0, err;
	size_t i;

	found = calloc(n ? n : 1, sizeof(*found));
	if (!found)
		return -ENOMEM;
	/* Keep the runners of unchanged checks, stop the others. */
	for (pp = &h->running; (r = *pp);) {
		for (i = 0; i < n; i++)
			if (!found[i] && lbnld_check_equal(&r->check,
							   &checks[i]))
				break;
		*pp = r->next;
		if (i < n) {
			found[i] = true;
			r->next = kept;
			kept = r;
		} else {
			lbnl_log(LOG_INFO, "check %s: stopped",
				  lbnld_check_text(&r->check, text,
						   sizeof(text)));
			runner_stop(h, r);
		}
	}
	h->running = kept;
	for (i = 0; i < n; i++) {
		if (found[i])
			continue;
		err = runner_start(h, &checks[i]);
		if (err && !ret)
			ret = err;
	}
	free(found);
	return ret;
}

static bool vip_key_equal(const struct lbu_vip_key *a,
			  const struct lbu_vip_key *b)
{
	return a->proto == b->proto && a->port == b->port &&
	       lbnl_addr_equal(&a->addr, &b->addr);
}

/* A line of its own for this dest of the VIP (h->lock held)? */
static bool has_own_line(struct lbnld_health *h, const struct lbu_vip_key *vip,
			 const struct lbnl_endpoint *dest)
{
	const struct lbnld_check *c;
	size_t i;

	for (i = 0; i < h->n_conf; i++) {
		c = &h->conf[i];
		if (!c->all_dests && vip_key_equal(&c->vip, vip) &&
		    c->dest.port == dest->port &&
		    lbnl_addr_equal(&c->dest.addr, &dest->addr))
			return true;
	}
	return false;
}

/*
 * The checks to run (h->lock held): the lines of one dest, and one per
 * dest last read of the VIP of each "all" line.
 */
static int runners_apply(struct lbnld_health *h)
{
	struct lbnld_check *list, *c;
	size_t n = 0, cap = 0, i, j, k = 0;
	int err;

	for (i = 0; i < h->n_conf; i++)
		cap += h->conf[i].all_dests ? h->vips[k++].n : 1;
	list = calloc(cap ? cap : 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (i = 0, k = 0; i < h->n_conf; i++) {
		c = &h->conf[i];
		if (!c->all_dests) {
			list[n++] = *c;
			continue;
		}
		for (j = 0; j < h->vips[k].n; j++) {
			if (has_own_line(h, &c->vip, &h->vips[k].dests[j]))
				continue;
			list[n] = *c;
			list[n].all_dests = false;
			list[n].dest = h->vips[k].dests[j];
			n++;
		}
		k++;
	}
	err = runners_set(h, list, n);
	free(list);
	return err;
}

static bool dests_equal(const struct lbnl_endpoint *a, size_t na,
			const struct lbnl_endpoint *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].port != b[i].port ||
		    !lbnl_addr_equal(&a[i].addr, &b[i].addr))
			return false;
	return true;
}

/* What an "all" line's VIP has (h->lock not held): 0 or -errno. */
static int dests_read(struct lbnld_health *h, void **nl,
		      const struct lbu_vip_key *vip,
		      struct lbnl_endpoint **dests, size_t *n)
{
	char text[LBNL_ADDRPORTSTRLEN + 16];
	int err;

	if (!*nl && h->ops->open(nl)) {
		*nl = NULL;
		return -ENOPKG;		/* the module is absent: kept as is */
	}
	err = h->ops->dests_get(*nl, vip, dests, n);
	if (err) {
		lbnl_log(LOG_DEBUG, "check %s dest all: reading its dests: %s",
			  lbnld_vip_text(vip, text, sizeof(text)),
			  strerror(-err));
		h->ops->close(*nl);
		*nl = NULL;
	}
	return err;
}

/*
 * The expander: reads the dests of each "all" line's VIP every
 * reread_ms, or at once when told (reconfigured), and runs a check per
 * dest. A read that fails keeps the dests as they were.
 */
static void *expander_main(void *arg)
{
	struct lbnld_health *h = arg;
	struct vip_dests *got = NULL;
	char text[LBNL_ADDRPORTSTRLEN + 16];
	struct timespec next;
	unsigned int gen;
	bool changed;
	void *nl = NULL;
	size_t n, i;
	int *err = NULL;

	pthread_mutex_lock(&h->lock);
	deadline_after(&next, 0);
	for (;;) {
		while (!h->expander_stop && !h->reread &&
		       pthread_cond_timedwait(&h->wake, &h->lock, &next) !=
		       ETIMEDOUT)
			;
		if (h->expander_stop)
			break;
		h->reread = false;
		gen = h->generation;
		n = h->n_vips;
		got = calloc(n ? n : 1, sizeof(*got));
		err = calloc(n ? n : 1, sizeof(*err));
		for (i = 0; got && i < n; i++)
			got[i].vip = h->vips[i].vip;
		deadline_after(&next, h->reread_ms);
		pthread_mutex_unlock(&h->lock);
		for (i = 0; got && err && i < n; i++)
			err[i] = dests_read(h, &nl, &got[i].vip,
					    &got[i].dests, &got[i].n);
		pthread_mutex_lock(&h->lock);
		changed = false;
		/* Read for another configuration: read again. */
		if (gen != h->generation)
			h->reread = true;
		for (i = 0; got && err && !h->reread && i < n; i++) {
			if (err[i] || dests_equal(got[i].dests, got[i].n,
						  h->vips[i].dests,
						  h->vips[i].n))
				continue;
			lbnl_log(LOG_INFO, "check %s dest all: %zu dest%s",
				  lbnld_vip_text(&got[i].vip, text,
						 sizeof(text)),
				  got[i].n, got[i].n == 1 ? "" : "s");
			free(h->vips[i].dests);
			h->vips[i].dests = got[i].dests;
			h->vips[i].n = got[i].n;
			got[i].dests = NULL;
			changed = true;
		}
		if (changed)
			runners_apply(h);
		for (i = 0; got && i < n; i++)
			free(got[i].dests);
		free(got);
		free(err);
	}
	pthread_mutex_unlock(&h->lock);
	if (nl)
		h->ops->close(nl);
	return NULL;
}

/* The dests last read of vip, taken from old (an "all" line kept). */
static void vips_carry(struct vip_dests *to, struct vip_dests *old,
		       size_t n_old)
{
	size_t i;

	for (i = 0; i < n_old; i++) {
		if (!old[i].dests || !vip_key_equal(&old[i].vip, &to->vip))
			continue;
		to->dests = old[i].dests;
		to->n = old[i].n;
		old[i].dests = NULL;
		return;
	}
}

static void vips_free(struct vip_dests *vips, size_t n)
{
	size_t i;

	for (i = 0; vips && i < n; i++)
		free(vips[i].dests);
	free(vips);
}

int lbnld_health_configure(struct lbnld_health *h,
			   const struct lbnld_check *checks, size_t n)
{
	struct lbnld_check *conf = NULL;
	struct vip_dests *vips = NULL;
	size_t i, n_vips = 0;
	uint32_t reread_ms = 0;
	int err;

	for (i = 0; i < n; i++)
		n_vips += checks[i].all_dests;
	conf = calloc(n ? n : 1, sizeof(*conf));
	vips = calloc(n_vips ? n_vips : 1, sizeof(*vips));
	if (!conf || !vips) {
		free(conf);
		free(vips);
		return -ENOMEM;
	}
	if (n)
		memcpy(conf, checks, n * sizeof(*conf));
	pthread_mutex_lock(&h->lock);
	for (i = 0, n_vips = 0; i < n; i++) {
		if (!checks[i].all_dests)
			continue;
		vips[n_vips].vip = checks[i].vip;
		vips_carry(&vips[n_vips], h->vips, h->n_vips);
		if (!reread_ms || checks[i].interval_ms < reread_ms)
			reread_ms = checks[i].interval_ms;
		n_vips++;
	}
	vips_free(h->vips, h->n_vips);
	free(h->conf);
	h->conf = conf;
	h->n_conf = n;
	h->vips = vips;
	h->n_vips = n_vips;
	h->reread_ms = reread_ms;
	h->generation++;
	err = runners_apply(h);
	if (n_vips) {
		h->reread = true;
		pthread_cond_broadcast(&h->wake);
	}
	if (n_vips && !h->expander_started) {
		h->expander_started = !pthread_create(&h->expander, NULL,
						      expander_main, h);
		if (!h->expander_started) {
			lbnl_log(LOG_ERR, "checks of all dests: cannot start the thread that reads them");
			if (!err)
				err = -EAGAIN;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return err;
}

size_t lbnld_health_running(struct lbnld_health *h)
{
	size_t n;

	pthread_mutex_lock(&h->lock);
	n = h->threads;
	pthread_mutex_unlock(&h->lock);
	return n;
}

void lbnld_health_free(struct lbnld_health *h)
{
	struct runner *r;

	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->expander_stop = true;
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
	if (h->expander_started)
		pthread_join(h->expander, NULL);
	pthread_mutex_lock(&h->lock);
	while ((r = h->running)) {
		h->running = r->next;
		runner_stop(h, r);
	}
	while (h->threads)
		pthread_cond_wait(&h->wake, &h->lock);
	pthread_mutex_unlock(&h->lock);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	vips_free(h->vips, h->n_vips);
	free(h->conf);
	free(h);
}
