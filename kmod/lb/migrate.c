// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - the LB's half of a live SCTP migration (US 9,923,827).
 *
 * The LB's connection entry is the only record of which dest serves an
 * association; a migration moves it from its dest (the source) to a
 * target. While one is open:
 *
 *  - every packet of the association from the peer still goes to the
 *    source, so that it can answer, drain and be exported (its SACKs ride
 *    on the peer's DATA packets; holding those would keep the source from
 *    ever quiescing), and a copy of each packet that carries DATA is kept
 *    in the migration's buffer, in order (bounded in bytes, see below);
 *  - the source exports the association and hands it to the target itself
 *    (server role, driven by the agents), then says so;
 *  - COMMIT makes the entry name the target and sends the buffer to it: the
 *    target re-created the association at the source's last TSN, so the
 *    copies of what the source had already taken are duplicates it
 *    acknowledges and discards, and the rest is exactly what the source
 *    withheld (its export strips DATA above the freeze point). Nothing
 *    waits for the peer to retransmit;
 *  - ABORT (asked for, deadline, buffer full, a dest or the VIP gone)
 *    sends the buffer to the source instead: the same reasoning, whatever
 *    the source had withheld before it resumed.
 *
 * The buffer is bounded in bytes, each copy counting its skb truesize (the
 * memory it pins): the namespace has net.lbnl.migrate_buffer_bytes, and
 * each migration reserves net.lbnl.migrate_buffer_share of it when it
 * opens, its limit. What one association buffers thus never takes what
 * another one was promised: a migration that would hold more than its
 * share overflows alone, and one that finds the budget all reserved is
 * not opened (MIGRATE_START says so; a dest in maint opens those that fit,
 * the others at its next scans: maint.c).
 *
 * Copies are kept only of packets from the association's own address (its
 * entry's key). The packet path finds an SCTP entry by vtag and port
 * alone, so that a multi-homed peer's other addresses reach the same
 * dest; but a vtag is 32 bits anyone on the path has seen, and copies of
 * packets from any address would let a spoofer fill the migration's
 * buffer (or, before shares, the namespace's) and abort it. Packets with
 * the right tag from another address are passed on as usual, to the
 * entry's dest (the source until the commit), uncopied: a spoofed one is
 * then the source's to discard, as without a migration, and a multi-homed
 * peer's DATA from a second address, if the source withholds it, reaches
 * the target by the peer's retransmission, as with no LB in front.
 *
 * Buffered copies are sent by re-injecting them where they came in: the
 * LB's hook forwards them along the entry as it stands after the switch.
 * They go through the receive path directly (netif_receive_skb() with
 * bottom halves off), not through the per-CPU backlog: netif_rx() drops
 * what is past net.core.netdev_max_backlog (1000) once softirqs fall
 * behind, and a buffer may hold several thousand. On their way out they
 * may still meet that backlog (a veth queues to it): before each copy the
 * flush waits for it to be below half its limit (2 s at most in all). A
 * copy that cannot be re-injected (its device gone, or dropped on the way
 * in) is counted in drops.migrate_flush; in a namespace being dismantled
 * none is: they are freed. A migration refers to its association by
 * key (peer address and port), never by pointer: an entry that expires or
 * is deleted meanwhile is simply not found at commit time.
 *
 * Sessions are changed under &lbnl_net.lock; the packet path finds an open
 * one through &lbnl_sctp_conn.mig under RCU and takes its spinlock only to
 * queue a copy.
 */

#include <linux/jhash.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/sctp.h>
#include <linux/slab.h>

#include "lb.h"

/* ---- packet path --------------------------------------------------------- */

/**
 * lbnl_migrate_copy() - keep a copy of a packet of a migrating association
 * @ln: the namespace's state
 * @c: the association's entry
 * @skb: the packet, from the peer, before any rewrite
 * @pkt: what parsing it found
 *
 * Call under rcu_read_lock(). The packet itself goes on to the entry's dest.
 *
 * Return: 0, or LBNL_DROP_MIGRATE_FULL (no copy kept: the migration will be
 * aborted; the packet still goes on).
 */
int lbnl_migrate_copy(struct lbnl_net *ln, struct lbnl_conn *c,
		      struct sk_buff *skb, const struct lbnl_pkt *pkt)
{
	struct lbnl_migration *m = rcu_dereference(lbnl_sctp_conn(c)->mig);
	struct sk_buff *copy;
	int reason = 0;

	if (!m || !(pkt->chunks & BIT(SCTP_CID_DATA)))
		return 0;
	/* Only the association's own address: see the top of this file. */
	if (!nf_inet_addr_cmp(&pkt->saddr, &m->peer))
		return 0;

	spin_lock(&m->lock);
	if (m->closed || m->overflow)
		goto out;
	if (m->bytes + skb->truesize > m->share) {
		m->overflow = true;
		reason = LBNL_DROP_MIGRATE_FULL;
		goto out;
	}
	copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy) {
		m->overflow = true;
		reason = LBNL_DROP_MIGRATE_FULL;
		goto out;
	}
	/* No device reference held: the flush looks it up by skb_iif. */
	__skb_queue_tail(&m->queue, copy);
	m->bytes += copy->truesize;
	m->buffered_max = max(m->buffered_max, skb_queue_len(&m->queue));
out:
	spin_unlock(&m->lock);
	if (reason)
		mod_delayed_work(lbnl_wq, &ln->gc, 0);	/* aborts it */
	return reason;
}

