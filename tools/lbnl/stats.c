// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl stats: the counters of the LB role - the namespace's (with drops
 * by reason), then each VIP's and each of its dests' (see lb_print.h).
 * With a VIP, only that VIP and its dests.
 */
#include <stdio.h>

#include "json_print.h"
#include "lb_print.h"
#include "lbnl.h"

static int run_stats(int argc, char **argv)
{
	struct lbu_vip_key key, *filter;
	struct lbnl_stats_list list;
	struct lbnl_stats global;
	struct lbnl_nl *nl;
	int err = 0;

	if (take_output_options(&argc, argv) ||
	    parse_vip_filter(argc, argv, &key, &filter))
		return EXIT_USAGE;
	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	if (!filter)
		err = lbnl_stats_get(nl, &global);
	if (!err)
		err = lbnl_stats_dump(nl, filter, &list);
	if (err) {
		report_error(nl, LBNL_OP_STATS_GET, err, "");
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}
	lbnl_nl_close(nl);

	json_print_init(stdout, opts.json, opts.pretty);
	lbnl_stats_print(filter ? NULL : &global, &list);
	lbnl_stats_list_free(&list);
	return EXIT_OK;
}

const struct cmd stats_cmds[] = {
	{ NULL, "[-j [-p]] [VIP:PORT proto {tcp|udp|sctp}]",
	  "Print the load balancer's counters: global ones with drops by reason,\n"
	  "then per VIP and per dest (with a VIP: that VIP's and its dests' only)",
	  run_stats, NULL },
	{ 0 },
};
