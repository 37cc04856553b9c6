// SPDX-License-Identifier: GPL-2.0
/*
 * Where the router should send the traffic of each VIP address, and what
 * to change to get there. No I/O: unit-tested in tests/test_lbnld.c.
 *
 * The router routes addresses, not ports: several VIPs (ports, protocols)
 * may share an address, and its host route takes all their traffic. So an
 * address is bypassed (routed "via DEST") only if every VIP on it has
 * bypass auto and is single (one active dest, announced by the module
 * with its bypass dest), all to the same dest address; otherwise it is
 * routed to the LB ("dev lo"). In tun mode a packet reaches the dest
 * unchanged, port included, so only the dest's address counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/lbnl.h>

#include "lbnld.h"
#include "names.h"
#include "util.h"

int lbnld_route_list_add(struct lbnld_route_list *l,
			 const struct lbnld_route *r)
{
	struct lbnld_route *p = lbnl_grow_array(l->routes, &l->cap,
						l->count + 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	l->routes = p;
	l->routes[l->count++] = *r;
	return 0;
}

void lbnld_route_list_free(struct lbnld_route_list *l)
{
	free(l->routes);
	memset(l, 0, sizeof(*l));
}

const char *lbnld_vip_text(const struct lbu_vip_key *key, char *buf,
			   size_t len)
{
	const char *proto = lbnl_name(&lbnl_proto_names, key->proto);
	char addr[LBNL_ADDRPORTSTRLEN];

	lbnl_format_addr_port(&key->addr, key->port, addr, sizeof(addr));
	if (proto)
		snprintf(buf, len, "%s %s", proto, addr);
	else
		snprintf(buf, len, "proto %u %s", key->proto, addr);
	return buf;
}

/* Single as far as a router is concerned: a dest to send it to. */
static bool is_single(const struct lbu_vip *v)
{
	return (v->flags & LBNL_VIP_F_SINGLE) &&
	       (v->has & LBNL_VIP_HAS_BYPASS_DEST) &&
	       (v->has & LBNL_VIP_HAS_ROUTER) &&
	       (v->router == LBNL_ROUTER_PENDING ||
		v->router == LBNL_ROUTER_ACTIVE);
}

static bool is_bypass_auto(const struct lbu_vip *v)
{
	return (v->has & LBNL_VIP_HAS_BYPASS) && v->bypass == LBNL_BYPASS_AUTO;
}

/* The decision for vips[first, first + count), which share an address. */
static void decide(const struct lbu_vip *vips, size_t first, size_t count,
		   struct lbnld_decision *d)
{
	size_t i, end = first + count;

	memset(d, 0, sizeof(*d));
	d->addr = vips[first].key.addr;
	d->first = first;
	d->count = count;
	d->kind = LBNLD_SELF;
	for (i = first; i < end; i++) {
		if (!is_bypass_auto(&vips[i])) {
			d->reason = LBNLD_BYPASS_OFF;
			d->culprit = i;
			return;
		}
	}
	for (i = first; i < end; i++) {
		if (!is_single(&vips[i])) {
			d->reason = LBNLD_NOT_SINGLE;
			d->culprit = i;
			return;
		}
	}
	for (i = first + 1; i < end; i++) {
		if (!lbnl_addr_equal(&vips[i].bypass_addr,
				     &vips[first].bypass_addr)) {
			d->reason = LBNLD_DESTS_DIFFER;
			d->culprit = first;
			d->other = i;
			return;
		}
	}
	d->kind = LBNLD_VIA;
	d->dest = vips[first].bypass_addr;
	d->reason = LBNLD_BYPASSED;
}

static int compare_vip(const void *a, const void *b)
{
	return lbnl_vip_key_compare(&((const struct lbu_vip *)a)->key,
				    &((const struct lbu_vip *)b)->key);
}

int lbnld_plan_build(struct lbnld_plan *plan, const struct lbu_vip *vips,
		     size_t n)
{
	size_t i, first;

	memset(plan, 0, sizeof(*plan));
	plan->vips = malloc((n ? n : 1) * sizeof(*plan->vips));
	plan->decisions = malloc((n ? n : 1) * sizeof(*plan->decisions));
	if (!plan->vips || !plan->decisions) {
		lbnld_plan_free(plan);
		return -ENOMEM;
	}
	if (n)
		memcpy(plan->vips, vips, n * sizeof(*vips));
	plan->n_vips = n;
	qsort(plan->vips, n, sizeof(*plan->vips), compare_vip);
	for (first = 0; first < n; first = i) {
		for (i = first + 1; i < n; i++)
			if (!lbnl_addr_equal(&plan->vips[i].key.addr,
					     &plan->vips[first].key.addr))
				break;
		decide(plan->vips, first, i - first,
		       &plan->decisions[plan->n_decisions++]);
	}
	return 0;
}

