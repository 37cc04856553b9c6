// SPDX-License-Identifier: GPL-2.0
/*
 * lbnld's migration coordinator (DESIGN.md section 5): one session per
 * migration the module opens, each in its own thread with its own
 * netlink handle. A session asks the source agent to move the association
 * (MIGRATE), waits for its RESULT until the deadline, commits or aborts
 * in the module and tells the agent (DECISION). Agents that lost their
 * connection send their RESULT to lbnld's listening port instead; such a
 * RESULT is answered from the module's table alone (the LB's table is the
 * authority), so a restarted lbnld answers it right. When a session of
 * this lbnld is still running for it, the two agree: the first to decide
 * (under the session's lock) decides for both.
 *
 * Every connection is TLS with this LB's certificate (ctl.h): lbnld sends
 * a MIGRATE only to an agent whose certificate names the migration's
 * source dest, and answers a RESULT only from an agent whose certificate
 * names the source dest of the migration it is about, so no other agent
 * can commit or abort it. Connections to the listening port are
 * authenticated by ctl.h's gate (one thread for every handshake, bounded)
 * before any thread is spent on them; at most INCOMING_MAX at once.
 *
 * The main loop calls in from one thread (update, event, accept,
 * configure); the sessions and listener connections run detached.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/lbnl.h>

#include "ctl.h"
#include "lbnld.h"
#include "names.h"
#include "util.h"

#define LISTEN_TIMEOUT_MS	5000	/* the RESULT of a connection */
#define INCOMING_MAX		64	/* authenticated listener conns */
#define DECISION_TIMEOUT_MS	2000	/* to send the DECISION */
#define THREAD_STACK		(256 * 1024)
#define SEEN_KEEP_MS		60000	/* a seen id kept after it closed */

/* A migration this lbnld drives (registered while its thread runs). */
struct session {
	struct lbnld_migrator *mig;
	struct session *next;		/* in mig->sessions */
	uint64_t id;			/* the session id agents see */
	struct lbnl_migrate m;		/* as dumped */
	uint64_t t0;			/* ms, when the session started */
	/* A snapshot of what it needs of the configuration. */
	struct lbnl_ctl_tls *tls;	/* a reference */
	struct lbnl_endpoint source_agent, target_agent;
	bool nat;			/* the VIP's mode (preflight) */
	uint32_t margin_ms;
	uint16_t reply_port;
	/* The decision, once taken (under lock). */
	pthread_mutex_t lock;
	bool decided, commit;
	unsigned int refs;		/* listener threads holding it */
	bool done;			/* its thread is gone */
};

/* A migration id seen in a dump (main loop only). */
struct seen {
	uint32_t id;
	bool ours;			/* a session was started */
	bool ended;			/* its COMMIT or ABORT event came */
	uint64_t gen;			/* the last dump it was in */
	uint64_t last;			/* ms, then */
};

struct lbnld_migrator {
	const struct lbnld_mig_ops *ops;
	pthread_mutex_t lock;		/* sessions, busy */
	struct session *sessions;
	unsigned int busy;
	unsigned int incoming;		/* listener connections */
	uint64_t next_session;
	struct lbnl_ctl_gate *gate;	/* made at the first identity */
	/* Main loop only. */
	struct lbnld_conf conf;
	struct lbnl_ctl_tls *tls;	/* NULL: no key-file */
	struct seen *seen;
	size_t n_seen, cap_seen;
	uint64_t gen;			/* dumps seen */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Text ------------------------------------------------------------------ */

const char *lbnld_endpoint_text(const struct lbnl_endpoint *e, char *buf,
				size_t len)
{
	return lbnl_format_addr_port(&e->addr, e->port, buf, len);
}

/* A dest: its address, and its port if it is not the VIP's. */
static const char *dest_text(const struct lbnl_migrate *m,
			     const struct lbnl_endpoint *e, char *buf,
			     size_t len)
{
	if (e->port && e->port != m->vip.port)
		return lbnld_endpoint_text(e, buf, len);
	return lbnl_format_addr(&e->addr, buf, len);
}

/* "migration 12 sctp 192.0.2.2:3868 peer 198.51.100.1:40001 A -> B" */
static void migration_text(const struct lbnl_migrate *m, char *buf,
			   size_t len)
{
	char vip[LBNL_ADDRPORTSTRLEN + 16], peer[LBNL_ADDRPORTSTRLEN];
	char src[LBNL_ADDRPORTSTRLEN], dst[LBNL_ADDRPORTSTRLEN];

	lbnld_vip_text(&m->vip, vip, sizeof(vip));
	snprintf(buf, len, "migration %u %s peer %s %s -> %s", m->id, vip,
		 m->has & LBNL_MIGRATE_HAS_PEER ?
		 lbnld_endpoint_text(&m->peer, peer, sizeof(peer)) : "?",
		 m->has & LBNL_MIGRATE_HAS_SOURCE ?
		 dest_text(m, &m->source, src, sizeof(src)) : "?",
		 m->has & LBNL_MIGRATE_HAS_TARGET ?
		 dest_text(m, &m->target, dst, sizeof(dst)) : "?");
}

static bool endpoint_equal(const struct lbnl_endpoint *a,
			   const struct lbnl_endpoint *b)
{
	return lbnl_addr_equal(&a->addr, &b->addr) && a->port == b->port;
}

void lbnld_agent_of(const struct lbnld_conf *c, const struct lbnl_addr *dest,
		    struct lbnl_endpoint *agent)
{
	size_t i;

