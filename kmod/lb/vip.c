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

#include "lb.h"

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
	for (i = 0; i < ARRAY_SIZE(ln->dest_hash); i++)
		INIT_HLIST_HEAD(&ln->dest_hash[i]);
	for (i = 0; i < ARRAY_SIZE(ln->dest_addr_hash); i++)
		INIT_HLIST_HEAD(&ln->dest_addr_hash[i]);
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

/*
 * VIPs hash by address and protocol, not port: a fragment, which has no
 * ports, must still be recognised as a VIP's. A bucket holds the ports of an
 * address (usually a few) besides collisions.
 */
static u32 lbnl_vip_hash(const struct lbnl_net *ln,
			 const union nf_inet_addr *addr, u8 family)
{
	return jhash_2words(jhash2(addr->all, ARRAY_SIZE(addr->all),
				   ln->hash_seed),
			    family, ln->hash_seed) &
	       (ARRAY_SIZE(ln->vip_hash) - 1);
}

/* Dests hash by (address, port, protocol): the NAT return path's key. */
static u32 lbnl_dest_hash(const struct lbnl_net *ln,
			  const union nf_inet_addr *addr, __be16 port,
			  u8 proto)
{
	return jhash_2words(jhash2(addr->all, ARRAY_SIZE(addr->all),
				   ln->hash_seed),
			    (__force u32)port | (u32)proto << 16,
			    ln->hash_seed) &
	       (ARRAY_SIZE(ln->dest_hash) - 1);
}

/* And by address alone: a fragment's key. */
static u32 lbnl_dest_addr_hash(const struct lbnl_net *ln,
			       const union nf_inet_addr *addr)
{
	return jhash2(addr->all, ARRAY_SIZE(addr->all), ln->hash_seed) &
	       (ARRAY_SIZE(ln->dest_addr_hash) - 1);
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
	struct hlist_head *head;
	struct lbnl_vip *vip;

	head = &ln->vip_hash[lbnl_vip_hash(ln, &key->addr, key->family)];
	hlist_for_each_entry_rcu(vip, head, hnode, lockdep_is_held(&ln->lock))
		if (lbnl_vip_match(vip, key))
			return vip;
	return NULL;
}

/**
 * lbnl_vip_lookup() - the packet path's VIP lookup
 * @ln: the namespace's state
 * @addr: destination address
 * @family: AF_INET or AF_INET6
 * @proto: IPPROTO_*
 * @port: destination port, network order
 *
 * Call under rcu_read_lock().
 *
 * Return: the VIP, or %NULL.
 */
struct lbnl_vip *lbnl_vip_lookup(struct lbnl_net *ln,
				 const union nf_inet_addr *addr, u8 family,
				 u8 proto, __be16 port)
{
	struct hlist_head *head = &ln->vip_hash[lbnl_vip_hash(ln, addr,
							       family)];
	struct lbnl_vip *vip;

	hlist_for_each_entry_rcu(vip, head, hnode)
		if (vip->port == port && vip->proto == proto &&
		    vip->family == family && nf_inet_addr_cmp(&vip->addr, addr))
			return vip;
	return NULL;
}

/**
 * lbnl_vip_addr_known() - is an address a VIP's, whatever the port?
 * @ln: the namespace's state
 * @addr: the address
 * @family: AF_INET or AF_INET6
 * @proto: IPPROTO_*, or 0 for any protocol
 *
 * Call under rcu_read_lock().
 *
 * Return: true if a VIP has that address (and protocol).
 */
bool lbnl_vip_addr_known(struct lbnl_net *ln, const union nf_inet_addr *addr,
			 u8 family, u8 proto)
{
	struct hlist_head *head = &ln->vip_hash[lbnl_vip_hash(ln, addr,
							       family)];
	struct lbnl_vip *vip;

	hlist_for_each_entry_rcu(vip, head, hnode)
		if ((!proto || vip->proto == proto) && vip->family == family &&
		    nf_inet_addr_cmp(&vip->addr, addr))
			return true;
	return false;
}

/**
 * lbnl_dest_addr_nat() - is an address a nat dest's, whatever the port?
 * @ln: the namespace's state
 * @addr: the address
 * @family: AF_INET or AF_INET6
 *
 * Call under rcu_read_lock().
 *
 * Return: true if a dest of a VIP of a &lbnl_fwd.nat mode has it.
 */
