// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - server role: local SCTP associations, read and exported.
 *
 * Linux has no repair mode for SCTP, and sctp_info lacks the TSNs and
 * stream sequence numbers a move needs, so the module reads them from
 * struct sctp_association itself. It finds an association with
 * sctp_transport_lookup_process(), which calls back with references held
 * and no lock; every access then happens under lock_sock() after checking,
 * as net/sctp/diag.c does, that the association still belongs to the
 * endpoint and is not dead. The module is built against the running
 * kernel's headers, so the layout is the one compiled in.
 *
 * Export freezes the association (see silence.c), waits until it is
 * quiescent, reads its state and silences it, all under one lock_sock()
 * section so that nothing can be sent between the check and the silence.
 */

#include <linux/delay.h>
#include <linux/slab.h>
#include <net/sctp/sctp.h>

#include "srv.h"

struct lbnl_assoc_call {
	lbnl_assoc_fn fn;
	void *arg;
	bool moved;
};

/*
 * How often lbnl_assoc_with() looks an association up again when it moved
 * to another endpoint between the lookup and the lock (accept(), peeloff).
 */
#define LBNL_ASSOC_LOOKUP_TRIES	16

static int lbnl_assoc_locked(struct sctp_endpoint *ep,
			     struct sctp_transport *t, void *p)
{
	struct sctp_association *asoc = t->asoc;
	struct lbnl_assoc_call *call = p;
	struct sock *sk = ep->base.sk;
	int err = -ENOENT;

	call->moved = false;
	lock_sock(sk);
	if (!asoc->base.dead && asoc->ep == ep)
		err = call->fn(asoc, call->arg);
	else if (!asoc->base.dead)
		call->moved = true;
	release_sock(sk);
	return err;
}

/**
 * lbnl_assoc_with() - run a function on an association, socket locked
 * @net: the namespace
 * @laddr: one of its local addresses, with the local port
 * @paddr: one of its peer's addresses, with the peer's port
 * @fn: called with the association, under lock_sock()
 * @arg: passed to @fn
 *
 * An association that a one-to-one listener's accept() (or a peeloff) moves
 * to a new socket between the lookup and the lock is looked up again: it
 * still exists, under its new endpoint.
 *
 * Return: what @fn returned, or -ENOENT if there is no such association.
 */
int lbnl_assoc_with(struct net *net, const union sctp_addr *laddr,
		    const union sctp_addr *paddr, lbnl_assoc_fn fn, void *arg)
{
	struct lbnl_assoc_call call = { .fn = fn, .arg = arg };
	unsigned int tries = 0;
	int err;

	do {
		call.moved = false;
		err = sctp_transport_lookup_process(lbnl_assoc_locked, net,
						    laddr, paddr, &call);
	} while (call.moved && ++tries < LBNL_ASSOC_LOOKUP_TRIES);
	return err;
}

struct lbnl_assoc_walk {
	lbnl_assoc_fn fn;
	void *arg;
};

/* Runs under RCU within the transport walk: pick every association. */
static int lbnl_assoc_walk_pick(struct sctp_endpoint *ep,
				struct sctp_transport *t, void *p)
{
	return 1;
}

/* Runs after the walk paused: free to sleep and lock. */
static int lbnl_assoc_walk_call(struct sctp_endpoint *ep,
				struct sctp_transport *t, void *p)
{
	struct lbnl_assoc_walk *walk = p;
	struct lbnl_assoc_call call = { .fn = walk->fn, .arg = walk->arg };
	int err = lbnl_assoc_locked(ep, t, &call);

	return err == -ENOENT ? 0 : err;
}

/**
 * lbnl_assoc_for_each() - run a function on every association of a namespace
 * @net: the namespace
 * @pos: cursor, 0 to start; on return, where to resume
 * @fn: called with each association under lock_sock(); a non-zero return
 *	stops the walk before that association, which is visited again when
 *	the walk resumes from @pos
 * @arg: passed to @fn
 *
 * Return: 0 when every association was visited, else what @fn returned.
 */
