// SPDX-License-Identifier: GPL-2.0
/*
 * liblbnl_app: a migration-aware application's side of the unix socket to
 * lbnl-agent (include/lbnl_app.h; the wire format is app_wire.h).
 *
 * One epoll descriptor, the one the application polls, holds either the
 * connection to the agent or, while there is none, a timer that fires
 * every RETRY_MS to try again. The library keeps the services registered
 * (to send them again after a reconnection) and the associations prepared
 * and not yet finished (to resume them if the agent goes away).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "lbnl_app.h"
#include "app_wire.h"

_Static_assert(LBNL_APP_BLOB_MAX == LBNL_APP_WIRE_BLOB_MAX, "blob max");

#define RETRY_MS	1000	/* connect to the agent again this often */
#define SEND_TIMEOUT_MS	1000	/* longest wait to send an answer */
#define PREPARED_MAX	256	/* associations prepared at once */

struct service {
	struct lbnl_app_wire_addr addr;
	uint32_t id;		/* of the REGISTER waiting for its answer */
	bool confirmed;
};

struct lbnl_app {
	struct lbnl_app_ops ops;
	void *arg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int epfd;
	int timerfd;
	int sock;		/* -1: not connected */
	bool ever_connected;
	bool told_absent;	/* "agent not there" logged once */
	uint32_t next_id;
	struct service services[LBNL_APP_SERVICES_MAX];
	int nservices;
	struct lbnl_app_wire_assoc prepared[PREPARED_MAX];
	int nprepared;
	unsigned char buf[LBNL_APP_WIRE_MAX + 1];
};

