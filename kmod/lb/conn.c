// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - the LB role's connection table.
 *
 * Each VIP has its own table (an rhashtable: lock-free RCU lookups, bucket
 * locks for inserts, resized in the background, randomly seeded), keyed by
 * the peer's (port, address); SCTP VIPs have a second table keyed by the
 * verification tag the dest chose and the peer's port, which is how packets
 * from any of a multi-homed peer's addresses find their association.
 *
 * Entries are created by the packet path (GFP_ATOMIC, from a slab cache).
 * Any packet can create one (a mid-flow packet after a reload must find its
 * flow's dest again), so anyone can create them, from random addresses:
 * a new entry is *unconfirmed* (LBNL_CONN_F_UNCONFIRMED) until its flow
 * proves that both ends take part (&lbnl_proto.confirms): the TCP
 * handshake's ACK or any later segment but a RST, from either side; an
 * SCTP COOKIE-ECHO or any later packet but an ABORT; a second UDP datagram
 * from the peer. Not what a dest answers to anything (SYN-ACK, INIT-ACK,
 * RST, ABORT, a UDP answer): a spoofed packet from a random source never
 * confirms its entry. An
 * unconfirmed entry idles out after timeout_unconfirmed (10 s), and a VIP
 * holds at most unconfirmed_max of them: beyond that, or when the
 * namespace is at conn_max, a new flow's entry takes the place of a random
 * unconfirmed entry of its VIP (lbnl_conn_evict(), as conntrack's early
 * drop), which makes it unlikely that a legitimate flow loses its entry in
 * the few round trips it takes to confirm, however fast the flood. A
 * confirmed entry is never evicted: a flood of spoofed packets cannot take
 * an established flow's entry, nor starve another VIP's new flows. Only
 * when nothing can be evicted is a new flow refused (conn_limit): with the
 * namespace full and its own VIP without unconfirmed entries, a new flow
 * evicts from the VIP whose new flows last had to (&lbnl_net.evict_hint),
 * so that a flood on one VIP does not starve the others. Unlinking an entry, and
 * binding an SCTP entry to its tag, happen under one of the namespace's
 * striped locks, so that an entry is never linked into the tag table after
 * it was unlinked; the entry is freed after an RCU grace period. Lookups take
 * no lock; an established flow's packets allocate nothing.
 *
 * An entry idle past its timeout is never used: the packet path treats it
 * as absent (lbnl_conn_expired()) and replaces it. Freeing the memory is
 * the GC's job: a per-namespace work item that, every gc_interval_ms,
 * visits one LBNL_GC_SLICES-th of each table's buckets in process context,
 * so its cost per tick is a fixed fraction of the table and a full pass
 * takes LBNL_GC_SLICES ticks (16 s by default). It never holds a lock the
 * packet path needs for longer than one removal. A dest's removal asks for
 * a full pass at once (expire_nodest_conn).
 */

#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "lb.h"

/* A GC tick visits this fraction of each table's buckets. */
#define LBNL_GC_SLICES		16
/* Buckets visited per RCU read-side section. */
#define LBNL_GC_BATCH		256
/* Buckets a new entry looks at for an unconfirmed one to evict. */
#define LBNL_EVICT_BUCKETS	32

static struct kmem_cache *lbnl_conn4_cache __read_mostly;
static struct kmem_cache *lbnl_conn6_cache __read_mostly;
static struct kmem_cache *lbnl_sctp_conn_cache __read_mostly;

atomic_t lbnl_conns_live = ATOMIC_INIT(0);

static const struct rhashtable_params lbnl_conn4_params = {
	.head_offset = offsetof(struct lbnl_conn, node),
	.key_offset = offsetof(struct lbnl_conn, pport),
	.key_len = sizeof(__be16) + sizeof(__be32),
	.automatic_shrinking = true,
};

static const struct rhashtable_params lbnl_conn6_params = {
	.head_offset = offsetof(struct lbnl_conn, node),
	.key_offset = offsetof(struct lbnl_conn, pport),
	.key_len = sizeof(__be16) + sizeof(struct in6_addr),
	.automatic_shrinking = true,
};

static const struct rhashtable_params lbnl_tag_params = {
	.head_offset = offsetof(struct lbnl_sctp_conn, tag_node),
	.key_offset = offsetof(struct lbnl_sctp_conn, my_vtag),
	.key_len = sizeof(u32) + sizeof(__be16),
	.automatic_shrinking = true,
};

/* The lookup key, laid out as in the entry: port, then address. */
struct lbnl_conn_key {
	__be16 pport;
	union nf_inet_addr peer;
} __packed;

struct lbnl_tag_key {
	u32 vtag;
	__be16 pport;
} __packed;

/**
 * lbnl_conn_init() - create the slab caches
 *
 * Return: 0 or -ENOMEM.
 */
int __init lbnl_conn_init(void)
{
	BUILD_BUG_ON(offsetof(struct lbnl_conn, peer) !=
		     offsetof(struct lbnl_conn, pport) + sizeof(__be16));
	BUILD_BUG_ON(offsetof(struct lbnl_sctp_conn, tag_pport) !=
		     offsetof(struct lbnl_sctp_conn, my_vtag) + sizeof(u32));
	BUILD_BUG_ON(offsetof(struct lbnl_sctp_conn, conn) +
		     sizeof(struct lbnl_conn) != sizeof(struct lbnl_sctp_conn));

	lbnl_conn4_cache = kmem_cache_create("lbnl_conn", LBNL_CONN4_SIZE, 0,
					     SLAB_HWCACHE_ALIGN, NULL);
	lbnl_conn6_cache = kmem_cache_create("lbnl_conn6", LBNL_CONN6_SIZE, 0,
					     0, NULL);
	lbnl_sctp_conn_cache = kmem_cache_create("lbnl_sctp_conn",
						 sizeof(struct lbnl_sctp_conn),
						 0, 0, NULL);
	if (!lbnl_conn4_cache || !lbnl_conn6_cache || !lbnl_sctp_conn_cache) {
		lbnl_conn_exit();
		return -ENOMEM;
	}
	return 0;
}

/**
 * lbnl_conn_exit() - destroy the slab caches; every entry is freed
 */
void lbnl_conn_exit(void)
{
	kmem_cache_destroy(lbnl_sctp_conn_cache);
	kmem_cache_destroy(lbnl_conn6_cache);
	kmem_cache_destroy(lbnl_conn4_cache);
}

static const struct rhashtable_params *
lbnl_conn_params(const struct lbnl_vip *vip)
{
	return vip->family == AF_INET ? &lbnl_conn4_params : &lbnl_conn6_params;
}

/**
 * lbnl_conn_vip_init() - set up a new VIP's tables
 * @vip: the VIP, not visible yet
 *
 * Return: 0 or a negative errno.
 */
int lbnl_conn_vip_init(struct lbnl_vip *vip)
{
	int err;

	err = rhashtable_init(&vip->conns, lbnl_conn_params(vip));
	if (err)
		return err;
	err = rhashtable_init(&vip->tags, &lbnl_tag_params);
	if (err)
		rhashtable_destroy(&vip->conns);
	return err;
}

static void lbnl_conn_free(struct lbnl_conn *c, u8 proto, u8 family)
{
	lbnl_dest_put(c->dest);
	if (proto == IPPROTO_SCTP)
		kmem_cache_free(lbnl_sctp_conn_cache, lbnl_sctp_conn(c));
	else if (family == AF_INET)
		kmem_cache_free(lbnl_conn4_cache, c);
	else
		kmem_cache_free(lbnl_conn6_cache, c);
	atomic_dec(&lbnl_conns_live);
}

/* The RCU callback knows the entry's cache by its flags. */
static void lbnl_conn_free_rcu(struct rcu_head *rcu)
{
	struct lbnl_conn *c = container_of(rcu, struct lbnl_conn, rcu);

	lbnl_conn_free(c, c->flags & LBNL_CONN_F_SCTP ? IPPROTO_SCTP : 0,
		       c->flags & LBNL_CONN_F_V6 ? AF_INET6 : AF_INET);
}

/* Unlink an unconfirmed entry of @tbl's buckets from @i on, if any. */
static bool lbnl_conn_evict_from(struct lbnl_net *ln, struct lbnl_vip *vip,
				 struct bucket_table *tbl, unsigned int i)
{
	struct rhash_head *pos;
	struct lbnl_conn *c;
	unsigned int n;

	for (n = 0; n < LBNL_EVICT_BUCKETS; n++, i++) {
		rht_for_each_entry_rcu(c, pos, tbl, i & (tbl->size - 1), node) {
			if (!(READ_ONCE(c->flags) & LBNL_CONN_F_UNCONFIRMED) ||
			    (READ_ONCE(c->flags) & LBNL_CONN_F_SCTP &&
			     rcu_access_pointer(lbnl_sctp_conn(c)->mig)))
				continue;
			if (lbnl_conn_unlink(ln, vip, c)) {
				lbnl_stats_evicted(ln, vip, c->dest);
				return true;
			}
		}
	}
	return false;
}

/*
 * Make room for a new entry of @vip: unlink a random unconfirmed entry of
 * its table. The scan starts at a random bucket and looks at a few (a
 * flood fills the table with unconfirmed entries, so the first usually
 * has one), in the table a resize is filling too. Call under
 * rcu_read_lock().
 */
static bool lbnl_conn_evict(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct bucket_table *tbl;
	u32 r = get_random_u32();

	tbl = rht_dereference_rcu(vip->conns.tbl, &vip->conns);
	do {
		if (lbnl_conn_evict_from(ln, vip, tbl, r))
			return true;
		tbl = rht_dereference_rcu(tbl->future_tbl, &vip->conns);
	} while (tbl);
	return false;
}

/*
 * The namespace is full and @vip has nothing to evict: evict from the VIP
 * whose new flows last had to (the flooded one, most likely). A VIP is
 * found again by its key, under RCU, never kept by pointer.
 */
static bool lbnl_conn_evict_elsewhere(struct lbnl_net *ln,
				      const struct lbnl_vip *vip)
{
	union nf_inet_addr addr = ln->evict_hint.addr;
	struct lbnl_vip *other;

	other = lbnl_vip_lookup(ln, &addr, READ_ONCE(ln->evict_hint.family),
				READ_ONCE(ln->evict_hint.proto),
				READ_ONCE(ln->evict_hint.port));
	return other && other != vip && lbnl_conn_evict(ln, other);
}

/* @vip's new flows had to evict: remember it (see &lbnl_net.evict_hint). */
static void lbnl_evict_hint_set(struct lbnl_net *ln, const struct lbnl_vip *vip)
{
	if (READ_ONCE(ln->evict_hint.port) == vip->port &&
	    READ_ONCE(ln->evict_hint.proto) == vip->proto &&
	    READ_ONCE(ln->evict_hint.family) == vip->family &&
	    nf_inet_addr_cmp(&ln->evict_hint.addr, &vip->addr))
		return;
	ln->evict_hint.addr = vip->addr;
	WRITE_ONCE(ln->evict_hint.port, vip->port);
	WRITE_ONCE(ln->evict_hint.family, vip->family);
	WRITE_ONCE(ln->evict_hint.proto, vip->proto);
}

static void lbnl_conn_free_now(void *ptr, void *arg)
{
	struct lbnl_net *ln = arg;

	atomic_dec(&ln->conn_count);
	lbnl_conn_free_rcu(&((struct lbnl_conn *)ptr)->rcu);
}

/**
 * lbnl_conn_vip_destroy() - free a VIP's tables and entries
 * @ln: the namespace's state (which outlives the VIP)
 * @vip: the VIP, unreachable for at least a grace period
 */
void lbnl_conn_vip_destroy(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	rhashtable_free_and_destroy(&vip->tags, NULL, NULL);
	rhashtable_free_and_destroy(&vip->conns, lbnl_conn_free_now, ln);
}

static spinlock_t *lbnl_conn_lock(struct lbnl_net *ln,
				  const struct lbnl_conn *c)
{
	return &ln->conn_locks[hash_ptr(c, ilog2(LBNL_CONN_LOCKS))];
}

/**
 * lbnl_conn_lookup() - find an entry by the peer's address and port
 * @vip: the VIP
 * @peer: the peer's address
 * @pport: the peer's port
 *
 * Call under rcu_read_lock().
 *
 * Return: the entry, or %NULL.
 */
struct lbnl_conn *lbnl_conn_lookup(struct lbnl_vip *vip,
				   const union nf_inet_addr *peer,
				   __be16 pport)
{
	struct lbnl_conn_key key = { .pport = pport, .peer = *peer };

	if (vip->family == AF_INET)
		return rhashtable_lookup(&vip->conns, &key, lbnl_conn4_params);
	return rhashtable_lookup(&vip->conns, &key, lbnl_conn6_params);
}

/**
 * lbnl_conn_lookup_tag() - find an SCTP entry by the dest's tag
 * @vip: the VIP
 * @vtag: the verification tag of a packet from the peer
 * @pport: the peer's port
 *
 * Call under rcu_read_lock().
 *
 * Return: the entry, or %NULL.
 */
struct lbnl_conn *lbnl_conn_lookup_tag(struct lbnl_vip *vip, u32 vtag,
				       __be16 pport)
{
	struct lbnl_tag_key key = { .vtag = vtag, .pport = pport };
	struct lbnl_sctp_conn *sc;

	sc = rhashtable_lookup(&vip->tags, &key, lbnl_tag_params);
	return sc ? &sc->conn : NULL;
}

static struct lbnl_conn *lbnl_conn_alloc(const struct lbnl_vip *vip)
{
	struct lbnl_sctp_conn *sc;
	struct lbnl_conn *c;

	if (vip->proto == IPPROTO_SCTP) {
		sc = kmem_cache_zalloc(lbnl_sctp_conn_cache, GFP_ATOMIC);
		if (!sc)
			return NULL;
		c = &sc->conn;
		c->flags = LBNL_CONN_F_SCTP;
	} else if (vip->family == AF_INET) {
		c = kmem_cache_zalloc(lbnl_conn4_cache, GFP_ATOMIC);
	} else {
		c = kmem_cache_zalloc(lbnl_conn6_cache, GFP_ATOMIC);
	}
	if (!c)
		return NULL;
	if (vip->family == AF_INET6)
		c->flags |= LBNL_CONN_F_V6;
	atomic_inc(&lbnl_conns_live);
	return c;
}

/**
 * lbnl_conn_create() - create and insert the entry of a new flow
 * @ln: the namespace's state
 * @vip: the VIP
 * @pkt: the flow's first packet (from the peer)
 * @dest: where it goes; a reference is taken
 * @state: initial state
 * @flags: LBNL_CONN_F_PICKED_UP or 0; every entry starts unconfirmed
 * @drop: set to the LBNL_DROP_* reason on failure
 * @fresh: set to true if the entry returned is the one created here
 *
 * Call under rcu_read_lock(). If another CPU inserted the flow's entry
 * first (or one with the same key exists), that one is returned.
 *
 * Return: the entry, or %NULL.
 */
struct lbnl_conn *lbnl_conn_create(struct lbnl_net *ln, struct lbnl_vip *vip,
				   const struct lbnl_pkt *pkt,
				   struct lbnl_dest *dest, u8 state, u8 flags,
				   int *drop, bool *fresh)
{
	struct lbnl_conn *c, *old;
	bool vip_full, net_full;

	*fresh = false;
	/*
	 * Full (the VIP's unconfirmed entries, or the namespace): evict an
	 * unconfirmed entry of the VIP; with the namespace full, of another
	 * VIP if this one has none. Else refuse.
	 */
	vip_full = atomic_inc_return(&vip->unconfirmed) >
		   READ_ONCE(ln->settings.unconfirmed_max);
	net_full = atomic_inc_return(&ln->conn_count) >
		   READ_ONCE(ln->settings.conn_max);
	if (vip_full || net_full) {
		if (!lbnl_conn_evict(ln, vip) &&
		    (vip_full || !lbnl_conn_evict_elsewhere(ln, vip))) {
			*drop = LBNL_DROP_CONN_LIMIT;
			goto err_count;
		}
		lbnl_evict_hint_set(ln, vip);
	}
	if (!refcount_inc_not_zero(&dest->refcnt)) {
		*drop = LBNL_DROP_NO_DEST;
		goto err_count;
	}
	c = lbnl_conn_alloc(vip);
	if (!c) {
		*drop = LBNL_DROP_NOMEM;
		goto err_ref;
	}

	c->dest = dest;
	c->created = (u32)ktime_get_boottime_seconds();
	c->last_seen = (u32)jiffies;
	c->state = state;
	c->flags |= flags | LBNL_CONN_F_UNCONFIRMED;
	c->pport = pkt->sport;
	if (vip->family == AF_INET)
		c->peer.ip = pkt->saddr.ip;
	else
		c->peer = pkt->saddr;

	if (vip->family == AF_INET)
		old = rhashtable_lookup_get_insert_fast(&vip->conns, &c->node,
							lbnl_conn4_params);
	else
		old = rhashtable_lookup_get_insert_fast(&vip->conns, &c->node,
							lbnl_conn6_params);
	if (old) {
		/* Lost a race (use the winner's), or the table is busy. */
		atomic_dec(&ln->conn_count);
		atomic_dec(&vip->unconfirmed);
		lbnl_conn_free(c, vip->proto, vip->family);
		if (IS_ERR(old)) {
			*drop = LBNL_DROP_NOMEM;
			return NULL;
		}
		return old;
	}
	atomic_inc(&vip->conn_count);
	lbnl_stats_conn(ln, vip, dest, flags & LBNL_CONN_F_PICKED_UP);
	*fresh = true;
	return c;

err_ref:
	lbnl_dest_put(dest);
err_count:
	atomic_dec(&ln->conn_count);
	atomic_dec(&vip->unconfirmed);
	return NULL;
}

/**
 * lbnl_conn_bind_tag() - make an SCTP entry findable by the dest's tag
 * @ln: the namespace's state
 * @vip: the VIP
 * @c: the entry
 * @vtag: the tag the dest chose (the peer's packets carry it)
 *
 * A different tag than the bound one (an association restart) re-binds.
 */
void lbnl_conn_bind_tag(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_conn *c, u32 vtag)
{
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);
	spinlock_t *lock = lbnl_conn_lock(ln, c);

	if (!vtag || (READ_ONCE(c->flags) & LBNL_CONN_F_BOUND &&
		      READ_ONCE(sc->my_vtag) == vtag))
		return;

	spin_lock_bh(lock);
	if (c->flags & LBNL_CONN_F_DEAD)
		goto out;
	if (c->flags & LBNL_CONN_F_BOUND) {
		if (sc->my_vtag == vtag)
			goto out;
		rhashtable_remove_fast(&vip->tags, &sc->tag_node,
				       lbnl_tag_params);
		WRITE_ONCE(c->flags, c->flags & ~LBNL_CONN_F_BOUND);
	}
	WRITE_ONCE(sc->my_vtag, vtag);
	sc->tag_pport = c->pport;
	/* A tag already bound (another peer address, same tag) keeps it. */
	if (!rhashtable_lookup_insert_fast(&vip->tags, &sc->tag_node,
					   lbnl_tag_params))
		WRITE_ONCE(c->flags, c->flags | LBNL_CONN_F_BOUND);
out:
	spin_unlock_bh(lock);
}