int lbnl_assoc_for_each(struct net *net, int *pos, lbnl_assoc_fn fn,
			void *arg)
{
	struct lbnl_assoc_walk walk = { .fn = fn, .arg = arg };
	int err;

	err = sctp_transport_traverse_process(lbnl_assoc_walk_pick,
					      lbnl_assoc_walk_call, net, pos,
					      &walk);
	return err == 1 ? 0 : err;
}

/**
 * lbnl_sctp_addr_eq() - same address (family and address, not port)?
 * @a: one
 * @b: the other
 *
 * Return: true if they are the same address.
 */
bool lbnl_sctp_addr_eq(const union sctp_addr *a, const union sctp_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return ipv6_addr_equal(&a->v6.sin6_addr, &b->v6.sin6_addr);
}

/* Creation time: a passively opened association's cookie expires
 * cookie_life after the INIT-ACK that created it.
 */
static u64 lbnl_assoc_created_ms(const struct sctp_association *asoc)
{
	if (!asoc->c.expiration)
		return 0;
	return ktime_to_ms(ktime_sub(asoc->c.expiration, asoc->cookie_life));
}

/* Bytes received for @asoc that the application has not read yet. */
static u32 lbnl_assoc_unread(struct sctp_association *asoc)
{
	struct sock *sk = asoc->base.sk;
	struct sk_buff_head *queues[] = {
		&sk->sk_receive_queue, &sctp_sk(sk)->pd_lobby,
	};
	struct sk_buff *skb;
	unsigned int i;
	u32 bytes = 0;

	for (i = 0; i < ARRAY_SIZE(queues); i++) {
		spin_lock_bh(&queues[i]->lock);
		skb_queue_walk(queues[i], skb) {
			struct sctp_ulpevent *ev = sctp_skb2event(skb);

			if (ev->asoc == asoc &&
			    !(ev->msg_flags & MSG_NOTIFICATION))
				bytes += skb->len;
		}
		spin_unlock_bh(&queues[i]->lock);
	}
	return bytes;
}

static u32 lbnl_assoc_unacked(struct sctp_association *asoc)
{
	return asoc->next_tsn - 1 - asoc->ctsn_ack_point;
}

static u32 lbnl_assoc_features(const struct sctp_association *asoc)
{
	u32 f = 0;

	if (asoc->peer.ecn_capable)
		f |= LBNL_ASSOC_F_ECN;
	if (asoc->peer.prsctp_capable)
		f |= LBNL_ASSOC_F_PRSCTP;
	if (asoc->peer.auth_capable)
		f |= LBNL_ASSOC_F_AUTH;
	if (asoc->peer.asconf_capable)
		f |= LBNL_ASSOC_F_ASCONF;
	if (asoc->peer.reconf_capable)
		f |= LBNL_ASSOC_F_RECONF;
	if (asoc->peer.intl_capable)
		f |= LBNL_ASSOC_F_IDATA;
	return f;
}

/* The reason "more than 16382 streams" names the limit: keep them together. */
static_assert(LBNL_ASSOC_MAX_STREAMS == 16382);

/**
 * lbnl_assoc_unmigratable() - why an association cannot be moved at all
 * @asoc: the association, socket locked
 *
 * Return: the reason, or %NULL if it can be moved once quiescent.
 */
