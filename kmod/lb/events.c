// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - the family's messages: the attribute writers that replies, dumps
 * and events share, and the events themselves, multicast on the "events"
 * group. The objects announce their changes through lbnl_notify() and
 * lbnl_notify_migration() (declared in lb.h): they never call into the
 * rest of the netlink code.
 */

#include <linux/ktime.h>
#include <net/genetlink.h>

#include "nl.h"

/**
 * lbnl_msg_put() - start a message of the lbnl family
 * @skb: the buffer
 * @portid: destination
 * @seq: sequence number
 * @flags: netlink flags
 * @cmd: LBNL_CMD_*
 *
 * Return: the family header, or %NULL if @skb is full.
 */
void *lbnl_msg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		   u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &lbnl_genl_family, flags, cmd);
}

/**
 * lbnl_dump_msg_put() - start a message of a dump, flagged
 * NLM_F_DUMP_INTR if the configuration changed since the dump's last part
 * @skb: the buffer
 * @cb: the dump (cb->seq: the generation it is at, see lbnl_nl_dump_vips())
 * @cmd: LBNL_CMD_*
 *
 * Return: the family header, or %NULL if @skb is full.
 */
void *lbnl_dump_msg_put(struct sk_buff *skb, struct netlink_callback *cb,
			u8 cmd)
{
	void *hdr = lbnl_msg_put(skb, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq, NLM_F_MULTI, cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

/**
 * lbnl_put_addr() - an address attribute, 4 or 16 bytes by @family
 * @skb: the message
 * @type: the attribute's type
 * @addr: the address
 * @family: AF_INET or AF_INET6
 *
 * Return: 0 or -EMSGSIZE.
 */
int lbnl_put_addr(struct sk_buff *skb, int type,
		  const union nf_inet_addr *addr, u8 family)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, type, addr->ip);
	return nla_put_in6_addr(skb, type, &addr->in6);
}

/* The bypass part of a VIP: its dest, if any, and the transition's time. */
static int lbnl_put_bypass(struct sk_buff *skb, const struct lbnl_vip *vip)
{
	const struct lbnl_dest *dest;

	if (nla_put_u32(skb, LBNL_A_VIP_ACTIVE_DESTS, vip->active_dests) ||
	    nla_put_u8(skb, LBNL_A_VIP_ROUTER, vip->router) ||
	    (vip->changed_ms &&
	     nla_put_u64_64bit(skb, LBNL_A_VIP_CHANGED_MS, vip->changed_ms,
			       LBNL_A_VIP_PAD)))
		return -EMSGSIZE;
	dest = rcu_dereference_protected(vip->bypass_dest,
					 lockdep_is_held(&vip->ln->lock));
	return dest ? lbnl_put_dest(skb, LBNL_A_VIP_BYPASS_DEST, vip, dest,
				    false) : 0;
}

/**
 * lbnl_put_vip() - the VIP nest: the key alone, or every attribute
 * @skb: the message
 * @vip: the VIP
 * @full: every attribute (&lbnl_net.lock held)
 *
 * Return: 0 or -EMSGSIZE.
 */
int lbnl_put_vip(struct sk_buff *skb, const struct lbnl_vip *vip, bool full)
{
	struct nlattr *nest = nla_nest_start(skb, LBNL_A_VIP);

	if (!nest)
		return -EMSGSIZE;
	return lbnl_nest_end(skb, nest,
		lbnl_put_addr(skb, LBNL_A_VIP_ADDR, &vip->addr, vip->family) ||
		nla_put_u16(skb, LBNL_A_VIP_PORT, ntohs(vip->port)) ||
		nla_put_u8(skb, LBNL_A_VIP_PROTO, vip->proto) ||
		(full &&
		 (nla_put_u8(skb, LBNL_A_VIP_MODE, vip->mode) ||
		  nla_put_u8(skb, LBNL_A_VIP_SCHED, vip->sched) ||
		  nla_put_u8(skb, LBNL_A_VIP_BYPASS, vip->bypass) ||
		  nla_put_u32(skb, LBNL_A_VIP_MIGRATE_AFTER,
			      vip->migrate_after) ||
		  nla_put_u32(skb, LBNL_A_VIP_FLAGS, vip->flags) ||
		  nla_put_u32(skb, LBNL_A_VIP_DEST_COUNT, vip->dest_count) ||
		  lbnl_put_bypass(skb, vip))));
}

