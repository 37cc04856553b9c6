// SPDX-License-Identifier: GPL-2.0
/*
 * The checkers: one probe of one dest, within the check's timeout, on the
 * calling thread (health.c gives each check a thread of its own, so a
 * probe may block). One row per checker, no protocol written here:
 *
 *	tcp	connect(): the handshake completes (then closed)
 *	sctp	connect() on an SCTP socket: the association is set up
 *		(INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK), then shut down
 *		by close()
 *	http	libcurl: a GET, whose status must be the expected one; a
 *	https	server that accepts but never answers fails by timeout.
 *		https checks the certificate only with "verify" (against
 *		the system's CAs, or those of "ca-file")
 *	command	/bin/sh -c COMMAND (run.c): exit status 0, within timeout
 *	sctp heartbeat	health_sctp.c
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <curl/curl.h>

#include "health.h"
#include "lbnld.h"

struct checker {
	int (*probe)(const struct lbnld_check *c, struct lbnld_probe_ctx *ctx,
		     char *why, size_t len);
};

static void sockaddr_of(const struct lbnl_endpoint *e,
			struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = e->addr.v4;
		sin->sin_port = htons(e->port);
		*sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = e->addr.v6;
		sin6->sin6_port = htons(e->port);
		*sl = sizeof(*sin6);
	}
}

/*
 * A connection (association) set up within the timeout: 0 and *fd, or -1
 * with why.
 */
int lbnld_probe_connect(const struct lbnld_check *c, int protocol, int *out,
			char *why, size_t len)
{
	struct sockaddr_storage ss;
	struct lbnl_endpoint at;
	struct pollfd pfd;
	socklen_t sl, el = sizeof(int);
	int fd, err = 0, n;

	lbnld_check_target(c, &at);
	sockaddr_of(&at, &ss, &sl);
	fd = socket(at.addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    protocol);
	if (fd < 0) {
		snprintf(why, len, "cannot open a socket: %s",
			 strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		err = errno;
	} else {
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		do
			n = poll(&pfd, 1, (int)c->timeout_ms);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			err = ETIMEDOUT;
		else if (n < 0)
			err = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el))
			err = errno;
	}
	if (!err) {
		*out = fd;
		return 0;
	}
	close(fd);
	if (err == ETIMEDOUT)
		snprintf(why, len, "no answer within %u ms", c->timeout_ms);
	else
		snprintf(why, len, "%s", strerror(err));
	return -1;
}

/* Set up, then closed. */
static int probe_connect(const struct lbnld_check *c, int protocol,
			 char *why, size_t len)
{
	int fd;

	if (lbnld_probe_connect(c, protocol, &fd, why, len))
		return -1;
	close(fd);
	return 0;
}

static int probe_tcp(const struct lbnld_check *c, struct lbnld_probe_ctx *ctx,
		     char *why, size_t len)
{
	(void)ctx;
	return probe_connect(c, IPPROTO_TCP, why, len);
}

static int probe_sctp(const struct lbnld_check *c,
		      struct lbnld_probe_ctx *ctx, char *why, size_t len)
{
	(void)ctx;
	return probe_connect(c, IPPROTO_SCTP, why, len);
}

/* The body is not looked at: thrown away as it comes. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* The URL to GET: as configured, or a path on the dest. */
static void url_of(const struct lbnld_check *c, char *buf, size_t len)
{
	char host[LBNL_ADDRPORTSTRLEN];
	struct lbnl_endpoint at;

	if (c->url[0] != '/') {
		snprintf(buf, len, "%s", c->url);
		return;
	}
	lbnld_check_target(c, &at);
	lbnl_format_addr_port(&at.addr, at.port, host, sizeof(host));
	snprintf(buf, len, "%s://%s%s", lbnld_check_kind_name(c->kind), host,
		 c->url);
}

static int probe_http(const struct lbnld_check *c,
		      struct lbnld_probe_ctx *ctx, char *why, size_t len)
{
	char url[LBNLD_CHECK_URL_MAX + LBNL_ADDRPORTSTRLEN + 16];
	char errbuf[CURL_ERROR_SIZE] = "";
	bool tls = c->kind == LBNLD_CHECK_HTTPS;
	long status = 0;
	CURLcode rc;
	CURL *curl;

	(void)ctx;
	url_of(c, url, sizeof(url));
	curl = curl_easy_init();
	if (!curl) {
		snprintf(why, len, "libcurl: out of memory");
		return -1;
	}
	/* Threads: no signal for timeouts (libcurl's own resolver waits). */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, tls ? "https" : "http");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "lbnld-health-check");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	if (tls && !c->verify) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (tls && c->ca_file[0])
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, len, "no answer within %u ms", c->timeout_ms);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(why, len, "%s", errbuf[0] ? errbuf :
			 curl_easy_strerror(rc));
		return -1;
	}
	if (status != (long)c->status) {
		snprintf(why, len, "status %ld, expected %u", status,
			 c->status);
		return -1;
	}
	return 0;
}

static int probe_command(const struct lbnld_check *c,
			 struct lbnld_probe_ctx *ctx, char *why, size_t len)
{
	const char *args[] = { "/bin/sh", "-c", c->command, NULL };
	int err;

	(void)ctx;
	err = lbnld_run_ms("check", args, c->timeout_ms, "timeout", true);
	if (!err)
		return 0;
	if (err == -ETIMEDOUT)
		snprintf(why, len, "killed after %u ms", c->timeout_ms);
	else if (err == -EIO)
		snprintf(why, len, "failed (exit status not 0)");
	else
		snprintf(why, len, "cannot run it: %s", strerror(-err));
	return -1;
}

static const struct checker checkers[LBNLD_CHECK_KINDS] = {
	[LBNLD_CHECK_TCP] = { probe_tcp },
	[LBNLD_CHECK_SCTP] = { probe_sctp },
	[LBNLD_CHECK_HTTP] = { probe_http },
	[LBNLD_CHECK_HTTPS] = { probe_http },
	[LBNLD_CHECK_COMMAND] = { probe_command },
	[LBNLD_CHECK_SCTP_HEARTBEAT] = { lbnld_probe_sctp_heartbeat },
};

int lbnld_probe_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void lbnld_probe_cleanup(void)
{
	curl_global_cleanup();
}

int lbnld_probe(const struct lbnld_check *c, struct lbnld_probe_ctx *ctx,
		char *why, size_t len)
{
	struct lbnld_probe_ctx own = LBNLD_PROBE_CTX_INIT;
	int ret;

	why[0] = '\0';
	if (c->kind >= LBNLD_CHECK_KINDS) {
		snprintf(why, len, "unknown checker");
		return -1;
	}
	ret = checkers[c->kind].probe(c, ctx ? ctx : &own, why, len);
	lbnld_probe_end(&own);
	return ret;
}

void lbnld_probe_end(struct lbnld_probe_ctx *ctx)
{
	if (ctx->fd >= 0)
		close(ctx->fd);
	ctx->fd = -1;
}
