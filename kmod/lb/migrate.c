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
 *    in the migration's buffer, in order (bounded: migrate_buffer per
 *    migration, migrate_buffer_total per namespace);
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
 * Buffered copies are sent by re-injecting them where they came in
 * (netif_rx on their device): the LB's hook forwards them along the entry
 * as it stands after the switch. A migration refers to its association by
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
#include <net/genetlink.h>
#include <net/sock.h>

#include "lb.h"

/**
 * struct lbnl_migration - an open migration
 * @list: entry in &lbnl_net.migrations
 * @rcu: deferred free
 * @lock: protects @queue, @closed, @overflow, @buffered_max
 * @queue: copies of the peer's DATA packets, in arrival order
 * @vip: the association's VIP
 * @source: the dest it leaves (referenced)
 * @target: the dest it goes to (referenced)
 * @peer: the peer's address (the entry's key, with @pport)
 * @pport: the peer's port, network order
 * @vtag: the dest's verification tag, as when it opened
 * @id: number of the migration in its namespace
 * @started: ktime of the start
 * @deadline: jiffies
 * @timeout_ms: the deadline, from @started
 * @buffered_max: most copies held at once
 * @closed: committed or aborted: copy nothing more
 * @overflow: a copy did not fit: abort
 */
struct lbnl_migration {
	struct list_head list;
	struct rcu_head rcu;
	spinlock_t lock;	/* the queue and flags, against the packet path */
	struct sk_buff_head queue;
	struct lbnl_vip *vip;
	struct lbnl_dest *source;
	struct lbnl_dest *target;
	union nf_inet_addr peer;
	__be16 pport;
	u32 vtag;
	u32 id;
	ktime_t started;
	unsigned long deadline;
	unsigned int timeout_ms;
	unsigned int buffered_max;
	bool closed;
	bool overflow;
};

static struct netlink_range_validation lbnl_migrate_timeout_range = {
	.min = 10,
	.max = 600000,
};

static const struct nla_policy lbnl_migrate_policy[LBNL_A_MIGRATE_MAX + 1] = {
	[LBNL_A_MIGRATE_ID] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_VTAG] = { .type = NLA_U32 },
	[LBNL_A_MIGRATE_PEER_ADDR] = NLA_POLICY_RANGE(NLA_BINARY,
						      sizeof(struct in_addr),
						      sizeof(struct in6_addr)),
	[LBNL_A_MIGRATE_PEER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[LBNL_A_MIGRATE_SOURCE] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_TARGET] = NLA_POLICY_NESTED(lbnl_dest_policy),
	[LBNL_A_MIGRATE_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &lbnl_migrate_timeout_range),
	[LBNL_A_MIGRATE_STATE] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_AGE_MS] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_BUFFERED] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_BUFFERED_MAX] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_REASON] = LBNL_READ_ONLY,
	[LBNL_A_MIGRATE_PAD] = { .type = NLA_REJECT },
};

/* Migration commands: a VIP nest and a migration nest. */
const struct nla_policy lbnl_migrate_cmd_policy[LBNL_A_MIGRATE + 1] = {
	[LBNL_A_VIP] = NLA_POLICY_NESTED(lbnl_vip_policy),
	[LBNL_A_MIGRATE] = NLA_POLICY_NESTED(lbnl_migrate_policy),
};

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

	spin_lock(&m->lock);
	if (m->closed || m->overflow)
		goto out;
	if (skb_queue_len(&m->queue) >= READ_ONCE(ln->settings.migrate_buffer) ||
	    atomic_read(&ln->migrate_buffered) >=
	    READ_ONCE(ln->settings.migrate_buffer_total)) {
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
	atomic_inc(&ln->migrate_buffered);
	m->buffered_max = max(m->buffered_max, skb_queue_len(&m->queue));
out:
	spin_unlock(&m->lock);
	if (reason)
		mod_delayed_work(lbnl_wq, &ln->gc, 0);	/* aborts it */
	return reason;
}

/* ---- sessions ------------------------------------------------------------ */

