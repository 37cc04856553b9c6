/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lbnl - in-kernel L4 load balancer: generic netlink interface.
 *
 * Family "lbnl" (LBNL_GENL_NAME), version LBNL_GENL_VERSION, available in
 * every network namespace; each namespace has its own independent
 * configuration. Every command that changes state needs CAP_NET_ADMIN
 * (GENL_ADMIN_PERM). Attributes are validated strictly: unknown attributes,
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
 *                    MIGRATE_AFTER]. Fails with EEXIST if the VIP exists.
 *                    Defaults: mode nat, sched maglev, bypass off,
 *                    migrate-after 0.
 * LBNL_CMD_VIP_SET   [LBNL_A_VIP: key + any of MODE, SCHED, BYPASS,
 *                    MIGRATE_AFTER]. Attributes not given are unchanged.
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
 * Replies to VIP_GET carry one LBNL_A_VIP nest with every VIP attribute,
 * including the read-only ones (FLAGS, DEST_COUNT). Replies to DEST_GET carry
 * an LBNL_A_VIP nest with the VIP key and an LBNL_A_DEST nest with every dest
 * attribute. Read-only attributes are refused in requests.
 *
 * Dumps are consistent: if the configuration changes while a dump is in
 * progress, the remaining messages carry NLM_F_DUMP_INTR and the caller
 * should restart the dump.
 *
 * Server role: SCTP associations of this host
 * -------------------------------------------
 * An association is named by LBNL_A_ASSOC { LADDR, LPORT, PADDR, PPORT }:
 * one of its local addresses and one of its peer's, as seen on this host.
 *
 * LBNL_CMD_ASSOC_GET     (admin only: replies carry the vtags)
 *                        doit: [LBNL_A_ASSOC: key] -> the association;
 *                        dumpit: every SCTP association of the namespace.
 *                        Replies carry the key, both vtags, state, age,
 *                        socket style, queue counts and MIGRATABLE/REASON.
 * LBNL_CMD_ASSOC_EXPORT  [LBNL_A_ASSOC: key] [LBNL_A_TIMEOUT_MS]. Freezes
 *                        the association (inbound DATA is withheld, control
 *                        chunks pass), waits up to the timeout for it to be
 *                        quiescent (everything sent is acked, everything
 *                        received is read, no TSN gap either way), then
 *                        silences it (no packet of it enters or leaves this
 *                        host any more) and replies with its full state in
 *                        an LBNL_A_ASSOC nest. On timeout nothing stays
 *                        changed (ETIMEDOUT).
 * LBNL_CMD_ASSOC_IMPORT  [LBNL_A_ASSOC: full state, as exported]. Re-creates
 *                        the association on a listener of this host with the
 *                        same vtags and TSN spaces, nothing reaching the
 *                        peer on the way; replies once it is established.
 * LBNL_CMD_ASSOC_RESUME  [LBNL_A_ASSOC: key]. Rollback of an export: lifts
 *                        the silence, the association carries on here.
 * LBNL_CMD_ASSOC_RELEASE [LBNL_A_ASSOC: key]. Ends the (silenced) local copy
 *                        for good without a packet reaching the peer; the
 *                        silence stays for a grace period.
 *
 * Events
 * ------
 * Multicast group "events" (LBNL_MCGRP_EVENTS), which any process of the
 * namespace may join: events carry configuration and addresses, never
 * verification tags (with a vtag, anyone on the path could inject into or
 * abort an association; LBNL_CMD_ASSOC_GET, which shows them, is
 * admin-only). Every successful change is
 * announced with the command that made it (VIP_NEW, VIP_SET, VIP_DEL,
 * DEST_NEW, DEST_SET, DEST_DEL) and the object's state after the change, in
 * the same layout as the GET replies (for a DEL, the state just before it).
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
	LBNL_CMD_ASSOC_GET,
	LBNL_CMD_ASSOC_EXPORT,
	LBNL_CMD_ASSOC_IMPORT,
	LBNL_CMD_ASSOC_RESUME,
	LBNL_CMD_ASSOC_RELEASE,

	__LBNL_CMD_MAX
};

