/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The records of migrated associations, inside lbnld: what records.c (the
 * decisions, against the module) and records_file.c (migrated.json) share.
 * lbnld.h has the interface the rest of lbnld uses.
 */
#ifndef LBNLD_RECORDS_H
#define LBNLD_RECORDS_H

#include "lbnld.h"

/* A VIP_DEL (vip), DEST_DEL (vip, dest) or FLUSH (all) seen as an event. */
struct deletion {
	bool all;
	bool has_dest;
	struct lbu_vip_key vip;
	struct lbnl_endpoint dest;
};

/* The records sorted both ways (indices into r->recs). */
struct rec_index {
	const struct lbnld_records *r;
	size_t n;
	size_t *by_tag;
	size_t *by_peer;
};

struct lbnld_records {
	char dir[PATH_MAX];
	char path[PATH_MAX + 32];
	struct lbnld_record *recs;
	size_t count;
	size_t cap;
	bool loaded;		/* the file was read, or absent */
	bool dirty;		/* the file differs from recs */
	int unreadable;		/* errno the file was logged with, 0: none */
	struct deletion *dels;	/* since the last reconciliation */
	size_t n_dels;
	size_t cap_dels;
	struct rec_index idx;	/* lbnld_records_index() */
};

/* By VIP, then by (tag, peer port): how the module finds an association. */
int lbnld_rec_tag_cmp(const struct lbu_vip_key *va, uint32_t ta, uint16_t pa,
		      const struct lbu_vip_key *vb, uint32_t tb, uint16_t pb);

#endif /* LBNLD_RECORDS_H */
