// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - generic netlink control plane: family "lbnl", its commands, dumps
 * and events. The protocol is described in include/uapi/linux/lbnl.h.
 *
 * Every request is validated strictly against a per-command policy, every
 * refusal says why in the extended ack, and nothing is changed unless the
 * whole request is acceptable. Changes in a namespace are serialised by its
 * &lbnl_net.lock; the family itself runs in parallel across namespaces.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "lb.h"

enum lbnl_mcgrp {
	LBNL_MCGRP_EVENTS_IDX,
};

const struct nla_policy lbnl_vip_policy[LBNL_A_VIP_MAX + 1] = {
	[LBNL_A_VIP_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, sizeof(struct in_addr),
					     sizeof(struct in6_addr)),
	[LBNL_A_VIP_PORT] = { .type = NLA_U16 },
	[LBNL_A_VIP_PROTO] = { .type = NLA_U8 },
	[LBNL_A_VIP_MODE] = NLA_POLICY_MAX(NLA_U8, LBNL_FWD_MAX),
	[LBNL_A_VIP_SCHED] = NLA_POLICY_MAX(NLA_U8, LBNL_SCHED_MAX),
	[LBNL_A_VIP_BYPASS] = NLA_POLICY_MAX(NLA_U8, LBNL_BYPASS_MAX),
	[LBNL_A_VIP_MIGRATE_AFTER] = { .type = NLA_U32 },
	[LBNL_A_VIP_FLAGS] = LBNL_READ_ONLY,
	[LBNL_A_VIP_DEST_COUNT] = LBNL_READ_ONLY,
	[LBNL_A_VIP_ACTIVE_DESTS] = LBNL_READ_ONLY,
	[LBNL_A_VIP_ROUTER] = LBNL_READ_ONLY,
	[LBNL_A_VIP_BYPASS_DEST] = LBNL_READ_ONLY,
	[LBNL_A_VIP_CHANGED_MS] = LBNL_READ_ONLY,
	[LBNL_A_VIP_PAD] = { .type = NLA_REJECT },
};

const struct nla_policy lbnl_dest_policy[LBNL_A_DEST_MAX + 1] = {
	[LBNL_A_DEST_ADDR] = NLA_POLICY_RANGE(NLA_BINARY,
					      sizeof(struct in_addr),
					      sizeof(struct in6_addr)),
	[LBNL_A_DEST_PORT] = { .type = NLA_U16 },
	[LBNL_A_DEST_WEIGHT] = { .type = NLA_U32 },
	[LBNL_A_DEST_STATE] = NLA_POLICY_MAX(NLA_U8, LBNL_DEST_STATE_MAX),
};

/* VIP commands take a VIP nest and nothing else. */
static const struct nla_policy lbnl_vip_cmd_policy[LBNL_A_VIP + 1] = {
	[LBNL_A_VIP] = NLA_POLICY_NESTED(lbnl_vip_policy),
};

/* Dest commands take a VIP nest (the key) and a dest nest. */
static const struct nla_policy lbnl_dest_cmd_policy[LBNL_A_DEST + 1] = {
	[LBNL_A_VIP] = NLA_POLICY_NESTED(lbnl_vip_policy),
	[LBNL_A_DEST] = NLA_POLICY_NESTED(lbnl_dest_policy),
};

/* Connection commands: an optional VIP nest and (CONN_DEL) a conn nest. */
static const struct nla_policy lbnl_conn_cmd_policy[LBNL_A_CONN + 1] = {
	[LBNL_A_VIP] = NLA_POLICY_NESTED(lbnl_vip_policy),
	[LBNL_A_CONN] = NLA_POLICY_NESTED(lbnl_conn_policy),
};