static void app_log(struct lbnl_app *app, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void app_log(struct lbnl_app *app, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (app->ops.log)
		app->ops.log(app->arg, msg);
	else
		fprintf(stderr, "lbnl_app: %s\n", msg);
}

static const char *wire_addr_str(const struct lbnl_app_wire_addr *w,
				 char *buf, size_t len)
{
	char ip[64];

	if (!inet_ntop(w->family, w->addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, w->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 w->port);
	return buf;
}

static void arm_retry(struct lbnl_app *app, bool on)
{
	struct itimerspec its = { 0 };

	if (on) {
		its.it_value.tv_sec = RETRY_MS / 1000;
		its.it_value.tv_nsec = (RETRY_MS % 1000) * 1000000L;
		its.it_interval = its.it_value;
	}
	timerfd_settime(app->timerfd, 0, &its, NULL);
}

/* Send one packet: header, fixed part, blob. 0 or -errno. */
static int send_packet(struct lbnl_app *app, struct lbnl_app_wire_hdr *h,
		       const void *fixed, size_t fixed_len, const void *blob)
{
	return lbnl_app_wire_send(app->sock, h, fixed, fixed_len, blob, 0);
}

static int send_register(struct lbnl_app *app, struct service *s)
{
	struct lbnl_app_wire_hdr h = { .type = LBNL_APP_W_REGISTER };

	s->id = h.id = ++app->next_id ? app->next_id : ++app->next_id;
	s->confirmed = false;
	return send_packet(app, &h, &s->addr, sizeof(s->addr), NULL);
}

static struct lbnl_app_assoc to_assoc(const struct lbnl_app_wire_assoc *w)
{
	struct lbnl_app_assoc a;

	a.local_len = lbnl_app_wire_to_sockaddr(&w->local, &a.local);
	a.peer_len = lbnl_app_wire_to_sockaddr(&w->peer, &a.peer);
	return a;
}

static int prepared_find(struct lbnl_app *app,
			 const struct lbnl_app_wire_assoc *w)
{
	for (int i = 0; i < app->nprepared; i++)
		if (!memcmp(&app->prepared[i], w, sizeof(*w)))
			return i;
	return -1;
}

static void prepared_forget(struct lbnl_app *app,
			    const struct lbnl_app_wire_assoc *w)
{
	int i = prepared_find(app, w);

	if (i >= 0)
		app->prepared[i] = app->prepared[--app->nprepared];
}

static void call_finish(struct lbnl_app *app,
			const struct lbnl_app_wire_assoc *w, bool moved)
{
	struct lbnl_app_assoc a = to_assoc(w);

	prepared_forget(app, w);
	if (app->ops.finish)
		app->ops.finish(app->arg, &a, moved);
}

/*
 * The agent is gone (or spoke nonsense): close, resume every association
 * prepared and not finished (whatever happens to them now, no finish
 * will come from this connection), try again later.
 */
static void disconnect(struct lbnl_app *app, const char *why)
{
	if (app->sock < 0)
		return;
	app_log(app, "agent connection lost (%s); reconnecting every %d ms",
		why, RETRY_MS);
	close(app->sock);	/* leaves the epoll set too */
	app->sock = -1;
	for (int i = 0; i < app->nservices; i++)
		app->services[i].confirmed = false;
	while (app->nprepared) {
		struct lbnl_app_wire_assoc w = app->prepared[0];

		app_log(app, "resuming an association prepared for a "
			"migration the agent can no longer finish");
		call_finish(app, &w, false);
	}
	arm_retry(app, true);
}

/* Try to connect and register every service. true: connected. */
static bool try_connect(struct lbnl_app *app)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct timeval tv = {
		.tv_sec = SEND_TIMEOUT_MS / 1000,
		.tv_usec = (SEND_TIMEOUT_MS % 1000) * 1000,
	};
	int fd;

	memcpy(sun.sun_path, app->path, sizeof(app->path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (!app->told_absent)
			app_log(app, "agent not reachable at %s (%s); trying"
				" every %d ms", app->path, strerror(errno),
				RETRY_MS);
		app->told_absent = true;
		close(fd);
		return false;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ev.data.fd = fd;
	if (epoll_ctl(app->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return false;
	}
	app->sock = fd;
	app->told_absent = false;
	arm_retry(app, false);
	app_log(app, "%s agent at %s", app->ever_connected ?
		"reconnected to the" : "connected to the", app->path);
	app->ever_connected = true;
	for (int i = 0; i < app->nservices; i++) {
		int err = send_register(app, &app->services[i]);

		if (err) {
			disconnect(app, strerror(-err));
			return false;
		}
	}
	return true;
}

int lbnl_app_open(const char *path, const struct lbnl_app_ops *ops,
		  void *arg, struct lbnl_app **out)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct lbnl_app *app;
	int err;

	if (!path)
		path = LBNL_APP_SOCK_DEFAULT;
	if (!ops || !out || !*path || strlen(path) >= sizeof(app->path))
		return -EINVAL;
	app = calloc(1, sizeof(*app));
	if (!app)
		return -ENOMEM;
	app->ops = *ops;
	app->arg = arg;
	app->sock = -1;
	strcpy(app->path, path);
	app->epfd = epoll_create1(EPOLL_CLOEXEC);
	app->timerfd = timerfd_create(CLOCK_MONOTONIC,
				      TFD_CLOEXEC | TFD_NONBLOCK);
	if (app->epfd < 0 || app->timerfd < 0)
		goto fail;
	ev.data.fd = app->timerfd;
	if (epoll_ctl(app->epfd, EPOLL_CTL_ADD, app->timerfd, &ev) < 0)
		goto fail;
	if (!try_connect(app))
		arm_retry(app, true);
	*out = app;
	return 0;
fail:
	err = -errno;
	if (app->epfd >= 0)
		close(app->epfd);
	if (app->timerfd >= 0)
		close(app->timerfd);
	free(app);
	return err;
}

int lbnl_app_register(struct lbnl_app *app, const struct sockaddr *service,
		      socklen_t len)
{
	struct lbnl_app_wire_addr w;
	struct service *s;

	if (!service || lbnl_app_wire_from_sockaddr(&w, service, len) ||
	    !w.port)
		return -EINVAL;
	for (int i = 0; i < app->nservices; i++)
		if (!memcmp(&app->services[i].addr, &w, sizeof(w)))
			return -EEXIST;
	if (app->nservices == LBNL_APP_SERVICES_MAX)
		return -ENOSPC;
	s = &app->services[app->nservices++];
	memset(s, 0, sizeof(*s));
	s->addr = w;
	if (app->sock >= 0) {
		int err = send_register(app, s);

		if (err)
			disconnect(app, strerror(-err));
	}
	return 0;
}

int lbnl_app_registered(const struct lbnl_app *app)
{
	int n = 0;

	for (int i = 0; i < app->nservices; i++)
		n += app->services[i].confirmed;
	return n;
}

int lbnl_app_fd(const struct lbnl_app *app)
{
	return app->epfd;
}

static int answer(struct lbnl_app *app, uint32_t id, int status,
		  const void *blob, size_t len)
{
	struct lbnl_app_wire_hdr h = {
		.type = LBNL_APP_W_ANSWER,
		.id = id,
		.status = status,
		.blob_len = (uint32_t)len,
	};

	return send_packet(app, &h, NULL, 0, blob);
}

/* The agent's answer to one of our REGISTERs. */
static void on_answer(struct lbnl_app *app, const struct lbnl_app_wire_hdr *h)
{
	char buf[80];

	for (int i = 0; i < app->nservices; i++) {
		struct service *s = &app->services[i];

		if (s->id != h->id)
			continue;
		s->id = 0;
		if (h->status) {
			app_log(app, "the agent refused service %s: %s",
				wire_addr_str(&s->addr, buf, sizeof(buf)),
				strerror(-h->status));
			return;
		}
		s->confirmed = true;
		app_log(app, "service %s registered with the agent",
			wire_addr_str(&s->addr, buf, sizeof(buf)));
		return;
	}
	app_log(app, "answer %u from the agent matches no request: ignored",
		h->id);
}

static int on_prepare(struct lbnl_app *app, const struct lbnl_app_wire_hdr *h,
		      const struct lbnl_app_wire_assoc *w)
{
	struct lbnl_app_assoc a = to_assoc(w);
	void *blob = NULL;
	size_t len = 0;
	int rc = 0, err;

	if (app->ops.prepare)
		rc = app->ops.prepare(app->arg, &a, &blob, &len);
	if (rc > 0)
		rc = -EINVAL;
	if (!rc && len > LBNL_APP_BLOB_MAX) {
		app_log(app, "state of %zu bytes is over the limit (%d):"
			" migration refused", len, LBNL_APP_BLOB_MAX);
		rc = -EMSGSIZE;
		if (app->ops.finish)
			app->ops.finish(app->arg, &a, false);
	}
	if (!rc && !blob)
		len = 0;
	if (!rc && app->nprepared < PREPARED_MAX && prepared_find(app, w) < 0)
		app->prepared[app->nprepared++] = *w;
	err = answer(app, h->id, rc, rc ? NULL : blob, rc ? 0 : len);
	free(blob);
	if (err)
		disconnect(app, strerror(-err));	/* resumes it */
	return 1;
}

static int on_request(struct lbnl_app *app, const struct lbnl_app_wire_hdr *h,
		      const unsigned char *body)
{
	struct lbnl_app_wire_assoc w;
	struct lbnl_app_assoc a;
	int rc = 0, err;

	memcpy(&w, body, sizeof(w));
	switch (h->type) {
	case LBNL_APP_W_PREPARE:
		return on_prepare(app, h, &w);
	case LBNL_APP_W_FINISH:
		call_finish(app, &w, h->flags & LBNL_APP_W_MOVED);
		break;
	case LBNL_APP_W_ADOPT:
		a = to_assoc(&w);
		if (app->ops.adopt)
			rc = app->ops.adopt(app->arg, &a, body + sizeof(w),
					    h->blob_len);
		if (rc > 0)
			rc = -EINVAL;
		break;
	}
	err = answer(app, h->id, rc, NULL, 0);
	if (err)
		disconnect(app, strerror(-err));
	return 1;
}

int lbnl_app_process(struct lbnl_app *app)
{
	struct lbnl_app_wire_hdr h;
	uint64_t expirations;
	ssize_t n;
	int err;

	if (app->sock < 0) {
		if (read(app->timerfd, &expirations, sizeof(expirations)) > 0)
			try_connect(app);
		return 0;
	}
	n = recv(app->sock, app->buf, sizeof(app->buf), MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		disconnect(app, strerror(errno));
		return 0;
	}
	if (n == 0) {
		disconnect(app, "closed by the agent");
		return 0;
	}
	err = lbnl_app_wire_check(app->buf, (size_t)n, &h);
	if (err == -EPROTONOSUPPORT) {
		app_log(app, "the agent speaks version %u, this library %u",
			h.version, LBNL_APP_WIRE_VERSION);
		disconnect(app, "protocol version");
		return 0;
	}
	if (err || h.type == LBNL_APP_W_REGISTER) {
		app_log(app, "malformed message from the agent (%zd bytes,"
			" type %u)", n, err ? 0 : h.type);
		disconnect(app, "protocol error");
		return 0;
	}
	if (h.type == LBNL_APP_W_ANSWER) {
		on_answer(app, &h);
		return 0;
	}
	return on_request(app, &h, app->buf + sizeof(h));
}

void lbnl_app_close(struct lbnl_app *app)
{
	if (!app)
		return;
	if (app->sock >= 0)
		close(app->sock);
	close(app->timerfd);
	close(app->epfd);
	free(app);
}
