// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - generic netlink commands of the server role: list, export,
 * import, resume and release local SCTP associations.
 *
 * The migration state travels as the LBNL_SRV_A_ASSOC nest of an EXPORT reply
 * and comes back, possibly through a file and another host, as the nest of
 * an IMPORT request. Nothing in it is trusted: every length, count and
 * address is checked before anything is injected.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/sctp/sctp.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "srv.h"

#define LBNL_EXPORT_TIMEOUT_MS	5000

/* An EXPORT's wait: bounded, so that no request holds the module long. */
static struct netlink_range_validation lbnl_export_timeout_range = {
	.max = LBNL_SRV_EXPORT_TIMEOUT_MAX_MS,
};

static const struct nla_policy lbnl_addr_list_policy[LBNL_A_ADDR_MAX + 1] = {
	[LBNL_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, sizeof(struct in_addr),
					 sizeof(struct in6_addr)),
};

static const struct nla_policy lbnl_path_policy[LBNL_A_PATH_MAX + 1] = {
	[LBNL_A_PATH_ADDR] = NLA_POLICY_RANGE(NLA_BINARY,
					      sizeof(struct in_addr),
					      sizeof(struct in6_addr)),
	[LBNL_A_PATH_RTO_US] = { .type = NLA_U32 },
	[LBNL_A_PATH_SRTT_US] = { .type = NLA_U32 },
	[LBNL_A_PATH_RTTVAR_US] = { .type = NLA_U32 },
	[LBNL_A_PATH_CWND] = { .type = NLA_U32 },
	[LBNL_A_PATH_SSTHRESH] = { .type = NLA_U32 },
};

static const struct nla_policy lbnl_paths_policy[LBNL_A_PATH + 1] = {
	[LBNL_A_PATH] = NLA_POLICY_NESTED(lbnl_path_policy),
};

static const struct nla_policy lbnl_assoc_policy[LBNL_A_ASSOC_MAX + 1] = {
	[LBNL_A_ASSOC_VERSION] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_LADDR] = NLA_POLICY_RANGE(NLA_BINARY,
						sizeof(struct in_addr),
						sizeof(struct in6_addr)),
	[LBNL_A_ASSOC_LPORT] = { .type = NLA_U16 },
	[LBNL_A_ASSOC_PADDR] = NLA_POLICY_RANGE(NLA_BINARY,
						sizeof(struct in_addr),
						sizeof(struct in6_addr)),
	[LBNL_A_ASSOC_PPORT] = { .type = NLA_U16 },
	[LBNL_A_ASSOC_LADDRS] = NLA_POLICY_NESTED(lbnl_addr_list_policy),
	[LBNL_A_ASSOC_PATHS] = NLA_POLICY_NESTED(lbnl_paths_policy),
	[LBNL_A_ASSOC_MY_VTAG] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_PEER_VTAG] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_NEXT_TSN] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_PEER_NEXT_TSN] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_OUT_STREAMS] = { .type = NLA_U16 },
	[LBNL_A_ASSOC_IN_STREAMS] = { .type = NLA_U16 },
	[LBNL_A_ASSOC_OUT_SSN] = { .type = NLA_BINARY },
	[LBNL_A_ASSOC_IN_SSN] = { .type = NLA_BINARY },
	[LBNL_A_ASSOC_PEER_RWND] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_FEATURES] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_ADDIP_SERIAL] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_PEER_ADDIP_SERIAL] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_STRRESET_OUTSEQ] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_STRRESET_INSEQ] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_ADAPTATION_IND] = { .type = NLA_U32 },
	[LBNL_A_ASSOC_CREATED_MS] = { .type = NLA_U64 },
	[LBNL_A_ASSOC_STATE] = LBNL_READ_ONLY,
	[LBNL_A_ASSOC_ID] = LBNL_READ_ONLY,
	[LBNL_A_ASSOC_STYLE] = LBNL_READ_ONLY,
	[LBNL_A_ASSOC_UNACKED] = LBNL_READ_ONLY,
	[LBNL_A_ASSOC_PENDING] = LBNL_READ_ONLY,
	[LBNL_A_ASSOC_UNREAD] = LBNL_READ_ONLY,
	[LBNL_A_ASSOC_SILENCED] = LBNL_READ_ONLY,
	[LBNL_A_ASSOC_MIGRATABLE] = LBNL_READ_ONLY,
	[LBNL_A_ASSOC_REASON] = LBNL_READ_ONLY,
};

