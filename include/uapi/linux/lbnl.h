/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lbnl - in-kernel L4 load balancer: generic netlink interface.
 *
 * Family "lbnl" (LBNL_GENL_NAME), version LBNL_GENL_VERSION, available in
 * every network namespace; each namespace has its own independent
 * configuration. Every command needs CAP_NET_ADMIN (GENL_ADMIN_PERM),
 * reads too, as IPVS's: the connections and counters name every client.
 * Attributes are validated strictly: unknown attributes,
 * wrong lengths and trailing garbage are refused, and every refusal carries
 * an extended ack message naming the problem (and, where it applies, the
 * offending attribute).
 *
 * Objects
 * -------
 * A VIP is identified by (address, port, protocol): LBNL_A_VIP_ADDR (4 bytes
 * for IPv4, 16 for IPv6, network byte order), LBNL_A_VIP_PORT (host byte
 * order, 1..65535) and LBNL_A_VIP_PROTO (IPPROTO_TCP, IPPROTO_UDP or
 * IPPROTO_SCTP). Those three attributes form the "VIP key"; every command
 * that names a VIP carries them inside an LBNL_A_VIP nest.
 *
 * A dest (backend) belongs to one VIP and is identified within it by
 * (LBNL_A_DEST_ADDR, LBNL_A_DEST_PORT). An absent or zero dest port means
 * "the VIP's port". A dest's address family must be the VIP's.
 *
 * Commands
 * --------
 * LBNL_CMD_VIP_NEW   [LBNL_A_VIP: key + optional MODE, SCHED, BYPASS,
 *                    MIGRATE_AFTER, DESTS]. Fails with EEXIST if the VIP
 *                    exists. Defaults: mode nat, sched maglev, bypass off,
 *                    migrate-after 0, no dests.
 * LBNL_CMD_VIP_SET   [LBNL_A_VIP: key + any of MODE, SCHED, BYPASS,
 *                    MIGRATE_AFTER, DESTS]. Attributes not given are
 *                    unchanged; DESTS are added to the VIP's.
 * LBNL_CMD_VIP_DEL   [LBNL_A_VIP: key]. Deletes the VIP and all its dests.
 * LBNL_CMD_VIP_GET   doit: [LBNL_A_VIP: key] -> one VIP.
 *                    dumpit: no attributes -> every VIP of the namespace.
 * LBNL_CMD_DEST_NEW  [LBNL_A_VIP: key] [LBNL_A_DEST: ADDR, optional PORT,
 *                    WEIGHT (default 1), STATE (default active)].
 * LBNL_CMD_DEST_SET  [LBNL_A_VIP: key] [LBNL_A_DEST: ADDR, PORT, and any of
 *                    WEIGHT, STATE].
 * LBNL_CMD_DEST_DEL  [LBNL_A_VIP: key] [LBNL_A_DEST: ADDR, PORT].
 * LBNL_CMD_DEST_GET  doit: [LBNL_A_VIP: key] [LBNL_A_DEST: ADDR, PORT].
 *                    dumpit: optional [LBNL_A_VIP: key] to restrict the dump
 *                    to one VIP; otherwise every dest of every VIP.
 * LBNL_CMD_FLUSH     no attributes: delete every VIP (and dest) of the
 *                    namespace. Used by "lbnl restore" and by tests.
 *
 * A VIP and its dests in one change: LBNL_A_VIP_DESTS, a nest of
 * LBNL_A_DEST nests (each as in DEST_NEW: ADDR, optional PORT, WEIGHT,
 * STATE and the other dest attributes, same defaults), at most
 * LBNL_VIP_DESTS_MAX of them, in VIP_NEW and VIP_SET only (elsewhere it is
 * refused). The request is applied whole or not at all: every dest is
 * checked first (as DEST_NEW checks one, and against the others of the
 * nest: no two of one address and port or of one TAG_ID, and the VIP's
 * dests with them within max_dests);
 * a refusal names the offending dest's attribute (NLMSGERR_ATTR_OFFS
 * inside the nest) and changes nothing. VIP_NEW publishes the VIP only
 * once its dests and its scheduler's data (built once, from all of them)
 * are in place; VIP_SET adds them all with one rebuild of the scheduler.
 * No packet is ever scheduled on a part of the nest's dests: this is how
 * "lbnl restore" applies a VIP and the dests that follow it, so that
 * packets arriving meanwhile (new flows, flows picked up mid-way after a
 * restart) find the whole set. More dests than LBNL_VIP_DESTS_MAX take
 * several requests (VIP_NEW, then VIP_SETs).
 *
 * Routable SCTP tags
 * ------------------
 * A server running lbnl_srv.ko with a tag key and a server id (see
 * <linux/lbnl_srv.h>) chooses the verification tags of its SCTP
 * associations so that they name it: tag = P_key(server id << 20 | 20
 * random bits), P_key a keyed permutation of the 32-bit values. An LB of
 * the same key decodes the id from any packet of the association, and a
 * packet that finds no entry (after a restart, on another LB, from a
 * multi-homed peer's other address) goes to the VIP's dest of that
 * LBNL_A_DEST_TAG_ID, whatever its state, instead of the scheduler's
 * choice. Without a key, or for ids no dest of the VIP has, the scheduler
 * decides as before (the stateful path).
 * LBNL_CMD_TAG_SET   [LBNL_A_TAG: KEY]. Sets the namespace's key
 *                    (LBNL_TAG_KEY_LEN bytes). It is never read back.
 * LBNL_CMD_TAG_DEL   no attributes: forget the key.
 * LBNL_CMD_TAG_GET   doit -> [LBNL_A_TAG: FINGERPRINT, ROUTED] (ENOENT
 *                    without a key): a fingerprint of the key, the same on
 *                    every host of that key, to compare LBs and servers,
 *                    and the packets routed by their tag so far.
 *
 * Single-address tenants (bypass)
 * ------------------------------
 * A VIP with bypass auto (mode tun only) whose number of active dests (state
 * active, weight > 0) becomes exactly one gets flag SINGLE, router state
 * PENDING and BYPASS_DEST (that dest), and the module announces
 * LBNL_CMD_VIP_BYPASS [LBNL_A_VIP: every attribute]. The LB keeps creating
 * flow state until userspace (lbnld) has pointed the router at the dest and
 * says so:
 * LBNL_CMD_BYPASS_ACTIVE [LBNL_A_VIP: key] [LBNL_A_DEST: ADDR, PORT]. Router
 *                    state ACTIVE: the VIP's packets that still reach the LB
 *                    are forwarded to the dest without creating entries.
 *                    Fails with ESTALE if the VIP is not SINGLE with that
 *                    dest (it changed since the event); announced with the
 *                    same command.
 * When the count leaves one (2+ dests, or none, or bypass off), the flag
 * becomes MULTI (0 when no dest is active), router state WITHDRAWN, and the
 * module announces LBNL_CMD_VIP_UNBYPASS [LBNL_A_VIP]: flow state resumes at
 * once, and BYPASS_DEST still names the former single dest: packets in the
 * middle of a flow without an entry (flows opened during the bypass: TCP
 * without SYN, SCTP without INIT) are pinned to it while it exists, new
 * flows are spread. CHANGED_MS is the time of the last transition.
 *
 * Replies to VIP_GET carry one LBNL_A_VIP nest with every VIP attribute,
 * including the read-only ones (FLAGS, DEST_COUNT). Replies to DEST_GET carry
 * an LBNL_A_VIP nest with the VIP key and an LBNL_A_DEST nest with every dest
 * attribute. Read-only attributes are refused in requests.
 *
 * Dumps are consistent: if the configuration changes while a dump is in
 * progress, the remaining messages carry NLM_F_DUMP_INTR and the caller
 * should restart the dump.
 *
 * Server role
 * -----------
 * The server role (moving SCTP associations between hosts) is another
 * module, lbnl_srv, with its own family "lbnl_srv": see
 * <linux/lbnl_srv.h>. Its commands once had numbers 10-14 here; those
 * numbers stay unused.
 *
 * Events
 * ------
 * Multicast group "events" (LBNL_MCGRP_EVENTS): joining it needs
 * CAP_NET_ADMIN in the user namespace that owns the network namespace
 * (GENL_MCAST_CAP_NET_ADMIN). Events carry configuration and addresses,
 * never verification tags (with a vtag, anyone on the path could inject
 * into or abort an association). Every successful change is
 * announced with the command that made it (VIP_NEW, VIP_SET, VIP_DEL,
 * DEST_NEW, DEST_SET, DEST_DEL) and the object's state after the change, in
 * the same layout as the GET replies (for a DEL, the state just before it).
 * A VIP_NEW or VIP_SET with LBNL_A_VIP_DESTS is announced as that VIP_NEW
 * or VIP_SET (the VIP with all its dests counted) followed by one DEST_NEW
 * per dest of the nest, in its order, as if they had been added one by
 * one, then any VIP_BYPASS / VIP_UNBYPASS.
 * A FLUSH is announced as one LBNL_CMD_FLUSH event. Deleting a VIP announces
 * only the VIP_DEL, not each of its dests.
 */
#ifndef _UAPI_LINUX_LBNL_H
#define _UAPI_LINUX_LBNL_H

#define LBNL_GENL_NAME		"lbnl"
#define LBNL_GENL_VERSION	1
#define LBNL_MCGRP_EVENTS	"events"

enum lbnl_cmd {
	LBNL_CMD_UNSPEC,
	LBNL_CMD_VIP_NEW,
	LBNL_CMD_VIP_SET,
	LBNL_CMD_VIP_DEL,
	LBNL_CMD_VIP_GET,
	LBNL_CMD_DEST_NEW,
	LBNL_CMD_DEST_SET,
	LBNL_CMD_DEST_DEL,
	LBNL_CMD_DEST_GET,
	LBNL_CMD_FLUSH,
	/* 10-14: moved to the lbnl_srv family (<linux/lbnl_srv.h>) */
	__LBNL_CMD_UNUSED_10,
	__LBNL_CMD_UNUSED_11,
	__LBNL_CMD_UNUSED_12,
	__LBNL_CMD_UNUSED_13,
	__LBNL_CMD_UNUSED_14,
	LBNL_CMD_CONN_GET,
	LBNL_CMD_CONN_DEL,
	LBNL_CMD_CONN_FLUSH,
	LBNL_CMD_STATS_GET,
	LBNL_CMD_VIP_BYPASS,
	LBNL_CMD_VIP_UNBYPASS,
	LBNL_CMD_BYPASS_ACTIVE,
	LBNL_CMD_MIGRATE_START,
	LBNL_CMD_MIGRATE_COMMIT,
	LBNL_CMD_MIGRATE_ABORT,
	LBNL_CMD_MIGRATE_GET,
	LBNL_CMD_TAG_SET,
	LBNL_CMD_TAG_DEL,
	LBNL_CMD_TAG_GET,
	LBNL_CMD_CONN_NEW,

	__LBNL_CMD_MAX
};

#define LBNL_CMD_MAX (__LBNL_CMD_MAX - 1)

/* Top-level attributes. */
enum lbnl_attr {
	LBNL_A_UNSPEC,
	LBNL_A_VIP,		/* nest, enum lbnl_vip_attr */
	LBNL_A_DEST,		/* nest, enum lbnl_dest_attr */
	__LBNL_A_UNUSED_3,	/* 3-4: moved to the lbnl_srv family */
	__LBNL_A_UNUSED_4,
	LBNL_A_CONN,		/* nest, enum lbnl_conn_attr */
	LBNL_A_STATS,		/* nest, enum lbnl_stats_attr */
	LBNL_A_MIGRATE,		/* nest, enum lbnl_migrate_attr */
	LBNL_A_TAG,		/* nest, enum lbnl_tag_attr */

	__LBNL_A_MAX
};

#define LBNL_A_MAX (__LBNL_A_MAX - 1)

/* Forwarding mode of a VIP (LBNL_A_VIP_MODE). */
enum lbnl_fwd_mode {
	LBNL_FWD_NAT,		/* DNAT to the dest, SNAT on the return path */
	LBNL_FWD_TUN,		/* IPIP / ip6ip6 to the dest, direct return */

	__LBNL_FWD_MAX
};

#define LBNL_FWD_MAX (__LBNL_FWD_MAX - 1)

/* Scheduler of a VIP (LBNL_A_VIP_SCHED). */
enum lbnl_sched {
	LBNL_SCHED_MAGLEV,	/* weighted Maglev consistent hashing */
	LBNL_SCHED_WRR,		/* weighted round robin (not deterministic) */

	__LBNL_SCHED_MAX
};

#define LBNL_SCHED_MAX (__LBNL_SCHED_MAX - 1)

/* Single-address-tenant bypass policy of a VIP (LBNL_A_VIP_BYPASS). */
enum lbnl_bypass_policy {
	LBNL_BYPASS_OFF,	/* never bypass the LB (default) */
	LBNL_BYPASS_AUTO,	/* bypass while the VIP has one active dest */

	__LBNL_BYPASS_MAX
};

#define LBNL_BYPASS_MAX (__LBNL_BYPASS_MAX - 1)

/* VIP flags (LBNL_A_VIP_FLAGS, read-only). */
#define LBNL_VIP_F_SINGLE	(1U << 0)	/* exactly one active dest */
#define LBNL_VIP_F_MULTI	(1U << 1)	/* scaled back to 2+ dests */

/*
 * Where the router sends a bypass-auto VIP's traffic, as far as the module
 * knows (LBNL_A_VIP_ROUTER, read-only).
 */
enum lbnl_router_state {
	LBNL_ROUTER_LB,		/* to the LB: never bypassed */
	LBNL_ROUTER_PENDING,	/* SINGLE: bypass asked for, not confirmed */
	LBNL_ROUTER_ACTIVE,	/* SINGLE: lbnld confirmed the route */
	LBNL_ROUTER_WITHDRAWN,	/* bypass ended: back to the LB */

	__LBNL_ROUTER_MAX
};

#define LBNL_ROUTER_MAX (__LBNL_ROUTER_MAX - 1)

enum lbnl_vip_attr {
	LBNL_A_VIP_UNSPEC,
	LBNL_A_VIP_ADDR,		/* binary, 4 or 16 bytes, network order */
	LBNL_A_VIP_PORT,		/* u16, host order, 1..65535 */
	LBNL_A_VIP_PROTO,		/* u8, IPPROTO_{TCP,UDP,SCTP} */
	LBNL_A_VIP_MODE,		/* u8, enum lbnl_fwd_mode */
	LBNL_A_VIP_SCHED,		/* u8, enum lbnl_sched */
	LBNL_A_VIP_BYPASS,		/* u8, enum lbnl_bypass_policy */
	LBNL_A_VIP_MIGRATE_AFTER,	/* u32, seconds */
	LBNL_A_VIP_FLAGS,		/* u32, LBNL_VIP_F_*, read-only */
	LBNL_A_VIP_DEST_COUNT,		/* u32, number of dests, read-only */
	LBNL_A_VIP_ACTIVE_DESTS,	/* u32, dests taking new flows, r/o */
	LBNL_A_VIP_ROUTER,		/* u8, enum lbnl_router_state, r/o */
	LBNL_A_VIP_BYPASS_DEST,		/* nest: LBNL_A_DEST_ADDR, PORT, r/o */
	LBNL_A_VIP_CHANGED_MS,		/* u64, last bypass transition, ms */
					/* since the epoch (CLOCK_REALTIME), r/o */
	LBNL_A_VIP_PAD,
	LBNL_A_VIP_DESTS,		/* nest of LBNL_A_DEST nests, VIP_NEW */
					/* and VIP_SET only, write-only */

	__LBNL_A_VIP_MAX
};

#define LBNL_A_VIP_MAX (__LBNL_A_VIP_MAX - 1)

/* Most dests in one LBNL_A_VIP_DESTS. */
#define LBNL_VIP_DESTS_MAX	1024

/* State of a dest (LBNL_A_DEST_STATE). */
enum lbnl_dest_state {
	LBNL_DEST_ACTIVE,	/* receives new flows */
	LBNL_DEST_MAINT,	/* maintenance: no new flows, flows migrate */
	LBNL_DEST_DRAIN,	/* no new flows, existing flows finish */
	LBNL_DEST_DOWN,		/* failed its health check (lbnld): no new */
				/* flows, existing flows kept, nothing */
				/* migrated (the server's state is gone) */

	__LBNL_DEST_MAX
};

#define LBNL_DEST_STATE_MAX (__LBNL_DEST_MAX - 1)

#define LBNL_DEST_WEIGHT_MAX	65535

/*
 * Routable SCTP tags (LBNL_A_TAG here, LBNL_SRV_A_TAG in <linux/lbnl_srv.h>):
 * a tag carries a server id of LBNL_TAG_ID_BITS bits (1..LBNL_TAG_ID_MAX),
 * the rest random, under a key of LBNL_TAG_KEY_LEN bytes.
 */
#define LBNL_TAG_KEY_LEN	16
#define LBNL_TAG_ID_BITS	12
#define LBNL_TAG_ID_MAX		((1 << LBNL_TAG_ID_BITS) - 1)

enum lbnl_tag_attr {
	LBNL_A_TAG_UNSPEC,
	LBNL_A_TAG_KEY,			/* binary, LBNL_TAG_KEY_LEN, write-only */
	LBNL_A_TAG_FINGERPRINT,		/* u32, read-only */
	LBNL_A_TAG_ROUTED,		/* u64, packets routed by tag, r/o */
	LBNL_A_TAG_PAD,

	__LBNL_A_TAG_MAX
};

#define LBNL_A_TAG_MAX (__LBNL_A_TAG_MAX - 1)

enum lbnl_dest_attr {
	LBNL_A_DEST_UNSPEC,
	LBNL_A_DEST_ADDR,		/* binary, 4 or 16 bytes, network order */
	LBNL_A_DEST_PORT,		/* u16, host order; 0/absent = VIP port */
	LBNL_A_DEST_WEIGHT,		/* u32, 0..LBNL_DEST_WEIGHT_MAX */
	LBNL_A_DEST_STATE,		/* u8, enum lbnl_dest_state */
	LBNL_A_DEST_TAG_ID,		/* u16, 0..LBNL_TAG_ID_MAX: the server */
					/* id its SCTP tags name; 0: none */
	/* A dest in maint or drain, as it empties (read-only, see below). */
	LBNL_A_DEST_MOVED,		/* u32, associations migrated away */
	LBNL_A_DEST_LEFT,		/* u32, its connection entries */
	LBNL_A_DEST_UNMIGRATABLE,	/* u32, of which given up on */
	LBNL_A_DEST_STATE_IF,		/* u8, enum lbnl_dest_state, DEST_SET */
					/* only, write-only: see below */

	__LBNL_A_DEST_MAX
};

#define LBNL_A_DEST_MAX (__LBNL_A_DEST_MAX - 1)

/*
 * A dest in maint or drain takes no new flow; it is empty when LEFT is 0.
 * The module scans such a dest's entries at every GC tick (sysctl
 * net.lbnl.gc_interval_ms) and when it enters that state: LEFT counts its
 * entries (every protocol) as of the last scan. In maint, each scan also
 * opens a migration for every established association of an SCTP VIP
 * with a migrate-after that is old enough, has none open, and whose last
 * failed migration's backoff (1, 2, 4 ... 32 s, plus up to as much again,
 * spread by tag) has passed; after net.lbnl.migrate_retries failed
 * retries the association is given up (LBNL_CONN_F_UNMIGRATABLE, counted
 * in UNMIGRATABLE; LBNL_A_CONN_MIGRATE_END says why its last attempt
 * failed). MOVED counts the migrations committed away since the dest last
 * entered maint or drain; entering it again starts everything afresh.
 * These three attributes are in dumps and events of dests in those states.
 * A dest that is down (LBNL_DEST_DOWN: lbnld's health check failed) takes
 * no new flow either but is not emptied: no scan, no migration, none of
 * these attributes; its flows stay until they end or time out.
 *
 * LBNL_A_DEST_STATE_IF makes a DEST_SET conditional: it applies only if
 * the dest is in that state when the request is handled, else it is
 * refused with ESTALE and changes nothing. lbnld's health checks set a
 * dest down only if it is (still) active, active only if it is down: a
 * state an operator set meanwhile stays.
 */

/* State of a connection-table entry (LBNL_A_CONN_STATE). */
enum lbnl_conn_state {
	LBNL_CONN_TCP_SYN,		/* SYN seen, handshake not complete */
	LBNL_CONN_TCP_ESTABLISHED,
	LBNL_CONN_TCP_FIN,		/* a FIN seen: closing */
	LBNL_CONN_TCP_CLOSE,		/* RST seen, or both FINs */
	LBNL_CONN_UDP,
	LBNL_CONN_SCTP_INIT,		/* INIT (and INIT-ACK) seen */
	LBNL_CONN_SCTP_COOKIE,		/* COOKIE-ECHO seen */
	LBNL_CONN_SCTP_ESTABLISHED,
	LBNL_CONN_SCTP_SHUTDOWN,	/* SHUTDOWN* seen */
	LBNL_CONN_SCTP_CLOSED,		/* SHUTDOWN-COMPLETE or ABORT seen */

	__LBNL_CONN_STATE_MAX
};

#define LBNL_CONN_STATE_MAX (__LBNL_CONN_STATE_MAX - 1)

/* Connection flags (LBNL_A_CONN_FLAGS, read-only). */
#define LBNL_CONN_F_PICKED_UP	(1U << 0)	/* created mid-flow, no state */
#define LBNL_CONN_F_DEST_GONE	(1U << 1)	/* its dest was deleted */
#define LBNL_CONN_F_UNCONFIRMED	(1U << 2)	/* flow not proven yet: short */
						/* timeout, evicted first */
#define LBNL_CONN_F_MIGRATED	(1U << 3)	/* SCTP: moved by a migration */
						/* (or installed as one): on */
						/* a dest its tag may not name */
#define LBNL_CONN_F_UNMIGRATABLE (1U << 4)	/* SCTP: its dest's maint gave */
						/* up migrating it (retries) */

/*
 * Connection-table entries (LBNL_A_CONN). The LB role keeps one entry per
 * flow: TCP and UDP by (VIP, peer address, peer port); SCTP by (VIP,
 * verification tag the dest chose, peer port), so that packets from any of
 * a multi-homed peer's addresses find the same entry (PEER_ADDR is then the
 * address the association was set up from).
 *
 * LBNL_CMD_CONN_GET   dumpit: optional [LBNL_A_VIP: key] restricting the
 *                     dump to one VIP. Each message carries an LBNL_A_VIP
 *                     nest (key) and an LBNL_A_CONN nest. Admin only:
 *                     entries of SCTP VIPs carry the verification tags.
 * LBNL_CMD_CONN_DEL   [LBNL_A_VIP: key] [LBNL_A_CONN: PEER_ADDR, PEER_PORT].
 *                     Forgets one entry (the flow's next packet is scheduled
 *                     as a mid-flow packet).
 * LBNL_CMD_CONN_FLUSH optional [LBNL_A_VIP: key] and with it optional
 *                     [LBNL_A_DEST: ADDR, PORT]: forget every entry of the
 *                     dest, of the VIP, or of every VIP. Their flows' next
 *                     packets are scheduled as mid-flow packets (SCTP: by
 *                     their tag, to the dest that chose it).
 * LBNL_CMD_CONN_NEW   [LBNL_A_VIP: key of an SCTP VIP] [LBNL_A_CONN:
 *                     PEER_ADDR, PEER_PORT, MY_VTAG, optional PEER_VTAG,
 *                     DEST_ADDR, optional DEST_PORT (default: the VIP's)].
 *                     Installs the entry of an association that migrated
 *                     to that dest (flags MIGRATED, confirmed, established):
 *                     what lbnld does with its records of committed
 *                     migrations after the LB restarted, or on another LB,
 *                     since such an association is on a dest its tag does
 *                     not name. EEXIST if the tag or the peer's address and
 *                     port have an entry.
 */
enum lbnl_conn_attr {
	LBNL_A_CONN_UNSPEC,
	LBNL_A_CONN_PAD,
	LBNL_A_CONN_PEER_ADDR,		/* binary 4/16 */
	LBNL_A_CONN_PEER_PORT,		/* u16, host order */
	LBNL_A_CONN_DEST_ADDR,		/* binary 4/16 (read-only) */
	LBNL_A_CONN_DEST_PORT,		/* u16, host order (read-only) */
	LBNL_A_CONN_STATE,		/* u8, enum lbnl_conn_state (read-only) */
	LBNL_A_CONN_FLAGS,		/* u32, LBNL_CONN_F_* (read-only) */
	LBNL_A_CONN_AGE_MS,		/* u64, since creation, 1 s steps (r/o) */
	LBNL_A_CONN_IDLE_MS,		/* u64, since the last packet (r/o) */
	LBNL_A_CONN_EXPIRES_MS,		/* u64, until it times out (r/o) */
	LBNL_A_CONN_PACKETS,		/* u64, peer -> dest (read-only) */
	LBNL_A_CONN_BYTES,		/* u64, peer -> dest (read-only) */
	LBNL_A_CONN_MY_VTAG,		/* u32, SCTP: tag the peer sends (r/o) */
	LBNL_A_CONN_PEER_VTAG,		/* u32, SCTP: tag the dest sends (r/o) */
	LBNL_A_CONN_MIGRATE_FAILED,	/* u32, SCTP: migrations of it that */
					/* failed, since it last moved (r/o) */
	LBNL_A_CONN_MIGRATE_END,	/* string, SCTP: how the last failed */
					/* ("deadline", "requested" ...; r/o) */

	__LBNL_A_CONN_MAX
};

#define LBNL_A_CONN_MAX (__LBNL_A_CONN_MAX - 1)

/*
 * Why the LB role dropped a packet (LBNL_A_STATS_DROPS: one u64 attribute
 * per reason, the attribute type being the reason).
 */
enum lbnl_drop_reason {
	LBNL_DROP_UNSPEC,
	LBNL_DROP_TRUNCATED,	/* shorter than its headers say */
	LBNL_DROP_BAD_HEADER,	/* bad TCP data offset, UDP length, ... */
	LBNL_DROP_BAD_CHUNK,	/* SCTP chunk of length 0, past the end, ... */
	LBNL_DROP_FRAGMENT,	/* IP fragment for a VIP */
	LBNL_DROP_EXTHDR,	/* IPv6 extension header chain not parsable */
	LBNL_DROP_NO_DEST,	/* no dest can take a new flow */
	LBNL_DROP_CONN_LIMIT,	/* connection table full: new flow refused */
	LBNL_DROP_DEST_GONE,	/* flow of a deleted dest (expire_nodest_conn=0) */
	LBNL_DROP_NOMEM,	/* allocation failed */
	LBNL_DROP_TOO_BIG,	/* too big for the tunnel, or a nat reply too */
				/* big for the way to the peer: ICMP sent back */
	LBNL_DROP_NO_ROUTE,	/* no route to the dest */
	LBNL_DROP_XMIT,		/* the dest could not be sent to */
	LBNL_DROP_MIGRATE_FULL,	/* a migration's buffer was full: that copy */
				/* is not kept (the packet goes on to the */
				/* source) and the migration is aborted */
	LBNL_DROP_TTL_EXCEEDED,	/* tun: TTL / hop limit would reach 0: ICMP */
				/* time exceeded sent back */
	LBNL_DROP_BAD_CHECKSUM,	/* nat: bad SCTP CRC32c on a packet whose */
				/* port is rewritten, bad ICMP checksum on */
				/* an error translated */
	LBNL_DROP_SPOOFED_REPLY,/* nat: from a dest's address, but not the */
				/* way the LB reaches that dest (interface, */
				/* link-layer source): net.lbnl.reply_check */
	LBNL_DROP_MIGRATE_FLUSH,	/* a migration's buffered copy could */
				/* not be re-injected (device gone, or */
				/* dropped on the way in) */
	LBNL_DROP_ICMP_NO_CONN,	/* ICMP error to a VIP about a flow without */
				/* an entry, or quoting no ports */
	LBNL_DROP_REASM,	/* nat: a dest's fragment the kernel could */
				/* not reassemble */

	__LBNL_DROP_MAX
};

#define LBNL_DROP_MAX (__LBNL_DROP_MAX - 1)

/*
 * Counters (LBNL_A_STATS), summed over CPUs.
 *
 * LBNL_CMD_STATS_GET  doit: no attributes -> the namespace's global
 *                     counters (LBNL_A_STATS, with DROPS).
 *                     dumpit: optional [LBNL_A_VIP: key] -> one message per
 *                     VIP (LBNL_A_VIP key + LBNL_A_STATS) followed by one per
 *                     dest of it (LBNL_A_VIP key, LBNL_A_DEST address and
 *                     port, LBNL_A_STATS).
 */
enum lbnl_stats_attr {
	LBNL_A_STATS_UNSPEC,
	LBNL_A_STATS_PAD,
	LBNL_A_STATS_PACKETS_IN,	/* u64, peer -> dest */
	LBNL_A_STATS_BYTES_IN,		/* u64 */
	LBNL_A_STATS_PACKETS_OUT,	/* u64, dest -> peer (nat) */
	LBNL_A_STATS_BYTES_OUT,		/* u64 */
	LBNL_A_STATS_CONNS,		/* u64, entries created */
	LBNL_A_STATS_PICKED_UP,		/* u64, of which mid-flow */
	LBNL_A_STATS_ACTIVE_CONNS,	/* u64, entries now (global, per VIP) */
	LBNL_A_STATS_DROPS,		/* nest: u64 per enum lbnl_drop_reason */
	LBNL_A_STATS_DROPPED,		/* u64, total drops */
	LBNL_A_STATS_UNCONFIRMED,	/* u64, entries now not confirmed */
					/* (global, per VIP) */
	LBNL_A_STATS_EVICTED,		/* u64, unconfirmed entries evicted */
					/* to make room for new flows */

	__LBNL_A_STATS_MAX
};

#define LBNL_A_STATS_MAX (__LBNL_A_STATS_MAX - 1)

/*
 * LB role: live SCTP migration (US 9,923,827)
 * -------------------------------------------
 * The LB holds the only record of which dest serves an association (its
 * connection entry); a migration moves it. While a migration is open the
 * LB buffers the peer's packets that carry DATA, from the association's
 * own address only (bounded in bytes: each migration reserves
 * migrate_buffer_share of the namespace's migrate_buffer_bytes, sysctls;
 * MIGRATE_START fails with ENOBUFS when the budget is all reserved) and
 * still passes the others to the source, so that it can
 * drain; the source hands the association to the target itself (server
 * role, <linux/lbnl_srv.h>: ASSOC_EXPORT / ASSOC_IMPORT / ASSOC_RELEASE,
 * driven by the agents).
 *
 * LBNL_CMD_MIGRATE_START  [LBNL_A_VIP: key] [LBNL_A_MIGRATE: VTAG (the
 *                        dest's tag, as "lbnl conn show" lists it) or
 *                        PEER_ADDR + PEER_PORT; optional TARGET (nest:
 *                        LBNL_A_DEST_ADDR, PORT; default: the scheduler's
 *                        choice among the other active dests), TIMEOUT_MS
 *                        (deadline, default migrate_timeout_ms)]. Opens a
 *                        migration of an established association; replies
 *                        with the migration (GET layout). EBUSY if one is
 *                        open for it, EINVAL if not established, ENOENT.
 * LBNL_CMD_MIGRATE_COMMIT [LBNL_A_VIP: key] [LBNL_A_MIGRATE: VTAG or PEER].
 *                        The target has the association: the entry now
 *                        names the target, the buffer is flushed to it in
 *                        order.
 * LBNL_CMD_MIGRATE_ABORT  [LBNL_A_VIP: key] [LBNL_A_MIGRATE: VTAG or PEER].
 *                        Rollback: the entry keeps the source, the buffer is
 *                        flushed to it in order.
 * LBNL_CMD_MIGRATE_GET    dumpit: the open migrations of the namespace.
 * A migration whose deadline passes is aborted (REASON "deadline"), as is
 * one whose buffer overflows ("buffer full"), whose source or target goes
 * away ("dest deleted") or whose VIP is deleted. A dest set to maint opens
 * a migration for each of its established associations older than the
 * VIP's migrate-after (0: never; younger ones drain).
 * Events (multicast "events"; everything but the vtag, see above):
 * MIGRATE_START when one opens, MIGRATE_COMMIT when done, MIGRATE_ABORT
 * with REASON; on those two, AGE_MS is how long the migration took and
 * BUFFERED_MAX how many of the peer's packets the LB held for it.
 */
enum lbnl_migrate_state {
	LBNL_MIGRATE_BUFFERING,	/* open: the peer's DATA waits in the LB */

	__LBNL_MIGRATE_STATE_MAX
};

enum lbnl_migrate_attr {
	LBNL_A_MIGRATE_UNSPEC,
	LBNL_A_MIGRATE_ID,		/* u32, read-only */
	LBNL_A_MIGRATE_VTAG,		/* u32, the dest's verification tag */
	LBNL_A_MIGRATE_PEER_ADDR,	/* binary, 4 or 16 bytes */
	LBNL_A_MIGRATE_PEER_PORT,	/* u16, host order */
	LBNL_A_MIGRATE_SOURCE,		/* nest: LBNL_A_DEST_ADDR, PORT; r/o */
	LBNL_A_MIGRATE_TARGET,		/* nest: LBNL_A_DEST_ADDR, PORT */
	LBNL_A_MIGRATE_TIMEOUT_MS,	/* u32, the deadline, from the start */
	LBNL_A_MIGRATE_STATE,		/* u8, enum lbnl_migrate_state, r/o */
	LBNL_A_MIGRATE_AGE_MS,		/* u64, since the start, read-only */
	LBNL_A_MIGRATE_BUFFERED,	/* u32, packets buffered now, r/o */
	LBNL_A_MIGRATE_BUFFERED_MAX,	/* u32, most packets buffered, r/o */
	LBNL_A_MIGRATE_REASON,		/* string, why it was aborted, r/o */
	LBNL_A_MIGRATE_PAD,

	__LBNL_A_MIGRATE_MAX
};

#define LBNL_A_MIGRATE_MAX (__LBNL_A_MIGRATE_MAX - 1)

#endif /* _UAPI_LINUX_LBNL_H */