const char *lbnl_assoc_unmigratable(struct sctp_association *asoc)
{
	struct sock *sk = asoc->base.sk;
	u32 f = lbnl_assoc_features(asoc);

	if (asoc->state != SCTP_STATE_ESTABLISHED)
		return "not established";
	if (sk->sk_shutdown || sock_flag(sk, SOCK_DEAD))
		return "closing";
	if (sctp_style(sk, UDP_HIGH_BANDWIDTH))
		return "peeled off";
	if (f & LBNL_ASSOC_F_AUTH)
		return "AUTH negotiated";
	if (f & LBNL_ASSOC_F_ASCONF)
		return "ASCONF negotiated";
	if (f & LBNL_ASSOC_F_RECONF)
		return "RE-CONFIG negotiated";
	if (f & LBNL_ASSOC_F_IDATA)
		return "I-DATA negotiated";
	if (asoc->encap_port)
		return "UDP-encapsulated";
	if (asoc->peer.transport_count > LBNL_ASSOC_MAX_ADDRS)
		return "too many peer addresses";
	if (asoc->stream.outcnt > LBNL_ASSOC_MAX_STREAMS ||
	    asoc->stream.incnt > LBNL_ASSOC_MAX_STREAMS)
		return "more than 16382 streams";
	if (!asoc->c.peer_vtag || !asoc->c.my_vtag)
		return "no verification tags";
	return NULL;
}

/* Is the owning application blocked waiting on the socket? Then it holds
 * no request it has read and not yet answered. (An epoll user always looks
 * like it waits: such applications should use the migration library.)
 */
static bool lbnl_assoc_app_waiting(struct sock *sk)
{
	struct socket_wq *wq;
	bool waiting;

	if (!sk->sk_socket)
		return true;
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	/*
	 * Racy by nature, and that is fine: the caller holds the socket
	 * lock, so a waiter that leaves now cannot send before the silence
	 * that follows this check is in place.
	 */
	waiting = wq && waitqueue_active(&wq->wait);
	rcu_read_unlock();
	return waiting;
}

/**
 * lbnl_assoc_unquiesced() - why an association is not quiescent yet
 * @asoc: the association, socket locked
 *
 * Quiescent: everything sent was acknowledged, nothing waits to be sent,
 * everything received arrived in order and was read. (Whether the
 * application still holds a request it read and has not answered is
 * lbnl_assoc_try_export()'s business.)
 *
 * Return: the reason, or %NULL if quiescent.
 */
const char *lbnl_assoc_unquiesced(struct sctp_association *asoc)
{
	struct sctp_outq *q = &asoc->outqueue;
	struct sctp_ulpq *ulpq = &asoc->ulpq;
	struct sctp_transport *t;

	if (lbnl_assoc_unacked(asoc) || q->outstanding_bytes)
		return "sent data not yet acknowledged";
	list_for_each_entry(t, &asoc->peer.transport_addr_list, transports)
		if (!list_empty(&t->transmitted))
			return "sent data not yet acknowledged";
	if (!list_empty(&q->out_chunk_list) || !list_empty(&q->retransmit) ||
	    !list_empty(&q->sacked) || !list_empty(&q->abandoned))
		return "data queued for sending";
	if (sctp_tsnmap_has_gap(&asoc->peer.tsn_map))
		return "gap in received TSNs";
	if (ulpq->pd_mode || !skb_queue_empty(&ulpq->reasm) ||
	    !skb_queue_empty(&ulpq->reasm_uo) || !skb_queue_empty(&ulpq->lobby))
		return "incomplete or out-of-order message pending";
	if (lbnl_assoc_unread(asoc))
		return "received data not yet read by the application";
	return NULL;
}

/* The local address of the primary path, or the first bound one. */
static void lbnl_assoc_local_primary(struct sctp_association *asoc,
				     union sctp_addr *addr)
{
	struct sctp_transport *t = asoc->peer.primary_path;
	struct sctp_sockaddr_entry *a;

	memset(addr, 0, sizeof(*addr));
	if (t && t->saddr.sa.sa_family) {
		*addr = t->saddr;
	} else {
		rcu_read_lock();
		a = list_first_or_null_rcu(&asoc->base.bind_addr.address_list,
					   struct sctp_sockaddr_entry, list);
		if (a)
			*addr = a->a;
		rcu_read_unlock();
	}
	addr->v4.sin_port = htons(asoc->base.bind_addr.port);
}