/* An address attribute: 4 bytes are IPv4, 16 are IPv6, nothing else. */
int lbnl_nla_get_addr(const struct nlattr *attr, union nf_inet_addr *addr,
		      u8 *family)
{
	memset(addr, 0, sizeof(*addr));
	switch (nla_len(attr)) {
	case sizeof(struct in_addr):
		addr->ip = nla_get_in_addr(attr);
		*family = AF_INET;
		return 0;
	case sizeof(struct in6_addr):
		addr->in6 = nla_get_in6_addr(attr);
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static bool lbnl_addr_is_unicast(const union nf_inet_addr *addr, u8 family)
{
	if (family == AF_INET)
		return !ipv4_is_multicast(addr->ip) &&
		       !ipv4_is_lbcast(addr->ip) &&
		       !ipv4_is_zeronet(addr->ip);
	return !ipv6_addr_any(&addr->in6) &&
	       !(ipv6_addr_type(&addr->in6) & IPV6_ADDR_MULTICAST);
}

/* Parse the VIP nest of a request into @tb and the VIP key it names. */
int lbnl_parse_vip(struct nlattr **attrs, struct nlattr **tb,
		   struct lbnl_vip_key *key, struct netlink_ext_ack *extack)
{
	struct nlattr *nest = attrs[LBNL_A_VIP];
	u16 port;
	int err;

	if (!lbnl_attr_required(extack, NULL, attrs, LBNL_A_VIP,
				"missing VIP attributes"))
		return -EINVAL;
	err = nla_parse_nested(tb, LBNL_A_VIP_MAX, nest, lbnl_vip_policy,
			       extack);
	if (err)
		return err;

	if (!lbnl_attr_required(extack, nest, tb, LBNL_A_VIP_ADDR,
				"missing VIP address") ||
	    !lbnl_attr_required(extack, nest, tb, LBNL_A_VIP_PORT,
				"missing VIP port") ||
	    !lbnl_attr_required(extack, nest, tb, LBNL_A_VIP_PROTO,
				"missing VIP protocol"))
		return -EINVAL;

	memset(key, 0, sizeof(*key));
	if (lbnl_nla_get_addr(tb[LBNL_A_VIP_ADDR], &key->addr, &key->family)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_VIP_ADDR],
				    "VIP address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (!lbnl_addr_is_unicast(&key->addr, key->family)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_VIP_ADDR],
				    "VIP address must be a unicast address");
		return -EINVAL;
	}

	port = nla_get_u16(tb[LBNL_A_VIP_PORT]);
	if (!port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_VIP_PORT],
				    "VIP port must be between 1 and 65535");
		return -EINVAL;
	}
	key->port = htons(port);

	key->proto = nla_get_u8(tb[LBNL_A_VIP_PROTO]);
	switch (key->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_VIP_PROTO],
			    "VIP protocol must be tcp, udp or sctp");
	return -EINVAL;
}

/* Update @conf from the attributes given, then check it as a whole. */
static int lbnl_parse_vip_conf(struct nlattr **tb, struct lbnl_vip_conf *conf,
			       struct netlink_ext_ack *extack)
{
	if (tb[LBNL_A_VIP_MODE])
		conf->mode = nla_get_u8(tb[LBNL_A_VIP_MODE]);
	if (tb[LBNL_A_VIP_SCHED])
		conf->sched = nla_get_u8(tb[LBNL_A_VIP_SCHED]);
	if (tb[LBNL_A_VIP_BYPASS])
		conf->bypass = nla_get_u8(tb[LBNL_A_VIP_BYPASS]);
	if (tb[LBNL_A_VIP_MIGRATE_AFTER])
		conf->migrate_after = nla_get_u32(tb[LBNL_A_VIP_MIGRATE_AFTER]);

	/*
	 * A bypassed VIP's traffic goes from the router straight to the
	 * dest, which must then accept packets addressed to the VIP: only
	 * true of tunnel (DSR) dests, which own the VIP locally.
	 */
	if (conf->bypass == LBNL_BYPASS_AUTO && conf->mode != LBNL_FWD_TUN) {
		NL_SET_ERR_MSG_ATTR(extack,
				    tb[LBNL_A_VIP_BYPASS] ?: tb[LBNL_A_VIP_MODE],
				    "bypass auto needs mode tun: a NAT VIP cannot be bypassed");
		return -EINVAL;
	}
	return 0;
}

