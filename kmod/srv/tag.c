// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl_srv - routable SCTP verification tags: the server's half.
 *
 * With a key and a server id set in a namespace (LBNL_SRV_CMD_TAG_SET),
 * every verification tag the SCTP stack chooses there names this server
 * (kmod/common/lbnl_tag.h): an LB of the same key then routes any packet of
 * the association to it, even one that finds no entry (after the LB's
 * restart, on another LB of the group, from a multi-homed peer's other
 * address). The stack offers no hook for its choice, so a kretprobe on
 * sctp_generate_tag() (sctp.ko, its only caller sctp_association_new())
 * replaces the random value it returns by lbnl_tag_choose() of the
 * namespace's key and id, with random bits of its own.
 *
 * It runs once per outgoing association, and twice per incoming one: for
 * the temporary association that answers the INIT, whose tag the INIT ACK
 * and the state cookie carry, then for the association made from the
 * COOKIE ECHO, whose tag the cookie's then overrides. Both are chosen
 * here, so both name the server; "chosen" counts every call. An
 * association created before the key was set (or changed, or while the
 * hook is not installed) keeps the stack's own random tag, which names no
 * server (or the wrong one): the LB routes its packets by its connection
 * entry, as without tags (the stateful path). So does an imported
 * association, whose tags the exporting server chose.
 *
 * The handlers run in whatever context creates the association (softirq
 * for an incoming one), with preemption off. The entry handler finds the
 * endpoint's namespace, valid while the endpoint is (its socket holds a
 * reference), as it is until the probed call returns, and passes the
 * namespace's state to the return handler. Both read the namespace's
 * setting under RCU; TAG_SET and TAG_DEL replace it with xchg() and free
 * the old one after a grace period. The kretprobe is registered at module
 * init and unregistered first at exit, before the namespaces' state goes;
 * if it cannot be registered, the module works without it and TAG_SET
 * fails with EOPNOTSUPP.
 */

#include <linux/kprobes.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/sctp/structs.h>

#include "../common/lbnl_tag.h"
#include "srv.h"

/* Concurrent choices in flight: generous, the instances are small. */
#define LBNL_TAG_MAXACTIVE_MIN	64

static int lbnl_tag_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
static int lbnl_tag_return(struct kretprobe_instance *ri,
			   struct pt_regs *regs);

static struct kretprobe lbnl_tag_kretprobe = {
	.kp.symbol_name = "sctp_generate_tag",
	.entry_handler = lbnl_tag_entry,
	.handler = lbnl_tag_return,
	.data_size = sizeof(struct lbnl_srv_net *),
};

static bool lbnl_tag_hook_on __read_mostly;

/*
 * At the call: note the endpoint's namespace if it has a key. Nonzero
 * means no return handler for this call, the common case without a key.
 * (No state only while a namespace is being set up or dismantled.)
 */
static int lbnl_tag_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sctp_endpoint *ep;
	struct lbnl_srv_net *sn;

	ep = (const struct sctp_endpoint *)regs_get_kernel_argument(regs, 0);
	if (!ep)
		return 1;
	sn = lbnl_srv_pernet(ep->base.net);
	if (!sn || !rcu_access_pointer(sn->tag))
		return 1;
	*(struct lbnl_srv_net **)ri->data = sn;
	return 0;
}

/* At the return: our tag instead of the stack's, if there still is a key. */
static int lbnl_tag_return(struct kretprobe_instance *ri,
			   struct pt_regs *regs)
{
	struct lbnl_srv_net *sn = *(struct lbnl_srv_net **)ri->data;
	const struct lbnl_srv_tag *t;

	rcu_read_lock();
	t = rcu_dereference(sn->tag);
	if (t) {
		regs_set_return_value(regs, lbnl_tag_choose(&t->key, t->id,
							    get_random_u32));
		atomic64_inc(&sn->tags_chosen);
	}
	rcu_read_unlock();
	return 0;
}

/**
 * lbnl_tag_hook_init() - install the hook on the stack's tag choice
 *
 * A failure is logged and otherwise ignored: the module works without
 * routable tags.
 */