/**
 * lbnl_assoc_get_info() - what "lbnl assoc show" says of an association
 * @asoc: the association, socket locked
 * @info: filled in
 */
void lbnl_assoc_get_info(struct sctp_association *asoc,
			 struct lbnl_assoc_info *info)
{
	struct sock *sk = asoc->base.sk;

	memset(info, 0, sizeof(*info));
	lbnl_assoc_local_primary(asoc, &info->laddr);
	info->paddr = asoc->peer.primary_addr;
	info->paddr.v4.sin_port = htons(asoc->peer.port);
	info->my_vtag = asoc->c.my_vtag;
	info->peer_vtag = asoc->c.peer_vtag;
	info->assoc_id = asoc->assoc_id;
	info->state = sctp_assoc_to_state(asoc);
	info->style = sctp_style(sk, UDP) ? LBNL_ASSOC_ONE_TO_MANY :
					    LBNL_ASSOC_ONE_TO_ONE;
	info->unacked = lbnl_assoc_unacked(asoc);
	info->pending = asoc->outqueue.out_qlen;
	info->unread = lbnl_assoc_unread(asoc);
	info->created_ms = lbnl_assoc_created_ms(asoc);
	info->reason = lbnl_assoc_unmigratable(asoc);
}

static u32 lbnl_jiffies_to_us(unsigned long j)
{
	return min_t(u64, jiffies_to_usecs(j), U32_MAX);
}

/**
 * lbnl_assoc_read_state() - read everything needed to re-create @asoc
 * @asoc: the association, socket locked, quiescent
 * @s: filled in; release with lbnl_assoc_state_free()
 *
 * Return: 0 or -ENOMEM.
 */
int lbnl_assoc_read_state(struct sctp_association *asoc,
			  struct lbnl_assoc_state *s)
{
	struct sctp_stream *stream = &asoc->stream;
	struct sctp_sockaddr_entry *a;
	struct sctp_transport *t;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	lbnl_assoc_local_primary(asoc, &s->laddr);
	s->paddr = asoc->peer.primary_addr;
	s->paddr.v4.sin_port = htons(asoc->peer.port);

	rcu_read_lock();
	list_for_each_entry_rcu(a, &asoc->base.bind_addr.address_list, list) {
		if (!a->valid || s->n_laddrs == LBNL_ASSOC_MAX_ADDRS)
			continue;
		s->laddrs[s->n_laddrs] = a->a;
		s->laddrs[s->n_laddrs].v4.sin_port = s->laddr.v4.sin_port;
		s->n_laddrs++;
	}
	rcu_read_unlock();

	list_for_each_entry(t, &asoc->peer.transport_addr_list, transports) {
		struct lbnl_assoc_path *p = &s->paths[s->n_paths];

		if (s->n_paths == LBNL_ASSOC_MAX_ADDRS)
			break;
		p->addr = t->ipaddr;
		p->rto_us = lbnl_jiffies_to_us(t->rto);
		p->srtt_us = lbnl_jiffies_to_us(t->srtt);
		p->rttvar_us = lbnl_jiffies_to_us(t->rttvar);
		p->cwnd = t->cwnd;
		p->ssthresh = t->ssthresh;
		s->n_paths++;
	}

	s->my_vtag = asoc->c.my_vtag;
	s->peer_vtag = asoc->c.peer_vtag;
	s->next_tsn = asoc->next_tsn;
	s->peer_next_tsn = sctp_tsnmap_get_ctsn(&asoc->peer.tsn_map) + 1;
	s->peer_rwnd = asoc->peer.rwnd;
	s->features = lbnl_assoc_features(asoc);
	s->addip_serial = asoc->addip_serial;
	s->peer_addip_serial = asoc->peer.addip_serial;
	s->strreset_outseq = asoc->strreset_outseq;
	s->strreset_inseq = asoc->strreset_inseq;
	s->adaptation_ind = asoc->peer.adaptation_ind;
	s->created_ms = lbnl_assoc_created_ms(asoc);

