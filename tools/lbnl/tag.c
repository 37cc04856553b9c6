// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl tag {genkey|set|del|show}: routable SCTP verification tags. The
 * servers (lbnl_srv) choose the tags of their associations so that they
 * name the server under a key the LBs (lbnl) share; an LB routes any
 * packet of the association by its tag. Both roles get the same key, each
 * server its own id.
 *
 *	lbnl tag genkey > tag.key			(once, then copy it)
 *	lbnl tag set key-file tag.key			(on each LB)
 *	lbnl tag set key-file tag.key server-id 7	(on each server)
 *	lbnl tag show					(fingerprints must match)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_print.h"
#include "lbnl.h"
#include "tag.h"
#include "util.h"

/* A key file is a line; more than this is not one. */
#define KEY_FILE_MAX	256

/* genkey ------------------------------------------------------------------ */

static int run_tag_genkey(int argc, char **argv)
{
	char text[LBU_TAG_KEY_HEX_LEN + 1];
	uint8_t key[LBNL_TAG_KEY_LEN];
	ssize_t n;

	if (expect_no_args(argc, argv))
		return EXIT_USAGE;
	n = getrandom(key, sizeof(key), 0);
	if (n != (ssize_t)sizeof(key)) {
		fprintf(stderr, "Error: cannot get random bytes: %s\n",
			n < 0 ? strerror(errno) : "short read");
		return EXIT_FAIL;
	}
	lbu_tag_key_format(key, text);
	printf("%s\n", text);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(text, sizeof(text));
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "Error: cannot write the key: %s\n",
			strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* set --------------------------------------------------------------------- */

/*
 * The key in path ("-": standard input). Others reading it could compute
 * every server's tags: warn, as ssh does, but go on (the file is the
 * operator's; the kernel never shows the key back).
 */
static int read_key_file(const char *path, uint8_t *key)
{
	const char *name = strcmp(path, "-") ? path : "standard input";
	char buf[KEY_FILE_MAX + 1];
	size_t len = 0;
	struct stat st;
	ssize_t n;
	int fd = STDIN_FILENO, ret = EXIT_OK;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "Error: cannot open '%s': %s\n", path,
				strerror(errno));
			return EXIT_FAIL;
		}
	}
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IRGRP | S_IROTH)))
		fprintf(stderr, "Warning: the key file %s%s%s can be read by other users: they could tell which server an association is on (chmod 600)\n",
			fd == STDIN_FILENO ? "" : "'", name,
			fd == STDIN_FILENO ? "" : "'");
	/* Up to one byte more than a key file may have. */
	do {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "Error: cannot read %s: %s\n", name,
				strerror(errno));
			ret = EXIT_FAIL;
			break;
		}
		len += n;
	} while (n > 0 && len < sizeof(buf));
	if (fd != STDIN_FILENO)
		close(fd);
	if (ret == EXIT_OK && (len > KEY_FILE_MAX ||
			       lbu_tag_key_parse(buf, len, key))) {
		fprintf(stderr, "Error: %s is not a key: expected %d hex digits (as \"lbnl tag genkey\" prints)\n",
			name, LBU_TAG_KEY_HEX_LEN);
		ret = EXIT_FAIL;
	}
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