/**
 * lbnl_conn_unlink() - remove an entry from its tables and free it after a
 * grace period
 * @ln: the namespace's state
 * @vip: the VIP
 * @c: the entry
 *
 * Safe against concurrent unlinks of the same entry: one of them wins.
 *
 * Return: true if this call unlinked it.
 */
bool lbnl_conn_unlink(struct lbnl_net *ln, struct lbnl_vip *vip,
		      struct lbnl_conn *c)
{
	spinlock_t *lock = lbnl_conn_lock(ln, c);
	bool unconfirmed;

	spin_lock_bh(lock);
	if (c->flags & LBNL_CONN_F_DEAD) {
		spin_unlock_bh(lock);
		return false;
	}
	WRITE_ONCE(c->flags, c->flags | LBNL_CONN_F_DEAD);
	if (c->flags & LBNL_CONN_F_BOUND)
		rhashtable_remove_fast(&vip->tags, &lbnl_sctp_conn(c)->tag_node,
				       lbnl_tag_params);
	rhashtable_remove_fast(&vip->conns, &c->node, *lbnl_conn_params(vip));
	unconfirmed = c->flags & LBNL_CONN_F_UNCONFIRMED;
	spin_unlock_bh(lock);

	if (unconfirmed)
		atomic_dec(&vip->unconfirmed);
	atomic_dec(&vip->conn_count);
	atomic_dec(&ln->conn_count);
	call_rcu(&c->rcu, lbnl_conn_free_rcu);
	return true;
}