	s->out_streams = stream->outcnt;
	s->in_streams = stream->incnt;
	s->out_ssn = kvcalloc(max_t(u16, s->out_streams, 1), sizeof(u32),
			      GFP_KERNEL);
	s->in_ssn = kvcalloc(max_t(u16, s->in_streams, 1), sizeof(u32),
			     GFP_KERNEL);
	if (!s->out_ssn || !s->in_ssn) {
		lbnl_assoc_state_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < s->out_streams; i++)
		s->out_ssn[i] = sctp_stream_out(stream, i)->mid;
	for (i = 0; i < s->in_streams; i++)
		s->in_ssn[i] = sctp_stream_in(stream, i)->mid;
	return 0;
}

/**
 * lbnl_assoc_state_free() - release what lbnl_assoc_read_state() allocated
 * @s: the state
 */
void lbnl_assoc_state_free(struct lbnl_assoc_state *s)
{
	kvfree(s->out_ssn);
	kvfree(s->in_ssn);
	s->out_ssn = NULL;
	s->in_ssn = NULL;
}

/**
 * lbnl_assoc_kill() - make an association fail, now, on this host only
 * @asoc: the association, socket locked, silenced (DROP)
 *
 * There is no exported way to abort an association from a module, so this
 * takes the one the stack uses when a peer stops answering: with no
 * retransmission left, the next heartbeat timeout declares the association
 * failed. The ABORT it sends is dropped by the silence; the application
 * sees the association fail (ETIMEDOUT / COMM_LOST).
 */
void lbnl_assoc_kill(struct sctp_association *asoc)
{
	struct sctp_transport *t = asoc->peer.primary_path;

	asoc->max_retrans = 0;
	if (!t)
		return;
	/* Make the timer see a path idle for long enough to act. */
	t->last_time_sent = jiffies - 3600 * HZ;
	/* An armed timer owns a reference (sctp_transport_hold() is not
	 * exported; the transport is alive: we hold the socket lock).
	 */
	if (!mod_timer(&t->hb_timer, jiffies))
		refcount_inc(&t->refcnt);
}

struct lbnl_export_try {
	struct lbnl_silence *silence;
	struct lbnl_assoc_state *state;
	const char *reason;
	unsigned long quiet_since;	/* jiffies; 0: not quiet */
	u32 quiet_tsn;			/* next_tsn when it became quiet */
};

/*
 * Has the application answered everything it read? Certainly if it waits
 * on the socket; otherwise (a one-to-many socket busy with other
 * associations, an epoll user) once the association has stayed quiescent,
 * sending nothing, for export_settle_ms. A reply sent later than that is
 * caught by lbnl_assoc_release().
 */
static bool lbnl_assoc_settled(struct sctp_association *asoc,
			       struct lbnl_export_try *try)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(sock_net(asoc->base.sk));
	unsigned long settle =
		msecs_to_jiffies(READ_ONCE(sn->settings.export_settle_ms));

	if (lbnl_assoc_app_waiting(asoc->base.sk))
		return true;
	if (!try->quiet_since || try->quiet_tsn != asoc->next_tsn) {
		try->quiet_since = jiffies | 1;
		try->quiet_tsn = asoc->next_tsn;
		return false;
	}
	return time_after_eq(jiffies, try->quiet_since + settle);
}