static u32 lbnl_nla_u32_or(const struct nlattr *attr, u32 value)
{
	return attr ? nla_get_u32(attr) : value;
}

/* Top level of the server-role commands. */
const struct nla_policy lbnl_assoc_cmd_policy[LBNL_SRV_A_MAX + 1] = {
	[LBNL_SRV_A_ASSOC] = NLA_POLICY_NESTED(lbnl_assoc_policy),
	[LBNL_SRV_A_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &lbnl_export_timeout_range),
};

/* An address attribute and a port into a union sctp_addr. */
static int lbnl_nla_get_sctp_addr(const struct nlattr *addr, u16 port,
				  union sctp_addr *a)
{
	memset(a, 0, sizeof(*a));
	switch (nla_len(addr)) {
	case sizeof(struct in_addr):
		a->v4.sin_family = AF_INET;
		a->v4.sin_addr.s_addr = nla_get_in_addr(addr);
		break;
	case sizeof(struct in6_addr):
		a->v6.sin6_family = AF_INET6;
		a->v6.sin6_addr = nla_get_in6_addr(addr);
		break;
	default:
		return -EINVAL;
	}
	a->v4.sin_port = htons(port);
	return 0;
}

static int lbnl_nla_put_sctp_addr(struct sk_buff *skb, int type,
				  const union sctp_addr *a)
{
	if (a->sa.sa_family == AF_INET)
		return nla_put_in_addr(skb, type, a->v4.sin_addr.s_addr);
	return nla_put_in6_addr(skb, type, &a->v6.sin6_addr);
}

