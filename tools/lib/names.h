/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the enumerated values of the lbnl netlink interface, as the CLI
 * prints and parses them (one table per attribute).
 */
#ifndef LBNL_NAMES_H
#define LBNL_NAMES_H

#include <stdbool.h>
#include <stdint.h>

struct lbnl_name {
	unsigned int value;
	const char *name;
};

struct lbnl_name_table {
	const struct lbnl_name *names;
	unsigned int count;
	const char *choices;	/* for messages: "{tcp|udp|sctp}" */
};

extern const struct lbnl_name_table lbnl_proto_names;
extern const struct lbnl_name_table lbnl_mode_names;
extern const struct lbnl_name_table lbnl_sched_names;
extern const struct lbnl_name_table lbnl_bypass_names;
extern const struct lbnl_name_table lbnl_state_names;
extern const struct lbnl_name_table lbnl_flag_names;	/* bit values */
extern const struct lbnl_name_table lbnl_router_names;
/* SCTP association state (enum sctp_sstat_state), as "established". */
extern const struct lbnl_name_table lbnl_sctp_state_names;
extern const struct lbnl_name_table lbnl_assoc_style_names;
extern const struct lbnl_name_table lbnl_feature_names;	/* bit values */
/* Connection-table entries (LB role) and drops. */
extern const struct lbnl_name_table lbnl_conn_state_names;
extern const struct lbnl_name_table lbnl_conn_flag_names;	/* bit values */
extern const struct lbnl_name_table lbnl_drop_reason_names;
extern const struct lbnl_name_table lbnl_migrate_state_names;

/*
 * What a forwarding mode means to userspace, beside its name: one row per
 * mode, so that a new mode is a row here, not a branch in each program.
 */
struct lbnl_mode_info {
	unsigned int mode;	/* enum lbnl_fwd_mode */
	/*
	 * The LB rewrites the destination to the dest's address (nat): a
	 * server sees its associations' local endpoint as its own address
	 * and port; else (tun) as the VIP's.
	 */
	bool dnat;
};

/* NULL for a mode this lbnl does not know (a newer kernel's). */
const struct lbnl_mode_info *lbnl_mode_info(unsigned int mode);

/* NULL if the value has no name (e.g. a newer kernel's value). */
const char *lbnl_name(const struct lbnl_name_table *t, unsigned int value);
/* 0 and *value on an exact match of the name, -1 otherwise. */
int lbnl_value(const struct lbnl_name_table *t, const char *name,
	       unsigned int *value);

#endif