/* A dest in maint or drain: how far it is from empty (maint.c). */
static int lbnl_put_dest_emptying(struct sk_buff *skb,
				  const struct lbnl_dest *dest)
{
	u8 state = READ_ONCE(dest->state);

	if (state != LBNL_DEST_MAINT && state != LBNL_DEST_DRAIN)
		return 0;
	return nla_put_u32(skb, LBNL_A_DEST_MOVED,
			   READ_ONCE(dest->emptying.moved)) ||
	       nla_put_u32(skb, LBNL_A_DEST_LEFT,
			   READ_ONCE(dest->emptying.left)) ||
	       nla_put_u32(skb, LBNL_A_DEST_UNMIGRATABLE,
			   READ_ONCE(dest->emptying.unmigratable));
}

/**
 * lbnl_put_dest() - a dest nest: its key (address, port) or every attribute
 * @skb: the message
 * @type: the nest's type (LBNL_A_DEST, LBNL_A_VIP_BYPASS_DEST)
 * @vip: the dest's VIP
 * @dest: the dest
 * @full: also its weight, state and tag id (and, emptying, its counts)
 *
 * Return: 0 or -EMSGSIZE.
 */
int lbnl_put_dest(struct sk_buff *skb, int type, const struct lbnl_vip *vip,
		  const struct lbnl_dest *dest, bool full)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	return lbnl_nest_end(skb, nest,
		lbnl_put_addr(skb, LBNL_A_DEST_ADDR, &dest->addr, vip->family) ||
		nla_put_u16(skb, LBNL_A_DEST_PORT, ntohs(dest->port)) ||
		(full &&
		 (nla_put_u32(skb, LBNL_A_DEST_WEIGHT, dest->weight) ||
		  nla_put_u8(skb, LBNL_A_DEST_STATE, dest->state) ||
		  (dest->tag_id &&
		   nla_put_u16(skb, LBNL_A_DEST_TAG_ID, dest->tag_id)) ||
		  lbnl_put_dest_emptying(skb, dest))));
}

/**
 * lbnl_put_migration() - a migration's VIP key and its LBNL_A_MIGRATE nest
 * @skb: the message
 * @m: the migration
 * @full: with the vtag (not in events: they go to anyone, see the uapi)
 * @reason: why it was aborted, or %NULL
 *
 * Return: 0 or -EMSGSIZE.
 */
int lbnl_put_migration(struct sk_buff *skb, const struct lbnl_migration *m,
		       bool full, const char *reason)
{
	u64 age = ktime_ms_delta(ktime_get(), m->started);
	struct nlattr *nest;

	if (lbnl_put_vip(skb, m->vip, false))
		return -EMSGSIZE;
	nest = nla_nest_start(skb, LBNL_A_MIGRATE);
	if (!nest)
		return -EMSGSIZE;
	return lbnl_nest_end(skb, nest,
		nla_put_u32(skb, LBNL_A_MIGRATE_ID, m->id) ||
		lbnl_put_addr(skb, LBNL_A_MIGRATE_PEER_ADDR, &m->peer,
			      m->vip->family) ||
		nla_put_u16(skb, LBNL_A_MIGRATE_PEER_PORT, ntohs(m->pport)) ||
		lbnl_put_dest(skb, LBNL_A_MIGRATE_SOURCE, m->vip, m->source,
			      false) ||
		lbnl_put_dest(skb, LBNL_A_MIGRATE_TARGET, m->vip, m->target,
			      false) ||
		(reason &&
		 nla_put_string(skb, LBNL_A_MIGRATE_REASON, reason)) ||
		(full && nla_put_u32(skb, LBNL_A_MIGRATE_VTAG, m->vtag)) ||
		(!m->closed &&
		 nla_put_u8(skb, LBNL_A_MIGRATE_STATE,
			    LBNL_MIGRATE_BUFFERING)) ||
		nla_put_u32(skb, LBNL_A_MIGRATE_TIMEOUT_MS, m->timeout_ms) ||
		nla_put_u64_64bit(skb, LBNL_A_MIGRATE_AGE_MS, age,
				  LBNL_A_MIGRATE_PAD) ||
		nla_put_u32(skb, LBNL_A_MIGRATE_BUFFERED,
			    skb_queue_len(&m->queue)) ||
		nla_put_u32(skb, LBNL_A_MIGRATE_BUFFERED_MAX,
			    m->buffered_max));
}

/* A whole VIP, or a dest with its VIP's key, or (both %NULL) nothing. */
static int lbnl_put_obj(struct sk_buff *skb, const struct lbnl_vip *vip,
			const struct lbnl_dest *dest)
{
	if ((vip && lbnl_put_vip(skb, vip, !dest)) ||
	    (dest && lbnl_put_dest(skb, LBNL_A_DEST, vip, dest, true)))
		return -EMSGSIZE;
	return 0;
}

