/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl_srv - the server role of lbnl (lbnl_srv.ko): internal definitions.
 * It tracks this host's SCTP associations, exports and imports them for a
 * live migration, and silences the ones that moved away. It needs sctp.ko;
 * the LB role (lbnl.ko, kmod/lb/) does not, and neither module needs the
 * other.
 */
#ifndef _LBNL_SRV_H
#define _LBNL_SRV_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/siphash.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sctp/structs.h>
#include <uapi/linux/lbnl_srv.h>

#include "../common/lbnl_common.h"

#define LBNL_SILENCE_HASH_BITS	8

/* What happens to the packets of a silenced association: see silence.c. */
enum lbnl_silence_mode {
	LBNL_SILENCE_FREEZE,
	LBNL_SILENCE_DROP,
	LBNL_SILENCE_HOLD,
};

/**
 * struct lbnl_silence - a silenced local SCTP association
 * @by_my: entry in &lbnl_silence_table.by_my
 * @by_peer: entry in &lbnl_silence_table.by_peer
 * @rcu: deferred free
 * @my_vtag: tag of inbound packets
 * @peer_vtag: tag of outbound packets
 * @lport: local port, network order
 * @pport: peer port, network order
 * @mode: enum lbnl_silence_mode
 * @freeze_tsn: while frozen, the highest TSN the local end has seen:
 *	DATA up to it (retransmissions that fill gaps) passes, newer DATA is
 *	stripped
 * @freeze_tsn_set: @freeze_tsn is known (until then all DATA is stripped)
 * @export_next_tsn: next TSN when exported: a later one means the local
 *	application sent data after the export
 * @expires: jiffies when the entry lapses (low bit set), or 0: never
 * @dropped_in: inbound packets dropped
 * @dropped_out: outbound packets dropped
 * @stripped: inbound DATA chunks stripped while frozen
 */
struct lbnl_silence {
	struct hlist_node by_my;
	struct hlist_node by_peer;
	struct rcu_head rcu;
	u32 my_vtag;
	u32 peer_vtag;
	__be16 lport;
	__be16 pport;
	u8 mode;
	bool freeze_tsn_set;
	u32 freeze_tsn;
	u32 export_next_tsn;
	unsigned long expires;
	atomic64_t dropped_in;
	atomic64_t dropped_out;
	atomic64_t stripped;
};

/**
 * struct lbnl_silence_table - a namespace's silenced associations
 * @net: the namespace
 * @by_my: entries by my_vtag (RCU, written under &lbnl_net.assoc_lock)
 * @by_peer: entries by peer_vtag (likewise)
 * @seed: hash seed
 * @count: number of entries; the hooks do nothing while it is 0
 * @hooks_registered: the netfilter hooks are in place in @net
 * @gc: removes entries whose grace period ended
 */
struct lbnl_silence_table {
	struct net *net;
	struct hlist_head by_my[1 << LBNL_SILENCE_HASH_BITS];
	struct hlist_head by_peer[1 << LBNL_SILENCE_HASH_BITS];
	u32 seed;
	unsigned int count;
	bool hooks_registered;
	struct delayed_work gc;
};

/**
 * struct lbnl_srv_settings - a namespace's settings of the server role, the
 *	sysctls net.lbnl_srv.* (see sysctl.c); a new namespace starts from
 *	the module parameters
 * @export_settle_ms: how long an association must stay quiescent, its
 *	application not waiting on the socket, before export
 * @release_grace_ms: how long a released association's packets stay
 *	dropped
 *
 * Written by the sysctl handlers at any time: readers use READ_ONCE().
 */
struct lbnl_srv_settings {
	unsigned int export_settle_ms;
	unsigned int release_grace_ms;
};

/**
 * struct lbnl_srv_tag - a namespace's routable-tag setting (see tag.c)
 * @key: the key the LBs share
 * @id: this server's id, 1..LBNL_TAG_ID_MAX
 * @fingerprint: lbnl_tag_fingerprint() of @key
 * @rcu: deferred free (the key is wiped then)
 *
 * Never changed once published: a new setting replaces the whole struct.
 */
struct lbnl_srv_tag {
	siphash_key_t key;
	u16 id;
	u32 fingerprint;
	struct rcu_head rcu;
};

/**
 * struct lbnl_srv_net - per network namespace state of the server role
 * @net: the namespace
 * @settings: the namespace's settings (sysctls net.lbnl_srv.*)
 * @sysctl_hdr: their registration in the namespace
 * @assoc_lock: serialises the server role's changes (silence entries)
 * @silence: silenced local SCTP associations
 * @tag: the tag key and server id, NULL if none (RCU; replaced by xchg())
 * @tags_chosen: tags the hook chose in the namespace
 */
