// SPDX-License-Identifier: GPL-2.0
/*
 * lbnld - the lbnl load balancer's control daemon: keeps the router's
 * routes to the VIPs in line with the module's bypass state (single-
 * address tenants) and confirms each bypass to the module; drives the live
 * SCTP migrations the module opens (migrate.c: the agents do the work)
 * and keeps the migrated associations' entries across LB restarts
 * (records.c).
 *
 *	lbnld [-f] [-v] [-c FILE] [-s DIR] [-k KEYFILE] [-C CERTFILE]
 *	      [-A CAFILE] [-t]
 *
 * One event loop (poll): the module's events, the generic netlink
 * controller's (the module unloaded), signals (signalfd), the control
 * port agents send RESULTs to, and a timer. A MIGRATE_START event has
 * the open migrations dumped and a session thread started for each new
 * one (migrate.c); migrations open when lbnld starts are left alone. Any
 * configuration event starts a full reconciliation (reconcile.c) a few
 * milliseconds later, so that a burst of events costs one; a
 * MIGRATE_COMMIT one within COMMIT_MS (its record); one also runs at
 * start, on SIGHUP, after lost events, every minute, and again after a
 * failure (backing off up to a minute). Connecting to the module (at
 * start, or after it was reloaded: watch.c) is a new instance for the
 * records: nothing is taken for ended before it was seen in its table.
 *
 * Each module instance it connects to is held until it is ready
 * (ready.c): configured (lbnld restores a module without VIPs itself if
 * restore-file is set) and its migrated associations' entries installed;
 * until then no route is written or removed.
 *
 * SIGTERM and SIGINT (systemctl stop) withdraw: every route of lbnld's is
 * removed, so that the router (BIRD) stops sending this LB traffic, then
 * lbnld exits; the module keeps forwarding what still arrives. With
 * "on-stop keep" the routes stay as they are, as they do when lbnld
 * crashes: the router keeps sending each VIP's traffic where it goes now,
 * which stays right while the module's configuration does not change, and
 * lbnld mends whatever changed when it starts again. Migration sessions
 * still running are abandoned: the module rolls them back at their
 * deadlines.
 *
 * /metrics (Prometheus) is served by a thread of libmicrohttpd's
 * (metrics_http.c says why not in this loop); the loop only counts the
 * module's migration events for it (metrics.c).
 *
 * In an LB group ("group" line) a thread of its own follows the group's
 * store and applies each new configuration (group.c); a new module
 * instance is ready once one is applied to it.
 *
 * Health checks ("check" lines) run in threads of their own (health.c):
 * a probe may block up to its timeout, never this loop, which only hands
 * them the configuration at start and on SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/lbnl.h>

#include "ctl.h"
#include "group.h"
#include "health.h"
#include "lbnld.h"
#include "transport.h"

#ifndef LBNL_VERSION
#define LBNL_VERSION "0.1.0"
#endif

#define CONNECT_RETRY_MS	1000
#define COALESCE_MS		10	/* after an event, before reconciling */
#define COMMIT_MS		100	/* after a commit: a burst is one dump */
#define RESYNC_MS		60000	/* a full reconciliation at least */
#define BACKOFF_MIN_MS		1000	/* after a failure, doubling ... */
#define BACKOFF_MAX_MS		60000	/* ... up to this */
#define EVENT_BATCHES		64	/* read at most, then look around */

enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE };

struct daemon {
	struct lbnld ld;
	const char *conf_path;
	bool conf_required;		/* -c given: the file must exist */
	const char *key_path;		/* -k: over key-file */
	const char *cert_path;		/* -C: over cert-file */
	const char *ca_path;		/* -A: over ca-file */
	const char *state_path;		/* -s: over state-dir */
	bool foreground;
	bool verbose;
	struct lbnl_nl *events;		/* joined to the events group */
	struct lbnld_watch *watch;	/* NULL if it could not be opened */
	int sigfd;
	bool connected;
	bool absent_logged;
	bool dirty;			/* an event asks for a reconciliation */
	bool committed;			/* a MIGRATE_COMMIT: record it soon */
	long long next_connect;		/* monotonic ms */
	long long next_reconcile;
	int backoff_ms;
	/* Migrations */
	struct lbnld_migrator *mig;
	int listen_fd;			/* -1: none (no key) */
	struct lbnl_endpoint listening;	/* what listen_fd is bound to */
	bool migrations_changed;	/* a MIGRATE_START: dump them */
	bool migrations_initial;	/* the first dump: only mark seen */
	/* Metrics */
	struct lbnld_metrics *metrics;
	struct lbnld_metrics_http *http;	/* NULL: not served */
	/* Health checks */
	struct lbnld_health *health;
};