/*
 * Parse the dest nest of a request into @tb and the dest key it names
 * within @vip: the address must be of the VIP's family, and no port means
 * the VIP's port.
 */
static int lbnl_parse_dest(struct nlattr **attrs, const struct lbnl_vip *vip,
			   struct nlattr **tb, struct lbnl_dest_key *key,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *nest = attrs[LBNL_A_DEST];
	u16 port = 0;
	int err;

	if (!lbnl_attr_required(extack, NULL, attrs, LBNL_A_DEST,
				"missing dest attributes"))
		return -EINVAL;
	err = nla_parse_nested(tb, LBNL_A_DEST_MAX, nest, lbnl_dest_policy,
			       extack);
	if (err)
		return err;
	if (!lbnl_attr_required(extack, nest, tb, LBNL_A_DEST_ADDR,
				"missing dest address"))
		return -EINVAL;

	memset(key, 0, sizeof(*key));
	if (lbnl_nla_get_addr(tb[LBNL_A_DEST_ADDR], &key->addr, &key->family)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_DEST_ADDR],
				    "dest address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (!lbnl_addr_is_unicast(&key->addr, key->family)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_DEST_ADDR],
				    "dest address must be a unicast address");
		return -EINVAL;
	}
	if (key->family != vip->family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_DEST_ADDR],
				    "dest address family must match the VIP's (no NAT46/NAT64 or 4in6 tunnels)");
		return -EAFNOSUPPORT;
	}

	if (tb[LBNL_A_DEST_PORT])
		port = nla_get_u16(tb[LBNL_A_DEST_PORT]);
	key->port = port ? htons(port) : vip->port;
	return 0;
}

/* Update @conf from the attributes given. */
static int lbnl_parse_dest_conf(struct nlattr **tb,
				struct lbnl_dest_conf *conf,
				struct netlink_ext_ack *extack)
{
	if (tb[LBNL_A_DEST_WEIGHT]) {
		u32 weight = nla_get_u32(tb[LBNL_A_DEST_WEIGHT]);

		if (weight > LBNL_DEST_WEIGHT_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_DEST_WEIGHT],
					    "dest weight must be between 0 and 65535");
			return -EINVAL;
		}
		conf->weight = weight;
	}
	if (tb[LBNL_A_DEST_STATE])
		conf->state = nla_get_u8(tb[LBNL_A_DEST_STATE]);
	return 0;
}

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

/*
 * The VIP nest: the key alone, or (@full, &lbnl_net.lock held) every
 * attribute.
 */
