/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnld - the load balancer's control daemon: declarations shared by its
 * files. conf.c and policy.c are pure (no I/O but reading the config) and
 * unit-tested; route.c writes routes over rtnetlink, hook.c runs the hook
 * command, reconcile.c puts them together, migrate.c drives live SCTP
 * migrations (the agents, over ctl.h), lbnld.c is the event loop.
 */
#ifndef LBNLD_H
#define LBNLD_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "group_store.h"
#include "log.h"
#include "nl.h"
#include "objects.h"

/* Configuration (conf.c) -------------------------------------------------- */

#define LBNLD_CONF_PATH		"/etc/lbnl/lbnld.conf"
#define LBNLD_DEFAULT_TABLE	100
/* rtm_protocol of lbnld's routes: how it tells its routes from others. */
#define LBNLD_DEFAULT_PROTOCOL	76
#define LBNLD_DEFAULT_HOOK_TIMEOUT 10	/* seconds */
/* Kept from a migration's deadline for the commit to reach the module. */
#define LBNLD_DEFAULT_MARGIN_MS	100
#define LBNLD_MAX_AGENTS	256
/* Where the records of migrated associations are kept (records.c). */
#define LBNLD_STATE_DIR		"/var/lib/lbnl"
#ifndef LBNLD_CLI_PATH
#define LBNLD_CLI_PATH		"/usr/local/sbin/lbnl"
#endif
#define LBNLD_DEFAULT_READY_TIMEOUT 30	/* seconds */
#define LBNLD_CLI_TIMEOUT	60	/* seconds, for each lbnl run */
/*
 * Where /metrics is served by default: this host only. 9642 is in the
 * Prometheus exporters' range, not among the ports of Prometheus itself
 * (9090-9094) or of the usual exporters, nor in /etc/services.
 */
#define LBNLD_METRICS_PORT	9642

enum lbnld_driver_kind {
	LBNLD_DRIVER_TABLE,	/* host routes in a routing table (BIRD) */
	LBNLD_DRIVER_HOOK,	/* a command run for each change */
};

enum lbnld_log_to {
	LBNLD_LOG_AUTO,		/* stderr in the foreground, else syslog */
	LBNLD_LOG_STDERR,
	LBNLD_LOG_SYSLOG,
};

/* "agent DEST-ADDR AGENT-ADDR[:PORT]": where the agent of a dest listens. */
struct lbnld_agent {
	struct lbnl_addr dest;
	struct lbnl_addr addr;
	uint16_t port;			/* 0: agent-port */
};

struct lbnld_conf {
	uint32_t table;			/* routing table id */
	uint8_t protocol;		/* rtm_protocol of our routes */
	enum lbnld_driver_kind driver;
	char hook[PATH_MAX];		/* "": none */
	unsigned int hook_timeout;	/* seconds */
	char self_dev[IF_NAMESIZE];	/* device of the self route */
	enum lbnld_log_to log;
	/* Migrations (migrate.c) */
	char key_file[PATH_MAX];	/* "": none, no migration driven */
	char cert_file[PATH_MAX];	/* this LB's certificate (lbnl:lb) */
	char ca_file[PATH_MAX];		/* the cluster's CA */
	uint16_t agent_port;
	struct lbnld_agent agents[LBNLD_MAX_AGENTS];
	size_t n_agents;
	struct lbnl_endpoint listen;	/* [::]: both families */
	uint32_t margin_ms;
	char state_dir[PATH_MAX];	/* records of migrated associations */
	/* A new module instance (ready.c) */
	char restore_file[PATH_MAX];	/* "": configured by someone else */
	char tag_key_file[PATH_MAX];	/* "": no routable tags */
	char cli[PATH_MAX];		/* the lbnl CLI that applies them */
	unsigned int ready_timeout;	/* seconds held at most */
	bool on_stop_keep;		/* SIGTERM: routes left (else removed) */
	/* Prometheus metrics (metrics.c, metrics_http.c) */
	bool metrics_off;		/* metrics-listen none */
	struct lbnl_endpoint metrics_listen;
	/* An LB group (group.c): the configuration comes from its store */
	bool group;
	struct lbnl_group_conf group_store;
	/* Health checks (health.h): allocated, lbnld_conf_free() */
	struct lbnld_check *checks;
	size_t n_checks;
};

