// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl-agent's target role: a TRANSFER from a source agent. Parse the
 * state, import the association, hand it to its app, answer TRANSFER_ACK
 * (status 0: the copy is live here; else nothing is left here), then wait
 * for the FINISH: commit keeps the copy, abort releases it. Either is
 * answered by a FINISH echo once done (status 0, or the error), which is
 * what lets the source resume after an abort.
 *
 * A FINISH may also come on a new connection (the source lost the first):
 * the sessions waiting for one are kept in a table for that, and such a
 * FINISH for a session still importing waits for the import to end; it
 * is taken only from an agent whose certificate names the session's
 * source dest (ctl.h: no other host may release or keep it). If
 * the connection closes without a FINISH, the copy is kept (the LB may
 * have committed) and a warning logged.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "apps.h"
#include "assoc_state.h"
#include "nl.h"

enum tstate {
	T_IMPORTING,	/* its thread is importing it */
	T_WAITING,	/* imported: for a FINISH */
	T_DONE,		/* a FINISH was acted on (or the import failed) */
};

struct tsess {
	uint64_t id;
	struct lbnl_assoc_key key;
	struct lbnl_addr source;	/* the source dest */
	enum tstate state;
	bool owned;		/* its thread still holds it */
	int64_t expires;	/* orphaned (no connection): forgotten then */
	struct tsess *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct tsess *sessions;

static struct tsess *find(uint64_t id)
{
	struct tsess **p = &sessions, *t;
	int64_t now = agent_now();

	while ((t = *p)) {
		if (t->expires && t->expires < now) {
			*p = t->next;
			free(t);
			continue;
		}
		if (t->id == id)
			return t;
		p = &t->next;
	}
	return NULL;
}

static void unlink_sess(struct tsess *t)
{
	struct tsess **p;

	for (p = &sessions; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			return;
		}
	}
}

static const char *nl_reason(struct lbnl_nl *nl, int err)
{
	const char *m = nl ? lbnl_nl_extack(nl) : NULL;

	return m && *m ? m : strerror(-err);
}

/* Act on a FINISH for a session this thread claimed. 0 or -errno. */
static int act(struct lbnl_nl *nl, const struct lbnl_assoc_key *key,
	       bool commit, const char *desc, char *reason, size_t len)
{
	int err;

	if (commit) {
		lbnl_log(LOG_INFO, "%s: committed: the association lives "
			  "here", desc);
		return 0;
	}
	err = lbu_assoc_release(nl, key);
	if (err == -ENOENT)
		err = 0;
	if (err) {
		snprintf(reason, len, "release: %s", nl_reason(nl, err));
		lbnl_log(LOG_ERR, "%s: abort: %s", desc, reason);
	} else {
		lbnl_log(LOG_INFO, "%s: aborted: the imported copy is "
			  "released", desc);
		/* The app adopted it: it is gone from here, forget it. */
		agent_apps_finish(key, true);
	}
	return err;
}

static void echo_finish(struct lbnl_ctl_conn *c, uint64_t id, bool commit,
			int status, const char *reason)
{
	struct lbnl_ctl_msg e = {
		.type = LBNL_CTL_FINISH,
		.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_COMMIT |
		       LBNL_CTL_HAS_STATUS,
		.session = id,
		.commit = commit,
		.status = status,
	};

	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	lbnl_ctl_send(c, &e, 2000);
}

static void ack(struct lbnl_ctl_conn *c, uint64_t id, int status,
		const char *reason)
{
	struct lbnl_ctl_msg a = {
		.type = LBNL_CTL_TRANSFER_ACK,
		.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS,
		.session = id,
		.status = status,
	};

	snprintf(a.reason, sizeof(a.reason), "%s", reason);
	if (lbnl_ctl_send(c, &a, 2000))
		lbnl_log(LOG_WARNING, "session %" PRIu64 ": transfer-ack "
			  "not sent: %s", id, lbnl_ctl_error(c));
}

