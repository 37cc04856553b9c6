// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - generic netlink family "lbnl": its commands, the policies they
 * share and the preamble every command runs before its handler. The
 * protocol is described in include/uapi/linux/lbnl.h; the handlers are in
 * the <object>_nl.c files, the messages and events in events.c.
 *
 * Every request is validated strictly against a per-command policy, every
 * refusal says why in the extended ack, and nothing is changed unless the
 * whole request is acceptable. Changes in a namespace are serialised by its
 * &lbnl_net.lock; the family itself runs in parallel across namespaces.
 *
 * The preamble (lbnl_pre_doit(), driven by each command's internal_flags)
 * parses the keys the request names, takes the lock and finds the objects;
 * lbnl_post_doit() drops the lock. Handlers start with what they act on.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "nl.h"

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
	[LBNL_A_VIP_DESTS] = NLA_POLICY_NESTED_ARRAY(lbnl_dest_policy),
};

const struct nla_policy lbnl_dest_policy[LBNL_A_DEST_MAX + 1] = {
	[LBNL_A_DEST_ADDR] = NLA_POLICY_RANGE(NLA_BINARY,
					      sizeof(struct in_addr),
					      sizeof(struct in6_addr)),
	[LBNL_A_DEST_PORT] = { .type = NLA_U16 },
	[LBNL_A_DEST_WEIGHT] = { .type = NLA_U32 },
	[LBNL_A_DEST_STATE] = NLA_POLICY_MAX(NLA_U8, LBNL_DEST_STATE_MAX),
	[LBNL_A_DEST_TAG_ID] = NLA_POLICY_MAX(NLA_U16, LBNL_TAG_ID_MAX),
	[LBNL_A_DEST_MOVED] = LBNL_READ_ONLY,
	[LBNL_A_DEST_LEFT] = LBNL_READ_ONLY,
	[LBNL_A_DEST_UNMIGRATABLE] = LBNL_READ_ONLY,
	[LBNL_A_DEST_STATE_IF] = NLA_POLICY_MAX(NLA_U8, LBNL_DEST_STATE_MAX),
};

const struct nla_policy lbnl_tag_policy[LBNL_A_TAG_MAX + 1] = {
	[LBNL_A_TAG_KEY] = NLA_POLICY_EXACT_LEN(LBNL_TAG_KEY_LEN),
	[LBNL_A_TAG_FINGERPRINT] = LBNL_READ_ONLY,
	[LBNL_A_TAG_ROUTED] = LBNL_READ_ONLY,
	[LBNL_A_TAG_PAD] = { .type = NLA_REJECT },
};

/* Tag commands: a tag nest (TAG_SET) or nothing. */
static const struct nla_policy lbnl_tag_cmd_policy[LBNL_A_TAG + 1] = {
	[LBNL_A_TAG] = NLA_POLICY_NESTED(lbnl_tag_policy),
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

/* CONN_FLUSH: an optional VIP nest and, with it, an optional dest nest. */
static const struct nla_policy lbnl_conn_flush_cmd_policy[LBNL_A_DEST + 1] = {
	[LBNL_A_VIP] = NLA_POLICY_NESTED(lbnl_vip_policy),
	[LBNL_A_DEST] = NLA_POLICY_NESTED(lbnl_dest_policy),
};

/* Connection commands: an optional VIP nest and (CONN_DEL) a conn nest. */
static const struct nla_policy lbnl_conn_cmd_policy[LBNL_A_CONN + 1] = {
	[LBNL_A_VIP] = NLA_POLICY_NESTED(lbnl_vip_policy),
	[LBNL_A_CONN] = NLA_POLICY_NESTED(lbnl_conn_policy),
};

/* CONN_NEW: a VIP nest and an entry's nest, tags and dest given. */
static const struct nla_policy lbnl_conn_new_cmd_policy[LBNL_A_CONN + 1] = {
	[LBNL_A_VIP] = NLA_POLICY_NESTED(lbnl_vip_policy),
	[LBNL_A_CONN] = NLA_POLICY_NESTED(lbnl_conn_new_policy),
};

/* Migration commands: a VIP nest and a migration nest. */
static const struct nla_policy lbnl_migrate_cmd_policy[LBNL_A_MIGRATE + 1] = {
	[LBNL_A_VIP] = NLA_POLICY_NESTED(lbnl_vip_policy),
	[LBNL_A_MIGRATE] = NLA_POLICY_NESTED(lbnl_migrate_policy),
};

/**
 * lbnl_nla_get_addr() - an address attribute: 4 bytes are IPv4, 16 are
 * IPv6, nothing else
 * @attr: the attribute
 * @addr: the address
 * @family: its family
 *
 * Return: 0 or -EINVAL.
 */
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

/*
 * Parse the VIP nest of a request into @tb and the VIP key it names. Only
 * VIP_NEW and VIP_SET (@dests) add dests: elsewhere they would be ignored,
 * so they are refused.
 */
static int lbnl_parse_vip(struct nlattr **attrs, struct nlattr **tb,
			  struct lbnl_vip_key *key, bool dests,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *nest = attrs[LBNL_A_VIP];
	u16 port;
	int err;

	if (lbnl_req_attr_check(extack, NULL, attrs, LBNL_A_VIP,
				"missing VIP attributes"))
		return -EINVAL;
	err = nla_parse_nested(tb, LBNL_A_VIP_MAX, nest, lbnl_vip_policy,
			       extack);
	if (err)
		return err;

	if (tb[LBNL_A_VIP_DESTS] && !dests) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_VIP_DESTS],
				    "dests in the VIP nest belong to VIP_NEW and VIP_SET only");
		return -EINVAL;
	}
	if (lbnl_req_attr_check(extack, nest, tb, LBNL_A_VIP_ADDR,
				"missing VIP address") ||
	    lbnl_req_attr_check(extack, nest, tb, LBNL_A_VIP_PORT,
				"missing VIP port") ||
	    lbnl_req_attr_check(extack, nest, tb, LBNL_A_VIP_PROTO,
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
	if (lbnl_proto_get(key->proto))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_VIP_PROTO],
			    "VIP protocol must be tcp, udp or sctp");
	return -EINVAL;
}

