// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl-agent's side of the application interface (apps.h; the wire
 * format is libapp/app_wire.h): a unix SOCK_SEQPACKET listener, a thread
 * that accepts apps and reads what they send (registrations, answers),
 * and the requests the migration sessions make of them (prepare, finish,
 * adopt), each with an id its answer carries, waited for under a deadline.
 *
 * One mutex guards everything (apps, registrations, requests waiting);
 * sessions wait on one condition variable for their answer. Only the
 * thread closes an app's connection, under the mutex, so a session that
 * found an app under the mutex may send on it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "apps.h"
#include "../libapp/app_wire.h"

#define APPS_MAX	256	/* connected apps */
#define REGS_MAX	1024	/* registered services, all apps */
#define ID_NOWAIT	0x80000000u	/* requests nobody waits for */

struct app {
	struct app *next;
	int fd;
	pid_t pid;
	uid_t uid;
};

struct reg {
	struct lbnl_app_wire_addr service;
	struct app *app;
};

/* A request waiting for its answer. */
struct pending {
	struct pending *next;
	uint32_t id;
	struct app *app;	/* NULL once the app is gone */
	bool done;
	int status;
	unsigned char *blob;
	size_t len;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running;
	pthread_t thread;
	int lfd, stopfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct app *apps;
	int napps;
	struct reg regs[REGS_MAX];
	int nregs;
	struct pending *pendings;
	uint32_t next_id;
	void (*log)(int prio, const char *fmt, ...);
} g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.lfd = -1,
	.stopfd = -1,
};