bool lbnl_dest_addr_nat(struct lbnl_net *ln, const union nf_inet_addr *addr,
			u8 family)
{
	struct hlist_head *head = &ln->dest_addr_hash[lbnl_dest_addr_hash(ln,
									  addr)];
	struct lbnl_dest *dest;

	hlist_for_each_entry_rcu(dest, head, anode)
		if (dest->vip->family == family &&
		    lbnl_fwd_get(READ_ONCE(dest->vip->mode))->nat &&
		    nf_inet_addr_cmp(&dest->addr, addr))
			return true;
	return false;
}

/**
 * lbnl_dest_lookup_nat() - find the dests of nat VIPs at an address and port
 * @ln: the namespace's state
 * @addr: the dest's address
 * @family: AF_INET or AF_INET6
 * @proto: IPPROTO_*
 * @port: the dest's port, network order
 * @from: %NULL for the first match, or the previous match for the next
 *
 * Call under rcu_read_lock().
 *
 * Return: a dest, or %NULL.
 */
static struct lbnl_dest *lbnl_dest_lookup_nat(struct lbnl_net *ln,
					      const union nf_inet_addr *addr,
					      u8 family, u8 proto, __be16 port,
					      struct lbnl_dest *from)
{
	struct hlist_head *head;
	struct lbnl_dest *dest;

	if (from) {
		dest = hlist_entry_safe(rcu_dereference(hlist_next_rcu(&from->hnode)),
					struct lbnl_dest, hnode);
	} else {
		head = &ln->dest_hash[lbnl_dest_hash(ln, addr, port, proto)];
		dest = hlist_entry_safe(rcu_dereference(hlist_first_rcu(head)),
					struct lbnl_dest, hnode);
	}
	hlist_for_each_entry_from_rcu(dest, hnode)
		if (dest->port == port && dest->vip->proto == proto &&
		    dest->vip->family == family &&
		    lbnl_fwd_get(READ_ONCE(dest->vip->mode))->nat &&
		    nf_inet_addr_cmp(&dest->addr, addr))
			return dest;
	return NULL;
}

/**
 * lbnl_dest_for_reply() - the nat dest a packet from its side answers for
 * @ln: the namespace's state
 * @addr: the dest's address
 * @family: AF_INET or AF_INET6
 * @proto: IPPROTO_*
 * @port: the dest's port, network order
 * @peer: the flow's peer address
 * @pport: the flow's peer port, network order
 * @conn: the flow's entry, or %NULL if it has none
 *
 * The dest's (address, port) may serve several VIPs: the one with this
 * flow's entry wins, else the first (a reply to a flow the LB lost track
 * of still needs the VIP's address). The reply path (hooks.c) and ICMP
 * errors from a dest's side (icmp.c) find their dest here.
 *
 * Call under rcu_read_lock().
 *
 * Return: the dest, or %NULL if no nat dest has that address and port.
 */
struct lbnl_dest *lbnl_dest_for_reply(struct lbnl_net *ln,
				      const union nf_inet_addr *addr,
				      u8 family, u8 proto, __be16 port,
				      const union nf_inet_addr *peer,
				      __be16 pport, struct lbnl_conn **conn)
{
	struct lbnl_dest *dest = NULL, *first = NULL;
	struct lbnl_conn *c;

	*conn = NULL;
	while ((dest = lbnl_dest_lookup_nat(ln, addr, family, proto, port,
					    dest))) {
		if (!first)
			first = dest;
		c = lbnl_conn_lookup(dest->vip, peer, pport);
		if (c && c->dest == dest) {
			*conn = c;
			return dest;
		}
	}
	return first;
}

/**
 * lbnl_vip_conf_check() - check a VIP's configuration as a whole
 * @conf: the configuration, each attribute in its range
 * @tb: the request's VIP attributes, to name the one at fault
 * @extack: for the reason
 *
 * Return: 0, or -EINVAL with the reason in @extack.
 */
int lbnl_vip_conf_check(const struct lbnl_vip_conf *conf, struct nlattr **tb,
			struct netlink_ext_ack *extack)
{
	const struct lbnl_fwd *fwd = lbnl_fwd_get(conf->mode);
	const struct lbnl_scheduler *sched = lbnl_sched_get(conf->sched);

