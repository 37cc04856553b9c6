/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl - in-kernel L4 load balancer: the LB role's internal definitions
 * (lbnl.ko). The server role (lbnl_srv.ko) has its own, kmod/srv/srv.h.
 */
#ifndef _LBNL_LB_H
#define _LBNL_LB_H

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/rhashtable.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/lbnl.h>

#include "../common/lbnl_common.h"
#include "ops.h"

#define LBNL_VIP_HASH_BITS	10
#define LBNL_DEST_HASH_BITS	10
#define LBNL_CONN_LOCKS		256	/* striped writer locks, power of 2 */

/* One CPU's traffic counters of a namespace, a VIP or a dest. */
struct lbnl_pcpu_counters {
	u64_stats_t packets_in;
	u64_stats_t bytes_in;
	u64_stats_t packets_out;
	u64_stats_t bytes_out;
	u64_stats_t conns;
	u64_stats_t picked_up;
	u64_stats_t evicted;
};

/* Per-CPU counters of a VIP or a dest. */
struct lbnl_obj_stats {
	struct lbnl_pcpu_counters c;
	struct u64_stats_sync syncp;
};

/* Per-CPU counters of a namespace's LB role: also the drops. */
struct lbnl_net_stats {
	struct lbnl_pcpu_counters c;
	u64_stats_t drops[__LBNL_DROP_MAX];
	u64_stats_t tag_routed;
	struct u64_stats_sync syncp;
};

struct lbnl_vip;
struct lbnl_migration;

/**
 * struct lbnl_dest_emptying - a dest in maint or drain, as it empties
 * @moved: associations migrated away since it last entered maint
 * @left: its connection entries at the last scan
 * @unmigratable: of those, associations whose migrations were given up
 * @scan_left: @left as a scan counts it
 * @scan_unmigratable: @unmigratable as a scan counts it
 * @scan_open: its migrations open, as a scan counts them (and opens more)
 *
 * Written under &lbnl_net.lock (maint.c); dumps read the first three with
 * READ_ONCE(), which a scan publishes only once it is done.
 */
struct lbnl_dest_emptying {
	u32 moved;
	u32 left;
	u32 unmigratable;
	u32 scan_left;
	u32 scan_unmigratable;
	u32 scan_open;
};

/**
 * struct lbnl_dest - a backend of a VIP
 * @list: entry in &lbnl_vip.dests (RCU, written under &lbnl_net.lock); before
 *	the dest joins its VIP, in the list of the request that adds it
 * @hnode: entry in &lbnl_net.dest_hash, by (address, port, protocol): the
 *	NAT return path finds the VIP of a reply there
 * @anode: entry in &lbnl_net.dest_addr_hash, by address: a fragment (no
 *	ports) from a dest's address is reassembled (defrag.c)
 * @rcu: deferred free
 * @vip: the VIP it belongs to (outlives the dest's entries)
 * @stats: per-CPU counters
 * @refcnt: one for the configuration, one per connection entry
 * @addr: address, same family as the VIP
 * @port: port, network order
 * @weight: scheduling weight, 0..LBNL_DEST_WEIGHT_MAX
 * @state: enum lbnl_dest_state
 * @dead: deleted from the configuration; its entries are on their way out
 * @tag_id: the server id its SCTP tags name (tag.c), 0: none
 * @emptying: how it empties while in maint or drain (maint.c)
 */
struct lbnl_dest {
	struct list_head list;
	struct hlist_node hnode;
	struct hlist_node anode;
	struct rcu_head rcu;
	struct lbnl_vip *vip;
	struct lbnl_obj_stats __percpu *stats;
	refcount_t refcnt;
	union nf_inet_addr addr;
	__be16 port;
	u16 weight;
	u8 state;
	bool dead;
	u16 tag_id;
	struct lbnl_dest_emptying emptying;
};