/**
 * lbnl_parse_dest_nest() - parse a dest nest (LBNL_A_DEST, or one of
 * LBNL_A_VIP_DESTS) and the dest key it names within a VIP
 * @nest: the nest
 * @vkey: the VIP's key: the address must be of its family, and no port
 *	means its port
 * @tb: the nest's attributes
 * @key: the dest's key
 * @extack: for the reason of a refusal
 *
 * Return: 0 or a negative errno.
 */
int lbnl_parse_dest_nest(const struct nlattr *nest,
			 const struct lbnl_vip_key *vkey, struct nlattr **tb,
			 struct lbnl_dest_key *key,
			 struct netlink_ext_ack *extack)
{
	u16 port = 0;
	int err;

	err = nla_parse_nested(tb, LBNL_A_DEST_MAX, nest, lbnl_dest_policy,
			       extack);
	if (err)
		return err;
	if (lbnl_req_attr_check(extack, nest, tb, LBNL_A_DEST_ADDR,
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
	if (key->family != vkey->family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_DEST_ADDR],
				    "dest address family must match the VIP's (no NAT46/NAT64 or 4in6 tunnels)");
		return -EAFNOSUPPORT;
	}

	if (tb[LBNL_A_DEST_PORT])
		port = nla_get_u16(tb[LBNL_A_DEST_PORT]);
	key->port = port ? htons(port) : vkey->port;
	return 0;
}

/* The dest nest of a request, required, into @tb and @key (as above). */
static int lbnl_parse_dest(struct nlattr **attrs,
			   const struct lbnl_vip_key *vkey, struct nlattr **tb,
			   struct lbnl_dest_key *key,
			   struct netlink_ext_ack *extack)
{
	if (lbnl_req_attr_check(extack, NULL, attrs, LBNL_A_DEST,
				"missing dest attributes"))
		return -EINVAL;
	return lbnl_parse_dest_nest(attrs[LBNL_A_DEST], vkey, tb, key, extack);
}

/* The migration nest, required, into @tb. */
static int lbnl_parse_migration(struct genl_info *info, struct nlattr **tb)
{
	if (lbnl_genl_req_attr_check(info, LBNL_A_MIGRATE,
				     "missing migration attributes"))
		return -EINVAL;
	return nla_parse_nested(tb, LBNL_A_MIGRATE_MAX,
				info->attrs[LBNL_A_MIGRATE],
				lbnl_migrate_policy, info->extack);
}

/* The VIP @key names, locked; -ENOENT (and why) if there is none. */
static int lbnl_find_vip(struct lbnl_net *ln, const struct lbnl_vip_key *key,
			 struct nlattr *attr, struct netlink_ext_ack *extack,
			 struct lbnl_vip **vip)
{
	*vip = lbnl_vip_find(ln, key);
	if (!*vip) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "VIP not found");
		return -ENOENT;
	}
	return 0;
}