#define LBNL_CMD_MAX (__LBNL_CMD_MAX - 1)

/* Top-level attributes. */
enum lbnl_attr {
	LBNL_A_UNSPEC,
	LBNL_A_VIP,		/* nest, enum lbnl_vip_attr */
	LBNL_A_DEST,		/* nest, enum lbnl_dest_attr */
	LBNL_A_ASSOC,		/* nest, enum lbnl_assoc_attr */
	LBNL_A_TIMEOUT_MS,	/* u32, how long a command may wait */

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

	__LBNL_A_VIP_MAX
};

#define LBNL_A_VIP_MAX (__LBNL_A_VIP_MAX - 1)

/* State of a dest (LBNL_A_DEST_STATE). */
enum lbnl_dest_state {
	LBNL_DEST_ACTIVE,	/* receives new flows */
	LBNL_DEST_MAINT,	/* maintenance: no new flows, flows migrate */
	LBNL_DEST_DRAIN,	/* no new flows, existing flows finish */

	__LBNL_DEST_MAX
};

#define LBNL_DEST_STATE_MAX (__LBNL_DEST_MAX - 1)

#define LBNL_DEST_WEIGHT_MAX	65535

enum lbnl_dest_attr {
	LBNL_A_DEST_UNSPEC,
	LBNL_A_DEST_ADDR,		/* binary, 4 or 16 bytes, network order */
	LBNL_A_DEST_PORT,		/* u16, host order; 0/absent = VIP port */
	LBNL_A_DEST_WEIGHT,		/* u32, 0..LBNL_DEST_WEIGHT_MAX */
	LBNL_A_DEST_STATE,		/* u8, enum lbnl_dest_state */

	__LBNL_A_DEST_MAX
};

#define LBNL_A_DEST_MAX (__LBNL_A_DEST_MAX - 1)

/* Version of the association state (LBNL_A_ASSOC_VERSION). */
#define LBNL_ASSOC_STATE_VERSION	1

/* Features negotiated on an association (LBNL_A_ASSOC_FEATURES). */
#define LBNL_ASSOC_F_ECN	(1U << 0)
#define LBNL_ASSOC_F_PRSCTP	(1U << 1)
#define LBNL_ASSOC_F_AUTH	(1U << 2)
#define LBNL_ASSOC_F_ASCONF	(1U << 3)
#define LBNL_ASSOC_F_RECONF	(1U << 4)
#define LBNL_ASSOC_F_IDATA	(1U << 5)

/* Socket style of the association's owner (LBNL_A_ASSOC_STYLE). */
enum lbnl_assoc_style {
	LBNL_ASSOC_ONE_TO_MANY,	/* SOCK_SEQPACKET */
	LBNL_ASSOC_ONE_TO_ONE,	/* SOCK_STREAM, or peeled off */
};

/*
 * Association attributes. Those marked (state) form the migration state an
 * EXPORT returns and an IMPORT takes; those marked (info) are read-only and
 * only appear in replies.
 */