/**
 * lbnl_conn_confirm() - an entry's flow proved itself (see the top)
 * @ln: the namespace's state
 * @c: the entry, unconfirmed
 */
void lbnl_conn_confirm(struct lbnl_net *ln, struct lbnl_conn *c)
{
	spinlock_t *lock = lbnl_conn_lock(ln, c);
	bool done = false;

	spin_lock_bh(lock);
	if (c->flags & LBNL_CONN_F_UNCONFIRMED &&
	    !(c->flags & LBNL_CONN_F_DEAD)) {
		WRITE_ONCE(c->flags, c->flags & ~LBNL_CONN_F_UNCONFIRMED);
		done = true;
	}
	spin_unlock_bh(lock);
	if (done)
		atomic_dec(&c->dest->vip->unconfirmed);
}

/**
 * lbnl_conn_set_migrated() - an SCTP entry names a dest by migration
 * @ln: the namespace's state
 * @c: the entry
 *
 * Its association's tag may name another dest: the table (and lbnld's
 * records, which it dumps by this flag) is what sends it there.
 */
void lbnl_conn_set_migrated(struct lbnl_net *ln, struct lbnl_conn *c)
{
	spinlock_t *lock = lbnl_conn_lock(ln, c);

	spin_lock_bh(lock);
	WRITE_ONCE(c->flags, c->flags | LBNL_CONN_F_MIGRATED);
	spin_unlock_bh(lock);
}