	memset(agent, 0, sizeof(*agent));
	agent->addr = *dest;
	agent->port = c->agent_port;
	for (i = 0; i < c->n_agents; i++) {
		if (!lbnl_addr_equal(&c->agents[i].dest, dest))
			continue;
		agent->addr = c->agents[i].addr;
		if (c->agents[i].port)
			agent->port = c->agents[i].port;
	}
}

void lbnld_assoc_local(const struct lbnl_migrate *m, bool nat,
		       struct lbnl_endpoint *local)
{
	memset(local, 0, sizeof(*local));
	if (!nat) {
		/* tun: the servers hold the VIP's address and port. */
		local->addr = m->vip.addr;
		local->port = m->vip.port;
		return;
	}
	/* nat: the source's own address and the dest's port. */
	local->addr = m->source.addr;
	local->port = m->source.port ? m->source.port : m->vip.port;
}

/* The decision ------------------------------------------------------------ */

static const char *why_of(const struct lbnld_mig_ops *ops, void *h, int err)
{
	const char *why = ops->why ? ops->why(h) : NULL;

	return why ? why : strerror(-err);
}

/*
 * Decide a migration of vip + vtag to target: commit it if ok, else abort
 * it; when the module has no open migration of it any more, its entry
 * says where the association is. true: commit. how: what was done.
 */
static bool decide(const struct lbnld_mig_ops *ops, void *h,
		   const struct lbu_vip_key *vip, uint32_t vtag,
		   const struct lbnl_endpoint *target, bool ok, char *how,
		   size_t howlen)
{
	struct lbnl_endpoint dest;
	char text[LBNL_ADDRPORTSTRLEN];
	int err;

	if (ok) {
		err = ops->commit(h, vip, vtag);
		if (!err) {
			snprintf(how, howlen, "committed");
			return true;
		}
		snprintf(how, howlen, "commit refused: %s",
			 why_of(ops, h, err));
		/* To be sure it is not left open. */
		if (err != -ENOENT)
			ops->abort(h, vip, vtag);
	} else {
		err = ops->abort(h, vip, vtag);
		if (!err) {
			snprintf(how, howlen, "aborted");
			return false;
		}
		snprintf(how, howlen, "abort refused: %s",
			 why_of(ops, h, err));
	}
	if (err != -ENOENT)
		return false;
	/* Closed already (deadline, or decided elsewhere): the table says. */
	err = ops->entry_dest(h, vip, vtag, &dest);
	if (err) {
		snprintf(how + strlen(how), howlen - strlen(how),
			 "; no entry: abort");
		return false;
	}
	lbnld_endpoint_text(&dest, text, sizeof(text));
	if (endpoint_equal(&dest, target)) {
		snprintf(how + strlen(how), howlen - strlen(how),
			 "; the entry names the target %s: commit", text);
		return true;
	}
	snprintf(how + strlen(how), howlen - strlen(how),
		 "; the entry names %s: abort", text);
	return false;
}

/* The session's decision, taken once (by it or by a listener). */
static bool session_decide(struct session *s, void *h, bool ok, char *how,
			   size_t howlen)
{
	bool commit;

	pthread_mutex_lock(&s->lock);
	if (s->decided) {
		snprintf(how, howlen, "decided already (%s, on a RESULT to the listener)",
			 s->commit ? "commit" : "abort");
	} else {
		s->commit = decide(s->mig->ops, h, &s->m.vip, s->m.vtag,
				   &s->m.target, ok, how, howlen);
		s->decided = true;
	}
	commit = s->commit;
	pthread_mutex_unlock(&s->lock);
	return commit;
}

/* Threads ----------------------------------------------------------------- */

static int spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	err = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -err;
}

