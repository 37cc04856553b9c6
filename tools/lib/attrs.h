/* SPDX-License-Identifier: GPL-2.0 */
/* Internal: lbnl structs <-> netlink attributes (see <linux/lbnl.h>). */
#ifndef LBNL_ATTRS_H
#define LBNL_ATTRS_H

#include <stdbool.h>
#include <netlink/msg.h>

#include "objects.h"

/* LBNL_A_VIP nest: the key, plus the settable attributes vip->has names. */
int lbu_put_vip(struct nl_msg *msg, const struct lbu_vip *vip);
/* LBNL_A_VIP nest with the key only. */
int lbnl_put_vip_key(struct nl_msg *msg, const struct lbu_vip_key *key);
/* LBNL_A_DEST nest: address and port, plus WEIGHT/STATE unless key_only. */
int lbu_put_dest(struct nl_msg *msg, const struct lbu_dest *dest,
		 bool key_only);

/*
 * LBNL_A_VIP nest: the key, the settable attributes vip->has names, and
 * LBNL_A_VIP_DESTS with the n dests (as lbu_put_dest; their VIP keys are
 * not looked at). offs (n + 2 entries) gets the offset of each dest's
 * nest, then of LBNL_A_VIP_DESTS, then of its end, as NLMSGERR_ATTR_OFFS
 * counts them.
 */
int lbu_put_vip_dests(struct nl_msg *msg, const struct lbu_vip *vip,
		      const struct lbu_dest *dests, size_t n, uint32_t *offs);

/* LBNL_A_ASSOC nest with the key only. */
int lbu_put_assoc_key(struct nl_msg *msg, const struct lbnl_assoc_key *key);
/* LBNL_A_ASSOC nest with the whole migration state (an IMPORT request). */
int lbu_put_assoc_state(struct nl_msg *msg, const struct lbu_assoc_state *s);

/*
 * LBNL_A_MIGRATE nest: the association (VTAG and/or PEER, as m->has
 * says), plus TARGET and TIMEOUT_MS (if m->has says so) unless key_only.
 */
int lbnl_put_migrate(struct nl_msg *msg, const struct lbnl_migrate *m,
		     bool key_only);

/*
 * Parse a reply or an event (same layout): its command and whichever of
 * the LBNL_A_VIP / LBNL_A_DEST / LBNL_A_ASSOC / LBNL_A_MIGRATE nests it
 * carries. -EPROTO if malformed.
 */
int lbnl_parse_msg(struct nlmsghdr *nlh, struct lbnl_event *ev);
/* The same for a message of the "lbnl_srv" family (sets ev->srv). */
int lbnl_parse_srv_msg(struct nlmsghdr *nlh, struct lbnl_event *ev);
/*
 * The migration state in an EXPORT reply. -EPROTONOSUPPORT if its version
 * is not LBNL_ASSOC_STATE_VERSION, -EPROTO if malformed, -ENOMEM.
 */
int lbu_parse_assoc_state(struct nlmsghdr *nlh, struct lbu_assoc_state *s);

/* LBNL_A_CONN nest naming one entry: the peer's address and port. */
int lbnl_put_conn_key(struct nl_msg *msg, const struct lbnl_addr *peer,
		      uint16_t peer_port);
/*
 * LBNL_A_CONN nest of a CONN_NEW: the peer, my_vtag, the peer's tag if
 * c->has LBNL_CONN_HAS_PEER_VTAG, the dest (its port unless 0).
 */
int lbnl_put_conn_new(struct nl_msg *msg, const struct lbu_conn *c);
/* A CONN_GET dump message (LBNL_A_VIP key, LBNL_A_CONN). -EPROTO. */
int lbnl_parse_conn_msg(struct nlmsghdr *nlh, struct lbu_conn *c);
/*
 * A STATS_GET reply: LBNL_A_STATS, after the LBNL_A_VIP key (*has_vip)
 * and LBNL_A_DEST address and port (e->is_dest) of a dump. -EPROTO.
 */
int lbnl_parse_stats_msg(struct nlmsghdr *nlh, struct lbnl_stats_entry *e,
			 bool *has_vip);

#endif