static struct lbnl_migration *lbnl_migrate_find(struct lbnl_net *ln,
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

/* @m's VIP key and its LBNL_A_MIGRATE nest; @full: with the vtag. */
static int lbnl_put_migration(struct sk_buff *skb,
			      const struct lbnl_migration *m, bool full,
			      const char *reason)
{
	u64 age = ktime_ms_delta(ktime_get(), m->started);
	struct nlattr *nest;

	if (lbnl_put_vip(skb, m->vip, false))
		return -EMSGSIZE;
	nest = nla_nest_start(skb, LBNL_A_MIGRATE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, LBNL_A_MIGRATE_ID, m->id) ||
	    lbnl_put_addr(skb, LBNL_A_MIGRATE_PEER_ADDR, &m->peer,
			  m->vip->family) ||
	    nla_put_u16(skb, LBNL_A_MIGRATE_PEER_PORT, ntohs(m->pport)) ||
	    lbnl_put_dest(skb, LBNL_A_MIGRATE_SOURCE, m->vip, m->source,
			  false) ||
	    lbnl_put_dest(skb, LBNL_A_MIGRATE_TARGET, m->vip, m->target,
			  false) ||
	    (reason && nla_put_string(skb, LBNL_A_MIGRATE_REASON, reason)))
		goto cancel;
	/* Events go to anyone: no vtag there (see the uapi). */
	if ((full && nla_put_u32(skb, LBNL_A_MIGRATE_VTAG, m->vtag)) ||
	    (!m->closed &&
	     nla_put_u8(skb, LBNL_A_MIGRATE_STATE, LBNL_MIGRATE_BUFFERING)) ||
	    nla_put_u32(skb, LBNL_A_MIGRATE_TIMEOUT_MS, m->timeout_ms) ||
	    nla_put_u64_64bit(skb, LBNL_A_MIGRATE_AGE_MS, age,
			      LBNL_A_MIGRATE_PAD) ||
	    nla_put_u32(skb, LBNL_A_MIGRATE_BUFFERED,
			skb_queue_len(&m->queue)) ||
	    nla_put_u32(skb, LBNL_A_MIGRATE_BUFFERED_MAX, m->buffered_max))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static void lbnl_migrate_notify(struct lbnl_net *ln, u8 cmd,
				const struct lbnl_migration *m,
				const char *reason)
{
	struct sk_buff *skb;
	void *hdr;

	skb = lbnl_event_new(ln->net, cmd, &hdr);
	if (!skb)
		return;
	if (lbnl_put_migration(skb, m, false, reason)) {
		nlmsg_free(skb);
		return;
	}
	lbnl_event_send(ln->net, skb, hdr);
}

/*
 * Re-inject the copies where they came in, in order; process context. A
 * copy whose device went away meanwhile is dropped: the peer retransmits.
 */
static void lbnl_migrate_flush(struct lbnl_net *ln, struct sk_buff_head *q)
{
	struct net_device *dev;
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(q))) {
		atomic_dec(&ln->migrate_buffered);
		dev = dev_get_by_index(ln->net, skb->skb_iif);
		if (!dev) {
			kfree_skb(skb);
			continue;
		}
		skb->dev = dev;
		local_bh_disable();
		netif_rx(skb);
		local_bh_enable();
		dev_put(dev);
	}
}

/*
 * Close @m: the entry names @to (the target on commit, the source on
 * abort), the copies go there, @m is announced and freed. Locked.
 */
static void lbnl_migrate_close(struct lbnl_net *ln, struct lbnl_migration *m,
			       bool commit, const char *reason)
{
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
	}
	/* From here on, packets follow the entry; copies stop. */
	spin_lock_bh(&m->lock);
	m->closed = true;
	skb_queue_splice_init(&m->queue, &q);
	spin_unlock_bh(&m->lock);
	if (c)
		RCU_INIT_POINTER(lbnl_sctp_conn(c)->mig, NULL);
	rcu_read_unlock();

	lbnl_migrate_flush(ln, &q);
	list_del(&m->list);
	lbnl_migrate_notify(ln, commit ? LBNL_CMD_MIGRATE_COMMIT :
					 LBNL_CMD_MIGRATE_ABORT, m, reason);
	lbnl_dest_put(m->source);
	lbnl_dest_put(m->target);
	kfree_rcu(m, rcu);
}

/*
 * Open a migration of @c's association to @target; locked, under RCU (so
 * it does not announce it: the caller does, once out of the RCU section).
 */