/* Under lock_sock: if quiescent, read the state and silence at once. */
static int lbnl_assoc_try_export(struct sctp_association *asoc, void *arg)
{
	struct lbnl_export_try *try = arg;
	int err;

	try->reason = lbnl_assoc_unmigratable(asoc);
	if (try->reason)
		return -EOPNOTSUPP;
	/* Let the peer's retransmissions fill what is missing below this. */
	lbnl_silence_set_freeze_tsn(try->silence,
				    sctp_tsnmap_get_max_tsn_seen(&asoc->peer.tsn_map));
	try->reason = lbnl_assoc_unquiesced(asoc);
	if (try->reason) {
		try->quiet_since = 0;
		return -EAGAIN;
	}
	if (!lbnl_assoc_settled(asoc, try)) {
		try->reason = "application busy";
		return -EAGAIN;
	}
	err = lbnl_assoc_read_state(asoc, try->state);
	if (err)
		return err;
	try->silence->export_next_tsn = asoc->next_tsn;
	lbnl_silence_set_mode(try->silence, LBNL_SILENCE_DROP);
	return 0;
}

struct lbnl_tags {
	u32 my_vtag;
	u32 peer_vtag;
	const char *reason;
};

static int lbnl_assoc_get_tags(struct sctp_association *asoc, void *arg)
{
	struct lbnl_tags *tags = arg;

	tags->my_vtag = asoc->c.my_vtag;
	tags->peer_vtag = asoc->c.peer_vtag;
	tags->reason = lbnl_assoc_unmigratable(asoc);
	return 0;
}

/**
 * lbnl_assoc_export() - freeze, wait for quiescence, read and silence
 * @net: the namespace
 * @laddr: a local address of the association, with the local port
 * @paddr: a peer address of it, with the peer's port
 * @timeout_ms: how long to wait for quiescence
 * @s: the state, on success; release with lbnl_assoc_state_free()
 * @reason: on failure, why (a static string)
 *
 * Return: 0, or -ENOENT (no such association), -EOPNOTSUPP (cannot be
 * moved), -ETIMEDOUT (did not quiesce; nothing stays changed), -EBUSY
 * (already being exported or imported), -ECANCELED (resumed meanwhile, or
 * a signal; not -EINTR, which netlink_rcv_skb() would leave unanswered).
 */
int lbnl_assoc_export(struct net *net, const union sctp_addr *laddr,
		      const union sctp_addr *paddr, unsigned int timeout_ms,
		      struct lbnl_assoc_state *s, const char **reason)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	struct lbnl_export_try try = { .state = s };
	struct lbnl_tags tags = {};
	struct lbnl_silence *e;
	int err;

	*reason = NULL;
	err = lbnl_assoc_with(net, laddr, paddr, lbnl_assoc_get_tags, &tags);
	if (err)
		return err;
	if (tags.reason) {
		*reason = tags.reason;
		return -EOPNOTSUPP;
	}

	mutex_lock(&sn->assoc_lock);
	e = lbnl_silence_find(net, tags.my_vtag, laddr->v4.sin_port,
			      paddr->v4.sin_port);
	if (e && !e->expires) {
		mutex_unlock(&sn->assoc_lock);
		*reason = "already being exported or imported";
		return -EBUSY;
	}
	e = lbnl_silence_add(net, tags.my_vtag, tags.peer_vtag,
			     laddr->v4.sin_port, paddr->v4.sin_port,
			     LBNL_SILENCE_FREEZE);
	mutex_unlock(&sn->assoc_lock);
	if (IS_ERR(e))
		return PTR_ERR(e);

	for (;;) {
		mutex_lock(&sn->assoc_lock);
		try.silence = lbnl_silence_find(net, tags.my_vtag,
						laddr->v4.sin_port,
						paddr->v4.sin_port);
		if (!try.silence || try.silence->mode != LBNL_SILENCE_FREEZE) {
			mutex_unlock(&sn->assoc_lock);
			*reason = "export cancelled";
			return -ECANCELED;
		}
		err = lbnl_assoc_with(net, laddr, paddr, lbnl_assoc_try_export,
				      &try);
		if (err != -EAGAIN || time_after(jiffies, deadline) ||
		    signal_pending(current)) {
			if (err)
				lbnl_silence_del(net, try.silence);
			mutex_unlock(&sn->assoc_lock);
			break;
		}
		mutex_unlock(&sn->assoc_lock);
		usleep_range(500, 1000);
	}

	*reason = try.reason;
	if (err == -EAGAIN && signal_pending(current)) {
		*reason = "export interrupted";
		return -ECANCELED;
	}
	return err == -EAGAIN ? -ETIMEDOUT : err;
}