/**
 * struct lbnl_vip - a virtual service (address, port, protocol)
 * @hnode: entry in &lbnl_net.vip_hash (RCU, written under &lbnl_net.lock)
 * @list: entry in &lbnl_net.vips, in creation order (under &lbnl_net.lock)
 * @dests: the VIP's dests, in creation order
 * @free_work: frees the VIP and its connection entries after a grace period
 * @ln: the namespace's state, for @free_work
 * @sched_data: what the scheduler built (see sched.c); %NULL when no dest
 *	takes new flows
 * @conns: connection entries by (peer port, peer address)
 * @tags: SCTP: entries by (verification tag, peer port)
 * @stats: per-CPU counters
 * @conn_count: number of connection entries
 * @unconfirmed: of which not confirmed (LBNL_CONN_F_UNCONFIRMED)
 * @gc_bucket: where the GC's next slice of @conns starts
 * @addr: address
 * @port: port, network order
 * @family: AF_INET or AF_INET6, for the VIP and all its dests
 * @proto: IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP
 * @mode: enum lbnl_fwd_mode
 * @sched: enum lbnl_sched
 * @bypass: enum lbnl_bypass_policy
 * @router: enum lbnl_router_state (see bypass.c)
 * @migrate_after: migration age threshold, seconds
 * @flags: LBNL_VIP_F_*
 * @dest_count: number of entries in @dests
 * @active_dests: number of dests taking new flows
 * @bypass_dest: the single dest (SINGLE) or the former one (MULTI); holds a
 *	reference
 * @tag_map: its dests by the server id their SCTP tags name (tag.c)
 * @changed_ms: time of the last bypass transition, ms of CLOCK_REALTIME
 */
struct lbnl_vip {
	struct hlist_node hnode;
	struct list_head list;
	struct list_head dests;
	struct rcu_work free_work;
	struct lbnl_net *ln;
	struct lbnl_sched_data __rcu *sched_data;
	struct rhashtable conns;
	struct rhashtable tags;
	struct lbnl_obj_stats __percpu *stats;
	atomic_t conn_count;
	atomic_t unconfirmed;
	unsigned int gc_bucket;
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 proto;
	u8 mode;
	u8 sched;
	u8 bypass;
	u8 router;
	u32 migrate_after;
	u32 flags;
	u32 dest_count;
	u32 active_dests;
	struct lbnl_dest __rcu *bypass_dest;
	struct lbnl_tag_map __rcu *tag_map;
	u64 changed_ms;
};

/* Connection entry flags, beyond the uapi's LBNL_CONN_F_*. */
#define LBNL_CONN_F_UAPI	(LBNL_CONN_F_PICKED_UP | LBNL_CONN_F_DEST_GONE | \
				 LBNL_CONN_F_UNCONFIRMED | LBNL_CONN_F_MIGRATED)
#define LBNL_CONN_F_V6		BIT(4)	/* in the IPv6 cache */
#define LBNL_CONN_F_SCTP	BIT(5)	/* a struct lbnl_sctp_conn */
#define LBNL_CONN_F_DEAD	BIT(6)	/* unlinked, being freed */
#define LBNL_CONN_F_BOUND	BIT(7)	/* SCTP: in &lbnl_vip.tags */

/**
 * struct lbnl_conn - a connection-table entry (see conn.c)
 * @node: entry in &lbnl_vip.conns
 * @dest: where the flow goes; holds a reference
 * @rcu: deferred free
 * @bytes: bytes peer -> dest
 * @packets: packets peer -> dest
 * @created: creation time, seconds of boot time
 * @last_seen: jiffies of the last packet (low 32 bits)
 * @state: enum lbnl_conn_state
 * @flags: LBNL_CONN_F_*
 * @pport: peer port, network order (key, with @peer)
 * @peer: peer address; only the first 4 bytes exist in IPv4 entries
 *
 * Kept small (64 bytes for IPv4 on x86-64): an LB holds millions.
 */
struct lbnl_conn {
	struct rhash_head node;
	struct lbnl_dest *dest;
	struct rcu_head rcu;
	u64 bytes;
	u32 packets;
	u32 created;
	u32 last_seen;
	u8 state;
	u8 flags;
	__be16 pport;
	union nf_inet_addr peer;
};

/* Bytes of an entry that exist, by address family. */
#define LBNL_CONN4_SIZE	(offsetof(struct lbnl_conn, peer) + sizeof(__be32))
#define LBNL_CONN6_SIZE	sizeof(struct lbnl_conn)