static void session_unref_locked(struct session *s)
{
	if (!s->refs && s->done) {
		pthread_mutex_destroy(&s->lock);
		free(s);
	}
}

/* Registered sessions: remove s when its thread ends. */
static void session_end(struct session *s)
{
	struct lbnld_migrator *mig = s->mig;
	struct session **pp;

	pthread_mutex_lock(&mig->lock);
	for (pp = &mig->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	s->done = true;
	mig->busy--;
	lbnl_ctl_tls_put(s->tls);
	s->tls = NULL;
	session_unref_locked(s);
	pthread_mutex_unlock(&mig->lock);
}

/* The running session of vip + vtag, referenced; NULL: none. */
static struct session *session_get(struct lbnld_migrator *mig,
				   const struct lbu_vip_key *vip,
				   uint32_t vtag)
{
	struct session *s;

	pthread_mutex_lock(&mig->lock);
	for (s = mig->sessions; s; s = s->next)
		if (s->m.vtag == vtag && lbnl_vip_key_equal(&s->m.vip, vip))
			break;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&mig->lock);
	return s;
}

static void session_put(struct session *s)
{
	struct lbnld_migrator *mig = s->mig;

	pthread_mutex_lock(&mig->lock);
	s->refs--;
	session_unref_locked(s);
	pthread_mutex_unlock(&mig->lock);
}

/* A session --------------------------------------------------------------- */

