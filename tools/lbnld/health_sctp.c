// SPDX-License-Identifier: GPL-2.0
/*
 * The "sctp heartbeat" checker: one association kept open to the dest
 * (as a Diameter or SIGTRAN peer would), and at each probe a HEARTBEAT
 * asked of it (SCTP_PEER_ADDR_PARAMS with SPP_HB_DEMAND on the peer's
 * address). The answer is seen as the association's count of control
 * chunks received going up (SCTP_GET_ASSOC_STATS, sas_ictrlchunks): the
 * HEARTBEAT-ACK is one, and the socket API has no event for it
 * (SCTP_PEER_ADDR_CHANGE only reports a path changing state, after
 * several heartbeats are lost). Another control chunk from the peer
 * within the window (its own HEARTBEAT, a SACK) proves it alive as well.
 *
 *	no association		set one up within the timeout: a success
 *				(the handshake was answered), or a failure
 *	association lost	(aborted, shut down: the server was killed or
 *				restarted) closed, a failure; the next probe
 *				sets up a new one
 *	no answer in time	a failure; the association is kept (the
 *				kernel gives it up after its retransmissions)
 *
 * What answers is the dest's kernel, not its application: as for the
 * plain sctp checker, a server hung in user space still answers.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sctp.h>

#include "health.h"
#include "lbnld.h"

#define ANSWER_STEP_MS	10

/* The association is up: established, no error or hang-up pending. */
static bool assoc_up(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };
	struct sctp_status st;
	socklen_t len = sizeof(st);
	int err = 0;
	socklen_t el = sizeof(err);

	if (poll(&pfd, 1, 0) > 0 &&
	    (pfd.revents & (POLLERR | POLLHUP | POLLRDHUP)))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) || err)
		return false;
	memset(&st, 0, sizeof(st));
	if (getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &len))
		return false;
	return st.sstat_state == SCTP_ESTABLISHED;
}

static int ctrl_chunks_in(int fd, uint64_t *n)
{
	struct sctp_assoc_stats sas;
	socklen_t len = sizeof(sas);

	memset(&sas, 0, sizeof(sas));
	if (getsockopt(fd, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &sas, &len))
		return -errno;
	*n = sas.sas_ictrlchunks;
	return 0;
}

/* Ask for a HEARTBEAT to the dest's address now. */
static int heartbeat_demand(int fd, const struct lbnld_check *c)
{
	struct sctp_paddrparams p;
	struct lbnl_endpoint at;

	memset(&p, 0, sizeof(p));
	lbnld_check_target(c, &at);
	if (at.addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p.spp_address;

		sin->sin_family = AF_INET;
		sin->sin_addr = at.addr.v4;
		sin->sin_port = htons(at.port);
	} else {
		struct sockaddr_in6 *sin6 =
			(struct sockaddr_in6 *)&p.spp_address;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = at.addr.v6;
		sin6->sin6_port = htons(at.port);
	}
	p.spp_flags = SPP_HB_DEMAND;
	if (setsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)))
		return -errno;
	return 0;
}

static int lost(struct lbnld_probe_ctx *ctx, char *why, size_t len)
{
	lbnld_probe_end(ctx);
	snprintf(why, len, "the association was lost (aborted or shut down)");
	return -1;
}

int lbnld_probe_sctp_heartbeat(const struct lbnld_check *c,
			       struct lbnld_probe_ctx *ctx, char *why,
			       size_t len)
{
	long long deadline = lbnld_now_ms() + c->timeout_ms;
	uint64_t before, now;
	int err;

	if (ctx->fd >= 0 && !assoc_up(ctx->fd))
		return lost(ctx, why, len);
	if (ctx->fd < 0)
		return lbnld_probe_connect(c, IPPROTO_SCTP, &ctx->fd, why, len);
	err = ctrl_chunks_in(ctx->fd, &before);
	if (!err)
		err = heartbeat_demand(ctx->fd, c);
	if (err) {
		if (!assoc_up(ctx->fd))
			return lost(ctx, why, len);
		snprintf(why, len, "cannot ask for a heartbeat: %s",
			 strerror(-err));
		lbnld_probe_end(ctx);
		return -1;
	}
	for (;;) {
		if (ctrl_chunks_in(ctx->fd, &now) || !assoc_up(ctx->fd))
			return lost(ctx, why, len);
		if (now > before)
			return 0;
		if (lbnld_now_ms() >= deadline)
			break;
		poll(NULL, 0, ANSWER_STEP_MS);
	}
	snprintf(why, len, "no heartbeat answer within %u ms", c->timeout_ms);
	return -1;
}