/**
 * enum lbnl_migrate_end - how a migration ended (lbnl_migrate_end_text())
 * @LBNL_MIGRATE_COMMITTED: the target has the association
 * @LBNL_MIGRATE_REQUESTED: aborted on request (lbnld: an agent failed)
 * @LBNL_MIGRATE_DEADLINE: aborted: its deadline passed
 * @LBNL_MIGRATE_BUFFER_FULL: aborted: its buffer overflowed
 * @LBNL_MIGRATE_DEST_GONE: aborted: its source or target was deleted
 * @LBNL_MIGRATE_VIP_GONE: aborted: its VIP was deleted
 */
enum lbnl_migrate_end {
	LBNL_MIGRATE_COMMITTED,
	LBNL_MIGRATE_REQUESTED,
	LBNL_MIGRATE_DEADLINE,
	LBNL_MIGRATE_BUFFER_FULL,
	LBNL_MIGRATE_DEST_GONE,
	LBNL_MIGRATE_VIP_GONE,
};

/**
 * struct lbnl_sctp_conn - an SCTP association's entry
 * @tag_node: entry in &lbnl_vip.tags once the dest's tag is known
 * @my_vtag: tag the peer puts on its packets (the dest chose it)
 * @tag_pport: the peer's port again: (@my_vtag, @tag_pport) is the tag key
 * @peer_vtag: tag the dest puts on its packets (the peer chose it); 0 until
 *	known (an entry picked up mid-association learns it from a reply)
 * @restart_my_vtag: an established association's INIT-ACK: the dest's new
 *	tag, bound once its COOKIE-ACK confirms the restart (0: none)
 * @restart_peer_vtag: the peer's new tag of that INIT-ACK
 * @mig_failed: migrations of it that failed (maint.c), saturating
 * @mig_end: how the last one failed, enum lbnl_migrate_end
 * @mig_retry_at: boot-time second before which maint does not retry it
 * @mig: the open migration of the association, if any (see migrate.c)
 * @conn: the common part, last: its size varies
 *
 * The mig_* fields fill what were holes: they cost no memory. Written under
 * &lbnl_net.lock.
 */
struct lbnl_sctp_conn {
	struct rhash_head tag_node;
	u32 my_vtag;
	__be16 tag_pport;
	u8 mig_failed;
	u8 mig_end;
	u32 peer_vtag;
	u32 restart_my_vtag;
	u32 restart_peer_vtag;
	u32 mig_retry_at;
	struct lbnl_migration __rcu *mig;
	struct lbnl_conn conn;
};

/**
 * struct lbnl_migration - an open migration
 * @list: entry in &lbnl_net.migrations
 * @rcu: deferred free
 * @lock: protects @queue, @bytes, @closed, @overflow, @buffered_max
 * @queue: copies of the peer's DATA packets, in arrival order
 * @bytes: their truesize
 * @share: the bytes @queue may hold, reserved in
 *	&lbnl_net.migrate_reserved
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
	unsigned int bytes;
	unsigned int share;
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

/* A parsed packet of a VIP, or of a reply to one. */
struct lbnl_pkt {
	const struct lbnl_proto *pp;	/* its protocol's ops */
	union nf_inet_addr saddr;
	union nf_inet_addr daddr;
	__be16 sport;
	__be16 dport;
	u8 family;
	u8 proto;
	u8 tcp_flags;
	bool fragment;
	unsigned int l4off;
	unsigned int inner_off;		/* ICMP error: the quoted IP header */
	unsigned int inner_l4off;	/* and its L4 header */
	u32 vtag;
	u32 init_tag;
	u32 chunks;	/* BIT(chunk type) for the types below 32 */
};

#define LBNL_GC_FULL	0	/* &lbnl_net.gc_flags: next tick walks all */