int lbnl_put_vip(struct sk_buff *skb, const struct lbnl_vip *vip, bool full)
{
	struct nlattr *nest = nla_nest_start(skb, LBNL_A_VIP);

	if (!nest)
		return -EMSGSIZE;
	if (lbnl_put_addr(skb, LBNL_A_VIP_ADDR, &vip->addr, vip->family) ||
	    nla_put_u16(skb, LBNL_A_VIP_PORT, ntohs(vip->port)) ||
	    nla_put_u8(skb, LBNL_A_VIP_PROTO, vip->proto))
		goto cancel;
	if (full &&
	    (nla_put_u8(skb, LBNL_A_VIP_MODE, vip->mode) ||
	     nla_put_u8(skb, LBNL_A_VIP_SCHED, vip->sched) ||
	     nla_put_u8(skb, LBNL_A_VIP_BYPASS, vip->bypass) ||
	     nla_put_u32(skb, LBNL_A_VIP_MIGRATE_AFTER, vip->migrate_after) ||
	     nla_put_u32(skb, LBNL_A_VIP_FLAGS, vip->flags) ||
	     nla_put_u32(skb, LBNL_A_VIP_DEST_COUNT, vip->dest_count) ||
	     lbnl_put_bypass(skb, vip)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/**
 * lbnl_put_dest() - a dest nest: its key (address, port) or every attribute
 * @skb: the message
 * @type: the nest's type (LBNL_A_DEST, LBNL_A_VIP_BYPASS_DEST)
 * @vip: the dest's VIP
 * @dest: the dest
 * @full: also its weight and state
 *
 * Return: 0 or -EMSGSIZE.
 */
int lbnl_put_dest(struct sk_buff *skb, int type, const struct lbnl_vip *vip,
		  const struct lbnl_dest *dest, bool full)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (lbnl_put_addr(skb, LBNL_A_DEST_ADDR, &dest->addr, vip->family) ||
	    nla_put_u16(skb, LBNL_A_DEST_PORT, ntohs(dest->port)) ||
	    (full &&
	     (nla_put_u32(skb, LBNL_A_DEST_WEIGHT, dest->weight) ||
	      nla_put_u8(skb, LBNL_A_DEST_STATE, dest->state)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

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
 * lbnl_event_new() - start an event message, if anyone listens
 * @net: the namespace the event belongs to
 * @cmd: LBNL_CMD_* of the event
 * @hdr: the family header, to pass to lbnl_event_send()
 *
 * Return: the message, or %NULL if nobody listens or memory is short.
 */
struct sk_buff *lbnl_event_new(struct net *net, u8 cmd, void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&lbnl_genl_family, net, LBNL_MCGRP_EVENTS_IDX))
		return NULL;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = lbnl_msg_put(skb, 0, 0, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/**
 * lbnl_event_send() - finish an event message and multicast it
 * @net: the namespace the event belongs to
 * @skb: from lbnl_event_new()
 * @hdr: from lbnl_event_new()
 */
void lbnl_event_send(struct net *net, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&lbnl_genl_family, net, skb, 0,
				LBNL_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

/*
 * One message: a whole VIP, or a dest with its VIP's key, or (both %NULL)
 * no attributes. @cb is the dump in progress, if any.
 */
static int lbnl_fill(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		     u8 cmd, const struct lbnl_vip *vip,
		     const struct lbnl_dest *dest, struct netlink_callback *cb)
{
	void *hdr;

	hdr = lbnl_msg_put(skb, portid, seq, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (vip && lbnl_put_vip(skb, vip, !dest))
		goto cancel;
	if (dest && lbnl_put_dest(skb, LBNL_A_DEST, vip, dest, true))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
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
	if ((vip && lbnl_put_vip(skb, vip, !dest)) ||
	    (dest && lbnl_put_dest(skb, LBNL_A_DEST, vip, dest, true))) {
		nlmsg_free(skb);
		return;
	}
	lbnl_event_send(net, skb, hdr);
}

static int lbnl_reply(struct genl_info *info, u8 cmd,
		      const struct lbnl_vip *vip, const struct lbnl_dest *dest)
{
	struct sk_buff *skb;
	int err;

	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	err = lbnl_fill(skb, info->snd_portid, info->snd_seq, 0, cmd, vip,
			dest, NULL);
	if (err) {
		nlmsg_free(skb);
		return err;
	}
	return genlmsg_reply(skb, info);
}

static struct lbnl_vip *lbnl_vip_find_or_err(struct lbnl_net *ln,
					     const struct lbnl_vip_key *key,
					     struct genl_info *info)
{
	struct lbnl_vip *vip = lbnl_vip_find(ln, key);

	if (!vip)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_VIP],
				    "VIP not found");
	return vip;
}

static int lbnl_nl_vip_new(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_net *ln = lbnl_pernet(net);
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];
	struct lbnl_vip_conf conf = {
		.mode = LBNL_FWD_NAT,
		.sched = LBNL_SCHED_MAGLEV,
		.bypass = LBNL_BYPASS_OFF,
	};
	struct lbnl_vip_key key;
	struct lbnl_vip *vip;
	int err;

	err = lbnl_parse_vip(info->attrs, tb, &key, info->extack);
	if (err)
		return err;
	err = lbnl_parse_vip_conf(tb, &conf, info->extack);
	if (err)
		return err;

	mutex_lock(&ln->lock);
	if (lbnl_vip_find(ln, &key)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_VIP],
				    "VIP already exists");
		err = -EEXIST;
		goto out;
	}
	if (ln->vip_count >= READ_ONCE(ln->settings.max_vips)) {
		NL_SET_ERR_MSG(info->extack,
			       "too many VIPs in this namespace (sysctl net.lbnl.max_vips)");
		err = -ENOSPC;
		goto out;
	}
	vip = lbnl_vip_create(ln, &key, &conf);
	if (!vip) {
		err = -ENOMEM;
		goto out;
	}
	lbnl_notify(net, LBNL_CMD_VIP_NEW, vip, NULL);
out:
	mutex_unlock(&ln->lock);
	return err;
}

static int lbnl_nl_vip_set(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_net *ln = lbnl_pernet(net);
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];
	struct lbnl_vip_conf conf;
	struct lbnl_vip_key key;
	struct lbnl_vip *vip;
	int err;

	err = lbnl_parse_vip(info->attrs, tb, &key, info->extack);
	if (err)
		return err;

	mutex_lock(&ln->lock);
	vip = lbnl_vip_find_or_err(ln, &key, info);
	if (!vip) {
		err = -ENOENT;
		goto out;
	}
	conf = (struct lbnl_vip_conf) {
		.mode = vip->mode,
		.sched = vip->sched,
		.bypass = vip->bypass,
		.migrate_after = vip->migrate_after,
	};
	err = lbnl_parse_vip_conf(tb, &conf, info->extack);
	if (err)
		goto out;
	lbnl_vip_apply(ln, vip, &conf);
	lbnl_notify(net, LBNL_CMD_VIP_SET, vip, NULL);
	lbnl_bypass_update(ln, vip);
out:
	mutex_unlock(&ln->lock);
	return err;
}

static int lbnl_nl_vip_del(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_net *ln = lbnl_pernet(net);
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];
	struct lbnl_vip_key key;
	struct lbnl_vip *vip;
	int err;

	err = lbnl_parse_vip(info->attrs, tb, &key, info->extack);
	if (err)
		return err;

	mutex_lock(&ln->lock);
	vip = lbnl_vip_find_or_err(ln, &key, info);
	if (vip) {
		lbnl_notify(net, LBNL_CMD_VIP_DEL, vip, NULL);
		lbnl_vip_destroy(ln, vip);
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&ln->lock);
	return err;
}

static int lbnl_nl_vip_get(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_net *ln = lbnl_pernet(genl_info_net(info));
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];
	struct lbnl_vip_key key;
	struct lbnl_vip *vip;
	int err;

	err = lbnl_parse_vip(info->attrs, tb, &key, info->extack);
	if (err)
		return err;

	mutex_lock(&ln->lock);
	vip = lbnl_vip_find_or_err(ln, &key, info);
	err = vip ? lbnl_reply(info, LBNL_CMD_VIP_GET, vip, NULL) : -ENOENT;
	mutex_unlock(&ln->lock);
	return err;
}

