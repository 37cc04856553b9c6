// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of lbnld's metrics (lbnld/metrics.c) without a module: the
 * migration counters built from events, label escaping, and the text
 * rendering of a fixed snapshot (two VIPs, three dests, every drop reason
 * the module has and one it does not know, migrations in every bucket
 * kind).
 *
 *	test_metrics            the checks; exit status 0 if all passed
 *	test_metrics render     print the fixed snapshot's rendering
 *	                        (test_metrics.sh compares it with
 *	                        metrics.expected and has promtool check it)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/lbnl.h>

#include "../lbnld/lbnld.h"
#include "check.h"

static struct lbnl_event mig_event(uint8_t cmd, int64_t age_ms,
				   const char *reason)
{
	struct lbnl_event ev = { .cmd = cmd, .has_migrate = true };

	ev.migrate.has = LBNL_MIGRATE_HAS_ID;
	if (age_ms >= 0) {
		ev.migrate.age_ms = (uint64_t)age_ms;
		ev.migrate.has |= LBNL_MIGRATE_HAS_AGE;
	}
	if (reason) {
		snprintf(ev.migrate.reason, sizeof(ev.migrate.reason), "%s",
			 reason);
		ev.migrate.has |= LBNL_MIGRATE_HAS_REASON;
	}
	return ev;
}

static void count(struct lbnld_mig_counts *c, uint8_t cmd, int64_t age_ms,
		  const char *reason)
{
	struct lbnl_event ev = mig_event(cmd, age_ms, reason);

	lbnld_metrics_count(c, &ev);
}

/* Starts, commits and aborts of every kind; durations in most buckets. */
static void fill_migrations(struct lbnld_mig_counts *c)
{
	struct lbnl_event other = { .cmd = LBNL_CMD_VIP_NEW };
	struct lbnl_event srv = mig_event(LBNL_CMD_MIGRATE_COMMIT, 1, NULL);
	int i;

	for (i = 0; i < 7; i++)
		count(c, LBNL_CMD_MIGRATE_START, -1, NULL);
	count(c, LBNL_CMD_MIGRATE_COMMIT, 0, NULL);	/* le 0.005 */
	count(c, LBNL_CMD_MIGRATE_COMMIT, 5, NULL);	/* le 0.005 */
	count(c, LBNL_CMD_MIGRATE_COMMIT, 6, NULL);	/* le 0.01 */
	count(c, LBNL_CMD_MIGRATE_COMMIT, 1234, NULL);	/* le 2.5 */
	count(c, LBNL_CMD_MIGRATE_ABORT, 5000, "deadline");	/* le 5 */
	count(c, LBNL_CMD_MIGRATE_ABORT, 70000, "buffer full");	/* +Inf */
	count(c, LBNL_CMD_MIGRATE_ABORT, 12, "requested");	/* le 0.025 */
	count(c, LBNL_CMD_MIGRATE_ABORT, -1, "dest deleted");	/* no age */
	count(c, LBNL_CMD_MIGRATE_ABORT, 3, "VIP deleted");
	count(c, LBNL_CMD_MIGRATE_ABORT, 1, "a newer reason");
	count(c, LBNL_CMD_MIGRATE_ABORT, 2, NULL);
	lbnld_metrics_count(c, &other);
	srv.srv = true;				/* lbnl_srv's: not ours */
	lbnld_metrics_count(c, &srv);
	c->events_lost = 1;
}