/* The steps of lbnl_pre_doit() that need the lock. */
static int lbnl_pre_doit_locked(u8 flags, struct genl_info *info,
				struct lbnl_nl_req *req)
{
	struct nlattr *vattr = info->attrs[LBNL_A_VIP];
	int err;

	if (flags & LBNL_NL_F_VIP_FIND ||
	    (flags & LBNL_NL_F_VIP_OPT && vattr)) {
		err = lbnl_find_vip(req->ln, &req->vkey, vattr, info->extack,
				    &req->vip);
		if (err)
			return err;
	}
	if (flags & LBNL_NL_F_MIGRATION && req->vip->proto != IPPROTO_SCTP) {
		NL_SET_ERR_MSG_ATTR(info->extack, vattr,
				    "only SCTP associations migrate");
		return -EINVAL;
	}
	/* An optional VIP nest may come with a dest nest: then both count. */
	if (flags & LBNL_NL_F_VIP_OPT && info->attrs[LBNL_A_DEST]) {
		if (!req->vip) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[LBNL_A_DEST],
					    "a dest is named with its VIP");
			return -EINVAL;
		}
		flags |= LBNL_NL_F_DEST_KEY | LBNL_NL_F_DEST_FIND;
	}
	if (flags & LBNL_NL_F_DEST_KEY) {
		err = lbnl_parse_dest(info->attrs, &req->vkey, req->dtb,
				      &req->dkey, info->extack);
		if (err)
			return err;
	}
	if (flags & LBNL_NL_F_DEST_FIND) {
		req->dest = lbnl_dest_find(req->ln, req->vip, &req->dkey);
		if (!req->dest) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[LBNL_A_DEST],
					    "dest not found");
			return -ENOENT;
		}
	}
	return 0;
}

/* Does the command take dests in its VIP nest (LBNL_A_VIP_DESTS)? */
static bool lbnl_cmd_adds_dests(u8 cmd)
{
	return cmd == LBNL_CMD_VIP_NEW || cmd == LBNL_CMD_VIP_SET;
}

/*
 * Before a command's handler, what its internal_flags ask for (see nl.h),
 * into a struct lbnl_nl_req at info->user_ptr[0]. On failure nothing is
 * left held: the core does not call lbnl_post_doit() then.
 */
static int lbnl_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			 struct genl_info *info)
{
	u8 flags = ops->internal_flags;
	struct lbnl_nl_req *req;
	int err = 0;

	if (!flags)
		return 0;
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->ln = lbnl_pernet(genl_info_net(info));

	if (flags & LBNL_NL_F_CONN)
		err = lbnl_nl_conn_key(info, req);
	if (!err && (flags & LBNL_NL_F_VIP_KEY ||
		     (flags & LBNL_NL_F_VIP_OPT && info->attrs[LBNL_A_VIP])))
		err = lbnl_parse_vip(info->attrs, req->vtb, &req->vkey,
				     lbnl_cmd_adds_dests(info->genlhdr->cmd),
				     info->extack);
	if (!err && flags & LBNL_NL_F_MIGRATION)
		err = lbnl_parse_migration(info, req->mtb);
	if (err)
		goto err_free;

	if (flags & LBNL_NL_F_LOCK) {
		mutex_lock(&req->ln->lock);
		err = lbnl_pre_doit_locked(flags, info, req);
		if (err) {
			mutex_unlock(&req->ln->lock);
			goto err_free;
		}
	}
	info->user_ptr[0] = req;
	return 0;

err_free:
	kfree(req);
	return err;
}

static void lbnl_post_doit(const struct genl_ops *ops, struct sk_buff *skb,
			   struct genl_info *info)
{
	struct lbnl_nl_req *req = lbnl_nl_req(info);

	if (!req)
		return;
	if (ops->internal_flags & LBNL_NL_F_LOCK)
		mutex_unlock(&req->ln->lock);
	kfree(req);
}

/**
 * lbnl_nl_dump_start() - .start of the dumps of "every VIP, or one": parse
 * the optional VIP nest once
 * @cb: the dump
 *
 * Return: 0 (an unacceptable filter is refused by the first pass).
 */
int lbnl_nl_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct lbnl_dump_ctx *ctx = lbnl_dump_ctx(cb);
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];
	struct netlink_ext_ack extack = {};

	if (!info->attrs || !info->attrs[LBNL_A_VIP])
		return 0;
	ctx->filter = true;
	ctx->err = lbnl_parse_vip(info->attrs, tb, &ctx->key, false, &extack);
	ctx->msg = extack._msg;
	return 0;
}

