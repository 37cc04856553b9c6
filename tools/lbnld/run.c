// SPDX-License-Identifier: GPL-2.0
/*
 * Running a helper program and waiting for it, with a deadline: the hook
 * driver's hook (hook.c) and the lbnl CLI that prepares a new module
 * instance (ready.c). lbnld waits: both are short, and what follows
 * depends on their outcome. The child starts with no blocked signal,
 * /dev/null as its input and a process group of its own, so that a
 * timeout kills whatever it started too. What it prints (standard output
 * and error) goes to lbnld's log, a line at a time, prefixed with what
 * was run: in syslog mode nothing else would keep it. A health check's
 * command (health_probe.c) runs the same way on its check's thread, but
 * quietly: its output and failures are logged at debug level only (it
 * runs every interval; health.c logs what its result changes).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lbnld.h"

#define WAIT_STEP_MS	5
#define OUTPUT_LINE	512	/* longer lines are logged in pieces */
#define OUTPUT_LINES	64	/* at most, per run; the rest is counted */

/* What the child printed, cut into lines for the log. */
struct output {
	const char *what;
	const char *text;
	int level;			/* of the lines logged */
	char line[OUTPUT_LINE];
	size_t len;
	unsigned int logged;
	unsigned int dropped;
	char *reason;			/* NULL, or where the reason goes */
	size_t reason_len;
};

/*
 * The child's reason, for its caller: its first "Error" line, else its
 * last line.
 */
static void output_keep(struct output *o)
{
	if (!o->reason || !o->reason_len)
		return;
	if (!strncmp(o->reason, "Error", 5))
		return;
	snprintf(o->reason, o->reason_len, "%s", o->line);
}

static void output_flush(struct output *o)
{
	if (!o->len)
		return;
	o->line[o->len] = '\0';
	output_keep(o);
	if (o->logged < OUTPUT_LINES) {
		lbnl_log(o->level, "%s %s: %s", o->what, o->text, o->line);
		o->logged++;
	} else {
		o->dropped++;
	}
	o->len = 0;
}

/* Read what is there (fd non-blocking); false at end of file. */
static bool output_read(struct output *o, int fd)
{
	char buf[1024];
	ssize_t n, i;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				output_flush(o);
				continue;
			}
			o->line[o->len++] = buf[i];
			if (o->len == sizeof(o->line) - 1)
				output_flush(o);
		}
	}
}

/* In the child: a clean slate, then exec. Never returns. */
static void exec_child(const char *const *args, int out)
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
	if (out >= 0) {
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		if (out > STDERR_FILENO)
			close(out);
	}
	execv(args[0], (char *const *)args);
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

/*
 * Wait for pid up to timeout_ms, logging its output; kill it after. Its
 * wait status, or -1.
 */
static int wait_child(pid_t pid, int out, struct output *o,
		      unsigned int timeout_ms, bool *timed_out)
{
	long long left = timeout_ms;
	struct pollfd pfd = { .fd = out, .events = POLLIN };
	int status;
	pid_t r;

	*timed_out = false;
	for (;;) {
		/* The output first: a full pipe would block the child. */
		if (pfd.fd >= 0 && poll(&pfd, 1, WAIT_STEP_MS) > 0 &&
		    !output_read(o, pfd.fd))
			pfd.fd = -1;
		else if (pfd.fd < 0)
			poll(NULL, 0, WAIT_STEP_MS);
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		left -= WAIT_STEP_MS;
		if (left <= 0) {
			*timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
	}
	/* What it wrote last (its own children may hold the pipe: no wait). */
	if (pfd.fd >= 0)
		output_read(o, pfd.fd);
	output_flush(o);
	if (o->dropped)
		lbnl_log(o->level, "%s %s: %u more lines not logged",
			  o->what, o->text, o->dropped);
	return status;
}

static int run_child(const char *what, const char *const *args,
		     unsigned int timeout_ms, const char *timeout_name,
		     bool quiet, struct lbnld_run_result *res)
{
	struct output o = { .what = what,
			    .level = quiet ? LOG_DEBUG : LOG_NOTICE };
	int fail = quiet ? LOG_DEBUG : LOG_ERR;
	int pipefd[2] = { -1, -1 };
	char text[512];
	bool timed_out;
	pid_t pid;
	int status;

	args_text(args, text, sizeof(text));
	o.text = text;
	if (res) {
		res->exit_status = -1;
		res->reason[0] = '\0';
		o.reason = res->reason;
		o.reason_len = sizeof(res->reason);
	}
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK))
		pipefd[0] = pipefd[1] = -1;	/* run it without its output */
	pid = fork();
	if (pid < 0) {
		lbnl_log(LOG_ERR, "%s %s: cannot fork: %s", what, text,
			  strerror(errno));
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return -errno;
	}
	if (!pid) {
		/* O_NONBLOCK is the file's: the child's end blocks. */
		if (pipefd[1] >= 0)
			fcntl(pipefd[1], F_SETFL, 0);
		exec_child(args, pipefd[1]);
	}
	setpgid(pid, pid);	/* as the child does: whoever runs first */
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	status = wait_child(pid, pipefd[0], &o, timeout_ms, &timed_out);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (timed_out) {
		if (timeout_ms % 1000)
			lbnl_log(fail, "%s %s: killed after %u ms (%s)", what,
				  text, timeout_ms, timeout_name);
		else
			lbnl_log(fail, "%s %s: killed after %u s (%s)", what,
				  text, timeout_ms / 1000, timeout_name);
		return -ETIMEDOUT;
	}
	if (res && status >= 0 && WIFEXITED(status))
		res->exit_status = WEXITSTATUS(status);
	if (status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status)) {
		lbnl_log(LOG_DEBUG, "%s %s: done", what, text);
		return 0;
	}
	if (status >= 0 && WIFEXITED(status))
		lbnl_log(fail, "%s %s: exit status %d%s", what, text,
			  WEXITSTATUS(status), WEXITSTATUS(status) == 127 ?
			  " (could not run it?)" : "");
	else if (status >= 0 && WIFSIGNALED(status))
		lbnl_log(fail, "%s %s: killed by signal %d", what, text,
			  WTERMSIG(status));
	else
		lbnl_log(fail, "%s %s: lost track of it", what, text);
	return -EIO;
}

int lbnld_run_ms(const char *what, const char *const *args,
		 unsigned int timeout_ms, const char *timeout_name, bool quiet)
{
	return run_child(what, args, timeout_ms, timeout_name, quiet, NULL);
}

int lbnld_run_result(const char *what, const char *const *args,
		     unsigned int timeout_s, const char *timeout_name,
		     struct lbnld_run_result *res)
{
	return run_child(what, args, timeout_s * 1000, timeout_name, false,
			 res);
}

int lbnld_run(const char *what, const char *const *args,
	      unsigned int timeout_s, const char *timeout_name)
{
	return lbnld_run_ms(what, args, timeout_s * 1000, timeout_name,
			    false);
}
