// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - a dest in maint or drain, until it is empty.
 *
 * A dest set to maint or drain takes no new flow. Its existing flows
 * either finish (drain, and every TCP/UDP flow) or, in maint, its SCTP
 * associations migrate (migrate.c) once older than their VIP's
 * migrate-after. One pass when the state changes is not enough: a
 * migration rolls back (the target slow, the source's data not acked yet
 * under load, the deadline), the buffer budget may not take them all at
 * once, and young associations come of age later. So the GC (conn.c), at
 * every tick, scans the entries of each VIP that has such a dest:
 *
 *  - it counts each emptying dest's entries (&lbnl_dest_emptying.left),
 *    the number "lbnl dest wait ... empty" waits to see reach 0;
 *  - in maint, it opens a migration for each association that may move
 *    now: established, none open, old enough, and past the backoff of its
 *    last failure; at most net.lbnl.migrate_max_open of the dest's at once,
 *    the next ones at the next ticks. Each migration costs both agents a
 *    TLS handshake, an export, an import and the app's hand-over; a
 *    hundred at once on a busy server miss their deadlines together and
 *    roll back (each keeping its association silent meanwhile), where a
 *    few at a time go through;
 *  - it counts the associations given up on: those whose migration failed
 *    more than net.lbnl.migrate_retries times. They stay on the dest
 *    (flagged unmigratable, with how their last attempt ended) for the
 *    operator to decide: "lbnl conn show" lists them.
 *
 * A failure's backoff doubles from 1 s to 32 s, plus up to as much again
 * taken from the association's tag: the migrations that a busy moment
 * rolled back all at once do not all come back in the same second.
 *
 * Cost: while a VIP has an emptying dest, a walk of its table per GC tick
 * under &lbnl_net.lock (configuration changes wait for it), as a full GC
 * pass does; otherwise a look at each VIP's dests per tick. Nothing on the
 * packet path.
 */

#include <linux/rhashtable.h>
#include <linux/timekeeping.h>

#include "lb.h"

/* Most seconds between a failed migration and its retry, before spread. */
#define LBNL_MAINT_BACKOFF_MAX	32

static bool lbnl_dest_emptying(const struct lbnl_dest *dest)
{
	return !dest->dead && (dest->state == LBNL_DEST_MAINT ||
			       dest->state == LBNL_DEST_DRAIN);
}

static bool lbnl_vip_emptying(const struct lbnl_vip *vip)
{
	const struct lbnl_dest *dest;

	list_for_each_entry(dest, &vip->dests, list)
		if (lbnl_dest_emptying(dest))
			return true;
	return false;
}

/* An association of a dest in maint: may a migration of it open now? */
static bool lbnl_maint_due(const struct lbnl_vip *vip, struct lbnl_conn *c,
			   u32 now)
{
	struct lbnl_sctp_conn *sc = lbnl_sctp_conn(c);

	if (lbnl_migrate_refusal(c) || now - c->created < vip->migrate_after)
		return false;
	return !sc->mig_failed || (s32)(now - sc->mig_retry_at) >= 0;
}

/*
 * Scan one VIP's entries: count each emptying dest's, open the migrations
 * that are due. @fresh, if not %NULL, is a dest that just entered maint or
 * drain: its associations' failures are forgotten.
 */
static void lbnl_maint_scan_vip(struct lbnl_net *ln, struct lbnl_vip *vip,
				struct lbnl_dest *fresh)
{
	u32 now = (u32)ktime_get_boottime_seconds();
	u32 retries = READ_ONCE(ln->settings.migrate_retries);
	u32 max_open = READ_ONCE(ln->settings.migrate_max_open);
	bool migrate = vip->proto == IPPROTO_SCTP && vip->migrate_after;
	struct rhashtable_iter iter;
	struct lbnl_dest *dest, *target;
	struct lbnl_migration *m;
	struct lbnl_sctp_conn *sc;
	bool budget = true;
	struct lbnl_conn *c;

	list_for_each_entry(dest, &vip->dests, list) {
		dest->emptying.scan_left = 0;
		dest->emptying.scan_unmigratable = 0;
		dest->emptying.scan_open = 0;
	}
	list_for_each_entry(m, &ln->migrations, list)
		if (m->vip == vip)
			m->source->emptying.scan_open++;

