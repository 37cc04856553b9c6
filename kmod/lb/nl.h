/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl - the netlink side of the LB role, shared by family.c (the family,
 * its preamble and the shared policies), events.c (messages and events) and
 * the <object>_nl.c handlers. Only those include it: the objects (vip.c,
 * bypass.c, migrate.c...) announce changes through the events.c functions
 * declared in lb.h and never call netlink code otherwise.
 */
#ifndef _LBNL_NL_H
#define _LBNL_NL_H

#include <linux/build_bug.h>
#include <net/genetlink.h>

#include "lb.h"

enum lbnl_mcgrp {
	LBNL_MCGRP_EVENTS_IDX,
};

/*
 * &genl_ops.internal_flags: what lbnl_pre_doit() does before the handler,
 * in this order (the order of the refusals a request may earn). With
 * LBNL_NL_F_VIP_OPT, a dest nest (if the policy has one and the request
 * names both) is parsed and found as with LBNL_NL_F_DEST.
 */
#define LBNL_NL_F_CONN		BIT(0)	/* the conn nest's key (+ VIP nest) */
#define LBNL_NL_F_VIP_KEY	BIT(1)	/* parse the VIP nest (required) */
#define LBNL_NL_F_VIP_OPT	BIT(2)	/* or: if present, parse and find it */
#define LBNL_NL_F_MIGRATION	BIT(3)	/* the migration nest */
#define LBNL_NL_F_LOCK		BIT(4)	/* take &lbnl_net.lock (post_doit drops) */
#define LBNL_NL_F_VIP_FIND	BIT(5)	/* find the VIP the key names */
#define LBNL_NL_F_DEST_KEY	BIT(6)	/* parse the dest nest, of the VIP */
#define LBNL_NL_F_DEST_FIND	BIT(7)	/* find the dest it names */

/* A command on an existing VIP, on an existing dest. */
#define LBNL_NL_F_VIP	(LBNL_NL_F_VIP_KEY | LBNL_NL_F_VIP_FIND | \
			 LBNL_NL_F_LOCK)
#define LBNL_NL_F_DEST	(LBNL_NL_F_VIP | LBNL_NL_F_DEST_KEY | \
			 LBNL_NL_F_DEST_FIND)

/**
 * struct lbnl_nl_req - what lbnl_pre_doit() found; info->user_ptr[0]
 * @ln: the namespace's state
 * @vip: the VIP (LBNL_NL_F_VIP_FIND; LBNL_NL_F_VIP_OPT: %NULL if none named)
 * @dest: the dest (LBNL_NL_F_DEST_FIND; LBNL_NL_F_VIP_OPT: %NULL if none
 *	named)
 * @vkey: the VIP's key (LBNL_NL_F_VIP_KEY)
 * @dkey: the dest's key (LBNL_NL_F_DEST_KEY)
 * @peer: the peer's address (LBNL_NL_F_CONN)
 * @pport: the peer's port, network order (LBNL_NL_F_CONN)
 * @family: @peer's family (LBNL_NL_F_CONN)
 * @vtb: the VIP nest's attributes (LBNL_NL_F_VIP_KEY)
 * @dtb: the dest nest's attributes (LBNL_NL_F_DEST_KEY)
 * @mtb: the migration nest's attributes (LBNL_NL_F_MIGRATION)
 * @ctb: the conn nest's attributes (LBNL_NL_F_CONN)
 */
struct lbnl_nl_req {
	struct lbnl_net *ln;
	struct lbnl_vip *vip;
	struct lbnl_dest *dest;
	struct lbnl_vip_key vkey;
	struct lbnl_dest_key dkey;
	union nf_inet_addr peer;
	__be16 pport;
	u8 family;
	struct nlattr *vtb[LBNL_A_VIP_MAX + 1];
	struct nlattr *dtb[LBNL_A_DEST_MAX + 1];
	struct nlattr *mtb[LBNL_A_MIGRATE_MAX + 1];
	struct nlattr *ctb[LBNL_A_CONN_MAX + 1];
};

static inline struct lbnl_nl_req *lbnl_nl_req(struct genl_info *info)
{
	return info->user_ptr[0];
}

/**
 * struct lbnl_dump_ctx - a dump's state, in &netlink_callback.ctx
 * @key: the VIP the request names (@filter)
 * @filter: the dump is of that VIP only
 * @err: the request's filter is unacceptable: the dump fails with this
 * @msg: ... and this message
 * @vip: index of the VIP the dump is at
 * @pos: position within that VIP (its dests, entries...)
 *
 * The filter is parsed once, by lbnl_nl_dump_start(). In 6.1 a dump's
 * .start has no extended ack to write to, so a refusal is kept here and
 * given by the first pass, as it was when the dumps parsed it themselves.
 */
