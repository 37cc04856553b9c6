// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "util.h"

#define OP(o)		(1U << LBNL_OP_##o)
#define ANY_OP		(~0U)
#define VIP_OPS		(OP(VIP_ADD) | OP(VIP_SET) | OP(VIP_DEL) | OP(VIP_GET))
#define DEST_OPS	(OP(DEST_ADD) | OP(DEST_SET) | OP(DEST_DEL) | \
			 OP(DEST_GET))
#define ASSOC_OPS	(OP(ASSOC_GET) | OP(ASSOC_EXPORT) | OP(ASSOC_IMPORT) | \
			 OP(ASSOC_RESUME) | OP(ASSOC_RELEASE))
#define LB_OPS		(OP(CONN_GET) | OP(CONN_DEL) | OP(CONN_FLUSH) | \
			 OP(CONN_NEW) | OP(STATS_GET))
#define TAG_OPS		(OP(TAG_SET) | OP(TAG_DEL) | OP(TAG_GET))
/* The changes: one association named. */
#define MIGRATE_OPS	(OP(MIGRATE_START) | OP(MIGRATE_COMMIT) | \
			 OP(MIGRATE_ABORT))

static const struct {
	unsigned int ops;	/* mask of OP() bits the text applies to */
	int err;
	const char *text;
} messages[] = {
	{ ANY_OP, EPERM,
	  "permission denied: lbnl needs CAP_NET_ADMIN, to read as to change" },
	{ ANY_OP, EACCES,
	  "permission denied: lbnl needs CAP_NET_ADMIN, to read as to change" },
	{ VIP_OPS | OP(DEST_ADD) | OP(CONN_GET) | OP(STATS_GET), ENOENT,
	  "VIP not found" },
	{ OP(CONN_DEL), ENOENT, "VIP or connection not found" },
	{ OP(CONN_DEL), EAFNOSUPPORT,
	  "peer address family must match the VIP's" },
	{ DEST_OPS | OP(CONN_NEW) | OP(CONN_FLUSH), ENOENT,
	  "VIP or dest not found" },
	{ OP(CONN_NEW), EEXIST, "the association already has an entry" },
	{ OP(CONN_NEW), ENOSPC,
	  "the connection table is full (sysctl net.lbnl.conn_max)" },
	{ OP(CONN_NEW), EOPNOTSUPP,
	  "only SCTP associations are installed (or the lbnl kernel module is too old)" },
	{ OP(VIP_ADD), EEXIST, "VIP already exists" },
	{ OP(DEST_ADD), EEXIST, "dest already exists" },
	{ OP(VIP_ADD), ENOSPC, "too many VIPs in this namespace" },
	{ OP(DEST_ADD), ENOSPC, "too many dests for this VIP" },
	{ ANY_OP, EAFNOSUPPORT, "dest address family must match the VIP's" },
	{ OP(MONITOR), ENOBUFS, "event queue overflow, events were lost" },
	{ OP(VIP_GET) | OP(DEST_GET), EAGAIN,
	  "the configuration kept changing during the dump, try again" },
	{ OP(STATS_GET), EAGAIN,
	  "the configuration kept changing during the dump, try again" },
	{ OP(CONN_GET), EAGAIN,
	  "the connection table kept changing during the dump, try again" },
	{ OP(ASSOC_GET), EAGAIN,
	  "the associations kept changing during the dump, try again" },
	{ ASSOC_OPS & ~OP(ASSOC_IMPORT), ENOENT, "association not found" },
	{ ASSOC_OPS, EBUSY, "already being exported or imported" },
	{ OP(ASSOC_RESUME), ESRCH, "association is not silenced" },
	{ OP(ASSOC_EXPORT), ETIMEDOUT,
	  "timed out waiting for the association to quiesce" },
	{ OP(ASSOC_EXPORT), EPROTONOSUPPORT,
	  "the kernel module exported a state version this lbnl does not know (the export was undone)" },
	{ OP(ASSOC_EXPORT), EPROTO,
	  "malformed export reply from the lbnl kernel module (the export was undone)" },
	{ OP(ASSOC_EXPORT), ENOMSG,
	  "no answer from the lbnl kernel module (was the export cancelled?); the export was undone" },
	{ OP(ASSOC_IMPORT), EPROTONOSUPPORT,
	  "unknown association state version" },
	{ OP(ASSOC_IMPORT), EEXIST,
	  "an association with this peer already exists here" },
	{ OP(ASSOC_IMPORT), ECONNREFUSED,
	  "no SCTP listener on that address and port here" },
	{ OP(ASSOC_IMPORT), EADDRNOTAVAIL,
	  "a local address of the association is not configured here" },
	{ OP(ASSOC_IMPORT), EMSGSIZE,
	  "too many streams for one netlink attribute" },
	{ OP(ASSOC_EXPORT) | OP(ASSOC_IMPORT), EOPNOTSUPP,
	  "this association cannot be moved (or the lbnl kernel module is too old)" },
	{ OP(BYPASS_ACTIVE), ENOENT, "VIP or dest not found" },
	{ OP(BYPASS_ACTIVE), ESTALE, "the VIP is no longer bypassed to that dest" },
	{ OP(DEST_SET), ESTALE, "the dest is not in the state if-state names" },
	{ MIGRATE_OPS, ENOENT, "VIP, association or migration not found" },
	{ OP(MIGRATE_START), EBUSY,
	  "a migration of this association is already open" },
	{ OP(MIGRATE_START), EINVAL, "the association is not established" },
	{ OP(MIGRATE_START), EPROTO,
	  "malformed reply from the lbnl kernel module (the migration may be open: see \"lbnl migrate show\")" },
	{ OP(MIGRATE_GET), EAGAIN,
	  "the migrations kept changing during the dump, try again" },
	{ MIGRATE_OPS | OP(MIGRATE_GET), EOPNOTSUPP,
	  "the lbnl kernel module cannot migrate associations (too old?)" },
	{ OP(TAG_DEL) | OP(TAG_GET), ENOENT, "no tag key is set" },
	{ TAG_OPS, EOPNOTSUPP,
	  "the kernel module does not support routable SCTP tags (too old?)" },
	{ ANY_OP, EINVAL, "invalid argument (refused by the kernel module)" },
	{ ANY_OP, ERANGE, "value out of range (refused by the kernel module)" },
	{ LB_OPS, EOPNOTSUPP,
	  "the lbnl kernel module has no connection table or counters (too old?)" },
	{ ANY_OP, EOPNOTSUPP, "operation not supported by the lbnl kernel module" },
	{ ANY_OP, ENOMEM, "out of memory" },
	{ ANY_OP, EPROTO, "malformed reply from the lbnl kernel module" },
	{ ANY_OP, ENOMSG, "no answer from the lbnl kernel module" },
};

const char *lbnl_strerror(enum lbnl_op op, int err)
{
	unsigned int i;

	err = abs(err);
	for (i = 0; i < ARRAY_SIZE(messages); i++)
		if (messages[i].err == err && (messages[i].ops & (1U << op)))
			return messages[i].text;
	return strerror(err);
}
