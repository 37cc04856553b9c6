// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl_srv - the server role of lbnl: module and per-namespace lifetime.
 *
 * Loaded on the hosts that serve a VIP's SCTP associations (with or
 * without lbnl.ko): it lets lbnl-agent list, export, import, resume and
 * release the host's associations through the "lbnl_srv" family
 * (<linux/lbnl_srv.h>), keeps the silence entries (silence.c) of
 * associations that moved away, and makes the SCTP stack choose routable
 * verification tags (tag.c).
 */

#include <linux/module.h>
#include <net/genetlink.h>

#include "srv.h"

unsigned int lbnl_srv_net_id __read_mostly;

static int __net_init lbnl_srv_net_init(struct net *net)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);

	sn->net = net;
	mutex_init(&sn->assoc_lock);
	lbnl_silence_net_init(net);
	/* Last: nothing to undo if it fails. */
	return lbnl_srv_sysctl_net_init(sn);
}

static void __net_exit lbnl_srv_net_exit(struct net *net)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);

	lbnl_tag_net_exit(sn);
	lbnl_srv_sysctl_net_exit(sn);
	lbnl_silence_net_exit(net);
}

static struct pernet_operations lbnl_srv_net_ops = {
	.init = lbnl_srv_net_init,
	.exit = lbnl_srv_net_exit,
	.id = &lbnl_srv_net_id,
	.size = sizeof(struct lbnl_srv_net),
};

static int __init lbnl_srv_init(void)
{
	int err;

	err = register_pernet_subsys(&lbnl_srv_net_ops);
	if (err)
		return err;
	/* After the pernet state it reads; never fails the module. */
	lbnl_tag_hook_init();
	err = lbnl_srv_genl_init();
	if (err) {
		lbnl_tag_hook_exit();
		unregister_pernet_subsys(&lbnl_srv_net_ops);
		rcu_barrier();
		return err;
	}
	pr_info("loaded\n");
	return 0;
}

static void __exit lbnl_srv_exit(void)
{
	/* First: no handler may run once the pernet state goes. */
	lbnl_tag_hook_exit();
	lbnl_srv_genl_exit();
	unregister_pernet_subsys(&lbnl_srv_net_ops);
	rcu_barrier();	/* silence entries and tag settings freed by RCU */
	pr_info("unloaded\n");
}

module_init(lbnl_srv_init);
module_exit(lbnl_srv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lbnl server role: live SCTP association export and import");
MODULE_AUTHOR("The lbnl developers");
MODULE_ALIAS_GENL_FAMILY(LBNL_SRV_GENL_NAME);