/**
 * struct lbnl_settings - a namespace's settings, the sysctls net.lbnl.*
 *	(see sysctl.c); a new namespace starts from the module parameters
 * @conn_max: most connection entries in the namespace
 * @expire_nodest_conn: a deleted dest's entries are removed (1) or their
 *	packets dropped until they time out (0)
 * @gc_interval_ms: interval between GC slices
 * @timeout_tcp: idle timeout of established TCP entries, s
 * @timeout_tcp_syn: of TCP handshakes, s
 * @timeout_tcp_fin: of closing TCP flows, s
 * @timeout_tcp_close: of reset TCP flows, s
 * @timeout_udp: of UDP entries, s
 * @timeout_sctp: of established SCTP associations, s
 * @timeout_sctp_init: of SCTP set-ups and shutdowns, s
 * @timeout_sctp_closed: of closed or aborted SCTP associations, s
 * @max_vips: most VIPs in the namespace
 * @max_dests: most dests of one VIP
 * @migrate_buffer_bytes: bytes (skb truesize) all the namespace's
 *	migrations may hold
 * @migrate_buffer_share: bytes one migration may hold: reserved from
 *	@migrate_buffer_bytes when it opens
 * @migrate_timeout_ms: a migration's deadline unless its request sets one
 * @timeout_unconfirmed: idle timeout of unconfirmed entries, s
 * @unconfirmed_max: most unconfirmed entries of one VIP
 * @reply_check: a nat dest's packets are believed only if they come the
 *	way the LB reaches the dest (1) or always (0); see reply_check.c
 *
 * Written by the sysctl handlers at any time: readers use READ_ONCE().
 */
struct lbnl_settings {
	unsigned int conn_max;
	unsigned int expire_nodest_conn;
	unsigned int gc_interval_ms;
	unsigned int timeout_tcp;
	unsigned int timeout_tcp_syn;
	unsigned int timeout_tcp_fin;
	unsigned int timeout_tcp_close;
	unsigned int timeout_udp;
	unsigned int timeout_sctp;
	unsigned int timeout_sctp_init;
	unsigned int timeout_sctp_closed;
	unsigned int max_vips;
	unsigned int max_dests;
	unsigned int migrate_buffer_bytes;
	unsigned int migrate_buffer_share;
	unsigned int migrate_timeout_ms;
	unsigned int timeout_unconfirmed;
	unsigned int unconfirmed_max;
	unsigned int reply_check;
	unsigned int migrate_retries;
	unsigned int migrate_max_open;
};

/**
 * struct lbnl_net - per network namespace state
 * @lock: serialises every configuration change in the namespace
 * @vips: all VIPs, in creation order (dumps walk this)
 * @vip_hash: VIPs by key, for lookups
 * @hash_seed: random seed of @vip_hash
 * @vip_count: number of VIPs
 * @gen: bumped on every change; dumps use it to detect concurrent changes.
 *	Never 0, so that the netlink core's consistency check is armed.
 * @net: the namespace
 * @settings: the namespace's settings (sysctls net.lbnl.*)
 * @sysctl_hdr: their registration in the namespace
 * @dest_hash: every dest by (address, port, protocol)
 * @dest_addr_hash: every dest by address
 * @stats: per-CPU counters of the LB role
 * @conn_count: connection entries in the namespace (capped by conn_max)
 * @conn_locks: striped locks for unlinking and re-keying entries
 * @gc: expires idle entries
 * @gc_flags: LBNL_GC_* requests to @gc
 * @migrations: open migrations (LB role), oldest first
 * @migrate_reserved: bytes the open migrations have reserved, under @lock
 * @migrate_id: number of the last migration opened
 * @hooks_registered: the LB role's netfilter hooks are in place
 * @tag_key: the key of routable SCTP tags (tag.c), or %NULL
 * @evict_hint: the key of the VIP whose new flows last had to evict (see
 *	conn.c): where a full namespace finds unconfirmed entries to evict
 *	when the new flow's own VIP has none. Written and read without a
 *	lock: a torn key finds no VIP, which only costs the hint
 */
struct lbnl_net {
	struct mutex lock;	/* serialises configuration changes */
	struct list_head vips;
	struct hlist_head vip_hash[1 << LBNL_VIP_HASH_BITS];
	struct hlist_head dest_hash[1 << LBNL_DEST_HASH_BITS];
	struct hlist_head dest_addr_hash[1 << LBNL_DEST_HASH_BITS];
	u32 hash_seed;
	u32 vip_count;
	u32 gen;
	struct net *net;
	struct lbnl_settings settings;
	struct ctl_table_header *sysctl_hdr;
	struct lbnl_net_stats __percpu *stats;
	atomic_t conn_count;
	spinlock_t conn_locks[LBNL_CONN_LOCKS];	/* unlink, tag binding */
	struct delayed_work gc;
	unsigned long gc_flags;
	struct list_head migrations;
	unsigned long migrate_reserved;
	u32 migrate_id;
	bool hooks_registered;
	struct lbnl_tag_secret __rcu *tag_key;
	struct {
		union nf_inet_addr addr;
		__be16 port;
		u8 family;
		u8 proto;
	} evict_hint;
};