/* Configuration ----------------------------------------------------------- */

static void describe_conf(const struct lbnld_conf *c, char *buf, size_t len)
{
	int n;

	if (c->driver == LBNLD_DRIVER_HOOK)
		n = snprintf(buf, len, "driver hook %s (hook-timeout %u s)",
			     c->hook, c->hook_timeout);
	else
		n = snprintf(buf, len, "driver table: table %u, protocol %u, self-dev %s",
			     c->table, c->protocol, c->self_dev);
	if (c->n_checks && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "; %zu health check%s",
			      c->n_checks, c->n_checks == 1 ? "" : "s");
	if (c->group && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "; group etcd %s prefix %s",
			 c->group_store.etcd.url, c->group_store.prefix);
}

static bool log_to_syslog(const struct daemon *dm, const struct lbnld_conf *c)
{
	if (c->log == LBNLD_LOG_AUTO)
		return !dm->foreground;
	return c->log == LBNLD_LOG_SYSLOG;
}

/* Make c the configuration in use: its driver, and its socket. */
static int use_conf(struct daemon *dm, const struct lbnld_conf *c)
{
	struct lbnld *ld = &dm->ld;
	int err;

	if (c->driver == LBNLD_DRIVER_TABLE && !ld->rtnl) {
		err = lbnl_route_nl_open(&ld->rtnl);
		if (err) {
			lbnl_log(LOG_ERR, "cannot open an rtnetlink socket: %s",
				  strerror(-err));
			return err;
		}
	}
	if (c->driver == LBNLD_DRIVER_HOOK && ld->rtnl) {
		lbnl_nl_close(ld->rtnl);
		ld->rtnl = NULL;
	}
	/* A new hook knows nothing yet: tell it everything. */
	if (c->driver != LBNLD_DRIVER_HOOK || strcmp(c->hook, ld->conf.hook))
		lbnld_route_list_free(&ld->told);
	/* c's checks are ld->conf's from now on. */
	if (ld->conf.checks != c->checks)
		lbnld_conf_free(&ld->conf);
	ld->conf = *c;
	ld->driver = c->driver == LBNLD_DRIVER_HOOK ? &lbnld_hook_driver :
						      &lbnld_table_driver;
	return 0;
}

/* -k, -C, -A, -s over key-file, cert-file, ca-file, state-dir. */
static void apply_options(const struct daemon *dm, struct lbnld_conf *c)
{
	if (dm->state_path)
		snprintf(c->state_dir, sizeof(c->state_dir), "%s",
			 dm->state_path);
	if (dm->key_path)
		snprintf(c->key_file, sizeof(c->key_file), "%s", dm->key_path);
	if (dm->cert_path)
		snprintf(c->cert_file, sizeof(c->cert_file), "%s",
			 dm->cert_path);
	if (dm->ca_path)
		snprintf(c->ca_file, sizeof(c->ca_file), "%s", dm->ca_path);
}

/*
 * The migrations' part of c: the TLS identity, the listening socket.
 * Without a key lbnld drives no migration (and says so, once per
 * migration).
 */
