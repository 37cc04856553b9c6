/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl-agent: the server side of live SCTP migration. Its configuration,
 * log, the sessions it serves (one thread per authenticated control
 * connection, at most AGENT_SESSIONS_MAX; the handshakes before run on
 * one thread, ctl.h's gate) and the
 * two roles of a session: source (MIGRATE from lbnld) and target
 * (TRANSFER from a source agent).
 */
#ifndef LBNL_AGENT_H
#define LBNL_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "log.h"

#include "ctl.h"
#include "objects.h"

#define AGENT_CONF_PATH		"/etc/lbnl/agent.conf"
#define AGENT_SESSIONS_MAX	256	/* authenticated connections at once */
#define AGENT_APP_SOCKET	"/run/lbnl-agent/apps.sock"
#define AGENT_EXPORT_TIMEOUT_MS	2000

/* Timings of the protocol (ms). */
#define AGENT_FIRST_MSG_MS	10000	/* an authenticated conn's first msg */
#define AGENT_MARGIN_MS		100	/* kept from a deadline for replies */
#define AGENT_FINISH_WAIT_MS	3000	/* the target's FINISH echo */
/*
 * How long a source that rolls back keeps asking a target that may hold a
 * live copy to confirm it dropped it, before it leaves the association
 * silenced for the operator: giving up loses the association for sure,
 * while a peer with SCTP's default RTO.Max (60 s) and Association.Max.Retrans
 * (10) waits minutes. A loaded target (TLS handshakes timing out) usually
 * answers within this.
 */
#define AGENT_ABORT_CONFIRM_MS	60000
#define AGENT_RETRY_MS		200	/* reconnecting to lbnld, a target */
#define AGENT_GRACE_MS		(10 * 60 * 1000)	/* for a decision */
#define AGENT_STOP_WAIT_MS	30000	/* sessions left at SIGTERM */

struct agent_conf {
	struct lbnl_endpoint listen;
	char ca_file[256];
	char cert_file[256];
	char key_file[256];
	char name[LBNL_CTL_NAME_MAX];
	char app_socket[256];
	uint32_t export_timeout_ms;
	bool foreground;
	bool verbose;
};

extern struct agent_conf agent_conf;
extern struct lbnl_ctl_tls *agent_tls;
/* Set by SIGTERM/SIGINT: no new sessions; waits give up sooner. */
extern volatile int agent_stopping;

/* Milliseconds of a monotonic clock. */
int64_t agent_now(void);

/*
 * session.c: a session slot for an authenticated connection (false: all
 * AGENT_SESSIONS_MAX taken), then serve it (a thread's body: frees the
 * slot and closes c).
 */
bool agent_session_claim(void);
void agent_serve(struct lbnl_ctl_conn *c);
/* Sessions running now (for the shutdown). */
int agent_sessions_running(void);
void agent_sessions_wait(int timeout_ms);

/* source.c: a MIGRATE from lbnld; the conn is the session's. */
void agent_source(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *migrate);

/* target.c: a TRANSFER from a source agent; a FINISH on a new conn. */
void agent_target(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *transfer);
void agent_target_finish(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *fin);

/* "198.51.100.1:40001" for an association's peer (for logs). */
const char *agent_assoc_str(const struct lbnl_assoc_key *k, char *buf,
			    size_t len);
const char *agent_endpoint_str(const struct lbnl_endpoint *ep, char *buf,
			       size_t len);

#endif
