/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readable messages for errors the kernel reported without an extack
 * message (cf. ipvsadm's ipvs_strerror): the text depends on the operation.
 */
#ifndef LBNL_ERRORS_H
#define LBNL_ERRORS_H

enum lbnl_op {
	LBNL_OP_VIP_ADD,
	LBNL_OP_VIP_SET,
	LBNL_OP_VIP_DEL,
	LBNL_OP_VIP_GET,
	LBNL_OP_DEST_ADD,
	LBNL_OP_DEST_SET,
	LBNL_OP_DEST_DEL,
	LBNL_OP_DEST_GET,
	LBNL_OP_FLUSH,
	LBNL_OP_MONITOR,
	LBNL_OP_ASSOC_GET,
	LBNL_OP_ASSOC_EXPORT,
	LBNL_OP_ASSOC_IMPORT,
	LBNL_OP_ASSOC_RESUME,
	LBNL_OP_ASSOC_RELEASE,
	LBNL_OP_CONN_GET,
	LBNL_OP_CONN_DEL,
	LBNL_OP_CONN_FLUSH,
	LBNL_OP_STATS_GET,
	LBNL_OP_BYPASS_ACTIVE,
	LBNL_OP_MIGRATE_START,
	LBNL_OP_MIGRATE_COMMIT,
	LBNL_OP_MIGRATE_ABORT,
	LBNL_OP_MIGRATE_GET,
	LBNL_OP_TAG_SET,	/* routable tags, either role */
	LBNL_OP_TAG_DEL,
	LBNL_OP_TAG_GET,
	LBNL_OP_CONN_NEW,
};

/* err is a negative or positive errno value. */
const char *lbnl_strerror(enum lbnl_op op, int err);

#endif