/**
 * lbnl_nl_dump_vips() - a dump of every VIP, or of the one the request
 * names: @fn puts each VIP's part
 * @skb: the reply
 * @cb: the dump, started by lbnl_nl_dump_start() (or by nothing: every VIP)
 * @fn: one VIP's part, from a position on
 *
 * Flags the parts NLM_F_DUMP_INTR if the configuration changes between
 * them (&lbnl_net.gen).
 *
 * Return: the reply's length, or a negative errno.
 */
int lbnl_nl_dump_vips(struct sk_buff *skb, struct netlink_callback *cb,
		      lbnl_dump_vip_fn fn)
{
	struct lbnl_net *ln = lbnl_pernet(sock_net(skb->sk));
	struct lbnl_dump_ctx *ctx = lbnl_dump_ctx(cb);
	struct lbnl_vip *only = NULL, *vip;
	u32 vidx = 0;
	int err = 0;

	if (ctx->err) {
		lbnl_set_err_msg(cb->extack, ctx->msg);
		return ctx->err;
	}
	mutex_lock(&ln->lock);
	if (ctx->filter) {
		err = lbnl_find_vip(ln, &ctx->key, NULL, cb->extack, &only);
		if (err)
			goto out;
	}
	cb->seq = ln->gen;
	list_for_each_entry(vip, &ln->vips, list) {
		if (vidx < ctx->vip || (only && vip != only)) {
			vidx++;
			continue;
		}
		if (fn(skb, cb, vip, &ctx->pos))
			break;
		ctx->pos = 0;
		vidx++;
	}
	ctx->vip = vidx;
out:
	mutex_unlock(&ln->lock);
	return err ?: skb->len;
}

/*
 * Who may do what. Every command, reads too, needs CAP_NET_ADMIN, as
 * IPVS's do: the VIPs and dests are the site's configuration, the
 * connection entries and their stats name every client's address and port
 * (and the SCTP vtags, with which anyone on the path could inject into or
 * abort an association), the events carry the same. So GENL_ADMIN_PERM
 * everywhere, the changes' own flag: CAP_NET_ADMIN in the initial user
 * namespace, which the process and the socket's opener must both have. A
 * namespace owned by an unprivileged user namespace is thus read as it is
 * changed: by the host's administrator only (GENL_UNS_ADMIN_PERM for reads
 * alone would let its owner see what it may not change, and the module's
 * limits are the host's).
 *
 * The events group: genetlink checks a multicast group's flags when a
 * socket joins it (genl_bind(); in 6.1 since the stable backport of 6.7's
 * "genetlink: add CAP_NET_ADMIN test for multicast bind", which Debian's
 * 6.1 has: the build needs its flag), and it has one such check
 * only: GENL_MCAST_CAP_NET_ADMIN, CAP_NET_ADMIN in the user namespace that
 * owns the network namespace. In an initial-user-namespace network
 * namespace (the LB's, always in practice) that is the same as the
 * commands'; in another, its owner could listen to changes it may not make
 * or read: a difference genetlink leaves no way to close.
 */

/* The policy of a command, and (one style for all) its highest attribute. */
#define LBNL_VIP_CMD	.policy = lbnl_vip_cmd_policy, \
			.maxattr = ARRAY_SIZE(lbnl_vip_cmd_policy) - 1
#define LBNL_DEST_CMD	.policy = lbnl_dest_cmd_policy, \
			.maxattr = ARRAY_SIZE(lbnl_dest_cmd_policy) - 1
#define LBNL_CONN_CMD	.policy = lbnl_conn_cmd_policy, \
			.maxattr = ARRAY_SIZE(lbnl_conn_cmd_policy) - 1
#define LBNL_MIGRATE_CMD .policy = lbnl_migrate_cmd_policy, \
			.maxattr = ARRAY_SIZE(lbnl_migrate_cmd_policy) - 1
#define LBNL_TAG_CMD	.policy = lbnl_tag_cmd_policy, \
			.maxattr = ARRAY_SIZE(lbnl_tag_cmd_policy) - 1

