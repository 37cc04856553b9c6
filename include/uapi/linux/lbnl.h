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
 * Events
 * ------
 * Multicast group "events" (LBNL_MCGRP_EVENTS). Every successful change is
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

	__LBNL_CMD_MAX
};

#define LBNL_CMD_MAX (__LBNL_CMD_MAX - 1)

/* Top-level attributes. */
enum lbnl_attr {
	LBNL_A_UNSPEC,
	LBNL_A_VIP,		/* nest, enum lbnl_vip_attr */
	LBNL_A_DEST,		/* nest, enum lbnl_dest_attr */

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

#endif /* _UAPI_LINUX_LBNL_H */
