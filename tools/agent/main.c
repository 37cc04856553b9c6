// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl-agent: options, configuration file, the TLS identity, the
 * listening socket and the accept loop (handshakes on ctl.h's gate
 * thread, then one thread per authenticated connection), the shutdown.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "apps.h"
#include "util.h"

struct agent_conf agent_conf;
struct lbnl_ctl_tls *agent_tls;
volatile int agent_stopping;

static const char usage_text[] =
	"Usage: lbnl-agent [-f] [-v] [-c CONF] [-A CAFILE] [-C CERTFILE]\n"
	"                  [-k KEYFILE] [-l ADDR[:PORT]] [-n NAME] [-a APP_SOCKET]\n"
	"       lbnl-agent -h|--help|-V|--version\n"
	"\n"
	"The server side of lbnl's live SCTP migration: exports an association\n"
	"for lbnld (source), imports one from another agent (target).\n"
	"\n"
	"  -c, --config FILE      configuration (default " AGENT_CONF_PATH
	", optional)\n"
	"  -A, --ca-file FILE     the cluster's CA certificate\n"
	"                         (default " LBNL_CTL_CA_FILE ")\n"
	"  -C, --cert-file FILE   this host's certificate (role lbnl:agent,\n"
	"                         its dests' addresses; default\n"
	"                         " LBNL_CTL_CERT_FILE ")\n"
	"  -k, --key-file FILE    this host's private key (mode 600, owned by\n"
	"                         the user running it or root; default\n"
	"                         " LBNL_CTL_KEY_FILE ")\n"
	"  -l, --listen ADDR[:PORT]  control address (default [::]:7342)\n"
	"  -n, --name NAME        this host's name in the peers' logs\n"
	"                         (default: the host name)\n"
	"  -a, --app-socket PATH  the applications' socket\n"
	"                         (default " AGENT_APP_SOCKET ")\n"
	"  -f, --foreground       stay in the foreground, log to stderr\n"
	"  -v, --verbose          log every message\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n"
	"\n"
	"Exit status: 0 success (or stopped by SIGTERM/SIGINT), 1 failure,\n"
	"2 usage.\n";

int64_t agent_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *agent_endpoint_str(const struct lbnl_endpoint *ep, char *buf,
			       size_t len)
{
	return lbnl_format_addr_port(&ep->addr, ep->port, buf, len);
}

const char *agent_assoc_str(const struct lbnl_assoc_key *k, char *buf,
			    size_t len)
{
	return lbnl_format_addr_port(&k->paddr, k->pport, buf, len);
}

/* Configuration ---------------------------------------------------------- */

static int parse_listen(const char *s, struct lbnl_endpoint *ep)
{
	bool has_port;
	int err;

	err = lbnl_parse_addr_port(s, &ep->addr, &ep->port, &has_port);
	if (err)
		return err;
	if (!has_port)
		ep->port = LBNL_CTL_AGENT_PORT;
	return 0;
}

static int copy_value(char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size)
		return -1;
	strcpy(dst, v);
	return 0;
}

/*
 * "keyword value" lines, '#' comments. Settings given on the command line
 * (set) win over the file's.
 */
static int read_conf(const char *path, bool must_exist, unsigned int set)
{
	char line[512], *kw, *val, *extra, *save;
	unsigned int seen = 0;
	int lineno = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		fprintf(stderr, "lbnl-agent: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		static const char *const kws[] = {
			"listen", "key-file", "name", "app-socket",
			"export-timeout-ms", "ca-file", "cert-file",
		};
		unsigned int i;
		char *hash = strchr(line, '#');
		const char *what = NULL;

		lineno++;
		if (hash)
			*hash = '\0';
		kw = strtok_r(line, " \t\r\n", &save);
		if (!kw)
			continue;
		val = strtok_r(NULL, " \t\r\n", &save);
		extra = val ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		for (i = 0; i < ARRAY_SIZE(kws); i++)
			if (!strcmp(kw, kws[i]))
				break;
		if (i == ARRAY_SIZE(kws)) {
			fprintf(stderr, "lbnl-agent: %s:%d: unknown keyword "
				"'%s'\n", path, lineno, kw);
			goto fail;
		}
		if (!val || extra) {
			fprintf(stderr, "lbnl-agent: %s:%d: %s takes one "
				"value\n", path, lineno, kw);
			goto fail;
		}
		if (seen & (1U << i)) {
			fprintf(stderr, "lbnl-agent: %s:%d: %s given twice\n",
				path, lineno, kw);
			goto fail;
		}
		seen |= 1U << i;
		if (set & (1U << i))
			continue;
		switch (i) {
		case 0:
			if (parse_listen(val, &agent_conf.listen))
				what = "not an ADDR[:PORT]";
			break;
		case 1:
			if (copy_value(agent_conf.key_file,
				       sizeof(agent_conf.key_file), val))
				what = "too long";
			break;
		case 2:
			if (copy_value(agent_conf.name,
				       sizeof(agent_conf.name), val))
				what = "too long";
			break;
		case 3:
			if (copy_value(agent_conf.app_socket,
				       sizeof(agent_conf.app_socket), val))
				what = "too long";
			break;
		case 4:
			if (lbnl_parse_u32(val, &agent_conf.export_timeout_ms) ||
			    !agent_conf.export_timeout_ms ||
			    agent_conf.export_timeout_ms > 60000)
				what = "not a number from 1 to 60000";
			break;
		case 5:
			if (copy_value(agent_conf.ca_file,
				       sizeof(agent_conf.ca_file), val))
				what = "too long";
			break;
		case 6:
			if (copy_value(agent_conf.cert_file,
				       sizeof(agent_conf.cert_file), val))
				what = "too long";
			break;
		}
		if (what) {
			fprintf(stderr, "lbnl-agent: %s:%d: %s '%s': %s\n",
				path, lineno, kw, val, what);
			goto fail;
		}
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}

