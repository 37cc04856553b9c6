// SPDX-License-Identifier: GPL-2.0
/*
 * lbnld's /metrics over HTTP, with libmicrohttpd (metrics.c says what is
 * served).
 *
 * MHD runs its own thread (MHD_USE_INTERNAL_POLLING_THREAD, one thread
 * for every connection: MHD_USE_THREAD_PER_CONNECTION is not used), and
 * each scrape is answered there, on a netlink handle that thread opens
 * for the scrape and closes after it. Rather than MHD's external mode in
 * lbnld's poll() loop: a scrape dumps every VIP and dest, which takes
 * time with many of them; in the loop it would delay reading the
 * module's events, confirming bypasses and writing routes, in a thread
 * of its own it delays only other scrapes. The thread
 * shares nothing with the loop but lbnld's own counters (under their
 * lock, metrics.c); the loop's netlink handles are not used from it.
 * The thread is created after lbnld blocked the signals its signalfd
 * takes, so it inherits the blocked set and never takes SIGHUP or
 * SIGTERM itself.
 *
 * The listening socket has SO_REUSEADDR (MHD's default: a restarted
 * lbnld binds at once) but not SO_REUSEPORT (MHD's option
 * LISTENING_ADDRESS_REUSE): a second lbnld on the same port fails to
 * serve metrics instead of sharing the port.
 *
 * GET and HEAD of /metrics only: 404 for another path, 405 for another
 * method; 500 (logged once until a scrape succeeds again) if the module
 * cannot be read. At most CONNECTIONS_MAX connections, each closed after
 * TIMEOUT_S idle.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "lbnld.h"

#define CONNECTIONS_MAX	16
#define TIMEOUT_S	10
#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct lbnld_metrics_http {
	struct MHD_Daemon *daemon;
	struct lbnld_metrics *metrics;
	struct lbnl_endpoint at;
	bool failing;			/* MHD's thread only */
};

static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	char text[512];
	size_t n;

	(void)arg;
	vsnprintf(text, sizeof(text), fmt, ap);
	n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	lbnl_log(LOG_WARNING, "metrics: %s", text);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     char *body, size_t len, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) !=
	    MHD_YES ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	     MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") !=
	     MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn,
				  unsigned int status, const char *text)
{
	char *body = strdup(text);

	if (!body)
		return MHD_NO;
	return reply(conn, status, body, strlen(body),
		     "text/plain; charset=utf-8");
}

static enum MHD_Result scrape(struct lbnld_metrics_http *h,
			      struct MHD_Connection *conn)
{
	struct lbnld_metrics_snapshot s;
	char *body = NULL, msg[160];
	size_t len = 0;
	FILE *f;
	int err;

	err = lbnld_metrics_collect(h->metrics, &s);
	if (err) {
		lbnld_metrics_snapshot_free(&s);
		snprintf(msg, sizeof(msg),
			 "reading the lbnl module's counters: %s\n",
			 strerror(-err));
		if (!h->failing)
			lbnl_log(LOG_WARNING, "metrics: %s (said once)", msg);
		h->failing = true;
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
	}
	h->failing = false;
	f = open_memstream(&body, &len);
	if (!f) {
		lbnld_metrics_snapshot_free(&s);
		return MHD_NO;
	}
	err = lbnld_metrics_render(&s, f);
	lbnld_metrics_snapshot_free(&s);
	if (fclose(f) || err) {
		free(body);
		return MHD_NO;
	}
	return reply(conn, MHD_HTTP_OK, body, len, CONTENT_TYPE);
}

static enum MHD_Result on_request(void *arg, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "only GET and HEAD\n");
	if (strcmp(url, "/metrics"))
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
				  "lbnld serves /metrics only\n");
	return scrape(arg, conn);
}

int lbnld_metrics_http_start(struct lbnld_metrics *m,
			     const struct lbnl_endpoint *at,
			     struct lbnld_metrics_http **out)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	char text[LBNL_ADDRPORTSTRLEN];
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	struct lbnld_metrics_http *h;
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	lbnld_endpoint_text(at, text, sizeof(text));
	if (at->addr.family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(at->port);
		memcpy(&sin6->sin6_addr, &at->addr.v6, sizeof(sin6->sin6_addr));
		/* [::]: IPv4 too, as the agents' listen does. */
		flags |= memcmp(&at->addr.v6, &any6, sizeof(any6)) ?
			 MHD_USE_IPv6 : MHD_USE_DUAL_STACK;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(at->port);
		memcpy(&sin->sin_addr, &at->addr.v4, sizeof(sin->sin_addr));
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		lbnl_log(LOG_ERR, "metrics: out of memory");
		return -1;
	}
	h->metrics = m;
	h->at = *at;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_CONNECTION_LIMIT,
				     (unsigned int)CONNECTIONS_MAX,
				     MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned int)TIMEOUT_S,
				     MHD_OPTION_END);
	if (!h->daemon) {
		lbnl_log(LOG_ERR, "metrics: cannot serve http://%s/metrics (see above): not served until the next SIGHUP",
			  text);
		free(h);
		return -1;
	}
	lbnl_log(LOG_INFO, "metrics on http://%s/metrics", text);
	*out = h;
	return 0;
}

void lbnld_metrics_http_stop(struct lbnld_metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}

const struct lbnl_endpoint *
lbnld_metrics_http_at(const struct lbnld_metrics_http *h)
{
	return &h->at;
}
