// SPDX-License-Identifier: GPL-2.0
/*
 * One reconciliation: read every VIP from the module, decide where each
 * address should be routed (policy.c), compare with what the router has
 * (the driver's load), write what differs, and confirm each bypass to the
 * module (BYPASS_ACTIVE) once its route is written: never before, so the
 * LB keeps flow state for as long as the router may still send it
 * packets. Every transition is logged.
 *
 * Idempotent, and it reads everything each time: events only say when to
 * run it, so a lost event (ENOBUFS), a restart of lbnld or a route deleted
 * by hand are all mended the same way. Before the routes, the records of
 * migrated SCTP associations are brought in line with the module's table
 * (records.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/lbnl.h>

#include "errors.h"
#include "group.h"
#include "lbnld.h"

/* How the BYPASS_ACTIVE of one address went. */
struct confirms {
	unsigned int asked;
	unsigned int done;
	bool failed;		/* an error to retry (not a stale VIP) */
	char first_err[192];	/* "tcp 192.0.2.1:80: the VIP is ..." */
};

static int bypass_active(struct lbnld *ld, const struct lbu_dest *dest,
			 const char **why)
{
	int err = lbnl_bypass_active(ld->lbnl, dest);

	*why = err ? lbnl_nl_extack(ld->lbnl) : NULL;
	return err;
}

static void confirm_one(struct lbnld *ld, const struct lbu_vip *v,
			struct confirms *res)
{
	struct lbu_dest dest = {
		.vip = v->key, .addr = v->bypass_addr, .port = v->bypass_port,
	};
	lbnld_confirm_fn confirm = ld->confirm ? ld->confirm : bypass_active;
	char key[LBNL_ADDRPORTSTRLEN + 16];
	const char *why;
	int err;

	res->asked++;
	err = confirm(ld, &dest, &why);
	if (!err) {
		res->done++;
		return;
	}
	/* Stale: the VIP changed since the dump, its event will follow. */
	if (err != -ESTALE && err != -ENOENT)
		res->failed = true;
	if (res->first_err[0])
		return;
	snprintf(res->first_err, sizeof(res->first_err), "%s: %s",
		 lbnld_vip_text(&v->key, key, sizeof(key)),
		 why ? why : lbnl_strerror(LBNL_OP_BYPASS_ACTIVE, err));
}

static void confirm_all(struct lbnld *ld, const struct lbnld_plan *plan,
			const struct lbnld_decision *d, struct confirms *res)
{
	size_t i;

	for (i = d->first; i < d->first + d->count; i++)
		if (lbnld_wants_confirm(d, &plan->vips[i]))
			confirm_one(ld, &plan->vips[i], res);
}

/*
 * "VIP 192.0.2.1 bypassed to 203.0.113.11 (route written, confirmed)",
 * "VIP 192.0.2.1 back to the LB from 203.0.113.11 (route written): tcp
 * 192.0.2.1:80 has 2 active dests", ...
 */
static void log_transition(struct lbnld *ld, const struct lbnld_plan *plan,
			   const struct lbnld_decision *d,
			   const struct lbnld_change *c,
			   const struct confirms *res)
{
	char addr[LBNL_ADDRSTRLEN], dest[LBNL_ADDRSTRLEN];
	char prev[LBNL_ADDRSTRLEN + 8] = "", how[320], why[256];
	int prio = LOG_NOTICE;

	if (!c->write && !res->asked)
		return;
	lbnl_format_addr(&d->addr, addr, sizeof(addr));
	snprintf(how, sizeof(how), "%s",
		 c->write ? ld->driver->written : ld->driver->in_place);
	if (res->asked && res->done == res->asked) {
		snprintf(how + strlen(how), sizeof(how) - strlen(how),
			 ", confirmed");
	} else if (res->asked) {
		snprintf(how + strlen(how), sizeof(how) - strlen(how),
			 "; %u of %u confirmed, %s", res->done, res->asked,
			 res->first_err);
		prio = LOG_WARNING;
	}
	if (c->had && c->prev.kind == LBNLD_VIA)
		lbnl_format_addr(&c->prev.via, prev, sizeof(prev));
	if (d->kind == LBNLD_VIA) {
		lbnl_format_addr(&d->dest, dest, sizeof(dest));
		if (prev[0] && strcmp(prev, dest))
			lbnl_log(prio, "VIP %s bypassed to %s, was %s (%s)",
				  addr, dest, prev, how);
		else
			lbnl_log(prio, "VIP %s bypassed to %s (%s)", addr,
				  dest, how);
		return;
	}
	lbnld_reason_text(plan, d, why, sizeof(why));
	if (prev[0])
		lbnl_log(prio, "VIP %s back to the LB from %s (%s): %s", addr,
			  prev, how, why);
	else
		lbnl_log(prio, "VIP %s routed to the LB (%s): %s", addr, how,
			  why);
}