/* Parse the key: a local and a peer address with their ports. */
static int lbnl_parse_assoc_key(struct nlattr *nest, struct nlattr **tb,
				union sctp_addr *laddr, union sctp_addr *paddr,
				struct netlink_ext_ack *extack)
{
	static const struct {
		int type;
		const char *msg;
	} required[] = {
		{ LBNL_A_ASSOC_LADDR, "missing local address" },
		{ LBNL_A_ASSOC_LPORT, "missing local port" },
		{ LBNL_A_ASSOC_PADDR, "missing peer address" },
		{ LBNL_A_ASSOC_PPORT, "missing peer port" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!tb[required[i].type]) {
			NL_SET_ERR_ATTR_MISS(extack, nest, required[i].type);
			lbnl_set_err_msg(extack, required[i].msg);
			return -EINVAL;
		}
	}
	if (lbnl_nla_get_sctp_addr(tb[LBNL_A_ASSOC_LADDR],
				   nla_get_u16(tb[LBNL_A_ASSOC_LPORT]), laddr) ||
	    lbnl_nla_get_sctp_addr(tb[LBNL_A_ASSOC_PADDR],
				   nla_get_u16(tb[LBNL_A_ASSOC_PPORT]), paddr)) {
		NL_SET_ERR_MSG(extack,
			       "addresses must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (!laddr->v4.sin_port || !paddr->v4.sin_port) {
		NL_SET_ERR_MSG(extack, "ports must be between 1 and 65535");
		return -EINVAL;
	}
	return 0;
}

/**
 * lbnl_nl_assoc_request() - lbnl_srv_pre_doit()'s work: the association
 * nest of a request, parsed, and (@key) the association it names
 * @info: the request
 * @req: where they go
 * @key: parse the key too
 *
 * Return: 0 or a negative errno.
 */
int lbnl_nl_assoc_request(struct genl_info *info, struct lbnl_srv_nl_req *req,
			  bool key)
{
	int err;

	if (lbnl_genl_req_attr_check(info, LBNL_SRV_A_ASSOC,
				     "missing association attributes"))
		return -EINVAL;
	err = nla_parse_nested(req->tb, LBNL_A_ASSOC_MAX,
			       info->attrs[LBNL_SRV_A_ASSOC],
			       lbnl_assoc_policy, info->extack);
	if (err || !key)
		return err;
	return lbnl_parse_assoc_key(info->attrs[LBNL_SRV_A_ASSOC], req->tb,
				    &req->laddr, &req->paddr, info->extack);
}

static int lbnl_put_assoc_key(struct sk_buff *skb,
			      const union sctp_addr *laddr,
			      const union sctp_addr *paddr)
{
	return lbnl_nla_put_sctp_addr(skb, LBNL_A_ASSOC_LADDR, laddr) ?:
	       nla_put_u16(skb, LBNL_A_ASSOC_LPORT, ntohs(laddr->v4.sin_port)) ?:
	       lbnl_nla_put_sctp_addr(skb, LBNL_A_ASSOC_PADDR, paddr) ?:
	       nla_put_u16(skb, LBNL_A_ASSOC_PPORT, ntohs(paddr->v4.sin_port));
}

static int lbnl_put_assoc_info(struct sk_buff *skb,
			       const struct lbnl_assoc_info *ai, bool silenced)
{
	struct nlattr *nest = nla_nest_start(skb, LBNL_SRV_A_ASSOC);

	if (!nest)
		return -EMSGSIZE;
	if (lbnl_put_assoc_key(skb, &ai->laddr, &ai->paddr) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_MY_VTAG, ai->my_vtag) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_PEER_VTAG, ai->peer_vtag) ||
	    nla_put_u8(skb, LBNL_A_ASSOC_STATE, ai->state) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_ID, ai->assoc_id) ||
	    nla_put_u8(skb, LBNL_A_ASSOC_STYLE, ai->style) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_UNACKED, ai->unacked) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_PENDING, ai->pending) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_UNREAD, ai->unread) ||
	    nla_put_u64_64bit(skb, LBNL_A_ASSOC_CREATED_MS, ai->created_ms,
			      LBNL_A_ASSOC_PAD) ||
	    nla_put_u8(skb, LBNL_A_ASSOC_SILENCED, silenced) ||
	    nla_put_u8(skb, LBNL_A_ASSOC_MIGRATABLE, !ai->reason) ||
	    (ai->reason && nla_put_string(skb, LBNL_A_ASSOC_REASON, ai->reason))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int lbnl_put_assoc_paths(struct sk_buff *skb,
				const struct lbnl_assoc_state *s)
{
	struct nlattr *paths, *path;
	unsigned int i;

	paths = nla_nest_start(skb, LBNL_A_ASSOC_PATHS);
	if (!paths)
		return -EMSGSIZE;
	for (i = 0; i < s->n_paths; i++) {
		const struct lbnl_assoc_path *p = &s->paths[i];

		path = nla_nest_start(skb, LBNL_A_PATH);
		if (!path ||
		    lbnl_nla_put_sctp_addr(skb, LBNL_A_PATH_ADDR, &p->addr) ||
		    nla_put_u32(skb, LBNL_A_PATH_RTO_US, p->rto_us) ||
		    nla_put_u32(skb, LBNL_A_PATH_SRTT_US, p->srtt_us) ||
		    nla_put_u32(skb, LBNL_A_PATH_RTTVAR_US, p->rttvar_us) ||
		    nla_put_u32(skb, LBNL_A_PATH_CWND, p->cwnd) ||
		    nla_put_u32(skb, LBNL_A_PATH_SSTHRESH, p->ssthresh))
			return -EMSGSIZE;
		nla_nest_end(skb, path);
	}
	nla_nest_end(skb, paths);
	return 0;
}