static struct lbnl_migration *lbnl_migrate_open(struct lbnl_net *ln,
						struct lbnl_vip *vip,
						struct lbnl_conn *c,
						struct lbnl_dest *target,
						unsigned int timeout_ms)
{
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);
	struct lbnl_migration *m;

	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		return NULL;
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

/* Can @c's association move? */
static const char *lbnl_migrate_refusal(struct lbnl_conn *c)
{
	if (READ_ONCE(c->state) != LBNL_CONN_SCTP_ESTABLISHED ||
	    !(READ_ONCE(c->flags) & LBNL_CONN_F_BOUND))
		return "the association is not established";
	if (rcu_access_pointer(lbnl_sctp_conn(c)->mig))
		return "a migration of this association is already open";
	return NULL;
}

/* A dest for a migration away from @from: the scheduler's choice. */
static struct lbnl_dest *lbnl_migrate_pick(struct lbnl_vip *vip,
					   struct lbnl_conn *c,
					   const struct lbnl_dest *from)
{
	u32 hash = jhash_1word(lbnl_sctp_conn(c)->peer_vtag, ntohs(c->pport));
	struct lbnl_dest *d = lbnl_sched_pick_other(vip, hash, from);

	return d && d != from && !READ_ONCE(d->dead) ? d : NULL;
}

/**
 * lbnl_migrate_maint() - a dest went into maintenance: migrate its old
 * enough associations
 * @ln: the namespace's state, locked
 * @vip: the dest's VIP (SCTP, migrate-after > 0)
 * @dest: the dest
 */
void lbnl_migrate_maint(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_dest *dest)
{
	u32 now = (u32)ktime_get_boottime_seconds(), last = ln->migrate_id;
	struct rhashtable_iter iter;
	struct lbnl_migration *m;
	struct lbnl_dest *target;
	struct lbnl_conn *c;

	lockdep_assert_held(&ln->lock);
	if (vip->proto != IPPROTO_SCTP || !vip->migrate_after)
		return;
	rhashtable_walk_enter(&vip->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c)) {
			if (PTR_ERR(c) == -EAGAIN)
				continue;
			break;
		}
		if (READ_ONCE(c->dest) != dest || lbnl_migrate_refusal(c) ||
		    now - c->created < vip->migrate_after)
			continue;
		target = lbnl_migrate_pick(vip, c, dest);
		if (target)
			lbnl_migrate_open(ln, vip, c, target,
					  READ_ONCE(ln->settings.migrate_timeout_ms));
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	/* Announced out of the walk's RCU section: events may sleep. */
	list_for_each_entry(m, &ln->migrations, list)
		if ((s32)(m->id - last) > 0)
			lbnl_migrate_notify(ln, LBNL_CMD_MIGRATE_START, m, NULL);
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
			lbnl_migrate_close(ln, m, false, "buffer full");
		else if (time_after(jiffies, m->deadline))
			lbnl_migrate_close(ln, m, false, "deadline");
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
			lbnl_migrate_close(ln, m, false, "dest deleted");
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
			lbnl_migrate_close(ln, m, false, "VIP deleted");
}

/* ---- netlink ------------------------------------------------------------- */

/* The entry a request names: by the dest's vtag or by the peer. */
static struct lbnl_conn *lbnl_migrate_entry(struct lbnl_vip *vip,
					    struct nlattr **tb,
					    struct netlink_ext_ack *extack)
{
	struct rhashtable_iter iter;
	union nf_inet_addr peer;
	struct lbnl_conn *c;
	u8 family;
	u32 vtag;

	if (tb[LBNL_A_MIGRATE_PEER_ADDR] && tb[LBNL_A_MIGRATE_PEER_PORT]) {
		if (lbnl_nla_get_addr(tb[LBNL_A_MIGRATE_PEER_ADDR], &peer,
				      &family) || family != vip->family) {
			NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_MIGRATE_PEER_ADDR],
					    "peer address family must match the VIP's");
			return ERR_PTR(-EINVAL);
		}
		return lbnl_conn_lookup(vip, &peer,
					htons(nla_get_u16(tb[LBNL_A_MIGRATE_PEER_PORT])));
	}
	if (!tb[LBNL_A_MIGRATE_VTAG]) {
		NL_SET_ERR_MSG(extack,
			       "name the association: its vtag, or the peer's address and port");
		return ERR_PTR(-EINVAL);
	}
	vtag = nla_get_u32(tb[LBNL_A_MIGRATE_VTAG]);
	rhashtable_walk_enter(&vip->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c)) {
			if (PTR_ERR(c) == -EAGAIN)
				continue;
			c = NULL;
			break;
		}
		if (READ_ONCE(c->flags) & LBNL_CONN_F_BOUND &&
		    READ_ONCE(lbnl_sctp_conn(c)->my_vtag) == vtag)
			break;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return c;
}

