// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl_srv - the server role's per-namespace settings: the sysctls
 * net.lbnl_srv.*
 *
 * As the LB role's net.lbnl.* (kmod/lb/sysctl.c): every network namespace
 * has its own struct lbnl_srv_settings and its own copy of the table below,
 * rebased onto it. A namespace starts from the module parameters, which
 * are read-only once the module is loaded. Neither setting is a limit on
 * what the namespace may hold: both take any value, in any namespace, and
 * a change applies from the next export or release.
 */

#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysctl.h>

#include "srv.h"

/* The module parameters: what a new namespace starts from. */
static struct lbnl_srv_settings lbnl_srv_seed __read_mostly = {
	.export_settle_ms = 50,
	.release_grace_ms = 60000,
};

/* Each seeds the sysctl of its name in the namespaces created later. */
module_param_named(export_settle_ms, lbnl_srv_seed.export_settle_ms, uint,
		   0444);
MODULE_PARM_DESC(export_settle_ms,
		 "How long an association must stay quiescent, its application not waiting on the socket, before export (ms, 50); only the initial value of sysctl net.lbnl_srv.export_settle_ms in each new namespace");
module_param_named(release_grace_ms, lbnl_srv_seed.release_grace_ms, uint,
		   0444);
MODULE_PARM_DESC(release_grace_ms,
		 "How long a released association's packets stay dropped (ms, 60000); only the initial value of sysctl net.lbnl_srv.release_grace_ms in each new namespace");

static const struct ctl_table lbnl_srv_sysctl_template[] = {
	{
		.procname = "export_settle_ms",
		.data = &lbnl_srv_seed.export_settle_ms,
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec,
	},
	{
		.procname = "release_grace_ms",
		.data = &lbnl_srv_seed.release_grace_ms,
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = proc_douintvec,
	},
	{ }
};

/**
 * lbnl_srv_sysctl_net_init() - a namespace's settings, from the module
 * parameters, and its net.lbnl_srv.* sysctls
 * @sn: the namespace's state; nothing reads its settings yet
 *
 * Return: 0 or -ENOMEM.
 */
int lbnl_srv_sysctl_net_init(struct lbnl_srv_net *sn)
{
	struct ctl_table *tbl;
	unsigned int i;

	sn->settings = lbnl_srv_seed;

	tbl = kmemdup(lbnl_srv_sysctl_template,
		      sizeof(lbnl_srv_sysctl_template), GFP_KERNEL);
	if (!tbl)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(lbnl_srv_sysctl_template) - 1; i++)
		tbl[i].data += (void *)&sn->settings - (void *)&lbnl_srv_seed;

	sn->sysctl_hdr = register_net_sysctl(sn->net, "net/lbnl_srv", tbl);
	if (!sn->sysctl_hdr) {
		kfree(tbl);
		return -ENOMEM;
	}
	return 0;
}

/**
 * lbnl_srv_sysctl_net_exit() - remove a namespace's net.lbnl_srv.* sysctls
 * @sn: the namespace's state
 *
 * Waits for the handlers running; the settings stay readable.
 */
void lbnl_srv_sysctl_net_exit(struct lbnl_srv_net *sn)
{
	const struct ctl_table *tbl = sn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(sn->sysctl_hdr);
	kfree(tbl);
}