	rhashtable_walk_enter(&vip->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = lbnl_conn_walk_next(&iter))) {
		dest = READ_ONCE(c->dest);
		if (!lbnl_dest_emptying(dest))
			continue;
		dest->emptying.scan_left++;
		if (!migrate)
			continue;
		sc = lbnl_sctp_conn(c);
		if (dest == fresh)
			sc->mig_failed = 0;
		if (sc->mig_failed > retries) {
			dest->emptying.scan_unmigratable++;
			continue;
		}
		if (!budget || dest->state != LBNL_DEST_MAINT ||
		    dest->emptying.scan_open >= max_open ||
		    !lbnl_maint_due(vip, c, now))
			continue;
		target = lbnl_migrate_pick(vip, c, dest);
		if (!target)
			continue;
		m = lbnl_migrate_open(ln, vip, c, target,
				      lbnl_migrate_timeout(ln));
		if (!IS_ERR(m))
			dest->emptying.scan_open++;
		/* No budget left: the rest wait for the next scan. */
		else if (PTR_ERR(m) == -ENOBUFS)
			budget = false;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	list_for_each_entry(dest, &vip->dests, list) {
		WRITE_ONCE(dest->emptying.left, dest->emptying.scan_left);
		WRITE_ONCE(dest->emptying.unmigratable,
			   dest->emptying.scan_unmigratable);
	}
}

/* Announce the migrations opened since the one numbered @last. */
static void lbnl_maint_announce(struct lbnl_net *ln, u32 last)
{
	struct lbnl_migration *m;

	list_for_each_entry(m, &ln->migrations, list)
		if ((s32)(m->id - last) > 0)
			lbnl_notify_migration(ln, LBNL_CMD_MIGRATE_START, m,
					      NULL);
}

/**
 * lbnl_maint_begin() - a dest entered maint or drain
 * @ln: the namespace's state, locked
 * @vip: the dest's VIP
 * @dest: the dest
 *
 * Starts its counts afresh and scans at once: the migrations that may
 * open do, and the dest's LEFT is exact when the caller announces the
 * change.
 *
 * Return: the number of the last migration opened before, for
 * lbnl_maint_begun().
 */
u32 lbnl_maint_begin(struct lbnl_net *ln, struct lbnl_vip *vip,
		     struct lbnl_dest *dest)
{
	u32 last = ln->migrate_id;

	lockdep_assert_held(&ln->lock);
	WRITE_ONCE(dest->emptying.moved, 0);
	lbnl_maint_scan_vip(ln, vip, dest);
	return last;
}

/**
 * lbnl_maint_begun() - announce what lbnl_maint_begin() opened
 * @ln: the namespace's state, locked
 * @last: what lbnl_maint_begin() returned
 *
 * Called after the dest's own change was announced, so that a listener
 * sees the dest go into maint before its migrations start. Out of any RCU
 * section: events may sleep.
 */
void lbnl_maint_begun(struct lbnl_net *ln, u32 last)
{
	lockdep_assert_held(&ln->lock);
	lbnl_maint_announce(ln, last);
}

/**
 * lbnl_maint_scan() - the GC's pass over the emptying dests
 * @ln: the namespace's state, locked
 */
void lbnl_maint_scan(struct lbnl_net *ln)
{
	u32 last = ln->migrate_id;
	struct lbnl_vip *vip;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry(vip, &ln->vips, list)
		if (lbnl_vip_emptying(vip))
			lbnl_maint_scan_vip(ln, vip, NULL);
	lbnl_maint_announce(ln, last);
}

/**
 * lbnl_maint_closed() - a migration ended: count it, or back off
 * @ln: the namespace's state, locked
 * @m: the migration
 * @c: its association's entry (under RCU), or %NULL if it is gone
 * @end: how it ended
 */
void lbnl_maint_closed(struct lbnl_net *ln, struct lbnl_migration *m,
		       struct lbnl_conn *c, enum lbnl_migrate_end end)
{
	struct lbnl_sctp_conn *sc;
	u32 backoff;

	lockdep_assert_held(&ln->lock);
	if (end == LBNL_MIGRATE_COMMITTED) {
		WRITE_ONCE(m->source->emptying.moved,
			   m->source->emptying.moved + 1);
		if (c)
			lbnl_sctp_conn(c)->mig_failed = 0;
		return;
	}
	if (!c)
		return;
	sc = lbnl_sctp_conn(c);
	if (sc->mig_failed < U8_MAX)
		sc->mig_failed++;
	sc->mig_end = end;
	backoff = min_t(u32, 1U << min_t(u32, sc->mig_failed - 1, 5),
			LBNL_MAINT_BACKOFF_MAX);
	sc->mig_retry_at = (u32)ktime_get_boottime_seconds() + backoff +
			   READ_ONCE(sc->my_vtag) % backoff;
}