static void use_migration_conf(struct daemon *dm, const struct lbnld_conf *c)
{
	char err[PATH_MAX + 128], text[LBNL_ADDRPORTSTRLEN];
	struct lbnl_ctl_tls *tls = NULL;
	bool has_key = false;

	if (!c->key_file[0]) {
		lbnl_log(LOG_NOTICE, "no key-file: migrations are not driven (the module rolls them back at their deadlines)");
	} else if (lbnl_ctl_tls_load(c->ca_file, c->cert_file, c->key_file,
				     &tls, err, sizeof(err))) {
		lbnl_log(LOG_ERR, "%s: migrations are not driven (the module rolls them back at their deadlines)",
			  err);
	} else if (lbnl_ctl_tls_expired(tls)) {
		lbnl_log(LOG_ERR, "%s: the certificate has expired: migrations are not driven",
			  c->cert_file);
		lbnl_ctl_tls_put(tls);
		tls = NULL;
	} else if (lbnl_ctl_tls_role(tls) != LBNL_CTL_ROLE_LBNLD) {
		lbnl_log(LOG_ERR, "%s: not an LB's certificate (its subjectAltName URI must be lbnl:lb): migrations are not driven",
			  c->cert_file);
		lbnl_ctl_tls_put(tls);
		tls = NULL;
	} else {
		has_key = true;
		lbnl_log(LOG_INFO, "TLS identity %s",
			  lbnl_ctl_tls_desc(tls, err, sizeof(err)));
	}
	lbnld_migrator_configure(dm->mig, c, tls);
	lbnl_ctl_tls_put(tls);
	lbnld_endpoint_text(&c->listen, text, sizeof(text));
	if (dm->listen_fd >= 0 && (!has_key ||
	    !lbnl_addr_equal(&dm->listening.addr, &c->listen.addr) ||
	    dm->listening.port != c->listen.port)) {
		close(dm->listen_fd);
		dm->listen_fd = -1;
	}
	if (!has_key || dm->listen_fd >= 0)
		return;
	dm->listen_fd = lbnld_listen_open(c, err, sizeof(err));
	if (dm->listen_fd < 0) {
		lbnl_log(LOG_ERR, "%s: agents that lost their connection cannot send their RESULTs here",
			  err);
		return;
	}
	dm->listening = c->listen;
	lbnl_log(LOG_INFO, "listening for agents' RESULTs on %s", text);
}

/* Serve /metrics where c says (or stop), if that changed. */
static void use_metrics_conf(struct daemon *dm, const struct lbnld_conf *c)
{
	const struct lbnl_endpoint *at = dm->http ?
		lbnld_metrics_http_at(dm->http) : NULL;

	if (at && !c->metrics_off &&
	    lbnl_addr_equal(&at->addr, &c->metrics_listen.addr) &&
	    at->port == c->metrics_listen.port)
		return;
	if (dm->http) {
		lbnld_metrics_http_stop(dm->http);
		dm->http = NULL;
		if (c->metrics_off)
			lbnl_log(LOG_INFO, "metrics-listen none: /metrics no longer served");
	}
	if (!c->metrics_off)
		lbnld_metrics_http_start(dm->metrics, &c->metrics_listen,
					 &dm->http);
}

static void reload(struct daemon *dm)
{
	struct lbnld_conf c, *old = &dm->ld.conf;
	char err[512], text[PATH_MAX + 64];

	lbnld_conf_defaults(&c);
	if (lbnld_conf_load(dm->conf_path, dm->conf_required, &c, err,
			    sizeof(err))) {
		lbnl_log(LOG_ERR, "%s: keeping the configuration in use", err);
		return;
	}
	apply_options(dm, &c);
	if (strcmp(c.state_dir, old->state_dir))
		lbnl_log(LOG_NOTICE, "state-dir %s: read at start only; the records stay in %s until lbnld restarts",
			  c.state_dir, old->state_dir);
	if (old->driver == LBNLD_DRIVER_TABLE &&
	    (c.driver != LBNLD_DRIVER_TABLE || c.table != old->table ||
	     c.protocol != old->protocol))
		lbnl_log(LOG_NOTICE, "the routes in table %u (protocol %u) are left in place: 'ip route flush table %u proto %u' and 'ip -6 route flush table %u proto %u' remove them",
			  old->table, old->protocol, old->table, old->protocol,
			  old->table, old->protocol);
	if (c.group != old->group ||
	    memcmp(&c.group_store, &old->group_store, sizeof(c.group_store)))
		lbnl_log(LOG_NOTICE, "group: read at start only; restart lbnld to join, leave or change its group");
	/* The group in use stays: its thread holds its own copy. */
	c.group = old->group;
	c.group_store = old->group_store;
	if (c.group && c.restore_file[0]) {
		lbnl_log(LOG_NOTICE, "restore-file %s ignored: lbnld runs its group's configuration until it restarts",
			  c.restore_file);
		c.restore_file[0] = '\0';
	}
	if (use_conf(dm, &c)) {
		lbnld_conf_free(&c);
		return;
	}
	lbnl_log_init("lbnld", log_to_syslog(dm, &c), dm->verbose);
	describe_conf(&c, text, sizeof(text));
	lbnl_log(LOG_NOTICE, "configuration reloaded: %s", text);
	use_migration_conf(dm, &c);
	use_metrics_conf(dm, &c);
	lbnld_health_configure(dm->health, c.checks, c.n_checks);
	dm->next_reconcile = lbnld_now_ms();
}

