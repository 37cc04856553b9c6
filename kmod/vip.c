// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - VIPs and their dests: the configuration objects of a namespace.
 *
 * Writers hold &lbnl_net.lock; lookups from the data path walk the hash and
 * the dest lists under RCU, so every unlink is RCU-safe and every free waits
 * for a grace period.
 */

#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "lbnl.h"

/**
 * lbnl_net_init_vips() - initialise the configuration part of a namespace
 * @ln: the namespace's state, zeroed
 */
void lbnl_net_init_vips(struct lbnl_net *ln)
{
	unsigned int i;

	mutex_init(&ln->lock);
	INIT_LIST_HEAD(&ln->vips);
	for (i = 0; i < ARRAY_SIZE(ln->vip_hash); i++)
		INIT_HLIST_HEAD(&ln->vip_hash[i]);
	ln->hash_seed = get_random_u32();
	ln->gen = 1;
}

/**
 * lbnl_net_bump_gen() - record that the configuration changed
 * @ln: the namespace's state, locked
 *
 * Dumps in progress notice and flag their output NLM_F_DUMP_INTR.
 */
void lbnl_net_bump_gen(struct lbnl_net *ln)
{
	lockdep_assert_held(&ln->lock);
	if (++ln->gen == 0)
		ln->gen = 1;
}

static u32 lbnl_vip_hash(const struct lbnl_net *ln,
			 const struct lbnl_vip_key *key)
{
	u32 words = (__force u32)key->port | (u32)key->proto << 16 |
		    (u32)key->family << 24;

	return jhash_3words(jhash2((const u32 *)&key->addr,
				   sizeof(key->addr) / sizeof(u32),
				   ln->hash_seed),
			    words, 0, ln->hash_seed) &
	       (ARRAY_SIZE(ln->vip_hash) - 1);
}

static bool lbnl_vip_match(const struct lbnl_vip *vip,
			   const struct lbnl_vip_key *key)
{
	return vip->port == key->port && vip->proto == key->proto &&
	       vip->family == key->family &&
	       nf_inet_addr_cmp(&vip->addr, &key->addr);
}

/**
 * lbnl_vip_find() - look a VIP up by its key
 * @ln: the namespace's state
 * @key: address, port, protocol; unused address bytes must be zero
 *
 * Call under &lbnl_net.lock or rcu_read_lock().
 *
 * Return: the VIP, or %NULL.
 */
struct lbnl_vip *lbnl_vip_find(struct lbnl_net *ln,
			       const struct lbnl_vip_key *key)
{
	struct hlist_head *head = &ln->vip_hash[lbnl_vip_hash(ln, key)];
	struct lbnl_vip *vip;

	hlist_for_each_entry_rcu(vip, head, hnode, lockdep_is_held(&ln->lock))
		if (lbnl_vip_match(vip, key))
			return vip;
	return NULL;
}

/**
 * lbnl_vip_apply() - set the configurable attributes of a VIP
 * @ln: the namespace's state, locked
 * @vip: the VIP
 * @conf: the values, already validated
 */
void lbnl_vip_apply(struct lbnl_net *ln, struct lbnl_vip *vip,
		    const struct lbnl_vip_conf *conf)
{
	lockdep_assert_held(&ln->lock);
	WRITE_ONCE(vip->mode, conf->mode);
	WRITE_ONCE(vip->sched, conf->sched);
	WRITE_ONCE(vip->bypass, conf->bypass);
	WRITE_ONCE(vip->migrate_after, conf->migrate_after);
	lbnl_net_bump_gen(ln);
}

/**
 * lbnl_vip_create() - create a VIP and make it visible
 * @ln: the namespace's state, locked
 * @key: the new VIP's key; the caller has checked it is not in use
 * @conf: its configuration, already validated
 *
 * Return: the VIP, or %NULL when out of memory.
 */
struct lbnl_vip *lbnl_vip_create(struct lbnl_net *ln,
				 const struct lbnl_vip_key *key,
				 const struct lbnl_vip_conf *conf)
{
	struct lbnl_vip *vip;

	lockdep_assert_held(&ln->lock);
	vip = kzalloc(sizeof(*vip), GFP_KERNEL);
	if (!vip)
		return NULL;
	atomic_inc(&lbnl_vips_live);

	vip->addr = key->addr;
	vip->port = key->port;
	vip->family = key->family;
	vip->proto = key->proto;
	INIT_LIST_HEAD(&vip->dests);
	lbnl_vip_apply(ln, vip, conf);

	list_add_tail(&vip->list, &ln->vips);
	hlist_add_head_rcu(&vip->hnode, &ln->vip_hash[lbnl_vip_hash(ln, key)]);
	ln->vip_count++;
	return vip;
}