/*
 * Common start of the migration commands: parse, lock, find the SCTP VIP
 * and the migration nest. On success the namespace is left locked.
 */
static int lbnl_migrate_cmd_begin(struct genl_info *info, struct lbnl_net *ln,
				  struct nlattr **tb, struct lbnl_vip **vip)
{
	struct nlattr *vtb[LBNL_A_VIP_MAX + 1];
	struct lbnl_vip_key key;
	int err;

	err = lbnl_parse_vip(info->attrs, vtb, &key, info->extack);
	if (err)
		return err;
	if (!lbnl_attr_required(info->extack, NULL, info->attrs, LBNL_A_MIGRATE,
				"missing migration attributes"))
		return -EINVAL;
	err = nla_parse_nested(tb, LBNL_A_MIGRATE_MAX,
			       info->attrs[LBNL_A_MIGRATE],
			       lbnl_migrate_policy, info->extack);
	if (err)
		return err;
	mutex_lock(&ln->lock);
	*vip = lbnl_vip_find(ln, &key);
	if (!*vip) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_VIP],
				    "VIP not found");
		err = -ENOENT;
	} else if ((*vip)->proto != IPPROTO_SCTP) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_VIP],
				    "only SCTP associations migrate");
		err = -EINVAL;
	}
	if (err)
		mutex_unlock(&ln->lock);
	return err;
}

static int lbnl_migrate_reply(struct genl_info *info,
			      const struct lbnl_migration *m)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = lbnl_msg_put(skb, info->snd_portid, info->snd_seq, 0,
			   LBNL_CMD_MIGRATE_START);
	if (!hdr || lbnl_put_migration(skb, m, true, NULL)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

static struct lbnl_dest *lbnl_migrate_target(struct lbnl_net *ln,
					     struct lbnl_vip *vip,
					     struct nlattr *attr,
					     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	struct lbnl_dest_key key = {};
	struct lbnl_dest *dest;

	if (nla_parse_nested(tb, LBNL_A_DEST_MAX, attr, lbnl_dest_policy,
			     extack))
		return ERR_PTR(-EINVAL);
	if (!tb[LBNL_A_DEST_ADDR] ||
	    lbnl_nla_get_addr(tb[LBNL_A_DEST_ADDR], &key.addr, &key.family) ||
	    key.family != vip->family) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "target address missing or not of the VIP's family");
		return ERR_PTR(-EINVAL);
	}
	key.port = tb[LBNL_A_DEST_PORT] && nla_get_u16(tb[LBNL_A_DEST_PORT]) ?
		   htons(nla_get_u16(tb[LBNL_A_DEST_PORT])) : vip->port;
	dest = lbnl_dest_find(ln, vip, &key);
	if (!dest) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "target dest not found");
		return ERR_PTR(-ENOENT);
	}
	if (!lbnl_dest_takes_new(dest)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "target dest does not take new flows (maint, drain or weight 0)");
		return ERR_PTR(-EINVAL);
	}
	return dest;
}

