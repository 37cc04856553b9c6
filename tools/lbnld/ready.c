// SPDX-License-Identifier: GPL-2.0
/*
 * When a module instance is ready to be announced (issue 15: the LB serves
 * a VIP only when ready).
 *
 * Each time lbnld connects to the module (at start, or after the module
 * was loaded again) it holds that instance: no route is written or
 * removed, so the router keeps whatever it had (nothing after a reboot:
 * the VIPs are not announced yet). The instance is ready when
 *
 *   1. it is configured: a module without any VIP is taken for a fresh
 *      one, and if restore-file is set, lbnld configures it itself:
 *      "lbnl tag set key-file TAG-KEY-FILE" (if set), then "lbnl restore
 *      RESTORE-FILE" (each VIP with its dests in one change); a restore
 *      file that does not exist restores nothing (a new LB). A module
 *      that has VIPs is left as it is (lbnld alone restarted). In an LB
 *      group (group.c) it is configured once a revision of the group's
 *      configuration is applied to it ("lbnl sync"), whatever it had;
 *   2. the records of migrated associations are installed (records.c).
 *
 * Only then does the reconciliation write routes: the first packet the
 * router sends finds every VIP of its address, every dest and every
 * migrated association in place. If the instance is not ready after
 * ready-timeout seconds (a restore the module keeps refusing, a record
 * that cannot be installed), lbnld goes on with what there is and says so:
 * a VIP served without one record beats an LB that never serves again.
 *
 * The CLI is run rather than linked: the restore file is what "lbnl save"
 * printed, and "lbnl restore" is the one parser of that format.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lbnld.h"

void lbnld_ready_hold(struct lbnld *ld)
{
	ld->held = true;
	ld->held_until = lbnld_now_ms() + (long long)ld->conf.ready_timeout * 1000;
}

bool lbnld_ready_configures(const struct lbnld *ld)
{
	return ld->conf.restore_file[0] || ld->conf.tag_key_file[0];
}

int lbnld_ready_configure(struct lbnld *ld)
{
	const char *tag[] = { ld->conf.cli, "tag", "set", "key-file",
			      ld->conf.tag_key_file, NULL };
	const char *restore[] = { ld->conf.cli, "restore",
				  ld->conf.restore_file, NULL };
	int err;

	if (ld->conf.tag_key_file[0]) {
		err = lbnld_run("configure:", tag, LBNLD_CLI_TIMEOUT,
			"lbnld's limit for the CLI");
		if (err)
			return err;
		lbnl_log(LOG_NOTICE, "a module without VIPs: routable tags' key set from %s",
			  ld->conf.tag_key_file);
	}
	if (!ld->conf.restore_file[0])
		return 0;
	if (access(ld->conf.restore_file, F_OK) && errno == ENOENT) {
		lbnl_log(LOG_NOTICE, "a module without VIPs: restore-file %s does not exist, nothing restored",
			  ld->conf.restore_file);
		return 0;
	}
	err = lbnld_run("configure:", restore, LBNLD_CLI_TIMEOUT,
			"lbnld's limit for the CLI");
	if (!err)
		lbnl_log(LOG_NOTICE, "a module without VIPs: configuration restored from %s",
			  ld->conf.restore_file);
	return err;
}

bool lbnld_ready_check(struct lbnld *ld, size_t n_vips, int configure_err,
		       int records_err)
{
	long long left = ld->held_until - lbnld_now_ms();
	const char *what = configure_err && ld->group ?
			   "no revision of the group's configuration applied yet" :
			   configure_err ? "its configuration could not be applied" :
			   "some records of migrated associations could not be installed";

	if (!configure_err && !records_err) {
		ld->held = false;
		lbnl_log(LOG_NOTICE, "module ready: %zu VIPs and the records of migrated associations in place; routes follow",
			  n_vips);
		return true;
	}
	if (left > 0) {
		lbnl_log(LOG_WARNING, "module not ready: %s; no route written or removed for %lld s more (ready-timeout)",
			  what, (left + 999) / 1000);
		return false;
	}
	ld->held = false;
	lbnl_log(LOG_ERR, "module not ready after %u s (ready-timeout): %s; routes follow %zu VIPs as they are",
		  ld->conf.ready_timeout, what, n_vips);
	return true;
}