/* The module -------------------------------------------------------------- */

/* The events that may change routing, by name; NULL for the others. */
static const char *routing_event(uint8_t cmd)
{
	switch (cmd) {
	case LBNL_CMD_VIP_NEW:		return "vip_new";
	case LBNL_CMD_VIP_SET:		return "vip_set";
	case LBNL_CMD_VIP_DEL:		return "vip_del";
	case LBNL_CMD_DEST_NEW:		return "dest_new";
	case LBNL_CMD_DEST_SET:		return "dest_set";
	case LBNL_CMD_DEST_DEL:		return "dest_del";
	case LBNL_CMD_FLUSH:		return "flush";
	case LBNL_CMD_VIP_BYPASS:	return "vip_bypass";
	case LBNL_CMD_VIP_UNBYPASS:	return "vip_unbypass";
	default:	/* our own BYPASS_ACTIVE, associations */
		return NULL;
	}
}

static void on_event(const struct lbnl_event *ev, void *arg)
{
	const char *name = routing_event(ev->cmd);
	char key[LBNL_ADDRPORTSTRLEN + 16] = "";
	struct daemon *dm = arg;

	lbnld_metrics_event(dm->metrics, ev);
	switch (ev->cmd) {
	case LBNL_CMD_MIGRATE_START:
		dm->migrations_changed = true;
		return;
	case LBNL_CMD_MIGRATE_COMMIT:
		/* Whoever committed it: the table flags it, we record it. */
		dm->committed = true;
		lbnld_migrator_event(dm->mig, ev);
		return;
	case LBNL_CMD_MIGRATE_ABORT:
		lbnld_migrator_event(dm->mig, ev);
		return;
	case LBNL_CMD_VIP_DEL:
	case LBNL_CMD_DEST_DEL:
	case LBNL_CMD_FLUSH:
		if (dm->ld.records)
			lbnld_records_event(dm->ld.records, ev);
		break;
	}
	if (!name)
		return;
	if (ev->has_vip)
		lbnld_vip_text(&ev->vip.key, key, sizeof(key));
	lbnl_log(LOG_DEBUG, "event %s %s", name, key);
	dm->dirty = true;
}

static void disconnect(struct daemon *dm, const char *why)
{
	lbnl_nl_close(dm->events);
	lbnl_nl_close(dm->ld.lbnl);
	dm->events = NULL;
	dm->ld.lbnl = NULL;
	dm->connected = false;
	dm->absent_logged = false;
	dm->next_connect = lbnld_now_ms() + CONNECT_RETRY_MS;
	/*
	 * Alone, the LB leaves its routes: the router has nowhere else to
	 * send the VIPs. In a group the other LBs serve them: this one
	 * withdraws until its module is back and runs the group's revision.
	 */
	if (dm->ld.group) {
		lbnl_log(LOG_WARNING, "%s: withdrawing this LB from the group; waiting for the lbnl module",
			  why);
		lbnld_withdraw(&dm->ld, "no module");
		return;
	}
	lbnl_log(LOG_WARNING, "%s: routes left in place; waiting for the lbnl module",
		  why);
}