void lbnld_plan_free(struct lbnld_plan *plan)
{
	free(plan->vips);
	free(plan->decisions);
	memset(plan, 0, sizeof(*plan));
}

bool lbnld_wants_confirm(const struct lbnld_decision *d,
			 const struct lbu_vip *vip)
{
	return d->kind == LBNLD_VIA && (vip->has & LBNL_VIP_HAS_ROUTER) &&
	       vip->router == LBNL_ROUTER_PENDING;
}

void lbnld_reason_text(const struct lbnld_plan *plan,
		       const struct lbnld_decision *d, char *buf, size_t len)
{
	const struct lbu_vip *v = &plan->vips[d->culprit];
	char a[LBNL_ADDRPORTSTRLEN + 16], b[LBNL_ADDRPORTSTRLEN + 16];

	lbnld_vip_text(&v->key, a, sizeof(a));
	switch (d->reason) {
	case LBNLD_BYPASSED:
		snprintf(buf, len, "every VIP on it is single");
		break;
	case LBNLD_BYPASS_OFF:
		snprintf(buf, len, "%s has bypass off", a);
		break;
	case LBNLD_NOT_SINGLE:
		if ((v->has & LBNL_VIP_HAS_ACTIVE_DESTS) &&
		    v->active_dests != 1)
			snprintf(buf, len, "%s has %u active dests", a,
				 v->active_dests);
		else
			snprintf(buf, len, "%s is not bypassed by the module",
				 a);
		break;
	case LBNLD_DESTS_DIFFER:
		snprintf(buf, len, "%s and %s are bypassed to different dests",
			 a, lbnld_vip_text(&plan->vips[d->other].key, b,
					   sizeof(b)));
		break;
	}
}

bool lbnld_route_equal(const struct lbnld_route *a,
		       const struct lbnld_route *b)
{
	if (!lbnl_addr_equal(&a->addr, &b->addr) || a->kind != b->kind)
		return false;
	if (a->kind == LBNLD_SELF)
		return a->oif == b->oif;
	return lbnl_addr_equal(&a->via, &b->via);
}

/* What the kernel gives a route written without a metric. */
static uint32_t default_priority(const struct lbnl_addr *addr)
{
	return addr->family == AF_INET6 ? 1024 : 0;
}

/* By address, then by metric: the first of a run is the one in use. */
static int compare_route(const void *pa, const void *pb)
{
	const struct lbnld_route *a = pa, *b = pb;
	int r = lbnl_addr_compare(&a->addr, &b->addr);

	if (r)
		return r;
	return a->priority < b->priority ? -1 : a->priority > b->priority;
}

static struct lbnld_route wanted(const struct lbnld_decision *d,
				 int self_oif)
{
	struct lbnld_route r = {
		.addr = d->addr, .kind = d->kind,
		.priority = default_priority(&d->addr),
	};

	if (d->kind == LBNLD_VIA)
		r.via = d->dest;
	else
		r.oif = self_oif;
	return r;
}

/*
 * The decisions and current are both sorted by address: one walk. For an
 * address in both, the first current route is kept if it is the one
 * wanted, else replaced (a write replaces the route of the same metric,
 * so one of another metric is deleted too); the others are deleted.
 */
int lbnld_diff(const struct lbnld_plan *plan, int self_oif,
	       struct lbnld_route_list *current,
	       struct lbnld_change **changes,
	       struct lbnld_route_list *deletes)
{
	size_t i, j = 0, n = plan->n_decisions;
	struct lbnld_route *cur = current->routes;
	struct lbnld_change *ch;
	int err = 0;

	memset(deletes, 0, sizeof(*deletes));
	*changes = ch = calloc(n ? n : 1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	if (current->count)
		qsort(cur, current->count, sizeof(*cur), compare_route);
	for (i = 0; i <= n && !err; i++) {
		/* Routes of addresses before decision i (or after the last). */
		while (j < current->count && !err &&
		       (i == n || lbnl_addr_compare(&cur[j].addr,
					&plan->decisions[i].addr) < 0))
			err = lbnld_route_list_add(deletes, &cur[j++]);
		if (i == n || err)
			break;
		ch[i].want = wanted(&plan->decisions[i], self_oif);
		ch[i].write = true;
		if (j < current->count &&
		    lbnl_addr_equal(&cur[j].addr, &ch[i].want.addr)) {
			ch[i].had = true;
			ch[i].prev = cur[j];
			ch[i].write = !lbnld_route_equal(&cur[j], &ch[i].want);
			if (ch[i].write &&
			    cur[j].priority != ch[i].want.priority)
				err = lbnld_route_list_add(deletes, &cur[j]);
			j++;
		}
		while (j < current->count && !err &&
		       lbnl_addr_equal(&cur[j].addr, &ch[i].want.addr))
			err = lbnld_route_list_add(deletes, &cur[j++]);
	}
	if (err) {
		free(ch);
		*changes = NULL;
		lbnld_route_list_free(deletes);
	}
	return err;
}