static int lbnl_put_assoc_laddrs(struct sk_buff *skb,
				 const struct lbnl_assoc_state *s)
{
	struct nlattr *laddrs;
	unsigned int i;

	laddrs = nla_nest_start(skb, LBNL_A_ASSOC_LADDRS);
	if (!laddrs)
		return -EMSGSIZE;
	for (i = 0; i < s->n_laddrs; i++)
		if (lbnl_nla_put_sctp_addr(skb, LBNL_A_ADDR, &s->laddrs[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, laddrs);
	return 0;
}

static int lbnl_put_assoc_state(struct sk_buff *skb,
				const struct lbnl_assoc_state *s)
{
	struct nlattr *nest = nla_nest_start(skb, LBNL_SRV_A_ASSOC);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, LBNL_A_ASSOC_VERSION, LBNL_ASSOC_STATE_VERSION) ||
	    lbnl_put_assoc_key(skb, &s->laddr, &s->paddr) ||
	    lbnl_put_assoc_laddrs(skb, s) ||
	    lbnl_put_assoc_paths(skb, s) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_MY_VTAG, s->my_vtag) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_PEER_VTAG, s->peer_vtag) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_NEXT_TSN, s->next_tsn) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_PEER_NEXT_TSN, s->peer_next_tsn) ||
	    nla_put_u16(skb, LBNL_A_ASSOC_OUT_STREAMS, s->out_streams) ||
	    nla_put_u16(skb, LBNL_A_ASSOC_IN_STREAMS, s->in_streams) ||
	    nla_put(skb, LBNL_A_ASSOC_OUT_SSN, s->out_streams * sizeof(u32),
		    s->out_ssn) ||
	    nla_put(skb, LBNL_A_ASSOC_IN_SSN, s->in_streams * sizeof(u32),
		    s->in_ssn) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_PEER_RWND, s->peer_rwnd) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_FEATURES, s->features) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_ADDIP_SERIAL, s->addip_serial) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_PEER_ADDIP_SERIAL,
			s->peer_addip_serial) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_STRRESET_OUTSEQ,
			s->strreset_outseq) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_STRRESET_INSEQ, s->strreset_inseq) ||
	    nla_put_u32(skb, LBNL_A_ASSOC_ADAPTATION_IND, s->adaptation_ind) ||
	    nla_put_u64_64bit(skb, LBNL_A_ASSOC_CREATED_MS, s->created_ms,
			      LBNL_A_ASSOC_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Announce a server-role change: the association's key only. Anyone in the
 * namespace may listen, and vtags must not leak (see the uapi header).
 */
static void lbnl_assoc_notify(struct net *net, u8 cmd,
			      const union sctp_addr *laddr,
			      const union sctp_addr *paddr)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = lbnl_srv_event_new(net, cmd, &hdr);
	if (!skb)
		return;
	nest = nla_nest_start(skb, LBNL_SRV_A_ASSOC);
	if (!nest || lbnl_put_assoc_key(skb, laddr, paddr)) {
		nlmsg_free(skb);
		return;
	}
	nla_nest_end(skb, nest);
	lbnl_srv_event_send(net, skb, hdr);
}

struct lbnl_assoc_fill {
	struct sk_buff *skb;
	struct net *net;
	u32 portid;
	u32 seq;
	int flags;
};

static bool lbnl_assoc_silenced(struct net *net,
				const struct lbnl_assoc_info *ai)
{
	struct lbnl_silence *e;

	e = lbnl_silence_find(net, ai->my_vtag, ai->laddr.v4.sin_port,
			      ai->paddr.v4.sin_port);
	return e && !lbnl_silence_expired(e);
}

/* Under lock_sock (and the namespace's assoc_lock): one reply message. */
static int lbnl_assoc_fill_info(struct sctp_association *asoc, void *arg)
{
	struct lbnl_assoc_fill *f = arg;
	struct lbnl_assoc_info ai;
	void *hdr;

	lbnl_assoc_get_info(asoc, &ai);
	hdr = lbnl_srv_msg_put(f->skb, f->portid, f->seq, f->flags,
			       LBNL_SRV_CMD_ASSOC_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (lbnl_put_assoc_info(f->skb, &ai, lbnl_assoc_silenced(f->net, &ai))) {
		genlmsg_cancel(f->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(f->skb, hdr);
	return 0;
}

/* The association's current info as a reply to @info's request. */
static int lbnl_assoc_reply_info(struct genl_info *info,
				 const union sctp_addr *laddr,
				 const union sctp_addr *paddr)
{
	struct net *net = genl_info_net(info);
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	struct lbnl_assoc_fill f = {
		.net = net,
		.portid = info->snd_portid,
		.seq = info->snd_seq,
	};
	int err;

	f.skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!f.skb)
		return -ENOMEM;
	mutex_lock(&sn->assoc_lock);
	err = lbnl_assoc_with(net, laddr, paddr, lbnl_assoc_fill_info, &f);
	mutex_unlock(&sn->assoc_lock);
	if (err) {
		nlmsg_free(f.skb);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "association not found");
		return err;
	}
	return genlmsg_reply(f.skb, info);
}

int lbnl_nl_assoc_get(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_srv_nl_req *req = lbnl_srv_nl_req(info);

	return lbnl_assoc_reply_info(info, &req->laddr, &req->paddr);
}

/* A dump's state, in &netlink_callback.ctx. */
struct lbnl_assoc_dump_ctx {
	int pos;	/* the next association's index */
};

int lbnl_nl_assoc_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	struct lbnl_assoc_fill f = {
		.skb = skb,
		.net = net,
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
	};
	struct lbnl_assoc_dump_ctx *ctx = (void *)cb->ctx;
	int err;

	static_assert(sizeof(*ctx) <= sizeof(cb->ctx));
	mutex_lock(&sn->assoc_lock);
	err = lbnl_assoc_for_each(net, &ctx->pos, lbnl_assoc_fill_info, &f);
	mutex_unlock(&sn->assoc_lock);
	if (err && err != -EMSGSIZE)
		return err;
	return skb->len;
}