/**
 * lbnl_conn_timeout() - how long an entry may stay idle
 * @c: the entry (its namespace's timeouts apply)
 *
 * Return: jiffies.
 */
unsigned long lbnl_conn_timeout(const struct lbnl_conn *c)
{
	const struct lbnl_settings *set = &c->dest->vip->ln->settings;
	unsigned int s;

	switch (READ_ONCE(c->state)) {
	case LBNL_CONN_TCP_SYN:
		s = READ_ONCE(set->timeout_tcp_syn);
		break;
	case LBNL_CONN_TCP_ESTABLISHED:
		s = READ_ONCE(set->timeout_tcp);
		break;
	case LBNL_CONN_TCP_FIN:
		s = READ_ONCE(set->timeout_tcp_fin);
		break;
	case LBNL_CONN_UDP:
		s = READ_ONCE(set->timeout_udp);
		break;
	case LBNL_CONN_SCTP_ESTABLISHED:
		s = READ_ONCE(set->timeout_sctp);
		break;
	case LBNL_CONN_SCTP_INIT:
	case LBNL_CONN_SCTP_COOKIE:
	case LBNL_CONN_SCTP_SHUTDOWN:
		s = READ_ONCE(set->timeout_sctp_init);
		break;
	case LBNL_CONN_SCTP_CLOSED:
		s = READ_ONCE(set->timeout_sctp_closed);
		break;
	default:
		s = READ_ONCE(set->timeout_tcp_close);
		break;
	}
	if (READ_ONCE(c->flags) & LBNL_CONN_F_UNCONFIRMED)
		s = min(s, READ_ONCE(set->timeout_unconfirmed));
	return (unsigned long)s * HZ;
}

