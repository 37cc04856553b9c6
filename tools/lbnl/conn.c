// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl conn {show|add|del|flush}: the connection table of the LB role, one
 * entry per flow (see lb_print.h for the output). add installs the entry
 * of an SCTP association that migrated to a dest its tag does not name
 * (what lbnld does from its records after the LB restarted).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "json_print.h"
#include "lb_print.h"
#include "lbnl.h"
#include "util.h"

#define VIP_KEY_ARGS	"VIP:PORT proto {tcp|udp|sctp}"
#define OUTPUT_ARGS	"[-j [-p]]"

static int run_conn_show(int argc, char **argv)
{
	struct lbu_vip_key key, *filter;
	struct lbnl_conn_list list;
	bool inconsistent;
	struct lbnl_nl *nl;
	size_t i;
	int err;

	if (take_output_options(&argc, argv) ||
	    parse_vip_filter(argc, argv, &key, &filter))
		return EXIT_USAGE;
	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = lbnl_conn_dump(nl, filter, &list, &inconsistent);
	if (err) {
		report_error(nl, LBNL_OP_CONN_GET, err, "");
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}
	lbnl_nl_close(nl);

	json_print_init(stdout, opts.json, opts.pretty);
	open_json_array(NULL);
	for (i = 0; i < list.count; i++)
		lbnl_conn_print(&list.conns[i]);
	close_json_array();
	lbnl_conn_list_free(&list);
	fflush(stdout);
	if (inconsistent)
		fprintf(stderr, "Warning: the connection table kept changing during the dump: entries may be missing or listed twice\n");
	return EXIT_OK;
}

enum { KW_VTAG, KW_PEER_VTAG, KW_DEST, KW_COUNT };

static const char *const add_keywords[KW_COUNT] = {
	[KW_VTAG] = "vtag",
	[KW_PEER_VTAG] = "peer-vtag",
	[KW_DEST] = "dest",
};

/* "vtag V": a tag as "conn show" prints it; never 0 (no association's). */
static int parse_vtag(const char *keyword, const char *arg, uint32_t *tag)
{
	if (lbnl_parse_u32_or_hex(arg, tag) || !*tag)
		return usage_error("invalid %s '%s', expected a nonzero 32-bit number (decimal, or hexadecimal after 0x)",
				   keyword, arg);
	return 0;
}

/* VIP:PORT proto sctp PEER:PORT vtag V [peer-vtag V] dest DADDR[:PORT] */
static int parse_conn_add(int argc, char **argv, struct lbu_conn *c)
{
	const char *args[KW_COUNT];
	struct lbu_dest dest;

	if (parse_vip_key(&argc, &argv, &c->vip))
		return EXIT_USAGE;
	if (c->vip.proto != IPPROTO_SCTP)
		return usage_error("only SCTP associations are installed (proto sctp): TCP and UDP flows find their dest by the scheduler");
	if (argc < 1)
		return usage_error("missing peer address (PEER:PORT)");
	if (parse_peer_addr(argv[0], &c->vip, &c->peer_addr, &c->peer_port) ||
	    parse_keywords(argc - 1, argv + 1, add_keywords, KW_COUNT, args))
		return EXIT_USAGE;
	if (!args[KW_VTAG])
		return usage_error("missing 'vtag V' (the tag the peer sends)");
	if (!args[KW_DEST])
		return usage_error("missing 'dest DADDR[:PORT]' (where the association is)");
	if (parse_vtag("vtag", args[KW_VTAG], &c->my_vtag) ||
	    (args[KW_PEER_VTAG] &&
	     parse_vtag("peer-vtag", args[KW_PEER_VTAG], &c->peer_vtag)) ||
	    parse_dest_addr(args[KW_DEST], &c->vip, &dest))
		return EXIT_USAGE;
	if (dest.addr.family != c->vip.addr.family)
		return usage_error("dest address '%s' is not of the VIP's address family",
				   args[KW_DEST]);
	if (args[KW_PEER_VTAG])
		c->has |= LBNL_CONN_HAS_PEER_VTAG;
	c->has |= LBNL_CONN_HAS_MY_VTAG | LBNL_CONN_HAS_DEST;
	c->dest_addr = dest.addr;
	c->dest_port = dest.port;
	return 0;
}

static int conn_new(struct lbnl_nl *nl, void *arg)
{
	return lbnl_conn_new(nl, arg);
}

static int run_conn_add(int argc, char **argv)
{
	struct lbu_conn c = { 0 };

	if (parse_conn_add(argc, argv, &c))
		return EXIT_USAGE;
	return call_kernel(LBNL_OP_CONN_NEW, conn_new, &c);
}

/* VIP:PORT proto P PEER:PORT */
static int run_conn_del(int argc, char **argv)
{
	struct lbu_vip_key vip;
	struct lbnl_addr peer;
	struct lbnl_nl *nl;
	uint16_t port;
	int err;

	if (parse_vip_key(&argc, &argv, &vip))
		return EXIT_USAGE;
	if (argc < 1)
		return usage_error("missing peer address (PEER:PORT)");
	if (parse_peer_addr(argv[0], &vip, &peer, &port) ||
	    expect_no_args(argc - 1, argv + 1))
		return EXIT_USAGE;

	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = lbnl_conn_del(nl, &vip, &peer, port);
	if (err)
		report_error(nl, LBNL_OP_CONN_DEL, err, "");
	lbnl_nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

/* "[VIP:PORT proto P [dest DADDR[:PORT]]]" */
static int run_conn_flush(int argc, char **argv)
{
	struct lbu_vip_key key, *filter = NULL;
	struct lbu_dest dest = { 0 };
	bool of_dest = false;
	struct lbnl_nl *nl;
	int err;

	if (argc) {
		if (parse_vip_key(&argc, &argv, &key))
			return EXIT_USAGE;
		filter = &key;
	}
	if (argc && !strcmp(argv[0], "dest")) {
		if (argc < 2)
			return usage_error("missing dest address after 'dest'");
		if (parse_dest_addr(argv[1], &key, &dest))
			return EXIT_USAGE;
		of_dest = true;
		argc -= 2;
		argv += 2;
	}
	if (expect_no_args(argc, argv))
		return EXIT_USAGE;
	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = of_dest ? lbnl_dest_flush_conns(nl, &dest) :
			lbnl_conn_flush(nl, filter);
	if (err)
		report_error(nl, LBNL_OP_CONN_FLUSH, err, "");
	lbnl_nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

const struct cmd conn_cmds[] = {
	{ "show", OUTPUT_ARGS " [" VIP_KEY_ARGS "]",
	  "List the connection-table entries of all VIPs, or of one",
	  run_conn_show, NULL },
	{ "add", "VIP:PORT proto sctp PEER:PORT vtag V [peer-vtag V]\n"
	  "dest DADDR[:PORT]",
	  "Install the entry of an SCTP association that migrated to that dest:\n"
	  "what lbnld does from its records after the LB restarted",
	  run_conn_add, NULL },
	{ "del", VIP_KEY_ARGS " PEER:PORT",
	  "Forget the entry of one flow: its next packet is scheduled anew",
	  run_conn_del, NULL },
	{ "flush", "[" VIP_KEY_ARGS " [dest DADDR[:PORT]]]",
	  "Forget every connection-table entry of all VIPs, of one, or of one\n"
	  "of its dests: the flows' next packets are scheduled anew (SCTP: by\n"
	  "their tag)",
	  run_conn_flush, NULL },
	{ 0 },
};
