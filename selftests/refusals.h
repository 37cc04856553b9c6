/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every refusal lbnl.ko (family "lbnl") and lbnl_srv.ko (family "lbnl_srv")
 * can return: the one place their extended ack messages are written down
 * outside the kernel. The tests (netlink_api.c) take the messages from here
 * by id; "make check" (check_refusals.py) fails if a message of kmod/ is
 * missing here or a message here is no longer in kmod/.
 *
 * A row: { id, family, request, errno, message, offending attribute }
 *   family   "lbnl", "lbnl_srv", "both" (kmod/common/), or "core": the
 *            kernel's own (policy validation, GENL_ADMIN_PERM), not
 *            checked against kmod/; message NULL: the core sets none
 *   request  the commands (LBNL_CMD_* / LBNL_SRV_CMD_* without the prefix)
 *   errno    positive; where the module returns another one as well, the
 *            comment above the row says which
 *   attr     the attribute NLMSGERR_ATTR_OFFS points at, "missing X" for
 *            NLMSGERR_ATTR_MISS_TYPE (and NLMSGERR_ATTR_MISS_NEST where X
 *            is nested), "-" for none
 * One message may be several refusals (rows): other commands, errnos or
 * attributes.
 */
#ifndef LBNL_REFUSALS_H
#define LBNL_REFUSALS_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct refusal {
	const char *id;
	const char *family;
	const char *request;
	int err;
	const char *msg;
	const char *attr;
} refusals[] = {
	/* ---- lbnl: VIPs (kmod/lb/netlink.c) ---- */
	{ "VIP_NEST", "lbnl",
	  "VIP_*, DEST_*, BYPASS_ACTIVE, CONN_DEL, MIGRATE_START/COMMIT/ABORT",
	  EINVAL, "missing VIP attributes",
	  "missing LBNL_A_VIP (CONN_DEL: -)" },
	{ "VIP_ADDR", "lbnl", "every command with a VIP nest",
	  EINVAL, "missing VIP address", "missing LBNL_A_VIP_ADDR" },
	{ "VIP_PORT", "lbnl", "every command with a VIP nest",
	  EINVAL, "missing VIP port", "missing LBNL_A_VIP_PORT" },
	{ "VIP_PROTO", "lbnl", "every command with a VIP nest",
	  EINVAL, "missing VIP protocol", "missing LBNL_A_VIP_PROTO" },
	{ "VIP_ALEN", "lbnl", "every command with a VIP nest",
	  EINVAL, "VIP address must be 4 (IPv4) or 16 (IPv6) bytes",
	  "LBNL_A_VIP_ADDR" },
	{ "VIP_UCAST", "lbnl", "every command with a VIP nest",
	  EINVAL, "VIP address must be a unicast address", "LBNL_A_VIP_ADDR" },
	{ "VIP_PORT0", "lbnl", "every command with a VIP nest",
	  EINVAL, "VIP port must be between 1 and 65535", "LBNL_A_VIP_PORT" },
	{ "VIP_PROTO_BAD", "lbnl", "every command with a VIP nest",
	  EINVAL, "VIP protocol must be tcp, udp or sctp", "LBNL_A_VIP_PROTO" },
	{ "BYPASS_NAT", "lbnl", "VIP_NEW, VIP_SET",
	  EINVAL, "bypass auto needs mode tun: a NAT VIP cannot be bypassed",
	  "LBNL_A_VIP_BYPASS, else LBNL_A_VIP_MODE" },
	{ "BYPASS_SCHED", "lbnl", "VIP_NEW, VIP_SET",
	  EINVAL, "bypass auto needs a deterministic scheduler (maglev): flows without state would change dests",
	  "LBNL_A_VIP_BYPASS, else LBNL_A_VIP_SCHED" },
	/* A mode or scheduler the uapi names but this build lacks (Kbuild). */
	{ "FWD_NOT_BUILT", "lbnl", "VIP_NEW, VIP_SET",
	  EOPNOTSUPP, "forwarding mode not built into this module",
	  "LBNL_A_VIP_MODE" },
	{ "SCHED_NOT_BUILT", "lbnl", "VIP_NEW, VIP_SET",
	  EOPNOTSUPP, "scheduler not built into this module",
	  "LBNL_A_VIP_SCHED" },
	{ "VIP_EXISTS", "lbnl", "VIP_NEW",
	  EEXIST, "VIP already exists", "LBNL_A_VIP" },
	{ "VIP_NOENT", "lbnl",
	  "VIP_SET/DEL/GET, DEST_*, BYPASS_ACTIVE, CONN_GET (dump), CONN_DEL, CONN_FLUSH, MIGRATE_START/COMMIT/ABORT",
	  ENOENT, "VIP not found", "LBNL_A_VIP (DEST_GET dump: -)" },
	{ "MAX_VIPS", "lbnl", "VIP_NEW",
	  ENOSPC, "too many VIPs in this namespace (sysctl net.lbnl.max_vips)",
	  "-" },

	/* ---- lbnl: dests (kmod/lb/netlink.c) ---- */
	{ "DEST_NEST", "lbnl", "DEST_NEW/SET/DEL/GET, BYPASS_ACTIVE",
	  EINVAL, "missing dest attributes", "missing LBNL_A_DEST" },
	{ "DEST_ADDR", "lbnl",
	  "DEST_NEW/SET/DEL/GET, BYPASS_ACTIVE, CONN_FLUSH, VIP_NEW/SET (VIP_DESTS)",
	  EINVAL, "missing dest address", "missing LBNL_A_DEST_ADDR" },
	{ "DEST_ALEN", "lbnl",
	  "DEST_NEW/SET/DEL/GET, BYPASS_ACTIVE, CONN_FLUSH, VIP_NEW/SET (VIP_DESTS)",
	  EINVAL, "dest address must be 4 (IPv4) or 16 (IPv6) bytes",
	  "LBNL_A_DEST_ADDR" },
	{ "DEST_UCAST", "lbnl",
	  "DEST_NEW/SET/DEL/GET, BYPASS_ACTIVE, CONN_FLUSH, VIP_NEW/SET (VIP_DESTS)",
	  EINVAL, "dest address must be a unicast address", "LBNL_A_DEST_ADDR" },
	{ "DEST_FAMILY", "lbnl",
	  "DEST_NEW/SET/DEL/GET, BYPASS_ACTIVE, CONN_FLUSH, VIP_NEW/SET (VIP_DESTS)",
	  EAFNOSUPPORT,
	  "dest address family must match the VIP's (no NAT46/NAT64 or 4in6 tunnels)",
	  "LBNL_A_DEST_ADDR" },
	{ "DEST_WEIGHT", "lbnl", "DEST_NEW, DEST_SET, VIP_NEW/SET (VIP_DESTS)",
	  EINVAL, "dest weight must be between 0 and 65535",
	  "LBNL_A_DEST_WEIGHT" },
	{ "DEST_STATE_IF_SET_ONLY", "lbnl", "DEST_NEW, VIP_NEW/SET (VIP_DESTS)",
	  EINVAL, "a state condition is for DEST_SET only",
	  "LBNL_A_DEST_STATE_IF" },
	{ "DEST_STATE_IF", "lbnl", "DEST_SET",
	  ESTALE, "the dest is not in the state the request expects",
	  "LBNL_A_DEST_STATE_IF" },
	/* VIP_DESTS: a dest the VIP has, or an earlier one of the nest has */
	{ "DEST_EXISTS", "lbnl", "DEST_NEW, VIP_NEW/SET (VIP_DESTS)",
	  EEXIST, "dest already exists",
	  "LBNL_A_DEST (VIP_DESTS: the nest's LBNL_A_DEST at fault)" },
	{ "DEST_NOENT", "lbnl", "DEST_SET/DEL/GET, BYPASS_ACTIVE, CONN_FLUSH",
	  ENOENT, "dest not found", "LBNL_A_DEST" },
	{ "DEST_WITHOUT_VIP", "lbnl", "CONN_FLUSH",
	  EINVAL, "a dest is named with its VIP", "LBNL_A_DEST" },
	/* VIP_DESTS: the VIP's dests and the nest's together */
	{ "MAX_DESTS", "lbnl", "DEST_NEW, VIP_NEW/SET (VIP_DESTS)",
	  ENOSPC, "too many dests for this VIP (sysctl net.lbnl.max_dests)",
	  "LBNL_A_DEST (VIP_DESTS: the first one over the limit)" },
	/* VIP_DESTS: also another dest of the nest */
	{ "DEST_TAG_ID_TAKEN", "lbnl",
	  "DEST_NEW, DEST_SET, VIP_NEW/SET (VIP_DESTS)",
	  EEXIST, "another dest of this VIP has that tag id",
	  "LBNL_A_DEST_TAG_ID" },

	/* ---- lbnl: routable SCTP tags (kmod/lb/tag_nl.c) ---- */
	{ "TAG_NEST", "lbnl", "TAG_SET",
	  EINVAL, "the tag nest is missing", "missing LBNL_A_TAG" },
	{ "TAG_KEY_MISSING", "lbnl", "TAG_SET",
	  EINVAL, "the tag key is missing", "missing LBNL_A_TAG_KEY" },
	{ "TAG_NO_KEY", "lbnl", "TAG_GET",
	  ENOENT, "no tag key is set", "-" },

	/* ---- lbnl: a VIP and its dests in one change (kmod/lb/dest_nl.c) ---- */
	{ "VIP_DESTS_CMD", "lbnl",
	  "every command with a VIP nest but VIP_NEW and VIP_SET",
	  EINVAL, "dests in the VIP nest belong to VIP_NEW and VIP_SET only",
	  "LBNL_A_VIP_DESTS" },
	/* also for an LBNL_A_DEST without NLA_F_NESTED */
	{ "VIP_DESTS_TYPE", "lbnl", "VIP_NEW, VIP_SET",
	  EINVAL, "LBNL_A_VIP_DESTS holds LBNL_A_DEST nests only",
	  "the nest's attribute of another type" },
	{ "VIP_DESTS_MAX", "lbnl", "VIP_NEW, VIP_SET",
	  E2BIG, "too many dests in one request (at most 1024)",
	  "the nest's LBNL_A_DEST number LBNL_VIP_DESTS_MAX + 1" },

	/* ---- lbnl: bypass (kmod/lb/netlink.c) ---- */
	{ "BYPASS_KEY_ONLY", "lbnl", "BYPASS_ACTIVE",
	  EINVAL, "only the dest's address and port belong here", "LBNL_A_DEST" },
	{ "BYPASS_STALE", "lbnl", "BYPASS_ACTIVE",
	  ESTALE, "the VIP is not bypassed to that dest (it changed since the event)",
	  "-" },

	/* ---- lbnl: connections (kmod/lb/conn_nl.c) ---- */
	{ "CONN_NEST", "lbnl", "CONN_DEL",
	  EINVAL, "missing connection attributes", "-" },
	{ "CONN_PEER", "lbnl", "CONN_DEL",
	  EINVAL, "missing peer address or port", "LBNL_A_CONN" },
	{ "CONN_PEER_ALEN", "lbnl", "CONN_DEL",
	  EINVAL, "peer address must be 4 (IPv4) or 16 (IPv6) bytes",
	  "LBNL_A_CONN_PEER_ADDR" },
	/* MIGRATE_*: also for a peer address of another length than 4 or 16 */
	{ "PEER_FAMILY", "lbnl", "CONN_DEL, MIGRATE_START/COMMIT/ABORT",
	  EINVAL, "peer address family must match the VIP's",
	  "LBNL_A_CONN_PEER_ADDR, LBNL_A_MIGRATE_PEER_ADDR" },
	{ "CONN_NOENT", "lbnl", "CONN_DEL",
	  ENOENT, "connection not found", "-" },

	/* CONN_NEW: a migrated association's entry (lbnld's records) */
	{ "CONN_NEW_NEST", "lbnl", "CONN_NEW",
	  EINVAL, "missing connection attributes", "missing LBNL_A_CONN" },
	{ "CONN_NEW_PEER", "lbnl", "CONN_NEW",
	  EINVAL, "missing peer address or port", "missing LBNL_A_CONN_PEER_PORT" },
	{ "CONN_NEW_VTAG", "lbnl", "CONN_NEW",
	  EINVAL, "missing the dest's verification tag",
	  "missing LBNL_A_CONN_MY_VTAG" },
	{ "CONN_NEW_DEST", "lbnl", "CONN_NEW",
	  EINVAL, "missing the dest's address", "missing LBNL_A_CONN_DEST_ADDR" },
	{ "CONN_NEW_PROTO", "lbnl", "CONN_NEW",
	  EOPNOTSUPP,
	  "only SCTP associations are installed (TCP and UDP flows find their dest by the scheduler)",
	  "LBNL_A_VIP" },
	{ "CONN_NEW_FAMILY", "lbnl", "CONN_NEW",
	  EINVAL, "address family must match the VIP's",
	  "LBNL_A_CONN_PEER_ADDR" },
	{ "CONN_NEW_NODEST", "lbnl", "CONN_NEW",
	  ENOENT, "dest not found", "LBNL_A_CONN_DEST_ADDR" },
	{ "CONN_NEW_EXISTS", "lbnl", "CONN_NEW",
	  EEXIST, "the association already has an entry", "-" },
	{ "CONN_NEW_FULL", "lbnl", "CONN_NEW",
	  ENOSPC, "the connection table is full (sysctl net.lbnl.conn_max)",
	  "-" },

	/* ---- lbnl: migrations (kmod/lb/migrate.c) ---- */
	{ "MIGRATE_NEST", "lbnl", "MIGRATE_START/COMMIT/ABORT",
	  EINVAL, "missing migration attributes", "missing LBNL_A_MIGRATE" },
	{ "MIGRATE_NOT_SCTP", "lbnl", "MIGRATE_START/COMMIT/ABORT",
	  EINVAL, "only SCTP associations migrate", "LBNL_A_VIP" },
	{ "MIGRATE_NAME", "lbnl", "MIGRATE_START/COMMIT/ABORT",
	  EINVAL, "name the association: its vtag, or the peer's address and port",
	  "-" },
	{ "MIGRATE_TARGET_ADDR", "lbnl", "MIGRATE_START",
	  EINVAL, "target address missing or not of the VIP's family",
	  "LBNL_A_MIGRATE_TARGET" },
	{ "MIGRATE_TARGET_NOENT", "lbnl", "MIGRATE_START",
	  ENOENT, "target dest not found", "LBNL_A_MIGRATE_TARGET" },
	{ "MIGRATE_TARGET_IDLE", "lbnl", "MIGRATE_START",
	  EINVAL, "target dest does not take new flows (maint, drain or weight 0)",
	  "LBNL_A_MIGRATE_TARGET" },
	{ "MIGRATE_ASSOC_NOENT", "lbnl", "MIGRATE_START",
	  ENOENT, "association not found", "-" },
	{ "MIGRATE_NOT_ESTABLISHED", "lbnl", "MIGRATE_START",
	  EINVAL, "the association is not established", "-" },
	{ "MIGRATE_OPEN", "lbnl", "MIGRATE_START",
	  EBUSY, "a migration of this association is already open", "-" },
	{ "MIGRATE_NO_ROOM", "lbnl", "MIGRATE_START",
	  ENOBUFS, "the namespace's migration buffer is all reserved (sysctl net.lbnl.migrate_buffer_bytes, migrate_buffer_share)",
	  "-" },
	{ "MIGRATE_NO_TARGET", "lbnl", "MIGRATE_START",
	  EINVAL, "no other dest takes new flows", "-" },
	{ "MIGRATE_SAME_TARGET", "lbnl", "MIGRATE_START",
	  EINVAL, "the target is the association's dest already", "-" },
	{ "MIGRATE_NONE_OPEN", "lbnl", "MIGRATE_COMMIT, MIGRATE_ABORT",
	  ENOENT, "no open migration of that association", "-" },

	/* ---- both: policies (kmod/common/lbnl_common.h) ---- */
	{ "READ_ONLY", "both", "any request carrying a reply-only attribute",
	  EINVAL, "attribute is read-only", "that attribute" },

	/* ---- lbnl_srv: requests (kmod/srv/assoc_nl.c) ---- */
	{ "ASSOC_NEST", "lbnl_srv",
	  "ASSOC_GET (doit), ASSOC_EXPORT/IMPORT/RESUME/RELEASE",
	  EINVAL, "missing association attributes", "missing LBNL_SRV_A_ASSOC" },
	{ "ASSOC_LADDR", "lbnl_srv", "ASSOC_GET (doit), ASSOC_*",
	  EINVAL, "missing local address", "missing LBNL_A_ASSOC_LADDR" },
	{ "ASSOC_LPORT", "lbnl_srv", "ASSOC_GET (doit), ASSOC_*",
	  EINVAL, "missing local port", "missing LBNL_A_ASSOC_LPORT" },
	{ "ASSOC_PADDR", "lbnl_srv", "ASSOC_GET (doit), ASSOC_*",
	  EINVAL, "missing peer address", "missing LBNL_A_ASSOC_PADDR" },
	{ "ASSOC_PPORT", "lbnl_srv", "ASSOC_GET (doit), ASSOC_*",
	  EINVAL, "missing peer port", "missing LBNL_A_ASSOC_PPORT" },
	{ "ASSOC_ALEN", "lbnl_srv", "ASSOC_GET (doit), ASSOC_*",
	  EINVAL, "addresses must be 4 (IPv4) or 16 (IPv6) bytes", "-" },
	{ "ASSOC_PORT0", "lbnl_srv", "ASSOC_GET (doit), ASSOC_*",
	  EINVAL, "ports must be between 1 and 65535", "-" },
	{ "ASSOC_NOENT", "lbnl_srv",
	  "ASSOC_GET (doit), ASSOC_EXPORT/RESUME/RELEASE",
	  ENOENT, "association not found", "-" },
	{ "ASSOC_NOT_SILENCED", "lbnl_srv", "ASSOC_RESUME",
	  ESRCH, "association is not silenced", "-" },
	/* the association is released all the same */
	{ "ASSOC_RELEASED_LOST", "lbnl_srv", "ASSOC_RELEASE",
	  EPIPE, "released, but the application sent data after the export: it was lost",
	  "-" },
	{ "ASSOC_BUSY", "lbnl_srv", "ASSOC_EXPORT, ASSOC_IMPORT",
	  EBUSY, "already being exported or imported", "-" },

	/* ---- lbnl_srv: EXPORT of an association that cannot move ---- */
	/* (kmod/srv/assoc.c; ASSOC_GET shows the same as LBNL_A_ASSOC_REASON) */
	{ "EXPORT_NOT_ESTABLISHED", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "not established", "-" },
	{ "EXPORT_CLOSING", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "closing", "-" },
	{ "EXPORT_PEELED_OFF", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "peeled off", "-" },
	{ "EXPORT_AUTH", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "AUTH negotiated", "-" },
	{ "EXPORT_ASCONF", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "ASCONF negotiated", "-" },
	{ "EXPORT_RECONF", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "RE-CONFIG negotiated", "-" },
	{ "EXPORT_IDATA", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "I-DATA negotiated", "-" },
	{ "EXPORT_UDP_ENCAP", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "UDP-encapsulated", "-" },
	{ "EXPORT_PEER_ADDRS", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "too many peer addresses", "-" },
	/* the peer chose the count in its INIT; the SSNs would not fit */
	{ "EXPORT_STREAMS", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "more than 16382 streams", "-" },
	{ "EXPORT_NO_VTAGS", "lbnl_srv", "ASSOC_EXPORT",
	  EOPNOTSUPP, "no verification tags", "-" },

	/* ---- lbnl_srv: EXPORT that did not quiesce in time (assoc.c) ---- */
	{ "EXPORT_UNACKED", "lbnl_srv", "ASSOC_EXPORT",
	  ETIMEDOUT, "sent data not yet acknowledged", "-" },
	{ "EXPORT_QUEUED", "lbnl_srv", "ASSOC_EXPORT",
	  ETIMEDOUT, "data queued for sending", "-" },
	{ "EXPORT_TSN_GAP", "lbnl_srv", "ASSOC_EXPORT",
	  ETIMEDOUT, "gap in received TSNs", "-" },
	{ "EXPORT_PARTIAL", "lbnl_srv", "ASSOC_EXPORT",
	  ETIMEDOUT, "incomplete or out-of-order message pending", "-" },
	{ "EXPORT_UNREAD", "lbnl_srv", "ASSOC_EXPORT",
	  ETIMEDOUT, "received data not yet read by the application", "-" },
	{ "EXPORT_APP_BUSY", "lbnl_srv", "ASSOC_EXPORT",
	  ETIMEDOUT, "application busy", "-" },
	{ "EXPORT_CANCELLED", "lbnl_srv", "ASSOC_EXPORT",
	  ECANCELED, "export cancelled", "-" },
	{ "EXPORT_INTERRUPTED", "lbnl_srv", "ASSOC_EXPORT",
	  ECANCELED, "export interrupted", "-" },

	/* ---- lbnl_srv: IMPORT of a malformed state (assoc_nl.c) ---- */
	{ "IMPORT_INCOMPLETE", "lbnl_srv", "ASSOC_IMPORT",
	  EINVAL, "incomplete association state",
	  "missing LBNL_A_ASSOC_* (the first absent state attribute)" },
	{ "IMPORT_VERSION", "lbnl_srv", "ASSOC_IMPORT",
	  EPROTONOSUPPORT, "unknown association state version",
	  "LBNL_A_ASSOC_VERSION" },
	{ "IMPORT_LADDRS_ALEN", "lbnl_srv", "ASSOC_IMPORT",
	  EINVAL, "addresses must be 4 (IPv4) or 16 (IPv6) bytes",
	  "LBNL_A_ADDR (in LBNL_A_ASSOC_LADDRS)" },
	{ "IMPORT_LADDRS_MAX", "lbnl_srv", "ASSOC_IMPORT",
	  E2BIG, "too many local addresses", "LBNL_A_ADDR (in LBNL_A_ASSOC_LADDRS)" },
	{ "IMPORT_PATHS_MAX", "lbnl_srv", "ASSOC_IMPORT",
	  E2BIG, "too many peer addresses", "LBNL_A_PATH" },
	{ "IMPORT_PATH_ADDR", "lbnl_srv", "ASSOC_IMPORT",
	  EINVAL, "a peer path needs a 4 or 16 byte address", "LBNL_A_PATH" },
	{ "IMPORT_PRIMARY", "lbnl_srv", "ASSOC_IMPORT",
	  EINVAL, "primary addresses must be in the address lists", "-" },
	{ "IMPORT_VTAG0", "lbnl_srv", "ASSOC_IMPORT",
	  EINVAL, "verification tags must not be 0", "-" },
	{ "IMPORT_STREAMS", "lbnl_srv", "ASSOC_IMPORT",
	  ERANGE, "stream counts out of range", "-" },
	{ "IMPORT_SSN_LEN", "lbnl_srv", "ASSOC_IMPORT",
	  EINVAL, "SSN list length does not match the stream count",
	  "LBNL_A_ASSOC_OUT_SSN or LBNL_A_ASSOC_IN_SSN" },
	{ "IMPORT_FEATURES", "lbnl_srv", "ASSOC_IMPORT",
	  EOPNOTSUPP, "AUTH, ASCONF, RE-CONFIG and I-DATA associations cannot be re-created",
	  "LBNL_A_ASSOC_FEATURES" },

	/* ---- lbnl_srv: IMPORT this host cannot do (kmod/srv/import.c) ---- */
	{ "IMPORT_FAMILY", "lbnl_srv", "ASSOC_IMPORT",
	  EINVAL, "local and peer primary addresses differ in family", "-" },
	{ "IMPORT_NOT_LOCAL", "lbnl_srv", "ASSOC_IMPORT",
	  EADDRNOTAVAIL, "a local address of the association is not configured here",
	  "-" },
	{ "IMPORT_NO_LISTENER", "lbnl_srv", "ASSOC_IMPORT",
	  ECONNREFUSED, "no SCTP listener on that address and port here", "-" },
	{ "IMPORT_LISTENER_STREAMS", "lbnl_srv", "ASSOC_IMPORT",
	  ERANGE, "stream counts exceed the listener's (raise its SCTP_INITMSG)",
	  "-" },
	{ "IMPORT_EXISTS", "lbnl_srv", "ASSOC_IMPORT",
	  EEXIST, "an association with this peer already exists here", "-" },
	/* or the error of the HMAC (crypto API) */
	{ "IMPORT_COOKIE", "lbnl_srv", "ASSOC_IMPORT",
	  ENOMEM, "cannot build the state cookie", "-" },
	/* or EAGAIN: created, never established */
	{ "IMPORT_NOT_ACCEPTED", "lbnl_srv", "ASSOC_IMPORT",
	  ENOENT, "the listener did not accept the re-created association", "-" },
	/* or EEXIST: other vtags */
	{ "IMPORT_MISMATCH", "lbnl_srv", "ASSOC_IMPORT",
	  EPROTO, "the re-created association does not match the state", "-" },

	/* ---- lbnl_srv: routable tags (kmod/srv/tag_nl.c) ---- */
	{ "SRV_TAG_NEST", "lbnl_srv", "TAG_SET",
	  EINVAL, "missing tag attributes", "missing LBNL_SRV_A_TAG" },
	{ "SRV_TAG_KEY", "lbnl_srv", "TAG_SET",
	  EINVAL, "missing tag key", "missing LBNL_SRV_A_TAG_KEY" },
	{ "SRV_TAG_SERVER_ID", "lbnl_srv", "TAG_SET",
	  EINVAL, "missing server id", "missing LBNL_SRV_A_TAG_SERVER_ID" },
	/* the kretprobe on sctp_generate_tag() could not be registered */
	{ "SRV_TAG_NO_HOOK", "lbnl_srv", "TAG_SET",
	  EOPNOTSUPP, "the SCTP tag hook is not installed: see the kernel log of when lbnl_srv was loaded",
	  "-" },
	{ "SRV_TAG_NOENT", "lbnl_srv", "TAG_DEL, TAG_GET",
	  ENOENT, "no tag key is set", "-" },

	/* ---- core: the kernel's own, which the tests rely on ---- */
	{ "POLICY_RANGE", "core", "an enum or bounded integer out of its range",
	  ERANGE, "integer out of range", "that attribute" },
	/* NLA_POLICY_EXACT_LEN: a tag key of other than 16 bytes */
	{ "POLICY_BINARY_LEN", "core",
	  "a binary attribute of a fixed length (lbnl_srv TAG_SET: the key)",
	  ERANGE, "binary attribute size out of range", "that attribute" },
	/* strict validation of an attribute the command does not take */
	{ "POLICY_UNSUPPORTED", "core",
	  "an attribute the command does not take (lbnl_srv TAG_DEL, TAG_GET)",
	  EINVAL, "Unsupported attribute", "that attribute" },
	{ "ADMIN_PERM", "core",
	  "lbnl and lbnl_srv: every command, reads too (GENL_ADMIN_PERM)",
	  EPERM, NULL, "-" },
};

/* The row @id; a test naming an unknown id aborts (a typo is no pass). */
static inline const struct refusal *refusal(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (!strcmp(refusals[i].id, id))
			return &refusals[i];
	fprintf(stderr, "refusals.h: no refusal \"%s\"\n", id);
	abort();
}

#endif