void agent_target(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *m)
{
	char peer[LBNL_ADDRPORTSTRLEN], desc[200], reason[LBNL_CTL_REASON_MAX];
	char err[256];
	int64_t t0 = agent_now(), t, deadline = t0 + m->deadline_ms;
	int64_t ms_import, ms_app;
	struct lbu_assoc_state st;
	struct lbnl_nl *nl = NULL;
	struct lbnl_assoc assoc;
	struct lbnl_ctl_msg fin;
	struct tsess *ts;
	bool mine;
	int ret, left;

	lbnl_format_addr_port(&m->assoc.paddr, m->assoc.pport, peer,
			      sizeof(peer));
	snprintf(desc, sizeof(desc), "session %" PRIu64 " %s <- %s",
		 m->session, peer, lbnl_ctl_peer(c));

	ts = calloc(1, sizeof(*ts));
	if (!ts) {
		ack(c, m->session, -ENOMEM, "no memory");
		return;
	}
	ts->id = m->session;
	ts->key = m->assoc;
	ts->source = m->source.addr;
	ts->owned = true;
	pthread_mutex_lock(&lock);
	if (find(m->session)) {
		pthread_mutex_unlock(&lock);
		free(ts);
		lbnl_log(LOG_WARNING, "%s: refused: session already here",
			  desc);
		ack(c, m->session, -EBUSY, "session already on the target");
		return;
	}
	ts->next = sessions;
	sessions = ts;
	pthread_mutex_unlock(&lock);

	if (lbnl_assoc_state_parse(m->state, m->state_len, &st, err,
				   sizeof(err))) {
		snprintf(reason, sizeof(reason), "state: %.110s", err);
		ret = -EINVAL;
		goto failed;
	}
	ret = lbnl_srv_nl_open(&nl);
	if (ret) {
		nl = NULL;
		lbu_assoc_state_free(&st);
		snprintf(reason, sizeof(reason), "lbnl_srv netlink: %s",
			 ret == -ENOENT ? "module not loaded" : strerror(-ret));
		goto failed;
	}
	t = agent_now();
	ret = lbu_assoc_import(nl, &st, &assoc);
	ms_import = agent_now() - t;
	lbu_assoc_state_free(&st);
	if (ret) {
		snprintf(reason, sizeof(reason), "import: %s",
			 nl_reason(nl, ret));
		goto failed;
	}
	t = agent_now();
	left = (int)(deadline - t) - AGENT_MARGIN_MS;
	ret = agent_apps_adopt(&m->assoc, m->blob, m->blob_len,
			       left > 0 ? left : 0, reason, sizeof(reason));
	ms_app = agent_now() - t;
	if (ret == -ENOENT && m->blob_len)
		lbnl_log(LOG_WARNING, "%s: no app serves it here: its app "
			  "state (%zu bytes) is dropped", desc, m->blob_len);
	if (ret && ret != -ENOENT) {
		char r2[LBNL_CTL_REASON_MAX];
		int err2 = lbu_assoc_release(nl, &m->assoc);

		snprintf(r2, sizeof(r2), "app: %.110s", reason[0] ? reason :
			 strerror(-ret));
		snprintf(reason, sizeof(reason), "%s", r2);
		if (err2 && err2 != -ENOENT) {
			/* Not released: say it may still be here. */
			lbnl_log(LOG_ERR, "%s: release after the app's "
				  "refusal failed: %s", desc,
				  nl_reason(nl, err2));
			goto imported;
		}
		goto failed;
	}

imported:
	pthread_mutex_lock(&lock);
	ts->state = T_WAITING;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	if (ret && ret != -ENOENT) {
		/* A copy that could not be released: the source must ask. */
		ack(c, m->session, 0, "");
	} else {
		ack(c, m->session, 0, "");
		lbnl_log(LOG_INFO, "%s: imported %" PRId64 " ms, app %"
			  PRId64 " ms, acked after %" PRId64 " ms", desc,
			  ms_import, ms_app, agent_now() - t0);
	}

	/* The LB decides; the source says (a FINISH). */
	ret = lbnl_ctl_recv(c, &fin, AGENT_GRACE_MS + 30000);
	if (!ret)
		lbnl_ctl_msg_free(&fin);
	if (!ret && (fin.type != LBNL_CTL_FINISH ||
		     fin.session != m->session)) {
		lbnl_log(LOG_WARNING, "%s: expected finish, got %s", desc,
			  lbnl_ctl_type_name(fin.type));
		ret = -EPROTO;
	}
	pthread_mutex_lock(&lock);
	mine = ts->state == T_WAITING;
	if (!ret && mine) {
		ts->state = T_DONE;
		unlink_sess(ts);
	} else if (ret && mine) {
		ts->owned = false;	/* the table keeps it, for a while */
		ts->expires = agent_now() + AGENT_GRACE_MS;
	}
	pthread_mutex_unlock(&lock);
	if (!mine)
		free(ts);	/* a FINISH on another connection took it */
	if (ret) {
		if (mine)
			lbnl_log(LOG_WARNING, "%s: no finish (%s): keeping "
				  "the imported copy (the LB may have "
				  "committed; a finish may still come on a "
				  "new connection)", desc,
				  ret == -EPROTO ? "protocol" :
				  lbnl_ctl_error(c));
		/* else a FINISH on another connection took it. */
		lbnl_nl_close(nl);
		return;
	}
	if (mine) {
		reason[0] = '\0';
		ret = act(nl, &m->assoc, fin.commit, desc, reason,
			  sizeof(reason));
		free(ts);
	}
	/* else its FINISH came on another connection: acted on there. */
	echo_finish(c, m->session, fin.commit, mine ? ret : 0,
		    mine ? reason : "already finished");
	lbnl_log(LOG_DEBUG, "%s: total %" PRId64 " ms", desc,
		  agent_now() - t0);
	lbnl_nl_close(nl);
	return;

failed:
	lbnl_log(LOG_WARNING, "%s: failed: %s", desc, reason);
	pthread_mutex_lock(&lock);
	ts->state = T_DONE;
	unlink_sess(ts);
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	free(ts);
	ack(c, m->session, ret, reason);
	if (nl)
		lbnl_nl_close(nl);
}