static void stderr_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void stderr_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG)
		return;
	fputs("lbnl-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define alog(prio, ...) (g.log ? g.log : stderr_log)(prio, __VA_ARGS__)

void agent_apps_set_log(void (*log)(int prio, const char *fmt, ...))
{
	g.log = log;
}

static const char *wire_str(const struct lbnl_app_wire_addr *w, char *buf,
			    size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(w->family, w->addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, w->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 w->port);
	return buf;
}

static void wire_from_addr(struct lbnl_app_wire_addr *w,
			   const struct lbnl_addr *a, uint16_t port)
{
	memset(w, 0, sizeof(*w));
	w->family = (uint16_t)a->family;
	w->port = port;
	memcpy(w->addr, a->raw, a->family == AF_INET ? 4 : 16);
}

static bool wire_addr_any(const struct lbnl_app_wire_addr *w)
{
	static const uint8_t zero[16];

	return !memcmp(w->addr, zero, w->family == AF_INET ? 4 : 16);
}

static bool wire_addr_same(const struct lbnl_app_wire_addr *a,
			   const struct lbnl_app_wire_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

/*
 * The app serving local address l: a registration of exactly that address
 * and port, else of the wildcard address of its family (or of IPv6, which
 * also takes IPv4) with that port. Under g.lock.
 */
static struct reg *reg_find(const struct lbnl_app_wire_addr *l)
{
	struct reg *wild = NULL;

	for (int i = 0; i < g.nregs; i++) {
		struct reg *r = &g.regs[i];

		if (r->service.port != l->port)
			continue;
		if (wire_addr_same(&r->service, l))
			return r;
		if (wire_addr_any(&r->service) &&
		    (r->service.family == l->family ||
		     r->service.family == AF_INET6) &&
		    (!wild || wild->service.family == AF_INET6))
			wild = r;
	}
	return wild;
}

/* ---- the apps' thread ------------------------------------------------ */

static void send_to(struct app *a, struct lbnl_app_wire_hdr *h,
		    const void *fixed, size_t fixed_len, const void *blob,
		    int *err)
{
	/* Never block under the lock: an app that does not read fails. */
	*err = lbnl_app_wire_send(a->fd, h, fixed, fixed_len, blob,
				  MSG_DONTWAIT);
}

static void app_remove(struct app *a, const char *why)
{
	int j = 0, lost = 0;

	for (int i = 0; i < g.nregs; i++) {
		if (g.regs[i].app == a) {
			lost++;
			continue;
		}
		g.regs[j++] = g.regs[i];
	}
	g.nregs = j;
	for (struct pending *p = g.pendings; p; p = p->next) {
		if (p->app != a)
			continue;
		p->app = NULL;
		p->done = true;
		p->status = -ECONNRESET;
	}
	pthread_cond_broadcast(&g.cond);
	for (struct app **pp = &g.apps; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	g.napps--;
	alog(LOG_INFO, "app pid %d uid %u disconnected (%s); %d service(s)"
	     " no longer registered", (int)a->pid, (unsigned int)a->uid, why,
	     lost);
	close(a->fd);
	free(a);
}

static void on_register(struct app *a, const struct lbnl_app_wire_hdr *h,
			const unsigned char *body)
{
	struct lbnl_app_wire_hdr ans = {
		.type = LBNL_APP_W_ANSWER,
		.id = h->id,
	};
	struct lbnl_app_wire_addr s;
	char buf[64];
	int err;

	memcpy(&s, body, sizeof(s));
	s.scope_id = 0;
	wire_str(&s, buf, sizeof(buf));
	for (int i = 0; i < g.nregs; i++) {
		if (!wire_addr_same(&g.regs[i].service, &s))
			continue;
		if (g.regs[i].app != a) {
			alog(LOG_WARNING, "app pid %d: service %s refused:"
			     " app pid %d serves it", (int)a->pid, buf,
			     (int)g.regs[i].app->pid);
			ans.status = -EADDRINUSE;
		}
		goto out;
	}
	if (!s.port) {
		ans.status = -EINVAL;
	} else if (g.nregs == REGS_MAX) {
		alog(LOG_WARNING, "app pid %d: service %s refused: %d services"
		     " registered already", (int)a->pid, buf, REGS_MAX);
		ans.status = -ENOSPC;
	} else {
		g.regs[g.nregs].service = s;
		g.regs[g.nregs++].app = a;
		alog(LOG_INFO, "app pid %d uid %u registered service %s",
		     (int)a->pid, (unsigned int)a->uid, buf);
	}
out:
	send_to(a, &ans, NULL, 0, NULL, &err);
	if (err)
		app_remove(a, strerror(-err));
}

static void on_answer(struct app *a, const struct lbnl_app_wire_hdr *h,
		      const unsigned char *blob)
{
	struct pending *p;

	if (h->id & ID_NOWAIT)
		return;		/* a FINISH: nobody waits */
	for (p = g.pendings; p; p = p->next)
		if (p->id == h->id && p->app == a && !p->done)
			break;
	if (!p) {
		alog(LOG_WARNING, "app pid %d: answer %u came too late"
		     " (the request timed out): ignored", (int)a->pid, h->id);
		return;
	}
	p->status = h->status;
	if (h->blob_len) {
		p->blob = malloc(h->blob_len);
		if (!p->blob) {
			p->status = -ENOMEM;
		} else {
			memcpy(p->blob, blob, h->blob_len);
			p->len = h->blob_len;
		}
	}
	p->done = true;
	pthread_cond_broadcast(&g.cond);
}

/* Read one packet of app a. Runs in the thread, without the lock. */
static void app_read(struct app *a)
{
	static unsigned char buf[LBNL_APP_WIRE_MAX + 1];
	struct lbnl_app_wire_hdr h;
	ssize_t n;
	int err;

	n = recv(a->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	pthread_mutex_lock(&g.lock);
	if (n <= 0) {
		app_remove(a, n ? strerror(errno) : "closed");
		goto out;
	}
	err = lbnl_app_wire_check(buf, (size_t)n, &h);
	if (err == -EPROTONOSUPPORT) {
		struct lbnl_app_wire_hdr ans = {
			.type = LBNL_APP_W_ANSWER,
			.id = h.id,
			.status = -EPROTONOSUPPORT,
		};

		alog(LOG_WARNING, "app pid %d speaks version %u, not %u",
		     (int)a->pid, h.version, LBNL_APP_WIRE_VERSION);
		send_to(a, &ans, NULL, 0, NULL, &err);
		app_remove(a, "protocol version");
		goto out;
	}
	if (err || (h.type != LBNL_APP_W_REGISTER &&
		    h.type != LBNL_APP_W_ANSWER)) {
		alog(LOG_WARNING, "app pid %d: malformed message (%zd bytes)",
		     (int)a->pid, n);
		app_remove(a, "protocol error");
		goto out;
	}
	if (h.type == LBNL_APP_W_REGISTER)
		on_register(a, &h, buf + sizeof(h));
	else
		on_answer(a, &h, buf + sizeof(h));
out:
	pthread_mutex_unlock(&g.lock);
}

static void app_accept(void)
{
	struct ucred cred = { .pid = 0 };
	socklen_t len = sizeof(cred);
	struct app *a;
	int fd = accept4(g.lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
	pthread_mutex_lock(&g.lock);
	if (g.napps == APPS_MAX || !(a = calloc(1, sizeof(*a)))) {
		alog(LOG_WARNING, "app pid %d uid %u refused: %d apps"
		     " connected already", (int)cred.pid,
		     (unsigned int)cred.uid, g.napps);
		close(fd);
		goto out;
	}
	a->fd = fd;
	a->pid = cred.pid;
	a->uid = cred.uid;
	a->next = g.apps;
	g.apps = a;
	g.napps++;
	alog(LOG_INFO, "app pid %d uid %u connected", (int)a->pid,
	     (unsigned int)a->uid);
out:
	pthread_mutex_unlock(&g.lock);
}

static void *apps_thread(void *unused)
{
	struct pollfd pfd[APPS_MAX + 2];
	struct app *who[APPS_MAX + 2];

	(void)unused;
	for (;;) {
		int n = 2;

		pfd[0] = (struct pollfd){ .fd = g.stopfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = g.lfd, .events = POLLIN };
		/* Only this thread adds or removes apps. */
		pthread_mutex_lock(&g.lock);
		for (struct app *a = g.apps; a; a = a->next) {
			who[n] = a;
			pfd[n++] = (struct pollfd){ .fd = a->fd,
						    .events = POLLIN };
		}
		pthread_mutex_unlock(&g.lock);
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			alog(LOG_ERR, "apps: poll: %s", strerror(errno));
			return NULL;
		}
		if (pfd[0].revents)
			return NULL;
		for (int i = 2; i < n; i++)
			if (pfd[i].revents)
				app_read(who[i]);
		if (pfd[1].revents)
			app_accept();
	}
}

/* ---- start, stop ----------------------------------------------------- */

int agent_apps_start(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	pthread_condattr_t ca;
	struct stat st;
	char dir[sizeof(sun.sun_path)];
	char *slash;
	int rc;

	if (g.running)
		return -EALREADY;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
			return rc;
		}
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket",
				 path);
			return -EEXIST;
		}
		unlink(path);
	}
	strcpy(sun.sun_path, path);
	g.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (g.lfd < 0)
		goto fail;
	/* The socket file takes the socket's mode: never wider than 0660. */
	if (fchmod(g.lfd, 0660) < 0 ||
	    bind(g.lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0660) < 0 || listen(g.lfd, 64) < 0)
		goto fail;
	g.stopfd = eventfd(0, EFD_CLOEXEC);
	if (g.stopfd < 0)
		goto fail;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g.cond, &ca);
	pthread_condattr_destroy(&ca);
	strcpy(g.path, path);
	rc = pthread_create(&g.thread, NULL, apps_thread, NULL);
	if (rc) {
		errno = rc;
		pthread_cond_destroy(&g.cond);
		goto fail;
	}
	g.running = true;
	alog(LOG_INFO, "apps: listening on %s", path);
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (g.lfd >= 0) {
		close(g.lfd);
		unlink(path);
	}
	if (g.stopfd >= 0)
		close(g.stopfd);
	g.lfd = g.stopfd = -1;
	return rc;
}

