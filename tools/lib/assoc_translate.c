// SPDX-License-Identifier: GPL-2.0
/*
 * An exported association's local endpoint, moved to the target server's
 * own address and port (nat VIPs): see assoc_translate.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "assoc_translate.h"

int lbnl_assoc_state_translate(struct lbu_assoc_state *s,
			       const struct lbnl_endpoint *to, char *why,
			       size_t whylen)
{
	char a[LBNL_ADDRSTRLEN], b[LBNL_ADDRSTRLEN];
	struct lbnl_addr *laddrs;

	if (s->n_laddrs > 1) {
		snprintf(why, whylen, "%zu local addresses (multi-homed server): a nat VIP's association moves with one only",
			 s->n_laddrs);
		return -EOPNOTSUPP;
	}
	if (to->addr.family != s->key.laddr.family) {
		snprintf(why, whylen, "local address %s and target %s differ in family",
			 lbnl_format_addr(&s->key.laddr, a, sizeof(a)),
			 lbnl_format_addr(&to->addr, b, sizeof(b)));
		return -EAFNOSUPPORT;
	}
	if (!s->n_laddrs) {
		laddrs = calloc(1, sizeof(*laddrs));
		if (!laddrs) {
			snprintf(why, whylen, "no memory");
			return -ENOMEM;
		}
		s->laddrs = laddrs;
		s->n_laddrs = 1;
	}
	s->laddrs[0] = to->addr;
	s->key.laddr = to->addr;
	s->key.lport = to->port;
	return 0;
}
