// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl conn {show|del|flush}: the connection table of the LB role, one
 * entry per flow (see lb_print.h for the output).
 */
#include <stdio.h>

#include "json_print.h"
#include "lb_print.h"
#include "lbnl.h"

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

static int run_conn_flush(int argc, char **argv)
{
	struct lbu_vip_key key, *filter;
	struct lbnl_nl *nl;
	int err;

	if (parse_vip_filter(argc, argv, &key, &filter))
		return EXIT_USAGE;
	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = lbnl_conn_flush(nl, filter);
	if (err)
		report_error(nl, LBNL_OP_CONN_FLUSH, err, "");
	lbnl_nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

const struct cmd conn_cmds[] = {
	{ "show", OUTPUT_ARGS " [" VIP_KEY_ARGS "]",
	  "List the connection-table entries of all VIPs, or of one",
	  run_conn_show, NULL },
	{ "del", VIP_KEY_ARGS " PEER:PORT",
	  "Forget the entry of one flow: its next packet is scheduled anew",
	  run_conn_del, NULL },
	{ "flush", "[" VIP_KEY_ARGS "]",
	  "Forget every connection-table entry of all VIPs, or of one",
	  run_conn_flush, NULL },
	{ 0 },
};
