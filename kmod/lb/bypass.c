// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - single-address tenants: the LB steps out of the data path of a VIP
 * with one active dest (US 8,805,990).
 *
 * A VIP with bypass auto (tun mode only: the dest must accept the VIP's
 * packets as they come from the router) moves through these states, all
 * changed under &lbnl_net.lock and read locklessly by the packet path:
 *
 *   flags 0 / MULTI, router LB or WITHDRAWN: flow state as usual.
 *   one active dest -> flag SINGLE, router PENDING, event VIP_BYPASS: still
 *     stateful; lbnld points the router at the dest.
 *   BYPASS_ACTIVE from lbnld -> router ACTIVE: packets that still reach
 *     the LB (route convergence) and have no entry go to the dest without
 *     creating one; existing entries keep working and age out.
 *   active dests != 1 -> flag MULTI (or 0 with none), router WITHDRAWN,
 *     event VIP_UNBYPASS: flow state at once. Flows opened during the bypass
 *     reach the LB mid-flow without an entry: they are pinned to the former
 *     single dest (kept in &lbnl_vip.bypass_dest), the new ones spread.
 *
 * Without lbnld nothing confirms, so the LB never stops keeping state: the
 * safe default. The module only announces; routing is userspace's job.
 */

#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "lb.h"

static bool lbnl_bypass_allowed(const struct lbnl_vip *vip)
{
	return vip->bypass == LBNL_BYPASS_AUTO &&
	       lbnl_fwd_get(vip->mode)->bypass;
}

/* The one dest taking new flows, if exactly one does; the count. */
static struct lbnl_dest *lbnl_bypass_single(struct lbnl_vip *vip, u32 *n)
{
	struct lbnl_dest *dest, *single = NULL;

	*n = 0;
	list_for_each_entry(dest, &vip->dests, list) {
		if (!lbnl_dest_takes_new(dest))
			continue;
		single = dest;
		++*n;
	}
	return *n == 1 ? single : NULL;
}

static void lbnl_bypass_set(struct lbnl_vip *vip, u32 flags, u8 router,
			    struct lbnl_dest *dest)
{
	struct lbnl_dest *old;

	if (dest)
		refcount_inc(&dest->refcnt);
	old = rcu_replace_pointer(vip->bypass_dest, dest,
				  lockdep_is_held(&vip->ln->lock));
	if (old)
		lbnl_dest_put(old);
	WRITE_ONCE(vip->router, router);
	WRITE_ONCE(vip->flags, flags);
	vip->changed_ms = ktime_get_real_ns() / NSEC_PER_MSEC;
}

/**
 * lbnl_bypass_update() - re-evaluate a VIP's bypass after a change to its
 * dests or its policy, and announce a transition
 * @ln: the namespace's state, locked
 * @vip: the VIP
 */
void lbnl_bypass_update(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	struct lbnl_dest *single, *cur;
	u32 n;

	lockdep_assert_held(&ln->lock);
	single = lbnl_bypass_single(vip, &n);
	vip->active_dests = n;
	cur = rcu_dereference_protected(vip->bypass_dest,
					lockdep_is_held(&ln->lock));

	if (single && lbnl_bypass_allowed(vip)) {
		if (vip->flags & LBNL_VIP_F_SINGLE && cur == single)
			return;
		lbnl_bypass_set(vip, LBNL_VIP_F_SINGLE, LBNL_ROUTER_PENDING,
				single);
		lbnl_notify(ln->net, LBNL_CMD_VIP_BYPASS, vip, NULL);
		return;
	}
	if (!(vip->flags & LBNL_VIP_F_SINGLE))
		return;
	/* Keep the former single dest: flows opened meanwhile stay on it. */
	lbnl_bypass_set(vip, n >= 2 ? LBNL_VIP_F_MULTI : 0,
			LBNL_ROUTER_WITHDRAWN, cur);
	lbnl_notify(ln->net, LBNL_CMD_VIP_UNBYPASS, vip, NULL);
}

/**
 * lbnl_bypass_confirm() - userspace has pointed the router at the dest
 * @ln: the namespace's state, locked
 * @vip: the VIP
 * @dest: the dest the route points at
 *
 * Return: 0, or -ESTALE if the VIP is not (or no longer) bypassed to @dest.
 */
int lbnl_bypass_confirm(struct lbnl_net *ln, struct lbnl_vip *vip,
			struct lbnl_dest *dest)
{
	lockdep_assert_held(&ln->lock);
	if (!(vip->flags & LBNL_VIP_F_SINGLE) ||
	    rcu_access_pointer(vip->bypass_dest) != dest)
		return -ESTALE;
	if (vip->router == LBNL_ROUTER_ACTIVE)
		return 0;
	WRITE_ONCE(vip->router, LBNL_ROUTER_ACTIVE);
	vip->changed_ms = ktime_get_real_ns() / NSEC_PER_MSEC;
	lbnl_notify(ln->net, LBNL_CMD_BYPASS_ACTIVE, vip, NULL);
	return 0;
}

/**
 * lbnl_bypass_release() - a VIP is being deleted: forget its bypass quietly
 * @ln: the namespace's state, locked
 * @vip: the VIP
 *
 * Its deletion is the only event: userspace withdraws the route on VIP_DEL.
 */
void lbnl_bypass_release(struct lbnl_net *ln, struct lbnl_vip *vip)
{
	lockdep_assert_held(&ln->lock);
	WRITE_ONCE(vip->bypass, LBNL_BYPASS_OFF);
	lbnl_bypass_set(vip, 0, vip->router, NULL);
}

/**
 * lbnl_bypass_dest() - where a packet without an entry goes, if the bypass
 * decides it
 * @vip: the VIP
 * @pickup: the packet is in the middle of a flow (TCP without SYN, SCTP
 *	    without INIT)
 * @stateless: set to true if no entry must be created
 *
 * Call under rcu_read_lock().
 *
 * Return: the bypass dest, or %NULL to schedule as usual.
 */
struct lbnl_dest *lbnl_bypass_dest(struct lbnl_vip *vip, bool pickup,
				   bool *stateless)
{
	u32 flags = READ_ONCE(vip->flags);
	struct lbnl_dest *dest;

	*stateless = false;
	if (!(flags & (LBNL_VIP_F_SINGLE | LBNL_VIP_F_MULTI)))
		return NULL;
	dest = rcu_dereference(vip->bypass_dest);
	if (!dest || READ_ONCE(dest->dead))
		return NULL;
	if (flags & LBNL_VIP_F_SINGLE) {
		if (READ_ONCE(vip->router) != LBNL_ROUTER_ACTIVE)
			return NULL;
		*stateless = true;
		return dest;
	}
	return pickup ? dest : NULL;
}