static int lbnl_nl_vip_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct lbnl_net *ln = lbnl_pernet(sock_net(skb->sk));
	unsigned long idx = 0, start = cb->args[0];
	struct lbnl_vip *vip;

	mutex_lock(&ln->lock);
	cb->seq = ln->gen;
	list_for_each_entry(vip, &ln->vips, list) {
		if (idx >= start &&
		    lbnl_fill(skb, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI,
			      LBNL_CMD_VIP_GET, vip, NULL, cb))
			break;
		idx++;
	}
	mutex_unlock(&ln->lock);

	cb->args[0] = idx;
	return skb->len;
}

/*
 * Common part of the dest commands: parse the VIP and dest nests, lock the
 * namespace, find the VIP. On success the namespace is left locked.
 */
static int lbnl_dest_cmd_begin(struct genl_info *info, struct lbnl_net *ln,
			       struct nlattr **tb, struct lbnl_vip **vip,
			       struct lbnl_dest_key *key)
{
	struct nlattr *vtb[LBNL_A_VIP_MAX + 1];
	struct lbnl_vip_key vkey;
	int err;

	err = lbnl_parse_vip(info->attrs, vtb, &vkey, info->extack);
	if (err)
		return err;

	mutex_lock(&ln->lock);
	*vip = lbnl_vip_find_or_err(ln, &vkey, info);
	if (!*vip) {
		err = -ENOENT;
		goto err_unlock;
	}
	err = lbnl_parse_dest(info->attrs, *vip, tb, key, info->extack);
	if (err)
		goto err_unlock;
	return 0;

err_unlock:
	mutex_unlock(&ln->lock);
	return err;
}