int lbnl_nl_assoc_export(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_srv_nl_req *req = lbnl_srv_nl_req(info);
	const union sctp_addr *laddr = &req->laddr, *paddr = &req->paddr;
	unsigned int timeout_ms = LBNL_EXPORT_TIMEOUT_MS;
	struct net *net = genl_info_net(info);
	struct lbnl_assoc_state *s;
	struct sk_buff *msg = NULL;
	const char *reason;
	void *hdr = NULL;
	int err;

	if (info->attrs[LBNL_SRV_A_TIMEOUT_MS])
		timeout_ms = nla_get_u32(info->attrs[LBNL_SRV_A_TIMEOUT_MS]);

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	err = lbnl_assoc_export(net, laddr, paddr, timeout_ms, s, &reason);
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "association not found");
		else
			lbnl_set_err_msg(info->extack, reason);
		goto out;
	}

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE +
			  (s->out_streams + s->in_streams) * sizeof(u32),
			  GFP_KERNEL);
	if (msg)
		hdr = genlmsg_put_reply(msg, info, &lbnl_srv_genl_family, 0,
					LBNL_SRV_CMD_ASSOC_EXPORT);
	if (!hdr || lbnl_put_assoc_state(msg, s)) {
		/* The association is silenced: give it back. */
		lbnl_assoc_resume(net, laddr, paddr);
		nlmsg_free(msg);
		err = -ENOMEM;
		goto out;
	}
	genlmsg_end(msg, hdr);
	lbnl_assoc_notify(net, LBNL_SRV_CMD_ASSOC_EXPORT, &s->laddr, &s->paddr);
	err = genlmsg_reply(msg, info);
out:
	lbnl_assoc_state_free(s);
	kfree(s);
	return err;
}

static int lbnl_parse_laddrs(struct nlattr *nest, struct lbnl_assoc_state *s,
			     u16 lport, struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != LBNL_A_ADDR)
			continue;
		if (s->n_laddrs == LBNL_ASSOC_MAX_ADDRS) {
			NL_SET_ERR_MSG_ATTR(extack, a, "too many local addresses");
			return -E2BIG;
		}
		if (lbnl_nla_get_sctp_addr(a, lport, &s->laddrs[s->n_laddrs])) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "addresses must be 4 (IPv4) or 16 (IPv6) bytes");
			return -EINVAL;
		}
		s->n_laddrs++;
	}
	return 0;
}

static int lbnl_parse_paths(struct nlattr *nest, struct lbnl_assoc_state *s,
			    u16 pport, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LBNL_A_PATH_MAX + 1];
	struct lbnl_assoc_path *p;
	struct nlattr *a;
	int rem, err;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != LBNL_A_PATH)
			continue;
		if (s->n_paths == LBNL_ASSOC_MAX_ADDRS) {
			NL_SET_ERR_MSG_ATTR(extack, a, "too many peer addresses");
			return -E2BIG;
		}
		err = nla_parse_nested(tb, LBNL_A_PATH_MAX, a, lbnl_path_policy,
				       extack);
		if (err)
			return err;
		p = &s->paths[s->n_paths];
		if (!tb[LBNL_A_PATH_ADDR] ||
		    lbnl_nla_get_sctp_addr(tb[LBNL_A_PATH_ADDR], pport,
					   &p->addr)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "a peer path needs a 4 or 16 byte address");
			return -EINVAL;
		}
		p->rto_us = lbnl_nla_u32_or(tb[LBNL_A_PATH_RTO_US], 0);
		p->srtt_us = lbnl_nla_u32_or(tb[LBNL_A_PATH_SRTT_US], 0);
		p->rttvar_us = lbnl_nla_u32_or(tb[LBNL_A_PATH_RTTVAR_US], 0);
		p->cwnd = lbnl_nla_u32_or(tb[LBNL_A_PATH_CWND], 0);
		p->ssthresh = lbnl_nla_u32_or(tb[LBNL_A_PATH_SSTHRESH], 0);
		s->n_paths++;
	}
	return 0;
}

