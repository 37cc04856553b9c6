// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the application interface: liblbnl_app (libapp/app.c) and
 * the agent's side (agent/apps.c) in one process, over a real unix socket
 * in a temporary directory. The app runs in a thread of its own (its poll
 * loop); the main thread plays the agent's migration sessions.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "lbnl_app.h"
#include "../agent/apps.h"

#define SERVICE_PORT	3868
#define PORT_REFUSE	40001	/* prepare refuses */
#define PORT_SLOW	40002	/* prepare answers after SLOW_MS */
#define PORT_BIG	40003	/* prepare returns too big a blob */
#define SLOW_MS		300

/* What the app thread saw, for the main thread. */
struct seen {
	atomic_int registered;
	atomic_int prepares, finishes, adopts;
	atomic_int last_finish_port, last_finish_moved;
	atomic_int adopt_ok;		/* the blob and addresses matched */
	atomic_int prepare_addr_ok;
};

struct app_thread {
	const char *path;
	struct seen seen;
	atomic_bool stop;
	pthread_t thread;
};

static char sock_path[108];

static uint16_t peer_port(const struct lbnl_app_assoc *a)
{
	return ntohs(((const struct sockaddr_in *)&a->peer)->sin_port);
}

static bool assoc_is(const struct lbnl_app_assoc *a, const char *local,
		     const char *peer)
{
	const struct sockaddr_in *l = (const void *)&a->local;
	const struct sockaddr_in *p = (const void *)&a->peer;
	char lb[32], pb[32];

	if (a->local.ss_family != AF_INET || a->peer.ss_family != AF_INET ||
	    a->local_len != sizeof(*l) || a->peer_len != sizeof(*p))
		return false;
	inet_ntop(AF_INET, &l->sin_addr, lb, sizeof(lb));
	inet_ntop(AF_INET, &p->sin_addr, pb, sizeof(pb));
	return !strcmp(lb, local) && !strcmp(pb, peer) &&
	       ntohs(l->sin_port) == SERVICE_PORT;
}

static int cb_prepare(void *arg, const struct lbnl_app_assoc *a, void **blob,
		      size_t *len)
{
	struct seen *s = arg;
	uint16_t port = peer_port(a);
	char *b;

	s->prepares++;
	s->prepare_addr_ok = assoc_is(a, "192.0.2.2", "198.51.100.1");
	if (port == PORT_REFUSE)
		return -EPERM;
	if (port == PORT_SLOW)
		usleep(SLOW_MS * 1000);
	if (port == PORT_BIG) {
		*blob = calloc(1, LBNL_APP_BLOB_MAX + 1);
		*len = LBNL_APP_BLOB_MAX + 1;
		return 0;
	}
	b = malloc(32);
	*len = (size_t)snprintf(b, 32, "state-%u", port);
	*blob = b;
	return 0;
}

static void cb_finish(void *arg, const struct lbnl_app_assoc *a, bool moved)
{
	struct seen *s = arg;

	s->last_finish_port = peer_port(a);
	s->last_finish_moved = moved;
	s->finishes++;
}

static int cb_adopt(void *arg, const struct lbnl_app_assoc *a,
		    const void *blob, size_t len)
{
	struct seen *s = arg;

	s->adopt_ok = assoc_is(a, "192.0.2.2", "198.51.100.1") &&
		      len == 11 && !memcmp(blob, "state-40000", 11);
	s->adopts++;
	return peer_port(a) == PORT_REFUSE ? -EEXIST : 0;
}

static void cb_log(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* the library's lines are not this test's output */
}