/*
 * lbnl_dest_cmd_begin() for commands on an existing dest: also find it.
 * On success the namespace is left locked.
 */
static int lbnl_dest_cmd_find(struct genl_info *info, struct lbnl_net *ln,
			      struct nlattr **tb, struct lbnl_vip **vip,
			      struct lbnl_dest **dest)
{
	struct lbnl_dest_key key;
	int err;

	err = lbnl_dest_cmd_begin(info, ln, tb, vip, &key);
	if (err)
		return err;
	*dest = lbnl_dest_find(ln, *vip, &key);
	if (!*dest) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_DEST],
				    "dest not found");
		mutex_unlock(&ln->lock);
		return -ENOENT;
	}
	return 0;
}

static int lbnl_nl_dest_new(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_net *ln = lbnl_pernet(net);
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	struct lbnl_dest_conf conf = {
		.weight = 1,
		.state = LBNL_DEST_ACTIVE,
	};
	struct lbnl_dest_key key;
	struct lbnl_dest *dest;
	struct lbnl_vip *vip;
	int err;

	err = lbnl_dest_cmd_begin(info, ln, tb, &vip, &key);
	if (err)
		return err;

	if (lbnl_dest_find(ln, vip, &key)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_DEST],
				    "dest already exists");
		err = -EEXIST;
		goto out;
	}
	if (vip->dest_count >= READ_ONCE(ln->settings.max_dests)) {
		NL_SET_ERR_MSG(info->extack,
			       "too many dests for this VIP (sysctl net.lbnl.max_dests)");
		err = -ENOSPC;
		goto out;
	}
	err = lbnl_parse_dest_conf(tb, &conf, info->extack);
	if (err)
		goto out;
	dest = lbnl_dest_create(ln, vip, &key, &conf);
	if (!dest) {
		err = -ENOMEM;
		goto out;
	}
	lbnl_notify(net, LBNL_CMD_DEST_NEW, vip, dest);
	lbnl_bypass_update(ln, vip);
out:
	mutex_unlock(&ln->lock);
	return err;
}

static int lbnl_nl_dest_set(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_net *ln = lbnl_pernet(net);
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	struct lbnl_dest_conf conf;
	struct lbnl_dest *dest;
	struct lbnl_vip *vip;
	u8 was;
	int err;

	err = lbnl_dest_cmd_find(info, ln, tb, &vip, &dest);
	if (err)
		return err;

	conf = (struct lbnl_dest_conf) {
		.weight = dest->weight,
		.state = dest->state,
	};
	err = lbnl_parse_dest_conf(tb, &conf, info->extack);
	if (err)
		goto out;
	was = dest->state;
	lbnl_dest_apply(ln, dest, &conf);
	lbnl_notify(net, LBNL_CMD_DEST_SET, vip, dest);
	lbnl_bypass_update(ln, vip);
	if (conf.state == LBNL_DEST_MAINT && was != LBNL_DEST_MAINT)
		lbnl_migrate_maint(ln, vip, dest);
out:
	mutex_unlock(&ln->lock);
	return err;
}

