/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lbnl_srv - the server role of lbnl: generic netlink interface.
 *
 * Family "lbnl_srv" (LBNL_SRV_GENL_NAME), version LBNL_SRV_GENL_VERSION,
 * served by the module lbnl_srv.ko on the hosts that run SCTP servers behind
 * an lbnl VIP (the LB role is lbnl.ko, family "lbnl", <linux/lbnl.h>; a
 * host may run both). Available in every network namespace, each with its
 * own state. Every command needs CAP_NET_ADMIN (GENL_ADMIN_PERM): they
 * either change an association or show its verification tags; joining the
 * events group needs it too (GENL_MCAST_CAP_NET_ADMIN). Validation
 * is strict, as in the "lbnl" family: unknown attributes, wrong lengths and
 * trailing garbage are refused, and every refusal carries an extended ack
 * message naming the problem and, where it applies, the attribute.
 *
 * SCTP associations of this host
 * ------------------------------
 * An association is named by LBNL_SRV_A_ASSOC { LADDR, LPORT, PADDR,
 * PPORT }: one of its local addresses and one of its peer's, as seen on
 * this host.
 *
 * LBNL_SRV_CMD_ASSOC_GET
 *	doit: [LBNL_SRV_A_ASSOC: key] -> the association; dumpit: every SCTP
 *	association of the namespace. Replies carry the key, both vtags,
 *	state, age, socket style, queue counts and MIGRATABLE/REASON.
 * LBNL_SRV_CMD_ASSOC_EXPORT
 *	[LBNL_SRV_A_ASSOC: key] [LBNL_SRV_A_TIMEOUT_MS]. Freezes the
 *	association (inbound DATA is withheld, control chunks pass), waits up
 *	to the timeout for it to be quiescent (everything sent is acked,
 *	everything received is read, no TSN gap either way), then silences it
 *	(no packet of it enters or leaves this host any more) and replies
 *	with its full state in an LBNL_SRV_A_ASSOC nest. On timeout nothing
 *	stays changed (ETIMEDOUT). The timeout is 5000 ms by default and at
 *	most LBNL_SRV_EXPORT_TIMEOUT_MAX_MS (10 minutes, as a migration's
 *	deadline on the LB): a larger one is refused by the policy (ERANGE,
 *	the attribute at fault), as the request holds the module meanwhile.
 * LBNL_SRV_CMD_ASSOC_IMPORT
 *	[LBNL_SRV_A_ASSOC: full state, as exported]. Re-creates the
 *	association on a listener of this host with the same vtags and TSN
 *	spaces, nothing reaching the peer on the way; replies once it is
 *	established.
 * LBNL_SRV_CMD_ASSOC_RESUME
 *	[LBNL_SRV_A_ASSOC: key]. Rollback of an export: lifts the silence,
 *	the association carries on here.
 * LBNL_SRV_CMD_ASSOC_RELEASE
 *	[LBNL_SRV_A_ASSOC: key]. Ends the (silenced) local copy for good
 *	without a packet reaching the peer; the silence stays for a grace
 *	period.
 *
 * Routable SCTP tags
 * ------------------
 * With a key and a server id, the SCTP associations of the namespace get
 * verification tags that name this server to any LB of the same key (see
 * "Routable SCTP tags" in <linux/lbnl.h>): the module hooks the tag choice
 * of the SCTP stack (a kretprobe on sctp_generate_tag()). Tags chosen
 * before the key was set, or while the hook is not installed, are the
 * stack's own random ones: those associations keep the LB's stateful path.
 * LBNL_SRV_CMD_TAG_SET
 *	[LBNL_SRV_A_TAG: KEY, SERVER_ID (1..LBNL_TAG_ID_MAX)]. EOPNOTSUPP
 *	(with a message) if the hook could not be installed.
 * LBNL_SRV_CMD_TAG_DEL
 *	no attributes: the stack chooses random tags again (ENOENT without
 *	a key).
 * LBNL_SRV_CMD_TAG_GET
 *	doit -> [LBNL_SRV_A_TAG: SERVER_ID, FINGERPRINT, HOOK, CHOSEN,
 *	MISSED] (ENOENT without a key): the key's fingerprint (as the LB's
 *	LBNL_A_TAG_FINGERPRINT), whether the hook is installed, the tags
 *	chosen in this namespace (the stack chooses two per incoming
 *	association, the second overridden by the first, and one per
 *	outgoing one) and the choices the hook missed (host-wide: more
 *	concurrent choices than it had instances for).
 *
 * Events
 * ------
 * Multicast group "events" (LBNL_SRV_MCGRP_EVENTS), which any process of
 * the namespace may join: ASSOC_EXPORT, ASSOC_IMPORT, ASSOC_RESUME and
 * ASSOC_RELEASE are announced with the association's key only (never its
 * verification tags: with a vtag, anyone on the path could inject into or
 * abort the association).
 */
