// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - routable SCTP tags on the LB: the namespace's key, each VIP's map
 * from server id to dest, and the dest an association's tag names.
 *
 * An SCTP packet that finds no entry cannot be sent back to its dest the
 * way a TCP or UDP one is: Maglev schedules an INIT by the tag the peer
 * chose, which later packets never carry (they carry the server's). So the
 * servers (lbnl_srv.ko) choose tags that name them under a key the LBs
 * share (kmod/common/lbnl_tag.h), and a dest is configured with the id its
 * server uses (LBNL_A_DEST_TAG_ID). A packet without an entry, other than
 * an INIT, then goes to the VIP's dest of the id its tag decodes to,
 * whatever that dest's state: maint, drain and down dests keep their
 * associations. After an LB restart, on another LB of the group, from a
 * multi-homed peer's other address: the same dest, with no state shared.
 *
 * Where it does not apply, the scheduler decides, as before (the stateful
 * path): no key in the namespace; a tag chosen without the key (a server
 * without lbnl_srv.ko or its key, an association older than the key) names
 * a random id, which no dest of the VIP may have (4,095 ids) or, with the
 * probability of (dests with an id) / 4,095, names a dest that does not
 * hold it; an association migrated away from the server its tag names
 * (the LB's table keeps it, and lbnld's records restore it after a
 * restart: see migrate.c).
 *
 * Packets with forged tags find at worst the dest their tag names, where
 * the SCTP stack drops packets of no association (or answers an ABORT
 * with the T bit, which the peer discards): no entry is trusted beyond an
 * unconfirmed pickup's (see conn.c).
 */

#include <linux/bsearch.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "lb.h"
#include "../common/lbnl_tag.h"

/**
 * struct lbnl_tag_secret - a namespace's key (&lbnl_net.tag_key)
 * @key: the key
 * @rcu: deferred free
 */
struct lbnl_tag_secret {
	siphash_key_t key;
	struct rcu_head rcu;
};

/**
 * struct lbnl_tag_map - a VIP's dests by server id (&lbnl_vip.tag_map)
 * @rcu: deferred free
 * @n: number of entries
 * @e: the dests with an id, by id; no reference held: a dest is freed only
 *	after a grace period that follows the map's replacement
 */
struct lbnl_tag_map {
	struct rcu_head rcu;
	u32 n;
	struct lbnl_tag_map_entry {
		u16 id;
		struct lbnl_dest *dest;
	} e[];
};

static int lbnl_tag_entry_cmp(const void *a, const void *b)
{
	const struct lbnl_tag_map_entry *x = a, *y = b;

	return (int)x->id - (int)y->id;
}

/**
 * lbnl_tag_map_rebuild() - rebuild a VIP's map after its dests changed
 * @ln: the namespace's state, locked
 * @vip: the VIP
 *
 * Out of memory, the VIP has no map until its next change: its packets
 * take the stateful path meanwhile (never a stale map, which could name a
 * dest being freed).
 */
void lbnl_tag_map_rebuild(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_tag_map *map = NULL, *old;
	struct lbnl_dest *dest;
	u32 n = 0;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry(dest, &vip->dests, list)
		n += dest->tag_id != 0;
	if (n)
		map = kmalloc(struct_size(map, e, n), GFP_KERNEL);
	if (map) {
		map->n = 0;
		list_for_each_entry(dest, &vip->dests, list) {
			if (!dest->tag_id)
				continue;
			map->e[map->n].id = dest->tag_id;
			map->e[map->n].dest = dest;
			map->n++;
		}
		sort(map->e, map->n, sizeof(map->e[0]), lbnl_tag_entry_cmp,
		     NULL);
	}
	old = rcu_replace_pointer(vip->tag_map, map,
				  lockdep_is_held(&ln->lock));
	if (old)
		kfree_rcu(old, rcu);
}

/**
 * lbnl_tag_map_free() - free a VIP's map (the VIP is unreachable)
 * @vip: the VIP
 */
void lbnl_tag_map_free(struct lbnl_vip *vip)
{
	kfree(rcu_dereference_protected(vip->tag_map, true));
}

/**
 * lbnl_tag_id_check() - may a dest of @vip take server id @id?
 * @vip: the VIP
 * @dest: the dest being changed, or %NULL for a new one
 * @id: the id, 1..LBNL_TAG_ID_MAX
 * @extack: where to say why not
 *
 * Two dests of a VIP with one id would make the id name two places.
 *
 * Return: 0, or -EEXIST.
 */
int lbnl_tag_id_check(struct lbnl_vip *vip, const struct lbnl_dest *dest,
		      u16 id, struct netlink_ext_ack *extack)
{
	struct lbnl_dest *other;

	list_for_each_entry(other, &vip->dests, list) {
		if (other != dest && other->tag_id == id) {
			NL_SET_ERR_MSG(extack,
				       "another dest of this VIP has that tag id");
			return -EEXIST;
		}
	}
	return 0;
}

/**
 * lbnl_tag_route() - the dest an SCTP packet's tag names
 * @ln: the namespace's state
 * @vip: the packet's VIP
 * @pkt: a packet from the peer without an entry, not an INIT
 *
 * Under rcu_read_lock(). The lookup is a binary search among the VIP's
 * dests with an id: no allocation, no lock.
 *
 * Return: the dest, or %NULL: no key, no dest of that id (the scheduler
 * decides).
 */
struct lbnl_dest *lbnl_tag_route(struct lbnl_net *ln, struct lbnl_vip *vip,
				 const struct lbnl_pkt *pkt)
{
	const struct lbnl_tag_map_entry *e;
	const struct lbnl_tag_map *map;
	struct lbnl_tag_map_entry want;
	const struct lbnl_tag_secret *k;
	struct lbnl_net_stats *s;
	struct lbnl_dest *dest;

	k = rcu_dereference(ln->tag_key);
	map = rcu_dereference(vip->tag_map);
	if (!k || !map || !pkt->vtag)
		return NULL;
	want.id = lbnl_tag_decode(&k->key, pkt->vtag);
	if (!want.id)
		return NULL;
	e = bsearch(&want, map->e, map->n, sizeof(map->e[0]),
		    lbnl_tag_entry_cmp);
	if (!e)
		return NULL;
	dest = e->dest;
	if (READ_ONCE(dest->dead))
		return NULL;
	s = this_cpu_ptr(ln->stats);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->tag_routed);
	u64_stats_update_end(&s->syncp);
	return dest;
}