static const struct genl_ops lbnl_genl_ops[] = {
	{
		.cmd = LBNL_CMD_VIP_NEW,
		.doit = lbnl_nl_vip_new,
		LBNL_VIP_CMD,
		.internal_flags = LBNL_NL_F_VIP_KEY | LBNL_NL_F_LOCK,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_VIP_SET,
		.doit = lbnl_nl_vip_set,
		LBNL_VIP_CMD,
		.internal_flags = LBNL_NL_F_VIP,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_VIP_DEL,
		.doit = lbnl_nl_vip_del,
		LBNL_VIP_CMD,
		.internal_flags = LBNL_NL_F_VIP,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_VIP_GET,
		.doit = lbnl_nl_vip_get,
		.dumpit = lbnl_nl_vip_dump,
		LBNL_VIP_CMD,
		.internal_flags = LBNL_NL_F_VIP,
		.flags = GENL_ADMIN_PERM,	/* reads: see above */
	},
	{
		.cmd = LBNL_CMD_DEST_NEW,
		.doit = lbnl_nl_dest_new,
		LBNL_DEST_CMD,
		.internal_flags = LBNL_NL_F_VIP | LBNL_NL_F_DEST_KEY,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_DEST_SET,
		.doit = lbnl_nl_dest_set,
		LBNL_DEST_CMD,
		.internal_flags = LBNL_NL_F_DEST,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_DEST_DEL,
		.doit = lbnl_nl_dest_del,
		LBNL_DEST_CMD,
		.internal_flags = LBNL_NL_F_DEST,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_DEST_GET,
		.doit = lbnl_nl_dest_get,
		.start = lbnl_nl_dump_start,
		.dumpit = lbnl_nl_dest_dump,
		LBNL_DEST_CMD,
		.internal_flags = LBNL_NL_F_DEST,
		.flags = GENL_ADMIN_PERM,
	},
	{
		/* No policy: any attribute is refused. */
		.cmd = LBNL_CMD_FLUSH,
		.doit = lbnl_nl_flush,
		.internal_flags = LBNL_NL_F_LOCK,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_CONN_GET,
		.start = lbnl_nl_dump_start,
		.dumpit = lbnl_nl_conn_dump,
		LBNL_CONN_CMD,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_CONN_DEL,
		.doit = lbnl_nl_conn_del,
		LBNL_CONN_CMD,
		.internal_flags = LBNL_NL_F_CONN | LBNL_NL_F_VIP_OPT |
				  LBNL_NL_F_LOCK,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_CONN_FLUSH,
		.doit = lbnl_nl_conn_flush,
		.policy = lbnl_conn_flush_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_conn_flush_cmd_policy) - 1,
		.internal_flags = LBNL_NL_F_VIP_OPT | LBNL_NL_F_LOCK,
		.flags = GENL_ADMIN_PERM,
	},
	{
		/* doit: the global counters; the VIP nest is not looked at. */
		.cmd = LBNL_CMD_STATS_GET,
		.doit = lbnl_nl_stats_get,
		.start = lbnl_nl_dump_start,
		.dumpit = lbnl_nl_stats_dump,
		LBNL_VIP_CMD,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_BYPASS_ACTIVE,
		.doit = lbnl_nl_bypass_active,
		LBNL_DEST_CMD,
		.internal_flags = LBNL_NL_F_DEST,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_MIGRATE_START,
		.doit = lbnl_nl_migrate_start,
		LBNL_MIGRATE_CMD,
		.internal_flags = LBNL_NL_F_VIP | LBNL_NL_F_MIGRATION,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_MIGRATE_COMMIT,
		.doit = lbnl_nl_migrate_commit,
		LBNL_MIGRATE_CMD,
		.internal_flags = LBNL_NL_F_VIP | LBNL_NL_F_MIGRATION,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_MIGRATE_ABORT,
		.doit = lbnl_nl_migrate_abort,
		LBNL_MIGRATE_CMD,
		.internal_flags = LBNL_NL_F_VIP | LBNL_NL_F_MIGRATION,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_MIGRATE_GET,
		.dumpit = lbnl_nl_migrate_dump,
		LBNL_MIGRATE_CMD,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_CONN_NEW,
		.doit = lbnl_nl_conn_new,
		.policy = lbnl_conn_new_cmd_policy,
		.maxattr = ARRAY_SIZE(lbnl_conn_new_cmd_policy) - 1,
		.internal_flags = LBNL_NL_F_VIP,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_TAG_SET,
		.doit = lbnl_nl_tag_set,
		LBNL_TAG_CMD,
		.internal_flags = LBNL_NL_F_LOCK,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_TAG_DEL,
		.doit = lbnl_nl_tag_del,
		LBNL_TAG_CMD,
		.internal_flags = LBNL_NL_F_LOCK,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LBNL_CMD_TAG_GET,
		.doit = lbnl_nl_tag_get,
		LBNL_TAG_CMD,
		.internal_flags = LBNL_NL_F_LOCK,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group lbnl_mcgrps[] = {
	[LBNL_MCGRP_EVENTS_IDX] = {
		.name = LBNL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family lbnl_genl_family __ro_after_init = {
	.name = LBNL_GENL_NAME,
	.version = LBNL_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.pre_doit = lbnl_pre_doit,
	.post_doit = lbnl_post_doit,
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
