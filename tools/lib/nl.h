/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lbnl netlink library: requests and replies of <linux/lbnl.h> as
 * plain structs (objects.h). Every function returns 0 or a negative errno;
 * when the kernel refused a request, lbnl_nl_extack() gives its message.
 */
#ifndef LBNL_NL_H
#define LBNL_NL_H

#include "objects.h"

struct lbnl_nl;

/*
 * A handle on the LB role's family "lbnl" (lbnl.ko), or on the server
 * role's "lbnl_srv" (lbnl_srv.ko: the lbnl_assoc_* calls below). -ENOENT:
 * the family does not exist (its module is not loaded).
 */
int lbnl_nl_open(struct lbnl_nl **nlp);
int lbnl_srv_nl_open(struct lbnl_nl **nlp);
void lbnl_nl_close(struct lbnl_nl *nl);
/* Kernel message of the last failed request, or NULL if it gave none. */
const char *lbnl_nl_extack(const struct lbnl_nl *nl);

int lbnl_vip_add(struct lbnl_nl *nl, const struct lbu_vip *vip);
int lbnl_vip_set(struct lbnl_nl *nl, const struct lbu_vip *vip);
/*
 * A VIP and dests as one change (LBNL_A_VIP_DESTS): lbnl_vip_add_dests
 * creates vip with the n dests (VIP_NEW); lbnl_vip_set_dests changes the
 * settings vip->has names (none: only the dests) and adds the dests to it
 * (VIP_SET). All or nothing: packets never meet a part of the dests. The
 * dests' own VIP keys are not looked at. At most LBNL_VIP_DESTS_MAX dests
 * (else -E2BIG, nothing sent). If the kernel refuses one of the dests,
 * *bad (when not NULL) is its index, else n. -EOPNOTSUPP: the module
 * predates LBNL_A_VIP_DESTS (nothing changed; add them one by one).
 */
int lbnl_vip_add_dests(struct lbnl_nl *nl, const struct lbu_vip *vip,
		       const struct lbu_dest *dests, size_t n, size_t *bad);
int lbnl_vip_set_dests(struct lbnl_nl *nl, const struct lbu_vip *vip,
		       const struct lbu_dest *dests, size_t n, size_t *bad);
int lbnl_vip_del(struct lbnl_nl *nl, const struct lbu_vip_key *key);
int lbnl_vip_get(struct lbnl_nl *nl, const struct lbu_vip_key *key,
		 struct lbu_vip *vip);
int lbnl_vip_dump(struct lbnl_nl *nl, struct lbnl_vip_list *list);

int lbnl_dest_add(struct lbnl_nl *nl, const struct lbu_dest *dest);
int lbnl_dest_set(struct lbnl_nl *nl, const struct lbu_dest *dest);
int lbnl_dest_del(struct lbnl_nl *nl, const struct lbu_dest *dest);
int lbnl_dest_get(struct lbnl_nl *nl, const struct lbu_dest *key,
		  struct lbu_dest *dest);
/* vip NULL: every dest of every VIP. */
int lbnl_dest_dump(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		   struct lbnl_dest_list *list);

int lbnl_flush(struct lbnl_nl *nl);

/*
 * Single-address tenants: tell the module that the router now sends the
 * traffic of dest->vip to dest (LBNL_CMD_BYPASS_ACTIVE). -ESTALE: the VIP
 * is not (or no longer) bypassed to that dest.
 */
int lbnl_bypass_active(struct lbnl_nl *nl, const struct lbu_dest *dest);

/*
 * SCTP associations of this host (server role). See <linux/lbnl.h>.
 *
 * lbu_assoc_export: timeout_ms NULL for the kernel's default. On success
 * the association is silenced here and s holds its state (release it with
 * lbu_assoc_state_free()). If the kernel exported it but its reply cannot
 * be read (-EPROTO; -EPROTONOSUPPORT: a state version this library does
 * not know), the export is undone with a RESUME before returning.
 *
 * lbu_assoc_import: on success assoc is the new association as
 * lbnl_assoc_get() would report it. -EMSGSIZE: more streams than one
 * attribute can carry (LBU_ASSOC_MAX_STREAMS).
 */
int lbnl_assoc_get(struct lbnl_nl *nl, const struct lbnl_assoc_key *key,
		   struct lbnl_assoc *assoc);
int lbnl_assoc_dump(struct lbnl_nl *nl, struct lbnl_assoc_list *list);
int lbu_assoc_export(struct lbnl_nl *nl, const struct lbnl_assoc_key *key,
		     const uint32_t *timeout_ms, struct lbu_assoc_state *s);