struct lbnld_check;

/* The defaults (no check: nothing to free before). */
void lbnld_conf_defaults(struct lbnld_conf *c);
/* What a configuration holds beside itself: its checks. */
void lbnld_conf_free(struct lbnld_conf *c);
/*
 * Read a configuration (name: for messages) over the defaults. -1 with
 * "NAME:LINE: message" (or "NAME: message") in err if it is not valid,
 * c unchanged. Its check lines are added to c's.
 */
int lbnld_conf_read(FILE *fp, const char *name, struct lbnld_conf *c,
		    char *err, size_t errlen);
/* The same from a file; a missing file is fine unless required. */
int lbnld_conf_load(const char *path, bool required, struct lbnld_conf *c,
		    char *err, size_t errlen);

/* Decisions (policy.c) ---------------------------------------------------- */

/* Where the router sends the traffic of one VIP address. */
enum lbnld_kind {
	LBNLD_SELF,		/* to the LB: "VIP/32 dev lo" */
	LBNLD_VIA,		/* bypassed: "VIP/32 via DEST" */
};

/*
 * A host route for a VIP address, as lbnld writes it or reads it back
 * from its table (or, with the hook driver, what the hook was told).
 */
struct lbnld_route {
	struct lbnl_addr addr;		/* /32 or /128 */
	enum lbnld_kind kind;
	struct lbnl_addr via;		/* LBNLD_VIA; family 0: not a gateway */
	int oif;			/* LBNLD_SELF: the self device */
	uint32_t priority;		/* metric read back (for deletes) */
};

struct lbnld_route_list {
	struct lbnld_route *routes;
	size_t count;
	size_t cap;
};

int lbnld_route_list_add(struct lbnld_route_list *l,
			 const struct lbnld_route *r);
void lbnld_route_list_free(struct lbnld_route_list *l);

/* Why an address is (or is not) bypassed. */
enum lbnld_reason {
	LBNLD_BYPASSED,		/* every VIP on it single, to one dest */
	LBNLD_BYPASS_OFF,	/* VIP culprit has bypass off */
	LBNLD_NOT_SINGLE,	/* VIP culprit (bypass auto) is not single */
	LBNLD_DESTS_DIFFER,	/* culprit and other: single, other dests */
};

struct lbnld_decision {
	struct lbnl_addr addr;
	enum lbnld_kind kind;
	struct lbnl_addr dest;		/* LBNLD_VIA */
	enum lbnld_reason reason;
	size_t culprit, other;		/* indices into plan->vips */
	size_t first, count;		/* its VIPs: plan->vips[first...] */
};

/* Every VIP address of the namespace and where its traffic should go. */
struct lbnld_plan {
	struct lbu_vip *vips;		/* a copy, sorted by key */
	size_t n_vips;
	struct lbnld_decision *decisions;	/* one per address, sorted */
	size_t n_decisions;
};

int lbnld_plan_build(struct lbnld_plan *plan, const struct lbu_vip *vips,
		     size_t n);
void lbnld_plan_free(struct lbnld_plan *plan);
/* The VIP waits for its BYPASS_ACTIVE, and its address is bypassed. */
bool lbnld_wants_confirm(const struct lbnld_decision *d,
			 const struct lbu_vip *vip);
/* Why d is not bypassed: "tcp 192.0.2.1:80 has bypass off". */
void lbnld_reason_text(const struct lbnld_plan *plan,
		       const struct lbnld_decision *d, char *buf, size_t len);
/* "tcp 192.0.2.1:80" */
const char *lbnld_vip_text(const struct lbu_vip_key *key, char *buf,
			   size_t len);
