// SPDX-License-Identifier: GPL-2.0
/* lbnl dest {add|set|del|show} */
#include <stdio.h>

#include "json_print.h"
#include "lbnl.h"

#define DEST_OPTION_ARGS "[weight W]\n[state {active|maint|drain|down}] [tag-id ID]"

static int parse_dest_add(int argc, char **argv, struct request *req)
{
	req->op = LBNL_OP_DEST_ADD;
	if (parse_dest_key(&argc, &argv, &req->dest) ||
	    parse_dest_options(argc, argv, &req->dest, false))
		return EXIT_USAGE;
	if (!(req->dest.has & LBNL_DEST_HAS_WEIGHT)) {
		req->dest.has |= LBNL_DEST_HAS_WEIGHT;
		req->dest.weight = 1;
	}
	return 0;
}

static int parse_dest_set(int argc, char **argv, struct request *req)
{
	req->op = LBNL_OP_DEST_SET;
	if (parse_dest_key(&argc, &argv, &req->dest))
		return EXIT_USAGE;
	return parse_dest_options(argc, argv, &req->dest, true);
}

static int parse_dest_del(int argc, char **argv, struct request *req)
{
	req->op = LBNL_OP_DEST_DEL;
	if (parse_dest_key(&argc, &argv, &req->dest))
		return EXIT_USAGE;
	return expect_no_args(argc, argv);
}

/* vip 192.0.2.1:80 proto tcp dest 10.0.0.1:80 weight 1 state active */
static void print_dest_entry(const struct lbu_dest *dest)
{
	open_json_object(NULL);
	print_text("vip ");
	open_json_object("vip");
	print_vip_key(&dest->vip);
	close_json_object();
	print_text(" dest ");
	print_dest(dest);
	print_dest_emptying(dest);
	print_nl();
	close_json_object();
}

static int run_dest_show(int argc, char **argv)
{
	struct lbu_vip_key key, *filter;
	struct lbnl_dest_list list;
	struct lbnl_nl *nl;
	size_t i;
	int err;

	if (parse_vip_filter(argc, argv, &key, &filter))
		return EXIT_USAGE;
	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = lbnl_dest_dump(nl, filter, &list);
	if (err) {
		report_error(nl, LBNL_OP_DEST_GET, err, "");
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}

	json_print_init(stdout, opts.json, opts.pretty);
	open_json_array(NULL);
	for (i = 0; i < list.count; i++)
		print_dest_entry(&list.dests[i]);
	close_json_array();

	lbnl_dest_list_free(&list);
	lbnl_nl_close(nl);
	return EXIT_OK;
}

const struct cmd dest_cmds[] = {
	{ "add", DEST_KEY_ARGS " " DEST_OPTION_ARGS,
	  "Add a dest to a VIP (default: weight 1, state active, the VIP's port)",
	  NULL, parse_dest_add },
	{ "set", DEST_KEY_ARGS " " DEST_OPTION_ARGS "\n[if-state S]",
	  "Change the weight, state or tag id of a dest; with if-state, only if\n"
	  "it is in state S (else exit 1: the dest is not in that state)",
	  NULL, parse_dest_set },
	{ "del", DEST_KEY_ARGS, "Delete a dest", NULL, parse_dest_del },
	{ "show", "[VIP:PORT proto {tcp|udp|sctp}]",
	  "List the dests of all VIPs, or of one", run_dest_show, NULL },
	{ "wait", DEST_KEY_ARGS " empty [timeout S]",
	  "Wait until a dest in maint or drain holds no entry (exit 0)",
	  run_dest_wait, NULL },
	{ 0 },
};