/*
 * Join the events group first, then open the request handle: no change can
 * fall between the events and the reconciliation's dump.
 */
static int connect_module(struct daemon *dm)
{
	int err, fd;

	err = lbnl_nl_open(&dm->events);
	if (!err)
		err = lbnl_events_join(dm->events);
	if (!err) {
		fd = lbnl_nl_fd(dm->events);
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
			err = -errno;
	}
	if (!err)
		err = lbnl_nl_open(&dm->ld.lbnl);
	if (err) {
		lbnl_nl_close(dm->events);
		dm->events = NULL;
	}
	return err;
}

static void try_connect(struct daemon *dm)
{
	int err = connect_module(dm);

	if (err) {
		if (!dm->absent_logged)
			lbnl_log(err == -ENOENT ? LOG_NOTICE : LOG_ERR,
				  "%s: retrying every second",
				  err == -ENOENT ? "the lbnl module is not loaded (no generic netlink family lbnl)" :
						   strerror(-err));
		dm->absent_logged = true;
		dm->next_connect = lbnld_now_ms() + CONNECT_RETRY_MS;
		return;
	}
	lbnl_log(LOG_NOTICE, "connected to the lbnl module: no route written or removed until it is ready");
	dm->connected = true;
	lbnld_ready_hold(&dm->ld);
	/* In a group: the group's configuration applied to it again. */
	if (dm->ld.group)
		lbnld_group_new_instance(dm->ld.group);
	/* Its table has not been read: no record has ended in it yet. */
	if (dm->ld.records)
		lbnld_records_new_instance(dm->ld.records);
	/* Those open now may be in a source agent's hands: left alone. */
	dm->migrations_changed = true;
	dm->migrations_initial = true;
	dm->next_reconcile = lbnld_now_ms();
	dm->backoff_ms = BACKOFF_MIN_MS;
}

static void read_events(struct daemon *dm)
{
	int i, err;

	for (i = 0; i < EVENT_BATCHES; i++) {
		err = lbnl_events_read(dm->events, on_event, dm);
		if (err == -EAGAIN || err == -EWOULDBLOCK)
			break;
		if (err == -ENOBUFS) {
			lbnl_log(LOG_WARNING, "events lost (queue overflow): reading everything again");
			lbnld_metrics_events_lost(dm->metrics);
			dm->dirty = true;
		} else if (err && err != -EINTR) {
			lbnl_log(LOG_ERR, "reading events: %s", strerror(-err));
			dm->dirty = true;
			break;
		}
	}
}

/* The open migrations: a session for each new one (migrate.c). */
static void dump_migrations(struct daemon *dm)
{
	struct lbnl_migrate_list l = { 0 };
	int err;

	err = lbnl_migrate_dump(dm->ld.lbnl, &l);
	if (err) {
		lbnl_log(LOG_ERR, "listing the open migrations: %s",
			  strerror(-err));
		return;
	}
	lbnld_migrator_update(dm->mig, l.migrations, l.count,
			      dm->migrations_initial);
	dm->migrations_changed = false;
	dm->migrations_initial = false;
	lbnl_migrate_list_free(&l);
}

static void accept_agents(struct daemon *dm)
{
	int fd, i;

	for (i = 0; i < EVENT_BATCHES; i++) {
		fd = accept4(dm->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				lbnl_log(LOG_ERR, "accept: %s",
					  strerror(errno));
			return;
		}
		lbnld_migrator_accept(dm->mig, fd);
	}
}