bool lbnld_route_equal(const struct lbnld_route *a,
		       const struct lbnld_route *b);

/* What a reconciliation does for one decision (same index). */
struct lbnld_change {
	struct lbnld_route want;
	bool write;			/* want is not in place yet */
	bool had;			/* prev holds what was there */
	struct lbnld_route prev;
};

/*
 * Compare what is in place (current, sorted here) with plan: changes gets
 * one entry per decision (free() it), deletes the routes to remove:
 * addresses without VIPs, and extra routes for one address. self_oif:
 * the self device's index (0 with the hook driver).
 */
int lbnld_diff(const struct lbnld_plan *plan, int self_oif,
	       struct lbnld_route_list *current,
	       struct lbnld_change **changes,
	       struct lbnld_route_list *deletes);

/* Routes (route.c) -------------------------------------------------------- */

/* Our routes (table, protocol) now in the kernel, both families. */
int lbnld_route_load(struct lbnl_nl *rtnl, uint32_t table, uint8_t protocol,
		     struct lbnld_route_list *out);
/* Create or atomically replace the route for r->addr. */
int lbnld_route_write(struct lbnl_nl *rtnl, uint32_t table, uint8_t protocol,
		      const struct lbnld_route *r);
int lbnld_route_delete(struct lbnl_nl *rtnl, uint32_t table,
		       uint8_t protocol, const struct lbnld_route *r);

/* The daemon's state ------------------------------------------------------ */

struct lbnld;

/* How the router is told (route.c: table, hook.c: hook). */
struct lbnld_driver {
	const char *written;	/* for the log: "route written" */
	const char *in_place;	/* "route in place" */
	const char *removed;	/* "route deleted" */
	/* What the router has now, as far as lbnld can know. */
	int (*load)(struct lbnld *ld, struct lbnld_route_list *current);
	int (*write)(struct lbnld *ld, const struct lbnld_plan *plan,
		     const struct lbnld_decision *d,
		     const struct lbnld_change *c);
	int (*remove)(struct lbnld *ld, const struct lbnld_route *r);
	/* After a reconciliation: what is in place (taken over). */
	void (*applied)(struct lbnld *ld, struct lbnld_route_list *in_place);
};

extern const struct lbnld_driver lbnld_table_driver;
extern const struct lbnld_driver lbnld_hook_driver;

/*
 * Tell the module the router sends dest->vip's traffic to dest: 0, or
 * -errno and *why the module's message (or NULL).
 */
typedef int (*lbnld_confirm_fn)(struct lbnld *ld, const struct lbu_dest *dest,
				const char **why);

struct lbnld_records;
struct lbnld_group;

struct lbnld {
	struct lbnld_conf conf;
	const struct lbnld_driver *driver;
	struct lbnl_nl *lbnl;		/* requests to the module */
	struct lbnl_nl *rtnl;		/* table driver: rtnetlink */
	struct lbnld_route_list told;	/* hook driver: what it was told */
	lbnld_confirm_fn confirm;	/* NULL: BYPASS_ACTIVE on lbnl */
	struct lbnld_records *records;	/* NULL: none kept */
	struct lbnld_group *group;	/* NULL: not in a group */
	/*
	 * A new module instance is held (no route written or removed) until
	 * it is ready (ready.c): configured and its records installed, or
	 * until held_until (monotonic ms) at the latest.
	 */
	bool held;
	long long held_until;
	/* In a group: routes withdrawn while behind it (group.c). */
	bool lag_withdrawn;
};

/*
 * Bring the router in line with the module (reconcile.c): 0, -ENOENT if
 * the module is gone, another -errno if something is to be retried.
 * lbnld_reconcile_vips() does it for VIPs read already.
 */
int lbnld_reconcile(struct lbnld *ld);
int lbnld_reconcile_vips(struct lbnld *ld, const struct lbu_vip *vips,
			 size_t n);
/*
 * Remove every route lbnld has (on-stop withdraw): 0, or -EAGAIN if some
 * could not be removed.
 */
