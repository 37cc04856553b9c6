// SPDX-License-Identifier: GPL-2.0
/* lbnl vip {add|set|del|show|bypass-active} */
#include <stdio.h>

#include "json_print.h"
#include "lbnl.h"

#define VIP_KEY_ARGS "ADDR:PORT proto {tcp|udp|sctp}"
#define VIP_OPTION_ARGS "[mode {nat|tun}]\n" \
			"[sched maglev] [bypass {auto|off}] [migrate-after SEC]"

static int parse_vip_change(enum lbnl_op op, int argc, char **argv,
			    struct request *req)
{
	req->op = op;
	if (parse_vip_key(&argc, &argv, &req->vip.key))
		return EXIT_USAGE;
	return parse_vip_options(argc, argv, &req->vip);
}

static int parse_vip_add(int argc, char **argv, struct request *req)
{
	return parse_vip_change(LBNL_OP_VIP_ADD, argc, argv, req);
}

static int parse_vip_set(int argc, char **argv, struct request *req)
{
	return parse_vip_change(LBNL_OP_VIP_SET, argc, argv, req);
}

static int parse_vip_del(int argc, char **argv, struct request *req)
{
	req->op = LBNL_OP_VIP_DEL;
	if (parse_vip_key(&argc, &argv, &req->vip.key))
		return EXIT_USAGE;
	return expect_no_args(argc, argv);
}

/*
 * vip 192.0.2.1:80 proto tcp mode nat sched maglev bypass off
 *     migrate-after 0 dests 1		(one line)
 *   dest 10.0.0.1:80 weight 1 state active
 */
static void print_vip_entry(const struct config *cfg,
			    const struct lbu_vip *vip)
{
	const struct lbu_dest *const *dests;
	size_t i, n = config_dests_of(cfg, &vip->key, &dests);

	open_json_object(NULL);
	print_text("vip ");
	print_vip_key(&vip->key);
	print_vip_settings(vip);
	print_vip_status(vip);
	open_json_array("dests");
	for (i = 0; i < n; i++) {
		print_nl();
		print_text("  dest ");
		open_json_object(NULL);
		print_dest(dests[i]);
		close_json_object();
	}
	close_json_array();
	print_nl();
	close_json_object();
}

static int run_vip_show(int argc, char **argv)
{
	struct lbu_vip_key key, *filter;
	struct lbnl_nl *nl;
	struct config cfg;
	size_t i;
	int err;

	if (parse_vip_filter(argc, argv, &key, &filter))
		return EXIT_USAGE;
	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = config_fetch(nl, filter, &cfg);
	if (err) {
		report_error(nl, LBNL_OP_VIP_GET, err, "");
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}

	json_print_init(stdout, opts.json, opts.pretty);
	open_json_array(NULL);
	for (i = 0; i < cfg.vips.count; i++)
		print_vip_entry(&cfg, &cfg.vips.vips[i]);
	close_json_array();

	config_free(&cfg);
	lbnl_nl_close(nl);
	return EXIT_OK;
}

/*
 * What lbnld does once the router sends the VIP's traffic to its single
 * dest; for tests and hand-made router drivers. Not a change "restore"
 * could replay: it has run, not parse.
 */
static int run_vip_bypass_active(int argc, char **argv)
{
	struct request req = { .op = LBNL_OP_BYPASS_ACTIVE };

	if (parse_dest_key(&argc, &argv, &req.dest) ||
	    expect_no_args(argc, argv))
		return EXIT_USAGE;
	return run_request(&req);
}

const struct cmd vip_cmds[] = {
	{ "add", VIP_KEY_ARGS " " VIP_OPTION_ARGS, "Add a VIP",
	  NULL, parse_vip_add },
	{ "set", VIP_KEY_ARGS " " VIP_OPTION_ARGS,
	  "Change settings of a VIP; those not given stay as they are",
	  NULL, parse_vip_set },
	{ "del", VIP_KEY_ARGS, "Delete a VIP and all its dests",
	  NULL, parse_vip_del },
	{ "show", "[" VIP_KEY_ARGS "]", "List all VIPs, or one, each with its dests",
	  run_vip_show, NULL },
	{ "bypass-active", DEST_KEY_ARGS,
	  "Confirm that the router sends the traffic of a bypassed VIP to its single dest (what lbnld does)",
	  run_vip_bypass_active, NULL },
	{ 0 },
};
