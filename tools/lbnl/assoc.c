// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl assoc {show|export|import|resume|release}: the SCTP associations
 * of this host (server role), and moving one live to another host.
 *
 * export writes the association's state as one JSON document (see
 * assoc_state.h) and leaves it silenced here; import re-creates it from
 * that document; resume undoes an export; release ends the silenced copy.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/lbnl.h>
#include <linux/sctp.h>	/* SCTP_ESTABLISHED; needs the above first */

#include "assoc_state.h"
#include "json_print.h"
#include "lbnl.h"
#include "names.h"
#include "util.h"

#define ASSOC_KEY_ARGS		"LADDR:LPORT PADDR:PPORT"
#define OUTPUT_ARGS		"[-j [-p]]"
/* Far more than any state: 2 x 16382 SSNs, blanks and all. */
#define STATE_MAX_BYTES		(16U << 20)

/* Arguments ---------------------------------------------------------------- */

/* "LADDR:LPORT PADDR:PPORT" at the start of the arguments; consumes them. */
static int parse_assoc_key(int *argc, char ***argv, struct lbnl_assoc_key *key)
{
	char **av = *argv;
	int err;

	if (*argc < 1)
		return usage_error("missing local address (LADDR:LPORT)");
	err = lbnl_parse_addr_port(av[0], &key->laddr, &key->lport, NULL);
	if (err)
		return usage_error("invalid local address '%s': %s", av[0],
				   lbnl_addr_strerror(err));
	if (*argc < 2)
		return usage_error("missing peer address (PADDR:PPORT)");
	err = lbnl_parse_addr_port(av[1], &key->paddr, &key->pport, NULL);
	if (err)
		return usage_error("invalid peer address '%s': %s", av[1],
				   lbnl_addr_strerror(err));
	*argc -= 2;
	*argv += 2;
	return 0;
}

/*
 * assoc 192.0.2.10:3868 peer 198.51.100.1:40000 vtag 0x1a2b3c4d
 *     peer-vtag 0x5e6f7a8b state established age 12.3s style one-to-one
 *     id 5 unacked 0 pending 0 unread 0 migratable yes	(one line)
 */
static void print_assoc_entry(const struct lbnl_assoc *assoc, uint64_t now)
{
	open_json_object(NULL);
	print_text("assoc ");
	print_assoc_key(&assoc->key);
	print_assoc_vtags(assoc);
	print_assoc_status(assoc, now);
	print_nl();
	close_json_object();
}

/* show ------------------------------------------------------------------ */

static int run_assoc_show(int argc, char **argv)
{
	struct lbnl_assoc_list list;
	struct lbnl_nl *nl;
	uint64_t now;
	size_t i;
	int err;

	if (take_output_options(&argc, argv) || expect_no_args(argc, argv))
		return EXIT_USAGE;
	nl = cli_srv_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = lbnl_assoc_dump(nl, &list);
	if (err) {
		report_error(nl, LBNL_OP_ASSOC_GET, err, "");
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}

	now = lbnl_now_ms();
	json_print_init(stdout, opts.json, opts.pretty);
	open_json_array(NULL);
	for (i = 0; i < list.count; i++)
		print_assoc_entry(&list.assocs[i], now);
	close_json_array();

	lbnl_assoc_list_free(&list);
	lbnl_nl_close(nl);
	return EXIT_OK;
}

/* export ------------------------------------------------------------------ */

static volatile sig_atomic_t export_signalled;

static void on_export_signal(int sig)
{
	export_signalled = sig;
}

/*
 * Once the kernel replied, the association is silenced and the document
 * about to be written is its only way out: a signal must not kill us
 * before it is written (the wait in the kernel is still interrupted, and
 * then undone there). SIGPIPE becomes EPIPE, so the export can be undone.
 */
static void guard_signals(void)
{
	struct sigaction sa = { .sa_handler = on_export_signal };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The document is a key to the association: warn if others can read it. */
static void warn_if_exposed(void)
{
	struct stat st;

	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)))
		fprintf(stderr, "Warning: the state file can be read by other users; it lets them take over or kill the association (use umask 077)\n");
}