struct lbnl_srv_net {
	struct net *net;
	struct lbnl_srv_settings settings;
	struct ctl_table_header *sysctl_hdr;
	struct mutex assoc_lock;	/* serialises server-role changes */
	struct lbnl_silence_table silence;
	struct lbnl_srv_tag __rcu *tag;
	atomic64_t tags_chosen;
};

/* Most local addresses and peer paths an association may have to move. */
#define LBNL_ASSOC_MAX_ADDRS	8

/*
 * Most streams an association may have either way to move: the SSN array
 * of one direction (a u32 each) must fit one netlink attribute, whose
 * length is 16 bits. 16382; the peer chooses its count in its INIT.
 */
#define LBNL_ASSOC_MAX_STREAMS	((U16_MAX - NLA_HDRLEN) / sizeof(u32))

/* One peer address of an association, with its path state. */
struct lbnl_assoc_path {
	union sctp_addr addr;
	u32 rto_us;
	u32 srtt_us;
	u32 rttvar_us;
	u32 cwnd;
	u32 ssthresh;
};

/**
 * struct lbnl_assoc_state - what it takes to re-create an association
 * @laddr: local address of the primary path, with the local port
 * @paddr: primary peer address, with the peer's port
 * @n_laddrs: number of @laddrs
 * @laddrs: every local address (ports as @laddr)
 * @n_paths: number of @paths
 * @paths: every peer address, with its path state
 * @my_vtag: tag the peer puts on its packets
 * @peer_vtag: tag we put on ours
 * @next_tsn: our next TSN
 * @peer_next_tsn: the peer's next TSN (its cumulative TSN + 1)
 * @out_streams: outbound stream count
 * @in_streams: inbound stream count
 * @out_ssn: next SSN to send, per outbound stream
 * @in_ssn: next SSN expected, per inbound stream
 * @peer_rwnd: the peer's receive window
 * @features: LBNL_ASSOC_F_*
 * @addip_serial: our next ASCONF serial
 * @peer_addip_serial: the peer's last ASCONF serial
 * @strreset_outseq: our next stream reset request sequence
 * @strreset_inseq: the peer's next stream reset request sequence
 * @adaptation_ind: the peer's adaptation layer indication
 * @created_ms: creation time, ms since the epoch (0: unknown)
 */
struct lbnl_assoc_state {
	union sctp_addr laddr;
	union sctp_addr paddr;
	unsigned int n_laddrs;
	union sctp_addr laddrs[LBNL_ASSOC_MAX_ADDRS];
	unsigned int n_paths;
	struct lbnl_assoc_path paths[LBNL_ASSOC_MAX_ADDRS];
	u32 my_vtag;
	u32 peer_vtag;
	u32 next_tsn;
	u32 peer_next_tsn;
	u16 out_streams;
	u16 in_streams;
	u32 *out_ssn;
	u32 *in_ssn;
	u32 peer_rwnd;
	u32 features;
	u32 addip_serial;
	u32 peer_addip_serial;
	u32 strreset_outseq;
	u32 strreset_inseq;
	u32 adaptation_ind;
	u64 created_ms;
};

/* What "lbnl assoc show" says of an association. */
struct lbnl_assoc_info {
	union sctp_addr laddr;
	union sctp_addr paddr;
	u32 my_vtag;
	u32 peer_vtag;
	u32 assoc_id;
	u32 unacked;
	u32 pending;
	u32 unread;
	u64 created_ms;
	u8 state;
	u8 style;
	const char *reason;	/* why it cannot move; NULL: it can */
};

typedef int (*lbnl_assoc_fn)(struct sctp_association *asoc, void *arg);

/* main.c */
extern unsigned int lbnl_srv_net_id;

static inline struct lbnl_srv_net *lbnl_srv_pernet(const struct net *net)
{
	return net_generic(net, lbnl_srv_net_id);
}

/* sysctl.c */
int lbnl_srv_sysctl_net_init(struct lbnl_srv_net *sn);
void lbnl_srv_sysctl_net_exit(struct lbnl_srv_net *sn);

/* silence.c */
void lbnl_silence_net_init(struct net *net);
void lbnl_silence_net_exit(struct net *net);
struct lbnl_silence *lbnl_silence_find(struct net *net, u32 my_vtag,
				       __be16 lport, __be16 pport);
struct lbnl_silence *lbnl_silence_add(struct net *net, u32 my_vtag,
				      u32 peer_vtag, __be16 lport,
				      __be16 pport, u8 mode);
bool lbnl_silence_expired(const struct lbnl_silence *e);
void lbnl_silence_set_mode(struct lbnl_silence *e, u8 mode);
void lbnl_silence_set_freeze_tsn(struct lbnl_silence *e, u32 tsn);
void lbnl_silence_expire(struct net *net, struct lbnl_silence *e,
			 unsigned long grace);