/**
 * lbnl_migrate_timeout() - the deadline of a migration whose request sets
 * none
 * @ln: the namespace's state
 *
 * Return: ms.
 */
unsigned int lbnl_migrate_timeout(struct lbnl_net *ln)
{
	return READ_ONCE(ln->settings.migrate_timeout_ms);
}

/* ---- sessions ------------------------------------------------------------ */

/**
 * lbnl_migrate_find() - the open migration of an association
 * @ln: the namespace's state, locked
 * @vip: the association's VIP
 * @peer: the peer's address
 * @pport: the peer's port, network order
 *
 * Return: the migration, or %NULL.
 */
struct lbnl_migration *lbnl_migrate_find(struct lbnl_net *ln,
					 const struct lbnl_vip *vip,
					 const union nf_inet_addr *peer,
					 __be16 pport)
{
	struct lbnl_migration *m;

	list_for_each_entry(m, &ln->migrations, list)
		if (m->vip == vip && m->pport == pport &&
		    nf_inet_addr_cmp(&m->peer, peer))
			return m;
	return NULL;
}

/* The entry of @m's association, if it is still @m's; under RCU. */
static struct lbnl_conn *lbnl_migrate_conn(struct lbnl_migration *m)
{
	struct lbnl_conn *c = lbnl_conn_lookup(m->vip, &m->peer, m->pport);

	if (c && rcu_access_pointer(lbnl_sctp_conn(c)->mig) == m)
		return c;
	return NULL;
}

/* Copies re-injected between two chances for others to run. */
#define LBNL_MIGRATE_FLUSH_BATCH	64
/* The longest a flush waits for the backlog to drain, in 1 ms steps. */
#define LBNL_MIGRATE_FLUSH_WAITS	2000

/* Is this CPU's backlog at half netdev_max_backlog or more? */
static bool lbnl_backlog_busy(void)
{
	bool busy;

	local_bh_disable();
	busy = skb_queue_len_lockless(&this_cpu_ptr(&softnet_data)->input_pkt_queue) >=
	       READ_ONCE(netdev_max_backlog) / 2;
	local_bh_enable();
	return busy;
}

/*
 * Re-inject the copies where they came in, in order; process context. A
 * copy whose device went away meanwhile, or that the receive path drops,
 * is counted (the peer retransmits it).
 */
static void lbnl_migrate_flush(struct lbnl_net *ln, struct sk_buff_head *q)
{
	struct net_device *dev;
	struct sk_buff *skb;
	unsigned int n = 0, waits = 0;

	while ((skb = __skb_dequeue(q))) {
		if (++n % LBNL_MIGRATE_FLUSH_BATCH == 0)
			cond_resched();
		if (!check_net(ln->net)) {
			kfree_skb(skb);
			continue;
		}
		while (waits < LBNL_MIGRATE_FLUSH_WAITS && lbnl_backlog_busy()) {
			usleep_range(1000, 1100);
			waits++;
		}
		dev = dev_get_by_index(ln->net, skb->skb_iif);
		if (!dev) {
			kfree_skb(skb);
			lbnl_stats_drop(ln, LBNL_DROP_MIGRATE_FLUSH);
			continue;
		}
		skb->dev = dev;
		/* As the packet came in: the receive path, in softirq context. */
		local_bh_disable();
		if (netif_receive_skb(skb) == NET_RX_DROP)
			lbnl_stats_drop(ln, LBNL_DROP_MIGRATE_FLUSH);
		local_bh_enable();
		dev_put(dev);
	}
}

