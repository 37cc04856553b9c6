// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl dest wait VIP:PORT proto P DADDR[:PORT] empty [timeout S]
 *
 * Waits for a dest in maint or drain to hold no connection entry: what an
 * operator runs before taking the server down. The module does the work
 * (maint.c: it retries failed migrations with backoff, moves associations
 * as they come of age, gives up after net.lbnl.migrate_retries); this
 * reads the dest's counts (moved, left, unmigratable) every half second.
 * On a terminal it keeps one progress line up to date; otherwise it
 * prints a line when a count changes. It stops when the dest is empty
 * (exit 0), or with exit 1 when it cannot become so: the timeout passed,
 * the dest went away or back to active, or all that is left is
 * associations given up on, which it then lists with how their last
 * migration failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/lbnl.h>

#include "json_print.h"
#include "lb_print.h"
#include "lbnl.h"
#include "names.h"
#include "util.h"

#define WAIT_POLL_NS	500000000L

enum wait_end {
	WAIT_EMPTY,
	WAIT_TIMEOUT,
	WAIT_GIVEN_UP,		/* only unmigratable associations left */
	WAIT_NOT_EMPTYING,	/* active again, or gone */
	WAIT_ERROR,
};

static const char *const wait_end_names[] = {
	[WAIT_EMPTY] = "empty",
	[WAIT_TIMEOUT] = "timeout",
	[WAIT_GIVEN_UP] = "unmigratable",
	[WAIT_NOT_EMPTYING] = "not emptying",
	[WAIT_ERROR] = "error",
};

static double wait_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The dest as the kernel has it now: 0, -ENOENT, or a netlink error. */
static int wait_read(struct lbnl_nl *nl, const struct lbu_dest *key,
		     struct lbu_dest *now)
{
	struct lbnl_dest_list list;
	size_t i;
	int err;

	err = lbnl_dest_dump(nl, &key->vip, &list);
	if (err)
		return err;
	err = -ENOENT;
	for (i = 0; i < list.count; i++)
		if (lbnl_addr_equal(&list.dests[i].addr, &key->addr) &&
		    list.dests[i].port == key->port) {
			*now = list.dests[i];
			err = 0;
			break;
		}
	lbnl_dest_list_free(&list);
	return err;
}

static bool wait_keep_unmigratable(const struct lbu_conn *c, void *arg)
{
	const struct lbu_dest *key = arg;

	return (c->flags & LBNL_CONN_F_UNMIGRATABLE) &&
	       lbnl_addr_equal(&c->dest_addr, &key->addr) &&
	       c->dest_port == key->port;
}

/* The associations given up on, with how their last migration failed. */
static void wait_list_unmigratable(struct lbnl_nl *nl,
				   const struct lbu_dest *key)
{
	struct lbnl_conn_list list;
	bool partial = false;
	size_t i;

	if (lbnl_conn_dump_kept(nl, &key->vip, wait_keep_unmigratable,
				(void *)key, &list, &partial))
		return;
	open_json_array("unmigratable_conns");
	for (i = 0; i < list.count; i++)
		lbnl_conn_print(&list.conns[i]);
	close_json_array();
	lbnl_conn_list_free(&list);
}

static void wait_progress(const struct lbu_dest *d, double t, bool tty,
			  bool final)
{
	if (opts.json)
		return;
	printf("%smoved %u, left %u", tty ? "\r\033[K" : "", d->moved,
	       d->left);
	if (d->unmigratable)
		printf(" (%u unmigratable)", d->unmigratable);
	printf(", %.0f s%s", t, tty && !final ? "" : "\n");
	fflush(stdout);
}

/* -j: one object at the end (with the list of those given up on). */
static void wait_report(struct lbnl_nl *nl, const struct lbu_dest *key,
			enum wait_end end, const struct lbu_dest *d, double t)
{
	open_json_object(NULL);
	print_string(PRINT_JSON, "result", NULL, wait_end_names[end]);
	print_uint(PRINT_JSON, "moved", NULL, d->moved);
	print_uint(PRINT_JSON, "left", NULL, d->left);
	print_uint(PRINT_JSON, "unmigratable", NULL, d->unmigratable);
	print_uint(PRINT_JSON, "seconds", NULL, (unsigned int)(t + 0.5));
	if (end == WAIT_GIVEN_UP)
		wait_list_unmigratable(nl, key);
	close_json_object();
}

int run_dest_wait(int argc, char **argv)
{
	static const char *const kw[] = { "timeout" };
	const char *val[1], *state;
	struct timespec poll = { 0, WAIT_POLL_NS };
	struct lbu_dest key = { 0 }, d = { 0 }, last = { 0 };
	bool tty = isatty(STDOUT_FILENO) && !opts.json, first = true;
	double t0 = wait_now(), limit = 0, t = 0;
	enum wait_end end = WAIT_ERROR;
	uint32_t secs = 0;
	struct lbnl_nl *nl;
	int err;

	if (parse_dest_key(&argc, &argv, &key))
		return EXIT_USAGE;
	if (argc < 1 || strcmp(argv[0], "empty"))
		return usage_error("expected 'empty' after the dest");
	if (parse_keywords(argc - 1, argv + 1, kw, 1, val))
		return EXIT_USAGE;
	if (val[0]) {
		if (lbnl_parse_u32(val[0], &secs) || !secs)
			return usage_error("invalid timeout '%s', expected seconds from 1 to 4294967295",
					   val[0]);
		limit = secs;
	}
	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	json_print_init(stdout, opts.json, opts.pretty);

	for (;;) {
		err = wait_read(nl, &key, &d);
		t = wait_now() - t0;
		if (err == -ENOENT) {
			fprintf(stderr, "%sthe dest is gone\n",
				tty && !first ? "\n" : "");
			end = WAIT_NOT_EMPTYING;
			break;
		}
		if (err) {
			report_error(nl, LBNL_OP_DEST_GET, err, "");
			break;
		}
		if (!(d.has & LBNL_DEST_HAS_EMPTYING)) {
			/* active, or down (a failed health check) */
			state = lbnl_name(&lbnl_state_names, d.state);
			fprintf(stderr, "%sthe dest is %s: it empties only in maint or drain (lbnl dest set ... state maint)\n",
				tty && !first ? "\n" : "",
				state ? state : "not emptying");
			end = WAIT_NOT_EMPTYING;
			break;
		}
		if (tty || first || d.moved != last.moved ||
		    d.left != last.left || d.unmigratable != last.unmigratable)
			wait_progress(&d, t, tty, false);
		first = false;
		last = d;
		if (!d.left) {
			end = WAIT_EMPTY;
			break;
		}
		if (d.left == d.unmigratable) {
			end = WAIT_GIVEN_UP;
			break;
		}
		if (limit && t >= limit) {
			end = WAIT_TIMEOUT;
			break;
		}
		nanosleep(&poll, NULL);
	}

	if (tty && end != WAIT_NOT_EMPTYING && end != WAIT_ERROR)
		wait_progress(&d, t, tty, true);
	if (end == WAIT_GIVEN_UP)
		fprintf(stderr, "%u associations left, their migrations given up (sysctl net.lbnl.migrate_retries):\n",
			d.unmigratable);
	else if (end == WAIT_TIMEOUT)
		fprintf(stderr, "timeout after %u s: %u entries left\n", secs,
			d.left);
	if (opts.json)
		wait_report(nl, &key, end, &d, t);
	else if (end == WAIT_GIVEN_UP)
		wait_list_unmigratable(nl, &key);
	lbnl_nl_close(nl);
	return end == WAIT_EMPTY ? EXIT_OK : EXIT_FAIL;
}