static bool lbnl_addr_listed(const union sctp_addr *a,
			     const union sctp_addr *list, unsigned int n,
			     size_t stride)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const union sctp_addr *b = (const void *)list + i * stride;

		if (lbnl_sctp_addr_eq(a, b))
			return true;
	}
	return false;
}

/* Copy an SSN array attribute of exactly @count u32s into a new buffer. */
static u32 *lbnl_parse_ssns(struct nlattr *attr, u16 count,
			    struct netlink_ext_ack *extack)
{
	u32 *ssn;

	if (nla_len(attr) != count * sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "SSN list length does not match the stream count");
		return ERR_PTR(-EINVAL);
	}
	ssn = kvcalloc(max_t(u16, count, 1), sizeof(u32), GFP_KERNEL);
	if (!ssn)
		return ERR_PTR(-ENOMEM);
	memcpy(ssn, nla_data(attr), count * sizeof(u32));
	return ssn;
}

/* Parse and check an IMPORT request's state. */
static int lbnl_parse_assoc_state(struct genl_info *info, struct nlattr **tb,
				  struct lbnl_assoc_state *s)
{
	static const int required[] = {
		LBNL_A_ASSOC_VERSION, LBNL_A_ASSOC_LADDRS, LBNL_A_ASSOC_PATHS,
		LBNL_A_ASSOC_MY_VTAG, LBNL_A_ASSOC_PEER_VTAG,
		LBNL_A_ASSOC_NEXT_TSN, LBNL_A_ASSOC_PEER_NEXT_TSN,
		LBNL_A_ASSOC_OUT_STREAMS, LBNL_A_ASSOC_IN_STREAMS,
		LBNL_A_ASSOC_OUT_SSN, LBNL_A_ASSOC_IN_SSN,
		LBNL_A_ASSOC_PEER_RWND, LBNL_A_ASSOC_FEATURES,
	};
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[LBNL_SRV_A_ASSOC];
	const u32 unsupported = LBNL_ASSOC_F_AUTH | LBNL_ASSOC_F_ASCONF |
				LBNL_ASSOC_F_RECONF | LBNL_ASSOC_F_IDATA;
	unsigned int i;
	int err;

	err = lbnl_parse_assoc_key(nest, tb, &s->laddr, &s->paddr, extack);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!tb[required[i]]) {
			NL_SET_ERR_ATTR_MISS(extack, nest, required[i]);
			NL_SET_ERR_MSG(extack, "incomplete association state");
			return -EINVAL;
		}
	}
	if (nla_get_u32(tb[LBNL_A_ASSOC_VERSION]) != LBNL_ASSOC_STATE_VERSION) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_ASSOC_VERSION],
				    "unknown association state version");
		return -EPROTONOSUPPORT;
	}

	err = lbnl_parse_laddrs(tb[LBNL_A_ASSOC_LADDRS], s,
				ntohs(s->laddr.v4.sin_port), extack) ?:
	      lbnl_parse_paths(tb[LBNL_A_ASSOC_PATHS], s,
			       ntohs(s->paddr.v4.sin_port), extack);
	if (err)
		return err;
	if (!lbnl_addr_listed(&s->laddr, s->laddrs, s->n_laddrs,
			      sizeof(s->laddrs[0])) ||
	    !lbnl_addr_listed(&s->paddr, &s->paths[0].addr, s->n_paths,
			      sizeof(s->paths[0]))) {
		NL_SET_ERR_MSG(extack,
			       "primary addresses must be in the address lists");
		return -EINVAL;
	}

	s->my_vtag = nla_get_u32(tb[LBNL_A_ASSOC_MY_VTAG]);
	s->peer_vtag = nla_get_u32(tb[LBNL_A_ASSOC_PEER_VTAG]);
	if (!s->my_vtag || !s->peer_vtag) {
		NL_SET_ERR_MSG(extack, "verification tags must not be 0");
		return -EINVAL;
	}
	s->next_tsn = nla_get_u32(tb[LBNL_A_ASSOC_NEXT_TSN]);
	s->peer_next_tsn = nla_get_u32(tb[LBNL_A_ASSOC_PEER_NEXT_TSN]);
	s->out_streams = nla_get_u16(tb[LBNL_A_ASSOC_OUT_STREAMS]);
	s->in_streams = nla_get_u16(tb[LBNL_A_ASSOC_IN_STREAMS]);
	if (!s->out_streams || !s->in_streams ||
	    s->out_streams > LBNL_ASSOC_MAX_STREAMS ||
	    s->in_streams > LBNL_ASSOC_MAX_STREAMS) {
		NL_SET_ERR_MSG(extack, "stream counts out of range");
		return -ERANGE;
	}
	s->out_ssn = lbnl_parse_ssns(tb[LBNL_A_ASSOC_OUT_SSN], s->out_streams,
				     extack);
	if (IS_ERR(s->out_ssn)) {
		err = PTR_ERR(s->out_ssn);
		s->out_ssn = NULL;
		return err;
	}
	s->in_ssn = lbnl_parse_ssns(tb[LBNL_A_ASSOC_IN_SSN], s->in_streams,
				    extack);
	if (IS_ERR(s->in_ssn)) {
		err = PTR_ERR(s->in_ssn);
		s->in_ssn = NULL;
		return err;
	}

	s->peer_rwnd = nla_get_u32(tb[LBNL_A_ASSOC_PEER_RWND]);
	s->features = nla_get_u32(tb[LBNL_A_ASSOC_FEATURES]);
	if (s->features & unsupported) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LBNL_A_ASSOC_FEATURES],
				    "AUTH, ASCONF, RE-CONFIG and I-DATA associations cannot be re-created");
		return -EOPNOTSUPP;
	}
	/* Optional: defaults as the stack would have set them. */
	s->addip_serial = lbnl_nla_u32_or(tb[LBNL_A_ASSOC_ADDIP_SERIAL],
					  s->next_tsn);
	s->peer_addip_serial = lbnl_nla_u32_or(tb[LBNL_A_ASSOC_PEER_ADDIP_SERIAL],
					       s->peer_next_tsn - 1);
	s->strreset_outseq = lbnl_nla_u32_or(tb[LBNL_A_ASSOC_STRRESET_OUTSEQ],
					     s->next_tsn);
	s->strreset_inseq = lbnl_nla_u32_or(tb[LBNL_A_ASSOC_STRRESET_INSEQ],
					    s->peer_next_tsn);
	s->adaptation_ind = lbnl_nla_u32_or(tb[LBNL_A_ASSOC_ADAPTATION_IND], 0);
	if (tb[LBNL_A_ASSOC_CREATED_MS])
		s->created_ms = nla_get_u64(tb[LBNL_A_ASSOC_CREATED_MS]);
	return 0;
}

