// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl monitor: one line per event, flushed at once.
 *
 *   vip add 192.0.2.1:80 proto tcp mode nat sched maglev ... dests 0
 *   dest set 192.0.2.1:80 proto tcp 10.0.0.1:80 weight 1 state drain
 *   flush
 *   assoc export 192.0.2.10:3868 peer 198.51.100.1:40000
 *   vip bypass 192.0.2.1:80 proto tcp flags single dests 2 active 1
 *       router pending bypass-dest 10.0.0.1:80 changed 0.0s ago
 *							(one line)
 *   migrate abort sctp 192.0.2.1:3868 peer 198.51.100.1:40000
 *       from 203.0.113.11:3868 to 203.0.113.12:3868 id 4 reason deadline
 *
 * With -j one JSON object per line (-p is ignored, to keep it so):
 *   {"event":"dest_set","vip":{...key...},"dest":{...}}
 *   {"event":"assoc_export","assoc":{"local_addr":...,"peer_port":...}}
 *   {"event":"migrate_start","migrate":{"vip":...,"proto":...,"peer":...}}
 *
 * Events of both roles: the LB's ("lbnl" family, lbnl.ko) and the
 * server's (association events, "lbnl_srv", lbnl_srv.ko), whichever of the
 * two modules is loaded.
 *
 * Association and migration events carry no vtags (the kernel keeps them
 * from unprivileged listeners); they would be printed if they did.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#include "json_print.h"
#include "lb_print.h"
#include "lbnl.h"
#include "util.h"

static const struct {
	bool srv;		/* of the "lbnl_srv" family */
	uint8_t cmd;
	const char *text;
	const char *json;
} events[] = {
	{ false, LBNL_CMD_VIP_NEW, "vip add", "vip_new" },
	{ false, LBNL_CMD_VIP_SET, "vip set", "vip_set" },
	{ false, LBNL_CMD_VIP_DEL, "vip del", "vip_del" },
	{ false, LBNL_CMD_DEST_NEW, "dest add", "dest_new" },
	{ false, LBNL_CMD_DEST_SET, "dest set", "dest_set" },
	{ false, LBNL_CMD_DEST_DEL, "dest del", "dest_del" },
	{ false, LBNL_CMD_FLUSH, "flush", "flush" },
	{ true, LBNL_SRV_CMD_ASSOC_EXPORT, "assoc export", "assoc_export" },
	{ true, LBNL_SRV_CMD_ASSOC_IMPORT, "assoc import", "assoc_import" },
	{ true, LBNL_SRV_CMD_ASSOC_RESUME, "assoc resume", "assoc_resume" },
	{ true, LBNL_SRV_CMD_ASSOC_RELEASE, "assoc release", "assoc_release" },
	{ false, LBNL_CMD_VIP_BYPASS, "vip bypass", "vip_bypass" },
	{ false, LBNL_CMD_VIP_UNBYPASS, "vip unbypass", "vip_unbypass" },
	{ false, LBNL_CMD_BYPASS_ACTIVE, "vip bypass-active", "bypass_active" },
	{ false, LBNL_CMD_MIGRATE_START, "migrate start", "migrate_start" },
	{ false, LBNL_CMD_MIGRATE_COMMIT, "migrate commit", "migrate_commit" },
	{ false, LBNL_CMD_MIGRATE_ABORT, "migrate abort", "migrate_abort" },
};

/* Its text shows the VIP's bypass state, not its settings. */
static bool is_bypass_event(const struct lbnl_event *ev)
{
	return !ev->srv && (ev->cmd == LBNL_CMD_VIP_BYPASS ||
			    ev->cmd == LBNL_CMD_VIP_UNBYPASS ||
			    ev->cmd == LBNL_CMD_BYPASS_ACTIVE);
}

static void print_event_name(const struct lbnl_event *ev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		if (events[i].srv == ev->srv && events[i].cmd == ev->cmd) {
			print_string(PRINT_FP, NULL, "%s", events[i].text);
			print_string(PRINT_JSON, "event", NULL, events[i].json);
			return;
		}
	}
	/* An event this lbnl does not know yet. */
	print_string(PRINT_ANY, "event", "%s", "unknown");
	if (ev->srv)
		print_string(PRINT_ANY, "family", " family %s",
			     LBNL_SRV_GENL_NAME);
	print_uint(PRINT_ANY, "cmd", " cmd %u", ev->cmd);
}

