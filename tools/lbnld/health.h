/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnld's active health checks (keepalived's checkers are the model):
 * each "check" line of lbnld.conf probes one dest of one VIP every
 * interval, with a timeout; after fall failures in a row the dest is
 * set down (no new flows, its flows kept, nothing migrated), after rise
 * successes in a row it is set active again. A line for "all" the dests
 * of a VIP probes each dest the VIP has, each with its own counts; a
 * line for one dest of that VIP takes that dest over.
 *
 *	health_conf.c	a "check" line: parsed and refused with its reason
 *	health_probe.c	the checkers: tcp, sctp, http, https, command
 *	health_sctp.c	sctp heartbeat: on a standing association
 *	health.c	the counts (pure), what to do with the dest (pure),
 *			and a thread per check that probes and applies
 *	health_nl.c	what the threads ask of the module (netlink)
 *
 * Only a dest lbnld put down is set active again: one an operator set to
 * maint or drain is left alone whatever its check says. A dest found down
 * when its check starts (lbnld restarted) is taken as put down by lbnld:
 * down is the health checks' state, operators have maint and drain.
 */
#ifndef LBNLD_HEALTH_H
#define LBNLD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "objects.h"

#define LBNLD_CHECK_URL_MAX		1024
#define LBNLD_CHECK_COMMAND_MAX		1024
#define LBNLD_CHECK_PATH_MAX		512
#define LBNLD_MAX_CHECKS		4096
#define LBNLD_CHECK_INTERVAL_MS		5000
#define LBNLD_CHECK_TIMEOUT_MS		2000
#define LBNLD_CHECK_RISE		2
#define LBNLD_CHECK_FALL		3
#define LBNLD_CHECK_STATUS		200
/* Bounds of interval and timeout (ms), rise and fall. */
#define LBNLD_CHECK_MS_MIN		10
#define LBNLD_CHECK_MS_MAX		3600000
#define LBNLD_CHECK_COUNT_MAX		100

enum lbnld_check_kind {
	LBNLD_CHECK_TCP,	/* a TCP connection set up */
	LBNLD_CHECK_SCTP,	/* an SCTP association set up, shut down */
	LBNLD_CHECK_HTTP,	/* GET, the expected status (libcurl) */
	LBNLD_CHECK_HTTPS,
	LBNLD_CHECK_COMMAND,	/* /bin/sh -c COMMAND exits 0 */
	LBNLD_CHECK_SCTP_HEARTBEAT,	/* a HEARTBEAT answered, on a */
				/* standing association */
	LBNLD_CHECK_KINDS
};

/* One "check" line. */
struct lbnld_check {
	struct lbu_vip_key vip;
	bool all_dests;			/* "all": every dest of the VIP */
	struct lbnl_endpoint dest;	/* (not all_dests) */
	enum lbnld_check_kind kind;
	uint16_t port;			/* tcp, sctp, http path: 0: dest's */
	char url[LBNLD_CHECK_URL_MAX];	/* http(s): the full URL */
	uint32_t status;		/* http(s): the status expected */
	bool verify;			/* https: check the certificate */
	char ca_file[LBNLD_CHECK_PATH_MAX];	/* https: "": the system's */
	char command[LBNLD_CHECK_COMMAND_MAX];
	uint32_t interval_ms;
	uint32_t timeout_ms;
	uint32_t rise;
	uint32_t fall;
	bool on_down_flush;		/* down: its entries flushed too */
	unsigned int line;		/* of the configuration, for the log */
};

/* "tcp", "sctp", "http", "https", "command", "sctp heartbeat". */
const char *lbnld_check_kind_name(enum lbnld_check_kind kind);

/*
 * The words of a "check" line after "check" (text, modified): 0 and c,
 * or -1 and the reason in err ("invalid rise '0': a number from 1 to
 * 100"). "COMMAND" may be quoted with double quotes.
 */
int lbnld_check_parse(char *text, struct lbnld_check *c, char *err,
		      size_t errlen);
/* Same dest, same probe, same settings (the line aside). */
bool lbnld_check_equal(const struct lbnld_check *a,
		       const struct lbnld_check *b);
/* Where tcp and sctp connect, and what a path-only http URL names. */
void lbnld_check_target(const struct lbnld_check *c,
			struct lbnl_endpoint *at);
/* "tcp 192.0.2.1:80 dest 10.0.0.1:80 (http)", for the log. */
const char *lbnld_check_text(const struct lbnld_check *c, char *buf,
			     size_t len);

/* The checkers (health_probe.c) ------------------------------------------ */

/*
 * Once, before any thread probes (libcurl's global state): 0 or -1. The
 * check threads (health.c) do it themselves.
 */