void agent_apps_stop(void)
{
	uint64_t one = 1;

	if (!g.running)
		return;
	if (write(g.stopfd, &one, sizeof(one)) < 0)
		alog(LOG_ERR, "apps: cannot stop the thread: %s",
		     strerror(errno));
	pthread_join(g.thread, NULL);
	pthread_mutex_lock(&g.lock);
	while (g.apps)
		app_remove(g.apps, "agent stopping");
	close(g.lfd);
	close(g.stopfd);
	g.lfd = g.stopfd = -1;
	unlink(g.path);
	g.running = false;
	/* Sessions still waiting see their app gone, then free their entry. */
	pthread_mutex_unlock(&g.lock);
}

/* ---- requests -------------------------------------------------------- */

static uint32_t new_id(bool nowait)
{
	g.next_id = (g.next_id + 1) & ~ID_NOWAIT;
	if (!g.next_id)
		g.next_id = 1;
	return g.next_id | (nowait ? ID_NOWAIT : 0);
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void key_to_wire(const struct lbnl_assoc_key *key,
			struct lbnl_app_wire_assoc *w)
{
	wire_from_addr(&w->local, &key->laddr, key->lport);
	wire_from_addr(&w->peer, &key->paddr, key->pport);
}

static const char *key_str(const struct lbnl_app_wire_assoc *w, char *buf,
			   size_t len)
{
	char l[64], p[64];

	snprintf(buf, len, "%s-%s", wire_str(&w->local, l, sizeof(l)),
		 wire_str(&w->peer, p, sizeof(p)));
	return buf;
}

/* Tell the app serving w a FINISH; nobody waits. Under g.lock. */
static void finish_locked(const struct lbnl_app_wire_assoc *w, bool moved)
{
	struct lbnl_app_wire_hdr h = {
		.type = LBNL_APP_W_FINISH,
		.flags = moved ? LBNL_APP_W_MOVED : 0,
	};
	struct reg *r = reg_find(&w->local);
	char buf[160];
	int err;

	if (!r)
		return;
	h.id = new_id(true);
	send_to(r->app, &h, w, sizeof(*w), NULL, &err);
	if (err)
		alog(LOG_WARNING, "app pid %d: cannot tell it %s %s: %s",
		     (int)r->app->pid, key_str(w, buf, sizeof(buf)),
		     moved ? "moved" : "stays", strerror(-err));
}

/*
 * Send request `type` for w to the app serving it and wait up to
 * timeout_ms for the answer. On a timeout, the app is sent a FINISH
 * with finish_moved (it may still act on the request late). Returns the
 * answer's status, -ENOENT (no app), -ETIMEDOUT, -ECONNRESET (the app
 * went away) or a send error; *blob gets the answer's blob.
 */
static int request(uint16_t type, const struct lbnl_app_wire_assoc *w,
		   const unsigned char *in, size_t in_len, int timeout_ms,
		   bool finish_moved, unsigned char **blob, size_t *len,
		   char *reason, size_t reasonlen)
{
	struct lbnl_app_wire_hdr h = {
		.type = type,
		.blob_len = (uint32_t)in_len,
	};
	const char *what = type == LBNL_APP_W_PREPARE ? "prepare" : "adopt";
	struct pending p = { .status = 0 };
	struct timespec deadline;
	struct reg *r;
	pid_t pid;
	char buf[160];
	int rc = 0;

	if (in_len > LBNL_APP_WIRE_BLOB_MAX) {
		snprintf(reason, reasonlen, "app state of %zu bytes: more than"
			 " %d", in_len, LBNL_APP_WIRE_BLOB_MAX);
		return -EMSGSIZE;
	}
	key_str(w, buf, sizeof(buf));
	deadline_after(&deadline, timeout_ms > 0 ? timeout_ms : 0);
	pthread_mutex_lock(&g.lock);
	r = g.running ? reg_find(&w->local) : NULL;
	if (!r) {
		pthread_mutex_unlock(&g.lock);
		snprintf(reason, reasonlen, "no app registered the service");
		return -ENOENT;
	}
	pid = r->app->pid;
	p.app = r->app;
	p.id = h.id = new_id(false);
	send_to(r->app, &h, w, sizeof(*w), in, &rc);
	if (rc) {
		pthread_mutex_unlock(&g.lock);
		snprintf(reason, reasonlen, "cannot reach app pid %d: %s",
			 (int)pid, strerror(-rc));
		alog(LOG_WARNING, "%s %s: %s", what, buf, reason);
		return rc;
	}
	p.next = g.pendings;
	g.pendings = &p;
	while (!p.done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&g.cond, &g.lock, &deadline);
	for (struct pending **pp = &g.pendings; *pp; pp = &(*pp)->next) {
		if (*pp == &p) {
			*pp = p.next;
			break;
		}
	}
	if (!p.done) {
		snprintf(reason, reasonlen, "app pid %d did not answer in %d"
			 " ms", (int)pid, timeout_ms);
		alog(LOG_WARNING, "%s %s: %s; telling it the association %s",
		     what, buf, reason, finish_moved ? "is gone" : "stays");
		finish_locked(w, finish_moved);
		pthread_mutex_unlock(&g.lock);
		return -ETIMEDOUT;
	}
	pthread_mutex_unlock(&g.lock);
	if (p.status == -ECONNRESET && !p.app) {
		snprintf(reason, reasonlen, "app pid %d went away", (int)pid);
	} else if (p.status) {
		snprintf(reason, reasonlen, "app pid %d refused: %s",
			 (int)pid, strerror(-p.status));
	}
	if (p.status) {
		alog(LOG_WARNING, "%s %s: %s", what, buf, reason);
		free(p.blob);
		return p.status;
	}
	alog(LOG_DEBUG, "%s %s: app pid %d answered (%zu bytes of state)",
	     what, buf, (int)pid, p.len);
	if (blob) {
		*blob = p.blob;
		*len = p.len;
	} else {
		free(p.blob);
	}
	return 0;
}

int agent_apps_prepare(const struct lbnl_assoc_key *key, int timeout_ms,
		       unsigned char **blob, size_t *len, char *reason,
		       size_t reasonlen)
{
	struct lbnl_app_wire_assoc w;

	*blob = NULL;
	*len = 0;
	key_to_wire(key, &w);
	/* Timed out: the app may prepare late; it must not stay frozen. */
	return request(LBNL_APP_W_PREPARE, &w, NULL, 0, timeout_ms, false,
		       blob, len, reason, reasonlen);
}

void agent_apps_finish(const struct lbnl_assoc_key *key, bool moved)
{
	struct lbnl_app_wire_assoc w;

	key_to_wire(key, &w);
	pthread_mutex_lock(&g.lock);
	if (g.running)
		finish_locked(&w, moved);
	pthread_mutex_unlock(&g.lock);
}

int agent_apps_adopt(const struct lbnl_assoc_key *key,
		     const unsigned char *blob, size_t len, int timeout_ms,
		     char *reason, size_t reasonlen)
{
	struct lbnl_app_wire_assoc w;
	char buf[160];
	int rc;

	key_to_wire(key, &w);
	/* Timed out: the copy is released; the app must forget it. */
	rc = request(LBNL_APP_W_ADOPT, &w, blob, len, timeout_ms, true, NULL,
		     NULL, reason, reasonlen);
	if (rc == -ENOENT && len)
		alog(LOG_WARNING, "adopt %s: no app registered the service:"
		     " %zu bytes of app state dropped",
		     key_str(&w, buf, sizeof(buf)), len);
	return rc;
}
