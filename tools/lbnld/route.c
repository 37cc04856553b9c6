// SPDX-License-Identifier: GPL-2.0
/*
 * The table driver: one host route per VIP address in a routing table of
 * lbnld's own, which a local BIRD learns (kernel protocol, "learn") and
 * exports over BGP:
 *
 *	VIP/32 dev lo   table T proto 76 scope link	to the LB: BIRD
 *	VIP/128 dev lo  table T proto 76		exports next hop self
 *	VIP/32 via DEST table T proto 76		bypassed: next hop DEST
 *
 * Written with RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE: a flip is one
 * atomic replace, never a delete and an add. The routes are lbnld's by
 * their protocol (rtm_protocol); nothing else in the table is touched,
 * but a route of another protocol for a VIP address, same metric, is
 * replaced. No ip rule points at the table: the LB's own forwarding does
 * not use it.
 */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/rtnetlink.h>

#include "lbnld.h"
#include "transport.h"

#define DUMP_ATTEMPTS 5

/* A route message for r in table, with our protocol; NULL: no memory. */
static struct nl_msg *route_msg(int type, int flags, uint32_t table,
				uint8_t protocol, const struct lbnld_route *r)
{
	size_t len = lbnl_addr_len(&r->addr);
	struct rtmsg rtm = {
		.rtm_family = (unsigned char)r->addr.family,
		.rtm_dst_len = (unsigned char)(len * 8),
		.rtm_table = table < 256 ? (unsigned char)table :
					   RT_TABLE_COMPAT,
		.rtm_protocol = protocol,
		.rtm_scope = r->kind == LBNLD_SELF ? RT_SCOPE_LINK :
						     RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	struct nl_msg *msg;

	if (type == RTM_DELROUTE) {
		/* Match whatever scope and type it has (as "ip route del"). */
		rtm.rtm_scope = RT_SCOPE_NOWHERE;
		rtm.rtm_type = RTN_UNSPEC;
	}
	msg = nlmsg_alloc_simple(type, flags);
	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) ||
	    nla_put_u32(msg, RTA_TABLE, table) ||
	    nla_put(msg, RTA_DST, (int)len, r->addr.raw))
		goto fail;
	if (r->kind == LBNLD_SELF && r->oif &&
	    nla_put_u32(msg, RTA_OIF, (uint32_t)r->oif))
		goto fail;
	if (r->kind == LBNLD_VIA && r->via.family == r->addr.family &&
	    nla_put(msg, RTA_GATEWAY, (int)len, r->via.raw))
		goto fail;
	if (type == RTM_DELROUTE &&
	    nla_put_u32(msg, RTA_PRIORITY, r->priority))
		goto fail;
	return msg;

fail:
	nlmsg_free(msg);
	return NULL;
}

int lbnld_route_write(struct lbnl_nl *rtnl, uint32_t table, uint8_t protocol,
		      const struct lbnld_route *r)
{
	struct nl_msg *msg = route_msg(RTM_NEWROUTE, NLM_F_CREATE |
				       NLM_F_REPLACE | NLM_F_ACK, table,
				       protocol, r);

	if (!msg)
		return -ENOMEM;
	return lbnl_transact(rtnl, msg, NULL, NULL, NULL);
}

int lbnld_route_delete(struct lbnl_nl *rtnl, uint32_t table,
		       uint8_t protocol, const struct lbnld_route *r)
{
	struct nl_msg *msg = route_msg(RTM_DELROUTE, NLM_F_ACK, table,
				       protocol, r);

	if (!msg)
		return -ENOMEM;
	return lbnl_transact(rtnl, msg, NULL, NULL, NULL);
}

struct route_dump {
	uint32_t table;
	uint8_t protocol;
	struct lbnld_route_list *out;
};

static int parse_addr_attr(const struct nlattr *attr, int family,
			   struct lbnl_addr *addr)
{
	if (lbnl_addr_from_raw(addr, nla_data(attr), (size_t)nla_len(attr)) ||
	    addr->family != family)
		return -EPROTO;
	return 0;
}