/* The packets routed by their tag so far, all CPUs. */
static u64 lbnl_tag_routed(struct lbnl_net *ln)
{
	unsigned int start;
	u64 sum = 0, v;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct lbnl_net_stats *s = per_cpu_ptr(ln->stats, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v = u64_stats_read(&s->tag_routed);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum += v;
	}
	return sum;
}

static void lbnl_tag_key_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct lbnl_tag_secret, rcu));
}

/* Replace the namespace's key (@k may be %NULL: none). */
static void lbnl_tag_key_replace(struct lbnl_net *ln,
				 struct lbnl_tag_secret *k)
{
	struct lbnl_tag_secret *old;

	old = rcu_replace_pointer(ln->tag_key, k, lockdep_is_held(&ln->lock));
	if (old)
		call_rcu(&old->rcu, lbnl_tag_key_free_rcu);
}

/**
 * lbnl_tag_net_exit() - forget the namespace's key
 * @ln: the namespace's state; nothing reaches it any more
 */
void lbnl_tag_net_exit(struct lbnl_net *ln)
{
	kfree_sensitive(rcu_dereference_protected(ln->tag_key, true));
}

/**
 * lbnl_tag_key_set() - set the namespace's key
 * @ln: the namespace's state, locked
 * @bytes: LBNL_TAG_KEY_LEN bytes
 *
 * Return: 0 or -ENOMEM.
 */
int lbnl_tag_key_set(struct lbnl_net *ln, const u8 *bytes)
{
	struct lbnl_tag_secret *k;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	lbnl_tag_key_from_bytes(&k->key, bytes);
	lbnl_tag_key_replace(ln, k);
	return 0;
}

/**
 * lbnl_tag_key_del() - forget the namespace's key
 * @ln: the namespace's state, locked
 */
void lbnl_tag_key_del(struct lbnl_net *ln)
{
	lbnl_tag_key_replace(ln, NULL);
}

/**
 * lbnl_tag_key_info() - what may be shown of the namespace's key
 * @ln: the namespace's state, locked
 * @fingerprint: set to the key's fingerprint
 * @routed: set to the packets routed by their tag so far
 *
 * Return: false if there is no key.
 */
bool lbnl_tag_key_info(struct lbnl_net *ln, u32 *fingerprint, u64 *routed)
{
	const struct lbnl_tag_secret *k;

	k = rcu_dereference_protected(ln->tag_key, lockdep_is_held(&ln->lock));
	if (!k)
		return false;
	*fingerprint = lbnl_tag_fingerprint(&k->key);
	*routed = lbnl_tag_routed(ln);
	return true;
}