int lbnld_probe_init(void);
void lbnld_probe_cleanup(void);
/*
 * What a check keeps from one probe to the next: the standing
 * association of "sctp heartbeat". Starts as LBNLD_PROBE_CTX_INIT, ends
 * with lbnld_probe_end().
 */
struct lbnld_probe_ctx {
	int fd;			/* -1: none */
};
#define LBNLD_PROBE_CTX_INIT	{ .fd = -1 }

/*
 * Probe c once, within c->timeout_ms: 0 if the dest answered as it
 * should, else -1 with why ("connection refused", "status 500, expected
 * 200", "timed out after 2000 ms"). ctx: NULL for a probe of its own
 * (an sctp heartbeat then sets up an association and shuts it down).
 */
int lbnld_probe(const struct lbnld_check *c, struct lbnld_probe_ctx *ctx,
		char *why, size_t len);
void lbnld_probe_end(struct lbnld_probe_ctx *ctx);

/* health_sctp.c: connect within the timeout (health_probe.c), the fd. */
int lbnld_probe_connect(const struct lbnld_check *c, int protocol, int *fd,
			char *why, size_t len);
int lbnld_probe_sctp_heartbeat(const struct lbnld_check *c,
			       struct lbnld_probe_ctx *ctx, char *why,
			       size_t len);

/* The counts and what they mean (health.c, pure) ------------------------- */

enum lbnld_verdict {
	LBNLD_VERDICT_UNKNOWN,	/* neither rise successes nor fall failures */
	LBNLD_VERDICT_UP,
	LBNLD_VERDICT_DOWN,
};

struct lbnld_health_state {
	enum lbnld_verdict verdict;
	uint32_t successes;	/* in a row */
	uint32_t failures;	/* in a row */
	bool seen;		/* the dest's state read once */
	bool ours;		/* the dest is down because of lbnld */
};

/* One probe's result: true if the verdict changed. */
bool lbnld_health_count(struct lbnld_health_state *s,
			const struct lbnld_check *c, bool ok);

enum lbnld_health_action {
	LBNLD_HEALTH_KEEP,
	LBNLD_HEALTH_SET_DOWN,
	LBNLD_HEALTH_SET_ACTIVE,
};

/*
 * What to do with a dest in state (enum lbnl_dest_state) given the
 * verdict: down an active dest, bring back a down one lbnld put down (or
 * found down the first time it looked); maint and drain are the
 * operator's. Updates s->seen and s->ours as if the action succeeds.
 */
enum lbnld_health_action lbnld_health_decide(struct lbnld_health_state *s,
					     uint8_t state);

/* The threads (health.c) ------------------------------------------------- */

/*
 * What the checks ask of the module, per thread (a handle of the calling
 * thread's own); 0 or -errno, why() the module's message of the last
 * failure (or NULL). Tests replace them with a fake module.
 */
struct lbnld_health_ops {
	int (*open)(void **h);
	void (*close)(void *h);
	int (*state_get)(void *h, const struct lbnld_check *c,
			 uint8_t *state);
	/* Only if the dest is in state from: -ESTALE if it is not. */
	int (*state_set)(void *h, const struct lbnld_check *c, uint8_t from,
			 uint8_t to);
	/*
	 * The dests of the VIP ("all" lines), *dests malloc'd; a VIP that
	 * does not exist has none (0).
	 */
	int (*dests_get)(void *h, const struct lbu_vip_key *vip,
			 struct lbnl_endpoint **dests, size_t *n);
	/* Forget the dest's connection entries (all its flows). */
	int (*conn_flush)(void *h, const struct lbnld_check *c);
	const char *(*why)(void *h);
};

/* The module's own, over lbnl netlink (health_nl.c). */
extern const struct lbnld_health_ops lbnld_health_nl_ops;

struct lbnld_health;

int lbnld_health_new(const struct lbnld_health_ops *ops,
		     struct lbnld_health **out);
/*
 * The checks to run now: a check equal to one running keeps its thread
 * and its counts; the others' threads are told to stop (and end on their
 * own: nothing waits for a probe in progress), new ones start. An "all"
 * line runs a check per dest of its VIP but those with a line of their
 * own; the VIP's dests are read again every interval of the line (see
 * health.c). 0, or -errno if a thread could not be started (logged; the
 * others run).
 */
int lbnld_health_configure(struct lbnld_health *h,
			   const struct lbnld_check *checks, size_t n);
/* Checks running (their threads), and stopping ones not yet ended. */
size_t lbnld_health_running(struct lbnld_health *h);
/* Stop every check and wait for the threads (a probe at most). */
void lbnld_health_free(struct lbnld_health *h);

#endif