struct lbnl_dump_ctx {
	struct lbnl_vip_key key;
	bool filter;
	int err;
	u32 vip;
	u32 pos;
	const char *msg;
};

static inline struct lbnl_dump_ctx *lbnl_dump_ctx(struct netlink_callback *cb)
{
	static_assert(sizeof(struct lbnl_dump_ctx) <= sizeof(cb->ctx));
	return (struct lbnl_dump_ctx *)cb->ctx;
}

/*
 * One VIP's part of a dump, from *@pos on; return non-zero when the message
 * is full, with *@pos where to resume.
 */
typedef int (*lbnl_dump_vip_fn)(struct sk_buff *skb,
				struct netlink_callback *cb,
				struct lbnl_vip *vip, u32 *pos);

/* family.c */
extern struct genl_family lbnl_genl_family;
extern const struct nla_policy lbnl_vip_policy[LBNL_A_VIP_MAX + 1];
extern const struct nla_policy lbnl_dest_policy[LBNL_A_DEST_MAX + 1];
extern const struct nla_policy lbnl_tag_policy[LBNL_A_TAG_MAX + 1];
int lbnl_nla_get_addr(const struct nlattr *attr, union nf_inet_addr *addr,
		      u8 *family);
int lbnl_parse_dest_nest(const struct nlattr *nest,
			 const struct lbnl_vip_key *vkey, struct nlattr **tb,
			 struct lbnl_dest_key *key,
			 struct netlink_ext_ack *extack);
int lbnl_nl_dump_start(struct netlink_callback *cb);
int lbnl_nl_dump_vips(struct sk_buff *skb, struct netlink_callback *cb,
		      lbnl_dump_vip_fn fn);

/* events.c: messages */
void *lbnl_msg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		   u8 cmd);
void *lbnl_dump_msg_put(struct sk_buff *skb, struct netlink_callback *cb,
			u8 cmd);
int lbnl_put_addr(struct sk_buff *skb, int type,
		  const union nf_inet_addr *addr, u8 family);
int lbnl_put_vip(struct sk_buff *skb, const struct lbnl_vip *vip, bool full);
int lbnl_put_dest(struct sk_buff *skb, int type, const struct lbnl_vip *vip,
		  const struct lbnl_dest *dest, bool full);
int lbnl_put_migration(struct sk_buff *skb, const struct lbnl_migration *m,
		       bool full, const char *reason);
int lbnl_msg_end(struct sk_buff *skb, void *hdr, int err);
struct sk_buff *lbnl_reply_new(struct genl_info *info, u8 cmd, void **hdr);
int lbnl_reply_send(struct genl_info *info, struct sk_buff *skb, void *hdr,
		    int err);
int lbnl_dump_obj(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
		  const struct lbnl_vip *vip, const struct lbnl_dest *dest);
int lbnl_reply(struct genl_info *info, u8 cmd, const struct lbnl_vip *vip,
	       const struct lbnl_dest *dest);

/* vip_nl.c */
int lbnl_nl_vip_new(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_vip_set(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_vip_del(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_vip_get(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_vip_dump(struct sk_buff *skb, struct netlink_callback *cb);
int lbnl_nl_flush(struct sk_buff *skb, struct genl_info *info);

/* dest_nl.c */
int lbnl_nl_dest_new(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_dest_set(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_dest_del(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_dest_get(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_dest_dump(struct sk_buff *skb, struct netlink_callback *cb);
int lbnl_nl_vip_dests(struct lbnl_nl_req *req, struct list_head *dests,
		      struct netlink_ext_ack *extack);
void lbnl_nl_notify_dests(struct lbnl_net *ln, struct lbnl_vip *vip,
			  struct lbnl_dest *first);

/* bypass_nl.c */
int lbnl_nl_bypass_active(struct sk_buff *skb, struct genl_info *info);

/* conn_nl.c */
extern const struct nla_policy lbnl_conn_policy[LBNL_A_CONN_MAX + 1];
int lbnl_nl_conn_key(struct genl_info *info, struct lbnl_nl_req *req);
int lbnl_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb);
int lbnl_nl_conn_del(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_conn_flush(struct sk_buff *skb, struct genl_info *info);

/* stats_nl.c */
int lbnl_nl_stats_get(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* migrate_nl.c */
extern const struct nla_policy lbnl_migrate_policy[LBNL_A_MIGRATE_MAX + 1];
int lbnl_nl_migrate_start(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_migrate_commit(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_migrate_abort(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_migrate_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* conn_nl.c */
extern const struct nla_policy lbnl_conn_new_policy[LBNL_A_CONN_MAX + 1];
int lbnl_nl_conn_new(struct sk_buff *skb, struct genl_info *info);

/* tag_nl.c */
int lbnl_nl_tag_set(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_tag_del(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_tag_get(struct sk_buff *skb, struct genl_info *info);

#endif /* _LBNL_NL_H */
