// SPDX-License-Identifier: GPL-2.0
/* lbnl flush */
#include "lbnl.h"

static int parse_flush(int argc, char **argv, struct request *req)
{
	req->op = LBNL_OP_FLUSH;
	return expect_no_args(argc, argv);
}

const struct cmd flush_cmds[] = {
	{ NULL, "", "Delete every VIP and dest of this network namespace",
	  NULL, parse_flush },
	{ 0 },
};