static const char *const lbnl_migrate_ends[] = {
	[LBNL_MIGRATE_COMMITTED] = "committed",
	[LBNL_MIGRATE_REQUESTED] = "requested",
	[LBNL_MIGRATE_DEADLINE] = "deadline",
	[LBNL_MIGRATE_BUFFER_FULL] = "buffer full",
	[LBNL_MIGRATE_DEST_GONE] = "dest deleted",
	[LBNL_MIGRATE_VIP_GONE] = "VIP deleted",
};

/**
 * lbnl_migrate_end_text() - how a migration ended, in words
 * @end: enum lbnl_migrate_end
 *
 * Return: the REASON of an abort event (or "committed").
 */
const char *lbnl_migrate_end_text(enum lbnl_migrate_end end)
{
	return end < ARRAY_SIZE(lbnl_migrate_ends) && lbnl_migrate_ends[end] ?
	       lbnl_migrate_ends[end] : "aborted";
}

/**
 * lbnl_migrate_close() - commit or abort a migration
 * @ln: the namespace's state, locked
 * @m: the migration
 * @end: %LBNL_MIGRATE_COMMITTED: the entry names the target; else why it is
 *	aborted (the entry stays with the source)
 *
 * The copies go where the entry then names, @m is announced and freed.
 */
void lbnl_migrate_close(struct lbnl_net *ln, struct lbnl_migration *m,
			enum lbnl_migrate_end end)
{
	bool commit = end == LBNL_MIGRATE_COMMITTED;
	struct sk_buff_head q;
	struct lbnl_conn *c;
	struct lbnl_dest *old;

	lockdep_assert_held(&ln->lock);
	__skb_queue_head_init(&q);

	rcu_read_lock();
	c = lbnl_migrate_conn(m);
	if (c && commit) {
		refcount_inc(&m->target->refcnt);
		old = xchg(&c->dest, m->target);
		lbnl_dest_put(old);
		lbnl_conn_set_migrated(ln, c);
	}
	/* From here on, packets follow the entry; copies stop. */
	spin_lock_bh(&m->lock);
	m->closed = true;
	skb_queue_splice_init(&m->queue, &q);
	spin_unlock_bh(&m->lock);
	if (c)
		RCU_INIT_POINTER(lbnl_sctp_conn(c)->mig, NULL);
	lbnl_maint_closed(ln, m, c, end);
	rcu_read_unlock();

	lbnl_migrate_flush(ln, &q);
	ln->migrate_reserved -= m->share;
	list_del(&m->list);
	lbnl_notify_migration(ln, commit ? LBNL_CMD_MIGRATE_COMMIT :
					 LBNL_CMD_MIGRATE_ABORT, m,
			      commit ? NULL : lbnl_migrate_end_text(end));
	lbnl_dest_put(m->source);
	lbnl_dest_put(m->target);
	kfree_rcu(m, rcu);
}

/**
 * lbnl_migrate_open() - open a migration of an association
 * @ln: the namespace's state, locked
 * @vip: the association's VIP
 * @c: its entry
 * @target: where it goes
 * @timeout_ms: its deadline
 *
 * Call under RCU: so it does not announce the migration; the caller does,
 * once out of the RCU section (lbnl_notify_migration()).
 *
 * Return: the migration, ERR_PTR(-ENOBUFS) if the namespace's buffer
 * budget cannot spare a share, or ERR_PTR(-ENOMEM).
 */