static void lbnl_dest_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct lbnl_dest, rcu));
	atomic_dec(&lbnl_dests_live);
}

static void lbnl_vip_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct lbnl_vip, rcu));
	atomic_dec(&lbnl_vips_live);
}

/**
 * lbnl_vip_destroy() - unlink a VIP and its dests, free them after a grace
 * period
 * @ln: the namespace's state, locked
 * @vip: the VIP
 */
void lbnl_vip_destroy(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_dest *dest, *tmp;

	lockdep_assert_held(&ln->lock);
	hlist_del_rcu(&vip->hnode);
	list_del(&vip->list);
	ln->vip_count--;

	list_for_each_entry_safe(dest, tmp, &vip->dests, list)
		lbnl_dest_destroy(ln, vip, dest);

	lbnl_net_bump_gen(ln);
	call_rcu(&vip->rcu, lbnl_vip_free_rcu);
}

/**
 * lbnl_vip_flush() - destroy every VIP of a namespace
 * @ln: the namespace's state, locked
 */
void lbnl_vip_flush(struct lbnl_net *ln)
{
	struct lbnl_vip *vip, *tmp;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry_safe(vip, tmp, &ln->vips, list)
		lbnl_vip_destroy(ln, vip);
	lbnl_net_bump_gen(ln);
}

/**
 * lbnl_dest_find() - look a dest up within its VIP
 * @ln: the namespace's state
 * @vip: the VIP
 * @key: the dest's address and port
 *
 * Call under &lbnl_net.lock or rcu_read_lock().
 *
 * Return: the dest, or %NULL.
 */
struct lbnl_dest *lbnl_dest_find(struct lbnl_net *ln, struct lbnl_vip *vip,
				 const struct lbnl_dest_key *key)
{
	struct lbnl_dest *dest;

	list_for_each_entry_rcu(dest, &vip->dests, list,
				lockdep_is_held(&ln->lock))
		if (dest->port == key->port &&
		    nf_inet_addr_cmp(&dest->addr, &key->addr))
			return dest;
	return NULL;
}

/**
 * lbnl_dest_apply() - set the configurable attributes of a dest
 * @ln: the namespace's state, locked
 * @dest: the dest
 * @conf: the values, already validated
 */
void lbnl_dest_apply(struct lbnl_net *ln, struct lbnl_dest *dest,
		     const struct lbnl_dest_conf *conf)
{
	lockdep_assert_held(&ln->lock);
	WRITE_ONCE(dest->weight, conf->weight);
	WRITE_ONCE(dest->state, conf->state);
	lbnl_net_bump_gen(ln);
}

/**
 * lbnl_dest_create() - add a dest to a VIP
 * @ln: the namespace's state, locked
 * @vip: the VIP
 * @key: the dest's address (of the VIP's family) and port; not in use yet
 * @conf: its configuration, already validated
 *
 * Return: the dest, or %NULL when out of memory.
 */
struct lbnl_dest *lbnl_dest_create(struct lbnl_net *ln, struct lbnl_vip *vip,
				   const struct lbnl_dest_key *key,
				   const struct lbnl_dest_conf *conf)
{
	struct lbnl_dest *dest;

	lockdep_assert_held(&ln->lock);
	dest = kzalloc(sizeof(*dest), GFP_KERNEL);
	if (!dest)
		return NULL;
	atomic_inc(&lbnl_dests_live);

	dest->addr = key->addr;
	dest->port = key->port;
	lbnl_dest_apply(ln, dest, conf);

	list_add_tail_rcu(&dest->list, &vip->dests);
	vip->dest_count++;
	return dest;
}

/**
 * lbnl_dest_destroy() - unlink a dest from its VIP, free it after a grace
 * period
 * @ln: the namespace's state, locked
 * @vip: the dest's VIP
 * @dest: the dest
 */
void lbnl_dest_destroy(struct lbnl_net *ln, struct lbnl_vip *vip,
		       struct lbnl_dest *dest)
{
	lockdep_assert_held(&ln->lock);
	list_del_rcu(&dest->list);
	vip->dest_count--;
	lbnl_net_bump_gen(ln);
	call_rcu(&dest->rcu, lbnl_dest_free_rcu);
}