/**
 * lbnl_conn_idle() - how long an entry has been idle
 * @c: the entry
 * @now: (u32)jiffies, read before
 *
 * A packet may touch the entry after @now was read: that is idle 0, not
 * 2^32 - 1.
 *
 * Return: jiffies.
 */
u32 lbnl_conn_idle(const struct lbnl_conn *c, u32 now)
{
	s32 idle = now - READ_ONCE(c->last_seen);

	return idle > 0 ? idle : 0;
}

/**
 * lbnl_conn_expired() - is an entry past its use
 * @c: the entry
 * @now: (u32)jiffies
 *
 * Return: true if it was idle longer than its state's timeout, or its dest
 * is gone and expire_nodest_conn is set.
 */
bool lbnl_conn_expired(const struct lbnl_conn *c, u32 now)
{
	if (READ_ONCE(c->dest->dead) &&
	    READ_ONCE(c->dest->vip->ln->settings.expire_nodest_conn))
		return true;
	return lbnl_conn_idle(c, now) > lbnl_conn_timeout(c);
}

/**
 * lbnl_conn_walk_next() - the next entry of a walk of &lbnl_vip.conns
 * @iter: the walk, started
 *
 * A resize under the walk (-EAGAIN) is walked past: entries may then be
 * seen twice or missed, as in any rhashtable walk.
 *
 * Return: the entry, or %NULL at the end (or if the walk fails).
 */