struct lbnl_migration *lbnl_migrate_open(struct lbnl_net *ln,
					 struct lbnl_vip *vip,
					 struct lbnl_conn *c,
					 struct lbnl_dest *target,
					 unsigned int timeout_ms)
{
	unsigned int share = READ_ONCE(ln->settings.migrate_buffer_share);
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);
	struct lbnl_migration *m;

	lockdep_assert_held(&ln->lock);
	if (ln->migrate_reserved + share >
	    READ_ONCE(ln->settings.migrate_buffer_bytes))
		return ERR_PTR(-ENOBUFS);
	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		return ERR_PTR(-ENOMEM);
	ln->migrate_reserved += share;
	m->share = share;
	spin_lock_init(&m->lock);
	__skb_queue_head_init(&m->queue);
	m->vip = vip;
	m->source = READ_ONCE(c->dest);
	refcount_inc(&m->source->refcnt);
	m->target = target;
	refcount_inc(&target->refcnt);
	m->peer = c->peer;
	m->pport = c->pport;
	m->vtag = READ_ONCE(sc->my_vtag);
	m->id = ++ln->migrate_id;
	m->started = ktime_get();
	m->deadline = jiffies + msecs_to_jiffies(timeout_ms);
	m->timeout_ms = timeout_ms;
	list_add_tail(&m->list, &ln->migrations);
	rcu_assign_pointer(sc->mig, m);
	return m;
}

/**
 * lbnl_migrate_refusal() - can an association move?
 * @c: its entry, under RCU
 *
 * Return: %NULL if it can, else why not.
 */
const char *lbnl_migrate_refusal(struct lbnl_conn *c)
{
	if (READ_ONCE(c->state) != LBNL_CONN_SCTP_ESTABLISHED ||
	    !(READ_ONCE(c->flags) & LBNL_CONN_F_BOUND))
		return "the association is not established";
	if (rcu_access_pointer(lbnl_sctp_conn(c)->mig))
		return "a migration of this association is already open";
	return NULL;
}

/**
 * lbnl_migrate_pick() - a dest for a migration: the scheduler's choice
 * @vip: the association's VIP
 * @c: its entry, under RCU
 * @from: the dest it leaves
 *
 * Return: a dest other than @from that takes new flows, or %NULL.
 */
struct lbnl_dest *lbnl_migrate_pick(struct lbnl_vip *vip, struct lbnl_conn *c,
				    const struct lbnl_dest *from)
{
	u32 hash = jhash_1word(lbnl_sctp_conn(c)->peer_vtag, ntohs(c->pport));
	struct lbnl_dest *d = lbnl_sched_pick_other(vip, hash, from);

	return d && d != from && !READ_ONCE(d->dead) ? d : NULL;
}

/**
 * lbnl_migrate_gc() - abort the migrations past their deadline or whose
 * buffer overflowed
 * @ln: the namespace's state, locked
 */
void lbnl_migrate_gc(struct lbnl_net *ln)
{
	struct lbnl_migration *m, *tmp;
	bool overflow;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry_safe(m, tmp, &ln->migrations, list) {
		spin_lock_bh(&m->lock);
		overflow = m->overflow;
		spin_unlock_bh(&m->lock);
		if (overflow)
			lbnl_migrate_close(ln, m, LBNL_MIGRATE_BUFFER_FULL);
		else if (time_after(jiffies, m->deadline))
			lbnl_migrate_close(ln, m, LBNL_MIGRATE_DEADLINE);
	}
}

/**
 * lbnl_migrate_dest_gone() - abort the migrations from or to a dest
 * @ln: the namespace's state, locked
 * @dest: the dest, being deleted
 */
void lbnl_migrate_dest_gone(struct lbnl_net *ln, struct lbnl_dest *dest)
{
	struct lbnl_migration *m, *tmp;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry_safe(m, tmp, &ln->migrations, list)
		if (m->source == dest || m->target == dest)
			lbnl_migrate_close(ln, m, LBNL_MIGRATE_DEST_GONE);
}

/**
 * lbnl_migrate_vip_gone() - abort a VIP's migrations (or, @vip %NULL, all)
 * @ln: the namespace's state, locked
 * @vip: the VIP, being deleted
 */
void lbnl_migrate_vip_gone(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_migration *m, *tmp;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry_safe(m, tmp, &ln->migrations, list)
		if (!vip || m->vip == vip)
			lbnl_migrate_close(ln, m, LBNL_MIGRATE_VIP_GONE);
}

/**
 * lbnl_migrate_net_init() - a namespace's migration state
 * @ln: the namespace's state
 */
void lbnl_migrate_net_init(struct lbnl_net *ln)
{
	INIT_LIST_HEAD(&ln->migrations);
	ln->migrate_reserved = 0;
	ln->migrate_id = 0;
}