/* One route of the dump: kept if it is one of ours, a host route. */
static int on_route(struct nlmsghdr *nlh, void *arg)
{
	struct route_dump *d = arg;
	struct nlattr *tb[RTA_MAX + 1];
	struct lbnld_route r = { .kind = LBNLD_SELF };
	struct rtmsg *rtm;
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return 0;
	rtm = nlmsg_data(nlh);
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != d->table || rtm->rtm_protocol != d->protocol ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    !tb[RTA_DST] || parse_addr_attr(tb[RTA_DST], rtm->rtm_family,
					    &r.addr) ||
	    rtm->rtm_dst_len != lbnl_addr_len(&r.addr) * 8)
		return 0;
	if (tb[RTA_OIF])
		r.oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_PRIORITY])
		r.priority = nla_get_u32(tb[RTA_PRIORITY]);
	/* A gateway, or several (multipath: never what we want). */
	if (tb[RTA_GATEWAY] || tb[RTA_MULTIPATH] || tb[RTA_VIA]) {
		r.kind = LBNLD_VIA;
		if (tb[RTA_GATEWAY])
			parse_addr_attr(tb[RTA_GATEWAY], rtm->rtm_family,
					&r.via);
	}
	return lbnld_route_list_add(d->out, &r);
}

int lbnld_route_load(struct lbnl_nl *rtnl, uint32_t table, uint8_t protocol,
		     struct lbnld_route_list *out)
{
	struct route_dump d = { .table = table, .protocol = protocol,
				.out = out };
	/* Kernel-side filters (NETLINK_GET_STRICT_CHK); on_route checks. */
	struct rtmsg rtm = {
		.rtm_family = AF_UNSPEC,
		.rtm_table = table < 256 ? (unsigned char)table :
					   RT_TABLE_COMPAT,
		.rtm_protocol = protocol,
	};
	bool interrupted = false;
	int attempt, err = 0;

	for (attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETROUTE,
							NLM_F_DUMP);

		lbnld_route_list_free(out);
		if (!msg)
			return -ENOMEM;
		if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) ||
		    nla_put_u32(msg, RTA_TABLE, table)) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		err = lbnl_transact(rtnl, msg, on_route, &d, &interrupted);
		if (err || !interrupted)
			break;
		err = -EAGAIN;
	}
	if (err)
		lbnld_route_list_free(out);
	return err;
}

/* The driver -------------------------------------------------------------- */

static void log_route_error(struct lbnld *ld, const char *what,
			    const struct lbnld_route *r, int err)
{
	const char *extack = lbnl_nl_extack(ld->rtnl);
	char addr[LBNL_ADDRSTRLEN], via[LBNL_ADDRSTRLEN];

	lbnl_format_addr(&r->addr, addr, sizeof(addr));
	if (r->kind == LBNLD_VIA)
		lbnl_format_addr(&r->via, via, sizeof(via));
	lbnl_log(LOG_ERR, "VIP %s: cannot %s the route %s%s in table %u: %s",
		  addr, what, r->kind == LBNLD_VIA ? "via " : "dev ",
		  r->kind == LBNLD_VIA ? via : ld->conf.self_dev,
		  ld->conf.table, extack ? extack : strerror(-err));
}

static int table_load(struct lbnld *ld, struct lbnld_route_list *current)
{
	int err = lbnld_route_load(ld->rtnl, ld->conf.table, ld->conf.protocol,
				   current);

	if (err)
		lbnl_log(LOG_ERR, "cannot read routing table %u: %s",
			  ld->conf.table, strerror(-err));
	return err;
}

static int table_write(struct lbnld *ld, const struct lbnld_plan *plan,
		       const struct lbnld_decision *d,
		       const struct lbnld_change *c)
{
	int err;

	(void)plan;
	(void)d;
	if (c->want.kind == LBNLD_SELF && !c->want.oif)
		return -ENODEV;		/* no self-dev: said already */
	err = lbnld_route_write(ld->rtnl, ld->conf.table, ld->conf.protocol,
				&c->want);
	if (err)
		log_route_error(ld, "write", &c->want, err);
	return err;
}

static int table_remove(struct lbnld *ld, const struct lbnld_route *r)
{
	int err = lbnld_route_delete(ld->rtnl, ld->conf.table,
				     ld->conf.protocol, r);

	if (err == -ESRCH || err == -ENOENT)
		return 0;	/* gone already */
	if (err)
		log_route_error(ld, "delete", r, err);
	return err;
}

/* The table itself says what is in place: nothing to keep. */
static void table_applied(struct lbnld *ld, struct lbnld_route_list *in_place)
{
	(void)ld;
	lbnld_route_list_free(in_place);
}

const struct lbnld_driver lbnld_table_driver = {
	.written = "route written",
	.in_place = "route in place",
	.removed = "route deleted",
	.load = table_load,
	.write = table_write,
	.remove = table_remove,
	.applied = table_applied,
};
