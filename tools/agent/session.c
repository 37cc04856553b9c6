// SPDX-License-Identifier: GPL-2.0
/*
 * One authenticated control connection of lbnl-agent (ctl.h's gate did
 * the TLS handshake), in its own thread: the first message, whether the
 * peer's certificate may send it, and the role it gives the session
 * (source for a MIGRATE, target for a TRANSFER, a late FINISH for a
 * target session whose source lost its connection). A message the peer
 * may not send (an agent's MIGRATE, a TRANSFER from a host that is not
 * its source dest or to a host that is not its target dest) or a first
 * frame that is rejected (framing) is refused without acting, and logged
 * at LOG_WARNING with the sender.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int running;

int agent_sessions_running(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = running;
	pthread_mutex_unlock(&lock);
	return n;
}

void agent_sessions_wait(int timeout_ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	pthread_mutex_lock(&lock);
	while (running)
		if (pthread_cond_timedwait(&changed, &lock, &until) ==
		    ETIMEDOUT)
			break;
	pthread_mutex_unlock(&lock);
}

static void refuse(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m,
		   int status, const char *reason)
{
	struct lbnl_ctl_msg r = {
		.type = LBNL_CTL_REFUSED,
		.has = LBNL_CTL_HAS_STATUS,
		.status = status,
	};

	if (m->has & LBNL_CTL_HAS_SESSION) {
		r.has |= LBNL_CTL_HAS_SESSION;
		r.session = m->session;
	}
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	lbnl_ctl_send(c, &r, 1000);
}

bool agent_session_claim(void)
{
	bool ok;

	pthread_mutex_lock(&lock);
	ok = running < AGENT_SESSIONS_MAX;
	if (ok)
		running++;
	pthread_mutex_unlock(&lock);
	return ok;
}

/*
 * May the peer of c send m? Else refused and logged (false). An agent's
 * certificate names the addresses of the dests it serves (ctl.h).
 */
static bool authorised(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m)
{
	char a[LBNL_ADDRSTRLEN], why[200];
	enum lbnl_ctl_role role = lbnl_ctl_peer_role(c);

	why[0] = '\0';
	switch (m->type) {
	case LBNL_CTL_MIGRATE:
		/* Only the LB makes an agent export and silence. */
		if (role != LBNL_CTL_ROLE_LBNLD)
			snprintf(why, sizeof(why), "a migrate needs an LB's "
				 "certificate (lbnl:lb)");
		break;
	case LBNL_CTL_TRANSFER:
		/* From the source dest's host, to this host's dest. */
		if (role != LBNL_CTL_ROLE_AGENT)
			snprintf(why, sizeof(why), "a transfer needs an "
				 "agent's certificate (lbnl:agent)");
		else if (!lbnl_ctl_peer_names(c, &m->source.addr))
			snprintf(why, sizeof(why), "its certificate does not "
				 "name the source dest %s",
				 lbnl_format_addr(&m->source.addr, a,
						  sizeof(a)));
		else if (!lbnl_ctl_tls_names(agent_tls, &m->target.addr))
			snprintf(why, sizeof(why), "the target dest %s is not "
				 "this host's (its certificate does not name "
				 "it)", lbnl_format_addr(&m->target.addr, a,
							 sizeof(a)));
		break;
	case LBNL_CTL_FINISH:
		/* The session's source is checked in agent_target_finish(). */
		if (role != LBNL_CTL_ROLE_AGENT)
			snprintf(why, sizeof(why), "a finish needs an agent's "
				 "certificate (lbnl:agent)");
		break;
	default:
		break;
	}
	if (!why[0])
		return true;
	lbnl_log(LOG_WARNING, "refused a %s message from %s: %s",
		  lbnl_ctl_type_name(m->type), lbnl_ctl_peer(c), why);
	refuse(c, m, -EPERM, why);
	return false;
}

void agent_serve(struct lbnl_ctl_conn *c)
{
	struct lbnl_ctl_msg m;
	int ret;

	ret = lbnl_ctl_recv(c, &m, AGENT_FIRST_MSG_MS);
	if (ret == -ECONNRESET) {
		lbnl_log(LOG_DEBUG, "%s closed without a message",
			  lbnl_ctl_peer(c));
	} else if (ret) {
		lbnl_log(LOG_WARNING, "rejected: %s", lbnl_ctl_error(c));
	} else if (authorised(c, &m)) {
		lbnl_log(LOG_DEBUG, "%s from %s", lbnl_ctl_type_name(m.type),
			  lbnl_ctl_peer(c));
		switch (m.type) {
		case LBNL_CTL_MIGRATE:
			agent_source(c, &m);
			break;
		case LBNL_CTL_TRANSFER:
			agent_target(c, &m);
			break;
		case LBNL_CTL_FINISH:
			agent_target_finish(c, &m);
			break;
		default:
			lbnl_log(LOG_WARNING, "refused a %s message from %s: "
				  "an agent takes migrate, transfer or finish",
				  lbnl_ctl_type_name(m.type),
				  lbnl_ctl_peer(c));
			refuse(c, &m, -EOPNOTSUPP, "unexpected message");
			break;
		}
	}
	lbnl_ctl_msg_free(&m);
	lbnl_ctl_close(c);
	pthread_mutex_lock(&lock);
	running--;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}