/**
 * lbnl_assoc_resume() - lift the silence of an exported association
 * @net: the namespace
 * @laddr: a local address of the association, with the local port
 * @paddr: a peer address of it, with the peer's port
 *
 * Return: 0, -ENOENT (no such association), or -ESRCH (not silenced).
 */
int lbnl_assoc_resume(struct net *net, const union sctp_addr *laddr,
		      const union sctp_addr *paddr)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	struct lbnl_tags tags = {};
	struct lbnl_silence *e;
	int err;

	err = lbnl_assoc_with(net, laddr, paddr, lbnl_assoc_get_tags, &tags);
	if (err)
		return err;

	mutex_lock(&sn->assoc_lock);
	e = lbnl_silence_find(net, tags.my_vtag, laddr->v4.sin_port,
			      paddr->v4.sin_port);
	if (e)
		lbnl_silence_del(net, e);
	mutex_unlock(&sn->assoc_lock);
	return e ? 0 : -ESRCH;
}

struct lbnl_kill {
	u32 my_vtag;
	bool check_tsn;
	u32 export_next_tsn;
	bool sent_after_export;
};

static int lbnl_assoc_do_kill(struct sctp_association *asoc, void *arg)
{
	struct lbnl_kill *k = arg;

	if (asoc->c.my_vtag != k->my_vtag)
		return -ESTALE;
	k->sent_after_export = k->check_tsn &&
			       asoc->next_tsn != k->export_next_tsn;
	lbnl_assoc_kill(asoc);
	return 0;
}

/**
 * lbnl_assoc_release() - end the local copy of an association, silently
 * @net: the namespace
 * @laddr: a local address of the association, with the local port
 * @paddr: a peer address of it, with the peer's port
 * @grace_ms: how long its packets stay dropped afterwards
 *
 * The association is silenced (if it was not already) and made to fail;
 * its packets, including the ABORT this produces, stay dropped for
 * @grace_ms.
 *
 * Return: 0, -ENOENT (no such association), or -EPIPE: the association was
 * exported and its application sent data afterwards, which was dropped
 * (the copy is released all the same; the caller must know).
 */
int lbnl_assoc_release(struct net *net, const union sctp_addr *laddr,
		       const union sctp_addr *paddr, unsigned int grace_ms)
{
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	struct lbnl_tags tags = {};
	struct lbnl_kill kill = {};
	struct lbnl_silence *e;
	int err;

	err = lbnl_assoc_with(net, laddr, paddr, lbnl_assoc_get_tags, &tags);
	if (err)
		return err;

	mutex_lock(&sn->assoc_lock);
	e = lbnl_silence_find(net, tags.my_vtag, laddr->v4.sin_port,
			      paddr->v4.sin_port);
	if (e && e->mode == LBNL_SILENCE_DROP && !e->expires) {
		kill.check_tsn = true;
		kill.export_next_tsn = e->export_next_tsn;
	}
	e = lbnl_silence_add(net, tags.my_vtag, tags.peer_vtag,
			     laddr->v4.sin_port, paddr->v4.sin_port,
			     LBNL_SILENCE_DROP);
	if (IS_ERR(e)) {
		err = PTR_ERR(e);
		goto out;
	}
	kill.my_vtag = tags.my_vtag;
	err = lbnl_assoc_with(net, laddr, paddr, lbnl_assoc_do_kill, &kill);
	lbnl_silence_expire(net, e, msecs_to_jiffies(grace_ms));
	if (!err && kill.sent_after_export)
		err = -EPIPE;
out:
	mutex_unlock(&sn->assoc_lock);
	return err;
}
