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
	pthread_t thread;
	bool stop;			/* under h->lock */
	void *nl;			/* the thread's module handle, or NULL */
	int last_err;			/* of applying: logged once */
	bool foreign_logged;		/* "left alone" logged */
	struct runner *next;		/* in h->running */
};

struct lbnld_health {
	const struct lbnld_health_ops *ops;
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* CLOCK_MONOTONIC: stop, or freed */
	struct runner *running;
	size_t threads;			/* running and stopping */
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
		ok = !lbnld_probe(&r->check, why, sizeof(why));
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

int lbnld_health_configure(struct lbnld_health *h,
			   const struct lbnld_check *checks, size_t n)
{
	struct runner **pp, *r, *kept = NULL;
	bool *found;
	int ret = 0, err;
	size_t i;

	found = calloc(n ? n : 1, sizeof(*found));
	if (!found)
		return -ENOMEM;
	pthread_mutex_lock(&h->lock);
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
	pthread_mutex_unlock(&h->lock);
	free(found);
	return ret;
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
	while ((r = h->running)) {
		h->running = r->next;
		runner_stop(h, r);
	}
	while (h->threads)
		pthread_cond_wait(&h->wake, &h->lock);
	pthread_mutex_unlock(&h->lock);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