int lbnld_withdraw(struct lbnld *ld, const char *why);

/* Monotonic milliseconds: lbnld's timers and deadlines. */
static inline long long lbnld_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A new module instance (ready.c) ------------------------------------- */

/* Hold it: no route written or removed until it is ready. */
void lbnld_ready_hold(struct lbnld *ld);
/* Whether lbnld configures a module without VIPs (restore-file, ...). */
bool lbnld_ready_configures(const struct lbnld *ld);
/* Configure a module without VIPs: the tag key, then the restore file. */
int lbnld_ready_configure(struct lbnld *ld);
/*
 * After its configuration (configure_err) and its records (records_err):
 * true if routes may be written now (ready, or ready-timeout passed).
 */
bool lbnld_ready_check(struct lbnld *ld, size_t n_vips, int configure_err,
		       int records_err);

/* Records of migrated associations (records.c) --------------------------- */

/* A record not seen for this long is dropped (seconds: 24 hours). */
#define LBNLD_RECORD_MAX_AGE	(24 * 3600)
/* The file's last_seen is brought up to date at least this often (s). */
#define LBNLD_RECORD_REFRESH	3600
#define LBNLD_RECORDS_FILE	"migrated.json"

/*
 * One association a committed migration left on a dest its tag may not
 * name. Stored: everything but the flags of this module instance.
 */
struct lbnld_record {
	struct lbu_vip_key vip;
	struct lbnl_endpoint peer;	/* the address it was set up from */
	uint32_t my_vtag;		/* the tag the peer sends */
	uint32_t peer_vtag;		/* the dest's; 0: not known */
	struct lbnl_endpoint dest;
	int64_t first_seen;		/* seconds since the epoch */
	int64_t last_seen;		/* its entry last in the table */
	/* This module instance only (cleared when it changes): */
	bool seen;			/* its entry was in the table */
	bool dest_seen;			/* its VIP and dest existed */
	int64_t saved_last_seen;	/* what the file says */
};

/* What a reconciliation does with one record. */
enum lbnld_rec_action {
	LBNLD_REC_KEEP,		/* in the table, or cannot be yet */
	LBNLD_REC_INSTALL,	/* no entry: CONN_NEW */
	LBNLD_REC_REPLACE,	/* an entry to another dest, made by its */
				/* packets before the install: CONN_DEL, NEW */
	LBNLD_REC_REMOVE,	/* the association ended */
};

struct lbnld_rec_decision {
	enum lbnld_rec_action action;
	const char *why;		/* REMOVE: for the log */
	const struct lbu_conn *entry;	/* REPLACE: the entry to delete */
};

/*
 * What the module has now: the dests of its SCTP VIPs, and those of their
 * entries that matter (lbnld_records_keep()): each flagged migrated, each
 * with a recorded tag or peer. complete: every dump was whole (not
 * interrupted): only then does an absence mean anything.
 */
struct lbnld_rec_view {
	const struct lbu_dest *dests;
	size_t n_dests;
	const struct lbu_conn *conns;
	size_t n_conns;
	bool complete;
	int64_t now;			/* seconds since the epoch */
	int64_t max_age;		/* LBNLD_RECORD_MAX_AGE */
};

struct lbnld_records;

/*
 * The records of dir (created if missing): NULL if out of memory. A file
 * that cannot be read is logged and tried again at each reconciliation,
 * never overwritten meanwhile; one that cannot be parsed is moved aside
 * (FILE.corrupt-TIME), logged as an error, and lbnld goes on without its
 * records.
 */
struct lbnld_records *lbnld_records_open(const char *dir);
void lbnld_records_free(struct lbnld_records *r);
size_t lbnld_records_count(const struct lbnld_records *r);
const struct lbnld_record *lbnld_records_get(const struct lbnld_records *r,
					     size_t i);
