// SPDX-License-Identifier: GPL-2.0
/*
 * One control connection of lbnl-agent, in its own thread: the HELLO
 * exchange, the first message, and the role it gives the session (source
 * for a MIGRATE, target for a TRANSFER, a late FINISH for a target
 * session whose source lost its connection). A connection that fails the
 * HELLO or whose first frame is rejected (bad MAC, replay, framing) is
 * closed without acting, and logged at LOG_WARNING with the sender.
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

void agent_serve(int fd)
{
	struct lbnl_ctl_conn *c;
	struct lbnl_ctl_msg m;
	char err[512];
	int ret;

	pthread_mutex_lock(&lock);
	running++;
	pthread_mutex_unlock(&lock);

	ret = lbnl_ctl_accept(fd, &agent_key, LBNL_CTL_ROLE_AGENT,
			      agent_conf.name, AGENT_HELLO_TIMEOUT_MS, &c, err,
			      sizeof(err));
	if (ret) {
		lbnl_log(LOG_WARNING, "rejected a connection: %s", err);
		goto out;
	}
	ret = lbnl_ctl_recv(c, &m, AGENT_FIRST_MSG_MS);
	if (ret == -ECONNRESET) {
		lbnl_log(LOG_DEBUG, "%s closed without a message",
			  lbnl_ctl_peer(c));
	} else if (ret) {
		lbnl_log(LOG_WARNING, "rejected: %s", lbnl_ctl_error(c));
	} else {
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
		lbnl_ctl_msg_free(&m);
	}
	lbnl_ctl_close(c);
out:
	pthread_mutex_lock(&lock);
	running--;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}