static int remaining(uint64_t deadline)
{
	uint64_t now = mono_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/*
 * Ask the source agent and wait for its RESULT: true if it moved the
 * association (RESULT ok); else why says why not. *cp: the connection,
 * if it is still up.
 */
static bool run_agent(struct session *s, const char *name, uint64_t deadline,
		      struct lbnl_ctl_conn **cp, char *why, size_t whylen)
{
	struct lbnl_ctl_msg msg = { .type = LBNL_CTL_MIGRATE };
	char err[256], at[LBNL_ADDRPORTSTRLEN], src[LBNL_ADDRSTRLEN];
	struct lbnl_ctl_conn *c = NULL;
	struct lbnl_endpoint local;
	uint64_t t = mono_ms();
	int ret;

	lbnld_endpoint_text(&s->source_agent, at, sizeof(at));
	err[0] = '\0';
	ret = lbnl_ctl_connect(&s->source_agent, s->tls, LBNL_CTL_ROLE_AGENT,
			       remaining(deadline), &c, err, sizeof(err));
	if (ret) {
		snprintf(why, whylen, "source agent: %s",
			 err[0] ? err : strerror(-ret));
		return false;
	}
	/* The vtags go only to the host of the source dest. */
	if (!lbnl_ctl_peer_names(c, &s->m.source.addr)) {
		snprintf(why, whylen, "source agent %s: its certificate does not name the source dest %s: not asked",
			 lbnl_ctl_peer(c),
			 lbnl_format_addr(&s->m.source.addr, src,
					  sizeof(src)));
		lbnl_ctl_close(c);
		return false;
	}
	lbnl_log(LOG_DEBUG, "%s: connected to the source agent %s in %llu ms",
		  name, lbnl_ctl_peer(c),
		  (unsigned long long)(mono_ms() - t));
	msg.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_VIP |
		  LBNL_CTL_HAS_ASSOC | LBNL_CTL_HAS_TARGET |
		  LBNL_CTL_HAS_DEADLINE | LBNL_CTL_HAS_REPLY_PORT |
		  LBNL_CTL_HAS_SOURCE;
	msg.session = s->id;
	msg.source = s->m.source;
	msg.vip = s->m.vip;
	msg.vtag = s->m.vtag;
	lbnld_assoc_local(&s->m, s->nat, &local);
	msg.assoc.laddr = local.addr;
	msg.assoc.lport = local.port;
	msg.assoc.paddr = s->m.peer.addr;
	msg.assoc.pport = s->m.peer.port;
	msg.target = s->m.target;
	msg.target_agent = s->target_agent;
	msg.deadline_ms = (uint32_t)remaining(deadline);
	msg.reply_port = s->reply_port;
	*cp = c;
	ret = lbnl_ctl_send(c, &msg, remaining(deadline));
	if (ret) {
		snprintf(why, whylen, "source agent %s: sending MIGRATE: %s",
			 at, lbnl_ctl_error(c));
		goto lost;
	}
	t = mono_ms();
	lbnl_log(LOG_DEBUG, "%s: MIGRATE sent (session %llu, deadline %u ms)",
		  name, (unsigned long long)s->id, msg.deadline_ms);
	for (;;) {
		memset(&msg, 0, sizeof(msg));
		ret = lbnl_ctl_recv(c, &msg, remaining(deadline));
		if (ret == -ETIMEDOUT) {
			snprintf(why, whylen, "source agent %s: no RESULT before the deadline",
				 at);
			return false;
		}
		if (ret) {
			if (ret == -EBADMSG)
				lbnl_log(LOG_WARNING, "%s: rejected from the source agent: %s",
					  name, lbnl_ctl_error(c));
			snprintf(why, whylen, "source agent %s: %s", at,
				 lbnl_ctl_error(c));
			goto lost;
		}
		if (msg.type == LBNL_CTL_REFUSED) {
			snprintf(why, whylen, "source agent %s refused: %s", at,
				 msg.reason[0] ? msg.reason :
				 strerror(-msg.status));
			lbnl_ctl_msg_free(&msg);
			return false;
		}
		if (msg.type == LBNL_CTL_RESULT && msg.session == s->id)
			break;
		lbnl_log(LOG_WARNING, "%s: unexpected %s from the source agent %s: ignored",
			  name, lbnl_ctl_type_name(msg.type), lbnl_ctl_peer(c));
		lbnl_ctl_msg_free(&msg);
	}
	lbnl_log(LOG_DEBUG, "%s: RESULT %s after %llu ms%s%s", name,
		  msg.status ? "failed" : "ok",
		  (unsigned long long)(mono_ms() - t),
		  msg.reason[0] ? ": " : "", msg.reason);
	if (msg.status)
		snprintf(why, whylen, "source agent %s: %s", at,
			 msg.reason[0] ? msg.reason : strerror(-msg.status));
	ret = msg.status;
	lbnl_ctl_msg_free(&msg);
	return !ret;

lost:
	lbnl_ctl_close(c);
	*cp = NULL;
	return false;
}

static void send_decision(struct lbnl_ctl_conn *c, const char *name,
			  uint64_t session, bool commit)
{
	struct lbnl_ctl_msg msg = {
		.type = LBNL_CTL_DECISION,
		.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_COMMIT,
		.session = session,
		.commit = commit,
	};

	if (lbnl_ctl_send(c, &msg, DECISION_TIMEOUT_MS))
		lbnl_log(LOG_WARNING, "%s: DECISION %s not sent to %s: %s (the agent asks again)",
			  name, commit ? "commit" : "abort", lbnl_ctl_peer(c),
			  lbnl_ctl_error(c));
}

/* What can be checked before any agent is asked: "" if it can go on. */
static void preflight(struct session *s, void *h, uint64_t *deadline,
		      char *why, size_t whylen)
{
	const struct lbnld_mig_ops *ops = s->mig->ops;
	const struct lbnl_mode_info *mi;
	long long left;
	struct lbu_vip vip;
	int err;

	if (!(s->m.has & LBNL_MIGRATE_HAS_VTAG) ||
	    !(s->m.has & LBNL_MIGRATE_HAS_PEER) ||
	    !(s->m.has & LBNL_MIGRATE_HAS_TARGET) ||
	    !(s->m.has & LBNL_MIGRATE_HAS_SOURCE)) {
		snprintf(why, whylen, "the module's dump lacks the vtag, peer, source or target");
		return;
	}
	err = ops->vip_get(h, &s->m.vip, &vip);
	if (err) {
		snprintf(why, whylen, "reading the VIP: %s",
			 why_of(ops, h, err));
		return;
	}
	if (!(vip.has & LBNL_VIP_HAS_MODE)) {
		snprintf(why, whylen, "the module did not say the VIP's mode");
		return;
	}
	mi = lbnl_mode_info(vip.mode);
	if (!mi) {
		snprintf(why, whylen, "the VIP's forwarding mode %u is unknown to this lbnld",
			 vip.mode);
		return;
	}
	s->nat = mi->dnat;
	left = (long long)s->m.timeout_ms - (long long)s->m.age_ms -
	       (long long)s->margin_ms;
	if (!(s->m.has & LBNL_MIGRATE_HAS_TIMEOUT) || left <= 0) {
		snprintf(why, whylen, "no time left before the deadline (timeout %u ms, age %llu ms)",
			 s->m.timeout_ms, (unsigned long long)s->m.age_ms);
		return;
	}
	*deadline = s->t0 + (uint64_t)left;
}

static void *session_main(void *arg)
{
	struct session *s = arg;
	const struct lbnld_mig_ops *ops = s->mig->ops;
	struct lbnl_ctl_conn *c = NULL;
	char name[512], why[512] = "", how[512];
	uint64_t deadline = 0;
	void *h = NULL;
	bool ok = false, commit;
	int err;

	migration_text(&s->m, name, sizeof(name));
	err = ops->open(&h);
	if (err) {
		/* Nothing can be committed or aborted: the deadline will. */
		lbnl_log(LOG_ERR, "%s: cannot talk to the module (%s): left to its deadline",
			  name, strerror(-err));
		session_end(s);
		return NULL;
	}
	preflight(s, h, &deadline, why, sizeof(why));
	if (!why[0])
		ok = run_agent(s, name, deadline, &c, why, sizeof(why));
	commit = session_decide(s, h, ok, how, sizeof(how));
	if (c) {
		send_decision(c, name, s->id, commit);
		lbnl_ctl_close(c);
	}
	if (commit)
		lbnl_log(LOG_NOTICE, "%s: committed in %llu ms%s%s", name,
			  (unsigned long long)(mono_ms() - s->t0),
			  strcmp(how, "committed") ? ": " : "",
			  strcmp(how, "committed") ? how : "");
	else
		lbnl_log(LOG_WARNING, "%s: aborted after %llu ms: %s%s%s%s",
			  name, (unsigned long long)(mono_ms() - s->t0),
			  why[0] ? why : "the source agent's RESULT came too late",
			  strcmp(how, "aborted") ? " (" : "",
			  strcmp(how, "aborted") ? how : "",
			  strcmp(how, "aborted") ? ")" : "");
	ops->close(h);
	session_end(s);
	return NULL;
}

static void session_start(struct lbnld_migrator *mig,
			  const struct lbnl_migrate *m)
{
	struct session *s = calloc(1, sizeof(*s));
	char name[512];
	int err;

	migration_text(m, name, sizeof(name));
	if (!s) {
		lbnl_log(LOG_ERR, "%s: out of memory: left to its deadline",
			  name);
		return;
	}
	s->mig = mig;
	s->m = *m;
	s->t0 = mono_ms();
	s->tls = lbnl_ctl_tls_get(mig->tls);
	s->margin_ms = mig->conf.margin_ms;
	s->reply_port = mig->conf.listen.port;
	lbnld_agent_of(&mig->conf, &m->source.addr, &s->source_agent);
	lbnld_agent_of(&mig->conf, &m->target.addr, &s->target_agent);
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_lock(&mig->lock);
	s->id = mig->next_session++;
	s->next = mig->sessions;
	mig->sessions = s;
	mig->busy++;
	pthread_mutex_unlock(&mig->lock);
	lbnl_log(LOG_INFO, "%s: started (session %llu, deadline in %lld ms)",
		  name, (unsigned long long)s->id,
		  (long long)m->timeout_ms - (long long)m->age_ms);
	err = spawn(session_main, s);
	if (err) {
		lbnl_log(LOG_ERR, "%s: cannot start a thread (%s): left to its deadline",
			  name, strerror(-err));
		session_end(s);
	}
}

/* The listener ------------------------------------------------------------ */

/*
 * A RESULT from an agent that lost its session's connection: decide from
 * the module's table (agreeing with a session still running here).
 */
/*
 * May the agent of c send a RESULT for vip + vtag? Only the host of the
 * source dest of its open migration (or of this lbnld's session). With
 * neither, nothing is open to commit or abort: the table answers.
 */
static bool result_authorised(struct lbnld_migrator *mig, void *h,
			      struct lbnl_ctl_conn *c,
			      const struct lbnl_ctl_msg *r, char *why,
			      size_t whylen)
{
	char text[LBNL_ADDRSTRLEN];
	struct lbnl_migrate open;
	struct lbnl_addr source;
	struct session *s;
	bool known = false;

	if (lbnl_ctl_peer_role(c) != LBNL_CTL_ROLE_AGENT) {
		snprintf(why, whylen, "a RESULT needs an agent's certificate (lbnl:agent)");
		return false;
	}
	s = session_get(mig, &r->vip, r->vtag);
	if (s) {
		source = s->m.source.addr;
		known = true;
		session_put(s);
	} else if (!mig->ops->find(h, &r->vip, r->vtag, &open)) {
		if (!(open.has & LBNL_MIGRATE_HAS_SOURCE)) {
			snprintf(why, whylen, "the module did not say the migration's source dest");
			return false;
		}
		source = open.source.addr;
		known = true;
	}
	if (!known || lbnl_ctl_peer_names(c, &source))
		return true;
	snprintf(why, whylen, "its certificate does not name the source dest %s",
		 lbnl_format_addr(&source, text, sizeof(text)));
	return false;
}

static bool answer_result(struct lbnld_migrator *mig, void *h,
			  const struct lbnl_ctl_msg *r, char *how,
			  size_t howlen)
{
	const struct lbnld_mig_ops *ops = mig->ops;
	char text[LBNL_ADDRPORTSTRLEN];
	struct lbnl_migrate open;
	struct session *s;
	bool commit;
	int err;

	s = session_get(mig, &r->vip, r->vtag);
	if (s && endpoint_equal(&s->m.target, &r->target)) {
		commit = session_decide(s, h, !r->status, how, howlen);
		session_put(s);
		return commit;
	}
	if (s)
		session_put(s);
	err = ops->find(h, &r->vip, r->vtag, &open);
	if (!err && !endpoint_equal(&open.target, &r->target)) {
		/* Another migration of it, to elsewhere: not this one's. */
		snprintf(how, howlen, "the open migration %u goes to %s: abort",
			 open.id, lbnld_endpoint_text(&open.target, text,
						      sizeof(text)));
		return false;
	}
	return decide(ops, h, &r->vip, r->vtag, &r->target, !r->status, how,
		      howlen);
}

struct incoming {
	struct lbnld_migrator *mig;
	struct lbnl_ctl_conn *c;
};

static void *incoming_main(void *arg)
{
	struct incoming *in = arg;
	struct lbnld_migrator *mig = in->mig;
	const struct lbnld_mig_ops *ops = mig->ops;
	struct lbnl_ctl_msg msg = { 0 };
	struct lbnl_ctl_conn *c = in->c;
	char vip[128], how[512], target[LBNL_ADDRPORTSTRLEN];
	void *h = NULL;
	bool commit;
	int ret;

	ret = lbnl_ctl_recv(c, &msg, LISTEN_TIMEOUT_MS);
	if (ret) {
		lbnl_log(ret == -EBADMSG || ret == -EPROTONOSUPPORT ||
			  ret == -EPROTO ? LOG_WARNING : LOG_NOTICE,
			  "control connection from %s: %s: closed, nothing done",
			  lbnl_ctl_peer(c), lbnl_ctl_error(c));
		goto out;
	}
	if (msg.type != LBNL_CTL_RESULT) {
		struct lbnl_ctl_msg no = {
			.type = LBNL_CTL_REFUSED,
			.has = LBNL_CTL_HAS_STATUS,
			.status = -EOPNOTSUPP,
		};

		snprintf(no.reason, sizeof(no.reason),
			 "lbnld's port takes RESULTs only, not %s",
			 lbnl_ctl_type_name(msg.type));
		lbnl_log(LOG_WARNING, "control connection from %s: %s: refused",
			  lbnl_ctl_peer(c), lbnl_ctl_type_name(msg.type));
		lbnl_ctl_send(c, &no, DECISION_TIMEOUT_MS);
		goto out;
	}
	lbnld_vip_text(&msg.vip, vip, sizeof(vip));
	lbnld_endpoint_text(&msg.target, target, sizeof(target));
	ret = ops->open(&h);
	if (ret) {
		lbnl_log(LOG_ERR, "RESULT of session %llu (%s vtag 0x%08x) from %s: cannot talk to the module (%s): not answered",
			  (unsigned long long)msg.session, vip, msg.vtag,
			  lbnl_ctl_peer(c), strerror(-ret));
		goto out;
	}
	if (!result_authorised(mig, h, c, &msg, how, sizeof(how))) {
		struct lbnl_ctl_msg no = {
			.type = LBNL_CTL_REFUSED,
			.has = LBNL_CTL_HAS_STATUS | LBNL_CTL_HAS_SESSION,
			.status = -EPERM,
			.session = msg.session,
		};

		ops->close(h);
		snprintf(no.reason, sizeof(no.reason), "%.100s", how);
		lbnl_log(LOG_WARNING, "RESULT of session %llu (%s vtag 0x%08x) from %s refused: %s",
			  (unsigned long long)msg.session, vip, msg.vtag,
			  lbnl_ctl_peer(c), how);
		lbnl_ctl_send(c, &no, DECISION_TIMEOUT_MS);
		goto out;
	}
	commit = answer_result(mig, h, &msg, how, sizeof(how));
	ops->close(h);
	send_decision(c, vip, msg.session, commit);
	lbnl_log(LOG_NOTICE, "RESULT %s of session %llu (%s vtag 0x%08x -> %s) from %s: answered %s (%s)",
		  msg.status ? "failed" : "ok",
		  (unsigned long long)msg.session, vip, msg.vtag, target,
		  lbnl_ctl_peer(c), commit ? "commit" : "abort", how);
out:
	lbnl_ctl_msg_free(&msg);
	lbnl_ctl_close(c);
	pthread_mutex_lock(&mig->lock);
	mig->busy--;
	mig->incoming--;
	pthread_mutex_unlock(&mig->lock);
	free(in);
	return NULL;
}

/* The gate authenticated c (its thread): one thread for it, bounded. */
static void incoming_start(struct lbnl_ctl_conn *c, void *arg)
{
	struct lbnld_migrator *mig = arg;
	struct incoming *in;
	bool full;
	int err;

	pthread_mutex_lock(&mig->lock);
	full = mig->incoming >= INCOMING_MAX;
	if (!full) {
		mig->busy++;
		mig->incoming++;
	}
	pthread_mutex_unlock(&mig->lock);
	if (full) {
		lbnl_log(LOG_WARNING, "control connection from %s: closed: more than %d at once",
			  lbnl_ctl_peer(c), INCOMING_MAX);
		lbnl_ctl_close(c);
		return;
	}
	in = calloc(1, sizeof(*in));
	if (in) {
		in->mig = mig;
		in->c = c;
	}
	err = in ? spawn(incoming_main, in) : -ENOMEM;
	if (!err)
		return;
	lbnl_log(LOG_ERR, "control connection: cannot start a thread: %s",
		  strerror(-err));
	pthread_mutex_lock(&mig->lock);
	mig->busy--;
	mig->incoming--;
	pthread_mutex_unlock(&mig->lock);
	lbnl_ctl_close(c);
	free(in);
}

void lbnld_migrator_accept(struct lbnld_migrator *mig, int fd)
{
	if (!mig->tls || !mig->gate) {
		close(fd);
		return;
	}
	lbnl_ctl_gate_add(mig->gate, fd);
}

int lbnld_listen_open(const struct lbnld_conf *c, char *err, size_t errlen)
{
	const struct lbnl_endpoint *l = &c->listen;
	struct sockaddr_storage ss = { 0 };
	char text[LBNL_ADDRPORTSTRLEN];
	int fd, one = 1, zero = 0;
	socklen_t len;

	lbnld_endpoint_text(l, text, sizeof(text));
	if (l->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(l->port);
		sin->sin_addr = l->addr.v4;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(l->port);
		sin6->sin6_addr = l->addr.v6;
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] takes IPv4 too, whatever net.ipv6.bindv6only says. */
	if (ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&l->addr.v6))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128))
		goto fail;
	return fd;

