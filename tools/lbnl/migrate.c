// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl migrate {start|commit|abort|show}: live migrations of SCTP
 * associations from one dest of a VIP to another (LB role). While one is
 * open the load balancer holds the peer's DATA of the association; commit
 * sends the association, and what was held, to the target, abort leaves
 * them with the source. See lb_print.h for the output.
 *
 * "lbnl migrate VIP:PORT ..." is "lbnl migrate start VIP:PORT ...".
 */
#include <string.h>

#include "json_print.h"
#include "lb_print.h"
#include "lbnl.h"
#include "util.h"

#define MIGRATE_KEY_ARGS	"VIP:PORT proto sctp {vtag V | peer PEER:PORT}"
#define OUTPUT_ARGS		"[-j [-p]]"

/* The keywords after the VIP: commit and abort take the first two. */
enum { KW_VTAG, KW_PEER, KW_TO, KW_TIMEOUT, KW_COUNT };

static const char *const keywords[KW_COUNT] = {
	[KW_VTAG] = "vtag",
	[KW_PEER] = "peer",
	[KW_TO] = "to",
	[KW_TIMEOUT] = "timeout",
};

/* The association: "vtag V" (as "conn show" prints it) or "peer PEER:PORT". */
static int parse_association(const char *const *args, struct lbnl_migrate *m)
{
	const char *vtag = args[KW_VTAG], *peer = args[KW_PEER];

	if (!vtag && !peer)
		return usage_error("missing 'vtag V' or 'peer PEER:PORT' (the association)");
	if (vtag && peer)
		return usage_error("'vtag' and 'peer' both given: name the association by one of them");
	if (peer) {
		m->has |= LBNL_MIGRATE_HAS_PEER;
		return parse_peer_addr(peer, &m->vip, &m->peer.addr,
				       &m->peer.port);
	}
	if (lbnl_parse_u32_or_hex(vtag, &m->vtag))
		return usage_error("invalid vtag '%s', expected a 32-bit number (decimal, or hexadecimal after 0x)",
				   vtag);
	m->has |= LBNL_MIGRATE_HAS_VTAG;
	return 0;
}

/* start's "[to DADDR[:PORT]] [timeout MS]". */
static int parse_start_options(const char *const *args, struct lbnl_migrate *m)
{
	struct lbu_dest target;

	if (args[KW_TO]) {
		if (parse_dest_addr(args[KW_TO], &m->vip, &target))
			return EXIT_USAGE;
		m->target.addr = target.addr;
		m->target.port = target.port;
		m->has |= LBNL_MIGRATE_HAS_TARGET;
	}
	if (args[KW_TIMEOUT]) {
		if (parse_timeout_ms(args[KW_TIMEOUT], &m->timeout_ms))
			return EXIT_USAGE;
		m->has |= LBNL_MIGRATE_HAS_TIMEOUT;
	}
	return 0;
}

/* MIGRATE_KEY_ARGS, and for start its options. */
static int parse_migrate(int argc, char **argv, bool start,
			 struct lbnl_migrate *m)
{
	const char *args[KW_COUNT] = { NULL };

	memset(m, 0, sizeof(*m));
	if (parse_vip_key(&argc, &argv, &m->vip) ||
	    parse_keywords(argc, argv, keywords, start ? KW_COUNT : KW_TO,
			   args) ||
	    parse_association(args, m))
		return EXIT_USAGE;
	return start ? parse_start_options(args, m) : 0;
}

/* An array of migrations, each a line or an object. */
static void print_migrations(const struct lbnl_migrate *m, size_t count)
{
	size_t i;

	json_print_init(stdout, opts.json, opts.pretty);
	open_json_array(NULL);
	for (i = 0; i < count; i++) {
		open_json_object(NULL);
		lbnl_migrate_print(&m[i]);
		print_nl();
		close_json_object();
	}
	close_json_array();
}

/* One migrate request to the kernel, and what it brings back. */
struct migrate_call {
	enum lbnl_op op;		/* LBNL_OP_MIGRATE_* */
	struct lbnl_migrate req;	/* start, commit, abort */
	struct lbnl_migrate opened;	/* start */
	struct lbnl_migrate_list list;	/* show */
};

static int migrate_call(struct lbnl_nl *nl, void *arg)
{
	struct migrate_call *c = arg;

	switch (c->op) {
	case LBNL_OP_MIGRATE_START:
		return lbnl_migrate_start(nl, &c->req, &c->opened);
	case LBNL_OP_MIGRATE_COMMIT:
		return lbnl_migrate_commit(nl, &c->req);
	case LBNL_OP_MIGRATE_ABORT:
		return lbnl_migrate_abort(nl, &c->req);
	default:
		return lbnl_migrate_dump(nl, &c->list);
	}
}

/* start (which prints the migration it opened), commit or abort. */
static int run_migrate_change(int argc, char **argv, enum lbnl_op op)
{
	struct migrate_call c = { .op = op };
	bool start = op == LBNL_OP_MIGRATE_START;

	if (parse_migrate(argc, argv, start, &c.req))
		return EXIT_USAGE;
	if (call_kernel(op, migrate_call, &c))
		return EXIT_FAIL;
	if (start)
		print_migrations(&c.opened, 1);
	return EXIT_OK;
}

static int run_migrate_start(int argc, char **argv)
{
	return run_migrate_change(argc, argv, LBNL_OP_MIGRATE_START);
}

static int run_migrate_commit(int argc, char **argv)
{
	return run_migrate_change(argc, argv, LBNL_OP_MIGRATE_COMMIT);
}

static int run_migrate_abort(int argc, char **argv)
{
	return run_migrate_change(argc, argv, LBNL_OP_MIGRATE_ABORT);
}

static int run_migrate_show(int argc, char **argv)
{
	struct migrate_call c = { .op = LBNL_OP_MIGRATE_GET };

	if (take_output_options(&argc, argv) || expect_no_args(argc, argv))
		return EXIT_USAGE;
	if (call_kernel(c.op, migrate_call, &c))
		return EXIT_FAIL;
	print_migrations(c.list.migrations, c.list.count);
	lbnl_migrate_list_free(&c.list);
	return EXIT_OK;
}

const struct cmd migrate_cmds[] = {
	{ "start", MIGRATE_KEY_ARGS "\n[to DADDR[:PORT]] [timeout MS]",
	  "Open a live migration of an SCTP association to another dest of its VIP\n"
	  "(default: the scheduler's choice) and print it: the peer's DATA is held\n"
	  "until commit, abort or the deadline (default: the module's)",
	  run_migrate_start, NULL },
	{ "commit", MIGRATE_KEY_ARGS,
	  "The target has the association: send it its packets, those held first",
	  run_migrate_commit, NULL },
	{ "abort", MIGRATE_KEY_ARGS,
	  "Give up a migration: the association stays with its source, which gets\n"
	  "the packets held",
	  run_migrate_abort, NULL },
	{ "show", OUTPUT_ARGS, "List the open migrations", run_migrate_show,
	  NULL },
	{ 0 },
};
