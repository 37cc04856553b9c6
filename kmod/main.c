// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - in-kernel L4 load balancer: module and per-namespace lifetime.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>

#include "lbnl.h"

unsigned int lbnl_net_id __read_mostly;

unsigned int lbnl_max_vips __read_mostly = 16384;
module_param_named(max_vips, lbnl_max_vips, uint, 0644);
MODULE_PARM_DESC(max_vips, "Maximum number of VIPs per network namespace");

unsigned int lbnl_max_dests __read_mostly = 256;
module_param_named(max_dests, lbnl_max_dests, uint, 0644);
MODULE_PARM_DESC(max_dests, "Maximum number of dests per VIP");

/*
 * Live object counts. Every allocation is paired with a free in an RCU
 * callback; if they disagree once the module is about to go away, we say so
 * in the kernel log ("leak"), which the test suite treats as a failure.
 */
atomic_t lbnl_vips_live = ATOMIC_INIT(0);
atomic_t lbnl_dests_live = ATOMIC_INIT(0);

static int __net_init lbnl_net_init(struct net *net)
{
	struct lbnl_net *ln = lbnl_pernet(net);

	lbnl_net_init_vips(ln);
	mutex_init(&ln->assoc_lock);
	lbnl_silence_net_init(net);
	return 0;
}

static void __net_exit lbnl_net_exit(struct net *net)
{
	struct lbnl_net *ln = lbnl_pernet(net);

	lbnl_silence_net_exit(net);
	mutex_lock(&ln->lock);
	lbnl_vip_flush(ln);
	mutex_unlock(&ln->lock);
}

static struct pernet_operations lbnl_net_ops = {
	.init = lbnl_net_init,
	.exit = lbnl_net_exit,
	.id = &lbnl_net_id,
	.size = sizeof(struct lbnl_net),
};

static int __init lbnl_init(void)
{
	int err;

	err = register_pernet_subsys(&lbnl_net_ops);
	if (err)
		return err;

	err = lbnl_genl_init();
	if (err)
		goto err_pernet;

	pr_info("loaded\n");
	return 0;

err_pernet:
	unregister_pernet_subsys(&lbnl_net_ops);
	return err;
}

static void __exit lbnl_exit(void)
{
	int vips, dests;

	lbnl_genl_exit();
	unregister_pernet_subsys(&lbnl_net_ops);
	rcu_barrier();

	vips = atomic_read(&lbnl_vips_live);
	dests = atomic_read(&lbnl_dests_live);
	if (vips || dests)
		pr_err("leak: %d VIPs and %d dests not freed\n", vips, dests);
	pr_info("unloaded\n");
}

module_init(lbnl_init);
module_exit(lbnl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lbnl: L4 load balancer with live SCTP migration");
MODULE_AUTHOR("The lbnl developers");
MODULE_ALIAS_GENL_FAMILY(LBNL_GENL_NAME);