static int lbnl_nl_dest_del(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_net *ln = lbnl_pernet(net);
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	struct lbnl_dest *dest;
	struct lbnl_vip *vip;
	int err;

	err = lbnl_dest_cmd_find(info, ln, tb, &vip, &dest);
	if (err)
		return err;

	lbnl_notify(net, LBNL_CMD_DEST_DEL, vip, dest);
	lbnl_dest_destroy(ln, vip, dest);
	lbnl_bypass_update(ln, vip);
	mutex_unlock(&ln->lock);
	return 0;
}

static int lbnl_nl_dest_get(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_net *ln = lbnl_pernet(genl_info_net(info));
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	struct lbnl_dest *dest;
	struct lbnl_vip *vip;
	int err;

	err = lbnl_dest_cmd_find(info, ln, tb, &vip, &dest);
	if (err)
		return err;

	err = lbnl_reply(info, LBNL_CMD_DEST_GET, vip, dest);
	mutex_unlock(&ln->lock);
	return err;
}

/*
 * Dump dests, of one VIP if the request names one, else of all.
 * Cursor: cb->args[0] is the VIP's index, cb->args[1] the dest's within it.
 */
static int lbnl_nl_dest_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct lbnl_net *ln = lbnl_pernet(sock_net(skb->sk));
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];
	struct lbnl_vip *only = NULL, *vip;
	unsigned long vidx = 0, didx = 0;
	struct lbnl_vip_key key;
	struct lbnl_dest *dest;
	int err = 0;

	if (info->attrs && info->attrs[LBNL_A_VIP]) {
		err = lbnl_parse_vip(info->attrs, tb, &key, cb->extack);
		if (err)
			return err;
	}

	mutex_lock(&ln->lock);
	if (info->attrs && info->attrs[LBNL_A_VIP]) {
		only = lbnl_vip_find(ln, &key);
		if (!only) {
			NL_SET_ERR_MSG(cb->extack, "VIP not found");
			err = -ENOENT;
			goto out;
		}
	}

	cb->seq = ln->gen;
	list_for_each_entry(vip, &ln->vips, list) {
		if (vidx < cb->args[0] || (only && vip != only)) {
			vidx++;
			continue;
		}
		didx = 0;
		list_for_each_entry(dest, &vip->dests, list) {
			if (didx >= cb->args[1] &&
			    lbnl_fill(skb, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI,
				      LBNL_CMD_DEST_GET, vip, dest, cb))
				goto out;
			didx++;
		}
		cb->args[1] = 0;
		didx = 0;
		vidx++;
	}
out:
	mutex_unlock(&ln->lock);
	if (err)
		return err;
	cb->args[0] = vidx;
	cb->args[1] = didx;
	return skb->len;
}

static int lbnl_nl_bypass_active(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_net *ln = lbnl_pernet(net);
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	struct lbnl_dest *dest;
	struct lbnl_vip *vip;
	int err;

	err = lbnl_dest_cmd_find(info, ln, tb, &vip, &dest);
	if (err)
		return err;

	if (tb[LBNL_A_DEST_WEIGHT] || tb[LBNL_A_DEST_STATE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LBNL_A_DEST],
				    "only the dest's address and port belong here");
		err = -EINVAL;
		goto out;
	}
	err = lbnl_bypass_confirm(ln, vip, dest);
	if (err)
		NL_SET_ERR_MSG(info->extack,
			       "the VIP is not bypassed to that dest (it changed since the event)");
out:
	mutex_unlock(&ln->lock);
	return err;
}

static int lbnl_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_net *ln = lbnl_pernet(net);

	mutex_lock(&ln->lock);
	lbnl_vip_flush(ln);
	lbnl_notify(net, LBNL_CMD_FLUSH, NULL, NULL);
	mutex_unlock(&ln->lock);
	return 0;
}