/* Write (if needed) and confirm one address. false: retry later. */
static bool apply(struct lbnld *ld, const struct lbnld_plan *plan,
		  const struct lbnld_decision *d, const struct lbnld_change *c,
		  struct lbnld_route_list *in_place, unsigned int *written)
{
	struct confirms res = { 0 };
	int err = 0;

	if (c->write)
		err = ld->driver->write(ld, plan, d, c);
	if (err) {
		if (c->had)
			lbnld_route_list_add(in_place, &c->prev);
		return false;
	}
	*written += c->write;
	err = lbnld_route_list_add(in_place, &c->want);
	confirm_all(ld, plan, d, &res);
	log_transition(ld, plan, d, c, &res);
	return !err && !res.failed;
}

/* Whether the plan has a decision for addr (decisions are sorted). */
static bool planned(const struct lbnld_plan *plan,
		    const struct lbnl_addr *addr)
{
	size_t lo = 0, hi = plan->n_decisions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = lbnl_addr_compare(&plan->decisions[mid].addr, addr);

		if (!r)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool remove_route(struct lbnld *ld, const struct lbnld_plan *plan,
			 const struct lbnld_route *r,
			 struct lbnld_route_list *in_place)
{
	char addr[LBNL_ADDRSTRLEN];

	if (ld->driver->remove(ld, r)) {
		lbnld_route_list_add(in_place, r);
		return false;
	}
	lbnl_format_addr(&r->addr, addr, sizeof(addr));
	if (planned(plan, &r->addr))
		lbnl_log(LOG_INFO, "VIP %s: extra route (metric %u) deleted",
			  addr, r->priority);
	else
		lbnl_log(LOG_NOTICE, "VIP %s gone (%s)", addr,
			  ld->driver->removed);
	return true;
}

/*
 * The index of the self device; 0 with the hook driver, or if it does not
 * exist: then the self routes are not written (bypasses still are).
 */
static int self_oif(struct lbnld *ld)
{
	int oif;

	if (ld->driver != &lbnld_table_driver)
		return 0;
	oif = (int)if_nametoindex(ld->conf.self_dev);
	if (!oif)
		lbnl_log(LOG_ERR, "self-dev %s: %s: no route to the LB can be written",
			  ld->conf.self_dev, strerror(errno));
	return oif;
}

static int reconcile_plan(struct lbnld *ld, const struct lbnld_plan *plan)
{
	struct lbnld_route_list current = { 0 }, deletes, in_place = { 0 };
	unsigned int written = 0, deleted = 0;
	struct lbnld_change *changes;
	bool ok = true;
	size_t i;
	int err, oif = self_oif(ld);

	err = ld->driver->load(ld, &current);
	if (!err)
		err = lbnld_diff(plan, oif, &current, &changes, &deletes);
	lbnld_route_list_free(&current);
	if (err)
		return err;
	for (i = 0; i < plan->n_decisions; i++)
		ok &= apply(ld, plan, &plan->decisions[i], &changes[i],
			    &in_place, &written);
	for (i = 0; i < deletes.count; i++) {
		bool removed = remove_route(ld, plan, &deletes.routes[i],
					    &in_place);

		ok &= removed;
		deleted += removed;
	}
	ld->driver->applied(ld, &in_place);
	lbnl_log(LOG_DEBUG, "reconciled %zu VIPs on %zu addresses: %u written, %u deleted%s",
		  plan->n_vips, plan->n_decisions, written, deleted,
		  ok ? "" : ", some failed (retrying)");
	free(changes);
	lbnld_route_list_free(&deletes);
	return ok ? 0 : -EAGAIN;
}

/* The VIPs, or a log line saying why not. */
static int dump_vips(struct lbnld *ld, struct lbnl_vip_list *vips)
{
	const char *extack;
	int err = lbnl_vip_dump(ld->lbnl, vips);

	if (!err)
		return 0;
	extack = lbnl_nl_extack(ld->lbnl);
	if (err == -ENOENT)	/* the family itself */
		extack = "the lbnl module is gone";
	if (!extack)
		extack = lbnl_strerror(LBNL_OP_VIP_GET, err);
	lbnl_log(LOG_ERR, "cannot read the VIPs: %s", extack);
	return err;
}

int lbnld_reconcile(struct lbnld *ld)
{
	struct lbnl_vip_list vips;
	int err, rerr, cerr = 0;

	err = dump_vips(ld, &vips);
	if (err)
		return err;
	/*
	 * In a group, an LB that could not apply a revision another LB runs
	 * serves nothing: its routes are withdrawn until it catches up
	 * (group.c), and written again by the reconciliation after that.
	 */
	if (ld->group && lbnld_group_lagging(ld->group)) {
		lbnl_vip_list_free(&vips);
		if (ld->lag_withdrawn)
			return 0;
		err = lbnld_withdraw(ld, "behind the group");
		ld->lag_withdrawn = !err;
		return err;
	}
	ld->lag_withdrawn = false;
	/* A held instance without VIPs: configured first (ready.c). */
	if (ld->held && !vips.count && lbnld_ready_configures(ld)) {
		cerr = lbnld_ready_configure(ld);
		lbnl_vip_list_free(&vips);
		err = dump_vips(ld, &vips);
		if (err)
			return err;
	}
	/* In a group: configured once a revision of the group is applied. */
	if (ld->held && ld->group && !cerr && !lbnld_group_applied(ld->group))
		cerr = -EAGAIN;
	/*
	 * The migrated associations' entries before the routes: a VIP is
	 * announced with them in place (records.c).
	 */
	rerr = lbnld_records_reconcile(ld, vips.vips, vips.count);
	if (ld->held && !lbnld_ready_check(ld, vips.count, cerr, rerr)) {
		lbnl_vip_list_free(&vips);
		return -EAGAIN;
	}
	err = lbnld_reconcile_vips(ld, vips.vips, vips.count);
	lbnl_vip_list_free(&vips);
	/* -ENOENT says the module is gone: only the dump may say so. */
	if (err == -ENOENT || (!err && rerr))
		err = -EAGAIN;
	return err;
}

int lbnld_withdraw(struct lbnld *ld, const char *why)
{
	struct lbnld_route_list current = { 0 }, in_place = { 0 };
	char addr[LBNL_ADDRSTRLEN];
	unsigned int removed = 0;
	size_t i;
	int err;

	err = ld->driver->load(ld, &current);
	if (err) {
		lbnl_log(LOG_ERR, "%s: cannot read the routes: %s", why,
			  strerror(-err));
		return err;
	}
	for (i = 0; i < current.count; i++) {
		lbnl_format_addr(&current.routes[i].addr, addr, sizeof(addr));
		if (ld->driver->remove(ld, &current.routes[i])) {
			lbnld_route_list_add(&in_place, &current.routes[i]);
			continue;
		}
		lbnl_log(LOG_INFO, "VIP %s withdrawn (%s)", addr,
			  ld->driver->removed);
		removed++;
	}
	ld->driver->applied(ld, &in_place);
	lbnl_log(removed == current.count ? LOG_NOTICE : LOG_ERR,
		  "%s: %u of %zu routes removed: the router stops sending this LB the VIPs' traffic",
		  why, removed, current.count);
	err = removed == current.count ? 0 : -EAGAIN;
	lbnld_route_list_free(&current);
	lbnld_route_list_free(&in_place);
	return err;
}

int lbnld_reconcile_vips(struct lbnld *ld, const struct lbu_vip *vips,
			 size_t n)
{
	struct lbnld_plan plan;
	int err;

	err = lbnld_plan_build(&plan, vips, n);
	if (err)
		return err;
	err = reconcile_plan(ld, &plan);
	lbnld_plan_free(&plan);
	return err;
}