/* [timeout MS] */
static int parse_timeout(int argc, char **argv, uint32_t *timeout,
			 bool *has_timeout)
{
	static const char *const keywords[] = { "timeout" };
	const char *arg;

	if (parse_keywords(argc, argv, keywords, 1, &arg) ||
	    (arg && parse_timeout_ms(arg, timeout)))
		return EXIT_USAGE;
	*has_timeout = arg != NULL;
	return 0;
}

static void report_export_error(struct lbnl_nl *nl, int err)
{
	const char *why = lbnl_nl_extack(nl);

	/* An interrupted wait gets no ACK at all from some modules. */
	if (err == -ETIMEDOUT ||
	    ((err == -EINTR || err == -ENOMSG) && export_signalled))
		fprintf(stderr, "Error: %s waiting for the association to quiesce%s%s\n",
			err == -ETIMEDOUT ? "timed out" : "interrupted",
			why ? ": " : "", why ? why : "");
	else
		report_error(nl, LBNL_OP_ASSOC_EXPORT, err, "");
}

/* Write the document; fsync it if it is a file: it must not be lost. */
static int write_state(const struct lbu_assoc_state *s)
{
	json_print_init(stdout, true, opts.pretty);
	lbnl_assoc_state_print(s);
	errno = 0;
	if (fflush(stdout) || ferror(stdout))
		return errno ? -errno : -EIO;
	if (fsync(STDOUT_FILENO) && errno != EINVAL && errno != EROFS)
		return -errno;
	return 0;
}

static int run_assoc_export(int argc, char **argv)
{
	struct lbu_assoc_state state;
	struct lbnl_assoc_key key;
	bool has_timeout = false;
	struct lbnl_nl *nl;
	uint32_t timeout;
	int err;

	if (parse_assoc_key(&argc, &argv, &key) ||
	    parse_timeout(argc, argv, &timeout, &has_timeout))
		return EXIT_USAGE;
	nl = cli_srv_nl_open();
	if (!nl)
		return EXIT_FAIL;
	warn_if_exposed();
	guard_signals();
	err = lbu_assoc_export(nl, &key, has_timeout ? &timeout : NULL,
			       &state);
	if (err) {
		report_export_error(nl, err);
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}

	err = write_state(&state);
	lbu_assoc_state_free(&state);
	if (err) {
		fprintf(stderr, "Error: cannot write the state: %s\n",
			strerror(-err));
		err = lbu_assoc_resume(nl, &key);
		if (err)
			report_error(nl, LBNL_OP_ASSOC_RESUME, err,
				     "cannot undo the export, the association stays silenced: ");
		else
			fprintf(stderr, "The export was undone: the association carries on here.\n");
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}
	lbnl_nl_close(nl);
	return EXIT_OK;
}

/* import ------------------------------------------------------------------ */

/* All of path ("-": standard input) into *text, *len bytes. */
static int read_input(const char *path, char **text, size_t *len)
{
	FILE *fp = stdin;
	size_t cap = 0, n;
	char *buf = NULL, *p;
	const char *problem = NULL;

	if (strcmp(path, "-")) {
		fp = fopen(path, "r");
		if (!fp) {
			fprintf(stderr, "Error: cannot open '%s': %s\n", path,
				strerror(errno));
			return EXIT_FAIL;
		}
	}
	*len = 0;
	do {
		if (*len == cap) {
			if (cap == STATE_MAX_BYTES) {
				problem = "larger than 16 MiB, not a state";
				break;
			}
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (!p) {
				problem = "out of memory";
				break;
			}
			buf = p;
		}
		n = fread(buf + *len, 1, cap - *len, fp);
		*len += n;
	} while (n);
	if (problem) {
		fprintf(stderr, "Error: state: %s\n", problem);
	} else if (ferror(fp)) {
		fprintf(stderr, "Error: cannot read '%s': %s\n",
			fp == stdin ? "standard input" : path, strerror(errno));
		problem = "read error";
	}
	if (fp != stdin)
		fclose(fp);
	if (problem) {
		free(buf);
		return EXIT_FAIL;
	}
	*text = buf;
	return EXIT_OK;
}