/* Identifies a VIP: what a netlink request names. */
struct lbnl_vip_key {
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 proto;
};

/* Identifies a dest within its VIP. */
struct lbnl_dest_key {
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
};

/* Configurable attributes of a VIP, as requested. */
struct lbnl_vip_conf {
	u8 mode;
	u8 sched;
	u8 bypass;
	u32 migrate_after;
};

/* Configurable attributes of a dest, as requested. */
struct lbnl_dest_conf {
	u16 weight;
	u8 state;
	u16 tag_id;
};

/* main.c */
extern unsigned int lbnl_net_id;
extern atomic_t lbnl_vips_live;
extern atomic_t lbnl_dests_live;
extern atomic_t lbnl_conns_live;
extern struct workqueue_struct *lbnl_wq;

static inline struct lbnl_net *lbnl_pernet(const struct net *net)
{
	return net_generic(net, lbnl_net_id);
}

/* vip.c */
void lbnl_net_init_vips(struct lbnl_net *ln);
void lbnl_net_bump_gen(struct lbnl_net *ln);
struct lbnl_vip *lbnl_vip_find(struct lbnl_net *ln,
			       const struct lbnl_vip_key *key);
struct lbnl_vip *lbnl_vip_create(struct lbnl_net *ln,
				 const struct lbnl_vip_key *key,
				 const struct lbnl_vip_conf *conf,
				 struct list_head *dests);
int lbnl_vip_conf_check(const struct lbnl_vip_conf *conf, struct nlattr **tb,
			struct netlink_ext_ack *extack);
int lbnl_vip_update(struct lbnl_net *ln, struct lbnl_vip *vip,
		    const struct lbnl_vip_conf *conf, struct list_head *dests);
void lbnl_vip_destroy(struct lbnl_net *ln, struct lbnl_vip *vip);
void lbnl_vip_flush(struct lbnl_net *ln);
struct lbnl_dest *lbnl_dest_find(struct lbnl_net *ln, struct lbnl_vip *vip,
				 const struct lbnl_dest_key *key);
struct lbnl_dest *lbnl_dest_alloc(const struct lbnl_dest_key *key,
				  const struct lbnl_dest_conf *conf);
void lbnl_dests_free(struct list_head *dests);
void lbnl_dest_apply(struct lbnl_net *ln, struct lbnl_dest *dest,
		     const struct lbnl_dest_conf *conf);
void lbnl_dest_destroy(struct lbnl_net *ln, struct lbnl_vip *vip,
		       struct lbnl_dest *dest);
void lbnl_dest_put(struct lbnl_dest *dest);
struct lbnl_vip *lbnl_vip_lookup(struct lbnl_net *ln,
				 const union nf_inet_addr *addr, u8 family,
				 u8 proto, __be16 port);
bool lbnl_vip_addr_known(struct lbnl_net *ln, const union nf_inet_addr *addr,
			 u8 family, u8 proto);
bool lbnl_dest_addr_nat(struct lbnl_net *ln, const union nf_inet_addr *addr,
			u8 family);
struct lbnl_dest *lbnl_dest_for_reply(struct lbnl_net *ln,
				      const union nf_inet_addr *addr,
				      u8 family, u8 proto, __be16 port,
				      const union nf_inet_addr *peer,
				      __be16 pport, struct lbnl_conn **conn);

/* tag.c */
struct lbnl_tag_secret;
struct lbnl_tag_map;
void lbnl_tag_map_rebuild(struct lbnl_net *ln, struct lbnl_vip *vip);
void lbnl_tag_map_free(struct lbnl_vip *vip);
int lbnl_tag_id_check(struct lbnl_vip *vip, const struct lbnl_dest *dest,
		      u16 id, struct netlink_ext_ack *extack);
struct lbnl_dest *lbnl_tag_route(struct lbnl_net *ln, struct lbnl_vip *vip,
				 const struct lbnl_pkt *pkt);
