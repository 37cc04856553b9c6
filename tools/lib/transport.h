/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal: the netlink socket under the lbnl library (and lbnld's
 * rtnetlink socket).
 */
#ifndef LBNL_TRANSPORT_H
#define LBNL_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/msg.h>

#define LBNL_EXTACK_MAX 256

struct lbnl_nl {
	struct nl_sock *sk;
	int family;			/* generic netlink id of the family */
	bool srv;			/* "lbnl_srv", else "lbnl" */
	char extack[LBNL_EXTACK_MAX];	/* "" if the kernel gave none */
	/*
	 * NLMSGERR_ATTR_OFFS of the last refusal: the offending attribute's
	 * offset in the request, from its netlink header; 0 if none given.
	 */
	uint32_t extack_offs;
	unsigned char *evbuf;		/* receive buffer, events only */
};

/*
 * A handle on an rtnetlink (NETLINK_ROUTE) socket, for lbnl_transact() on
 * messages the caller builds (lbnld writes routes with it). -errno.
 */
int lbnl_route_nl_open(struct lbnl_nl **nlp);

/* Called for each reply message; a negative return marks the reply bad. */
typedef int (*lbnl_reply_fn)(struct nlmsghdr *nlh, void *arg);

/* A request for cmd; flags e.g. NLM_F_ACK or NLM_F_DUMP. NULL if no memory. */
struct nl_msg *lbnl_msg_new(struct lbnl_nl *nl, uint8_t cmd, int flags);
/* The same with room for at least size bytes (lbnl_msg_new: a page). */
struct nl_msg *lbnl_msg_new_size(struct lbnl_nl *nl, uint8_t cmd, int flags,
				 size_t size);

/*
 * Send msg (always freed) and read until its ACK, error or end of dump.
 * reply (may be NULL) sees every reply message. *interrupted (may be NULL)
 * is set if a dump was inconsistent (NLM_F_DUMP_INTR).
 */
int lbnl_transact(struct lbnl_nl *nl, struct nl_msg *msg, lbnl_reply_fn reply,
		  void *arg, bool *interrupted);

#endif