static int run_assoc_import(int argc, char **argv)
{
	struct lbu_assoc_state state;
	struct lbnl_assoc assoc;
	struct lbnl_nl *nl;
	char msg[256];
	const char *path;
	size_t len;
	char *text;
	int err, ret;

	if (take_output_options(&argc, argv))
		return EXIT_USAGE;
	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	path = argc ? argv[0] : "-";
	ret = read_input(path, &text, &len);
	if (ret != EXIT_OK)
		return ret;
	err = lbnl_assoc_state_parse(text, len, &state, msg, sizeof(msg));
	free(text);
	if (err) {
		fprintf(stderr, "Error: state: %s\n", msg);
		return EXIT_FAIL;
	}

	nl = cli_srv_nl_open();
	if (!nl) {
		lbu_assoc_state_free(&state);
		return EXIT_FAIL;
	}
	err = lbu_assoc_import(nl, &state, &assoc);
	lbu_assoc_state_free(&state);
	if (err) {
		report_error(nl, LBNL_OP_ASSOC_IMPORT, err, "");
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}
	lbnl_nl_close(nl);

	json_print_init(stdout, opts.json, opts.pretty);
	open_json_array(NULL);
	print_assoc_entry(&assoc, lbnl_now_ms());
	close_json_array();
	fflush(stdout);
	if (!(assoc.has & LBNL_ASSOC_HAS_INFO) ||
	    assoc.state != SCTP_ESTABLISHED) {
		const char *name = lbnl_name(&lbnl_sctp_state_names,
					     assoc.state);

		if (!(assoc.has & LBNL_ASSOC_HAS_INFO))
			name = "unknown";
		fprintf(stderr, "Error: the imported association is not established (state %s%s)\n",
			name ? name : "", name ? "" : "?");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* resume, release ----------------------------------------------------------- */

static int run_key_command(int argc, char **argv, enum lbnl_op op,
			   int (*fn)(struct lbnl_nl *,
				     const struct lbnl_assoc_key *))
{
	struct lbnl_assoc_key key;
	struct lbnl_nl *nl;
	int err;

	if (parse_assoc_key(&argc, &argv, &key) || expect_no_args(argc, argv))
		return EXIT_USAGE;
	nl = cli_srv_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = fn(nl, &key);
	if (err)
		report_error(nl, op, err, "");
	lbnl_nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

static int run_assoc_resume(int argc, char **argv)
{
	return run_key_command(argc, argv, LBNL_OP_ASSOC_RESUME,
			       lbu_assoc_resume);
}

static int run_assoc_release(int argc, char **argv)
{
	return run_key_command(argc, argv, LBNL_OP_ASSOC_RELEASE,
			       lbu_assoc_release);
}

const struct cmd assoc_cmds[] = {
	{ "show", OUTPUT_ARGS,
	  "List the SCTP associations of this host (alias: list)",
	  run_assoc_show, NULL },
	{ "export", ASSOC_KEY_ARGS " [timeout MS]",
	  "Wait until an association is quiescent, silence it and print its state\n"
	  "(JSON; secret: it lets anyone take over the association)",
	  run_assoc_export, NULL },
	{ "import", OUTPUT_ARGS " [FILE]",
	  "Re-create an exported association here from its state in FILE (default:\n"
	  "standard input) and print it; succeeds once it is established",
	  run_assoc_import, NULL },
	{ "resume", ASSOC_KEY_ARGS,
	  "Undo an export: the association carries on here",
	  run_assoc_resume, NULL },
	{ "release", ASSOC_KEY_ARGS,
	  "End the silenced local copy of an exported association; the peer sees nothing",
	  run_assoc_release, NULL },
	{ 0 },
};
