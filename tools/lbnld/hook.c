// SPDX-License-Identifier: GPL-2.0
/*
 * The hook driver: for routers lbnld cannot drive through a kernel table
 * (FRR, ExaBGP, an SDN controller), run a command for each address that
 * changes and wait for it:
 *
 *	HOOK bypass   VIP DEST PROTOS PORTS	route VIP to DEST
 *	HOOK unbypass VIP ""   PROTOS PORTS	back to the LB (was bypassed)
 *	HOOK self     VIP ""   PROTOS PORTS	to the LB (new, or at start)
 *	HOOK withdraw VIP ""   ""     ""	VIP address without VIPs
 *
 * PROTOS and PORTS list the address's VIPs, comma-separated, in the same
 * order ("tcp,udp" "80,53"). Exit status 0 means done; a bypass is
 * confirmed to the module only then. Anything else (or the timeout) is a
 * failure: the same change is tried again later. lbnld knows nothing of
 * the router's state but what the hook accepted, so it tells the hook
 * about every address when it starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lbnld.h"
#include "names.h"

#define WAIT_STEP_NS	(5 * 1000 * 1000)	/* 5 ms */

/* In the child: a clean slate for the hook, then exec. Never returns. */
static void exec_hook(const char *path, const char *const *args)
{
	sigset_t none;
	int fd;

	/* lbnld blocks the signals it reads from a signalfd. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);		/* so that a timeout kills its children too */
	signal(SIGPIPE, SIG_DFL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	execv(path, (char *const *)args);
	_exit(127);
}

/* "bypass 192.0.2.1 203.0.113.11 tcp 80", for the log. */
static void args_text(const char *const *args, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 1; args[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i > 1 ? " " : "",
				      args[i][0] ? args[i] : "\"\"");
}

/* Wait for pid up to timeout_s; kill it after. Its wait status, or -1. */
static int wait_hook(pid_t pid, unsigned int timeout_s, bool *timed_out)
{
	struct timespec step = { .tv_nsec = WAIT_STEP_NS };
	long long left = (long long)timeout_s * 1000000000LL;
	int status;
	pid_t r;

	*timed_out = false;
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (left <= 0)
			break;
		nanosleep(&step, NULL);
		left -= WAIT_STEP_NS;
	}
	*timed_out = true;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

int lbnld_hook_run(const struct lbnld_conf *conf, const char *const *args)
{
	char text[512];
	bool timed_out;
	pid_t pid;
	int status;

	args_text(args, text, sizeof(text));
	pid = fork();
	if (pid < 0) {
		lbnl_log(LOG_ERR, "hook %s: cannot fork: %s", text,
			  strerror(errno));
		return -errno;
	}
	if (!pid)
		exec_hook(conf->hook, args);
	setpgid(pid, pid);	/* as the child does: whoever runs first */
	status = wait_hook(pid, conf->hook_timeout, &timed_out);
	if (timed_out) {
		lbnl_log(LOG_ERR, "hook %s: killed after %u s (hook-timeout)",
			  text, conf->hook_timeout);
		return -ETIMEDOUT;
	}
	if (status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status)) {
		lbnl_log(LOG_DEBUG, "hook %s: done", text);
		return 0;
	}
	if (status >= 0 && WIFEXITED(status))
		lbnl_log(LOG_ERR, "hook %s: exit status %d%s", text,
			  WEXITSTATUS(status), WEXITSTATUS(status) == 127 ?
			  " (could not run it?)" : "");
	else if (status >= 0 && WIFSIGNALED(status))
		lbnl_log(LOG_ERR, "hook %s: killed by signal %d", text,
			  WTERMSIG(status));
	else
		lbnl_log(LOG_ERR, "hook %s: lost track of it", text);
	return -EIO;
}

/* The driver -------------------------------------------------------------- */

/* "tcp,udp" and "80,53": the VIPs of d. Freed by the caller. */
static int vip_lists(const struct lbnld_plan *plan,
		     const struct lbnld_decision *d, char **protos,
		     char **ports)
{
	size_t i, size = d->count * 16 + 1, np = 0, nq = 0;

	*protos = malloc(size);
	*ports = malloc(size);
	if (!*protos || !*ports) {
		free(*protos);
		free(*ports);
		return -ENOMEM;
	}
	**protos = **ports = '\0';
	for (i = d->first; i < d->first + d->count; i++) {
		const struct lbu_vip_key *k = &plan->vips[i].key;
		const char *name = lbnl_name(&lbnl_proto_names, k->proto);
		const char *sep = i > d->first ? "," : "";

		if (name)
			np += (size_t)snprintf(*protos + np, size - np, "%s%s",
					       sep, name);
		else
			np += (size_t)snprintf(*protos + np, size - np, "%s%u",
					       sep, k->proto);
		nq += (size_t)snprintf(*ports + nq, size - nq, "%s%u", sep,
				       k->port);
	}
	return 0;
}

static int hook_write(struct lbnld *ld, const struct lbnld_plan *plan,
		      const struct lbnld_decision *d,
		      const struct lbnld_change *c)
{
	char addr[LBNL_ADDRSTRLEN], dest[LBNL_ADDRSTRLEN] = "";
	const char *args[7] = { ld->conf.hook, "self", addr, dest };
	char *protos, *ports;
	int err;

	lbnl_format_addr(&d->addr, addr, sizeof(addr));
	if (c->want.kind == LBNLD_VIA) {
		args[1] = "bypass";
		lbnl_format_addr(&c->want.via, dest, sizeof(dest));
	} else if (c->had && c->prev.kind == LBNLD_VIA) {
		args[1] = "unbypass";
	}
	err = vip_lists(plan, d, &protos, &ports);
	if (err)
		return err;
	args[4] = protos;
	args[5] = ports;
	err = lbnld_hook_run(&ld->conf, args);
	free(protos);
	free(ports);
	return err;
}

static int hook_remove(struct lbnld *ld, const struct lbnld_route *r)
{
	char addr[LBNL_ADDRSTRLEN];
	const char *args[] = { ld->conf.hook, "withdraw", addr, "", "", "",
			       NULL };

	lbnl_format_addr(&r->addr, addr, sizeof(addr));
	return lbnld_hook_run(&ld->conf, args);
}

/* What the hook accepted so far: all lbnld knows of the router. */
static int hook_load(struct lbnld *ld, struct lbnld_route_list *current)
{
	size_t i;
	int err;

	memset(current, 0, sizeof(*current));
	for (i = 0; i < ld->told.count; i++) {
		err = lbnld_route_list_add(current, &ld->told.routes[i]);
		if (err) {
			lbnld_route_list_free(current);
			return err;
		}
	}
	return 0;
}

static void hook_applied(struct lbnld *ld, struct lbnld_route_list *in_place)
{
	lbnld_route_list_free(&ld->told);
	ld->told = *in_place;
	memset(in_place, 0, sizeof(*in_place));
}

const struct lbnld_driver lbnld_hook_driver = {
	.written = "hook done",
	.in_place = "hook told before",
	.removed = "hook done",
	.load = hook_load,
	.write = hook_write,
	.remove = hook_remove,
	.applied = hook_applied,
};