static void reconcile(struct daemon *dm)
{
	int err = lbnld_reconcile(&dm->ld);
	long long now = lbnld_now_ms();

	dm->dirty = false;
	if (err == -ENOENT) {
		disconnect(dm, "the lbnl module is gone");
		return;
	}
	if (!err) {
		dm->backoff_ms = BACKOFF_MIN_MS;
		dm->next_reconcile = now + RESYNC_MS;
		return;
	}
	lbnl_log(LOG_WARNING, "reconciliation incomplete: trying again in %d s",
		  dm->backoff_ms / 1000);
	dm->next_reconcile = now + dm->backoff_ms;
	if (dm->backoff_ms < BACKOFF_MAX_MS)
		dm->backoff_ms *= 2;
	/* A group's revision is applied within its poll: look again soon. */
	if (dm->ld.held && dm->ld.group &&
	    dm->next_reconcile > now + LBNLD_GROUP_POLL_MS)
		dm->next_reconcile = now + LBNLD_GROUP_POLL_MS;
	/* A held instance is looked at again when its ready-timeout ends. */
	if (dm->ld.held && dm->next_reconcile > dm->ld.held_until)
		dm->next_reconcile = dm->ld.held_until;
}

/* The loop ---------------------------------------------------------------- */

/* SIGHUP: reload; returns false on SIGTERM or SIGINT. */
static bool read_signals(struct daemon *dm)
{
	struct signalfd_siginfo si;

	while (read(dm->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(dm);
			continue;
		}
		lbnl_log(LOG_NOTICE, "signal %u: stopping; %s", si.ssi_signo,
			  dm->ld.conf.on_stop_keep ?
			  "routes left in place (on-stop keep: the router keeps forwarding)" :
			  "withdrawing the routes (on-stop withdraw)");
		if (lbnld_migrator_busy(dm->mig))
			lbnl_log(LOG_NOTICE, "%u migration sessions or agent connections abandoned: the module rolls open migrations back at their deadlines",
				  lbnld_migrator_busy(dm->mig));
		return false;
	}
	return true;
}

enum { FD_SIGNALS, FD_WATCH, FD_EVENTS, FD_LISTEN, NFDS };

static int run(struct daemon *dm)
{
	struct pollfd fds[NFDS];
	long long now, due;

	dm->next_connect = lbnld_now_ms();
	for (;;) {
		now = lbnld_now_ms();
		if (!dm->connected && now >= dm->next_connect)
			try_connect(dm);
		/* Behind the group, or no longer: the routes follow now. */
		if (dm->connected && dm->ld.group &&
		    lbnld_group_lagging(dm->ld.group) != dm->ld.lag_withdrawn)
			dm->next_reconcile = now;
		if (dm->connected && now >= dm->next_reconcile)
			reconcile(dm);
		due = dm->connected ? dm->next_reconcile : dm->next_connect;
		now = lbnld_now_ms();
		/* The group's thread says nothing: looked at every poll. */
		if (dm->ld.group && due > now + LBNLD_GROUP_POLL_MS)
			due = now + LBNLD_GROUP_POLL_MS;

		/* A negative fd is left out by poll(). */
		fds[FD_SIGNALS] = (struct pollfd){ .fd = dm->sigfd,
						   .events = POLLIN };
		fds[FD_WATCH] = (struct pollfd){
			.fd = dm->watch ? lbnld_watch_fd(dm->watch) : -1,
			.events = POLLIN };
		fds[FD_EVENTS] = (struct pollfd){
			.fd = dm->connected ? lbnl_nl_fd(dm->events) : -1,
			.events = POLLIN };
		fds[FD_LISTEN] = (struct pollfd){ .fd = dm->listen_fd,
						  .events = POLLIN };
		if (poll(fds, NFDS, due > now ? (int)(due - now) : 0) < 0 &&
		    errno != EINTR) {
			lbnl_log(LOG_ERR, "poll: %s", strerror(errno));
			return EXIT_FAIL;
		}
		if (fds[FD_SIGNALS].revents && !read_signals(dm))
			return EXIT_OK;
		if (fds[FD_WATCH].revents && lbnld_watch_read(dm->watch) &&
		    dm->connected)
			disconnect(dm, "the lbnl module was unloaded");
		if (dm->listen_fd >= 0 && fds[FD_LISTEN].revents)
			accept_agents(dm);
		if (!dm->connected)
			continue;
		if (fds[FD_EVENTS].revents)
			read_events(dm);
		if (dm->migrations_changed)
			dump_migrations(dm);
		if (!fds[FD_EVENTS].revents)
			continue;
		now = lbnld_now_ms();
		if (dm->dirty && dm->next_reconcile > now + COALESCE_MS)
			dm->next_reconcile = now + COALESCE_MS;
		if (dm->committed && dm->next_reconcile > now + COMMIT_MS)
			dm->next_reconcile = now + COMMIT_MS;
		dm->committed = false;
	}
}