/**
 * lbnl_msg_end() - close a message, or take it back if its attributes did
 * not fit
 * @skb: the buffer
 * @hdr: the message's family header
 * @err: what putting its attributes returned
 *
 * Return: 0, or -EMSGSIZE if @err.
 */
int lbnl_msg_end(struct sk_buff *skb, void *hdr, int err)
{
	if (err) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * lbnl_dump_obj() - a dump's message: a whole VIP, or a dest with its
 * VIP's key
 * @skb: the buffer
 * @cb: the dump
 * @cmd: LBNL_CMD_*
 * @vip: the VIP
 * @dest: the dest, or %NULL
 *
 * Return: 0 or -EMSGSIZE.
 */
int lbnl_dump_obj(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
		  const struct lbnl_vip *vip, const struct lbnl_dest *dest)
{
	void *hdr = lbnl_dump_msg_put(skb, cb, cmd);

	if (!hdr)
		return -EMSGSIZE;
	return lbnl_msg_end(skb, hdr, lbnl_put_obj(skb, vip, dest));
}

/**
 * lbnl_reply_new() - start the reply to a request
 * @info: the request
 * @cmd: LBNL_CMD_*
 * @hdr: the family header, for lbnl_reply_send()
 *
 * Return: the message, or ERR_PTR(-ENOMEM) or ERR_PTR(-EMSGSIZE).
 */
struct sk_buff *lbnl_reply_new(struct genl_info *info, u8 cmd, void **hdr)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);

	if (!skb)
		return ERR_PTR(-ENOMEM);
	*hdr = lbnl_msg_put(skb, info->snd_portid, info->snd_seq, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	return skb;
}

/**
 * lbnl_reply_send() - send the reply, or drop it if its attributes did not
 * fit
 * @info: the request
 * @skb: from lbnl_reply_new()
 * @hdr: from lbnl_reply_new()
 * @err: what putting the attributes returned
 *
 * Return: 0 or a negative errno (-EMSGSIZE if @err).
 */
int lbnl_reply_send(struct genl_info *info, struct sk_buff *skb, void *hdr,
		    int err)
{
	if (err) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/**
 * lbnl_reply() - answer a request with a whole VIP, or a dest with its
 * VIP's key
 * @info: the request
 * @cmd: LBNL_CMD_*
 * @vip: the VIP
 * @dest: the dest, or %NULL
 *
 * Return: 0 or a negative errno.
 */
int lbnl_reply(struct genl_info *info, u8 cmd, const struct lbnl_vip *vip,
	       const struct lbnl_dest *dest)
{
	struct sk_buff *skb;
	void *hdr;

	skb = lbnl_reply_new(info, cmd, &hdr);
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	return lbnl_reply_send(info, skb, hdr, lbnl_put_obj(skb, vip, dest));
}

/* Start an event message, if anyone listens; %NULL if not. */
static struct sk_buff *lbnl_event_new(struct net *net, u8 cmd, void **hdr)
{
	return lbnl_genl_event_new(&lbnl_genl_family, net,
				   LBNL_MCGRP_EVENTS_IDX, cmd, hdr);
}

/* Finish an event message and multicast it. */
static void lbnl_event_send(struct net *net, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&lbnl_genl_family, net, skb, 0,
				LBNL_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

/**
 * lbnl_notify() - announce a change on the events group, in the layout of
 * a GET reply
 * @net: the namespace
 * @cmd: LBNL_CMD_* of the event
 * @vip: the VIP (all of it, or its key with @dest), or %NULL
 * @dest: the dest, or %NULL
 *
 * Call with &lbnl_net.lock held.
 */
void lbnl_notify(struct net *net, u8 cmd, const struct lbnl_vip *vip,
		 const struct lbnl_dest *dest)
{
	struct sk_buff *skb;
	void *hdr;

	skb = lbnl_event_new(net, cmd, &hdr);
	if (!skb)
		return;
	if (lbnl_put_obj(skb, vip, dest)) {
		nlmsg_free(skb);
		return;
	}
	lbnl_event_send(net, skb, hdr);
}

/**
 * lbnl_notify_migration() - announce a migration's start or end
 * @ln: the namespace's state, locked
 * @cmd: LBNL_CMD_MIGRATE_START, _COMMIT or _ABORT
 * @m: the migration
 * @reason: why it was aborted, or %NULL
 */
void lbnl_notify_migration(struct lbnl_net *ln, u8 cmd,
			   const struct lbnl_migration *m, const char *reason)
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