int lbnl_nl_assoc_import(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lbnl_assoc_state *s;
	const char *reason;
	int err;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	err = lbnl_parse_assoc_state(info, lbnl_srv_nl_req(info)->tb, s);
	if (err)
		goto out;

	err = lbnl_assoc_import(net, s, &reason);
	if (err) {
		lbnl_set_err_msg(info->extack, reason);
		goto out;
	}
	lbnl_assoc_notify(net, LBNL_SRV_CMD_ASSOC_IMPORT, &s->laddr, &s->paddr);
	err = lbnl_assoc_reply_info(info, &s->laddr, &s->paddr);
out:
	lbnl_assoc_state_free(s);
	kfree(s);
	return err;
}

int lbnl_nl_assoc_resume(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_srv_nl_req *req = lbnl_srv_nl_req(info);
	struct net *net = genl_info_net(info);
	int err;

	err = lbnl_assoc_resume(net, &req->laddr, &req->paddr);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "association not found");
	else if (err == -ESRCH)
		NL_SET_ERR_MSG(info->extack, "association is not silenced");
	if (err)
		return err;
	lbnl_assoc_notify(net, LBNL_SRV_CMD_ASSOC_RESUME, &req->laddr,
			  &req->paddr);
	return 0;
}

int lbnl_nl_assoc_release(struct sk_buff *skb, struct genl_info *info)
{
	struct lbnl_srv_nl_req *req = lbnl_srv_nl_req(info);
	struct net *net = genl_info_net(info);
	unsigned int grace_ms;
	int err;

	grace_ms = READ_ONCE(lbnl_srv_pernet(net)->settings.release_grace_ms);
	err = lbnl_assoc_release(net, &req->laddr, &req->paddr, grace_ms);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "association not found");
	else if (err == -EPIPE)
		NL_SET_ERR_MSG(info->extack,
			       "released, but the application sent data after the export: it was lost");
	/* -EPIPE: released all the same, and listeners must know. */
	if (err && err != -EPIPE)
		return err;
	lbnl_assoc_notify(net, LBNL_SRV_CMD_ASSOC_RELEASE, &req->laddr,
			  &req->paddr);
	return err;
}