/* The file is read (or was absent): records may be saved. */
bool lbnld_records_loaded(const struct lbnld_records *r);
/* Read the file again if it could not be read: 0 or -errno. */
int lbnld_records_load(struct lbnld_records *r);
/* Write the file atomically if anything changed: 0 or -errno. */
int lbnld_records_save(struct lbnld_records *r);
/*
 * A new module instance (lbnld connected to it): no record has been seen
 * in its table yet, so none is taken for ended before it is installed.
 */
void lbnld_records_new_instance(struct lbnld_records *r);
/* A configuration event: a VIP_DEL, DEST_DEL or FLUSH ends records. */
void lbnld_records_event(struct lbnld_records *r, const struct lbnl_event *ev);
/*
 * The entries of an SCTP dump the records need (lbnl_conn_dump_kept(),
 * arg: the records): flagged migrated, or with a record's tag or peer.
 * Valid after lbnld_records_index() until the records change.
 */
int lbnld_records_index(struct lbnld_records *r);
bool lbnld_records_keep(const struct lbu_conn *c, void *arg);
/*
 * The decisions, one per record (free() them), and what the view shows
 * applied to the records: refreshed (seen, last_seen, a dest a later
 * migration chose), and one added per migrated entry not yet recorded
 * (at the end: no decision, KEEP). No I/O. -ENOMEM.
 */
int lbnld_records_decide(struct lbnld_records *r,
			 const struct lbnld_rec_view *v,
			 struct lbnld_rec_decision **out, size_t *n);
/*
 * Install (CONN_NEW) one record's entry; replace: first delete that
 * entry (CONN_DEL). 0 or -errno (-EEXIST: an entry came meanwhile), and
 * *why the module's message (or NULL).
 */
typedef int (*lbnld_install_fn)(void *arg, const struct lbnld_record *rec,
				const struct lbu_conn *replace,
				const char **why);
/*
 * One pass over view: decide, install, remove the ended, save. 0, or
 * -EAGAIN if something is to be tried again.
 */
int lbnld_records_sync(struct lbnld_records *r,
		       const struct lbnld_rec_view *v,
		       lbnld_install_fn install, void *arg);
/* The same against the module: dumps, CONN_DEL, CONN_NEW. */
int lbnld_records_reconcile(struct lbnld *ld, const struct lbu_vip *vips,
			    size_t n);

/*
 * Run args[0] (an absolute path) with args, NULL-terminated, and wait up to
 * timeout_s (run.c; timeout_name says which setting it is, for the log):
 * 0 if it exited 0, else -errno (-ETIMEDOUT: killed). Its output is
 * logged, prefixed with what ("hook", "configure:").
 */
int lbnld_run(const char *what, const char *const *args,
	      unsigned int timeout_s, const char *timeout_name);
/*
 * The same with a timeout in milliseconds; quiet: its output and its
 * failure logged at debug level only (a health check's command).
 */
int lbnld_run_ms(const char *what, const char *const *args,
		 unsigned int timeout_ms, const char *timeout_name, bool quiet);
/* How a child ended, for whoever reports it (group.c: the store). */
struct lbnld_run_result {
	int exit_status;		/* -1: it did not exit (killed) */
	char reason[512];		/* its first "Error" line, else its last */
};
/* lbnld_run() that also says how it ended. */
int lbnld_run_result(const char *what, const char *const *args,
		     unsigned int timeout_s, const char *timeout_name,
		     struct lbnld_run_result *res);

/* The lbnl family coming and going (watch.c). */
struct lbnld_watch;
int lbnld_watch_open(struct lbnld_watch **wp);
int lbnld_watch_fd(const struct lbnld_watch *w);
/* Reads what is queued: true if the lbnl family was unregistered. */
bool lbnld_watch_read(struct lbnld_watch *w);
void lbnld_watch_close(struct lbnld_watch *w);

/* Migrations (migrate.c) ------------------------------------------------- */

struct lbnl_ctl_tls;

/*
 * What a migration needs of the module, per thread: open() gives a handle
 * of the calling thread (its own netlink socket); the others return 0 or
 * -errno and why() the module's message of the last failure (or NULL).
 * Tests replace them with a fake module.
 */