static void print_event(const struct lbnl_event *ev, void *arg)
{
	(void)arg;
	open_json_object(NULL);
	print_event_name(ev);
	/* A migration names its VIP itself. */
	if (ev->has_vip && !ev->has_migrate) {
		print_text(" ");
		open_json_object("vip");
		print_vip_key(&ev->vip.key);
		if (!ev->has_dest) {
			/* JSON has every attribute; text what changed. */
			if (!is_bypass_event(ev) || is_json_context())
				print_vip_settings(&ev->vip);
			print_vip_status(&ev->vip);
		}
		close_json_object();
	}
	if (ev->has_dest) {
		print_text(" ");
		open_json_object("dest");
		print_dest(&ev->dest);
		close_json_object();
	}
	if (ev->has_assoc) {
		print_text(" ");
		open_json_object("assoc");
		print_assoc_key(&ev->assoc.key);
		print_assoc_vtags(&ev->assoc);
		close_json_object();
	}
	if (ev->has_migrate) {
		print_text(" ");
		open_json_object("migrate");
		lbnl_migrate_print(&ev->migrate);
		close_json_object();
	}
	print_nl();
	close_json_object();
	fflush(stdout);
}

/* Has poll() found fd readable? */
static bool readable(const struct pollfd *pfd, int n, int fd)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pfd[i].fd == fd)
			return pfd[i].revents & (POLLIN | POLLERR | POLLHUP);
	}
	return false;
}

/* Output is flushed after every event: nothing is lost by exiting here. */
static void on_signal(int sig)
{
	(void)sig;
	_exit(EXIT_OK);
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Subscribe to one family's events. Its module may not be loaded: NULL,
 * *missing set. Any other failure is reported: NULL, *missing clear.
 */
static struct lbnl_nl *join(bool srv, bool *missing)
{
	struct lbnl_nl *nl;
	int err;

	err = srv ? lbnl_srv_nl_open(&nl) : lbnl_nl_open(&nl);
	*missing = err == -ENOENT;
	if (err) {
		if (!*missing)
			report_error(NULL, LBNL_OP_MONITOR, err,
				     "cannot open a generic netlink socket: ");
		return NULL;
	}
	err = lbnl_events_join(nl);
	if (err) {
		report_error(NULL, LBNL_OP_MONITOR, err,
			     "cannot subscribe to lbnl events: ");
		lbnl_nl_close(nl);
		return NULL;
	}
	return nl;
}

static int run_monitor(int argc, char **argv)
{
	struct lbnl_nl *nl[2] = { NULL, NULL };	/* closed on any failure */
	struct pollfd pfd[2];
	bool missing[2];
	int err = 0, i, n = 0;

	if (expect_no_args(argc, argv))
		return EXIT_USAGE;
	/* Both roles' events, from whichever module is loaded. */
	for (i = 0; i < 2; i++) {
		nl[i] = join(i == 1, &missing[i]);
		if (!nl[i] && !missing[i])
			goto fail;
	}
	if (!nl[0] && !nl[1]) {
		/* Neither module: the LB's is the one to load first. */
		lbnl_nl_close(cli_nl_open());
		return EXIT_FAIL;
	}
	for (i = 0; i < 2; i++) {
		if (nl[i])
			pfd[n++] = (struct pollfd){ .fd = lbnl_nl_fd(nl[i]),
						    .events = POLLIN };
	}
	catch_signals();
	json_print_init(stdout, opts.json, false);

	for (;;) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (!nl[i] || !readable(pfd, n, lbnl_nl_fd(nl[i])))
				continue;
			err = lbnl_events_read(nl[i], print_event, NULL);
			if (err == -ENOBUFS)
				fprintf(stderr, "Warning: %s\n",
					lbnl_strerror(LBNL_OP_MONITOR, err));
			else if (err && err != -EINTR && err != -EAGAIN)
				goto out;
			err = 0;
		}
	}
out:
	report_error(NULL, LBNL_OP_MONITOR, err, "");
fail:
	lbnl_nl_close(nl[0]);
	lbnl_nl_close(nl[1]);
	return EXIT_FAIL;
}

const struct cmd monitor_cmds[] = {
	{ NULL, "", "Print lbnl events as they happen, until interrupted",
	  run_monitor, NULL },
	{ 0 },
};