	if (!fwd) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_VIP_MODE],
				    "forwarding mode not built into this module");
		return -EOPNOTSUPP;
	}
	if (!sched) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_VIP_SCHED],
				    "scheduler not built into this module");
		return -EOPNOTSUPP;
	}
	/*
	 * A bypassed VIP's traffic goes from the router straight to the
	 * dest, which must then accept packets addressed to the VIP: only
	 * true of tunnel (DSR) dests, which own the VIP locally.
	 */
	if (conf->bypass == LBNL_BYPASS_AUTO && !fwd->bypass) {
		NL_SET_ERR_MSG_ATTR(extack,
				    tb[LBNL_A_VIP_BYPASS] ?: tb[LBNL_A_VIP_MODE],
				    "bypass auto needs mode tun: a NAT VIP cannot be bypassed");
		return -EINVAL;
	}
	/*
	 * Around a bypass, flows move between the router's path and the
	 * LBs' without their state: only a scheduler that every LB answers
	 * alike for every packet of a flow can take them back.
	 */
	if (conf->bypass == LBNL_BYPASS_AUTO && !sched->deterministic) {
		NL_SET_ERR_MSG_ATTR(extack,
				    tb[LBNL_A_VIP_BYPASS] ?: tb[LBNL_A_VIP_SCHED],
				    "bypass auto needs a deterministic scheduler (maglev): flows without state would change dests");
		return -EINVAL;
	}
	return 0;
}

/* The dests taking new flows, as lbnl_bypass_update() counts them. */
static u32 lbnl_vip_active_dests(const struct lbnl_vip *vip)
{
	const struct lbnl_dest *dest;
	u32 n = 0;

	list_for_each_entry(dest, &vip->dests, list)
		n += lbnl_dest_takes_new(dest);
	return n;
}

static void lbnl_dest_link(struct lbnl_net *ln, struct lbnl_vip *vip,
			   struct lbnl_dest *dest)
{
	dest->vip = vip;
	/*
	 * The reply path finds the dest in dest_hash under RCU alone and
	 * reads dest->vip at once, so everything must be set before the
	 * pointer to it is stored (the _rcu adds order the stores).
	 */
	list_add_tail_rcu(&dest->list, &vip->dests);
	hlist_add_head_rcu(&dest->hnode,
			   &ln->dest_hash[lbnl_dest_hash(ln, &dest->addr,
							 dest->port,
							 vip->proto)]);
	hlist_add_head_rcu(&dest->anode,
			   &ln->dest_addr_hash[lbnl_dest_addr_hash(ln,
								   &dest->addr)]);
	vip->dest_count++;
}

/*
 * Make @dests (from lbnl_dest_alloc()) the VIP's, and @data (built from
 * them and the VIP's dests) its scheduler's: the dests first, so that the
 * packet path, which finds them only through the data, never sees a dest
 * that is not linked yet, then the data in one swap. Cannot fail.
 */
static void lbnl_vip_commit(struct lbnl_net *ln, struct lbnl_vip *vip,
			    struct list_head *dests,
			    struct lbnl_sched_data *data)
{
	struct lbnl_dest *dest, *tmp;
	bool tagged = false;

	list_for_each_entry_safe(dest, tmp, dests, list) {
		list_del(&dest->list);
		lbnl_dest_link(ln, vip, dest);
		tagged |= dest->tag_id != 0;
	}
	/*
	 * The tag map first: from the moment the scheduler's data names the
	 * new dests, a packet whose tag names one of them goes to it.
	 */
	if (tagged)
		lbnl_tag_map_rebuild(ln, vip);
	lbnl_sched_install(ln, vip, data);
	vip->active_dests = lbnl_vip_active_dests(vip);
	lbnl_net_bump_gen(ln);
}

/**
 * lbnl_vip_update() - change a VIP's configurable attributes and add dests
 * to it, as one change
 * @ln: the namespace's state, locked
 * @vip: the VIP
 * @conf: its new attributes, already validated, or %NULL to keep them
 * @dests: new dests (lbnl_dest_alloc(); none in use in the VIP), linked by
 *	&lbnl_dest.list; may be empty
 *
 * The scheduler's data is rebuilt once, if the dests or the scheduler
 * change, from the VIP's dests and @dests: the packet path goes from the
 * old set of dests to the whole new one. On success @dests is emptied: its
 * dests are the VIP's, at the end of &lbnl_vip.dests in @dests' order. On
 * failure nothing changed and @dests is still the caller's.
 *
 * Return: 0 or -ENOMEM.
 */