int lbnl_tag_key_set(struct lbnl_net *ln, const u8 *bytes);
void lbnl_tag_key_del(struct lbnl_net *ln);
bool lbnl_tag_key_info(struct lbnl_net *ln, u32 *fingerprint, u64 *routed);
void lbnl_tag_net_exit(struct lbnl_net *ln);

/* sched.c */
/* Does a dest get new flows (and count as active for the bypass)? */
static inline bool lbnl_dest_takes_new(const struct lbnl_dest *dest)
{
	return !dest->dead && dest->state == LBNL_DEST_ACTIVE && dest->weight;
}

struct lbnl_sched_data *lbnl_sched_build(struct lbnl_net *ln,
					 struct lbnl_vip *vip, u8 sched,
					 struct list_head *extra);
void lbnl_sched_install(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_sched_data *data);
void lbnl_sched_data_free(struct lbnl_sched_data *data);
int lbnl_sched_rebuild(struct lbnl_net *ln, struct lbnl_vip *vip);
void lbnl_sched_free(struct lbnl_vip *vip);
struct lbnl_dest *lbnl_sched_pick(struct lbnl_vip *vip,
				  const struct lbnl_pkt *pkt, bool init);
struct lbnl_dest *lbnl_sched_pick_other(struct lbnl_vip *vip, u32 hash,
					const struct lbnl_dest *not);
u32 lbnl_sched_hash(const struct lbnl_vip *vip, const struct lbnl_pkt *pkt,
		    bool init);

/* conn.c */
int lbnl_conn_init(void);
void lbnl_conn_exit(void);
void lbnl_conn_net_init(struct lbnl_net *ln);
void lbnl_conn_net_exit(struct lbnl_net *ln);
int lbnl_conn_vip_init(struct lbnl_vip *vip);
void lbnl_conn_vip_destroy(struct lbnl_net *ln, struct lbnl_vip *vip);
struct lbnl_conn *lbnl_conn_lookup(struct lbnl_vip *vip,
				   const union nf_inet_addr *peer,
				   __be16 pport);
struct lbnl_conn *lbnl_conn_lookup_tag(struct lbnl_vip *vip, u32 vtag,
				       __be16 pport);
struct lbnl_conn *lbnl_conn_create(struct lbnl_net *ln, struct lbnl_vip *vip,
				   const struct lbnl_pkt *pkt,
				   struct lbnl_dest *dest, u8 state, u8 flags,
				   int *drop, bool *fresh);
bool lbnl_conn_unlink(struct lbnl_net *ln, struct lbnl_vip *vip,
		      struct lbnl_conn *c);
void lbnl_conn_bind_tag(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_conn *c, u32 vtag);
unsigned long lbnl_conn_timeout(const struct lbnl_conn *c);
u32 lbnl_conn_idle(const struct lbnl_conn *c, u32 now);
bool lbnl_conn_expired(const struct lbnl_conn *c, u32 now);
void lbnl_conn_confirm(struct lbnl_net *ln, struct lbnl_conn *c);
void lbnl_conn_set_migrated(struct lbnl_net *ln, struct lbnl_conn *c);
void lbnl_conn_flush_vip(struct lbnl_net *ln, struct lbnl_vip *vip);
void lbnl_conn_flush_dest(struct lbnl_net *ln, struct lbnl_vip *vip,
			  const struct lbnl_dest *dest);
void lbnl_conn_kick_gc(struct lbnl_net *ln);
struct lbnl_conn *lbnl_conn_walk_next(struct rhashtable_iter *iter);

static inline struct lbnl_sctp_conn *lbnl_sctp_conn(struct lbnl_conn *c)
{
	return container_of(c, struct lbnl_sctp_conn, conn);
}

/* hooks.c */
int lbnl_hooks_get(struct lbnl_net *ln);
void lbnl_hooks_put(struct lbnl_net *ln);

/* reply_check.c */
bool lbnl_reply_path_ok(struct lbnl_net *ln, const struct sk_buff *skb,
			const struct lbnl_pkt *pkt);

/* icmp.c */
unsigned int lbnl_icmp(struct lbnl_net *ln, struct net *net,
		       struct sk_buff *skb, struct lbnl_pkt *pkt);