#ifndef _UAPI_LINUX_LBNL_SRV_H
#define _UAPI_LINUX_LBNL_SRV_H

#define LBNL_SRV_GENL_NAME	"lbnl_srv"
#define LBNL_SRV_GENL_VERSION	1
#define LBNL_SRV_MCGRP_EVENTS	"events"

enum lbnl_srv_cmd {
	LBNL_SRV_CMD_UNSPEC,
	LBNL_SRV_CMD_ASSOC_GET,
	LBNL_SRV_CMD_ASSOC_EXPORT,
	LBNL_SRV_CMD_ASSOC_IMPORT,
	LBNL_SRV_CMD_ASSOC_RESUME,
	LBNL_SRV_CMD_ASSOC_RELEASE,
	LBNL_SRV_CMD_TAG_SET,
	LBNL_SRV_CMD_TAG_DEL,
	LBNL_SRV_CMD_TAG_GET,

	__LBNL_SRV_CMD_MAX
};

#define LBNL_SRV_CMD_MAX (__LBNL_SRV_CMD_MAX - 1)

/* Top-level attributes. */
enum lbnl_srv_attr {
	LBNL_SRV_A_UNSPEC,
	LBNL_SRV_A_ASSOC,	/* nest, enum lbnl_assoc_attr */
	/* u32, ms, how long a command may wait: 0..LBNL_SRV_EXPORT_TIMEOUT_MAX_MS */
	LBNL_SRV_A_TIMEOUT_MS,
	LBNL_SRV_A_TAG,		/* nest, enum lbnl_srv_tag_attr */

	__LBNL_SRV_A_MAX
};

#define LBNL_SRV_A_MAX (__LBNL_SRV_A_MAX - 1)

/* The tag format, as in <linux/lbnl.h> (which a server need not include). */
#ifndef LBNL_TAG_KEY_LEN
#define LBNL_TAG_KEY_LEN	16
#define LBNL_TAG_ID_BITS	12
#define LBNL_TAG_ID_MAX		((1 << LBNL_TAG_ID_BITS) - 1)
#endif

enum lbnl_srv_tag_attr {
	LBNL_SRV_A_TAG_UNSPEC,
	LBNL_SRV_A_TAG_KEY,		/* binary, LBNL_TAG_KEY_LEN, write-only */
	LBNL_SRV_A_TAG_SERVER_ID,	/* u16, 1..LBNL_TAG_ID_MAX */
	LBNL_SRV_A_TAG_FINGERPRINT,	/* u32, read-only */
	LBNL_SRV_A_TAG_HOOK,		/* u8, 1: the hook is installed, r/o */
	LBNL_SRV_A_TAG_CHOSEN,		/* u64, tags chosen, read-only */
	LBNL_SRV_A_TAG_MISSED,		/* u64, choices missed, read-only */
	LBNL_SRV_A_TAG_PAD,

	__LBNL_SRV_A_TAG_MAX
};

#define LBNL_SRV_A_TAG_MAX (__LBNL_SRV_A_TAG_MAX - 1)

/* Largest LBNL_SRV_A_TIMEOUT_MS an ASSOC_EXPORT takes: 10 minutes. */
#define LBNL_SRV_EXPORT_TIMEOUT_MAX_MS	600000

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

#endif /* _UAPI_LINUX_LBNL_SRV_H */