struct lbnld_mig_ops {
	int (*open)(void **h);
	void (*close)(void *h);
	int (*vip_get)(void *h, const struct lbu_vip_key *key,
		       struct lbu_vip *vip);
	int (*commit)(void *h, const struct lbu_vip_key *vip, uint32_t vtag);
	int (*abort)(void *h, const struct lbu_vip_key *vip, uint32_t vtag);
	/* The open migration of vip + vtag; -ENOENT: none. */
	int (*find)(void *h, const struct lbu_vip_key *vip, uint32_t vtag,
		    struct lbnl_migrate *m);
	/* The dest of the SCTP entry of vip with vtag; -ENOENT: none. */
	int (*entry_dest)(void *h, const struct lbu_vip_key *vip,
			  uint32_t vtag, struct lbnl_endpoint *dest);
	const char *(*why)(void *h);
};

/* The module's own, over lbnl netlink. */
extern const struct lbnld_mig_ops lbnld_mig_nl_ops;

struct lbnld_migrator;

int lbnld_migrator_new(const struct lbnld_mig_ops *ops,
		       struct lbnld_migrator **out);
/* Stops nothing: sessions still running are abandoned. */
void lbnld_migrator_free(struct lbnld_migrator *m);
/*
 * The configuration new sessions use, and the TLS identity (NULL: no
 * key-file: each new migration is logged as not driven). The migrator
 * takes its own reference.
 */
void lbnld_migrator_configure(struct lbnld_migrator *m,
			      const struct lbnld_conf *c,
			      struct lbnl_ctl_tls *tls);
/*
 * The migrations open now (a dump): a session starts for each one not seen
 * before; with initial, they are only marked seen (a previous lbnld may
 * have them in hand).
 */
void lbnld_migrator_update(struct lbnld_migrator *m,
			   const struct lbnl_migrate *open, size_t n,
			   bool initial);
/* A MIGRATE_COMMIT or MIGRATE_ABORT event. */
void lbnld_migrator_event(struct lbnld_migrator *m,
			  const struct lbnl_event *ev);
/*
 * A connection accept() gave on the listening socket (owned after): to
 * the handshake thread, then a thread of its own if authenticated.
 */
void lbnld_migrator_accept(struct lbnld_migrator *m, int fd);
/* Sessions and listener connections running now. */
unsigned int lbnld_migrator_busy(struct lbnld_migrator *m);
/* The listening socket of c->listen: fd, or -errno with err. */
int lbnld_listen_open(const struct lbnld_conf *c, char *err, size_t errlen);
/* Where the agent of dest listens (an "agent" line, else dest:agent-port). */
void lbnld_agent_of(const struct lbnld_conf *c, const struct lbnl_addr *dest,
		    struct lbnl_endpoint *agent);
/*
 * The association's local endpoint on the source server, as its agent
 * must name it: tun, the VIP's address and port; nat, the source dest's
 * own address and port (the LB translates, the peer sees the VIP).
 */
void lbnld_assoc_local(const struct lbnl_migrate *m, bool nat,
		       struct lbnl_endpoint *local);
/* "192.0.2.2:3868" of an endpoint. */
const char *lbnld_endpoint_text(const struct lbnl_endpoint *e, char *buf,
				size_t len);


/* Prometheus metrics (metrics.c, metrics_http.c) ------------------------- */

/* How a migration ended: the module's MIGRATE_COMMIT or _ABORT event. */
enum lbnld_mig_outcome {
	LBNLD_MIG_COMMITTED,
	LBNLD_MIG_ABORTED,
	LBNLD_MIG_OUTCOMES
};

/* Why one was aborted: the event's REASON (kmod/lb/migrate.c). */
enum lbnld_mig_reason {
	LBNLD_MIG_REQUESTED,		/* "requested": an ABORT request */
	LBNLD_MIG_DEADLINE,		/* "deadline" */
	LBNLD_MIG_BUFFER_FULL,		/* "buffer full" */
	LBNLD_MIG_DEST_DELETED,		/* "dest deleted" */
	LBNLD_MIG_VIP_DELETED,		/* "VIP deleted" */
	LBNLD_MIG_OTHER,		/* none, or one this lbnld does not know */
	LBNLD_MIG_REASONS
};

