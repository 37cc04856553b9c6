// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl-agent's source role: a MIGRATE from lbnld. Export the association
 * (the kernel silences it), get the app's state, TRANSFER both to the
 * target agent, wait for its TRANSFER_ACK, send the RESULT to lbnld, and
 * on its DECISION either release the silenced copy (commit) or resume it
 * (abort) after the target confirmed it dropped its copy (FINISH echo).
 *
 * nat VIPs: the servers hold the association on their own address (the
 * LB rewrites it to the VIP's), so the exported state is translated to
 * the target's own address and port before the TRANSFER, whose
 * association key is then the target's (lbnl_assoc_state_translate()).
 *
 * Both copies are never live at once: the source resumes only once the
 * target answered that it has no copy (a failed TRANSFER_ACK, or a FINISH
 * abort echoed), and never after the RESULT of a success without lbnld's
 * DECISION (the LB's table is the authority). When it cannot know, the
 * association stays silenced and the log names the command to end it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "apps.h"
#include "assoc_state.h"
#include "assoc_translate.h"
#include "json_print.h"
#include "nl.h"

/* Associations in a source session: a second MIGRATE is refused. */
struct busy {
	struct lbnl_assoc_key key;
	uint64_t session;
	struct busy *next;
};

static pthread_mutex_t busy_lock = PTHREAD_MUTEX_INITIALIZER;
static struct busy *busy_list;
/* json_print has one global output. */
static pthread_mutex_t json_lock = PTHREAD_MUTEX_INITIALIZER;

struct source {
	struct lbnl_ctl_conn *lbnld;	/* the MIGRATE's; NULL once lost */
	struct lbnl_ctl_conn *target;	/* the TRANSFER's */
	const struct lbnl_ctl_msg *mig;
	struct lbnl_endpoint lbnld_addr;	/* for a RESULT again */
	struct lbnl_nl *nl;
	int64_t t0, deadline;
	bool exported;
	bool app_told;		/* the app prepared (or refused): finish it */
	bool target_may_have;	/* a copy on the target is possible */
	int64_t ms_export, ms_app, ms_import, ms_decide;
	bool nat;		/* the local endpoint is not the VIP's */
	struct lbnl_assoc_key tkey;	/* the association on the target */
	char desc[160];		/* "session 7 PEER -> TARGET" */
	char cmd[200];		/* "LADDR:LPORT PADDR:PPORT" */
	char tcmd[200];		/* the same, on the target */
};

static bool key_equal(const struct lbnl_assoc_key *a,
		      const struct lbnl_assoc_key *b)
{
	return a->lport == b->lport && a->pport == b->pport &&
	       lbnl_addr_equal(&a->laddr, &b->laddr) &&
	       lbnl_addr_equal(&a->paddr, &b->paddr);
}

/* false (with the other session's id) if key is busy. */
static bool busy_add(struct busy *b, uint64_t *other)
{
	struct busy *i;

	pthread_mutex_lock(&busy_lock);
	for (i = busy_list; i; i = i->next) {
		if (key_equal(&i->key, &b->key)) {
			*other = i->session;
			pthread_mutex_unlock(&busy_lock);
			return false;
		}
	}
	b->next = busy_list;
	busy_list = b;
	pthread_mutex_unlock(&busy_lock);
	return true;
}

static void busy_del(struct busy *b)
{
	struct busy **p;

	pthread_mutex_lock(&busy_lock);
	for (p = &busy_list; *p; p = &(*p)->next) {
		if (*p == b) {
			*p = b->next;
			break;
		}
	}
	pthread_mutex_unlock(&busy_lock);
}

static int left(const struct source *s)
{
	int64_t l = s->deadline - agent_now();

	return l < 0 ? 0 : (int)l;
}

/* The state as JSON text (malloc'd), or NULL. */
static char *state_json(const struct lbu_assoc_state *st, size_t *len)
{
	char *text = NULL;
	FILE *f;

	f = open_memstream(&text, len);
	if (!f)
		return NULL;
	pthread_mutex_lock(&json_lock);
	json_print_init(f, true, false);
	lbnl_assoc_state_print(st);
	json_print_init(stdout, false, false);
	pthread_mutex_unlock(&json_lock);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static void result_msg(const struct source *s, int status,
		       const char *reason, struct lbnl_ctl_msg *r)
{
	memset(r, 0, sizeof(*r));
	r->type = LBNL_CTL_RESULT;
	r->has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS |
		 LBNL_CTL_HAS_VIP | LBNL_CTL_HAS_ASSOC | LBNL_CTL_HAS_TARGET;
	r->session = s->mig->session;
	r->status = status;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
	r->vip = s->mig->vip;
	r->vtag = s->mig->vtag;
	r->assoc = s->mig->assoc;
	r->target = s->mig->target;
	r->target_agent = s->mig->target_agent;
}

/*
 * Connect to the target agent: its certificate must be an agent's naming
 * the target dest (the state goes to the host the LB chose, nowhere else).
 */
static int connect_target(struct source *s, int timeout_ms,
			  struct lbnl_ctl_conn **cp, char *err, size_t errlen)
{
	char a[LBNL_ADDRSTRLEN];
	int ret;

	ret = lbnl_ctl_connect(&s->mig->target_agent, agent_tls,
			       LBNL_CTL_ROLE_AGENT, timeout_ms, cp, err,
			       errlen);
	if (ret)
		return ret;
	if (lbnl_ctl_peer_names(*cp, &s->mig->target.addr))
		return 0;
	snprintf(err, errlen, "%s: its certificate does not name the target "
		 "dest %s: not sent", lbnl_ctl_peer(*cp),
		 lbnl_format_addr(&s->mig->target.addr, a, sizeof(a)));
	lbnl_log(LOG_WARNING, "%s: %s", s->desc, err);
	lbnl_ctl_close(*cp);
	*cp = NULL;
	return -EACCES;
}

/* Wait on c for the DECISION of this session: 1 commit, 0 abort, <0. */
static int recv_decision(struct source *s, struct lbnl_ctl_conn *c,
			 int timeout_ms)
{
	struct lbnl_ctl_msg m;
	int err;

	err = lbnl_ctl_recv(c, &m, timeout_ms);
	if (err) {
		if (err != -ECONNRESET && err != -ETIMEDOUT)
			lbnl_log(LOG_WARNING, "%s: rejected: %s", s->desc,
				  lbnl_ctl_error(c));
		return err;
	}
	lbnl_ctl_msg_free(&m);
	if (m.type != LBNL_CTL_DECISION || m.session != s->mig->session) {
		lbnl_log(LOG_WARNING, "%s: expected a decision, got %s "
			  "(session %" PRIu64 ") from %s", s->desc,
			  lbnl_ctl_type_name(m.type), m.session,
			  lbnl_ctl_peer(c));
		return -EPROTO;
	}
	return m.commit;
}

/*
 * Send the RESULT and get lbnld's DECISION: on the MIGRATE's connection,
 * else on new ones to lbnld's reply port, every AGENT_RETRY_MS for
 * grace_ms. 1 commit, 0 abort, -1 none.
 */
static int result_and_decision(struct source *s, int status,
			       const char *reason, int grace_ms)
{
	int64_t until = agent_now() + grace_ms, stop_at = 0, last_log = 0;
	char err[512], addr[LBNL_ADDRPORTSTRLEN];
	struct lbnl_ctl_msg r;
	int ret, tries = 0;

	result_msg(s, status, reason, &r);
	if (s->lbnld) {
		ret = lbnl_ctl_send(s->lbnld, &r, 2000);
		while (!ret) {
			ret = recv_decision(s, s->lbnld, 1000);
			if (ret >= 0)
				return ret;
			if (ret != -ETIMEDOUT || agent_now() >= until)
				break;
			if (agent_stopping && !stop_at)
				stop_at = agent_now() + AGENT_STOP_WAIT_MS -
					  3000;
			if (stop_at && agent_now() >= stop_at)
				return -1;
			ret = 0;
		}
		lbnl_log(LOG_WARNING, "%s: lbnld's connection lost (%s): "
			  "sending the result to %s again", s->desc,
			  lbnl_ctl_error(s->lbnld),
			  agent_endpoint_str(&s->lbnld_addr, addr,
					     sizeof(addr)));
		s->lbnld = NULL;	/* agent_serve() closes it */
	}
	while (agent_now() < until) {
		struct lbnl_ctl_conn *c;

		if (agent_stopping && !stop_at)
			stop_at = agent_now() + AGENT_STOP_WAIT_MS - 3000;
		if (stop_at && agent_now() >= stop_at)
			return -1;
		if (tries++)
			usleep(AGENT_RETRY_MS * 1000);
		ret = lbnl_ctl_connect(&s->lbnld_addr, agent_tls,
				       LBNL_CTL_ROLE_LBNLD, 2000, &c, err,
				       sizeof(err));
		if (!ret) {
			ret = lbnl_ctl_send(c, &r, 2000);
			if (!ret)
				ret = recv_decision(s, c, 5000);
			if (ret < 0)
				snprintf(err, sizeof(err), "%s",
					 lbnl_ctl_error(c));
			lbnl_ctl_close(c);
			if (ret >= 0)
				return ret;
		}
		if (agent_now() - last_log >= 10000) {
			lbnl_log(LOG_WARNING, "%s: no decision from lbnld "
				  "yet (%s); retrying every %d ms", s->desc,
				  err, AGENT_RETRY_MS);
			last_log = agent_now();
		}
	}
	return -1;
}

/*
 * The answer to a FINISH on the TRANSFER's connection. The source may give
 * up waiting for the TRANSFER_ACK (its deadline) and send a FINISH abort
 * while the target, slow, is still importing: the target's ACK then
 * crosses the FINISH and comes first. Taken as "the target is busy" it
 * would leave the association silenced on the source for good, although
 * the target goes on to release its copy and echo the FINISH (the peer
 * then loses the association: seen with 100 migrations and a busy CPU).
 * So a late ACK of this session is read past: a successful one means the
 * echo follows; a failed one, that the target has no copy and will read
 * nothing more (1).
 *
 * Return: 0 (*echo is the next message), 1 (a late failed ACK), or <0.
 */
static int recv_finish_echo(struct source *s, struct lbnl_ctl_conn *c,
			    struct lbnl_ctl_msg *echo)
{
	int ret;

	ret = lbnl_ctl_recv(c, echo, AGENT_FINISH_WAIT_MS);
	if (ret || echo->type != LBNL_CTL_TRANSFER_ACK ||
	    echo->session != s->mig->session)
		return ret;
	lbnl_ctl_msg_free(echo);
	if (echo->status) {
		lbnl_log(LOG_INFO, "%s: the target's transfer-ack came late, "
			  "failed: it has no copy (%s)", s->desc,
			  echo->reason);
		return 1;
	}
	lbnl_log(LOG_INFO, "%s: the target's transfer-ack came late, after "
		  "the finish: waiting for its echo", s->desc);
	return lbnl_ctl_recv(c, echo, AGENT_FINISH_WAIT_MS);
}

/*
 * Tell the target how it ended; abort: it must confirm it dropped its
 * copy. true if it confirmed (or had none to drop).
 */
static bool finish_target(struct source *s, bool commit, int retry_ms)
{
	struct lbnl_ctl_msg f = {
		.type = LBNL_CTL_FINISH,
		.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_COMMIT,
		.session = s->mig->session,
		.commit = commit,
	}, echo;
	int64_t until = agent_now() + retry_ms;
	struct lbnl_ctl_conn *c = s->target;
	char err[512] = "";
	int ret, tries = 0;

	s->target = NULL;
	for (;;) {
		if (!c) {
			if (tries && agent_now() >= until)
				break;
			if (tries)
				usleep(AGENT_RETRY_MS * 1000);
			ret = connect_target(s, 2000, &c, err, sizeof(err));
			tries++;
			if (ret)
				continue;
		}
		ret = lbnl_ctl_send(c, &f, 2000);
		if (!ret)
			ret = recv_finish_echo(s, c, &echo);
		if (ret == 1) {
			/* A late failed TRANSFER_ACK: it has no copy. */
			lbnl_ctl_close(c);
			return true;
		}
		if (ret) {
			snprintf(err, sizeof(err), "%s", lbnl_ctl_error(c));
			lbnl_ctl_close(c);
			c = NULL;
			if (!tries)
				tries = 1;	/* reconnect at once */
			continue;
		}
		lbnl_ctl_close(c);
		lbnl_ctl_msg_free(&echo);
		if (echo.type != LBNL_CTL_FINISH ||
		    echo.session != f.session || echo.commit != commit) {
			snprintf(err, sizeof(err), "target answered %s",
				 lbnl_ctl_type_name(echo.type));
			break;
		}
		if ((echo.has & LBNL_CTL_HAS_STATUS) && echo.status) {
			snprintf(err, sizeof(err), "target: %s (%s)",
				 echo.reason, strerror(-echo.status));
			break;
		}
		return true;
	}
	lbnl_log(commit ? LOG_WARNING : LOG_ERR, "%s: finish %s not "
		  "confirmed by the target: %s", s->desc,
		  commit ? "commit" : "abort", err);
	return false;
}

/* The app of the association: the migration ended. */
static void finish_app(struct source *s, bool moved)
{
	if (s->app_told)
		agent_apps_finish(&s->mig->assoc, moved);
	s->app_told = false;
}

/* Roll back before any RESULT of a success: no copy may stay live twice. */
static void roll_back(struct source *s)
{
	int err;

	if (!s->exported)
		return;
	if (s->target_may_have &&
	    !finish_target(s, false, AGENT_ABORT_CONFIRM_MS)) {
		lbnl_log(LOG_ERR, "%s: the association stays silenced here: "
			  "the target may hold a live copy. Once it is gone "
			  "there, run 'lbnl assoc resume %s' on this host "
			  "(or 'lbnl assoc release %s' if the target has "
			  "it)", s->desc, s->cmd, s->cmd);
		finish_app(s, false);
		return;
	}
	err = lbu_assoc_resume(s->nl, &s->mig->assoc);
	if (err)
		lbnl_log(LOG_ERR, "%s: resume failed: %s", s->desc,
			  lbnl_nl_extack(s->nl) ? lbnl_nl_extack(s->nl) :
			  strerror(-err));
	else
		lbnl_log(LOG_INFO, "%s: resumed here", s->desc);
	finish_app(s, false);
}

static void fail(struct source *s, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A failure before the RESULT: roll back, then tell lbnld. */
static void fail(struct source *s, int status, const char *fmt, ...)
{
	char reason[LBNL_CTL_REASON_MAX];
	va_list ap;
	int d;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	lbnl_log(LOG_WARNING, "%s: failed after %" PRId64 " ms: %s",
		  s->desc, agent_now() - s->t0, reason);
	roll_back(s);
	/* lbnld aborts; its DECISION (abort) is awaited briefly. */
	d = result_and_decision(s, status ? status : -EIO, reason, 2000);
	if (d == 1)
		lbnl_log(LOG_ERR, "%s: lbnld decided commit after a failed "
			  "result", s->desc);
}

static const char *nl_reason(struct lbnl_nl *nl, int err)
{
	const char *m = lbnl_nl_extack(nl);

	return m && *m ? m : strerror(-err);
}

static void run(struct source *s)
{
	const struct lbnl_ctl_msg *m = s->mig;
	struct lbu_assoc_state st;
	struct lbnl_ctl_msg xfer, ack;
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	char reason[LBNL_CTL_REASON_MAX] = "", err[512];
	uint32_t to;
	int64_t t;
	int ret, d;

	ret = lbnl_srv_nl_open(&s->nl);
	if (ret) {
		s->nl = NULL;
		fail(s, ret, "lbnl_srv netlink: %s", ret == -ENOENT ?
		     "module not loaded" : strerror(-ret));
		return;
	}
	if (left(s) <= AGENT_MARGIN_MS) {
		fail(s, -ETIMEDOUT, "deadline too short (%u ms)",
		     m->deadline_ms);
		return;
	}

	/* nat: another family cannot be translated (nothing silenced). */
	if (s->nat && s->tkey.laddr.family != m->assoc.laddr.family) {
		fail(s, -EAFNOSUPPORT, "nat: the source's address and the "
		     "target's differ in family");
		return;
	}

	/* Export: the kernel silences it and gives its state. */
	to = left(s) - AGENT_MARGIN_MS;
	if (to > agent_conf.export_timeout_ms)
		to = agent_conf.export_timeout_ms;
	t = agent_now();
	ret = lbu_assoc_export(s->nl, &m->assoc, &to, &st);
	s->ms_export = agent_now() - t;
	if (ret) {
		fail(s, ret, "export: %s", nl_reason(s->nl, ret));
		return;
	}
	s->exported = true;

	/* nat: the target's own address and port. */
	if (s->nat) {
		char from[LBNL_ADDRPORTSTRLEN], to_ep[LBNL_ADDRPORTSTRLEN];
		struct lbnl_endpoint to = {
			.addr = s->tkey.laddr,
			.port = s->tkey.lport,
		};

		lbnl_format_addr_port(&st.key.laddr, st.key.lport, from,
				      sizeof(from));
		ret = lbnl_assoc_state_translate(&st, &to, reason,
						 sizeof(reason));
		if (ret) {
			lbu_assoc_state_free(&st);
			fail(s, ret, "nat: %s", reason);
			return;
		}
		lbnl_log(LOG_INFO, "%s: nat: local endpoint %s translated "
			  "to the target's %s", s->desc, from,
			  lbnl_format_addr_port(&to.addr, to.port, to_ep,
						sizeof(to_ep)));
	}

	/* The app's state (none: transport-only). */
	t = agent_now();
	ret = agent_apps_prepare(&m->assoc, left(s), &blob, &blob_len, reason,
				 sizeof(reason));
	s->ms_app = agent_now() - t;
	if (ret != -ENOENT)
		s->app_told = true;
	if (ret && ret != -ENOENT) {
		lbu_assoc_state_free(&st);
		fail(s, ret, "app: %s", reason[0] ? reason : strerror(-ret));
		return;
	}

	memset(&xfer, 0, sizeof(xfer));
	xfer.type = LBNL_CTL_TRANSFER;
	xfer.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_ASSOC |
		LBNL_CTL_HAS_STATE | LBNL_CTL_HAS_DEADLINE |
		LBNL_CTL_HAS_SOURCE | LBNL_CTL_HAS_TARGET;
	xfer.session = m->session;
	xfer.source = m->source;
	xfer.target = m->target;
	xfer.target_agent = m->target_agent;
	xfer.assoc = s->tkey;
	xfer.state = state_json(&st, &xfer.state_len);
	lbu_assoc_state_free(&st);
	if (blob || blob_len) {
		xfer.has |= LBNL_CTL_HAS_BLOB;
		xfer.blob = blob;
		xfer.blob_len = blob_len;
	}
	if (!xfer.state) {
		lbnl_ctl_msg_free(&xfer);
		fail(s, -ENOMEM, "no memory for the state");
		return;
	}

	/* To the target; its ACK says whether it imported. */
	lbnl_log(LOG_DEBUG, "%s: exported, to the target agent", s->desc);
	t = agent_now();
	ret = connect_target(s, left(s), &s->target, err, sizeof(err));
	if (ret) {
		lbnl_ctl_msg_free(&xfer);
		fail(s, ret, "target agent: %s", err);
		return;
	}
	xfer.deadline_ms = left(s);
	s->target_may_have = true;
	ret = lbnl_ctl_send(s->target, &xfer, left(s));
	lbnl_ctl_msg_free(&xfer);
	if (!ret)
		ret = lbnl_ctl_recv(s->target, &ack, left(s));
	s->ms_import = agent_now() - t;
	if (ret) {
		fail(s, ret == -ECONNRESET ? -ECONNABORTED : ret,
		     "target agent: %s", ret == -ETIMEDOUT ?
		     "no transfer-ack by the deadline" :
		     lbnl_ctl_error(s->target));
		return;
	}
	lbnl_ctl_msg_free(&ack);
	if (ack.type != LBNL_CTL_TRANSFER_ACK || ack.session != m->session) {
		fail(s, -EPROTO, "target agent answered %s",
		     lbnl_ctl_type_name(ack.type));
		return;
	}
	if (ack.status) {
		/* It has no copy: it released what it had imported. */
		s->target_may_have = false;
		lbnl_ctl_close(s->target);
		s->target = NULL;
		fail(s, ack.status, "target: %s", ack.reason);
		return;
	}

	/* The LB decides. */
	t = agent_now();
	lbnl_log(LOG_DEBUG, "%s: imported on the target, result sent",
		  s->desc);
	d = result_and_decision(s, 0, "", AGENT_GRACE_MS);
	s->ms_decide = agent_now() - t;
	if (d == 1) {
		finish_target(s, true, 0);
		ret = lbu_assoc_release(s->nl, &m->assoc);
		if (ret && ret != -ENOENT)
			lbnl_log(LOG_ERR, "%s: release of the source copy "
				  "failed: %s; run 'lbnl assoc release %s'",
				  s->desc, nl_reason(s->nl, ret), s->cmd);
		finish_app(s, true);
		lbnl_log(LOG_INFO, "%s: exported %" PRId64 " ms, app %"
			  PRId64 " ms, imported %" PRId64 " ms, committed %"
			  PRId64 " ms, total %" PRId64 " ms", s->desc,
			  s->ms_export, s->ms_app, s->ms_import, s->ms_decide,
			  agent_now() - s->t0);
	} else if (d == 0) {
		lbnl_log(LOG_INFO, "%s: lbnld decided abort after %" PRId64
			  " ms", s->desc, s->ms_decide);
		roll_back(s);
		lbnl_log(LOG_INFO, "%s: aborted, total %" PRId64 " ms",
			  s->desc, agent_now() - s->t0);
	} else {
		lbnl_log(LOG_ERR, "%s: no decision from lbnld: the "
			  "association stays silenced here and imported on "
			  "the target. 'lbnl migrate show' on the LB tells "
			  "where it went: then run 'lbnl assoc release %s' "
			  "here (committed) or 'lbnl assoc resume %s' here "
			  "after 'lbnl assoc release %s' on the target "
			  "(aborted)", s->desc, s->cmd, s->cmd, s->tcmd);
		if (s->target)
			lbnl_ctl_close(s->target);
		s->target = NULL;
	}
}

/*
 * The association's key on the target: tun, the same (the VIP's
 * endpoint); nat (the local endpoint is not the VIP's), the target dest's
 * address and port (none: the VIP's).
 */
static void target_key(const struct lbnl_ctl_msg *m, bool *nat,
		       struct lbnl_assoc_key *tkey)
{
	*tkey = m->assoc;
	*nat = !lbnl_addr_equal(&m->assoc.laddr, &m->vip.addr) ||
	       m->assoc.lport != m->vip.port;
	if (!*nat)
		return;
	tkey->laddr = m->target.addr;
	tkey->lport = m->target.port ? m->target.port : m->vip.port;
}

void agent_source(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *m)
{
	char peer[LBNL_ADDRPORTSTRLEN], local[LBNL_ADDRPORTSTRLEN],
	     tlocal[LBNL_ADDRPORTSTRLEN], target[LBNL_ADDRSTRLEN];
	struct source s = { .lbnld = c, .mig = m };
	struct busy b = { .key = m->assoc, .session = m->session };
	uint64_t other;

	s.t0 = agent_now();
	s.deadline = s.t0 + m->deadline_ms;
	s.lbnld_addr = *lbnl_ctl_peer_addr(c);
	s.lbnld_addr.port = m->reply_port;
	lbnl_format_addr_port(&m->assoc.paddr, m->assoc.pport, peer,
			      sizeof(peer));
	lbnl_format_addr_port(&m->assoc.laddr, m->assoc.lport, local,
			      sizeof(local));
	lbnl_format_addr(&m->target.addr, target, sizeof(target));
	snprintf(s.desc, sizeof(s.desc), "session %" PRIu64 " %s -> %s",
		 m->session, peer, target);
	snprintf(s.cmd, sizeof(s.cmd), "%s %s", local, peer);
	target_key(m, &s.nat, &s.tkey);
	lbnl_format_addr_port(&s.tkey.laddr, s.tkey.lport, tlocal,
			      sizeof(tlocal));
	snprintf(s.tcmd, sizeof(s.tcmd), "%s %s", tlocal, peer);
	lbnl_log(LOG_INFO, "%s: migrate from %s (deadline %u ms)", s.desc,
		  lbnl_ctl_peer(c), m->deadline_ms);

	if (!busy_add(&b, &other)) {
		struct lbnl_ctl_msg r = {
			.type = LBNL_CTL_REFUSED,
			.has = LBNL_CTL_HAS_STATUS | LBNL_CTL_HAS_SESSION,
			.session = m->session,
			.status = -EBUSY,
		};

		snprintf(r.reason, sizeof(r.reason), "association already "
			 "in session %" PRIu64, other);
		lbnl_log(LOG_WARNING, "%s: refused: %s", s.desc, r.reason);
		lbnl_ctl_send(c, &r, 1000);
		return;
	}
	run(&s);
	busy_del(&b);
	if (s.target)
		lbnl_ctl_close(s.target);
	if (s.nl)
		lbnl_nl_close(s.nl);
}