void __init lbnl_tag_hook_init(void)
{
	int err;

	lbnl_tag_kretprobe.maxactive = max_t(int, 4 * num_possible_cpus(),
					     LBNL_TAG_MAXACTIVE_MIN);
	err = register_kretprobe(&lbnl_tag_kretprobe);
	if (err) {
		pr_warn("cannot hook the SCTP stack's tag choice (kretprobe on sctp_generate_tag: error %d): routable SCTP tags are off, TAG_SET will fail\n",
			err);
		return;
	}
	lbnl_tag_hook_on = true;
}

/**
 * lbnl_tag_hook_exit() - remove the hook (waits for running handlers)
 */
void lbnl_tag_hook_exit(void)
{
	if (!lbnl_tag_hook_on)
		return;
	unregister_kretprobe(&lbnl_tag_kretprobe);
	lbnl_tag_hook_on = false;
}

/**
 * lbnl_tag_hooked() - whether the hook is installed
 *
 * Return: true if it is.
 */
bool lbnl_tag_hooked(void)
{
	return lbnl_tag_hook_on;
}

/**
 * lbnl_tag_hook_missed() - choices the hook missed, host-wide
 *
 * Return: the calls that found no free instance (more concurrent choices
 * than maxactive): their tags are the stack's.
 */
u64 lbnl_tag_hook_missed(void)
{
	if (!lbnl_tag_hook_on)
		return 0;
	/* No free instance, or the probe hit while another one ran. */
	return (u64)READ_ONCE(lbnl_tag_kretprobe.nmissed) +
	       READ_ONCE(lbnl_tag_kretprobe.kp.nmissed);
}

static void lbnl_tag_free_rcu(struct rcu_head *head)
{
	kfree_sensitive(container_of(head, struct lbnl_srv_tag, rcu));
}

/* Publish @t (may be NULL) in @sn; the old setting goes after a grace. */
static bool lbnl_tag_replace(struct lbnl_srv_net *sn, struct lbnl_srv_tag *t)
{
	struct lbnl_srv_tag *old;

	old = unrcu_pointer(xchg(&sn->tag, RCU_INITIALIZER(t)));
	if (!old)
		return false;
	call_rcu(&old->rcu, lbnl_tag_free_rcu);
	return true;
}

/**
 * lbnl_tag_set() - set a namespace's key and server id
 * @net: the namespace
 * @key: LBNL_TAG_KEY_LEN bytes
 * @id: 1..LBNL_TAG_ID_MAX
 *
 * Associations created from now on get tags naming @id under @key.
 *
 * Return: 0, -EINVAL (an id out of range) or -ENOMEM.
 */
int lbnl_tag_set(struct net *net, const u8 *key, u16 id)
{
	struct lbnl_srv_tag *t;

	if (!id || id > LBNL_TAG_ID_MAX)
		return -EINVAL;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	lbnl_tag_key_from_bytes(&t->key, key);
	t->id = id;
	t->fingerprint = lbnl_tag_fingerprint(&t->key);
	lbnl_tag_replace(lbnl_srv_pernet(net), t);
	return 0;
}

/**
 * lbnl_tag_del() - forget a namespace's key
 * @net: the namespace
 *
 * Return: 0, or -ENOENT if it had none.
 */
int lbnl_tag_del(struct net *net)
{
	return lbnl_tag_replace(lbnl_srv_pernet(net), NULL) ? 0 : -ENOENT;
}

/**
 * lbnl_tag_get() - what a namespace's setting is, never the key
 * @net: the namespace
 * @info: set
 *
 * Return: 0, or -ENOENT if it has no key.
 */
int lbnl_tag_get(struct net *net, struct lbnl_srv_tag_info *info)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	const struct lbnl_srv_tag *t;
	int err = -ENOENT;

	rcu_read_lock();
	t = rcu_dereference(sn->tag);
	if (t) {
		info->id = t->id;
		info->fingerprint = t->fingerprint;
		info->chosen = atomic64_read(&sn->tags_chosen);
		err = 0;
	}
	rcu_read_unlock();
	return err;
}

/**
 * lbnl_tag_net_exit() - a namespace goes: forget its key
 * @sn: its state
 */
void lbnl_tag_net_exit(struct lbnl_srv_net *sn)
{
	lbnl_tag_replace(sn, NULL);
}