/* The agent's log: shown with TEST_APPS_VERBOSE=1 in the environment. */
static void lbnl_log(int prio, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	if (!getenv("TEST_APPS_VERBOSE"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct lbnl_app_ops ops = {
	.prepare = cb_prepare,
	.finish = cb_finish,
	.adopt = cb_adopt,
	.log = cb_log,
};

static void *app_main(void *arg)
{
	struct app_thread *t = arg;
	struct sockaddr_in svc = {
		.sin_family = AF_INET,
		.sin_port = htons(SERVICE_PORT),
	};
	struct lbnl_app *app;

	inet_pton(AF_INET, "192.0.2.2", &svc.sin_addr);
	if (lbnl_app_open(t->path, &ops, &t->seen, &app))
		return NULL;
	lbnl_app_register(app, (struct sockaddr *)&svc, sizeof(svc));
	while (!t->stop) {
		struct pollfd p = { .fd = lbnl_app_fd(app), .events = POLLIN };

		if (poll(&p, 1, 20) > 0)
			lbnl_app_process(app);
		t->seen.registered = lbnl_app_registered(app);
	}
	lbnl_app_close(app);
	return NULL;
}

static void app_start(struct app_thread *t)
{
	memset(t, 0, sizeof(*t));
	t->path = sock_path;
	pthread_create(&t->thread, NULL, app_main, t);
}

static void app_stop(struct app_thread *t)
{
	t->stop = true;
	pthread_join(t->thread, NULL);
}

/* Wait up to ms for *v to reach want. */
static bool wait_for(atomic_int *v, int want, int ms)
{
	for (int i = 0; i < ms / 5; i++) {
		if (*v == want)
			return true;
		usleep(5000);
	}
	return *v == want;
}

static struct lbnl_assoc_key key_of(uint16_t lport, uint16_t pport)
{
	struct lbnl_assoc_key k;

	memset(&k, 0, sizeof(k));
	lbnl_parse_addr("192.0.2.2", &k.laddr);
	lbnl_parse_addr("198.51.100.1", &k.paddr);
	k.lport = lport;
	k.pport = pport;
	return k;
}

static void test_flow(struct app_thread *t)
{
	struct lbnl_assoc_key k = key_of(SERVICE_PORT, 40000);
	unsigned char *blob = NULL;
	char reason[128] = "";
	size_t len = 0;
	int rc;

	CHECK(wait_for(&t->seen.registered, 1, 3000), "app registered");

	rc = agent_apps_prepare(&k, 1000, &blob, &len, reason, sizeof(reason));
	CHECK(rc == 0, "prepare: %d (%s)", rc, reason);
	CHECK(len == 11 && blob && !memcmp(blob, "state-40000", 11),
	      "prepare blob round trip (%zu bytes)", len);
	CHECK(t->seen.prepare_addr_ok, "prepare got the association");

	agent_apps_finish(&k, true);
	CHECK(wait_for(&t->seen.finishes, 1, 1000), "finish delivered");
	CHECK(t->seen.last_finish_port == 40000 && t->seen.last_finish_moved,
	      "finish: port %d moved %d", t->seen.last_finish_port,
	      t->seen.last_finish_moved);

	rc = agent_apps_adopt(&k, blob, len, 1000, reason, sizeof(reason));
	CHECK(rc == 0 && t->seen.adopts == 1 && t->seen.adopt_ok,
	      "adopt: %d (%s), blob seen right %d", rc, reason,
	      t->seen.adopt_ok);
	free(blob);

	/* Refusals: the app's errno and a reason naming it. */
	k = key_of(SERVICE_PORT, PORT_REFUSE);
	rc = agent_apps_prepare(&k, 1000, &blob, &len, reason, sizeof(reason));
	CHECK(rc == -EPERM && !blob && !len && strstr(reason, "refused"),
	      "prepare refused: %d (%s)", rc, reason);
	rc = agent_apps_adopt(&k, (const unsigned char *)"x", 1, 1000, reason,
			      sizeof(reason));
	CHECK(rc == -EEXIST, "adopt refused: %d (%s)", rc, reason);

	/* A service nobody registered: transport-only. */
	k = key_of(SERVICE_PORT + 1, 40000);
	rc = agent_apps_prepare(&k, 1000, &blob, &len, reason, sizeof(reason));
	CHECK(rc == -ENOENT, "other service: %d", rc);
	rc = agent_apps_adopt(&k, NULL, 0, 1000, reason, sizeof(reason));
	CHECK(rc == -ENOENT, "other service, adopt: %d", rc);

	/* Too big a blob: refused, and the app told it stays. */
	k = key_of(SERVICE_PORT, PORT_BIG);
	rc = agent_apps_prepare(&k, 1000, &blob, &len, reason, sizeof(reason));
	CHECK(rc == -EMSGSIZE, "big blob: %d (%s)", rc, reason);
	CHECK(t->seen.last_finish_port == PORT_BIG &&
	      !t->seen.last_finish_moved, "big blob: resumed");

	/* Timeout: -ETIMEDOUT, then the app hears the association stays. */
	k = key_of(SERVICE_PORT, PORT_SLOW);
	rc = agent_apps_prepare(&k, 100, &blob, &len, reason, sizeof(reason));
	CHECK(rc == -ETIMEDOUT && strstr(reason, "did not answer"),
	      "timeout: %d (%s)", rc, reason);
	CHECK(wait_for(&t->seen.last_finish_port, PORT_SLOW, 2000) &&
	      !t->seen.last_finish_moved, "timeout: the app resumed");
	/* The late answer is ignored; the next request still matches. */
	k = key_of(SERVICE_PORT, 40000);
	rc = agent_apps_prepare(&k, 1000, &blob, &len, reason, sizeof(reason));
	CHECK(rc == 0 && len == 11, "after a timeout: %d (%s)", rc, reason);
	free(blob);
}

/* A second app asking for the same service is refused. */
static void test_conflict(struct app_thread *first)
{
	struct app_thread second;

	app_start(&second);
	usleep(200000);
	CHECK(second.seen.registered == 0, "second app's service refused");
	CHECK(first->seen.registered == 1, "first app keeps its service");
	app_stop(&second);
}

/* Garbage on the socket: the agent drops that connection only. */
static void test_malformed(struct app_thread *t)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct lbnl_assoc_key k = key_of(SERVICE_PORT, 40000);
	unsigned char *blob;
	char reason[128];
	size_t len;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0), rc;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b[8];

	strcpy(sun.sun_path, sock_path);
	CHECK(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	      "raw connect");
	CHECK(send(fd, "garbage", 7, 0) == 7, "send garbage");

	CHECK(poll(&p, 1, 1000) == 1 && recv(fd, b, sizeof(b), 0) == 0,
	      "the agent closed the garbage connection");
	close(fd);
	rc = agent_apps_prepare(&k, 1000, &blob, &len, reason, sizeof(reason));
	CHECK(rc == 0 && t->seen.registered == 1, "still serving: %d", rc);
	if (!rc)
		free(blob);
}

int main(void)
{
	struct lbnl_assoc_key k = key_of(SERVICE_PORT, 40000);
	struct app_thread t;
	struct stat st;
	char dir[] = "/tmp/test_apps.XXXXXX", err[256], reason[128];
	unsigned char *blob = NULL;
	size_t len;
	int rc;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/run/apps.sock", dir);

	agent_apps_set_log(lbnl_log);
	rc = agent_apps_start(sock_path, err, sizeof(err));
	CHECK(rc == 0, "start: %s", err);
	CHECK(stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	      (st.st_mode & 0777) == 0660, "socket mode %o", st.st_mode);
	app_start(&t);
	test_flow(&t);
	test_conflict(&t);
	test_malformed(&t);

	/* The agent restarts: the app reconnects and registers again. */
	agent_apps_stop();
	CHECK(access(sock_path, F_OK) != 0, "socket removed at stop");
	CHECK(wait_for(&t.seen.registered, 0, 1000), "app saw the agent go");
	rc = agent_apps_start(sock_path, err, sizeof(err));
	CHECK(rc == 0, "restart: %s", err);
	CHECK(wait_for(&t.seen.registered, 1, 3000), "app registered again");
	rc = agent_apps_prepare(&k, 1000, &blob, &len, reason, sizeof(reason));
	CHECK(rc == 0 && len == 11, "after the restart: %d (%s)", rc, reason);
	free(blob);

	/* The app goes away: its service is no longer served. */
	app_stop(&t);
	for (int i = 0; i < 200; i++) {
		rc = agent_apps_prepare(&k, 1000, &blob, &len, reason,
					sizeof(reason));
		if (rc == -ENOENT)
			break;
		free(blob);
		usleep(5000);
	}
	CHECK(rc == -ENOENT, "app gone: %d (%s)", rc, reason);

	agent_apps_stop();
	*strrchr(sock_path, '/') = '\0';
	rmdir(sock_path);
	rmdir(dir);
	printf("test_apps: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