void agent_target_finish(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *m)
{
	char desc[160], reason[LBNL_CTL_REASON_MAX] = "";
	struct lbnl_assoc_key key;
	struct timespec until;
	struct lbnl_nl *nl;
	struct tsess *ts;
	int ret;

	snprintf(desc, sizeof(desc), "session %" PRIu64 " (finish from %s)",
		 m->session, lbnl_ctl_peer(c));
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&lock);
	while ((ts = find(m->session)) && ts->state == T_IMPORTING)
		if (pthread_cond_timedwait(&changed, &lock, &until) ==
		    ETIMEDOUT)
			break;
	ts = find(m->session);
	if (ts && ts->state == T_IMPORTING) {
		pthread_mutex_unlock(&lock);
		lbnl_log(LOG_WARNING, "%s: still importing", desc);
		echo_finish(c, m->session, m->commit, -EAGAIN,
			    "still importing");
		return;
	}
	if (!ts || ts->state != T_WAITING) {
		pthread_mutex_unlock(&lock);
		lbnl_log(LOG_INFO, "%s: nothing imported here for it", desc);
		echo_finish(c, m->session, m->commit, 0, "no copy here");
		return;
	}
	if (!lbnl_ctl_peer_names(c, &ts->source)) {
		char a[LBNL_ADDRSTRLEN];

		pthread_mutex_unlock(&lock);
		snprintf(reason, sizeof(reason), "its certificate does not "
			 "name the session's source dest %s",
			 lbnl_format_addr(&ts->source, a, sizeof(a)));
		lbnl_log(LOG_WARNING, "%s: refused: %s", desc, reason);
		echo_finish(c, m->session, m->commit, -EPERM, reason);
		return;
	}
	ts->state = T_DONE;
	unlink_sess(ts);
	key = ts->key;
	if (!ts->owned)
		free(ts);	/* else its thread frees it */
	pthread_mutex_unlock(&lock);

	ret = lbnl_srv_nl_open(&nl);
	if (ret) {
		snprintf(reason, sizeof(reason), "lbnl_srv netlink: %s",
			 strerror(-ret));
		echo_finish(c, m->session, m->commit, ret, reason);
		return;
	}
	ret = act(nl, &key, m->commit, desc, reason, sizeof(reason));
	lbnl_nl_close(nl);
	echo_finish(c, m->session, m->commit, ret, reason);
}