struct lbnl_conn *lbnl_conn_walk_next(struct rhashtable_iter *iter)
{
	struct lbnl_conn *c;

	do {
		c = rhashtable_walk_next(iter);
	} while (IS_ERR(c) && PTR_ERR(c) == -EAGAIN);
	return IS_ERR(c) ? NULL : c;
}

/* Which of a VIP's entries lbnl_conn_sweep() unlinks. */
struct lbnl_conn_sweep {
	bool all;			/* every one */
	const struct lbnl_dest *dest;	/* or: those of this dest */
};

static bool lbnl_conn_swept(const struct lbnl_conn_sweep *sweep,
			    const struct lbnl_conn *c, u32 now)
{
	if (sweep->all)
		return true;
	if (sweep->dest)
		return READ_ONCE(c->dest) == sweep->dest;
	return lbnl_conn_expired(c, now);
}

/*
 * Walk one VIP's entries, unlinking those @sweep selects (by default the
 * expired ones). Process context, &lbnl_net.lock held (the VIP and its
 * dests stay); the walk drops RCU now and then.
 */
static void lbnl_conn_sweep(struct lbnl_net *ln, struct lbnl_vip *vip,
			    const struct lbnl_conn_sweep *sweep)
{
	struct rhashtable_iter iter;
	struct lbnl_conn *c;
	unsigned int n = 0;
	u32 now = (u32)jiffies;

	rhashtable_walk_enter(&vip->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = lbnl_conn_walk_next(&iter))) {
		if (lbnl_conn_swept(sweep, c, now))
			lbnl_conn_unlink(ln, vip, c);
		if (++n % 1024 == 0) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
			now = (u32)jiffies;
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/**
 * lbnl_conn_flush_vip() - forget every entry of a VIP
 * @ln: the namespace's state, locked
 * @vip: the VIP
 */
void lbnl_conn_flush_vip(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	static const struct lbnl_conn_sweep all = { .all = true };

	lockdep_assert_held(&ln->lock);
	lbnl_conn_sweep(ln, vip, &all);
}

/**
 * lbnl_conn_flush_dest() - forget every entry of one dest of a VIP
 * @ln: the namespace's state, locked
 * @vip: the VIP
 * @dest: its dest
 *
 * What a health checker asks for when a dest stops answering: the flows'
 * next packets are scheduled again as mid-flow packets, to a live dest
 * (IPVS's expire_nodest_conn). An SCTP association's packets still follow
 * its tag to the dest that chose it.
 */
void lbnl_conn_flush_dest(struct lbnl_net *ln, struct lbnl_vip *vip,
			  const struct lbnl_dest *dest)
{
	const struct lbnl_conn_sweep of_dest = { .dest = dest };

	lockdep_assert_held(&ln->lock);
	lbnl_conn_sweep(ln, vip, &of_dest);
}

/*
 * Visit the next LBNL_GC_SLICES-th of a VIP's buckets, from where the last
 * tick stopped, unlinking expired entries. The bucket walk is the lookups'
 * (RCU); a resize in between may make it miss an entry, which the next pass
 * finds. &lbnl_net.lock held (the VIP stays).
 */
static void lbnl_conn_gc_slice(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	unsigned int i = vip->gc_bucket, left, batch;
	struct bucket_table *tbl;
	struct rhash_head *pos;
	struct lbnl_conn *c;
	u32 now;

	rcu_read_lock();
	tbl = rht_dereference_rcu(vip->conns.tbl, &vip->conns);
	left = DIV_ROUND_UP(tbl->size, LBNL_GC_SLICES);
	rcu_read_unlock();

	while (left) {
		rcu_read_lock();
		tbl = rht_dereference_rcu(vip->conns.tbl, &vip->conns);
		now = (u32)jiffies;
		for (batch = 0; batch < LBNL_GC_BATCH && left; batch++, left--) {
			if (i >= tbl->size)
				i = 0;
			rht_for_each_entry_rcu(c, pos, tbl, i, node)
				if (lbnl_conn_expired(c, now))
					lbnl_conn_unlink(ln, vip, c);
			i++;
		}
		rcu_read_unlock();
		cond_resched();
	}
	vip->gc_bucket = i;
}

static void lbnl_conn_gc(struct work_struct *work)
{
	struct lbnl_net *ln = container_of(to_delayed_work(work),
					   struct lbnl_net, gc);
	static const struct lbnl_conn_sweep expired = {};
	bool full = test_and_clear_bit(LBNL_GC_FULL, &ln->gc_flags);
	struct lbnl_vip *vip;
	bool any;

	mutex_lock(&ln->lock);
	lbnl_migrate_gc(ln);
	lbnl_maint_scan(ln);
	list_for_each_entry(vip, &ln->vips, list) {
		if (!atomic_read(&vip->conn_count))
			continue;
		if (full)
			lbnl_conn_sweep(ln, vip, &expired);
		else
			lbnl_conn_gc_slice(ln, vip);
	}
	any = ln->vip_count;
	mutex_unlock(&ln->lock);

	if (any)
		queue_delayed_work(lbnl_wq, &ln->gc,
				   msecs_to_jiffies(max(READ_ONCE(ln->settings.gc_interval_ms),
							10U)));
}

/**
 * lbnl_conn_kick_gc() - run a full GC pass soon (a VIP appeared, a dest
 * went away)
 * @ln: the namespace's state
 */
void lbnl_conn_kick_gc(struct lbnl_net *ln)
{
	set_bit(LBNL_GC_FULL, &ln->gc_flags);
	mod_delayed_work(lbnl_wq, &ln->gc, 0);
}

/**
 * lbnl_conn_net_init() - set up a namespace's connection-table state
 * @ln: the namespace's state
 */
void lbnl_conn_net_init(struct lbnl_net *ln)
{
	unsigned int i;

	for (i = 0; i < LBNL_CONN_LOCKS; i++)
		spin_lock_init(&ln->conn_locks[i]);
	atomic_set(&ln->conn_count, 0);
	ln->gc_flags = 0;
	INIT_DELAYED_WORK(&ln->gc, lbnl_conn_gc);
}

/**
 * lbnl_conn_net_exit() - stop the GC; the VIPs are gone
 * @ln: the namespace's state
 */
void lbnl_conn_net_exit(struct lbnl_net *ln)
{
	cancel_delayed_work_sync(&ln->gc);
}