int lbnl_vip_update(struct lbnl_net *ln, struct lbnl_vip *vip,
		    const struct lbnl_vip_conf *conf, struct list_head *dests)
{
	u8 sched = conf ? conf->sched : vip->sched;
	struct lbnl_sched_data *data;

	lockdep_assert_held(&ln->lock);
	if (list_empty(dests) && sched == vip->sched) {
		data = NULL;
	} else {
		data = lbnl_sched_build(ln, vip, sched, dests);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	if (conf) {
		WRITE_ONCE(vip->mode, conf->mode);
		WRITE_ONCE(vip->bypass, conf->bypass);
		WRITE_ONCE(vip->migrate_after, conf->migrate_after);
	}
	if (list_empty(dests) && sched == vip->sched) {
		lbnl_net_bump_gen(ln);
		return 0;
	}
	/* New flows follow the new scheduler and dests; entries stay. */
	WRITE_ONCE(vip->sched, sched);
	lbnl_vip_commit(ln, vip, dests, data);
	return 0;
}

/**
 * lbnl_vip_create() - create a VIP with its dests and make it visible
 * @ln: the namespace's state, locked
 * @key: the new VIP's key; the caller has checked it is not in use
 * @conf: its configuration, already validated
 * @dests: its dests (lbnl_dest_alloc(); no two alike), linked by
 *	&lbnl_dest.list; may be empty
 *
 * The VIP is published (put where the packet path finds it) only once its
 * dests and its scheduler's data, built from all of them, are in place: no
 * packet ever sees it with a part of them. On success @dests is emptied
 * (its dests are the VIP's, in that order); on failure it is still the
 * caller's.
 *
 * Return: the VIP, or %NULL when out of memory.
 */
struct lbnl_vip *lbnl_vip_create(struct lbnl_net *ln,
				 const struct lbnl_vip_key *key,
				 const struct lbnl_vip_conf *conf,
				 struct list_head *dests)
{
	struct lbnl_sched_data *data;
	struct lbnl_vip *vip;

	lockdep_assert_held(&ln->lock);
	vip = kzalloc(sizeof(*vip), GFP_KERNEL);
	if (!vip)
		return NULL;
	vip->stats = netdev_alloc_pcpu_stats(struct lbnl_obj_stats);
	if (!vip->stats)
		goto err_free;

	vip->ln = ln;
	vip->addr = key->addr;
	vip->port = key->port;
	vip->family = key->family;
	vip->proto = key->proto;
	vip->mode = conf->mode;
	vip->sched = conf->sched;
	vip->bypass = conf->bypass;
	vip->migrate_after = conf->migrate_after;
	INIT_LIST_HEAD(&vip->dests);
	if (lbnl_conn_vip_init(vip))
		goto err_stats;
	data = lbnl_sched_build(ln, vip, vip->sched, dests);
	if (IS_ERR(data))
		goto err_conn;
	if (lbnl_hooks_get(ln))
		goto err_data;
	atomic_inc(&lbnl_vips_live);
	lbnl_vip_commit(ln, vip, dests, data);

	/*
	 * Publish last, fully set up: the packet path finds the VIP in
	 * vip_hash under RCU alone. ln->vips is walked under ln->lock only.
	 */
	list_add_tail(&vip->list, &ln->vips);
	hlist_add_head_rcu(&vip->hnode,
			   &ln->vip_hash[lbnl_vip_hash(ln, &key->addr,
						       key->family)]);
	ln->vip_count++;
	return vip;

err_data:
	lbnl_sched_data_free(data);
err_conn:
	lbnl_conn_vip_destroy(ln, vip);
err_stats:
	free_percpu(vip->stats);
err_free:
	kfree(vip);
	return NULL;
}

static void lbnl_dest_free_rcu(struct rcu_head *rcu)
{
	struct lbnl_dest *dest = container_of(rcu, struct lbnl_dest, rcu);

	free_percpu(dest->stats);
	kfree(dest);
	atomic_dec(&lbnl_dests_live);
}

/**
 * lbnl_dest_put() - drop a reference to a dest
 * @dest: the dest
 *
 * The last one frees it after a grace period. Any context.
 */
void lbnl_dest_put(struct lbnl_dest *dest)
{
	if (refcount_dec_and_test(&dest->refcnt))
		call_rcu(&dest->rcu, lbnl_dest_free_rcu);
}

/* A grace period after its unlinking: nothing can reach the VIP. */
static void lbnl_vip_free_work(struct work_struct *work)
{
	struct lbnl_vip *vip = container_of(to_rcu_work(work), struct lbnl_vip,
					    free_work);

	lbnl_conn_vip_destroy(vip->ln, vip);
	lbnl_sched_free(vip);
	lbnl_tag_map_free(vip);
	free_percpu(vip->stats);
	kfree(vip);
	atomic_dec(&lbnl_vips_live);
}

/**
 * lbnl_vip_destroy() - unlink a VIP and its dests, free them after a grace
 * period
 * @ln: the namespace's state, locked
 * @vip: the VIP
 *
 * Its connection entries go with it (in lbnl_wq, after the grace period).
 */
void lbnl_vip_destroy(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_dest *dest, *tmp;

	lockdep_assert_held(&ln->lock);
	hlist_del_rcu(&vip->hnode);
	list_del(&vip->list);
	ln->vip_count--;

	lbnl_bypass_release(ln, vip);
	lbnl_migrate_vip_gone(ln, vip);
	list_for_each_entry_safe(dest, tmp, &vip->dests, list)
		lbnl_dest_destroy(ln, vip, dest);

	lbnl_net_bump_gen(ln);
	lbnl_hooks_put(ln);
	INIT_RCU_WORK(&vip->free_work, lbnl_vip_free_work);
	queue_rcu_work(lbnl_wq, &vip->free_work);
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

/* The configurable attributes of a dest, from @conf. */
static void lbnl_dest_conf_set(struct lbnl_dest *dest,
			       const struct lbnl_dest_conf *conf)
{
	WRITE_ONCE(dest->weight, conf->weight);
	WRITE_ONCE(dest->state, conf->state);
}

/**
 * lbnl_dest_apply() - set the configurable attributes of a dest
 * @ln: the namespace's state, locked
 * @dest: the dest
 * @conf: the values, already validated
 *
 * The VIP's scheduler table is rebuilt; if memory is short, the old one
 * stays (a dest's new weight or state then applies at the next change).
 */
void lbnl_dest_apply(struct lbnl_net *ln, struct lbnl_dest *dest,
		     const struct lbnl_dest_conf *conf)
{
	lockdep_assert_held(&ln->lock);
	lbnl_dest_conf_set(dest, conf);
	lbnl_net_bump_gen(ln);
	if (dest->tag_id != conf->tag_id) {
		dest->tag_id = conf->tag_id;
		lbnl_tag_map_rebuild(ln, dest->vip);
	}
	lbnl_sched_rebuild(ln, dest->vip);
}

/**
 * lbnl_dest_alloc() - a new dest, not in any VIP yet
 * @key: its address and port
 * @conf: its configuration, already validated
 *
 * lbnl_vip_create() or lbnl_vip_update() makes it a VIP's; until then
 * lbnl_dests_free() frees it.
 *
 * Return: the dest (its &lbnl_dest.list free for the caller's list), or
 * %NULL when out of memory.
 */
struct lbnl_dest *lbnl_dest_alloc(const struct lbnl_dest_key *key,
				  const struct lbnl_dest_conf *conf)
{
	struct lbnl_dest *dest;

	dest = kzalloc(sizeof(*dest), GFP_KERNEL);
	if (!dest)
		return NULL;
	dest->stats = netdev_alloc_pcpu_stats(struct lbnl_obj_stats);
	if (!dest->stats) {
		kfree(dest);
		return NULL;
	}
	atomic_inc(&lbnl_dests_live);
	refcount_set(&dest->refcnt, 1);
	dest->addr = key->addr;
	dest->port = key->port;
	dest->tag_id = conf->tag_id;
	lbnl_dest_conf_set(dest, conf);
	return dest;
}

/**
 * lbnl_dests_free() - free dests from lbnl_dest_alloc() that no VIP took
 * @dests: the dests, linked by &lbnl_dest.list; emptied
 *
 * Nothing else ever saw them: they go at once.
 */
void lbnl_dests_free(struct list_head *dests)
{
	struct lbnl_dest *dest, *tmp;

	list_for_each_entry_safe(dest, tmp, dests, list) {
		list_del(&dest->list);
		free_percpu(dest->stats);
		kfree(dest);
		atomic_dec(&lbnl_dests_live);
	}
}

/**
 * lbnl_dest_destroy() - unlink a dest from its VIP and drop the
 * configuration's reference
 * @ln: the namespace's state, locked
 * @vip: the dest's VIP
 * @dest: the dest
 *
 * Its connection entries keep it (dead) until they go: at once with
 * expire_nodest_conn (the GC runs now), else when they time out.
 */
void lbnl_dest_destroy(struct lbnl_net *ln, struct lbnl_vip *vip,
		       struct lbnl_dest *dest)
{
	lockdep_assert_held(&ln->lock);
	lbnl_migrate_dest_gone(ln, dest);
	WRITE_ONCE(dest->dead, true);
	list_del_rcu(&dest->list);
	hlist_del_rcu(&dest->hnode);
	hlist_del_rcu(&dest->anode);
	vip->dest_count--;
	lbnl_net_bump_gen(ln);
	lbnl_sched_rebuild(ln, vip);
	if (dest->tag_id)
		lbnl_tag_map_rebuild(ln, vip);
	if (atomic_read(&vip->conn_count))
		lbnl_conn_kick_gc(ln);
	lbnl_dest_put(dest);
}