/* Listening and threads -------------------------------------------------- */

static int listen_on(const struct lbnl_endpoint *ep)
{
	struct sockaddr_storage ss = { 0 };
	char buf[LBNL_ADDRPORTSTRLEN];
	socklen_t sl;
	int fd, one = 1, zero = 0;

	if (ep->addr.family == AF_INET) {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr = ep->addr.v4;
		s4->sin_port = htons(ep->port);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = ep->addr.v6;
		s6->sin6_port = htons(ep->port);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)	/* [::] takes IPv4 too */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 1024))
		goto fail;
	return fd;
fail:
	lbnl_log(LOG_ERR, "listen on %s: %s",
		  agent_endpoint_str(ep, buf, sizeof(buf)), strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static void *session_thread(void *arg)
{
	agent_serve(arg);
	return NULL;
}

/* The gate authenticated c: a thread for it, if a slot is free. */
static void on_authenticated(struct lbnl_ctl_conn *c, void *arg)
{
	static int64_t last_log;
	pthread_attr_t attr;
	pthread_t t;
	int err;

	(void)arg;
	if (agent_stopping || !agent_session_claim()) {
		if (agent_now() - last_log >= 10000) {
			lbnl_log(LOG_WARNING, "%s: closed: %s", lbnl_ctl_peer(c),
				  agent_stopping ? "stopping" :
				  "too many sessions at once");
			last_log = agent_now();
		}
		lbnl_ctl_close(c);
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	err = pthread_create(&t, &attr, session_thread, c);
	pthread_attr_destroy(&attr);
	if (err) {
		lbnl_log(LOG_ERR, "no thread for a connection: %s",
			  strerror(err));
		/* agent_serve() frees the slot: serve it here, briefly. */
		agent_serve(c);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	agent_stopping = 1;
}

static int accept_loop(int lfd, struct lbnl_ctl_gate *gate)
{
	while (!agent_stopping) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int fd;

		int i;

		if (poll(&pfd, 1, 500) <= 0)
			continue;
		/* All that wait (a flood must not fill the backlog). */
		for (i = 0; i < 256; i++) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				break;
			lbnl_ctl_gate_add(gate, fd);
		}
		if (fd < 0 && errno != EINTR && errno != EAGAIN &&
		    errno != ECONNABORTED) {
			lbnl_log(LOG_ERR, "accept: %s", strerror(errno));
			usleep(100 * 1000);	/* EMFILE and the like */
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "ca-file", required_argument, NULL, 'A' },
		{ "cert-file", required_argument, NULL, 'C' },
		{ "listen", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "app-socket", required_argument, NULL, 'a' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = AGENT_CONF_PATH;
	bool conf_given = false;
	unsigned int set = 0;	/* bits as read_conf()'s keywords */
	char err[512], buf[LBNL_ADDRPORTSTRLEN];
	struct sigaction sa = { .sa_handler = on_signal };
	struct lbnl_ctl_gate *gate;
	int c, lfd;

	parse_listen("[::]", &agent_conf.listen);
	snprintf(agent_conf.key_file, sizeof(agent_conf.key_file), "%s",
		 LBNL_CTL_KEY_FILE);
	snprintf(agent_conf.cert_file, sizeof(agent_conf.cert_file), "%s",
		 LBNL_CTL_CERT_FILE);
	snprintf(agent_conf.ca_file, sizeof(agent_conf.ca_file), "%s",
		 LBNL_CTL_CA_FILE);
	snprintf(agent_conf.app_socket, sizeof(agent_conf.app_socket), "%s",
		 AGENT_APP_SOCKET);
	agent_conf.export_timeout_ms = AGENT_EXPORT_TIMEOUT_MS;
	if (gethostname(agent_conf.name, sizeof(agent_conf.name) - 1))
		strcpy(agent_conf.name, "agent");

	while ((c = getopt_long(argc, argv, "+c:k:A:C:l:n:a:fvhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			conf_given = true;
			break;
		case 'k':
			if (copy_value(agent_conf.key_file,
				       sizeof(agent_conf.key_file), optarg))
				goto usage_long;
			set |= 1U << 1;
			break;
		case 'A':
			if (copy_value(agent_conf.ca_file,
				       sizeof(agent_conf.ca_file), optarg))
				goto usage_long;
			set |= 1U << 5;
			break;
		case 'C':
			if (copy_value(agent_conf.cert_file,
				       sizeof(agent_conf.cert_file), optarg))
				goto usage_long;
			set |= 1U << 6;
			break;
		case 'l':
			if (parse_listen(optarg, &agent_conf.listen)) {
				fprintf(stderr, "lbnl-agent: -l '%s': not an "
					"ADDR[:PORT]\n", optarg);
				return 2;
			}
			set |= 1U << 0;
			break;
		case 'n':
			if (copy_value(agent_conf.name,
				       sizeof(agent_conf.name), optarg))
				goto usage_long;
			set |= 1U << 2;
			break;
		case 'a':
			if (copy_value(agent_conf.app_socket,
				       sizeof(agent_conf.app_socket), optarg))
				goto usage_long;
			set |= 1U << 3;
			break;
		case 'f':
			agent_conf.foreground = true;
			break;
		case 'v':
			agent_conf.verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("lbnl-agent %s\n", LBNL_VERSION);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lbnl-agent: unexpected argument '%s'\n",
			argv[optind]);
		fputs(usage_text, stderr);
		return 2;
	}
	if (read_conf(conf_path, conf_given, set))
		return 1;
	if (lbnl_ctl_tls_load(agent_conf.ca_file, agent_conf.cert_file,
			      agent_conf.key_file, &agent_tls, err,
			      sizeof(err))) {
		fprintf(stderr, "lbnl-agent: %s\n", err);
		return 1;
	}
	if (lbnl_ctl_tls_expired(agent_tls)) {
		fprintf(stderr, "lbnl-agent: %s: the certificate has expired\n",
			agent_conf.cert_file);
		return 1;
	}
	if (lbnl_ctl_tls_role(agent_tls) != LBNL_CTL_ROLE_AGENT) {
		fprintf(stderr, "lbnl-agent: %s: not an agent's certificate "
			"(its subjectAltName URI must be lbnl:agent)\n",
			agent_conf.cert_file);
		return 1;
	}

	lbnl_log_init("lbnl-agent", !agent_conf.foreground, agent_conf.verbose);
	agent_apps_set_log(lbnl_log);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on(&agent_conf.listen);
	if (lfd < 0)
		return 1;
	if (!agent_conf.foreground && daemon(0, 0)) {
		lbnl_log(LOG_ERR, "daemon: %s", strerror(errno));
		return 1;
	}
	if (agent_apps_start(agent_conf.app_socket, err, sizeof(err)))
		lbnl_log(LOG_WARNING, "applications' socket %s: %s (every "
			  "association moves transport-only)",
			  agent_conf.app_socket, err);
	c = lbnl_ctl_gate_start(agent_tls, on_authenticated, NULL, &gate);
	if (c) {
		lbnl_log(LOG_ERR, "cannot start the handshake thread: %s",
			  strerror(-c));
		return 1;
	}
	lbnl_log(LOG_INFO, "lbnl-agent %s (%s) listening on %s as %s",
		  LBNL_VERSION, agent_conf.name,
		  agent_endpoint_str(&agent_conf.listen, buf, sizeof(buf)),
		  lbnl_ctl_tls_desc(agent_tls, err, sizeof(err)));

	accept_loop(lfd, gate);
	close(lfd);
	c = agent_sessions_running();
	if (c)
		lbnl_log(LOG_INFO, "stopping: waiting for %d session(s) "
			  "(at most %d s)", c, AGENT_STOP_WAIT_MS / 1000);
	agent_sessions_wait(AGENT_STOP_WAIT_MS);
	c = agent_sessions_running();
	if (c)
		lbnl_log(LOG_ERR, "stopped with %d session(s) unfinished "
			  "(see the log for the associations left silenced)",
			  c);
	agent_apps_stop();
	lbnl_log(LOG_INFO, "stopped");
	return 0;

usage_long:
	fprintf(stderr, "lbnl-agent: option -%c: value too long\n", c);
	return 2;
}