int lbnl_icmp_nat(struct sk_buff *skb, const struct lbnl_pkt *pkt,
		  bool to_dest, const union nf_inet_addr *addr, __be16 port);
unsigned int lbnl_reply_too_big(struct sk_buff *skb,
				const struct lbnl_pkt *pkt);
void lbnl_reply_too_big_send(struct sk_buff *skb, const struct lbnl_pkt *pkt,
			     unsigned int mtu);

/* defrag.c */
int lbnl_defrag(struct net *net, struct sk_buff *skb, u8 family);

/* stats.c */
int lbnl_stats_net_init(struct lbnl_net *ln);
void lbnl_stats_net_exit(struct lbnl_net *ln);
void lbnl_stats_drop(struct lbnl_net *ln, unsigned int reason);
void lbnl_stats_evicted(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_dest *dest);
void lbnl_stats_in(struct lbnl_net *ln, struct lbnl_vip *vip,
		   struct lbnl_dest *dest, unsigned int len);
void lbnl_stats_out(struct lbnl_net *ln, struct lbnl_vip *vip,
		    struct lbnl_dest *dest, unsigned int len);
void lbnl_stats_conn(struct lbnl_net *ln, struct lbnl_vip *vip,
		     struct lbnl_dest *dest, bool picked_up);

/* events.c: what the objects announce (the only netlink they call) */
void lbnl_notify(struct net *net, u8 cmd, const struct lbnl_vip *vip,
		 const struct lbnl_dest *dest);
void lbnl_notify_migration(struct lbnl_net *ln, u8 cmd,
			   const struct lbnl_migration *m, const char *reason);

/* family.c */
int lbnl_genl_init(void);
void lbnl_genl_exit(void);

/* migrate.c */
void lbnl_migrate_net_init(struct lbnl_net *ln);
unsigned int lbnl_migrate_timeout(struct lbnl_net *ln);
struct lbnl_migration *lbnl_migrate_find(struct lbnl_net *ln,
					 const struct lbnl_vip *vip,
					 const union nf_inet_addr *peer,
					 __be16 pport);
struct lbnl_migration *lbnl_migrate_open(struct lbnl_net *ln,
					 struct lbnl_vip *vip,
					 struct lbnl_conn *c,
					 struct lbnl_dest *target,
					 unsigned int timeout_ms);
void lbnl_migrate_close(struct lbnl_net *ln, struct lbnl_migration *m,
			enum lbnl_migrate_end end);
const char *lbnl_migrate_end_text(enum lbnl_migrate_end end);
const char *lbnl_migrate_refusal(struct lbnl_conn *c);
struct lbnl_dest *lbnl_migrate_pick(struct lbnl_vip *vip, struct lbnl_conn *c,
				    const struct lbnl_dest *from);
int lbnl_migrate_copy(struct lbnl_net *ln, struct lbnl_conn *c,
		      struct sk_buff *skb, const struct lbnl_pkt *pkt);
void lbnl_migrate_gc(struct lbnl_net *ln);
void lbnl_migrate_dest_gone(struct lbnl_net *ln, struct lbnl_dest *dest);
void lbnl_migrate_vip_gone(struct lbnl_net *ln, struct lbnl_vip *vip);

/* maint.c */
u32 lbnl_maint_begin(struct lbnl_net *ln, struct lbnl_vip *vip,
		     struct lbnl_dest *dest);
void lbnl_maint_begun(struct lbnl_net *ln, u32 last);
void lbnl_maint_scan(struct lbnl_net *ln);
void lbnl_maint_closed(struct lbnl_net *ln, struct lbnl_migration *m,
		       struct lbnl_conn *c, enum lbnl_migrate_end end);

/* sysctl.c */
int lbnl_sysctl_net_init(struct lbnl_net *ln);
void lbnl_sysctl_net_exit(struct lbnl_net *ln);

/* bypass.c */
void lbnl_bypass_update(struct lbnl_net *ln, struct lbnl_vip *vip);
int lbnl_bypass_confirm(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_dest *dest);
void lbnl_bypass_release(struct lbnl_net *ln, struct lbnl_vip *vip);
struct lbnl_dest *lbnl_bypass_dest(struct lbnl_vip *vip, bool pickup,
				   bool *stateless);

#endif /* _LBNL_LB_H */