static const struct genl_ops lbnl_genl_ops[] = {
	{
		.cmd = LBNL_CMD_VIP_NEW,
		.doit = lbnl_nl_vip_new,
		.policy = lbnl_vip_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_vip_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_VIP_SET,
		.doit = lbnl_nl_vip_set,
		.policy = lbnl_vip_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_vip_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_VIP_DEL,
		.doit = lbnl_nl_vip_del,
		.policy = lbnl_vip_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_vip_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_VIP_GET,
		.doit = lbnl_nl_vip_get,
		.dumpit = lbnl_nl_vip_dump,
		.policy = lbnl_vip_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_vip_cmd_policy) - 1,
	},
	{
		.cmd = LBNL_CMD_DEST_NEW,
		.doit = lbnl_nl_dest_new,
		.policy = lbnl_dest_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_dest_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_DEST_SET,
		.doit = lbnl_nl_dest_set,
		.policy = lbnl_dest_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_dest_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_DEST_DEL,
		.doit = lbnl_nl_dest_del,
		.policy = lbnl_dest_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_dest_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_DEST_GET,
		.doit = lbnl_nl_dest_get,
		.dumpit = lbnl_nl_dest_dump,
		.policy = lbnl_dest_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_dest_cmd_policy) - 1,
	},
	{
		/* No policy: any attribute is refused. */
		.cmd = LBNL_CMD_FLUSH,
		.doit = lbnl_nl_flush,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_CONN_GET,
		.dumpit = lbnl_nl_conn_dump,
		.policy = lbnl_conn_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_conn_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,	/* shows SCTP vtags */
	},
	{
		.cmd = LBNL_CMD_CONN_DEL,
		.doit = lbnl_nl_conn_del,
		.policy = lbnl_conn_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_conn_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_CONN_FLUSH,
		.doit = lbnl_nl_conn_flush,
		.policy = lbnl_conn_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_conn_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_STATS_GET,
		.doit = lbnl_nl_stats_get,
		.dumpit = lbnl_nl_stats_dump,
		.policy = lbnl_vip_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_vip_cmd_policy) - 1,
	},
	{
		.cmd = LBNL_CMD_BYPASS_ACTIVE,
		.doit = lbnl_nl_bypass_active,
		.policy = lbnl_dest_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_dest_cmd_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_MIGRATE_START,
		.doit = lbnl_nl_migrate_start,
		.policy = lbnl_migrate_cmd_policy,
		.maxattr = LBNL_A_MIGRATE,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_MIGRATE_COMMIT,
		.doit = lbnl_nl_migrate_commit,
		.policy = lbnl_migrate_cmd_policy,
		.maxattr = LBNL_A_MIGRATE,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_MIGRATE_ABORT,
		.doit = lbnl_nl_migrate_abort,
		.policy = lbnl_migrate_cmd_policy,
		.maxattr = LBNL_A_MIGRATE,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_MIGRATE_GET,
		.dumpit = lbnl_nl_migrate_dump,
		.policy = lbnl_migrate_cmd_policy,
		.maxattr = LBNL_A_MIGRATE,
		.flags = GENL_ADMIN_PERM,	/* shows vtags */
	},
};

static const struct genl_multicast_group lbnl_mcgrps[] = {
	[LBNL_MCGRP_EVENTS_IDX] = { .name = LBNL_MCGRP_EVENTS },
};

struct genl_family lbnl_genl_family __ro_after_init = {
	.name = LBNL_GENL_NAME,
	.version = LBNL_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = lbnl_genl_ops,
	.n_ops = ARRAY_SIZE(lbnl_genl_ops),
	/* resv_start_op 0: every command is validated strictly. */
	.mcgrps = lbnl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(lbnl_mcgrps),
};

/**
 * lbnl_genl_init() - register the generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int __init lbnl_genl_init(void)
{
	return genl_register_family(&lbnl_genl_family);
}

/**
 * lbnl_genl_exit() - unregister the generic netlink family
 */
void lbnl_genl_exit(void)
{
	genl_unregister_family(&lbnl_genl_family);
}