static int run_tag_set(int argc, char **argv)
{
	static const char *const keywords[] = { "key-file", "server-id" };
	const char *args[2];
	uint8_t key[LBNL_TAG_KEY_LEN];
	struct lbnl_nl *nl;
	uint32_t id = 0;
	int err, ret;

	if (parse_keywords(argc, argv, keywords, 2, args))
		return EXIT_USAGE;
	if (!args[0])
		return usage_error("missing 'key-file FILE'");
	if (args[1] && (lbnl_parse_u32(args[1], &id) || !id ||
			id > LBNL_TAG_ID_MAX))
		return usage_error("invalid server-id '%s', expected a number from 1 to %d",
				   args[1], LBNL_TAG_ID_MAX);
	ret = read_key_file(args[0], key);
	if (ret != EXIT_OK)
		return ret;
	nl = args[1] ? cli_srv_nl_open() : cli_nl_open();
	if (!nl) {
		explicit_bzero(key, sizeof(key));
		return EXIT_FAIL;
	}
	err = args[1] ? lbu_srv_tag_set(nl, key, (uint16_t)id) :
			lbu_tag_set(nl, key);
	explicit_bzero(key, sizeof(key));
	if (err)
		report_error(nl, LBNL_OP_TAG_SET, err, "");
	lbnl_nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

/* del --------------------------------------------------------------------- */

static int run_tag_del(int argc, char **argv)
{
	bool srv = argc > 0 && !strcmp(argv[0], "server");
	struct lbnl_nl *nl;
	int err;

	if (expect_no_args(argc - srv, argv + srv))
		return EXIT_USAGE;
	nl = srv ? cli_srv_nl_open() : cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = srv ? lbu_srv_tag_del(nl) : lbu_tag_del(nl);
	if (err)
		report_error(nl, LBNL_OP_TAG_DEL, err, "");
	lbnl_nl_close(nl);
	return err ? EXIT_FAIL : EXIT_OK;
}

/* show -------------------------------------------------------------------- */

/*
 * A handle on a role's family; NULL if its module is not loaded (*absent)
 * or on another error (reported).
 */
static struct lbnl_nl *open_role(bool srv, bool *absent)
{
	struct lbnl_nl *nl;
	int err = srv ? lbnl_srv_nl_open(&nl) : lbnl_nl_open(&nl);

	*absent = err == -ENOENT;
	if (err && !*absent)
		fprintf(stderr, "Error: cannot open a generic netlink socket: %s\n",
			strerror(-err));
	return err ? NULL : nl;
}

static void print_fingerprint(uint32_t fp)
{
	char hex[9];

	snprintf(hex, sizeof(hex), "%08x", fp);
	print_string(PRINT_ANY, "fingerprint", " fingerprint %s", hex);
}

/* lb fingerprint 9ad342c3 routed 12 | lb no key */
static void print_lb(const struct lbu_tag_status *st)
{
	open_json_object("lb");
	print_text("lb");
	print_bool(PRINT_JSON, "key", NULL, st != NULL);
	if (st) {
		print_fingerprint(st->fingerprint);
		print_u64(PRINT_ANY, "routed", " routed %" PRIu64, st->routed);
	} else {
		print_text(" no key");
	}
	print_nl();
	close_json_object();
}

/*
 * server id 7 fingerprint 9ad342c3 hook yes chosen 150 missed 0
 * server no key
 */
static void print_srv(const struct lbu_srv_tag_status *st)
{
	open_json_object("server");
	print_text("server");
	print_bool(PRINT_JSON, "key", NULL, st != NULL);
	if (st) {
		print_uint(PRINT_ANY, "server_id", " id %u", st->server_id);
		print_fingerprint(st->fingerprint);
		print_bool(PRINT_ANY, "hook", " hook %s", st->hook);
		print_u64(PRINT_ANY, "chosen", " chosen %" PRIu64, st->chosen);
		print_u64(PRINT_ANY, "missed", " missed %" PRIu64, st->missed);
	} else {
		print_text(" no key");
	}
	print_nl();
	close_json_object();
}

/* What get_role() found of a role. */
enum {
	ROLE_ABSENT = -2,	/* its module is not loaded */
	ROLE_UNSHOWN = -1,	/* too old for tags (said), or an error */
	ROLE_NO_KEY = 0,
	ROLE_KEY = 1,
};

/* A role's setting: ROLE_*; on an error (reported) *failed is set too. */
static int get_role(bool srv, struct lbu_tag_status *lb_st,
		    struct lbu_srv_tag_status *srv_st, bool *failed)
{
	const char *module = srv ? "lbnl_srv" : "lbnl";
	struct lbnl_nl *nl;
	bool absent;
	int err;

	nl = open_role(srv, &absent);
	if (!nl) {
		*failed |= !absent;
		return absent ? ROLE_ABSENT : ROLE_UNSHOWN;
	}
	err = srv ? lbu_srv_tag_get(nl, srv_st) : lbu_tag_get(nl, lb_st);
	if (err == -EOPNOTSUPP && !lbnl_nl_extack(nl)) {
		fprintf(stderr, "Note: the %s kernel module does not support routable SCTP tags (too old?)\n",
			module);
	} else if (err && err != -ENOENT) {
		fprintf(stderr, "Error: %s: %s\n", module,
			error_text(nl, LBNL_OP_TAG_GET, err));
		*failed = true;
	}
	lbnl_nl_close(nl);
	if (err == -ENOENT)
		return ROLE_NO_KEY;
	return err ? ROLE_UNSHOWN : ROLE_KEY;
}

static int run_tag_show(int argc, char **argv)
{
	struct lbu_srv_tag_status srv_st;
	struct lbu_tag_status lb_st;
	bool failed = false;
	int lb, srv;

	if (take_output_options(&argc, argv) || expect_no_args(argc, argv))
		return EXIT_USAGE;
	lb = get_role(false, &lb_st, NULL, &failed);
	srv = get_role(true, NULL, &srv_st, &failed);
	if (lb == ROLE_ABSENT && srv == ROLE_ABSENT)
		fprintf(stderr, "Error: neither the lbnl nor the lbnl_srv kernel module is loaded (modprobe lbnl on an LB, lbnl_srv on a server)\n");
	if (failed || (lb < 0 && srv < 0))
		return EXIT_FAIL;

	json_print_init(stdout, opts.json, opts.pretty);
	open_json_object(NULL);
	if (lb >= 0)
		print_lb(lb == ROLE_KEY ? &lb_st : NULL);
	if (srv >= 0)
		print_srv(srv == ROLE_KEY ? &srv_st : NULL);
	close_json_object();
	return EXIT_OK;
}

const struct cmd tag_cmds[] = {
	{ "show", "[-j [-p]]",
	  "Show the routable-tag setting of each role whose module is loaded:\n"
	  "the key's fingerprint (the same on every host of the key), the LB's\n"
	  "packets routed by tag, the server's id and tags chosen",
	  run_tag_show, NULL },
	{ "genkey", "",
	  "Print a new random key (32 hex digits) for \"tag set key-file\"",
	  run_tag_genkey, NULL },
	{ "set", "key-file FILE [server-id ID]",
	  "Set the key (FILE: as genkey prints it; \"-\": standard input): the\n"
	  "LB's, or with a server id (1..4095) the server's, whose SCTP\n"
	  "associations then get tags naming it",
	  run_tag_set, NULL },
	{ "del", "[server]",
	  "Forget the LB's key (or the server's: tags are random again)",
	  run_tag_del, NULL },
	{ 0 },
};