/* Start-up ---------------------------------------------------------------- */

static void print_help(FILE *fp)
{
	fprintf(fp,
		"Usage: lbnld [-f] [-v] [-c FILE] [-t]\n"
		"       lbnld [-f] [-v] [-c FILE] [-s DIR] [-k KEYFILE] [-C CERTFILE]\n"
		"             [-A CAFILE]\n"
		"\n"
		"Keeps the router's routes to the VIPs of the lbnl module in line with\n"
		"their bypass state, and confirms each bypass to the module. Drives the\n"
		"live SCTP migrations the module opens (with the servers' lbnl-agent),\n"
		"and keeps a record of each migrated association to install its entry\n"
		"again after the module restarts.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   configuration file (default " LBNLD_CONF_PATH ";\n"
		"                      without it, the defaults)\n"
		"  -f, --foreground    do not become a daemon; log to stderr unless\n"
		"                      configured otherwise\n"
		"  -k, --key-file FILE this LB's TLS private key (over key-file);\n"
		"                      without one, no migration is driven\n"
		"  -C, --cert-file FILE its certificate, role lbnl:lb (over\n"
		"                      cert-file; default " LBNL_CTL_CERT_FILE ")\n"
		"  -A, --ca-file FILE  the cluster's CA (over ca-file; default\n"
		"                      " LBNL_CTL_CA_FILE ")\n"
		"  -s, --state-dir DIR where the records are kept (over state-dir;\n"
		"                      default " LBNLD_STATE_DIR ")\n"
		"  -t, --test-config   check the configuration file, then exit\n"
		"  -v, --verbose       also log every event and reconciliation\n"
		"  -h, --help          print this help\n"
		"  -V, --version       print the version\n"
		"\n"
		"A new module instance is announced only once ready: configured (with\n"
		"restore-file, lbnld restores a module without VIPs) and the migrated\n"
		"associations' entries installed. SIGHUP reloads the configuration;\n"
		"SIGTERM and SIGINT stop lbnld and remove its routes (on-stop keep:\n"
		"leave them). Exit status: 0 success, 1 failure, 2 usage error. See\n"
		"lbnld(8).\n");
}

static int daemonize(bool keep_stderr)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid)
		_exit(EXIT_OK);
	if (setsid() < 0 || chdir("/"))
		return -errno;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -errno;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (!keep_stderr)
		dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

