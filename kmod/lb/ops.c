// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - the ops tables (see ops.h), filled at module load from the
 * implementations Kbuild lists, and what the implementations share.
 */

#include <net/netfilter/nf_conntrack.h>

#include "lb.h"

/* Forwarding modes by enum lbnl_fwd_mode. */
const struct lbnl_fwd *lbnl_fwds[__LBNL_FWD_MAX] __ro_after_init;

static void __init lbnl_fwd_register(const struct lbnl_fwd *fwd, int *err)
{
	if (WARN_ON(fwd->mode >= ARRAY_SIZE(lbnl_fwds) || lbnl_fwds[fwd->mode]))
		*err = -EINVAL;
	else
		lbnl_fwds[fwd->mode] = fwd;
}

#define LBNL_FWD_REGISTER(n)	lbnl_fwd_register(&lbnl_fwd_##n, &err)

/**
 * lbnl_ops_init() - fill the tables
 *
 * Return: 0, or -EINVAL if two implementations claim one value (a build
 * mistake, refused loudly rather than half-working).
 */
int __init lbnl_ops_init(void)
{
	int err = 0;

	LBNL_FWDS(LBNL_FWD_REGISTER)
	return err;
}

/**
 * lbnl_untrack() - mark a packet the module forwards as untracked
 * @skb: the packet
 *
 * Conntrack does not need to know it (the module tracks it) and would
 * otherwise see each rewritten flow as a new one.
 */
void lbnl_untrack(struct sk_buff *skb)
{
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
}
