/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The LB group's store: where an active-active group of LBs keeps its one
 * configuration, in etcd (etcd.h), and what each LB says of it. Used by
 * "lbnl group" (writes the configuration, reads the statuses) and lbnld
 * (applies the configuration, writes its status).
 *
 * Layout, under a prefix P (default /lbnl/default):
 *
 *   P/vips/<VIP key>    the "lbnl save" lines of that VIP: its "vip add"
 *                       line, then its "dest add" lines. <VIP key> is
 *                       ADDR:PORT-PROTO ("192.0.2.1:80-tcp",
 *                       "[2001:db8::1]:443-sctp").
 *   P/status/<LB name>  {"revision": N, "applied": true|false,
 *                        "applied_revision": M, "error": "...",
 *                        "time": "2026-12-07T18:30:00Z"}
 *                       written by each LB's lbnld under a lease (TTL 10 s,
 *                       kept alive): a dead LB's status goes with it.
 *
 * The group's configuration at revision R is the concatenation of every
 * P/vips/ value at R, in key order. "lbnl group load" replaces them all in
 * one etcd transaction: every LB sees the old configuration or the new
 * one, never a mix. A status's revision is the store's revision at which
 * the LB read the configuration it tried last; applied says whether it
 * runs it (applied_revision: the one it runs; error: why not).
 *
 * The store is named by one line, in lbnld.conf and in
 * /etc/lbnl/group.conf (the CLI's):
 *
 *   group etcd URL [prefix P] [ca-file F] [cert-file F] [key-file F]
 *         [name N]
 */
#ifndef LBNL_GROUP_STORE_H
#define LBNL_GROUP_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "etcd.h"

#define LBNL_GROUP_CONF_PATH	"/etc/lbnl/group.conf"
#define LBNL_GROUP_PREFIX	"/lbnl/default"
#define LBNL_GROUP_PREFIX_MAX	256
#define LBNL_GROUP_NAME_MAX	64
#define LBNL_GROUP_STATUS_TTL	10	/* s: a status outlives its LB so long */
#define LBNL_GROUP_ERROR_MAX	512

struct lbnl_group_conf {
	struct lbnl_etcd_conf etcd;
	char prefix[LBNL_GROUP_PREFIX_MAX];	/* no trailing '/' */
	char name[LBNL_GROUP_NAME_MAX];		/* "": the host's name */
};

/* The defaults: no URL, prefix /lbnl/default, no name. */
void lbnl_group_conf_init(struct lbnl_group_conf *c);
/*
 * The words after "group" ("etcd URL prefix P ..."): each keyword at most
 * once. 0, or -EINVAL and why in err.
 */
int lbnl_group_conf_parse(int argc, char **argv, struct lbnl_group_conf *c,
			  char *err, size_t errlen);
/* The "group" line of a file (# comments); -ENOENT if it does not exist. */
int lbnl_group_conf_load(const char *path, struct lbnl_group_conf *c,
			 char *err, size_t errlen);
/* c->name, or the host's name if empty. */
const char *lbnl_group_name(const struct lbnl_group_conf *c, char *buf,
			    size_t len);

/* P/vips/ and P/status/ (and P/vips/KEY, P/status/NAME). */
void lbnl_group_key(const struct lbnl_group_conf *c, const char *dir,
		    const char *name, char *buf, size_t len);

/* The configuration in kvs (a range of P/vips/): malloc'ed text. */
char *lbnl_group_config_text(const struct lbnl_etcd_kvs *kvs);

struct lbnl_group_status {
	int64_t revision;
	bool applied;
	int64_t applied_revision;	/* 0: none yet */
	char error[LBNL_GROUP_ERROR_MAX];
	char time[32];			/* UTC, ISO 8601 */
};

/* As JSON (malloc'ed); st->time is set to now. */
char *lbnl_group_status_json(struct lbnl_group_status *st);
int lbnl_group_status_parse(const char *json, struct lbnl_group_status *st);

#endif