static void test_counts(void)
{
	struct lbnld_mig_counts c = { 0 };

	fill_migrations(&c);
	CHECK(c.started == 7, "started %llu", (unsigned long long)c.started);
	CHECK(c.ended[LBNLD_MIG_COMMITTED] == 4 &&
	      c.ended[LBNLD_MIG_ABORTED] == 7, "ended %llu %llu",
	      (unsigned long long)c.ended[LBNLD_MIG_COMMITTED],
	      (unsigned long long)c.ended[LBNLD_MIG_ABORTED]);
	CHECK(c.aborted[LBNLD_MIG_DEADLINE] == 1 &&
	      c.aborted[LBNLD_MIG_BUFFER_FULL] == 1 &&
	      c.aborted[LBNLD_MIG_REQUESTED] == 1 &&
	      c.aborted[LBNLD_MIG_DEST_DELETED] == 1 &&
	      c.aborted[LBNLD_MIG_VIP_DELETED] == 1 &&
	      c.aborted[LBNLD_MIG_OTHER] == 2, "aborted by reason");
	CHECK(c.timed[LBNLD_MIG_COMMITTED] == 4 &&
	      c.timed[LBNLD_MIG_ABORTED] == 6, "timed: the events with AGE_MS");
	CHECK(c.sum_ms[LBNLD_MIG_COMMITTED] == 1245 &&
	      c.sum_ms[LBNLD_MIG_ABORTED] == 75018, "sums %llu %llu",
	      (unsigned long long)c.sum_ms[LBNLD_MIG_COMMITTED],
	      (unsigned long long)c.sum_ms[LBNLD_MIG_ABORTED]);
	CHECK(c.buckets[LBNLD_MIG_COMMITTED][0] == 2 &&
	      c.buckets[LBNLD_MIG_COMMITTED][1] == 1 &&
	      c.buckets[LBNLD_MIG_COMMITTED][8] == 1, "5 ms is le 0.005");
	CHECK(c.buckets[LBNLD_MIG_ABORTED][LBNLD_MIG_BUCKETS] == 1 &&
	      c.buckets[LBNLD_MIG_ABORTED][9] == 1, "70 s is +Inf, 5 s le 5");
}

static void test_escape(void)
{
	char buf[16];

	CHECK(!lbnld_metrics_escape(buf, sizeof(buf), "192.0.2.1:80") &&
	      !strcmp(buf, "192.0.2.1:80"), "plain: %s", buf);
	CHECK(!lbnld_metrics_escape(buf, sizeof(buf), "a\"b\\c\nd") &&
	      !strcmp(buf, "a\\\"b\\\\c\\nd"), "escaped: %s", buf);
	CHECK(lbnld_metrics_escape(buf, 4, "abcd") == -ENOSPC && !buf[0],
	      "too long: refused, not cut");
	CHECK(lbnld_metrics_escape(buf, 4, "ab\"") == -ENOSPC && !buf[0],
	      "an escape that does not fit: refused");
	CHECK(lbnld_metrics_escape(buf, 4, "ab\\") == -ENOSPC,
	      "ab\\ escaped needs 5 bytes");
	CHECK(!lbnld_metrics_escape(buf, 4, "abc") && !strcmp(buf, "abc"),
	      "exactly full");
}

static void set_counters(struct lbnl_stats *st, uint64_t base, bool vip,
			 bool global)
{
	unsigned int i;

	for (i = 0; i < LBNL_COUNTERS; i++) {
		if (!global && i == LBNL_COUNTER_DROPPED)
			continue;
		if (!vip && !global && i == LBNL_COUNTER_UNCONFIRMED)
			continue;
		st->counters[i] = base + i;
		st->has |= 1U << i;
	}
}

static void vip_key(struct lbu_vip_key *k, const char *addr, uint16_t port,
		    uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	if (lbnl_parse_addr(addr, &k->addr))
		abort();
	k->port = port;
	k->proto = proto;
}

static void addr(struct lbnl_addr *a, const char *text)
{
	if (lbnl_parse_addr(text, a))
		abort();
}