enum lbnl_assoc_attr {
	LBNL_A_ASSOC_UNSPEC,
	LBNL_A_ASSOC_PAD,
	LBNL_A_ASSOC_VERSION,		/* u32 (state) LBNL_ASSOC_STATE_VERSION */
	LBNL_A_ASSOC_LADDR,		/* binary 4/16: a local address (key) */
	LBNL_A_ASSOC_LPORT,		/* u16 (key, state) */
	/* binary 4/16: a peer address (key); in the state, the primary */
	LBNL_A_ASSOC_PADDR,
	LBNL_A_ASSOC_PPORT,		/* u16 (key, state) */
	LBNL_A_ASSOC_LADDRS,		/* nest of LBNL_A_ADDR (state) */
	LBNL_A_ASSOC_PATHS,		/* nest of LBNL_A_PATH (state) */
	LBNL_A_ASSOC_MY_VTAG,		/* u32 (state) tag the peer sends */
	LBNL_A_ASSOC_PEER_VTAG,		/* u32 (state) tag we send */
	LBNL_A_ASSOC_NEXT_TSN,		/* u32 (state) our next TSN */
	LBNL_A_ASSOC_PEER_NEXT_TSN,	/* u32 (state) peer's cum. TSN + 1 */
	LBNL_A_ASSOC_OUT_STREAMS,	/* u16 (state) */
	LBNL_A_ASSOC_IN_STREAMS,	/* u16 (state) */
	/* binary (state): u32 (host order) per stream, next SSN to send */
	LBNL_A_ASSOC_OUT_SSN,
	/* binary (state): u32 (host order) per stream, next SSN expected */
	LBNL_A_ASSOC_IN_SSN,
	LBNL_A_ASSOC_PEER_RWND,		/* u32 (state) */
	LBNL_A_ASSOC_FEATURES,		/* u32 (state) LBNL_ASSOC_F_* */
	LBNL_A_ASSOC_ADDIP_SERIAL,	/* u32 (state) */
	LBNL_A_ASSOC_PEER_ADDIP_SERIAL,	/* u32 (state) */
	LBNL_A_ASSOC_STRRESET_OUTSEQ,	/* u32 (state) */
	LBNL_A_ASSOC_STRRESET_INSEQ,	/* u32 (state) */
	LBNL_A_ASSOC_ADAPTATION_IND,	/* u32 (state) */
	LBNL_A_ASSOC_CREATED_MS,	/* u64 (state) creation, ms since epoch */
	LBNL_A_ASSOC_STATE,		/* u8 (info) enum sctp_sstat_state */
	LBNL_A_ASSOC_ID,		/* u32 (info) sctp_assoc_t on this host */
	LBNL_A_ASSOC_STYLE,		/* u8 (info) enum lbnl_assoc_style */
	LBNL_A_ASSOC_UNACKED,		/* u32 (info) chunks sent, not acked */
	LBNL_A_ASSOC_PENDING,		/* u32 (info) chunks not yet sent */
	LBNL_A_ASSOC_UNREAD,		/* u32 (info) bytes not yet read */
	LBNL_A_ASSOC_SILENCED,		/* u8 (info) frozen/silenced here */
	LBNL_A_ASSOC_MIGRATABLE,	/* u8 (info) 1 if it can be exported */
	LBNL_A_ASSOC_REASON,		/* string (info) why not */

	__LBNL_A_ASSOC_MAX
};

#define LBNL_A_ASSOC_MAX (__LBNL_A_ASSOC_MAX - 1)

/* Entries of LBNL_A_ASSOC_LADDRS. */
enum lbnl_addr_attr {
	LBNL_A_ADDR_UNSPEC,
	LBNL_A_ADDR,			/* binary 4/16 */

	__LBNL_A_ADDR_MAX
};

#define LBNL_A_ADDR_MAX (__LBNL_A_ADDR_MAX - 1)

/* Entries of LBNL_A_ASSOC_PATHS: one nest per peer address. */
enum lbnl_path_attr {
	LBNL_A_PATH_UNSPEC,
	LBNL_A_PATH,			/* nest of the attributes below */
	LBNL_A_PATH_ADDR,		/* binary 4/16 */
	LBNL_A_PATH_RTO_US,		/* u32 */
	LBNL_A_PATH_SRTT_US,		/* u32 */
	LBNL_A_PATH_RTTVAR_US,		/* u32 */
	LBNL_A_PATH_CWND,		/* u32 */
	LBNL_A_PATH_SSTHRESH,		/* u32 */

	__LBNL_A_PATH_MAX
};

#define LBNL_A_PATH_MAX (__LBNL_A_PATH_MAX - 1)

#endif /* _UAPI_LINUX_LBNL_H */