fail:
	snprintf(err, errlen, "listen %s: %s", text, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The main loop's side ---------------------------------------------------- */

int lbnld_migrator_new(const struct lbnld_mig_ops *ops,
		       struct lbnld_migrator **out)
{
	struct lbnld_migrator *mig = calloc(1, sizeof(*mig));
	struct timespec ts;

	if (!mig)
		return -ENOMEM;
	mig->ops = ops;
	pthread_mutex_init(&mig->lock, NULL);
	lbnld_conf_defaults(&mig->conf);
	/* Unique per run, and unlike a previous run's. */
	clock_gettime(CLOCK_REALTIME, &ts);
	mig->next_session = ((uint64_t)ts.tv_sec << 24) + 1;
	*out = mig;
	return 0;
}

void lbnld_migrator_free(struct lbnld_migrator *mig)
{
	/* Threads may still run: what they use stays (the process ends). */
	if (!mig)
		return;
	pthread_mutex_lock(&mig->lock);
	/* The handshake thread, once started, runs as long as the process. */
	if (mig->busy || mig->gate) {
		pthread_mutex_unlock(&mig->lock);
		return;
	}
	pthread_mutex_unlock(&mig->lock);
	lbnl_ctl_tls_put(mig->tls);
	free(mig->seen);
	free(mig);
}

void lbnld_migrator_configure(struct lbnld_migrator *mig,
			      const struct lbnld_conf *c,
			      struct lbnl_ctl_tls *tls)
{
	int err;

	mig->conf = *c;
	lbnl_ctl_tls_put(mig->tls);
	mig->tls = lbnl_ctl_tls_get(tls);
	if (!tls)
		return;
	if (mig->gate) {
		lbnl_ctl_gate_set_tls(mig->gate, tls);
		return;
	}
	err = lbnl_ctl_gate_start(tls, incoming_start, mig, &mig->gate);
	if (err)
		lbnl_log(LOG_ERR, "cannot start the handshake thread (%s): agents' RESULTs are not taken",
			  strerror(-err));
}

unsigned int lbnld_migrator_busy(struct lbnld_migrator *mig)
{
	unsigned int n;

	pthread_mutex_lock(&mig->lock);
	n = mig->busy;
	pthread_mutex_unlock(&mig->lock);
	return n;
}

static struct seen *seen_find(struct lbnld_migrator *mig, uint32_t id)
{
	size_t i;

	for (i = 0; i < mig->n_seen; i++)
		if (mig->seen[i].id == id)
			return &mig->seen[i];
	return NULL;
}

void lbnld_migrator_update(struct lbnld_migrator *mig,
			   const struct lbnl_migrate *open, size_t n,
			   bool initial)
{
	uint64_t now = mono_ms(), gen = ++mig->gen;
	struct seen *grown;
	char name[512];
	struct seen *sn;
	size_t i, j;

	for (i = 0; i < n; i++) {
		sn = seen_find(mig, open[i].id);
		if (sn) {
			sn->gen = gen;
			sn->last = now;
			continue;
		}
		grown = lbnl_grow_array(mig->seen, &mig->cap_seen,
					mig->n_seen + 1, sizeof(*grown));
		if (!grown) {
			lbnl_log(LOG_ERR, "out of memory: new migrations left to their deadline");
			return;
		}
		mig->seen = grown;
		sn = &mig->seen[mig->n_seen++];
		*sn = (struct seen){ .id = open[i].id, .gen = gen,
				     .last = now };
		migration_text(&open[i], name, sizeof(name));
		if (initial) {
			lbnl_log(LOG_NOTICE, "%s: open already at start: left to its source agent or its deadline",
				  name);
		} else if (!mig->tls) {
			lbnl_log(LOG_WARNING, "%s: not driven: no key-file (the module rolls it back at its deadline)",
				  name);
		} else {
			sn->ours = true;
			session_start(mig, &open[i]);
		}
	}
	/* Forget those closed a while ago (ids only grow). */
	for (i = j = 0; i < mig->n_seen; i++) {
		sn = &mig->seen[i];
		if (sn->gen != gen &&
		    (!sn->ours || sn->ended || now - sn->last > SEEN_KEEP_MS))
			continue;
		mig->seen[j++] = *sn;
	}
	mig->n_seen = j;
}

void lbnld_migrator_event(struct lbnld_migrator *mig,
			  const struct lbnl_event *ev)
{
	const struct lbnl_migrate *m = &ev->migrate;
	struct seen *sn;
	char name[512];
	bool commit = ev->cmd == LBNL_CMD_MIGRATE_COMMIT;

	if (!ev->has_migrate || !(m->has & LBNL_MIGRATE_HAS_ID))
		return;
	migration_text(m, name, sizeof(name));
	sn = seen_find(mig, m->id);
	if (sn && sn->ours) {
		sn->ended = true;
		lbnl_log(LOG_DEBUG, "%s: event %s%s%s", name,
			  commit ? "committed" : "aborted",
			  m->reason[0] ? ": " : "", m->reason);
		return;
	}
	lbnl_log(LOG_NOTICE, "%s: %s%s%s (not started by this lbnld)", name,
		  commit ? "committed" : "aborted", m->reason[0] ? ": " : "",
		  m->reason);
}