/* The fixed snapshot of metrics.expected. */
static void fill(struct lbnld_metrics_snapshot *s)
{
	static struct lbnl_stats_entry entries[5];
	static struct lbu_vip vips[2];
	static struct lbu_dest dests[3];
	struct lbu_vip_key tcp, sctp;
	unsigned int r;

	memset(s, 0, sizeof(*s));
	s->module = true;
	/* Global: every counter; every drop reason known, and reason 40. */
	set_counters(&s->global, 1000, false, true);
	s->global.has_drops = true;
	for (r = 1; r <= LBNL_DROP_MAX; r++) {
		s->global.drops_present |= 1ULL << r;
		s->global.drops[r] = r == LBNL_DROP_NO_DEST ? 7 : 0;
	}
	s->global.drops_present |= 1ULL << 40;
	s->global.drops[40] = 2;
	s->global.counters[LBNL_COUNTER_DROPPED] = 9;

	vip_key(&tcp, "192.0.2.1", 80, IPPROTO_TCP);
	vip_key(&sctp, "2001:db8::1", 3868, IPPROTO_SCTP);
	entries[0] = (struct lbnl_stats_entry){ .vip = tcp };
	set_counters(&entries[0].stats, 100, true, false);
	entries[1] = (struct lbnl_stats_entry){ .vip = tcp, .is_dest = true };
	addr(&entries[1].dest.addr, "203.0.113.11");
	entries[1].dest.port = 8080;
	set_counters(&entries[1].stats, 10, false, false);
	entries[2] = entries[1];
	addr(&entries[2].dest.addr, "203.0.113.12");
	set_counters(&entries[2].stats, 20, false, false);
	entries[3] = (struct lbnl_stats_entry){ .vip = sctp };
	set_counters(&entries[3].stats, 200, true, false);
	entries[4] = (struct lbnl_stats_entry){ .vip = sctp, .is_dest = true };
	addr(&entries[4].dest.addr, "2001:db8::11");
	entries[4].dest.port = 3868;
	set_counters(&entries[4].stats, 30, false, false);
	s->stats.entries = entries;
	s->stats.count = 5;

	vips[0] = (struct lbu_vip){
		.key = tcp, .mode = LBNL_FWD_NAT, .sched = LBNL_SCHED_MAGLEV,
		.bypass = LBNL_BYPASS_OFF, .dest_count = 2, .active_dests = 1,
		.router = LBNL_ROUTER_LB,
		.has = LBNL_VIP_HAS_MODE | LBNL_VIP_HAS_SCHED |
		       LBNL_VIP_HAS_BYPASS | LBNL_VIP_HAS_DEST_COUNT |
		       LBNL_VIP_HAS_ACTIVE_DESTS | LBNL_VIP_HAS_ROUTER |
		       LBNL_VIP_HAS_CHANGED,	/* changed_ms 0: no transition */
	};
	vips[1] = (struct lbu_vip){
		.key = sctp, .mode = LBNL_FWD_TUN, .sched = LBNL_SCHED_WRR,
		.bypass = LBNL_BYPASS_AUTO, .dest_count = 1,
		.active_dests = 1, .router = LBNL_ROUTER_ACTIVE,
		.bypass_port = 3868, .changed_ms = 1764000000123ULL,
		.has = LBNL_VIP_HAS_MODE | LBNL_VIP_HAS_SCHED |
		       LBNL_VIP_HAS_BYPASS | LBNL_VIP_HAS_DEST_COUNT |
		       LBNL_VIP_HAS_ACTIVE_DESTS | LBNL_VIP_HAS_ROUTER |
		       LBNL_VIP_HAS_BYPASS_DEST | LBNL_VIP_HAS_CHANGED,
	};
	addr(&vips[1].bypass_addr, "2001:db8::11");
	s->vips.vips = vips;
	s->vips.count = 2;

	dests[0] = (struct lbu_dest){
		.vip = tcp, .addr = entries[1].dest.addr, .port = 8080,
		.weight = 100, .state = LBNL_DEST_ACTIVE,
		.has = LBNL_DEST_HAS_WEIGHT | LBNL_DEST_HAS_STATE,
	};
	dests[1] = dests[0];
	dests[1].addr = entries[2].dest.addr;
	dests[1].state = LBNL_DEST_MAINT;
	dests[1].weight = 0;
	dests[1].has |= LBNL_DEST_HAS_EMPTYING;
	dests[1].moved = 97;
	dests[1].left = 3;
	dests[1].unmigratable = 1;
	dests[2] = (struct lbu_dest){
		.vip = sctp, .addr = entries[4].dest.addr, .port = 3868,
		.weight = 1, .state = LBNL_DEST_DRAIN,
		.has = LBNL_DEST_HAS_WEIGHT | LBNL_DEST_HAS_STATE |
		       LBNL_DEST_HAS_EMPTYING,
		.left = 12,
	};
	s->dests.dests = dests;
	s->dests.count = 3;

	s->migrations_open = 1;
	fill_migrations(&s->mig);
}

/* Without the module: lbnld's own counters only. */
static void test_no_module(void)
{
	struct lbnld_metrics_snapshot s = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f && !lbnld_metrics_render(&s, f), "render");
	if (f)
		fclose(f);
	CHECK(text && strstr(text, "\nlbnl_module_loaded 0\n") &&
	      strstr(text, "\nlbnl_migrations_started_total 0\n") &&
	      !strstr(text, "lbnl_packets_in_total") &&
	      !strstr(text, "lbnl_migrations_open"),
	      "no module: %s", text ? text : "");
	free(text);
}

int main(int argc, char **argv)
{
	struct lbnld_metrics_snapshot s;

	if (argc == 2 && !strcmp(argv[1], "render")) {
		fill(&s);
		return lbnld_metrics_render(&s, stdout) ? 1 : 0;
	}
	test_counts();
	test_escape();
	test_no_module();
	printf("test_metrics: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
