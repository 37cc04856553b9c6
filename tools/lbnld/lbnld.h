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
};

void lbnld_conf_defaults(struct lbnld_conf *c);
/*
 * Read a configuration (name: for messages) over the defaults. -1 with
 * "NAME:LINE: message" (or "NAME: message") in err if it is not valid.
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

struct lbnld {
	struct lbnld_conf conf;
	const struct lbnld_driver *driver;
	struct lbnl_nl *lbnl;		/* requests to the module */
	struct lbnl_nl *rtnl;		/* table driver: rtnetlink */
	struct lbnld_route_list told;	/* hook driver: what it was told */
	lbnld_confirm_fn confirm;	/* NULL: BYPASS_ACTIVE on lbnl */
};

/*
 * Bring the router in line with the module (reconcile.c): 0, -ENOENT if
 * the module is gone, another -errno if something is to be retried.
 * lbnld_reconcile_vips() does it for VIPs read already.
 */
int lbnld_reconcile(struct lbnld *ld);
int lbnld_reconcile_vips(struct lbnld *ld, const struct lbu_vip *vips,
			 size_t n);

/* Hook command (hook.c): run conf->hook with args; 0 if it exited 0. */
int lbnld_hook_run(const struct lbnld_conf *conf, const char *const *args);

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

#endif