void lbnl_silence_del(struct net *net, struct lbnl_silence *e);

/* assoc.c */
bool lbnl_sctp_addr_eq(const union sctp_addr *a, const union sctp_addr *b);
int lbnl_assoc_with(struct net *net, const union sctp_addr *laddr,
		    const union sctp_addr *paddr, lbnl_assoc_fn fn, void *arg);
int lbnl_assoc_for_each(struct net *net, int *pos, lbnl_assoc_fn fn,
			void *arg);
const char *lbnl_assoc_unmigratable(struct sctp_association *asoc);
const char *lbnl_assoc_unquiesced(struct sctp_association *asoc);
void lbnl_assoc_get_info(struct sctp_association *asoc,
			 struct lbnl_assoc_info *info);
int lbnl_assoc_read_state(struct sctp_association *asoc,
			  struct lbnl_assoc_state *s);
void lbnl_assoc_state_free(struct lbnl_assoc_state *s);
void lbnl_assoc_kill(struct sctp_association *asoc);
int lbnl_assoc_export(struct net *net, const union sctp_addr *laddr,
		      const union sctp_addr *paddr, unsigned int timeout_ms,
		      struct lbnl_assoc_state *s, const char **reason);
int lbnl_assoc_resume(struct net *net, const union sctp_addr *laddr,
		      const union sctp_addr *paddr);
int lbnl_assoc_release(struct net *net, const union sctp_addr *laddr,
		       const union sctp_addr *paddr, unsigned int grace_ms);

/* import.c */
int lbnl_assoc_import(struct net *net, const struct lbnl_assoc_state *s,
		      const char **reason);

/*
 * &genl_ops.internal_flags: what lbnl_srv_pre_doit() parses before the
 * handler, into a struct lbnl_srv_nl_req at info->user_ptr[0].
 */
#define LBNL_SRV_NL_F_ASSOC	BIT(0)	/* the association nest */
#define LBNL_SRV_NL_F_KEY	BIT(1)	/* and the association's key */

/**
 * struct lbnl_srv_nl_req - what lbnl_srv_pre_doit() parsed
 * @laddr: the local address and port (LBNL_SRV_NL_F_KEY)
 * @paddr: the peer's (LBNL_SRV_NL_F_KEY)
 * @tb: the association nest's attributes
 */
struct lbnl_srv_nl_req {
	union sctp_addr laddr;
	union sctp_addr paddr;
	struct nlattr *tb[LBNL_A_ASSOC_MAX + 1];
};

static inline struct lbnl_srv_nl_req *lbnl_srv_nl_req(struct genl_info *info)
{
	return info->user_ptr[0];
}

/* assoc_nl.c */
extern const struct nla_policy lbnl_assoc_cmd_policy[LBNL_SRV_A_MAX + 1];
int lbnl_nl_assoc_request(struct genl_info *info, struct lbnl_srv_nl_req *req,
			  bool key);
int lbnl_nl_assoc_get(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_assoc_dump(struct sk_buff *skb, struct netlink_callback *cb);
int lbnl_nl_assoc_export(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_assoc_import(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_assoc_resume(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_assoc_release(struct sk_buff *skb, struct genl_info *info);

/* tag.c */
void lbnl_tag_hook_init(void);
void lbnl_tag_hook_exit(void);
bool lbnl_tag_hooked(void);
u64 lbnl_tag_hook_missed(void);
void lbnl_tag_net_exit(struct lbnl_srv_net *sn);
int lbnl_tag_set(struct net *net, const u8 *key, u16 id);
int lbnl_tag_del(struct net *net);

/* What TAG_GET shows of a namespace's setting. */
struct lbnl_srv_tag_info {
	u16 id;
	u32 fingerprint;
	u64 chosen;
};

int lbnl_tag_get(struct net *net, struct lbnl_srv_tag_info *info);

/* tag_nl.c */
extern const struct nla_policy lbnl_tag_set_cmd_policy[LBNL_SRV_A_MAX + 1];
extern const struct nla_policy lbnl_no_attr_policy[LBNL_SRV_A_MAX + 1];
int lbnl_nl_tag_set(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_tag_del(struct sk_buff *skb, struct genl_info *info);
int lbnl_nl_tag_get(struct sk_buff *skb, struct genl_info *info);

/* nl.c */
extern struct genl_family lbnl_srv_genl_family;
int lbnl_srv_genl_init(void);
void lbnl_srv_genl_exit(void);
void *lbnl_srv_msg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		       u8 cmd);
struct sk_buff *lbnl_srv_event_new(struct net *net, u8 cmd, void **hdr);
void lbnl_srv_event_send(struct net *net, struct sk_buff *skb, void *hdr);

#endif /* _LBNL_SRV_H */