int lbu_assoc_import(struct lbnl_nl *nl, const struct lbu_assoc_state *s,
		     struct lbnl_assoc *assoc);
int lbu_assoc_resume(struct lbnl_nl *nl, const struct lbnl_assoc_key *key);
int lbu_assoc_release(struct lbnl_nl *nl, const struct lbnl_assoc_key *key);

/*
 * Connection table and counters of the LB role. See <linux/lbnl.h>.
 *
 * lbnl_conn_dump: vip NULL for the entries of every VIP. The table
 * changes with traffic, so a dump may keep being interrupted: with
 * inconsistent NULL that fails with -EAGAIN after a few attempts; else
 * the last attempt's entries are returned and *inconsistent is set (some
 * entries may be missing or listed twice).
 *
 * lbnl_conn_new: install the entry of an SCTP association that migrated
 * to c->dest_addr (c->vip, peer_addr, peer_port, my_vtag, and peer_vtag if
 * c->has LBNL_CONN_HAS_PEER_VTAG; dest_port 0: the VIP's). -EEXIST: the
 * association (its tag or its peer's address and port) has an entry;
 * -ENOENT: no such VIP or dest.
 *
 * lbnl_stats_get: the namespace's counters, drops included.
 * lbnl_stats_dump: vip NULL for every VIP; each VIP's entry is followed
 * by its dests' in the kernel's order.
 */
int lbnl_conn_dump(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		   struct lbnl_conn_list *list, bool *inconsistent);
/*
 * The same, keeping only the entries keep(entry, arg) says to: a big
 * table is read without being held whole.
 */
typedef bool (*lbnl_conn_keep_fn)(const struct lbu_conn *c, void *arg);
int lbnl_conn_dump_kept(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
			lbnl_conn_keep_fn keep, void *arg,
			struct lbnl_conn_list *list, bool *inconsistent);
int lbnl_conn_del(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		  const struct lbnl_addr *peer, uint16_t peer_port);
int lbnl_conn_new(struct lbnl_nl *nl, const struct lbu_conn *c);
/* vip NULL: the entries of every VIP. */
int lbnl_conn_flush(struct lbnl_nl *nl, const struct lbu_vip_key *vip);
/* The entries of one dest (dest->vip, ->addr, ->port); -ENOENT: no such. */
int lbnl_dest_flush_conns(struct lbnl_nl *nl, const struct lbu_dest *dest);
int lbnl_stats_get(struct lbnl_nl *nl, struct lbnl_stats *stats);
int lbnl_stats_dump(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		    struct lbnl_stats_list *list);

/*
 * Live SCTP migration, LB role. See <linux/lbnl.h>.
 *
 * The association is named by m->vip and its vtag or its peer, as m->has
 * says (LBNL_MIGRATE_HAS_VTAG or LBNL_MIGRATE_HAS_PEER). lbnl_migrate_start
 * also sends the target and the timeout if m->has says so (the kernel
 * picks the target, and the deadline, otherwise); on success *opened is
 * the migration as the kernel opened it. lbnl_migrate_commit hands the
 * association to the target, lbnl_migrate_abort leaves it on the source.
 * lbnl_migrate_dump: every open migration of the namespace.
 */
int lbnl_migrate_start(struct lbnl_nl *nl, const struct lbnl_migrate *m,
		       struct lbnl_migrate *opened);
int lbnl_migrate_commit(struct lbnl_nl *nl, const struct lbnl_migrate *m);
int lbnl_migrate_abort(struct lbnl_nl *nl, const struct lbnl_migrate *m);
int lbnl_migrate_dump(struct lbnl_nl *nl, struct lbnl_migrate_list *list);

/*
 * Events. A handle that joined the events group is for events only: do
 * not send requests on it. lbnl_events_read() blocks for one batch and
 * calls cb for each event in it; -ENOBUFS means events were lost (the
 * handle stays usable).
 */
typedef void (*lbnl_event_cb)(const struct lbnl_event *ev, void *arg);

int lbnl_events_join(struct lbnl_nl *nl);
int lbnl_events_read(struct lbnl_nl *nl, lbnl_event_cb cb, void *arg);
/*
 * The socket, to poll() it. Made non-blocking, lbnl_events_read() returns
 * -EAGAIN when no event is queued.
 */
int lbnl_nl_fd(const struct lbnl_nl *nl);

#endif