int lbnl_nl_migrate_start(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_net *ln = lbnl_pernet(genl_info_net(info));
	unsigned int timeout_ms = READ_ONCE(ln->settings.migrate_timeout_ms);
	struct nlattr *tb[LBNL_A_MIGRATE_MAX + 1];
	struct lbnl_dest *target = NULL;
	struct lbnl_migration *m;
	struct lbnl_vip *vip;
	struct lbnl_conn *c;
	const char *why;
	int err;

	err = lbnl_migrate_cmd_begin(info, ln, tb, &vip);
	if (err)
		return err;
	if (tb[LBNL_A_MIGRATE_TIMEOUT_MS])
		timeout_ms = nla_get_u32(tb[LBNL_A_MIGRATE_TIMEOUT_MS]);
	if (tb[LBNL_A_MIGRATE_TARGET]) {
		target = lbnl_migrate_target(ln, vip, tb[LBNL_A_MIGRATE_TARGET],
					     info->extack);
		if (IS_ERR(target)) {
			err = PTR_ERR(target);
			goto out;
		}
	}

	rcu_read_lock();
	c = lbnl_migrate_entry(vip, tb, info->extack);
	if (IS_ERR_OR_NULL(c)) {
		err = c ? PTR_ERR(c) : -ENOENT;
		if (!c)
			NL_SET_ERR_MSG(info->extack, "association not found");
		goto out_unlock;
	}
	why = lbnl_migrate_refusal(c);
	if (why) {
		lbnl_set_err_msg(info->extack, why);
		err = rcu_access_pointer(lbnl_sctp_conn(c)->mig) ? -EBUSY :
								   -EINVAL;
		goto out_unlock;
	}
	if (!target)
		target = lbnl_migrate_pick(vip, c, READ_ONCE(c->dest));
	if (!target) {
		NL_SET_ERR_MSG(info->extack, "no other dest takes new flows");
		err = -EINVAL;
		goto out_unlock;
	}
	if (target == READ_ONCE(c->dest)) {
		NL_SET_ERR_MSG(info->extack,
			       "the target is the association's dest already");
		err = -EINVAL;
		goto out_unlock;
	}
	m = lbnl_migrate_open(ln, vip, c, target, timeout_ms);
	rcu_read_unlock();
	if (m) {
		lbnl_migrate_notify(ln, LBNL_CMD_MIGRATE_START, m, NULL);
		err = lbnl_migrate_reply(info, m);
	} else {
		err = -ENOMEM;
	}
	goto out;

out_unlock:
	rcu_read_unlock();
out:
	mutex_unlock(&ln->lock);
	return err;
}

/* COMMIT and ABORT: find the open migration the request names. */
static int lbnl_nl_migrate_close(struct genl_info *info, bool commit)
{
	struct lbnl_net *ln = lbnl_pernet(genl_info_net(info));
	struct nlattr *tb[LBNL_A_MIGRATE_MAX + 1];
	struct lbnl_migration *m = NULL;
	struct lbnl_vip *vip;
	struct lbnl_conn *c;
	int err;

	err = lbnl_migrate_cmd_begin(info, ln, tb, &vip);
	if (err)
		return err;
	rcu_read_lock();
	c = lbnl_migrate_entry(vip, tb, info->extack);
	if (IS_ERR(c)) {
		err = PTR_ERR(c);
		rcu_read_unlock();
		goto out;
	}
	if (c)
		m = lbnl_migrate_find(ln, vip, &c->peer, c->pport);
	rcu_read_unlock();
	if (!m) {
		NL_SET_ERR_MSG(info->extack,
			       "no open migration of that association");
		err = -ENOENT;
		goto out;
	}
	lbnl_migrate_close(ln, m, commit, commit ? NULL : "requested");
out:
	mutex_unlock(&ln->lock);
	return err;
}

int lbnl_nl_migrate_commit(struct sk_buff *skb, struct genl_info *info)
{
	return lbnl_nl_migrate_close(info, true);
}

int lbnl_nl_migrate_abort(struct sk_buff *skb, struct genl_info *info)
{
	return lbnl_nl_migrate_close(info, false);
}

int lbnl_nl_migrate_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct lbnl_net *ln = lbnl_pernet(sock_net(skb->sk));
	unsigned long idx = 0;
	struct lbnl_migration *m;
	void *hdr;

	mutex_lock(&ln->lock);
	list_for_each_entry(m, &ln->migrations, list) {
		if (idx < cb->args[0]) {
			idx++;
			continue;
		}
		hdr = lbnl_msg_put(skb, NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI,
				   LBNL_CMD_MIGRATE_GET);
		if (!hdr)
			break;
		if (lbnl_put_migration(skb, m, true, NULL)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		idx++;
	}
	mutex_unlock(&ln->lock);
	cb->args[0] = idx;
	return skb->len;
}

/**
 * lbnl_migrate_net_init() - a namespace's migration state
 * @ln: the namespace's state
 */
void lbnl_migrate_net_init(struct lbnl_net *ln)
{
	INIT_LIST_HEAD(&ln->migrations);
	atomic_set(&ln->migrate_buffered, 0);
	ln->migrate_id = 0;
}
