// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - in-kernel L4 load balancer: module and per-namespace lifetime.
 */

#include <linux/module.h>
#include <net/genetlink.h>

#include "lb.h"

unsigned int lbnl_net_id __read_mostly;

/*
 * Live object counts. Every allocation is paired with a free in an RCU
 * callback; if they disagree once the module is about to go away, we say so
 * in the kernel log ("leak"), which the test suite treats as a failure.
 */
atomic_t lbnl_vips_live = ATOMIC_INIT(0);
atomic_t lbnl_dests_live = ATOMIC_INIT(0);

/* Deferred frees and the connection-table GC. */
struct workqueue_struct *lbnl_wq __read_mostly;

static int __net_init lbnl_net_init(struct net *net)
{
	struct lbnl_net *ln = lbnl_pernet(net);
	int err;

	ln->net = net;
	err = lbnl_stats_net_init(ln);
	if (err)
		return err;
	lbnl_net_init_vips(ln);
	lbnl_conn_net_init(ln);
	lbnl_migrate_net_init(ln);
	/* Last: its handlers may touch what the lines above set up. */
	err = lbnl_sysctl_net_init(ln);
	if (err)
		lbnl_stats_net_exit(ln);
	return err;
}

static void __net_exit lbnl_net_exit(struct net *net)
{
	struct lbnl_net *ln = lbnl_pernet(net);

	lbnl_sysctl_net_exit(ln);
	mutex_lock(&ln->lock);
	lbnl_vip_flush(ln);
	mutex_unlock(&ln->lock);
	lbnl_conn_net_exit(ln);
	/* The VIPs' deferred frees use @ln: let them finish. */
	rcu_barrier();
	flush_workqueue(lbnl_wq);
	lbnl_tag_net_exit(ln);
	lbnl_stats_net_exit(ln);
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

	err = lbnl_ops_init();
	if (err)
		return err;
	lbnl_wq = alloc_workqueue("lbnl", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!lbnl_wq)
		return -ENOMEM;
	err = lbnl_conn_init();
	if (err)
		goto err_wq;

	err = register_pernet_subsys(&lbnl_net_ops);
	if (err)
		goto err_conn;

	err = lbnl_genl_init();
	if (err)
		goto err_pernet;

	pr_info("loaded\n");
	return 0;

err_pernet:
	unregister_pernet_subsys(&lbnl_net_ops);
err_conn:
	rcu_barrier();
	lbnl_conn_exit();
err_wq:
	destroy_workqueue(lbnl_wq);
	return err;
}

static void __exit lbnl_exit(void)
{
	int vips, dests;

	int conns;

	lbnl_genl_exit();
	unregister_pernet_subsys(&lbnl_net_ops);
	rcu_barrier();
	destroy_workqueue(lbnl_wq);
	rcu_barrier();	/* entries' and dests' frees queued by the work */

	vips = atomic_read(&lbnl_vips_live);
	dests = atomic_read(&lbnl_dests_live);
	conns = atomic_read(&lbnl_conns_live);
	if (vips || dests || conns)
		pr_err("leak: %d VIPs, %d dests and %d connections not freed\n",
		       vips, dests, conns);
	else
		lbnl_conn_exit();
	pr_info("unloaded\n");
}

module_init(lbnl_init);
module_exit(lbnl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lbnl: L4 load balancer with live SCTP migration");
MODULE_AUTHOR("The lbnl developers");
MODULE_ALIAS_GENL_FAMILY(LBNL_GENL_NAME);