/* The signals lbnld handles arrive on a signalfd, in the loop. */
static int open_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int parse_args(int argc, char **argv, struct daemon *dm, bool *test)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "cert-file", required_argument, NULL, 'C' },
		{ "ca-file", required_argument, NULL, 'A' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "test-config", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	dm->conf_path = LBNLD_CONF_PATH;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:fk:C:A:s:tvhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			dm->conf_path = optarg;
			dm->conf_required = true;
			break;
		case 'f':
			dm->foreground = true;
			break;
		case 'k':
			dm->key_path = optarg;
			break;
		case 'C':
			dm->cert_path = optarg;
			break;
		case 'A':
			dm->ca_path = optarg;
			break;
		case 's':
			if (optarg[0] != '/') {
				fprintf(stderr, "Error: option '-s' needs an absolute path\n");
				return EXIT_USAGE;
			}
			dm->state_path = optarg;
			break;
		case 't':
			*test = true;
			break;
		case 'v':
			dm->verbose = true;
			break;
		case 'h':
			print_help(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("lbnld %s (netlink family %s version %d)\n",
			       LBNL_VERSION, LBNL_GENL_NAME, LBNL_GENL_VERSION);
			exit(EXIT_OK);
		default:
			if (optopt == 'c' || optopt == 'k' || optopt == 'C' ||
			    optopt == 'A')
				fprintf(stderr, "Error: option '-%c' needs a file\n",
					optopt);
			else if (optopt == 's')
				fprintf(stderr, "Error: option '-s' needs a directory\n");
			else if (optopt)
				fprintf(stderr, "Error: unknown option '-%c'\n",
					optopt);
			else
				fprintf(stderr, "Error: unknown option '%s'\n",
					argv[optind - 1]);
			fprintf(stderr, "Try \"lbnld --help\".\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Error: unexpected argument '%s'\nTry \"lbnld --help\".\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct daemon dm = { .sigfd = -1, .listen_fd = -1 };
	struct lbnld_conf conf;
	char err[512], text[PATH_MAX + 64];
	bool test = false;
	int ret;

	ret = parse_args(argc, argv, &dm, &test);
	if (ret)
		return ret;
	lbnld_conf_defaults(&conf);
	if (lbnld_conf_load(dm.conf_path, dm.conf_required, &conf, err,
			    sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		return EXIT_FAIL;
	}
	apply_options(&dm, &conf);
	describe_conf(&conf, text, sizeof(text));
	if (test) {
		printf("%s: configuration OK: %s\n", dm.conf_path, text);
		lbnld_conf_free(&conf);
		return EXIT_OK;
	}
	if (!dm.foreground && daemonize(!log_to_syslog(&dm, &conf))) {
		fprintf(stderr, "Error: cannot become a daemon: %s\n",
			strerror(errno));
		return EXIT_FAIL;
	}
	lbnl_log_init("lbnld", log_to_syslog(&dm, &conf), dm.verbose);
	dm.sigfd = open_signals();
	if (dm.sigfd < 0) {
		lbnl_log(LOG_ERR, "signalfd: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (use_conf(&dm, &conf))
		return EXIT_FAIL;
	if (lbnld_migrator_new(&lbnld_mig_nl_ops, &dm.mig) ||
	    lbnld_metrics_new(&dm.metrics) ||
	    lbnld_health_new(&lbnld_health_nl_ops, &dm.health)) {
		lbnl_log(LOG_ERR, "out of memory");
		return EXIT_FAIL;
	}
	lbnl_log(LOG_NOTICE, "lbnld %s starting: %s", LBNL_VERSION, text);
	dm.ld.records = lbnld_records_open(conf.state_dir);
	if (!dm.ld.records) {
		lbnl_log(LOG_ERR, "out of memory");
		return EXIT_FAIL;
	}
	use_migration_conf(&dm, &conf);
	use_metrics_conf(&dm, &conf);
	/* After open_signals(): the threads inherit its blocked signals. */
	lbnld_health_configure(dm.health, conf.checks, conf.n_checks);
	if (conf.group && lbnld_group_start(&conf, &dm.ld.group))
		return EXIT_FAIL;
	if (lbnld_watch_open(&dm.watch))
		lbnl_log(LOG_WARNING, "cannot watch generic netlink families: an unloaded module is noticed at the next reconciliation only");

	ret = run(&dm);
	lbnld_metrics_http_stop(dm.http);
	/* No check sets a dest's state from now on (a probe at most). */
	lbnld_health_free(dm.health);
	/* Nor the group's configuration; its status goes with it. */
	lbnld_group_stop(dm.ld.group);
	/* Stopped by a signal: the router is told first (on-stop). */
	if (ret == EXIT_OK && !dm.ld.conf.on_stop_keep &&
	    lbnld_withdraw(&dm.ld, "on-stop withdraw"))
		ret = EXIT_FAIL;

	lbnld_watch_close(dm.watch);
	lbnl_nl_close(dm.events);
	lbnl_nl_close(dm.ld.lbnl);
	lbnl_nl_close(dm.ld.rtnl);
	lbnld_route_list_free(&dm.ld.told);
	if (dm.listen_fd >= 0)
		close(dm.listen_fd);
	lbnld_migrator_free(dm.mig);
	lbnld_records_free(dm.ld.records);
	lbnld_metrics_free(dm.metrics);
	lbnld_conf_free(&dm.ld.conf);
	close(dm.sigfd);
	return ret;
}