/* Upper bounds of the duration histogram, in ms; +Inf is one more. */
#define LBNLD_MIG_BUCKETS	13

/*
 * What lbnld counts itself, from the module's events: every migration of
 * the namespace, whoever opened, committed or aborted it, since lbnld
 * started (and connected: events while the module is absent, or lost,
 * are not counted).
 */
struct lbnld_mig_counts {
	uint64_t started;			/* MIGRATE_START events */
	uint64_t ended[LBNLD_MIG_OUTCOMES];
	uint64_t aborted[LBNLD_MIG_REASONS];
	/*
	 * Durations (the events' AGE_MS: from the start to the end, by the
	 * module's clock): a count per bucket, not cumulative, the last one
	 * beyond every bound; timed is their total, sum_ms their sum.
	 */
	uint64_t buckets[LBNLD_MIG_OUTCOMES][LBNLD_MIG_BUCKETS + 1];
	uint64_t timed[LBNLD_MIG_OUTCOMES];
	uint64_t sum_ms[LBNLD_MIG_OUTCOMES];
	uint64_t events_lost;			/* event queue overflows */
};

/* Count one event in c: MIGRATE_START, _COMMIT, _ABORT (others: nothing). */
void lbnld_metrics_count(struct lbnld_mig_counts *c,
			 const struct lbnl_event *ev);

/* lbnld's counters, shared by the main loop and the HTTP thread. */
struct lbnld_metrics;

int lbnld_metrics_new(struct lbnld_metrics **out);
void lbnld_metrics_free(struct lbnld_metrics *m);
/* From the main loop: an event of the module, events lost (ENOBUFS). */
void lbnld_metrics_event(struct lbnld_metrics *m, const struct lbnl_event *ev);
void lbnld_metrics_events_lost(struct lbnld_metrics *m);

/* Everything one scrape shows. */
struct lbnld_metrics_snapshot {
	bool module;			/* the lbnl family is there */
	struct lbnl_stats global;
	struct lbnl_stats_list stats;	/* each VIP, then its dests */
	struct lbnl_vip_list vips;
	struct lbnl_dest_list dests;
	size_t migrations_open;
	struct lbnld_mig_counts mig;
};

/*
 * Read the module (on a netlink handle of the calling thread's own) and
 * m: 0 (the module absent: s->module false, lbnld's counters only), or
 * -errno. Free s with lbnld_metrics_snapshot_free() either way.
 */
int lbnld_metrics_collect(struct lbnld_metrics *m,
			  struct lbnld_metrics_snapshot *s);
void lbnld_metrics_snapshot_free(struct lbnld_metrics_snapshot *s);
/*
 * The Prometheus text exposition format (version 0.0.4) of s: 0, or -EIO
 * if out failed.
 */
int lbnld_metrics_render(const struct lbnld_metrics_snapshot *s, FILE *out);
/*
 * A label value as the text format has it (backslash, double quote and
 * newline escaped) in dst: 0, or -ENOSPC (dst then "").
 */
int lbnld_metrics_escape(char *dst, size_t len, const char *value);

/* The HTTP server (libmicrohttpd, a thread of its own). */
struct lbnld_metrics_http;

/* Serve m on at: 0, or -1 (logged). */
int lbnld_metrics_http_start(struct lbnld_metrics *m,
			     const struct lbnl_endpoint *at,
			     struct lbnld_metrics_http **out);
/* Stop serving (waits for a scrape in progress); NULL: nothing. */
void lbnld_metrics_http_stop(struct lbnld_metrics_http *h);
const struct lbnl_endpoint *
lbnld_metrics_http_at(const struct lbnld_metrics_http *h);

#endif
